/*
 * cursor.c — walking a state machine: entering states, the data flow
 * around each state, Retry and Catch, and ending the machine.
 *
 * Driving. A state may finish inside its own run() (Pass, Choice) or later
 * from a libuv callback (Wait, Task). Either way it only *records* what comes
 * next (pending_state / pending_end); the drive loop below performs it once
 * the current call stack has unwound. So a loop of a million Pass states is
 * a loop, not a recursion a million frames deep, and a cursor is never
 * freed while one of its own frames is still running. A cursor that has run
 * DRIVE_BUDGET states in one go queues itself on its execution and yields,
 * so timers (the execution timeout, signals) and other executions get the
 * loop too.
 *
 * Data flow (per the ASL specification, "Input and Output Processing"):
 *   raw input -> InputPath -> Parameters -> [state runs] -> ResultSelector
 *   -> ResultPath (merges the result into the raw input) -> OutputPath.
 * Which of these apply is the state type's common_fields mask.
 *
 * Errors. States.Runtime and States.DataLimitExceeded are terminal: Retry
 * and Catch never see them (AWS: "A retry or catch on States.ALL won't catch
 * States.Runtime errors"). Everything else goes to the first Retry rule whose
 * ErrorEquals matches, then to the first matching Catch rule.
 */
#include "engine/cursor.h"
#include "engine/exec.h"
#include "engine/json_alloc.h"
#include "engine/json_util.h"
#include "engine/lang/jsonpath.h"
#include "engine/state_type.h"
#include "engine/store/store.h"
#include "engine/lang/template.h"
#include "engine/timestamp.h"
#include "engine/xalloc.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define DRIVE_BUDGET 1024

static void drive(sf_cursor *c);
static void enter_state(sf_cursor *c, sf_state *st, json_t *input);
static json_t *evaluate_assign(sf_cursor *c, const sf_template *assign, json_t *value,
                               sf_error *err);
static void apply_assign(sf_cursor *c, json_t *assigned);
static void run_current_state(sf_cursor *c);

/* ---- Test mode (see sf_cursor_observer) ---- */

static void observe_flow(const sf_cursor *c, sf_flow_point point, const json_t *value)
{
    if (c->observer->flow)
        c->observer->flow(c->observer->data, c, point, value);
}

/* The observer ends the machine as the state leaves for `next`. */
static bool observer_stops(const sf_cursor *c, const sf_state *next, int catcher,
                           const sf_error *caught, const json_t *output)
{
    return c->observer->leave &&
           c->observer->leave(c->observer->data, c, next, catcher, caught, output);
}

/* ---- Events ---- */

/* A retry's first event begins its attempt (see attempt_event_id). */
static inline void note_attempt_event(sf_cursor *c, int64_t id)
{
    if (!c->attempt_event_id)
        c->attempt_event_id = id;
}

int64_t sf_cursor_event(sf_cursor *c, const char *type, json_t *details)
{
    int64_t id = sf_exec_record(c->exec, c->last_event_id, type, details, c->scope);
    c->last_event_id = id;
    note_attempt_event(c, id);
    return id;
}

int64_t sf_cursor_event_text(sf_cursor *c, const char *type, const sf_text *details)
{
    /* What a replay matches on: no name, no index, as in the details. */
    json_t *match = sf_exec_replay(c->exec) ? json_object() : NULL;
    c->last_event_id = sf_exec_record_text(c->exec, c->last_event_id, type, details->data,
                                           details->len, match, c->scope);
    note_attempt_event(c, c->last_event_id);
    return c->last_event_id;
}

/* A state's output, written on its exit event as a string of JSON text, is
 * the next state's input too: render it once into c->literal and keep it
 * for the entry event rather than serialize and escape the same value twice
 * (for a Map's input, the costliest part of a transition); and a state whose
 * output is its input reuses its entry's. Values are never changed in place,
 * and literal_of is always held (as pending_input or c->input) while it is
 * set, so its address cannot be reused. Returns the length of the JSON
 * text. */
static size_t render_literal_within(sf_cursor *c, const json_t *value, size_t max_len)
{
    if (c->literal_of == value && c->literal.data)
        return c->literal_text_len;
    c->literal.len = 0;
    c->literal_text_len = sf_text_put_json_literal_within(&c->literal, value, max_len);
    c->literal_of = value;
    return c->literal_text_len;
}

/* An output: the literal stops once past the payload limit (see
 * output_over_limits), so a value that shares a big part many times is
 * never written out in full. */
static size_t render_literal(sf_cursor *c, const json_t *value)
{
    return render_literal_within(c, value, SF_PAYLOAD_LIMIT_BYTES);
}

/* The error of an output render_literal refused (past the payload limit or
 * nested too deep), or false when it fits. The literal is cut short then
 * and forgotten. */
