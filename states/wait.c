/*
 * wait.c — the Wait state: pauses its machine for Seconds, until a
 * Timestamp, or for / until a value taken from the input (SecondsPath,
 * TimestampPath). The pause is a libuv timer, never a sleep, so thousands of
 * executions can wait at once in one process.
 *
 * Failure cases (States.Runtime, with AWS's cause text): a SecondsPath that
 * matches nothing, is negative, or is not a whole number; a TimestampPath
 * that matches nothing or is not an ISO-8601 extended offset date-time; a
 * delay of 2^31 seconds or more. A timestamp in the past ends the wait at
 * once.
 *
 * A wait with nothing left to wait (Seconds 0, a timestamp in the past, a
 * resumed wait whose time has passed) ends inside run(), as a Pass does,
 * rather than through a 0 ms timer: libuv runs a timer started from a timer
 * callback in the same pass if it is already due, so a loop of Wait 0
 * states would never leave the timer phase, and the history would never be
 * flushed, nor signals or the execution's timeout ever handled. Ending at
 * once puts it under the cursor's drive budget, which yields the loop.
 */
#include "engine/cursor.h"
#include "engine/exec.h"
#include "engine/json_util.h"
#include "engine/timestamp.h"
#include "engine/xalloc.h"
#include "states/states.h"

#include <stdlib.h>
#include <string.h>

#define WAIT_SECONDS_MAX 99999999LL

typedef struct wait_impl {
    long long seconds; /* -1 when not given */
    int64_t timestamp_ms;
    bool has_timestamp;
    sf_path *seconds_path;
    sf_path *timestamp_path;
} wait_impl;

static const char *const wait_fields[] = {"Seconds", "SecondsPath", "Timestamp", "TimestampPath",
                                          NULL};

static void compile_seconds(sf_compile_ctx *cc, wait_impl *w, json_t *v)
{
    if (!sf_json_as_integer(v, &w->seconds) || w->seconds < 0 || w->seconds > WAIT_SECONDS_MAX) {
        char *ptr = sf_compile_field_pointer(cc, "Seconds");
        sf_diags_error(cc->diags, SF_DIAG_INVALID_VALUE, ptr,
                       "State '%s': Seconds must be an integer from 0 to %lld", cc->state->name,
                       WAIT_SECONDS_MAX);
        free(ptr);
    }
}

static void compile_timestamp(sf_compile_ctx *cc, wait_impl *w, json_t *v)
{
    int64_t ns;
    if (!json_is_string(v) || !sf_timestamp_parse(json_string_value(v), &ns)) {
        char *ptr = sf_compile_field_pointer(cc, "Timestamp");
        sf_diags_error(cc->diags, SF_DIAG_INVALID_VALUE, ptr,
                       "State '%s': Timestamp must be an ISO-8601 extended offset date-time "
                       "string such as \"2026-03-14T01:59:00Z\"",
                       cc->state->name);
        free(ptr);
        return;
    }
    w->timestamp_ms = ns / 1000000;
    w->has_timestamp = true;
}

static void wait_compile(sf_compile_ctx *cc)
{
    json_t *st = cc->state->json;
    wait_impl *w = SF_NEW(wait_impl);
    w->seconds = -1;
    cc->state->impl = w;
    int given = 0;
    json_t *v;
    if ((v = json_object_get(st, "Seconds")) && ++given)
        compile_seconds(cc, w, v);
    if ((v = json_object_get(st, "Timestamp")) && ++given)
        compile_timestamp(cc, w, v);
    if ((v = json_object_get(st, "SecondsPath")) && ++given)
        w->seconds_path = sf_compile_path(cc, v, "SecondsPath", SF_PATH_REFERENCE);
    if ((v = json_object_get(st, "TimestampPath")) && ++given)
        w->timestamp_path = sf_compile_path(cc, v, "TimestampPath", SF_PATH_REFERENCE);
    if (given != 1)
        sf_diags_error(cc->diags, given ? SF_DIAG_SCHEMA : SF_DIAG_MISSING_FIELD,
                       cc->state->pointer,
                       "State '%s': a Wait state needs exactly one of Seconds, SecondsPath, "
                       "Timestamp or TimestampPath",
                       cc->state->name);
}

static void wait_free(void *p)
{
    wait_impl *w = p;
    sf_path_free(w->seconds_path);
    sf_path_free(w->timestamp_path);
    free(w);
}

static void timer_closed(uv_handle_t *h)
{
    free(h);
}

static void wait_over(uv_timer_t *t)
{
    sf_cursor *c = t->data;
    c->run_data = NULL;
    uv_close((uv_handle_t *)t, timer_closed);
    sf_cursor_state_done(c, json_incref(c->effective_input), NULL);
}

/* A wait of `seconds` counts from when the state was entered, so a run
 * resumed after a crash waits only what is left. */
