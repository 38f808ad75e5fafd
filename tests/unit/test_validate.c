/*
 * test_validate.c — what `stepfn validate` reports, rule by rule.
 *
 * Each case parses a definition with sf_definition_parse, as `stepfn
 * validate` and `stepfn run` do, and asserts the exact set of diagnostics
 * as (code, JSON Pointer) pairs; a few also check that the message names
 * the state and the field. Definitions are written with single quotes for
 * readability (they become double quotes before parsing); texts that need
 * a real single quote, such as intrinsic calls, are written as they are.
 *
 * The types are the project's table (states/registry.c) behind a stand-in
 * Task: a type with every common field and no checks of its own, so the
 * Retry and Catch cases do not depend on how the real Task checks its
 * Resource.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/definition.h"
#include "engine/xalloc.h"
#include "states/states.h"

/* ---- Types ---- */

static const char *const task_fields[] = {"Resource", "TimeoutSeconds", "HeartbeatSeconds", NULL};
static const sf_state_type stand_in_task = {
    .name = "Task",
    .common_fields = SF_COMMON_NEXT_END | SF_COMMON_INPUT_PATH | SF_COMMON_OUTPUT_PATH |
                     SF_COMMON_PARAMETERS | SF_COMMON_RESULT_SELECTOR | SF_COMMON_RESULT_PATH |
                     SF_COMMON_RETRY_CATCH | SF_COMMON_ASSIGN,
    .own_fields = task_fields,
};

#define MAX_TYPES 32
static const sf_state_type *types[MAX_TYPES];

static int setup_types(void **unused)
{
    (void)unused;
    size_t n = 0;
    types[n++] = &stand_in_task; /* found first, so it wins over a real Task */
    for (size_t i = 0; sf_state_types[i] && n + 1 < MAX_TYPES; i++)
        types[n++] = sf_state_types[i];
    types[n] = NULL;
    return 0;
}

/* ---- Helpers ---- */

typedef struct expected {
    const char *code;
    const char *pointer;
} expected;

/* DIAGS({code, pointer}, ...): the exact diagnostics a definition gives. */
#define DIAGS(...) ((const expected[]){__VA_ARGS__, {NULL, NULL}})
#define NO_DIAGS   ((const expected[]){{NULL, NULL}})

static char *double_quoted(const char *text)
{
    char *copy = strdup(text);
    for (char *p = copy; *p; p++)
        if (*p == '\'')
            *p = '"';
    return copy;
}

static void print_diags(const sf_diags *d)
{
    for (size_t i = 0; i < d->count; i++)
        print_message("  got %s at '%s': %s\n", d->items[i].code, d->items[i].pointer,
                      d->items[i].message);
}

/* Every expected pair matches one diagnostic, and there are no others. */
static void assert_diags_are(const sf_diags *d, const expected *want)
{
    size_t n = 0;
    while (want[n].code)
        n++;
    bool *used = calloc(d->count + 1, sizeof *used);
    bool ok = d->count == n;
    for (size_t i = 0; ok && i < n; i++) {
        size_t j = 0;
        while (j < d->count && (used[j] || strcmp(d->items[j].code, want[i].code) != 0 ||
                                strcmp(d->items[j].pointer, want[i].pointer) != 0))
            j++;
        if (j == d->count) {
            print_message("missing %s at '%s'\n", want[i].code, want[i].pointer);
            ok = false;
        } else {
            used[j] = true;
        }
    }
    free(used);
    if (!ok) {
        print_message("expected %zu diagnostic(s), got %zu:\n", n, d->count);
        print_diags(d);
        fail();
    }
}

static void expect_exact(const char *text, const expected *want)
{
    sf_diags d = SF_DIAGS_INIT;
    sf_definition *def = sf_definition_parse(text, strlen(text), "test.json", types, &d);
    assert_diags_are(&d, want);
    sf_definition_free(def);
    sf_diags_free(&d);
}

static void expect(const char *single_quoted, const expected *want)
{
    char *text = double_quoted(single_quoted);
    expect_exact(text, want);
    free(text);
}

/* The diagnostic at `pointer` must mention each of the NULL-terminated
 * words (the state name, the field, ...). */
static void expect_message(const char *single_quoted, const char *pointer, ...)
{
    char *text = double_quoted(single_quoted);
    sf_diags d = SF_DIAGS_INIT;
    sf_definition *def = sf_definition_parse(text, strlen(text), "test.json", types, &d);
    const sf_diag *found = NULL;
    for (size_t i = 0; i < d.count && !found; i++)
        if (strcmp(d.items[i].pointer, pointer) == 0)
            found = &d.items[i];
    if (!found) {
        print_message("no diagnostic at '%s'\n", pointer);
        print_diags(&d);
        fail();
    }
    va_list ap;
    va_start(ap, pointer);
    for (const char *word; (word = va_arg(ap, const char *));)
        if (!strstr(found->message, word))
            fail_msg("message at '%s' does not mention \"%s\": %s", pointer, word, found->message);
    va_end(ap);
    sf_definition_free(def);
    sf_diags_free(&d);
    free(text);
}

/* A definition whose single state is `state` (JSON of the state object). */
static void expect_state(const char *state, const expected *want)
{
    char *text = sf_asprintf("{'StartAt': 'A', 'States': {'A': %s}}", state);
    expect(text, want);
    free(text);
}

/* A Task 'T' with the given Retry or Catch JSON, and a state 'Recover'
 * that Catch rules can name. */
static void expect_rules(const char *field, const char *rules, const expected *want)
{
    char *text = sf_asprintf("{'StartAt': 'T', 'States': {"
                             "'T': {'Type': 'Task', 'Resource': 'r', '%s': %s, 'Next': 'Recover'},"
                             "'Recover': {'Type': 'Succeed'}}}",
                             field, rules);
    expect(text, want);
    free(text);
}

/* ---- Valid definitions ---- */

static void valid_definitions_give_no_diagnostics(void **unused)
{
    (void)unused;
    expect("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'End': true}}}", NO_DIAGS);
    expect("{'Comment': 'every top-level field', 'Version': '1.0', 'TimeoutSeconds': 60,"
           " 'QueryLanguage': 'JSONPath', 'StartAt': 'Hello', 'States': {"
           " 'Hello': {'Type': 'Pass', 'Comment': 'c', 'InputPath': '$.in',"
           "           'Parameters': {'x.$': '$.a', 'fixed': [1, {'y.$': '$$.Execution.Id'}]},"
           "           'ResultPath': '$.out', 'OutputPath': '$', 'Next': 'Pause'},"
           " 'Pause': {'Type': 'Wait', 'SecondsPath': '$.delay', 'Next': 'Check'},"
           " 'Check': {'Type': 'Choice', 'Choices': ["
           "     {'Variable': '$.n', 'NumericLessThan': 3, 'Next': 'Hello'},"
           "     {'Not': {'Variable': '$.ok', 'BooleanEquals': true}, 'Next': 'Oops'}],"
           "   'Default': 'Done'},"
           " 'Oops': {'Type': 'Fail', 'Error': 'E', 'Cause': 'C'},"
           " 'Done': {'Type': 'Succeed'}}}",
           NO_DIAGS);
}

