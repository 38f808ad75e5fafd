/*
 * task.c — the Task state: runs a step program or calls an HTTP endpoint
 * with the effective input, and hands the result to the engine's data flow
 * (ResultSelector, ResultPath, OutputPath) or the error to Retry and Catch.
 *
 * Life of one attempt (a Retry runs the whole of it again):
 *   TaskScheduled   the resource, its type, the parameters (the effective
 *                   input), the timeouts in force
 *   TaskStarted     the program is running / the request is on its way
 *                   (TaskStartFailed instead when it could not start)
 *   TaskSucceeded   the result, before ResultSelector
 *   TaskFailed      error and cause (Lambda-style, States.TaskFailed,
 *                   States.Http.StatusCode.NNN, ...)
 *   TaskTimedOut    States.Timeout or States.HeartbeatTimeout, no cause, as
 *                   AWS reports them
 * Programs also leave the tail of their stderr in a "stderr" field of the
 * TaskSucceeded / TaskFailed details (not an AWS field: the local log).
 *
 * Timeouts are libuv timers owned by the attempt. TimeoutSeconds (or
 * TimeoutSecondsPath, or the resource map's "timeout") bounds the whole
 * attempt; HeartbeatSeconds (or HeartbeatSecondsPath) bounds the gap
 * between heartbeats of a program (see invoke_process.h for the channel);
 * HTTP requests send no heartbeats, so only TimeoutSeconds applies to them,
 * as AWS does not enforce heartbeats on synchronous calls. When a timer
 * fires, the program's whole process group is killed (or the request
 * cancelled) before the state fails, so nothing of the attempt outlives it.
 * The same happens when the engine cancels the state (execution aborted or
 * timed out, sibling branch failed).
 *
 * AWS service integrations (task_aws.c) are HTTP requests too, signed
 * with the credentials the environment and ~/.aws give stepfn
 * (engine/aws/aws_config.h); the request carries the task's effective
 * Parameters as they are.
 *
 * Credentials is accepted and ignored, with a warning: tasks run with
 * stepfn's own permissions.
 */
#include "engine/cursor.h"
#include "engine/exec.h"
#include "engine/store/history.h"
#include "engine/json_util.h"
#include "engine/loop_context.h"
#include "engine/utf8.h"
#include "engine/xalloc.h"
#include "states/states.h"
#include "states/task_internal.h"

#include <stdlib.h>
#include <string.h>

#define TASK_TIMEOUT_MAX        99999999LL
#define TASK_STDERR_KEEP        (64 * 1024)
#define TASK_HISTORY_STDERR     (8 * 1024)
#define HTTP_CONNECT_TIMEOUT_MS 10000L
#define HTTP_INVOKE_TIMEOUT_MS  60000L /* the AWS HTTP Task's own limit */
#define TASK_AWS_POLL_MS        1000.0 /* between the polls of a .sync integration */

typedef struct task_impl {
    const char *resource; /* borrowed from the definition document */
    task_kind kind;
    /* resourceType and resource of the Task* events (owned) */
    char *event_resource_type, *event_resource;
    long long timeout_seconds; /* 0: none */
    sf_path *timeout_path;
    long long heartbeat_seconds;
    sf_path *heartbeat_path;
} task_impl;

static const char *const task_fields[] = {
    "Resource",
    "TimeoutSeconds",
    "TimeoutSecondsPath",
    "HeartbeatSeconds",
    "HeartbeatSecondsPath",
    "Credentials",
    NULL,
};

/* ---- Compiling ---- */

static void compile_seconds(sf_compile_ctx *cc, const char *field, const char *path_field,
                            long long *seconds, sf_path **path)
{
    json_t *v = json_object_get(cc->state->json, field);
    json_t *p = json_object_get(cc->state->json, path_field);
    if (v && p) {
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, cc->state->pointer,
                       "State '%s' has both %s and %s; give at most one", cc->state->name, field,
                       path_field);
        return;
    }
    if (p)
        *path = sf_compile_path(cc, p, path_field, SF_PATH_REFERENCE);
    if (v && (!sf_json_as_integer(v, seconds) || *seconds < 1 || *seconds > TASK_TIMEOUT_MAX)) {
        char *ptr = sf_compile_field_pointer(cc, field);
        sf_diags_error(cc->diags, SF_DIAG_INVALID_VALUE, ptr,
                       "State '%s': %s must be a whole number of seconds from 1 to %lld",
                       cc->state->name, field, TASK_TIMEOUT_MAX);
        free(ptr);
        *seconds = 0;
    }
}

