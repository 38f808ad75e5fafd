/*
 * map_run.c — the iteration driver of the Map state, inline and
 * distributed: it pulls items from a reader (an array in the input, or a
 * file or listing for a Distributed Map), applies ItemSelector (and
 * ItemBatcher), starts one child cursor per item or batch, at most
 * MaxConcurrency at once, and ends the state when the last one ends.
 *
 * Driving. Iterations are started by one loop, pump(). An iteration that
 * ends synchronously, inside sf_cursor_spawn, only updates the counts and
 * the loop starts the next one, so 100,000 items of Pass states are a loop,
 * not a recursion. An iteration that ends later (from a libuv callback)
 * calls pump() itself. After SPAWN_BUDGET starts in one go the loop yields
 * to the event loop (a uv_idle handle resumes it), so timers and other
 * executions get their turn; every step is O(1) per item.
 *
 * Turns. A Distributed Map does not start the next child from inside the
 * callback that ended the last one, but from the loop's idle phase: a
 * child that ends in a timer callback and a new child whose first state
 * arms a timer would otherwise chain inside one timer phase (libuv runs
 * timers that fall due while it runs them), and the loop would never reach
 * the phases that flush the history and free closed handles — memory
 * would grow with the items. An inline Map starts the next iteration at
 * once, keeping the event order AWS records.
 *
 * Memory. Items are pulled only when an iteration starts, and only the
 * iterations in flight are tracked (a list, in start order), so what a run
 * holds grows with MaxConcurrency. The outputs of ended iterations are kept
 * only when they make up the state's output.
 *
 * Failure. Inline, an iteration failure fails the Map with that
 * iteration's error and cause unless ToleratedFailureCount /
 * ToleratedFailurePercentage allow it (a failed item's output is then
 * {"Error", "Cause"}); a Distributed Map tolerates no failure by default,
 * and one past its threshold fails with States.ExceedToleratedFailureThreshold
 * (a failed batch counts all its items). The iterations still running are
 * then aborted, in start order. An ItemSelector that cannot be evaluated
 * and a reader that fails (a malformed file) fail the run too.
 *
 * History, inline (AWS's shape, previousEventId included):
 *   MapIterationStarted {name, index} before each iteration; it moves the
 *                                  Map's chain, the iteration follows it;
 *   MapIterationSucceeded / Failed / Aborted {name, index} follow the
 *                                  iteration's last event and do not move
 *                                  the chain: the next MapIterationStarted
 *                                  follows that last event;
 *   MapStateSucceeded              after the last iteration, not moving the
 *                                  chain (MapStateExited follows the last
 *                                  iteration event too).
 * A Distributed Map's iteration events follow MapRunStarted and never move
 * the Map's chain (see map_distributed.c).
 */
#include "engine/cursor.h"
#include "engine/exec.h"
#include "engine/timestamp.h"
#include "engine/xalloc.h"
#include "states/map/map_run.h"

#include <stdlib.h>
#include <string.h>

#define SPAWN_BUDGET 1024

static void pump(map_run *r);
static void yield_loop(map_run *r);

/* c->run_data between a run's failure and the engine's `failed` call:
 * MapStateFailed is recorded for failed runs, not for the state's own
 * run-time errors (a bad MaxConcurrencyPath), as AWS does. Only its
 * address matters. */
static const char failed_marker;

void *map_run_failed_marker(void)
{
    return (void *)&failed_marker;
}

/* ---- Events ---- */

/* A MapIteration* event, {"name":..,"index":..}: two per item, so its
 * details are written as text; the jansson object is built only for a
 * replay to match against. Returns the event's id. */
int64_t map_iteration_event(sf_cursor *c, int64_t previous, const char *type, size_t index)
{
    /* Reused from one event to the next (two per iteration): nothing
     * records an event while another's details are being written. */
    static sf_text details;
    details.len = 0;
    SF_TEXT_PUT_LITERAL(&details, "{\"name\":");
    sf_text_put_string(&details, c->state->name, strlen(c->state->name));
    SF_TEXT_PUT_LITERAL(&details, ",\"index\":");
    sf_text_put_int(&details, (long long)index);
    sf_text_put(&details, "}", 1);
    json_t *match = NULL;
    if (sf_exec_replay(c->exec)) {
        match = json_object();
        json_object_set_new_nocheck(match, "name", json_string(c->state->name));
        json_object_set_new_nocheck(match, "index", json_integer((json_int_t)index));
    }
    int64_t id =
        sf_exec_record_text(c->exec, previous, type, details.data, details.len, match, c->scope);
    return id;
}

void map_side_event(sf_cursor *c, int64_t previous, const char *type, json_t *details)
{
    sf_exec_record(c->exec, previous, type, details, c->scope);
}

/* ---- The run's life ---- */

map_run *map_run_new(sf_cursor *c, json_t *input, map_reader *reader)
{
    map_run *r = SF_NEW(map_run);
    r->cursor = c;
    r->impl = c->state->impl;
    r->input = json_incref(input);
    r->reader = reader;
    r->results = json_array();
    return r;
}