static void valid_task_with_retry_and_catch_gives_no_diagnostics(void **unused)
{
    (void)unused;
    expect("{'StartAt': 'T', 'States': {"
           " 'T': {'Type': 'Task', 'Resource': 'r', 'End': true,"
           "   'Retry': [{'ErrorEquals': ['Custom', 'States.Timeout'], 'IntervalSeconds': 2,"
           "              'MaxAttempts': 0, 'BackoffRate': 1.0, 'MaxDelaySeconds': 31622400,"
           "              'JitterStrategy': 'FULL', 'Comment': 'c'},"
           "             {'ErrorEquals': ['States.ALL']}],"
           "   'Catch': [{'ErrorEquals': ['Custom'], 'Next': 'Recover', 'ResultPath': null},"
           "             {'ErrorEquals': ['States.ALL'], 'Next': 'Recover',"
           "              'ResultPath': '$.error', 'Comment': 'c'}]},"
           " 'Recover': {'Type': 'Succeed'}}}",
           NO_DIAGS);
}

static void valid_parallel_gives_no_diagnostics(void **unused)
{
    (void)unused;
    expect("{'StartAt': 'P', 'States': {"
           " 'P': {'Type': 'Parallel', 'Next': 'Done', 'Branches': ["
           "   {'StartAt': 'B1', 'States': {'B1': {'Type': 'Pass', 'End': true}}},"
           "   {'Comment': 'c', 'StartAt': 'B2', 'States': {"
           "      'B2': {'Type': 'Pass', 'Next': 'B3'}, 'B3': {'Type': 'Succeed'}}}]},"
           " 'Done': {'Type': 'Succeed'}}}",
           NO_DIAGS);
}

static void end_false_with_next_is_accepted(void **unused)
{
    (void)unused;
    expect("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'End': false, 'Next': 'B'},"
           " 'B': {'Type': 'Succeed'}}}",
           NO_DIAGS);
}

static void retry_fields_are_compiled_with_aws_defaults(void **unused)
{
    (void)unused;
    char *text = double_quoted(
        "{'StartAt': 'T', 'States': {'T': {'Type': 'Task', 'Resource': 'r', 'End': true,"
        " 'Retry': [{'ErrorEquals': ['A']},"
        "           {'ErrorEquals': ['B'], 'IntervalSeconds': 5, 'MaxAttempts': 0,"
        "            'BackoffRate': 1.5, 'MaxDelaySeconds': 60, 'JitterStrategy': 'FULL'}]}}}");
    sf_diags d = SF_DIAGS_INIT;
    sf_definition *def = sf_definition_parse(text, strlen(text), "test.json", types, &d);
    assert_diags_are(&d, NO_DIAGS);
    const sf_state *t = def->top->states[0];
    assert_int_equal(t->retrier_count, 2);
    const sf_retrier *first = &t->retriers[0], *second = &t->retriers[1];
    assert_true(first->interval_seconds == 1 && first->max_attempts == 3);
    assert_true(first->backoff_rate == 2.0 && first->max_delay_seconds == 0);
    assert_false(first->jitter_full);
    assert_true(second->interval_seconds == 5 && second->max_attempts == 0);
    assert_true(second->backoff_rate == 1.5 && second->max_delay_seconds == 60);
    assert_true(second->jitter_full);
    assert_string_equal(second->errors[0], "B");
    sf_definition_free(def);
    sf_diags_free(&d);
    free(text);
}

/* ---- JSON ---- */

static void invalid_json_reports_line_and_column(void **unused)
{
    (void)unused;
    const char *text = "{\n  \"StartAt\": \"A\",\n  \"States\": {,}\n}";
    expect_exact(text, DIAGS({SF_DIAG_INVALID_JSON, ""}));
    sf_diags d = SF_DIAGS_INIT;
    assert_null(sf_definition_parse(text, strlen(text), "test.json", types, &d));
    assert_non_null(strstr(d.items[0].message, "line 3, column 14"));
    assert_non_null(strstr(d.items[0].message, "test.json"));
    sf_diags_free(&d);
}

static void duplicate_state_name_is_named_with_its_pointer(void **unused)
{
    (void)unused;
    const char *text = "{'StartAt': 'A', 'States': {\n"
                       "  'A': {'Type': 'Pass', 'End': true},\n"
                       "  'A': {'Type': 'Succeed'}}}";
    expect(text, DIAGS({SF_DIAG_DUPLICATE_STATE, "/States/A"}));
    expect_message(text, "/States/A", "'A'", "line 3", NULL);
}

static void duplicate_state_name_in_a_branch_points_into_the_branch(void **unused)
{
    (void)unused;
    expect("{'StartAt': 'P', 'States': {'P': {'Type': 'Parallel', 'End': true, 'Branches': ["
           " {'StartAt': 'B', 'States': {'B': {'Type': 'Succeed'}}},"
           " {'StartAt': 'C', 'States': {'C': {'Type': 'Succeed'}, 'C': {'Type': 'Fail'}}}]}}}",
           DIAGS({SF_DIAG_DUPLICATE_STATE, "/States/P/Branches/1/States/C"}));
}

static void duplicate_field_is_invalid_json_at_its_pointer(void **unused)
{
    (void)unused;
    const char *text = "{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'End': true,"
                       " 'Result': {'States': {'x': 1, 'x': 2}}, 'End': true}}}";
    expect(text, DIAGS({SF_DIAG_INVALID_JSON, "/States/A/Result/States/x"}));
    expect_message(text, "/States/A/Result/States/x", "'x'", "twice", NULL);
}

static void state_name_reused_in_a_branch_is_a_duplicate(void **unused)
{
    (void)unused;
    const char *text = "{'StartAt': 'P', 'States': {"
                       " 'P': {'Type': 'Parallel', 'Next': 'X', 'Branches': ["
                       "   {'StartAt': 'X', 'States': {'X': {'Type': 'Succeed'}}}]},"
                       " 'X': {'Type': 'Succeed'}}}";
    expect(text, DIAGS({SF_DIAG_DUPLICATE_STATE, "/States/P/Branches/0/States/X"}));
    expect_message(text, "/States/P/Branches/0/States/X", "'X'", "/States/X", NULL);
}

/* ---- The top level ---- */

static void definition_must_be_an_object(void **unused)
{
    (void)unused;
    expect("['StartAt']", DIAGS({SF_DIAG_SCHEMA, ""}));
}

static void start_at_is_required(void **unused)
{
    (void)unused;
    expect("{'States': {'A': {'Type': 'Succeed'}}}", DIAGS({SF_DIAG_MISSING_FIELD, ""}));
    expect("{'StartAt': 1, 'States': {'A': {'Type': 'Succeed'}}}",
           DIAGS({SF_DIAG_SCHEMA, "/StartAt"}));
}