static void check_lambda_parameters(sf_compile_ctx *cc)
{
    json_t *params = json_object_get(cc->state->json, "Parameters");
    if (json_is_string(json_object_get(params, "FunctionName")) ||
        json_object_get(params, "FunctionName.$"))
        return;
    char *ptr = sf_compile_field_pointer(cc, "Parameters");
    sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr,
                   "State '%s': a lambda:invoke task needs Parameters.FunctionName (a string)",
                   cc->state->name);
    free(ptr);
}

/* An AWS integration stepfn does not call says which ones it does. */
static void warn_unsupported(sf_compile_ctx *cc, const char *resource)
{
    if (strncmp(resource, "arn:aws:states:::", 17) == 0) {
        char *why = task_aws_unsupported_reason(resource);
        task_warn_unrunnable(cc, "Resource", resource, why);
        free(why);
        return;
    }
    task_warn_unrunnable(cc, "Resource", resource,
                         "stepfn cannot run it; running the state will fail unless a "
                         "--mock-config test case mocks it");
}

static void compile_resource(sf_compile_ctx *cc, task_impl *t)
{
    json_t *r = json_object_get(cc->state->json, "Resource");
    if (!json_is_string(r)) {
        char *ptr = r ? sf_compile_field_pointer(cc, "Resource") : sf_strdup(cc->state->pointer);
        sf_diags_error(cc->diags, r ? SF_DIAG_SCHEMA : SF_DIAG_MISSING_FIELD, ptr,
                       "State '%s' (Task) needs a Resource string, such as \"exec:steps/hello\"",
                       cc->state->name);
        free(ptr);
        t->resource = "";
        t->kind = TASK_UNSUPPORTED;
        task_event_names(t->kind, t->resource, &t->event_resource_type, &t->event_resource);
        return;
    }
    t->resource = json_string_value(r);
    t->kind = task_kind_of(t->resource);
    task_event_names(t->kind, t->resource, &t->event_resource_type, &t->event_resource);
    if (t->kind == TASK_HTTP_INVOKE)
        task_check_http_parameters(cc);
    else if (t->kind == TASK_LAMBDA_INVOKE)
        check_lambda_parameters(cc);
    else if (t->kind == TASK_UNSUPPORTED &&
             !sf_mock_case_has(cc->definition->mock_case, cc->state->name))
        warn_unsupported(cc, t->resource);
}

static void task_compile(sf_compile_ctx *cc)
{
    task_impl *t = SF_NEW(task_impl);
    cc->state->impl = t;
    compile_resource(cc, t);
    compile_seconds(cc, "TimeoutSeconds", "TimeoutSecondsPath", &t->timeout_seconds,
                    &t->timeout_path);
    compile_seconds(cc, "HeartbeatSeconds", "HeartbeatSecondsPath", &t->heartbeat_seconds,
                    &t->heartbeat_path);
    if (t->timeout_seconds && t->heartbeat_seconds >= t->timeout_seconds) {
        char *ptr = sf_compile_field_pointer(cc, "HeartbeatSeconds");
        sf_diags_error(cc->diags, SF_DIAG_INVALID_VALUE, ptr,
                       "State '%s': HeartbeatSeconds must be smaller than TimeoutSeconds",
                       cc->state->name);
        free(ptr);
    }
    if (json_object_get(cc->state->json, "Credentials")) {
        char *ptr = sf_compile_field_pointer(cc, "Credentials");
        sf_diags_warn(cc->diags, SF_DIAG_UNSUPPORTED, ptr,
                      "State '%s': Credentials is ignored; tasks run with stepfn's own "
                      "permissions",
                      cc->state->name);
        free(ptr);
    }
}

/* Once the resource map and the definition's folder are known (run). */
static void task_check_load(sf_compile_ctx *cc)
{
    const task_impl *t = cc->state->impl;
    if (t && t->resource[0] && !sf_mock_case_has(cc->definition->mock_case, cc->state->name))
        task_check_resource(cc, t->kind, t->resource);
}

