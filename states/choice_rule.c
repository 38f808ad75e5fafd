/*
 * choice_rule.c — compile and evaluate one Choice rule tree.
 *
 * Compiling. A rule object is read field by field: each key is an operator,
 * a known companion field (Variable, Next, Assign, Comment) or an error.
 * Operators come from one table (name, kind of operand, relation); every
 * comparison except StringMatches and the Is* tests also has a "...Path"
 * variant whose operand is a reference path into the same input. A rule must
 * hold exactly one operator; comparisons need a Variable, boolean rules must
 * not have one. Literal operands are checked against their operator
 * (StringEquals a string, NumericEquals a number, Timestamp* a timestamp
 * that parses, Is* and BooleanEquals a boolean). Every problem becomes a
 * diagnostic at the pointer of the offending field and compiling goes on;
 * a rule with problems is kept as RULE_BROKEN so it can still be freed and
 * its Next still resolved, but it never evaluates to a match.
 *
 * Evaluating follows AWS Step Functions:
 *   - a value of the wrong type makes a comparison false, never an error
 *     (NumericEquals on "1" is false, TimestampEquals on a malformed
 *     timestamp string is false, BooleanEquals on 0 is false);
 *   - a Variable that matches nothing fails with States.Runtime, except
 *     for IsPresent, which exists to test exactly that; so does a ...Path
 *     operand that matches nothing;
 *   - numbers compare by value (1 == 1.0), exactly, even past 2^53;
 *   - strings compare as Java's String.compareTo does (UTF-16 code units):
 *     code point order, except that U+E000..U+FFFF sort after the
 *     supplementary characters;
 *   - timestamps compare as instants ("...T20:00:00+01:00" equals
 *     "...T19:00:00Z");
 *   - And and Or stop at the first rule that decides them, so
 *     {"And": [IsPresent $.x, StringEquals $.x]} never fails on a missing x.
 *
 * StringMatches: '*' matches any run of characters (possibly none), "\*" a
 * literal star and "\\" a literal backslash; nothing else is special. A
 * backslash before any other character stands for itself. Matching works on
 * UTF-8 bytes, which gives the same answer as matching characters because
 * no character's encoding can start inside another's. The pattern is kept
 * as its literal pieces between stars: the first must start the string, the
 * last end it, and each one between is found at its leftmost place after
 * the one before (leftmost is never worse, since a star takes any run), so
 * a match costs a linear search per piece and never backtracks: no pattern
 * ("*a*a*a*a*b" against a long run of a's) can make it slow.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem: glibc's is linear in the string and the piece */
#endif
#include "states/choice_rule.h"
#include "engine/json_util.h"
#include "engine/lang/jsonpath.h"
#include "engine/timestamp.h"
#include "engine/xalloc.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- The operator table ---- */

typedef enum operand_kind {
    OPERAND_STRING,    /* ordered comparison of strings */
    OPERAND_NUMBER,    /* ordered comparison of numbers */
    OPERAND_TIMESTAMP, /* ordered comparison of instants */
    OPERAND_BOOLEAN,   /* BooleanEquals */
    OPERAND_PATTERN,   /* StringMatches */
    OPERAND_TYPE_TEST, /* IsNull, IsNumeric, ...: operand is true or false */
    OPERAND_PRESENCE,  /* IsPresent: the only test of a missing value */
} operand_kind;

typedef enum relation {
    REL_EQUALS,
    REL_LESS,
    REL_GREATER,
    REL_LESS_EQUALS,
    REL_GREATER_EQUALS,
} relation;

typedef struct choice_operator {
    const char *name;
    operand_kind kind;
    relation rel;                           /* for the ordered kinds */
    bool (*type_test)(const json_t *value); /* for OPERAND_TYPE_TEST */
    bool has_path_variant;
} choice_operator;

static bool is_null(const json_t *v)
{
    return json_is_null(v);
}
static bool is_numeric(const json_t *v)
{
    return json_is_number(v);
}
static bool is_string(const json_t *v)
{
    return json_is_string(v);
}
static bool is_boolean(const json_t *v)
{
    return json_is_boolean(v);
}
static bool is_timestamp(const json_t *v)
{
    int64_t ns;
    return json_is_string(v) && sf_timestamp_parse(json_string_value(v), &ns);
}

