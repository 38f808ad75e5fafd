/*
 * cmd_continue.c — `stepfn resume [NAME]` and `stepfn replay NAME` (alias
 * `redrive`): continue an execution of the store from its history.
 *
 * Both run the definition stored with the execution (definition.json), with
 * the folder and resource map recorded in run.json, so editing the original
 * file never silently changes what a replay runs; `replay --definition FILE`
 * is the explicit way to replay with a fixed definition (the old one is kept
 * as definition.N.json). Each execution is locked while it runs: a resume
 * never touches an execution another live process is running.
 *
 * Memory. `resume` of a whole store may continue thousands of executions in
 * one process (10,000 parked in a Wait is a benchmark). They share compiled
 * definitions: executions whose definition.json, folder and resource map are
 * the same run one compiled copy (definition_cache). And once an execution
 * has started, what was loaded to start it (its parsed history, run.json,
 * the folded summary) is freed: the execution keeps what it needs itself.
 */
#include "engine/exec.h"
#include "engine/store/history.h"
#include "engine/json_util.h"
#include "engine/invoke/resources.h"
#include "engine/store/store.h"
#include "engine/xalloc.h"
#include "states/states.h"
#include "tools/cli.h"
#include "tools/runner.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An execution of the store, loaded to be continued. */
typedef struct stored_exec {
    char *name;
    char *dir;
    json_t *events;
    sf_summary summary;
    json_t *meta;            /* run.json, or an empty object */
    sf_resources *resources; /* NULL when def is shared (definition_cache) */
    sf_definition *def;
    bool def_shared; /* def belongs to the definition_cache */
    int lock;
    /* Test mode, as run.json recorded it: the mocks (owned; the case is
     * borrowed from them by def and the execution) and the time scale. */
    sf_mock_config *mocks;
    const sf_mock_case *mock_case;
    sf_time_scale time_scale;
    bool scaled;
} stored_exec;

/* One compiled definition and what it was compiled from. */
typedef struct cached_definition {
    char *text;
    size_t len;
    char *folder;         /* run.json's definitionFolder, or NULL */
    char *resources_path; /* run.json's resources, or NULL */
    sf_resources *resources;
    sf_definition *def;
    struct cached_definition *next;
} cached_definition;

/* The compiled definitions of one `resume`; a store usually holds one or a
 * few machines, so a list is enough. */
typedef struct definition_cache {
    cached_definition *head;
} definition_cache;