static void task_free(void *p)
{
    task_impl *t = p;
    free(t->event_resource_type);
    free(t->event_resource);
    sf_path_free(t->timeout_path);
    sf_path_free(t->heartbeat_path);
    free(t);
}

/* ---- One attempt ---- */

typedef struct task_attempt {
    sf_cursor *cursor;
    const task_impl *impl;
    const char *resource_type, *resource; /* for the events */
    task_target target;
    bool lambda_shape; /* lambda:invoke: wrap the payload in the Lambda result */
    long long timeout_seconds, heartbeat_seconds;
    sf_process *process;
    sf_http_request *request;
    task_http_call aws_call;   /* an AWS integration's request (TASK_AWS) */
    sf_http_aws_sigv4 aws_sig; /* its signing; strings borrowed from the loop's settings */
    uv_timer_t timeout_timer, heartbeat_timer;
    uv_timer_t poll_timer; /* the pause between the requests of a .sync integration */
    int open_timers;
} task_attempt;

/* {"resourceType":..,"resource":.. left open for more members: the start
 * of every Task event's details, written as text since every task records
 * several. */
static void open_event_details(const task_attempt *a, sf_text *t)
{
    t->len = 0;
    SF_TEXT_PUT_LITERAL(t, "{\"resourceType\":");
    sf_text_put_string(t, a->resource_type, strlen(a->resource_type));
    SF_TEXT_PUT_LITERAL(t, ",\"resource\":");
    sf_text_put_string(t, a->resource, strlen(a->resource));
}

static void record_started(task_attempt *a)
{
    sf_text d = {0};
    open_event_details(a, &d);
    sf_text_put(&d, "}", 1);
    sf_cursor_event_text(a->cursor, "TaskStarted", &d);
    sf_text_free(&d);
}

/* A .sync job accepted by its service: what it answered (stolen). */
static void record_submitted(task_attempt *a, json_t *output)
{
    sf_text d = {0};
    open_event_details(a, &d);
    SF_TEXT_PUT_LITERAL(&d, ",\"output\":");
    sf_text_put_json_literal(&d, output);
    SF_TEXT_PUT_LITERAL(&d, ",\"outputDetails\":{\"truncated\":false}}");
    sf_cursor_event_text(a->cursor, "TaskSubmitted", &d);
    sf_text_free(&d);
    json_decref(output);
}

static void timer_closed(uv_handle_t *h)
{
    task_attempt *a = h->data;
    if (--a->open_timers == 0) {
        task_target_clear(&a->target);
        task_http_call_clear(&a->aws_call);
        free(a);
    }
}

/* Stop everything the attempt has in flight and let it free itself. */
static void end_attempt(task_attempt *a)
{
    a->cursor->run_data = NULL;
    sf_process_kill(a->process);
    sf_http_request_cancel(a->request);
    a->process = NULL;
    a->request = NULL;
    uv_close((uv_handle_t *)&a->timeout_timer, timer_closed);
    uv_close((uv_handle_t *)&a->heartbeat_timer, timer_closed);
    uv_close((uv_handle_t *)&a->poll_timer, timer_closed);
}

/* ,"key":"text" when text is valid UTF-8 (program output may not be; the
 * member is left out then, as jansson would), written into open details. */
static void put_text_member(sf_text *d, const char *key, const char *text, size_t len)
{
    json_t *v = text ? json_stringn(text, len) : NULL;
    if (!v)
        return;
    sf_text_put(d, ",\"", 2);
    sf_text_put(d, key, strlen(key));
    sf_text_put(d, "\":", 2);
    sf_text_put_json(d, v);
    json_decref(v);
}

/* The end of a program's stderr, as events keep it. */
static void put_stderr_tail(sf_text *d, const char *err, size_t len)
{
    size_t keep = len > TASK_HISTORY_STDERR ? TASK_HISTORY_STDERR : len;
    if (keep > 0)
        put_text_member(d, "stderr", err + len - keep, keep);
}

static void fail(task_attempt *a, const char *type, sf_error *err, const char *stderr_text,
                 size_t stderr_len);

