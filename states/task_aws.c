/*
 * task_aws.c — AWS service integrations that stepfn calls itself: services
 * that speak the AWS JSON protocol (awsJson1.0 / 1.1), and SNS's Publish
 * in the Query protocol (task_aws_query.c: a form out, XML back):
 *
 *   arn:aws:states:::aws-sdk:SERVICE:action   any action of the JSON
 *       services of task_aws_services.c's table (dynamodb, sqs,
 *       eventbridge, sfn, kinesis, cloudwatchlogs, secretsmanager, ssm,
 *       athena)
 *   arn:aws:states:::dynamodb:getItem / putItem / updateItem / deleteItem
 *   arn:aws:states:::sqs:sendMessage
 *   arn:aws:states:::events:putEvents
 *   arn:aws:states:::sns:publish
 *   arn:aws:states:::states:startExecution (.sync, .sync:2)
 *
 * The request. One signed POST / to the service's endpoint
 * (engine/aws/aws_config.h: AWS_ENDPOINT_URL_<ID>, the config file's
 * services section, ... or https://<host prefix>.<region>.amazonaws.com),
 * "X-Amz-Target: <target prefix>.<Operation>" and "Content-Type:
 * application/x-amz-json-<version>", the task's effective Parameters as
 * the body. The operation is the action with its first letter in upper
 * case (sendMessage → SendMessage). Parameters use the API's member
 * names in PascalCase, as Step Functions wants them; for the services
 * whose API members are camelCase (sfn, cloudwatchlogs) every object key
 * has its first letter lowered on the way out and raised on the way back,
 * except inside a member named tags/Tags (a map of the user's own keys).
 * The optimized integrations also do what Step Functions does to their
 * Parameters: a MessageBody (sqs), Input (states) or Entries[].Detail
 * (events) that is not a string is sent as its JSON text. libcurl signs
 * the request with Signature Version 4 (engine/invoke/invoke_http.h),
 * under the service's signing name.
 *
 * sns:publish is a POST / of "Action=Publish&Version=2010-03-31&..." (the
 * Parameters flattened, a Message that is not a string as JSON text) and
 * its result {MessageId, SequenceNumber} is read from the XML answer.
 *
 * The result. For aws-sdk: the response body as it is (keys raised for
 * camelCase services). For the optimized integrations, the body plus
 * SdkHttpMetadata (headers, lower case as libcurl gives them, and status)
 * and SdkResponseMetadata (the request id), as the AWS Java SDK v1 that
 * Step Functions uses for them reports it; states:startExecution's
 * StartDate is in epoch milliseconds, as Step Functions shows it.
 *
 * states:startExecution.sync and .sync:2 take several requests:
 * StartExecution, then DescribeExecution until the execution is no longer
 * RUNNING (task.c waits between polls on a loop timer; nothing blocks).
 * StartExecution's answer (with the SDK metadata) is what the history's
 * TaskSubmitted event shows, as AWS records a .sync job once it is
 * submitted.
 * SUCCEEDED is the task's result: the DescribeExecution answer, with
 * Input and Output as JSON text for .sync and parsed JSON for .sync:2
 * (which, like aws-sdk results, has no SDK metadata). Any other status
 * fails the task with States.TaskFailed and that answer as the cause.
 *
 * Errors, as Step Functions names them:
 *   aws-sdk integrations: "<Service>.<Error>" — the service's name in
 *     PascalCase as the AWS SDK names its client (Sqs, DynamoDb, Sfn,
 *     SecretsManager, ...), then the error code from the response's
 *     __type with "Exception" added when it does not end so
 *     ("Sqs.QueueDoesNotExistException"); a body that names no error
 *     gives the SDK's base exception ("Sqs.SqsException"). The cause is
 *     the message and "(Service: Sqs, Status Code: 400, Request ID: ...)".
 *   optimized integrations: the integration's own prefix (DynamoDB, SQS,
 *     SNS, EventBridge, StepFunctions) and, when the AWS Java SDK v1 models the
 *     error, its exception ("SQS.QueueDoesNotExistException",
 *     "DynamoDB.ConditionalCheckFailedException"), else the SDK's
 *     catch-all ("SQS.AmazonSQSException"); the cause as that SDK prints
 *     it: "... (Service: AmazonSQS; Status Code: 400; Error Code:
 *     QueueDoesNotExist; Request ID: ...; Proxy: null)".
 * Transport failures are those of the HTTP tasks (task_http_transport_error).
 *
 * Failure cases before the request: the AWS settings cannot be read
 * (malformed ~/.aws file: the message names file and line), there are no
 * credentials, or the endpoint is not an http(s) URL; each fails the task
 * as it starts (TaskStartFailed, States.TaskFailed) with that message.
 */
