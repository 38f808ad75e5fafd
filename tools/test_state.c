/*
 * test_state.c — TestState: one state run in isolation (see test_state.h).
 *
 * The state is not interpreted here: it is wrapped in a machine of its own,
 *
 *   {"StartAt": NAME, "States": {NAME: <the state>, T1: {"Type": "Succeed"}, ...}}
 *
 * where T1... are the states it can go to (Next, a Choice's Next and
 * Default, a Catch's Next) as Succeed stand-ins, so that the machine
 * validates with the state's transitions unchanged. The engine runs it; the
 * observer (engine/cursor.h) captures the data flow, decides Retry instead
 * of the cursor (nothing is ever retried: TestState reports RETRIABLE), and
 * ends the machine as the state leaves, so a stand-in never runs and a
 * state that loops to itself runs once. nextState is where it was leaving
 * for.
 *
 * Which inspectionData fields appear for which state type follows what AWS
 * returns (recorded responses): a Pass with Result shows result but neither
 * afterInputPath nor afterParameters; a Pass without Result no result;
 * Choice, Wait, Succeed and Fail only afterInputPath; a Task everything its
 * data flow reached; a Map also afterItemsPath, maxConcurrency and its
 * tolerated failures. INFO has no inspectionData at all; TRACE adds the HTTP
 * request and response of an http:invoke Task.
 *
 * Names: a definition that is one state runs as "StateName", as AWS names
 * it in $$.State.Name; with stateName (or a machine without it: its
 * StartAt) the state keeps its own name.
 *
 * Failure cases: see test_state.h. The temporary store folder is removed
 * whatever happens, except when the process is killed while it runs (it is
 * under $TMPDIR, named stepfn-test-state-XXXXXX).
 */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* nftw */
#endif
#include "tools/test_state.h"
#include "engine/cursor.h"
#include "engine/exec.h"
#include "engine/json_alloc.h"
#include "engine/json_util.h"
#include "engine/lang/jsonpath.h"
#include "engine/loop_context.h"
#include "engine/xalloc.h"
#include "states/states.h"
#include "states/task_internal.h"

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BARE_STATE_NAME "StateName"
#define HTTP_INVOKE     "arn:aws:states:::http:invoke"

typedef enum { LEVEL_INFO, LEVEL_DEBUG, LEVEL_TRACE } inspection_level;

/* What sf_flow_point values a state type shows, as bits. */
#define SHOW(p) (1u << (p))
#define SHOW_ALL                                                                                   \
    (SHOW(SF_FLOW_AFTER_INPUT_PATH) | SHOW(SF_FLOW_AFTER_PARAMETERS) | SHOW(SF_FLOW_RESULT) |      \
     SHOW(SF_FLOW_AFTER_RESULT_SELECTOR) | SHOW(SF_FLOW_AFTER_RESULT_PATH))
#define FLOW_POINTS 5

static const char *const flow_field[FLOW_POINTS] = {
    [SF_FLOW_AFTER_INPUT_PATH] = "afterInputPath",
    [SF_FLOW_AFTER_PARAMETERS] = "afterParameters",
    [SF_FLOW_RESULT] = "result",
    [SF_FLOW_AFTER_RESULT_SELECTOR] = "afterResultSelector",
    [SF_FLOW_AFTER_RESULT_PATH] = "afterResultPath",
};

struct sf_test_state {
    uv_loop_t *loop;
    sf_test_state_done_cb done;
    void *done_data;
    const sf_test_state_env *env;

    /* The request, checked. */
    inspection_level level;
    json_t *input;     /* owned */
    json_t *variables; /* owned, NULL when none were given */
    json_t *context;   /* owned, NULL when none was given */
    long long retrier_retry_count;

    /* The state and its machine. */
    char *name;
    char *self_alias;   /* the stand-in for a transition to the state itself */
    json_t *state_json; /* owned copy of the state as given */
    unsigned shown;     /* SHOW() bits of its type */
    sf_definition *def;
    sf_mock_case *mock;
    char *dir; /* the temporary store folder */
    sf_exec *exec;
    sf_cursor_observer observer;

    /* What the observer saw. */
    json_t *flow[FLOW_POINTS];
    bool left; /* the state left: output, next_state, catcher are set */
    json_t *output;
    char *next_state;
    int catcher;
    char *caught_error, *caught_cause;
    json_t *variables_after;
    json_t *after_items_path; /* a Map's items (ItemsPath over its effective input) */
    int retry_rule;           /* the Retry rule that matched, -1 for none */
    bool retriable;
    double backoff_seconds;
};