static void succeed(task_attempt *a, json_t *result, const char *err, size_t err_len)
{
    sf_cursor *c = a->cursor;
    if (a->lambda_shape)
        result = task_lambda_invoke_result(result);
    sf_text d = {0};
    open_event_details(a, &d);
    SF_TEXT_PUT_LITERAL(&d, ",\"output\":");
    /* A result parsed at the depth limit is one level deeper once wrapped
     * as Lambda's: refused rather than recorded cut short. */
    if (sf_text_put_json_literal_within(&d, result, SIZE_MAX) == SF_TEXT_TOO_DEEP) {
        sf_text_free(&d);
        json_decref(result);
        sf_error e = SF_ERROR_INIT;
        sf_error_set(&e, SF_ERR_DATA_LIMIT_EXCEEDED,
                     "The result of the task '%s' has objects and arrays nested deeper than %d "
                     "levels, the maximum depth of a JSON value.",
                     c->state->name, SF_JSON_DEPTH_LIMIT);
        fail(a, "TaskFailed", &e, err, err_len);
        return;
    }
    SF_TEXT_PUT_LITERAL(&d, ",\"outputDetails\":{\"truncated\":false}");
    put_stderr_tail(&d, err, err_len);
    sf_text_put(&d, "}", 1);
    sf_cursor_event_text(c, "TaskSucceeded", &d);
    sf_text_free(&d);
    end_attempt(a);
    sf_cursor_state_done(c, result, NULL);
}

/* type: TaskFailed, TaskTimedOut or TaskStartFailed. Consumes err. */
static void fail(task_attempt *a, const char *type, sf_error *err, const char *stderr_text,
                 size_t stderr_len)
{
    sf_cursor *c = a->cursor;
    sf_text d = {0};
    open_event_details(a, &d);
    if (err->name)
        put_text_member(&d, "error", err->name, strlen(err->name));
    if (err->cause)
        put_text_member(&d, "cause", err->cause, strlen(err->cause));
    put_stderr_tail(&d, stderr_text, stderr_len);
    sf_text_put(&d, "}", 1);
    sf_cursor_event_text(c, type, &d);
    sf_text_free(&d);
    end_attempt(a);
    sf_cursor_state_error(c, err);
}

static void timed_out(task_attempt *a, const char *error)
{
    sf_error err = SF_ERROR_INIT;
    sf_error_set_raw(&err, error, NULL); /* AWS gives no cause for either timeout */
    fail(a, "TaskTimedOut", &err, NULL, 0);
}

static void timeout_fired(uv_timer_t *t)
{
    timed_out(t->data, SF_ERR_TIMEOUT);
}

static void heartbeat_missed(uv_timer_t *t)
{
    timed_out(t->data, SF_ERR_HEARTBEAT_TIMEOUT);
}

static void heartbeat_received(void *data)
{
    task_attempt *a = data;
    if (a->heartbeat_seconds > 0)
        uv_timer_start(&a->heartbeat_timer, heartbeat_missed,
                       sf_exec_timeout_ms(a->cursor->exec, (double)a->heartbeat_seconds * 1000.0),
                       0);
}

static void start_timers(task_attempt *a, bool heartbeats)
{
    if (a->timeout_seconds > 0)
        uv_timer_start(&a->timeout_timer, timeout_fired,
                       sf_exec_timeout_ms(a->cursor->exec, (double)a->timeout_seconds * 1000.0), 0);
    if (heartbeats)
        heartbeat_received(a);
}

/* ---- Finishing an invocation ---- */

/* A cause may quote what a program or a server sent (stdout, a response
 * body, jansson's view of them): bytes that are not UTF-8 become U+FFFD
 * (engine/utf8.h), or the cause could not be recorded at all. */
static void repair_cause(sf_error *err)
{
    if (!err->cause)
        return;
    char *cause = sf_utf8_repair(err->cause, strlen(err->cause), NULL);
    free(err->cause);
    err->cause = cause;
}

/* A program's stderr goes into causes and events as text: repaired the
 * same way, rather than lost. */
static void program_done(void *data, const sf_process_result *raw)
{
    task_attempt *a = data;
    a->process = NULL; /* it frees itself after this callback */
    sf_process_result r = *raw;
    char *err_text = sf_utf8_repair(raw->err, raw->err_len, &r.err_len);
    r.err = err_text;
    sf_error err = SF_ERROR_INIT;
    json_t *result = task_process_result(a->target.argv[0], &r, &err);
    repair_cause(&err);
    if (result)
        succeed(a, result, r.err, r.err_len);
    else
        fail(a, "TaskFailed", &err, r.err, r.err_len);
    free(err_text);
}