static bool output_over_limits(sf_cursor *c, size_t output_len, sf_error *err)
{
    if (output_len <= SF_PAYLOAD_LIMIT_BYTES)
        return false;
    c->literal_of = NULL;
    if (output_len == SF_TEXT_TOO_DEEP)
        sf_error_set(err, SF_ERR_DATA_LIMIT_EXCEEDED,
                     "The state/task '%s' returned a result with objects and arrays nested "
                     "deeper than %d levels, the maximum depth of a JSON value.",
                     c->state->name, SF_JSON_DEPTH_LIMIT);
    else
        sf_error_set(err, SF_ERR_DATA_LIMIT_EXCEEDED,
                     "The state/task '%s' returned a result with a size exceeding the maximum "
                     "number of bytes service limit.",
                     c->state->name);
    return true;
}

/* Assigned variables are recorded and kept as outputs are: AWS limits one
 * Assign to 256 KiB; the depth limit keeps them walkable. */
static bool assigned_over_limits(sf_cursor *c, const json_t *assigned, sf_error *err)
{
    /* +1: the object of the assigned names holds the values. */
    if (!assigned || sf_json_depth_within(assigned, SF_JSON_DEPTH_LIMIT + 1))
        return false;
    sf_error_set(err, SF_ERR_DATA_LIMIT_EXCEEDED,
                 "The state '%s' assigned a variable with objects and arrays nested deeper "
                 "than %d levels, the maximum depth of a JSON value.",
                 c->state->name, SF_JSON_DEPTH_LIMIT);
    return true;
}

/* The literal of a state's output when it is its input with one member
 * added (ResultPath "$.name" for a name the input object lacks, and no
 * OutputPath): the entry event's literal of the input with the member
 * written onto its end, where ResultPath's copy puts it, instead of the
 * whole input written again (for a Map whose results go to "$.results",
 * its input is most of its output). False when the output is not that. */
static bool extend_input_literal(sf_cursor *c, const json_t *output)
{
    const sf_state *st = c->state;
    const char *key;
    size_t key_len;
    if (!st->result_path || st->output_path || st->output_path_null || c->literal_of != c->input ||
        !c->literal.data || !json_is_object(c->input) || !json_is_object(output) ||
        !sf_path_single_field(st->result_path, &key, &key_len) ||
        json_object_size(output) != json_object_size(c->input) + 1 ||
        json_object_getn(c->input, key, key_len))
        return false;
    const json_t *value = json_object_getn(output, key, key_len);
    if (!value)
        return false;
    c->literal_text_len = sf_text_literal_add_member(&c->literal, c->literal_text_len, key, key_len,
                                                     value, SF_PAYLOAD_LIMIT_BYTES);
    c->literal_of = output;
    return true;
}

/* A *StateEntered or *StateExited event of the current state with the value
 * in c->literal; `next` for an exit. */
static int64_t record_io(sf_cursor *c, const char *type, bool is_output, const json_t *assigned,
                         const sf_state *next)
{
    sf_io_details io = {.head = is_output ? c->state->exited_head : c->state->entered_head,
                        .head_len =
                            is_output ? c->state->exited_head_len : c->state->entered_head_len,
                        .name = c->state->name,
                        .is_output = is_output,
                        .value_literal = c->literal.data,
                        .value_literal_len = c->literal.len,
                        .assigned = assigned,
                        .next_member = next ? next->next_member : NULL,
                        .next_member_len = next ? next->next_member_len : 0};
    c->last_event_id = sf_exec_record_io(c->exec, c->last_event_id, type, &io, c->scope);
    return c->last_event_id;
}

json_t *sf_cursor_recorded(sf_cursor *c, const char *const *types)
{
    sf_replay *r = sf_exec_replay(c->exec);
    return r ? sf_replay_peek(r, c->scope, types) : NULL;
}

/* Timestamp (ms) of a recorded event. */
static int64_t recorded_ms(const json_t *ev)
{
    int64_t ns;
    const char *ts = json_string_value(json_object_get(ev, "timestamp"));
    return ts && sf_timestamp_parse(ts, &ns) ? ns / 1000000 : sf_now_ms();
}

/* ---- Context object ---- */

json_t *sf_map_item_context(int64_t index, json_t *value)
{
    /* Built directly rather than with json_pack, which parses its format on
     * every call: this runs for every item of a Map. */
    json_t *item = json_object();
    json_object_set_new_nocheck(item, "Index", json_integer((json_int_t)index));
    json_object_set_nocheck(item, "Value", value);
    json_t *map = json_object();
    json_object_set_new_nocheck(map, "Item", item);
    return map;
}

/* A Task that waits for a callback (Resource ending in .waitForTaskToken)
 * has $$.Task.Token, the token its Parameters pass on (mocked callbacks
 * answer it at once; the server will accept it in SendTaskSuccess). A new
 * random token per attempt, as AWS gives. */
static json_t *task_token_context(const sf_state *s)
{
    static const char suffix[] = ".waitForTaskToken";
    const char *r = json_string_value(json_object_get(s->json, "Resource"));
    size_t n = r ? strlen(r) : 0, k = sizeof suffix - 1;
    if (n <= k || strcmp(r + n - k, suffix))
        return NULL;
    char uuid[37];
    sf_store_new_uuid(uuid);
    json_t *task = json_object();
    json_object_set_new(task, "Token", json_string(uuid));
    return task;
}