static const choice_operator operators[] = {
    {"StringEquals", OPERAND_STRING, REL_EQUALS, NULL, true},
    {"StringLessThan", OPERAND_STRING, REL_LESS, NULL, true},
    {"StringGreaterThan", OPERAND_STRING, REL_GREATER, NULL, true},
    {"StringLessThanEquals", OPERAND_STRING, REL_LESS_EQUALS, NULL, true},
    {"StringGreaterThanEquals", OPERAND_STRING, REL_GREATER_EQUALS, NULL, true},
    {"StringMatches", OPERAND_PATTERN, REL_EQUALS, NULL, false},
    {"NumericEquals", OPERAND_NUMBER, REL_EQUALS, NULL, true},
    {"NumericLessThan", OPERAND_NUMBER, REL_LESS, NULL, true},
    {"NumericGreaterThan", OPERAND_NUMBER, REL_GREATER, NULL, true},
    {"NumericLessThanEquals", OPERAND_NUMBER, REL_LESS_EQUALS, NULL, true},
    {"NumericGreaterThanEquals", OPERAND_NUMBER, REL_GREATER_EQUALS, NULL, true},
    {"BooleanEquals", OPERAND_BOOLEAN, REL_EQUALS, NULL, true},
    {"TimestampEquals", OPERAND_TIMESTAMP, REL_EQUALS, NULL, true},
    {"TimestampLessThan", OPERAND_TIMESTAMP, REL_LESS, NULL, true},
    {"TimestampGreaterThan", OPERAND_TIMESTAMP, REL_GREATER, NULL, true},
    {"TimestampLessThanEquals", OPERAND_TIMESTAMP, REL_LESS_EQUALS, NULL, true},
    {"TimestampGreaterThanEquals", OPERAND_TIMESTAMP, REL_GREATER_EQUALS, NULL, true},
    {"IsNull", OPERAND_TYPE_TEST, REL_EQUALS, is_null, false},
    {"IsPresent", OPERAND_PRESENCE, REL_EQUALS, NULL, false},
    {"IsNumeric", OPERAND_TYPE_TEST, REL_EQUALS, is_numeric, false},
    {"IsString", OPERAND_TYPE_TEST, REL_EQUALS, is_string, false},
    {"IsBoolean", OPERAND_TYPE_TEST, REL_EQUALS, is_boolean, false},
    {"IsTimestamp", OPERAND_TYPE_TEST, REL_EQUALS, is_timestamp, false},
};

#define OPERATOR_COUNT (sizeof operators / sizeof operators[0])

/* The operator named by key, either its own name or its "...Path" form. */
static const choice_operator *find_operator(const char *key, bool *is_path)
{
    for (size_t i = 0; i < OPERATOR_COUNT; i++) {
        const choice_operator *op = &operators[i];
        size_t len = strlen(op->name);
        if (strncmp(key, op->name, len) != 0)
            continue;
        if (key[len] == '\0') {
            *is_path = false;
            return op;
        }
        if (op->has_path_variant && strcmp(key + len, "Path") == 0) {
            *is_path = true;
            return op;
        }
    }
    return NULL;
}

/* ---- Rules ---- */

typedef enum rule_kind { RULE_BROKEN, RULE_AND, RULE_OR, RULE_NOT, RULE_COMPARISON } rule_kind;

/* A StringMatches pattern, unescaped at compile time: its literal pieces
 * between stars, and whether a star begins or ends it (a piece is then not
 * anchored to the string's start or end). */
typedef struct pattern_piece {
    size_t start, len; /* in text */
} pattern_piece;

typedef struct string_pattern {
    char *text; /* the pieces, one after the other */
    pattern_piece *pieces;
    size_t piece_count;
    bool has_star, leading_star, trailing_star;
} string_pattern;

struct sf_choice_rule {
    rule_kind kind;
    char *pointer;
    char *next_name; /* top-level rules only */
    bool uses_context;

    sf_choice_rule **children; /* And, Or (any number), Not (one) */
    size_t child_count;

    const choice_operator *op; /* comparisons */
    sf_path *variable;
    sf_path *operand_path;  /* the ...Path variants */
    json_t *operand;        /* the literal operand (owned reference) */
    string_pattern pattern; /* StringMatches */
};

typedef struct rule_compiler {
    const char *state_name;
    sf_diags *diags;
} rule_compiler;

static sf_choice_rule *compile_rule(rule_compiler *rc, json_t *json, const char *pointer,
                                    bool top_level);

