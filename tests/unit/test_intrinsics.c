/*
 * test_intrinsics.c — the ASL intrinsic functions, one case per behaviour.
 *
 * Expected values come from three places, named in each case:
 *   - "AWS conformance": the recorded cases in shared/conformance/cases
 *     (array_*, format_*, hash*, json_to_string*, math_add*, string_split*,
 *     string_to_json*, base64*, escape_sequence), same expression and input;
 *   - "AWS recorded": behaviour observed on AWS Step Functions and published
 *     by projects that test against it (LocalStack snapshots, conformance
 *     catalogues);
 *   - "AWS docs": the examples of the Step Functions developer guide.
 * Java-specific printing and ordering (Double.toString, HashSet order,
 * Random(seed)) were checked against a JDK.
 *
 * Failures assert the exact error name and cause. The engine later prefixes
 * the cause with "An error occurred while executing the state ...".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/lang/hash.h"
#include "engine/lang/intrinsics.h"

/* ---- helpers ------------------------------------------------------------ */

static json_t *parse(const char *text)
{
    json_error_t error;
    json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
    if (!v)
        fail_msg("bad JSON in test: %s: %s", text, error.text);
    return v;
}

static sf_intrinsic *compile(const char *expr)
{
    char *error = NULL;
    sf_intrinsic *f = sf_intrinsic_compile(expr, &error);
    if (!f)
        fail_msg("%s: compile error: %s", expr, error);
    return f;
}

/* Evaluate with input (and optional context / variables), expect success. */
static json_t *eval_env(const char *expr, const char *input, const char *context,
                        const char *variables)
{
    sf_intrinsic *f = compile(expr);
    json_t *in = parse(input);
    json_t *ctx = context ? parse(context) : NULL;
    json_t *vars = variables ? parse(variables) : NULL;
    sf_eval_env env = {.input = in, .context = ctx, .variables = vars};
    sf_error err = SF_ERROR_INIT;
    json_t *got = sf_intrinsic_eval(f, &env, &err);
    if (!got)
        fail_msg("%s failed: %s: %s", expr, err.name, err.cause);
    sf_intrinsic_free(f);
    json_decref(in);
    json_decref(ctx);
    json_decref(vars);
    return got;
}

/* Deep, type-strict comparison (1 is not 1.0) with a readable failure. */
static void assert_json(json_t *got, const char *expected, const char *expr)
{
    json_t *want = parse(expected);
    if (!json_equal(got, want)) {
        char *text = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT);
        fail_msg("%s\n  got:  %s\n  want: %s", expr, text, expected);
    }
    json_decref(want);
    json_decref(got);
}

static void assert_eval(const char *expr, const char *input, const char *expected)
{
    assert_json(eval_env(expr, input, NULL, NULL), expected, expr);
}

/* The value must be a string equal to expected, byte for byte. */
static void assert_eval_string(const char *expr, const char *input, const char *expected)
{
    json_t *got = eval_env(expr, input, NULL, NULL);
    if (!json_is_string(got))
        fail_msg("%s: not a string", expr);
    assert_string_equal(json_string_value(got), expected);
    json_decref(got);
}

/* Evaluation fails with States.Runtime and exactly this cause. */
static void assert_eval_fails(const char *expr, const char *input, const char *cause)
{
    sf_intrinsic *f = compile(expr);
    json_t *in = parse(input);
    sf_eval_env env = {.input = in};
    sf_error err = SF_ERROR_INIT;
    json_t *got = sf_intrinsic_eval(f, &env, &err);
    if (got)
        fail_msg("%s: expected a failure, got %s", expr,
                 json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT));
    assert_string_equal(err.name, "States.Runtime");
    assert_string_equal(err.cause, cause);
    sf_error_clear(&err);
    sf_intrinsic_free(f);
    json_decref(in);
}

/* "The function '<expr>' had the following error: Invalid arguments in
 * <function>" — the cause of every type or value error. */
static void assert_invalid_arguments(const char *expr, const char *input, const char *function)
{
    char cause[16384];
    snprintf(cause, sizeof cause,
             "The function '%s' had the following error: Invalid arguments in %s", expr, function);
    assert_eval_fails(expr, input, cause);
}

