/*
 * history_check.c — see history_check.h.
 *
 * The engine writes a history in one order: ids 1, 2, 3, ... one per line,
 * each previousEventId below its own id, ExecutionStarted first and only
 * once, and after an execution's end (ExecutionSucceeded, ...Failed,
 * ...TimedOut, ...Aborted) nothing but an ExecutionRedriven of a failed
 * one. A history that breaks one of these was not left so by a crash
 * (which only ever cuts the last line short), so a resume or a replay that
 * matched against it would act on events that are not what happened: it
 * could skip a step whose record was deleted, or take a result from the
 * wrong place. The check costs one pass over events already in memory.
 */
#include "engine/store/history_check.h"
#include "engine/xalloc.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool sf_history_ends_torn(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    char last = '\n';
    if (fstat(fd, &st) == 0 && st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
        last = '\n';
    close(fd);
    return last != '\n';
}

static bool is_end(const char *type)
{
    return strcmp(type, "ExecutionSucceeded") == 0 || strcmp(type, "ExecutionFailed") == 0 ||
           strcmp(type, "ExecutionTimedOut") == 0 || strcmp(type, "ExecutionAborted") == 0;
}

static bool has_id_after(const json_t *events, size_t i, json_int_t id)
{
    for (size_t k = i + 1; k < json_array_size(events); k++)
        if (json_integer_value(json_object_get(json_array_get(events, k), "id")) == id)
            return true;
    return false;
}

/* The event at position i (0-based) against the one before it. */
static char *event_damage(const json_t *events, size_t i, const char *before_type)
{
    const json_t *ev = json_array_get(events, i);
    json_int_t want = (json_int_t)i + 1;
    json_int_t id = json_integer_value(json_object_get(ev, "id"));
    json_int_t previous = json_integer_value(json_object_get(ev, "previousEventId"));
    const char *type = json_string_value(json_object_get(ev, "type"));
    if (!json_is_integer(json_object_get(ev, "id")) || !type)
        return sf_asprintf("event %lld has no id or no type", (long long)want);
    if (id > want && has_id_after(events, i, want))
        return sf_asprintf("event %lld comes before event %lld: lines were moved by hand",
                           (long long)id, (long long)want);
    if (id > want)
        return sf_asprintf("event %lld is missing (the event after %lld has id %lld): a line was "
                           "deleted",
                           (long long)want, (long long)want - 1, (long long)id);
    if (id < want)
        return sf_asprintf("event %lld comes after event %lld: lines were moved, copied or "
                           "appended by hand",
                           (long long)id, (long long)want - 1);
    if (previous < 0 || previous >= id)
        return sf_asprintf("event %lld follows event %lld, which is not before it", (long long)id,
                           (long long)previous);
    if ((i == 0) != (strcmp(type, "ExecutionStarted") == 0))
        return i == 0 ? sf_asprintf("the first event is %s, not ExecutionStarted", type)
                      : sf_asprintf("event %lld is a second ExecutionStarted", (long long)id);
    if (before_type && is_end(before_type) &&
        (strcmp(type, "ExecutionRedriven") != 0 || strcmp(before_type, "ExecutionSucceeded") == 0))
        return sf_asprintf("event %lld (%s) follows the execution's end (%s)", (long long)id, type,
                           before_type);
    return NULL;
}

char *sf_history_damage(const json_t *events, size_t corrupted_lines)
{
    if (corrupted_lines > 0)
        return sf_asprintf("%zu complete line(s) fail their checksum, do not parse or are out "
                           "of sequence: the file was changed after it was written",
                           corrupted_lines);
    const char *before_type = NULL;
    for (size_t i = 0; i < json_array_size(events); i++) {
        char *why = event_damage(events, i, before_type);
        if (why)
            return why;
        before_type = json_string_value(json_object_get(json_array_get(events, i), "type"));
    }
    return NULL;
}
