/*
 * history.h — the execution history: an append-only log of events, one JSON
 * object per line, shaped like the events of GetExecutionHistory.
 *
 *   {"id":3,"previousEventId":2,"timestamp":"2026-11-23T10:52:29.123Z",
 *    "type":"PassStateExited","stateExitedEventDetails":{...},"crc":"1a2b3c4d"}
 *
 * The log is the checkpoint: an execution's position can be rebuilt from it
 * alone. What is durable when, and what a torn write looks like, is
 * described at the top of history.c.
 */
#ifndef SF_HISTORY_H
#define SF_HISTORY_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

typedef enum sf_fsync_policy {
    SF_FSYNC_NEVER,  /* write(2) every loop turn; the OS decides when it reaches disk */
    SF_FSYNC_END,    /* also fsync when the execution ends (the default) */
    SF_FSYNC_ALWAYS, /* fsync after every batch of events, before anything else happens */
} sf_fsync_policy;

/* Parse "never" | "end" | "always"; false when unknown. */
bool sf_fsync_policy_parse(const char *text, sf_fsync_policy *out);
const char *sf_fsync_policy_name(sf_fsync_policy policy);

typedef struct sf_history sf_history;

/* Create a new log file (it must not exist). NULL and *err (malloc'd) on
 * failure. */
sf_history *sf_history_create(const char *path, sf_fsync_policy policy, char **err);
/* Open an existing log to append to it (resume, replay). A torn last line is
 * cut off first so new events follow the last good one. */
sf_history *sf_history_open_append(const char *path, sf_fsync_policy policy, char **err);

/* Append an event. Borrows event. The line is buffered until
 * sf_history_flush (the engine flushes every loop turn). */
void sf_history_append(sf_history *h, json_t *event);

/* The same line as sf_history_append of the event sf_history_event_new
 * would build, plus "scope" and "next" when given, written straight into
 * the buffer: the engine's path for every event. All members borrowed. */
/* The details of a *StateEntered or *StateExited event given as text, so
 * that the hot path (two such events per state) builds no jansson object:
 *   {"name":NAME,"input":VALUE,"inputDetails":{"truncated":false}}
 * with "output" and "outputDetails" for an exit, followed by
 * "assignedVariables" and "assignedVariablesDetails" when a state assigned
 * variables. */
typedef struct sf_io_details {
    const char *head; /* sf_history_io_head of the event's type and state */
    size_t head_len;
    const char *name;          /* the state's name */
    bool is_output;            /* an exit event: "output" rather than "input" */
    const char *value_literal; /* the value's JSON text as a JSON string literal */
    size_t value_literal_len;
    const json_t *assigned;  /* an object of the assigned values, or NULL */
    const char *next_member; /* an exit's ,"next":"NAME" (the next state's), or NULL */
    size_t next_member_len;
} sf_io_details;

/* The part of a *StateEntered / *StateExited line that depends only on the
 * event type and the state's name, from the type to the value:
 *   ,"type":"PassStateEntered","stateEnteredEventDetails":{"name":"N","input":
 * (malloc'd). A state keeps its two, so writing an event copies one piece. */
char *sf_history_io_head(const char *type, const char *name, bool is_output);
/* The ,"next":"NAME" member of an exit event whose next state is NAME
 * (malloc'd): each state keeps its own, for the exits that lead to it. */
char *sf_history_next_member(const char *name);

typedef struct sf_event_parts {
    int64_t id, previous_id, timestamp_ms;
    const char *type;
    json_t *details;          /* may be NULL */
    const sf_io_details *io;  /* written as the details when details is NULL; may be NULL */
    const char *details_text; /* else the details as JSON text; may be NULL */
    size_t details_text_len;
    const char *scope; /* the scope's JSON text (see sf_cursor.scope); may be NULL */
    const char *next;  /* not for io events, which carry their own; may be NULL */
    const char *state; /* ExecutionFailed: the state that failed; may be NULL */
} sf_event_parts;
void sf_history_append_parts(sf_history *h, const sf_event_parts *e);
/* Bytes appended and not yet written. */
size_t sf_history_buffered(const sf_history *h);
/* Write buffered lines, and fsync as the policy says (force_sync: fsync
 * unless the policy is NEVER). Returns 0, or -1 with *err set. */
int sf_history_flush(sf_history *h, bool force_sync, char **err);
/* Close the log's file descriptor if nothing is buffered (true when it was
 * closed); the next flush reopens it for appending. For executions that
 * wait: see "Descriptors" in history.c. */
bool sf_history_release_fd(sf_history *h);
/* Is the open log still the file at its path? Not when the store or the
 * execution's folder was moved, removed or replaced while it ran: writes
 * would then go on succeeding into a file nobody can find by name. Two
 * system calls; the engine asks about once a second and at the end.
 * Returns 0, or -1 with *err naming the path. */
int sf_history_check_place(sf_history *h, char **err);
/* Flush (synced per policy), check the place and close. Returns 0 or -1
 * with *err. */
int sf_history_close(sf_history *h, char **err);

/* Read every good event of a log into a new array. Lines that are torn
 * (no final newline), fail their checksum, or whose ids do not fit (an id
 * must exceed the last one kept and be at most its line number;
 * previousEventId must name an earlier event) are dropped: *dropped counts
 * them and *notes (malloc'd, NULL when none) describes the first
 * SF_HISTORY_NOTES_MAX as "PATH:LINE: why; line ignored" lines. Either may
 * be NULL. So every event id read is at most the number of lines in the
 * file. NULL and *err when the file cannot be read. */
#define SF_HISTORY_NOTES_MAX 10
json_t *sf_history_read(const char *path, size_t *dropped, char **notes, char **err);

/* The detail member name for an event type: "PassStateEntered" ->
 * "stateEnteredEventDetails", "TaskScheduled" -> "taskScheduledEventDetails". */
char *sf_history_details_key(const char *type);

/* The ...EventDetails member of an event, whatever its type (borrowed;
 * NULL when it has none). */
json_t *sf_history_event_details(const json_t *event);

/* Build an event object (new reference); details is stolen and may be NULL. */
json_t *sf_history_event_new(int64_t id, int64_t previous_id, int64_t timestamp_ms,
                             const char *type, json_t *details);

#endif
