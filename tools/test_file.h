/*
 * test_file.h — a state machine test file (`stepfn test`), parsed from a
 * buffer and checked before anything runs.
 *
 * A test file is one JSON object. It names what runs (the definition, and
 * optionally a resource map and a MockConfigFile, all relative to the test
 * file's folder) and either one test (its `input`, `testCase` and `expect`
 * at the top) or a list of them under `tests`, each with a `name`; the
 * top-level `input`, `testCase`, `waitScale` and `expect` are then the
 * defaults every test starts from (a test's own `expect` members replace
 * the default's member by member, and a default that cannot hold for the
 * test's status is dropped: see settle_expect). README.md, "Test files",
 * documents every field with an example.
 *
 * Everything a typo could hide is refused here, with the JSON Pointer of
 * the element at fault: an unknown field at any level, a field of the wrong
 * type, an expectation that contradicts another (an `error` with status
 * SUCCEEDED), two tests of one name, a `testCase` without a `mockConfig`.
 * Parsing reads only the buffer (no file is opened), so it can be fuzzed.
 *
 * Ownership: an sf_test_file owns its JSON document and each test's input;
 * every other json_t * and string in it is borrowed from that document and
 * lives as long as the sf_test_file does.
 */
#ifndef SF_TEST_FILE_H
#define SF_TEST_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* What a test expects of its execution. A NULL member is not checked. */
typedef struct sf_test_expect {
    const char *status;      /* SUCCEEDED, FAILED, TIMED_OUT or ABORTED (never NULL once
                                parsed: SUCCEEDED, or FAILED when an error or cause is
                                expected) */
    json_t *output;          /* the output, exactly */
    json_t *output_contains; /* a subset of the output (sf_test_json_diff) */
    const char *error;
    const char *cause;
    const char *cause_contains;
    json_t *path;          /* array of top-level state names, in order */
    json_t *attempts;      /* {"State": N}: TaskScheduled events of the state */
    json_t *state_outputs; /* {"State": value}: a top-level state's last output */
} sf_test_expect;

typedef struct sf_test_spec {
    const char *name;
    char *pointer;         /* JSON Pointer of the test in the file: "" or "/tests/N" */
    json_t *input;         /* owned reference, never NULL: {} when none is given */
    const char *test_case; /* the MockConfigFile test case, or NULL */
    double wait_scale;     /* how fast Waits and Retry back-offs pass (0: at once) */
    sf_test_expect expect;
} sf_test_spec;

typedef struct sf_test_file {
    json_t *doc;
    const char *definition;    /* as written: relative to the test file's folder */
    const char *resources;     /* or NULL */
    const char *mock_config;   /* or NULL */
    const char *state_machine; /* or NULL: the definition file's name */
    sf_test_spec *tests;
    size_t count;
} sf_test_file;

/* Parse a test file's text. origin names it in messages; default_name is
 * the name of a file's single test when it has no `tests` and no `name`.
 * NULL with *err ("ORIGIN: /JSON/Pointer: what is wrong", malloc'd). */
sf_test_file *sf_test_file_parse(const char *text, size_t len, const char *origin,
                                 const char *default_name, char **err);
void sf_test_file_free(sf_test_file *f);

/* Compare a value against what was expected (both borrowed). exact: JSON
 * equality (numbers by value: 1 equals 1.0); otherwise `expected` is a
 * subset: each member of an expected object must be in the actual object
 * and match recursively, arrays must have the same length and match
 * element by element, scalars must be equal. Returns NULL when they match,
 * else the JSON Pointer (malloc'd, "" for the root) of the first difference. */
char *sf_test_json_diff(const json_t *expected, const json_t *actual, bool exact);

#endif
