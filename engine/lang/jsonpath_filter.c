/*
 * jsonpath_filter.c — does a node pass a filter such as
 * [?(@.price < 10 && @.category == 'fiction' || @.isbn)]?
 *
 * Operands are literals or paths; a path starting with '@' is evaluated
 * from the node under test, one starting with '$' from the document the
 * whole path is evaluated against. A path that matches nothing is
 * "undefined": equal to nothing, not ordered against anything, so
 * `@.a != 1` holds when a is missing (as in Jayway).
 *
 * Comparisons follow Jayway's value nodes:
 *   - ==, != : numbers compare by value (1 == 1.0); a number and a string
 *     are equal when the string parses as that number ('1' == 1); other
 *     values are equal when they are the same JSON (deep for objects and
 *     arrays); different types are never equal;
 *   - <, <=, >, >= : numbers by value, strings by code point order; any
 *     other pair is false;
 *   - @.x alone tests existence, not truth: [?(@.flag)] keeps flag=false.
 * Nothing here can fail at run time: a filter is true or false.
 */
#include "engine/lang/jsonpath_internal.h"

#include <stdlib.h>
#include <string.h>

static json_t *operand_value(const jp_operand *o, json_t *node, json_t *doc, jp_budget *budget)
{
    if (o->literal)
        return json_incref(o->literal);
    return jp_select(o->path, o->path->root == JP_ROOT_CURRENT ? node : doc, doc, budget);
}

/* -1, 0 or 1 comparing two numbers, exactly when both are integers. */
static int compare_numbers(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return (x > y) - (x < y);
    }
    double x = json_number_value(a), y = json_number_value(b);
    return (x > y) - (x < y);
}

static int compare_strings(const json_t *a, const json_t *b)
{
    size_t la = json_string_length(a), lb = json_string_length(b);
    int c = memcmp(json_string_value(a), json_string_value(b), la < lb ? la : lb);
    if (c != 0)
        return c < 0 ? -1 : 1;
    return (la > lb) - (la < lb);
}

/* '1' == 1: the whole string must be a number. */
static bool string_equals_number(const json_t *s, const json_t *n)
{
    const char *text = json_string_value(s);
    size_t len = json_string_length(s);
    /* Plain decimal notation only: strtod would also take " 1", "0x1", "inf". */
    if (len == 0 || strspn(text, "0123456789.eE+-") != len || !strchr("-0123456789", text[0]))
        return false;
    char *end;
    double d = strtod(text, &end);
    if (*end != '\0')
        return false;
    json_t *as_number = json_real(d);
    bool equal = as_number && compare_numbers(as_number, n) == 0;
    json_decref(as_number);
    return equal;
}

static bool values_equal(const json_t *a, const json_t *b)
{
    if (!a || !b)
        return false;
    if (json_is_number(a) && json_is_number(b))
        return compare_numbers(a, b) == 0;
    if (json_is_string(a) && json_is_number(b))
        return string_equals_number(a, b);
    if (json_is_number(a) && json_is_string(b))
        return string_equals_number(b, a);
    return json_equal(a, b);
}

/* Sets *ordered to false when a and b cannot be ordered. */
static int order(const json_t *a, const json_t *b, bool *ordered)
{
    *ordered = true;
    if (json_is_number(a) && json_is_number(b))
        return compare_numbers(a, b);
    if (json_is_string(a) && json_is_string(b))
        return compare_strings(a, b);
    *ordered = false;
    return 0;
}

static bool compare(jp_compare_op op, const json_t *a, const json_t *b)
{
    if (op == JP_EQ)
        return values_equal(a, b);
    if (op == JP_NE)
        return !values_equal(a, b);
    if (!a || !b)
        return false;
    bool ordered;
    int c = order(a, b, &ordered);
    if (!ordered)
        return false;
    switch (op) {
    case JP_LT:
        return c < 0;
    case JP_LE:
        return c <= 0;
    case JP_GT:
        return c > 0;
    case JP_GE:
        return c >= 0;
    default:
        return false;
    }
}

static bool exists(const jp_operand *o, json_t *node, json_t *doc, jp_budget *budget)
{
    json_t *v = operand_value(o, node, doc, budget);
    bool found = v && (o->path->definite || json_array_size(v) > 0);
    json_decref(v);
    return found;
}

bool jp_filter_accept(const jp_filter *f, json_t *node, json_t *doc, jp_budget *budget)
{
    switch (f->kind) {
    case JP_FILTER_OR:
        return jp_filter_accept(f->left, node, doc, budget) ||
               jp_filter_accept(f->right, node, doc, budget);
    case JP_FILTER_AND:
        return jp_filter_accept(f->left, node, doc, budget) &&
               jp_filter_accept(f->right, node, doc, budget);
    case JP_FILTER_NOT:
        return !jp_filter_accept(f->left, node, doc, budget);
    case JP_FILTER_EXISTS:
        return exists(&f->a, node, doc, budget);
    case JP_FILTER_COMPARE: {
        json_t *a = operand_value(&f->a, node, doc, budget);
        json_t *b = operand_value(&f->b, node, doc, budget);
        bool result = compare(f->op, a, b);
        json_decref(a);
        json_decref(b);
        return result;
    }
    }
    return false;
}
