/*
 * map_fields.c — the Map state's own fields: compiled and checked when the
 * definition loads, and the numeric ones resolved when the state runs.
 *
 * Compile-time checks (each a diagnostic naming the state and the field):
 * exactly one of ItemProcessor and the legacy Iterator; its
 * ProcessorConfig (Mode INLINE or DISTRIBUTED, ExecutionType only with
 * DISTRIBUTED); ItemsPath a reference path; at most one of ItemSelector and
 * the legacy Parameters; MaxConcurrency and ToleratedFailureCount integers
 * >= 0, ToleratedFailurePercentage a number from 0 to 100, each either
 * literal or as a ...Path reference path, never both. The fields only a
 * Distributed Map has (ItemReader, ItemBatcher, ResultWriter, Label) are
 * compiled in map_fields_distributed.c.
 *
 * Run-time failures (States.Runtime, AWS's cause text where known): a
 * ...Path that matches nothing, or whose value is not a valid number for
 * its field, e.g. `The MaxConcurrencyPath field refers to value "NoNumber"
 * which is not a valid integer: $.MaxConcurrencyValue`.
 */
#include "engine/json_util.h"
#include "engine/xalloc.h"
#include "states/map/map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAP_INTEGER_MAX 2147483647.0

/* ---- Compiling ---- */

static void field_error(sf_compile_ctx *cc, const char *code, const char *field, const char *what)
{
    char *ptr = sf_compile_field_pointer(cc, field);
    sf_diags_error(cc->diags, code, ptr, "State '%s': %s %s", cc->state->name, field, what);
    free(ptr);
}

static bool literal_number_ok(json_t *v, bool integer, double max, double *out)
{
    long long n;
    if (integer) {
        if (!sf_json_as_integer(v, &n) || n < 0 || (double)n > max)
            return false;
        *out = (double)n;
        return true;
    }
    if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > max)
        return false;
    *out = json_number_value(v);
    return true;
}

static void number_path(sf_compile_ctx *cc, json_t *path, const char *ptr, const char *field,
                        map_number *out)
{
    char *why = NULL;
    const char *text = json_string_value(path);
    out->path = text ? sf_path_compile(text, SF_PATH_REFERENCE, &why) : NULL;
    out->given = out->path != NULL;
    if (!text)
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr,
                       "State '%s': %s must be a string holding a reference path, not %s",
                       cc->state->name, field, sf_json_type_name(path));
    else if (!out->path)
        sf_diags_error(cc->diags, SF_DIAG_INVALID_PATH, ptr,
                       "State '%s': %s holds an invalid reference path '%s': %s", cc->state->name,
                       field, text, why ? why : "syntax error");
    free(why);
}

void map_compile_number(sf_compile_ctx *cc, json_t *obj, const char *base, const char *field,
                        bool integer, double min, double max, map_number *out)
{
    char path_field[64];
    snprintf(path_field, sizeof path_field, "%sPath", field);
    json_t *literal = json_object_get(obj, field);
    json_t *path = json_object_get(obj, path_field);
    char *ptr = sf_pointer_join(base, literal ? field : path_field);
    if (literal && path) {
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, base,
                       "State '%s': %s and %s cannot both be given", cc->state->name, field,
                       path_field);
    } else if (literal) {
        out->given = literal_number_ok(literal, integer, max, &out->value) && out->value >= min;
        if (!out->given && integer)
            sf_diags_error(cc->diags, SF_DIAG_INVALID_VALUE, ptr,
                           "State '%s': %s must be an integer from %.0f to %.0f", cc->state->name,
                           field, min, max);
        else if (!out->given)
            sf_diags_error(cc->diags, SF_DIAG_INVALID_VALUE, ptr,
                           "State '%s': %s must be a number from %g to %g", cc->state->name, field,
                           min, max);
    } else if (path) {
        number_path(cc, path, ptr, path_field, out);
    }
    free(ptr);
}

static void compile_number(sf_compile_ctx *cc, const char *field, bool integer, double max,
                           map_number *out)
{
    map_compile_number(cc, cc->state->json, cc->state->pointer, field, integer, 0, max, out);
}

