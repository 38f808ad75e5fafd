/*
 * task_aws_services.c — the AWS services stepfn calls and what a Resource
 * names among them (task_aws.c says how the calls are made).
 *
 * Each service: its name in arn:aws:states:::aws-sdk:NAME:action, its
 * identifier for endpoint settings (AWS_ENDPOINT_URL_<ID>, the config
 * file's [services] keys), its endpoint's host prefix, its SigV4 signing
 * name, its X-Amz-Target prefix and JSON version (or, for SNS, the Query
 * protocol's API version), whether its API's members are camelCase, and
 * the names Step Functions gives its errors. The values are those of the
 * services' API definitions; the test server checks requests against
 * botocore's copies of them (tests/aws/service_server.py).
 *
 * A resource is one of the optimized integrations below, exactly, or
 * aws-sdk:NAME:action with NAME a JSON-protocol service of the table and
 * action a camelCase name (letters and digits, the first lower case):
 * its operation is the action with the first letter raised. Anything
 * else, pattern suffixes of aws-sdk actions and .waitForTaskToken forms
 * included, is not called; task_aws_unsupported_reason says what is.
 */
#include "engine/xalloc.h"
#include "states/task_aws_internal.h"
#include "states/task_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define STATES_ARN_PREFIX "arn:aws:states:::"
#define AWS_SDK_PREFIX    "aws-sdk:"

/* The errors the AWS Java SDK v1 models for the operations of the
 * optimized integrations: each is its own exception, reported by name. */
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

/* SendMessage's errors (SQS sends the codes without "Exception"). */
static const char *const sqs_errors[] = {
    "InvalidAddress",       "InvalidMessageContents",
    "InvalidSecurity",      "KmsAccessDenied",
    "KmsDisabled",          "KmsInvalidKeyUsage",
    "KmsInvalidState",      "KmsNotFound",
    "KmsOptInRequired",     "KmsThrottled",
    "QueueDoesNotExist",    "RequestThrottled",
    "UnsupportedOperation", NULL,
};

static const char *const events_errors[] = {"InternalException", NULL};

/* StartExecution's and DescribeExecution's errors. */
static const char *const sfn_errors[] = {
    "ExecutionAlreadyExists",
    "ExecutionDoesNotExist",
    "ExecutionLimitExceeded",
    "InvalidArn",
    "InvalidExecutionInput",
    "InvalidName",
    "KmsAccessDeniedException",
    "KmsInvalidStateException",
    "KmsThrottlingException",
    "StateMachineDeleting",
    "StateMachineDoesNotExist",
    "ValidationException",
    NULL,
};

static const aws_optimized_errors dynamodb_optimized = {"DynamoDB", "AmazonDynamoDBv2",
                                                        "AmazonDynamoDBException", dynamodb_errors};
static const aws_optimized_errors sqs_optimized = {"SQS", "AmazonSQS", "AmazonSQSException",
                                                   sqs_errors};
static const aws_optimized_errors events_optimized = {"EventBridge", "AmazonEventBridge",
                                                      "AmazonEventBridgeException", events_errors};
/* Publish's errors and throttling; CODE=NAME where the SDK's exception
 * is not CODE + "Exception". */
static const char *const sns_errors[] = {
    "AuthorizationError",
    "EndpointDisabled",
    "InternalError",
    "InvalidParameter",
    "InvalidSecurity",
    "KMSAccessDenied",
    "KMSDisabled",
    "KMSInvalidState",
    "KMSNotFound",
    "KMSOptInRequired=KMSOptInRequiredException",
    "KMSThrottling",
    "NotFound",
    "ParameterValueInvalid=InvalidParameterValueException",
    "PlatformApplicationDisabled",
    "Throttled",
    "ValidationException",
    NULL,
};

static const aws_optimized_errors sns_optimized = {"SNS", "AmazonSNS", "AmazonSNSException",
                                                   sns_errors};
static const aws_optimized_errors sfn_optimized = {"StepFunctions", "AWSStepFunctions",
                                                   "AWSStepFunctionsException", sfn_errors};

static const aws_service services[] = {
    {"dynamodb", "dynamodb", "dynamodb", "dynamodb", "DynamoDB_20120810", "1.0", NULL, false,
     "DynamoDb", &dynamodb_optimized},
    {"sqs", "sqs", "sqs", "sqs", "AmazonSQS", "1.0", NULL, false, "Sqs", &sqs_optimized},
    {"eventbridge", "eventbridge", "events", "events", "AWSEvents", "1.1", NULL, false,
     "EventBridge", &events_optimized},
    {"sfn", "sfn", "states", "states", "AWSStepFunctions", "1.0", NULL, true, "Sfn",
     &sfn_optimized},
    {"kinesis", "kinesis", "kinesis", "kinesis", "Kinesis_20131202", "1.1", NULL, false, "Kinesis",
     NULL},
    {"cloudwatchlogs", "cloudwatch_logs", "logs", "logs", "Logs_20140328", "1.1", NULL, true,
     "CloudWatchLogs", NULL},
    {"secretsmanager", "secrets_manager", "secretsmanager", "secretsmanager", "secretsmanager",
     "1.1", NULL, false, "SecretsManager", NULL},
    {"ssm", "ssm", "ssm", "ssm", "AmazonSSM", "1.1", NULL, false, "Ssm", NULL},
    {"athena", "athena", "athena", "athena", "AmazonAthena", "1.1", NULL, false, "Athena", NULL},
    /* Query protocol: only the optimized sns:publish, not aws-sdk:sns */
    {"sns", "sns", "sns", "sns", NULL, NULL, "2010-03-31", false, "Sns", &sns_optimized},
};

