/*
 * cmd_run.c — `stepfn run DEF`: validate, create the execution in the
 * store, run it on a libuv loop, print the result.
 *
 * Nothing is written to the store before the definition and the input have
 * been checked, so bad input never leaves a half execution behind.
 * SIGINT and SIGTERM stop the execution as ABORTED, with its history closed.
 */
#include "engine/exec.h"
#include "engine/json_alloc.h"
#include "engine/json_util.h"
#include "engine/invoke/resources.h"
#include "engine/mock/mock_config.h"
#include "engine/store/store.h"
#include "engine/xalloc.h"
#include "states/states.h"
#include "tools/cli.h"
#include "tools/runner.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char run_help[] =
    "usage: stepfn run DEF [--input JSON | --input-file FILE|-] [--name NAME]\n"
    "                      [--store DIR] [--format text|json] [--fsync never|end|always]\n"
    "                      [--resources MAP.json] [--max-history-events N]\n"
    "                      [--mock-config FILE --test-case NAME] [--state-machine-name NAME]\n"
    "                      [--wait-scale F] [--timeout-scale F]\n"
    "\n"
    "Runs the state machine in DEF (an ASL JSON file) and records its history in\n"
    "the store as STORE/executions/NAME/history.jsonl.\n"
    "\n"
    "  --input JSON        execution input (default {})\n"
    "  --input-file FILE   read the input from FILE, or standard input with -\n"
    "  --name NAME         execution name: 1-80 letters, digits, - or _ (default: a UUID)\n"
    "  --store DIR         store folder (default $STEPFN_STORE, else ./.stepfn)\n"
    "  --format text|json  text for people (default), or one DescribeExecution JSON object\n"
    "  --fsync POLICY      when history reaches the disk: never, end (default: when the\n"
    "                      execution ends) or always (after every batch of events)\n"
    "  --resources MAP     what Lambda functions (and connections) mean here: a JSON\n"
    "                      object of {\"exec\": [argv...]} or {\"url\": \"http://...\"}\n"
    "                      entries; relative paths resolve against MAP's folder\n"
    "  --max-history-events N\n"
    "                      fail the execution (States.Runtime) when its history would\n"
    "                      grow past N events, the final ExecutionFailed included\n"
    "                      (default $STEPFN_MAX_HISTORY_EVENTS, else 25000 as "
    "AWS)\n"
    "\n"
    "Test mode:\n"
    "  --mock-config FILE  mocked Task responses in Step Functions Local's MockConfigFile\n"
    "                      format (default $SFN_MOCK_CONFIG); a mocked Task records the\n"
    "                      same events as a real one and runs nothing\n"
    "  --test-case NAME    the test case of the file to run: its states are mocked, the\n"
    "                      others run for real\n"
    "  --state-machine-name NAME\n"
    "                      the name in the file's StateMachines and in ARNs (default:\n"
    "                      DEF's file name without .asl.json or .json)\n"
    "  --wait-scale F      multiply every Wait and every Retry interval and back-off by F\n"
    "                      (0: they elapse at once); events keep their real times\n"
    "  --timeout-scale F   the same for TimeoutSeconds and HeartbeatSeconds (default "
    "1)\n" SF_CLI_HELP_END_OF_OPTIONS "\n"
    "Exit status: 0 succeeded, 1 failed/timed out/aborted, 2 usage error,\n"
    "3 invalid definition, 4 store or I/O error.\n";

typedef struct run_options {
    const char *def_path;
    const char *input_text;
    const char *input_file;
    const char *name;
    const char *store;
    sf_format format;
    sf_fsync_policy fsync;
    const char *resources;
    const char *max_events_text;
    int64_t max_history_events; /* 0: the default */
    const char *mock_config;    /* --mock-config, else $SFN_MOCK_CONFIG (sf_cli_load_mock) */
    const char *test_case;
    const char *machine_name; /* --state-machine-name */
    bool scaled;              /* --wait-scale or --timeout-scale given */
    sf_time_scale time_scale;
} run_options;

