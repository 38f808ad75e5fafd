/*
 * api.h — the AWS Step Functions API (JSON 1.0 protocol) over the store:
 * one request in, one answer out, for `stepfn serve` and its fuzz target.
 *
 * A request is POST / with X-Amz-Target "AWSStepFunctions.<Action>" and a
 * JSON body; the answer is 200 with the action's response shape, or 400
 * with {"__type": "<ErrorName>", "message": "..."} as botocore reads it.
 * Timestamps are epoch seconds; ARNs use us-east-1 and 123456789012.
 *
 * State machines live in the store beside the executions, so they outlive
 * the server:
 *
 *   STORE/state-machines/NAME/definition.json   the definition text as sent
 *   STORE/state-machines/NAME/meta.json         name, type, roleArn,
 *                                               creationDate, updateDate (ms)
 *
 * Executions are the store's own (STORE/executions/NAME, store.h), so
 * `stepfn list/describe/history` see what the server runs. The store has one
 * namespace of execution names, so a name is unique across state machines
 * (AWS: per state machine). Executions run on the server's loop; each holds
 * its folder's lock while it runs.
 */
#ifndef SF_SERVE_API_H
#define SF_SERVE_API_H

#include <stdbool.h>
#include <uv.h>
#include "engine/exec.h"
#include "engine/mock/mock_config.h"
#include "engine/store/history.h"

struct sf_resources;
typedef struct sf_api sf_api;

typedef struct sf_api_config {
    const char *store;                    /* the store folder (borrowed) */
    const struct sf_resources *resources; /* --resources, or NULL (borrowed) */
    const char *resources_path;           /* its path, for run.json, or NULL */
    const sf_mock_config *mocks;          /* --mock-config, or NULL (borrowed) */
    const char *mock_path;
    sf_fsync_policy fsync;
    const sf_time_scale *time_scale; /* NULL: real time (borrowed) */
    /* The state types definitions compile with (NULL: the CLI's,
     * states/states.h), and whether TestState is refused: the fuzz target
     * runs Tasks as an echo and must not run TestState's real ones. */
    const struct sf_state_type *const *types;
    bool no_test_state;
} sf_api_config;

sf_api *sf_api_new(uv_loop_t *loop, const sf_api_config *cfg);
/* Answer one request: *status is 200 or 400, *body a malloc'd JSON text.
 * target and content_type may be NULL; body need not be NUL-terminated. */
void sf_api_handle(sf_api *api, const char *target, const char *content_type, const char *body,
                   size_t len, int *status, char **out);
/* The server's request handler (http_server.h's sf_httpd_handler; data is
 * the sf_api): POST / goes to sf_api_handle, anything else is refused
 * (404/405; the web console will answer GET here). */
struct sf_httpd_request;
struct sf_httpd_response;
void sf_api_http_handler(const struct sf_httpd_request *req, struct sf_httpd_response *res,
                         void *api);

/* Abort every execution still running (each ends ABORTED with its history
 * closed: `stepfn redrive` can take it up again). */
void sf_api_abort_all(sf_api *api, const char *cause);
/* How many executions are still running. */
size_t sf_api_running(const sf_api *api);
/* Free the API; call once no execution runs (after the loop has drained). */
void sf_api_free(sf_api *api);

#endif