json_t *sf_cursor_context(sf_cursor *c)
{
    if (c->context)
        return c->context;
    char ts[32];
    /* Shallow: the Execution and StateMachine parts (the execution's whole
     * input among them) are shared; values are never changed in place. */
    json_t *ctx = json_copy(sf_exec_context_base(c->exec));
    json_t *state = json_object();
    json_object_set_new(state, "EnteredTime",
                        json_string(sf_timestamp_format_ms(c->entered_ms, ts)));
    json_object_set_new(state, "Name", json_string(c->state ? c->state->name : ""));
    json_object_set_new(state, "RetryCount", json_integer(c->retry_count));
    json_object_set_new(ctx, "State", state);
    if (c->map_item_index >= 0 && c->map_item_value)
        json_object_set_new(ctx, "Map", sf_map_item_context(c->map_item_index, c->map_item_value));
    json_t *task = c->state ? task_token_context(c->state) : NULL;
    if (task)
        json_object_set_new(ctx, "Task", task);
    c->context = ctx;
    return ctx;
}

void sf_cursor_env(sf_cursor *c, json_t *input, bool need_context, sf_eval_env *env)
{
    env->input = input;
    env->context = need_context ? sf_cursor_context(c) : NULL;
    env->variables = c->variables;
    env->has_map_item = false;
    env->map_item_value = NULL;
    env->map_item_index = 0;
}

uv_loop_t *sf_cursor_loop(sf_cursor *c)
{
    return sf_exec_loop(c->exec);
}

static void drop_context(sf_cursor *c)
{
    json_decref(c->context);
    c->context = NULL;
}

/* ---- Failing ---- */

void sf_cursor_state_runtime_error(sf_cursor *c, const char *error, const char *fmt, ...)
{
    sf_error err = SF_ERROR_INIT;
    va_list ap;
    va_start(ap, fmt);
    sf_error_setv(&err, error, fmt, ap);
    va_end(ap);
    sf_error_prefix_cause(&err,
                          "An error occurred while executing the state '%s' (entered at the "
                          "event id #%lld). ",
                          c->state->name, (long long)c->entered_event_id);
    sf_cursor_state_error(c, &err);
}

/* A data-flow failure: err's cause is the field's message; add the prefix. */
static void fail_in_state(sf_cursor *c, sf_error *err)
{
    sf_error_prefix_cause(err,
                          "An error occurred while executing the state '%s' (entered at the "
                          "event id #%lld). ",
                          c->state->name, (long long)c->entered_event_id);
    sf_cursor_state_error(c, err);
}

static bool is_terminal_error(const char *name)
{
    return strcmp(name, SF_ERR_RUNTIME) == 0 || strcmp(name, SF_ERR_DATA_LIMIT_EXCEEDED) == 0;
}

/* ErrorEquals matching: the exact name; States.ALL for anything;
 * States.TaskFailed for any error but States.Timeout (the specification's
 * wildcard rule); and States.Timeout also for States.HeartbeatTimeout, which
 * AWS reported as States.Timeout before it had a name of its own. */
static bool error_matches(char **names, size_t count, const char *error)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(names[i], error) == 0 || strcmp(names[i], SF_ERR_ALL) == 0)
            return true;
        if (strcmp(names[i], SF_ERR_TASK_FAILED) == 0 && strcmp(error, SF_ERR_TIMEOUT) != 0)
            return true;
        if (strcmp(names[i], SF_ERR_TIMEOUT) == 0 && strcmp(error, SF_ERR_HEARTBEAT_TIMEOUT) == 0)
            return true;
    }
    return false;
}

static double retry_delay_seconds(const sf_retrier *r, int attempt)
{
    double delay = r->interval_seconds * pow(r->backoff_rate, attempt);
    if (r->max_delay_seconds > 0 && delay > r->max_delay_seconds)
        delay = r->max_delay_seconds;
    if (r->jitter_full) {
        uint32_t rnd = 0;
        if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
            rnd = (uint32_t)rand();
        delay = delay * ((double)rnd / 4294967296.0);
    }
    return delay;
}

static void retry_timer_fired(uv_timer_t *t)
{
    sf_cursor *c = t->data;
    drop_context(c);         /* $$.State.RetryCount changed */
    c->attempt_event_id = 0; /* set by the retry's first event */
    /* Run the state under the drive loop's guard, as enter_state runs
     * inside drive(): a retried state can end at once (a Task whose next
     * outcome is replayed from the history on resume, a Parallel of Pass
     * states), and that end must only be recorded here. Performing it
     * inside run_current_state would finish and free a child cursor that
     * this frame still uses. */
    c->driving = true;
    run_current_state(c);
    c->driving = false;
    drive(c);
}

/* Try the Retry rules; true when a retry was scheduled. *stop is set when
 * an observer ends the state instead (no retry, no Catch). */