static void compile_processor_config(sf_compile_ctx *cc, map_impl *m, json_t *config,
                                     const char *base)
{
    char *ptr = sf_pointer_join(base, "ProcessorConfig");
    const char *key;
    json_t *v;
    if (!json_is_object(config)) {
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr,
                       "State '%s': ProcessorConfig must be an object", cc->state->name);
        free(ptr);
        return;
    }
    const char *mode = "INLINE";
    json_object_foreach(config, key, v)
    {
        char *kptr = sf_pointer_join(ptr, key);
        const char *s = json_string_value(v);
        if (strcmp(key, "Mode") == 0) {
            if (s && (strcmp(s, "INLINE") == 0 || strcmp(s, "DISTRIBUTED") == 0))
                mode = s;
            else
                sf_diags_error(cc->diags, SF_DIAG_INVALID_VALUE, kptr,
                               "State '%s': ProcessorConfig.Mode must be \"INLINE\" or "
                               "\"DISTRIBUTED\"",
                               cc->state->name);
        } else if (strcmp(key, "ExecutionType") == 0) {
            if (!s || (strcmp(s, "STANDARD") != 0 && strcmp(s, "EXPRESS") != 0))
                sf_diags_error(cc->diags, SF_DIAG_INVALID_VALUE, kptr,
                               "State '%s': ProcessorConfig.ExecutionType must be \"STANDARD\" "
                               "or \"EXPRESS\"",
                               cc->state->name);
        } else {
            sf_diags_error(cc->diags, SF_DIAG_UNKNOWN_FIELD, kptr,
                           "State '%s': field '%s' is not allowed in ProcessorConfig",
                           cc->state->name, key);
        }
        free(kptr);
    }
    if (strcmp(mode, "INLINE") == 0 && json_object_get(config, "ExecutionType"))
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr,
                       "State '%s': ProcessorConfig.ExecutionType is only allowed with Mode "
                       "DISTRIBUTED",
                       cc->state->name);
    m->distributed = strcmp(mode, "DISTRIBUTED") == 0;
    free(ptr);
}

static void compile_processor(sf_compile_ctx *cc, map_impl *m)
{
    json_t *iterator = json_object_get(cc->state->json, "Iterator");
    json_t *processor = json_object_get(cc->state->json, "ItemProcessor");
    if (iterator && processor) {
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, cc->state->pointer,
                       "State '%s': ItemProcessor and the legacy Iterator cannot both be given",
                       cc->state->name);
        return;
    }
    if (!iterator && !processor) {
        sf_diags_error(cc->diags, SF_DIAG_MISSING_FIELD, cc->state->pointer,
                       "State '%s': a Map state needs ItemProcessor (or the legacy Iterator), "
                       "the state machine run for each item",
                       cc->state->name);
        return;
    }
    char *ptr = sf_compile_field_pointer(cc, processor ? "ItemProcessor" : "Iterator");
    json_t *machine = processor ? processor : iterator;
    m->processor = sf_compile_machine(cc, machine, ptr);
    json_t *config = json_object_get(machine, "ProcessorConfig");
    if (config)
        compile_processor_config(cc, m, config, ptr);
    free(ptr);
}

static void compile_item_selector(sf_compile_ctx *cc, map_impl *m)
{
    json_t *selector = json_object_get(cc->state->json, "ItemSelector");
    json_t *parameters = json_object_get(cc->state->json, "Parameters");
    if (selector && parameters) {
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, cc->state->pointer,
                       "State '%s': ItemSelector and the legacy Parameters cannot both be given",
                       cc->state->name);
        return;
    }
    const char *field = selector ? "ItemSelector" : "Parameters";
    json_t *tmpl = selector ? selector : parameters;
    if (!tmpl)
        return;
    if (!json_is_object(tmpl))
        field_error(cc, SF_DIAG_SCHEMA, field, "must be an object (a payload template)");
    else
        m->item_selector = sf_compile_template(cc, tmpl, field);
}

void map_compile(sf_compile_ctx *cc)
{
    map_impl *m = SF_NEW(map_impl);
    cc->state->impl = m;
    compile_processor(cc, m);
    json_t *items_path = json_object_get(cc->state->json, "ItemsPath");
    if (items_path)
        m->items_path = sf_compile_path(cc, items_path, "ItemsPath", SF_PATH_REFERENCE);
    compile_item_selector(cc, m);
    compile_number(cc, "MaxConcurrency", true, MAP_INTEGER_MAX, &m->max_concurrency);
    compile_number(cc, "ToleratedFailureCount", true, MAP_INTEGER_MAX, &m->tolerated_count);
    compile_number(cc, "ToleratedFailurePercentage", false, 100.0, &m->tolerated_percentage);
    map_compile_distributed(cc, m);
}