static void start_request(task_attempt *a, const task_http_call *call);

static void poll_again(uv_timer_t *t)
{
    task_attempt *a = t->data;
    start_request(a, &a->aws_call);
}

static void http_done(void *data, const sf_http_response *resp)
{
    task_attempt *a = data;
    a->request = NULL;
    sf_error err = SF_ERROR_INIT;
    json_t *result = NULL;
    if (resp->outcome != SF_HTTP_RESPONSE) {
        task_http_transport_error(resp, &err);
    } else if (a->impl->kind == TASK_HTTP_INVOKE) {
        result = task_http_invoke_result(resp, &err);
    } else if (a->impl->kind == TASK_AWS) {
        /* A .sync integration polls until the job is done: the next
         * request after a pause, counted as a Wait is (--wait-scale). */
        if (task_aws_finish(a->impl->resource, resp, &a->aws_call, &result, &err) ==
            TASK_AWS_POLL) {
            if (result)
                record_submitted(a, result);
            uv_timer_start(&a->poll_timer, poll_again,
                           sf_exec_wait_ms(a->cursor->exec, TASK_AWS_POLL_MS), 0);
            return;
        }
    } else {
        result = task_http_post_result(resp, a->target.url, &err);
    }
    repair_cause(&err);
    if (result)
        succeed(a, result, NULL, 0);
    else
        fail(a, "TaskFailed", &err, NULL, 0);
}

/* ---- Starting an invocation ---- */

/* The step program's environment: the minimal one, what the context says
 * about this attempt, then the resource map's additions. */
static char **program_env(sf_cursor *c, const task_target *t)
{
    json_t *ctx = sf_cursor_context(c);
    const char *exec_arn =
        json_string_value(json_object_get(json_object_get(ctx, "Execution"), "Id"));
    size_t n = 0;
    while (t->env_extra && t->env_extra[n])
        n++;
    char **extra = sf_calloc(n + 4, sizeof *extra);
    extra[0] = sf_asprintf("STEPFN_STATE_NAME=%s", c->state->name);
    extra[1] = sf_asprintf("STEPFN_EXECUTION_ARN=%s", exec_arn ? exec_arn : "");
    extra[2] = sf_asprintf("STEPFN_RETRY_COUNT=%d", c->retry_count);
    for (size_t i = 0; i < n; i++)
        extra[3 + i] = t->env_extra[i];
    char **env = sf_process_env_new((const char *const *)extra);
    free(extra[0]);
    free(extra[1]);
    free(extra[2]);
    free(extra);
    return env;
}

static bool start_program(task_attempt *a, json_t *payload, char **why)
{
    sf_cursor *c = a->cursor;
    char *input = sf_json_compact(payload);
    char **env = program_env(c, &a->target);
    sf_process_options o = {
        .argv = (const char *const *)a->target.argv,
        .env = (const char *const *)env,
        .cwd = a->target.cwd,
        .input = input,
        .input_len = strlen(input),
        .stdout_limit = SF_PAYLOAD_LIMIT_BYTES,
        .stderr_keep = TASK_STDERR_KEEP,
    };
    /* Without HeartbeatSeconds nothing listens: no heartbeat pipe (fd 3 is
     * /dev/null, so a program's heartbeats still succeed). */
    a->process = sf_process_start(sf_cursor_loop(c), &o, program_done,
                                  a->heartbeat_seconds > 0 ? heartbeat_received : NULL, a, why);
    sf_process_env_free(env);
    free(input);
    return a->process != NULL;
}

static void start_request(task_attempt *a, const task_http_call *call)
{
    bool aws = a->impl->kind == TASK_AWS;
    bool invoke = a->impl->kind == TASK_HTTP_INVOKE || aws;
    sf_http_options o = {
        .method = call->method,
        .url = call->url,
        .headers = (const char *const *)call->headers,
        .body = call->body,
        .body_len = call->body_len,
        .response_limit = TASK_HTTP_RESPONSE_LIMIT,
        .connect_timeout_ms = HTTP_CONNECT_TIMEOUT_MS,
        .total_timeout_ms = invoke ? HTTP_INVOKE_TIMEOUT_MS : 0,
        .aws_sigv4 = aws ? &a->aws_sig : NULL,
    };
    sf_http_client *client = sf_loop_http_client(sf_cursor_loop(a->cursor));
    a->request = sf_http_request_start(client, &o, http_done, a);
}

