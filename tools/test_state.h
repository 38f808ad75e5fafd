/*
 * test_state.h — AWS's TestState action: run one state in isolation and
 * describe what it did.
 *
 * The request and the response have the shapes of the TestState API, so
 * that `stepfn test-state` (tools/cmd_test_state.c) and, later, the server
 * share this module unchanged:
 *
 *   request  {"definition": "<state or machine, JSON text>", "input": "<JSON text>",
 *             "inspectionLevel": "INFO"|"DEBUG"|"TRACE", "variables": "<JSON text>",
 *             "mock": {"result": "<JSON text>"} | {"errorOutput": {"error", "cause"}},
 *             "stateName": "...", "context": "<JSON text>", "revealSecrets": bool,
 *             "stateConfiguration": {"retrierRetryCount": n}, "roleArn": "..."}
 *   response {"output", "error", "cause", "nextState", "status",
 *             "inspectionData": {"input", "afterInputPath", "afterParameters", "result",
 *                                "afterResultSelector", "afterResultPath", "variables",
 *                                "request", "response", "errorDetails"}}
 *
 * Every JSON value in both is JSON text in a string, as AWS sends it.
 * status is SUCCEEDED, FAILED, RETRIABLE (a Retry rule would retry the
 * failure: errorDetails.retryIndex and retryBackoffIntervalSeconds say
 * which rule and after how long) or CAUGHT_ERROR (a Catch rule handled it:
 * errorDetails.catchIndex, and nextState is the Catch's Next).
 *
 * How a state runs: the real engine runs a one-state machine made of it
 * (its transitions lead to Succeed stand-ins so the machine validates), in
 * a temporary store folder removed afterwards, with Wait and Retry delays
 * scaled to nothing, a mock (if any) as a one-state mock case, and an
 * observer on the root cursor (engine/cursor.h, sf_cursor_observer) that
 * captures the data flow and stops the machine as the state leaves.
 *
 * Failure cases, reported through sf_test_state_error and never as a
 * response: a request of the wrong shape (ValidationException), input,
 * variables or context that are not JSON (InvalidExecutionInput), a
 * definition that does not validate (InvalidDefinition, with every
 * diagnostic, JSON Pointers into the definition as given), and a temporary
 * folder or history that cannot be written (an I/O fault).
 */
#ifndef SF_TEST_STATE_H
#define SF_TEST_STATE_H

#include <jansson.h>
#include <uv.h>
#include "engine/diag.h"

typedef struct sf_test_state sf_test_state;
struct sf_resources;

/* Where the request runs; everything borrowed. */
typedef struct sf_test_state_env {
    const char *origin;   /* names the definition in diagnostics: a path, or "definition" */
    const char *base_dir; /* where exec: paths resolve; NULL: the working directory */
    const struct sf_resources *resources; /* the --resources map, or NULL */
    const char *tmp_dir; /* where the temporary store folder goes; NULL: $TMPDIR, else /tmp */
} sf_test_state_env;

typedef enum sf_test_state_fault {
    SF_TEST_STATE_OK,
    SF_TEST_STATE_INVALID_REQUEST,    /* ValidationException */
    SF_TEST_STATE_INVALID_INPUT,      /* InvalidExecutionInput */
    SF_TEST_STATE_INVALID_DEFINITION, /* InvalidDefinition: see diags */
    SF_TEST_STATE_IO,                 /* the temporary store could not be used */
} sf_test_state_fault;

typedef struct sf_test_state_error {
    sf_test_state_fault fault;
    const char *type; /* the AWS error name of the fault (static) */
    char *message;    /* for people: names the field at fault */
    sf_diags diags;   /* InvalidDefinition: every diagnostic (warnings too) */
} sf_test_state_error;

#define SF_TEST_STATE_ERROR_INIT                                                                   \
    {                                                                                              \
        SF_TEST_STATE_OK, NULL, NULL, SF_DIAGS_INIT                                                \
    }
void sf_test_state_error_clear(sf_test_state_error *err);

/* Called once from the loop when the response is ready: response is stolen
 * (NULL when err->fault is set: an I/O fault while running). */
typedef void (*sf_test_state_done_cb)(sf_test_state *t, json_t *response, sf_test_state_error *err,
                                      void *data);

/* Check the request (borrowed) and start running its state on loop.
 * Returns NULL with *err filled when the request is refused before
 * anything runs (err->diags may hold warnings either way). The handle
 * is freed with sf_test_state_free, from done or after it. */
sf_test_state *sf_test_state_start(uv_loop_t *loop, const json_t *request,
                                   const sf_test_state_env *env, sf_test_state_done_cb done,
                                   void *data, sf_test_state_error *err);
void sf_test_state_free(sf_test_state *t);

/* The same on a loop of its own, run until the response is ready: the
 * response (new reference), or NULL with *err filled. */
json_t *sf_test_state_run(const json_t *request, const sf_test_state_env *env,
                          sf_test_state_error *err);

#endif