static int parse_run_args(int argc, char **argv, run_options *o)
{
    sf_args a;
    sf_args_init(&a, argc, argv);
    o->format = SF_FORMAT_TEXT;
    o->fsync = SF_FSYNC_END;
    o->time_scale = (sf_time_scale){1.0, 1.0};
    for (; a.i < argc; a.i++) {
        if (sf_args_end_of_options(&a)) {
            continue;
        } else if (sf_args_is_help(&a)) {
            fputs(run_help, stdout);
            return -1;
        } else if (sf_args_option(&a, "--input")) {
            o->input_text = a.value;
        } else if (sf_args_option(&a, "--input-file")) {
            o->input_file = a.value;
        } else if (sf_args_option(&a, "--name")) {
            o->name = a.value;
        } else if (sf_args_option(&a, "--store")) {
            o->store = a.value;
        } else if (sf_args_option(&a, "--resources")) {
            o->resources = a.value;
        } else if (sf_args_option(&a, "--max-history-events")) {
            o->max_events_text = a.value;
        } else if (sf_args_option(&a, "--mock-config")) {
            o->mock_config = a.value;
        } else if (sf_args_option(&a, "--test-case")) {
            o->test_case = a.value;
        } else if (sf_args_option(&a, "--state-machine-name")) {
            o->machine_name = a.value;
        } else if (sf_args_option(&a, "--wait-scale")) {
            if (!a.failed &&
                !sf_cli_parse_scale("run", "--wait-scale", a.value, &o->time_scale.wait))
                return SF_EXIT_USAGE;
            o->scaled = true;
        } else if (sf_args_option(&a, "--timeout-scale")) {
            if (!a.failed &&
                !sf_cli_parse_scale("run", "--timeout-scale", a.value, &o->time_scale.timeout))
                return SF_EXIT_USAGE;
            o->scaled = true;
        } else if (sf_args_option(&a, "--format")) {
            if (!a.failed && !sf_cli_parse_format("run", a.value, &o->format))
                return SF_EXIT_USAGE;
        } else if (sf_args_option(&a, "--fsync")) {
            if (!a.failed && !sf_fsync_policy_parse(a.value, &o->fsync))
                return sf_cli_usage_error("run", "--fsync must be never, end or always");
        } else if (sf_args_unknown_option(&a)) {
            return sf_cli_usage_error("run", "unknown option '%s'", argv[a.i]);
        } else if (!o->def_path) {
            o->def_path = argv[a.i];
        } else {
            return sf_cli_usage_error("run", "unexpected argument '%s'", argv[a.i]);
        }
        if (a.failed)
            return SF_EXIT_USAGE;
    }
    if (!o->def_path)
        return sf_cli_usage_error("run", "missing the definition file");
    if (!sf_cli_history_limit("run", o->max_events_text, &o->max_history_events))
        return SF_EXIT_USAGE;
    if (o->input_text && o->input_file)
        return sf_cli_usage_error("run", "give --input or --input-file, not both");
    if (o->machine_name && !sf_store_valid_name(o->machine_name))
        return sf_cli_usage_error("run",
                                  "invalid state machine name '%s': use 1-80 letters, digits, "
                                  "'-' or '_'",
                                  o->machine_name);
    if (o->name && !sf_store_valid_name(o->name))
        return sf_cli_usage_error("run",
                                  "invalid execution name '%s': use 1-80 letters, digits, '-' "
                                  "or '_'",
                                  o->name);
    return SF_EXIT_OK;
}

