/*
 * test_task_aws.c — states/task_aws.c: which resources stepfn calls
 * itself, the request a DynamoDB task sends (target, content type, body,
 * endpoint, signing), the result's shape, and how service errors are named
 * as Step Functions names them. The same against a real server:
 * tests/aws/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "states/task_internal.h"

#include <stdlib.h>
#include <string.h>

#define PUT "arn:aws:states:::dynamodb:putItem"

static sf_http_response response(long status, const char *body, json_t *headers)
{
    sf_http_response r = {0};
    r.outcome = SF_HTTP_RESPONSE;
    r.status = status;
    r.status_text = sf_http_reason_phrase(status);
    r.headers = headers;
    r.body = body;
    r.body_len = strlen(body);
    return r;
}

static void the_resources_stepfn_calls(void **state)
{
    (void)state;
    assert_true(task_aws_runs("arn:aws:states:::dynamodb:getItem"));
    assert_true(task_aws_runs(PUT));
    assert_true(task_aws_runs("arn:aws:states:::dynamodb:updateItem"));
    assert_true(task_aws_runs("arn:aws:states:::dynamodb:deleteItem"));
    assert_true(task_aws_runs("arn:aws:states:::sqs:sendMessage"));
    assert_true(task_aws_runs("arn:aws:states:::events:putEvents"));
    assert_true(task_aws_runs("arn:aws:states:::states:startExecution"));
    assert_true(task_aws_runs("arn:aws:states:::states:startExecution.sync"));
    assert_true(task_aws_runs("arn:aws:states:::states:startExecution.sync:2"));
    assert_true(task_aws_runs("arn:aws:states:::aws-sdk:dynamodb:putItem"));
    assert_true(task_aws_runs("arn:aws:states:::aws-sdk:secretsmanager:getSecretValue"));
    assert_true(task_aws_runs("arn:aws:states:::aws-sdk:cloudwatchlogs:putLogEvents"));
    assert_false(task_aws_runs("arn:aws:states:::dynamodb:query"));
    assert_false(task_aws_runs("arn:aws:states:::dynamodb:putItem.waitForTaskToken"));
    assert_false(task_aws_runs("arn:aws:states:::sqs:sendMessage.waitForTaskToken"));
    assert_false(task_aws_runs("arn:aws:states:::aws-sdk:sqs:sendMessage.waitForTaskToken"));
    assert_false(task_aws_runs("arn:aws:states:::aws-sdk:s3:listBuckets"));
    assert_false(task_aws_runs("arn:aws:states:::aws-sdk:sqs:SendMessage"));
    assert_false(task_aws_runs("arn:aws:states:::aws-sdk:sqs:"));
    assert_false(task_aws_runs("arn:aws:states:::aws-sdk:sqs"));
    assert_int_equal(task_kind_of(PUT), TASK_AWS);
    assert_int_equal(task_kind_of("arn:aws:states:::dynamodb:query"), TASK_UNSUPPORTED);
    char *type, *resource;
    task_event_names(TASK_AWS, PUT, &type, &resource);
    assert_string_equal(type, "dynamodb");
    assert_string_equal(resource, "putItem");
    free(type);
    free(resource);
    task_event_names(TASK_AWS, "arn:aws:states:::aws-sdk:sqs:sendMessage", &type, &resource);
    assert_string_equal(type, "aws-sdk:sqs");
    assert_string_equal(resource, "sendMessage");
    free(type);
    free(resource);
    char *why = task_aws_unsupported_reason("arn:aws:states:::sqs:sendMessage.waitForTaskToken");
    assert_non_null(strstr(why, ".waitForTaskToken needs a callback API"));
    assert_non_null(strstr(why, "sqs:sendMessage, sns:publish, events:putEvents"));
    assert_null(strstr(why, "athena, sns"));
    assert_non_null(strstr(why, "--mock-config"));
    free(why);
}

static void the_request_is_the_parameters_signed_for_dynamodb(void **state)
{
    (void)state;
    const char *env[] = {"AWS_ACCESS_KEY_ID=AK",
                         "AWS_SECRET_ACCESS_KEY=SK",
                         "AWS_SESSION_TOKEN=TOK",
                         "AWS_REGION=eu-west-1",
                         "AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000",
                         NULL};
    sf_aws_config cfg;
    char *why = NULL;
    assert_true(sf_aws_config_load(&cfg, env, &why));
    json_t *params = json_pack("{s:s,s:{s:{s:s}}}", "TableName", "T", "Item", "id", "S", "x");
    task_http_call call;
    sf_http_aws_sigv4 sig;
    assert_true(task_aws_call(PUT, params, &cfg, &call, &sig, &why));
    assert_string_equal(call.method, "POST");
    assert_string_equal(call.url, "http://127.0.0.1:8000/");
    assert_string_equal(call.headers[0], "X-Amz-Target: DynamoDB_20120810.PutItem");
    assert_string_equal(call.headers[1], "Content-Type: application/x-amz-json-1.0");
    assert_null(call.headers[2]);
    assert_string_equal(call.body, "{\"TableName\":\"T\",\"Item\":{\"id\":{\"S\":\"x\"}}}");
    assert_int_equal(call.body_len, strlen(call.body));
    assert_string_equal(sig.region, "eu-west-1");
    assert_string_equal(sig.service, "dynamodb");
    assert_string_equal(sig.access_key_id, "AK");
    assert_string_equal(sig.secret_access_key, "SK");
    assert_string_equal(sig.session_token, "TOK");
    task_http_call_clear(&call);
    json_decref(params);
    sf_aws_config_clear(&cfg);
}

static void an_endpoint_with_a_path_is_used_as_it_is(void **state)
{
    (void)state;
    const char *env[] = {"AWS_ACCESS_KEY_ID=AK", "AWS_SECRET_ACCESS_KEY=SK",
                         "AWS_ENDPOINT_URL=http://127.0.0.1:4566/ddb", NULL};
    sf_aws_config cfg;
    char *why = NULL;
    assert_true(sf_aws_config_load(&cfg, env, &why));
    json_t *params = json_object();
    task_http_call call;
    sf_http_aws_sigv4 sig;
    assert_true(task_aws_call(PUT, params, &cfg, &call, &sig, &why));
    assert_string_equal(call.url, "http://127.0.0.1:4566/ddb");
    assert_null(sig.session_token);
    task_http_call_clear(&call);
    json_decref(params);
    sf_aws_config_clear(&cfg);
}

static void no_credentials_no_request(void **state)
{
    (void)state;
    const char *env[] = {NULL};
    sf_aws_config cfg;
    char *why = NULL;
    assert_true(sf_aws_config_load(&cfg, env, &why));
    json_t *params = json_object();
    task_http_call call;
    sf_http_aws_sigv4 sig;
    assert_false(task_aws_call(PUT, params, &cfg, &call, &sig, &why));
    assert_non_null(strstr(why, "no AWS credentials found"));
    free(why);
    json_decref(params);
    sf_aws_config_clear(&cfg);
}

static void an_endpoint_that_is_not_http_is_refused(void **state)
{
    (void)state;
    const char *env[] = {"AWS_ACCESS_KEY_ID=AK", "AWS_SECRET_ACCESS_KEY=SK",
                         "AWS_ENDPOINT_URL_DYNAMODB=file:///etc/passwd", NULL};
    sf_aws_config cfg;
    char *why = NULL;
    assert_true(sf_aws_config_load(&cfg, env, &why));
    json_t *params = json_object();
    task_http_call call;
    sf_http_aws_sigv4 sig;
    assert_false(task_aws_call(PUT, params, &cfg, &call, &sig, &why));
    assert_string_equal(why, "the dynamodb endpoint 'file:///etc/passwd' (AWS_ENDPOINT_URL... or "
                             "the AWS config file) is not an http:// or https:// URL");
    free(why);
    json_decref(params);
    sf_aws_config_clear(&cfg);
}

static void the_result_is_the_body_with_the_sdk_metadata(void **state)
{
    (void)state;
    json_t *headers = json_pack("{s:[s],s:[s,s]}", "x-amzn-requestid", "RID1", "x-many", "a", "b");
    sf_http_response r = response(200, "{\"Item\":{\"id\":{\"S\":\"x\"}}}", headers);
    sf_error err = SF_ERROR_INIT;
    json_t *result = task_aws_result(PUT, &r, &err);
    assert_non_null(result);
    json_t *want =
        json_pack("{s:{s:{s:s}},s:{s:{s:[s],s:[s,s]},s:{s:s,s:s},s:i},s:{s:s}}", "Item", "id", "S",
                  "x", "SdkHttpMetadata", "AllHttpHeaders", "x-amzn-requestid", "RID1", "x-many",
                  "a", "b", "HttpHeaders", "x-amzn-requestid", "RID1", "x-many", "a",
                  "HttpStatusCode", 200, "SdkResponseMetadata", "RequestId", "RID1");
    assert_true(json_equal(result, want));
    json_decref(want);
    json_decref(result);
    json_decref(headers);
}

static void assert_error(long status, const char *body, const char *name, const char *cause)
{
    json_t *headers = json_pack("{s:[s]}", "x-amzn-requestid", "RID");
    sf_http_response r = response(status, body, headers);
    sf_error err = SF_ERROR_INIT;
    assert_null(task_aws_result(PUT, &r, &err));
    assert_string_equal(err.name, name);
    assert_string_equal(err.cause, cause);
    sf_error_clear(&err);
    json_decref(headers);
}

static void modeled_errors_keep_their_name(void **state)
{
    (void)state;
    assert_error(400,
                 "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
                 "\"message\":\"The conditional request failed\"}",
                 "DynamoDB.ConditionalCheckFailedException",
                 "The conditional request failed (Service: AmazonDynamoDBv2; Status Code: 400; "
                 "Error Code: ConditionalCheckFailedException; Request ID: RID; Proxy: null)");
    assert_error(400,
                 "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\","
                 "\"Message\":\"Requested resource not found\"}",
                 "DynamoDB.ResourceNotFoundException",
                 "Requested resource not found (Service: AmazonDynamoDBv2; Status Code: 400; "
                 "Error Code: ResourceNotFoundException; Request ID: RID; Proxy: null)");
}

static void other_errors_are_the_sdk_catch_all(void **state)
{
    (void)state;
    assert_error(400,
                 "{\"__type\":\"com.amazon.coral.validate#ValidationException\","
                 "\"message\":\"One or more parameter values were invalid\"}",
                 "DynamoDB.AmazonDynamoDBException",
                 "One or more parameter values were invalid (Service: AmazonDynamoDBv2; Status "
                 "Code: 400; Error Code: ValidationException; Request ID: RID; Proxy: null)");
    assert_error(403,
                 "{\"__type\":\"com.amazon.coral.service#UnrecognizedClientException\","
                 "\"message\":\"The security token included in the request is invalid.\"}",
                 "DynamoDB.AmazonDynamoDBException",
                 "The security token included in the request is invalid. (Service: "
                 "AmazonDynamoDBv2; Status Code: 403; Error Code: UnrecognizedClientException; "
                 "Request ID: RID; Proxy: null)");
}

static void a_body_that_is_not_an_aws_error_is_quoted(void **state)
{
    (void)state;
    assert_error(502, "<html>bad gateway</html>", "DynamoDB.AmazonDynamoDBException",
                 "dynamodb answered 502 Bad Gateway: <html>bad gateway</html> (Service: "
                 "AmazonDynamoDBv2; Status Code: 502; Error Code: unknown; Request ID: RID; "
                 "Proxy: null)");
}

static void a_success_that_is_not_json_fails_the_task(void **state)
{
    (void)state;
    json_t *headers = json_object();
    sf_http_response r = response(200, "[1]", headers);
    sf_error err = SF_ERROR_INIT;
    assert_null(task_aws_result(PUT, &r, &err));
    assert_string_equal(err.name, "States.TaskFailed");
    assert_string_equal(err.cause,
                        "dynamodb answered 200 but the body is not a JSON object (not an "
                        "object): [1]");
    sf_error_clear(&err);
    json_decref(headers);
}

/* The request of any resource, with the settings of env. */
static void call_for(const char *resource, json_t *params, task_http_call *call,
                     sf_http_aws_sigv4 *sig, sf_aws_config *cfg)
{
    const char *env[] = {"AWS_ACCESS_KEY_ID=AK",
                         "AWS_SECRET_ACCESS_KEY=SK",
                         "AWS_REGION=eu-west-1",
                         "AWS_ENDPOINT_URL_SFN=http://127.0.0.1:1/sfn",
                         "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=http://127.0.0.1:1/logs",
                         NULL};
    char *why = NULL;
    assert_true(sf_aws_config_load(cfg, env, &why));
    assert_true(task_aws_call(resource, params, cfg, call, sig, &why));
    json_decref(params);
}

