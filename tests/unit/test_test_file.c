/*
 * test_test_file.c — `stepfn test` files (tools/test_file.c): the defaults
 * a file gives its tests, the name of a file's single test, what is
 * refused and where, and how expected values are compared with actual
 * ones (exactly, or as a subset) and where the first difference is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/json_util.h"
#include "tools/test_file.h"

#include <stdlib.h>
#include <string.h>

static sf_test_file *parse(const char *text, char **err)
{
    *err = NULL;
    return sf_test_file_parse(text, strlen(text), "t.test.json", "t", err);
}

/* The message for text, which must be refused. */
static void assert_refused(const char *text, const char *message)
{
    char *err;
    sf_test_file *f = parse(text, &err);
    assert_null(f);
    assert_non_null(err);
    if (!strstr(err, message))
        fail_msg("expected '%s' in '%s'", message, err);
    free(err);
}

static json_t *json(const char *text)
{
    json_t *v = sf_json_parse(text, strlen(text), NULL, 0);
    assert_non_null(v);
    return v;
}

static void test_a_file_without_tests_is_one_test_named_after_the_file(void **state)
{
    (void)state;
    char *err;
    sf_test_file *f = parse("{\"definition\": \"m.asl.json\", \"input\": {\"a\": 1}}", &err);
    assert_non_null(f);
    assert_int_equal(f->count, 1);
    assert_string_equal(f->tests[0].name, "t");
    assert_string_equal(f->tests[0].pointer, "");
    assert_int_equal(json_integer_value(json_object_get(f->tests[0].input, "a")), 1);
    assert_string_equal(f->tests[0].expect.status, "SUCCEEDED");
    sf_test_file_free(f);
}

static void test_tests_start_from_the_file_defaults(void **state)
{
    (void)state;
    char *err;
    sf_test_file *f = parse("{\"definition\": \"m.asl.json\", \"mockConfig\": \"m.json\","
                            " \"input\": {\"a\": 1}, \"testCase\": \"Ok\", \"waitScale\": 0.5,"
                            " \"expect\": {\"path\": [\"A\"], \"output\": 1},"
                            " \"tests\": [{\"name\": \"defaults\"},"
                            "  {\"name\": \"own\", \"input\": 2, \"testCase\": \"Bad\","
                            "   \"waitScale\": 0, \"expect\": {\"error\": \"E\"}}]}",
                            &err);
    assert_non_null(f);
    if (!f)
        fail_msg("%s", err);
    assert_int_equal(f->count, 2);
    const sf_test_spec *a = &f->tests[0], *b = &f->tests[1];
    assert_string_equal(a->test_case, "Ok");
    assert_true(a->wait_scale == 0.5);
    assert_non_null(a->expect.path);
    assert_int_equal(json_integer_value(a->expect.output), 1);
    assert_string_equal(a->pointer, "/tests/0");
    assert_string_equal(b->test_case, "Bad");
    assert_true(b->wait_scale == 0);
    assert_int_equal(json_integer_value(b->input), 2);
    assert_string_equal(b->expect.error, "E");
    assert_string_equal(b->expect.status, "FAILED"); /* implied by its error */
    assert_non_null(b->expect.path);                 /* kept from the defaults */
    assert_null(b->expect.output); /* the default output cannot hold for a failure */
    sf_test_file_free(f);
}

/* A status unsaid is SUCCEEDED, or FAILED when an error or cause is expected. */
static void test_the_status_follows_from_the_expected_error(void **state)
{
    (void)state;
    char *err;
    sf_test_file *f = parse("{\"definition\": \"m\", \"tests\": ["
                            "{\"name\": \"a\", \"expect\": {\"causeContains\": \"x\"}},"
                            "{\"name\": \"b\", \"expect\": {\"status\": \"TIMED_OUT\","
                            " \"error\": \"States.Timeout\"}}]}",
                            &err);
    assert_non_null(f);
    assert_string_equal(f->tests[0].expect.status, "FAILED");
    assert_string_equal(f->tests[1].expect.status, "TIMED_OUT");
    sf_test_file_free(f);
}

