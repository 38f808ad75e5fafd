/*
 * definition.c — load, validate and compile a state machine definition.
 *
 * One pass does all three: a field is checked where it is compiled, so the
 * meaning of each field lives in one place. Problems never stop the pass;
 * each becomes a diagnostic with the JSON Pointer of the element at fault
 * and a message naming the state and the field, and the caller refuses to
 * run a definition with any error. A missing field is reported at the
 * object that lacks it.
 *
 * Transitions (Next, Default, Choice rules, Catch) name states that may come
 * later in the document, so they are recorded while states compile and
 * resolved when the whole machine is known. The same records give the edges
 * for the reachability check (cycles and Catch-only paths included) and tell
 * which states end their machine. A nested machine (a Parallel branch, a Map
 * item processor) resolves its own transitions: a Next that leaves its
 * machine is a missing target, as in AWS. Missing targets are reported once
 * every machine is compiled, so the message can say when the target is a
 * state of another machine.
 *
 * Checks that need the whole document run last: state names must be unique
 * in the whole definition, nested machines included (the ASL specification
 * says so, and history events name states without saying which branch they
 * are in). Two states with one name in the same States object never get
 * that far: the JSON parser rejects duplicate keys, and the parse error is
 * turned into a diagnostic with the pointer of the second occurrence.
 */
#include "engine/definition.h"
#include "engine/store/history.h"
#include "engine/json_alloc.h"
#include "engine/json_util.h"
#include "engine/state_type.h"
#include "engine/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* AWS limits state names to 80 characters (Unicode characters, not bytes). */
#define SF_STATE_NAME_MAX 80
/* AWS ranges of the numeric fields checked here. */
#define SF_SECONDS_MAX           99999999LL
#define SF_MAX_DELAY_SECONDS_MAX 31622400LL

/* ValidateStateMachineDefinition codes only this file reports. */
#define SF_DIAG_INVALID_STATE_NAME "INVALID_STATE_NAME"
#define SF_DIAG_MISSING_END_STATE  "MISSING_END_STATE"

typedef struct sf_transition {
    sf_state *from;
    char *target;
    char *pointer;
    sf_state **slot;
} sf_transition;

/* The engine's private bookkeeping for one compile pass: transitions waiting
 * for their machine to be complete, and those whose target was missing,
 * waiting for the end of the pass to be reported. */
struct sf_transition_list {
    sf_transition *items;
    size_t count, capacity;
    sf_transition *missing;
    size_t missing_count, missing_capacity;
};

static const char *const top_level_fields[] = {
    "Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage", NULL,
};
static const char *const machine_fields[] = {
    "Comment", "StartAt", "States", "ProcessorConfig", "QueryLanguage", NULL,
};
/* Every state type of the specification: a type that is missing from the
 * table handed to the engine is unsupported, not unknown. */
static const char *const asl_state_types[] = {
    "Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map", NULL,
};

const sf_state_type *sf_state_type_find(const sf_state_type *const *types, const char *name)
{
    for (size_t i = 0; types[i]; i++)
        if (strcmp(types[i]->name, name) == 0)
            return types[i];
    return NULL;
}

static bool name_in_list(const char *const *list, const char *name)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

/* Length in Unicode characters of valid UTF-8 (jansson checks validity). */
static size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* A JSON value as compact text for messages (malloc'd). */
static char *json_text(const json_t *v)
{
    char *text = v ? sf_json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    char *out = sf_strdup(text ? text : "nothing");
    free(text);
    return out;
}

static sf_transition *transition_push(sf_transition **items, size_t *count, size_t *capacity)
{
    if (*count == *capacity) {
        *capacity = *capacity ? *capacity * 2 : 16;
        *items = sf_realloc(*items, *capacity * sizeof **items);
    }
    return &(*items)[(*count)++];
}

char *sf_compile_field_pointer(sf_compile_ctx *cc, const char *field)
{
    return sf_pointer_join(cc->state->pointer, field);
}

void sf_compile_transition(sf_compile_ctx *cc, const char *name, const char *pointer,
                           sf_state **slot)
{
    struct sf_transition_list *list = cc->transitions;
    sf_transition *t = transition_push(&list->items, &list->count, &list->capacity);
    t->from = cc->state;
    t->target = sf_strdup(name);
    t->pointer = sf_strdup(pointer);
    t->slot = slot;
}

sf_path *sf_compile_path(sf_compile_ctx *cc, json_t *value, const char *field, unsigned flags)
{
    char *ptr = sf_compile_field_pointer(cc, field);
    sf_path *path = NULL;
    if (!json_is_string(value)) {
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr,
                       "State '%s': field '%s' must be a string holding a path, not %s",
                       cc->state->name, field, sf_json_type_name(value));
    } else {
        char *why = NULL;
        path = sf_path_compile(json_string_value(value), flags, &why);
        if (!path) {
            sf_diags_error(cc->diags, SF_DIAG_INVALID_PATH, ptr,
                           "State '%s': field '%s' holds an invalid %s '%s': %s", cc->state->name,
                           field, flags & SF_PATH_REFERENCE ? "reference path" : "JSONPath",
                           json_string_value(value), why ? why : "syntax error");
            free(why);
        }
    }
    free(ptr);
    return path;
}

/* The template compiler does not know which state it works for, so its
 * diagnostics are copied with the state and field (`label`) in front. */
static sf_template *compile_template_at(sf_compile_ctx *cc, json_t *value, const char *pointer,
                                        const char *label)
{
    sf_diags found = SF_DIAGS_INIT;
    sf_template *t = sf_template_compile(value, pointer, &found);
    for (size_t i = 0; i < found.count; i++) {
        const sf_diag *d = &found.items[i];
        sf_diags_add(cc->diags, d->severity, d->code, d->pointer, "State '%s', %s: %s",
                     cc->state->name, label, d->message);
    }
    if (!t && found.errors == 0)
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, pointer, "State '%s': %s is invalid",
                       cc->state->name, label);
    sf_diags_free(&found);
    return t;
}

sf_template *sf_compile_template(sf_compile_ctx *cc, json_t *value, const char *field)
{
    char *ptr = sf_compile_field_pointer(cc, field);
    sf_template *t = compile_template_at(cc, value, ptr, field);
    free(ptr);
    return t;
}

/* A workflow variable name: letters, digits and underscores, not starting
 * with a digit (bytes of non-ASCII letters are let through). */
static bool is_variable_name(const char *name, size_t len)
{
    if (len == 0 || (name[0] >= '0' && name[0] <= '9'))
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (!(ch >= 0x80 || ch == '_' || (ch >= '0' && ch <= '9') ||
              ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')))
            return false;
    }
    return true;
}

/* Assign, of a state or of a Catch rule, found at pointer: an object whose
 * keys name workflow variables, compiled as a payload template. */
static sf_template *compile_assign(sf_compile_ctx *cc, json_t *v, const char *pointer,
                                   const char *label)
{
    if (!json_is_object(v)) {
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, pointer,
                       "State '%s': %s must be an object, not %s", cc->state->name, label,
                       sf_json_type_name(v));
        return NULL;
    }
    const char *key;
    json_t *value;
    json_object_foreach(v, key, value)
    {
        size_t len = strlen(key);
        if (len >= 2 && strcmp(key + len - 2, ".$") == 0)
            len -= 2;
        if (is_variable_name(key, len))
            continue;
        char *kptr = sf_pointer_join(pointer, key);
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, kptr,
                       "State '%s': %s: '%.*s' is not a variable name (letters, digits and "
                       "underscores, not starting with a digit)",
                       cc->state->name, label, (int)len, key);
        free(kptr);
    }
    return compile_template_at(cc, v, pointer, label);
}

