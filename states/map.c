/*
 * map.c — the Map state, inline mode: runs its ItemProcessor once per item
 * of an array taken from the effective input (ItemsPath, default "$");
 * its result is the array of the iteration outputs, in item order.
 *
 * Each iteration is a child cursor whose input is the item, or the
 * ItemSelector (legacy: Parameters) evaluated with "$" the Map's effective
 * input and $$.Map.Item.{Index,Value} in the context object. At most
 * MaxConcurrency iterations run at once (0: no limit); the next one starts
 * as one ends. Fields are compiled in map_fields.c.
 *
 * Driving. Iterations are started by one loop, pump(). An iteration that
 * ends synchronously, inside sf_cursor_spawn, only updates the counts and
 * the loop starts the next one, so 100,000 items of Pass states are a loop,
 * not a recursion. An iteration that ends later (from a libuv callback)
 * calls pump() itself. After SPAWN_BUDGET starts in one go the loop yields
 * to the event loop (a uv_idle handle resumes it), so timers and other
 * executions get their turn; every step is O(1) per item.
 *
 * Failure. An iteration failure fails the Map with that iteration's error
 * and cause, and the iterations still running are aborted. With
 * ToleratedFailureCount / ToleratedFailurePercentage (or their Path forms)
 * failures are tolerated up to the threshold (a failed item's output is
 * {"Error", "Cause"}); one past it fails the Map with
 * States.ExceedToleratedFailureThreshold. Bad MaxConcurrencyPath or
 * tolerance values, an ItemsPath that matches nothing or is not an array,
 * and an ItemSelector that cannot be evaluated are States.Runtime.
 *
 * History, as AWS records it (previousEventId included):
 *   MapStateStarted {length}       after the items are known;
 *   MapIterationStarted {name, index} before each iteration; it moves the
 *                                  Map's chain, the iteration follows it;
 *   MapIterationSucceeded / Failed / Aborted {name, index} follow the
 *                                  iteration's last event and do not move
 *                                  the chain: the next MapIterationStarted
 *                                  follows that last event;
 *   MapStateSucceeded              after the last iteration, not moving the
 *                                  chain (MapStateExited follows the last
 *                                  iteration event too);
 *   MapStateFailed                 once the failure is final (after retries,
 *                                  before Catch: engine hook `failed`);
 *   MapStateAborted                when cancelled from outside.
 */
#include "engine/cursor.h"
#include "engine/exec.h"
#include "engine/json_util.h"
#include "engine/xalloc.h"
#include "states/map.h"
#include "states/states.h"

#include <stdlib.h>
#include <string.h>

#define SPAWN_BUDGET 1024

/* One run of the state (c->run_data); a Retry starts a new one. */
typedef struct map_run {
    sf_cursor *cursor;      /* the Map's own cursor */
    json_t *input;          /* the effective input, "$" of ItemSelector */
    json_t *items;          /* the array being mapped */
    json_t *results;        /* per item: its output (null until it ends) */
    sf_cursor **live;       /* per item: its running iteration, or NULL */
    size_t count;           /* items */
    size_t next;            /* the next item to start */
    size_t running;         /* iterations started and not ended */
    size_t ended;           /* iterations ended (succeeded or failed) */
    size_t failures;        /* iterations failed (tolerated or not) */
    size_t max_concurrency; /* 0: unbounded */
    map_tolerance tolerance;
    bool pumping; /* inside pump(): iteration ends only count */
    bool failed;  /* the Map fails with error */
    sf_error error;
    uv_idle_t *resume; /* pending continuation of pump(), or NULL */
} map_run;

/* c->run_data between an iteration failure and the engine's `failed` call:
 * MapStateFailed is recorded for failed iterations, not for the state's
 * own run-time errors (a bad MaxConcurrencyPath), as AWS does. */
static char iterations_failed;

static const char *const map_fields[] = {
    "ItemProcessor",
    "Iterator",
    "ItemsPath",
    "ItemSelector",
    "Parameters",
    "MaxConcurrency",
    "MaxConcurrencyPath",
    "ToleratedFailureCount",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentage",
    "ToleratedFailurePercentagePath",
    "ItemReader",
    "ItemBatcher",
    "ResultWriter",
    "Label",
    NULL,
};

static void pump(map_run *r);

/* ---- Events ---- */

static json_t *iteration_details(const sf_cursor *c, size_t index)
{
    return json_pack("{s:s,s:I}", "name", c->state->name, "index", (json_int_t)index);
}

/* An event that follows `previous` without moving the Map's chain. */
static void side_event(sf_cursor *c, int64_t previous, const char *type, json_t *details)
{
    sf_exec_record(c->exec, previous, type, details, c->scope);
}

/* ---- The run's life ---- */

static void resume_closed(uv_handle_t *h)
{
    free(h);
}

static void free_run(map_run *r)
{
    if (r->resume)
        uv_close((uv_handle_t *)r->resume, resume_closed);
    json_decref(r->input);
    json_decref(r->items);
    json_decref(r->results);
    free(r->live);
    sf_error_clear(&r->error);
    free(r);
}

