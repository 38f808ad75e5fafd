/*
 * task_resource.c — what a Task's Resource names and where it runs.
 *
 *   exec:PATH                          a program; PATH relative to the
 *                                      definition's folder, which is also its
 *                                      working directory
 *   http://… / https://…               POST the input, the JSON body is the result
 *   arn:aws:states:::http:invoke       the AWS HTTP Task (task_http.c)
 *   arn:aws:states:::lambda:invoke     Parameters.FunctionName through the map
 *   arn:aws:lambda:…:function:NAME     through the map (the payload is the result)
 *   arn:aws:states:::aws-sdk:SVC:act   signed requests to AWS JSON-protocol
 *   arn:aws:states:::dynamodb:getItem  services, and the optimized dynamodb,
 *   arn:aws:states:::sqs:sendMessage   sqs, sns, events and states integrations
 *   ...                                (task_aws.c lists them)
 *   any other name                     through the map, as a function name
 *
 * Anything else under arn:aws:states::: (other services, .waitForTaskToken
 * patterns, …) cannot be called, but is accepted: a --mock-config test
 * case can answer it, and the warning names what stepfn does call.
 *
 * Failure cases. A definition is never refused for a task that cannot run
 * as things stand, since the run may never reach it (or a mock answers
 * it): what can be known before the run is a warning, once per resource,
 * on the Resource or the Parameters field (a missing or non-executable
 * program, a function missing from the map or no map at all, a service
 * stepfn cannot call). A task reached in that state fails when it starts
 * (TaskStartFailed, States.TaskFailed) with a cause that names the
 * resource and says how to mock or map it.
 */
#include "engine/xalloc.h"
#include "states/task_internal.h"

#include <stdlib.h>
#include <string.h>

#define LAMBDA_ARN_PREFIX "arn:aws:lambda:"
#define STATES_ARN_PREFIX "arn:aws:states:::"

task_kind task_kind_of(const char *r)
{
    if (strncmp(r, "exec:", 5) == 0)
        return TASK_EXEC;
    if (strncmp(r, "http://", 7) == 0 || strncmp(r, "https://", 8) == 0)
        return TASK_URL;
    if (strcmp(r, STATES_ARN_PREFIX "http:invoke") == 0)
        return TASK_HTTP_INVOKE;
    if (strcmp(r, STATES_ARN_PREFIX "lambda:invoke") == 0)
        return TASK_LAMBDA_INVOKE;
    if (task_aws_runs(r))
        return TASK_AWS;
    if (strncmp(r, "arn:", 4) == 0 && strncmp(r, LAMBDA_ARN_PREFIX, strlen(LAMBDA_ARN_PREFIX)))
        return TASK_UNSUPPORTED; /* an ARN, but not a Lambda function's */
    return TASK_FUNCTION;
}

const char *task_resource_type(task_kind kind)
{
    switch (kind) {
    case TASK_EXEC:
        return "exec";
    case TASK_URL:
    case TASK_HTTP_INVOKE:
        return "http";
    case TASK_LAMBDA_INVOKE:
    case TASK_FUNCTION:
        return "lambda";
    default:
        return "unsupported";
    }
}

const char *task_event_resource(task_kind kind, const char *resource)
{
    switch (kind) {
    case TASK_EXEC:
        return resource + 5; /* after "exec:" */
    case TASK_HTTP_INVOKE:
    case TASK_LAMBDA_INVOKE:
        return "invoke"; /* AWS: resourceType "http"/"lambda", resource "invoke" */
    default:
        return resource;
    }
}

void task_event_names(task_kind kind, const char *resource, char **type, char **event_resource)
{
    const char *rest = resource + strlen(STATES_ARN_PREFIX);
    if (kind == TASK_UNSUPPORTED && strncmp(resource, "arn:aws:states:", 15) == 0 &&
        strstr(resource, ":activity:")) {
        /* AWS records activities with Activity* events; until stepfn has
         * activities, a mocked one is recorded as a Task of that type. */
        *type = sf_strdup("activity");
        *event_resource = sf_strdup(resource);
        return;
    }
    if ((kind != TASK_UNSUPPORTED && kind != TASK_AWS) ||
        strncmp(resource, STATES_ARN_PREFIX, strlen(STATES_ARN_PREFIX))) {
        *type = sf_strdup(task_resource_type(kind));
        *event_resource = sf_strdup(task_event_resource(kind, resource));
        return;
    }
    /* SERVICE:ACTION..., or aws-sdk:SERVICE:ACTION... */
    const char *colon = strchr(rest, ':');
    if (colon && strncmp(rest, "aws-sdk:", 8) == 0)
        colon = strchr(colon + 1, ':');
    if (!colon) {
        *type = sf_strdup(rest);
        *event_resource = sf_strdup("");
        return;
    }
    *type = sf_strndup(rest, (size_t)(colon - rest));
    *event_resource = sf_strdup(colon + 1);
}

void task_warn_unrunnable(sf_compile_ctx *cc, const char *field, const char *resource,
                          const char *why)
{
    char *quoted = sf_asprintf("'%s'", resource);
    for (size_t i = 0; i < cc->diags->count; i++) {
        const sf_diag *d = &cc->diags->items[i];
        if (d->severity == SF_DIAG_WARNING && strcmp(d->code, SF_DIAG_UNSUPPORTED) == 0 &&
            strstr(d->message, quoted)) {
            free(quoted);
            return;
        }
    }
    free(quoted);
    char *ptr = sf_compile_field_pointer(cc, field);
    sf_diags_warn(cc->diags, SF_DIAG_UNSUPPORTED, ptr, "State '%s': the Resource '%s': %s",
                  cc->state->name, resource, why);
    free(ptr);
}