static void start_at_must_name_a_state(void **unused)
{
    (void)unused;
    const char *text = "{'StartAt': 'Nowhere', 'States': {'A': {'Type': 'Succeed'}}}";
    expect(text, DIAGS({SF_DIAG_MISSING_TARGET, "/StartAt"}));
    expect_message(text, "/StartAt", "'Nowhere'", NULL);
}

static void states_must_be_a_non_empty_object(void **unused)
{
    (void)unused;
    expect("{'StartAt': 'A'}", DIAGS({SF_DIAG_MISSING_FIELD, ""}));
    expect("{'StartAt': 'A', 'States': {}}", DIAGS({SF_DIAG_SCHEMA, "/States"}));
    expect("{'StartAt': 'A', 'States': []}", DIAGS({SF_DIAG_SCHEMA, "/States"}));
}

static void unknown_top_level_field_is_rejected(void **unused)
{
    (void)unused;
    const char *text = "{'StartAt': 'A', 'Start': 'A', 'States': {'A': {'Type': 'Succeed'}}}";
    expect(text, DIAGS({SF_DIAG_UNKNOWN_FIELD, "/Start"}));
    expect_message(text, "/Start", "'Start'", NULL);
}

static void top_level_timeout_seconds_is_a_positive_integer(void **unused)
{
    (void)unused;
    const char *bad[] = {"0", "-5", "1.5", "'60'", "100000000", "true"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *text = sf_asprintf("{'TimeoutSeconds': %s, 'StartAt': 'A', 'States': {'A': {'Type': "
                                 "'Succeed'}}}",
                                 bad[i]);
        expect(text, DIAGS({SF_DIAG_INVALID_VALUE, "/TimeoutSeconds"}));
        free(text);
    }
    expect("{'TimeoutSeconds': 99999999, 'StartAt': 'A', 'States': {'A': {'Type': 'Succeed'}}}",
           NO_DIAGS);
}

static void version_and_comment_are_strings(void **unused)
{
    (void)unused;
    expect("{'Version': 1, 'Comment': 2, 'StartAt': 'A', 'States': {'A': {'Type': 'Succeed'}}}",
           DIAGS({SF_DIAG_SCHEMA, "/Version"}, {SF_DIAG_SCHEMA, "/Comment"}));
}

static void query_language_jsonata_is_not_supported(void **unused)
{
    (void)unused;
    expect("{'QueryLanguage': 'JSONata', 'StartAt': 'A', 'States': {'A': {'Type': 'Succeed'}}}",
           DIAGS({SF_DIAG_UNSUPPORTED, "/QueryLanguage"}));
    expect("{'QueryLanguage': 'SQL', 'StartAt': 'A', 'States': {'A': {'Type': 'Succeed'}}}",
           DIAGS({SF_DIAG_INVALID_VALUE, "/QueryLanguage"}));
    /* JSONata fields are not checked by the JSONPath rules: one diagnostic. */
    expect("{'QueryLanguage': 'JSONata', 'StartAt': 'A', 'States': {'A': {'Type': 'Pass',"
           " 'Output': '{% $states.input %}', 'End': true}}}",
           DIAGS({SF_DIAG_UNSUPPORTED, "/QueryLanguage"}));
    expect_state("{'Type': 'Pass', 'QueryLanguage': 'JSONata', 'Output': 1, 'End': true}",
                 DIAGS({SF_DIAG_UNSUPPORTED, "/States/A/QueryLanguage"}));
    expect_state("{'Type': 'Succeed', 'QueryLanguage': 'JSONPath'}", NO_DIAGS);
}

/* ---- State names and types ---- */

static void state_name_longer_than_80_characters_is_rejected(void **unused)
{
    (void)unused;
    char name[82];
    memset(name, 'n', 81);
    name[81] = '\0';
    char *text =
        sf_asprintf("{'StartAt': '%s', 'States': {'%s': {'Type': 'Succeed'}}}", name, name);
    char *ptr = sf_asprintf("/States/%s", name);
    expect(text, DIAGS({"INVALID_STATE_NAME", ptr}));
    free(text);
    free(ptr);
    name[80] = '\0';
    text = sf_asprintf("{'StartAt': '%s', 'States': {'%s': {'Type': 'Succeed'}}}", name, name);
    expect(text, NO_DIAGS);
    free(text);
}

static void state_name_length_counts_characters_not_bytes(void **unused)
{
    (void)unused;
    /* 80 times "é", two bytes each in UTF-8. */
    char name[161];
    for (size_t i = 0; i < 80; i++)
        memcpy(name + 2 * i, "\xc3\xa9", 2);
    name[160] = '\0';
    char *text =
        sf_asprintf("{'StartAt': '%s', 'States': {'%s': {'Type': 'Succeed'}}}", name, name);
    expect(text, NO_DIAGS);
    free(text);
}

static void empty_state_name_is_rejected(void **unused)
{
    (void)unused;
    expect("{'StartAt': '', 'States': {'': {'Type': 'Succeed'}}}",
           DIAGS({"INVALID_STATE_NAME", "/States/"}));
}

static void pointers_escape_slash_and_tilde_in_state_names(void **unused)
{
    (void)unused;
    const char *text = "{'StartAt': 'a/b~c', 'States': {'a/b~c': {'Type': 'Succeed', 'Oops': 1}}}";
    expect(text, DIAGS({SF_DIAG_UNKNOWN_FIELD, "/States/a~1b~0c/Oops"}));
    expect_message(text, "/States/a~1b~0c/Oops", "'a/b~c'", "'Oops'", NULL);
}

static void state_must_be_an_object(void **unused)
{
    (void)unused;
    expect("{'StartAt': 'A', 'States': {'A': 'Pass'}}", DIAGS({SF_DIAG_SCHEMA, "/States/A"}));
}

static void state_type_is_required(void **unused)
{
    (void)unused;
    expect_state("{'End': true}", DIAGS({SF_DIAG_MISSING_FIELD, "/States/A"}));
    expect_state("{'Type': 7, 'End': true}", DIAGS({SF_DIAG_SCHEMA, "/States/A/Type"}));
}

static void unknown_state_type_is_rejected(void **unused)
{
    (void)unused;
    const char *text = "{'StartAt': 'A', 'States': {'A': {'Type': 'Teleport', 'End': true}}}";
    expect(text, DIAGS({SF_DIAG_SCHEMA, "/States/A/Type"}));
    expect_message(text, "/States/A/Type", "'A'", "'Teleport'", NULL);
}

static void state_type_missing_from_the_table_is_unsupported(void **unused)
{
    (void)unused;
    const sf_state_type *only_pass[] = {&sf_state_pass, NULL};
    const char *text = "{\"StartAt\": \"W\", \"States\": {\"W\": {\"Type\": \"Wait\", "
                       "\"Seconds\": 1, \"End\": true}}}";
    sf_diags d = SF_DIAGS_INIT;
    sf_definition *def = sf_definition_parse(text, strlen(text), "test.json", only_pass, &d);
    assert_diags_are(&d, DIAGS({SF_DIAG_UNSUPPORTED, "/States/W/Type"}));
    sf_definition_free(def);
    sf_diags_free(&d);
}

