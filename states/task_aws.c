/*
 * task_aws.c — AWS service integrations that stepfn calls itself: the
 * optimized DynamoDB integrations (arn:aws:states:::dynamodb:getItem,
 * putItem, updateItem, deleteItem).
 *
 * Each is one signed request in the service's JSON protocol: POST / to the
 * service's endpoint (engine/aws/aws_config.h: AWS_ENDPOINT_URL_DYNAMODB,
 * the config file's services section, ... or the real AWS endpoint) with
 * X-Amz-Target naming the API action and the Task's effective Parameters
 * as the body, exactly as given (the API request syntax: TableName, Key,
 * Item, ConditionExpression, ...; the service validates them). libcurl
 * signs it with Signature Version 4 (engine/invoke/invoke_http.h).
 *
 * The result is what Step Functions returns: the response body, plus
 * SdkHttpMetadata (the response's headers and status) and
 * SdkResponseMetadata (the request id). Header names are as libcurl hands
 * them to us, lower case.
 *
 * Errors are named as Step Functions names them: the service's prefix and
 * the exception the AWS Java SDK raises, "DynamoDB." + the error code
 * ("DynamoDB.ConditionalCheckFailedException") when the SDK models that
 * error, else the SDK's catch-all "DynamoDB.AmazonDynamoDBException" (a
 * ValidationException, a signature or credentials error). The cause is the
 * service's message followed by the SDK's details, as AWS shows it:
 * "The conditional request failed (Service: AmazonDynamoDBv2; Status Code:
 * 400; Error Code: ConditionalCheckFailedException; Request ID: ...;
 * Proxy: null)". Transport failures are those of the HTTP tasks
 * (task_http_transport_error).
 *
 * Failure cases before the request: the AWS settings cannot be read
 * (malformed ~/.aws file: the message names file and line) or there are no
 * credentials; both fail the task as it starts (TaskStartFailed,
 * States.TaskFailed) with that message.
 */
#include "engine/json_util.h"
#include "engine/xalloc.h"
#include "states/task_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATES_ARN_PREFIX "arn:aws:states:::"

/* One service's protocol: how its requests are addressed and signed and
 * how Step Functions names its errors. */
typedef struct aws_service {
    const char *id;            /* endpoint identifier and signing name */
    const char *target_prefix; /* X-Amz-Target: PREFIX.Action */
    const char *content_type;
    const char *error_prefix; /* "DynamoDB" in "DynamoDB.ResourceNotFoundException" */
    const char *sdk_name;     /* "Service: ..." in causes */
    const char *catch_all;    /* the SDK's exception for errors it does not model */
    const char *const *modeled_errors;
} aws_service;

/* The errors the AWS Java SDK models for DynamoDB: each is its own
 * exception, so Step Functions reports it by name. */
static const char *const dynamodb_errors[] = {
    "BackupInUseException",
    "BackupNotFoundException",
    "ConditionalCheckFailedException",
    "ContinuousBackupsUnavailableException",
    "DuplicateItemException",
    "ExportConflictException",
    "ExportNotFoundException",
    "GlobalTableAlreadyExistsException",
    "GlobalTableNotFoundException",
    "IdempotentParameterMismatchException",
    "ImportConflictException",
    "ImportNotFoundException",
    "IndexNotFoundException",
    "InternalServerErrorException",
    "InvalidExportTimeException",
    "InvalidRestoreTimeException",
    "ItemCollectionSizeLimitExceededException",
    "LimitExceededException",
    "PointInTimeRecoveryUnavailableException",
    "ProvisionedThroughputExceededException",
    "ReplicaAlreadyExistsException",
    "ReplicaNotFoundException",
    "RequestLimitExceeded",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "TableAlreadyExistsException",
    "TableInUseException",
    "TableNotFoundException",
    "TransactionCanceledException",
    "TransactionConflictException",
    "TransactionInProgressException",
    NULL,
};

static const aws_service dynamodb = {
    .id = "dynamodb",
    .target_prefix = "DynamoDB_20120810",
    .content_type = "application/x-amz-json-1.0",
    .error_prefix = "DynamoDB",
    .sdk_name = "AmazonDynamoDBv2",
    .catch_all = "AmazonDynamoDBException",
    .modeled_errors = dynamodb_errors,
};

/* The resources stepfn runs: the part after arn:aws:states::: and the API
 * action it calls. */
static const struct {
    const char *resource;
    const aws_service *service;
    const char *action;
} integrations[] = {
    {"dynamodb:getItem", &dynamodb, "GetItem"},
    {"dynamodb:putItem", &dynamodb, "PutItem"},
    {"dynamodb:updateItem", &dynamodb, "UpdateItem"},
    {"dynamodb:deleteItem", &dynamodb, "DeleteItem"},
};