#include "engine/json_util.h"
#include "engine/lang/jsonpath.h"
#include "engine/xalloc.h"
#include "states/task_aws_internal.h"
#include "states/task_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The endpoint with "/" as its path when it has none. */
static char *request_url(const char *endpoint)
{
    const char *host = strstr(endpoint, "://");
    bool has_path = host && strchr(host + 3, '/');
    size_t n = strlen(endpoint);
    return has_path || (n && endpoint[n - 1] == '/') ? sf_strdup(endpoint)
                                                     : sf_asprintf("%s/", endpoint);
}

/* ---- Member names ---- */

static bool is_tags(const char *key)
{
    return strcmp(key, "tags") == 0 || strcmp(key, "Tags") == 0;
}

/* A copy of v with the first letter of every object key lowered (or
 * raised), except inside tags. New reference. */
static json_t *recase_keys(json_t *v, bool lower)
{
    if (json_is_array(v)) {
        json_t *out = json_array();
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) json_array_append_new(out, recase_keys(item, lower));
        return out;
    }
    if (!json_is_object(v))
        return json_incref(v);
    json_t *out = json_object();
    const char *key;
    json_t *member;
    json_object_foreach(v, key, member)
    {
        char *k = sf_strdup(key);
        k[0] = (char)(lower ? tolower((unsigned char)k[0]) : toupper((unsigned char)k[0]));
        json_object_set_new(out, k,
                            is_tags(key) ? json_incref(member) : recase_keys(member, lower));
        free(k);
    }
    return out;
}

/* Replace obj[key] by its JSON text when it is there and not a string. */
static void member_as_text(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_string(v))
        return;
    char *text = sf_json_compact(v);
    json_object_set_new(obj, key, json_string(text));
    free(text);
}

/* The body to send: the Parameters with the integration's changes. */
static char *request_body(const aws_target *t, json_t *params)
{
    json_t *body = json_deep_copy(params);
    if (t->optimized && t->optimized->as_text)
        member_as_text(body, t->optimized->as_text);
    if (t->optimized && t->optimized->service == AWS_EVENTBRIDGE) {
        size_t i;
        json_t *entry;
        json_array_foreach(json_object_get(body, "Entries"), i, entry)
            member_as_text(entry, "Detail");
    }
    if (t->svc->camel_members) {
        json_t *lowered = recase_keys(body, true);
        json_decref(body);
        body = lowered;
    }
    char *text = sf_json_compact(body);
    json_decref(body);
    return text;
}

static char *target_header(const aws_service *svc, const char *operation)
{
    return sf_asprintf("X-Amz-Target: %s.%s", svc->target_prefix, operation);
}