static void test_mistakes_are_refused_at_their_pointer(void **state)
{
    (void)state;
    assert_refused("[]", "t.test.json: (the top): a test file must be a JSON object");
    assert_refused("{\"definition\": \"m\",", "t.test.json: not a valid test file: line 1");
    assert_refused("{\"input\": {}}", "/definition: missing");
    assert_refused("{\"definition\": \"m\", \"definition\": \"n\"}", "duplicate");
    assert_refused("{\"definition\": \"\"}", "/definition: definition must be a non-empty");
    assert_refused("{\"definition\": \"m\", \"Input\": {}}", "/Input: unknown field 'Input'");
    assert_refused("{\"definition\": \"m\", \"expect\": {\"Status\": \"FAILED\"}}",
                   "/expect/Status: unknown field 'Status' in expect");
    assert_refused("{\"definition\": \"m\", \"tests\": [{\"name\": \"a\", \"inptu\": 1}]}",
                   "/tests/0/inptu: unknown field 'inptu' in a test");
    assert_refused("{\"definition\": \"m\", \"tests\": [{\"name\": \"a\"},"
                   " {\"name\": \"b\", \"expect\": {\"status\": \"DONE\"}}]}",
                   "/tests/1/expect/status: status must be SUCCEEDED, FAILED, TIMED_OUT or "
                   "ABORTED, not 'DONE'");
    assert_refused("{\"definition\": \"m\", \"tests\": [{\"expect\": {}}]}",
                   "/tests/0: a test in tests needs a name");
    assert_refused("{\"definition\": \"m\", \"tests\": []}", "/tests: tests must be a non-empty");
    assert_refused("{\"definition\": \"m\", \"name\": \"x\", \"tests\": [{\"name\": \"a\"}]}",
                   "/name: name names the test of a file without tests");
    assert_refused("{\"definition\": \"m\", \"expect\": {\"path\": [\"A\", 1]}}",
                   "/expect/path/1: a state name (string) was expected, not integer");
    assert_refused("{\"definition\": \"m\", \"expect\": {\"attempts\": {\"A\": -1}}}",
                   "/expect/attempts/A: the number of times 'A' was scheduled");
    assert_refused("{\"definition\": \"m\", \"expect\": {\"stateOutputs\": []}}",
                   "/expect/stateOutputs: stateOutputs must be an object");
    assert_refused("{\"definition\": \"m\", \"waitScale\": -1}", "/waitScale: waitScale must be");
    assert_refused("{\"definition\": \"m\", \"testCase\": \"C\"}",
                   "/testCase: testCase 'C' needs a mockConfig");
    assert_refused("{\"definition\": \"m\", \"expect\": {\"status\": \"FAILED\", \"output\": 1}}",
                   "t.test.json: /expect: an output is expected, but status FAILED");
    assert_refused(
        "{\"definition\": \"m\", \"expect\": {\"status\": \"SUCCEEDED\", \"cause\": \"c\"},"
        " \"tests\": [{\"name\": \"a\"}]}",
        "t.test.json: /expect: an error or cause is expected, but status SUCCEEDED");
    assert_refused("{\"definition\": \"m\", \"expect\": {\"output\": 1},"
                   " \"tests\": [{\"name\": \"a\", \"expect\": {\"status\": \"FAILED\","
                   " \"outputContains\": {}}}]}",
                   "t.test.json: /tests/0/expect: an output is expected, but status FAILED");
    assert_refused("{\"definition\": \"m\", \"tests\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}",
                   "/tests/1/name: two tests are named 'a' (the other is /tests/0)");
}

static void assert_diff(const char *expected, const char *actual, bool exact, const char *at)
{
    json_t *x = json(expected), *y = json(actual);
    char *d = sf_test_json_diff(x, y, exact);
    if (!at)
        assert_null(d);
    else if (!d || strcmp(d, at) != 0)
        fail_msg("%s vs %s: expected a difference at '%s', got '%s'", expected, actual, at,
                 d ? d : "(none)");
    free(d);
    json_decref(x);
    json_decref(y);
}

static void test_exact_comparison(void **state)
{
    (void)state;
    assert_diff("{\"a\": [1, {\"b\": 2}]}", "{\"a\": [1, {\"b\": 2}]}", true, NULL);
    assert_diff("1", "1.0", true, NULL); /* numbers by value */
    assert_diff("{\"a\": [1, {\"b\": 2}]}", "{\"a\": [1, {\"b\": 3}]}", true, "/a/1/b");
    assert_diff("{\"a\": 1}", "{\"a\": 1, \"b\": 2}", true, "/b"); /* a member too many */
    assert_diff("{\"a\": 1, \"b\": 2}", "{\"a\": 1}", true, "/b"); /* one missing */
    assert_diff("[1, 2]", "[1, 2, 3]", true, "/2");
    assert_diff("\"1\"", "1", true, "");
    assert_diff("{\"a/b~c\": 1}", "{\"a/b~c\": 2}", true, "/a~1b~0c");
    assert_diff("null", "false", true, "");
}

static void test_subset_comparison(void **state)
{
    (void)state;
    assert_diff("{\"a\": {\"b\": 2}}", "{\"a\": {\"b\": 2, \"c\": 3}, \"d\": 4}", false, NULL);
    assert_diff("{\"a\": {\"b\": 2}}", "{\"a\": {\"c\": 3}}", false, "/a/b");
    assert_diff("[{\"id\": 1}, {}]", "[{\"id\": 1, \"x\": 0}, {\"y\": 1}]", false, NULL);
    assert_diff("[{\"id\": 1}]", "[{\"id\": 1}, {\"id\": 2}]", false, "/1"); /* same length */
    assert_diff("{}", "[]", false, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_file_without_tests_is_one_test_named_after_the_file),
        cmocka_unit_test(test_tests_start_from_the_file_defaults),
        cmocka_unit_test(test_the_status_follows_from_the_expected_error),
        cmocka_unit_test(test_mistakes_are_refused_at_their_pointer),
        cmocka_unit_test(test_exact_comparison),
        cmocka_unit_test(test_subset_comparison),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