static void aws_sdk_actions_are_the_operations_of_the_service_table(void **state)
{
    (void)state;
    sf_aws_config cfg;
    task_http_call call;
    sf_http_aws_sigv4 sig;
    call_for("arn:aws:states:::aws-sdk:eventbridge:putEvents",
             json_pack("{s:[{s:s}]}", "Entries", "Source", "s"), &call, &sig, &cfg);
    assert_string_equal(call.url, "https://events.eu-west-1.amazonaws.com/");
    assert_string_equal(call.headers[0], "X-Amz-Target: AWSEvents.PutEvents");
    assert_string_equal(call.headers[1], "Content-Type: application/x-amz-json-1.1");
    assert_string_equal(call.body, "{\"Entries\":[{\"Source\":\"s\"}]}");
    assert_string_equal(sig.service, "events");
    task_http_call_clear(&call);
    sf_aws_config_clear(&cfg);

    call_for("arn:aws:states:::aws-sdk:secretsmanager:getSecretValue",
             json_pack("{s:s}", "SecretId", "x"), &call, &sig, &cfg);
    assert_string_equal(call.url, "https://secretsmanager.eu-west-1.amazonaws.com/");
    assert_string_equal(call.headers[0], "X-Amz-Target: secretsmanager.GetSecretValue");
    assert_string_equal(sig.service, "secretsmanager");
    task_http_call_clear(&call);
    sf_aws_config_clear(&cfg);
}

