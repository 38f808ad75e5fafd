/*
 * test_choice_rule.c — what a Choice rule accepts at compile time and what it
 * answers at run time, operator by operator.
 *
 * Rules and inputs are written as JSON with single quotes for readability
 * (json_from turns them into double quotes). The recorded table at the end
 * holds every JSONPath Choice case of shared/conformance: the result real
 * AWS Step Functions gave for that rule and input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "states/choice_rule.h"

#define STATE_NAME   "Check"
#define RULE_POINTER "/States/Check/Choices/0"

/* ---- Helpers ---- */

static json_t *json_from(const char *text)
{
    char *copy = strdup(text);
    for (char *p = copy; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_error_t error;
    json_t *json = json_loads(copy, JSON_DECODE_ANY, &error);
    if (!json)
        fail_msg("bad test JSON %s: %s", copy, error.text);
    free(copy);
    return json;
}

static sf_choice_rule *compile_with(const char *text, bool top_level, sf_diags *diags)
{
    json_t *json = json_from(text);
    sf_choice_rule *rule = sf_choice_rule_compile(json, RULE_POINTER, STATE_NAME, top_level, diags);
    json_decref(json);
    return rule;
}

static sf_choice_rule *compile_clean(const char *text, bool top_level)
{
    sf_diags diags = SF_DIAGS_INIT;
    sf_choice_rule *rule = compile_with(text, top_level, &diags);
    if (diags.count)
        fail_msg("unexpected diagnostic at %s: %s", diags.items[0].pointer, diags.items[0].message);
    sf_diags_free(&diags);
    return rule;
}

static sf_choice_result eval_rule(const sf_choice_rule *rule, const char *input_text,
                                  json_t *context, sf_error *err)
{
    json_t *input = json_from(input_text);
    sf_eval_env env = {.input = input, .context = context};
    sf_choice_result result = sf_choice_rule_eval(rule, &env, err);
    json_decref(input);
    return result;
}

/* Compile a nested rule (no Next) and evaluate it on input. */
static bool matches(const char *rule_text, const char *input_text)
{
    sf_choice_rule *rule = compile_clean(rule_text, false);
    sf_error err = SF_ERROR_INIT;
    sf_choice_result result = eval_rule(rule, input_text, NULL, &err);
    if (result == SF_CHOICE_ERROR)
        fail_msg("%s on %s: unexpected %s: %s", rule_text, input_text, err.name, err.cause);
    sf_choice_rule_free(rule);
    return result == SF_CHOICE_MATCH;
}

#define assert_matches(rule, input)  assert_true(matches((rule), (input)))
#define assert_no_match(rule, input) assert_false(matches((rule), (input)))

static void assert_runtime_error(const char *rule_text, const char *input_text, const char *cause)
{
    sf_choice_rule *rule = compile_clean(rule_text, false);
    sf_error err = SF_ERROR_INIT;
    assert_int_equal(eval_rule(rule, input_text, NULL, &err), SF_CHOICE_ERROR);
    assert_string_equal(err.name, "States.Runtime");
    assert_string_equal(err.cause, cause);
    sf_error_clear(&err);
    sf_choice_rule_free(rule);
}

/* Compile and expect exactly one diagnostic. A message ending in "..."
 * is compared up to the dots (for text that comes from the path parser). */
static void assert_only_diag(const char *rule_text, bool top_level, const char *code,
                             const char *pointer, const char *message)
{
    sf_diags diags = SF_DIAGS_INIT;
    sf_choice_rule *rule = compile_with(rule_text, top_level, &diags);
    if (diags.count != 1)
        fail_msg("%s: expected 1 diagnostic, got %zu%s%s", rule_text, diags.count,
                 diags.count ? ", first: " : "", diags.count ? diags.items[0].message : "");
    assert_string_equal(diags.items[0].code, code);
    assert_string_equal(diags.items[0].pointer, pointer);
    size_t len = strlen(message);
    if (len > 3 && strcmp(message + len - 3, "...") == 0)
        assert_memory_equal(diags.items[0].message, message, len - 3);
    else
        assert_string_equal(diags.items[0].message, message);
    assert_int_equal(diags.errors, 1);
    /* A rule with errors never matches; it reports why instead. */
    sf_error err = SF_ERROR_INIT;
    assert_int_equal(eval_rule(rule, "{}", NULL, &err), SF_CHOICE_ERROR);
    sf_error_clear(&err);
    sf_choice_rule_free(rule);
    sf_diags_free(&diags);
}

/* ---- String comparisons ---- */

static void string_equals_matches_only_the_same_string(void **state)
{
    (void)state;
    assert_matches("{'Variable':'$.v','StringEquals':'HelloWorld'}", "{'v':'HelloWorld'}");
    assert_no_match("{'Variable':'$.v','StringEquals':'HelloWorld'}", "{'v':'helloworld'}");
    assert_no_match("{'Variable':'$.v','StringEquals':'     '}", "{'v':' '}");
    assert_no_match("{'Variable':'$.v','StringEquals':'\\t\\r\\n'}", "{'v':'\\t\\n'}");
}

static void string_less_than_orders_a_prefix_first(void **state)
{
    (void)state;
    assert_matches("{'Variable':'$.v','StringLessThan':'AB'}", "{'v':'A'}");
    assert_no_match("{'Variable':'$.v','StringLessThan':'A'}", "{'v':'AB'}");
    assert_no_match("{'Variable':'$.v','StringLessThan':'A'}", "{'v':'A'}");
    assert_matches("{'Variable':'$.v','StringLessThan':'a'}", "{'v':'B'}");
}

static void string_greater_than_is_strict(void **state)
{
    (void)state;
    assert_matches("{'Variable':'$.v','StringGreaterThan':'abc'}", "{'v':'abd'}");
    assert_no_match("{'Variable':'$.v','StringGreaterThan':'A\\t\\n\\r'}", "{'v':'A'}");
    assert_no_match("{'Variable':'$.v','StringGreaterThan':''}", "{'v':''}");
}

static void string_less_than_equals_includes_equality(void **state)
{
    (void)state;
    assert_matches("{'Variable':'$.v','StringLessThanEquals':''}", "{'v':''}");
    assert_matches("{'Variable':'$.v','StringLessThanEquals':'b'}", "{'v':'a'}");
    assert_no_match("{'Variable':'$.v','StringLessThanEquals':'a'}", "{'v':'b'}");
}

static void string_greater_than_equals_includes_equality(void **state)
{
    (void)state;
    assert_matches("{'Variable':'$.v','StringGreaterThanEquals':''}", "{'v':''}");
    assert_matches("{'Variable':'$.v','StringGreaterThanEquals':'a'}", "{'v':'b'}");
    assert_no_match("{'Variable':'$.v','StringGreaterThanEquals':'b'}", "{'v':'a'}");
}

static void strings_compare_in_utf16_code_unit_order(void **state)
{
    (void)state;
    /* U+00E9 < U+1F600 either way; U+FFFF sorts after U+1F600 in UTF-16 order
     * (its single unit FFFF exceeds the surrogate D83D), as Java compares. */
    assert_matches("{'Variable':'$.v','StringLessThan':'\xF0\x9F\x98\x80'}", "{'v':'\xC3\xA9'}");
    assert_matches("{'Variable':'$.v','StringGreaterThan':'\xF0\x9F\x98\x80'}",
                   "{'v':'\xEF\xBF\xBF'}");
    assert_matches("{'Variable':'$.v','StringLessThan':'\xF0\x9F\x98\x81'}",
                   "{'v':'\xF0\x9F\x98\x80'}");
    assert_matches("{'Variable':'$.v','StringLessThan':'a\xEF\xBF\xBF'}", "{'v':'a\xED\x9F\xBF'}");
}

static void string_comparison_of_a_non_string_is_false(void **state)
{
    (void)state;
    const char *values[] = {"0", "1.5", "true", "null", "[]", "['a']", "{}", "{'A':0}"};
    char input[64];
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        snprintf(input, sizeof input, "{'v':%s}", values[i]);
        assert_no_match("{'Variable':'$.v','StringEquals':'a'}", input);
        assert_no_match("{'Variable':'$.v','StringLessThan':'zzz'}", input);
        assert_no_match("{'Variable':'$.v','StringGreaterThanEquals':''}", input);
    }
}

/* ---- StringMatches ---- */

static void string_matches_star_matches_any_run_of_characters(void **state)
{
    (void)state;
    const char *rule = "{'Variable':'$.v','StringMatches':'log-*.txt'}";
    assert_matches(rule, "{'v':'log-2020-01.txt'}");
    assert_matches(rule, "{'v':'log-.txt'}");
    assert_no_match(rule, "{'v':'log-2020.csv'}");
    assert_no_match(rule, "{'v':'xlog-1.txt'}");
}

static void string_matches_with_several_stars(void **state)
{
    (void)state;
    const char *rule = "{'Variable':'$.v','StringMatches':'*a*b*'}";
    assert_matches(rule, "{'v':'xxaYYbZZ'}");
    assert_matches(rule, "{'v':'ab'}");
    assert_matches(rule, "{'v':'aab'}");
    assert_no_match(rule, "{'v':'ba'}");
    assert_matches("{'Variable':'$.v','StringMatches':'**'}", "{'v':''}");
    assert_matches("{'Variable':'$.v','StringMatches':'a*c*e'}", "{'v':'abcdcde'}");
    assert_no_match("{'Variable':'$.v','StringMatches':'a*c*e'}", "{'v':'abcdcdef'}");
}