static json_t *read_input(const run_options *o, int *status)
{
    const char *origin = o->input_file ? o->input_file : "--input";
    char *owned = NULL;
    size_t len;
    const char *text = o->input_text ? o->input_text : "{}";
    len = strlen(text);
    if (o->input_file) {
        owned = sf_read_file(o->input_file, &len);
        if (!owned) {
            fprintf(stderr, "stepfn run: %s: cannot read the input: %s\n", o->input_file,
                    strerror(errno));
            *status = SF_EXIT_USAGE;
            return NULL;
        }
        text = owned;
    }
    /* Checked before parsing: a huge input is refused without building it. */
    if (len > SF_PAYLOAD_LIMIT_BYTES) {
        fprintf(stderr, "stepfn run: %s: the input is %zu bytes; the limit is %d (%d KiB)\n",
                origin, len, SF_PAYLOAD_LIMIT_BYTES, SF_PAYLOAD_LIMIT_BYTES / 1024);
        free(owned);
        *status = SF_EXIT_USAGE;
        return NULL;
    }
    json_error_t jerr;
    json_t *v = sf_json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    free(owned);
    if (!v && json_error_code(&jerr) == json_error_stack_overflow) {
        fprintf(stderr, "stepfn run: %s: the input has %s\n", origin, jerr.text);
        *status = SF_EXIT_USAGE;
        return NULL;
    }
    if (!v) {
        fprintf(stderr, "stepfn run: %s: the input is not valid JSON: line %d, column %d: %s\n",
                origin, jerr.line, jerr.column, jerr.text);
        *status = SF_EXIT_USAGE;
        return NULL;
    }
    return v;
}

/* run.json beside the history: what `resume` and `replay` need to run the
 * stored definition again the same way (where relative paths resolve, which
 * resource map, which durability). */
static int write_run_meta(const char *dir, const run_options *o, const char *sm_name,
                          const char *mock_path, char **err)
{
    char resolved[PATH_MAX];
    char *folder = sf_folder_of(o->def_path);
    json_t *meta = json_object();
    json_object_set_new(meta, "stateMachineName", json_string(sm_name));
    json_object_set_new(meta, "definitionFolder", folder ? json_string(folder) : json_null());
    json_object_set_new(meta, "resources",
                        o->resources && realpath(o->resources, resolved) ? json_string(resolved)
                                                                         : json_null());
    json_object_set_new(meta, "fsync", json_string(sf_fsync_policy_name(o->fsync)));
    if (o->max_history_events) /* resume keeps to it */
        json_object_set_new(meta, "maxHistoryEvents", json_integer(o->max_history_events));
    /* Test mode: a resume or a redrive mocks and scales the same way. */
    if (mock_path) {
        json_object_set_new(meta, "mockConfig",
                            json_string(realpath(mock_path, resolved) ? resolved : mock_path));
        json_object_set_new(meta, "testCase", json_string(o->test_case));
    }
    if (o->scaled) {
        json_object_set_new(meta, "waitScale", json_real(o->time_scale.wait));
        json_object_set_new(meta, "timeoutScale", json_real(o->time_scale.timeout));
    }
    char *text = sf_json_dumps(meta, JSON_INDENT(2));
    int rc = sf_store_write_file(dir, "run.json", text, strlen(text), err);
    free(text);
    json_decref(meta);
    free(folder);
    return rc;
}

/* What a run needs besides its options: the definition as compiled and as
 * text, the state machine's name and the test case (NULL: no mocks). */
typedef struct run_plan {
    sf_definition *def;
    const char *def_text;
    size_t def_len;
    const char *sm_name;
    const sf_mock_case *mock_case;
    const char *mock_path;
} run_plan;

static int execute(const run_options *o, const run_plan *p, json_t *input)
{
    char *store = sf_store_resolve(o->store);
    char uuid[37];
    const char *name = o->name;
    if (!name) {
        sf_store_new_uuid(uuid);
        name = uuid;
    }
    char *err = NULL;
    bool exists = false;
    int lock = -1;
    char *dir =
        sf_store_create_execution(store, name, p->def_text, p->def_len, &exists, &lock, &err);
    if (!dir) {
        fprintf(stderr, "stepfn run: %s\n", err);
        free(err);
        free(store);
        return exists ? SF_EXIT_USAGE : SF_EXIT_STORE;
    }
    int status = SF_EXIT_STORE;
    if (write_run_meta(dir, o, p->sm_name, p->mock_path, &err) == 0) {
        sf_exec_config cfg = {.name = name,
                              .state_machine_name = p->sm_name,
                              .exec_dir = dir,
                              .fsync = o->fsync,
                              .max_history_events = o->max_history_events,
                              .mock_case = p->mock_case,
                              .time_scale = o->scaled ? &o->time_scale : NULL};
        sf_runner *runner = sf_runner_new("run");
        sf_exec *e = sf_exec_start(sf_runner_loop(runner), p->def, input, &cfg, sf_runner_exec_done,
                                   runner, &err);
        if (e) {
            sf_runner_add(runner, e, lock, store);
            lock = -1;
            status = sf_runner_run(runner, o->format);
        }
        sf_runner_free(runner);
    }
    if (err) {
        fprintf(stderr, "stepfn run: %s\n", err);
        free(err);
    }
    if (lock >= 0)
        close(lock);
    free(dir);
    free(store);
    return status;
}