/* Abort the iterations still running, in item order. */
static void abort_live(map_run *r)
{
    for (size_t i = 0; i < r->next && r->running > 0; i++) {
        sf_cursor *child = r->live[i];
        if (!child)
            continue;
        r->live[i] = NULL;
        r->running--;
        side_event(r->cursor, child->last_event_id, "MapIterationAborted",
                   iteration_details(r->cursor, i));
        sf_cursor_cancel(child);
    }
}

static void succeed(map_run *r)
{
    sf_cursor *c = r->cursor;
    json_t *results = r->results;
    r->results = NULL;
    free_run(r);
    c->run_data = NULL;
    side_event(c, c->last_event_id, "MapStateSucceeded", NULL);
    sf_cursor_state_done(c, results, NULL);
}

static void fail(map_run *r)
{
    sf_cursor *c = r->cursor;
    sf_error err = SF_ERROR_INIT;
    abort_live(r);
    sf_error_move(&err, &r->error);
    free_run(r);
    c->run_data = &iterations_failed;
    sf_cursor_state_error(c, &err);
}

/* Record the Map's failure (the first one wins; err is consumed); pump()
 * ends the run with it. */
static void set_failed(map_run *r, sf_error *err)
{
    if (r->failed) {
        sf_error_clear(err);
        return;
    }
    r->failed = true;
    sf_error_move(&r->error, err);
}

/* ---- Iterations ---- */

static bool within_tolerance(const map_run *r)
{
    const map_tolerance *t = &r->tolerance;
    if (!t->enabled)
        return false;
    if (t->count >= 0 && (long long)r->failures > t->count)
        return false;
    if (t->percentage >= 0 && (double)r->failures * 100.0 > t->percentage * (double)r->count)
        return false;
    return true;
}

static void iteration_failed(map_run *r, size_t index, sf_error *err)
{
    r->failures++;
    if (within_tolerance(r)) {
        json_t *eo = json_object();
        json_object_set_new(eo, "Error", err->name ? json_string(err->name) : json_null());
        json_object_set_new(eo, "Cause", err->cause ? json_string(err->cause) : json_null());
        json_array_set_new(r->results, index, eo);
        return;
    }
    if (r->tolerance.enabled) {
        sf_error over = SF_ERROR_INIT;
        sf_error_set(&over, SF_ERR_EXCEED_TOLERATED_FAILURE_THRESHOLD,
                     "The specified tolerated failure threshold was exceeded");
        set_failed(r, &over);
    } else {
        set_failed(r, err);
    }
}

static void iteration_done(sf_cursor *child, json_t *output, sf_error *err)
{
    map_run *r = child->owner;
    sf_cursor *c = r->cursor;
    size_t index = child->index;
    r->live[index] = NULL;
    r->running--;
    r->ended++;
    c->last_event_id = child->last_event_id;
    side_event(c, child->last_event_id, output ? "MapIterationSucceeded" : "MapIterationFailed",
               iteration_details(c, index));
    if (output)
        json_array_set_new(r->results, index, output);
    else
        iteration_failed(r, index, err);
    if (!r->pumping)
        pump(r);
}

/* The input of iteration `index`: the item, or the ItemSelector evaluated
 * with $$.Map.Item in the context. NULL with err set on failure. */
static json_t *iteration_input(map_run *r, size_t index, sf_error *err)
{
    const map_impl *m = r->cursor->state->impl;
    json_t *item = json_array_get(r->items, index);
    if (!m->item_selector)
        return json_incref(item);
    sf_eval_env env;
    sf_cursor_env(r->cursor, r->input, false, &env); /* $ and the variables */
    json_t *context = NULL;
    if (sf_template_uses_context(m->item_selector)) {
        context = json_copy(sf_cursor_context(r->cursor)); /* shallow: shares the rest */
        json_object_set_new(
            context, "Map",
            json_pack("{s:{s:I,s:O}}", "Item", "Index", (json_int_t)index, "Value", item));
        env.context = context;
    }
    json_t *input = sf_template_eval(m->item_selector, &env, err);
    json_decref(context);
    return input;
}

static void start_iteration(map_run *r, size_t index)
{
    sf_cursor *c = r->cursor;
    const map_impl *m = c->state->impl;
    sf_cursor_event(c, "MapIterationStarted", iteration_details(c, index));
    sf_error err = SF_ERROR_INIT;
    json_t *input = iteration_input(r, index, &err);
    if (!input) {
        side_event(c, c->last_event_id, "MapIterationFailed", iteration_details(c, index));
        sf_error_prefix_cause(&err,
                              "An error occurred while executing the state '%s' (entered at "
                              "the event id #%lld). ",
                              c->state->name, (long long)c->entered_event_id);
        set_failed(r, &err);
        return;
    }
    r->running++;
    size_t ended_before = r->ended;
    sf_cursor *child = sf_cursor_spawn(c, m->processor, input, index, iteration_done, r);
    /* An iteration that already ended inside the call has been freed. */
    r->live[index] = r->ended == ended_before ? child : NULL;
    json_decref(input);
}

/* ---- Driving ---- */

