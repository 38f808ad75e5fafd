/*
 * lab.h — what the lab's step programs share.
 *
 * Every step program is a stand-in for one Lambda function (or one AWS
 * service call) of the serverless labs, and follows stepfn's step contract
 * (engine/invoke/invoke_process.h): the event as JSON on stdin, the result as JSON
 * on stdout, and on failure exit status 1 with a Lambda-style
 * {"errorType": "...", "errorMessage": "..."} line, which stepfn turns into
 * the Error and Cause that Retry and Catch see.
 *
 * The cloud resources are local files, named by environment variables in
 * the resource map's "env", as a Lambda function finds its table or bucket:
 *   a bucket  BUCKET_DIR    a folder; object KEY is the file BUCKET_DIR/KEY
 *   a table   TABLE_FILE    JSON Lines, one item per line, keyed by "pk",
 *                           kept sorted by pk; writers take a lock file
 *                           (TABLE_FILE.lock) so parallel steps can share it
 *   a queue   QUEUE_DIR     a folder per queue, one file per message, in
 *                           the order they were sent
 *   an outbox OUTBOX_DIR    one numbered .eml file per e-mail "sent"
 * Files appear atomically (written to a dot-file, then renamed or linked),
 * so a reader never sees half a message or half a table, and a step killed
 * half-way leaves at worst a dot-file behind, which every reader skips.
 *
 * Ownership: a json_t * returned is a new reference for the caller; one
 * passed in is borrowed unless the function says it steals it. Functions
 * that cannot go on call lab_fail, which does not return.
 */
#ifndef LAB_H
#define LAB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* ---- The Lambda-style contract ---- */

/* The event on stdin. Fails with Lab.BadEvent when it is not JSON. */
json_t *lab_read_event(void);
/* Print the result (stolen) on stdout, one line. */
void lab_reply(json_t *result);
/* json_dumps with flags, writing each number with as few digits as still
 * read back as the same double (19.99, not 19.989999999999998). Malloc'd. */
char *lab_dumps(const json_t *value, size_t flags);
/* Print {"errorType": type, "errorMessage": ...} on stdout and exit 1. */
_Noreturn void lab_fail(const char *type, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The environment variable `name`; Lab.Config when it is unset or empty. */
const char *lab_env(const char *name);
/* The string field of the event; Lab.BadEvent when missing or not a string. */
const char *lab_field(const json_t *event, const char *name);

/* ---- Files ---- */

/* dir + "/" + name, malloc'd. */
char *lab_join(const char *dir, const char *name);
/* mkdir -p; Lab.Io when it cannot. */
void lab_mkdirs(const char *dir);
/* The whole file, NUL-terminated and malloc'd; NULL with errno set. */
char *lab_read_file(const char *path, size_t *len);
/* Replace the file atomically (a dot-file renamed over it), creating its
 * folder; Lab.Io when it cannot. */
void lab_write_file(const char *path, const char *data, size_t len);
/* Create dir/NUMBER.suffix with the next number after the highest one in
 * dir (zero-padded to `width` digits), atomically and without ever
 * replacing a file. Returns the number. Lab.Io when it cannot. */
long lab_write_numbered(const char *dir, const char *suffix, int width, const char *data,
                        size_t len);

/* ---- Buckets ---- */

/* Lab.BadKey unless KEY is a plain relative path that stays inside the
 * bucket (no leading '/', no "." or ".." segment, no empty segment). */
void lab_check_key(const char *key);
/* Every object key below dir, sorted: files and anything else that is not
 * a folder, found recursively; names starting with '.' are skipped. */
json_t *lab_list_keys(const char *dir);

/* ---- Tables ---- */

typedef struct lab_table {
    char *path;
    int lock_fd;
    json_t *items; /* pk -> item */
} lab_table;

/* Lock the table (waiting for other writers) and read it. A missing file is
 * an empty table. Lab.Io / Lab.TableCorrupt when it cannot be read. */
void lab_table_open(lab_table *t, const char *path);
/* The item with this pk, borrowed, or NULL. */
json_t *lab_table_get(const lab_table *t, const char *pk);
/* Insert or replace the item (stolen) under its "pk". */
void lab_table_put(lab_table *t, json_t *item);
void lab_table_delete(lab_table *t, const char *pk);
/* The items sorted by pk (a new array of borrowed-then-increfed items). */
json_t *lab_table_sorted(const lab_table *t);
/* Write the table back, sorted by pk, atomically. */
void lab_table_commit(lab_table *t);
/* Unlock and free (without writing). */
void lab_table_close(lab_table *t);

/* ---- Queues ---- */

/* The folder of the queue named by the last segment of queue_url
 * ("https://sqs.us-east-1.amazonaws.com/123456789012/lab-summaries" is
 * QUEUE_DIR/lab-summaries). Malloc'd; Lab.BadEvent for an empty name. */
char *lab_queue_dir(const char *queue_url);

#endif
