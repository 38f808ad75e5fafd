/*
 * definition.c — load, validate and compile a state machine definition.
 *
 * One pass does all three: a field is checked where it is compiled, so the
 * meaning of each field lives in one place. Problems never stop the pass;
 * each becomes a diagnostic with the JSON Pointer of the element at fault,
 * and the caller refuses to run a definition with any error.
 *
 * Transitions (Next, Default, Choice rules, Catch) name states that may come
 * later in the document, so they are recorded while states compile and
 * resolved when the whole machine is known. The same records give the edges
 * for the reachability check. A nested machine (a Parallel branch, a Map
 * item processor) resolves its own transitions: a Next that leaves its
 * machine is a missing target, as in AWS.
 */
#include "engine/definition.h"
#include "engine/json_util.h"
#include "engine/state_type.h"
#include "engine/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* AWS limits on names (state names and execution names alike). */
#define SF_STATE_NAME_MAX 80

typedef struct sf_transition {
    sf_state *from; /* NULL when the edge is StartAt */
    char *target;
    char *pointer;
    sf_state **slot;
} sf_transition;

struct sf_transition_list {
    sf_transition *items;
    size_t count, capacity;
};

static const char *const top_level_fields[] = {
    "Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage", NULL,
};
static const char *const machine_fields[] = {
    "Comment", "StartAt", "States", "ProcessorConfig", "QueryLanguage", NULL,
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

char *sf_compile_field_pointer(sf_compile_ctx *cc, const char *field)
{
    return sf_pointer_join(cc->state->pointer, field);
}

void sf_compile_transition(sf_compile_ctx *cc, const char *name, const char *pointer,
                           sf_state **slot)
{
    struct sf_transition_list *list = cc->transitions;
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? list->capacity * 2 : 16;
        list->items = sf_realloc(list->items, list->capacity * sizeof *list->items);
    }
    sf_transition *t = &list->items[list->count++];
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
                           "State '%s': field '%s' holds an invalid %s '%s': %s",
                           cc->state->name, field,
                           flags & SF_PATH_REFERENCE ? "reference path" : "JSONPath",
                           json_string_value(value), why ? why : "syntax error");
            free(why);
        }
    }
    free(ptr);
    return path;
}

sf_template *sf_compile_template(sf_compile_ctx *cc, json_t *value, const char *field)
{
    char *ptr = sf_compile_field_pointer(cc, field);
    size_t before = cc->diags->errors;
    sf_template *t = sf_template_compile(value, ptr, cc->diags);
    if (!t && cc->diags->errors == before)
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr, "State '%s': field '%s' is invalid",
                       cc->state->name, field);
    free(ptr);
    return t;
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

/* ---- Retry and Catch ---- */

static char **compile_error_equals(sf_compile_ctx *cc, json_t *rule, const char *ptr,
                                   size_t *count, bool *has_all)
{
    json_t *errors = json_object_get(rule, "ErrorEquals");
    *count = 0;
    *has_all = false;
    char *fptr = sf_pointer_join(ptr, "ErrorEquals");
    if (!json_is_array(errors) || json_array_size(errors) == 0) {
        sf_diags_error(cc->diags, errors ? SF_DIAG_SCHEMA : SF_DIAG_MISSING_FIELD, fptr,
                       "State '%s': ErrorEquals must be a non-empty array of error names",
                       cc->state->name);
        free(fptr);
        return NULL;
    }
    char **names = sf_calloc(json_array_size(errors), sizeof *names);
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
    {
        if (!json_is_string(e)) {
            char *eptr = sf_pointer_join_index(fptr, i);
            sf_diags_error(cc->diags, SF_DIAG_SCHEMA, eptr,
                           "State '%s': ErrorEquals entries must be strings", cc->state->name);
            free(eptr);
            continue;
        }
        names[(*count)++] = sf_strdup(json_string_value(e));
        if (strcmp(json_string_value(e), SF_ERR_ALL) == 0)
            *has_all = true;
    }
    if (*has_all && json_array_size(errors) > 1)
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, fptr,
                       "State '%s': States.ALL must appear alone in ErrorEquals",
                       cc->state->name);
    free(fptr);
    return names;
}

static void check_rule_fields(sf_compile_ctx *cc, json_t *rule, const char *ptr,
                              const char *const *allowed, const char *what)
{
    const char *key;
    json_t *v;
    json_object_foreach(rule, key, v)
    {
        if (name_in_list(allowed, key))
            continue;
        char *kptr = sf_pointer_join(ptr, key);
        sf_diags_error(cc->diags, SF_DIAG_UNKNOWN_FIELD, kptr,
                       "State '%s': field '%s' is not allowed in a %s", cc->state->name, key,
                       what);
        free(kptr);
    }
}

