/*
 * graph_labels.c — readable forms of definition elements (graph_labels.h).
 *
 * A Choice rule is printed the way a person would write the condition:
 * comparison operators as symbols, Path operands as paths, literal values as
 * JSON (so a string shows its quotes), And/Or as words with parentheses only
 * where a nested combination needs them. The definition may be invalid (the
 * graph of a broken definition is still drawn), so every field is checked
 * and anything unexpected prints as "?" instead of failing.
 */
#include "tools/graph/graph_labels.h"
#include "engine/json_alloc.h"
#include "engine/state_type.h"
#include "engine/xalloc.h"
#include "tools/graph/graph_text.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *suffix; /* after String/Numeric/Boolean/Timestamp */
    const char *symbol;
} comparisons[] = {
    {"Equals", "=="},         {"LessThan", "<"},           {"GreaterThan", ">"},
    {"LessThanEquals", "<="}, {"GreaterThanEquals", ">="}, {"Matches", "matches"},
};

static const struct {
    const char *op;
    const char *when_true, *when_false;
} type_tests[] = {
    {"IsNull", "is null", "is not null"},
    {"IsPresent", "is present", "is absent"},
    {"IsNumeric", "is numeric", "is not numeric"},
    {"IsString", "is a string", "is not a string"},
    {"IsBoolean", "is a boolean", "is not a boolean"},
    {"IsTimestamp", "is a timestamp", "is not a timestamp"},
};

static const char *const value_kinds[] = {"String", "Numeric", "Boolean", "Timestamp"};

/* "StringLessThanEquals" -> "<=", "NumericEqualsPath" -> "==" (*is_path). */
static const char *comparison_symbol(const char *op, bool *is_path)
{
    for (size_t k = 0; k < sizeof value_kinds / sizeof value_kinds[0]; k++) {
        size_t n = strlen(value_kinds[k]);
        if (strncmp(op, value_kinds[k], n) != 0)
            continue;
        const char *rest = op + n;
        size_t len = strlen(rest);
        *is_path = len > 4 && strcmp(rest + len - 4, "Path") == 0;
        if (*is_path)
            len -= 4;
        for (size_t i = 0; i < sizeof comparisons / sizeof comparisons[0]; i++)
            if (strlen(comparisons[i].suffix) == len &&
                strncmp(rest, comparisons[i].suffix, len) == 0)
                return comparisons[i].symbol;
    }
    return NULL;
}

static void append_json_value(graph_text *t, const json_t *v)
{
    /* 15 significant digits: 0.8 prints as 0.8, not 0.80000000000000004. */
    char *s = sf_json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
    graph_text_append(t, s ? s : "?");
    free(s);
}

/* The one operator field of a comparison rule, or NULL. */
static const char *find_operator(const json_t *rule, const json_t **value)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)rule, key, v)
    {
        if (strcmp(key, "Variable") == 0 || strcmp(key, "Next") == 0 ||
            strcmp(key, "Assign") == 0 || strcmp(key, "Comment") == 0)
            continue;
        *value = v;
        return key;
    }
    return NULL;
}

static void append_comparison(graph_text *t, const json_t *rule)
{
    const char *variable = json_string_value(json_object_get(rule, "Variable"));
    const json_t *value = NULL;
    const char *op = find_operator(rule, &value);
    graph_text_append(t, variable ? variable : "?");
    if (!op) {
        graph_text_append(t, " ?");
        return;
    }
    for (size_t i = 0; i < sizeof type_tests / sizeof type_tests[0]; i++)
        if (strcmp(op, type_tests[i].op) == 0) {
            graph_text_printf(t, " %s",
                              json_is_false(value) ? type_tests[i].when_false
                                                   : type_tests[i].when_true);
            return;
        }
    bool is_path = false;
    const char *symbol = comparison_symbol(op, &is_path);
    graph_text_printf(t, " %s ", symbol ? symbol : op);
    if (is_path && json_is_string(value))
        graph_text_append(t, json_string_value(value));
    else
        append_json_value(t, value);
}

static void append_rule(graph_text *t, const json_t *rule, bool nested);

/* And/Or: the operands joined by the word; nested combinations get
 * parentheses so `a and (b or c)` keeps its meaning. */
static void append_combination(graph_text *t, const json_t *operands, const char *word)
{
    if (!json_is_array(operands) || json_array_size(operands) == 0) {
        graph_text_append(t, "?");
        return;
    }
    size_t i;
    const json_t *operand;
    json_array_foreach(operands, i, operand)
    {
        if (i > 0)
            graph_text_printf(t, " %s ", word);
        append_rule(t, operand, true);
    }
}

static bool is_combination(const json_t *rule)
{
    return json_object_get(rule, "And") || json_object_get(rule, "Or");
}

/* A JSONata condition "{% $x > 1 %}" as "$x > 1". */
static void append_condition(graph_text *t, const char *condition)
{
    size_t len = strlen(condition);
    if (len >= 4 && strncmp(condition, "{%", 2) == 0 && strcmp(condition + len - 2, "%}") == 0) {
        condition += 2, len -= 4;
        while (len > 0 && *condition == ' ')
            condition++, len--;
        while (len > 0 && condition[len - 1] == ' ')
            len--;
    }
    graph_text_append_n(t, condition, len);
}