void sf_choice_rule_free(sf_choice_rule *rule)
{
    if (!rule)
        return;
    for (size_t i = 0; i < rule->child_count; i++)
        sf_choice_rule_free(rule->children[i]);
    free(rule->children);
    sf_path_free(rule->variable);
    sf_path_free(rule->operand_path);
    json_decref(rule->operand);
    free(rule->pattern.text);
    free(rule->pattern.pieces);
    free(rule->next_name);
    free(rule->pointer);
    free(rule);
}

const char *sf_choice_rule_next_name(const sf_choice_rule *rule)
{
    return rule->next_name;
}

const char *sf_choice_rule_pointer(const sf_choice_rule *rule)
{
    return rule->pointer;
}

bool sf_choice_rule_uses_context(const sf_choice_rule *rule)
{
    return rule->uses_context;
}

/* ---- Compiling: fields ---- */

static bool is_boolean_operator(const char *key)
{
    return strcmp(key, "And") == 0 || strcmp(key, "Or") == 0 || strcmp(key, "Not") == 0;
}

/* Check a key that is not an operator: a companion field allowed here, or
 * an error. */
static void check_companion_field(rule_compiler *rc, const char *key, json_t *value,
                                  const char *kptr, bool top_level)
{
    if (strcmp(key, "Variable") == 0)
        return;
    if (strcmp(key, "Comment") == 0) {
        if (!json_is_string(value))
            sf_diags_error(rc->diags, SF_DIAG_SCHEMA, kptr,
                           "State '%s': Comment in a Choice rule must be a string", rc->state_name);
        return;
    }
    if (strcmp(key, "Next") == 0 || strcmp(key, "Assign") == 0) {
        if (!top_level)
            sf_diags_error(rc->diags, SF_DIAG_SCHEMA, kptr,
                           "State '%s': %s is only allowed in a top-level Choice rule, not in "
                           "a nested one",
                           rc->state_name, key);
        return;
    }
    if (strcmp(key, "Condition") == 0) {
        sf_diags_error(rc->diags, SF_DIAG_UNSUPPORTED, kptr,
                       "State '%s': Condition belongs to JSONata Choice rules, which are not "
                       "supported; use Variable and a comparison operator",
                       rc->state_name);
        return;
    }
    sf_diags_error(rc->diags, SF_DIAG_UNKNOWN_FIELD, kptr,
                   "State '%s': field '%s' is not allowed in a Choice rule", rc->state_name, key);
}

/* Check every key of the rule and return its one operator key, or NULL
 * when it has none or several (a diagnostic was added). */
static const char *find_operator_key(rule_compiler *rc, json_t *json, const char *pointer,
                                     bool top_level)
{
    const char *found = NULL, *key;
    bool several = false, has_condition = false;
    bool is_path;
    json_t *value;
    json_object_foreach(json, key, value)
    {
        if (!is_boolean_operator(key) && !find_operator(key, &is_path)) {
            char *kptr = sf_pointer_join(pointer, key);
            check_companion_field(rc, key, value, kptr, top_level);
            has_condition |= strcmp(key, "Condition") == 0;
            free(kptr);
        } else if (found && !several) {
            sf_diags_error(rc->diags, SF_DIAG_SCHEMA, pointer,
                           "State '%s': a Choice rule must have exactly one operator, but this "
                           "one has both '%s' and '%s'",
                           rc->state_name, found, key);
            several = true;
        } else if (!found) {
            found = key;
        }
    }
    if (!found && !has_condition)
        sf_diags_error(rc->diags, SF_DIAG_MISSING_FIELD, pointer,
                       "State '%s': a Choice rule needs an operator: a comparison such as "
                       "StringEquals or IsPresent, or And, Or, Not",
                       rc->state_name);
    return several ? NULL : found;
}

static void compile_next(rule_compiler *rc, sf_choice_rule *r, json_t *json)
{
    json_t *next = json_object_get(json, "Next");
    if (!next) {
        sf_diags_error(rc->diags, SF_DIAG_MISSING_FIELD, r->pointer,
                       "State '%s': a top-level Choice rule needs Next, the name of the state "
                       "to go to when it matches",
                       rc->state_name);
    } else if (!json_is_string(next)) {
        char *nptr = sf_pointer_join(r->pointer, "Next");
        sf_diags_error(rc->diags, SF_DIAG_SCHEMA, nptr,
                       "State '%s': Next in a Choice rule must be a string naming a state, not "
                       "%s",
                       rc->state_name, sf_json_type_name(next));
        free(nptr);
    } else {
        r->next_name = sf_strdup(json_string_value(next));
    }
}