/* A path field that may also be null (InputPath, OutputPath, ResultPath). */
static sf_path *compile_nullable_path(sf_compile_ctx *cc, const char *field, unsigned flags,
                                      bool *is_null)
{
    json_t *v = json_object_get(cc->state->json, field);
    *is_null = false;
    if (!v)
        return NULL;
    if (json_is_null(v)) {
        *is_null = true;
        return NULL;
    }
    return sf_compile_path(cc, v, field, flags);
}

/* QueryLanguage, at the top, in a nested machine or in a state. JSONata
 * is reported as unsupported and true is returned: a JSONata machine or
 * state has other fields (Arguments, Output, Items, Condition, {% %}
 * values), so checking it by the JSONPath rules would only add noise. */
static bool check_query_language(sf_diags *diags, json_t *obj, const char *pointer,
                                 const char *owner)
{
    json_t *ql = json_object_get(obj, "QueryLanguage");
    if (!ql)
        return false;
    char *ptr = sf_pointer_join(pointer, "QueryLanguage");
    const char *q = json_string_value(ql);
    bool jsonata = q && strcmp(q, "JSONata") == 0;
    if (jsonata)
        sf_diags_error(diags, SF_DIAG_UNSUPPORTED, ptr,
                       "%s: QueryLanguage JSONata is not supported yet (use JSONPath); its "
                       "fields are not checked",
                       owner);
    else if (!q || strcmp(q, "JSONPath") != 0)
        sf_diags_error(diags, SF_DIAG_INVALID_VALUE, ptr,
                       "%s: QueryLanguage must be \"JSONPath\" or \"JSONata\"", owner);
    free(ptr);
    return jsonata;
}

/* ---- Retry and Catch ---- */

/* One Retry or Catch rule being compiled. */
typedef struct rule_ctx {
    sf_compile_ctx *cc;
    json_t *json;
    const char *pointer; /* "/States/A/Retry/0" */
    char *label;         /* "Retry[0]", for messages */
} rule_ctx;

/* Report a problem with `field` of the rule (the rule itself when NULL). */
static void rule_error(const rule_ctx *r, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void rule_error(const rule_ctx *r, const char *code, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *what = sf_vasprintf(fmt, ap);
    va_end(ap);
    char *ptr = field ? sf_pointer_join(r->pointer, field) : sf_strdup(r->pointer);
    sf_diags_error(r->cc->diags, code, ptr, "State '%s': %s%s%s %s", r->cc->state->name, r->label,
                   field ? "." : "", field ? field : "", what);
    free(ptr);
    free(what);
}

static bool error_name_ok(const rule_ctx *r, json_t *errors, size_t i)
{
    json_t *e = json_array_get(errors, i);
    if (json_is_string(e) && json_string_length(e) > 0)
        return true;
    char *eptr = sf_pointer_join(r->pointer, "ErrorEquals");
    char *iptr = sf_pointer_join_index(eptr, i);
    sf_diags_error(r->cc->diags, SF_DIAG_SCHEMA, iptr,
                   "State '%s': %s.ErrorEquals[%zu] must be a non-empty error name string, not "
                   "%s",
                   r->cc->state->name, r->label, i,
                   json_is_string(e) ? "an empty string" : sf_json_type_name(e));
    free(iptr);
    free(eptr);
    return false;
}

/* ErrorEquals: a non-empty array of error names; States.ALL only alone. */
static char **compile_error_equals(const rule_ctx *r, size_t *count, bool *has_all)
{
    json_t *errors = json_object_get(r->json, "ErrorEquals");
    *count = 0;
    *has_all = false;
    if (!errors) {
        rule_error(r, SF_DIAG_MISSING_FIELD, NULL,
                   "has no ErrorEquals: it needs a non-empty array of error names");
        return NULL;
    }
    if (!json_is_array(errors) || json_array_size(errors) == 0) {
        rule_error(r, SF_DIAG_SCHEMA, "ErrorEquals",
                   "must be a non-empty array of error names, not %s%s",
                   json_is_array(errors) ? "an empty " : "", sf_json_type_name(errors));
        return NULL;
    }
    size_t n = json_array_size(errors);
    char **names = sf_calloc(n, sizeof *names);
    for (size_t i = 0; i < n; i++) {
        if (!error_name_ok(r, errors, i))
            continue;
        const char *name = json_string_value(json_array_get(errors, i));
        names[(*count)++] = sf_strdup(name);
        *has_all |= strcmp(name, SF_ERR_ALL) == 0;
    }
    if (*has_all && n > 1)
        rule_error(r, SF_DIAG_SCHEMA, "ErrorEquals",
                   "lists States.ALL with other errors; States.ALL must appear alone");
    return names;
}

static void check_rule_fields(const rule_ctx *r, const char *const *allowed, const char *what)
{
    const char *key;
    json_t *v;
    json_object_foreach(r->json, key, v)
    {
        if (strcmp(key, "Comment") == 0 && !json_is_string(v))
            rule_error(r, SF_DIAG_SCHEMA, key, "must be a string");
        else if (!name_in_list(allowed, key))
            rule_error(r, SF_DIAG_UNKNOWN_FIELD, key, "is not a field of a %s rule", what);
    }
}

/* Optional integer field of a Retry rule within [lo, hi]; true when valid. */
static bool retry_integer(const rule_ctx *r, const char *field, long long lo, long long hi,
                          long long *out)
{
    json_t *v = json_object_get(r->json, field);
    if (!v)
        return false;
    if (sf_json_as_integer(v, out) && *out >= lo && *out <= hi)
        return true;
    char *shown = json_text(v);
    rule_error(r, SF_DIAG_INVALID_VALUE, field, "must be an integer from %lld to %lld, not %s", lo,
               hi, shown);
    free(shown);
    return false;
}

static void compile_backoff_and_jitter(const rule_ctx *r, sf_retrier *rt)
{
    json_t *rate = json_object_get(r->json, "BackoffRate");
    if (rate && json_is_number(rate) && json_number_value(rate) >= 1.0) {
        rt->backoff_rate = json_number_value(rate);
    } else if (rate) {
        char *shown = json_text(rate);
        rule_error(r, SF_DIAG_INVALID_VALUE, "BackoffRate",
                   "must be a number greater than or equal to 1.0, not %s", shown);
        free(shown);
    }
    json_t *jitter = json_object_get(r->json, "JitterStrategy");
    const char *j = json_string_value(jitter);
    if (j && (strcmp(j, "FULL") == 0 || strcmp(j, "NONE") == 0)) {
        rt->jitter_full = strcmp(j, "FULL") == 0;
    } else if (jitter) {
        char *shown = json_text(jitter);
        rule_error(r, SF_DIAG_INVALID_VALUE, "JitterStrategy",
                   "must be \"FULL\" or \"NONE\", not %s", shown);
        free(shown);
    }
}

static void compile_retrier(const rule_ctx *r, sf_retrier *rt, bool *has_all)
{
    static const char *const fields[] = {
        "ErrorEquals",     "IntervalSeconds", "MaxAttempts", "BackoffRate",
        "MaxDelaySeconds", "JitterStrategy",  "Comment",     NULL};
    rt->interval_seconds = 1;
    rt->max_attempts = 3;
    rt->backoff_rate = 2.0;
    check_rule_fields(r, fields, "Retry");
    rt->errors = compile_error_equals(r, &rt->error_count, has_all);
    long long n;
    if (retry_integer(r, "IntervalSeconds", 1, SF_SECONDS_MAX, &n))
        rt->interval_seconds = (double)n;
    if (retry_integer(r, "MaxAttempts", 0, SF_SECONDS_MAX, &n))
        rt->max_attempts = (int)n;
    if (retry_integer(r, "MaxDelaySeconds", 1, SF_MAX_DELAY_SECONDS_MAX, &n))
        rt->max_delay_seconds = (double)n;
    compile_backoff_and_jitter(r, rt);
}

static void compile_catch_result_path(const rule_ctx *r, sf_catcher *c)
{
    json_t *rp = json_object_get(r->json, "ResultPath");
    if (json_is_null(rp)) {
        c->result_path_null = true;
        return;
    }
    if (!rp)
        return;
    char *why = NULL;
    if (json_is_string(rp))
        c->result_path = sf_path_compile(json_string_value(rp), SF_PATH_REFERENCE, &why);
    if (!c->result_path) {
        char *shown = json_text(rp);
        rule_error(r, SF_DIAG_INVALID_PATH, "ResultPath",
                   "must be a reference path or null, not %s%s%s", shown, why ? ": " : "",
                   why ? why : "");
        free(shown);
    }
    free(why);
}

static void compile_catcher(const rule_ctx *r, sf_catcher *c, bool *has_all)
{
    static const char *const fields[] = {"ErrorEquals", "Next",    "ResultPath",
                                         "Assign",      "Comment", NULL};
    check_rule_fields(r, fields, "Catch");
    c->errors = compile_error_equals(r, &c->error_count, has_all);
    json_t *next = json_object_get(r->json, "Next");
    if (!next) {
        rule_error(r, SF_DIAG_MISSING_FIELD, NULL,
                   "has no Next: a Catch rule must name the state to go to");
    } else if (!json_is_string(next)) {
        rule_error(r, SF_DIAG_SCHEMA, "Next", "must be a state name (a string), not %s",
                   sf_json_type_name(next));
    } else {
        char *nptr = sf_pointer_join(r->pointer, "Next");
        sf_compile_transition(r->cc, json_string_value(next), nptr, &c->next);
        free(nptr);
    }
    compile_catch_result_path(r, c);
    json_t *assign = json_object_get(r->json, "Assign");
    if (assign) {
        char *aptr = sf_pointer_join(r->pointer, "Assign");
        char *label = sf_asprintf("%s.Assign", r->label);
        c->assign = compile_assign(r->cc, assign, aptr, label);
        free(label);
        free(aptr);
    }
}

/* Compile Retry or Catch: an array of rules where a rule with States.ALL
 * must be the last one (it would hide every rule after it). */
static void compile_rules(sf_compile_ctx *cc, const char *field, bool is_retry)
{
    json_t *rules = json_object_get(cc->state->json, field);
    if (!rules)
        return;
    sf_state *st = cc->state;
    char *ptr = sf_compile_field_pointer(cc, field);
    if (!json_is_array(rules)) {
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr,
                       "State '%s': %s must be an array of rules, not %s", st->name, field,
                       sf_json_type_name(rules));
        free(ptr);
        return;
    }
    size_t n = json_array_size(rules);
    if (is_retry)
        st->retriers = sf_calloc(n, sizeof *st->retriers);
    else
        st->catchers = sf_calloc(n, sizeof *st->catchers);
    for (size_t i = 0; i < n; i++) {
        char *rptr = sf_pointer_join_index(ptr, i);
        rule_ctx r = {cc, json_array_get(rules, i), rptr, sf_asprintf("%s[%zu]", field, i)};
        bool has_all = false;
        if (!json_is_object(r.json))
            rule_error(&r, SF_DIAG_SCHEMA, NULL, "must be an object, not %s",
                       sf_json_type_name(r.json));
        else if (is_retry)
            compile_retrier(&r, &st->retriers[st->retrier_count++], &has_all);
        else
            compile_catcher(&r, &st->catchers[st->catcher_count++], &has_all);
        if (has_all && i + 1 < n)
            rule_error(&r, SF_DIAG_SCHEMA, NULL, "has States.ALL, so it must be the last %s rule",
                       field);
        free(r.label);
        free(rptr);
    }
    free(ptr);
}