static void transition_to_a_broken_state_is_not_a_second_problem(void **unused)
{
    (void)unused;
    expect("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'Next': 'B'},"
           " 'B': {'Type': 'Teleport', 'End': true}}}",
           DIAGS({SF_DIAG_SCHEMA, "/States/B/Type"}));
}

/* ---- Next and End ---- */

static void next_target_must_exist(void **unused)
{
    (void)unused;
    const char *text = "{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'Next': 'Nowhere'},"
                       " 'B': {'Type': 'Succeed'}}}";
    expect(text,
           DIAGS({SF_DIAG_MISSING_TARGET, "/States/A/Next"}, {SF_DIAG_UNREACHABLE, "/States/B"}));
    expect_message(text, "/States/A/Next", "'A'", "Next", "'Nowhere'", NULL);
}

static void state_needs_next_or_end(void **unused)
{
    (void)unused;
    const char *text = "{'StartAt': 'A', 'States': {'A': {'Type': 'Pass'}}}";
    expect(text, DIAGS({SF_DIAG_MISSING_FIELD, "/States/A"}));
    expect_message(text, "/States/A", "'A'", "Next", "End", NULL);
}

static void next_and_end_together_are_rejected(void **unused)
{
    (void)unused;
    expect("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'Next': 'B', 'End': true},"
           " 'B': {'Type': 'Succeed'}}}",
           DIAGS({SF_DIAG_SCHEMA, "/States/A"}));
}

static void end_false_without_next_is_rejected(void **unused)
{
    (void)unused;
    const char *text = "{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'End': false}}}";
    expect(text, DIAGS({SF_DIAG_MISSING_FIELD, "/States/A"}));
    expect_message(text, "/States/A", "'A'", "\"End\": false", NULL);
}

static void end_and_next_have_their_types(void **unused)
{
    (void)unused;
    expect_state("{'Type': 'Pass', 'End': 'yes'}", DIAGS({SF_DIAG_SCHEMA, "/States/A/End"}));
    expect_state("{'Type': 'Pass', 'Next': 3}", DIAGS({SF_DIAG_SCHEMA, "/States/A/Next"}));
}

static void succeed_and_fail_states_cannot_have_next_or_end(void **unused)
{
    (void)unused;
    const char *succeed = "{'StartAt': 'A', 'States': {'A': {'Type': 'Succeed', 'Next': 'A'}}}";
    expect(succeed, DIAGS({SF_DIAG_SCHEMA, "/States/A/Next"}));
    expect_message(succeed, "/States/A/Next", "'A'", "a Succeed state cannot have Next", NULL);
    const char *fail_end = "{'StartAt': 'A', 'States': {'A': {'Type': 'Fail', 'End': true}}}";
    expect(fail_end, DIAGS({SF_DIAG_SCHEMA, "/States/A/End"}));
    expect_message(fail_end, "/States/A/End", "a Fail state cannot have End", NULL);
}

static void fields_a_state_type_does_not_allow_are_rejected(void **unused)
{
    (void)unused;
    expect_state("{'Type': 'Pass', 'Seconds': 1, 'End': true}",
                 DIAGS({SF_DIAG_UNKNOWN_FIELD, "/States/A/Seconds"}));
    expect_state("{'Type': 'Pass', 'Retry': [], 'End': true}",
                 DIAGS({SF_DIAG_UNKNOWN_FIELD, "/States/A/Retry"}));
    expect_state("{'Type': 'Succeed', 'ResultPath': '$.x'}",
                 DIAGS({SF_DIAG_UNKNOWN_FIELD, "/States/A/ResultPath"}));
    expect_state("{'Type': 'Fail', 'InputPath': '$'}",
                 DIAGS({SF_DIAG_UNKNOWN_FIELD, "/States/A/InputPath"}));
    expect_message("{'StartAt': 'A', 'States': {'A': {'Type': 'Wait', 'Seconds': 1, 'End': "
                   "true, 'Result': 1}}}",
                   "/States/A/Result", "'A'", "'Result'", "Wait", NULL);
}

static void state_comment_is_a_string(void **unused)
{
    (void)unused;
    expect_state("{'Type': 'Succeed', 'Comment': {}}",
                 DIAGS({SF_DIAG_SCHEMA, "/States/A/Comment"}));
}

/* ---- Reachability and end states ---- */

static void unreachable_state_is_reported(void **unused)
{
    (void)unused;
    const char *text = "{'StartAt': 'A', 'States': {'A': {'Type': 'Succeed'},"
                       " 'Orphan': {'Type': 'Succeed'}}}";
    expect(text, DIAGS({SF_DIAG_UNREACHABLE, "/States/Orphan"}));
    expect_message(text, "/States/Orphan", "'Orphan'", "StartAt", NULL);
}

static void unreachable_cycle_is_reported(void **unused)
{
    (void)unused;
    expect("{'StartAt': 'A', 'States': {'A': {'Type': 'Succeed'},"
           " 'B': {'Type': 'Pass', 'Next': 'C'}, 'C': {'Type': 'Pass', 'Next': 'B'}}}",
           DIAGS({SF_DIAG_UNREACHABLE, "/States/B"}, {SF_DIAG_UNREACHABLE, "/States/C"}));
}

static void state_reached_only_through_catch_is_reachable(void **unused)
{
    (void)unused;
    expect("{'StartAt': 'T', 'States': {"
           " 'T': {'Type': 'Task', 'Resource': 'r', 'End': true,"
           "       'Catch': [{'ErrorEquals': ['States.ALL'], 'Next': 'Recover'}]},"
           " 'Recover': {'Type': 'Pass', 'Next': 'Report'},"
           " 'Report': {'Type': 'Fail'}}}",
           NO_DIAGS);
}

static void machine_without_end_state_is_rejected(void **unused)
{
    (void)unused;
    expect("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'Next': 'B'},"
           " 'B': {'Type': 'Wait', 'Seconds': 1, 'Next': 'A'}}}",
           DIAGS({"MISSING_END_STATE", ""}));
}

/* ---- Retry and Catch ---- */

static void retry_and_catch_are_arrays_of_objects(void **unused)
{
    (void)unused;
    expect_rules("Retry", "{}", DIAGS({SF_DIAG_SCHEMA, "/States/T/Retry"}));
    expect_rules("Catch", "'Recover'", DIAGS({SF_DIAG_SCHEMA, "/States/T/Catch"}));
    expect_rules("Retry", "[1]", DIAGS({SF_DIAG_SCHEMA, "/States/T/Retry/0"}));
}

static void error_equals_is_required_and_non_empty(void **unused)
{
    (void)unused;
    expect_rules("Retry", "[{'MaxAttempts': 1}]",
                 DIAGS({SF_DIAG_MISSING_FIELD, "/States/T/Retry/0"}));
    expect_rules("Retry", "[{'ErrorEquals': []}]",
                 DIAGS({SF_DIAG_SCHEMA, "/States/T/Retry/0/ErrorEquals"}));
    expect_rules("Catch", "[{'ErrorEquals': 'States.ALL', 'Next': 'Recover'}]",
                 DIAGS({SF_DIAG_SCHEMA, "/States/T/Catch/0/ErrorEquals"}));
}