static void string_matches_escaped_star_is_literal(void **state)
{
    (void)state;
    /* JSON "a\\*b" is the pattern a\*b */
    const char *rule = "{'Variable':'$.v','StringMatches':'a\\\\*b'}";
    assert_matches(rule, "{'v':'a*b'}");
    assert_no_match(rule, "{'v':'axb'}");
    assert_no_match(rule, "{'v':'ab'}");
}

static void string_matches_escaped_backslash_is_literal(void **state)
{
    (void)state;
    /* JSON "a\\\\*" is the pattern a\\* : a backslash, then a wildcard */
    const char *rule = "{'Variable':'$.v','StringMatches':'a\\\\\\\\*'}";
    assert_matches(rule, "{'v':'a\\\\'}");
    assert_matches(rule, "{'v':'a\\\\xyz'}");
    assert_no_match(rule, "{'v':'axyz'}");
}

static void string_matches_backslash_before_other_characters_stands_for_itself(void **state)
{
    (void)state;
    assert_matches("{'Variable':'$.v','StringMatches':'C:\\\\temp'}", "{'v':'C:\\\\temp'}");
    assert_matches("{'Variable':'$.v','StringMatches':'end\\\\'}", "{'v':'end\\\\'}");
}

static void string_matches_without_star_needs_the_whole_string(void **state)
{
    (void)state;
    assert_matches("{'Variable':'$.v','StringMatches':'abc'}", "{'v':'abc'}");
    assert_no_match("{'Variable':'$.v','StringMatches':'abc'}", "{'v':'abcd'}");
    assert_matches("{'Variable':'$.v','StringMatches':''}", "{'v':''}");
    assert_no_match("{'Variable':'$.v','StringMatches':''}", "{'v':'a'}");
    assert_no_match("{'Variable':'$.v','StringMatches':'a?c'}", "{'v':'abc'}");
}

static void string_matches_pieces_anchor_at_both_ends(void **state)
{
    (void)state;
    assert_no_match("{'Variable':'$.v','StringMatches':'a*a'}", "{'v':'a'}");
    assert_matches("{'Variable':'$.v','StringMatches':'a*a'}", "{'v':'aa'}");
    assert_no_match("{'Variable':'$.v','StringMatches':'ab*ba'}", "{'v':'aba'}");
    assert_matches("{'Variable':'$.v','StringMatches':'ab*ba'}", "{'v':'abba'}");
    assert_matches("{'Variable':'$.v','StringMatches':'*ab*ab'}", "{'v':'xabyabab'}");
    assert_no_match("{'Variable':'$.v','StringMatches':'*ab*ab*c'}", "{'v':'abab'}");
}

/* A hostile pattern against a long string: a backtracking matcher takes
 * time growing with the product of their lengths (or worse); this one
 * searches each piece once, left to right. */
static void string_matches_is_linear_on_hostile_patterns(void **state)
{
    (void)state;
    enum { N = 200000 };
    char *input = malloc(N + 16), *rule = malloc(2 * N + 64);
    memcpy(input, "{'v':'", 6);
    memset(input + 6, 'a', N);
    strcpy(input + 6 + N, "'}");
    sprintf(rule, "{'Variable':'$.v','StringMatches':'*a*a*a*a*a*a*a*a*a*a*b'}");
    assert_no_match(rule, input);
    /* One long piece that almost matches everywhere. */
    char *w = rule + sprintf(rule, "{'Variable':'$.v','StringMatches':'*");
    memset(w, 'a', N / 2);
    strcpy(w + N / 2, "b'}");
    assert_no_match(rule, input);
    free(input);
    free(rule);
}

static void string_matches_multibyte_characters(void **state)
{
    (void)state;
    assert_matches("{'Variable':'$.v','StringMatches':'\xE6\x97\xA5*'}",
                   "{'v':'\xE6\x97\xA5\xE6\x9C\xAC'}");
    assert_matches("{'Variable':'$.v','StringMatches':'*\xF0\x9F\x98\x80'}",
                   "{'v':'a\xF0\x9F\x98\x80'}");
}

static void string_matches_on_a_non_string_is_false(void **state)
{
    (void)state;
    assert_no_match("{'Variable':'$.v','StringMatches':'*'}", "{'v':1}");
    assert_no_match("{'Variable':'$.v','StringMatches':'*'}", "{'v':null}");
    assert_no_match("{'Variable':'$.v','StringMatches':'*'}", "{'v':['a']}");
}

/* ---- Numeric comparisons ---- */

static void numeric_equals_compares_by_value(void **state)
{
    (void)state;
    assert_matches("{'Variable':'$.v','NumericEquals':1.0}", "{'v':1}");
    assert_matches("{'Variable':'$.v','NumericEquals':1}", "{'v':1.0}");
    assert_matches("{'Variable':'$.v','NumericEquals':0}", "{'v':0.0}");
    assert_matches("{'Variable':'$.v','NumericEquals':-2.5}", "{'v':-2.5}");
    assert_no_match("{'Variable':'$.v','NumericEquals':1}", "{'v':1.1}");
    assert_no_match("{'Variable':'$.v','NumericEquals':1.0}", "{'v':0}");
}

static void numeric_order_operators(void **state)
{
    (void)state;
    assert_matches("{'Variable':'$.v','NumericLessThan':1}", "{'v':0}");
    assert_no_match("{'Variable':'$.v','NumericLessThan':0}", "{'v':0.0}");
    assert_matches("{'Variable':'$.v','NumericGreaterThan':0}", "{'v':1}");
    assert_no_match("{'Variable':'$.v','NumericGreaterThan':0}", "{'v':0.0}");
    assert_matches("{'Variable':'$.v','NumericLessThanEquals':1}", "{'v':1}");
    assert_no_match("{'Variable':'$.v','NumericLessThanEquals':1}", "{'v':1.5}");
    assert_matches("{'Variable':'$.v','NumericGreaterThanEquals':1}", "{'v':1.0}");
    assert_no_match("{'Variable':'$.v','NumericGreaterThanEquals':1}", "{'v':0}");
}

static void numeric_comparison_of_large_integers_is_exact(void **state)
{
    (void)state;
    /* 2^53 + 1 is not a double: it must not round to equal 2^53. */
    assert_no_match("{'Variable':'$.v','NumericEquals':9007199254740992.0}",
                    "{'v':9007199254740993}");
    assert_matches("{'Variable':'$.v','NumericGreaterThan':9007199254740992.0}",
                   "{'v':9007199254740993}");
    assert_matches("{'Variable':'$.v','NumericGreaterThan':9223372036854775807}", "{'v':1e300}");
    assert_matches("{'Variable':'$.v','NumericLessThan':-9223372036854775807}", "{'v':-1e300}");
}

static void numeric_comparison_of_a_non_number_is_false(void **state)
{
    (void)state;
    const char *values[] = {"'1'", "' '", "''", "true", "null", "[]", "['']", "{}", "{'A':0}"};
    char input[64];
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        snprintf(input, sizeof input, "{'v':%s}", values[i]);
        assert_no_match("{'Variable':'$.v','NumericEquals':1}", input);
        assert_no_match("{'Variable':'$.v','NumericGreaterThanEquals':-1000}", input);
    }
}

/* ---- BooleanEquals ---- */

static void boolean_equals_matches_the_same_boolean(void **state)
{
    (void)state;
    assert_matches("{'Variable':'$.v','BooleanEquals':true}", "{'v':true}");
    assert_matches("{'Variable':'$.v','BooleanEquals':false}", "{'v':false}");
    assert_no_match("{'Variable':'$.v','BooleanEquals':true}", "{'v':false}");
    assert_no_match("{'Variable':'$.v','BooleanEquals':false}", "{'v':true}");
}

static void boolean_equals_on_a_non_boolean_is_false(void **state)
{
    (void)state;
    const char *values[] = {"0", "1", "0.0", "''", "'true'", "null", "[]", "{}"};
    char input[64];
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        snprintf(input, sizeof input, "{'v':%s}", values[i]);
        assert_no_match("{'Variable':'$.v','BooleanEquals':false}", input);
        assert_no_match("{'Variable':'$.v','BooleanEquals':true}", input);
    }
}

/* ---- Timestamp comparisons ---- */

static void timestamp_operators_compare_instants(void **state)
{
    (void)state;
    const char *t0 = "{'v':'2012-10-09T19:00:55Z'}", *t1 = "{'v':'2012-10-09T19:00:56Z'}";
    assert_matches("{'Variable':'$.v','TimestampEquals':'2012-10-09T19:00:55Z'}", t0);
    assert_no_match("{'Variable':'$.v','TimestampEquals':'2012-10-09T19:00:56Z'}", t0);
    assert_matches("{'Variable':'$.v','TimestampLessThan':'2012-10-09T19:00:56Z'}", t0);
    assert_no_match("{'Variable':'$.v','TimestampLessThan':'2012-10-09T19:00:55Z'}", t0);
    assert_matches("{'Variable':'$.v','TimestampGreaterThan':'2012-10-09T19:00:55Z'}", t1);
    assert_no_match("{'Variable':'$.v','TimestampGreaterThan':'2012-10-09T19:00:56Z'}", t1);
    assert_matches("{'Variable':'$.v','TimestampLessThanEquals':'2012-10-09T19:00:55Z'}", t0);
    assert_no_match("{'Variable':'$.v','TimestampLessThanEquals':'2012-10-09T19:00:55Z'}", t1);
    assert_matches("{'Variable':'$.v','TimestampGreaterThanEquals':'2012-10-09T19:00:56Z'}", t1);
    assert_no_match("{'Variable':'$.v','TimestampGreaterThanEquals':'2012-10-09T19:00:56Z'}", t0);
}