/* ---- States: fields ---- */

static const char *common_field_name(unsigned bit)
{
    switch (bit) {
    case SF_COMMON_INPUT_PATH:
        return "InputPath";
    case SF_COMMON_OUTPUT_PATH:
        return "OutputPath";
    case SF_COMMON_PARAMETERS:
        return "Parameters";
    case SF_COMMON_RESULT_SELECTOR:
        return "ResultSelector";
    case SF_COMMON_RESULT_PATH:
        return "ResultPath";
    case SF_COMMON_ASSIGN:
        return "Assign";
    default:
        return NULL;
    }
}

static bool field_allowed(const sf_state_type *type, const char *key)
{
    if (strcmp(key, "Type") == 0 || strcmp(key, "Comment") == 0 ||
        strcmp(key, "QueryLanguage") == 0)
        return true;
    if (name_in_list(type->own_fields, key))
        return true;
    unsigned f = type->common_fields;
    if ((f & SF_COMMON_NEXT_END) && (strcmp(key, "Next") == 0 || strcmp(key, "End") == 0))
        return true;
    if ((f & SF_COMMON_RETRY_CATCH) && (strcmp(key, "Retry") == 0 || strcmp(key, "Catch") == 0))
        return true;
    for (unsigned bit = 1; bit <= SF_COMMON_ASSIGN; bit <<= 1) {
        const char *name = (f & bit) ? common_field_name(bit) : NULL;
        if (name && strcmp(name, key) == 0)
            return true;
    }
    return false;
}

static void report_field_not_allowed(sf_compile_ctx *cc, const char *key)
{
    sf_state *st = cc->state;
    char *ptr = sf_compile_field_pointer(cc, key);
    /* Next and End are the usual slip: say why this type has neither. */
    if (strcmp(key, "Next") == 0 || strcmp(key, "End") == 0)
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr,
                       "State '%s': a %s state cannot have %s (Succeed and Fail states end "
                       "their machine; a Choice state moves on through Choices and Default)",
                       st->name, st->type->name, key);
    else
        sf_diags_error(cc->diags, SF_DIAG_UNKNOWN_FIELD, ptr,
                       "State '%s': field '%s' is not allowed in a %s state", st->name, key,
                       st->type->name);
    free(ptr);
}

static void check_state_fields(sf_compile_ctx *cc)
{
    sf_state *st = cc->state;
    const char *key;
    json_t *v;
    json_object_foreach(st->json, key, v)
    {
        if (!field_allowed(st->type, key))
            report_field_not_allowed(cc, key);
    }
    json_t *comment = json_object_get(st->json, "Comment");
    if (comment && !json_is_string(comment)) {
        char *ptr = sf_compile_field_pointer(cc, "Comment");
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr, "State '%s': Comment must be a string",
                       st->name);
        free(ptr);
    }
}