static bool try_retry(sf_cursor *c, const char *error, bool *stop)
{
    sf_state *st = c->state;
    for (size_t i = 0; i < st->retrier_count; i++) {
        const sf_retrier *r = &st->retriers[i];
        if (!error_matches(r->errors, r->error_count, error))
            continue;
        if (c->observer && c->observer->retry) { /* test mode decides: see cursor.h */
            *stop = c->observer->retry(c->observer->data, c, i);
            return false;
        }
        if (c->retry_attempts[i] >= r->max_attempts)
            return false; /* the first matching rule decides, even when spent */
        /* In test mode the back-off is scaled (sf_exec_wait_ms); the time
         * that already passed on resume is real time. */
        double delay_ms =
            (double)sf_exec_wait_ms(c->exec, retry_delay_seconds(r, c->retry_attempts[i]) * 1000.0);
        json_t *recorded_failure = sf_exec_last_match(c->exec);
        if (recorded_failure) /* resuming: part of the back-off already passed */
            delay_ms -= (double)(sf_now_ms() - recorded_ms(recorded_failure));
        if (delay_ms < 0)
            delay_ms = 0;
        c->retry_attempts[i]++;
        c->retry_count++;
        if (!c->retry_timer) {
            c->retry_timer = sf_malloc(sizeof *c->retry_timer);
            uv_timer_init(sf_cursor_loop(c), c->retry_timer);
            c->retry_timer->data = c;
        }
        uv_timer_start(c->retry_timer, retry_timer_fired, (uint64_t)delay_ms, 0);
        return true;
    }
    return false;
}

static json_t *error_output(const sf_error *err)
{
    json_t *o = json_object();
    json_object_set_new(o, "Error", err->name ? json_string(err->name) : json_null());
    json_object_set_new(o, "Cause", err->cause ? json_string(err->cause) : json_null());
    return o;
}

/* Try the Catch rules; true when one matched (the next state is pending). */
static bool try_catch(sf_cursor *c, sf_error *err)
{
    sf_state *st = c->state;
    for (size_t i = 0; i < st->catcher_count; i++) {
        const sf_catcher *k = &st->catchers[i];
        if (!error_matches(k->errors, k->error_count, err->name))
            continue;
        json_t *eo = error_output(err);
        json_t *assigned = NULL;
        if (k->assign && !(assigned = evaluate_assign(c, k->assign, eo, err))) {
            json_decref(eo);
            return false; /* err now holds the Assign failure */
        }
        if (assigned_over_limits(c, assigned, err)) {
            json_decref(eo);
            json_decref(assigned);
            return false;
        }
        json_t *output;
        char *why = NULL;
        if (k->result_path_null)
            output = json_incref(c->input);
        else if (k->result_path)
            output = sf_path_assign(k->result_path, c->input, eo, &why);
        else
            output = json_incref(eo);
        json_decref(eo);
        if (!output) {
            sf_error_set(err, SF_ERR_RESULT_PATH_MATCH_FAILURE,
                         "Unable to apply ResultPath '%s' of a Catch rule to the input: %s",
                         sf_path_text(k->result_path), why ? why : "");
            free(why);
            json_decref(assigned);
            return false;
        }
        if (output_over_limits(c, render_literal(c, output), err)) {
            json_decref(output);
            json_decref(assigned);
            return false;
        }
        record_io(c, st->exited_event, true, assigned, k->next);
        apply_assign(c, assigned);
        json_decref(assigned);
        if (c->observer && observer_stops(c, k->next, (int)i, err, output))
            c->pending_end = SF_CURSOR_END_SUCCEEDED;
        else
            c->pending_state = k->next;
        c->pending_input = output;
        return true;
    }
    return false;
}

void sf_cursor_state_error(sf_cursor *c, sf_error *err)
{
    if (c->cancelled || !c->state) {
        sf_error_clear(err);
        return;
    }
    bool handled = false;
    if (!err->name)
        err->name = sf_strdup(""); /* matched as no name; reported as null */
    bool rules_apply =
        (c->state->type->common_fields & SF_COMMON_RETRY_CATCH) && !is_terminal_error(err->name);
    bool stop = false;
    if (rules_apply && try_retry(c, err->name, &stop)) {
        sf_error_clear(err);
        return;
    }
    if (stop)
        rules_apply = false;
    /* No retry will run this state again: let the type record its final
     * failure event (see sf_state_type.failed) before Catch records the
     * state's exit. */
    if (c->state->type->failed)
        c->state->type->failed(c);
    if (rules_apply)
        handled = try_catch(c, err);
    if (handled) {
        sf_error_clear(err);
    } else {
        if (err->name[0] == '\0') {
            free(err->name);
            err->name = NULL;
        }
        sf_exec_note_failure(c->exec, c->state->name);
        c->pending_end = SF_CURSOR_END_FAILED;
        sf_error_move(&c->pending_error, err);
    }
    drive(c);
}

