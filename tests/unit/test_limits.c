/*
 * test_limits.c — the limits of engine/limits.h, each just under and just
 * over, and the hostile inputs they exist for (README.md, "Limits"):
 * values nested past SF_JSON_DEPTH_LIMIT wherever they are parsed or
 * written, JSONPath nesting, filter size and steps, intrinsic arguments and
 * nesting, and intrinsic results past the payload limit.
 *
 * The end-to-end outcomes (exit statuses, the error recorded in the
 * history) are in tests/limits/test_limits.py.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/json_text.h"
#include "engine/json_util.h"
#include "engine/lang/intrinsics.h"
#include "engine/lang/jsonpath.h"
#include "engine/limits.h"

/* ---- helpers ------------------------------------------------------------ */

/* depth arrays around 1: "[[[1]]]" for 3. malloc'd. */
static char *nested_text(int depth)
{
    char *text = malloc((size_t)depth * 2 + 2);
    memset(text, '[', (size_t)depth);
    text[depth] = '1';
    memset(text + depth + 1, ']', (size_t)depth);
    text[2 * depth + 1] = '\0';
    return text;
}

/* The same value built in memory, as a state building it would. */
static json_t *nested_value(int depth)
{
    json_t *v = json_integer(1);
    for (int i = 0; i < depth; i++) {
        json_t *a = json_array();
        json_array_append_new(a, v);
        v = a;
    }
    return v;
}

/* text repeated n times, separated by sep, between open and close. */
static char *repeat(const char *open, const char *text, const char *sep, int n, const char *close)
{
    size_t len = strlen(open) + strlen(close) + (size_t)n * (strlen(text) + strlen(sep)) + 1;
    char *out = malloc(len), *w = out;
    w += sprintf(w, "%s", open);
    for (int i = 0; i < n; i++)
        w += sprintf(w, "%s%s", i ? sep : "", text);
    sprintf(w, "%s", close);
    return out;
}

/* ---- JSON depth: parsing ----------------------------------------------- */

static void depth_counts_objects_and_arrays(void **state)
{
    (void)state;
    json_t *scalar = json_integer(1), *empty = json_array(), *two = nested_value(2);
    json_t *object = json_pack("{s:{s:[]}}", "a", "b");
    assert_true(sf_json_depth_within(scalar, 0));
    assert_false(sf_json_depth_within(empty, 0));
    assert_true(sf_json_depth_within(empty, 1));
    assert_false(sf_json_depth_within(two, 1));
    assert_true(sf_json_depth_within(two, 2));
    assert_false(sf_json_depth_within(object, 2));
    assert_true(sf_json_depth_within(object, 3));
    json_decref(scalar);
    json_decref(empty);
    json_decref(two);
    json_decref(object);
}

static void parsing_accepts_the_depth_limit_and_refuses_one_more(void **state)
{
    (void)state;
    char *ok = nested_text(SF_JSON_DEPTH_LIMIT), *over = nested_text(SF_JSON_DEPTH_LIMIT + 1);
    json_error_t err;
    json_t *v = sf_json_loadb(ok, strlen(ok), JSON_DECODE_ANY, &err);
    assert_non_null(v);
    json_decref(v);
    assert_null(sf_json_loadb(over, strlen(over), JSON_DECODE_ANY, &err));
    assert_int_equal(json_error_code(&err), json_error_stack_overflow);
    assert_string_equal(err.text, "objects and arrays nested deeper than 512 levels (the limit)");
    assert_int_equal(err.line, -1);
    char errbuf[160];
    assert_null(sf_json_parse(over, strlen(over), errbuf, sizeof errbuf));
    assert_string_equal(errbuf, "objects and arrays nested deeper than 512 levels (the limit)");
    free(ok);
    free(over);
}

static void parsing_past_janssons_own_limit_says_the_same_with_a_position(void **state)
{
    (void)state;
    char *text = nested_text(100000);
    json_error_t err;
    assert_null(sf_json_loadb(text, strlen(text), JSON_DECODE_ANY, &err));
    assert_int_equal(json_error_code(&err), json_error_stack_overflow);
    assert_string_equal(err.text, "objects and arrays nested deeper than 512 levels (the limit)");
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 2049); /* jansson stops at its 2049th bracket */
    free(text);
}

