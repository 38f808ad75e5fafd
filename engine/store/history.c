/*
 * history.c — the append-only event log of an execution.
 *
 * Format. One event per line, compact JSON, ending with a checksum member
 * written last: `...,"crc":"xxxxxxxx"}\n`, where xxxxxxxx is the CRC-32 (hex)
 * of every byte of the line before `,"crc"`. A line is good when it ends in a
 * newline, its checksum matches and it parses; anything else is the torn tail
 * of a write cut off by a crash (or a corrupted block), and is dropped on
 * read. Because lines are only ever appended, a bad line can only be the
 * last one unless the disk itself corrupted data; a bad line in the middle
 * is dropped too and counted, and everything after it is still read.
 * A checksum proves nothing against a hand-made line, so a good line whose
 * ids do not fit the sequence (see event_ids_fit) is dropped as well: no
 * reader ever sees an id above the number of lines in the file.
 *
 * Durability. Events are appended to a memory buffer and written with one
 * write(2) per loop turn (the engine calls sf_history_flush before the loop
 * waits for anything, and during a long turn once 256 KB or 200 ms have
 * gathered: see exec.c), so a killed process (kill -9, OOM) loses nothing
 * it recorded: the data is in the kernel. What a power loss can lose depends
 * on the fsync policy:
 *   never  — the OS writes back when it likes (usually within 30 s);
 *   end    — (default) fsync when the execution ends, so a finished
 *            execution's result survives power loss; a running one may
 *            lose its last events and resume re-runs those steps;
 *   always — fsync after every batch, before the engine starts any task it
 *            has just recorded as scheduled: slowest, nothing recorded is
 *            ever lost.
 * A task whose result was not durable is run again on resume (at-least-once).
 *
 * Failure. A failed write or fsync is reported to the caller, which fails the
 * run with a store error (exit 4): the engine never goes on executing steps
 * it cannot record. A full disk (ENOSPC), the file size limit (EFBIG: the
 * command line ignores SIGXFSZ), a read-only remount (EROFS) and I/O errors
 * all end so; a write cut short by one leaves a torn last line, which
 * reading drops like a crash's. A log whose file was moved, removed or
 * replaced under it (the store folder renamed, deleted, a file put in its
 * place) still takes writes through its descriptor, so that is checked
 * too (sf_history_check_place): the run stops the same way.
 *
 * Descriptors. A log holds its file descriptor only while it may be written
 * to: a log opened to continue an execution opens it at its first flush, and
 * sf_history_release_fd closes it while nothing is buffered (the engine does
 * so for executions that are waiting, when a process runs many of them), to
 * be reopened with O_APPEND by the next flush. Thousands of parked
 * executions thus cost no descriptors; a reopen that fails (EMFILE, the file
 * removed) is a write failure like any other.
 *
 * Fault injection (a test hook, as SQLite's test builds have). Crash safety
 * is tested by killing the writer at every step of a run
 * (tests/durability/). Two environment variables, read when a log is
 * opened, turn it on; unset (always, in real use) they cost nothing:
 *   STEPFN_FAULT_CRASH_AFTER_EVENTS=N  write event lines one write(2) each
 *       and raise(SIGKILL) right after the Nth line this process wrote has
 *       reached the file;
 *   STEPFN_FAULT_TORN_AT_EVENT=N       write only the first half of the
 *       Nth line, then raise(SIGKILL): the torn write a crash leaves.
 * Lines are counted per process, across every log it writes.
 */
#include "engine/store/history.h"
#include "engine/store/crc32.h"
#include "engine/json_text.h"
#include "engine/json_util.h"
#include "engine/timestamp.h"
#include "engine/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CRC_SUFFIX_LEN 18 /* ,"crc":"xxxxxxxx"} */

/* A positive event id and its decimal text. */
typedef struct event_number {
    int64_t value; /* 0: none yet */
    unsigned char len;
    char text[23];
} event_number;

