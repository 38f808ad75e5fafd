/*
 * api_executions.c — execution actions: StartExecution, DescribeExecution,
 * ListExecutions, GetExecutionHistory and StopExecution.
 *
 * StartExecution compiles the state machine's stored definition, creates
 * the execution in the store (locked, as `stepfn run` does), writes run.json
 * so `stepfn resume` and `redrive` can take it up, and starts it on the
 * server's loop; it is answered at once. An execution running here is
 * described from its live summary; any other from its history in the
 * store. A name already used gets ExecutionAlreadyExists, except a start of
 * a running execution of the same state machine with the same input, which
 * AWS answers with the running execution (an idempotent retry).
 *
 * A stateMachineArn ending in "#CASE" runs test case CASE of the
 * --mock-config file for that state machine, as Step Functions Local does.
 */
#include "tools/serve/api_internal.h"
#include "engine/definition.h"
#include "engine/json_alloc.h"
#include "engine/json_util.h"
#include "engine/limits.h"
#include "engine/store/store.h"
#include "engine/timestamp.h"
#include "engine/xalloc.h"
#include "states/states.h"
#include "tools/cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct api_running {
    api_running *next;
    sf_api *api;
    sf_exec *exec;
    sf_definition *def;
    char *name, *machine;
    json_t *input;
    int lock;
};

static void running_free(api_running *r)
{
    sf_exec_free(r->exec);
    sf_definition_free(r->def);
    json_decref(r->input);
    free(r->name);
    free(r->machine);
    free(r);
}

/* The execution's done callback: it may not free the execution from
 * inside it, so it moves to `finished` and api_reap frees it later. */
static void on_exec_done(sf_exec *e, void *data)
{
    api_running *r = data;
    sf_api *api = r->api;
    (void)e;
    if (r->lock >= 0) {
        close(r->lock); /* releases the folder's lock */
        r->lock = -1;
    }
    for (api_running **p = &api->running; *p; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            break;
        }
    }
    r->next = api->finished;
    api->finished = r;
}

void api_reap(sf_api *api)
{
    while (api->finished) {
        api_running *r = api->finished;
        api->finished = r->next;
        running_free(r);
    }
}

static api_running *find_running(sf_api *api, const char *name)
{
    for (api_running *r = api->running; r; r = r->next)
        if (strcmp(r->name, name) == 0)
            return r;
    return NULL;
}

sf_api *sf_api_new(uv_loop_t *loop, const sf_api_config *cfg)
{
    sf_api *api = SF_NEW(sf_api);
    api->loop = loop;
    api->cfg = *cfg;
    return api;
}

void sf_api_abort_all(sf_api *api, const char *cause)
{
    for (api_running *r = api->running; r; r = r->next)
        sf_exec_abort(r->exec, "States.Aborted", cause);
}

size_t sf_api_running(const sf_api *api)
{
    size_t n = 0;
    for (const api_running *r = api->running; r; r = r->next)
        n++;
    return n;
}

void sf_api_free(sf_api *api)
{
    api_reap(api);
    while (api->running) { /* only when the loop stopped with some running */
        api_running *r = api->running;
        api->running = r->next;
        if (r->lock >= 0)
            close(r->lock);
        running_free(r);
    }
    free(api);
}

/* run.json, as `stepfn run` writes it (tools/cmd_run.c), so that resume
 * and redrive run the execution again the same way. */
