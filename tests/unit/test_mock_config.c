/*
 * test_mock_config.c — engine/mock: which response answers which
 * invocation (ranges expanded, the last one repeating, counters per state
 * and per run), the cases of a file, and the one-state case TestState
 * builds. Malformed files are covered end to end (tests/mock/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/mock/mock_config.h"

#include <stdlib.h>
#include <string.h>

static const char config_text[] =
    "{\"StateMachines\": {\"M\": {\"TestCases\": {"
    "   \"Retry\": {\"A\": \"Flaky\", \"B\": \"Ok\"},"
    "   \"Other\": {\"B\": \"Ok\"}}}},"
    " \"MockedResponses\": {"
    "   \"Flaky\": {\"0\": {\"Throw\": {\"Error\": \"E0\", \"Cause\": \"c0\"}},"
    "              \"1-2\": {\"Throw\": {\"Error\": \"E12\"}},"
    "              \"3\": {\"Return\": {\"n\": 3}}},"
    "   \"Ok\": {\"0\": {\"Return\": [1, 2]}}}}";

static sf_mock_config *load(void)
{
    char *err = NULL;
    sf_mock_config *m = sf_mock_config_parse(config_text, strlen(config_text), "mocks.json", &err);
    assert_null(err);
    assert_non_null(m);
    return m;
}

static void answers_follow_the_keys_then_repeat_the_last(void **state)
{
    (void)state;
    sf_mock_config *m = load();
    char *err = NULL;
    const sf_mock_case *c = sf_mock_config_case(m, "M", "Retry", &err);
    assert_non_null(c);
    sf_mock_run *run = sf_mock_run_new(c);
    sf_mock_response r;
    int64_t n = -1;
    const char *errors[] = {"E0", "E12", "E12"};
    for (int i = 0; i < 3; i++) {
        assert_true(sf_mock_run_next(run, "A", &r, &n));
        assert_int_equal(n, i);
        assert_null(r.result);
        assert_string_equal(r.error, errors[i]);
    }
    assert_string_equal(r.error, "E12");
    assert_null(r.cause); /* Cause is optional */
    for (int i = 3; i < 6; i++) { /* "3" and everything after it */
        assert_true(sf_mock_run_next(run, "A", &r, &n));
        assert_int_equal(n, i);
        assert_int_equal(json_integer_value(json_object_get(r.result, "n")), 3);
    }
    /* B counts on its own */
    assert_true(sf_mock_run_next(run, "B", &r, &n));
    assert_int_equal(n, 0);
    assert_true(json_is_array(r.result));
    /* a state the case does not name runs for real */
    assert_false(sf_mock_run_next(run, "C", &r, &n));
    assert_true(sf_mock_case_has(c, "A"));
    assert_false(sf_mock_case_has(c, "C"));
    assert_false(sf_mock_case_has(NULL, "A"));
    /* a second run starts from 0 again */
    sf_mock_run *again = sf_mock_run_new(c);
    assert_true(sf_mock_run_next(again, "A", &r, &n));
    assert_int_equal(n, 0);
    assert_string_equal(r.error, "E0");
    sf_mock_run_free(again);
    sf_mock_run_free(run);
    sf_mock_config_free(m);
}

static void cases_and_machines_are_listed_and_missing_ones_named(void **state)
{
    (void)state;
    sf_mock_config *m = load();
    const char **machines = sf_mock_config_machines(m);
    assert_string_equal(machines[0], "M");
    assert_null(machines[1]);
    free(machines);
    const char **cases = sf_mock_config_cases(m, "M");
    assert_string_equal(cases[0], "Retry");
    assert_string_equal(cases[1], "Other");
    assert_null(cases[2]);
    free(cases);
    char *err = NULL;
    assert_null(sf_mock_config_case(m, "M", "Nope", &err));
    assert_non_null(strstr(err, "state machine 'M' has no test case 'Nope' (it has 'Retry', 'Other')"));
    free(err);
    err = NULL;
    assert_null(sf_mock_config_case(m, "X", "Retry", &err));
    assert_non_null(strstr(err, "no state machine 'X' in StateMachines (it has 'M')"));
    free(err);
    sf_mock_config_free(m);
}

static void a_single_case_answers_every_invocation(void **state)
{
    (void)state;
    json_t *result = json_pack("{s:b}", "ok", 1);
    sf_mock_case *c = sf_mock_case_single("T", result, NULL, NULL);
    json_decref(result); /* the case holds its own reference */
    sf_mock_run *run = sf_mock_run_new(c);
    sf_mock_response r;
    for (int i = 0; i < 3; i++) {
        assert_true(sf_mock_run_next(run, "T", &r, NULL));
        assert_true(json_is_true(json_object_get(r.result, "ok")));
    }
    sf_mock_run_free(run);
    sf_mock_case_free(c);

    c = sf_mock_case_single("T", NULL, "Custom.Error", "why");
    run = sf_mock_run_new(c);
    assert_true(sf_mock_run_next(run, "T", &r, NULL));
    assert_null(r.result);
    assert_string_equal(r.error, "Custom.Error");
    assert_string_equal(r.cause, "why");
    sf_mock_run_free(run);
    sf_mock_case_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(answers_follow_the_keys_then_repeat_the_last),
        cmocka_unit_test(cases_and_machines_are_listed_and_missing_ones_named),
        cmocka_unit_test(a_single_case_answers_every_invocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
