/*
 * test_template.c — payload templates (Parameters, ResultSelector,
 * ItemSelector): constants, "x.$" paths, nesting, arrays, the exact AWS
 * cause when a path matches nothing, and the diagnostics of bad templates.
 *
 * Intrinsic calls are tested in their own cases, which skip themselves
 * while engine/lang/intrinsics.c cannot compile a call.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "engine/lang/intrinsics.h"
#include "engine/lang/jsonpath.h"
#include "engine/lang/template.h"
#include "json_assert.h"

static sf_template *compile_ok(const char *tmpl_text)
{
    json_t *tmpl = parse_json(tmpl_text);
    sf_diags diags = SF_DIAGS_INIT;
    sf_template *t = sf_template_compile(tmpl, "/States/S/Parameters", &diags);
    for (size_t i = 0; i < diags.count; i++)
        print_error("%s %s: %s\n", diags.items[i].code, diags.items[i].pointer,
                    diags.items[i].message);
    assert_non_null(t);
    assert_int_equal(diags.count, 0);
    sf_diags_free(&diags);
    json_decref(tmpl);
    return t;
}

/* Apply tmpl to input; the result must be expected. */
static void check(const char *tmpl_text, const char *input_text, const char *expected)
{
    sf_template *t = compile_ok(tmpl_text);
    json_t *input = parse_json(input_text);
    sf_eval_env env = {.input = input};
    sf_error err = SF_ERROR_INIT;
    json_t *out = sf_template_eval(t, &env, &err);
    if (!out)
        print_error("failed: %s: %s\n", err.name, err.cause);
    assert_false(sf_error_is_set(&err));
    assert_json_equals(out, expected);
    json_decref(input);
    sf_template_free(t);
}

/* Apply tmpl to env; it must fail with exactly this error. */
static void check_error(const char *tmpl_text, const sf_eval_env *env, const char *name,
                        const char *cause)
{
    sf_template *t = compile_ok(tmpl_text);
    sf_error err = SF_ERROR_INIT;
    assert_null(sf_template_eval(t, env, &err));
    assert_string_equal(err.name, name);
    assert_string_equal(err.cause, cause);
    sf_error_clear(&err);
    sf_template_free(t);
}

typedef struct expected_diag {
    const char *code, *pointer, *message;
} expected_diag;

static void check_diags(const char *tmpl_text, const expected_diag *want, size_t count)
{
    json_t *tmpl = parse_json(tmpl_text);
    sf_diags diags = SF_DIAGS_INIT;
    assert_null(sf_template_compile(tmpl, "/States/S/Parameters", &diags));
    assert_int_equal(diags.count, count);
    assert_int_equal(diags.errors, count);
    for (size_t i = 0; i < count; i++) {
        assert_string_equal(diags.items[i].code, want[i].code);
        assert_string_equal(diags.items[i].pointer, want[i].pointer);
        assert_string_equal(diags.items[i].message, want[i].message);
    }
    sf_diags_free(&diags);
    json_decref(tmpl);
}

/* Intrinsic cases need engine/lang/intrinsics.c to compile calls. */
static bool intrinsics_available(void)
{
    char *error = NULL;
    sf_intrinsic *f = sf_intrinsic_compile("States.Array(1)", &error);
    free(error);
    sf_intrinsic_free(f);
    return f != NULL;
}

/* ---- constants ---------------------------------------------------------- */

static void constant_template_is_copied_as_it_is(void **state)
{
    (void)state;
    check("{\"a\": 1, \"b\": [true, null, \"s\"], \"c\": {\"d\": 2.5}}", "{\"ignored\": 1}",
          "{\"a\": 1, \"b\": [true, null, \"s\"], \"c\": {\"d\": 2.5}}");
    check("\"just a string\"", "{}", "\"just a string\"");
    check("[]", "{}", "[]");
    check("{}", "{}", "{}");
}