static void resume_closed(uv_handle_t *h)
{
    free(h);
}

static void free_live(map_live *l)
{
    json_decref(l->input);
    free(l);
}

void map_run_free(map_run *r)
{
    if (r->resume)
        uv_close((uv_handle_t *)r->resume, resume_closed);
    map_reader_free(r->reader);
    map_batcher_free(r->batcher);
    map_distributed_free(r->dist);
    json_decref(r->input);
    json_decref(r->item_context);
    json_decref(r->results);
    sf_error_clear(&r->error);
    free(r);
}

static void unlink_live(map_run *r, map_live *l)
{
    if (l->prev)
        l->prev->next = l->next;
    else
        r->live_head = l->next;
    if (l->next)
        l->next->prev = l->prev;
    else
        r->live_tail = l->prev;
    l->prev = l->next = NULL;
    r->running--;
}

/* Abort the iterations still running, in start order. */
static void abort_live(map_run *r)
{
    while (r->live_head) {
        map_live *l = r->live_head;
        unlink_live(r, l);
        if (!l->child) { /* being spawned: it ends by itself */
            l->ended = true;
            continue;
        }
        map_iteration_event(r->cursor, l->child->last_event_id, "MapIterationAborted", l->index);
        sf_cursor_cancel(l->child);
        free_live(l);
    }
}

void map_run_cancel(map_run *r)
{
    abort_live(r);
    if (r->dist)
        map_distributed_aborted(r);
    map_run_free(r);
}

/* Record the run's failure (the first one wins; err is consumed); pump()
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

static void succeed(map_run *r)
{
    sf_cursor *c = r->cursor;
    sf_error err = SF_ERROR_INIT;
    json_t *result;
    if (r->dist) {
        result = map_distributed_succeeded(r, &err);
        if (!result) {
            set_failed(r, &err);
            pump(r);
            return;
        }
    } else {
        result = json_incref(r->results);
    }
    map_run_free(r);
    c->run_data = NULL;
    map_side_event(c, c->last_event_id, "MapStateSucceeded", NULL);
    sf_cursor_state_done(c, result, NULL);
}

static void fail(map_run *r)
{
    sf_cursor *c = r->cursor;
    sf_error err = SF_ERROR_INIT;
    abort_live(r);
    if (r->dist)
        map_distributed_failed(r, &r->error);
    sf_error_move(&err, &r->error);
    map_run_free(r);
    c->run_data = map_run_failed_marker();
    sf_cursor_state_error(c, &err);
}

void map_run_fail(map_run *r, sf_error *err)
{
    set_failed(r, err);
    pump(r);
}

/* ---- Items ---- */

/* The "$$" of an ItemSelector that reads more of it than the item's Value
 * and Index (those need no context, see sf_eval_env): one shallow copy of
 * the context per run, its Map member replaced for each item; a fresh copy
 * if a selected value kept the whole object. Borrows item. */
static json_t *item_selector_context(map_run *r, size_t index, json_t *item)
{
    if (!r->item_context || r->item_context->refcount > 1) {
        json_decref(r->item_context);
        r->item_context = json_copy(sf_cursor_context(r->cursor)); /* shallow */
    }
    json_object_set_new(r->item_context, "Map", sf_map_item_context((int64_t)index, item));
    return r->item_context;
}

/* ItemSelector for item `index`: "$" is the Map's effective input and
 * $$.Map.Item.{Index,Value} the item. Consumes item. */
static json_t *select_item(map_run *r, size_t index, json_t *item, sf_error *err)
{
    sf_eval_env env;
    sf_cursor_env(r->cursor, r->input, false, &env); /* $ and the variables */
    env.has_map_item = true; /* $$.Map.Item.Value and .Index, without a context */
    env.map_item_value = item;
    env.map_item_index = (json_int_t)index;
    if (sf_template_needs_context_object(r->impl->item_selector))
        env.context = item_selector_context(r, index, item);
    json_t *selected = sf_template_eval(r->impl->item_selector, &env, err);
    json_decref(item);
    return selected;
}

/* The next item, after ItemSelector (a map_item_pull). */
static int pull_item(void *ctx, json_t **item, sf_error *err)
{
    map_run *r = ctx;
    json_t *raw;
    if (r->max_items && r->items_read >= r->max_items)
        return 0;
    int got = map_reader_next(r->reader, &raw, err);
    if (got <= 0)
        return got;
    size_t index = r->items_read++;
    if (!r->impl->item_selector) {
        *item = raw;
        return 1;
    }
    *item = select_item(r, index, raw, err);
    if (*item)
        return 1;
    r->selector_failed = true;
    sf_error_prefix_cause(err,
                          "An error occurred while executing the state '%s' (entered at the "
                          "event id #%lld). ",
                          r->cursor->state->name, (long long)r->cursor->entered_event_id);
    return -1;
}

static int next_input(map_run *r, json_t **input, size_t *items, sf_error *err)
{
    if (r->batcher)
        return map_batcher_next(r->batcher, pull_item, r, input, items, err);
    *items = 1;
    return pull_item(r, input, err);
}