/* ---- Targets ---- */

static char **strv_copy(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    char **copy = sf_calloc(n + 1, sizeof *copy);
    for (size_t i = 0; i < n; i++)
        copy[i] = sf_strdup(v[i]);
    return copy;
}

static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

void task_target_clear(task_target *t)
{
    strv_free(t->argv);
    strv_free(t->env_extra);
    free(t->cwd);
    free(t->url);
    json_decref(t->headers);
    memset(t, 0, sizeof *t);
}

bool task_target_for_exec(const sf_definition *def, const char *path, task_target *t, char **why)
{
    memset(t, 0, sizeof *t);
    if (path[0] == '\0') {
        *why = sf_strdup("exec: needs a program path, as in \"exec:steps/hello\"");
        return false;
    }
    char *program = sf_process_find_program(path, def->base_dir, false, why);
    if (!program)
        return false;
    t->argv = sf_calloc(2, sizeof *t->argv);
    t->argv[0] = program;
    t->env_extra = sf_calloc(1, sizeof *t->env_extra);
    t->cwd = def->base_dir ? sf_strdup(def->base_dir) : NULL;
    return true;
}

static char *no_entry_reason(const sf_definition *def, const char *name)
{
    if (!def->resources)
        return sf_asprintf("the Lambda function '%s' needs a resource map entry, and no "
                           "--resources map was given",
                           name);
    return sf_asprintf("the Lambda function '%s' is not in the resource map %s; add an entry "
                       "with \"exec\" or \"url\"",
                       name, def->resources->path);
}

static bool program_from_entry(const sf_resources *map, const sf_resource *e, task_target *t,
                               char **why)
{
    char *program = sf_process_find_program(e->argv[0], map->base_dir, true, why);
    if (!program) {
        char *inner = *why;
        *why = sf_asprintf("resource map %s, entry '%s': %s", map->path, e->name, inner);
        free(inner);
        return false;
    }
    t->argv = strv_copy(e->argv);
    free(t->argv[0]);
    t->argv[0] = program;
    t->cwd = map->base_dir ? sf_strdup(map->base_dir) : NULL;
    return true;
}

bool task_target_for_function(const sf_definition *def, const char *name, task_target *t,
                              char **why)
{
    memset(t, 0, sizeof *t);
    const sf_resource *e = sf_resources_find_function(def->resources, name);
    if (!e || (!e->argv && !e->url)) {
        *why = no_entry_reason(def, name);
        return false;
    }
    if (e->url) {
        t->url = sf_strdup(e->url);
        t->headers = e->headers ? json_incref(e->headers) : NULL;
    } else if (!program_from_entry(def->resources, e, t, why)) {
        return false;
    }
    size_t n = 0;
    while (e->env[n])
        n++;
    t->env_extra = sf_calloc(n + 2, sizeof *t->env_extra);
    char *fn = sf_lambda_function_name(name);
    t->env_extra[0] = sf_asprintf("AWS_LAMBDA_FUNCTION_NAME=%s", fn);
    free(fn);
    for (size_t i = 0; i < n; i++)
        t->env_extra[i + 1] = sf_strdup(e->env[i]);
    t->timeout_seconds = e->timeout_seconds;
    return true;
}

void task_target_for_url(const char *url, task_target *t)
{
    memset(t, 0, sizeof *t);
    t->url = sf_strdup(url);
}

/* ---- Checks before the run ---- */

/* A target that cannot be resolved now is a warning: the run fails only if
 * it reaches the state (see the top of this file). */
static void check_target(sf_compile_ctx *cc, const char *field, const char *resource, bool ok,
                         char *why)
{
    if (!ok) {
        char *full = sf_asprintf("%s; running the state will fail unless a --mock-config test "
                                 "case mocks it",
                                 why ? why : "it cannot be used");
        task_warn_unrunnable(cc, field, resource, full);
        free(full);
    }
    free(why);
}

static void check_static_function(sf_compile_ctx *cc)
{
    json_t *params = json_object_get(cc->state->json, "Parameters");
    const char *fn = json_string_value(json_object_get(params, "FunctionName"));
    if (!fn)
        return; /* FunctionName.$: known only at run time */
    task_target t;
    char *why = NULL;
    bool ok = task_target_for_function(cc->definition, fn, &t, &why);
    task_target_clear(&t);
    check_target(cc, "Parameters", fn, ok, why);
}

void task_check_resource(sf_compile_ctx *cc, task_kind kind, const char *resource)
{
    task_target t = {0};
    char *why = NULL;
    bool ok = true;
    switch (kind) {
    case TASK_EXEC:
        ok = task_target_for_exec(cc->definition, resource + 5, &t, &why);
        break;
    case TASK_FUNCTION:
        ok = task_target_for_function(cc->definition, resource, &t, &why);
        break;
    case TASK_LAMBDA_INVOKE:
        check_static_function(cc);
        return;
    default: /* an unsupported resource was warned of when compiled */
        return;
    }
    task_target_clear(&t);
    check_target(cc, "Resource", resource, ok, why);
}