static void constant_subtrees_are_shared_between_runs(void **state)
{
    (void)state;
    sf_template *t = compile_ok("{\"fixed\": {\"big\": [1, 2, 3]}, \"v.$\": \"$.v\"}");
    json_t *input = parse_json("{\"v\": 1}");
    sf_eval_env env = {.input = input};
    sf_error err = SF_ERROR_INIT;
    json_t *first = sf_template_eval(t, &env, &err);
    json_t *second = sf_template_eval(t, &env, &err);
    assert_ptr_not_equal(first, second);
    assert_ptr_equal(json_object_get(first, "fixed"), json_object_get(second, "fixed"));
    json_decref(first);
    json_decref(second);
    json_decref(input);
    sf_template_free(t);
}

static void constant_result_has_a_top_level_of_its_own(void **state)
{
    (void)state;
    sf_template *t = compile_ok("{\"a\": {\"b\": 1}}");
    sf_eval_env env = {.input = json_object()};
    sf_error err = SF_ERROR_INIT;
    json_t *first = sf_template_eval(t, &env, &err);
    json_object_set_new(first, "added", json_true()); /* the caller owns the top level */
    assert_json_equals(sf_template_eval(t, &env, &err), "{\"a\": {\"b\": 1}}");
    json_decref(first);
    json_decref(env.input);
    sf_template_free(t);
}

static void template_does_not_keep_the_callers_json(void **state)
{
    (void)state;
    json_t *tmpl = parse_json("{\"a\": {\"b\": 1}, \"c.$\": \"$.c\"}");
    sf_diags diags = SF_DIAGS_INIT;
    sf_template *t = sf_template_compile(tmpl, "", &diags);
    json_object_set_new(json_object_get(tmpl, "a"), "b", json_integer(99));
    json_decref(tmpl);
    json_t *input = parse_json("{\"c\": 3}");
    sf_eval_env env = {.input = input};
    sf_error err = SF_ERROR_INIT;
    assert_json_equals(sf_template_eval(t, &env, &err), "{\"a\": {\"b\": 1}, \"c\": 3}");
    json_decref(input);
    sf_template_free(t);
}

/* ---- paths -------------------------------------------------------------- */

static void path_key_drops_the_suffix_and_takes_the_value(void **state)
{
    (void)state;
    check("{\"value.$\": \"$.a\", \"plain\": \"$.a\"}", "{\"a\": {\"x\": 1}}",
          "{\"value\": {\"x\": 1}, \"plain\": \"$.a\"}");
}

static void path_results_share_the_inputs_nodes(void **state)
{
    (void)state;
    sf_template *t = compile_ok("{\"v.$\": \"$.a\"}");
    json_t *input = parse_json("{\"a\": {\"x\": 1}}");
    sf_eval_env env = {.input = input};
    sf_error err = SF_ERROR_INIT;
    json_t *out = sf_template_eval(t, &env, &err);
    assert_ptr_equal(json_object_get(out, "v"), json_object_get(input, "a"));
    json_decref(out);
    json_decref(input);
    sf_template_free(t);
}

static void path_dollar_takes_the_whole_input(void **state)
{
    (void)state;
    check("{\"all.$\": \"$\"}", "[1, 2]", "{\"all\": [1, 2]}");
}

static void path_can_select_many_nodes(void **state)
{
    (void)state;
    check("{\"ids.$\": \"$.items[*].id\", \"cheap.$\": \"$.items[?(@.p < 5)].id\"}",
          "{\"items\": [{\"id\": 1, \"p\": 9}, {\"id\": 2, \"p\": 1}]}",
          "{\"ids\": [1, 2], \"cheap\": [2]}");
}

static void path_to_null_or_false_is_a_value(void **state)
{
    (void)state;
    check("{\"n.$\": \"$.n\", \"f.$\": \"$.f\"}", "{\"n\": null, \"f\": false}",
          "{\"n\": null, \"f\": false}");
}