void map_impl_free(void *p)
{
    map_impl *m = p;
    sf_path_free(m->items_path);
    sf_template_free(m->item_selector);
    sf_path_free(m->max_concurrency.path);
    sf_path_free(m->tolerated_count.path);
    sf_path_free(m->tolerated_percentage.path);
    map_distributed_fields_free(m);
    free(m);
}

/* ---- Resolving at run time ---- */

/* A value as AWS quotes it in these causes: a string as it is, anything
 * else as compact JSON. malloc'd. */
static char *quoted_value(const json_t *v)
{
    return json_is_string(v) ? sf_strdup(json_string_value(v)) : sf_json_compact(v);
}

/* The value a ...Path field selects, or NULL with err set. */
static json_t *path_value(sf_cursor *c, const sf_path *path, const char *field, json_t *input,
                          sf_error *err)
{
    sf_eval_env env;
    sf_cursor_env(c, input, sf_path_is_context(path), &env);
    json_t *v = sf_path_eval(path, &env);
    if (!v) {
        char *in = sf_json_compact(input);
        sf_error_set(err, SF_ERR_RUNTIME,
                     "The JSONPath '%s' specified for the field '%sPath' could not be found in "
                     "the input '%s'",
                     sf_path_text(path), field, in);
        free(in);
    }
    return v;
}

/* Numbers as AWS reads a ...Path value: a JSON number, or a string holding
 * one ("5"). integer: only whole numbers count. */
static bool value_as_number(const json_t *v, bool integer, double *out)
{
    long long n;
    if (integer && sf_json_as_integer(v, &n)) {
        *out = (double)n;
        return true;
    }
    if (!integer && json_is_number(v)) {
        *out = json_number_value(v);
        return true;
    }
    const char *s = json_string_value(v);
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    if (integer) {
        n = strtoll(s, &end, 10);
        *out = (double)n;
    } else {
        *out = strtod(s, &end);
    }
    return errno == 0 && *end == '\0';
}

bool map_resolve_number(sf_cursor *c, const map_number *f, const char *field, bool integer,
                        double min, double max, json_t *input, double *out, sf_error *err)
{
    if (!f->path) {
        *out = f->value;
        return true;
    }
    json_t *v = path_value(c, f->path, field, input, err);
    if (!v)
        return false;
    char *shown = quoted_value(v);
    bool ok = value_as_number(v, integer, out);
    if (!ok)
        sf_error_set(err, SF_ERR_RUNTIME,
                     "The %sPath field refers to value \"%s\" which is not a valid %s: %s", field,
                     shown, integer ? "integer" : "number", sf_path_text(f->path));
    else if ((*out < 0 || *out > max) && min == 0)
        sf_error_set(err, SF_ERR_RUNTIME, "Expected %s for %s, got '%s' instead.",
                     integer ? "non-negative integer" : "a number from 0 to 100", field, shown);
    else if (*out < min || *out > max)
        sf_error_set(err, SF_ERR_RUNTIME,
                     "Expected an integer from %.0f to %.0f for %s, got '%s' "
                     "instead.",
                     min, max, field, shown);
    ok = ok && *out >= min && *out <= max;
    free(shown);
    json_decref(v);
    return ok;
}

bool map_resolve_max_concurrency(sf_cursor *c, const map_impl *m, json_t *input, size_t *out,
                                 sf_error *err)
{
    double n = 0;
    if (!map_resolve_number(c, &m->max_concurrency, "MaxConcurrency", true, 0, MAP_INTEGER_MAX,
                            input, &n, err))
        return false;
    *out = (size_t)n;
    return true;
}

bool map_resolve_tolerance(sf_cursor *c, const map_impl *m, json_t *input, map_tolerance *out,
                           sf_error *err)
{
    double count = -1, percentage = -1;
    out->enabled = m->tolerated_count.given || m->tolerated_percentage.given;
    if (m->tolerated_count.given &&
        !map_resolve_number(c, &m->tolerated_count, "ToleratedFailureCount", true, 0,
                            MAP_INTEGER_MAX, input, &count, err))
        return false;
    if (m->tolerated_percentage.given &&
        !map_resolve_number(c, &m->tolerated_percentage, "ToleratedFailurePercentage", false, 0,
                            100.0, input, &percentage, err))
        return false;
    /* A Distributed Map tolerates no failure unless told otherwise. */
    if (m->distributed && !out->enabled)
        count = 0;
    out->enabled = out->enabled || m->distributed;
    out->count = (long long)count;
    out->percentage = percentage;
    return true;
}