/* The task's effective input as the JSON string TaskScheduled records, or
 * false with the state failed when it is past the payload limit or nested
 * too deep: rendered before anything else sees the input, so a value that
 * shares one big part many times is refused before the request body or the
 * program's stdin is written out. */
static bool render_parameters(sf_cursor *c, json_t *input, sf_text *literal)
{
    size_t len = sf_text_put_json_literal_within(literal, input, SF_PAYLOAD_LIMIT_BYTES);
    if (len <= SF_PAYLOAD_LIMIT_BYTES)
        return true;
    sf_text_free(literal);
    if (len == SF_TEXT_TOO_DEEP)
        sf_cursor_state_runtime_error(c, SF_ERR_DATA_LIMIT_EXCEEDED,
                                      "The input of the task '%s' has objects and arrays nested "
                                      "deeper than %d levels, the maximum depth of a JSON value.",
                                      c->state->name, SF_JSON_DEPTH_LIMIT);
    else
        sf_cursor_state_runtime_error(c, SF_ERR_DATA_LIMIT_EXCEEDED,
                                      "The input of the task '%s' has a size exceeding the "
                                      "maximum number of bytes service limit.",
                                      c->state->name);
    return false;
}

static void record_scheduled(task_attempt *a, const sf_text *params)
{
    sf_text d = {0};
    open_event_details(a, &d);
    /* An AWS integration is called in the region the AWS settings give;
     * everything else runs "in" stepfn's us-east-1. */
    const char *region = a->aws_sig.region ? a->aws_sig.region : "us-east-1";
    SF_TEXT_PUT_LITERAL(&d, ",\"region\":");
    sf_text_put_string(&d, region, strlen(region));
    SF_TEXT_PUT_LITERAL(&d, ",\"parameters\":");
    sf_text_put(&d, params->data, params->len);
    if (a->timeout_seconds > 0) {
        SF_TEXT_PUT_LITERAL(&d, ",\"timeoutInSeconds\":");
        sf_text_put_int(&d, a->timeout_seconds);
    }
    if (a->heartbeat_seconds > 0) {
        SF_TEXT_PUT_LITERAL(&d, ",\"heartbeatInSeconds\":");
        sf_text_put_int(&d, a->heartbeat_seconds);
    }
    sf_text_put(&d, "}", 1);
    sf_cursor_event_text(a->cursor, "TaskScheduled", &d);
    sf_text_free(&d);
}

static void start_failed(task_attempt *a, char *why)
{
    sf_error err = SF_ERROR_INIT;
    sf_error_set_raw(&err, SF_ERR_TASK_FAILED, why);
    free(why);
    fail(a, "TaskStartFailed", &err, NULL, 0);
}

/* ---- Running the state ---- */

/* TimeoutSecondsPath / HeartbeatSecondsPath, read from the state's input.
 * False when the value is not a positive integer (the state has failed). */
static bool seconds_from(sf_cursor *c, const char *field, long long fixed, const sf_path *path,
                         long long *out)
{
    *out = fixed;
    if (!path)
        return true;
    sf_eval_env env;
    sf_cursor_env(c, c->input, sf_path_is_context(path), &env);
    json_t *v = sf_path_eval(path, &env);
    long long n = 0;
    bool ok = v && sf_json_as_integer(v, &n) && n >= 1 && n <= TASK_TIMEOUT_MAX;
    if (ok) {
        *out = n;
    } else {
        char *shown = v ? sf_json_compact(v) : sf_strdup("null");
        sf_cursor_state_runtime_error(c, SF_ERR_RUNTIME,
                                      "The %s parameter does not reference a valid positive "
                                      "integer value: %s == %s",
                                      field, sf_path_text(path), shown);
        free(shown);
    }
    json_decref(v);
    return ok;
}

static bool resolve_lambda_invoke(task_attempt *a, json_t *input, json_t **payload, char **why)
{
    const sf_definition *def = a->cursor->machine->definition;
    const char *fn = json_string_value(json_object_get(input, "FunctionName"));
    if (!fn) {
        *why = sf_strdup("Parameters.FunctionName must be a string naming the function");
        return false;
    }
    json_t *p = json_object_get(input, "Payload");
    *payload = p ? json_incref(p) : json_object();
    a->lambda_shape = true;
    return task_target_for_function(def, fn, &a->target, why);
}

