/*
 * cmd_test_state.c — `stepfn test-state STATE.json`: AWS's TestState on the
 * command line.
 *
 * This file only turns the command line into a TestState request (the
 * shape of the API: JSON values as JSON text) and prints the response;
 * tools/test_state.c runs it. A state that ran is a test result whatever
 * its status, FAILED included: exit status 0. Bad JSON in --input,
 * --variables, --context or the --mock file, and an unknown option, are
 * usage errors (2); a state that does not validate prints its diagnostics
 * as `stepfn validate` does and exits 3; a temporary folder that cannot be
 * written exits 4. Nothing is written to the store.
 */
#include "engine/invoke/resources.h"
#include "engine/json_alloc.h"
#include "engine/json_util.h"
#include "engine/xalloc.h"
#include "tools/cli.h"
#include "tools/test_state.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char test_state_help[] =
    "usage: stepfn test-state STATE.json [--input JSON | --input-file FILE|-]\n"
    "                         [--inspection-level INFO|DEBUG|TRACE] [--variables JSON]\n"
    "                         [--mock RESPONSE.json] [--state-name NAME] [--context JSON]\n"
    "                         [--retrier-retry-count N] [--resources MAP.json]\n"
    "                         [--format json|text]\n"
    "\n"
    "Runs one state in isolation, as AWS's TestState does, and prints the TestState\n"
    "response: status (SUCCEEDED, FAILED, RETRIABLE or CAUGHT_ERROR), output,\n"
    "nextState, error and cause, and at DEBUG and TRACE the inspectionData (input,\n"
    "afterInputPath, afterParameters, result, afterResultSelector, afterResultPath,\n"
    "variables, errorDetails; at TRACE also the HTTP request and response of an\n"
    "http:invoke Task). Wait states do not wait and Retry does not retry: a failure\n"
    "a Retry rule would retry is RETRIABLE, with the rule's index and back-off.\n"
    "\n"
    "STATE.json is one state, or a state machine with --state-name (without it,\n"
    "its StartAt state); a machine must be valid as a whole. A state given alone\n"
    "is named StateName ($$.State.Name, error causes), as AWS names it.\n"
    "\n"
    "  --input JSON             the state's input (default {})\n"
    "  --input-file FILE        read the input from FILE, or standard input with -\n"
    "  --inspection-level L     INFO (default), DEBUG or TRACE\n"
    "  --variables JSON         workflow variables in scope, a JSON object\n"
    "  --mock RESPONSE.json     a Task's result instead of running it, as AWS's MockInput:\n"
    "                           {\"result\": \"<JSON text>\"} or\n"
    "                           {\"errorOutput\": {\"error\": \"...\", \"cause\": \"...\"}};\n"
    "                           fieldValidationMode is accepted and ignored (nothing\n"
    "                           checks a result against a service's API here)\n"
    "  --state-name NAME        the state of a state machine definition to test\n"
    "  --context JSON           context object ($$) members over stepfn's own (Execution\n"
    "                           and StateMachine are merged into stepfn's)\n"
    "  --retrier-retry-count N  the retries already made (stateConfiguration's\n"
    "                           retrierRetryCount): RETRIABLE until N reaches MaxAttempts\n"
    "  --resources MAP          what Lambda functions mean here, as for `stepfn run`\n"
    "  --format json|text       text for people (default), or the TestState response\n"
    "                           as one JSON object\n" SF_CLI_HELP_END_OF_OPTIONS "\n"
    "A Task that is not mocked runs for real (its program, URL or function).\n"
    "Exit status: 0 the state ran (whatever its status, FAILED included: it is a\n"
    "test result), 2 usage error or bad JSON given, 3 invalid state definition,\n"
    "4 I/O error.\n";

typedef struct test_state_options {
    const char *def_path;
    const char *input_text;
    const char *input_file;
    const char *level;
    const char *variables;
    const char *mock_path;
    const char *state_name;
    const char *context;
    const char *retry_count;
    const char *resources;
    sf_format format;
} test_state_options;