struct sf_history {
    int fd;
    char *path;
    sf_fsync_policy policy;
    sf_text buf;                         /* lines not yet written */
    size_t line_start;                   /* where the line being built starts in buf */
    bool crc_pending;                    /* the last line's checksum is still to be filled in */
    size_t crc_line_start, crc_line_len; /* that line: its bytes before ,"crc" */
    int64_t ts_second;                   /* the second ts_prefix was formatted for */
    char ts_prefix[24];                  /* "2026-11-23T10:52:29." */
    long crash_after, torn_at;           /* fault injection (see the top); 0: off */
    event_number last_id;                /* the id of the last line, as text */
};

/* Lines written by this process while fault injection is on: the one
 * process-wide counter the test hook needs ("the Nth line this process
 * wrote"); never touched otherwise. */
static long fault_lines_written;

static long fault_setting(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? atol(v) : 0;
}

bool sf_fsync_policy_parse(const char *text, sf_fsync_policy *out)
{
    static const struct {
        const char *name;
        sf_fsync_policy policy;
    } names[] = {{"never", SF_FSYNC_NEVER}, {"end", SF_FSYNC_END}, {"always", SF_FSYNC_ALWAYS}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(text, names[i].name) == 0) {
            *out = names[i].policy;
            return true;
        }
    return false;
}

const char *sf_fsync_policy_name(sf_fsync_policy policy)
{
    return policy == SF_FSYNC_NEVER ? "never" : policy == SF_FSYNC_ALWAYS ? "always" : "end";
}

static sf_history *history_new(int fd, const char *path, sf_fsync_policy policy)
{
    sf_history *h = SF_NEW(sf_history);
    h->fd = fd;
    h->path = sf_strdup(path);
    sf_text_use_big_pages(&h->buf); /* a busy turn fills 256 KB again and again */
    h->policy = policy;
    h->crash_after = fault_setting("STEPFN_FAULT_CRASH_AFTER_EVENTS");
    h->torn_at = fault_setting("STEPFN_FAULT_TORN_AT_EVENT");
    return h;
}

sf_history *sf_history_create(const char *path, sf_fsync_policy policy, char **err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        *err = sf_asprintf("%s: cannot create: %s", path, strerror(errno));
        return NULL;
    }
    return history_new(fd, path, policy);
}

/* Length of the good prefix of a log: up to the end of the last line that
 * ends in a newline. A torn tail after it is what a crash mid-write leaves. */
static off_t good_prefix_length(const char *text, size_t len)
{
    while (len > 0 && text[len - 1] != '\n')
        len--;
    return (off_t)len;
}