static void camel_case_apis_get_their_member_names_but_tags_keep_theirs(void **state)
{
    (void)state;
    sf_aws_config cfg;
    task_http_call call;
    sf_http_aws_sigv4 sig;
    call_for("arn:aws:states:::aws-sdk:cloudwatchlogs:createLogGroup",
             json_pack("{s:s,s:{s:s}}", "LogGroupName", "g", "Tags", "Team", "A"), &call, &sig,
             &cfg);
    assert_string_equal(call.url, "http://127.0.0.1:1/logs");
    assert_string_equal(call.headers[0], "X-Amz-Target: Logs_20140328.CreateLogGroup");
    assert_string_equal(call.body, "{\"logGroupName\":\"g\",\"tags\":{\"Team\":\"A\"}}");
    assert_string_equal(sig.service, "logs");
    task_http_call_clear(&call);
    sf_aws_config_clear(&cfg);
}

static void optimized_integrations_send_json_members_as_text(void **state)
{
    (void)state;
    sf_aws_config cfg;
    task_http_call call;
    sf_http_aws_sigv4 sig;
    call_for("arn:aws:states:::states:startExecution.sync:2",
             json_pack("{s:s,s:{s:i}}", "StateMachineArn", "arn:m", "Input", "a", 1), &call, &sig,
             &cfg);
    assert_string_equal(call.url, "http://127.0.0.1:1/sfn");
    assert_string_equal(call.headers[0], "X-Amz-Target: AWSStepFunctions.StartExecution");
    assert_string_equal(call.headers[1], "Content-Type: application/x-amz-json-1.0");
    assert_string_equal(call.body, "{\"stateMachineArn\":\"arn:m\",\"input\":\"{\\\"a\\\":1}\"}");
    assert_string_equal(sig.service, "states");
    task_http_call_clear(&call);
    sf_aws_config_clear(&cfg);

    call_for("arn:aws:states:::sqs:sendMessage",
             json_pack("{s:s,s:[i]}", "QueueUrl", "q", "MessageBody", 1), &call, &sig, &cfg);
    assert_string_equal(call.headers[0], "X-Amz-Target: AmazonSQS.SendMessage");
    assert_string_equal(call.body, "{\"QueueUrl\":\"q\",\"MessageBody\":\"[1]\"}");
    task_http_call_clear(&call);
    sf_aws_config_clear(&cfg);

    call_for("arn:aws:states:::events:putEvents",
             json_pack("{s:[{s:{s:b}},{s:s}]}", "Entries", "Detail", "ok", 1, "Detail", "text"),
             &call, &sig, &cfg);
    assert_string_equal(call.body,
                        "{\"Entries\":[{\"Detail\":\"{\\\"ok\\\":true}\"},{\"Detail\":\"text\"}]}");
    task_http_call_clear(&call);
    sf_aws_config_clear(&cfg);
}

