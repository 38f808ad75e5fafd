/*
 * task_internal.h — what the files of the Task state share.
 *
 *   task.c           the state type: fields, timers, history events, finishing
 *   task_resource.c  what a Resource string names, and where it runs
 *   task_process.c   a step program's end turned into a result or an error
 *   task_http.c      http:invoke and plain URL resources: requests and results
 *   task_aws*.c      AWS service integrations stepfn calls itself (task_aws_internal.h)
 *
 * Ownership: functions returning json_t * return a new reference; sf_error
 * arguments are set on failure and owned by the caller.
 */
#ifndef SF_TASK_INTERNAL_H
#define SF_TASK_INTERNAL_H

#include <stdbool.h>
#include <jansson.h>
#include "engine/aws/aws_config.h"
#include "engine/definition.h"
#include "engine/error.h"
#include "engine/invoke/invoke_http.h"
#include "engine/invoke/invoke_process.h"
#include "engine/invoke/resources.h"

/* What a Resource string names. */
typedef enum task_kind {
    TASK_EXEC,          /* exec:PATH */
    TASK_URL,           /* http://... or https://...: POST the input */
    TASK_HTTP_INVOKE,   /* arn:aws:states:::http:invoke */
    TASK_LAMBDA_INVOKE, /* arn:aws:states:::lambda:invoke, FunctionName in Parameters */
    TASK_FUNCTION,      /* a Lambda function ARN or a name in the resource map */
    TASK_AWS,           /* an AWS integration stepfn calls itself (task_aws.c) */
    TASK_UNSUPPORTED,   /* another service integration, or a pattern suffix */
} task_kind;

task_kind task_kind_of(const char *resource);
/* The resourceType and resource of the Task* history events. */
const char *task_resource_type(task_kind kind);
const char *task_event_resource(task_kind kind, const char *resource);
/* The same, for any Resource (owned strings): a service integration
 * arn:aws:states:::SERVICE:ACTION[.sync|.waitForTaskToken] is recorded as
 * resourceType SERVICE ("aws-sdk:s3" for SDK integrations) and resource
 * ACTION..., as AWS records it. */
void task_event_names(task_kind kind, const char *resource, char **type, char **event_resource);

/* Warn that the state `field` names a resource stepfn cannot run as it
 * stands (why says what happens): once per resource in a definition, so a
 * machine that calls one service from twenty states gets one line. */
void task_warn_unrunnable(sf_compile_ctx *cc, const char *field, const char *resource,
                          const char *why);

/* Where one invocation goes: a program (argv set) or an endpoint (url set). */
typedef struct task_target {
    char **argv;            /* argv[0] absolute; NULL-terminated */
    char **env_extra;       /* "NAME=value" added to the minimal environment */
    char *cwd;              /* the program's working directory */
    char *url;              /* POST the input here */
    json_t *headers;        /* extra request headers (object of strings), or NULL */
    double timeout_seconds; /* the map's "timeout", 0 when none */
} task_target;

/* Resolve exec:PATH (relative to the definition's folder). */
bool task_target_for_exec(const sf_definition *def, const char *path, task_target *t, char **why);
/* Resolve a Lambda function name or ARN through the resource map. */
bool task_target_for_function(const sf_definition *def, const char *name, task_target *t,
                              char **why);
/* A plain URL resource. */
void task_target_for_url(const char *url, task_target *t);
void task_target_clear(task_target *t);

/* Compile-time checks of the Resource (and of the Parameters the resource
 * needs), as far as they can be known before the run. */
void task_check_resource(sf_compile_ctx *cc, task_kind kind, const char *resource);

/* Compile-time checks of http:invoke Parameters (fields, static values). */
void task_check_http_parameters(sf_compile_ctx *cc);

/* ---- Programs ---- */

/* The program's result, or NULL with err set: a Lambda-style error object
 * on the last line of stdout or stderr gives the error name, otherwise
 * States.TaskFailed with a cause that names the program. */
