/*
 * api.c — the dispatcher: checks the protocol (target, content type, JSON
 * body), finds the action and turns its error into the 400 answer.
 *
 * Each action reads its members with the req_* helpers, which record the
 * first problem as an error (name and message) rather than returning it, so
 * an action reads top to bottom and checks `api_failed` once. Errors are the
 * API reference's names: SerializationException (the body is not a JSON
 * object), UnknownOperationException, ValidationException, InvalidArn,
 * InvalidName, InvalidDefinition, InvalidExecutionInput, StateMachineDoes-
 * NotExist, StateMachineAlreadyExists, ExecutionDoesNotExist,
 * ExecutionAlreadyExists.
 */
#include "tools/serve/api_internal.h"
#include "engine/json_alloc.h"
#include "engine/json_util.h"
#include "engine/utf8.h"
#include "engine/xalloc.h"
#include "tools/serve/http_server.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define TARGET_PREFIX "AWSStepFunctions."

void api_fail(api_call *call, const char *type, const char *fmt, ...)
{
    if (call->error_type)
        return; /* the first problem is the one reported */
    va_list ap;
    va_start(ap, fmt);
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    call->error_type = type;
    call->error_message = sf_strdup(buf);
}

bool api_failed(const api_call *call)
{
    return call->error_type != NULL;
}

const char *req_string(api_call *call, const char *member, bool required)
{
    json_t *v = json_object_get(call->request, member);
    if (!v || json_is_null(v)) {
        if (required)
            api_fail(call, "ValidationException", "1 validation error detected: '%s' is required",
                     member);
        return NULL;
    }
    if (!json_is_string(v)) {
        api_fail(call, "SerializationException", "'%s' must be a string", member);
        return NULL;
    }
    return json_string_value(v);
}

int64_t req_int(api_call *call, const char *member, int64_t dflt, int64_t min, int64_t max)
{
    json_t *v = json_object_get(call->request, member);
    if (!v || json_is_null(v))
        return dflt;
    if (!json_is_integer(v)) {
        api_fail(call, "SerializationException", "'%s' must be an integer", member);
        return dflt;
    }
    int64_t n = json_integer_value(v);
    if (n < min || n > max) {
        api_fail(call, "ValidationException",
                 "1 validation error detected: Value %lld at '%s' failed to satisfy constraint: "
                 "Member must have value between %lld and %lld",
                 (long long)n, member, (long long)min, (long long)max);
        return dflt;
    }
    return n;
}

bool req_bool(api_call *call, const char *member, bool dflt)
{
    json_t *v = json_object_get(call->request, member);
    if (!v || json_is_null(v))
        return dflt;
    if (!json_is_boolean(v)) {
        api_fail(call, "SerializationException", "'%s' must be a boolean", member);
        return dflt;
    }
    return json_is_true(v);
}

/* nextToken: the offset of the next page, as the text this server gave. */
size_t req_page_start(api_call *call)
{
    const char *token = req_string(call, "nextToken", false);
    if (!token)
        return 0;
    char *end;
    unsigned long long n = strtoull(token, &end, 10);
    if (!*token || *end || n > 100000000ULL) {
        api_fail(call, "InvalidToken", "Invalid Token: '%.64s'", token);
        return 0;
    }
    return (size_t)n;
}

void resp_page_token(json_t *resp, size_t next, size_t total)
{
    if (next < total) {
        char buf[32];
        snprintf(buf, sizeof buf, "%zu", next);
        json_object_set_new(resp, "nextToken", json_string(buf));
    }
}

json_t *epoch_seconds(int64_t ms)
{
    return json_real((double)ms / 1000.0);
}

typedef json_t *(*action_fn)(sf_api *api, api_call *call);

static const struct action {
    const char *name;
    action_fn run;
} actions[] = {
    {"CreateStateMachine", api_create_state_machine},
    {"DescribeStateMachine", api_describe_state_machine},
    {"ListStateMachines", api_list_state_machines},
    {"DeleteStateMachine", api_delete_state_machine},
    {"UpdateStateMachine", api_update_state_machine},
    {"ValidateStateMachineDefinition", api_validate_definition},
    {"StartExecution", api_start_execution},
    {"DescribeExecution", api_describe_execution},
    {"ListExecutions", api_list_executions},
    {"GetExecutionHistory", api_get_execution_history},
    {"StopExecution", api_stop_execution},
    {"TestState", api_test_state},
};

static const struct action *find_action(const char *target)
{
    if (!target || strncmp(target, TARGET_PREFIX, strlen(TARGET_PREFIX)) != 0)
        return NULL;
    const char *name = target + strlen(TARGET_PREFIX);
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (strcmp(actions[i].name, name) == 0)
            return &actions[i];
    return NULL;
}

/* The message may echo a member cut short inside a UTF-8 sequence
 * (api_fail's "%.100s"): repaired, so the answer is always JSON. */
static char *error_body(const char *type, const char *message)
{
    size_t len;
    char *repaired = sf_utf8_repair(message, strlen(message), &len);
    json_t *doc = json_object();
    json_object_set_new(doc, "__type", json_string(type));
    json_object_set_new(doc, "message", json_stringn(repaired, len));
    char *text = sf_json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    free(repaired);
    return text;
}

void sf_api_handle(sf_api *api, const char *target, const char *content_type, const char *body,
                   size_t len, int *status, char **out)
{
    api_reap(api);
    const struct action *a = find_action(target);
    (void)content_type; /* botocore sends application/x-amz-json-1.0; others are read alike */
    if (!a) {
        *status = 400;
        *out = error_body("UnknownOperationException",
                          target ? "The action or operation requested is invalid"
                                 : "Missing the X-Amz-Target header");
        return;
    }
    json_error_t jerr;
    json_t *request = len ? sf_json_loadb(body, len, 0, &jerr) : json_object();
    if (!request || !json_is_object(request)) {
        *status = 400;
        char msg[256];
        snprintf(msg, sizeof msg, "The request body is not a JSON object%s%s", request ? "" : ": ",
                 request ? "" : jerr.text);
        *out = error_body("SerializationException", msg);
        json_decref(request);
        return;
    }
    api_call call = {.request = request};
    json_t *resp = a->run(api, &call);
    if (call.error_type) {
        json_decref(resp);
        *status = 400;
        *out = error_body(call.error_type, call.error_message);
    } else {
        *status = 200;
        if (!resp)
            resp = json_object();
        *out = sf_json_dumps(resp, JSON_COMPACT);
        json_decref(resp);
        if (!*out) { /* cannot happen with valid strings; never answer nothing */
            *status = 500;
            *out = error_body("InternalFailure", "the response could not be encoded");
        }
    }
    free(call.error_message);
    json_decref(request);
}

void sf_api_http_handler(const sf_httpd_request *req, sf_httpd_response *res, void *data)
{
    sf_api *api = data;
    res->content_type = "application/x-amz-json-1.0";
    if (strcmp(req->method, "POST") != 0 || strcmp(req->url, "/") != 0) {
        res->status = strcmp(req->method, "POST") == 0 ? 404 : 405;
        res->body = error_body("UnknownOperationException", "Only POST / is served");
        res->body_len = strlen(res->body);
        return;
    }
    sf_api_handle(api, req->target, req->content_type, req->body, req->body_len, &res->status,
                  &res->body);
    res->body_len = strlen(res->body);
}