static void error_equals_entries_are_non_empty_strings(void **unused)
{
    (void)unused;
    expect_rules("Retry", "[{'ErrorEquals': [1, '', 'Fine']}]",
                 DIAGS({SF_DIAG_SCHEMA, "/States/T/Retry/0/ErrorEquals/0"},
                       {SF_DIAG_SCHEMA, "/States/T/Retry/0/ErrorEquals/1"}));
}

static void retry_interval_seconds_is_from_1_to_99999999(void **unused)
{
    (void)unused;
    const expected *bad = DIAGS({SF_DIAG_INVALID_VALUE, "/States/T/Retry/0/IntervalSeconds"});
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'IntervalSeconds': 0}]", bad);
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'IntervalSeconds': 1.5}]", bad);
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'IntervalSeconds': 100000000}]", bad);
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'IntervalSeconds': '5'}]", bad);
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'IntervalSeconds': 99999999}]", NO_DIAGS);
    const char *text =
        "{'StartAt': 'T', 'States': {'T': {'Type': 'Task', 'Resource': 'r', 'End': true,"
        " 'Retry': [{'ErrorEquals': ['E'], 'IntervalSeconds': 0}]}}}";
    expect_message(text, "/States/T/Retry/0/IntervalSeconds", "'T'", "Retry[0].IntervalSeconds",
                   NULL);
}

static void retry_max_attempts_is_from_0_to_99999999(void **unused)
{
    (void)unused;
    const expected *bad = DIAGS({SF_DIAG_INVALID_VALUE, "/States/T/Retry/0/MaxAttempts"});
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'MaxAttempts': -1}]", bad);
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'MaxAttempts': 100000000}]", bad);
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'MaxAttempts': 0}]", NO_DIAGS);
}

static void retry_backoff_rate_is_at_least_1(void **unused)
{
    (void)unused;
    const expected *bad = DIAGS({SF_DIAG_INVALID_VALUE, "/States/T/Retry/0/BackoffRate"});
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'BackoffRate': 0.5}]", bad);
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'BackoffRate': '2'}]", bad);
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'BackoffRate': 1}]", NO_DIAGS);
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'BackoffRate': 2.5}]", NO_DIAGS);
}

static void retry_max_delay_seconds_is_from_1_to_31622400(void **unused)
{
    (void)unused;
    const expected *bad = DIAGS({SF_DIAG_INVALID_VALUE, "/States/T/Retry/0/MaxDelaySeconds"});
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'MaxDelaySeconds': 0}]", bad);
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'MaxDelaySeconds': 31622401}]", bad);
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'MaxDelaySeconds': 1}]", NO_DIAGS);
}

static void retry_jitter_strategy_is_full_or_none(void **unused)
{
    (void)unused;
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'JitterStrategy': 'HALF'}]",
                 DIAGS({SF_DIAG_INVALID_VALUE, "/States/T/Retry/0/JitterStrategy"}));
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'JitterStrategy': 'NONE'}]", NO_DIAGS);
}

static void rule_fields_are_checked(void **unused)
{
    (void)unused;
    expect_rules("Retry", "[{'ErrorEquals': ['E'], 'Next': 'Recover'}]",
                 DIAGS({SF_DIAG_UNKNOWN_FIELD, "/States/T/Retry/0/Next"}));
    expect_rules("Catch", "[{'ErrorEquals': ['E'], 'Next': 'Recover', 'MaxAttempts': 1}]",
                 DIAGS({SF_DIAG_UNKNOWN_FIELD, "/States/T/Catch/0/MaxAttempts"}));
    expect_rules("Catch", "[{'ErrorEquals': ['E'], 'Next': 'Recover', 'Comment': 1}]",
                 DIAGS({SF_DIAG_SCHEMA, "/States/T/Catch/0/Comment"}));
}

static void states_all_appears_alone(void **unused)
{
    (void)unused;
    expect_rules("Retry", "[{'ErrorEquals': ['States.ALL', 'E']}]",
                 DIAGS({SF_DIAG_SCHEMA, "/States/T/Retry/0/ErrorEquals"}));
    expect_rules("Catch", "[{'ErrorEquals': ['E', 'States.ALL'], 'Next': 'Recover'}]",
                 DIAGS({SF_DIAG_SCHEMA, "/States/T/Catch/0/ErrorEquals"}));
}

static void states_all_is_in_the_last_rule(void **unused)
{
    (void)unused;
    expect_rules("Retry", "[{'ErrorEquals': ['States.ALL']}, {'ErrorEquals': ['E']}]",
                 DIAGS({SF_DIAG_SCHEMA, "/States/T/Retry/0"}));
    expect_rules("Catch",
                 "[{'ErrorEquals': ['States.ALL'], 'Next': 'Recover'},"
                 " {'ErrorEquals': ['E'], 'Next': 'Recover'}]",
                 DIAGS({SF_DIAG_SCHEMA, "/States/T/Catch/0"}));
}

static void catch_rule_needs_next(void **unused)
{
    (void)unused;
    expect_rules("Catch", "[{'ErrorEquals': ['E']}]",
                 DIAGS({SF_DIAG_MISSING_FIELD, "/States/T/Catch/0"}));
    expect_rules("Catch", "[{'ErrorEquals': ['E'], 'Next': true}]",
                 DIAGS({SF_DIAG_SCHEMA, "/States/T/Catch/0/Next"}));
}

static void catch_next_target_must_exist(void **unused)
{
    (void)unused;
    expect_rules("Catch", "[{'ErrorEquals': ['E'], 'Next': 'Nowhere'}]",
                 DIAGS({SF_DIAG_MISSING_TARGET, "/States/T/Catch/0/Next"}));
    expect_message("{'StartAt': 'T', 'States': {'T': {'Type': 'Task', 'Resource': 'r', 'End': "
                   "true, 'Catch': [{'ErrorEquals': ['E'], 'Next': 'Nowhere'}]}}}",
                   "/States/T/Catch/0/Next", "'T'", "Catch[0].Next", "'Nowhere'", NULL);
}

static void catch_result_path_is_a_reference_path_or_null(void **unused)
{
    (void)unused;
    expect_rules("Catch", "[{'ErrorEquals': ['E'], 'Next': 'Recover', 'ResultPath': '$.a[*]'}]",
                 DIAGS({SF_DIAG_INVALID_PATH, "/States/T/Catch/0/ResultPath"}));
    expect_rules("Catch", "[{'ErrorEquals': ['E'], 'Next': 'Recover', 'ResultPath': 5}]",
                 DIAGS({SF_DIAG_INVALID_PATH, "/States/T/Catch/0/ResultPath"}));
}