static int write_run_meta(sf_api *api, const char *dir, const char *machine, const char *test_case,
                          char **err)
{
    char resolved[PATH_MAX];
    const sf_api_config *c = &api->cfg;
    json_t *meta = json_object();
    json_object_set_new(meta, "stateMachineName", json_string(machine));
    json_object_set_new(meta, "definitionFolder", json_null());
    json_object_set_new(meta, "resources",
                        c->resources_path && realpath(c->resources_path, resolved)
                            ? json_string(resolved)
                            : json_null());
    json_object_set_new(meta, "fsync", json_string(sf_fsync_policy_name(c->fsync)));
    if (test_case) {
        json_object_set_new(
            meta, "mockConfig",
            json_string(realpath(c->mock_path, resolved) ? resolved : c->mock_path));
        json_object_set_new(meta, "testCase", json_string(test_case));
    }
    if (c->time_scale) {
        json_object_set_new(meta, "waitScale", json_real(c->time_scale->wait));
        json_object_set_new(meta, "timeoutScale", json_real(c->time_scale->timeout));
    }
    char *text = sf_json_dumps(meta, JSON_INDENT(2));
    int rc = sf_store_write_file(dir, "run.json", text, strlen(text), err);
    free(text);
    json_decref(meta);
    return rc;
}

static json_t *read_input(api_call *call)
{
    const char *text = req_string(call, "input", false);
    if (api_failed(call))
        return NULL;
    if (!text)
        text = "{}";
    size_t len = strlen(text);
    if (len > SF_PAYLOAD_LIMIT_BYTES) {
        api_fail(call, "ValidationException",
                 "1 validation error detected: the input is %zu bytes; the limit is %d", len,
                 SF_PAYLOAD_LIMIT_BYTES);
        return NULL;
    }
    json_error_t jerr;
    json_t *v = sf_json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!v)
        api_fail(call, "InvalidExecutionInput", "Invalid State Machine Execution Input: '%s'",
                 jerr.text);
    return v;
}

static json_t *start_response(const sf_summary *s)
{
    return json_pack("{s:s, s:o}", "executionArn", s->execution_arn ? s->execution_arn : "",
                     "startDate", epoch_seconds(s->start_ms));
}

/* The mock case of "#CASE", checked against the definition, or NULL with
 * the call's error set (or no case asked for). */
static const sf_mock_case *mock_case_for(sf_api *api, api_call *call, const char *machine,
                                         const char *test_case)
{
    if (!test_case)
        return NULL;
    if (!api->cfg.mocks) {
        api_fail(call, "ValidationException",
                 "Test case '%s' asked for, but the server runs without --mock-config", test_case);
        return NULL;
    }
    char *err = NULL;
    const sf_mock_case *mc = sf_mock_config_case(api->cfg.mocks, machine, test_case, &err);
    if (!mc)
        api_fail(call, "ValidationException", "%s", err);
    free(err);
    return mc;
}

static json_t *start(sf_api *api, api_call *call, const char *machine, const char *test_case,
                     const char *name, json_t *input)
{
    char *mdir = machine_dir(api, call, machine);
    const sf_mock_case *mc = mdir ? mock_case_for(api, call, machine, test_case) : NULL;
    size_t len = 0;
    char *text = mdir && !api_failed(call) ? machine_definition(mdir, &len) : NULL;
    free(mdir);
    if (!text) {
        if (!api_failed(call))
            api_fail(call, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'",
                     machine);
        return NULL;
    }
    sf_diags diags = SF_DIAGS_INIT;
    sf_load_options load = {.resources = api->cfg.resources, .mock_case = mc};
    sf_definition *def =
        sf_definition_parse_ex(text, len, "definition", api_types(api), &load, &diags);
    char *err = NULL;
    json_t *resp = NULL;
    if (!def || diags.errors) {
        /* It validated when stored; --resources or a mock case may differ. */
        api_fail(call, "InvalidDefinition", "Invalid State Machine Definition: '%s'",
                 diags.count ? diags.items[0].message : "the definition does not compile");
    } else if (mc && !sf_mock_case_check(mc, def, &err)) {
        api_fail(call, "ValidationException", "%s", err);
    } else {
        bool exists = false;
        int lock = -1;
        char *dir =
            sf_store_create_execution(api->cfg.store, name, text, len, &exists, &lock, &err);
        if (!dir) {
            if (exists)
                api_fail(call, "ExecutionAlreadyExists", "Execution Already Exists: '%s'", name);
            else
                api_fail(call, "InternalFailure", "%s", err);
        } else if (write_run_meta(api, dir, machine, test_case, &err) != 0) {
            api_fail(call, "InternalFailure", "%s", err);
            close(lock);
        } else {
            api_running *r = SF_NEW(api_running);
            r->api = api;
            r->def = def;
            r->name = sf_strdup(name);
            r->machine = sf_strdup(machine);
            r->input = json_incref(input);
            r->lock = lock;
            sf_exec_config cfg = {.name = name,
                                  .state_machine_name = machine,
                                  .exec_dir = dir,
                                  .fsync = api->cfg.fsync,
                                  .mock_case = mc,
                                  .time_scale = api->cfg.time_scale};
            r->exec = sf_exec_start(api->loop, def, input, &cfg, on_exec_done, r, &err);
            if (!r->exec) {
                api_fail(call, "InternalFailure", "%s", err);
                close(lock);
                r->def = NULL; /* freed below */
                json_decref(r->input);
                free(r->name);
                free(r->machine);
                free(r);
            } else {
                def = NULL; /* the execution's now */
                r->next = api->running;
                api->running = r;
                resp = start_response(sf_exec_summary(r->exec));
            }
        }
        free(dir);
    }
    free(err);
    sf_diags_free(&diags);
    sf_definition_free(def);
    free(text);
    return resp;
}