static int parse_args(int argc, char **argv, test_state_options *o)
{
    sf_args a;
    sf_args_init(&a, argc, argv);
    o->format = SF_FORMAT_TEXT;
    for (; a.i < argc; a.i++) {
        if (sf_args_end_of_options(&a)) {
            continue;
        } else if (sf_args_is_help(&a)) {
            fputs(test_state_help, stdout);
            return -1;
        } else if (sf_args_option(&a, "--input")) {
            o->input_text = a.value;
        } else if (sf_args_option(&a, "--input-file")) {
            o->input_file = a.value;
        } else if (sf_args_option(&a, "--inspection-level")) {
            o->level = a.value;
        } else if (sf_args_option(&a, "--variables")) {
            o->variables = a.value;
        } else if (sf_args_option(&a, "--mock")) {
            o->mock_path = a.value;
        } else if (sf_args_option(&a, "--state-name")) {
            o->state_name = a.value;
        } else if (sf_args_option(&a, "--context")) {
            o->context = a.value;
        } else if (sf_args_option(&a, "--retrier-retry-count")) {
            o->retry_count = a.value;
        } else if (sf_args_option(&a, "--resources")) {
            o->resources = a.value;
        } else if (sf_args_option(&a, "--format")) {
            if (!a.failed && !sf_cli_parse_format("test-state", a.value, &o->format))
                return SF_EXIT_USAGE;
        } else if (sf_args_unknown_option(&a)) {
            return sf_cli_usage_error("test-state", "unknown option '%s'", argv[a.i]);
        } else if (!o->def_path) {
            o->def_path = argv[a.i];
        } else {
            return sf_cli_usage_error("test-state", "unexpected argument '%s'", argv[a.i]);
        }
        if (a.failed)
            return SF_EXIT_USAGE;
    }
    if (!o->def_path)
        return sf_cli_usage_error("test-state", "missing the state definition file");
    if (o->input_text && o->input_file)
        return sf_cli_usage_error("test-state", "give --input or --input-file, not both");
    if (o->level && strcmp(o->level, "INFO") && strcmp(o->level, "DEBUG") &&
        strcmp(o->level, "TRACE"))
        return sf_cli_usage_error("test-state", "--inspection-level must be INFO, DEBUG or TRACE");
    return SF_EXIT_OK;
}

/* A file's text as a string member of the request; false after a message. */
static bool set_file_text(json_t *req, const char *key, const char *path, const char *what)
{
    size_t len;
    char *text = sf_read_file(path, &len);
    if (!text) {
        fprintf(stderr, "stepfn test-state: %s: cannot read the %s: %s\n", path, what,
                strerror(errno));
        return false;
    }
    json_t *s = json_stringn(text, len);
    free(text);
    if (!s) {
        fprintf(stderr, "stepfn test-state: %s: the %s is not UTF-8 text\n", path, what);
        return false;
    }
    json_object_set_new(req, key, s);
    return true;
}

/* The TestState request of the command line, or NULL after a message
 * (*status says which). */
static json_t *make_request(const test_state_options *o, int *status)
{
    json_t *req = json_object();
    *status = SF_EXIT_INVALID_DEFINITION;
    if (!set_file_text(req, "definition", o->def_path, "state definition"))
        goto fail;
    *status = SF_EXIT_USAGE;
    if (o->input_file && !set_file_text(req, "input", o->input_file, "input"))
        goto fail;
    if (o->input_text)
        json_object_set_new(req, "input", json_string(o->input_text));
    if (o->level)
        json_object_set_new(req, "inspectionLevel", json_string(o->level));
    if (o->variables)
        json_object_set_new(req, "variables", json_string(o->variables));
    if (o->state_name)
        json_object_set_new(req, "stateName", json_string(o->state_name));
    if (o->context)
        json_object_set_new(req, "context", json_string(o->context));
    if (o->retry_count) {
        char *end;
        long n = strtol(o->retry_count, &end, 10);
        if (!*o->retry_count || *end || n < 0 || n > 1000000) {
            sf_cli_usage_error("test-state", "--retrier-retry-count must be an integer from 0");
            goto fail;
        }
        json_object_set_new(req, "stateConfiguration",
                            json_pack("{s:I}", "retrierRetryCount", (json_int_t)n));
    }
    if (o->mock_path) {
        char why[160];
        size_t len;
        char *text = sf_read_file(o->mock_path, &len);
        json_t *mock = text ? sf_json_parse(text, len, why, sizeof why) : NULL;
        if (!text)
            fprintf(stderr, "stepfn test-state: %s: cannot read the mock: %s\n", o->mock_path,
                    strerror(errno));
        else if (!mock)
            fprintf(stderr, "stepfn test-state: %s: the mock is not valid JSON: %s\n", o->mock_path,
                    why);
        free(text);
        if (!mock)
            goto fail;
        json_object_set_new(req, "mock", mock);
    }
    return req;
fail:
    json_decref(req);
    return NULL;
}