/* ---- Compiling: And, Or, Not ---- */

static void add_child(sf_choice_rule *r, sf_choice_rule *child)
{
    r->children = sf_realloc(r->children, (r->child_count + 1) * sizeof *r->children);
    r->children[r->child_count++] = child;
    r->uses_context |= child->uses_context;
}

static void compile_rule_list(rule_compiler *rc, sf_choice_rule *r, json_t *list, const char *key)
{
    char *lptr = sf_pointer_join(r->pointer, key);
    if (!json_is_array(list) || json_array_size(list) == 0) {
        sf_diags_error(rc->diags, SF_DIAG_SCHEMA, lptr,
                       "State '%s': %s must be a non-empty array of Choice rules, not %s%s",
                       rc->state_name, key, json_is_array(list) ? "an empty " : "",
                       sf_json_type_name(list));
    } else {
        size_t i;
        json_t *item;
        json_array_foreach(list, i, item)
        {
            char *iptr = sf_pointer_join_index(lptr, i);
            add_child(r, compile_rule(rc, item, iptr, false));
            free(iptr);
        }
    }
    free(lptr);
}

static void compile_boolean(rule_compiler *rc, sf_choice_rule *r, json_t *json, const char *key)
{
    json_t *operand = json_object_get(json, key);
    if (json_object_get(json, "Variable")) {
        char *vptr = sf_pointer_join(r->pointer, "Variable");
        sf_diags_error(rc->diags, SF_DIAG_SCHEMA, vptr,
                       "State '%s': Variable is not allowed in a Choice rule using %s",
                       rc->state_name, key);
        free(vptr);
    }
    if (strcmp(key, "Not") != 0) {
        r->kind = strcmp(key, "And") == 0 ? RULE_AND : RULE_OR;
        compile_rule_list(rc, r, operand, key);
        return;
    }
    r->kind = RULE_NOT;
    char *nptr = sf_pointer_join(r->pointer, "Not");
    if (!json_is_object(operand))
        sf_diags_error(rc->diags, SF_DIAG_SCHEMA, nptr,
                       "State '%s': Not must hold one Choice rule object, not %s", rc->state_name,
                       sf_json_type_name(operand));
    else
        add_child(r, compile_rule(rc, operand, nptr, false));
    free(nptr);
}

/* ---- Compiling: comparisons ---- */

static sf_path *compile_reference_path(rule_compiler *rc, json_t *value, const char *rule_pointer,
                                       const char *field)
{
    char *fptr = sf_pointer_join(rule_pointer, field);
    sf_path *path = NULL;
    char *why = NULL;
    if (!json_is_string(value)) {
        sf_diags_error(rc->diags, SF_DIAG_SCHEMA, fptr,
                       "State '%s': %s must be a string holding a reference path, not %s",
                       rc->state_name, field, sf_json_type_name(value));
    } else if (!(path = sf_path_compile(json_string_value(value), SF_PATH_REFERENCE, &why))) {
        sf_diags_error(rc->diags, SF_DIAG_INVALID_PATH, fptr,
                       "State '%s': %s holds an invalid reference path '%s': %s", rc->state_name,
                       field, json_string_value(value), why ? why : "syntax error");
    }
    free(why);
    free(fptr);
    return path;
}

/* End the piece that started at `start` (if it holds anything). */
static void end_piece(string_pattern *p, size_t start, size_t end)
{
    if (end == start)
        return;
    p->pieces = sf_realloc(p->pieces, (p->piece_count + 1) * sizeof *p->pieces);
    p->pieces[p->piece_count++] = (pattern_piece){start, end - start};
}

static void compile_pattern(sf_choice_rule *r, const char *text, size_t len)
{
    string_pattern *p = &r->pattern;
    p->text = sf_malloc(len + 1);
    size_t n = 0, start = 0;
    for (size_t i = 0; i < len; i++) {
        bool escape = text[i] == '\\' && i + 1 < len && (text[i + 1] == '*' || text[i + 1] == '\\');
        if (escape) {
            p->text[n++] = text[++i];
        } else if (text[i] == '*') {
            p->leading_star |= i == 0;
            p->trailing_star = i + 1 == len;
            p->has_star = true;
            end_piece(p, start, n);
            start = n;
        } else {
            p->text[n++] = text[i];
        }
    }
    end_piece(p, start, n);
}