/* ---- States: common fields ---- */

static void compile_next(sf_compile_ctx *cc, json_t *next)
{
    char *ptr = sf_compile_field_pointer(cc, "Next");
    if (!json_is_string(next))
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr,
                       "State '%s': Next must be a state name (a string), not %s", cc->state->name,
                       sf_json_type_name(next));
    else
        sf_compile_transition(cc, json_string_value(next), ptr, &cc->state->next);
    free(ptr);
}

static void compile_next_end(sf_compile_ctx *cc)
{
    sf_state *st = cc->state;
    if (!(st->type->common_fields & SF_COMMON_NEXT_END))
        return; /* Next and End were reported by check_state_fields */
    json_t *next = json_object_get(st->json, "Next");
    json_t *end = json_object_get(st->json, "End");
    if (end && !json_is_boolean(end)) {
        char *ptr = sf_compile_field_pointer(cc, "End");
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr,
                       "State '%s': End must be a boolean (true), not %s", st->name,
                       sf_json_type_name(end));
        free(ptr);
    }
    st->end = json_is_true(end);
    if (next && st->end)
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, st->pointer,
                       "State '%s' has both Next and \"End\": true; it must have exactly one",
                       st->name);
    else if (!next && json_is_false(end))
        sf_diags_error(cc->diags, SF_DIAG_MISSING_FIELD, st->pointer,
                       "State '%s' has \"End\": false but no Next; give it Next, or make End "
                       "true",
                       st->name);
    else if (!next && !end)
        sf_diags_error(cc->diags, SF_DIAG_MISSING_FIELD, st->pointer,
                       "State '%s' (%s) must have Next or \"End\": true", st->name, st->type->name);
    if (next)
        compile_next(cc, next);
}

static void compile_result_selector(sf_compile_ctx *cc, json_t *v)
{
    if (json_is_object(v)) {
        cc->state->result_selector = sf_compile_template(cc, v, "ResultSelector");
        return;
    }
    char *ptr = sf_compile_field_pointer(cc, "ResultSelector");
    sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr,
                   "State '%s': ResultSelector must be an object, not %s", cc->state->name,
                   sf_json_type_name(v));
    free(ptr);
}

static void compile_common(sf_compile_ctx *cc)
{
    sf_state *st = cc->state;
    unsigned f = st->type->common_fields;
    compile_next_end(cc);
    if (f & SF_COMMON_INPUT_PATH)
        st->input_path = compile_nullable_path(cc, "InputPath", SF_PATH_FULL, &st->input_path_null);
    if (f & SF_COMMON_OUTPUT_PATH)
        st->output_path =
            compile_nullable_path(cc, "OutputPath", SF_PATH_FULL, &st->output_path_null);
    if (f & SF_COMMON_RESULT_PATH)
        st->result_path =
            compile_nullable_path(cc, "ResultPath", SF_PATH_REFERENCE, &st->result_path_null);
    json_t *v;
    if ((f & SF_COMMON_PARAMETERS) && (v = json_object_get(st->json, "Parameters")))
        st->parameters = sf_compile_template(cc, v, "Parameters");
    if ((f & SF_COMMON_RESULT_SELECTOR) && (v = json_object_get(st->json, "ResultSelector")))
        compile_result_selector(cc, v);
    if ((f & SF_COMMON_ASSIGN) && (v = json_object_get(st->json, "Assign"))) {
        char *ptr = sf_compile_field_pointer(cc, "Assign");
        st->assign = compile_assign(cc, v, ptr, "Assign");
        free(ptr);
    }
    if (f & SF_COMMON_RETRY_CATCH) {
        compile_rules(cc, "Retry", true);
        compile_rules(cc, "Catch", false);
    }
}

/* ---- States ---- */

static void check_state_name(sf_compile_ctx *cc, const char *name, const char *pointer)
{
    size_t len = utf8_length(name);
    if (len == 0)
        sf_diags_error(cc->diags, SF_DIAG_INVALID_STATE_NAME, pointer,
                       "A state name must not be empty");
    else if (len > SF_STATE_NAME_MAX)
        sf_diags_error(cc->diags, SF_DIAG_INVALID_STATE_NAME, pointer,
                       "State '%s': the name is %zu characters long; state names may have at "
                       "most %d",
                       name, len, SF_STATE_NAME_MAX);
}

static const sf_state_type *find_state_type(sf_compile_ctx *cc, const char *name, json_t *obj,
                                            const char *pointer)
{
    json_t *type_json = json_object_get(obj, "Type");
    const char *type_name = json_string_value(type_json);
    const sf_state_type *type =
        type_name ? sf_state_type_find(cc->definition->types, type_name) : NULL;
    if (type)
        return type;
    char *ptr = sf_pointer_join(pointer, "Type");
    if (!type_json)
        sf_diags_error(cc->diags, SF_DIAG_MISSING_FIELD, pointer, "State '%s' has no Type", name);
    else if (!type_name)
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr,
                       "State '%s': Type must be a string naming a state type, not %s", name,
                       sf_json_type_name(type_json));
    else if (name_in_list(asl_state_types, type_name))
        sf_diags_error(cc->diags, SF_DIAG_UNSUPPORTED, ptr,
                       "State '%s': Type '%s' is not supported yet", name, type_name);
    else
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr,
                       "State '%s' has an unknown Type '%s'; expected one of Pass, Task, "
                       "Choice, Wait, Succeed, Fail, Parallel, Map",
                       name, type_name);
    free(ptr);
    return NULL;
}

/* Returns NULL when the state cannot be compiled at all (not an object, no
 * usable Type); transitions to it are then not reported as missing. */
static sf_state *compile_state(sf_compile_ctx *cc, sf_machine *m, const char *name, json_t *obj,
                               const char *pointer)
{
    check_state_name(cc, name, pointer);
    if (!json_is_object(obj)) {
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, pointer, "State '%s' must be an object, not %s",
                       name, sf_json_type_name(obj));
        return NULL;
    }
    char *owner = sf_asprintf("State '%s'", name);
    bool jsonata = check_query_language(cc->diags, obj, pointer, owner);
    free(owner);
    const sf_state_type *type = jsonata ? NULL : find_state_type(cc, name, obj, pointer);
    if (!type)
        return NULL;
    sf_state *st = SF_NEW(sf_state);
    st->name = sf_strdup(name);
    st->pointer = sf_strdup(pointer);
    st->json = obj;
    st->type = type;
    st->entered_event = sf_asprintf("%sStateEntered", type->name);
    st->exited_event = sf_asprintf("%sStateExited", type->name);
    st->entered_head = sf_history_io_head(st->entered_event, name, false);
    st->exited_head = sf_history_io_head(st->exited_event, name, true);
    st->entered_head_len = strlen(st->entered_head);
    st->exited_head_len = strlen(st->exited_head);
    st->next_member = sf_history_next_member(name);
    st->next_member_len = strlen(st->next_member);
    st->machine = m;
    sf_state *outer = cc->state;
    cc->state = st;
    check_state_fields(cc);
    compile_common(cc);
    if (type->compile)
        type->compile(cc);
    cc->state = outer;
    return st;
}