json_t *task_process_result(const char *program, const sf_process_result *r, sf_error *err);

/* ---- HTTP ---- */

/* A response body past the payload limit could never be a task result. */
#define TASK_HTTP_RESPONSE_LIMIT SF_PAYLOAD_LIMIT_BYTES

/* A request to make: strings owned. */
typedef struct task_http_call {
    char *method;
    char *url;
    char **headers; /* "Name: value", NULL-terminated */
    char *body;     /* NULL: none */
    size_t body_len;
} task_http_call;

void task_http_call_clear(task_http_call *call);
/* The request of an http:invoke task from its effective Parameters; false
 * with err (States.Runtime) when a field has the wrong shape. */
bool task_http_invoke_call(json_t *params, const sf_resources *map, task_http_call *call,
                           sf_error *err);
/* POST the input as JSON to url (with the map's extra headers). */
void task_http_post_call(const char *url, json_t *headers, json_t *input, task_http_call *call);
/* The http:invoke result {Headers, ResponseBody, StatusCode, StatusText};
 * a non-2xx status is States.Http.StatusCode.NNN with the result as cause. */
json_t *task_http_invoke_result(const sf_http_response *resp, sf_error *err);
/* The JSON body of a POST to a URL resource. A non-2xx status fails with
 * the body's Lambda-style errorType when it has one, else with
 * States.Http.StatusCode.NNN. */
json_t *task_http_post_result(const sf_http_response *resp, const char *url, sf_error *err);
/* Transport failures, the same for both: States.Http.Socket for a timeout
 * of the connection, States.TaskFailed (naming host and reason) otherwise,
 * States.DataLimitExceeded for a body over the limit. */
void task_http_transport_error(const sf_http_response *resp, sf_error *err);

/* ---- AWS service integrations ---- */

/* Whether stepfn calls this arn:aws:states::: resource itself
 * (aws-sdk:SERVICE:action of a JSON-protocol service, dynamodb:getItem,
 * sqs:sendMessage, states:startExecution.sync, ...). */
bool task_aws_runs(const char *resource);
/* Why an arn:aws:states::: resource cannot run, naming what can (owned). */
char *task_aws_unsupported_reason(const char *resource);
/* The signed request of such a task from its effective Parameters
 * (borrowed); sig's strings are borrowed from cfg. False with *why when
 * there are no credentials or no usable endpoint. */
bool task_aws_call(const char *resource, json_t *params, const sf_aws_config *cfg,
                   task_http_call *call, sf_http_aws_sigv4 *sig, char **why);

typedef enum task_aws_outcome {
    TASK_AWS_DONE,   /* *result is the task's result */
    TASK_AWS_FAILED, /* err is set */
    TASK_AWS_POLL,   /* send *call (changed for the next request) again after a pause;
                      *result, when set, is the submitted job (TaskSubmitted) */
} task_aws_outcome;
/* What a response means for the task. call is the request that was sent
 * (a .sync integration rewrites it to poll), or NULL: the response is
 * then taken as the last. *result is a new reference; errors are named
 * as Step Functions names them ("DynamoDB.ConditionalCheckFailedException",
 * "Sqs.QueueDoesNotExistException"). */
task_aws_outcome task_aws_finish(const char *resource, const sf_http_response *resp,
                                 task_http_call *call, json_t **result, sf_error *err);
/* The Query protocol (task_aws_query.c): the form of ACTION with the
 * Parameters (borrowed) flattened, owned; the text of the first
 * <name>text</name> of an XML answer, owned, or NULL. */
char *task_aws_query_body(const char *action, const char *version, json_t *params);
char *task_aws_xml_text(const char *xml, size_t len, const char *name);
/* task_aws_finish of a single response: the result or NULL with err. */
json_t *task_aws_result(const char *resource, const sf_http_response *resp, sf_error *err);

/* The result of lambda:invoke: the Lambda integration's shape around the
 * function's payload (stolen). */
json_t *task_lambda_invoke_result(json_t *payload);

#endif