/* ---- Iterations ---- */

static bool within_tolerance(const map_run *r)
{
    const map_tolerance *t = &r->tolerance;
    if (!t->enabled)
        return false;
    if (t->count >= 0 && (long long)r->failed_items > t->count)
        return false;
    if (t->percentage >= 0 &&
        (double)r->failed_items * 100.0 > t->percentage * (double)r->total_items)
        return false;
    return true;
}

static void iteration_failed(map_run *r, map_live *l, sf_error *err)
{
    r->failed_items += l->items;
    if (within_tolerance(r)) {
        sf_error werr = SF_ERROR_INIT;
        if (r->dist && !map_distributed_result(r, l, NULL, err, &werr))
            set_failed(r, &werr);
        else if (!r->dist)
            json_array_set_new(r->results, l->index,
                               json_pack("{s:s?,s:s?}", "Error", err->name, "Cause", err->cause));
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

static void iteration_succeeded(map_run *r, map_live *l, json_t *output)
{
    sf_error werr = SF_ERROR_INIT;
    if (r->dist) {
        if (!map_distributed_result(r, l, output, NULL, &werr))
            set_failed(r, &werr);
        json_decref(output);
    } else {
        json_array_set_new(r->results, l->index, output);
    }
}

static void iteration_done(sf_cursor *child, json_t *output, sf_error *err)
{
    map_live *l = child->owner;
    map_run *r = l->run;
    sf_cursor *c = r->cursor;
    unlink_live(r, l);
    if (!r->dist)
        c->last_event_id = child->last_event_id;
    map_iteration_event(c, child->last_event_id,
                        output ? "MapIterationSucceeded" : "MapIterationFailed", l->index);
    if (output)
        iteration_succeeded(r, l, output);
    else
        iteration_failed(r, l, err);
    l->ended = true;
    if (!l->spawning)
        free_live(l);
    if (r->pumping)
        return; /* it ended inside the driver, which goes on */
    if (r->dist)
        yield_loop(r); /* see "Turns" above */
    else
        pump(r);
}

/* Record MapIterationStarted; returns the id the child's first event
 * follows. Inline it moves the Map's chain; distributed it follows
 * MapRunStarted and leaves the chain there. */
static int64_t record_started(map_run *r, size_t index)
{
    sf_cursor *c = r->cursor;
    return map_iteration_event(c, c->last_event_id, "MapIterationStarted", index);
}

static void start_iteration(map_run *r, json_t *input, size_t items)
{
    sf_cursor *c = r->cursor;
    map_live *l = SF_NEW(map_live);
    l->run = r;
    l->index = r->iterations++;
    l->items = items;
    l->start_ms = sf_now_ms();
    l->input = r->dist ? json_incref(input) : NULL;
    l->spawning = true;
    l->prev = r->live_tail;
    if (r->live_tail)
        r->live_tail->next = l;
    else
        r->live_head = l;
    r->live_tail = l;
    r->running++;
    if (r->results)
        json_array_append_new(r->results, json_null());
    int64_t chain = c->last_event_id;
    c->last_event_id = record_started(r, l->index);
    sf_cursor *child = sf_cursor_spawn(c, r->impl->processor, input, l->index, iteration_done, l);
    if (r->dist)
        c->last_event_id = chain;
    l->spawning = false;
    if (l->ended)
        free_live(l); /* it ended inside the spawn (and was unlinked) */
    else
        l->child = child;
    json_decref(input);
}

/* An ItemSelector failed: inline, AWS records the iteration as started and
 * failed. */
static void record_selector_failure(map_run *r)
{
    sf_cursor *c = r->cursor;
    size_t index = r->iterations;
    if (r->dist)
        return;
    c->last_event_id = map_iteration_event(c, c->last_event_id, "MapIterationStarted", index);
    map_iteration_event(c, c->last_event_id, "MapIterationFailed", index);
}

static void start_next(map_run *r)
{
    json_t *input = NULL;
    size_t items = 0;
    sf_error err = SF_ERROR_INIT;
    int got = next_input(r, &input, &items, &err);
    if (got > 0) {
        start_iteration(r, input, items);
    } else if (got == 0) {
        r->exhausted = true;
    } else {
        if (r->selector_failed)
            record_selector_failure(r);
        else if (strcmp(err.name, SF_ERR_RUNTIME) == 0) /* ItemBatcher's */
            sf_error_prefix_cause(&err,
                                  "An error occurred while executing the state '%s' (entered "
                                  "at the event id #%lld). ",
                                  r->cursor->state->name, (long long)r->cursor->entered_event_id);
        set_failed(r, &err);
    }
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
    if (r->pumping)
        return;
    r->pumping = true;
    while (!r->failed && !r->exhausted &&
           (r->max_concurrency == 0 || r->running < r->max_concurrency)) {
        if (budget-- == 0) {
            yield_loop(r);
            break;
        }
        start_next(r);
    }
    r->pumping = false;
    if (r->failed)
        fail(r);
    else if (r->exhausted && r->running == 0)
        succeed(r);
}

void map_run_start(map_run *r)
{
    pump(r);
}
