/*
 * summary.c — see summary.h. Each event type that changes what
 * DescribeExecution reports has a small fold step; others only bump the
 * counters.
 */
#include "engine/store/summary.h"
#include "engine/store/history.h"
#include "engine/timestamp.h"
#include "engine/xalloc.h"

#include <stdlib.h>
#include <string.h>

void sf_summary_init(sf_summary *s)
{
    memset(s, 0, sizeof *s);
    s->status = "RUNNING";
}

void sf_summary_free(sf_summary *s)
{
    free(s->name);
    free(s->execution_arn);
    free(s->state_machine_arn);
    free(s->input);
    free(s->output);
    free(s->error);
    free(s->cause);
    free(s->failed_state);
    free(s->last_entered);
    free(s->last_failure);
    memset(s, 0, sizeof *s);
}

static void replace(char **dst, const char *src)
{
    free(*dst);
    *dst = src ? sf_strdup(src) : NULL;
}

static int64_t event_ms(const json_t *event)
{
    /* Timestamps are ours ("2026-11-23T10:52:29.123Z"); parse back to ms. */
    int64_t ns;
    const char *ts = json_string_value(json_object_get(event, "timestamp"));
    return ts && sf_timestamp_parse(ts, &ns) ? ns / 1000000 : 0;
}

static const char *detail(const json_t *details, const char *field)
{
    return json_string_value(json_object_get(details, field));
}

static void apply_end(sf_summary *s, const json_t *details, const char *status, int64_t ms)
{
    s->status = status;
    s->stop_ms = ms;
    replace(&s->error, detail(details, "error"));
    replace(&s->cause, detail(details, "cause"));
    /* A failure inside the engine names its state in AWS's cause prefix. */
    static const char prefix[] = "An error occurred while executing the state '";
    const char *cause = s->cause ? s->cause : "";
    const char *quote = strncmp(cause, prefix, sizeof prefix - 1) == 0
                            ? strstr(cause + sizeof prefix - 1, "' (entered at")
                            : NULL;
    if (quote) {
        free(s->failed_state);
        s->failed_state =
            sf_strndup(cause + sizeof prefix - 1, (size_t)(quote - cause) - (sizeof prefix - 1));
        return;
    }
    if (!s->last_failure)
        replace(&s->last_failure, s->last_entered);
    replace(&s->failed_state, s->last_failure);
}

/* Events that say a state failed. The state entered last is the one that
 * failed, except under concurrent branches or iterations, where it is the
 * best guess a fold without scopes can make; a Fail state names itself. */
static bool is_failure_event(const char *type)
{
    return strcmp(type, "TaskFailed") == 0 || strcmp(type, "TaskTimedOut") == 0 ||
           strcmp(type, "TaskStartFailed") == 0;
}

/* Every state entry updates last_entered: reuse its buffer rather than
 * allocate a copy per event. */
static void remember_entered(sf_summary *s, const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (!name) {
        replace(&s->last_entered, NULL);
        return;
    }
    if (n + 1 > s->last_entered_cap || !s->last_entered) {
        free(s->last_entered);
        s->last_entered_cap = n + 32;
        s->last_entered = sf_malloc(s->last_entered_cap);
    }
    memcpy(s->last_entered, name, n + 1);
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n > k && memcmp(s + n - k, suffix, k) == 0;
}

void sf_summary_apply_io(sf_summary *s, int64_t id, bool entered, const char *name,
                         bool fail_state)
{
    s->event_count++;
    s->last_event_id = id;
    if (entered) {
        remember_entered(s, name);
        if (fail_state)
            replace(&s->last_failure, s->last_entered);
    }
}

void sf_summary_apply_state_event(sf_summary *s, const char *type, int64_t id, const char *name)
{
    bool entered = ends_with(type, strlen(type), "StateEntered");
    sf_summary_apply_io(s, id, entered, name, entered && strcmp(type, "FailStateEntered") == 0);
}