static void assert_error_of(const char *resource, long status, const char *body, const char *name,
                            const char *cause)
{
    json_t *headers = json_pack("{s:[s]}", "x-amzn-requestid", "RID");
    sf_http_response r = response(status, body, headers);
    sf_error err = SF_ERROR_INIT;
    assert_null(task_aws_result(resource, &r, &err));
    assert_string_equal(err.name, name);
    assert_string_equal(err.cause, cause);
    sf_error_clear(&err);
    json_decref(headers);
}

static void sdk_errors_are_the_service_and_the_exception(void **state)
{
    (void)state;
    assert_error_of("arn:aws:states:::aws-sdk:sqs:getQueueUrl", 400,
                    "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\",\"message\":\"gone\"}",
                    "Sqs.QueueDoesNotExistException",
                    "gone (Service: Sqs, Status Code: 400, Request ID: RID)");
    assert_error_of("arn:aws:states:::aws-sdk:secretsmanager:getSecretValue", 400,
                    "{\"__type\":\"ResourceNotFoundException\",\"Message\":\"no secret\"}",
                    "SecretsManager.ResourceNotFoundException",
                    "no secret (Service: SecretsManager, Status Code: 400, Request ID: RID)");
    assert_error_of("arn:aws:states:::aws-sdk:dynamodb:getItem", 500, "oops",
                    "DynamoDb.DynamoDbException",
                    "dynamodb answered 500 Internal Server Error: oops (Service: DynamoDb, "
                    "Status Code: 500, Request ID: RID)");
}