/* ---- Machines: transitions, reachability, end states ---- */

/* Where st is in m->states, or m->state_count when it is not m's. */
static size_t state_index(const sf_machine *m, const sf_state *st)
{
    return st && st->order < m->state_count && m->states[st->order] == st ? st->order
                                                                          : m->state_count;
}

/* FNV-1a: state names are short, and any spread will do for the table. */
static size_t name_hash(const char *name)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (size_t)(h ^ (h >> 32));
}

/* Build m->by_name once m's states are compiled. A name can appear once in
 * a machine (the document is a JSON object without duplicate keys). */
static void index_states(sf_machine *m)
{
    size_t slots = 8;
    while (slots < 2 * m->state_count)
        slots *= 2;
    m->by_name = sf_calloc(slots, sizeof *m->by_name);
    m->by_name_mask = slots - 1;
    for (size_t i = 0; i < m->state_count; i++) {
        size_t k = name_hash(m->states[i]->name) & m->by_name_mask;
        while (m->by_name[k])
            k = (k + 1) & m->by_name_mask;
        m->by_name[k] = m->states[i];
    }
}

/* A state of the document that failed to compile already has its own
 * diagnostic; a transition to it is not a second problem. */
static bool names_broken_state(const sf_machine *m, const char *name)
{
    return json_object_get(json_object_get(m->json, "States"), name) != NULL;
}

/* Resolve the transitions recorded since `first` within m. A missing target
 * is moved to the missing list, for report_missing_targets; the records stay
 * in place (with their names dropped) as edges for the graph checks. */
static void resolve_transitions(sf_compile_ctx *cc, sf_machine *m, size_t first)
{
    struct sf_transition_list *list = cc->transitions;
    for (size_t i = first; i < list->count; i++) {
        sf_transition *t = &list->items[i];
        *t->slot = sf_machine_find_state(m, t->target);
        if (!*t->slot && !names_broken_state(m, t->target)) {
            *transition_push(&list->missing, &list->missing_count, &list->missing_capacity) = *t;
        } else {
            free(t->target);
            free(t->pointer);
        }
        t->target = t->pointer = NULL;
    }
}

/* Breadth-first from StartAt along every recorded edge (Next, Default,
 * Choice rules and Catch alike); marks reached[i]. */
/* The resolved edges since `first`, grouped by the state they leave: the
 * edges of state i are to[start[i]] .. to[start[i + 1] - 1] (indexes into
 * m->states). Built in two passes, so a search costs O(states + edges). */
typedef struct machine_edges {
    size_t *start, *to;
} machine_edges;

static machine_edges group_edges(const sf_compile_ctx *cc, const sf_machine *m, size_t first)
{
    const struct sf_transition_list *list = cc->transitions;
    size_t n = m->state_count;
    machine_edges g = {sf_calloc(n + 2, sizeof *g.start),
                       sf_calloc(list->count - first + 1, sizeof *g.to)};
    for (size_t i = first; i < list->count; i++) {
        size_t from = state_index(m, list->items[i].from);
        if (from < n && state_index(m, *list->items[i].slot) < n)
            g.start[from + 2]++;
    }
    for (size_t i = 2; i < n + 2; i++)
        g.start[i] += g.start[i - 1];
    for (size_t i = first; i < list->count; i++) { /* start[from + 1] is the fill point */
        size_t from = state_index(m, list->items[i].from);
        size_t to = state_index(m, *list->items[i].slot);
        if (from < n && to < n)
            g.to[g.start[from + 1]++] = to;
    }
    return g;
}

static void mark_reachable(const sf_compile_ctx *cc, const sf_machine *m, size_t first,
                           bool *reached)
{
    machine_edges g = group_edges(cc, m, first);
    size_t *queue = sf_calloc(m->state_count + 1, sizeof *queue);
    size_t head = 0, tail = 0;
    size_t s = state_index(m, m->start);
    reached[s] = true;
    queue[tail++] = s;
    while (head < tail) {
        size_t from = queue[head++];
        for (size_t e = g.start[from]; e < g.start[from + 1]; e++) {
            size_t to = g.to[e];
            if (!reached[to]) {
                reached[to] = true;
                queue[tail++] = to;
            }
        }
    }
    free(queue);
    free(g.start);
    free(g.to);
}

static void check_reachability(sf_compile_ctx *cc, const sf_machine *m, size_t first)
{
    if (!m->start)
        return; /* StartAt is wrong, which has its own diagnostic */
    bool *reached = sf_calloc(m->state_count + 1, sizeof *reached);
    mark_reachable(cc, m, first, reached);
    for (size_t i = 0; i < m->state_count; i++)
        if (!reached[i])
            sf_diags_error(cc->diags, SF_DIAG_UNREACHABLE, m->states[i]->pointer,
                           "State '%s' is not reachable from StartAt '%s'", m->states[i]->name,
                           m->start->name);
    free(reached);
}

/* moves[i]: state i of m has a recorded transition since `first`. */
static bool *states_that_move(const sf_compile_ctx *cc, const sf_machine *m, size_t first)
{
    bool *moves = sf_calloc(m->state_count + 1, sizeof *moves);
    for (size_t i = first; i < cc->transitions->count; i++)
        moves[state_index(m, cc->transitions->items[i].from)] = true;
    return moves;
}

/* A machine needs a state that ends it: End true, or a type that has no
 * Next of its own and moves nowhere (Succeed, Fail). Skipped when a state
 * is broken or lacks Next/End, which already has a diagnostic. */
static void check_end_state(sf_compile_ctx *cc, const sf_machine *m, size_t first)
{
    json_t *states = json_object_get(m->json, "States");
    if (m->state_count == 0 || m->state_count != json_object_size(states))
        return;
    bool *moves = states_that_move(cc, m, first);
    for (size_t i = 0; i < m->state_count; i++) {
        const sf_state *st = m->states[i];
        bool moves_by_next = st->type->common_fields & SF_COMMON_NEXT_END;
        if (st->end || (!moves_by_next && !moves[i]) ||
            (moves_by_next && !json_is_string(json_object_get(st->json, "Next")))) {
            free(moves);
            return;
        }
    }
    free(moves);
    sf_diags_error(cc->diags, SF_DIAG_MISSING_END_STATE, m->pointer,
                   "This %s has no state that ends it: give a state \"End\": true, or add a "
                   "Succeed or Fail state",
                   m->parent ? "branch or item processor" : "state machine");
}

/* Resolve the transitions recorded while the machine's states compiled
 * (those since `first`), check the machine as a graph, and drop the records:
 * a nested machine's transitions are never an outer machine's edges. */
static void resolve_machine(sf_compile_ctx *cc, sf_machine *m, size_t first)
{
    resolve_transitions(cc, m, first);
    check_reachability(cc, m, first);
    check_end_state(cc, m, first);
    cc->transitions->count = first;
}