void sf_cursor_state_failed(sf_cursor *c, const char *error, const char *cause)
{
    sf_error err = SF_ERROR_INIT;
    sf_error_set_raw(&err, error ? error : SF_ERR_TASK_FAILED, cause);
    sf_cursor_state_error(c, &err);
}

/* ---- Variables ---- */

/* Evaluate an Assign template against `value` ($) with the variables as they
 * were before this state: every expression of one Assign sees the same old
 * values, as AWS specifies. Returns the new values (an object) or NULL with
 * err set. */
static json_t *evaluate_assign(sf_cursor *c, const sf_template *assign, json_t *value,
                               sf_error *err)
{
    sf_eval_env env;
    sf_cursor_env(c, value, sf_template_uses_context(assign), &env);
    return sf_template_eval(assign, &env, err);
}

/* Merge assigned values into the cursor's scope, copying a scope shared
 * with a parent first so the parent never sees an inner assignment. */
static void apply_assign(sf_cursor *c, json_t *assigned)
{
    if (!assigned)
        return;
    if (!c->variables)
        c->variables = json_object();
    else if (c->variables->refcount > 1) {
        json_t *own = json_copy(c->variables);
        json_decref(c->variables);
        c->variables = own;
    }
    json_object_update(c->variables, assigned);
}

/* ---- Succeeding ---- */

/* InputPath or OutputPath selected nothing: AWS's words, or the limit an
 * indefinite path met (it never selects nothing, only []). */
static void set_no_results(const sf_path *path, sf_error *err)
{
    if (sf_path_is_definite(path))
        sf_error_set(err, SF_ERR_RUNTIME, "Invalid path '%s' : No results for path: $['%s']",
                     sf_path_text(path), sf_path_text(path) + 2);
    else
        sf_error_set(err, SF_ERR_RUNTIME, "Invalid path '%s' : " SF_PATH_VISITS_MESSAGE,
                     sf_path_text(path));
}

/* ResultSelector, ResultPath, OutputPath. Returns the state output (new
 * reference) or NULL with err set. Consumes result. */
static json_t *process_output(sf_cursor *c, json_t *result, sf_error *err)
{
    sf_state *st = c->state;
    if (c->observer)
        observe_flow(c, SF_FLOW_RESULT, result);
    if (st->result_selector) {
        sf_eval_env env;
        sf_cursor_env(c, result, sf_template_uses_context(st->result_selector), &env);
        json_t *selected = sf_template_eval(st->result_selector, &env, err);
        json_decref(result);
        if (!selected)
            return NULL;
        result = selected;
    }
    if (c->observer)
        observe_flow(c, SF_FLOW_AFTER_RESULT_SELECTOR, result);
    json_t *output;
    if (st->result_path_null) {
        output = json_incref(c->input);
        json_decref(result);
    } else if (st->result_path) {
        char *why = NULL;
        output = sf_path_assign(st->result_path, c->input, result, &why);
        json_decref(result);
        if (!output) {
            char *in = sf_json_compact(c->input);
            sf_error_set(err, SF_ERR_RESULT_PATH_MATCH_FAILURE,
                         "Unable to apply ResultPath \"%s\" to input \"%s\": %s",
                         sf_path_text(st->result_path), in, why ? why : "");
            free(in);
            free(why);
            return NULL;
        }
    } else {
        output = result;
    }
    if (c->observer)
        observe_flow(c, SF_FLOW_AFTER_RESULT_PATH, output);
    if (st->output_path_null) {
        json_decref(output);
        return json_object();
    }
    if (st->output_path) {
        sf_eval_env env;
        sf_cursor_env(c, output, sf_path_is_context(st->output_path), &env);
        json_t *selected = sf_path_eval(st->output_path, &env);
        if (!selected)
            set_no_results(st->output_path, err);
        json_decref(output);
        return selected;
    }
    return output;
}

void sf_cursor_state_done(sf_cursor *c, json_t *result, sf_state *next)
{
    sf_cursor_state_done_assign(c, result, next, c->state ? c->state->assign : NULL);
}

void sf_cursor_state_done_assign(sf_cursor *c, json_t *result, sf_state *next,
                                 const sf_template *assign)
{
    if (c->cancelled || !c->state) {
        json_decref(result);
        return;
    }
    sf_state *st = c->state;
    sf_error err = SF_ERROR_INIT;
    json_t *assigned = NULL;
    if (assign) {
        /* $ in Assign is the state's result: after ResultSelector for the
         * states that have one, the effective input for Choice and Wait. */
        json_t *value = json_incref(result);
        if (st->result_selector) {
            sf_eval_env env;
            sf_cursor_env(c, result, sf_template_uses_context(st->result_selector), &env);
            json_decref(value);
            value = sf_template_eval(st->result_selector, &env, &err);
        }
        assigned = value ? evaluate_assign(c, assign, value, &err) : NULL;
        json_decref(value);
        if (!assigned) {
            json_decref(result);
            fail_in_state(c, &err);
            return;
        }
    }
    json_t *output = process_output(c, result, &err);
    if (!output) {
        json_decref(assigned);
        fail_in_state(c, &err);
        return;
    }
    size_t output_len =
        extend_input_literal(c, output) ? c->literal_text_len : render_literal(c, output);
    if (output_over_limits(c, output_len, &err) || assigned_over_limits(c, assigned, &err)) {
        c->literal_of = NULL;
        json_decref(output);
        json_decref(assigned);
        fail_in_state(c, &err);
        return;
    }
    /* Fail and Succeed are terminal; Succeed records an exit, Fail never
     * gets here. */
    sf_state *to = next ? next : st->next;
    record_io(c, st->exited_event, true, assigned, to);
    apply_assign(c, assigned);
    json_decref(assigned);
    if (c->observer && observer_stops(c, to, -1, NULL, output))
        to = NULL;
    if (to) {
        c->pending_state = to;
        c->pending_input = output;
    } else {
        c->pending_end = SF_CURSOR_END_SUCCEEDED;
        c->pending_input = output;
    }
    drive(c);
}