/* The optimized integrations. */
static const aws_integration integrations[] = {
    {"dynamodb:getItem", AWS_DYNAMODB, "GetItem", NULL, AWS_REQUEST_RESPONSE},
    {"dynamodb:putItem", AWS_DYNAMODB, "PutItem", NULL, AWS_REQUEST_RESPONSE},
    {"dynamodb:updateItem", AWS_DYNAMODB, "UpdateItem", NULL, AWS_REQUEST_RESPONSE},
    {"dynamodb:deleteItem", AWS_DYNAMODB, "DeleteItem", NULL, AWS_REQUEST_RESPONSE},
    {"sqs:sendMessage", AWS_SQS, "SendMessage", "MessageBody", AWS_REQUEST_RESPONSE},
    {"events:putEvents", AWS_EVENTBRIDGE, "PutEvents", NULL, AWS_REQUEST_RESPONSE},
    {"states:startExecution", AWS_SFN, "StartExecution", "Input", AWS_REQUEST_RESPONSE},
    {"states:startExecution.sync", AWS_SFN, "StartExecution", "Input", AWS_SYNC},
    {"states:startExecution.sync:2", AWS_SFN, "StartExecution", "Input", AWS_SYNC_2},
    {"sns:publish", AWS_SNS, "Publish", "Message", AWS_REQUEST_RESPONSE},
};

#define N_INTEGRATIONS (sizeof integrations / sizeof integrations[0])
#define N_SERVICES     (sizeof services / sizeof services[0])

_Static_assert(N_SERVICES == AWS_SNS + 1, "the enum of task_aws_internal.h follows the table");

/* aws-sdk:SERVICE:action, the action a camelCase name (no pattern suffix). */
static bool sdk_target_of(const char *rest, aws_target *t)
{
    const char *colon = strchr(rest, ':');
    if (!colon)
        return false;
    size_t name_len = (size_t)(colon - rest);
    const char *action = colon + 1;
    size_t n = strlen(action);
    if (n == 0 || n >= AWS_OPERATION_MAX || !islower((unsigned char)action[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)action[i]))
            return false;
    for (size_t i = 0; i < N_SERVICES; i++) {
        if (services[i].json_version && strlen(services[i].name) == name_len &&
            strncmp(services[i].name, rest, name_len) == 0) {
            t->svc = &services[i];
            t->optimized = NULL;
            memcpy(t->operation, action, n + 1);
            t->operation[0] = (char)toupper((unsigned char)action[0]);
            return true;
        }
    }
    return false;
}

bool task_aws_target_of(const char *resource, aws_target *t)
{
    size_t plen = strlen(STATES_ARN_PREFIX);
    if (strncmp(resource, STATES_ARN_PREFIX, plen) != 0)
        return false;
    const char *rest = resource + plen;
    if (strncmp(rest, AWS_SDK_PREFIX, strlen(AWS_SDK_PREFIX)) == 0)
        return sdk_target_of(rest + strlen(AWS_SDK_PREFIX), t);
    for (size_t i = 0; i < N_INTEGRATIONS; i++) {
        if (strcmp(rest, integrations[i].resource) == 0) {
            t->svc = &services[integrations[i].service];
            t->optimized = &integrations[i];
            snprintf(t->operation, sizeof t->operation, "%s", integrations[i].operation);
            return true;
        }
    }
    return false;
}

bool task_aws_runs(const char *resource)
{
    aws_target t;
    return task_aws_target_of(resource, &t);
}

char *task_aws_unsupported_reason(const char *resource)
{
    const char *rest = resource + strlen(STATES_ARN_PREFIX);
    const char *wait = strstr(rest, ".waitForTaskToken");
    char names[256] = "";
    for (size_t i = 0; i < N_SERVICES; i++) {
        size_t used = strlen(names);
        if (services[i].json_version)
            snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", services[i].name);
    }
    return sf_asprintf(
        "stepfn cannot run it%s; it calls arn:aws:states:::aws-sdk:SERVICE:action (request and "
        "response only) for %s, and the optimized dynamodb:getItem, putItem, updateItem, "
        "deleteItem, sqs:sendMessage, sns:publish, events:putEvents and states:startExecution "
        "(also .sync and .sync:2); running the state will fail unless a --mock-config test case "
        "mocks it "
        "(a Lambda function goes through the --resources map)",
        wait ? " (.waitForTaskToken needs a callback API stepfn does not serve yet)" : "", names);
}