/* What a literal operand must be, in words, or NULL when `value` fits. */
static const char *operand_problem(const choice_operator *op, const json_t *value)
{
    switch (op->kind) {
    case OPERAND_STRING:
    case OPERAND_PATTERN:
        return json_is_string(value) ? NULL : "a string";
    case OPERAND_NUMBER:
        return json_is_number(value) ? NULL : "a number";
    case OPERAND_TIMESTAMP:
        return json_is_string(value) ? NULL : "a string holding a timestamp";
    case OPERAND_BOOLEAN:
    case OPERAND_TYPE_TEST:
    case OPERAND_PRESENCE:
        return json_is_boolean(value) ? NULL : "a boolean (true or false)";
    }
    return "valid";
}

static void compile_literal_operand(rule_compiler *rc, sf_choice_rule *r, json_t *value,
                                    const char *key)
{
    char *optr = sf_pointer_join(r->pointer, key);
    const char *problem = operand_problem(r->op, value);
    int64_t ns;
    if (problem) {
        sf_diags_error(rc->diags, SF_DIAG_SCHEMA, optr, "State '%s': %s must be %s, not %s",
                       rc->state_name, key, problem, sf_json_type_name(value));
    } else if (r->op->kind == OPERAND_TIMESTAMP &&
               !sf_timestamp_parse(json_string_value(value), &ns)) {
        sf_diags_error(rc->diags, SF_DIAG_INVALID_VALUE, optr,
                       "State '%s': %s must be an ISO-8601 timestamp with an offset, such as "
                       "\"2016-03-14T01:59:00Z\", not \"%s\"",
                       rc->state_name, key, json_string_value(value));
    } else {
        r->operand = json_incref(value);
        if (r->op->kind == OPERAND_PATTERN)
            compile_pattern(r, json_string_value(value), json_string_length(value));
    }
    free(optr);
}

static void compile_comparison(rule_compiler *rc, sf_choice_rule *r, json_t *json, const char *key)
{
    bool is_path = false;
    r->kind = RULE_COMPARISON;
    r->op = find_operator(key, &is_path);
    json_t *variable = json_object_get(json, "Variable");
    if (!variable)
        sf_diags_error(rc->diags, SF_DIAG_MISSING_FIELD, r->pointer,
                       "State '%s': a Choice rule using %s needs Variable, the reference path "
                       "of the value to test",
                       rc->state_name, key);
    else
        r->variable = compile_reference_path(rc, variable, r->pointer, "Variable");
    json_t *operand = json_object_get(json, key);
    if (is_path)
        r->operand_path = compile_reference_path(rc, operand, r->pointer, key);
    else
        compile_literal_operand(rc, r, operand, key);
    r->uses_context = (r->variable && sf_path_is_context(r->variable)) ||
                      (r->operand_path && sf_path_is_context(r->operand_path));
}

static sf_choice_rule *compile_rule(rule_compiler *rc, json_t *json, const char *pointer,
                                    bool top_level)
{
    sf_choice_rule *r = SF_NEW(sf_choice_rule);
    r->pointer = sf_strdup(pointer);
    if (!json_is_object(json)) {
        sf_diags_error(rc->diags, SF_DIAG_SCHEMA, pointer,
                       "State '%s': a Choice rule must be an object, not %s", rc->state_name,
                       sf_json_type_name(json));
        return r;
    }
    size_t errors_before = rc->diags->errors;
    const char *key = find_operator_key(rc, json, pointer, top_level);
    if (top_level)
        compile_next(rc, r, json);
    if (key && is_boolean_operator(key))
        compile_boolean(rc, r, json, key);
    else if (key)
        compile_comparison(rc, r, json, key);
    if (rc->diags->errors != errors_before)
        r->kind = RULE_BROKEN;
    return r;
}

sf_choice_rule *sf_choice_rule_compile(json_t *json, const char *pointer, const char *state_name,
                                       bool top_level, sf_diags *diags)
{
    rule_compiler rc = {state_name, diags};
    return compile_rule(&rc, json, pointer, top_level);
}

/* ---- Evaluating: comparing values ---- */

static int sign_of(double d)
{
    return d < 0 ? -1 : d > 0;
}