bool task_aws_call(const char *resource, json_t *params, const sf_aws_config *cfg,
                   task_http_call *call, sf_http_aws_sigv4 *sig, char **why)
{
    aws_target t;
    if (!task_aws_target_of(resource, &t)) {
        *why = task_aws_unsupported_reason(resource);
        return false;
    }
    const aws_service *svc = t.svc;
    if (!sf_aws_config_require_credentials(cfg, why))
        return false;
    char *endpoint = sf_aws_config_endpoint_at(cfg, svc->config_id, svc->host_prefix);
    if (strncmp(endpoint, "http://", 7) != 0 && strncmp(endpoint, "https://", 8) != 0) {
        *why = sf_asprintf("the %s endpoint '%s' (AWS_ENDPOINT_URL... or the AWS config file) is "
                           "not an http:// or https:// URL",
                           svc->config_id, endpoint);
        free(endpoint);
        return false;
    }
    memset(call, 0, sizeof *call);
    call->method = sf_strdup("POST");
    call->url = request_url(endpoint);
    free(endpoint);
    call->headers = sf_calloc(3, sizeof *call->headers);
    if (svc->json_version) {
        call->headers[0] = target_header(svc, t.operation);
        call->headers[1] =
            sf_asprintf("Content-Type: application/x-amz-json-%s", svc->json_version);
        call->body = request_body(&t, params);
    } else {
        call->headers[0] =
            sf_strdup("Content-Type: application/x-www-form-urlencoded; charset=utf-8");
        json_t *form = json_deep_copy(params);
        member_as_text(form, t.optimized->as_text);
        call->body = task_aws_query_body(t.operation, svc->api_version, form);
        json_decref(form);
    }
    call->body_len = strlen(call->body);
    sig->region = cfg->region;
    sig->service = svc->signing_name;
    sig->access_key_id = cfg->access_key_id;
    sig->secret_access_key = cfg->secret_access_key;
    sig->session_token = cfg->session_token;
    return true;
}

/* ---- Results ---- */

static const char *first_header(const sf_http_response *resp, const char *name)
{
    return json_string_value(json_array_get(json_object_get(resp->headers, name), 0));
}

/* SdkHttpMetadata: every header (arrays of values) and the first value of
 * each, and the status. */
static json_t *http_metadata(const sf_http_response *resp)
{
    json_t *all = json_object(), *first = json_object();
    const char *name;
    json_t *values;
    json_object_foreach(resp->headers, name, values)
    {
        json_object_set(all, name, values);
        json_object_set(first, name, json_array_get(values, 0));
    }
    return json_pack("{s:o,s:o,s:I}", "AllHttpHeaders", all, "HttpHeaders", first, "HttpStatusCode",
                     (json_int_t)resp->status);
}

/* The SDK's exception for a code it models (owned), else NULL. */
static char *modeled_exception(const aws_optimized_errors *o, const char *code);

/* "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException" →
 * the part after '#' (and before any ':', which some services add). */
static char *error_code(const char *type)
{
    const char *hash = strrchr(type, '#');
    const char *code = hash ? hash + 1 : type;
    size_t n = strcspn(code, ":");
    return sf_strndup(code, n);
}

/* The exception's name: the code, with "Exception" added when it does
 * not end so (Step Functions' rule for SDK integrations). */
static char *exception_name(const char *code)
{
    size_t n = strlen(code), suffix = strlen("Exception");
    if (n >= suffix && strcmp(code + n - suffix, "Exception") == 0)
        return sf_strdup(code);
    return sf_asprintf("%sException", code);
}

static char *modeled_exception(const aws_optimized_errors *o, const char *code)
{
    size_t n = strlen(code);
    for (size_t i = 0; o->modeled[i]; i++) {
        const char *m = o->modeled[i];
        if (strncmp(m, code, n) == 0 && m[n] == '=')
            return sf_strdup(m + n + 1);
        if (strcmp(m, code) == 0)
            return exception_name(code);
    }
    return NULL;
}

/* The error of a response; code is consumed, message and request_id
 * borrowed, each may be NULL. */
static void set_named_error(const aws_target *t, const sf_http_response *resp, char *code,
                            const char *message, const char *request_id, sf_error *err)
{
    const aws_service *svc = t->svc;
    char *text =
        message ? NULL
                : sf_asprintf("%s answered %ld %s: %.*s", svc->config_id, resp->status,
                              resp->status_text,
                              (int)(resp->body_len < 1024 ? resp->body_len : 1024), resp->body);
    char *exception = code ? exception_name(code) : sf_asprintf("%sException", svc->sdk_prefix);
    char *name;
    if (t->optimized) {
        const aws_optimized_errors *o = svc->optimized;
        char *modeled = code ? modeled_exception(o, code) : NULL;
        name = sf_asprintf("%s.%s", o->prefix, modeled ? modeled : o->catch_all);
        free(modeled);
        sf_error_set(err, name,
                     "%s (Service: %s; Status Code: %ld; Error Code: %s; Request ID: %s; Proxy: "
                     "null)",
                     message ? message : text, o->sdk_name, resp->status, code ? code : "unknown",
                     request_id ? request_id : "null");
    } else {
        name = sf_asprintf("%s.%s", svc->sdk_prefix, exception);
        sf_error_set(err, name, "%s (Service: %s, Status Code: %ld, Request ID: %s)",
                     message ? message : text, svc->sdk_prefix, resp->status,
                     request_id ? request_id : "null");
    }
    free(exception);
    free(text);
    free(name);
    free(code);
}