static int64_t remaining_ms(sf_cursor *c, long long seconds)
{
    int64_t wait = (int64_t)sf_exec_wait_ms(c->exec, (double)seconds * 1000.0);
    int64_t left = c->entered_ms + wait - sf_now_ms();
    return left > 0 ? left : 0;
}

/* The longest delay the service accepts: it keeps a wait's end in a 32-bit
 * count of seconds, so 2^31 s or more from now fails ("Wait state delay is
 * too long."), whether it came from SecondsPath or a TimestampPath. */
#define WAIT_DELAY_MAX_S 2147483647LL

/* Why a SecondsPath value is no delay, in AWS's words, or NULL when it is
 * one (then *secs holds it). A number with a fraction (1.5) or a value of
 * another type "cannot be parsed as a long value"; a whole negative number
 * "references a negative value". */
static const char *seconds_value_problem(const json_t *v, long long *secs)
{
    if (!sf_json_as_integer(v, secs))
        return "cannot be parsed as a long value";
    if (*secs < 0)
        return "references a negative value";
    return NULL;
}

static void fail_delay_too_long(sf_cursor *c)
{
    sf_cursor_state_runtime_error(c, SF_ERR_RUNTIME, "Wait state delay is too long.");
}

/* Milliseconds to wait, from a path value; -1 with the cursor failed. */
static int64_t delay_from_path(sf_cursor *c, const wait_impl *w, json_t *input)
{
    const sf_path *path = w->seconds_path ? w->seconds_path : w->timestamp_path;
    sf_eval_env env;
    sf_cursor_env(c, input, sf_path_is_context(path), &env);
    json_t *v = sf_path_eval(path, &env);
    char *shown = v ? (json_is_string(v) ? sf_strdup(json_string_value(v)) : sf_json_compact(v))
                    : sf_strdup("null");
    int64_t delay = -1;
    long long secs;
    int64_t ns;
    const char *problem;
    if (w->seconds_path && !v) {
        sf_cursor_state_runtime_error(
            c, SF_ERR_RUNTIME, "The SecondsPath parameter does not reference an input value: %s",
            sf_path_text(path));
    } else if (w->seconds_path && (problem = seconds_value_problem(v, &secs))) {
        sf_cursor_state_runtime_error(c, SF_ERR_RUNTIME, "The SecondsPath parameter %s: %s == %s",
                                      problem, sf_path_text(path), shown);
    } else if (w->seconds_path) {
        if (secs > WAIT_DELAY_MAX_S)
            fail_delay_too_long(c);
        else
            delay = remaining_ms(c, secs);
    } else {
        if (v && json_is_string(v) && sf_timestamp_parse(json_string_value(v), &ns)) {
            int64_t left = ns / 1000000 - sf_now_ms();
            if (left / 1000 > WAIT_DELAY_MAX_S)
                fail_delay_too_long(c);
            else
                delay = (int64_t)sf_exec_wait_ms(c->exec, (double)left);
        } else {
            sf_cursor_state_runtime_error(c, SF_ERR_RUNTIME,
                                          "The TimestampPath parameter does not reference a "
                                          "valid ISO-8601 extended offset date-time format "
                                          "string: %s == %s",
                                          sf_path_text(path), shown);
        }
    }
    free(shown);
    json_decref(v);
    return delay;
}

static void wait_run(sf_cursor *c, json_t *input)
{
    const wait_impl *w = c->state->impl;
    int64_t delay;
    if (w->seconds >= 0) {
        delay = remaining_ms(c, w->seconds);
    } else if (w->has_timestamp) {
        delay = (int64_t)sf_exec_wait_ms(c->exec, (double)(w->timestamp_ms - sf_now_ms()));
    } else {
        delay = delay_from_path(c, w, input);
        if (delay < 0)
            return;
    }
    if (delay == 0) {
        sf_cursor_state_done(c, json_incref(c->effective_input), NULL);
        return;
    }
    uv_timer_t *t = sf_malloc(sizeof *t);
    uv_timer_init(sf_cursor_loop(c), t);
    t->data = c;
    c->run_data = t;
    uv_timer_start(t, wait_over, (uint64_t)delay, 0);
}

static void wait_cancel(sf_cursor *c)
{
    uv_timer_t *t = c->run_data;
    if (!t)
        return;
    c->run_data = NULL;
    uv_timer_stop(t);
    uv_close((uv_handle_t *)t, timer_closed);
}

const sf_state_type sf_state_wait = {
    .name = "Wait",
    .common_fields =
        SF_COMMON_NEXT_END | SF_COMMON_INPUT_PATH | SF_COMMON_OUTPUT_PATH | SF_COMMON_ASSIGN,
    .own_fields = wait_fields,
    .compile = wait_compile,
    .free_impl = wait_free,
    .run = wait_run,
    .cancel = wait_cancel,
};