static void optimized_errors_are_the_sdk_v1_exceptions(void **state)
{
    (void)state;
    assert_error_of("arn:aws:states:::sqs:sendMessage", 400,
                    "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\",\"message\":\"gone\"}",
                    "SQS.QueueDoesNotExistException",
                    "gone (Service: AmazonSQS; Status Code: 400; Error Code: QueueDoesNotExist; "
                    "Request ID: RID; Proxy: null)");
    assert_error_of("arn:aws:states:::sqs:sendMessage", 400,
                    "{\"__type\":\"com.amazon.coral.validate#ValidationException\","
                    "\"message\":\"bad\"}",
                    "SQS.AmazonSQSException",
                    "bad (Service: AmazonSQS; Status Code: 400; Error Code: ValidationException; "
                    "Request ID: RID; Proxy: null)");
    assert_error_of("arn:aws:states:::states:startExecution", 400,
                    "{\"__type\":\"com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists\","
                    "\"message\":\"dup\"}",
                    "StepFunctions.ExecutionAlreadyExistsException",
                    "dup (Service: AWSStepFunctions; Status Code: 400; Error Code: "
                    "ExecutionAlreadyExists; Request ID: RID; Proxy: null)");
}

static task_aws_outcome finish(const char *resource, const char *body, task_http_call *call,
                               json_t **result, sf_error *err)
{
    json_t *headers = json_pack("{s:[s]}", "x-amzn-requestid", "RID");
    sf_http_response r = response(200, body, headers);
    task_aws_outcome o = task_aws_finish(resource, &r, call, result, err);
    json_decref(headers);
    return o;
}

