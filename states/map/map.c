/*
 * map.c — the Map state: runs its ItemProcessor once per item and its
 * result is the array of the iteration outputs, in item order.
 *
 * Inline mode (the default) takes the items from an array in the effective
 * input (ItemsPath, default "$"); each iteration's input is the item, or
 * the ItemSelector (legacy: Parameters) evaluated with "$" the Map's
 * effective input and $$.Map.Item.{Index,Value} in the context object. At
 * most MaxConcurrency iterations run at once (0: no limit). A Distributed
 * Map (ProcessorConfig.Mode DISTRIBUTED) may also read its items from files
 * (ItemReader), batch them (ItemBatcher) and write its results to the store
 * (ResultWriter): map_distributed.c. Both modes share the driver in
 * map_run.c; fields are compiled in map_fields*.c.
 *
 * Before any iteration: MaxConcurrency(Path) is resolved first, then the
 * items are selected (States.Runtime when ItemsPath matches nothing or is
 * not an array), MapStateStarted {length} is recorded, and the Tolerated*
 * fields are resolved (States.Runtime on a bad value), in AWS's order.
 *
 * History beyond what map_run.c records: MapStateFailed once the failure
 * is final (after retries, before Catch: engine hook `failed`), for runs
 * that failed because of their iterations (or, distributed, their reader
 * or writer), not for the state's own run-time errors; MapStateAborted
 * when cancelled from outside.
 */
#include "engine/cursor.h"
#include "engine/exec.h"
#include "engine/json_util.h"
#include "engine/xalloc.h"
#include "states/map/map.h"
#include "states/map/map_run.h"
#include "states/states.h"

#include <stdlib.h>
#include <string.h>

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

json_t *map_items_from_input(sf_cursor *c, const map_impl *m, json_t *input)
{
    json_t *items = select_items(c, m, input);
    if (check_items(c, m, input, items))
        return items;
    json_decref(items);
    return NULL;
}

/* A run-time error of the state itself (err's cause is the field's). */
static void runtime_error(sf_cursor *c, sf_error *err)
{
    sf_cursor_state_runtime_error(c, err->name, "%s", err->cause);
    sf_error_clear(err);
}

static void run_inline(sf_cursor *c, json_t *input, size_t max_concurrency)
{
    const map_impl *m = c->state->impl;
    sf_error err = SF_ERROR_INIT;
    map_tolerance tolerance;
    json_t *items = map_items_from_input(c, m, input);
    if (!items)
        return;
    size_t count = json_array_size(items);
    sf_cursor_event(c, "MapStateStarted", json_pack("{s:I}", "length", (json_int_t)count));
    if (!map_resolve_tolerance(c, m, input, &tolerance, &err)) {
        json_decref(items);
        runtime_error(c, &err);
        return;
    }
    map_run *r = map_run_new(c, input, map_reader_array(items));
    json_decref(items);
    r->total_items = count;
    r->max_concurrency = max_concurrency;
    r->tolerance = tolerance;
    c->run_data = r;
    map_run_start(r);
}

static void map_run_state(sf_cursor *c, json_t *input)
{
    const map_impl *m = c->state->impl;
    sf_error err = SF_ERROR_INIT;
    size_t max_concurrency;
    /* AWS resolves MaxConcurrency before anything else, the tolerance only
     * after MapStateStarted. */
    if (!map_resolve_max_concurrency(c, m, input, &max_concurrency, &err))
        runtime_error(c, &err);
    else if (m->distributed)
        map_distributed_run(c, input, max_concurrency);
    else
        run_inline(c, input, max_concurrency);
}

static void map_cancel(sf_cursor *c)
{
    map_run *r = c->run_data;
    c->run_data = NULL;
    if (!r || r == map_run_failed_marker())
        return;
    map_run_cancel(r);
    sf_cursor_event(c, "MapStateAborted", NULL);
}

static void map_failed(sf_cursor *c)
{
    if (c->run_data != map_run_failed_marker())
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
    .check_load = map_check_load,
};