static int integration_of(const char *resource)
{
    size_t plen = strlen(STATES_ARN_PREFIX);
    if (strncmp(resource, STATES_ARN_PREFIX, plen) != 0)
        return -1;
    for (size_t i = 0; i < sizeof integrations / sizeof integrations[0]; i++)
        if (strcmp(resource + plen, integrations[i].resource) == 0)
            return (int)i;
    return -1;
}

bool task_aws_runs(const char *resource)
{
    return integration_of(resource) >= 0;
}

/* The endpoint with "/" as its path when it has none. */
static char *request_url(const char *endpoint)
{
    const char *host = strstr(endpoint, "://");
    bool has_path = host && strchr(host + 3, '/');
    size_t n = strlen(endpoint);
    return has_path || (n && endpoint[n - 1] == '/') ? sf_strdup(endpoint)
                                                     : sf_asprintf("%s/", endpoint);
}

bool task_aws_call(const char *resource, json_t *params, const sf_aws_config *cfg,
                   task_http_call *call, sf_http_aws_sigv4 *sig, char **why)
{
    int i = integration_of(resource);
    const aws_service *svc = integrations[i].service;
    if (!sf_aws_config_require_credentials(cfg, why))
        return false;
    char *endpoint = sf_aws_config_endpoint(cfg, svc->id);
    if (strncmp(endpoint, "http://", 7) != 0 && strncmp(endpoint, "https://", 8) != 0) {
        *why = sf_asprintf("the %s endpoint '%s' (AWS_ENDPOINT_URL... or the AWS config file) is "
                           "not an http:// or https:// URL",
                           svc->id, endpoint);
        free(endpoint);
        return false;
    }
    memset(call, 0, sizeof *call);
    call->method = sf_strdup("POST");
    call->url = request_url(endpoint);
    free(endpoint);
    call->headers = sf_calloc(3, sizeof *call->headers);
    call->headers[0] =
        sf_asprintf("X-Amz-Target: %s.%s", svc->target_prefix, integrations[i].action);
    call->headers[1] = sf_asprintf("Content-Type: %s", svc->content_type);
    call->body = sf_json_compact(params);
    call->body_len = strlen(call->body);
    sig->region = cfg->region;
    sig->service = svc->id;
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

static bool is_modeled(const aws_service *svc, const char *code)
{
    for (size_t i = 0; svc->modeled_errors[i]; i++)
        if (strcmp(svc->modeled_errors[i], code) == 0)
            return true;
    return false;
}

/* "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException" →
 * the part after '#' (and before any ':', which some services add). */
static char *error_code(const char *type)
{
    const char *hash = strrchr(type, '#');
    const char *code = hash ? hash + 1 : type;
    size_t n = strcspn(code, ":");
    return sf_strndup(code, n);
}

static void set_service_error(const aws_service *svc, const sf_http_response *resp, json_t *body,
                              sf_error *err)
{
    const char *type = json_string_value(json_object_get(body, "__type"));
    const char *message = json_string_value(json_object_get(body, "message"));
    if (!message)
        message = json_string_value(json_object_get(body, "Message"));
    char *code = type ? error_code(type) : NULL;
    const char *request_id = first_header(resp, "x-amzn-requestid");
    char *name = sf_asprintf("%s.%s", svc->error_prefix,
                             code && is_modeled(svc, code) ? code : svc->catch_all);
    char *text =
        message ? NULL
                : sf_asprintf("%s answered %ld %s: %.*s", svc->id, resp->status, resp->status_text,
                              (int)(resp->body_len < 1024 ? resp->body_len : 1024), resp->body);
    sf_error_set(err, name,
                 "%s (Service: %s; Status Code: %ld; Error Code: %s; Request ID: %s; Proxy: null)",
                 message ? message : text, svc->sdk_name, resp->status, code ? code : "unknown",
                 request_id ? request_id : "null");
    free(text);
    free(name);
    free(code);
}

json_t *task_aws_result(const char *resource, const sf_http_response *resp, sf_error *err)
{
    const aws_service *svc = integrations[integration_of(resource)].service;
    json_error_t jerr;
    json_t *body =
        resp->body_len ? sf_json_loadb(resp->body, resp->body_len, 0, &jerr) : json_object();
    if (resp->status < 200 || resp->status > 299) {
        set_service_error(svc, resp, body, err);
        json_decref(body);
        return NULL;
    }
    if (!json_is_object(body)) {
        sf_error_set(err, SF_ERR_TASK_FAILED,
                     "%s answered %ld but the body is not a JSON object (%s): %.*s", svc->id,
                     resp->status, body ? "not an object" : jerr.text,
                     (int)(resp->body_len < 1024 ? resp->body_len : 1024), resp->body);
        json_decref(body);
        return NULL;
    }
    const char *request_id = first_header(resp, "x-amzn-requestid");
    json_object_set_new(body, "SdkHttpMetadata", http_metadata(resp));
    json_object_set_new(body, "SdkResponseMetadata",
                        json_pack("{s:s}", "RequestId", request_id ? request_id : ""));
    return body;
}