static void assign_names_variables_and_holds_a_template(void **unused)
{
    (void)unused;
    expect_rules("Catch",
                 "[{'ErrorEquals': ['E'], 'Next': 'Recover',"
                 "  'Assign': {'failed': true, 'why.$': '$.Cause', '_n2': [1]}}]",
                 NO_DIAGS);
    expect_state("{'Type': 'Task', 'Resource': 'r', 'End': true, 'Assign': {'count.$': '$.n'}}",
                 NO_DIAGS);
    expect_rules("Catch", "[{'ErrorEquals': ['E'], 'Next': 'Recover', 'Assign': []}]",
                 DIAGS({SF_DIAG_SCHEMA, "/States/T/Catch/0/Assign"}));
    expect_rules("Catch", "[{'ErrorEquals': ['E'], 'Next': 'Recover', 'Assign': {'x.$': '$.['}}]",
                 DIAGS({SF_DIAG_INVALID_PATH, "/States/T/Catch/0/Assign/x.$"}));
    const char *text = "{'StartAt': 'A', 'States': {'A': {'Type': 'Task', 'Resource': 'r', 'End': "
                       "true, 'Assign': {'2many': 1, 'a-b.$': '$.x'}}}}";
    expect(text, DIAGS({SF_DIAG_SCHEMA, "/States/A/Assign/2many"},
                       {SF_DIAG_SCHEMA, "/States/A/Assign/a-b.$"}));
    expect_message(text, "/States/A/Assign/a-b.$", "'A'", "Assign", "'a-b'", NULL);
}

/* ---- Paths, templates and intrinsic functions ---- */

static void paths_must_parse(void **unused)
{
    (void)unused;
    const char *text =
        "{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'InputPath': '$.a[', 'End': true}}}";
    expect(text, DIAGS({SF_DIAG_INVALID_PATH, "/States/A/InputPath"}));
    expect_message(text, "/States/A/InputPath", "'A'", "InputPath", NULL);
    expect_state("{'Type': 'Pass', 'OutputPath': 'a.b', 'End': true}",
                 DIAGS({SF_DIAG_INVALID_PATH, "/States/A/OutputPath"}));
    expect_state("{'Type': 'Pass', 'OutputPath': 3, 'End': true}",
                 DIAGS({SF_DIAG_SCHEMA, "/States/A/OutputPath"}));
    expect_state("{'Type': 'Wait', 'SecondsPath': '$..x', 'End': true}",
                 DIAGS({SF_DIAG_INVALID_PATH, "/States/A/SecondsPath"}));
}

static void result_path_is_a_reference_path(void **unused)
{
    (void)unused;
    expect_state("{'Type': 'Pass', 'ResultPath': '$.a[*]', 'End': true}",
                 DIAGS({SF_DIAG_INVALID_PATH, "/States/A/ResultPath"}));
    expect_state("{'Type': 'Pass', 'ResultPath': null, 'InputPath': null, 'End': true}", NO_DIAGS);
}

static void template_paths_must_parse(void **unused)
{
    (void)unused;
    const char *text = "{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', 'End': true,"
                       " 'Parameters': {'deep': {'x.$': '$.a['}}}}}";
    expect(text, DIAGS({SF_DIAG_INVALID_PATH, "/States/A/Parameters/deep/x.$"}));
    expect_message(text, "/States/A/Parameters/deep/x.$", "'A'", "Parameters", "x.$", NULL);
}

static void intrinsic_functions_must_exist_with_the_right_arity(void **unused)
{
    (void)unused;
    expect_exact("{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Pass\", \"End\": true,"
                 " \"Parameters\": {\"x.$\": \"States.Nope(1)\"}}}}",
                 DIAGS({SF_DIAG_INVALID_INTRINSIC, "/States/A/Parameters/x.$"}));
    expect_exact("{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Pass\", \"End\": true,"
                 " \"Parameters\": {\"x.$\": \"States.ArrayLength($.a, $.b)\"}}}}",
                 DIAGS({SF_DIAG_INVALID_INTRINSIC, "/States/A/Parameters/x.$"}));
    expect_exact("{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Pass\", \"End\": true,"
                 " \"Parameters\": {\"x.$\": \"States.Format('{}', $.a\"}}}}",
                 DIAGS({SF_DIAG_INVALID_INTRINSIC, "/States/A/Parameters/x.$"}));
    expect_exact("{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Pass\", \"End\": true,"
                 " \"Parameters\": {\"x.$\": \"States.Format('{} and {}', $.a, $.b)\"}}}}",
                 NO_DIAGS);
    expect_exact("{\"StartAt\": \"F\", \"States\": {\"F\": {\"Type\": \"Fail\","
                 " \"ErrorPath\": \"States.Nope()\"}}}",
                 DIAGS({SF_DIAG_INVALID_INTRINSIC, "/States/F/ErrorPath"}));
}

static void wait_fields_are_checked(void **unused)
{
    (void)unused;
    expect_state("{'Type': 'Wait', 'Seconds': -1, 'End': true}",
                 DIAGS({SF_DIAG_INVALID_VALUE, "/States/A/Seconds"}));
    expect_state("{'Type': 'Wait', 'Seconds': 1, 'Timestamp': '2026-01-01T00:00:00Z', 'End': "
                 "true}",
                 DIAGS({SF_DIAG_SCHEMA, "/States/A"}));
    expect_state("{'Type': 'Wait', 'End': true}", DIAGS({SF_DIAG_MISSING_FIELD, "/States/A"}));
}

/* ---- Nested machines ---- */

/* A Parallel 'P' with the given branches, then 'Done'. */
static void expect_branches(const char *branches, const expected *want)
{
    char *text = sf_asprintf("{'StartAt': 'P', 'States': {"
                             "'P': {'Type': 'Parallel', 'Next': 'Done', 'Branches': %s},"
                             "'Done': {'Type': 'Succeed'}}}",
                             branches);
    expect(text, want);
    free(text);
}

static void branch_is_validated_as_a_whole_machine(void **unused)
{
    (void)unused;
    expect_branches("[{'States': {'B': {'Type': 'Succeed'}}}]",
                    DIAGS({SF_DIAG_MISSING_FIELD, "/States/P/Branches/0"}));
    expect_branches("[{'StartAt': 'B', 'States': {'B': {'Type': 'Succeed'},"
                    " 'Lost': {'Type': 'Succeed'}}}]",
                    DIAGS({SF_DIAG_UNREACHABLE, "/States/P/Branches/0/States/Lost"}));
    expect_branches("[{'StartAt': 'B', 'States': {'B': {'Type': 'Pass', 'Next': 'C'},"
                    " 'C': {'Type': 'Pass', 'Next': 'B'}}}]",
                    DIAGS({"MISSING_END_STATE", "/States/P/Branches/0"}));
    expect_branches("[1]", DIAGS({SF_DIAG_SCHEMA, "/States/P/Branches/0"}));
}