/* ---- Entering and running ---- */

static void run_current_state(sf_cursor *c)
{
    sf_state *st = c->state;
    json_t *effective = json_incref(c->input);
    sf_error err = SF_ERROR_INIT;
    if (st->input_path_null) {
        json_decref(effective);
        effective = json_object();
    } else if (st->input_path) {
        sf_eval_env env;
        sf_cursor_env(c, c->input, sf_path_is_context(st->input_path), &env);
        json_t *selected = sf_path_eval(st->input_path, &env);
        json_decref(effective);
        if (!selected) {
            set_no_results(st->input_path, &err);
            fail_in_state(c, &err);
            return;
        }
        effective = selected;
    }
    if (c->observer)
        observe_flow(c, SF_FLOW_AFTER_INPUT_PATH, effective);
    if (st->parameters) {
        sf_eval_env env;
        sf_cursor_env(c, effective, sf_template_uses_context(st->parameters), &env);
        json_t *params = sf_template_eval(st->parameters, &env, &err);
        json_decref(effective);
        if (!params) {
            fail_in_state(c, &err);
            return;
        }
        effective = params;
    }
    if (c->observer)
        observe_flow(c, SF_FLOW_AFTER_PARAMETERS, effective);
    json_decref(c->effective_input);
    c->effective_input = effective;
    st->type->run(c, effective);
}

/* Apply the assignedVariables recorded on an exit event. */
static void apply_recorded_assign(sf_cursor *c, const json_t *exited)
{
    json_t *details = json_object_get(exited, "stateExitedEventDetails");
    json_t *vars = json_object_get(details, "assignedVariables");
    if (!json_is_object(vars))
        return;
    json_t *assigned = json_object();
    const char *key;
    json_t *text;
    json_object_foreach(vars, key, text)
    {
        json_t *v = json_string_value(text)
                        ? sf_json_loadb(json_string_value(text), json_string_length(text),
                                        JSON_DECODE_ANY, NULL)
                        : NULL;
        json_object_set_new(assigned, key, v ? v : json_null());
    }
    apply_assign(c, assigned);
    json_decref(assigned);
}

/* Replaying: the state ran to completion before; take its recorded output
 * and next state instead of running it again. */
static void skip_recorded_state(sf_cursor *c, sf_state *st, json_t *input, json_t *entered,
                                json_t *exited)
{
    c->literal_of = NULL;
    c->state = st;
    c->input = input;
    c->entered_event_id = json_integer_value(json_object_get(entered, "id"));
    c->attempt_event_id = c->entered_event_id;
    c->last_event_id = json_integer_value(json_object_get(exited, "id"));
    const char *text = json_string_value(
        json_object_get(json_object_get(exited, "stateExitedEventDetails"), "output"));
    json_t *output = text ? sf_json_loadb(text, strlen(text), JSON_DECODE_ANY, NULL) : NULL;
    apply_recorded_assign(c, exited);
    const char *next = json_string_value(json_object_get(exited, "next"));
    sf_state *to = next ? sf_machine_find_state(c->machine, next) : NULL;
    if (to) {
        c->pending_state = to;
        c->pending_input = output ? output : json_null();
    } else {
        c->pending_end = SF_CURSOR_END_SUCCEEDED;
        c->pending_input = output ? output : json_null();
    }
}

/* A state may wait a long time (a Task, a Wait, thousands of executions
 * parked at once): give back a buffer that grew for a big value. */
static void release_large_literal(sf_cursor *c)
{
    if (c->literal.cap > 64 * 1024) {
        sf_text_free(&c->literal);
        c->literal_of = NULL;
    }
    if (c->child_literal.cap > 64 * 1024)
        sf_text_free(&c->child_literal);
}

static void forget_child_literal(sf_cursor *c)
{
    json_decref(c->child_literal_of);
    c->child_literal_of = NULL;
}

/* The first entry event of a new child on `input`: render its literal, or
 * copy the one rendered for the previous child on the same value. */
