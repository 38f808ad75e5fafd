/*
 * api_internal.h — what the action files of the API share: the call being
 * answered, the member readers, the ARN helpers and the actions.
 */
#ifndef SF_SERVE_API_INTERNAL_H
#define SF_SERVE_API_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "tools/serve/api.h"

#define SF_API_ARN_PREFIX "arn:aws:states:us-east-1:123456789012:"

typedef struct api_running api_running;

struct sf_api {
    uv_loop_t *loop;
    sf_api_config cfg;
    api_running *running;  /* executions running on the loop */
    api_running *finished; /* ended, freed by api_reap outside their callback */
};

typedef struct api_call {
    json_t *request; /* borrowed */
    const char *error_type;
    char *error_message;
} api_call;

void api_fail(api_call *call, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool api_failed(const api_call *call);
/* Members of the request; a wrong type or a missing required member is
 * recorded as the call's error. */
const char *req_string(api_call *call, const char *member, bool required);
int64_t req_int(api_call *call, const char *member, int64_t dflt, int64_t min, int64_t max);
bool req_bool(api_call *call, const char *member, bool dflt);
size_t req_page_start(api_call *call);
void resp_page_token(json_t *resp, size_t next, size_t total);
json_t *epoch_seconds(int64_t ms);

/* The state machine name of a stateMachineArn (malloc'd), and the test
 * case after '#' (*test_case malloc'd, NULL when none). NULL with InvalidArn
 * recorded when it is not one. */
char *arn_machine_name(api_call *call, const char *arn, char **test_case);
/* The execution name and state machine name of an executionArn. */
char *arn_execution_name(api_call *call, const char *arn, char **machine);
char *machine_arn(const char *name);

/* The stored state machine's folder, or NULL with StateMachineDoesNotExist. */
char *machine_dir(sf_api *api, api_call *call, const char *name);
/* Its definition text (malloc'd) and meta (new reference). */
char *machine_definition(const char *dir, size_t *len);
json_t *machine_meta(const char *dir);

void api_reap(sf_api *api);
/* The state types definitions compile with. */
const struct sf_state_type *const *api_types(const sf_api *api);

json_t *api_create_state_machine(sf_api *api, api_call *call);
json_t *api_describe_state_machine(sf_api *api, api_call *call);
json_t *api_list_state_machines(sf_api *api, api_call *call);
json_t *api_delete_state_machine(sf_api *api, api_call *call);
json_t *api_update_state_machine(sf_api *api, api_call *call);
json_t *api_validate_definition(sf_api *api, api_call *call);
json_t *api_start_execution(sf_api *api, api_call *call);
json_t *api_describe_execution(sf_api *api, api_call *call);
json_t *api_list_executions(sf_api *api, api_call *call);
json_t *api_get_execution_history(sf_api *api, api_call *call);
json_t *api_stop_execution(sf_api *api, api_call *call);
json_t *api_test_state(sf_api *api, api_call *call);

#endif