static void timestamps_with_different_offsets_compare_as_instants(void **state)
{
    (void)state;
    assert_matches("{'Variable':'$.v','TimestampEquals':'2012-10-09T19:00:55Z'}",
                   "{'v':'2012-10-09T20:00:55+01:00'}");
    assert_matches("{'Variable':'$.v','TimestampLessThan':'2012-10-09T19:00:55Z'}",
                   "{'v':'2012-10-09T19:00:55.5+00:01'}");
    assert_matches("{'Variable':'$.v','TimestampEquals':'2012-10-09T19:00:55.000000001Z'}",
                   "{'v':'2012-10-09T19:00:55.000000001Z'}");
    assert_no_match("{'Variable':'$.v','TimestampEquals':'2012-10-09T19:00:55Z'}",
                    "{'v':'2012-10-09T19:00:55.000000001Z'}");
}

static void timestamp_comparison_of_a_malformed_or_non_string_value_is_false(void **state)
{
    (void)state;
    const char *values[] = {"'2023-02-24 12:15:56.832957'",
                            "'2023-02-24'",
                            "'2012-10-09T19:00:55'",
                            "0",
                            "1.1",
                            "null",
                            "[]",
                            "{}",
                            "true"};
    char input[64];
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        snprintf(input, sizeof input, "{'v':%s}", values[i]);
        assert_no_match("{'Variable':'$.v','TimestampEquals':'2012-10-09T19:00:55Z'}", input);
        assert_no_match("{'Variable':'$.v','TimestampLessThan':'2200-01-01T00:00:00+18:00'}",
                        input);
    }
}

/* ---- Type tests ---- */

/* The values every Is* test is tried on; each test gives its expected
 * answers as a string of T and F in this order. */
static const char *const type_test_values[] = {
    "null", "0", "1.5", "'s'", "'2016-03-14T01:59:00Z'", "true", "false", "[]", "{}",
};

static void assert_type_test(const char *op, const char *expected)
{
    char rule[96], input[96];
    for (size_t i = 0; i < sizeof type_test_values / sizeof type_test_values[0]; i++) {
        bool is = expected[i] == 'T';
        snprintf(input, sizeof input, "{'v':%s}", type_test_values[i]);
        snprintf(rule, sizeof rule, "{'Variable':'$.v','%s':true}", op);
        if (matches(rule, input) != is)
            fail_msg("%s on %s should be %s", op, type_test_values[i], is ? "true" : "false");
        snprintf(rule, sizeof rule, "{'Variable':'$.v','%s':false}", op);
        if (matches(rule, input) == is)
            fail_msg("%s:false on %s should be %s", op, type_test_values[i], is ? "false" : "true");
    }
}

static void is_null_holds_only_for_null(void **state)
{
    (void)state;
    assert_type_test("IsNull", "TFFFFFFFF");
}

static void is_numeric_holds_for_integers_and_reals(void **state)
{
    (void)state;
    assert_type_test("IsNumeric", "FTTFFFFFF");
}

static void is_string_holds_for_any_string(void **state)
{
    (void)state;
    assert_type_test("IsString", "FFFTTFFFF");
}

static void is_boolean_holds_for_true_and_false(void **state)
{
    (void)state;
    assert_type_test("IsBoolean", "FFFFFTTFF");
}

static void is_timestamp_holds_for_strings_that_parse(void **state)
{
    (void)state;
    assert_type_test("IsTimestamp", "FFFFTFFFF");
    assert_no_match("{'Variable':'$.v','IsTimestamp':true}", "{'v':'2016-02-30T00:00:00Z'}");
    assert_matches("{'Variable':'$.v','IsTimestamp':true}", "{'v':'2016-03-14t01:59z'}");
}

static void is_present_tells_a_missing_value_from_a_null_one(void **state)
{
    (void)state;
    assert_matches("{'Variable':'$.v','IsPresent':true}", "{'v':null}");
    assert_matches("{'Variable':'$.v','IsPresent':true}", "{'v':false}");
    assert_no_match("{'Variable':'$.v','IsPresent':false}", "{'v':0}");
    assert_no_match("{'Variable':'$.v','IsPresent':true}", "{'w':1}");
    assert_matches("{'Variable':'$.v','IsPresent':false}", "{'w':1}");
    assert_matches("{'Variable':'$.v','IsPresent':false}", "[1]");
}

/* ---- ...Path variants ---- */

typedef struct path_case {
    const char *op;    /* the operator without "Path" */
    const char *a, *b; /* what $.a (Variable) and $.b (operand path) hold */
    bool expected;
} path_case;

static const path_case path_cases[] = {
    {"StringEquals", "'x'", "'x'", true},
    {"StringEquals", "'x'", "'y'", false},
    {"StringLessThan", "'A'", "'AB'", true},
    {"StringLessThan", "'AB'", "'A'", false},
    {"StringGreaterThan", "'b'", "'a'", true},
    {"StringGreaterThan", "'A'", "'A '", false},
    {"StringLessThanEquals", "'a'", "'a'", true},
    {"StringLessThanEquals", "'b'", "'a'", false},
    {"StringGreaterThanEquals", "''", "''", true},
    {"StringGreaterThanEquals", "'a'", "'b'", false},
    {"NumericEquals", "1", "1.0", true},
    {"NumericEquals", "1.1", "1", false},
    {"NumericLessThan", "0", "1", true},
    {"NumericLessThan", "1", "0", false},
    {"NumericGreaterThan", "1", "0", true},
    {"NumericGreaterThan", "0.0", "0", false},
    {"NumericLessThanEquals", "1", "1", true},
    {"NumericLessThanEquals", "2", "1", false},
    {"NumericGreaterThanEquals", "1", "0", true},
    {"NumericGreaterThanEquals", "0", "1", false},
    {"BooleanEquals", "true", "true", true},
    {"BooleanEquals", "true", "false", false},
    {"TimestampEquals", "'2012-10-09T19:00:55Z'", "'2012-10-09T21:00:55+02:00'", true},
    {"TimestampEquals", "'2012-10-09T19:00:55Z'", "'2012-10-09T19:00:56Z'", false},
    {"TimestampLessThan", "'2012-10-09T19:00:55Z'", "'2012-10-09T19:00:56Z'", true},
    {"TimestampLessThan", "'2012-10-09T19:00:56Z'", "'2012-10-09T19:00:55Z'", false},
    {"TimestampGreaterThan", "'2012-10-09T19:00:56Z'", "'2012-10-09T19:00:55Z'", true},
    {"TimestampGreaterThan", "'2012-10-09T19:00:55Z'", "'2012-10-09T19:00:56Z'", false},
    {"TimestampLessThanEquals", "'2012-10-09T19:00:55Z'", "'2012-10-09T19:00:55Z'", true},
    {"TimestampLessThanEquals", "'2012-10-09T19:00:56Z'", "'2012-10-09T19:00:55Z'", false},
    {"TimestampGreaterThanEquals", "'2012-10-09T19:00:56Z'", "'2012-10-09T19:00:55Z'", true},
    {"TimestampGreaterThanEquals", "'2012-10-09T19:00:55Z'", "'2012-10-09T19:00:56Z'", false},
};

static void path_variants_compare_with_another_value_of_the_input(void **state)
{
    (void)state;
    char rule[96], input[160];
    for (size_t i = 0; i < sizeof path_cases / sizeof path_cases[0]; i++) {
        const path_case *c = &path_cases[i];
        snprintf(rule, sizeof rule, "{'Variable':'$.a','%sPath':'$.b'}", c->op);
        snprintf(input, sizeof input, "{'a':%s,'b':%s}", c->a, c->b);
        if (matches(rule, input) != c->expected)
            fail_msg("%s on %s should be %s", rule, input, c->expected ? "true" : "false");
    }
}

static void path_operand_of_the_wrong_type_is_false(void **state)
{
    (void)state;
    assert_no_match("{'Variable':'$.a','StringEqualsPath':'$.b'}", "{'a':'1','b':1}");
    assert_no_match("{'Variable':'$.a','NumericEqualsPath':'$.b'}", "{'a':1,'b':'1'}");
    assert_no_match("{'Variable':'$.a','BooleanEqualsPath':'$.b'}", "{'a':true,'b':'true'}");
    assert_no_match("{'Variable':'$.a','TimestampEqualsPath':'$.b'}",
                    "{'a':'2012-10-09T19:00:55Z','b':'2012-10-09 19:00:55Z'}");
    assert_no_match("{'Variable':'$.a','NumericEqualsPath':'$.b'}", "{'a':1,'b':null}");
}

static void path_operand_may_be_the_whole_input(void **state)
{
    (void)state;
    assert_matches("{'Variable':'$','StringEqualsPath':'$'}", "'same'");
    assert_matches("{'Variable':'$.a','NumericLessThanPath':'$.b'}", "{'a':-1,'b':0}");
}

/* ---- Paths that match nothing ---- */

static void missing_variable_is_a_runtime_error(void **state)
{
    (void)state;
    assert_runtime_error("{'Variable':'$.missing','NumericEquals':1}", "{'v':1}",
                         "Invalid path '$.missing': The choice state's condition path "
                         "references an invalid value.");
    assert_runtime_error("{'Variable':'$.x','StringEquals':'a'}", "[]",
                         "Invalid path '$.x': The choice state's condition path references "
                         "an invalid value.");
}