json_t *api_start_execution(sf_api *api, api_call *call)
{
    const char *arn = req_string(call, "stateMachineArn", true);
    const char *name = req_string(call, "name", false);
    req_string(call, "traceHeader", false);
    json_t *input = api_failed(call) ? NULL : read_input(call);
    if (!input)
        return NULL;
    char uuid[37];
    if (!name) {
        sf_store_new_uuid(uuid);
        name = uuid;
    }
    char *test_case = NULL;
    char *machine = arn_machine_name(call, arn, &test_case);
    json_t *resp = NULL;
    if (machine && !sf_store_valid_name(name)) {
        api_fail(call, "InvalidName", "Invalid Name: '%.100s'", name);
    } else if (machine) {
        api_running *r = find_running(api, name);
        if (r && strcmp(r->machine, machine) == 0 && json_equal(r->input, input))
            resp = start_response(sf_exec_summary(r->exec));
        else if (r)
            api_fail(call, "ExecutionAlreadyExists", "Execution Already Exists: '%s'", name);
        else
            resp = start(api, call, machine, test_case, name, input);
    }
    free(machine);
    free(test_case);
    json_decref(input);
    return resp;
}

/* The summary of a stored or running execution of `machine`; false with
 * ExecutionDoesNotExist. */
static bool load_execution(sf_api *api, api_call *call, const char *arn, sf_summary *s,
                           json_t **events)
{
    char *machine = NULL;
    char *name = arn_execution_name(call, arn, &machine);
    if (!name)
        return false;
    bool ok = false;
    api_running *r = events ? NULL : find_running(api, name);
    if (r && strcmp(r->machine, machine) == 0) {
        /* A copy of the live summary's parts the answer uses. */
        const sf_summary *live = sf_exec_summary(r->exec);
        sf_summary_init(s);
        s->name = sf_strdup(live->name ? live->name : name);
        s->execution_arn = live->execution_arn ? sf_strdup(live->execution_arn) : NULL;
        s->state_machine_arn = live->state_machine_arn ? sf_strdup(live->state_machine_arn) : NULL;
        s->status = live->status;
        s->start_ms = live->start_ms;
        s->stop_ms = live->stop_ms;
        s->input = live->input ? sf_strdup(live->input) : NULL;
        s->output = live->output ? sf_strdup(live->output) : NULL;
        s->error = live->error ? sf_strdup(live->error) : NULL;
        s->cause = live->cause ? sf_strdup(live->cause) : NULL;
        s->redrive_count = live->redrive_count;
        s->redrive_ms = live->redrive_ms;
        ok = true;
    } else {
        char *err = NULL;
        char *dir = sf_store_execution_dir(api->cfg.store, name, NULL, &err);
        free(err);
        if (dir && sf_cli_load_summary(api->cfg.store, name, s, events) == SF_EXIT_OK) {
            char *want = sf_asprintf(SF_API_ARN_PREFIX "stateMachine:%s", machine);
            ok = s->state_machine_arn && strcmp(s->state_machine_arn, want) == 0;
            free(want);
            if (!ok) {
                sf_summary_free(s);
                if (events) {
                    json_decref(*events);
                    *events = NULL;
                }
            }
        }
        free(dir);
    }
    if (!ok)
        api_fail(call, "ExecutionDoesNotExist", "Execution Does Not Exist: '%s'", arn);
    free(name);
    free(machine);
    return ok;
}