static void nested_objects_and_arrays_are_templates_too(void **state)
{
    (void)state;
    check("{\"outer\": {\"inner.$\": \"$.x\", \"k\": \"v\"},"
          " \"list\": [1, {\"y.$\": \"$.y\"}, [{\"z.$\": \"$.z\"}]],"
          " \"last\": true}",
          "{\"x\": \"X\", \"y\": [\"Y\"], \"z\": 0}",
          "{\"outer\": {\"inner\": \"X\", \"k\": \"v\"},"
          " \"list\": [1, {\"y\": [\"Y\"]}, [{\"z\": 0}]],"
          " \"last\": true}");
}

static void output_keeps_the_templates_key_order(void **state)
{
    (void)state;
    sf_template *t = compile_ok("{\"z\": 1, \"m.$\": \"$.m\", \"a\": 2}");
    json_t *input = parse_json("{\"m\": \"M\"}");
    sf_eval_env env = {.input = input};
    sf_error err = SF_ERROR_INIT;
    json_t *out = sf_template_eval(t, &env, &err);
    char *text = sf_json_compact(out);
    assert_string_equal(text, "{\"z\":1,\"m\":\"M\",\"a\":2}");
    free(text);
    json_decref(out);
    json_decref(input);
    sf_template_free(t);
}

static void context_and_variable_paths(void **state)
{
    (void)state;
    sf_template *t = compile_ok("{\"id.$\": \"$$.Execution.Id\", \"item.$\": \"$$.Map.Item.Value\","
                                " \"v.$\": \"$total\", \"in.$\": \"$.n\"}");
    json_t *input = parse_json("{\"n\": 1}");
    json_t *context = parse_json("{\"Execution\": {\"Id\": \"arn:e\"}, \"Map\": {\"Item\": "
                                 "{\"Index\": 0, \"Value\": \"first\"}}}");
    json_t *vars = parse_json("{\"total\": 42}");
    sf_eval_env env = {.input = input, .context = context, .variables = vars};
    sf_error err = SF_ERROR_INIT;
    assert_true(sf_template_uses_context(t));
    assert_json_equals(sf_template_eval(t, &env, &err),
                       "{\"id\": \"arn:e\", \"item\": \"first\", \"v\": 42, \"in\": 1}");
    json_decref(input);
    json_decref(context);
    json_decref(vars);
    sf_template_free(t);
}

static void template_without_context_paths_does_not_need_it(void **state)
{
    (void)state;
    sf_template *t = compile_ok("{\"a.$\": \"$.a\", \"b\": \"$$.not.a.path\", \"c\": [{\"d.$\": "
                                "\"$var\"}]}");
    assert_false(sf_template_uses_context(t));
    sf_template_free(t);
}

/* ---- run-time errors ---------------------------------------------------- */

static void missing_path_fails_with_the_aws_cause(void **state)
{
    (void)state;
    json_t *input = parse_json("{\"a\": 1, \"b\": \"x/y\", \"c\": [1.5, null]}");
    sf_eval_env env = {.input = input};
    check_error("{\"value.$\": \"$.no_such_jsonpath\"}", &env, "States.Runtime",
                "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not "
                "be found in the input '{\"a\":1,\"b\":\"x/y\",\"c\":[1.5,null]}'");
    json_decref(input);
}

static void missing_path_deep_inside_names_the_key_as_written(void **state)
{
    (void)state;
    json_t *input = parse_json("{\"flagged\": false}");
    sf_eval_env env = {.input = input};
    check_error("{\"ok\": 1, \"outer\": {\"list\": [{\"address.$\": \"$.application.address\"}]}}",
                &env, "States.Runtime",
                "The JSONPath '$.application.address' specified for the field 'address.$' could "
                "not be found in the input '{\"flagged\":false}'");
    json_decref(input);
}

static void missing_context_path_quotes_the_context_object(void **state)
{
    (void)state;
    json_t *input = parse_json("{\"in\": 1}");
    json_t *context = parse_json("{\"Map\": {\"Item\": {\"Value\": {\"a\": 1}}}}");
    sf_eval_env env = {.input = input, .context = context};
    check_error("{\"checkId.$\": \"$$.Map.Item.Value.checkId\"}", &env, "States.Runtime",
                "The JSONPath '$$.Map.Item.Value.checkId' specified for the field 'checkId.$' "
                "could not be found in the input '{\"Map\":{\"Item\":{\"Value\":{\"a\":1}}}}'");
    json_decref(input);
    json_decref(context);
}

