/*
 * mock_config.h — mocked Task responses, read from Step Functions Local's
 * MockConfigFile format unchanged:
 *
 *   {"StateMachines": {"<machine>": {"TestCases": {"<case>": {"<state>": "<response>"}}}},
 *    "MockedResponses": {"<response>": {"0": {"Return": <result>},
 *                                       "1-2": {"Throw": {"Error": "...", "Cause": "..."}}}}}
 *
 * A test case maps Task state names to mocked responses; a mocked response
 * answers the state's invocations by number, counted from 0 over the whole
 * execution (retries, a loop coming back to the state, Map iterations and
 * Parallel branches all count), as Step Functions Local counts them. Keys
 * are one number or an inclusive range "N-M"; together they must cover 0,
 * 1, 2, ... without gaps or overlaps. Invocations past the last key are
 * answered by the last response, so a response keyed "0" alone answers
 * every invocation.
 *
 * Nothing here knows the command line or the server: `stepfn run` picks a
 * case by --test-case, the server (later) by an ARN suffix "#Case", TestState
 * builds a one-state case from its own mock (sf_mock_case_single).
 *
 * Ownership: a config owns its cases and responses; a case borrows from its
 * config (or owns itself when made by sf_mock_case_single); an sf_mock_run
 * borrows its case and lives as long as one execution.
 */
#ifndef SF_MOCK_CONFIG_H
#define SF_MOCK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "engine/definition.h"

typedef struct sf_mock_config sf_mock_config;
typedef struct sf_mock_case sf_mock_case;
typedef struct sf_mock_run sf_mock_run;

/* One answer to an invocation: a result (Return) or an error (Throw). */
typedef struct sf_mock_response {
    json_t *result;    /* Return: the task's result (borrowed); NULL for Throw */
    const char *error; /* Throw: Error and Cause (borrowed) */
    const char *cause;
} sf_mock_response;

/* Parse a MockConfigFile. origin names it in messages. NULL with *err
 * ("ORIGIN: /JSON/Pointer: what is wrong") when it is not valid JSON or not
 * of the format (a missing or mistyped field, a response that is neither
 * Return nor Throw or both, keys that are not numbers or leave gaps, a test
 * case naming a response that does not exist). */
sf_mock_config *sf_mock_config_parse(const char *text, size_t len, const char *origin, char **err);
/* The same, read from a file. */
sf_mock_config *sf_mock_config_load(const char *path, char **err);
void sf_mock_config_free(sf_mock_config *m);

/* The test case `test_case` of state machine `machine`; NULL with *err
 * naming what is missing and what the file has instead. */
const sf_mock_case *sf_mock_config_case(const sf_mock_config *m, const char *machine,
                                        const char *test_case, char **err);
/* Every state machine name, then every test case of one (NULL-terminated,
 * borrowed; free the array only): for `stepfn test` and messages. */
const char **sf_mock_config_machines(const sf_mock_config *m);
const char **sf_mock_config_cases(const sf_mock_config *m, const char *machine);

/* Check a case against the definition it is to run with: every state it
 * names must be a Task state somewhere in the definition (nested Map and
 * Parallel states included). False with *err naming the state, its JSON
 * Pointer in the mock file, and what is wrong. */
bool sf_mock_case_check(const sf_mock_case *c, const sf_definition *def, char **err);
/* True when the case mocks the state named `state`. */
bool sf_mock_case_has(const sf_mock_case *c, const char *state);
/* A case of one state answered by one response for every invocation
 * (TestState's mock). result is borrowed (incref'd); error/cause copied. */
sf_mock_case *sf_mock_case_single(const char *state, json_t *result, const char *error,
                                  const char *cause);
/* Frees a case made by sf_mock_case_single (a case of a config is freed
 * with it). */
void sf_mock_case_free(sf_mock_case *c);
const char *sf_mock_case_name(const sf_mock_case *c);

/* One execution's use of a case: the invocation counters. */
sf_mock_run *sf_mock_run_new(const sf_mock_case *c);
void sf_mock_run_free(sf_mock_run *r);
/* The answer to the next invocation of `state`: false when the case does
 * not mock it (the task runs for real). *invocation is set to the number
 * of this invocation (from 0). */
bool sf_mock_run_next(sf_mock_run *r, const char *state, sf_mock_response *out,
                      int64_t *invocation);

#endif