static void too_deep_pointer_names_the_first_container_past_the_limit(void **state)
{
    (void)state;
    json_t *doc = json_loads("{\"x\": 1, \"a/b\": [0, {\"c~d\": [[]]}]}", 0, NULL);
    char *ptr = sf_json_too_deep_pointer(doc, 3);
    assert_string_equal(ptr, "/a~1b/1/c~0d");
    free(ptr);
    ptr = sf_json_too_deep_pointer(doc, 4);
    assert_string_equal(ptr, "/a~1b/1/c~0d/0");
    free(ptr);
    assert_null(sf_json_too_deep_pointer(doc, 5));
    json_decref(doc);
}

/* ---- JSON depth and length: writing -------------------------------------- */

static void literal_writer_reports_a_value_past_the_depth_limit(void **state)
{
    (void)state;
    json_t *ok = nested_value(SF_JSON_DEPTH_LIMIT), *over = nested_value(SF_JSON_DEPTH_LIMIT + 1);
    sf_text t = {0};
    assert_int_equal(sf_text_put_json_literal_within(&t, ok, SF_PAYLOAD_LIMIT_BYTES),
                     2 * SF_JSON_DEPTH_LIMIT + 1);
    t.len = 0;
    assert_true(sf_text_put_json_literal_within(&t, over, SF_PAYLOAD_LIMIT_BYTES) ==
                SF_TEXT_TOO_DEEP);
    sf_text_free(&t);
    json_decref(ok);
    json_decref(over);
}

static void every_writer_is_bounded_whatever_the_depth(void **state)
{
    (void)state;
    /* Deeper than any check lets through; the writers must not recurse
     * past the limit (what lies deeper is written as null). */
    json_t *v = nested_value(4 * SF_JSON_DEPTH_LIMIT);
    char *text = sf_json_compact(v);
    assert_int_equal(strlen(text), 2 * SF_JSON_DEPTH_LIMIT + 4);
    assert_memory_equal(text + SF_JSON_DEPTH_LIMIT, "null", 4);
    free(text);
    json_decref(v);
}

static void literal_writer_stops_once_past_the_length_it_may_reach(void **state)
{
    (void)state;
    /* One 1 KiB string shared 100,000 times: 100 MiB of text if written. */
    char big[1024];
    memset(big, 'x', sizeof big);
    json_t *s = json_stringn(big, sizeof big), *a = json_array();
    for (int i = 0; i < 100000; i++)
        json_array_append(a, s);
    sf_text t = {0};
    size_t len = sf_text_put_json_literal_within(&t, a, SF_PAYLOAD_LIMIT_BYTES);
    assert_true(len > SF_PAYLOAD_LIMIT_BYTES && len != SF_TEXT_TOO_DEEP);
    assert_true(t.len < SF_PAYLOAD_LIMIT_BYTES + 2 * sizeof big);
    sf_text_free(&t);
    json_decref(s);
    json_decref(a);
}

/* ---- JSONPath -------------------------------------------------------------- */

static void check_path_error(const char *text, const char *message)
{
    char *error = NULL;
    sf_path *p = sf_path_compile(text, SF_PATH_FULL, &error);
    if (p)
        fail_msg("'%.60s...' should not compile", text);
    assert_string_equal(error, message);
    free(error);
}

static void check_path_ok(const char *text)
{
    char *error = NULL;
    sf_path *p = sf_path_compile(text, SF_PATH_FULL, &error);
    if (!p)
        fail_msg("'%.60s...' did not compile: %s", text, error);
    sf_path_free(p);
}

/* n filters, each inside the path of the one before: $[?(@.a[?(@.a...)])].
 * Each counts twice towards SF_PATH_NESTING_LIMIT: the filter, and its own
 * parentheses. */
static char *nested_filters(int n)
{
    char *open = repeat("$", "[?(@.a", "", n, ""), *close = repeat("", ")]", "", n, "");
    char *text = malloc(strlen(open) + strlen(close) + 1);
    sprintf(text, "%s%s", open, close);
    free(open);
    free(close);
    return text;
}

