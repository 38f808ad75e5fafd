/*
 * map_distributed.c — what a Distributed Map (ProcessorConfig.Mode
 * DISTRIBUTED) adds to the Map state: the Map Run, items read from files
 * (ItemReader) and batched (ItemBatcher), child execution records, and
 * results written to the store (ResultWriter).
 *
 * On AWS each item (or batch) runs as a child execution with its own
 * history. Here it runs as an iteration cursor of this execution, and its
 * events go to this execution's history under its scope, bracketed by
 * MapIterationStarted / MapIterationSucceeded|Failed|Aborted {name, index}
 * as for an inline Map, so a reader (and replay) can tell where every
 * child stood. The Map's own chain of events is AWS's:
 *
 *   MapStateEntered -> MapStateStarted {length: items in the input, or 0
 *   with an ItemReader} -> MapRunStarted {mapRunArn} -> MapRunSucceeded ->
 *   MapStateSucceeded (not moving the chain) -> MapStateExited
 *
 * or MapRunFailed {error, cause} -> MapStateFailed, or MapRunAborted ->
 * MapStateAborted. The iteration events follow MapRunStarted and leave the
 * chain there. IDs are derived, not random: the Map Run's id is a UUID made
 * from the execution, the state, the event that entered it and the retry
 * (a Retry starts a new Map Run, as on AWS), and a
 * child's name one made from the run's id and the child's index, so a
 * replayed run names the same things:
 *
 *   mapRunArn  arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:RUNID
 *   child      arn:aws:states:REGION:ACCOUNT:execution:MACHINE/LABEL:NAME
 *
 * (LABEL is the state's Label, or its name.) MaxConcurrency 0 or absent
 * means 10,000 children at once, AWS's limit. Items are read before the
 * first child starts, once, to check the whole file and count the items
 * (ToleratedFailurePercentage needs the total), then read again as the
 * children start: a malformed file fails the run before any child runs, as
 * on AWS, and memory never holds the items.
 *
 * The state's output is the children's outputs in item order (failed
 * children that were tolerated appear as their whole record, as AWS does);
 * with ResultWriter.Resource it is {"MapRunArn", "ResultWriterDetails":
 * {"Bucket", "Key" of manifest.json}} and the results are in the store
 * (map_writer.h). Failure cases: States.ItemReaderFailed (map_reader.h),
 * States.ResultWriterFailed (map_writer.h), States.Runtime for an
 * ItemReader/ItemBatcher/ResultWriter value that cannot be evaluated or is
 * out of range, States.ExceedToleratedFailureThreshold (map_run.c).
 */
#include "engine/exec.h"
#include "engine/lang/hash.h"
#include "engine/json_util.h"
#include "engine/timestamp.h"
#include "engine/xalloc.h"
#include "states/map/map_run.h"
#include "states/map/map_writer.h"

#include <stdlib.h>
#include <string.h>

#define DISTRIBUTED_MAX_CONCURRENCY 10000
#define MAP_INTEGER_MAX             2147483647.0
#define READER_MAX_ITEMS            100000000.0
#define BATCH_MAX_BYTES             262144.0

struct map_distributed {
    char *map_run_arn;
    char *run_id;
    char *child_arn_prefix; /* "arn:...:execution:MACHINE/LABEL:" */
    char *child_machine_arn;
    map_transformation transformation; /* of the state output */
    map_writer *writer;                /* NULL: results make the output */
    char *bucket;                      /* ResultWriter's */
    char *key_prefix;                  /* "PREFIX/RUNID/" */
};

/* ---- Names ---- */