/* An AWS integration's signed request, from the loop's AWS settings. */
static bool resolve_aws(task_attempt *a, json_t *input, char **why)
{
    const char *settings_error = NULL;
    const sf_aws_config *cfg = sf_loop_aws_config(sf_cursor_loop(a->cursor), &settings_error);
    if (!cfg) {
        *why = sf_strdup(settings_error);
        return false;
    }
    return task_aws_call(a->impl->resource, input, cfg, &a->aws_call, &a->aws_sig, why);
}

/* Where the attempt goes and what it sends; false with *why when the
 * target cannot be resolved. */
static bool resolve_target(task_attempt *a, json_t *input, json_t **payload, char **why)
{
    const sf_definition *def = a->cursor->machine->definition;
    const char *resource = a->impl->resource;
    *payload = NULL;
    switch (a->impl->kind) {
    case TASK_EXEC:
        *payload = json_incref(input);
        return task_target_for_exec(def, resource + 5, &a->target, why);
    case TASK_FUNCTION:
        *payload = json_incref(input);
        return task_target_for_function(def, resource, &a->target, why);
    case TASK_LAMBDA_INVOKE:
        return resolve_lambda_invoke(a, input, payload, why);
    case TASK_URL:
        *payload = json_incref(input);
        task_target_for_url(resource, &a->target);
        return true;
    case TASK_HTTP_INVOKE:
        return true;
    case TASK_AWS:
        return resolve_aws(a, input, why);
    default:
        *why = sf_asprintf("stepfn cannot call the Resource '%s' (state '%s'); mock the state in "
                           "a --mock-config test case to run it",
                           resource, a->cursor->state->name);
        return false;
    }
}

static task_attempt *attempt_new(sf_cursor *c, const task_impl *t, long long timeout,
                                 long long heartbeat)
{
    task_attempt *a = SF_NEW(task_attempt);
    a->cursor = c;
    a->impl = t;
    a->resource_type = t->event_resource_type;
    a->resource = t->event_resource;
    a->timeout_seconds = timeout;
    a->heartbeat_seconds = heartbeat;
    uv_timer_init(sf_cursor_loop(c), &a->timeout_timer);
    uv_timer_init(sf_cursor_loop(c), &a->heartbeat_timer);
    uv_timer_init(sf_cursor_loop(c), &a->poll_timer);
    a->timeout_timer.data = a->heartbeat_timer.data = a->poll_timer.data = a;
    a->open_timers = 3;
    c->run_data = a;
    return a;
}

/* Start the program or the request; false with *why. */
static bool invoke(task_attempt *a, json_t *payload, task_http_call *call, char **why)
{
    if (a->target.argv)
        return start_program(a, payload, why);
    if (a->impl->kind == TASK_AWS)
        call = &a->aws_call;
    else if (a->target.url)
        task_http_post_call(a->target.url, a->target.headers, payload, call);
    start_request(a, call);
    return true;
}

/* Continuing from a history (resume, redrive): when this attempt's outcome
 * is recorded, replay it instead of invoking the task again — a task whose
 * result is recorded never runs twice. True when it was replayed. */
static bool replay_recorded_outcome(task_attempt *a)
{
    static const char *const outcomes[] = {"TaskSucceeded", "TaskFailed", "TaskTimedOut",
                                           "TaskStartFailed", NULL};
    static const char *const started[] = {"TaskStarted", NULL};
    static const char *const submitted[] = {"TaskSubmitted", NULL};
    sf_cursor *c = a->cursor;
    json_t *rec = sf_cursor_recorded(c, outcomes);
    if (!rec)
        return false;
    const char *type = json_string_value(json_object_get(rec, "type"));
    char *key = sf_history_details_key(type);
    json_t *d = json_object_get(rec, key);
    free(key);
    if (sf_cursor_recorded(c, started))
        record_started(a);
    json_t *sub = sf_cursor_recorded(c, submitted);
    if (sub)
        sf_cursor_event(c, "TaskSubmitted",
                        json_deep_copy(json_object_get(sub, "taskSubmittedEventDetails")));
    if (strcmp(type, "TaskSucceeded") == 0) {
        const char *text = json_string_value(json_object_get(d, "output"));
        json_t *result = text ? sf_json_loadb(text, strlen(text), JSON_DECODE_ANY, NULL) : NULL;
        sf_cursor_event(c, type, json_deep_copy(d));
        end_attempt(a);
        sf_cursor_state_done(c, result ? result : json_null(), NULL);
        return true;
    }
    sf_error err = SF_ERROR_INIT;
    sf_error_set_raw(&err, json_string_value(json_object_get(d, "error")),
                     json_string_value(json_object_get(d, "cause")));
    sf_cursor_event(c, type, json_deep_copy(d));
    end_attempt(a);
    sf_cursor_state_error(c, &err);
    return true;
}