static void missing_variable_path_quotes_the_variables_value(void **state)
{
    (void)state;
    json_t *input = parse_json("{}");
    json_t *vars = parse_json("{\"order\": {\"id\": 7}}");
    sf_eval_env env = {.input = input, .variables = vars};
    check_error("{\"x.$\": \"$order.sku\"}", &env, "States.Runtime",
                "The JSONPath '$order.sku' specified for the field 'x.$' could not be found in "
                "the input '{\"id\":7}'");
    check_error("{\"x.$\": \"$nobody\"}", &env, "States.Runtime",
                "The JSONPath '$nobody' specified for the field 'x.$' could not be found in the "
                "input 'null'");
    json_decref(input);
    json_decref(vars);
}

/* ---- compile errors ----------------------------------------------------- */

static void dollar_key_with_a_non_string_value_is_a_schema_error(void **state)
{
    (void)state;
    const expected_diag want[] = {
        {"SCHEMA_VALIDATION_FAILED", "/States/S/Parameters/n.$",
         "The value for the field 'n.$' must be a string holding a JSONPath or an intrinsic "
         "function call"},
    };
    check_diags("{\"n.$\": 5}", want, 1);
}

static void bad_path_is_reported_with_its_pointer(void **state)
{
    (void)state;
    const expected_diag want[] = {
        {"INVALID_JSON_PATH", "/States/S/Parameters/a/list/1/y.$",
         "The value for the field 'y.$' must be a valid JSONPath or intrinsic function call: "
         "unexpected end of path at offset 4"},
    };
    check_diags("{\"a\": {\"list\": [0, {\"y.$\": \"$.a[\"}]}}", want, 1);
}

static void text_that_is_neither_path_nor_call_is_an_invalid_path(void **state)
{
    (void)state;
    const expected_diag want[] = {
        {"INVALID_JSON_PATH", "/States/S/Parameters/x.$",
         "The value for the field 'x.$' must be a valid JSONPath or intrinsic function call: "
         "a path must start with '$' at offset 0"},
    };
    check_diags("{\"x.$\": \"hello\"}", want, 1);
}

static void every_problem_is_reported_at_once(void **state)
{
    (void)state;
    const expected_diag want[] = {
        {"INVALID_JSON_PATH", "/States/S/Parameters/a.$",
         "The value for the field 'a.$' must be a valid JSONPath or intrinsic function call: "
         "unexpected 'x' at offset 3"},
        {"SCHEMA_VALIDATION_FAILED", "/States/S/Parameters/b~1c.$",
         "The value for the field 'b/c.$' must be a string holding a JSONPath or an intrinsic "
         "function call"},
    };
    check_diags("{\"a.$\": \"$.[x]\", \"ok\": 1, \"b/c.$\": null}", want, 2);
}

static void two_keys_for_one_output_field_are_an_error(void **state)
{
    (void)state;
    const expected_diag want[] = {
        {"SCHEMA_VALIDATION_FAILED", "/States/S/Parameters/a.$",
         "The field 'a.$' gives the output field 'a' a second time"},
    };
    check_diags("{\"a\": 1, \"a.$\": \"$.a\"}", want, 1);
}

static void unknown_intrinsic_is_reported(void **state)
{
    (void)state;
    json_t *tmpl = parse_json("{\"x\": {\"y.$\": \"States.NoSuchFunction($.a)\"}}");
    sf_diags diags = SF_DIAGS_INIT;
    assert_null(sf_template_compile(tmpl, "/P", &diags));
    assert_int_equal(diags.count, 1);
    assert_string_equal(diags.items[0].code, "INVALID_INTRINSIC_FUNCTION");
    assert_string_equal(diags.items[0].pointer, "/P/x/y.$");
    const char *prefix = "The value for the field 'y.$' is not a valid intrinsic function call: ";
    assert_memory_equal(diags.items[0].message, prefix, strlen(prefix));
    sf_diags_free(&diags);
    json_decref(tmpl);
}