static void path_filters_nest_up_to_the_limit(void **state)
{
    (void)state;
    char *ok = nested_filters(SF_PATH_NESTING_LIMIT / 2);
    char *over = nested_filters(SF_PATH_NESTING_LIMIT / 2 + 1);
    check_path_ok(ok);
    check_path_error(over, "filter expressions nested more than 64 deep at offset 195");
    char *hostile = nested_filters(10000);
    check_path_error(hostile, "filter expressions nested more than 64 deep at offset 195");
    free(ok);
    free(over);
    free(hostile);
}

static void path_parentheses_and_nots_count_as_nesting(void **state)
{
    (void)state;
    char *parens = repeat("$[?(", "(", "", 100000, "@.a)]");
    check_path_error(parens, "filter expressions nested more than 64 deep at offset 67");
    char *nots = repeat("$[?(", "!", "", 100000, "@.a)]");
    check_path_error(nots, "filter expressions nested more than 64 deep at offset 67");
    free(parens);
    free(nots);
}

static void path_filters_hold_a_bounded_number_of_terms(void **state)
{
    (void)state;
    /* The filter's parentheses are one of the 256, its terms the rest. */
    char *ok = repeat("$[?(", "@.a", " && ", SF_PATH_FILTER_NODES_LIMIT - 1, ")]");
    char *over = repeat("$[?(", "@.a", " && ", SF_PATH_FILTER_NODES_LIMIT, ")]");
    check_path_ok(ok);
    check_path_error(over, "more than 256 filter expressions in one path at offset 1788");
    free(ok);
    free(over);
}

static void paths_have_a_bounded_number_of_steps(void **state)
{
    (void)state;
    char *ok = repeat("$", ".a", "", SF_PATH_STEPS_LIMIT, "");
    char *over = repeat("$", ".a", "", SF_PATH_STEPS_LIMIT + 1, "");
    check_path_ok(ok);
    check_path_error(over, "more than 512 steps in one path at offset 1025");
    free(ok);
    free(over);
}

static void path_evaluation_visits_a_bounded_number_of_nodes(void **state)
{
    (void)state;
    /* 300 objects one inside the other: each "..*" visits what is below
     * every match of the one before, about 300^k / k! nodes for k scans. */
    char *open = repeat("", "{\"a\":", "", 300, "1"), *close = repeat("", "}", "", 300, "");
    char *text = malloc(strlen(open) + strlen(close) + 1);
    sprintf(text, "%s%s", open, close);
    json_t *doc = json_loads(text, 0, NULL);
    sf_eval_env env = {.input = doc};
    char *error = NULL;
    sf_path *two = sf_path_compile("$..*..*", SF_PATH_FULL, &error);
    sf_path *five = sf_path_compile("$..*..*..*..*..*", SF_PATH_FULL, &error);
    json_t *got = sf_path_eval(two, &env);
    assert_int_equal(json_array_size(got), 299 * 300 / 2);
    json_decref(got);
    assert_null(sf_path_eval(five, &env)); /* about 2e10 visits: stopped at 1e7 */
    sf_path_free(two);
    sf_path_free(five);
    json_decref(doc);
    free(text);
    free(open);
    free(close);
}

/* ---- Intrinsic functions ---------------------------------------------- */

static char *intrinsic_error(const char *expr)
{
    char *error = NULL;
    sf_intrinsic *f = sf_intrinsic_compile(expr, &error);
    if (f)
        fail_msg("'%.60s...' should not compile", expr);
    return error;
}

static void intrinsic_calls_take_a_bounded_number_of_arguments(void **state)
{
    (void)state;
    char *ok = repeat("States.Array(", "1", ", ", SF_INTRINSIC_ARGS_LIMIT, ")");
    char *over = repeat("States.Array(", "1", ", ", SF_INTRINSIC_ARGS_LIMIT + 1, ")");
    char *hostile = repeat("States.Format('x'", "", ", 1", 100000, ")");
    char *error = NULL;
    sf_intrinsic *f = sf_intrinsic_compile(ok, &error);
    assert_non_null(f);
    sf_intrinsic_free(f);
    error = intrinsic_error(over);
    assert_string_equal(error, "more than 1000 arguments in one call (call at offset 0)");
    free(error);
    error = intrinsic_error(hostile);
    assert_string_equal(error, "more than 1000 arguments in one call (call at offset 0)");
    free(error);
    free(ok);
    free(over);
    free(hostile);
}