static void append_rule(graph_text *t, const json_t *rule, bool nested)
{
    if (!json_is_object(rule)) {
        graph_text_append(t, "?");
        return;
    }
    const json_t *and_ = json_object_get(rule, "And"), *or_ = json_object_get(rule, "Or");
    const json_t *not_ = json_object_get(rule, "Not");
    const char *condition = json_string_value(json_object_get(rule, "Condition"));
    bool parens = nested && is_combination(rule);
    if (parens)
        graph_text_append(t, "(");
    if (and_)
        append_combination(t, and_, "and");
    else if (or_)
        append_combination(t, or_, "or");
    else if (not_) {
        graph_text_append(t, "not (");
        append_rule(t, not_, false);
        graph_text_append(t, ")");
    } else if (condition)
        append_condition(t, condition);
    else
        append_comparison(t, rule);
    if (parens)
        graph_text_append(t, ")");
}

char *graph_label_choice_rule(const json_t *rule)
{
    graph_text t;
    graph_text_init(&t);
    append_rule(&t, rule, false);
    return graph_text_steal(&t);
}

/* ---- State details ---- */

static const char *string_field(const sf_state *st, const char *field)
{
    return json_string_value(json_object_get(st->json, field));
}

/* The last ':'-separated part of a Lambda ARN, the function name. */
static const char *function_name(const char *arn)
{
    const char *marker = strstr(arn, ":function:");
    if (!marker)
        return arn;
    return marker + strlen(":function:"); /* with its version or alias, if any */
}

static char *task_detail(const sf_state *st)
{
    const char *resource = string_field(st, "Resource");
    if (!resource)
        return NULL;
    json_t *params = json_object_get(st->json, "Parameters");
    const char *service = "arn:aws:states:::";
    if (strcmp(resource, "arn:aws:states:::lambda:invoke") == 0) {
        const char *fn = json_string_value(json_object_get(params, "FunctionName"));
        return fn ? sf_asprintf("lambda %s", function_name(fn)) : sf_strdup("lambda:invoke");
    }
    if (strcmp(resource, "arn:aws:states:::http:invoke") == 0) {
        const char *method = json_string_value(json_object_get(params, "Method"));
        const char *url = json_string_value(json_object_get(params, "ApiEndpoint"));
        return sf_asprintf("http %s %s", method ? method : "", url ? url : "");
    }
    if (strncmp(resource, "arn:aws:lambda:", 15) == 0)
        return sf_asprintf("lambda %s", function_name(resource));
    if (strncmp(resource, service, strlen(service)) == 0)
        return sf_strdup(resource + strlen(service));
    return sf_strdup(resource);
}

static char *wait_detail(const sf_state *st)
{
    json_t *seconds = json_object_get(st->json, "Seconds");
    const char *text;
    if (json_is_integer(seconds))
        return sf_asprintf("%lld s", (long long)json_integer_value(seconds));
    if ((text = string_field(st, "SecondsPath")))
        return sf_asprintf("for %s s", text);
    if ((text = string_field(st, "Timestamp")))
        return sf_asprintf("until %s", text);
    if ((text = string_field(st, "TimestampPath")))
        return sf_asprintf("until %s", text);
    return NULL;
}

static char *map_detail(const sf_state *st)
{
    const char *items = string_field(st, "ItemsPath");
    json_t *limit = json_object_get(st->json, "MaxConcurrency");
    const char *limit_path = string_field(st, "MaxConcurrencyPath");
    graph_text t;
    graph_text_init(&t);
    graph_text_printf(&t, "items %s", items ? items : "$");
    if (json_is_integer(limit) && json_integer_value(limit) > 0)
        graph_text_printf(&t, ", %lld at a time", (long long)json_integer_value(limit));
    else if (limit_path)
        graph_text_printf(&t, ", %s at a time", limit_path);
    return graph_text_steal(&t);
}

char *graph_label_state_detail(const sf_state *st)
{
    const char *type = st->type ? st->type->name : "";
    const char *text;
    if (strcmp(type, "Task") == 0)
        return task_detail(st);
    if (strcmp(type, "Wait") == 0)
        return wait_detail(st);
    if (strcmp(type, "Map") == 0)
        return map_detail(st);
    if (strcmp(type, "Fail") == 0) {
        if ((text = string_field(st, "Error")))
            return sf_strdup(text);
        if ((text = string_field(st, "ErrorPath")))
            return sf_asprintf("error from %s", text);
    }
    return NULL;
}

static void append_error_list(graph_text *t, char **errors, size_t count)
{
    for (size_t i = 0; i < count; i++)
        graph_text_printf(t, "%s%s", i ? ", " : "", errors[i]);
}

char *graph_label_retry(const sf_state *st)
{
    if (st->retrier_count == 0)
        return NULL;
    graph_text t;
    graph_text_init(&t);
    for (size_t i = 0; i < st->retrier_count; i++) {
        const sf_retrier *r = &st->retriers[i];
        graph_text_append(&t, i ? "\nretry " : "retry ");
        append_error_list(&t, r->errors, r->error_count);
        graph_text_printf(&t, " \xC3\x97%d", r->max_attempts); /* × */
    }
    return graph_text_steal(&t);
}

char *graph_label_catch(const sf_catcher *k)
{
    graph_text t;
    graph_text_init(&t);
    append_error_list(&t, k->errors, k->error_count);
    return graph_text_steal(&t);
}