/* Compile for running: with the folder and the resource map, so a missing
 * program or map entry is a diagnostic before anything runs. */
static sf_definition *compile_for_run(const run_options *o, const char *text, size_t len,
                                      const sf_resources *resources, const sf_mock_case *mock_case,
                                      sf_diags *diags)
{
    char *folder = sf_folder_of(o->def_path);
    sf_load_options load = {.base_dir = folder, .resources = resources, .mock_case = mock_case};
    sf_definition *def =
        sf_definition_parse_ex(text, len, o->def_path, sf_state_types, &load, diags);
    free(folder);
    return def;
}

static int load_resources(const run_options *o, sf_resources **out)
{
    *out = NULL;
    if (!o->resources)
        return SF_EXIT_OK;
    char *err = NULL;
    *out = sf_resources_load(o->resources, &err);
    if (*out)
        return SF_EXIT_OK;
    fprintf(stderr, "stepfn run: %s\n", err);
    free(err);
    return SF_EXIT_USAGE;
}

int sf_cmd_run(int argc, char **argv)
{
    run_options o = {0};
    int status = parse_run_args(argc, argv, &o);
    if (status != SF_EXIT_OK)
        return status < 0 ? SF_EXIT_OK : status;
    json_t *input = read_input(&o, &status);
    if (!input)
        return status;
    sf_resources *resources;
    status = load_resources(&o, &resources);
    size_t def_len;
    char *def_text = status == SF_EXIT_OK ? sf_read_file(o.def_path, &def_len) : NULL;
    if (status == SF_EXIT_OK && !def_text) {
        fprintf(stderr, "stepfn run: %s: cannot read the definition: %s\n", o.def_path,
                strerror(errno));
        status = SF_EXIT_INVALID_DEFINITION;
    }
    if (!def_text) {
        sf_resources_free(resources);
        json_decref(input);
        return status;
    }
    char *sm_name = o.machine_name ? sf_strdup(o.machine_name) : sf_cli_machine_name(o.def_path);
    sf_mock_config *mocks = NULL;
    run_plan plan = {.def_text = def_text, .def_len = def_len, .sm_name = sm_name};
    if (!sf_cli_load_mock("run", o.mock_config, o.test_case, sm_name, &mocks, &plan.mock_case,
                          &plan.mock_path)) {
        free(sm_name);
        sf_resources_free(resources);
        free(def_text);
        json_decref(input);
        return SF_EXIT_USAGE;
    }
    sf_diags diags = SF_DIAGS_INIT;
    sf_definition *def = compile_for_run(&o, def_text, def_len, resources, plan.mock_case, &diags);
    sf_cli_print_diags(stderr, o.def_path, &diags);
    char *mock_err = NULL;
    if (!def || diags.errors) {
        fprintf(stderr,
                "stepfn run: %s: the definition is invalid (%zu error(s)); nothing was run\n",
                o.def_path, diags.errors);
        status = SF_EXIT_INVALID_DEFINITION;
    } else if (plan.mock_case && !sf_mock_case_check(plan.mock_case, def, &mock_err)) {
        fprintf(stderr, "stepfn run: %s; nothing was run\n", mock_err);
        free(mock_err);
        status = SF_EXIT_USAGE;
    } else {
        plan.def = def;
        status = execute(&o, &plan, input);
    }
    sf_diags_free(&diags);
    sf_definition_free(def);
    sf_mock_config_free(mocks);
    sf_resources_free(resources);
    free(sm_name);
    free(def_text);
    json_decref(input);
    return status;
}