static void start_execution_sync_polls_describe_execution(void **state)
{
    (void)state;
    const char *sync2 = "arn:aws:states:::states:startExecution.sync:2";
    sf_aws_config cfg;
    task_http_call call;
    sf_http_aws_sigv4 sig;
    call_for(sync2, json_pack("{s:s}", "StateMachineArn", "arn:m"), &call, &sig, &cfg);
    json_t *result = NULL;
    sf_error err = SF_ERROR_INIT;
    assert_int_equal(
        finish(sync2, "{\"executionArn\":\"arn:e\",\"startDate\":1.5}", &call, &result, &err),
        TASK_AWS_POLL);
    assert_string_equal(call.headers[0], "X-Amz-Target: AWSStepFunctions.DescribeExecution");
    assert_string_equal(call.body, "{\"executionArn\":\"arn:e\"}");
    /* what TaskSubmitted records: the start, with the SDK metadata */
    assert_non_null(result);
    assert_string_equal(json_string_value(json_object_get(result, "ExecutionArn")), "arn:e");
    assert_int_equal(json_integer_value(json_object_get(result, "StartDate")), 1500);
    assert_non_null(json_object_get(result, "SdkHttpMetadata"));
    json_decref(result);
    assert_int_equal(
        finish(sync2, "{\"executionArn\":\"arn:e\",\"status\":\"RUNNING\"}", &call, &result, &err),
        TASK_AWS_POLL);
    assert_null(result);
    assert_int_equal(finish(sync2,
                            "{\"executionArn\":\"arn:e\",\"status\":\"SUCCEEDED\","
                            "\"startDate\":1.5,\"output\":\"{\\\"n\\\":2}\"}",
                            &call, &result, &err),
                     TASK_AWS_DONE);
    json_t *want = json_pack("{s:s,s:s,s:i,s:{s:i}}", "ExecutionArn", "arn:e", "Status",
                             "SUCCEEDED", "StartDate", 1500, "Output", "n", 2);
    assert_true(json_equal(result, want));
    json_decref(want);
    json_decref(result);
    assert_int_equal(finish(sync2,
                            "{\"executionArn\":\"arn:e\",\"status\":\"FAILED\","
                            "\"error\":\"E\"}",
                            &call, &result, &err),
                     TASK_AWS_FAILED);
    assert_string_equal(err.name, "States.TaskFailed");
    assert_string_equal(err.cause,
                        "{\"ExecutionArn\":\"arn:e\",\"Status\":\"FAILED\",\"Error\":\"E\"}");
    sf_error_clear(&err);
    task_http_call_clear(&call);
    sf_aws_config_clear(&cfg);
}

static void sns_publish_is_a_signed_query_form(void **state)
{
    (void)state;
    sf_aws_config cfg;
    task_http_call call;
    sf_http_aws_sigv4 sig;
    call_for("arn:aws:states:::sns:publish",
             json_pack("{s:s,s:{s:i},s:{s:{s:s,s:s}},s:n}", "TopicArn", "arn:aws:sns:r:1:t",
                       "Message", "a", 1, "MessageAttributes", "k y", "DataType", "String",
                       "StringValue", "v~", "Subject"),
             &call, &sig, &cfg);
    assert_string_equal(call.url, "https://sns.eu-west-1.amazonaws.com/");
    assert_string_equal(call.headers[0],
                        "Content-Type: application/x-www-form-urlencoded; charset=utf-8");
    assert_null(call.headers[1]);
    assert_string_equal(call.body, "Action=Publish&Version=2010-03-31"
                                   "&TopicArn=arn%3Aaws%3Asns%3Ar%3A1%3At"
                                   "&Message=%7B%22a%22%3A1%7D"
                                   "&MessageAttributes.entry.1.Name=k%20y"
                                   "&MessageAttributes.entry.1.Value.DataType=String"
                                   "&MessageAttributes.entry.1.Value.StringValue=v~");
    assert_string_equal(sig.service, "sns");
    task_http_call_clear(&call);
    sf_aws_config_clear(&cfg);
    assert_false(task_aws_runs("arn:aws:states:::aws-sdk:sns:publish"));
}