static void intrinsic_nesting_fails_cleanly_however_deep(void **state)
{
    (void)state;
    char *open = repeat("", "States.Array(", "", 10000, "");
    char *close = repeat("", ")", "", 10000, "");
    char *expr = malloc(strlen(open) + strlen(close) + 2);
    sprintf(expr, "%s1%s", open, close);
    char *error = intrinsic_error(expr);
    assert_string_equal(error, "intrinsic functions are nested more than 10 deep at offset 130");
    free(error);
    free(expr);
    free(open);
    free(close);
}

static void intrinsic_eval_fails(const char *expr, const char *input, const char *cause)
{
    char *error = NULL;
    sf_intrinsic *f = sf_intrinsic_compile(expr, &error);
    if (!f)
        fail_msg("%s: %s", expr, error);
    json_t *in = json_loads(input, JSON_DECODE_ANY, NULL);
    sf_eval_env env = {.input = in};
    sf_error err = SF_ERROR_INIT;
    json_t *got = sf_intrinsic_eval(f, &env, &err);
    assert_null(got);
    assert_string_equal(err.name, "States.Runtime");
    /* The cause starts "The function '<the whole expression>' had ..." */
    size_t len = strlen(err.cause), want = strlen(cause);
    if (len < want || strcmp(err.cause + len - want, cause) != 0)
        fail_msg("cause '...%s' does not end with '%s'", err.cause + (len > 200 ? len - 200 : 0),
                 cause);
    sf_error_clear(&err);
    json_decref(in);
    sf_intrinsic_free(f);
}

static void intrinsic_results_past_the_payload_limit_fail_before_they_are_built(void **state)
{
    (void)state;
    /* $.s is 1 KiB: 600 copies of it make 600 KiB, past the 256 KiB. */
    char *input = malloc(1100);
    sprintf(input, "{\"s\":\"%01024d\"}", 0);
    char *format = repeat("States.Format('", "{}", "", 600, "'");
    char *args = repeat(format, "", ", $.s", 601, ")"); /* 600 separators */
    intrinsic_eval_fails(args, input,
                         "The result of States.Format would be longer than 262144 bytes, the "
                         "maximum size of a payload");
    char *array = repeat("States.JsonToString(States.Array(", "$.s", ", ", 1000, "))");
    intrinsic_eval_fails(array, input,
                         "The result of States.JsonToString would be longer than 262144 "
                         "bytes, the maximum size of a payload");
    free(input);
    free(format);
    free(args);
    free(array);
}

static void string_to_json_refuses_text_past_the_depth_limit(void **state)
{
    (void)state;
    char *deep = nested_text(SF_JSON_DEPTH_LIMIT + 1);
    char *input = malloc(strlen(deep) + 16);
    sprintf(input, "{\"s\":\"%s\"}", deep);
    intrinsic_eval_fails("States.StringToJson($.s)", input,
                         "Invalid arguments in States.StringToJson: objects and arrays nested "
                         "deeper than 512 levels (the limit)");
    free(deep);
    free(input);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(depth_counts_objects_and_arrays),
        cmocka_unit_test(parsing_accepts_the_depth_limit_and_refuses_one_more),
        cmocka_unit_test(parsing_past_janssons_own_limit_says_the_same_with_a_position),
        cmocka_unit_test(too_deep_pointer_names_the_first_container_past_the_limit),
        cmocka_unit_test(literal_writer_reports_a_value_past_the_depth_limit),
        cmocka_unit_test(every_writer_is_bounded_whatever_the_depth),
        cmocka_unit_test(literal_writer_stops_once_past_the_length_it_may_reach),
        cmocka_unit_test(path_filters_nest_up_to_the_limit),
        cmocka_unit_test(path_parentheses_and_nots_count_as_nesting),
        cmocka_unit_test(path_filters_hold_a_bounded_number_of_terms),
        cmocka_unit_test(paths_have_a_bounded_number_of_steps),
        cmocka_unit_test(path_evaluation_visits_a_bounded_number_of_nodes),
        cmocka_unit_test(intrinsic_calls_take_a_bounded_number_of_arguments),
        cmocka_unit_test(intrinsic_nesting_fails_cleanly_however_deep),
        cmocka_unit_test(intrinsic_results_past_the_payload_limit_fail_before_they_are_built),
        cmocka_unit_test(string_to_json_refuses_text_past_the_depth_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