/* Optional integer field of a Retry rule with an inclusive range. */
static void retry_int(sf_compile_ctx *cc, json_t *rule, const char *ptr, const char *field,
                      long long lo, long long hi, double *dst_d, int *dst_i)
{
    json_t *v = json_object_get(rule, field);
    if (!v)
        return;
    long long n;
    if (!sf_json_as_integer(v, &n) || n < lo || n > hi) {
        char *fptr = sf_pointer_join(ptr, field);
        sf_diags_error(cc->diags, SF_DIAG_INVALID_VALUE, fptr,
                       "State '%s': %s must be an integer from %lld to %lld", cc->state->name,
                       field, lo, hi);
        free(fptr);
        return;
    }
    if (dst_d)
        *dst_d = (double)n;
    if (dst_i)
        *dst_i = (int)n;
}

static void compile_retrier(sf_compile_ctx *cc, json_t *rule, const char *ptr, sf_retrier *r,
                            bool *has_all)
{
    static const char *const fields[] = {"ErrorEquals", "IntervalSeconds", "MaxAttempts",
                                         "BackoffRate", "MaxDelaySeconds", "JitterStrategy",
                                         "Comment",     NULL};
    r->interval_seconds = 1;
    r->max_attempts = 3;
    r->backoff_rate = 2.0;
    check_rule_fields(cc, rule, ptr, fields, "Retry rule");
    r->errors = compile_error_equals(cc, rule, ptr, &r->error_count, has_all);
    retry_int(cc, rule, ptr, "IntervalSeconds", 1, 99999999, &r->interval_seconds, NULL);
    retry_int(cc, rule, ptr, "MaxAttempts", 0, 99999999, NULL, &r->max_attempts);
    retry_int(cc, rule, ptr, "MaxDelaySeconds", 1, 31622400, &r->max_delay_seconds, NULL);
    json_t *rate = json_object_get(rule, "BackoffRate");
    if (rate) {
        if (!json_is_number(rate) || json_number_value(rate) < 1.0) {
            char *fptr = sf_pointer_join(ptr, "BackoffRate");
            sf_diags_error(cc->diags, SF_DIAG_INVALID_VALUE, fptr,
                           "State '%s': BackoffRate must be a number greater than or equal "
                           "to 1.0",
                           cc->state->name);
            free(fptr);
        } else {
            r->backoff_rate = json_number_value(rate);
        }
    }
    json_t *jitter = json_object_get(rule, "JitterStrategy");
    if (jitter) {
        const char *j = json_string_value(jitter);
        if (!j || (strcmp(j, "FULL") != 0 && strcmp(j, "NONE") != 0)) {
            char *fptr = sf_pointer_join(ptr, "JitterStrategy");
            sf_diags_error(cc->diags, SF_DIAG_INVALID_VALUE, fptr,
                           "State '%s': JitterStrategy must be \"FULL\" or \"NONE\"",
                           cc->state->name);
            free(fptr);
        } else {
            r->jitter_full = strcmp(j, "FULL") == 0;
        }
    }
}

static void compile_catcher(sf_compile_ctx *cc, json_t *rule, const char *ptr, sf_catcher *c,
                            bool *has_all)
{
    static const char *const fields[] = {"ErrorEquals", "Next", "ResultPath", "Comment", NULL};
    check_rule_fields(cc, rule, ptr, fields, "Catch rule");
    c->errors = compile_error_equals(cc, rule, ptr, &c->error_count, has_all);
    json_t *next = json_object_get(rule, "Next");
    char *nptr = sf_pointer_join(ptr, "Next");
    if (!json_is_string(next))
        sf_diags_error(cc->diags, next ? SF_DIAG_SCHEMA : SF_DIAG_MISSING_FIELD, nptr,
                       "State '%s': a Catch rule needs Next naming the state to go to",
                       cc->state->name);
    else
        sf_compile_transition(cc, json_string_value(next), nptr, &c->next);
    free(nptr);
    json_t *rp = json_object_get(rule, "ResultPath");
    if (json_is_null(rp)) {
        c->result_path_null = true;
    } else if (rp) {
        char *rptr = sf_pointer_join(ptr, "ResultPath");
        char *why = NULL;
        if (json_is_string(rp))
            c->result_path = sf_path_compile(json_string_value(rp), SF_PATH_REFERENCE, &why);
        if (!c->result_path)
            sf_diags_error(cc->diags, SF_DIAG_INVALID_PATH, rptr,
                           "State '%s': Catch ResultPath must be a reference path or null%s%s",
                           cc->state->name, why ? ": " : "", why ? why : "");
        free(why);
        free(rptr);
    }
}