void sf_summary_apply_parts(sf_summary *s, const char *type, int64_t id, int64_t ms,
                            const json_t *details)
{
    size_t n = strlen(type);
    if (ends_with(type, n, "StateEntered")) { /* the common case first */
        sf_summary_apply_state_event(s, type, id, detail(details, "name"));
        return;
    }
    s->event_count++;
    s->last_event_id = id;
    if (type[0] == 'T' && is_failure_event(type)) {
        replace(&s->last_failure, s->last_entered);
    } else if (type[0] != 'E' || strncmp(type, "Execution", 9) != 0) {
        return;
    } else if (strcmp(type, "ExecutionStarted") == 0) {
        s->start_ms = ms;
        replace(&s->input, detail(details, "input"));
        replace(&s->name, detail(details, "name"));
        replace(&s->execution_arn, detail(details, "executionArn"));
        replace(&s->state_machine_arn, detail(details, "stateMachineArn"));
    } else if (strcmp(type, "ExecutionSucceeded") == 0) {
        s->status = "SUCCEEDED";
        s->stop_ms = ms;
        replace(&s->output, detail(details, "output"));
    } else if (strcmp(type, "ExecutionFailed") == 0) {
        apply_end(s, details, "FAILED", ms);
    } else if (strcmp(type, "ExecutionTimedOut") == 0) {
        apply_end(s, details, "TIMED_OUT", ms);
    } else if (strcmp(type, "ExecutionAborted") == 0) {
        apply_end(s, details, "ABORTED", ms);
    } else if (strcmp(type, "ExecutionRedriven") == 0) {
        s->status = "RUNNING";
        s->stop_ms = 0;
        s->redrive_ms = ms;
        s->redrive_count = (int)json_integer_value(json_object_get(details, "redriveCount"));
        replace(&s->error, NULL);
        replace(&s->cause, NULL);
        replace(&s->output, NULL);
        replace(&s->last_failure, NULL);
    }
}

void sf_summary_set_failed_state(sf_summary *s, const char *state)
{
    if (state)
        replace(&s->failed_state, state);
}

void sf_summary_apply(sf_summary *s, const json_t *event)
{
    const char *type = json_string_value(json_object_get(event, "type"));
    if (!type) {
        s->event_count++;
        return;
    }
    char *key = sf_history_details_key(type);
    sf_summary_apply_parts(s, type, json_integer_value(json_object_get(event, "id")),
                           event_ms(event), json_object_get(event, key));
    if (strcmp(type, "ExecutionFailed") == 0)
        sf_summary_set_failed_state(s, json_string_value(json_object_get(event, "state")));
    free(key);
}

static void set_date(json_t *obj, const char *key, int64_t ms)
{
    char buf[32];
    json_object_set_new(obj, key, json_string(sf_timestamp_format_ms(ms, buf)));
}

json_t *sf_summary_describe(const sf_summary *s)
{
    json_t *d = json_object();
    json_object_set_new(d, "executionArn", json_string(s->execution_arn ? s->execution_arn : ""));
    json_object_set_new(d, "stateMachineArn",
                        json_string(s->state_machine_arn ? s->state_machine_arn : ""));
    json_object_set_new(d, "name", json_string(s->name ? s->name : ""));
    json_object_set_new(d, "status", json_string(s->status));
    set_date(d, "startDate", s->start_ms);
    if (s->stop_ms)
        set_date(d, "stopDate", s->stop_ms);
    json_object_set_new(d, "input", json_string(s->input ? s->input : "{}"));
    json_object_set_new(d, "inputDetails", json_pack("{s:b}", "included", 1));
    if (s->output) {
        json_object_set_new(d, "output", json_string(s->output));
        json_object_set_new(d, "outputDetails", json_pack("{s:b}", "included", 1));
    }
    if (s->error)
        json_object_set_new(d, "error", json_string(s->error));
    if (s->cause)
        json_object_set_new(d, "cause", json_string(s->cause));
    json_object_set_new(d, "redriveCount", json_integer(s->redrive_count));
    if (s->redrive_ms)
        set_date(d, "redriveDate", s->redrive_ms);
    return d;
}