static void branch_fields_are_checked(void **unused)
{
    (void)unused;
    expect_branches("[{'StartAt': 'B', 'TimeoutSeconds': 5, 'States': {'B': {'Type': "
                    "'Succeed'}}}]",
                    DIAGS({SF_DIAG_UNKNOWN_FIELD, "/States/P/Branches/0/TimeoutSeconds"}));
    expect_branches("[{'StartAt': 'B', 'ProcessorConfig': {}, 'States': {'B': {'Type': "
                    "'Succeed'}}}]",
                    DIAGS({SF_DIAG_UNKNOWN_FIELD, "/States/P/Branches/0/ProcessorConfig"}));
}

static void transitions_cannot_leave_a_branch(void **unused)
{
    (void)unused;
    const char *text = "{'StartAt': 'P', 'States': {"
                       " 'P': {'Type': 'Parallel', 'Next': 'Done', 'Branches': ["
                       "   {'StartAt': 'B', 'States': {'B': {'Type': 'Pass', 'Next': 'Done'}}}]},"
                       " 'Done': {'Type': 'Succeed'}}}";
    expect(text, DIAGS({SF_DIAG_MISSING_TARGET, "/States/P/Branches/0/States/B/Next"},
                       {"MISSING_END_STATE", "/States/P/Branches/0"}));
    expect_message(text, "/States/P/Branches/0/States/B/Next", "'B'", "'Done'", "another machine",
                   NULL);
}

static void transitions_cannot_enter_a_branch(void **unused)
{
    (void)unused;
    const char *text = "{'StartAt': 'P', 'States': {"
                       " 'P': {'Type': 'Parallel', 'End': true,"
                       "   'Catch': [{'ErrorEquals': ['States.ALL'], 'Next': 'B'}],"
                       "   'Branches': [{'StartAt': 'B', 'States': {'B': {'Type': 'Succeed'}}}]}}}";
    expect(text, DIAGS({SF_DIAG_MISSING_TARGET, "/States/P/Catch/0/Next"}));
    expect_message(text, "/States/P/Catch/0/Next", "'P'", "'B'", "another machine", NULL);
}

static void item_processor_is_validated_as_a_whole_machine(void **unused)
{
    (void)unused;
    const char *text = "{'StartAt': 'M', 'States': {"
                       " 'M': {'Type': 'Map', 'Next': 'Done', 'ItemProcessor': {"
                       "   'ProcessorConfig': {'Mode': 'INLINE'}, 'StartAt': 'I', 'States': {"
                       "     'I': {'Type': 'Pass', 'Next': 'Done'}, 'Lost': {'Type': 'Succeed'}}}},"
                       " 'Done': {'Type': 'Succeed'}}}";
    expect(text, DIAGS({SF_DIAG_MISSING_TARGET, "/States/M/ItemProcessor/States/I/Next"},
                       {SF_DIAG_UNREACHABLE, "/States/M/ItemProcessor/States/Lost"}));
    expect_message(text, "/States/M/ItemProcessor/States/I/Next", "'I'", "'Done'",
                   "another machine", NULL);
}

/* ---- Everything at once ---- */

static void reports_all_problems_at_once(void **unused)
{
    (void)unused;
    expect("{'StartAt': 'A', 'Extra': 1, 'States': {"
           " 'A': {'Type': 'Pass', 'InputPath': '$.[', 'Next': 'W'},"
           " 'W': {'Type': 'Wait', 'Seconds': -1, 'Next': 'Done'},"
           " 'Done': {'Type': 'Succeed', 'Next': 'A'},"
           " 'Lost': {'Type': 'Fail'}}}",
           DIAGS({SF_DIAG_UNKNOWN_FIELD, "/Extra"}, {SF_DIAG_INVALID_PATH, "/States/A/InputPath"},
                 {SF_DIAG_INVALID_VALUE, "/States/W/Seconds"},
                 {SF_DIAG_SCHEMA, "/States/Done/Next"}, {SF_DIAG_UNREACHABLE, "/States/Lost"}));
}

/* ---- Choice ---- */

/* A Choice 'C' with the given fields, and states 'Yes' and 'No'. */
static void expect_choice(const char *fields, const expected *want)
{
    char *text = sf_asprintf("{'StartAt': 'C', 'States': {'C': {'Type': 'Choice', %s},"
                             "'Yes': {'Type': 'Succeed'}, 'No': {'Type': 'Succeed'}}}",
                             fields);
    expect(text, want);
    free(text);
}

static void choice_valid_rules_give_no_diagnostics(void **unused)
{
    (void)unused;
    expect_choice("'Choices': [{'And': [{'Variable': '$.a', 'IsPresent': true},"
                  " {'Or': [{'Variable': '$.a', 'StringEquals': 'x'},"
                  "         {'Not': {'Variable': '$.a', 'NumericGreaterThanPath': '$.b'}}]}],"
                  " 'Next': 'Yes'}], 'Default': 'No'",
                  NO_DIAGS);
}

static void choice_rule_has_exactly_one_operator(void **unused)
{
    (void)unused;
    expect_choice("'Choices': [{'Variable': '$.a', 'StringEquals': 'x', 'IsPresent': true,"
                  " 'Next': 'Yes'}], 'Default': 'No'",
                  DIAGS({SF_DIAG_SCHEMA, "/States/C/Choices/0"}));
    expect_choice("'Choices': [{'Variable': '$.a', 'Next': 'Yes'}], 'Default': 'No'",
                  DIAGS({SF_DIAG_MISSING_FIELD, "/States/C/Choices/0"}));
}

static void choice_comparison_needs_a_valid_variable(void **unused)
{
    (void)unused;
    expect_choice("'Choices': [{'StringEquals': 'x', 'Next': 'Yes'}], 'Default': 'No'",
                  DIAGS({SF_DIAG_MISSING_FIELD, "/States/C/Choices/0"}));
    expect_choice("'Choices': [{'Variable': '$.a[*]', 'StringEquals': 'x', 'Next': 'Yes'}],"
                  " 'Default': 'No'",
                  DIAGS({SF_DIAG_INVALID_PATH, "/States/C/Choices/0/Variable"}));
}

static void choice_nested_rules_are_checked(void **unused)
{
    (void)unused;
    expect_choice("'Choices': [{'And': [], 'Next': 'Yes'}], 'Default': 'No'",
                  DIAGS({SF_DIAG_SCHEMA, "/States/C/Choices/0/And"}));
    expect_choice("'Choices': [{'Not': {'Variable': '$.a', 'IsNull': true, 'Next': 'No'},"
                  " 'Next': 'Yes'}], 'Default': 'No'",
                  DIAGS({SF_DIAG_SCHEMA, "/States/C/Choices/0/Not/Next"}));
    expect_choice("'Choices': [{'Or': [{'Variable': '$.a', 'Bogus': 1}], 'Next': 'Yes'}],"
                  " 'Default': 'No'",
                  DIAGS({SF_DIAG_UNKNOWN_FIELD, "/States/C/Choices/0/Or/0/Bogus"},
                        {SF_DIAG_MISSING_FIELD, "/States/C/Choices/0/Or/0"}));
}