/* ---- intrinsic functions ------------------------------------------------ */

static void intrinsic_call_value_is_computed(void **state)
{
    (void)state;
    if (!intrinsics_available())
        skip();
    check("{\"greeting.$\": \"States.Format('Hello, {}!', $.name)\", \"n\": 1}",
          "{\"name\": \"Ada\"}", "{\"greeting\": \"Hello, Ada!\", \"n\": 1}");
    check("{\"a.$\": \"States.Array($.x, 2)\"}", "{\"x\": 1}", "{\"a\": [1, 2]}");
}

static void intrinsic_failure_is_passed_on_unchanged(void **state)
{
    (void)state;
    if (!intrinsics_available())
        skip();
    const char *call = "States.StringToJson($.text)";
    json_t *input = parse_json("{\"text\": \"{not json\"}");
    sf_eval_env env = {.input = input};
    char *error = NULL;
    sf_intrinsic *f = sf_intrinsic_compile(call, &error);
    assert_non_null(f);
    sf_error direct = SF_ERROR_INIT;
    assert_null(sf_intrinsic_eval(f, &env, &direct));
    char tmpl[200];
    snprintf(tmpl, sizeof tmpl, "{\"wrap\": {\"v.$\": \"%s\"}}", call);
    check_error(tmpl, &env, direct.name, direct.cause);
    sf_error_clear(&direct);
    sf_intrinsic_free(f);
    json_decref(input);
}

static void intrinsic_reading_the_context_marks_the_template(void **state)
{
    (void)state;
    if (!intrinsics_available())
        skip();
    sf_template *t = compile_ok("{\"a.$\": \"States.Format('{}', $$.Execution.Id)\"}");
    assert_true(sf_template_uses_context(t));
    sf_template_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(constant_template_is_copied_as_it_is),
        cmocka_unit_test(constant_subtrees_are_shared_between_runs),
        cmocka_unit_test(constant_result_has_a_top_level_of_its_own),
        cmocka_unit_test(template_does_not_keep_the_callers_json),
        cmocka_unit_test(path_key_drops_the_suffix_and_takes_the_value),
        cmocka_unit_test(path_results_share_the_inputs_nodes),
        cmocka_unit_test(path_dollar_takes_the_whole_input),
        cmocka_unit_test(path_can_select_many_nodes),
        cmocka_unit_test(path_to_null_or_false_is_a_value),
        cmocka_unit_test(nested_objects_and_arrays_are_templates_too),
        cmocka_unit_test(output_keeps_the_templates_key_order),
        cmocka_unit_test(context_and_variable_paths),
        cmocka_unit_test(template_without_context_paths_does_not_need_it),
        cmocka_unit_test(missing_path_fails_with_the_aws_cause),
        cmocka_unit_test(missing_path_deep_inside_names_the_key_as_written),
        cmocka_unit_test(missing_context_path_quotes_the_context_object),
        cmocka_unit_test(missing_variable_path_quotes_the_variables_value),
        cmocka_unit_test(dollar_key_with_a_non_string_value_is_a_schema_error),
        cmocka_unit_test(bad_path_is_reported_with_its_pointer),
        cmocka_unit_test(text_that_is_neither_path_nor_call_is_an_invalid_path),
        cmocka_unit_test(every_problem_is_reported_at_once),
        cmocka_unit_test(two_keys_for_one_output_field_are_an_error),
        cmocka_unit_test(unknown_intrinsic_is_reported),
        cmocka_unit_test(intrinsic_call_value_is_computed),
        cmocka_unit_test(intrinsic_failure_is_passed_on_unchanged),
        cmocka_unit_test(intrinsic_reading_the_context_marks_the_template),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