static void missing_variable_is_an_error_for_every_operator_but_is_present(void **state)
{
    (void)state;
    const char *rules[] = {
        "{'Variable':'$.x','IsNull':true}",
        "{'Variable':'$.x','IsNull':false}",
        "{'Variable':'$.x','IsString':false}",
        "{'Variable':'$.x','IsNumeric':false}",
        "{'Variable':'$.x','IsBoolean':false}",
        "{'Variable':'$.x','IsTimestamp':false}",
        "{'Variable':'$.x','BooleanEquals':true}",
        "{'Variable':'$.x','StringMatches':'*'}",
        "{'Variable':'$.x','TimestampEquals':'2012-10-09T19:00:55Z'}",
        "{'Variable':'$.x','StringEqualsPath':'$.y'}",
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        assert_runtime_error(rules[i], "{'y':'a'}",
                             "Invalid path '$.x': The choice state's condition path "
                             "references an invalid value.");
}

static void missing_path_operand_is_a_runtime_error(void **state)
{
    (void)state;
    assert_runtime_error("{'Variable':'$.a','NumericEqualsPath':'$.b'}", "{'a':1}",
                         "Invalid path '$.b': The choice state's condition path references "
                         "an invalid value.");
}

/* ---- The context object ---- */

static void variable_may_read_the_context_object(void **state)
{
    (void)state;
    sf_choice_rule *rule = compile_clean("{'Variable':'$$','StringEquals':'ctx'}", false);
    assert_true(sf_choice_rule_uses_context(rule));
    json_t *context = json_string("ctx");
    sf_error err = SF_ERROR_INIT;
    assert_int_equal(eval_rule(rule, "{}", context, &err), SF_CHOICE_MATCH);
    json_decref(context);
    sf_choice_rule_free(rule);
}

static void path_operand_may_read_the_context_object(void **state)
{
    (void)state;
    sf_choice_rule *rule = compile_clean(
        "{'Or':[{'Variable':'$.a','IsNull':true},{'Variable':'$.a','NumericEqualsPath':'$$'}]}",
        false);
    assert_true(sf_choice_rule_uses_context(rule));
    json_t *context = json_integer(7);
    sf_error err = SF_ERROR_INIT;
    assert_int_equal(eval_rule(rule, "{'a':7}", context, &err), SF_CHOICE_MATCH);
    assert_int_equal(eval_rule(rule, "{'a':8}", context, &err), SF_CHOICE_NO_MATCH);
    json_decref(context);
    sf_choice_rule_free(rule);
}

static void rules_reading_only_the_input_need_no_context(void **state)
{
    (void)state;
    sf_choice_rule *rule = compile_clean(
        "{'And':[{'Variable':'$.a','IsNull':false},{'Not':{'Variable':'$','IsString':true}}]}",
        false);
    assert_false(sf_choice_rule_uses_context(rule));
    sf_choice_rule_free(rule);
}

/* ---- And, Or, Not ---- */

static void and_matches_when_every_rule_matches(void **state)
{
    (void)state;
    const char *rule = "{'And':[{'Variable':'$.value','NumericGreaterThanEquals':20},"
                       "{'Variable':'$.value','NumericLessThan':30}]}";
    assert_matches(rule, "{'value':22}");
    assert_no_match(rule, "{'value':30}");
    assert_no_match(rule, "{'value':19}");
}

static void or_matches_when_any_rule_matches(void **state)
{
    (void)state;
    const char *rule = "{'Or':[{'Variable':'$.v','StringEquals':'a'},"
                       "{'Variable':'$.v','StringEquals':'b'}]}";
    assert_matches(rule, "{'v':'a'}");
    assert_matches(rule, "{'v':'b'}");
    assert_no_match(rule, "{'v':'c'}");
}

static void not_inverts_its_rule(void **state)
{
    (void)state;
    const char *rule = "{'Not':{'Variable':'$.type','StringEquals':'Private'}}";
    assert_no_match(rule, "{'type':'Private'}");
    assert_matches(rule, "{'type':'Public'}");
}

static void boolean_rules_nest(void **state)
{
    (void)state;
    const char *rule = "{'Or':[{'Not':{'And':[{'Variable':'$.a','BooleanEquals':true},"
                       "{'Variable':'$.b','BooleanEquals':true}]}},"
                       "{'Variable':'$.c','IsPresent':true}]}";
    assert_matches(rule, "{'a':true,'b':false}");
    assert_no_match(rule, "{'a':true,'b':true}");
    assert_matches(rule, "{'a':true,'b':true,'c':0}");
}

static void and_stops_at_the_first_rule_that_does_not_match(void **state)
{
    (void)state;
    /* The documented guard: StringEquals only runs when the key exists. */
    const char *rule = "{'And':[{'Variable':'$.key','IsPresent':true},"
                       "{'Variable':'$.key','StringEquals':'foo'}]}";
    assert_no_match(rule, "{}");
    assert_matches(rule, "{'key':'foo'}");
}

static void or_stops_at_the_first_rule_that_matches(void **state)
{
    (void)state;
    const char *rule = "{'Or':[{'Variable':'$.key','IsPresent':false},"
                       "{'Variable':'$.key','StringEquals':'foo'}]}";
    assert_matches(rule, "{}");
    assert_runtime_error("{'Or':[{'Variable':'$.a','IsNull':true},"
                         "{'Variable':'$.key','StringEquals':'foo'}]}",
                         "{'a':1}",
                         "Invalid path '$.key': The choice state's condition path references "
                         "an invalid value.");
}

static void errors_pass_through_not(void **state)
{
    (void)state;
    assert_runtime_error("{'Not':{'Not':{'Variable':'$.gone','IsNull':true}}}", "{}",
                         "Invalid path '$.gone': The choice state's condition path references "
                         "an invalid value.");
}

/* ---- Top-level rules ---- */

static void top_level_rule_keeps_its_next_and_pointer(void **state)
{
    (void)state;
    sf_choice_rule *rule = compile_clean(
        "{'Variable':'$.v','IsPresent':true,'Next':'Found','Comment':'c','Assign':{'x':1}}", true);
    assert_string_equal(sf_choice_rule_next_name(rule), "Found");
    assert_string_equal(sf_choice_rule_pointer(rule), RULE_POINTER);
    sf_choice_rule_free(rule);
}

static void nested_rules_have_no_next(void **state)
{
    (void)state;
    sf_choice_rule *rule = compile_clean("{'Variable':'$.v','IsPresent':true}", false);
    assert_null(sf_choice_rule_next_name(rule));
    sf_choice_rule_free(rule);
}

/* ---- Compile diagnostics ---- */

static void two_operators_are_rejected(void **state)
{
    (void)state;
    assert_only_diag("{'Variable':'$.x','StringEquals':'a','NumericEquals':1,'Next':'N'}", true,
                     "SCHEMA_VALIDATION_FAILED", RULE_POINTER,
                     "State 'Check': a Choice rule must have exactly one operator, but this one "
                     "has both 'StringEquals' and 'NumericEquals'");
    assert_only_diag("{'And':[{'Variable':'$.x','IsNull':true}],'Variable':'$.x','IsNull':true}",
                     false, "SCHEMA_VALIDATION_FAILED", RULE_POINTER,
                     "State 'Check': a Choice rule must have exactly one operator, but this one "
                     "has both 'And' and 'IsNull'");
}

static void rule_without_operator_is_rejected(void **state)
{
    (void)state;
    assert_only_diag("{'Variable':'$.x','Next':'N'}", true, "MISSING_REQUIRED_FIELD", RULE_POINTER,
                     "State 'Check': a Choice rule needs an operator: a comparison such as "
                     "StringEquals or IsPresent, or And, Or, Not");
}

static void comparison_without_variable_is_rejected(void **state)
{
    (void)state;
    assert_only_diag("{'StringEquals':'a','Next':'N'}", true, "MISSING_REQUIRED_FIELD",
                     RULE_POINTER,
                     "State 'Check': a Choice rule using StringEquals needs Variable, the "
                     "reference path of the value to test");
}

static void variable_that_is_not_a_reference_path_is_rejected(void **state)
{
    (void)state;
    assert_only_diag("{'Variable':'x','StringEquals':'a','Next':'N'}", true, "INVALID_JSON_PATH",
                     RULE_POINTER "/Variable",
                     "State 'Check': Variable holds an invalid reference path 'x': ...");
    assert_only_diag("{'Variable':5,'StringEquals':'a','Next':'N'}", true,
                     "SCHEMA_VALIDATION_FAILED", RULE_POINTER "/Variable",
                     "State 'Check': Variable must be a string holding a reference path, not "
                     "integer");
}

static void path_operand_that_is_not_a_reference_path_is_rejected(void **state)
{
    (void)state;
    assert_only_diag("{'Variable':'$.a','NumericEqualsPath':'b'}", false, "INVALID_JSON_PATH",
                     RULE_POINTER "/NumericEqualsPath",
                     "State 'Check': NumericEqualsPath holds an invalid reference path 'b': ...");
    assert_only_diag("{'Variable':'$.a','NumericEqualsPath':1}", false, "SCHEMA_VALIDATION_FAILED",
                     RULE_POINTER "/NumericEqualsPath",
                     "State 'Check': NumericEqualsPath must be a string holding a reference "
                     "path, not integer");
}

static void operand_of_the_wrong_type_is_rejected(void **state)
{
    (void)state;
    assert_only_diag("{'Variable':'$.a','StringEquals':1}", false, "SCHEMA_VALIDATION_FAILED",
                     RULE_POINTER "/StringEquals",
                     "State 'Check': StringEquals must be a string, not integer");
    assert_only_diag("{'Variable':'$.a','StringMatches':null}", false, "SCHEMA_VALIDATION_FAILED",
                     RULE_POINTER "/StringMatches",
                     "State 'Check': StringMatches must be a string, not null");
    assert_only_diag("{'Variable':'$.a','NumericLessThan':'1'}", false, "SCHEMA_VALIDATION_FAILED",
                     RULE_POINTER "/NumericLessThan",
                     "State 'Check': NumericLessThan must be a number, not string");
    assert_only_diag("{'Variable':'$.a','BooleanEquals':'true'}", false, "SCHEMA_VALIDATION_FAILED",
                     RULE_POINTER "/BooleanEquals",
                     "State 'Check': BooleanEquals must be a boolean (true or false), not "
                     "string");
    assert_only_diag("{'Variable':'$.a','IsNull':1}", false, "SCHEMA_VALIDATION_FAILED",
                     RULE_POINTER "/IsNull",
                     "State 'Check': IsNull must be a boolean (true or false), not integer");
    assert_only_diag("{'Variable':'$.a','IsPresent':'yes'}", false, "SCHEMA_VALIDATION_FAILED",
                     RULE_POINTER "/IsPresent",
                     "State 'Check': IsPresent must be a boolean (true or false), not string");
    assert_only_diag("{'Variable':'$.a','TimestampEquals':0}", false, "SCHEMA_VALIDATION_FAILED",
                     RULE_POINTER "/TimestampEquals",
                     "State 'Check': TimestampEquals must be a string holding a timestamp, not "
                     "integer");
}

static void timestamp_operand_must_be_a_valid_timestamp(void **state)
{
    (void)state;
    assert_only_diag("{'Variable':'$.a','TimestampLessThan':'2016-03-14'}", false,
                     "INVALID_FIELD_VALUE", RULE_POINTER "/TimestampLessThan",
                     "State 'Check': TimestampLessThan must be an ISO-8601 timestamp with an "
                     "offset, such as \"2016-03-14T01:59:00Z\", not \"2016-03-14\"");
    assert_only_diag("{'Variable':'$.a','TimestampEquals':'2016-02-30T00:00:00Z'}", false,
                     "INVALID_FIELD_VALUE", RULE_POINTER "/TimestampEquals",
                     "State 'Check': TimestampEquals must be an ISO-8601 timestamp with an "
                     "offset, such as \"2016-03-14T01:59:00Z\", not \"2016-02-30T00:00:00Z\"");
}

static void empty_and_or_are_rejected(void **state)
{
    (void)state;
    assert_only_diag("{'And':[],'Next':'N'}", true, "SCHEMA_VALIDATION_FAILED", RULE_POINTER "/And",
                     "State 'Check': And must be a non-empty array of Choice rules, not an "
                     "empty array");
    assert_only_diag("{'Or':{'Variable':'$.a','IsNull':true}}", false, "SCHEMA_VALIDATION_FAILED",
                     RULE_POINTER "/Or",
                     "State 'Check': Or must be a non-empty array of Choice rules, not object");
}

static void not_must_hold_one_rule_object(void **state)
{
    (void)state;
    assert_only_diag("{'Not':[{'Variable':'$.a','IsNull':true}]}", false,
                     "SCHEMA_VALIDATION_FAILED", RULE_POINTER "/Not",
                     "State 'Check': Not must hold one Choice rule object, not array");
}

static void boolean_rule_with_variable_is_rejected(void **state)
{
    (void)state;
    assert_only_diag("{'Variable':'$.a','Not':{'Variable':'$.a','IsNull':true}}", false,
                     "SCHEMA_VALIDATION_FAILED", RULE_POINTER "/Variable",
                     "State 'Check': Variable is not allowed in a Choice rule using Not");
}

static void nested_rule_with_next_is_rejected(void **state)
{
    (void)state;
    assert_only_diag("{'Not':{'Variable':'$.a','IsNull':true,'Next':'N'},'Next':'N'}", true,
                     "SCHEMA_VALIDATION_FAILED", RULE_POINTER "/Not/Next",
                     "State 'Check': Next is only allowed in a top-level Choice rule, not in a "
                     "nested one");
    assert_only_diag("{'And':[{'Variable':'$.a','IsNull':true,'Assign':{}}],'Next':'N'}", true,
                     "SCHEMA_VALIDATION_FAILED", RULE_POINTER "/And/0/Assign",
                     "State 'Check': Assign is only allowed in a top-level Choice rule, not in a "
                     "nested one");
}

static void top_level_rule_without_next_is_rejected(void **state)
{
    (void)state;
    assert_only_diag("{'Variable':'$.a','IsNull':true}", true, "MISSING_REQUIRED_FIELD",
                     RULE_POINTER,
                     "State 'Check': a top-level Choice rule needs Next, the name of the state "
                     "to go to when it matches");
    assert_only_diag("{'Variable':'$.a','IsNull':true,'Next':3}", true, "SCHEMA_VALIDATION_FAILED",
                     RULE_POINTER "/Next",
                     "State 'Check': Next in a Choice rule must be a string naming a state, not "
                     "integer");
}

static void unknown_field_is_rejected(void **state)
{
    (void)state;
    assert_only_diag("{'Variable':'$.a','IsNull':true,'Colour':'red'}", false, "UNKNOWN_FIELD",
                     RULE_POINTER "/Colour",
                     "State 'Check': field 'Colour' is not allowed in a Choice rule");
    assert_only_diag("{'Variable':'$.a','IsNull':true,'Comment':1}", false,
                     "SCHEMA_VALIDATION_FAILED", RULE_POINTER "/Comment",
                     "State 'Check': Comment in a Choice rule must be a string");
}

static void string_matches_has_no_path_variant(void **state)
{
    (void)state;
    sf_diags diags = SF_DIAGS_INIT;
    sf_choice_rule *rule =
        compile_with("{'Variable':'$.a','StringMatchesPath':'$.b'}", false, &diags);
    assert_int_equal(diags.count, 2);
    assert_string_equal(diags.items[0].code, "UNKNOWN_FIELD");
    assert_string_equal(diags.items[0].pointer, RULE_POINTER "/StringMatchesPath");
    assert_string_equal(diags.items[1].code, "MISSING_REQUIRED_FIELD");
    sf_choice_rule_free(rule);
    sf_diags_free(&diags);
}

static void jsonata_condition_is_unsupported(void **state)
{
    (void)state;
    assert_only_diag("{'Condition':'{% $states.input.ok %}','Next':'N'}", true,
                     "UNSUPPORTED_FEATURE", RULE_POINTER "/Condition",
                     "State 'Check': Condition belongs to JSONata Choice rules, which are not "
                     "supported; use Variable and a comparison operator");
}

static void rule_that_is_not_an_object_is_rejected(void **state)
{
    (void)state;
    assert_only_diag("'$.a'", true, "SCHEMA_VALIDATION_FAILED", RULE_POINTER,
                     "State 'Check': a Choice rule must be an object, not string");
}

static void every_problem_in_a_tree_is_reported_at_its_own_pointer(void **state)
{
    (void)state;
    sf_diags diags = SF_DIAGS_INIT;
    sf_choice_rule *rule = compile_with("{'And':[{'Variable':'$.a','IsNull':true},"
                                        "{'Variable':'$.b','NumericEquals':'1'},"
                                        "{'Or':[{'Variable':'$.c','StringEquals':2}]}]}",
                                        false, &diags);
    assert_int_equal(diags.count, 2);
    assert_string_equal(diags.items[0].pointer, RULE_POINTER "/And/1/NumericEquals");
    assert_string_equal(diags.items[1].pointer, RULE_POINTER "/And/2/Or/0/StringEquals");
    sf_error err = SF_ERROR_INIT;
    assert_int_equal(eval_rule(rule, "{'a':null,'b':1,'c':2}", NULL, &err), SF_CHOICE_ERROR);
    assert_string_equal(err.cause,
                        "The Choice rule at " RULE_POINTER " has errors and cannot be evaluated");
    sf_error_clear(&err);
    sf_choice_rule_free(rule);
    sf_diags_free(&diags);
}

static void next_is_kept_even_when_the_condition_has_errors(void **state)
{
    (void)state;
    /* So the state can still resolve it and not report its target as unreachable. */
    sf_diags diags = SF_DIAGS_INIT;
    sf_choice_rule *rule =
        compile_with("{'Variable':'$.a','NumericEquals':'x','Next':'N'}", true, &diags);
    assert_int_equal(diags.count, 1);
    assert_string_equal(sf_choice_rule_next_name(rule), "N");
    sf_choice_rule_free(rule);
    sf_diags_free(&diags);
}

/* ---- Recorded on AWS Step Functions ---- */

typedef struct recorded_case {
    const char *rule, *input;
    bool matched;
} recorded_case;

/* Every JSONPath choice_* case of shared/conformance/cases, grouped by
 * file name: the rule (its Next removed), the execution input, and whether
 * AWS took the rule. */
// clang-format off
static const recorded_case recorded_cases[] = {
    /* choice_BooleanEquals-* */
    {"{'Variable':'$.Variable','BooleanEquals':false}",
     "{'Variable':'2012-10-09T19:00:55+01:00','Value':false}", false},
    {"{'Variable':'$.Variable','BooleanEquals':false}",
     "{'Variable':' ','Value':false}", false},
    {"{'Variable':'$.Variable','BooleanEquals':true}",
     "{'Variable':'2023-02-24','Value':true}", false},
    {"{'Variable':'$.Variable','BooleanEquals':false}",
     "{'Variable':0,'Value':false}", false},
    {"{'Variable':'$.Variable','BooleanEquals':true}",
     "{'Variable':[],'Value':true}", false},
    {"{'Variable':'$.Variable','BooleanEquals':true}",
     "{'Variable':true,'Value':true}", true},
    {"{'Variable':'$.Variable','BooleanEquals':false}",
     "{'Variable':1.1,'Value':false}", false},
    {"{'Variable':'$.Variable','BooleanEquals':true}",
     "{'Variable':'','Value':true}", false},
    {"{'Variable':'$.Variable','BooleanEquals':false}",
     "{'Variable':[''],'Value':false}", false},
    {"{'Variable':'$.Variable','BooleanEquals':true}",
     "{'Variable':0.0,'Value':true}", false},
    {"{'Variable':'$.Variable','BooleanEquals':true}",
     "{'Variable':[''],'Value':true}", false},
    {"{'Variable':'$.Variable','BooleanEquals':false}",
     "{'Variable':false,'Value':false}", true},
    {"{'Variable':'$.Variable','BooleanEquals':false}",
     "{'Variable':'2012-10-09T19:00:55','Value':false}", false},
    {"{'Variable':'$.Variable','BooleanEquals':false}",
     "{'Variable':null,'Value':false}", false},
    {"{'Variable':'$.Variable','BooleanEquals':false}",
     "{'Variable':[],'Value':false}", false},
    /* choice_BooleanEqualsPath-* */
    {"{'Variable':'$.Variable','BooleanEqualsPath':'$.Value'}",
     "{'Variable':[],'Value':true}", false},
    {"{'Variable':'$.Variable','BooleanEqualsPath':'$.Value'}",
     "{'Variable':'2023-02-24','Value':true}", false},
    {"{'Variable':'$.Variable','BooleanEqualsPath':'$.Value'}",
     "{'Variable':'2012-10-09T19:00:55+01:00','Value':true}", false},
    {"{'Variable':'$.Variable','BooleanEqualsPath':'$.Value'}",
     "{'Variable':'','Value':true}", false},
    {"{'Variable':'$.Variable','BooleanEqualsPath':'$.Value'}",
     "{'Variable':0.0,'Value':false}", false},
    {"{'Variable':'$.Variable','BooleanEqualsPath':'$.Value'}",
     "{'Variable':null,'Value':true}", false},
    {"{'Variable':'$.Variable','BooleanEqualsPath':'$.Value'}",
     "{'Variable':{},'Value':true}", false},
    {"{'Variable':'$.Variable','BooleanEqualsPath':'$.Value'}",
     "{'Variable':true,'Value':true}", true},
    {"{'Variable':'$.Variable','BooleanEqualsPath':'$.Value'}",
     "{'Variable':[''],'Value':false}", false},
    {"{'Variable':'$.Variable','BooleanEqualsPath':'$.Value'}",
     "{'Variable':'2012-10-09T19:00:55','Value':true}", false},
    /* choice_IsBoolean-* */
    {"{'Variable':'$.Variable','IsBoolean':false}",
     "{'Variable':{'A':0},'Value':false}", true},
    {"{'Variable':'$.Variable','IsBoolean':true}",
     "{'Variable':[],'Value':true}", false},
    {"{'Variable':'$.Variable','IsBoolean':true}",
     "{'Variable':'HelloWorld','Value':true}", false},
    {"{'Variable':'$.Variable','IsBoolean':false}",
     "{'Variable':0.0,'Value':false}", true},
    {"{'Variable':'$.Variable','IsBoolean':true}",
     "{'Variable':'','Value':true}", false},
    {"{'Variable':'$.Variable','IsBoolean':false}",
     "{'Variable':'','Value':false}", true},
    {"{'Variable':'$.Variable','IsBoolean':false}",
     "{'Variable':{},'Value':false}", true},
    {"{'Variable':'$.Variable','IsBoolean':false}",
     "{'Variable':false,'Value':false}", false},
    {"{'Variable':'$.Variable','IsBoolean':true}",
     "{'Variable':' ','Value':true}", false},
    {"{'Variable':'$.Variable','IsBoolean':false}",
     "{'Variable':0,'Value':false}", true},
    /* choice_IsNull-* */
    {"{'Variable':'$.Variable','IsNull':true}",
     "{'Variable':'2012-10-09T19:00:55','Value':true}", false},
    {"{'Variable':'$.Variable','IsNull':true}",
     "{'Variable':true,'Value':true}", false},
    {"{'Variable':'$.Variable','IsNull':true}",
     "{'Variable':1.1,'Value':true}", false},
    {"{'Variable':'$.Variable','IsNull':true}",
     "{'Variable':'2023-02-24','Value':true}", false},
    {"{'Variable':'$.Variable','IsNull':false}",
     "{'Variable':{},'Value':false}", true},
    {"{'Variable':'$.Variable','IsNull':false}",
     "{'Variable':{'A':0},'Value':false}", true},
    {"{'Variable':'$.Variable','IsNull':false}",
     "{'Variable':[],'Value':false}", true},
    {"{'Variable':'$.Variable','IsNull':false}",
     "{'Variable':1.1,'Value':false}", true},
    {"{'Variable':'$.Variable','IsNull':false}",
     "{'Variable':'2012-10-09T19:00:55','Value':false}", true},
    {"{'Variable':'$.Variable','IsNull':true}",
     "{'Variable':false,'Value':true}", false},
    {"{'Variable':'$.Variable','IsNull':false}",
     "{'Variable':'2012-10-09T19:00:55+01:00','Value':false}", true},
    {"{'Variable':'$.Variable','IsNull':false}",
     "{'Variable':' ','Value':false}", true},
    {"{'Variable':'$.Variable','IsNull':true}",
     "{'Variable':[''],'Value':true}", false},
    {"{'Variable':'$.Variable','IsNull':true}",
     "{'Variable':' ','Value':true}", false},
    {"{'Variable':'$.Variable','IsNull':true}",
     "{'Variable':'','Value':true}", false},
    {"{'Variable':'$.Variable','IsNull':false}",
     "{'Variable':0.0,'Value':false}", true},
    /* choice_IsNumeric-* */
    {"{'Variable':'$.Variable','IsNumeric':false}",
     "{'Variable':{'A':0},'Value':false}", true},
    {"{'Variable':'$.Variable','IsNumeric':true}",
     "{'Variable':0,'Value':true}", true},
    {"{'Variable':'$.Variable','IsNumeric':true}",
     "{'Variable':{'A':0},'Value':true}", false},
    {"{'Variable':'$.Variable','IsNumeric':true}",
     "{'Variable':1.1,'Value':true}", true},
    {"{'Variable':'$.Variable','IsNumeric':true}",
     "{'Variable':'2012-10-09T19:00:55+01:00','Value':true}", false},
    {"{'Variable':'$.Variable','IsNumeric':true}",
     "{'Variable':'HelloWorld','Value':true}", false},
    {"{'Variable':'$.Variable','IsNumeric':false}",
     "{'Variable':'2012-10-09T19:00:55+01:00','Value':false}", true},
    {"{'Variable':'$.Variable','IsNumeric':false}",
     "{'Variable':'2023-02-24','Value':false}", true},
    {"{'Variable':'$.Variable','IsNumeric':false}",
     "{'Variable':null,'Value':false}", true},
    {"{'Variable':'$.Variable','IsNumeric':false}",
     "{'Variable':false,'Value':false}", true},
    /* choice_IsPresent-* */
    {"{'Variable':'$.Variable','IsPresent':true}",
     "{'Variable':false,'Value':true}", true},
    {"{'Variable':'$.Variable','IsPresent':false}",
     "{'Variable':{},'Value':false}", false},
    {"{'Variable':'$.Variable','IsPresent':true}",
     "{'Variable':'2023-02-24','Value':true}", true},
    {"{'Variable':'$.Variable','IsPresent':false}",
     "{'Variable':0.0,'Value':false}", false},
    {"{'Variable':'$.Variable','IsPresent':false}",
     "{'Variable':'2023-02-24','Value':false}", false},
    {"{'Variable':'$.Variable','IsPresent':false}",
     "{'Variable':null,'Value':false}", false},
    {"{'Variable':'$.Variable','IsPresent':true}",
     "{'Variable':[''],'Value':true}", true},
    {"{'Variable':'$.Variable','IsPresent':true}",
     "{'Variable':[],'Value':true}", true},
    {"{'Variable':'$.Variable','IsPresent':true}",
     "{'Variable':1,'Value':true}", true},
    {"{'Variable':'$.Variable','IsPresent':false}",
     "{'Variable':1.1,'Value':false}", false},
    {"{'Variable':'$.Variable','IsPresent':true}",
     "{'Variable':'2012-10-09T19:00:55+01:00','Value':true}", true},
    {"{'Variable':'$.Variable','IsPresent':false}",
     "{'Variable':'HelloWorld','Value':false}", false},
    {"{'Variable':'$.Variable','IsPresent':true}",
     "{'Variable':0,'Value':true}", true},
    {"{'Variable':'$.Variable','IsPresent':true}",
     "{'Variable':0.0,'Value':true}", true},
    {"{'Variable':'$.Variable','IsPresent':true}",
     "{'Variable':'2012-10-09T19:00:55','Value':true}", true},
    /* choice_IsString-* */
    {"{'Variable':'$.Variable','IsString':false}",
     "{'Variable':0,'Value':false}", true},
    {"{'Variable':'$.Variable','IsString':false}",
     "{'Variable':1.1,'Value':false}", true},
    {"{'Variable':'$.Variable','IsString':true}",
     "{'Variable':[],'Value':true}", false},
    {"{'Variable':'$.Variable','IsString':true}",
     "{'Variable':'HelloWorld','Value':true}", true},
    {"{'Variable':'$.Variable','IsString':true}",
     "{'Variable':null,'Value':true}", false},
    {"{'Variable':'$.Variable','IsString':true}",
     "{'Variable':'2012-10-09T19:00:55','Value':true}", true},
    {"{'Variable':'$.Variable','IsString':true}",
     "{'Variable':{'A':0},'Value':true}", false},
    {"{'Variable':'$.Variable','IsString':false}",
     "{'Variable':{'A':0},'Value':false}", true},
    {"{'Variable':'$.Variable','IsString':true}",
     "{'Variable':'','Value':true}", true},
    {"{'Variable':'$.Variable','IsString':false}",
     "{'Variable':'2012-10-09T19:00:55+01:00','Value':false}", false},
    {"{'Variable':'$.Variable','IsString':true}",
     "{'Variable':0,'Value':true}", false},
    {"{'Variable':'$.Variable','IsString':true}",
     "{'Variable':'2023-02-24','Value':true}", true},
    {"{'Variable':'$.Variable','IsString':true}",
     "{'Variable':[''],'Value':true}", false},
    {"{'Variable':'$.Variable','IsString':false}",
     "{'Variable':1,'Value':false}", true},
    {"{'Variable':'$.Variable','IsString':true}",
     "{'Variable':{},'Value':true}", false},
    {"{'Variable':'$.Variable','IsString':false}",
     "{'Variable':null,'Value':false}", true},
    /* choice_NumericEquals-* */
    {"{'Variable':'$.Variable','NumericEquals':1.0}",
     "{'Variable':1.1,'Value':1.0}", false},
    {"{'Variable':'$.Variable','NumericEquals':0}",
     "{'Variable':0,'Value':0}", true},
    {"{'Variable':'$.Variable','NumericEquals':1.0}",
     "{'Variable':[''],'Value':1.0}", false},
    {"{'Variable':'$.Variable','NumericEquals':0}",
     "{'Variable':true,'Value':0}", false},
    {"{'Variable':'$.Variable','NumericEquals':0}",
     "{'Variable':1,'Value':0}", false},
    {"{'Variable':'$.Variable','NumericEquals':0}",
     "{'Variable':0.0,'Value':0}", true},
    {"{'Variable':'$.Variable','NumericEquals':1}",
     "{'Variable':null,'Value':1}", false},
    {"{'Variable':'$.Variable','NumericEquals':1.0}",
     "{'Variable':0.0,'Value':1.0}", false},
    {"{'Variable':'$.Variable','NumericEquals':0.0}",
     "{'Variable':true,'Value':0.0}", false},
    {"{'Variable':'$.Variable','NumericEquals':0}",
     "{'Variable':null,'Value':0}", false},
    {"{'Variable':'$.Variable','NumericEquals':1.0}",
     "{'Variable':' ','Value':1.0}", false},
    {"{'Variable':'$.Variable','NumericEquals':0.0}",
     "{'Variable':[''],'Value':0.0}", false},
    {"{'Variable':'$.Variable','NumericEquals':1.0}",
     "{'Variable':0,'Value':1.0}", false},
    {"{'Variable':'$.Variable','NumericEquals':1}",
     "{'Variable':' ','Value':1}", false},
    {"{'Variable':'$.Variable','NumericEquals':1}",
     "{'Variable':{},'Value':1}", false},
    {"{'Variable':'$.Variable','NumericEquals':1}",
     "{'Variable':{'A':0},'Value':1}", false},
    {"{'Variable':'$.Variable','NumericEquals':0.0}",
     "{'Variable':[],'Value':0.0}", false},
    {"{'Variable':'$.Variable','NumericEquals':1.0}",
     "{'Variable':{},'Value':1.0}", false},
    {"{'Variable':'$.Variable','NumericEquals':1.0}",
     "{'Variable':1,'Value':1.0}", true},
    {"{'Variable':'$.Variable','NumericEquals':1}",
     "{'Variable':1.1,'Value':1}", false},
    /* choice_NumericEqualsPath-* */
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':true,'Value':1.0}", false},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':0.0,'Value':0}", true},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':{'A':0},'Value':0.0}", false},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':'','Value':1.0}", false},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':1.1,'Value':1}", false},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':' ','Value':1}", false},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':[''],'Value':0}", false},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':false,'Value':0.0}", false},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':{'A':0},'Value':1}", false},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':1.1,'Value':0}", false},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':[],'Value':0.0}", false},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':0,'Value':0}", true},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':true,'Value':1}", false},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':0.0,'Value':1.0}", false},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':{},'Value':1}", false},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':0.0,'Value':1}", false},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':[],'Value':0}", false},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':[''],'Value':0.0}", false},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':'','Value':1}", false},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':0,'Value':0.0}", true},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':1,'Value':1.0}", true},
    {"{'Variable':'$.Variable','NumericEqualsPath':'$.Value'}",
     "{'Variable':{'A':0},'Value':0}", false},
    /* choice_NumericGreaterThan-* */
    {"{'Variable':'$.Variable','NumericGreaterThan':0}",
     "{'Variable':0.0,'Value':0}", false},
    {"{'Variable':'$.Variable','NumericGreaterThan':0}",
     "{'Variable':1,'Value':0}", true},
    {"{'Variable':'$.Variable','NumericGreaterThan':1}",
     "{'Variable':0,'Value':1}", false},
    /* choice_NumericGreaterThanEquals-* */
    {"{'Variable':'$.Variable','NumericGreaterThanEquals':1}",
     "{'Variable':0,'Value':1}", false},
    /* choice_NumericGreaterThanEqualsPath-* */
    {"{'Variable':'$.Variable','NumericGreaterThanEqualsPath':'$.Value'}",
     "{'Variable':1,'Value':0}", true},
    /* choice_NumericGreaterThanPath-* */
    {"{'Variable':'$.Variable','NumericGreaterThanPath':'$.Value'}",
     "{'Variable':0.0,'Value':0}", false},
    /* choice_NumericLessThan-* */
    {"{'Variable':'$.Variable','NumericLessThan':0}",
     "{'Variable':0,'Value':0}", false},
    {"{'Variable':'$.Variable','NumericLessThan':0}",
     "{'Variable':0.0,'Value':0}", false},
    /* choice_NumericLessThanEquals-* */
    {"{'Variable':'$.Variable','NumericLessThanEquals':1}",
     "{'Variable':1,'Value':1}", true},
    {"{'Variable':'$.Variable','NumericLessThanEquals':1}",
     "{'Variable':0,'Value':1}", true},
    /* choice_NumericLessThanPath-* */
    {"{'Variable':'$.Variable','NumericLessThanPath':'$.Value'}",
     "{'Variable':1,'Value':0}", false},
    {"{'Variable':'$.Variable','NumericLessThanPath':'$.Value'}",
     "{'Variable':0.0,'Value':0}", false},
    /* choice_StringEquals-* */
    {"{'Variable':'$.Variable','StringEquals':'HelloWorld'}",
     "{'Variable':0,'Value':'HelloWorld'}", false},
    {"{'Variable':'$.Variable','StringEquals':'HelloWorld'}",
     "{'Variable':[],'Value':'HelloWorld'}", false},
    {"{'Variable':'$.Variable','StringEquals':'HelloWorld'}",
     "{'Variable':' ','Value':'HelloWorld'}", false},
    {"{'Variable':'$.Variable','StringEquals':'     '}",
     "{'Variable':' ','Value':'     '}", false},
    {"{'Variable':'$.Variable','StringEquals':'HelloWorld'}",
     "{'Variable':true,'Value':'HelloWorld'}", false},
    {"{'Variable':'$.Variable','StringEquals':'HelloWorld'}",
     "{'Variable':null,'Value':'HelloWorld'}", false},
    {"{'Variable':'$.Variable','StringEquals':'HelloWorld'}",
     "{'Variable':{'A':0},'Value':'HelloWorld'}", false},
    {"{'Variable':'$.Variable','StringEquals':'\\t\\r\\n'}",
     "{'Variable':'\\t\\n','Value':'\\t\\r\\n'}", false},
    /* choice_StringEqualsPath-* */
    {"{'Variable':'$.Variable','StringEqualsPath':'$.Value'}",
     "{'Variable':'\\t\\n','Value':'\\t\\r\\n'}", false},
    /* choice_StringGreaterThan-* */
    {"{'Variable':'$.Variable','StringGreaterThan':'A\\t\\n\\r'}",
     "{'Variable':'A','Value':'A\\t\\n\\r'}", false},
    /* choice_StringGreaterThanEqualsPath-* */
    {"{'Variable':'$.Variable','StringGreaterThanEqualsPath':'$.Value'}",
     "{'Variable':'','Value':''}", true},
    /* choice_StringGreaterThanPath-* */
    {"{'Variable':'$.Variable','StringGreaterThanPath':'$.Value'}",
     "{'Variable':'A','Value':'A '}", false},
    {"{'Variable':'$.Variable','StringGreaterThanPath':'$.Value'}",
     "{'Variable':'','Value':''}", false},
    /* choice_StringLessThan-* */
    {"{'Variable':'$.Variable','StringLessThan':'A'}",
     "{'Variable':'AB','Value':'A'}", false},
    /* choice_StringLessThanEquals-* */
    {"{'Variable':'$.Variable','StringLessThanEquals':''}",
     "{'Variable':'','Value':''}", true},
    /* choice_StringLessThanPath-* */
    {"{'Variable':'$.Variable','StringLessThanPath':'$.Value'}",
     "{'Variable':'A','Value':'AB'}", true},
    /* choice_TimestampEquals-* */
    {"{'Variable':'$.Variable','TimestampEquals':'2012-10-09T19:00:55Z'}",
     "{'Variable':'2023-02-24 12:15:56.832957','Value':'2012-10-09T19:00:55Z'}", false},
    {"{'Variable':'$.Variable','TimestampEquals':'2012-10-09T19:00:55Z'}",
     "{'Variable':'2012-10-09T19:00:55Z','Value':'2012-10-09T19:00:55Z'}", true},
    {"{'Variable':'$.Variable','TimestampEquals':'2012-10-09T19:00:56Z'}",
     "{'Variable':'2012-10-09T19:00:55Z','Value':'2012-10-09T19:00:56Z'}", false},
    {"{'Variable':'$.Variable','TimestampEquals':'2012-10-09T19:00:55Z'}",
     "{'Variable':0,'Value':'2012-10-09T19:00:55Z'}", false},
    {"{'Variable':'$.Variable','TimestampEquals':'2012-10-09T19:00:55Z'}",
     "{'Variable':1,'Value':'2012-10-09T19:00:55Z'}", false},
    {"{'Variable':'$.Variable','TimestampEquals':'2012-10-09T19:00:55Z'}",
     "{'Variable':1.1,'Value':'2012-10-09T19:00:55Z'}", false},
    /* choice_TimestampEqualsPath-* */
    {"{'Variable':'$.Variable','TimestampEqualsPath':'$.Value'}",
     "{'Variable':'2012-10-09T19:00:55Z','Value':'2012-10-09T19:00:56Z'}", false},
    /* choice_TimestampGreaterThan-* */
    {"{'Variable':'$.Variable','TimestampGreaterThan':'2012-10-09T19:00:55Z'}",
     "{'Variable':'2012-10-09T19:00:56Z','Value':'2012-10-09T19:00:55Z'}", true},
    /* choice_TimestampGreaterThanEquals-* */
    {"{'Variable':'$.Variable','TimestampGreaterThanEquals':'2012-10-09T19:00:55Z'}",
     "{'Variable':'2012-10-09T19:00:56Z','Value':'2012-10-09T19:00:55Z'}", true},
    /* choice_TimestampLessThan-* */
    {"{'Variable':'$.Variable','TimestampLessThan':'2012-10-09T19:00:55Z'}",
     "{'Variable':'2012-10-09T19:00:56Z','Value':'2012-10-09T19:00:55Z'}", false},
    {"{'Variable':'$.Variable','TimestampLessThan':'2012-10-09T19:00:55Z'}",
     "{'Variable':'2012-10-09T19:00:55Z','Value':'2012-10-09T19:00:55Z'}", false},
};
// clang-format on