static void give_child_literal(sf_cursor *parent, sf_cursor *child, json_t *input)
{
    if (parent->child_literal_of != input) {
        forget_child_literal(parent);
        parent->child_literal.len = 0;
        parent->child_literal_text_len =
            sf_text_put_json_literal_within(&parent->child_literal, input, SIZE_MAX);
        parent->child_literal_of = json_incref(input);
    }
    child->literal.len = 0;
    sf_text_put(&child->literal, parent->child_literal.data, parent->child_literal.len);
    child->literal_text_len = parent->child_literal_text_len;
    child->literal_of = input;
}

static void enter_state(sf_cursor *c, sf_state *st, json_t *input)
{
    forget_child_literal(c);
    drop_context(c);
    json_decref(c->input);
    json_decref(c->effective_input);
    c->effective_input = NULL;
    sf_replay *replay = sf_exec_replay(c->exec);
    json_t *entered, *exited;
    if (replay && sf_replay_completed_state(replay, c->scope, st->name, &entered, &exited)) {
        skip_recorded_state(c, st, input, entered, exited);
        return;
    }
    c->state = st;
    c->input = input;
    c->entered_ms = sf_event_now_ms(); /* the entered event's timestamp, as a rule */
    c->retry_count = 0;
    free(c->retry_attempts);
    c->retry_attempts = st->retrier_count ? sf_calloc(st->retrier_count, sizeof(int)) : NULL;
    /* Usually the previous exit's. An input is recorded whole: one that was
     * refused by no check yet (an execution's input whose compact text is
     * longer than the text given) fails at its state's output. */
    render_literal_within(c, input, SIZE_MAX);
    c->entered_event_id = record_io(c, st->entered_event, false, NULL, NULL);
    c->attempt_event_id = c->entered_event_id;
    if (sf_exec_last_match(c->exec)) /* resuming a state in flight: keep its clock */
        c->entered_ms = recorded_ms(sf_exec_last_match(c->exec));
    release_large_literal(c);
    /* Only a branch's or an iteration's input can be this deep (built by
     * the Parallel's Parameters or the Map's ItemSelector on a deep input):
     * every other input was a checked output. Its entry shows null past
     * the limit; the state fails saying so rather than run on it. */
    if (c->literal_text_len == SF_TEXT_TOO_DEEP) {
        c->literal_of = NULL;
        sf_cursor_state_runtime_error(c, SF_ERR_DATA_LIMIT_EXCEEDED,
                                      "The input of the state '%s' has objects and arrays nested "
                                      "deeper than %d levels, the maximum depth of a JSON value.",
                                      st->name, SF_JSON_DEPTH_LIMIT);
        return;
    }
    run_current_state(c);
}

static void close_and_free_timer(uv_handle_t *h)
{
    free(h);
}

static void close_retry_timer(sf_cursor *c)
{
    if (c->retry_timer) {
        uv_close((uv_handle_t *)c->retry_timer, close_and_free_timer);
        c->retry_timer = NULL;
    }
}

/* The machine has ended: hand the result to the owner. May free c. */
static void finish(sf_cursor *c)
{
    json_t *output = NULL;
    sf_error err = SF_ERROR_INIT;
    if (c->pending_end == SF_CURSOR_END_SUCCEEDED)
        output = c->pending_input;
    else
        sf_error_move(&err, &c->pending_error);
    c->pending_input = NULL;
    c->pending_end = 0;
    c->literal_of = NULL; /* the output goes to the owner: no longer held here */
    drop_context(c);
    c->state = NULL;
    /* A retried state left its timer behind. Close it now, while the loop
     * still runs: the root cursor is freed after the loop has stopped, when
     * a uv_close would never complete (a leak, and uv_loop_close fails). */
    close_retry_timer(c);
    sf_cursor_done_cb cb = c->on_done;
    bool is_child = c->parent != NULL;
    cb(c, output, output ? NULL : &err);
    sf_error_clear(&err);
    if (is_child)
        sf_cursor_free(c);
}

static void drive(sf_cursor *c)
{
    if (c->driving)
        return;
    c->driving = true;
    int budget = DRIVE_BUDGET;
    while (!c->cancelled) {
        if (c->pending_state) {
            if (--budget == 0 || sf_exec_is_over(c->exec)) {
                if (!sf_exec_is_over(c->exec))
                    sf_exec_queue(c->exec, c);
                break;
            }
            sf_state *st = c->pending_state;
            json_t *in = c->pending_input;
            c->pending_state = NULL;
            c->pending_input = NULL;
            enter_state(c, st, in);
            continue;
        }
        if (c->pending_end) {
            c->driving = false;
            finish(c);
            return;
        }
        break;
    }
    c->driving = false;
    if (c->cancelled && c->parent)
        sf_cursor_free(c); /* a cancel arrived while we were on the stack */
}

void sf_cursor_resume_queued(sf_cursor *c)
{
    drive(c);
}

/* ---- Life cycle ---- */

/* Freed cursors kept for reuse with their scope and literal buffers: a Map
 * makes and frees a cursor per item, and each would otherwise be four
 * allocations. Only when the JSON pool is in use (sf_json_pool_installed):
 * a sanitizer build or a memcheck run (STEPFN_SYSTEM_MALLOC=1) must see
 * every cursor's end to catch a use after it. */