/* ---- Printing ---- */

static void print_value(const char *label, const char *text)
{
    if (text)
        printf("%-24s %s\n", label, text);
}

static void print_text(const json_t *resp)
{
    print_value("status:", json_string_value(json_object_get(resp, "status")));
    print_value("nextState:", json_string_value(json_object_get(resp, "nextState")));
    print_value("output:", json_string_value(json_object_get(resp, "output")));
    print_value("error:", json_string_value(json_object_get(resp, "error")));
    print_value("cause:", json_string_value(json_object_get(resp, "cause")));
    json_t *data = json_object_get(resp, "inspectionData");
    if (!data)
        return;
    printf("inspectionData:\n");
    const char *key;
    json_t *v;
    json_object_foreach(data, key, v)
    {
        char label[40];
        snprintf(label, sizeof label, "  %s:", key);
        if (json_is_string(v)) {
            print_value(label, json_string_value(v));
            continue;
        }
        printf("%s\n", label);
        const char *k2;
        json_t *v2;
        json_object_foreach(v, k2, v2)
        {
            char *text = json_is_string(v2) ? NULL : sf_json_dumps(v2, JSON_ENCODE_ANY);
            snprintf(label, sizeof label, "    %s:", k2);
            print_value(label, text ? text : json_string_value(v2));
            free(text);
        }
    }
}

static void print_response(const json_t *resp, sf_format format)
{
    if (format == SF_FORMAT_JSON) {
        char *text = sf_json_dumps(resp, JSON_INDENT(2));
        printf("%s\n", text);
        free(text);
    } else {
        print_text(resp);
    }
    fflush(stdout);
}

/* ---- The command ---- */

static int exit_for_fault(sf_test_state_fault f)
{
    switch (f) {
    case SF_TEST_STATE_INVALID_DEFINITION:
        return SF_EXIT_INVALID_DEFINITION;
    case SF_TEST_STATE_IO:
        return SF_EXIT_STORE;
    default:
        return SF_EXIT_USAGE;
    }
}

int sf_cmd_test_state(int argc, char **argv)
{
    test_state_options o = {0};
    int status = parse_args(argc, argv, &o);
    if (status != SF_EXIT_OK)
        return status < 0 ? SF_EXIT_OK : status;
    json_t *req = make_request(&o, &status);
    if (!req)
        return status;
    sf_resources *resources = NULL;
    if (o.resources) {
        char *why = NULL;
        resources = sf_resources_load(o.resources, &why);
        if (!resources) {
            fprintf(stderr, "stepfn test-state: %s\n", why);
            free(why);
            json_decref(req);
            return SF_EXIT_USAGE;
        }
    }
    char *base_dir = sf_folder_of(o.def_path);
    sf_test_state_env env = {.origin = o.def_path, .base_dir = base_dir, .resources = resources};
    sf_test_state_error err = SF_TEST_STATE_ERROR_INIT;
    json_t *resp = sf_test_state_run(req, &env, &err);
    sf_cli_print_diags(stderr, o.def_path, &err.diags);
    if (resp) {
        print_response(resp, o.format);
        status = SF_EXIT_OK;
    } else {
        fprintf(stderr, "stepfn test-state: %s (%s)\n", err.message ? err.message : "failed",
                err.type ? err.type : "error");
        status = exit_for_fault(err.fault);
    }
    json_decref(resp);
    sf_test_state_error_clear(&err);
    free(base_dir);
    sf_resources_free(resources);
    json_decref(req);
    return status;
}