static void check_machine_fields(sf_compile_ctx *cc, json_t *obj, const char *pointer, bool top)
{
    /* ProcessorConfig belongs to a Map's ItemProcessor (AWS accepts it in
     * the legacy Iterator too), not to a Parallel branch; the machine's
     * place in the document tells which it is. */
    const char *last = strrchr(pointer, '/');
    bool item_processor =
        last && (strcmp(last + 1, "ItemProcessor") == 0 || strcmp(last + 1, "Iterator") == 0);
    const char *what = top              ? "state machine"
                       : item_processor ? "Map ItemProcessor"
                                        : "Parallel branch";
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        bool allowed = name_in_list(top ? top_level_fields : machine_fields, key) &&
                       (strcmp(key, "ProcessorConfig") != 0 || item_processor);
        if (allowed)
            continue;
        char *ptr = sf_pointer_join(pointer, key);
        sf_diags_error(cc->diags, SF_DIAG_UNKNOWN_FIELD, ptr, "Field '%s' is not allowed in a %s",
                       key, what);
        free(ptr);
    }
    json_t *comment = json_object_get(obj, "Comment");
    if (comment && !json_is_string(comment)) {
        char *ptr = sf_pointer_join(pointer, "Comment");
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr, "Comment of the %s must be a string", what);
        free(ptr);
    }
    if (!top) { /* the top level's is checked before its machine compiles */
        char *owner = sf_asprintf("The %s", what);
        check_query_language(cc->diags, obj, pointer, owner);
        free(owner);
    }
}

static void compile_states(sf_compile_ctx *cc, sf_machine *m, json_t *states)
{
    char *sptr = sf_pointer_join(m->pointer, "States");
    if (!json_is_object(states) || json_object_size(states) == 0) {
        sf_diags_error(
            cc->diags, states ? SF_DIAG_SCHEMA : SF_DIAG_MISSING_FIELD, states ? sptr : m->pointer,
            "States must be a non-empty object of states, %s%s",
            states ? "not " : "but it is missing",
            states ? (json_is_object(states) ? "an empty object" : sf_json_type_name(states)) : "");
        free(sptr);
        return;
    }
    m->states = sf_calloc(json_object_size(states), sizeof *m->states);
    const char *name;
    json_t *st_json;
    json_object_foreach(states, name, st_json)
    {
        char *ptr = sf_pointer_join(sptr, name);
        sf_state *st = compile_state(cc, m, name, st_json, ptr);
        if (st) {
            st->order = m->state_count;
            m->states[m->state_count++] = st;
        }
        free(ptr);
    }
    index_states(m);
    free(sptr);
}

static void compile_start_at(sf_compile_ctx *cc, sf_machine *m)
{
    json_t *start = json_object_get(m->json, "StartAt");
    char *aptr = sf_pointer_join(m->pointer, "StartAt");
    const char *name = json_string_value(start);
    if (!start)
        sf_diags_error(cc->diags, SF_DIAG_MISSING_FIELD, m->pointer,
                       "StartAt is missing: it must name the first state");
    else if (!name)
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, aptr,
                       "StartAt must be a state name (a string), not %s", sf_json_type_name(start));
    else if (!(m->start = sf_machine_find_state(m, name)) && !names_broken_state(m, name) &&
             json_object_size(json_object_get(m->json, "States")) > 0)
        sf_diags_error(cc->diags, SF_DIAG_MISSING_TARGET, aptr,
                       "StartAt names '%s', which is not a state of this %s", name,
                       m->parent ? "branch or item processor" : "state machine");
    free(aptr);
}

static sf_machine *compile_machine(sf_compile_ctx *cc, json_t *obj, const char *pointer,
                                   sf_machine *parent)
{
    sf_definition *def = cc->definition;
    if (!json_is_object(obj)) {
        if (cc->state)
            sf_diags_error(cc->diags, SF_DIAG_SCHEMA, pointer,
                           "State '%s': a branch or item processor must be an object with "
                           "StartAt and States, not %s",
                           cc->state->name, sf_json_type_name(obj));
        else
            sf_diags_error(cc->diags, SF_DIAG_SCHEMA, pointer,
                           "A state machine must be a JSON object, not %s", sf_json_type_name(obj));
        return NULL;
    }
    sf_machine *m = SF_NEW(sf_machine);
    m->pointer = sf_strdup(pointer);
    m->json = obj;
    m->definition = def;
    m->parent = parent;
    def->machines = sf_realloc(def->machines, (def->machine_count + 1) * sizeof *def->machines);
    def->machines[def->machine_count++] = m;
    check_machine_fields(cc, obj, pointer, parent == NULL);
    size_t first = cc->transitions->count;
    compile_states(cc, m, json_object_get(obj, "States"));
    compile_start_at(cc, m);
    resolve_machine(cc, m, first);
    return m;
}

sf_machine *sf_compile_machine(sf_compile_ctx *cc, json_t *obj, const char *pointer)
{
    return compile_machine(cc, obj, pointer, cc->state ? cc->state->machine : NULL);
}

sf_state *sf_machine_find_state(const sf_machine *m, const char *name)
{
    if (!m->by_name) /* States was missing or not an object */
        return NULL;
    for (size_t k = name_hash(name) & m->by_name_mask; m->by_name[k]; k = (k + 1) & m->by_name_mask)
        if (strcmp(m->by_name[k]->name, name) == 0)
            return m->by_name[k];
    return NULL;
}

/* ---- Whole-definition checks ---- */

/* Which machine (its index in def->machines) holds each state name, the
 * first one when a name is used twice: made once for all missing targets,
 * so that a definition of many machines and many bad transitions is not
 * searched machine by machine for each. */
static json_t *machine_of_names(const sf_definition *def)
{
    json_t *index = json_object();
    for (size_t i = def->machine_count; i-- > 0;) /* the first machine last: it wins */
        for (size_t j = 0; j < def->machines[i]->state_count; j++)
            json_object_set_new(index, def->machines[i]->states[j]->name,
                                json_integer((json_int_t)i));
    return index;
}

/* A state named `name` in another machine than m, or NULL. */
static const sf_state *find_in_other_machine(const sf_definition *def, json_t *machine_of,
                                             const sf_machine *m, const char *name)
{
    json_t *i = json_object_get(machine_of, name);
    const sf_machine *other = i ? def->machines[json_integer_value(i)] : NULL;
    return other && other != m ? sf_machine_find_state(other, name) : NULL;
}

/* The field of a transition below its state, written as the rule messages
 * write fields: "/States/A/Catch/0/Next" -> "Catch[0].Next" (malloc'd). */
static char *transition_field(const sf_transition *t)
{
    size_t len = strlen(t->from->pointer);
    const char *tail = t->pointer;
    if (strncmp(tail, t->from->pointer, len) == 0 && tail[len] == '/')
        tail += len + 1;
    char *out = sf_malloc(2 * strlen(tail) + 2), *w = out;
    for (const char *tok = tail; *tok;) {
        size_t n = strcspn(tok, "/");
        bool index = n > 0 && strspn(tok, "0123456789") == n;
        if (index)
            *w++ = '[';
        else if (w != out)
            *w++ = '.';
        memcpy(w, tok, n);
        w += n;
        if (index)
            *w++ = ']';
        tok += n + (tok[n] == '/');
    }
    *w = '\0';
    return out;
}