sf_history *sf_history_open_append(const char *path, sf_fsync_policy policy, char **err)
{
    size_t len;
    char *text = sf_read_file(path, &len);
    if (!text) {
        *err = sf_asprintf("%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    off_t keep = good_prefix_length(text, len);
    free(text);
    if ((size_t)keep != len && truncate(path, keep) != 0) {
        *err = sf_asprintf("%s: cannot cut off the torn last line: %s", path, strerror(errno));
        return NULL;
    }
    /* Opened by the first flush (see "Descriptors" at the top): a resumed
     * execution that only parks again never holds one. */
    return history_new(-1, path, policy);
}

/* Open the log for appending again after sf_history_release_fd (or for the
 * first time after sf_history_open_append). */
static int ensure_open(sf_history *h, char **err)
{
    if (h->fd >= 0)
        return 0;
    h->fd = open(h->path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (h->fd < 0) {
        *err = sf_asprintf("%s: cannot open history for appending: %s", h->path, strerror(errno));
        return -1;
    }
    return 0;
}

bool sf_history_release_fd(sf_history *h)
{
    if (h->fd < 0 || h->buf.len > 0)
        return false;
    /* Everything is written: close cannot lose data (a deferred write-back
     * error would show on the next fdatasync, which reopens the file). */
    close(h->fd);
    h->fd = -1;
    return true;
}

/* Fill in the checksum of the last line (see end_line). */
static void fill_pending_crc(sf_history *h)
{
    if (!h->crc_pending)
        return;
    /* Two hex digits per byte of the checksum, from a table. */
    static const char hex_pairs[513] =
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
        "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
        "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
        "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
        "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    char *line = h->buf.data + h->crc_line_start;
    uint32_t crc = sf_crc32(0, line, h->crc_line_len);
    char *hex = line + h->crc_line_len + 8; /* past ,"crc":" */
    for (int i = 0; i < 4; i++)
        memcpy(hex + 2 * i, hex_pairs + 2 * ((crc >> (24 - 8 * i)) & 0xFF), 2);
    h->crc_pending = false;
}

/* Close the line begun at h->line_start: drop its closing brace and add the
 * checksum member, which closes the object instead. The checksum itself is
 * filled in when the next line ends (or before the buffer is written):
 * read back at once, the line's bytes would still be in the CPU's store
 * buffer as the dozen small writes that made them, and the checksum's wide
 * loads would wait for each of them (a third of its cost). */
static void end_line(sf_history *h)
{
    sf_text *b = &h->buf;
    b->len--; /* the closing brace */
    fill_pending_crc(h);
    h->crc_pending = true;
    h->crc_line_start = h->line_start;
    h->crc_line_len = b->len - h->line_start;
    SF_TEXT_PUT_LITERAL(b, ",\"crc\":\"00000000\"}\n");
}

void sf_history_append(sf_history *h, json_t *event)
{
    h->line_start = h->buf.len;
    sf_text_put_json(&h->buf, event);
    end_line(h);
}

/* ,"<detailsKey>": without allocating (see sf_history_details_key). */
static void make_details_key(sf_text *b, const char *type)
{
    size_t n = strlen(type);
    if (n > 12 && memcmp(type + n - 12, "StateEntered", 12) == 0) {
        SF_TEXT_PUT_LITERAL(b, ",\"stateEnteredEventDetails\":");
    } else if (n > 11 && memcmp(type + n - 11, "StateExited", 11) == 0) {
        SF_TEXT_PUT_LITERAL(b, ",\"stateExitedEventDetails\":");
    } else {
        char first = (char)tolower((unsigned char)type[0]);
        sf_text_put(b, ",\"", 2);
        sf_text_put(b, &first, 1);
        sf_text_put(b, type + 1, n - 1);
        SF_TEXT_PUT_LITERAL(b, "EventDetails\":");
    }
}

/* ,"type":"<type>","<detailsKey>": for an event given by its type. A Map
 * records two MapIteration events per item and a Task four events per
 * attempt, so the last few are kept, matched by their text. */
#define TYPE_HEADS_KEPT 8
static void put_type_head(sf_text *b, const char *type)
{
    static struct {
        char *type;
        sf_text head;
    } kept[TYPE_HEADS_KEPT];
    static unsigned next_slot;
    for (unsigned i = 0; i < TYPE_HEADS_KEPT && kept[i].type; i++)
        if (strcmp(kept[i].type, type) == 0) {
            sf_text_put(b, kept[i].head.data, kept[i].head.len);
            return;
        }
    unsigned i = next_slot++ % TYPE_HEADS_KEPT;
    free(kept[i].type);
    kept[i].type = sf_strdup(type);
    kept[i].head.len = 0;
    /* Event types are the engine's own identifiers: nothing to escape. */
    SF_TEXT_PUT_LITERAL(&kept[i].head, ",\"type\":\"");
    sf_text_put(&kept[i].head, type, strlen(type));
    sf_text_put(&kept[i].head, "\"", 1);
    make_details_key(&kept[i].head, type);
    sf_text_put(b, kept[i].head.data, kept[i].head.len);
}

char *sf_history_next_member(const char *name)
{
    sf_text b = {0};
    SF_TEXT_PUT_LITERAL(&b, ",\"next\":");
    sf_text_put_string(&b, name, strlen(name));
    return b.data;
}

char *sf_history_io_head(const char *type, const char *name, bool is_output)
{
    sf_text b = {0};
    SF_TEXT_PUT_LITERAL(&b, ",\"type\":\"");
    sf_text_put(&b, type, strlen(type));
    sf_text_put(&b, "\"", 1);
    make_details_key(&b, type);
    SF_TEXT_PUT_LITERAL(&b, "{\"name\":");
    sf_text_put_string(&b, name, strlen(name));
    if (is_output)
        SF_TEXT_PUT_LITERAL(&b, ",\"output\":");
    else
        SF_TEXT_PUT_LITERAL(&b, ",\"input\":");
    return b.data;
}

/* ,"assignedVariables":{...},"assignedVariablesDetails":{...} of an entry
 * or exit event whose state assigned variables: each value as JSON text in
 * a string, as AWS records it. */
static void put_assigned(sf_text *b, const json_t *assigned)
{
    sf_text value = {0};
    const char *key;
    json_t *v;
    char sep = '{';
    SF_TEXT_PUT_LITERAL(b, ",\"assignedVariables\":");
    json_object_foreach((json_t *)assigned, key, v)
    {
        sf_text_put(b, &sep, 1);
        sep = ',';
        sf_text_put_string(b, key, strlen(key));
        sf_text_put(b, ":", 1);
        value.len = 0;
        sf_text_put_json(&value, v);
        sf_text_put_string(b, value.data, value.len);
    }
    if (sep == '{')
        sf_text_put(b, "{", 1);
    SF_TEXT_PUT_LITERAL(b, "},\"assignedVariablesDetails\":{\"truncated\":false}");
    sf_text_free(&value);
}

/* One more than n, in place: "129" -> "130", "99" -> "100". */
static void count_up(event_number *n)
{
    int i = n->len - 1;
    while (i >= 0 && n->text[i] == '9')
        n->text[i--] = '0';
    if (i >= 0) {
        n->text[i]++;
    } else {
        memmove(n->text + 1, n->text, n->len);
        n->text[0] = '1';
        n->len++;
    }
    n->value++;
}

static void remember_number(event_number *n, int64_t value, const char *text, size_t len)
{
    n->value = value;
    n->len = (unsigned char)len;
    memcpy(n->text, text, len);
}

/* A line is a dozen pieces: the fixed-size ones are written into room
 * reserved once, with no capacity check or terminator per piece (the line's
 * end terminates the buffer). */
#define LINE_HEAD_MOST 128 /* {"id":N,"previousEventId":N,"timestamp":"..." */
#define RAW_LITERAL(w, literal)                                                                    \
    (memcpy((w), "" literal, sizeof(literal) - 1), (w) += sizeof(literal) - 1)

static inline char *raw_put(char *w, const char *s, size_t n)
{
    memcpy(w, s, n);
    return w + n;
}

/* The id and previousEventId. Ids count up by one from line to line, and
 * most events follow the line before: both usually come from the last
 * line's id as text, counted up by one, rather than from a conversion
 * (two per line, at a million lines a second). */
static char *put_event_ids(sf_history *h, char *w, int64_t id, int64_t previous_id)
{
    event_number before = h->last_id;
    RAW_LITERAL(w, "{\"id\":");
    if (before.value > 0 && id == before.value + 1) {
        count_up(&h->last_id);
        w = raw_put(w, h->last_id.text, h->last_id.len);
    } else {
        size_t n = sf_format_int(w, id);
        if (id > 0 && n < sizeof h->last_id.text)
            remember_number(&h->last_id, id, w, n);
        else
            h->last_id.value = 0;
        w += n;
    }
    RAW_LITERAL(w, ",\"previousEventId\":");
    if (before.value > 0 && previous_id == before.value)
        w = raw_put(w, before.text, before.len);
    else
        w += sf_format_int(w, previous_id);
    return w;
}

/* "2026-11-23T10:52:29.123Z": the date and time part is formatted once per
 * second, which matters at a million events a second. */
static char *put_timestamp(sf_history *h, char *w, int64_t ms)
{
    int64_t second = ms / 1000;
    if (second != h->ts_second || !h->ts_prefix[0]) {
        char full[32];
        sf_timestamp_format_ms(second * 1000, full);
        memcpy(h->ts_prefix, full, 20); /* up to and including the '.' */
        h->ts_prefix[20] = '\0';
        h->ts_second = second;
    }
    int frac = (int)(ms % 1000);
    RAW_LITERAL(w, ",\"timestamp\":\"");
    w = raw_put(w, h->ts_prefix, 20);
    *w++ = (char)('0' + frac / 100);
    *w++ = (char)('0' + frac / 10 % 10);
    *w++ = (char)('0' + frac % 10);
    RAW_LITERAL(w, "Z\"");
    return w;
}

static void put_line_head(sf_history *h, sf_text *b, const sf_event_parts *e)
{
    if (b->len + LINE_HEAD_MOST + 1 > b->cap)
        sf_text_reserve(b, LINE_HEAD_MOST);
    char *w = put_event_ids(h, b->data + b->len, e->id, e->previous_id);
    w = put_timestamp(h, w, e->timestamp_ms);
    b->len = (size_t)(w - b->data);
}

/* The rest of a *StateEntered / *StateExited line: its details, in the key
 * order jansson's details object had before this path existed (stores
 * written by either read alike), then scope and next. The fixed-size parts
 * go into room reserved once; only assigned variables, rare, are written
 * piece by piece. */
static void put_io_line_rest(sf_text *b, const sf_io_details *io, const char *scope)
{
    static const char input_details[] = ",\"inputDetails\":{\"truncated\":false}";
    static const char output_details[] = ",\"outputDetails\":{\"truncated\":false}";
    size_t need = io->head_len + io->value_literal_len + sizeof output_details;
    if (b->len + need + 1 > b->cap)
        sf_text_reserve(b, need);
    char *w = b->data + b->len;
    w = raw_put(w, io->head, io->head_len);
    w = raw_put(w, io->value_literal, io->value_literal_len);
    if (io->is_output)
        w = raw_put(w, output_details, sizeof output_details - 1);
    else
        w = raw_put(w, input_details, sizeof input_details - 1);
    b->len = (size_t)(w - b->data);
    if (io->assigned)
        put_assigned(b, io->assigned);
    size_t scope_len = scope ? strlen(scope) : 0;
    need = 1 + sizeof ",\"scope\":" + scope_len + io->next_member_len + 1;
    if (b->len + need + 1 > b->cap)
        sf_text_reserve(b, need);
    w = b->data + b->len;
    *w++ = '}'; /* the details */
    if (scope) {
        RAW_LITERAL(w, ",\"scope\":");
        w = raw_put(w, scope, scope_len);
    }
    if (io->next_member)
        w = raw_put(w, io->next_member, io->next_member_len);
    *w++ = '}';
    b->len = (size_t)(w - b->data);
}

void sf_history_append_parts(sf_history *h, const sf_event_parts *e)
{
    sf_text *b = &h->buf;
    h->line_start = b->len;
    put_line_head(h, b, e);
    if (e->io) {
        put_io_line_rest(b, e->io, e->scope);
        end_line(h);
        return;
    }
    if (e->details) {
        put_type_head(b, e->type);
        sf_text_put_json(b, e->details);
    } else if (e->details_text) {
        put_type_head(b, e->type);
        sf_text_put(b, e->details_text, e->details_text_len);
    } else {
        /* Event types are the engine's own identifiers: nothing to escape. */
        SF_TEXT_PUT_LITERAL(b, ",\"type\":\"");
        sf_text_put(b, e->type, strlen(e->type));
        sf_text_put(b, "\"", 1);
    }
    if (e->scope) {
        SF_TEXT_PUT_LITERAL(b, ",\"scope\":");
        sf_text_put(b, e->scope, strlen(e->scope));
    }
    if (e->next) {
        SF_TEXT_PUT_LITERAL(b, ",\"next\":");
        sf_text_put_string(b, e->next, strlen(e->next));
    }
    if (e->state) {
        SF_TEXT_PUT_LITERAL(b, ",\"state\":");
        sf_text_put_string(b, e->state, strlen(e->state));
    }
    sf_text_put(b, "}", 1);
    end_line(h);
}

static void write_or_die(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            raise(SIGKILL); /* a test run: die as the crash would */
        p += w;
        n -= (size_t)w;
    }
}

/* Fault injection: write the buffered lines one at a time, dying where the
 * settings say; afterwards the buffer is empty. */
static void flush_with_faults(sf_history *h)
{
    const char *p = h->buf.data, *end = h->buf.data + h->buf.len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        long nth = ++fault_lines_written;
        write_or_die(h->fd, p, nth == h->torn_at ? n / 2 : n);
        if (nth == h->torn_at || nth == h->crash_after)
            raise(SIGKILL);
        p += n;
    }
    h->buf.len = 0;
}

size_t sf_history_buffered(const sf_history *h)
{
    return h->buf.len;
}

int sf_history_flush(sf_history *h, bool force_sync, char **err)
{
    fill_pending_crc(h);
    bool wrote = h->buf.len > 0;
    bool sync = h->policy == SF_FSYNC_ALWAYS ? wrote : (force_sync && h->policy != SF_FSYNC_NEVER);
    if (!wrote && !sync)
        return 0;
    if (ensure_open(h, err) != 0)
        return -1;
    if (h->crash_after > 0 || h->torn_at > 0)
        flush_with_faults(h);
    size_t off = 0;
    while (off < h->buf.len) {
        ssize_t w = write(h->fd, h->buf.data + off, h->buf.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            *err = sf_asprintf("%s: cannot write history: %s", h->path,
                               w < 0 ? strerror(errno) : "short write");
            memmove(h->buf.data, h->buf.data + off, h->buf.len - off);
            h->buf.len -= off;
            return -1;
        }
        off += (size_t)w;
    }
    h->buf.len = 0;
    if (sync && fdatasync(h->fd) != 0) {
        *err = sf_asprintf("%s: cannot sync history: %s", h->path, strerror(errno));
        return -1;
    }
    return 0;
}

int sf_history_check_place(sf_history *h, char **err)
{
    struct stat open_st, path_st;
    if (h->fd < 0 || fstat(h->fd, &open_st) != 0)
        return 0; /* reopened by name at the next flush, which fails if it is gone */
    int rc = stat(h->path, &path_st);
    if (rc == 0 && path_st.st_dev == open_st.st_dev && path_st.st_ino == open_st.st_ino)
        return 0;
    *err = sf_asprintf("%s: the history file is no longer there (%s): the store or the "
                       "execution's folder was moved, removed or replaced during the run; the "
                       "execution was stopped",
                       h->path, rc == 0 ? "another file has its name" : strerror(errno));
    return -1;
}

int sf_history_close(sf_history *h, char **err)
{
    if (!h)
        return 0;
    int rc = sf_history_flush(h, true, err);
    if (rc == 0)
        rc = sf_history_check_place(h, err);
    if (h->fd >= 0 && close(h->fd) != 0 && rc == 0) {
        *err = sf_asprintf("%s: cannot close history: %s", h->path, strerror(errno));
        rc = -1;
    }
    sf_text_free(&h->buf);
    free(h->path);
    free(h);
    return rc;
}

/* Check one line (without its newline); return the event, or NULL with
 * *why saying what was wrong with it. */
static json_t *parse_line(const char *line, size_t len, const char **why)
{
    *why = "checksum missing or wrong (a torn or corrupted write)";
    if (len < CRC_SUFFIX_LEN + 2 || strncmp(line + len - CRC_SUFFIX_LEN, ",\"crc\":\"", 8) != 0 ||
        line[len - 1] != '}' || line[len - 2] != '"')
        return NULL;
    char hex[9];
    memcpy(hex, line + len - CRC_SUFFIX_LEN + 8, 8);
    hex[8] = '\0';
    for (int i = 0; i < 8; i++)
        if (!isxdigit((unsigned char)hex[i]))
            return NULL;
    uint32_t want = (uint32_t)strtoul(hex, NULL, 16);
    if (sf_crc32(0, line, len - CRC_SUFFIX_LEN) != want)
        return NULL;
    json_t *ev = json_loadb(line, len, 0, NULL);
    if (!json_is_object(ev)) {
        *why = "not a JSON object";
        json_decref(ev);
        return NULL;
    }
    json_object_del(ev, "crc");
    return ev;
}

/* A line whose checksum holds can still be hostile (anyone can compute a
 * CRC-32): readers index tables by event id (the graph overlay) and match
 * events by previousEventId, so an id of 2^62 must never get that far.
 * Ids count up by one from line to line; an id must exceed the last one
 * kept and be at most the line's number (a line dropped before it leaves
 * a gap, never more), so no id exceeds the number of lines in the file,
 * and previousEventId must name an earlier event. Writes *why and returns
 * false for a line to drop. */
static bool event_ids_fit(const json_t *ev, int64_t last_id, size_t line_no, char *why,
                          size_t why_size)
{
    json_t *id_json = json_object_get(ev, "id");
    json_t *prev_json = json_object_get(ev, "previousEventId");
    if (!json_is_integer(id_json) || !json_is_integer(prev_json) ||
        !json_is_string(json_object_get(ev, "type"))) {
        snprintf(why, why_size, "no integer id, integer previousEventId and string type");
        return false;
    }
    long long id = json_integer_value(id_json), prev = json_integer_value(prev_json);
    if (id <= last_id || id > (long long)line_no) {
        snprintf(why, why_size, "event id %lld out of sequence (expected %lld)", id,
                 (long long)last_id + 1);
        return false;
    }
    if (prev < 0 || prev >= id) {
        snprintf(why, why_size, "previousEventId %lld does not name an event before id %lld", prev,
                 id);
        return false;
    }
    return true;
}

/* Record a dropped line: counted always, described for the first few (a
 * file of a million bad lines must not print a million warnings). */
static void note_dropped(sf_text *notes, size_t *bad, const char *path, size_t line_no,
                         const char *why)
{
    if (++*bad > SF_HISTORY_NOTES_MAX)
        return;
    char *note = sf_asprintf("%s:%zu: %s; line ignored\n", path, line_no, why);
    sf_text_puts(notes, note);
    free(note);
}

json_t *sf_history_read(const char *path, size_t *dropped, char **notes, char **err)
{
    size_t len;
    char *text = sf_read_file(path, &len);
    if (!text) {
        *err = sf_asprintf("%s: cannot read history: %s", path, strerror(errno));
        return NULL;
    }
    json_t *events = json_array();
    sf_text why_text = {0};
    size_t bad = 0, line_no = 0;
    int64_t last_id = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        line_no++;
        if (!nl) { /* torn tail: the write that would have ended it never happened */
            note_dropped(&why_text, &bad, path, line_no,
                         "torn last line (no final newline: a crash cut the write short)");
            break;
        }
        const char *why = NULL;
        char id_why[160];
        json_t *ev = parse_line(p, (size_t)(nl - p), &why);
        if (ev && !event_ids_fit(ev, last_id, line_no, id_why, sizeof id_why)) {
            json_decref(ev);
            ev = NULL;
            why = id_why;
        }
        if (ev) {
            last_id = json_integer_value(json_object_get(ev, "id"));
            json_array_append_new(events, ev);
        } else if (nl > p) {
            note_dropped(&why_text, &bad, path, line_no, why);
        }
        p = nl + 1;
    }
    free(text);
    if (bad > SF_HISTORY_NOTES_MAX) {
        char *more =
            sf_asprintf("%s: %zu more bad line(s) ignored\n", path, bad - SF_HISTORY_NOTES_MAX);
        sf_text_puts(&why_text, more);
        free(more);
    }
    if (dropped)
        *dropped = bad;
    if (notes)
        *notes = why_text.len ? sf_strndup(why_text.data, why_text.len) : NULL;
    sf_text_free(&why_text);
    return events;
}