/* Compile Retry or Catch: an array of rules where States.ALL may only be in
 * the last one. */
static void compile_rules(sf_compile_ctx *cc, const char *field, bool is_retry)
{
    json_t *rules = json_object_get(cc->state->json, field);
    if (!rules)
        return;
    char *ptr = sf_compile_field_pointer(cc, field);
    if (!json_is_array(rules)) {
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr, "State '%s': %s must be an array",
                       cc->state->name, field);
        free(ptr);
        return;
    }
    size_t n = json_array_size(rules);
    sf_state *st = cc->state;
    if (is_retry)
        st->retriers = sf_calloc(n, sizeof *st->retriers);
    else
        st->catchers = sf_calloc(n, sizeof *st->catchers);
    for (size_t i = 0; i < n; i++) {
        json_t *rule = json_array_get(rules, i);
        char *rptr = sf_pointer_join_index(ptr, i);
        bool has_all = false;
        if (!json_is_object(rule)) {
            sf_diags_error(cc->diags, SF_DIAG_SCHEMA, rptr,
                           "State '%s': each %s rule must be an object", st->name, field);
        } else if (is_retry) {
            compile_retrier(cc, rule, rptr, &st->retriers[st->retrier_count++], &has_all);
        } else {
            compile_catcher(cc, rule, rptr, &st->catchers[st->catcher_count++], &has_all);
        }
        if (has_all && i + 1 < n)
            sf_diags_error(cc->diags, SF_DIAG_SCHEMA, rptr,
                           "State '%s': a %s rule with States.ALL must be the last one",
                           st->name, field);
        free(rptr);
    }
    free(ptr);
}

/* ---- States ---- */

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
    if (strcmp(key, "Type") == 0 || strcmp(key, "Comment") == 0)
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

static void compile_next_end(sf_compile_ctx *cc)
{
    sf_state *st = cc->state;
    json_t *next = json_object_get(st->json, "Next");
    json_t *end = json_object_get(st->json, "End");
    if (!(st->type->common_fields & SF_COMMON_NEXT_END))
        return; /* terminal types and Choice: Next/End are rejected as unknown fields */
    if (end && !json_is_boolean(end)) {
        char *ptr = sf_compile_field_pointer(cc, "End");
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr, "State '%s': End must be true",
                       st->name);
        free(ptr);
    }
    st->end = json_is_true(end);
    if (next && st->end) {
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, st->pointer,
                       "State '%s' has both Next and End; it must have exactly one",
                       st->name);
    } else if (!next && !st->end) {
        sf_diags_error(cc->diags, SF_DIAG_MISSING_FIELD, st->pointer,
                       "State '%s' (%s) must have Next or \"End\": true", st->name,
                       st->type->name);
    }
    if (next) {
        char *ptr = sf_compile_field_pointer(cc, "Next");
        if (!json_is_string(next))
            sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr,
                           "State '%s': Next must be a state name (a string)", st->name);
        else
            sf_compile_transition(cc, json_string_value(next), ptr, &st->next);
        free(ptr);
    }
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
    if ((f & SF_COMMON_RESULT_SELECTOR) && (v = json_object_get(st->json, "ResultSelector"))) {
        if (!json_is_object(v)) {
            char *ptr = sf_compile_field_pointer(cc, "ResultSelector");
            sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr,
                           "State '%s': ResultSelector must be an object", st->name);
            free(ptr);
        } else {
            st->result_selector = sf_compile_template(cc, v, "ResultSelector");
        }
    }
    if (f & SF_COMMON_RETRY_CATCH) {
        compile_rules(cc, "Retry", true);
        compile_rules(cc, "Catch", false);
    }
}

static void check_state_fields(sf_compile_ctx *cc)
{
    const char *key;
    json_t *v;
    json_object_foreach(cc->state->json, key, v)
    {
        if (field_allowed(cc->state->type, key))
            continue;
        char *ptr = sf_compile_field_pointer(cc, key);
        sf_diags_error(cc->diags, SF_DIAG_UNKNOWN_FIELD, ptr,
                       "State '%s': field '%s' is not allowed in a %s state", cc->state->name,
                       key, cc->state->type->name);
        free(ptr);
    }
}