static void sns_answers_are_read_from_xml(void **state)
{
    (void)state;
    const char *pub = "arn:aws:states:::sns:publish";
    json_t *headers = json_pack("{s:[s]}", "x-amzn-requestid", "HDR");
    sf_http_response r =
        response(200,
                 "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/"
                 "2010-03-31/\">\n  <PublishResult>\n    <MessageId>m-1</MessageId>"
                 "\n  </PublishResult>\n  <ResponseMetadata>\n    <RequestId>"
                 "R1</RequestId>\n  </ResponseMetadata>\n</PublishResponse>\n",
                 headers);
    sf_error err = SF_ERROR_INIT;
    json_t *result = task_aws_result(pub, &r, &err);
    assert_non_null(result);
    assert_string_equal(json_string_value(json_object_get(result, "MessageId")), "m-1");
    assert_null(json_object_get(result, "SequenceNumber"));
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(result, "SdkResponseMetadata"), "RequestId")),
                        "R1");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(result, "SdkHttpMetadata"),
                                                        "HttpStatusCode")),
                     200);
    json_decref(result);
    json_decref(headers);
    assert_error_of(pub, 404,
                    "<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic "
                    "does not exist</Message></Error><RequestId>R2</RequestId></ErrorResponse>",
                    "SNS.NotFoundException",
                    "Topic does not exist (Service: AmazonSNS; Status Code: 404; Error Code: "
                    "NotFound; Request ID: R2; Proxy: null)");
    assert_error_of(pub, 400,
                    "<ErrorResponse><Error><Code>ParameterValueInvalid</Code><Message>bad"
                    "</Message></Error></ErrorResponse>",
                    "SNS.InvalidParameterValueException",
                    "bad (Service: AmazonSNS; Status Code: 400; Error Code: ParameterValueInvalid; "
                    "Request ID: RID; Proxy: null)");
    assert_error_of(
        pub, 503, "Service Unavailable", "SNS.AmazonSNSException",
        "sns answered 503 Service Unavailable: Service Unavailable (Service: AmazonSNS; "
        "Status Code: 503; Error Code: unknown; Request ID: RID; Proxy: null)");
}

static void the_xml_reader_takes_text_elements_only(void **state)
{
    (void)state;
    const char *xml = "<a><MessageIdX>no</MessageIdX><MessageId kind=\"x\">&lt;b&gt; &amp; "
                      "&#65;&#x42;&#xe9; &bogus; &#0;</MessageId><Empty/><Nested><c>t</c>"
                      "</Nested><Open>text";
    char *t = task_aws_xml_text(xml, strlen(xml), "MessageId");
    assert_string_equal(t, "<b> & AB\xc3\xa9 &bogus; &#0;");
    free(t);
    assert_null(task_aws_xml_text(xml, strlen(xml), "Empty"));
    assert_null(task_aws_xml_text(xml, strlen(xml), "Nested"));
    assert_null(task_aws_xml_text(xml, strlen(xml), "Open"));
    assert_null(task_aws_xml_text(xml, strlen(xml), "Missing"));
    assert_null(task_aws_xml_text(xml, 5, "MessageId"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_resources_stepfn_calls),
        cmocka_unit_test(the_request_is_the_parameters_signed_for_dynamodb),
        cmocka_unit_test(an_endpoint_with_a_path_is_used_as_it_is),
        cmocka_unit_test(no_credentials_no_request),
        cmocka_unit_test(an_endpoint_that_is_not_http_is_refused),
        cmocka_unit_test(the_result_is_the_body_with_the_sdk_metadata),
        cmocka_unit_test(modeled_errors_keep_their_name),
        cmocka_unit_test(other_errors_are_the_sdk_catch_all),
        cmocka_unit_test(a_body_that_is_not_an_aws_error_is_quoted),
        cmocka_unit_test(a_success_that_is_not_json_fails_the_task),
        cmocka_unit_test(aws_sdk_actions_are_the_operations_of_the_service_table),
        cmocka_unit_test(camel_case_apis_get_their_member_names_but_tags_keep_theirs),
        cmocka_unit_test(optimized_integrations_send_json_members_as_text),
        cmocka_unit_test(sdk_errors_are_the_service_and_the_exception),
        cmocka_unit_test(optimized_errors_are_the_sdk_v1_exceptions),
        cmocka_unit_test(start_execution_sync_polls_describe_execution),
        cmocka_unit_test(sns_publish_is_a_signed_query_form),
        cmocka_unit_test(sns_answers_are_read_from_xml),
        cmocka_unit_test(the_xml_reader_takes_text_elements_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