char *sf_history_details_key(const char *type)
{
    size_t n = strlen(type);
    static const char entered[] = "StateEntered", exited[] = "StateExited";
    if (n > sizeof entered - 1 && strcmp(type + n - (sizeof entered - 1), entered) == 0)
        return sf_strdup("stateEnteredEventDetails");
    if (n > sizeof exited - 1 && strcmp(type + n - (sizeof exited - 1), exited) == 0)
        return sf_strdup("stateExitedEventDetails");
    char *key = sf_asprintf("%sEventDetails", type);
    key[0] = (char)tolower((unsigned char)key[0]);
    return key;
}

json_t *sf_history_event_new(int64_t id, int64_t previous_id, int64_t timestamp_ms,
                             const char *type, json_t *details)
{
    char ts[32];
    json_t *ev = json_object();
    json_object_set_new(ev, "id", json_integer(id));
    json_object_set_new(ev, "previousEventId", json_integer(previous_id));
    json_object_set_new(ev, "timestamp", json_string(sf_timestamp_format_ms(timestamp_ms, ts)));
    json_object_set_new(ev, "type", json_string(type));
    if (details) {
        char *key = sf_history_details_key(type);
        json_object_set_new(ev, key, details);
        free(key);
    }
    return ev;
}

json_t *sf_history_event_details(const json_t *event)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)event, key, v)
    {
        size_t n = strlen(key);
        if (n > 12 && strcmp(key + n - 12, "EventDetails") == 0)
            return v;
    }
    return NULL;
}