/* A mocked invocation: the same events as a real one, with the mock's
 * result or error; nothing is started. On resume or redrive a recorded
 * outcome is replayed as for a real task. */
static void run_mocked(sf_cursor *c, const task_impl *t, long long timeout, long long heartbeat,
                       const sf_text *params, const sf_mock_response *mock)
{
    task_attempt *a = attempt_new(c, t, timeout, heartbeat);
    record_scheduled(a, params);
    if (replay_recorded_outcome(a))
        return;
    record_started(a);
    if (mock->result) {
        succeed(a, json_deep_copy(mock->result), NULL, 0);
        return;
    }
    sf_error err = SF_ERROR_INIT;
    sf_error_set_raw(&err, mock->error, mock->cause);
    fail(a, "TaskFailed", &err, NULL, 0);
}

static void task_run(sf_cursor *c, json_t *input)
{
    const task_impl *t = c->state->impl;
    long long timeout, heartbeat;
    if (!seconds_from(c, "TimeoutSecondsPath", t->timeout_seconds, t->timeout_path, &timeout) ||
        !seconds_from(c, "HeartbeatSecondsPath", t->heartbeat_seconds, t->heartbeat_path,
                      &heartbeat))
        return;
    sf_text params = {0};
    if (!render_parameters(c, input, &params))
        return;
    sf_mock_response mock;
    if (sf_exec_mock_next(c->exec, c->state->name, &mock)) {
        run_mocked(c, t, timeout, heartbeat, &params, &mock);
        sf_text_free(&params);
        return;
    }
    task_http_call call = {0};
    sf_error err = SF_ERROR_INIT;
    if (t->kind == TASK_HTTP_INVOKE &&
        !task_http_invoke_call(input, c->machine->definition->resources, &call, &err)) {
        sf_text_free(&params);
        sf_cursor_state_runtime_error(c, err.name, "%s", err.cause);
        sf_error_clear(&err);
        return;
    }
    task_attempt *a = attempt_new(c, t, timeout, heartbeat);
    char *why = NULL;
    json_t *payload = NULL;
    bool ok = resolve_target(a, input, &payload, &why);
    if (!ok && t->kind != TASK_UNSUPPORTED) { /* that message says it already */
        char *hint = sf_asprintf("%s (or mock the state '%s' in a --mock-config test case)", why,
                                 c->state->name);
        free(why);
        why = hint;
    }
    if (a->timeout_seconds == 0)
        a->timeout_seconds = (long long)a->target.timeout_seconds;
    record_scheduled(a, &params);
    sf_text_free(&params);
    if (replay_recorded_outcome(a)) {
        json_decref(payload);
        task_http_call_clear(&call);
        free(why);
        return;
    }
    ok = ok && invoke(a, payload, &call, &why);
    json_decref(payload);
    task_http_call_clear(&call);
    if (!ok) {
        start_failed(a, why);
        return;
    }
    record_started(a);
    start_timers(a, a->target.argv != NULL);
}

static void task_cancel(sf_cursor *c)
{
    task_attempt *a = c->run_data;
    if (a)
        end_attempt(a);
}

const sf_state_type sf_state_task = {
    .name = "Task",
    .common_fields = SF_COMMON_NEXT_END | SF_COMMON_INPUT_PATH | SF_COMMON_OUTPUT_PATH |
                     SF_COMMON_PARAMETERS | SF_COMMON_RESULT_SELECTOR | SF_COMMON_RESULT_PATH |
                     SF_COMMON_RETRY_CATCH | SF_COMMON_ASSIGN,
    .own_fields = task_fields,
    .compile = task_compile,
    .free_impl = task_free,
    .run = task_run,
    .cancel = task_cancel,
    .check_load = task_check_load,
};