/* A UUID-shaped name derived from text (an MD5 of it). */
static char *derived_uuid(const char *text)
{
    char *hex = sf_hash_hex(SF_HASH_MD5, text, strlen(text));
    char *uuid =
        sf_asprintf("%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
    free(hex);
    return uuid;
}

static map_distributed *new_distributed(sf_cursor *c)
{
    const map_impl *m = c->state->impl;
    json_t *base = sf_exec_context_base(c->exec);
    const char *exec_arn =
        json_string_value(json_object_get(json_object_get(base, "Execution"), "Id"));
    const char *machine =
        json_string_value(json_object_get(json_object_get(base, "StateMachine"), "Name"));
    const char *at = strstr(exec_arn, ":execution:");
    size_t account_len = at ? (size_t)(at - exec_arn) : strlen(exec_arn);
    const char *label = m->label ? m->label : c->state->name;
    char *scope = sf_strdup(c->scope ? c->scope : "[]");
    char *seed = sf_asprintf("%s\n%s\n%s\n%lld\n%d", exec_arn, scope, c->state->name,
                             (long long)c->entered_event_id, c->retry_count);
    map_distributed *d = SF_NEW(map_distributed);
    d->run_id = derived_uuid(seed);
    d->map_run_arn =
        sf_asprintf("%.*s:mapRun:%s/%s:%s", (int)account_len, exec_arn, machine, label, d->run_id);
    d->child_arn_prefix =
        sf_asprintf("%.*s:execution:%s/%s:", (int)account_len, exec_arn, machine, label);
    d->child_machine_arn =
        sf_asprintf("%.*s:stateMachine:%s/%s", (int)account_len, exec_arn, machine, label);
    d->transformation = MAP_TRANSFORM_COMPACT;
    free(seed);
    free(scope);
    return d;
}

void map_distributed_free(map_distributed *d)
{
    if (!d)
        return;
    map_writer_free(d->writer);
    free(d->map_run_arn);
    free(d->run_id);
    free(d->child_arn_prefix);
    free(d->child_machine_arn);
    free(d->bucket);
    free(d->key_prefix);
    free(d);
}

/* ---- Child execution records ---- */

static void set_text(json_t *rec, const char *key, const char *details_key, json_t *v)
{
    char *text = sf_json_compact(v);
    json_object_set_new(rec, key, json_string(text));
    json_object_set_new(rec, details_key, json_pack("{s:b}", "Included", 1));
    free(text);
}

/* The record AWS keeps of a child execution (DescribeExecution's fields,
 * capitalised as in ResultWriter's files). */
static json_t *child_record(const map_run *r, const map_live *l, json_t *output,
                            const sf_error *err)
{
    const map_distributed *d = r->dist;
    char start[32], stop[32];
    char *seed = sf_asprintf("%s:%zu", d->run_id, l->index);
    char *name = derived_uuid(seed);
    char *arn = sf_asprintf("%s%s", d->child_arn_prefix, name);
    json_t *rec = json_object();
    if (!output && err->cause)
        json_object_set_new(rec, "Cause", json_string(err->cause));
    if (!output && err->name)
        json_object_set_new(rec, "Error", json_string(err->name));
    json_object_set_new(rec, "ExecutionArn", json_string(arn));
    set_text(rec, "Input", "InputDetails", l->input);
    json_object_set_new(rec, "Name", json_string(name));
    if (output)
        set_text(rec, "Output", "OutputDetails", output);
    json_object_set_new(rec, "RedriveCount", json_integer(0));
    json_object_set_new(rec, "RedriveStatus",
                        json_string(output ? "NOT_REDRIVABLE" : "REDRIVABLE_BY_MAP_RUN"));
    if (output)
        json_object_set_new(rec, "RedriveStatusReason",
                            json_string("Execution is SUCCEEDED and cannot be redriven"));
    json_object_set_new(rec, "StartDate", json_string(sf_timestamp_format_ms(l->start_ms, start)));
    json_object_set_new(rec, "StateMachineArn", json_string(d->child_machine_arn));
    json_object_set_new(rec, "Status", json_string(output ? "SUCCEEDED" : "FAILED"));
    json_object_set_new(rec, "StopDate", json_string(sf_timestamp_format_ms(sf_now_ms(), stop)));
    free(arn);
    free(name);
    free(seed);
    return rec;
}

bool map_distributed_result(map_run *r, map_live *l, json_t *output, const sf_error *err,
                            sf_error *werr)
{
    map_distributed *d = r->dist;
    if (d->writer)
        return map_writer_add(d->writer, output != NULL, child_record(r, l, output, err), output,
                              werr);
    bool whole = !output || d->transformation == MAP_TRANSFORM_NONE;
    json_array_set_new(r->results, l->index,
                       whole ? child_record(r, l, output, err) : json_incref(output));
    return true;
}

/* ---- Ending ---- */

static json_t *flatten(json_t *results)
{
    json_t *flat = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(results, i, v)
    {
        if (json_is_array(v))
            json_array_extend(flat, v);
        else
            json_array_append(flat, v);
    }
    return flat;
}

json_t *map_distributed_succeeded(map_run *r, sf_error *err)
{
    map_distributed *d = r->dist;
    if (d->writer && !map_writer_finish(d->writer, err)) {
        map_writer_free(d->writer);
        d->writer = NULL;
        return NULL;
    }
    sf_cursor_event(r->cursor, "MapRunSucceeded", NULL);
    if (d->writer) {
        char *key = sf_asprintf("%smanifest.json", d->key_prefix);
        json_t *out = json_pack("{s:s,s:{s:s,s:s}}", "MapRunArn", d->map_run_arn,
                                "ResultWriterDetails", "Bucket", d->bucket, "Key", key);
        free(key);
        return out;
    }
    if (d->transformation == MAP_TRANSFORM_FLATTEN)
        return flatten(r->results);
    return json_incref(r->results);
}

void map_distributed_failed(map_run *r, const sf_error *err)
{
    map_distributed *d = r->dist;
    sf_cursor_event(r->cursor, "MapRunFailed",
                    json_pack("{s:s?,s:s?}", "error", err->name, "cause", err->cause));
    if (d->writer) { /* what the children did is still worth having */
        sf_error ignored = SF_ERROR_INIT;
        map_writer_finish(d->writer, &ignored);
        sf_error_clear(&ignored);
    }
}

void map_distributed_aborted(map_run *r)
{
    sf_cursor_event(r->cursor, "MapRunAborted", NULL);
}

/* ---- Preparing the run ---- */

/* Evaluate a template of the state's fields against the effective input. */
static json_t *evaluate(map_run *r, const sf_template *t, sf_error *err)
{
    sf_eval_env env;
    sf_cursor_env(r->cursor, r->input, sf_template_uses_context(t), &env);
    json_t *v = sf_template_eval(t, &env, err);
    if (!v)
        sf_error_prefix_cause(err,
                              "An error occurred while executing the state '%s' (entered at "
                              "the event id #%lld). ",
                              r->cursor->state->name, (long long)r->cursor->entered_event_id);
    return v;
}

static bool resolve_count(map_run *r, const map_number *f, const char *field, double min,
                          double max, size_t *out, sf_error *err)
{
    double v = 0;
    if (!f->given) {
        *out = 0;
        return true;
    }
    if (!map_resolve_number(r->cursor, f, field, true, min, max, r->input, &v, err))
        return false;
    *out = (size_t)v;
    return true;
}

/* Read every item once, without keeping any: the file is checked whole and
 * the items are counted before any child starts. */
static bool count_items(map_run *r, const map_reader_config *cfg, json_t *params, sf_error *err)
{
    const sf_resources *map = r->cursor->machine->definition->resources;
    const char *exec_dir = sf_exec_dir(r->cursor->exec);
    map_reader *check = map_reader_open(cfg, params, map, exec_dir, err);
    int got = check ? 1 : -1;
    r->total_items = 0;
    while (got > 0 && (!r->max_items || r->total_items < r->max_items) &&
           (got = map_reader_next(check, NULL, err)) > 0)
        r->total_items++;
    map_reader_free(check);
    if (got < 0)
        return false;
    r->reader = map_reader_open(cfg, params, map, exec_dir, err);
    return r->reader != NULL;
}

static bool prepare_reader(map_run *r, sf_error *err)
{
    const map_reader_config *cfg = r->impl->reader;
    if (!cfg)
        return true; /* the array from ItemsPath, counted already */
    if (!resolve_count(r, &cfg->max_items, "MaxItems", 0, READER_MAX_ITEMS, &r->max_items, err))
        return false;
    json_t *params = evaluate(r, cfg->parameters, err);
    bool ok = params && count_items(r, cfg, params, err);
    json_decref(params);
    return ok;
}

static bool prepare_batcher(map_run *r, sf_error *err)
{
    const map_batcher_config *cfg = r->impl->batcher;
    size_t max_items, max_bytes;
    if (!cfg)
        return true;
    if (!resolve_count(r, &cfg->max_items, "MaxItemsPerBatch", 1, MAP_INTEGER_MAX, &max_items,
                       err) ||
        !resolve_count(r, &cfg->max_bytes, "MaxInputBytesPerBatch", 1, BATCH_MAX_BYTES, &max_bytes,
                       err))
        return false;
    json_t *batch_input = NULL;
    if (cfg->batch_input && !(batch_input = evaluate(r, cfg->batch_input, err)))
        return false;
    r->batcher = map_batcher_new(max_items, max_bytes, batch_input);
    return true;
}

/* "PREFIX/RUNID/" (or "RUNID/" without a prefix). */
static char *results_key_prefix(const char *prefix, const char *run_id)
{
    size_t n = strlen(prefix);
    return sf_asprintf("%s%s%s/", prefix, n && prefix[n - 1] != '/' ? "/" : "", run_id);
}

static bool prepare_writer(map_run *r, sf_error *err)
{
    const map_writer_config *cfg = r->impl->writer;
    map_distributed *d = r->dist;
    if (!cfg)
        return true;
    d->transformation = cfg->transformation;
    if (!cfg->parameters)
        return true;
    json_t *params = evaluate(r, cfg->parameters, err);
    if (!params)
        return false;
    const char *bucket = json_string_value(json_object_get(params, "Bucket"));
    json_t *prefix = json_object_get(params, "Prefix");
    if (!bucket || (prefix && !json_is_string(prefix))) {
        sf_error_set(err, SF_ERR_RESULT_WRITER_FAILED,
                     "ResultWriter.Parameters needs Bucket as a string (and Prefix, when given)");
        json_decref(params);
        return false;
    }
    d->bucket = sf_strdup(bucket);
    d->key_prefix = results_key_prefix(prefix ? json_string_value(prefix) : "", d->run_id);
    json_decref(params);
    d->writer = map_writer_open(sf_exec_dir(r->cursor->exec), d->bucket, d->key_prefix,
                                d->map_run_arn, cfg->transformation, cfg->jsonl, err);
    if (d->writer) {
        json_decref(r->results); /* the results go to files, not to memory */
        r->results = NULL;
    }
    return d->writer != NULL;
}

/* ---- Running ---- */

void map_distributed_run(sf_cursor *c, json_t *input, size_t max_concurrency)
{
    const map_impl *m = c->state->impl;
    sf_error err = SF_ERROR_INIT;
    map_tolerance tolerance;
    json_t *items = NULL;
    if (!m->reader && !(items = map_items_from_input(c, m, input)))
        return;
    sf_cursor_event(c, "MapStateStarted",
                    json_pack("{s:I}", "length", (json_int_t)json_array_size(items)));
    if (!map_resolve_tolerance(c, m, input, &tolerance, &err)) {
        json_decref(items);
        sf_cursor_state_runtime_error(c, err.name, "%s", err.cause);
        sf_error_clear(&err);
        return;
    }
    map_run *r = map_run_new(c, input, items ? map_reader_array(items) : NULL);
    r->total_items = json_array_size(items);
    json_decref(items);
    r->dist = new_distributed(c);
    r->max_concurrency = max_concurrency ? max_concurrency : DISTRIBUTED_MAX_CONCURRENCY;
    r->tolerance = tolerance;
    c->run_data = r;
    sf_cursor_event(c, "MapRunStarted", json_pack("{s:s}", "mapRunArn", r->dist->map_run_arn));
    if (prepare_reader(r, &err) && prepare_batcher(r, &err) && prepare_writer(r, &err))
        map_run_start(r);
    else
        map_run_fail(r, &err);
}