static void resume_fired(uv_idle_t *idle)
{
    map_run *r = idle->data;
    uv_idle_stop(idle);
    pump(r);
}

static void yield_loop(map_run *r)
{
    if (!r->resume) {
        r->resume = sf_malloc(sizeof *r->resume);
        uv_idle_init(sf_cursor_loop(r->cursor), r->resume);
        r->resume->data = r;
    }
    uv_idle_start(r->resume, resume_fired);
}

/* Start iterations while the limits allow, then finish the state if it is
 * over. Never re-entered: an iteration ending inside it only counts. */
static void pump(map_run *r)
{
    size_t budget = SPAWN_BUDGET;
    r->pumping = true;
    while (!r->failed && r->next < r->count &&
           (r->max_concurrency == 0 || r->running < r->max_concurrency)) {
        if (budget-- == 0) {
            yield_loop(r);
            break;
        }
        start_iteration(r, r->next++);
    }
    r->pumping = false;
    if (r->failed)
        fail(r);
    else if (r->ended == r->count)
        succeed(r);
}

/* ---- The state type ---- */

/* What ItemsPath selects from the effective input (NULL: nothing); the
 * caller checks that it is an array. */
static json_t *select_items(sf_cursor *c, const map_impl *m, json_t *input)
{
    if (!m->items_path)
        return json_is_array(input) ? json_incref(input) : NULL;
    sf_eval_env env;
    sf_cursor_env(c, input, sf_path_is_context(m->items_path), &env);
    return sf_path_eval(m->items_path, &env);
}

static bool check_items(sf_cursor *c, const map_impl *m, json_t *input, json_t *items)
{
    if (items && json_is_array(items))
        return true;
    const char *path = m->items_path ? sf_path_text(m->items_path) : "$";
    json_t *shown = items ? items : input;
    char *text = sf_json_compact(shown);
    if (!items && m->items_path)
        sf_cursor_state_runtime_error(
            c, SF_ERR_RUNTIME, "Invalid path '%s' : No results for path: $['%s']", path, path + 2);
    else
        sf_cursor_state_runtime_error(c, SF_ERR_RUNTIME,
                                      "The ItemsPath '%s' must select a JSON array, but it "
                                      "selected %s %s",
                                      path, sf_json_type_name(shown), text);
    free(text);
    return false;
}

static map_run *new_run(sf_cursor *c, json_t *input, json_t *items)
{
    map_run *r = SF_NEW(map_run);
    r->cursor = c;
    r->input = json_incref(input);
    r->items = items;
    r->count = json_array_size(items);
    r->results = json_array();
    for (size_t i = 0; i < r->count; i++)
        json_array_append_new(r->results, json_null());
    r->live = sf_calloc(r->count ? r->count : 1, sizeof *r->live);
    return r;
}

static void map_run_state(sf_cursor *c, json_t *input)
{
    const map_impl *m = c->state->impl;
    sf_error err = SF_ERROR_INIT;
    size_t max_concurrency;
    map_tolerance tolerance;
    /* AWS resolves MaxConcurrency before anything else, the tolerance only
     * after MapStateStarted. */
    if (!map_resolve_max_concurrency(c, m, input, &max_concurrency, &err)) {
        sf_cursor_state_runtime_error(c, err.name, "%s", err.cause);
        sf_error_clear(&err);
        return;
    }
    json_t *items = select_items(c, m, input);
    if (!check_items(c, m, input, items)) {
        json_decref(items);
        return;
    }
    sf_cursor_event(c, "MapStateStarted",
                    json_pack("{s:I}", "length", (json_int_t)json_array_size(items)));
    if (!map_resolve_tolerance(c, m, input, &tolerance, &err)) {
        json_decref(items);
        sf_cursor_state_runtime_error(c, err.name, "%s", err.cause);
        sf_error_clear(&err);
        return;
    }
    map_run *r = new_run(c, input, items);
    r->max_concurrency = max_concurrency;
    r->tolerance = tolerance;
    c->run_data = r;
    pump(r);
}

static void map_cancel(sf_cursor *c)
{
    map_run *r = c->run_data;
    c->run_data = NULL;
    if (!r || r == (void *)&iterations_failed)
        return;
    abort_live(r);
    free_run(r);
    sf_cursor_event(c, "MapStateAborted", NULL);
}

static void map_failed(sf_cursor *c)
{
    if (c->run_data != &iterations_failed)
        return;
    c->run_data = NULL;
    sf_cursor_event(c, "MapStateFailed", NULL);
}

const sf_state_type sf_state_map = {
    .name = "Map",
    .common_fields = SF_COMMON_NEXT_END | SF_COMMON_INPUT_PATH | SF_COMMON_OUTPUT_PATH |
                     SF_COMMON_RESULT_SELECTOR | SF_COMMON_RESULT_PATH | SF_COMMON_RETRY_CATCH |
                     SF_COMMON_ASSIGN,
    .own_fields = map_fields,
    .compile = map_compile,
    .free_impl = map_impl_free,
    .run = map_run_state,
    .cancel = map_cancel,
    .failed = map_failed,
};