static void rules_answer_as_recorded_on_aws(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof recorded_cases / sizeof recorded_cases[0]; i++) {
        const recorded_case *c = &recorded_cases[i];
        if (matches(c->rule, c->input) != c->matched)
            fail_msg("%s on %s: AWS answered %s", c->rule, c->input, c->matched ? "true" : "false");
    }
}

static void aws_scenario_takes_the_first_matching_rule(void **state)
{
    (void)state;
    /* choice_state_aws_scenario: input {type: Private, value: 22} takes the
     * third rule (ValueInTwenties). */
    const char *rules[] = {
        "{'Not':{'Variable':'$.type','StringEquals':'Private'}}",
        "{'Variable':'$.value','NumericEquals':0}",
        "{'And':[{'Variable':'$.value','NumericGreaterThanEquals':20},"
        "{'Variable':'$.value','NumericLessThan':30}]}",
    };
    const char *input = "{'type':'Private','value':22}";
    assert_no_match(rules[0], input);
    assert_no_match(rules[1], input);
    assert_matches(rules[2], input);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(string_equals_matches_only_the_same_string),
        cmocka_unit_test(string_less_than_orders_a_prefix_first),
        cmocka_unit_test(string_greater_than_is_strict),
        cmocka_unit_test(string_less_than_equals_includes_equality),
        cmocka_unit_test(string_greater_than_equals_includes_equality),
        cmocka_unit_test(strings_compare_in_utf16_code_unit_order),
        cmocka_unit_test(string_comparison_of_a_non_string_is_false),
        cmocka_unit_test(string_matches_star_matches_any_run_of_characters),
        cmocka_unit_test(string_matches_with_several_stars),
        cmocka_unit_test(string_matches_escaped_star_is_literal),
        cmocka_unit_test(string_matches_escaped_backslash_is_literal),
        cmocka_unit_test(string_matches_backslash_before_other_characters_stands_for_itself),
        cmocka_unit_test(string_matches_without_star_needs_the_whole_string),
        cmocka_unit_test(string_matches_pieces_anchor_at_both_ends),
        cmocka_unit_test(string_matches_is_linear_on_hostile_patterns),
        cmocka_unit_test(string_matches_multibyte_characters),
        cmocka_unit_test(string_matches_on_a_non_string_is_false),
        cmocka_unit_test(numeric_equals_compares_by_value),
        cmocka_unit_test(numeric_order_operators),
        cmocka_unit_test(numeric_comparison_of_large_integers_is_exact),
        cmocka_unit_test(numeric_comparison_of_a_non_number_is_false),
        cmocka_unit_test(boolean_equals_matches_the_same_boolean),
        cmocka_unit_test(boolean_equals_on_a_non_boolean_is_false),
        cmocka_unit_test(timestamp_operators_compare_instants),
        cmocka_unit_test(timestamps_with_different_offsets_compare_as_instants),
        cmocka_unit_test(timestamp_comparison_of_a_malformed_or_non_string_value_is_false),
        cmocka_unit_test(is_null_holds_only_for_null),
        cmocka_unit_test(is_numeric_holds_for_integers_and_reals),
        cmocka_unit_test(is_string_holds_for_any_string),
        cmocka_unit_test(is_boolean_holds_for_true_and_false),
        cmocka_unit_test(is_timestamp_holds_for_strings_that_parse),
        cmocka_unit_test(is_present_tells_a_missing_value_from_a_null_one),
        cmocka_unit_test(path_variants_compare_with_another_value_of_the_input),
        cmocka_unit_test(path_operand_of_the_wrong_type_is_false),
        cmocka_unit_test(path_operand_may_be_the_whole_input),
        cmocka_unit_test(missing_variable_is_a_runtime_error),
        cmocka_unit_test(missing_variable_is_an_error_for_every_operator_but_is_present),
        cmocka_unit_test(missing_path_operand_is_a_runtime_error),
        cmocka_unit_test(variable_may_read_the_context_object),
        cmocka_unit_test(path_operand_may_read_the_context_object),
        cmocka_unit_test(rules_reading_only_the_input_need_no_context),
        cmocka_unit_test(and_matches_when_every_rule_matches),
        cmocka_unit_test(or_matches_when_any_rule_matches),
        cmocka_unit_test(not_inverts_its_rule),
        cmocka_unit_test(boolean_rules_nest),
        cmocka_unit_test(and_stops_at_the_first_rule_that_does_not_match),
        cmocka_unit_test(or_stops_at_the_first_rule_that_matches),
        cmocka_unit_test(errors_pass_through_not),
        cmocka_unit_test(top_level_rule_keeps_its_next_and_pointer),
        cmocka_unit_test(nested_rules_have_no_next),
        cmocka_unit_test(two_operators_are_rejected),
        cmocka_unit_test(rule_without_operator_is_rejected),
        cmocka_unit_test(comparison_without_variable_is_rejected),
        cmocka_unit_test(variable_that_is_not_a_reference_path_is_rejected),
        cmocka_unit_test(path_operand_that_is_not_a_reference_path_is_rejected),
        cmocka_unit_test(operand_of_the_wrong_type_is_rejected),
        cmocka_unit_test(timestamp_operand_must_be_a_valid_timestamp),
        cmocka_unit_test(empty_and_or_are_rejected),
        cmocka_unit_test(not_must_hold_one_rule_object),
        cmocka_unit_test(boolean_rule_with_variable_is_rejected),
        cmocka_unit_test(nested_rule_with_next_is_rejected),
        cmocka_unit_test(top_level_rule_without_next_is_rejected),
        cmocka_unit_test(unknown_field_is_rejected),
        cmocka_unit_test(string_matches_has_no_path_variant),
        cmocka_unit_test(jsonata_condition_is_unsupported),
        cmocka_unit_test(rule_that_is_not_an_object_is_rejected),
        cmocka_unit_test(every_problem_in_a_tree_is_reported_at_its_own_pointer),
        cmocka_unit_test(next_is_kept_even_when_the_condition_has_errors),
        cmocka_unit_test(rules_answer_as_recorded_on_aws),
        cmocka_unit_test(aws_scenario_takes_the_first_matching_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