static void set_service_error(const aws_target *t, const sf_http_response *resp, json_t *body,
                              sf_error *err)
{
    const char *type = json_string_value(json_object_get(body, "__type"));
    const char *message = json_string_value(json_object_get(body, "message"));
    if (!message)
        message = json_string_value(json_object_get(body, "Message"));
    set_named_error(t, resp, type && *type ? error_code(type) : NULL, message,
                    first_header(resp, "x-amzn-requestid"), err);
}

static json_t *with_sdk_metadata(json_t *body, const sf_http_response *resp);

/* A Query-protocol answer: Publish's MessageId (and SequenceNumber) read
 * from its XML, or the XML error. */
static json_t *query_result(const aws_target *t, const sf_http_response *resp, sf_error *err)
{
    static const char *const members[] = {"MessageId", "SequenceNumber", NULL};
    char *request_id = task_aws_xml_text(resp->body, resp->body_len, "RequestId");
    const char *rid = request_id ? request_id : first_header(resp, "x-amzn-requestid");
    if (resp->status < 200 || resp->status > 299) {
        char *code = task_aws_xml_text(resp->body, resp->body_len, "Code");
        char *message = task_aws_xml_text(resp->body, resp->body_len, "Message");
        set_named_error(t, resp, code, message, rid, err);
        free(message);
        free(request_id);
        return NULL;
    }
    json_t *body = json_object();
    for (size_t i = 0; members[i]; i++) {
        char *v = task_aws_xml_text(resp->body, resp->body_len, members[i]);
        if (v)
            json_object_set_new(body, members[i], json_string(v));
        free(v);
    }
    if (!json_object_get(body, "MessageId")) {
        sf_error_set(err, SF_ERR_TASK_FAILED, "%s answered %ld without a MessageId: %.*s",
                     t->svc->config_id, resp->status,
                     (int)(resp->body_len < 1024 ? resp->body_len : 1024), resp->body);
        json_decref(body);
        free(request_id);
        return NULL;
    }
    with_sdk_metadata(body, resp);
    json_object_set_new(body, "SdkResponseMetadata",
                        json_pack("{s:s}", "RequestId", rid ? rid : ""));
    free(request_id);
    return body;
}

/* Step Functions shows the dates of its optimized results in epoch
 * milliseconds; the JSON protocol sends epoch seconds. */
static void dates_in_milliseconds(json_t *obj)
{
    static const char *const dates[] = {"StartDate", "StopDate", "RedriveDate", NULL};
    for (size_t i = 0; dates[i]; i++) {
        json_t *v = json_object_get(obj, dates[i]);
        if (json_is_number(v))
            json_object_set_new(obj, dates[i],
                                json_integer((json_int_t)(json_number_value(v) * 1000.0 + 0.5)));
    }
}

/* The response body as an object, or NULL with err. */
static json_t *response_body(const aws_target *t, const sf_http_response *resp, sf_error *err)
{
    json_error_t jerr;
    json_t *body =
        resp->body_len ? sf_json_loadb(resp->body, resp->body_len, 0, &jerr) : json_object();
    if (resp->status < 200 || resp->status > 299) {
        set_service_error(t, resp, body, err);
        json_decref(body);
        return NULL;
    }
    if (!json_is_object(body)) {
        sf_error_set(err, SF_ERR_TASK_FAILED,
                     "%s answered %ld but the body is not a JSON object (%s): %.*s",
                     t->svc->config_id, resp->status, body ? "not an object" : jerr.text,
                     (int)(resp->body_len < 1024 ? resp->body_len : 1024), resp->body);
        json_decref(body);
        return NULL;
    }
    if (t->svc->camel_members) {
        json_t *raised = recase_keys(body, false);
        json_decref(body);
        body = raised;
    }
    return body;
}