static void report_missing_targets(sf_compile_ctx *cc)
{
    struct sf_transition_list *list = cc->transitions;
    json_t *machine_of = list->missing_count ? machine_of_names(cc->definition) : NULL;
    for (size_t i = 0; i < list->missing_count; i++) {
        sf_transition *t = &list->missing[i];
        const sf_machine *m = t->from->machine;
        char *field = transition_field(t);
        const sf_state *elsewhere = find_in_other_machine(cc->definition, machine_of, m, t->target);
        if (elsewhere)
            sf_diags_error(cc->diags, SF_DIAG_MISSING_TARGET, t->pointer,
                           "State '%s': %s names '%s', which is a state of another machine "
                           "(%s); transitions cannot leave or enter a Parallel branch or Map "
                           "item processor",
                           t->from->name, field, t->target, elsewhere->pointer);
        else
            sf_diags_error(cc->diags, SF_DIAG_MISSING_TARGET, t->pointer,
                           "State '%s': %s names '%s', which is not a state of this %s",
                           t->from->name, field, t->target,
                           m->parent ? "branch or item processor" : "state machine");
        free(field);
        free(t->target);
        free(t->pointer);
    }
    json_decref(machine_of);
    free(list->missing);
    list->missing = NULL;
    list->missing_count = list->missing_capacity = 0;
}

typedef struct named_state {
    const sf_state *state;
    size_t order; /* compile order, to report every occurrence but the first */
} named_state;

static int compare_named_states(const void *a, const void *b)
{
    const named_state *x = a, *y = b;
    int c = strcmp(x->state->name, y->state->name);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* State names are unique in the whole definition, branches included. */
static void check_unique_state_names(sf_compile_ctx *cc)
{
    const sf_definition *def = cc->definition;
    size_t n = 0;
    for (size_t i = 0; i < def->machine_count; i++)
        n += def->machines[i]->state_count;
    named_state *all = sf_calloc(n + 1, sizeof *all);
    n = 0;
    for (size_t i = 0; i < def->machine_count; i++)
        for (size_t j = 0; j < def->machines[i]->state_count; j++, n++)
            all[n] = (named_state){def->machines[i]->states[j], n};
    qsort(all, n, sizeof *all, compare_named_states);
    for (size_t i = 1; i < n; i++) {
        const sf_state *first = all[i - 1].state, *again = all[i].state;
        if (strcmp(first->name, again->name) != 0)
            continue;
        sf_diags_error(cc->diags, SF_DIAG_DUPLICATE_STATE, again->pointer,
                       "State name '%s' is used twice (also at %s); state names must be unique "
                       "in the whole state machine, branches and item processors included",
                       again->name, first->pointer);
    }
    free(all);
}

static void compile_top_timeout(sf_compile_ctx *cc, json_t *doc)
{
    json_t *t = json_object_get(doc, "TimeoutSeconds");
    long long n;
    if (!t)
        return;
    if (sf_json_as_integer(t, &n) && n >= 1 && n <= SF_SECONDS_MAX) {
        cc->definition->timeout_seconds = (double)n;
        return;
    }
    char *shown = json_text(t);
    sf_diags_error(cc->diags, SF_DIAG_INVALID_VALUE, "/TimeoutSeconds",
                   "TimeoutSeconds of the state machine must be an integer from 1 to %lld, not "
                   "%s",
                   SF_SECONDS_MAX, shown);
    free(shown);
}

/* opts (may be NULL) is known before any state compiles, so a state can
 * look at how it will run (the mock case) while it is checked. */
static sf_definition *compile_with(json_t *doc, const sf_state_type *const *types,
                                   const sf_load_options *opts, sf_diags *diags)
{
    sf_definition *def = SF_NEW(sf_definition);
    def->json = doc;
    def->types = types;
    if (opts) {
        def->base_dir = opts->base_dir ? sf_strdup(opts->base_dir) : NULL;
        def->resources = opts->resources;
        def->mock_case = opts->mock_case;
    }
    struct sf_transition_list transitions = {0};
    sf_compile_ctx cc = {.definition = def, .diags = diags, .transitions = &transitions};
    if (!json_is_object(doc)) {
        sf_diags_error(diags, SF_DIAG_SCHEMA, "",
                       "A state machine definition must be a JSON object, not %s",
                       sf_json_type_name(doc));
        return def;
    }
    json_t *version = json_object_get(doc, "Version");
    if (version && !json_is_string(version))
        sf_diags_error(diags, SF_DIAG_SCHEMA, "/Version", "Version must be a string, not %s",
                       sf_json_type_name(version));
    compile_top_timeout(&cc, doc);
    if (check_query_language(diags, doc, "", "The state machine"))
        return def;
    def->top = compile_machine(&cc, doc, "", NULL);
    report_missing_targets(&cc);
    check_unique_state_names(&cc);
    free(transitions.items);
    return def;
}

sf_definition *sf_definition_compile(json_t *doc, const sf_state_type *const *types,
                                     sf_diags *diags)
{
    return compile_with(doc, types, NULL, diags);
}

/* ---- Parsing: JSON errors ----
 *
 * jansson stops at a duplicate key with its line, column and byte offset,
 * not its place in the document. The text before that offset is valid JSON,
 * so a scan that tracks the open objects and arrays finds the JSON Pointer
 * of the second occurrence, and whether it is a state name (a key of a
 * machine's States object) or a field. */

typedef struct scan_frame {
    bool is_object;
    bool expect_key; /* objects: the next string is a key */
    size_t index;    /* arrays: the current element */
    char *key;       /* objects: the current key (malloc'd) */
} scan_frame;

typedef struct key_scan {
    scan_frame *frames;
    size_t depth, capacity;
} key_scan;

/* Decode the string token at text[*i] (a '"'), moving *i past it. */
static char *scan_string(const char *text, size_t end, size_t *i)
{
    size_t start = (*i)++;
    while (*i < end && text[*i] != '"')
        *i += text[*i] == '\\' ? 2 : 1;
    *i = *i < end ? *i + 1 : end;
    json_t *s = json_loadb(text + start, *i - start, JSON_DECODE_ANY, NULL);
    char *out = sf_strdup(json_is_string(s) ? json_string_value(s) : "");
    json_decref(s);
    return out;
}

static void scan_token(key_scan *ks, const char *text, size_t end, size_t *i)
{
    scan_frame *top = ks->depth ? &ks->frames[ks->depth - 1] : NULL;
    char ch = text[*i];
    if (ch == '"') {
        char *s = scan_string(text, end, i);
        if (top && top->is_object && top->expect_key) {
            free(top->key);
            top->key = s;
            top->expect_key = false;
        } else {
            free(s);
        }
        return;
    }
    if (ch == '{' || ch == '[') {
        if (ks->depth == ks->capacity) {
            ks->capacity = ks->capacity ? ks->capacity * 2 : 16;
            ks->frames = sf_realloc(ks->frames, ks->capacity * sizeof *ks->frames);
        }
        ks->frames[ks->depth++] = (scan_frame){ch == '{', true, 0, NULL};
    } else if ((ch == '}' || ch == ']') && top) {
        free(top->key);
        ks->depth--;
    } else if (ch == ',' && top) {
        top->expect_key = top->is_object;
        top->index += !top->is_object;
    }
    (*i)++;
}

/* True when frame k is the States object of a machine: the top level, a
 * Parallel branch (Branches/N) or a Map's ItemProcessor / Iterator. */
static bool scan_is_states_object(const key_scan *ks, size_t k)
{
    if (k == 0 || !ks->frames[k - 1].is_object || !ks->frames[k - 1].key ||
        strcmp(ks->frames[k - 1].key, "States") != 0)
        return false;
    if (k == 1)
        return true;
    const scan_frame *owner = &ks->frames[k - 2];
    if (!owner->is_object)
        return k >= 3 && ks->frames[k - 3].key && strcmp(ks->frames[k - 3].key, "Branches") == 0;
    return owner->key &&
           (strcmp(owner->key, "ItemProcessor") == 0 || strcmp(owner->key, "Iterator") == 0);
}

static char *scan_pointer(const key_scan *ks)
{
    char *ptr = sf_strdup("");
    for (size_t k = 0; k < ks->depth; k++) {
        const scan_frame *f = &ks->frames[k];
        char *next = f->is_object ? sf_pointer_join(ptr, f->key ? f->key : "")
                                  : sf_pointer_join_index(ptr, f->index);
        free(ptr);
        ptr = next;
    }
    return ptr;
}

static void report_duplicate_key(const char *text, size_t len, const char *origin,
                                 const json_error_t *jerr, sf_diags *diags)
{
    key_scan ks = {0};
    size_t end = jerr->position > 0 && (size_t)jerr->position <= len ? (size_t)jerr->position : 0;
    for (size_t i = 0; i < end;)
        scan_token(&ks, text, end, &i);
    const scan_frame *top = ks.depth ? &ks.frames[ks.depth - 1] : NULL;
    char *ptr = scan_pointer(&ks);
    const char *key = top && top->key ? top->key : "?";
    if (top && scan_is_states_object(&ks, ks.depth - 1))
        sf_diags_error(diags, SF_DIAG_DUPLICATE_STATE, ptr,
                       "%s: state name '%s' appears twice in one States object (line %d, "
                       "column %d); state names must be unique",
                       origin, key, jerr->line, jerr->column);
    else
        sf_diags_error(diags, SF_DIAG_INVALID_JSON, ptr,
                       "%s: field '%s' appears twice in one object (line %d, column %d)", origin,
                       key, jerr->line, jerr->column);
    free(ptr);
    for (size_t k = 0; k < ks.depth; k++)
        free(ks.frames[k].key);
    free(ks.frames);
}

/* Validation, compiling, the graph renderer and every value the definition
 * holds (templates, Result) recurse through it: a definition deeper than
 * SF_JSON_DEPTH_LIMIT is refused before any of them runs. Consumes doc when
 * it is refused. */
static bool reject_too_deep(json_t *doc, const char *origin, sf_diags *diags)
{
    char *ptr = sf_json_too_deep_pointer(doc, SF_JSON_DEPTH_LIMIT);
    if (!ptr)
        return false;
    sf_diags_error(diags, SF_DIAG_INVALID_JSON, ptr,
                   "%s: objects and arrays nested deeper than %d levels (the limit)", origin,
                   SF_JSON_DEPTH_LIMIT);
    free(ptr);
    json_decref(doc);
    return true;
}

static sf_definition *parse_with(const char *text, size_t len, const char *origin,
                                 const sf_state_type *const *types, const sf_load_options *opts,
                                 sf_diags *diags)
{
    json_error_t jerr;
    if (len > SF_DEFINITION_LIMIT_BYTES) {
        sf_diags_error(diags, SF_DIAG_INVALID_JSON, "",
                       "%s: the definition is %zu bytes; the limit is %d (1 MiB)", origin, len,
                       SF_DEFINITION_LIMIT_BYTES);
        return NULL;
    }
    /* Duplicate keys are rejected: a state named twice would otherwise
     * silently lose one of its definitions. */
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc && !reject_too_deep(doc, origin, diags))
        return compile_with(doc, types, opts, diags);
    if (doc)
        return NULL;
    if (json_error_code(&jerr) == json_error_stack_overflow)
        sf_diags_error(diags, SF_DIAG_INVALID_JSON, "",
                       "%s: objects and arrays nested deeper than %d levels (the limit) at "
                       "line %d, column %d",
                       origin, SF_JSON_DEPTH_LIMIT, jerr.line, jerr.column);
    else if (json_error_code(&jerr) == json_error_duplicate_key)
        report_duplicate_key(text, len, origin, &jerr, diags);
    else
        sf_diags_error(diags, SF_DIAG_INVALID_JSON, "",
                       "%s: invalid JSON at line %d, column %d: %s", origin, jerr.line, jerr.column,
                       jerr.text);
    return NULL;
}