/* ---- Errors ---- */

static const char *fault_type(sf_test_state_fault f)
{
    switch (f) {
    case SF_TEST_STATE_INVALID_REQUEST:
        return "ValidationException";
    case SF_TEST_STATE_INVALID_INPUT:
        return "InvalidExecutionInput";
    case SF_TEST_STATE_INVALID_DEFINITION:
        return "InvalidDefinition";
    case SF_TEST_STATE_IO:
        return "InternalError";
    default:
        return NULL;
    }
}

static bool fail(sf_test_state_error *err, sf_test_state_fault f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(sf_test_state_error *err, sf_test_state_fault f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(err->message);
    err->message = sf_vasprintf(fmt, ap);
    va_end(ap);
    err->fault = f;
    err->type = fault_type(f);
    return false;
}

void sf_test_state_error_clear(sf_test_state_error *err)
{
    free(err->message);
    err->message = NULL;
    sf_diags_free(&err->diags);
    err->diags = (sf_diags)SF_DIAGS_INIT;
    err->fault = SF_TEST_STATE_OK;
    err->type = NULL;
}

/* ---- The request ---- */

/* An optional string member; false (with err) when present but not a string. */
static bool member_string(const json_t *req, const char *key, const char **out,
                          sf_test_state_error *err)
{
    json_t *v = json_object_get(req, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_string(v))
        return fail(err, SF_TEST_STATE_INVALID_REQUEST, "%s must be a string, not %s", key,
                    sf_json_type_name(v));
    *out = json_string_value(v);
    return true;
}

/* JSON text from the request; `object`: it must be an object. */
static json_t *parse_json_member(const char *text, const char *key, bool object,
                                 sf_test_state_fault fault, sf_test_state_error *err)
{
    char why[160];
    json_t *v = sf_json_parse(text, strlen(text), why, sizeof why);
    if (!v) {
        fail(err, fault, "%s is not valid JSON: %s", key, why);
        return NULL;
    }
    if (object && !json_is_object(v)) {
        fail(err, fault, "%s must be a JSON object, not %s", key, sf_json_type_name(v));
        json_decref(v);
        return NULL;
    }
    return v;
}

static bool parse_level(sf_test_state *t, const json_t *req, sf_test_state_error *err)
{
    const char *level;
    if (!member_string(req, "inspectionLevel", &level, err))
        return false;
    if (!level || strcmp(level, "INFO") == 0)
        t->level = LEVEL_INFO;
    else if (strcmp(level, "DEBUG") == 0)
        t->level = LEVEL_DEBUG;
    else if (strcmp(level, "TRACE") == 0)
        t->level = LEVEL_TRACE;
    else
        return fail(err, SF_TEST_STATE_INVALID_REQUEST,
                    "inspectionLevel must be INFO, DEBUG or TRACE, not '%s'", level);
    return true;
}

static bool parse_configuration(sf_test_state *t, const json_t *req, sf_test_state_error *err)
{
    json_t *conf = json_object_get(req, "stateConfiguration");
    if (!conf)
        return true;
    if (!json_is_object(conf))
        return fail(err, SF_TEST_STATE_INVALID_REQUEST, "stateConfiguration must be an object");
    const char *key;
    json_t *v;
    json_object_foreach(conf, key, v)
    {
        if (strcmp(key, "retrierRetryCount") != 0)
            return fail(err, SF_TEST_STATE_INVALID_REQUEST,
                        "stateConfiguration.%s is not supported here (only "
                        "retrierRetryCount)",
                        key);
        if (!sf_json_as_integer(v, &t->retrier_retry_count) || t->retrier_retry_count < 0)
            return fail(err, SF_TEST_STATE_INVALID_REQUEST,
                        "stateConfiguration.retrierRetryCount must be an integer from 0 up");
    }
    return true;
}

/* The data members: input, variables, context. */
static bool parse_values(sf_test_state *t, const json_t *req, sf_test_state_error *err)
{
    const char *input, *variables, *context;
    if (!member_string(req, "input", &input, err) ||
        !member_string(req, "variables", &variables, err) ||
        !member_string(req, "context", &context, err))
        return false;
    t->input =
        parse_json_member(input ? input : "{}", "input", false, SF_TEST_STATE_INVALID_INPUT, err);
    if (!t->input)
        return false;
    if (variables && !(t->variables = parse_json_member(variables, "variables", true,
                                                        SF_TEST_STATE_INVALID_REQUEST, err)))
        return false;
    if (context && !(t->context = parse_json_member(context, "context", true,
                                                    SF_TEST_STATE_INVALID_REQUEST, err)))
        return false;
    return true;
}

/* ---- The state and its machine ---- */

/* Pick the state to test from the definition document: the document itself
 * when it is one state, else stateName's (or StartAt's) state of the
 * machine. Sets t->name and t->state_json. */
static bool pick_state(sf_test_state *t, json_t *doc, const char *state_name,
                       sf_test_state_error *err)
{
    json_t *states = json_object_get(doc, "States");
    if (!json_is_object(doc))
        return fail(err, SF_TEST_STATE_INVALID_DEFINITION,
                    "the definition must be a JSON object (a state, or a state machine)");
    if (!states) {
        if (state_name)
            return fail(err, SF_TEST_STATE_INVALID_REQUEST,
                        "stateName '%s' was given but the definition is not a state machine "
                        "(it has no States)",
                        state_name);
        t->name = sf_strdup(BARE_STATE_NAME);
        t->state_json = json_deep_copy(doc);
        return true;
    }
    if (!state_name)
        state_name = json_string_value(json_object_get(doc, "StartAt"));
    json_t *state = state_name ? json_object_get(states, state_name) : NULL;
    if (!json_is_object(state))
        return fail(err, SF_TEST_STATE_INVALID_REQUEST,
                    "stateName '%s' does not name a state of the definition",
                    state_name ? state_name : "");
    t->name = sf_strdup(state_name);
    t->state_json = json_deep_copy(state);
    return true;
}

/* A transition of the state (holder[key]): a Succeed stand-in for its
 * target, and a transition to the state itself goes to the stand-in named
 * `self_alias` instead (the machine needs a state that ends it). */
static void add_target(json_t *states, const char *self, const char *self_alias, json_t *holder,
                       const char *key)
{
    const char *n = json_string_value(json_object_get(holder, key));
    if (!n)
        return;
    if (strcmp(n, self) == 0) {
        json_object_set_new(holder, key, json_string(self_alias));
        n = self_alias;
    }
    if (!json_object_get(states, n))
        json_object_set_new(states, n, json_pack("{s:s}", "Type", "Succeed"));
}

/* A name for the stand-in of the state itself that no transition uses. */
static char *self_alias(const char *name, const json_t *state)
{
    char *text = sf_json_dumps(state, JSON_COMPACT);
    char *alias = NULL;
    for (int i = 0; !alias || strstr(text, alias); i++) {
        free(alias);
        alias = sf_asprintf("%.60s (again %d)", name, i);
    }
    free(text);
    return alias;
}

/* The one-state machine around the state (see the top of the file). */
static json_t *wrap_state(sf_test_state *t, const json_t *doc)
{
    json_t *state = json_deep_copy(t->state_json);
    json_t *states = json_object();
    json_object_set(states, t->name, state);
    t->self_alias = self_alias(t->name, state);
    add_target(states, t->name, t->self_alias, state, "Next");
    add_target(states, t->name, t->self_alias, state, "Default");
    size_t i;
    json_t *rule;
    json_array_foreach(json_object_get(state, "Choices"), i, rule)
        add_target(states, t->name, t->self_alias, rule, "Next");
    json_array_foreach(json_object_get(state, "Catch"), i, rule)
        add_target(states, t->name, t->self_alias, rule, "Next");
    json_decref(state);
    json_t *machine = json_pack("{s:s,s:o}", "StartAt", t->name, "States", states);
    json_t *ql = json_object_get(doc, "States") ? json_object_get(doc, "QueryLanguage") : NULL;
    if (ql)
        json_object_set(machine, "QueryLanguage", ql);
    return machine;
}

/* A bare state's diagnostics point into the state as given: the wrapper's
 * "/States/StateName" prefix goes. */
static void unwrap_pointers(sf_diags *diags, const char *name)
{
    char *prefix = sf_pointer_join("/States", name);
    size_t n = strlen(prefix);
    for (size_t i = 0; i < diags->count; i++) {
        char *p = diags->items[i].pointer;
        if (strncmp(p, prefix, n) == 0 && (p[n] == '\0' || p[n] == '/'))
            memmove(p, p + n, strlen(p + n) + 1);
    }
    free(prefix);
}

/* The mock, as a one-state mock case: only a Task can be mocked here. */
static bool make_mock(sf_test_state *t, const json_t *req, sf_test_state_error *err)
{
    json_t *mock = json_object_get(req, "mock");
    if (!mock || json_is_null(mock))
        return true;
    if (!json_is_object(mock))
        return fail(err, SF_TEST_STATE_INVALID_REQUEST, "mock must be an object");
    const char *key;
    json_t *v;
    json_object_foreach(mock, key, v)
    {
        if (strcmp(key, "result") && strcmp(key, "errorOutput") &&
            strcmp(key, "fieldValidationMode"))
            return fail(err, SF_TEST_STATE_INVALID_REQUEST,
                        "mock.%s is not a MockInput field (result, errorOutput, "
                        "fieldValidationMode)",
                        key);
    }
    json_t *result = json_object_get(mock, "result");
    json_t *error_output = json_object_get(mock, "errorOutput");
    const char *type = json_string_value(json_object_get(t->state_json, "Type"));
    if (!type || strcmp(type, "Task") != 0)
        return fail(err, SF_TEST_STATE_INVALID_REQUEST,
                    "a mock can only be given for a Task state here; the state is of type %s",
                    type ? type : "(none)");
    if ((result != NULL) == (error_output != NULL))
        return fail(err, SF_TEST_STATE_INVALID_REQUEST,
                    "mock must have exactly one of result and errorOutput");
    if (json_is_true(json_object_get(req, "revealSecrets")) && result)
        return fail(err, SF_TEST_STATE_INVALID_REQUEST,
                    "revealSecrets cannot be true when mock.result is set");
    if (result) {
        if (!json_is_string(result))
            return fail(err, SF_TEST_STATE_INVALID_REQUEST,
                        "mock.result must be a string of JSON text");
        json_t *value = parse_json_member(json_string_value(result), "mock.result", false,
                                          SF_TEST_STATE_INVALID_REQUEST, err);
        if (!value)
            return false;
        t->mock = sf_mock_case_single(t->name, value, NULL, NULL);
        json_decref(value);
        return true;
    }
    json_t *e = json_object_get(error_output, "error"), *c = json_object_get(error_output, "cause");
    if (!json_is_object(error_output) || (e && !json_is_string(e)) || (c && !json_is_string(c)))
        return fail(err, SF_TEST_STATE_INVALID_REQUEST,
                    "mock.errorOutput must be an object of strings {\"error\", \"cause\"}");
    t->mock = sf_mock_case_single(t->name, NULL, e ? json_string_value(e) : "States.TaskFailed",
                                  c ? json_string_value(c) : NULL);
    return true;
}

/* The fields a state type shows (see the top of the file). */
static unsigned shown_fields(const json_t *state)
{
    const char *type = json_string_value(json_object_get(state, "Type"));
    if (!type)
        return 0;
    if (strcmp(type, "Pass") == 0)
        return json_object_get(state, "Result")
                   ? SHOW(SF_FLOW_RESULT) | SHOW(SF_FLOW_AFTER_RESULT_SELECTOR) |
                         SHOW(SF_FLOW_AFTER_RESULT_PATH)
                   : SHOW_ALL & ~SHOW(SF_FLOW_RESULT);
    if (strcmp(type, "Task") == 0)
        return SHOW_ALL;
    if (strcmp(type, "Map") == 0 || strcmp(type, "Parallel") == 0)
        return SHOW(SF_FLOW_AFTER_INPUT_PATH) | SHOW(SF_FLOW_AFTER_RESULT_SELECTOR) |
               SHOW(SF_FLOW_AFTER_RESULT_PATH);
    return SHOW(SF_FLOW_AFTER_INPUT_PATH); /* Choice, Wait, Succeed, Fail */
}

/* Validate what was given and compile the one-state machine. */
static bool compile_state(sf_test_state *t, const json_t *req, sf_test_state_error *err)
{
    const char *text, *state_name;
    if (!member_string(req, "definition", &text, err) ||
        !member_string(req, "stateName", &state_name, err))
        return false;
    if (!text)
        return fail(err, SF_TEST_STATE_INVALID_REQUEST, "definition is required");
    const char *origin = t->env->origin ? t->env->origin : "definition";
    char why[160];
    json_t *doc = sf_json_parse(text, strlen(text), why, sizeof why);
    if (!doc) {
        sf_diags_error(&err->diags, SF_DIAG_INVALID_JSON, "", "the definition is not JSON: %s",
                       why);
        return fail(err, SF_TEST_STATE_INVALID_DEFINITION, "%s: the definition is not JSON",
                    origin);
    }
    bool ok = pick_state(t, doc, state_name, err);
    if (ok && json_object_get(doc, "States")) { /* a machine must be valid as a whole */
        sf_definition *whole = sf_definition_compile(json_incref(doc), sf_state_types, &err->diags);
        ok = whole && err->diags.errors == 0;
        sf_definition_free(whole);
    }
    ok = ok && make_mock(t, req, err);
    if (ok && err->diags.errors == 0) {
        json_t *machine = wrap_state(t, doc);
        char *machine_text = sf_json_dumps(machine, JSON_COMPACT);
        json_decref(machine);
        sf_load_options load = {
            .base_dir = t->env->base_dir, .resources = t->env->resources, .mock_case = t->mock};
        t->def = sf_definition_parse_ex(machine_text, strlen(machine_text), origin, sf_state_types,
                                        &load, &err->diags);
        free(machine_text);
        if (!json_object_get(doc, "States"))
            unwrap_pointers(&err->diags, t->name);
    }
    json_decref(doc);
    t->shown = t->state_json ? shown_fields(t->state_json) : 0;
    if (err->diags.errors)
        return fail(err, SF_TEST_STATE_INVALID_DEFINITION,
                    "%s: the state is invalid (%zu error(s)); nothing was run", origin,
                    err->diags.errors);
    return ok && t->def;
}

/* ---- The observer ---- */

/* What a Map's ItemsPath selects from its effective input, as map.c
 * selects it (NULL when it selects nothing). */
static json_t *map_items(const sf_test_state *t, const sf_cursor *c, json_t *input)
{
    const char *text = json_string_value(json_object_get(t->state_json, "ItemsPath"));
    char *why = NULL;
    sf_path *path = text ? sf_path_compile(text, SF_PATH_FULL, &why) : NULL;
    free(why);
    if (!path)
        return text ? NULL : json_incref(input);
    sf_eval_env env;
    sf_cursor_env((sf_cursor *)c, input, sf_path_is_context(path), &env);
    json_t *items = sf_path_eval(path, &env);
    sf_path_free(path);
    return items;
}

static void on_flow(void *data, const sf_cursor *c, sf_flow_point point, const json_t *value)
{
    sf_test_state *t = data;
    json_decref(t->flow[point]); /* a state type may reach a point twice: the last counts */
    t->flow[point] = json_incref((json_t *)value);
    if (point == SF_FLOW_AFTER_PARAMETERS && strcmp(c->state->type->name, "Map") == 0) {
        json_decref(t->after_items_path);
        t->after_items_path = map_items(t, c, (json_t *)value);
    }
}

/* TestState never retries: it says whether the rule would, and when. */
static bool on_retry(void *data, const sf_cursor *c, size_t rule)
{
    sf_test_state *t = data;
    const sf_retrier *r = &c->state->retriers[rule];
    t->retry_rule = (int)rule;
    if (t->retrier_retry_count >= r->max_attempts)
        return false; /* spent: Catch may still handle it */
    double delay = r->interval_seconds * pow(r->backoff_rate, (double)t->retrier_retry_count);
    if (r->max_delay_seconds > 0 && delay > r->max_delay_seconds)
        delay = r->max_delay_seconds;
    t->retriable = true;
    t->backoff_seconds = delay;
    return true;
}

static bool on_leave(void *data, const sf_cursor *c, const sf_state *next, int catcher,
                     const sf_error *caught, const json_t *output)
{
    sf_test_state *t = data;
    t->left = true;
    t->output = json_incref((json_t *)output);
    bool again = next && strcmp(next->name, t->self_alias) == 0;
    t->next_state = next ? sf_strdup(again ? t->name : next->name) : NULL;
    t->catcher = catcher;
    if (caught) {
        t->caught_error = caught->name && caught->name[0] ? sf_strdup(caught->name) : NULL;
        t->caught_cause = caught->cause ? sf_strdup(caught->cause) : NULL;
    }
    t->variables_after = json_incref(c->variables);
    return true;
}

/* ---- The response ---- */

static void set_text(json_t *obj, const char *key, const json_t *value)
{
    char *text = sf_json_compact(value);
    json_object_set_new(obj, key, json_string(text));
    free(text);
}

static void set_string(json_t *obj, const char *key, const char *value)
{
    if (value)
        json_object_set_new(obj, key, json_string(value));
}

/* "[Name: value, Name: value]", as TestState shows HTTP headers. */
static char *headers_text(char **lines)
{
    size_t len = 3;
    for (size_t i = 0; lines && lines[i]; i++)
        len += strlen(lines[i]) + 2;
    char *s = sf_malloc(len);
    strcpy(s, "[");
    for (size_t i = 0; lines && lines[i]; i++) {
        if (i)
            strcat(s, ", ");
        strcat(s, lines[i]);
    }
    strcat(s, "]");
    return s;
}

static const char *url_protocol(const char *url)
{
    return strncmp(url, "https:", 6) == 0 ? "https" : "http";
}

/* The request as task_http.c makes it from the effective Parameters. */
static json_t *http_request(const sf_test_state *t, const json_t *params)
{
    task_http_call call;
    sf_error ignored = SF_ERROR_INIT;
    if (!task_http_invoke_call((json_t *)params, t->env->resources, &call, &ignored)) {
        sf_error_clear(&ignored);
        return NULL;
    }
    char *headers = headers_text(call.headers);
    json_t *req = json_pack("{s:s,s:s,s:s,s:s,s:s}", "protocol", url_protocol(call.url), "method",
                            call.method, "url", call.url, "headers", headers, "body",
                            call.body ? call.body : "");
    free(headers);
    task_http_call_clear(&call);
    return req;
}

/* The response from the task's result {StatusCode, StatusText, Headers,
 * ResponseBody}: the result of a success, or a failure's cause. */
static json_t *http_response(const char *url, const json_t *result)
{
    json_t *code = json_object_get(result, "StatusCode");
    if (!json_is_integer(code))
        return NULL;
    size_t n = 0, cap = 8;
    char **lines = sf_malloc(cap * sizeof *lines);
    const char *name;
    json_t *values;
    json_object_foreach((json_t *)json_object_get(result, "Headers"), name, values)
    {
        size_t i;
        json_t *v;
        json_array_foreach(values, i, v)
        {
            if (n + 2 > cap)
                lines = sf_realloc(lines, (cap *= 2) * sizeof *lines);
            lines[n++] =
                sf_asprintf("%s: %s", name, json_string_value(v) ? json_string_value(v) : "");
        }
    }
    lines[n] = NULL;
    char *headers = headers_text(lines);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    json_t *body = json_object_get(result, "ResponseBody");
    char *body_text = json_is_string(body) ? sf_strdup(json_string_value(body))
                      : body               ? sf_json_compact(body)
                                           : sf_strdup("");
    char status[24];
    snprintf(status, sizeof status, "%lld", (long long)json_integer_value(code));
    const char *message = json_string_value(json_object_get(result, "StatusText"));
    json_t *resp =
        json_pack("{s:s,s:s,s:s,s:s,s:s}", "protocol", url_protocol(url), "statusCode", status,
                  "statusMessage", message ? message : "", "headers", headers, "body", body_text);
    free(headers);
    free(body_text);
    return resp;
}

/* TRACE of an http:invoke Task: request and response. */
static void add_http_trace(const sf_test_state *t, json_t *data, const sf_summary *s)
{
    const char *resource = json_string_value(json_object_get(t->state_json, "Resource"));
    const json_t *params = t->flow[SF_FLOW_AFTER_PARAMETERS];
    if (!resource || strcmp(resource, HTTP_INVOKE) != 0 || !params)
        return;
    json_t *req = http_request(t, params);
    if (!req)
        return;
    const char *url = json_string_value(json_object_get(req, "url"));
    json_t *failure = NULL;
    const json_t *result = t->flow[SF_FLOW_RESULT];
    const char *error = t->caught_error ? t->caught_error : s->error;
    const char *cause = t->caught_error ? t->caught_cause : s->cause;
    if (!result && error && cause && strncmp(error, "States.Http.StatusCode.", 23) == 0)
        result = failure = sf_json_loadb(cause, strlen(cause), 0, NULL);
    json_t *resp = result ? http_response(url, result) : NULL;
    json_decref(failure);
    json_object_set_new(data, "request", req);
    if (resp)
        json_object_set_new(data, "response", resp);
}

/* A Map's own members: its items, and its concurrency and tolerance as
 * the definition gives them (static values only: a *Path form shows
 * nothing). */
static void add_map_members(const sf_test_state *t, json_t *data)
{
    if (t->after_items_path)
        set_text(data, "afterItemsPath", t->after_items_path);
    json_t *max = json_object_get(t->state_json, "MaxConcurrency");
    json_object_set_new(data, "maxConcurrency",
                        json_integer(json_is_integer(max) ? json_integer_value(max) : 0));
    json_t *count = json_object_get(t->state_json, "ToleratedFailureCount");
    if (json_is_integer(count))
        json_object_set_new(data, "toleratedFailureCount", json_incref(count));
    json_t *percentage = json_object_get(t->state_json, "ToleratedFailurePercentage");
    if (json_is_number(percentage))
        json_object_set_new(data, "toleratedFailurePercentage",
                            json_real(json_number_value(percentage)));
}

static json_t *inspection_data(const sf_test_state *t, const sf_summary *s)
{
    json_t *data = json_object();
    set_text(data, "input", t->input);
    for (int p = 0; p < FLOW_POINTS; p++)
        if (t->flow[p] && (t->shown & SHOW(p)))
            set_text(data, flow_field[p], t->flow[p]);
    const char *type = json_string_value(json_object_get(t->state_json, "Type"));
    if (type && strcmp(type, "Map") == 0)
        add_map_members(t, data);
    const json_t *vars = t->left ? t->variables_after : t->variables;
    if (vars && json_object_size(vars) > 0)
        set_text(data, "variables", vars);
    if (t->level == LEVEL_TRACE)
        add_http_trace(t, data, s);
    json_t *details = json_object();
    if (t->retry_rule >= 0)
        json_object_set_new(details, "retryIndex", json_integer(t->retry_rule));
    if (t->retriable)
        json_object_set_new(details, "retryBackoffIntervalSeconds",
                            json_integer((json_int_t)ceil(t->backoff_seconds)));
    if (t->left && t->catcher >= 0)
        json_object_set_new(details, "catchIndex", json_integer(t->catcher));
    if (json_object_size(details))
        json_object_set_new(data, "errorDetails", details);
    else
        json_decref(details);
    return data;
}

static json_t *make_response(const sf_test_state *t)
{
    const sf_summary *s = sf_exec_summary(t->exec);
    json_t *resp = json_object();
    if (t->left && strcmp(s->status, "SUCCEEDED") == 0) {
        set_text(resp, "output", t->output);
        set_string(resp, "nextState", t->next_state);
        if (t->catcher >= 0) {
            set_string(resp, "error", t->caught_error);
            set_string(resp, "cause", t->caught_cause);
        }
        set_string(resp, "status", t->catcher >= 0 ? "CAUGHT_ERROR" : "SUCCEEDED");
    } else {
        set_string(resp, "error", s->error);
        set_string(resp, "cause", s->cause);
        set_string(resp, "status", t->retriable ? "RETRIABLE" : "FAILED");
    }
    if (t->level != LEVEL_INFO)
        json_object_set_new(resp, "inspectionData", inspection_data(t, s));
    return resp;
}

/* ---- Running ---- */

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_dir(char *dir)
{
    if (dir)
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

static void exec_done(sf_exec *e, void *data)
{
    sf_test_state *t = data;
    (void)e;
    sf_test_state_error err = SF_TEST_STATE_ERROR_INIT;
    json_t *response = NULL;
    const char *store_error = sf_exec_store_error(t->exec);
    if (store_error)
        fail(&err, SF_TEST_STATE_IO, "%s", store_error);
    else
        response = make_response(t);
    t->done(t, response, &err, t->done_data);
    sf_test_state_error_clear(&err);
}

/* The context given with the request over the engine's own: its
 * Execution and StateMachine members are merged, others set. */
static void apply_context(sf_exec *e, json_t *given)
{
    json_t *base = sf_exec_context_base(e);
    const char *key;
    json_t *v;
    json_object_foreach(given, key, v)
    {
        json_t *mine = json_object_get(base, key);
        if (json_is_object(mine) && json_is_object(v))
            json_object_update(mine, v);
        else
            json_object_set(base, key, v);
    }
}

static bool start_exec(sf_test_state *t, sf_test_state_error *err)
{
    const char *tmp = t->env->tmp_dir ? t->env->tmp_dir : getenv("TMPDIR");
    char *templ = sf_asprintf("%s/stepfn-test-state-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(templ)) {
        fail(err, SF_TEST_STATE_IO, "%s: cannot make a temporary folder: %s", templ,
             strerror(errno));
        free(templ);
        return false;
    }
    t->dir = templ;
    /* Waits and Retry back-offs elapse at once; timeouts keep their real
     * length (scaled to 0 they would fire before any task could answer). */
    static const sf_time_scale no_waiting = {0, 1};
    t->observer =
        (sf_cursor_observer){.data = t, .flow = on_flow, .retry = on_retry, .leave = on_leave};
    sf_exec_config cfg = {.name = "test-state",
                          .state_machine_name = "TestState",
                          .exec_dir = t->dir,
                          .fsync = SF_FSYNC_NEVER,
                          .mock_case = t->mock,
                          .time_scale = &no_waiting,
                          .observer = &t->observer,
                          .variables = t->variables};
    char *why = NULL;
    t->exec = sf_exec_start(t->loop, t->def, t->input, &cfg, exec_done, t, &why);
    if (!t->exec) {
        fail(err, SF_TEST_STATE_IO, "%s", why ? why : "cannot start the execution");
        free(why);
        return false;
    }
    if (t->context)
        apply_context(t->exec, t->context);
    return true;
}

sf_test_state *sf_test_state_start(uv_loop_t *loop, const json_t *request,
                                   const sf_test_state_env *env, sf_test_state_done_cb done,
                                   void *data, sf_test_state_error *err)
{
    sf_test_state *t = SF_NEW(sf_test_state);
    t->loop = loop;
    t->env = env;
    t->done = done;
    t->done_data = data;
    t->retry_rule = -1;
    t->catcher = -1;
    bool ok = json_is_object(request) ||
              fail(err, SF_TEST_STATE_INVALID_REQUEST, "the request must be a JSON object");
    ok = ok && parse_level(t, request, err) && parse_configuration(t, request, err) &&
         parse_values(t, request, err) && compile_state(t, request, err) && start_exec(t, err);
    if (!ok) {
        sf_test_state_free(t);
        return NULL;
    }
    return t;
}

void sf_test_state_free(sf_test_state *t)
{
    if (!t)
        return;
    sf_exec_free(t->exec);
    remove_dir(t->dir);
    sf_definition_free(t->def);
    sf_mock_case_free(t->mock);
    for (int p = 0; p < FLOW_POINTS; p++)
        json_decref(t->flow[p]);
    json_decref(t->input);
    json_decref(t->variables);
    json_decref(t->context);
    json_decref(t->state_json);
    json_decref(t->output);
    json_decref(t->variables_after);
    json_decref(t->after_items_path);
    free(t->name);
    free(t->self_alias);
    free(t->next_state);
    free(t->caught_error);
    free(t->caught_cause);
    free(t);
}

/* ---- On a loop of its own ---- */

/* SIGINT and SIGTERM abort the state (the response says FAILED,
 * States.Aborted), so the temporary folder is still removed. */
typedef struct sync_run {
    json_t *response;
    sf_test_state_error *err;
    sf_test_state *t;
    uv_signal_t sigint, sigterm;
} sync_run;

static void sync_signal(uv_signal_t *s, int signum)
{
    sync_run *r = s->data;
    if (r->t && r->t->exec)
        sf_exec_abort(r->t->exec, "States.Aborted",
                      signum == SIGINT ? "Interrupted (SIGINT)" : "Terminated (SIGTERM)");
}

static void sync_done(sf_test_state *t, json_t *response, sf_test_state_error *err, void *data)
{
    sync_run *r = data;
    (void)t;
    r->response = response;
    if (err->fault) {
        r->err->fault = err->fault;
        r->err->type = err->type;
        r->err->message = err->message;
        err->message = NULL;
    }
    uv_signal_stop(&r->sigint);
    uv_signal_stop(&r->sigterm);
}

json_t *sf_test_state_run(const json_t *request, const sf_test_state_env *env,
                          sf_test_state_error *err)
{
    uv_loop_t loop = {0}; /* loop.data stays NULL: the loop context reads it */
    uv_loop_init(&loop);
    sync_run r = {.err = err};
    uv_signal_init(&loop, &r.sigint);
    uv_signal_init(&loop, &r.sigterm);
    r.sigint.data = r.sigterm.data = &r;
    r.t = sf_test_state_start(&loop, request, env, sync_done, &r, err);
    if (r.t) {
        uv_signal_start(&r.sigint, sync_signal, SIGINT);
        uv_signal_start(&r.sigterm, sync_signal, SIGTERM);
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    sf_test_state_free(r.t);
    uv_close((uv_handle_t *)&r.sigint, NULL);
    uv_close((uv_handle_t *)&r.sigterm, NULL);
    sf_loop_context_close(&loop); /* the HTTP client's connections and handles */
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return r.response;
}