static void assert_compile_error(const char *expr, const char *message)
{
    char *error = NULL;
    sf_intrinsic *f = sf_intrinsic_compile(expr, &error);
    if (f)
        fail_msg("%s: expected a compile error", expr);
    assert_string_equal(error, message);
    free(error);
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* {"s": "<c repeated n times>"} */
static char *input_with_repeated_string(char c, size_t n)
{
    char *body = repeat(c, n);
    char *input = malloc(n + 16);
    sprintf(input, "{\"s\":\"%s\"}", body);
    free(body);
    return input;
}

/* ---- compiling ---------------------------------------------------------- */

static void looks_like_call_needs_the_states_prefix_and_a_parenthesis(void **state)
{
    (void)state;
    assert_true(sf_intrinsic_looks_like_call("States.Format('x')"));
    assert_true(sf_intrinsic_looks_like_call("States.UUID()"));
    assert_false(sf_intrinsic_looks_like_call("$.States"));
    assert_false(sf_intrinsic_looks_like_call("States.Format"));
    assert_false(sf_intrinsic_looks_like_call("states.Format('x')"));
}

static void every_function_compiles_with_its_arity(void **state)
{
    (void)state;
    const char *calls[] = {
        "States.Format('x')",
        "States.Format('{} {}', 1, 2)",
        "States.StringToJson('1')",
        "States.JsonToString($)",
        "States.Array()",
        "States.Array(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)",
        "States.ArrayPartition($, 2)",
        "States.ArrayContains($, 2)",
        "States.ArrayRange(1, 2, 1)",
        "States.ArrayGetItem($, 0)",
        "States.ArrayLength($)",
        "States.ArrayUnique($)",
        "States.Base64Encode('a')",
        "States.Base64Decode('YQ==')",
        "States.Hash('a', 'MD5')",
        "States.JsonMerge($, $, false)",
        "States.MathRandom(1, 2)",
        "States.MathRandom(1, 2, 3)",
        "States.MathAdd(1, 2)",
        "States.StringSplit('a', ',')",
        "States.UUID()",
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        sf_intrinsic_free(compile(calls[i]));
}

static void unknown_function_is_a_compile_error(void **state)
{
    (void)state;
    assert_compile_error("States.Compare($.a, $.b)",
                         "unknown intrinsic function 'States.Compare' at offset 0");
    assert_compile_error("States.format('x')",
                         "unknown intrinsic function 'States.format' at offset 0");
    assert_compile_error("States.Array(States.Nope())",
                         "unknown intrinsic function 'States.Nope' at offset 13");
}

static void wrong_argument_count_is_a_compile_error(void **state)
{
    (void)state;
    assert_compile_error("States.MathAdd(1)",
                         "States.MathAdd takes 2 arguments but was given 1 (call at offset 0)");
    assert_compile_error("States.ArrayRange(1, 5, 1, 99)",
                         "States.ArrayRange takes 3 arguments but was given 4 (call at offset 0)");
    assert_compile_error("States.Format()", "States.Format takes at least 1 argument but was "
                                            "given 0 (call at offset 0)");
    assert_compile_error("States.MathRandom(1)",
                         "States.MathRandom takes 2 to 3 arguments but was given 1 (call at "
                         "offset 0)");
    assert_compile_error("States.MathRandom(1, 10, 5, 99)",
                         "States.MathRandom takes 2 to 3 arguments but was given 4 (call at "
                         "offset 0)");
    assert_compile_error("States.UUID(1)",
                         "States.UUID takes no arguments but was given 1 (call at offset 0)");
    assert_compile_error("States.ArrayLength()",
                         "States.ArrayLength takes 1 argument but was given 0 (call at offset 0)");
    assert_compile_error("States.JsonMerge($.a, $.b)",
                         "States.JsonMerge takes 3 arguments but was given 2 (call at offset 0)");
}

static void wrong_argument_count_of_a_nested_call_names_its_offset(void **state)
{
    (void)state;
    assert_compile_error("States.Array(1, States.Hash('x'))",
                         "States.Hash takes 2 arguments but was given 1 (call at offset 16)");
}

static void syntax_errors_report_their_offset(void **state)
{
    (void)state;
    assert_compile_error("States.Array(1", "unexpected end of text at offset 14, expected ')'");
    assert_compile_error("States.Array(",
                         "unexpected end of text at offset 13, expected an argument");
    assert_compile_error("States.ArrayContains($.arr, )",
                         "unexpected character ')' at offset 28, expected an argument");
    assert_compile_error("States.Array($.a) trailing",
                         "unexpected text after the closing ')' at offset 18");
    assert_compile_error("States.Array([1,2])",
                         "unexpected character '[' at offset 13, expected an argument");
    assert_compile_error("States.Array(1 2)",
                         "unexpected character '2' at offset 15, expected ',' or ')'");
    assert_compile_error("States.Array 1)", "expected '(' after States.Array at offset 13");
    assert_compile_error("States.Array('abc)", "unterminated string literal starting at offset 13");
    assert_compile_error("Format('x')", "expected an intrinsic function call "
                                        "'States.<Name>(...)' at offset 0");
}

static void number_literals_follow_the_json_grammar(void **state)
{
    (void)state;
    assert_compile_error("States.Array(1.)", "invalid number '1.' at offset 13");
    assert_compile_error("States.Array(.5)",
                         "unexpected character '.' at offset 13, expected an argument");
    assert_compile_error("States.Array(01)", "invalid number '01' at offset 13");
    assert_compile_error("States.Array(1e)", "invalid number '1e' at offset 13");
    assert_compile_error("States.Array(-)", "invalid number '-' at offset 13");
    assert_compile_error("States.Array(12abc)", "invalid number '12abc' at offset 13");
}

static void only_quote_brace_and_backslash_may_be_escaped(void **state)
{
    (void)state;
    /* AWS rejects 'YWJj\nZA==' (a backslash and an n) when the state
     * machine is created. */
    assert_compile_error("States.Base64Decode('YWJj\\nZA==')",
                         "invalid escape sequence at offset 25: only \\' \\{ \\} and \\\\ may "
                         "follow a backslash in a string literal");
    assert_compile_error("States.Format('abc\\",
                         "unterminated string literal starting at offset 14");
}

static void unknown_words_are_not_literals(void **state)
{
    (void)state;
    assert_compile_error("States.Array(True)",
                         "unexpected 'True' at offset 13, expected an argument");
    assert_compile_error("States.Array(undefined)",
                         "unexpected 'undefined' at offset 13, expected an argument");
    assert_compile_error("States.Array(\"x\")",
                         "unexpected character '\"' at offset 13, expected an argument");
}

/* AWS docs: "You can nest up to 10 intrinsic functions within a field". */
static void nesting_deeper_than_ten_calls_is_a_compile_error(void **state)
{
    (void)state;
    char ten[512] = "", eleven[512] = "";
    for (int i = 0; i < 10; i++)
        strcat(ten, "States.Array(");
    strcat(ten, "1");
    for (int i = 0; i < 10; i++)
        strcat(ten, ")");
    assert_json(eval_env(ten, "{}", NULL, NULL), "[[[[[[[[[[1]]]]]]]]]]", ten);

    strcpy(eleven, "States.Array(");
    strcat(eleven, ten);
    strcat(eleven, ")");
    assert_compile_error(eleven, "intrinsic functions are nested more than 10 deep at offset 130");
}

static void unterminated_path_is_a_compile_error(void **state)
{
    (void)state;
    assert_compile_error("States.Array($['a)", "unterminated path starting at offset 13");
    assert_compile_error("States.Array(1, $.a[?(@.b > 1)",
                         "unterminated path starting at offset 16");
}

static void uses_context_is_true_when_any_path_reads_the_context_object(void **state)
{
    (void)state;
    const char *with[] = {"States.Format('{}', $$.Execution.Id)",
                          "States.Array(1, States.Array($$))"};
    const char *without[] = {"States.Format('{}', $.a)", "States.UUID()", "States.Array('$$')"};
    for (size_t i = 0; i < 2; i++) {
        sf_intrinsic *f = compile(with[i]);
        assert_true(sf_intrinsic_uses_context(f));
        sf_intrinsic_free(f);
    }
    for (size_t i = 0; i < 3; i++) {
        sf_intrinsic *f = compile(without[i]);
        assert_false(sf_intrinsic_uses_context(f));
        sf_intrinsic_free(f);
    }
}

/* ---- arguments ---------------------------------------------------------- */

static void literals_of_every_kind(void **state)
{
    (void)state;
    assert_eval("States.Array('a', 1, -2, 0, 1.5, -0.25, 1e3, 2E-1, true, false, null)", "{}",
                "[\"a\", 1, -2, 0, 1.5, -0.25, 1000.0, 0.2, true, false, null]");
    /* AWS recorded: falsy values survive as they are */
    assert_eval("States.Array(false, '', 0, null)", "{}", "[false, \"\", 0, null]");
}

static void string_literal_escapes(void **state)
{
    (void)state;
    assert_eval("States.Array('it\\'s', 'a\\{b\\}', 'back\\\\slash')", "{}",
                "[\"it's\", \"a{b}\", \"back\\\\slash\"]");
}

static void whitespace_around_arguments_is_ignored(void **state)
{
    (void)state;
    assert_eval("States.Array( $.a , $.b )", "{\"a\":1,\"b\":2}", "[1, 2]");
    assert_eval("  States.Array(\n\t$.a,$.b\t)  ", "{\"a\":1,\"b\":2}", "[1, 2]");
}

/* AWS conformance escape_sequence: a raw newline inside a literal. */
static void raw_newline_inside_a_literal_is_kept(void **state)
{
    (void)state;
    assert_eval("States.StringSplit('Hello\nWorld', '\n')", "{\"FunctionInput\":null}",
                "[\"Hello\", \"World\"]");
}

static void paths_read_input_context_and_variables(void **state)
{
    (void)state;
    assert_json(eval_env("States.Array($, $.a)", "{\"a\":1}", NULL, NULL), "[{\"a\":1}, 1]",
                "input");
    assert_json(eval_env("States.Format('{}', $$)", "{}", "{\"Execution\":{\"Id\":\"e-1\"}}", NULL),
                "\"{Execution={Id=e-1}}\"", "whole context");
    /* AWS conformance base_constant_literals: a workflow variable */
    assert_json(eval_env("States.Format('Format Func {}', $varname)", "{}", NULL,
                         "{\"varname\":\"input_value_literal\"}"),
                "\"Format Func input_value_literal\"", "variable");
}

/* Deeper paths belong to the JSONPath module; a few end-to-end checks. */
static void nested_and_context_paths(void **state)
{
    (void)state;
    assert_json(eval_env("States.Format('{}', $$.Execution.Id)", "{}",
                         "{\"Execution\":{\"Id\":\"arn:aws:states:x\"}}", NULL),
                "\"arn:aws:states:x\"", "context path");
    assert_eval("States.Array($.a.b, $.list[1])", "{\"a\":{\"b\":true},\"list\":[1,2]}",
                "[true, 2]");
}

static void missing_path_fails_with_the_aws_cause(void **state)
{
    (void)state;
    assert_eval_fails("States.Format('{}', $.nope)", "{\"other\":1}",
                      "The function 'States.Format('{}', $.nope)' had the following error: The "
                      "JsonPath argument for the field '$.nope' could not be found in the input "
                      "'{\"other\":1}'");
}

/* The cause quotes the whole expression as written, spacing included. */
static void nested_failure_names_the_whole_expression(void **state)
{
    (void)state;
    assert_eval_fails("States.Format('{}',States.Format('{}', $.nope))", "{\"other\":1}",
                      "The function 'States.Format('{}',States.Format('{}', $.nope))' had the "
                      "following error: The JsonPath argument for the field '$.nope' could not be "
                      "found in the input '{\"other\":1}'");
    assert_eval_fails("States.MathAdd(States.ArrayLength($.a), 'x')", "{\"a\":[1]}",
                      "The function 'States.MathAdd(States.ArrayLength($.a), 'x')' had the "
                      "following error: Invalid arguments in States.MathAdd");
}

/* A $$ argument is named with one '$', and the input quoted is the state's. */
static void missing_context_path_is_named_with_one_dollar(void **state)
{
    (void)state;
    sf_intrinsic *f = compile("States.Format('{}', $$.Nope)");
    json_t *in = parse("{\"other\":1}"), *ctx = parse("{\"State\":{\"Name\":\"P\"}}");
    sf_eval_env env = {.input = in, .context = ctx};
    sf_error err = SF_ERROR_INIT;
    assert_null(sf_intrinsic_eval(f, &env, &err));
    assert_string_equal(err.name, "States.Runtime");
    assert_string_equal(err.cause, "The function 'States.Format('{}', $$.Nope)' had the following "
                                   "error: The JsonPath argument for the field '$.Nope' could not "
                                   "be found in the input '{\"other\":1}'");
    sf_error_clear(&err);
    sf_intrinsic_free(f);
    json_decref(in);
    json_decref(ctx);
}

static void explicit_null_is_an_argument_not_a_missing_path(void **state)
{
    (void)state;
    assert_eval_string("States.Format('{}', $.nul)", "{\"nul\":null}", "null");
}

/* ---- States.Format ------------------------------------------------------ */

static void format_conformance_cases(void **state)
{
    (void)state;
    const char *one = "States.Format('Formatting argument {}.', $.FunctionInput)";
    assert_eval_string(one, "{\"FunctionInput\":\"HelloWorld\"}",
                       "Formatting argument HelloWorld.");
    assert_eval_string(one, "{\"FunctionInput\":1}", "Formatting argument 1.");
    assert_eval_string(one, "{\"FunctionInput\":\"{\\\"Arg1\\\": 1, \\\"Arg2\\\": []}\"}",
                       "Formatting argument {\"Arg1\": 1, \"Arg2\": []}.");
    assert_eval_string(one, "{\"FunctionInput\":\" \"}", "Formatting argument  .");
    assert_eval_string(
        "States.Format('Formatting arguments fst={} and snd={}.', $.FunctionInput.fst, "
        "$.FunctionInput.snd)",
        "{\"FunctionInput\":{\"fst\":1,\"snd\":1}}", "Formatting arguments fst=1 and snd=1.");
    /* AWS conformance raise_failure_path_intrinsic */
    assert_eval_string("States.Format('This is a custom error message for {}, caused by {}.', "
                       "$.Error, $.Cause)",
                       "{\"Error\":\"error string\",\"Cause\":\"cause string\"}",
                       "This is a custom error message for error string, caused by cause string.");
}

/* AWS recorded: "Formatting argument null.", "1.1", "x 2 true". */
static void format_prints_scalars_as_aws_does(void **state)
{
    (void)state;
    assert_eval_string("States.Format('{}|{}|{}|{}|{}|{}', $.a, $.b, $.c, $.d, $.e, $.f)",
                       "{\"a\":null,\"b\":false,\"c\":-1,\"d\":3.5,\"e\":9007199254740991,"
                       "\"f\":1.1}",
                       "null|false|-1|3.5|9007199254740991|1.1");
    assert_eval_string("States.Format('{} {} {}', $.a, $.b, $.c)",
                       "{\"a\":\"x\",\"b\":2,\"c\":true}", "x 2 true");
    assert_eval_string("States.Format('Format:{}', 101)", "{}", "Format:101");
}

/* AWS recorded: fst={Arg1=1, Arg2=[]} — Java's Map/List toString. */
static void format_prints_objects_and_arrays_like_java(void **state)
{
    (void)state;
    assert_eval_string("States.Format('fst={} and snd={}.', $.a, $.a)",
                       "{\"a\":{\"Arg1\":1,\"Arg2\":[]}}",
                       "fst={Arg1=1, Arg2=[]} and snd={Arg1=1, Arg2=[]}.");
    assert_eval_string("States.Format('{}', $.a)", "{\"a\":[1,\"a\",[true,null],{\"k\":\"v\"}]}",
                       "[1, a, [true, null], {k=v}]");
}

/* Java's Double.toString, checked against a JDK. */
static void format_prints_reals_like_java(void **state)
{
    (void)state;
    assert_eval_string("States.Format('{} {} {} {} {} {} {}', $.a, $.b, $.c, $.d, $.e, $.f, $.g)",
                       "{\"a\":1.0,\"b\":100.0,\"c\":1e20,\"d\":0.0001,\"e\":12345678.9,"
                       "\"f\":0.001,\"g\":-123.456}",
                       "1.0 100.0 1.0E20 1.0E-4 1.23456789E7 0.001 -123.456");
    assert_eval_string("States.Format('{} {}', $.a, $.b)", "{\"a\":9999999.0,\"b\":1e7}",
                       "9999999.0 1.0E7");
}

static void format_escaped_braces_print_literally(void **state)
{
    (void)state;
    assert_eval_string("States.Format('\\{\\} is {}', 'x')", "{}", "{} is x");
    /* AWS recorded: escaped quotes around placeholders */
    assert_eval_string("States.Format('Name: \\'{}\\', Surname: \"{}\"', $.name, $.surname)",
                       "{\"name\":\"Gabriel\",\"surname\":\"Moreira\"}",
                       "Name: 'Gabriel', Surname: \"Moreira\"");
    assert_eval_string("States.Format('a\\\\b{}', 1)", "{}", "a\\b1");
}

/* AWS docs: the template may come from the input. */
static void format_template_from_a_path(void **state)
{
    (void)state;
    assert_eval_string("States.Format($.template, $.name)",
                       "{\"name\":\"Arnav\",\"template\":\"Hello, my name is {}.\"}",
                       "Hello, my name is Arnav.");
    /* a backslash in data is data, not an escape */
    assert_eval_string("States.Format($.t, 1)", "{\"t\":\"C:\\\\dir\\\\{}\"}", "C:\\dir\\1");
}

static void format_without_placeholders_returns_the_template(void **state)
{
    (void)state;
    assert_eval_string("States.Format('no placeholders')", "{}", "no placeholders");
    assert_eval_string("States.Format('  {}  ', $.a)", "{\"a\":\"x\"}", "  x  ");
}

static void format_of_a_nested_call(void **state)
{
    (void)state;
    /* AWS recorded */
    assert_eval_string("States.Format('arn:{}:{}', $.svc, States.JsonToString($.obj))",
                       "{\"svc\":\"lambda\",\"obj\":{\"k\":1}}", "arn:lambda:{\"k\":1}");
    /* AWS docs: nested calls (the guide's example has three placeholders
     * for two arguments, which fails; two placeholders here) */
    assert_eval_string(
        "States.Format('{}.{}', "
        "States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.Arn, "
        "'/'), "
        "2), '.'), 0), "
        "States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.Arn, "
        "'/'), "
        "2), '.'), 1))",
        "{\"Arn\":\"arn:aws:imagebuilder:us-east-1:123:image-recipe/my-recipe/1.0.0\"}", "1.0");
}

static void format_placeholder_count_must_equal_argument_count(void **state)
{
    (void)state;
    assert_invalid_arguments("States.Format('{} {}', $.a)", "{\"a\":\"x\"}", "States.Format");
    assert_invalid_arguments("States.Format('{}', $.a, $.b)", "{\"a\":\"x\",\"b\":\"y\"}",
                             "States.Format");
}

/* AWS recorded: these templates fail at run time. */
static void format_stray_brace_fails(void **state)
{
    (void)state;
    assert_invalid_arguments("States.Format('Hello {', $.a)", "{\"a\":\"x\"}", "States.Format");
    assert_invalid_arguments("States.Format('Hello {{}}', $.a)", "{\"a\":\"x\"}", "States.Format");
    assert_invalid_arguments("States.Format('}')", "{}", "States.Format");
}

static void format_template_must_be_a_string(void **state)
{
    (void)state;
    assert_invalid_arguments("States.Format($.template, $.name)",
                             "{\"template\":123,\"name\":\"Ada\"}", "States.Format");
}

/* ---- States.StringToJson / JsonToString --------------------------------- */

static void string_to_json_parses_any_json_value(void **state)
{
    (void)state;
    /* AWS docs */
    assert_eval("States.StringToJson($.escapedJsonString)",
                "{\"escapedJsonString\":\"{\\\"foo\\\": \\\"bar\\\"}\"}", "{\"foo\":\"bar\"}");
    assert_eval("States.StringToJson($.s)", "{\"s\":\"[1,2,3]\"}", "[1,2,3]");
    assert_eval("States.StringToJson($.s)", "{\"s\":\"\\\"hello\\\"\"}", "\"hello\"");
    assert_eval("States.StringToJson($.s)", "{\"s\":\"123\"}", "123");
    assert_eval("States.StringToJson($.s)", "{\"s\":\"true\"}", "true");
    assert_eval("States.StringToJson($.s)", "{\"s\":\" {\\\"a\\\":1} \"}", "{\"a\":1}");
    assert_eval("States.StringToJson('{\"a\":\"it\\'s\"}')", "{}", "{\"a\":\"it's\"}");
}

/* AWS conformance string_to_json: "" and " " give null. */
static void string_to_json_of_blank_text_is_null(void **state)
{
    (void)state;
    assert_eval("States.StringToJson($.FunctionInput)", "{\"FunctionInput\":\"\"}", "null");
    assert_eval("States.StringToJson($.FunctionInput)", "{\"FunctionInput\":\" \"}", "null");
}

static void string_to_json_rejects_bad_json_and_non_strings(void **state)
{
    (void)state;
    assert_invalid_arguments("States.StringToJson($.s)", "{\"s\":\"{bad json}\"}",
                             "States.StringToJson");
    assert_invalid_arguments("States.StringToJson($.s)", "{\"s\":\"{\\\"a\\\":1\"}",
                             "States.StringToJson");
    assert_invalid_arguments("States.StringToJson($.s)", "{\"s\":\"undefined\"}",
                             "States.StringToJson");
    assert_invalid_arguments("States.StringToJson($.s)", "{\"s\":123}", "States.StringToJson");
    assert_invalid_arguments("States.StringToJson($.s)", "{\"s\":{\"a\":1}}",
                             "States.StringToJson");
}

/* AWS conformance json_to_string: compact, numbers as AWS prints them. */
static void json_to_string_conformance_cases(void **state)
{
    (void)state;
    const char *expr = "States.JsonToString($.FunctionInput)";
    assert_eval_string(expr, "{\"FunctionInput\":1.1}", "1.1");
    assert_eval_string(expr, "{\"FunctionInput\":{\"Arg1\":1,\"Arg2\":[]}}",
                       "{\"Arg1\":1,\"Arg2\":[]}");
    assert_eval_string(expr, "{\"FunctionInput\":[1,2,\"HelloWorld\"]}", "[1,2,\"HelloWorld\"]");
}

static void json_to_string_escapes_like_jackson(void **state)
{
    (void)state;
    assert_eval_string("States.JsonToString($.a)",
                       "{\"a\":{\"k\\\"\":\"x\\ny\\u0001\\\"/\\\\\\u00e9\"}}",
                       "{\"k\\\"\":\"x\\ny\\u0001\\\"/\\\\\xc3\xa9\"}");
    assert_eval_string("States.JsonToString($.a)", "{\"a\":[null,true,false,\"\",0,-2.5]}",
                       "[null,true,false,\"\",0,-2.5]");
}

static void json_to_string_and_back_round_trips(void **state)
{
    (void)state;
    assert_eval("States.StringToJson(States.JsonToString($.obj))",
                "{\"obj\":{\"a\":1,\"nested\":{\"ok\":true},\"r\":0.1}}",
                "{\"a\":1,\"nested\":{\"ok\":true},\"r\":0.1}");
}

/* ---- States.Array ------------------------------------------------------- */

static void array_conformance_cases(void **state)
{
    (void)state;
    const char *expr = "States.Array($.FunctionInput.fst, $.FunctionInput.snd)";
    assert_eval(expr, "{\"FunctionInput\":{\"fst\":1,\"snd\":1}}", "[1,1]");
    assert_eval(
        expr,
        "{\"FunctionInput\":{\"fst\":\"{\\\"Arg1\\\": 1, \\\"Arg2\\\": []}\","
        "\"snd\":\"{\\\"Arg1\\\": 1, \\\"Arg2\\\": []}\"}}",
        "[\"{\\\"Arg1\\\": 1, \\\"Arg2\\\": []}\", \"{\\\"Arg1\\\": 1, \\\"Arg2\\\": []}\"]");
}

static void array_of_nothing_and_of_nested_calls(void **state)
{
    (void)state;
    assert_eval("States.Array()", "{}", "[]");
    assert_eval("States.Array(1, States.Array(2, 3))", "{}", "[1, [2, 3]]");
    assert_eval("States.Array($.Id)", "{\"Id\":123456}", "[123456]"); /* AWS docs */
}

/* ---- States.ArrayPartition ---------------------------------------------- */

static void array_partition_conformance_cases(void **state)
{
    (void)state;
    const char *expr = "States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd)";
    assert_eval(expr, "{\"FunctionInput\":{\"fst\":[0,1],\"snd\":2}}", "[[0,1]]");
    assert_eval(expr, "{\"FunctionInput\":{\"fst\":[0],\"snd\":5}}", "[[0]]");
    assert_eval(expr, "{\"FunctionInput\":{\"fst\":[0,1],\"snd\":1}}", "[[0],[1]]");
    assert_eval(expr, "{\"FunctionInput\":{\"fst\":[0,1,2,3],\"snd\":4}}", "[[0,1,2,3]]");
    assert_eval(expr, "{\"FunctionInput\":{\"fst\":[0],\"snd\":2}}", "[[0]]");
    assert_eval(expr, "{\"FunctionInput\":{\"fst\":[0,1,2],\"snd\":5}}", "[[0,1,2]]");
    assert_eval(expr, "{\"FunctionInput\":{\"fst\":[0,1],\"snd\":3}}", "[[0,1]]");
    assert_eval(expr, "{\"FunctionInput\":{\"fst\":[0],\"snd\":3}}", "[[0]]");
    assert_eval(expr, "{\"FunctionInput\":{\"fst\":[0,1,2],\"snd\":4}}", "[[0,1,2]]");
}

static void array_partition_keeps_a_short_last_chunk(void **state)
{
    (void)state;
    /* AWS docs */
    assert_eval("States.ArrayPartition($.inputArray, 4)", "{\"inputArray\":[1,2,3,4,5,6,7,8,9]}",
                "[[1,2,3,4],[5,6,7,8],[9]]");
    assert_eval("States.ArrayPartition($.a, 3)", "{\"a\":[]}", "[]");
    assert_eval("States.ArrayPartition($.a, 2147483647)", "{\"a\":[1,2,3]}", "[[1,2,3]]");
}

/* AWS recorded: 2.6 behaves as 2, 0.6 and 0.49 fail. */
static void array_partition_truncates_a_fractional_size(void **state)
{
    (void)state;
    assert_eval("States.ArrayPartition($.a, 2.6)", "{\"a\":[1,2,3,4,5]}", "[[1,2],[3,4],[5]]");
    assert_invalid_arguments("States.ArrayPartition($.a, 0.6)", "{\"a\":[1,2,3]}",
                             "States.ArrayPartition");
    assert_invalid_arguments("States.ArrayPartition($.a, -0.4)", "{\"a\":[1,2,3]}",
                             "States.ArrayPartition");
}

static void array_partition_rejects_bad_arguments(void **state)
{
    (void)state;
    const char *name = "States.ArrayPartition";
    assert_invalid_arguments("States.ArrayPartition($.a, 0)", "{\"a\":[1]}", name);
    assert_invalid_arguments("States.ArrayPartition($.a, -1)", "{\"a\":[1]}", name);
    assert_invalid_arguments("States.ArrayPartition($.a, '2')", "{\"a\":[1]}", name);
    assert_invalid_arguments("States.ArrayPartition($.a, null)", "{\"a\":[1]}", name);
    assert_invalid_arguments("States.ArrayPartition('not-array', 2)", "{}", name);
}

/* ---- States.ArrayContains ----------------------------------------------- */

static void array_contains_conformance_case(void **state)
{
    (void)state;
    assert_eval("States.ArrayContains($.FunctionInput.fst, $.FunctionInput.snd)",
                "{\"FunctionInput\":{\"fst\":[],\"snd\":[]}}", "false");
}

static void array_contains_finds_equal_values(void **state)
{
    (void)state;
    /* AWS docs */
    assert_eval("States.ArrayContains($.inputArray, $.lookingFor)",
                "{\"inputArray\":[1,2,3,4,5,6,7,8,9],\"lookingFor\":5}", "true");
    assert_eval("States.ArrayContains($.a, 5)", "{\"a\":[1,2,3]}", "false");
    assert_eval("States.ArrayContains($.a, 'C')", "{\"a\":[\"A\",\"B\",\"C\"]}", "true");
    assert_eval("States.ArrayContains($.a, null)", "{\"a\":[1,null,3]}", "true");
    assert_eval("States.ArrayContains($.a, $.t)", "{\"a\":[{\"a\":1},{\"b\":2}],\"t\":{\"a\":1}}",
                "true");
    assert_eval("States.ArrayContains($.a, $.t)", "{\"a\":[[1,2],[3,4]],\"t\":[1,2]}", "true");
    assert_eval("States.ArrayContains($.a, $.t)", "{\"a\":[{\"a\":1}],\"t\":{\"a\":1,\"x\":null}}",
                "false");
    assert_eval("States.ArrayContains($.a, false)", "{\"a\":[0,1,-1,-1.5]}", "false");
}

/* AWS recorded: values compare by printed form, so key order matters and
 * true matches "true". */
static void array_contains_compares_printed_forms(void **state)
{
    (void)state;
    assert_eval("States.ArrayContains($.a, $.t)",
                "{\"a\":[{\"a\":1,\"b\":2}],\"t\":{\"b\":2,\"a\":1}}", "false");
    assert_eval("States.ArrayContains($.a, true)", "{\"a\":[\"true\",\"false\"]}", "true");
    assert_eval("States.ArrayContains($.a, $.t)",
                "{\"a\":[\"-1\",\"9007199254740991\"],\"t\":9007199254740991}", "true");
}

static void array_contains_needs_an_array(void **state)
{
    (void)state;
    assert_invalid_arguments("States.ArrayContains('not-array', 'x')", "{}",
                             "States.ArrayContains");
}

/* ---- States.ArrayRange -------------------------------------------------- */

static void array_range_includes_its_end(void **state)
{
    (void)state;
    /* AWS conformance array_range */
    assert_eval("States.ArrayRange($.FunctionInput.fst, $.FunctionInput.snd, $.FunctionInput.trd)",
                "{\"FunctionInput\":{\"fst\":1,\"snd\":9,\"trd\":9}}", "[1]");
    assert_eval("States.ArrayRange(1, 9, 2)", "{}", "[1,3,5,7,9]"); /* AWS docs */
    assert_eval("States.ArrayRange(0, 10, 3)", "{}", "[0,3,6,9]");
    assert_eval("States.ArrayRange(-2, 2, 2)", "{}", "[-2,0,2]");
    assert_eval("States.ArrayRange(0, 3, 1)", "{}", "[0,1,2,3]");
}

static void array_range_counts_down_with_a_negative_step(void **state)
{
    (void)state;
    assert_eval("States.ArrayRange(5, 1, -2)", "{}", "[5,3,1]");
    assert_eval("States.ArrayRange(3, 3, -1)", "{}", "[3]");
    assert_eval("States.ArrayRange(5, 1, 1)", "{}", "[]");
    assert_eval("States.ArrayRange(1, 5, -1)", "{}", "[]");
}

/* AWS recorded: bounds and step are truncated, not rounded. */
static void array_range_truncates_fractions(void **state)
{
    (void)state;
    assert_eval("States.ArrayRange(1.4, 5.6, 2.2)", "{}", "[1,3,5]");
    assert_eval("States.ArrayRange(1.6, 1.4, 1)", "{}", "[1]");
    assert_eval("States.ArrayRange(5.4, -0.6, -2.4)", "{}", "[5,3,1]");
    assert_invalid_arguments("States.ArrayRange(1, 10, 0.49)", "{}", "States.ArrayRange");
}

/* AWS docs: at most 1,000 elements. */
static void array_range_allows_at_most_1000_elements(void **state)
{
    (void)state;
    json_t *up = eval_env("States.ArrayRange(1, 1000, 1)", "{}", NULL, NULL);
    assert_int_equal(json_array_size(up), 1000);
    assert_int_equal(json_integer_value(json_array_get(up, 999)), 1000);
    json_decref(up);
    json_t *down = eval_env("States.ArrayRange(1000, 1, -1)", "{}", NULL, NULL);
    assert_int_equal(json_array_size(down), 1000);
    json_decref(down);
    assert_invalid_arguments("States.ArrayRange(1, 1001, 1)", "{}", "States.ArrayRange");
    assert_invalid_arguments("States.ArrayRange(1001, 1, -1)", "{}", "States.ArrayRange");
}

static void array_range_rejects_bad_arguments(void **state)
{
    (void)state;
    assert_invalid_arguments("States.ArrayRange(1, 10, 0)", "{}", "States.ArrayRange");
    assert_invalid_arguments("States.ArrayRange('a', 5, 1)", "{}", "States.ArrayRange");
    assert_invalid_arguments("States.ArrayRange(1, 'b', 1)", "{}", "States.ArrayRange");
    assert_invalid_arguments("States.ArrayRange(1, 5, null)", "{}", "States.ArrayRange");
    assert_invalid_arguments("States.ArrayRange(0, 3000000000, 1)", "{}", "States.ArrayRange");
}

static void array_range_of_nested_calls(void **state)
{
    (void)state;
    assert_eval("States.ArrayRange(States.MathAdd($.base, 1), States.MathAdd($.base, 5), 2)",
                "{\"base\":0}", "[1,3,5]");
}

/* ---- States.ArrayGetItem / ArrayLength ---------------------------------- */

static void array_get_item_returns_the_element(void **state)
{
    (void)state;
    /* AWS docs */
    assert_eval("States.ArrayGetItem($.inputArray, $.index)",
                "{\"inputArray\":[1,2,3,4,5,6,7,8,9],\"index\":5}", "6");
    assert_eval("States.ArrayGetItem($.a, 1)", "{\"a\":[{\"a\":1},{\"b\":2}]}", "{\"b\":2}");
    assert_eval("States.ArrayGetItem($.a, 0)", "{\"a\":[null]}", "null");
    assert_eval("States.ArrayGetItem(States.Array('x', 'y', 'z'), 1)", "{}", "\"y\"");
}

/* AWS recorded: a fractional index is truncated (1.2 reads index 1), and an
 * empty array gives null for any index. */
static void array_get_item_quirks_recorded_on_aws(void **state)
{
    (void)state;
    assert_eval("States.ArrayGetItem($.a, 1.2)", "{\"a\":[10,20,30]}", "20");
    assert_eval("States.ArrayGetItem($.a, 999)", "{\"a\":[]}", "null");
}

static void array_get_item_rejects_an_index_out_of_range(void **state)
{
    (void)state;
    const char *name = "States.ArrayGetItem";
    assert_invalid_arguments("States.ArrayGetItem($.a, 3)", "{\"a\":[10,20,30]}", name);
    assert_invalid_arguments("States.ArrayGetItem($.a, -1)", "{\"a\":[10,20,30]}", name);
    assert_invalid_arguments("States.ArrayGetItem($.a, '1')", "{\"a\":[10,20,30]}", name);
    assert_invalid_arguments("States.ArrayGetItem('not-array', 0)", "{}", name);
}

static void array_length_counts_elements(void **state)
{
    (void)state;
    assert_eval("States.ArrayLength($.inputArray)", "{\"inputArray\":[1,2,3,4,5,6,7,8,9]}", "9");
    assert_eval("States.ArrayLength($.a)", "{\"a\":[]}", "0");
    assert_invalid_arguments("States.ArrayLength($.a)", "{\"a\":{\"x\":1}}", "States.ArrayLength");
}

/* ---- States.ArrayUnique ------------------------------------------------- */

static void array_unique_removes_duplicates(void **state)
{
    (void)state;
    /* AWS docs */
    assert_eval("States.ArrayUnique($.inputArray)", "{\"inputArray\":[1,2,3,3,3,3,3,3,4]}",
                "[1,2,3,4]");
    assert_eval("States.ArrayUnique($.a)", "{\"a\":[\"a\",\"b\",\"a\",\"c\",\"b\"]}",
                "[\"a\",\"b\",\"c\"]");
    assert_eval("States.ArrayUnique($.a)", "{\"a\":[]}", "[]");
    assert_eval("States.ArrayUnique($.a)",
                "{\"a\":[{\"nested\":{\"x\":1}},{\"nested\":{\"x\":1}}]}",
                "[{\"nested\":{\"x\":1}}]");
}

/* Deep equality: key order is ignored, types are not (1 is not "1"). */
static void array_unique_compares_deeply_and_strictly(void **state)
{
    (void)state;
    assert_eval("States.ArrayUnique($.a)", "{\"a\":[{\"a\":1,\"b\":2},{\"b\":2,\"a\":1}]}",
                "[{\"a\":1,\"b\":2}]");
    assert_eval("States.ArrayUnique($.a)", "{\"a\":[1,\"1\",1,\"01\"]}", "[1,\"1\",\"01\"]");
}

/* AWS recorded (and java.util.HashSet): [false, true], [[2,1],[1,2]]. */
static void array_unique_lists_values_in_aws_hash_set_order(void **state)
{
    (void)state;
    assert_eval("States.ArrayUnique($.a)", "{\"a\":[true,false,true,false]}", "[false,true]");
    assert_eval("States.ArrayUnique($.a)", "{\"a\":[[1,2],[1,2],[2,1]]}", "[[2,1],[1,2]]");
    assert_eval("States.ArrayUnique($.a)", "{\"a\":[null,null,1,null]}", "[null,1]");
    /* the mixed input of LocalStack's AWS test, ordered by a JDK */
    assert_eval("States.ArrayUnique($.a)",
                "{\"a\":[null,null,true,true,false,false,1,1,1.1,0,-0,\"HelloWorld\","
                "\"HelloWorld\",[],[],[null],[null],{\"a\":1,\"b\":2},{\"a\":1,\"b\":2}]}",
                "[null,0,{\"a\":1,\"b\":2},1,[],1.1,true,\"HelloWorld\",false,[null]]");
}

/* 40 values fill a 64-slot table: order checked against a JDK. */
static void array_unique_order_with_a_larger_table(void **state)
{
    (void)state;
    char input[1024] = "{\"a\":[";
    for (int i = 0; i < 40; i++) {
        char item[16];
        snprintf(item, sizeof item, "%s\"k%d\"", i ? "," : "", i * 7 % 23);
        strcat(input, item);
    }
    strcat(input, "]}");
    assert_eval("States.ArrayUnique($.a)", input,
                "[\"k11\",\"k10\",\"k13\",\"k12\",\"k15\",\"k14\",\"k17\",\"k16\",\"k19\","
                "\"k18\",\"k0\",\"k1\",\"k2\",\"k3\",\"k20\",\"k4\",\"k5\",\"k22\",\"k21\","
                "\"k6\",\"k7\",\"k8\",\"k9\"]");
}

static void array_unique_needs_an_array(void **state)
{
    (void)state;
    assert_invalid_arguments("States.ArrayUnique('not-array')", "{}", "States.ArrayUnique");
    assert_invalid_arguments("States.ArrayUnique($.o)", "{\"o\":{\"a\":1}}", "States.ArrayUnique");
}

/* ---- States.Base64Encode / Base64Decode --------------------------------- */

static void base64_encode_encodes_utf8_bytes(void **state)
{
    (void)state;
    /* AWS docs */
    assert_eval_string("States.Base64Encode($.input)", "{\"input\":\"Data to encode\"}",
                       "RGF0YSB0byBlbmNvZGU=");
    /* AWS recorded */
    assert_eval_string("States.Base64Encode('hello')", "{}", "aGVsbG8=");
    assert_eval_string("States.Base64Encode('')", "{}", "");
    assert_eval_string("States.Base64Encode(' ')", "{}", "IA==");
    assert_eval_string("States.Base64Encode($.s)", "{\"s\":\"\xe2\x9c\x93\"}", "4pyT");
    assert_eval_string("States.Base64Encode($.s)",
                       "{\"s\":\"\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf\"}",
                       "44GT44KT44Gr44Gh44Gv");
    assert_eval_string("States.Base64Encode('\xf0\x9f\x9a\x80')", "{}", "8J+agA==");
    assert_eval_string("States.Base64Encode($.s)", "{\"s\":\"abc\\u0000def\"}", "YWJjAGRlZg==");
    assert_eval_string("States.Base64Encode($.s)", "{\"s\":\"line1\\nline2\"}", "bGluZTEKbGluZTI=");
}

static void base64_decode_decodes_to_text(void **state)
{
    (void)state;
    /* AWS conformance base64decode: "" gives "" */
    assert_eval_string("States.Base64Decode($.FunctionInput)", "{\"FunctionInput\":\"\"}", "");
    /* AWS docs */
    assert_eval_string("States.Base64Decode($.base64)", "{\"base64\":\"RGF0YSB0byBlbmNvZGU=\"}",
                       "Data to encode");
    assert_eval_string("States.Base64Decode('4pyT')", "{}", "\xe2\x9c\x93");
    assert_eval_string("States.Base64Decode('IA==')", "{}", " ");
    assert_eval("States.Base64Decode($.s)", "{\"s\":\"YWJjAGRlZg==\"}", "\"abc\\u0000def\"");
    assert_eval_string("States.Base64Decode(States.Base64Encode($.s))", "{\"s\":\"hello\"}",
                       "hello");
}

/* AWS recorded: malformed text decodes rather than failing; bytes that are
 * not UTF-8 become U+FFFD (checked against a JDK). */
static void base64_decode_is_lenient_like_aws(void **state)
{
    (void)state;
    assert_eval_string("States.Base64Decode(' YWJjZA== ')", "{}", "abcd");
    assert_eval_string("States.Base64Decode('ab==cd')", "{}", "i");
    assert_eval_string("States.Base64Decode('abc')", "{}", "i\xef\xbf\xbd");
    assert_eval_string("States.Base64Decode('!!!invalid!!!')", "{}", "\xef\xbf\xbd{\xda\x96'");
    /* 0xe2 0x82 'A' 0xff 0xf0 0x9f 0x98 0xed 0xa0 0x80 'B' 0xc0 0xaf */
    assert_eval_string("States.Base64Decode('4oJB//CfmO2ggELArw==')", "{}",
                       "\xef\xbf\xbd"
                       "A\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                       "B\xef\xbf\xbd\xef\xbf\xbd");
}

/* AWS docs: at most 10,000 characters in. */
static void base64_input_is_limited_to_10000_characters(void **state)
{
    (void)state;
    char *ok = input_with_repeated_string('A', 10000),
         *over = input_with_repeated_string('A', 10001);
    json_decref(eval_env("States.Base64Encode($.s)", ok, NULL, NULL));
    json_decref(eval_env("States.Base64Decode($.s)", ok, NULL, NULL));
    assert_invalid_arguments("States.Base64Encode($.s)", over, "States.Base64Encode");
    assert_invalid_arguments("States.Base64Decode($.s)", over, "States.Base64Decode");
    free(ok);
    free(over);
}

static void base64_needs_a_string(void **state)
{
    (void)state;
    assert_invalid_arguments("States.Base64Encode(123)", "{}", "States.Base64Encode");
    assert_invalid_arguments("States.Base64Encode($.o)", "{\"o\":{}}", "States.Base64Encode");
    assert_invalid_arguments("States.Base64Decode($.a)", "{\"a\":[\"x\"]}", "States.Base64Decode");
}

/* ---- States.Hash -------------------------------------------------------- */

static void hash_conformance_case(void **state)
{
    (void)state;
    assert_eval_string("States.Hash($.FunctionInput.fst, $.FunctionInput.snd)",
                       "{\"FunctionInput\":{\"fst\":\"input data\",\"snd\":\"SHA-256\"}}",
                       "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3");
}

/* AWS recorded: every algorithm, lowercase hex. */
static void hash_supports_five_algorithms(void **state)
{
    (void)state;
    assert_eval_string("States.Hash('hello', 'MD5')", "{}", "5d41402abc4b2a76b9719d911017c592");
    assert_eval_string("States.Hash('hello', 'SHA-1')", "{}",
                       "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
    assert_eval_string("States.Hash('hello', 'SHA-256')", "{}",
                       "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    assert_eval_string("States.Hash('hello', 'SHA-384')", "{}",
                       "59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90"
                       "125a3c79f90397bdf5f6a13de828684f");
    assert_eval_string("States.Hash('hello', 'SHA-512')", "{}",
                       "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca7"
                       "2323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043");
    assert_eval_string("States.Hash($.s, $.algo)", "{\"s\":\"Data to encode\",\"algo\":\"MD5\"}",
                       "ca405671828a177e26947171bbe1e352");
}

/* AWS recorded: the UTF-8 bytes are hashed. */
static void hash_of_unicode_text(void **state)
{
    (void)state;
    assert_eval_string("States.Hash($.s, 'SHA-256')", "{\"s\":\"\xe2\x9c\x93\"}",
                       "1dabba21cdad44541f6b15796f8d22978fc7ea10c46aeceeeeb66c23b3ac7604");
    assert_eval_string("States.Hash('\xf0\x9f\x9a\x80', 'SHA-256')", "{}",
                       "ebbc0b2870eb323f2b6cffa5c493ceef81ae7eb36afc73d4e0367301631daec5");
    assert_eval_string("States.Hash($.s, 'MD5')", "{\"s\":\"abc\\u0000def\"}",
                       "a5e4d5963ae44c1f4bfb37b1a3d55a3c");
    assert_eval_string("States.Hash('', 'SHA-256')", "{}",
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void hash_of_a_nested_call(void **state)
{
    (void)state;
    assert_eval_string("States.Hash(States.Format('{}:{}', $.a, $.b), 'SHA-256')",
                       "{\"a\":\"x\",\"b\":\"y\"}",
                       "1274e286686b54fe765ec40735665b4bf789cee2a5b22124c5e0491a88e15271");
}

/* AWS recorded: a number is hashed as its text rather than rejected. */
static void hash_of_a_non_string_hashes_its_printed_form(void **state)
{
    (void)state;
    assert_eval_string("States.Hash(123, 'MD5')", "{}", "202cb962ac59075b964b07152d234b70");
}

static void hash_algorithm_names_are_exact(void **state)
{
    (void)state;
    const char *inputs[] = {"{\"h\":\"sha-256\"}", "{\"h\":\"SHA256\"}",  "{\"h\":\"\"}",
                            "{\"h\":\"MD-5\"}",    "{\"h\":\"SHA-257\"}", "{\"h\":256}"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
        assert_invalid_arguments("States.Hash('data', $.h)", inputs[i], "States.Hash");
}

static void hash_input_is_limited_to_10000_characters(void **state)
{
    (void)state;
    char *ok = input_with_repeated_string('a', 10000),
         *over = input_with_repeated_string('a', 10001);
    json_decref(eval_env("States.Hash($.s, 'SHA-256')", ok, NULL, NULL));
    assert_invalid_arguments("States.Hash($.s, 'SHA-256')", over, "States.Hash");
    free(ok);
    free(over);
}

/* ---- States.JsonMerge --------------------------------------------------- */

static void json_merge_is_shallow(void **state)
{
    (void)state;
    /* AWS docs */
    assert_eval("States.JsonMerge($.json1, $.json2, false)",
                "{\"json1\":{\"a\":{\"a1\":1,\"a2\":2},\"b\":2},"
                "\"json2\":{\"a\":{\"a3\":1,\"a4\":2},\"c\":3}}",
                "{\"a\":{\"a3\":1,\"a4\":2},\"b\":2,\"c\":3}");
    assert_eval("States.JsonMerge($.a, $.b, false)", "{\"a\":{},\"b\":{\"x\":1}}", "{\"x\":1}");
    assert_eval("States.JsonMerge($.a, $.b, false)",
                "{\"a\":{\"n\":{\"l\":true},\"k\":1},\"b\":{\"n\":null}}", "{\"n\":null,\"k\":1}");
}

static void json_merge_keeps_the_first_objects_key_order(void **state)
{
    (void)state;
    json_t *got = eval_env("States.JsonToString(States.JsonMerge($.a, $.b, false))",
                           "{\"a\":{\"x\":1,\"y\":2},\"b\":{\"y\":3,\"z\":4}}", NULL, NULL);
    assert_string_equal(json_string_value(got), "{\"x\":1,\"y\":3,\"z\":4}");
    json_decref(got);
}

/* AWS supports shallow mode only; it accepts even "false" as the flag. */
static void json_merge_rejects_deep_mode_and_non_objects(void **state)
{
    (void)state;
    assert_invalid_arguments("States.JsonMerge($.a, $.b, true)", "{\"a\":{},\"b\":{}}",
                             "States.JsonMerge");
    assert_invalid_arguments("States.JsonMerge($.a, $.b, false)", "{\"a\":null,\"b\":{}}",
                             "States.JsonMerge");
    assert_invalid_arguments("States.JsonMerge($.a, $.b, false)", "{\"a\":{},\"b\":\"x\"}",
                             "States.JsonMerge");
    assert_invalid_arguments("States.JsonMerge($.a, $.b, false)", "{\"a\":[],\"b\":{}}",
                             "States.JsonMerge");
    assert_eval("States.JsonMerge($.a, $.b, $.deep)", "{\"a\":{},\"b\":{},\"deep\":\"false\"}",
                "{}");
}

/* ---- States.MathAdd ----------------------------------------------------- */

static void math_add_conformance_cases(void **state)
{
    (void)state;
    const char *expr = "States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd)";
    assert_eval(expr, "{\"FunctionInput\":{\"fst\":-1.5,\"snd\":-1.51}}", "-3");
    assert_eval(expr, "{\"FunctionInput\":{\"fst\":-9,\"snd\":3}}", "-6");
    assert_eval("States.MathAdd($.value1, $.step)", "{\"value1\":111,\"step\":-1}", "110");
}

/* AWS recorded: 1.6 + 2.7 = 5, 0.1 + 0.2 = 0 (Java's Math.round). */
static void math_add_rounds_fractions_to_the_nearest_integer(void **state)
{
    (void)state;
    assert_eval("States.MathAdd($.a, $.b)", "{\"a\":1.6,\"b\":2.7}", "5");
    assert_eval("States.MathAdd($.a, $.b)", "{\"a\":0.1,\"b\":0.2}", "0");
    assert_eval("States.MathAdd(2.5, -1.5)", "{}", "2");
    assert_eval("States.MathAdd(0.49999999999999994, 0)", "{}", "0");
}

static void math_add_stays_within_int32(void **state)
{
    (void)state;
    assert_eval("States.MathAdd(2147483647, 0)", "{}", "2147483647");
    assert_eval("States.MathAdd(-2147483647, -1)", "{}", "-2147483648");
    assert_invalid_arguments("States.MathAdd(2147483647, 1)", "{}", "States.MathAdd");
    assert_invalid_arguments("States.MathAdd(-2147483648, -1)", "{}", "States.MathAdd");
    assert_invalid_arguments("States.MathAdd(3000000000, 1)", "{}", "States.MathAdd");
}

static void math_add_needs_numbers(void **state)
{
    (void)state;
    assert_invalid_arguments("States.MathAdd('a', 1)", "{}", "States.MathAdd");
    assert_invalid_arguments("States.MathAdd('1', 2)", "{}", "States.MathAdd");
    assert_invalid_arguments("States.MathAdd(null, 1)", "{}", "States.MathAdd");
    assert_invalid_arguments("States.MathAdd(true, 1)", "{}", "States.MathAdd");
    assert_invalid_arguments("States.MathAdd(-1, $.p)", "{\"p\":[0,1]}", "States.MathAdd");
}

/* AWS conformance base_reference_in_iterator_outer_scope: nested, variables. */
static void math_add_of_nested_calls_and_variables(void **state)
{
    (void)state;
    assert_json(eval_env("States.MathAdd(States.MathAdd(States.MathAdd($y, $x), $z), $bias)", "{}",
                         NULL, "{\"x\":1,\"y\":2,\"z\":3,\"bias\":4}"),
                "10", "variables");
    assert_eval("States.Array(States.MathAdd($.x, -1), States.MathAdd($.x, 1))", "{\"x\":5}",
                "[4,6]");
}

/* ---- States.MathRandom -------------------------------------------------- */

static void math_random_stays_in_its_range(void **state)
{
    (void)state;
    sf_intrinsic *f = compile("States.MathRandom($.start, $.end)");
    json_t *in = parse("{\"start\":1,\"end\":4}");
    sf_eval_env env = {.input = in};
    bool seen[4] = {false};
    for (int i = 0; i < 200; i++) {
        sf_error err = SF_ERROR_INIT;
        json_t *v = sf_intrinsic_eval(f, &env, &err);
        assert_true(json_is_integer(v));
        json_int_t n = json_integer_value(v);
        assert_true(n >= 1 && n < 4);
        seen[n] = true;
        json_decref(v);
    }
    assert_true(seen[1] && seen[2] && seen[3]); /* end is exclusive, start is not */
    sf_intrinsic_free(f);
    json_decref(in);
}

/* With a seed: java.util.Random(seed).nextInt(end - start) + start, values
 * checked against a JDK. */
static void math_random_with_a_seed_is_deterministic(void **state)
{
    (void)state;
    assert_eval("States.MathRandom(1, 100, 42)", "{}", "63");
    assert_eval("States.MathRandom(1, 100, 42)", "{}", "63");
    assert_eval("States.MathRandom(1, 10, -10)", "{}", "1");
    assert_eval("States.MathRandom(0, 8, -10)", "{}", "2");
    assert_eval("States.MathRandom(-500000, 500000, 7)", "{}", "-335764");
}

/* AWS recorded: fractional bounds are truncated; start must be below end. */
static void math_random_truncates_bounds(void **state)
{
    (void)state;
    assert_eval("States.MathRandom(1.6, 2.4, 5)", "{}", "1");
    assert_invalid_arguments("States.MathRandom(1.4, 1.6)", "{}", "States.MathRandom");
    assert_invalid_arguments("States.MathRandom(1, 1)", "{}", "States.MathRandom");
    assert_invalid_arguments("States.MathRandom(10, 5)", "{}", "States.MathRandom");
}

static void math_random_needs_numbers(void **state)
{
    (void)state;
    assert_invalid_arguments("States.MathRandom('a', 10)", "{}", "States.MathRandom");
    assert_invalid_arguments("States.MathRandom(1, 'b')", "{}", "States.MathRandom");
    assert_invalid_arguments("States.MathRandom(1, 10, 'seed')", "{}", "States.MathRandom");
    assert_invalid_arguments("States.MathRandom(1, 10, null)", "{}", "States.MathRandom");
}

/* ---- States.StringSplit ------------------------------------------------- */

static void string_split_conformance_cases(void **state)
{
    (void)state;
    const char *expr = "States.StringSplit($.FunctionInput.fst, $.FunctionInput.snd)";
    assert_eval(expr, "{\"FunctionInput\":{\"fst\":\", , ,\",\"snd\":\",\"}}", "[\" \", \" \"]");
    assert_eval(expr, "{\"FunctionInput\":{\"fst\":\"This.is+a,test=string\",\"snd\":\".+,=\"}}",
                "[\"This\", \"is\", \"a\", \"test\", \"string\"]");
}

static void string_split_drops_empty_pieces(void **state)
{
    (void)state;
    /* AWS docs */
    assert_eval("States.StringSplit($.inputString, $.splitter)",
                "{\"inputString\":\"1,2,3,4,5\",\"splitter\":\",\"}",
                "[\"1\",\"2\",\"3\",\"4\",\"5\"]");
    assert_eval("States.StringSplit($.s, ',')", "{\"s\":\"a,,b\"}", "[\"a\",\"b\"]");
    assert_eval("States.StringSplit($.s, ',')", "{\"s\":\",a,b,\"}", "[\"a\",\"b\"]");
    assert_eval("States.StringSplit($.s, ',')", "{\"s\":\",\"}", "[]");
    assert_eval("States.StringSplit($.s, ',')", "{\"s\":\"\"}", "[]");
    assert_eval("States.StringSplit($.s, '')", "{\"s\":\"abc\"}", "[\"abc\"]");
}

static void string_split_on_each_delimiter_character(void **state)
{
    (void)state;
    assert_eval("States.StringSplit($.s, 'ab')", "{\"s\":\"1a2b3ab4\"}",
                "[\"1\",\"2\",\"3\",\"4\"]");
    assert_eval("States.StringSplit($.s, '\xe2\x86\x92')",
                "{\"s\":\"a\xe2\x86\x92"
                "b\xe2\x86\x92\xc3\xa9\"}",
                "[\"a\",\"b\",\"\xc3\xa9\"]");
    assert_eval("States.StringSplit(States.Format('{}-{}', $.a, $.b), '-')",
                "{\"a\":\"x\",\"b\":\"y\"}", "[\"x\",\"y\"]");
}

static void string_split_needs_strings(void **state)
{
    (void)state;
    assert_invalid_arguments("States.StringSplit($.v, ',')", "{\"v\":123}", "States.StringSplit");
    assert_invalid_arguments("States.StringSplit($.s, $.d)", "{\"s\":\"a,b\",\"d\":null}",
                             "States.StringSplit");
    assert_invalid_arguments("States.StringSplit($.s, $.d)", "{\"s\":\"a,b\",\"d\":[\",\"]}",
                             "States.StringSplit");
}

/* ---- States.UUID -------------------------------------------------------- */

static void uuid_is_a_random_version_4_uuid(void **state)
{
    (void)state;
    json_t *a = eval_env("States.UUID()", "{}", NULL, NULL);
    json_t *b = eval_env("States.UUID()", "{}", NULL, NULL);
    const char *s = json_string_value(a);
    assert_int_equal(strlen(s), 36);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(s[i], '-');
        else
            assert_non_null(strchr("0123456789abcdef", s[i]));
    }
    assert_int_equal(s[14], '4');
    assert_non_null(strchr("89ab", s[19]));
    assert_string_not_equal(s, json_string_value(b));
    json_decref(a);
    json_decref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(looks_like_call_needs_the_states_prefix_and_a_parenthesis),
        cmocka_unit_test(every_function_compiles_with_its_arity),
        cmocka_unit_test(unknown_function_is_a_compile_error),
        cmocka_unit_test(wrong_argument_count_is_a_compile_error),
        cmocka_unit_test(wrong_argument_count_of_a_nested_call_names_its_offset),
        cmocka_unit_test(syntax_errors_report_their_offset),
        cmocka_unit_test(number_literals_follow_the_json_grammar),
        cmocka_unit_test(only_quote_brace_and_backslash_may_be_escaped),
        cmocka_unit_test(unknown_words_are_not_literals),
        cmocka_unit_test(nesting_deeper_than_ten_calls_is_a_compile_error),
        cmocka_unit_test(unterminated_path_is_a_compile_error),
        cmocka_unit_test(uses_context_is_true_when_any_path_reads_the_context_object),
        cmocka_unit_test(literals_of_every_kind),
        cmocka_unit_test(string_literal_escapes),
        cmocka_unit_test(whitespace_around_arguments_is_ignored),
        cmocka_unit_test(raw_newline_inside_a_literal_is_kept),
        cmocka_unit_test(paths_read_input_context_and_variables),
        cmocka_unit_test(nested_and_context_paths),
        cmocka_unit_test(missing_path_fails_with_the_aws_cause),
        cmocka_unit_test(nested_failure_names_the_whole_expression),
        cmocka_unit_test(missing_context_path_is_named_with_one_dollar),
        cmocka_unit_test(explicit_null_is_an_argument_not_a_missing_path),
        cmocka_unit_test(format_conformance_cases),
        cmocka_unit_test(format_prints_scalars_as_aws_does),
        cmocka_unit_test(format_prints_objects_and_arrays_like_java),
        cmocka_unit_test(format_prints_reals_like_java),
        cmocka_unit_test(format_escaped_braces_print_literally),
        cmocka_unit_test(format_template_from_a_path),
        cmocka_unit_test(format_without_placeholders_returns_the_template),
        cmocka_unit_test(format_of_a_nested_call),
        cmocka_unit_test(format_placeholder_count_must_equal_argument_count),
        cmocka_unit_test(format_stray_brace_fails),
        cmocka_unit_test(format_template_must_be_a_string),
        cmocka_unit_test(string_to_json_parses_any_json_value),
        cmocka_unit_test(string_to_json_of_blank_text_is_null),
        cmocka_unit_test(string_to_json_rejects_bad_json_and_non_strings),
        cmocka_unit_test(json_to_string_conformance_cases),
        cmocka_unit_test(json_to_string_escapes_like_jackson),
        cmocka_unit_test(json_to_string_and_back_round_trips),
        cmocka_unit_test(array_conformance_cases),
        cmocka_unit_test(array_of_nothing_and_of_nested_calls),
        cmocka_unit_test(array_partition_conformance_cases),
        cmocka_unit_test(array_partition_keeps_a_short_last_chunk),
        cmocka_unit_test(array_partition_truncates_a_fractional_size),
        cmocka_unit_test(array_partition_rejects_bad_arguments),
        cmocka_unit_test(array_contains_conformance_case),
        cmocka_unit_test(array_contains_finds_equal_values),
        cmocka_unit_test(array_contains_compares_printed_forms),
        cmocka_unit_test(array_contains_needs_an_array),
        cmocka_unit_test(array_range_includes_its_end),
        cmocka_unit_test(array_range_counts_down_with_a_negative_step),
        cmocka_unit_test(array_range_truncates_fractions),
        cmocka_unit_test(array_range_allows_at_most_1000_elements),
        cmocka_unit_test(array_range_rejects_bad_arguments),
        cmocka_unit_test(array_range_of_nested_calls),
        cmocka_unit_test(array_get_item_returns_the_element),
        cmocka_unit_test(array_get_item_quirks_recorded_on_aws),
        cmocka_unit_test(array_get_item_rejects_an_index_out_of_range),
        cmocka_unit_test(array_length_counts_elements),
        cmocka_unit_test(array_unique_removes_duplicates),
        cmocka_unit_test(array_unique_compares_deeply_and_strictly),
        cmocka_unit_test(array_unique_lists_values_in_aws_hash_set_order),
        cmocka_unit_test(array_unique_order_with_a_larger_table),
        cmocka_unit_test(array_unique_needs_an_array),
        cmocka_unit_test(base64_encode_encodes_utf8_bytes),
        cmocka_unit_test(base64_decode_decodes_to_text),
        cmocka_unit_test(base64_decode_is_lenient_like_aws),
        cmocka_unit_test(base64_input_is_limited_to_10000_characters),
        cmocka_unit_test(base64_needs_a_string),
        cmocka_unit_test(hash_conformance_case),
        cmocka_unit_test(hash_supports_five_algorithms),
        cmocka_unit_test(hash_of_unicode_text),
        cmocka_unit_test(hash_of_a_nested_call),
        cmocka_unit_test(hash_of_a_non_string_hashes_its_printed_form),
        cmocka_unit_test(hash_algorithm_names_are_exact),
        cmocka_unit_test(hash_input_is_limited_to_10000_characters),
        cmocka_unit_test(json_merge_is_shallow),
        cmocka_unit_test(json_merge_keeps_the_first_objects_key_order),
        cmocka_unit_test(json_merge_rejects_deep_mode_and_non_objects),
        cmocka_unit_test(math_add_conformance_cases),
        cmocka_unit_test(math_add_rounds_fractions_to_the_nearest_integer),
        cmocka_unit_test(math_add_stays_within_int32),
        cmocka_unit_test(math_add_needs_numbers),
        cmocka_unit_test(math_add_of_nested_calls_and_variables),
        cmocka_unit_test(math_random_stays_in_its_range),
        cmocka_unit_test(math_random_with_a_seed_is_deterministic),
        cmocka_unit_test(math_random_truncates_bounds),
        cmocka_unit_test(math_random_needs_numbers),
        cmocka_unit_test(string_split_conformance_cases),
        cmocka_unit_test(string_split_drops_empty_pieces),
        cmocka_unit_test(string_split_on_each_delimiter_character),
        cmocka_unit_test(string_split_needs_strings),
        cmocka_unit_test(uuid_is_a_random_version_4_uuid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