/* DescribeExecution's shape with epoch-second dates. */
static json_t *describe(const sf_summary *s)
{
    json_t *d = sf_summary_describe(s);
    json_object_set_new(d, "startDate", epoch_seconds(s->start_ms));
    if (s->stop_ms)
        json_object_set_new(d, "stopDate", epoch_seconds(s->stop_ms));
    if (s->redrive_ms)
        json_object_set_new(d, "redriveDate", epoch_seconds(s->redrive_ms));
    return d;
}

json_t *api_describe_execution(sf_api *api, api_call *call)
{
    const char *arn = req_string(call, "executionArn", true);
    if (api_failed(call))
        return NULL;
    sf_summary s;
    if (!load_execution(api, call, arn, &s, NULL))
        return NULL;
    json_t *d = describe(&s);
    sf_summary_free(&s);
    return d;
}

static int newest_first(const void *a, const void *b)
{
    const sf_summary *x = a, *y = b;
    if (x->start_ms != y->start_ms)
        return x->start_ms < y->start_ms ? 1 : -1;
    return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static bool valid_status(const char *s)
{
    const char *all[] = {"RUNNING",   "SUCCEEDED", "FAILED",
                         "TIMED_OUT", "ABORTED",   "PENDING_REDRIVE"};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, all[i]) == 0)
            return true;
    return false;
}

json_t *api_list_executions(sf_api *api, api_call *call)
{
    const char *arn = req_string(call, "stateMachineArn", true);
    const char *status = req_string(call, "statusFilter", false);
    int64_t max = req_int(call, "maxResults", 100, 0, 1000);
    size_t start = req_page_start(call);
    if (api_failed(call))
        return NULL;
    if (status && !valid_status(status)) {
        api_fail(call, "ValidationException",
                 "1 validation error detected: Value '%.40s' at 'statusFilter' failed to satisfy "
                 "constraint",
                 status);
        return NULL;
    }
    if (max == 0)
        max = 100;
    char *machine = arn_machine_name(call, arn, NULL);
    char *mdir = machine ? machine_dir(api, call, machine) : NULL;
    if (!mdir) {
        free(machine);
        return NULL;
    }
    free(mdir);
    char *want = sf_asprintf(SF_API_ARN_PREFIX "stateMachine:%s", machine);
    size_t n = 0;
    char **names = sf_store_list(api->cfg.store, &n, NULL);
    sf_summary *items = sf_calloc(n ? n : 1, sizeof *items);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        sf_summary *s = &items[count];
        api_running *r = find_running(api, names[i]);
        if (r) {
            const sf_summary *live = sf_exec_summary(r->exec);
            sf_summary_init(s);
            s->name = sf_strdup(names[i]);
            s->execution_arn = sf_strdup(live->execution_arn ? live->execution_arn : "");
            s->state_machine_arn =
                sf_strdup(live->state_machine_arn ? live->state_machine_arn : "");
            s->status = live->status;
            s->start_ms = live->start_ms;
            s->stop_ms = live->stop_ms;
        } else if (sf_cli_load_summary(api->cfg.store, names[i], s, NULL) != SF_EXIT_OK) {
            continue;
        }
        if (s->state_machine_arn && strcmp(s->state_machine_arn, want) == 0 &&
            (!status || strcmp(s->status, status) == 0))
            count++;
        else
            sf_summary_free(s);
    }
    qsort(items, count, sizeof *items, newest_first);
    json_t *list = json_array();
    size_t i = start;
    for (; i < count && json_array_size(list) < (size_t)max; i++) {
        const sf_summary *s = &items[i];
        json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:o}", "executionArn", s->execution_arn,
                                 "stateMachineArn", s->state_machine_arn, "name", s->name, "status",
                                 s->status, "startDate", epoch_seconds(s->start_ms));
        if (s->stop_ms)
            json_object_set_new(item, "stopDate", epoch_seconds(s->stop_ms));
        json_array_append_new(list, item);
    }
    json_t *resp = json_pack("{s:o}", "executions", list);
    resp_page_token(resp, i, count);
    for (size_t k = 0; k < count; k++)
        sf_summary_free(&items[k]);
    free(items);
    if (names)
        sf_store_list_free(names, n);
    free(want);
    free(machine);
    return resp;
}