static void choice_targets_must_exist(void **unused)
{
    (void)unused;
    expect_choice("'Choices': [{'Variable': '$.a', 'IsNull': true, 'Next': 'Nowhere'},"
                  " {'Variable': '$.a', 'IsNull': false, 'Next': 'Yes'}], 'Default': 'No'",
                  DIAGS({SF_DIAG_MISSING_TARGET, "/States/C/Choices/0/Next"}));
    expect_choice(
        "'Choices': [{'Variable': '$.a', 'IsNull': true, 'Next': 'Yes'}],"
        " 'Default': 'Nowhere'",
        DIAGS({SF_DIAG_MISSING_TARGET, "/States/C/Default"}, {SF_DIAG_UNREACHABLE, "/States/No"}));
}

static void choice_cannot_have_next_or_end(void **unused)
{
    (void)unused;
    expect_choice("'Choices': [{'Variable': '$.a', 'IsNull': true, 'Next': 'Yes'}],"
                  " 'Default': 'No', 'Next': 'Yes'",
                  DIAGS({SF_DIAG_SCHEMA, "/States/C/Next"}));
    expect_choice("'Choices': [{'Variable': '$.a', 'IsNull': true, 'Next': 'Yes'}],"
                  " 'Default': 'No', 'End': true",
                  DIAGS({SF_DIAG_SCHEMA, "/States/C/End"}));
}

static void choice_loop_without_end_is_rejected(void **unused)
{
    (void)unused;
    expect("{'StartAt': 'C', 'States': {'C': {'Type': 'Choice', 'Default': 'P',"
           " 'Choices': [{'Variable': '$.a', 'IsNull': true, 'Next': 'P'}]},"
           " 'P': {'Type': 'Pass', 'Next': 'C'}}}",
           DIAGS({"MISSING_END_STATE", ""}));
}

int main(void)
{
    const struct CMUnitTest structure[] = {
        cmocka_unit_test(valid_definitions_give_no_diagnostics),
        cmocka_unit_test(valid_task_with_retry_and_catch_gives_no_diagnostics),
        cmocka_unit_test(valid_parallel_gives_no_diagnostics),
        cmocka_unit_test(end_false_with_next_is_accepted),
        cmocka_unit_test(retry_fields_are_compiled_with_aws_defaults),
        cmocka_unit_test(invalid_json_reports_line_and_column),
        cmocka_unit_test(duplicate_state_name_is_named_with_its_pointer),
        cmocka_unit_test(duplicate_state_name_in_a_branch_points_into_the_branch),
        cmocka_unit_test(duplicate_field_is_invalid_json_at_its_pointer),
        cmocka_unit_test(state_name_reused_in_a_branch_is_a_duplicate),
        cmocka_unit_test(definition_must_be_an_object),
        cmocka_unit_test(start_at_is_required),
        cmocka_unit_test(start_at_must_name_a_state),
        cmocka_unit_test(states_must_be_a_non_empty_object),
        cmocka_unit_test(unknown_top_level_field_is_rejected),
        cmocka_unit_test(top_level_timeout_seconds_is_a_positive_integer),
        cmocka_unit_test(version_and_comment_are_strings),
        cmocka_unit_test(query_language_jsonata_is_not_supported),
        cmocka_unit_test(state_name_longer_than_80_characters_is_rejected),
        cmocka_unit_test(state_name_length_counts_characters_not_bytes),
        cmocka_unit_test(empty_state_name_is_rejected),
        cmocka_unit_test(pointers_escape_slash_and_tilde_in_state_names),
        cmocka_unit_test(state_must_be_an_object),
        cmocka_unit_test(state_type_is_required),
        cmocka_unit_test(unknown_state_type_is_rejected),
        cmocka_unit_test(state_type_missing_from_the_table_is_unsupported),
        cmocka_unit_test(transition_to_a_broken_state_is_not_a_second_problem),
        cmocka_unit_test(next_target_must_exist),
        cmocka_unit_test(state_needs_next_or_end),
        cmocka_unit_test(next_and_end_together_are_rejected),
        cmocka_unit_test(end_false_without_next_is_rejected),
        cmocka_unit_test(end_and_next_have_their_types),
        cmocka_unit_test(succeed_and_fail_states_cannot_have_next_or_end),
        cmocka_unit_test(fields_a_state_type_does_not_allow_are_rejected),
        cmocka_unit_test(state_comment_is_a_string),
        cmocka_unit_test(unreachable_state_is_reported),
        cmocka_unit_test(unreachable_cycle_is_reported),
        cmocka_unit_test(state_reached_only_through_catch_is_reachable),
        cmocka_unit_test(machine_without_end_state_is_rejected),
        cmocka_unit_test(retry_and_catch_are_arrays_of_objects),
        cmocka_unit_test(error_equals_is_required_and_non_empty),
        cmocka_unit_test(error_equals_entries_are_non_empty_strings),
        cmocka_unit_test(retry_interval_seconds_is_from_1_to_99999999),
        cmocka_unit_test(retry_max_attempts_is_from_0_to_99999999),
        cmocka_unit_test(retry_backoff_rate_is_at_least_1),
        cmocka_unit_test(retry_max_delay_seconds_is_from_1_to_31622400),
        cmocka_unit_test(retry_jitter_strategy_is_full_or_none),
        cmocka_unit_test(rule_fields_are_checked),
        cmocka_unit_test(states_all_appears_alone),
        cmocka_unit_test(states_all_is_in_the_last_rule),
        cmocka_unit_test(catch_rule_needs_next),
        cmocka_unit_test(catch_next_target_must_exist),
        cmocka_unit_test(catch_result_path_is_a_reference_path_or_null),
        cmocka_unit_test(assign_names_variables_and_holds_a_template),
        cmocka_unit_test(paths_must_parse),
        cmocka_unit_test(result_path_is_a_reference_path),
        cmocka_unit_test(template_paths_must_parse),
        cmocka_unit_test(intrinsic_functions_must_exist_with_the_right_arity),
        cmocka_unit_test(wait_fields_are_checked),
        cmocka_unit_test(branch_is_validated_as_a_whole_machine),
        cmocka_unit_test(branch_fields_are_checked),
        cmocka_unit_test(transitions_cannot_leave_a_branch),
        cmocka_unit_test(transitions_cannot_enter_a_branch),
        cmocka_unit_test(item_processor_is_validated_as_a_whole_machine),
        cmocka_unit_test(reports_all_problems_at_once),
    };
    const struct CMUnitTest choice[] = {
        cmocka_unit_test(choice_valid_rules_give_no_diagnostics),
        cmocka_unit_test(choice_rule_has_exactly_one_operator),
        cmocka_unit_test(choice_comparison_needs_a_valid_variable),
        cmocka_unit_test(choice_nested_rules_are_checked),
        cmocka_unit_test(choice_targets_must_exist),
        cmocka_unit_test(choice_cannot_have_next_or_end),
        cmocka_unit_test(choice_loop_without_end_is_rejected),
    };
    int failed = cmocka_run_group_tests_name("validate", structure, setup_types, NULL);
    failed += cmocka_run_group_tests_name("validate_choice", choice, setup_types, NULL);
    return failed;
}