static bool same_string(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static cached_definition *cache_find(const definition_cache *cache, const char *text, size_t len,
                                     const char *folder, const char *resources_path)
{
    for (cached_definition *c = cache ? cache->head : NULL; c; c = c->next)
        if (c->len == len && memcmp(c->text, text, len) == 0 && same_string(c->folder, folder) &&
            same_string(c->resources_path, resources_path))
            return c;
    return NULL;
}

/* The cache takes over a definition that compiled without errors, and the
 * resource map it borrows. */
static void cache_add(definition_cache *cache, const char *text, size_t len, const char *folder,
                      const char *resources_path, stored_exec *s)
{
    cached_definition *c = SF_NEW(cached_definition);
    c->text = sf_strndup(text, len);
    c->len = len;
    c->folder = folder ? sf_strdup(folder) : NULL;
    c->resources_path = resources_path ? sf_strdup(resources_path) : NULL;
    c->resources = s->resources;
    c->def = s->def;
    c->next = cache->head;
    cache->head = c;
    s->resources = NULL;
    s->def_shared = true;
}

static void cache_free(definition_cache *cache)
{
    while (cache->head) {
        cached_definition *c = cache->head;
        cache->head = c->next;
        sf_definition_free(c->def);
        sf_resources_free(c->resources);
        free(c->resources_path);
        free(c->folder);
        free(c->text);
        free(c);
    }
}

static void stored_free(stored_exec *s)
{
    if (s->lock >= 0)
        close(s->lock);
    if (!s->def_shared)
        sf_definition_free(s->def);
    sf_mock_config_free(s->mocks);
    sf_resources_free(s->resources);
    json_decref(s->meta);
    json_decref(s->events);
    sf_summary_free(&s->summary);
    free(s->dir);
    free(s->name);
    memset(s, 0, sizeof *s);
    s->lock = -1;
}

static const char *meta_string(const stored_exec *s, const char *key)
{
    return json_string_value(json_object_get(s->meta, key));
}

static const char *machine_name(const stored_exec *s);

/* The test mode the execution ran in (run.json's mockConfig, testCase,
 * waitScale, timeoutScale): a resume or redrive of a mocked run must not
 * call the real services. False after a message when the mock config can
 * no longer be read or no longer has the case. */
static bool load_test_mode(const char *cmd, stored_exec *s)
{
    json_t *wait = json_object_get(s->meta, "waitScale");
    json_t *timeout = json_object_get(s->meta, "timeoutScale");
    s->time_scale = (sf_time_scale){1.0, 1.0};
    if (json_is_number(wait) && json_is_number(timeout)) {
        s->scaled = true;
        s->time_scale.wait = json_number_value(wait);
        s->time_scale.timeout = json_number_value(timeout);
    }
    const char *path = meta_string(s, "mockConfig");
    const char *test_case = meta_string(s, "testCase");
    if (!path)
        return true;
    const char *used;
    if (!test_case ||
        !sf_cli_load_mock(cmd, path, test_case, machine_name(s), &s->mocks, &s->mock_case, &used)) {
        fprintf(stderr,
                "stepfn %s: %s: the execution ran with the mock config %s, which cannot "
                "be used now\n",
                cmd, s->name, path);
        return false;
    }
    return true;
}

/* Compile the stored definition (or def_path instead, for --definition)
 * with the recorded folder and resource map; with a cache, reuse the copy
 * compiled for an earlier execution from the same text, folder and map. */
static int compile_stored(const char *cmd, stored_exec *s, const char *def_path,
                          definition_cache *cache)
{
    char *stored = sf_store_file(s->dir, "definition.json");
    const char *path = def_path ? def_path : stored;
    const char *map = meta_string(s, "resources");
    const char *folder = meta_string(s, "definitionFolder");
    size_t len;
    char *text = sf_read_file(path, &len);
    int status = SF_EXIT_OK;
    if (!load_test_mode(cmd, s)) {
        free(text);
        free(stored);
        return SF_EXIT_USAGE;
    }
    if (s->mock_case) /* compiled for this case alone */
        cache = NULL;
    cached_definition *hit = text ? cache_find(cache, text, len, folder, map) : NULL;
    char *err = NULL;
    if (hit) {
        s->def = hit->def;
        s->def_shared = true;
    } else if (!text) {
        fprintf(stderr, "stepfn %s: %s: cannot read: %s\n", cmd, path, strerror(errno));
        status = def_path ? SF_EXIT_INVALID_DEFINITION : SF_EXIT_STORE;
    } else if (map && !(s->resources = sf_resources_load(map, &err))) {
        fprintf(stderr, "stepfn %s: %s: %s\n", cmd, s->name, err);
        free(err);
        status = SF_EXIT_USAGE;
    } else {
        sf_diags diags = SF_DIAGS_INIT;
        sf_load_options load = {
            .base_dir = folder, .resources = s->resources, .mock_case = s->mock_case};
        s->def = sf_definition_parse_ex(text, len, path, sf_state_types, &load, &diags);
        sf_cli_print_diags(stderr, path, &diags);
        char *mock_err = NULL;
        if (!s->def || diags.errors) {
            status = SF_EXIT_INVALID_DEFINITION;
        } else if (s->mock_case && !sf_mock_case_check(s->mock_case, s->def, &mock_err)) {
            fprintf(stderr, "stepfn %s: %s: %s\n", cmd, s->name, mock_err);
            free(mock_err);
            status = SF_EXIT_USAGE;
        } else if (cache) {
            cache_add(cache, text, len, folder, map, s);
        }
        sf_diags_free(&diags);
    }
    free(text);
    free(stored);
    return status;
}

/* Once started, the execution holds what it needs (the replay takes
 * references to the recorded events): free the rest of what was loaded,
 * keeping the name and the definition. */
static void stored_release_loaded(stored_exec *s)
{
    json_decref(s->events);
    s->events = NULL;
    json_decref(s->meta);
    s->meta = NULL;
    sf_summary_free(&s->summary);
    sf_summary_init(&s->summary);
    free(s->dir);
    s->dir = NULL;
}

/* Take the lock of execution `name`, then read its history and run.json.
 * In that order: a history read before the lock could be outdated by the
 * time it is held (another resume or replay that ran in between), and
 * continuing from it would append to events it never saw. */
static int load_stored(const char *cmd, const char *store, const char *name, stored_exec *s)
{
    memset(s, 0, sizeof *s);
    s->lock = -1;
    s->name = sf_strdup(name);
    char *err = NULL;
    bool broken = false;
    s->dir = sf_store_execution_dir(store, name, &broken, &err);
    if (!s->dir) {
        fprintf(stderr, "stepfn %s: %s\n", cmd, err);
        free(err);
        return broken ? SF_EXIT_STORE : SF_EXIT_USAGE;
    }
    bool busy = false;
    s->lock = sf_store_lock(s->dir, &busy, &err);
    if (s->lock < 0) {
        fprintf(stderr, "stepfn %s: %s\n", cmd, err);
        free(err);
        return busy ? SF_EXIT_USAGE : SF_EXIT_STORE;
    }
    int status = sf_cli_load_for_continuing(cmd, store, name, &s->summary, &s->events);
    if (status != SF_EXIT_OK)
        return status;
    char *meta_path = sf_store_file(s->dir, "run.json");
    s->meta = json_load_file(meta_path, 0, NULL);
    if (!s->meta)
        s->meta = json_object();
    free(meta_path);
    return SF_EXIT_OK;
}

static sf_fsync_policy stored_fsync(const stored_exec *s)
{
    sf_fsync_policy p = SF_FSYNC_END;
    const char *text = meta_string(s, "fsync");
    if (text)
        sf_fsync_policy_parse(text, &p);
    return p;
}

/* The state machine name: recorded in run.json, else taken from the ARN. */
static const char *machine_name(const stored_exec *s)
{
    const char *name = meta_string(s, "stateMachineName");
    if (name)
        return name;
    const char *arn = s->summary.state_machine_arn;
    const char *colon = arn ? strrchr(arn, ':') : NULL;
    return colon ? colon + 1 : "stepfn";
}

/* The history limit: the one given (--max-history-events or the
 * environment), else the one the execution was run with, else AWS's. */
static int64_t history_limit(const stored_exec *s, int64_t given)
{
    json_int_t recorded = json_integer_value(json_object_get(s->meta, "maxHistoryEvents"));
    if (given > 0)
        return given;
    return recorded >= SF_CLI_HISTORY_LIMIT_LEAST ? recorded : SF_EXEC_MAX_HISTORY_EVENTS;
}

static bool start_continue(const char *cmd, sf_runner *runner, stored_exec *s, sf_replay_mode mode,
                           const char *from, const char *store, int64_t max_events)
{
    char *err = NULL;
    sf_exec_config cfg = {.name = s->name,
                          .state_machine_name = machine_name(s),
                          .exec_dir = s->dir,
                          .fsync = stored_fsync(s),
                          .max_history_events = history_limit(s, max_events),
                          .mock_case = s->mock_case,
                          .time_scale = s->scaled ? &s->time_scale : NULL};
    sf_exec *e = sf_exec_continue(sf_runner_loop(runner), s->def, s->events, mode, from, &cfg,
                                  sf_runner_exec_done, runner, &err);
    if (!e) {
        fprintf(stderr, "stepfn %s: %s: %s\n", cmd, s->name, err);
        free(err);
        return false;
    }
    sf_runner_add(runner, e, s->lock, store);
    s->lock = -1; /* the runner releases it when the execution ends */
    return true;
}

/* ---- resume ---- */

static const char resume_help[] =
    "usage: stepfn resume [NAME] [--store DIR] [--format text|json]\n"
    "                     [--max-history-events N]\n"
    "\n"
    "Continues executions whose process died (kill -9, power loss, a crash)\n"
    "from their history: NAME, or every execution of the store that is still\n"
    "RUNNING and that no live process holds. Steps whose results are recorded\n"
    "are not run again; a task that was in flight is invoked again\n"
    "(at-least-once). Waits and retry back-offs continue with the time left.\n"
    "\n"
    "  --max-history-events N  the history limit (default: the one the execution\n"
    "                      was run with, else $STEPFN_MAX_HISTORY_EVENTS, else "
    "25000)\n" SF_CLI_HELP_END_OF_OPTIONS;

/* Load and start one execution to resume. quiet: skip what is not
 * resumable without complaint (resuming the whole store). */
static int resume_one(sf_runner *runner, const char *store, const char *name, bool quiet,
                      definition_cache *cache, int64_t max_events, stored_exec *s)
{
    int status = load_stored("resume", store, name, s);
    if (status == SF_EXIT_OK && strcmp(s->summary.status, "RUNNING") != 0) {
        if (!quiet)
            fprintf(stderr,
                    "stepfn resume: %s is %s, not cut off while running; nothing to "
                    "resume%s\n",
                    name, s->summary.status,
                    strcmp(s->summary.status, "SUCCEEDED") ? " (use 'stepfn replay')" : "");
        return quiet ? SF_EXIT_OK : SF_EXIT_USAGE;
    }
    /* Quietly skipped: one another process runs. Never quietly: a history
     * or store that cannot be acted on (damaged, unwritable). */
    if (status != SF_EXIT_OK)
        return quiet && status != SF_EXIT_STORE ? SF_EXIT_OK : status;
    status = compile_stored("resume", s, NULL, cache);
    if (status == SF_EXIT_OK &&
        !start_continue("resume", runner, s, SF_REPLAY_RESUME, NULL, store, max_events))
        status = SF_EXIT_STORE;
    else if (status == SF_EXIT_OK)
        stored_release_loaded(s);
    return status;
}

int sf_cmd_resume(int argc, char **argv)
{
    sf_cli_options o = {.format = SF_FORMAT_TEXT};
    const char *max_text = NULL;
    const sf_cli_extra extras[] = {{"--max-history-events", &max_text}, {NULL, NULL}};
    int64_t max_events = 0;
    int status =
        sf_cli_parse_options("resume", resume_help, argc, argv, SF_CLI_NAME_OPTIONAL, extras, &o);
    if (status)
        return status < 0 ? SF_EXIT_OK : status;
    if (!sf_cli_history_limit("resume", max_text, &max_events))
        return SF_EXIT_USAGE;
    char *store = sf_store_resolve(o.store);
    char *err = NULL;
    size_t n = 1;
    char **names = o.name ? NULL : sf_store_list(store, &n, &err);
    if (!o.name && !names) {
        fprintf(stderr, "stepfn resume: %s\n", err);
        free(err);
        free(store);
        return SF_EXIT_STORE;
    }
    stored_exec *loaded = sf_calloc(n ? n : 1, sizeof *loaded);
    sf_runner *runner = sf_runner_new("resume");
    definition_cache cache = {0};
    size_t started = 0;
    /* One execution that cannot be continued (cut off before its start was
     * recorded, a damaged definition) is reported and sets the exit status,
     * but never keeps the others of the store from being resumed. */
    for (size_t i = 0; i < n; i++) {
        int one = resume_one(runner, store, o.name ? o.name : names[i], !o.name, &cache, max_events,
                             &loaded[i]);
        started += loaded[i].lock < 0 && loaded[i].def && one == SF_EXIT_OK;
        if (status == SF_EXIT_OK)
            status = one;
    }
    if (status == SF_EXIT_OK && started == 0 && !o.name)
        fprintf(stderr, "stepfn resume: no execution of %s was cut off while running\n", store);
    int run_status = sf_runner_run(runner, o.format);
    sf_runner_free(runner);
    for (size_t i = 0; i < n; i++)
        stored_free(&loaded[i]);
    cache_free(&cache); /* after the executions and their records that borrow it */
    free(loaded);
    if (names)
        sf_store_list_free(names, n);
    free(store);
    return status != SF_EXIT_OK ? status : run_status;
}

/* ---- replay ---- */

static const char replay_help[] =
    "usage: stepfn replay NAME [--from STATE] [--definition FILE] [--store DIR]\n"
    "                          [--format text|json] [--max-history-events N]\n"
    "       (alias: stepfn redrive)\n"
    "\n"
    "Redrives a FAILED, TIMED_OUT or ABORTED execution, as AWS RedriveExecution\n"
    "does: the states that did not succeed run again, those that succeeded are\n"
    "not (their recorded output is used); inside a Map only failed or unstarted\n"
    "iterations run again, inside a Parallel only unsuccessful branches. The new\n"
    "events append to the same history and redriveCount goes up.\n"
    "\n"
    "  --from STATE        restart at the top-level STATE with the input it had\n"
    "                      last time; it and every state after it run again\n"
    "  --definition FILE   replay with this (fixed) definition instead of the one\n"
    "                      stored with the execution; the old one is kept as\n"
    "                      definition.N.json in the execution's folder\n"
    "  --max-history-events N  the history limit, which the redrive's events share\n"
    "                      with those recorded before (default: the one the execution\n"
    "                      was run with, else $STEPFN_MAX_HISTORY_EVENTS, else "
    "25000)\n" SF_CLI_HELP_END_OF_OPTIONS;

/* Swap in a fixed definition for the replay, keeping the previous one. */
static int adopt_definition(stored_exec *s, const char *path)
{
    char *err = NULL;
    size_t old_len, new_len;
    char *old_path = sf_store_file(s->dir, "definition.json");
    char *old_text = sf_read_file(old_path, &old_len);
    char *new_text = sf_read_file(path, &new_len);
    char *keep = sf_asprintf("definition.%d.json", s->summary.redrive_count);
    int rc = old_text && new_text ? 0 : -1;
    if (rc == 0)
        rc = sf_store_write_file(s->dir, keep, old_text, old_len, &err);
    if (rc == 0)
        rc = sf_store_write_file(s->dir, "definition.json", new_text, new_len, &err);
    if (rc != 0) {
        fprintf(stderr, "stepfn replay: %s\n", err ? err : strerror(errno));
        free(err);
    }
    free(keep);
    free(new_text);
    free(old_text);
    free(old_path);
    return rc == 0 ? SF_EXIT_OK : SF_EXIT_STORE;
}

static int check_replayable(const stored_exec *s, int64_t max_events)
{
    const char *st = s->summary.status;
    int64_t limit = history_limit(s, max_events);
    /* As AWS: a redrive needs room for ExecutionRedriven and one more. */
    if (strcmp(st, "SUCCEEDED") != 0 && strcmp(st, "RUNNING") != 0 &&
        s->summary.last_event_id + 2 > limit) {
        fprintf(stderr,
                "stepfn replay: %s has %lld history events; a redrive needs room for 2 more "
                "under the limit of %lld events (raise it with --max-history-events)\n",
                s->name, (long long)s->summary.last_event_id, (long long)limit);
        return SF_EXIT_USAGE;
    }
    if (strcmp(st, "SUCCEEDED") == 0) {
        fprintf(stderr,
                "stepfn replay: %s SUCCEEDED; only a FAILED, TIMED_OUT or ABORTED execution "
                "can be redriven (start a new one with 'stepfn run')\n",
                s->name);
        return SF_EXIT_USAGE;
    }
    if (strcmp(st, "RUNNING") == 0) {
        fprintf(stderr,
                "stepfn replay: %s is still RUNNING by its history; if its process died, "
                "continue it with 'stepfn resume %s'\n",
                s->name, s->name);
        return SF_EXIT_USAGE;
    }
    return SF_EXIT_OK;
}

int sf_cmd_replay(int argc, char **argv)
{
    sf_cli_options o = {.format = SF_FORMAT_TEXT};
    const char *from = NULL, *definition = NULL, *max_text = NULL;
    const sf_cli_extra extras[] = {{"--from", &from},
                                   {"--definition", &definition},
                                   {"--max-history-events", &max_text},
                                   {NULL, NULL}};
    int64_t max_events = 0;
    int status =
        sf_cli_parse_options("replay", replay_help, argc, argv, SF_CLI_NAME_REQUIRED, extras, &o);
    if (status)
        return status < 0 ? SF_EXIT_OK : status;
    if (!sf_cli_history_limit("replay", max_text, &max_events))
        return SF_EXIT_USAGE;
    char *store = sf_store_resolve(o.store);
    stored_exec s;
    status = load_stored("replay", store, o.name, &s);
    if (status == SF_EXIT_OK)
        status = check_replayable(&s, max_events);
    if (status == SF_EXIT_OK)
        status = compile_stored("replay", &s, definition, NULL);
    if (status == SF_EXIT_OK && definition)
        status = adopt_definition(&s, definition);
    sf_runner *runner = sf_runner_new("replay");
    if (status == SF_EXIT_OK &&
        !start_continue("replay", runner, &s, from ? SF_REPLAY_FROM : SF_REPLAY_REDRIVE, from,
                        store, max_events))
        status = SF_EXIT_USAGE;
    if (status == SF_EXIT_OK)
        status = sf_runner_run(runner, o.format);
    sf_runner_free(runner);
    stored_free(&s);
    free(store);
    return status;
}