static json_t *with_sdk_metadata(json_t *body, const sf_http_response *resp)
{
    const char *request_id = first_header(resp, "x-amzn-requestid");
    json_object_set_new(body, "SdkHttpMetadata", http_metadata(resp));
    json_object_set_new(body, "SdkResponseMetadata",
                        json_pack("{s:s}", "RequestId", request_id ? request_id : ""));
    return body;
}

/* .sync:2 shows Input and Output parsed; text that is not JSON stays. */
static void parse_member(json_t *obj, const char *key)
{
    const char *text = json_string_value(json_object_get(obj, key));
    json_t *v = text ? sf_json_loadb(text, strlen(text), JSON_DECODE_ANY, NULL) : NULL;
    if (v)
        json_object_set_new(obj, key, v);
}

/* Point the call at DescribeExecution of the execution just started. */
static bool describe_next(const aws_target *t, json_t *started, task_http_call *call, sf_error *err)
{
    const char *arn = json_string_value(json_object_get(started, "ExecutionArn"));
    if (!arn) {
        sf_error_set(err, SF_ERR_TASK_FAILED,
                     "states answered StartExecution without an executionArn");
        return false;
    }
    free(call->headers[0]);
    call->headers[0] = target_header(t->svc, "DescribeExecution");
    free(call->body);
    json_t *req = json_pack("{s:s}", "executionArn", arn);
    call->body = sf_json_compact(req);
    call->body_len = strlen(call->body);
    json_decref(req);
    return true;
}

static task_aws_outcome sync_step(const aws_target *t, const sf_http_response *resp, json_t *body,
                                  task_http_call *call, json_t **result, sf_error *err)
{
    bool describing = call && strstr(call->headers[0], ".DescribeExecution");
    if (call && !describing) {
        if (!describe_next(t, body, call, err)) {
            json_decref(body);
            return TASK_AWS_FAILED;
        }
        /* The execution has started: the TaskSubmitted event's output. */
        dates_in_milliseconds(body);
        *result = with_sdk_metadata(body, resp);
        return TASK_AWS_POLL;
    }
    const char *status = json_string_value(json_object_get(body, "Status"));
    if (call && status && strcmp(status, "RUNNING") == 0) {
        json_decref(body);
        return TASK_AWS_POLL;
    }
    dates_in_milliseconds(body);
    if (t->optimized->pattern == AWS_SYNC_2) {
        parse_member(body, "Input");
        parse_member(body, "Output");
    } else {
        with_sdk_metadata(body, resp);
    }
    if (status && strcmp(status, "SUCCEEDED") != 0 && describing) {
        char *cause = sf_json_compact(body);
        sf_error_set_raw(err, SF_ERR_TASK_FAILED, cause);
        free(cause);
        json_decref(body);
        return TASK_AWS_FAILED;
    }
    *result = body;
    return TASK_AWS_DONE;
}

task_aws_outcome task_aws_finish(const char *resource, const sf_http_response *resp,
                                 task_http_call *call, json_t **result, sf_error *err)
{
    aws_target t;
    *result = NULL;
    if (!task_aws_target_of(resource, &t)) {
        sf_error_set(err, SF_ERR_TASK_FAILED, "stepfn cannot call '%s'", resource);
        return TASK_AWS_FAILED;
    }
    if (!t.svc->json_version) {
        *result = query_result(&t, resp, err);
        return *result ? TASK_AWS_DONE : TASK_AWS_FAILED;
    }
    json_t *body = response_body(&t, resp, err);
    if (!body)
        return TASK_AWS_FAILED;
    if (t.optimized && t.optimized->pattern != AWS_REQUEST_RESPONSE)
        return sync_step(&t, resp, body, call, result, err);
    if (t.optimized) {
        if (t.optimized->service == AWS_SFN)
            dates_in_milliseconds(body);
        with_sdk_metadata(body, resp);
    }
    *result = body;
    return TASK_AWS_DONE;
}

json_t *task_aws_result(const char *resource, const sf_http_response *resp, sf_error *err)
{
    json_t *result = NULL;
    task_aws_finish(resource, resp, NULL, &result, err);
    return result;
}