/* Exact order of an integer and a real: no rounding of i to a double. */
static int compare_integer_real(json_int_t i, double d)
{
    if (d >= 9223372036854775808.0)
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    double whole = trunc(d);
    json_int_t w = (json_int_t)whole;
    if (i != w)
        return i < w ? -1 : 1;
    return -sign_of(d - whole);
}

static bool compare_numbers(const json_t *a, const json_t *b, int *order)
{
    if (!json_is_number(a) || !json_is_number(b))
        return false;
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        *order = x < y ? -1 : x > y;
    } else if (json_is_integer(a)) {
        *order = compare_integer_real(json_integer_value(a), json_real_value(b));
    } else if (json_is_integer(b)) {
        *order = -compare_integer_real(json_integer_value(b), json_real_value(a));
    } else {
        *order = sign_of(json_real_value(a) - json_real_value(b));
    }
    return true;
}

static uint32_t decode_utf8(const unsigned char *s)
{
    if (s[0] < 0x80)
        return s[0];
    if (s[0] < 0xE0)
        return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    if (s[0] < 0xF0)
        return (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
           (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

/* A sort key giving UTF-16 code unit order: characters U+E000..U+FFFF come
 * after the supplementary ones, whose first unit is a surrogate (D800..). */
static uint32_t utf16_order_key(uint32_t code_point)
{
    return code_point >= 0xE000 && code_point <= 0xFFFF ? code_point + 0x110000 : code_point;
}

static bool compare_strings(const json_t *a, const json_t *b, int *order)
{
    if (!json_is_string(a) || !json_is_string(b))
        return false;
    const unsigned char *x = (const unsigned char *)json_string_value(a);
    const unsigned char *y = (const unsigned char *)json_string_value(b);
    size_t xlen = json_string_length(a), ylen = json_string_length(b);
    size_t i = 0, common = xlen < ylen ? xlen : ylen;
    while (i < common && x[i] == y[i])
        i++;
    if (i == common) {
        *order = xlen < ylen ? -1 : xlen > ylen;
        return true;
    }
    /* Back up to the start of the character; the prefix is shared, so the
     * characters start at the same offset in both strings. */
    while (i > 0 && (x[i] & 0xC0) == 0x80)
        i--;
    uint32_t kx = utf16_order_key(decode_utf8(x + i)), ky = utf16_order_key(decode_utf8(y + i));
    *order = kx < ky ? -1 : kx > ky;
    return true;
}

static bool compare_timestamps(const json_t *a, const json_t *b, int *order)
{
    int64_t x, y;
    if (!json_is_string(a) || !json_is_string(b) || !sf_timestamp_parse(json_string_value(a), &x) ||
        !sf_timestamp_parse(json_string_value(b), &y))
        return false;
    *order = x < y ? -1 : x > y;
    return true;
}

static bool pattern_matches(const sf_choice_rule *r, const json_t *value)
{
    const string_pattern *p = &r->pattern;
    const char *s = json_string_value(value);
    size_t slen = json_string_length(value), pos = 0, first = 0, last = p->piece_count;
    const pattern_piece *piece = p->pieces;
    if (!p->has_star) /* no star: the whole string */
        return p->piece_count == 0
                   ? slen == 0
                   : slen == piece[0].len && memcmp(s, p->text + piece[0].start, slen) == 0;
    if (!p->leading_star) { /* the first piece starts the string */
        if (slen < piece[0].len || memcmp(s, p->text + piece[0].start, piece[0].len) != 0)
            return false;
        pos = piece[0].len;
        first = 1;
    }
    if (!p->trailing_star && last > first) /* the last piece ends it: checked below */
        last--;
    for (size_t i = first; i < last; i++) {
        const char *at = memmem(s + pos, slen - pos, p->text + piece[i].start, piece[i].len);
        if (!at)
            return false;
        pos = (size_t)(at - s) + piece[i].len;
    }
    if (p->trailing_star || last == p->piece_count)
        return true;
    const pattern_piece *end = &piece[p->piece_count - 1];
    return slen - pos >= end->len &&
           memcmp(s + slen - end->len, p->text + end->start, end->len) == 0;
}

static bool relation_holds(relation rel, int order)
{
    switch (rel) {
    case REL_EQUALS:
        return order == 0;
    case REL_LESS:
        return order < 0;
    case REL_GREATER:
        return order > 0;
    case REL_LESS_EQUALS:
        return order <= 0;
    case REL_GREATER_EQUALS:
        return order >= 0;
    }
    return false;
}

/* Whether value (what Variable selects) satisfies the operator against
 * operand (the literal or what the ...Path selects). Wrong types: false. */
static bool operator_holds(const sf_choice_rule *r, const json_t *value, const json_t *operand)
{
    int order = 0;
    bool comparable = false;
    switch (r->op->kind) {
    case OPERAND_TYPE_TEST:
        return r->op->type_test(value) == json_is_true(operand);
    case OPERAND_PRESENCE:
        return json_is_true(operand); /* value is present when we get here */
    case OPERAND_BOOLEAN:
        return json_is_boolean(value) && json_is_boolean(operand) &&
               json_is_true(value) == json_is_true(operand);
    case OPERAND_PATTERN:
        return json_is_string(value) && pattern_matches(r, value);
    case OPERAND_STRING:
        comparable = compare_strings(value, operand, &order);
        break;
    case OPERAND_NUMBER:
        comparable = compare_numbers(value, operand, &order);
        break;
    case OPERAND_TIMESTAMP:
        comparable = compare_timestamps(value, operand, &order);
        break;
    }
    return comparable && relation_holds(r->op->rel, order);
}

/* ---- Evaluating: rules ---- */

static sf_choice_result invalid_path(const sf_path *path, sf_error *err)
{
    if (!sf_path_is_definite(path)) {
        sf_error_set(err, SF_ERR_RUNTIME, "Invalid path '%s': " SF_PATH_VISITS_MESSAGE,
                     sf_path_text(path));
        return SF_CHOICE_ERROR;
    }
    sf_error_set(err, SF_ERR_RUNTIME,
                 "Invalid path '%s': The choice state's condition path references an invalid "
                 "value.",
                 sf_path_text(path));
    return SF_CHOICE_ERROR;
}

static sf_choice_result eval_comparison(const sf_choice_rule *r, const sf_eval_env *env,
                                        sf_error *err)
{
    json_t *value = sf_path_eval(r->variable, env);
    if (r->op->kind == OPERAND_PRESENCE) {
        bool present = value != NULL;
        json_decref(value);
        return present == json_is_true(r->operand) ? SF_CHOICE_MATCH : SF_CHOICE_NO_MATCH;
    }
    if (!value)
        return invalid_path(r->variable, err);
    json_t *operand =
        r->operand_path ? sf_path_eval(r->operand_path, env) : json_incref(r->operand);
    if (!operand) {
        json_decref(value);
        return invalid_path(r->operand_path, err);
    }
    bool holds = operator_holds(r, value, operand);
    json_decref(value);
    json_decref(operand);
    return holds ? SF_CHOICE_MATCH : SF_CHOICE_NO_MATCH;
}

/* And: the first child that does not match decides; Or: the first that
 * does not fail to match. Errors always decide. */
static sf_choice_result eval_children(const sf_choice_rule *r, const sf_eval_env *env,
                                      sf_error *err, sf_choice_result deciding)
{
    for (size_t i = 0; i < r->child_count; i++) {
        sf_choice_result res = sf_choice_rule_eval(r->children[i], env, err);
        if (res == SF_CHOICE_ERROR || res == deciding)
            return res;
    }
    return deciding == SF_CHOICE_MATCH ? SF_CHOICE_NO_MATCH : SF_CHOICE_MATCH;
}

/* Not: a match becomes no match and back; an error stays an error. */
static sf_choice_result invert(sf_choice_result result)
{
    if (result == SF_CHOICE_ERROR)
        return result;
    return result == SF_CHOICE_MATCH ? SF_CHOICE_NO_MATCH : SF_CHOICE_MATCH;
}

sf_choice_result sf_choice_rule_eval(const sf_choice_rule *rule, const sf_eval_env *env,
                                     sf_error *err)
{
    switch (rule->kind) {
    case RULE_AND:
        return eval_children(rule, env, err, SF_CHOICE_NO_MATCH);
    case RULE_OR:
        return eval_children(rule, env, err, SF_CHOICE_MATCH);
    case RULE_NOT:
        return invert(sf_choice_rule_eval(rule->children[0], env, err));
    case RULE_COMPARISON:
        return eval_comparison(rule, env, err);
    case RULE_BROKEN:
        break;
    }
    sf_error_set(err, SF_ERR_RUNTIME, "The Choice rule at %s has errors and cannot be evaluated",
                 rule->pointer);
    return SF_CHOICE_ERROR;
}