#define SPARE_CURSORS_KEPT 64
#define SPARE_BUFFER_MOST  (16 * 1024) /* a bigger literal buffer is freed */

static sf_cursor *spare_cursors[SPARE_CURSORS_KEPT];
static size_t spare_count;

static sf_cursor *take_cursor(void)
{
    if (spare_count == 0)
        return SF_NEW(sf_cursor);
    sf_cursor *c = spare_cursors[--spare_count];
    char *scope_buffer = c->scope_buffer, *literal = c->literal.data;
    size_t scope_cap = c->scope_cap, literal_cap = c->literal.cap;
    memset(c, 0, sizeof *c);
    c->scope_buffer = scope_buffer;
    c->scope_cap = scope_cap;
    c->literal.data = literal;
    c->literal.cap = literal_cap;
    return c;
}

/* Free c's memory, or keep it (and its buffers) for the next cursor. */
static void give_back_cursor(sf_cursor *c)
{
    if (c->literal.cap > SPARE_BUFFER_MOST)
        sf_text_free(&c->literal);
    if (spare_count < SPARE_CURSORS_KEPT && sf_json_pool_installed()) {
        spare_cursors[spare_count++] = c;
        return;
    }
    free(c->scope_buffer);
    sf_text_free(&c->literal);
    free(c);
}

static sf_cursor *cursor_new(sf_exec *e, sf_machine *m, sf_cursor *parent)
{
    sf_cursor *c = take_cursor();
    c->exec = e;
    c->machine = m;
    c->parent = parent;
    c->map_item_index = -1;
    return c;
}

sf_cursor *sf_cursor_new_root(sf_exec *e, sf_machine *m, sf_cursor_done_cb on_done)
{
    sf_cursor *c = cursor_new(e, m, NULL);
    c->on_done = on_done;
    return c;
}

void sf_cursor_begin(sf_cursor *c, json_t *input)
{
    if (c->literal_of != input)
        c->literal_of = NULL;
    c->pending_state = c->machine->start;
    c->pending_input = input;
    drive(c);
}

/* The parent's scope text with the child's three members appended. */
static void make_child_scope(sf_cursor *c, const sf_cursor *parent, size_t index)
{
    sf_text t = {.data = c->scope_buffer, .cap = c->scope_cap}; /* a recycled cursor's */
    if (parent->scope) {
        size_t n = strlen(parent->scope);
        sf_text_put(&t, parent->scope, n - 1); /* without its ']' */
        sf_text_put(&t, ",", 1);
    } else {
        sf_text_put(&t, "[", 1);
    }
    sf_text_put_string(&t, parent->state->name, strlen(parent->state->name));
    sf_text_put(&t, ",", 1);
    /* The first attempt's scopes are named by the entry, as in histories
     * written before retries had scopes of their own; a retry's by its own
     * first event, so that a resumed retry never matches an earlier
     * attempt's events of the same iteration or branch. */
    sf_text_put_int(&t,
                    parent->attempt_event_id ? parent->attempt_event_id : parent->entered_event_id);
    sf_text_put(&t, ",", 1);
    sf_text_put_int(&t, (long long)index);
    sf_text_put(&t, "]", 1);
    c->scope = c->scope_buffer = t.data;
    c->scope_cap = t.cap;
}

sf_cursor *sf_cursor_spawn(sf_cursor *parent, sf_machine *m, json_t *input, size_t index,
                           sf_cursor_done_cb on_done, void *owner)
{
    sf_cursor *c = cursor_new(parent->exec, m, parent);
    c->on_done = on_done;
    c->owner = owner;
    c->index = index;
    c->last_event_id = parent->last_event_id;
    c->variables = json_incref(parent->variables); /* read-only until it assigns */
    make_child_scope(c, parent, index);
    give_child_literal(parent, c, input);
    sf_cursor_begin(c, json_incref(input));
    return c;
}

static void stop_current_state(sf_cursor *c)
{
    if (c->state && c->state->type->cancel)
        c->state->type->cancel(c);
    close_retry_timer(c);
}

void sf_cursor_cancel(sf_cursor *c)
{
    if (c->cancelled)
        return;
    c->cancelled = true;
    stop_current_state(c);
    sf_exec_unqueue(c->exec, c);
    if (!c->driving && c->parent)
        sf_cursor_free(c);
}

void sf_cursor_free(sf_cursor *c)
{
    if (!c)
        return;
    if (!c->cancelled)
        stop_current_state(c);
    sf_exec_unqueue(c->exec, c);
    json_decref(c->input);
    json_decref(c->effective_input);
    json_decref(c->context);
    json_decref(c->pending_input);
    json_decref(c->map_item_value);
    json_decref(c->variables);
    forget_child_literal(c);
    sf_text_free(&c->child_literal);
    sf_error_clear(&c->pending_error);
    free(c->retry_attempts);
    give_back_cursor(c);
}