/* An event as the API sends it: the timestamp in epoch seconds, and
 * without the engine's own members (the replay's "next", "scope"...). */
static json_t *api_event(json_t *ev, bool include_data)
{
    json_t *out = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(ev, key, v)
    {
        if (strcmp(key, "timestamp") == 0) {
            int64_t ns = 0;
            sf_timestamp_parse(json_string_value(v) ? json_string_value(v) : "", &ns);
            json_object_set_new(out, key, epoch_seconds(ns / 1000000));
        } else if (strcmp(key, "id") == 0 || strcmp(key, "previousEventId") == 0 ||
                   strcmp(key, "type") == 0 || strstr(key, "EventDetails")) {
            json_t *copy = json_deep_copy(v);
            if (!include_data && json_is_object(copy)) {
                json_object_del(copy, "input");
                json_object_del(copy, "output");
            }
            json_object_set_new(out, key, copy);
        }
    }
    return out;
}

json_t *api_get_execution_history(sf_api *api, api_call *call)
{
    const char *arn = req_string(call, "executionArn", true);
    int64_t max = req_int(call, "maxResults", 100, 0, 1000);
    bool reverse = req_bool(call, "reverseOrder", false);
    bool data = req_bool(call, "includeExecutionData", true);
    size_t start = req_page_start(call);
    if (api_failed(call))
        return NULL;
    if (max == 0)
        max = 100;
    sf_summary s;
    json_t *events = NULL;
    if (!load_execution(api, call, arn, &s, &events))
        return NULL;
    size_t total = json_array_size(events);
    json_t *list = json_array();
    size_t i = start;
    for (; i < total && json_array_size(list) < (size_t)max; i++) {
        json_t *ev = json_array_get(events, reverse ? total - 1 - i : i);
        json_array_append_new(list, api_event(ev, data));
    }
    json_t *resp = json_pack("{s:o}", "events", list);
    resp_page_token(resp, i, total);
    json_decref(events);
    sf_summary_free(&s);
    return resp;
}

json_t *api_stop_execution(sf_api *api, api_call *call)
{
    const char *arn = req_string(call, "executionArn", true);
    const char *error = req_string(call, "error", false);
    const char *cause = req_string(call, "cause", false);
    if (api_failed(call))
        return NULL;
    sf_summary s;
    if (!load_execution(api, call, arn, &s, NULL))
        return NULL;
    api_running *r = find_running(api, s.name);
    int64_t stop = s.stop_ms;
    if (r) {
        sf_exec_abort(r->exec, error, cause);
        stop = sf_exec_summary(r->exec)->stop_ms;
        if (!stop)
            stop = sf_now_ms();
    } else if (strcmp(s.status, "RUNNING") == 0) {
        /* Run by another process (`stepfn run`): not ours to stop. */
        api_fail(call, "ValidationException",
                 "Execution '%s' runs in another process; stop it there", s.name);
    }
    sf_summary_free(&s);
    if (api_failed(call))
        return NULL;
    return json_pack("{s:o}", "stopDate", epoch_seconds(stop ? stop : sf_now_ms()));
}