sf_definition *sf_definition_parse(const char *text, size_t len, const char *origin,
                                   const sf_state_type *const *types, sf_diags *diags)
{
    return parse_with(text, len, origin, types, NULL, diags);
}

sf_definition *sf_definition_load(const char *path, const sf_state_type *const *types,
                                  sf_diags *diags)
{
    size_t len;
    char *text = sf_read_file(path, &len);
    if (!text) {
        sf_diags_error(diags, "IO_ERROR", "", "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    sf_definition *def = sf_definition_parse(text, len, path, types, diags);
    free(text);
    return def;
}

/* ---- Freeing ---- */

static void free_rules(sf_state *st)
{
    for (size_t i = 0; i < st->retrier_count; i++) {
        for (size_t j = 0; j < st->retriers[i].error_count; j++)
            free(st->retriers[i].errors[j]);
        free(st->retriers[i].errors);
    }
    for (size_t i = 0; i < st->catcher_count; i++) {
        for (size_t j = 0; j < st->catchers[i].error_count; j++)
            free(st->catchers[i].errors[j]);
        free(st->catchers[i].errors);
        sf_path_free(st->catchers[i].result_path);
        sf_template_free(st->catchers[i].assign);
    }
    free(st->retriers);
    free(st->catchers);
}

static void free_state(sf_state *st)
{
    if (st->impl && st->type->free_impl)
        st->type->free_impl(st->impl);
    sf_path_free(st->input_path);
    sf_path_free(st->output_path);
    sf_path_free(st->result_path);
    sf_template_free(st->parameters);
    sf_template_free(st->result_selector);
    sf_template_free(st->assign);
    free_rules(st);
    free(st->name);
    free(st->pointer);
    free(st->entered_event);
    free(st->exited_event);
    free(st->entered_head);
    free(st->exited_head);
    free(st->next_member);
    free(st);
}

void sf_definition_free(sf_definition *def)
{
    if (!def)
        return;
    for (size_t i = 0; i < def->machine_count; i++) {
        sf_machine *m = def->machines[i];
        for (size_t j = 0; j < m->state_count; j++)
            free_state(m->states[j]);
        free(m->states);
        free(m->by_name);
        free(m->pointer);
        free(m);
    }
    free(def->machines);
    free(def->base_dir);
    json_decref(def->json);
    free(def);
}

/* ---- Loading for a run: the folder and the resource map ---- */

sf_definition *sf_definition_parse_ex(const char *text, size_t len, const char *origin,
                                      const sf_state_type *const *types,
                                      const sf_load_options *opts, sf_diags *diags)
{
    sf_definition *def = parse_with(text, len, origin, types, opts, diags);
    if (!def || !opts)
        return def;
    sf_compile_ctx cc = {.definition = def, .diags = diags};
    for (size_t i = 0; i < def->machine_count; i++) {
        sf_machine *m = def->machines[i];
        for (size_t j = 0; j < m->state_count; j++) {
            cc.state = m->states[j];
            if (cc.state->type->check_load)
                cc.state->type->check_load(&cc);
        }
    }
    return def;
}
