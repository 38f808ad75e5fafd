/*
 * task_aws_internal.h — what the files of the AWS integrations share:
 *
 *   task_aws_services.c  the services and integrations stepfn calls, and
 *                        what a Resource names among them
 *   task_aws.c           requests, results and error names
 *   task_aws_query.c     the Query protocol (SNS): forms and XML
 *
 * Everything here is static data or borrowed from it.
 */
#ifndef SF_TASK_AWS_INTERNAL_H
#define SF_TASK_AWS_INTERNAL_H

#include <stdbool.h>

#define AWS_OPERATION_MAX 96

/* How Step Functions names the errors of a service's optimized
 * integrations (AWS Java SDK v1). */
typedef struct aws_optimized_errors {
    const char *prefix;   /* "SQS" in "SQS.QueueDoesNotExistException" */
    const char *sdk_name; /* "Service: ..." in causes */
    const char *catch_all;
    const char *const *modeled; /* error codes as the service sends them */
} aws_optimized_errors;

/* One service: how its requests are addressed, signed and encoded, and
 * how its errors are named. */
typedef struct aws_service {
    const char *name;          /* in arn:aws:states:::aws-sdk:NAME:action */
    const char *config_id;     /* AWS_ENDPOINT_URL_<ID>, [services] key */
    const char *host_prefix;   /* https://PREFIX.<region>.amazonaws.com */
    const char *signing_name;  /* in the SigV4 credential scope */
    const char *target_prefix; /* X-Amz-Target: PREFIX.Operation */
    const char *json_version;  /* application/x-amz-json-VERSION; NULL: the Query protocol */
    const char *api_version;   /* Version=... of a Query request */
    bool camel_members;        /* the API's members are camelCase */
    const char *sdk_prefix;    /* "Sqs" in aws-sdk error names */
    const aws_optimized_errors *optimized;
} aws_service;

/* The services' places in the table (task_aws_services.c). */
enum { AWS_DYNAMODB, AWS_SQS, AWS_EVENTBRIDGE, AWS_SFN, AWS_SNS = 9 };

typedef enum aws_pattern {
    AWS_REQUEST_RESPONSE,
    AWS_SYNC,   /* .sync: poll until done, Output as text */
    AWS_SYNC_2, /* .sync:2: the same, Output parsed */
} aws_pattern;

/* An optimized integration: the part after arn:aws:states::: */
typedef struct aws_integration {
    const char *resource;
    int service;
    const char *operation;
    const char *as_text; /* a member sent as JSON text when it is not a string */
    aws_pattern pattern;
} aws_integration;

/* What a resource calls. */
typedef struct aws_target {
    const aws_service *svc;
    const aws_integration *optimized; /* NULL: an aws-sdk integration */
    char operation[AWS_OPERATION_MAX];
} aws_target;

/* What resource (an arn:aws:states::: string) calls; false when stepfn
 * does not call it. */
bool task_aws_target_of(const char *resource, aws_target *t);

#endif