static sf_state *compile_state(sf_compile_ctx *cc, sf_machine *m, const char *name, json_t *obj,
                               const char *pointer)
{
    const sf_state_type *const *types = cc->definition->types;
    if (strlen(name) == 0 || strlen(name) > SF_STATE_NAME_MAX)
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, pointer,
                       "State name '%s' must be 1 to %d characters long", name,
                       SF_STATE_NAME_MAX);
    if (!json_is_object(obj)) {
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, pointer, "State '%s' must be an object, not %s",
                       name, sf_json_type_name(obj));
        return NULL;
    }
    json_t *type_json = json_object_get(obj, "Type");
    const char *type_name = json_string_value(type_json);
    const sf_state_type *type = type_name ? sf_state_type_find(types, type_name) : NULL;
    if (!type) {
        char *ptr = sf_pointer_join(pointer, "Type");
        if (!type_json)
            sf_diags_error(cc->diags, SF_DIAG_MISSING_FIELD, ptr, "State '%s' has no Type",
                           name);
        else
            sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr,
                           "State '%s' has an unknown Type %s%s%s; expected one of Pass, Task, "
                           "Choice, Wait, Succeed, Fail, Parallel, Map",
                           name, type_name ? "'" : "", type_name ? type_name : "(not a string)",
                           type_name ? "'" : "");
        free(ptr);
        return NULL;
    }
    sf_state *st = SF_NEW(sf_state);
    st->name = sf_strdup(name);
    st->pointer = sf_strdup(pointer);
    st->json = obj;
    st->type = type;
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

/* ---- Machines: transitions and reachability ---- */

static size_t state_index(const sf_machine *m, const sf_state *st)
{
    for (size_t i = 0; i < m->state_count; i++)
        if (m->states[i] == st)
            return i;
    return m->state_count;
}

/* Resolve the transitions recorded since `first`, then check reachability
 * from StartAt along them. */
static void resolve_machine(sf_compile_ctx *cc, sf_machine *m, size_t first)
{
    struct sf_transition_list *list = cc->transitions;
    size_t n = m->state_count;
    bool *reached = sf_calloc(n + 1, sizeof *reached);
    size_t *queue = sf_calloc(n + 1, sizeof *queue);
    size_t head = 0, tail = 0;
    for (size_t i = first; i < list->count; i++) {
        sf_transition *t = &list->items[i];
        *t->slot = sf_machine_find_state(m, t->target);
        if (!*t->slot)
            sf_diags_error(cc->diags, SF_DIAG_MISSING_TARGET, t->pointer,
                           "State '%s' moves to '%s', which is not a state of this %s",
                           t->from ? t->from->name : "?", t->target,
                           m->parent ? "branch or item processor" : "state machine");
    }
    if (m->start) {
        size_t s = state_index(m, m->start);
        reached[s] = true;
        queue[tail++] = s;
    }
    while (head < tail) {
        sf_state *from = m->states[queue[head++]];
        for (size_t i = first; i < list->count; i++) {
            sf_transition *t = &list->items[i];
            if (t->from != from || !*t->slot)
                continue;
            size_t to = state_index(m, *t->slot);
            if (to < n && !reached[to]) {
                reached[to] = true;
                queue[tail++] = to;
            }
        }
    }
    for (size_t i = 0; m->start && i < n; i++)
        if (!reached[i])
            sf_diags_error(cc->diags, SF_DIAG_UNREACHABLE, m->states[i]->pointer,
                           "State '%s' is not reachable from StartAt '%s'", m->states[i]->name,
                           m->start->name);
    for (size_t i = first; i < list->count; i++) {
        free(list->items[i].target);
        free(list->items[i].pointer);
    }
    list->count = first;
    free(reached);
    free(queue);
}

static void check_machine_fields(sf_compile_ctx *cc, json_t *obj, const char *pointer,
                                 bool top)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        if (name_in_list(top ? top_level_fields : machine_fields, key))
            continue;
        char *ptr = sf_pointer_join(pointer, key);
        sf_diags_error(cc->diags, SF_DIAG_UNKNOWN_FIELD, ptr,
                       "Field '%s' is not allowed in a %s", key,
                       top ? "state machine" : "branch or item processor");
        free(ptr);
    }
    json_t *comment = json_object_get(obj, "Comment");
    if (comment && !json_is_string(comment)) {
        char *ptr = sf_pointer_join(pointer, "Comment");
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr, "Comment must be a string");
        free(ptr);
    }
    json_t *ql = json_object_get(obj, "QueryLanguage");
    if (ql) {
        char *ptr = sf_pointer_join(pointer, "QueryLanguage");
        const char *q = json_string_value(ql);
        if (q && strcmp(q, "JSONata") == 0)
            sf_diags_error(cc->diags, SF_DIAG_UNSUPPORTED, ptr,
                           "QueryLanguage JSONata is not supported yet; use JSONPath");
        else if (!q || strcmp(q, "JSONPath") != 0)
            sf_diags_error(cc->diags, SF_DIAG_INVALID_VALUE, ptr,
                           "QueryLanguage must be \"JSONPath\" or \"JSONata\"");
        free(ptr);
    }
}

static sf_machine *compile_machine(sf_compile_ctx *cc, json_t *obj, const char *pointer,
                                   sf_machine *parent)
{
    sf_definition *def = cc->definition;
    if (!json_is_object(obj)) {
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

    json_t *states = json_object_get(obj, "States");
    char *sptr = sf_pointer_join(pointer, "States");
    if (!json_is_object(states) || json_object_size(states) == 0) {
        sf_diags_error(cc->diags, states ? SF_DIAG_SCHEMA : SF_DIAG_MISSING_FIELD,
                       states ? sptr : pointer, "States must be a non-empty object of states");
        states = NULL;
    }
    size_t first = cc->transitions->count;
    m->states = sf_calloc(states ? json_object_size(states) : 1, sizeof *m->states);
    const char *name;
    json_t *st_json;
    json_object_foreach(states, name, st_json)
    {
        char *ptr = sf_pointer_join(sptr, name);
        sf_state *st = compile_state(cc, m, name, st_json, ptr);
        if (st)
            m->states[m->state_count++] = st;
        free(ptr);
    }
    free(sptr);

    json_t *start = json_object_get(obj, "StartAt");
    char *aptr = sf_pointer_join(pointer, "StartAt");
    if (!json_is_string(start))
        sf_diags_error(cc->diags, start ? SF_DIAG_SCHEMA : SF_DIAG_MISSING_FIELD,
                       start ? aptr : pointer, "StartAt must name the first state");
    else if (!(m->start = sf_machine_find_state(m, json_string_value(start))) && states)
        sf_diags_error(cc->diags, SF_DIAG_MISSING_TARGET, aptr,
                       "StartAt names '%s', which is not a state of this %s",
                       json_string_value(start),
                       parent ? "branch or item processor" : "state machine");
    free(aptr);
    resolve_machine(cc, m, first);
    return m;
}

sf_machine *sf_compile_machine(sf_compile_ctx *cc, json_t *obj, const char *pointer)
{
    return compile_machine(cc, obj, pointer, cc->state ? cc->state->machine : NULL);
}

sf_state *sf_machine_find_state(const sf_machine *m, const char *name)
{
    for (size_t i = 0; i < m->state_count; i++)
        if (strcmp(m->states[i]->name, name) == 0)
            return m->states[i];
    return NULL;
}

static void compile_top_timeout(sf_compile_ctx *cc, json_t *doc)
{
    json_t *t = json_object_get(doc, "TimeoutSeconds");
    long long n;
    if (!t)
        return;
    if (!sf_json_as_integer(t, &n) || n < 1 || n > 99999999)
        sf_diags_error(cc->diags, SF_DIAG_INVALID_VALUE, "/TimeoutSeconds",
                       "TimeoutSeconds must be a positive integer (at most 99999999)");
    else
        cc->definition->timeout_seconds = (double)n;
}

sf_definition *sf_definition_compile(json_t *doc, const sf_state_type *const *types,
                                     sf_diags *diags)
{
    sf_definition *def = SF_NEW(sf_definition);
    def->json = doc;
    def->types = types;
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
        sf_diags_error(diags, SF_DIAG_SCHEMA, "/Version", "Version must be a string");
    compile_top_timeout(&cc, doc);
    def->top = compile_machine(&cc, doc, "", NULL);
    free(transitions.items);
    return def;
}

sf_definition *sf_definition_parse(const char *text, size_t len, const char *origin,
                                   const sf_state_type *const *types, sf_diags *diags)
{
    json_error_t jerr;
    /* Duplicate keys are rejected: a state named twice would otherwise
     * silently lose one of its definitions. */
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        bool dup = strstr(jerr.text, "duplicate object key") != NULL;
        sf_diags_error(diags, dup ? SF_DIAG_DUPLICATE_STATE : SF_DIAG_INVALID_JSON, "",
                       "%s: %s at line %d, column %d%s", origin, jerr.text, jerr.line,
                       jerr.column,
                       dup ? " (a state name or a field appears twice in one object)" : "");
        return NULL;
    }
    return sf_definition_compile(doc, types, diags);
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
    free_rules(st);
    free(st->name);
    free(st->pointer);
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
        free(m->pointer);
        free(m);
    }
    free(def->machines);
    json_decref(def->json);
    free(def);
}
