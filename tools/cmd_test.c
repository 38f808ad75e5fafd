/*
 * cmd_test.c — `stepfn test [DIR|FILE...]`: run state machine test files
 * and report what passed.
 *
 * Three phases, so that a broken file never leaves half a run behind:
 *   1. find the files (a FILE as given; a DIR searched for *.test.json,
 *      hidden folders skipped; none: tests/ when there is one, else the
 *      current folder), parse each (test_file.c) and load what it names:
 *      the definition (compiled once per test, with the test's mock case,
 *      since a mocked Task needs no program), the resource map, the
 *      MockConfigFile and its test cases (checked against the definition).
 *      Any problem here is exit status 3 and nothing runs;
 *   2. start every selected test as an execution on one libuv loop
 *      (tools/runner.c: SIGINT aborts them all), in a temporary store
 *      unless --store keeps them, with the test's time scale; --timeout
 *      aborts what is still running after that much real time;
 *   3. once the loop is empty, read each history back and compare it with
 *      the test's expectations (test_check.c; test_report.c prints and
 *      writes JUnit).
 *
 * A test that cannot be recorded (the store failed) fails and makes the
 * exit status 4; otherwise 1 when any test failed, else 0. The temporary
 * store is removed whatever happened; a kept one keeps every execution.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "tools/test_run.h"
#include "engine/invoke/resources.h"
#include "engine/json_util.h"
#include "engine/mock/mock_config.h"
#include "engine/store/store.h"
#include "engine/xalloc.h"
#include "states/states.h"
#include "tools/cli.h"
#include "tools/runner.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char test_help[] =
    "usage: stepfn test [DIR|FILE...] [--filter TEXT] [--junit FILE] [--wait-scale F]\n"
    "                   [--timeout SECONDS] [--store DIR] [--format text|json]\n"
    "\n"
    "Runs state machine test files (README.md, \"Test files\"): each\n"
    "test runs its definition with its input (Task states mocked from a\n"
    "MockConfigFile test case when it names one) and checks the status, output,\n"
    "error, cause, the states entered and the attempts of each Task. All tests\n"
    "run at once on one event loop.\n"
    "\n"
    "  DIR                 every *.test.json under DIR (hidden folders skipped)\n"
    "  FILE                a test file, whatever its name\n"
    "                      (default: tests/ when it exists, else the current folder)\n"
    "  --filter TEXT       run only the tests whose name \"FILE > NAME\" contains TEXT\n"
    "  --junit FILE        also write the results as JUnit XML\n"
    "  --wait-scale F      multiply Waits and Retry back-offs by F (default 0: they pass\n"
    "                      at once, or the file's waitScale); timeouts keep real time\n"
    "  --timeout SECONDS   abort the tests still running after SECONDS of real time\n"
    "                      (each fails; default: no limit)\n"
    "  --store DIR         keep the executions in DIR (default: a temporary store,\n"
    "                      removed afterwards)\n"
    "  --format text|json  a line per test and a summary (default), or one JSON "
    "object\n" SF_CLI_HELP_END_OF_OPTIONS "\n"
    "Exit status: 0 every test passed, 1 some failed, 2 usage error, 3 a test\n"
    "file, definition, resource map or mock config is invalid (nothing ran),\n"
    "4 store or I/O error.\n";

typedef struct test_options {
    char **paths;
    size_t path_count;
    const char *filter;
    const char *junit;
    const char *store;
    bool has_wait_scale;
    double wait_scale;
    double timeout; /* seconds; 0: none */
    sf_format format;
} test_options;

static int parse_test_args(int argc, char **argv, test_options *o)
{
    sf_args a;
    sf_args_init(&a, argc, argv);
    o->paths = sf_calloc((size_t)argc + 1, sizeof *o->paths);
    o->format = SF_FORMAT_TEXT;
    for (; a.i < argc; a.i++) {
        if (sf_args_end_of_options(&a)) {
            continue;
        } else if (sf_args_is_help(&a)) {
            fputs(test_help, stdout);
            return -1;
        } else if (sf_args_option(&a, "--filter")) {
            o->filter = a.value;
        } else if (sf_args_option(&a, "--junit")) {
            o->junit = a.value;
        } else if (sf_args_option(&a, "--store")) {
            o->store = a.value;
        } else if (sf_args_option(&a, "--wait-scale")) {
            char *end;
            o->wait_scale = a.failed ? 0 : strtod(a.value, &end);
            if (!a.failed &&
                (end == a.value || *end || !(o->wait_scale >= 0) || o->wait_scale > 1e6))
                return sf_cli_usage_error("test", "--wait-scale must be a number from 0 up");
            o->has_wait_scale = true;
        } else if (sf_args_option(&a, "--timeout")) {
            char *end;
            o->timeout = a.failed ? 0 : strtod(a.value, &end);
            if (!a.failed && (end == a.value || *end || !(o->timeout > 0) || o->timeout > 1e7))
                return sf_cli_usage_error("test", "--timeout must be a number of seconds above 0");
        } else if (sf_args_option(&a, "--format")) {
            if (!a.failed && !sf_cli_parse_format("test", a.value, &o->format))
                return SF_EXIT_USAGE;
        } else if (sf_args_unknown_option(&a)) {
            return sf_cli_usage_error("test", "unknown option '%s'", argv[a.i]);
        } else {
            o->paths[o->path_count++] = argv[a.i];
        }
        if (a.failed)
            return SF_EXIT_USAGE;
    }
    return SF_EXIT_OK;
}

/* ---- Finding the files ---- */

typedef struct path_list {
    char **items;
    size_t count, capacity;
} path_list;

static void path_list_add(path_list *l, char *path)
{
    if (l->count == l->capacity) {
        l->capacity = l->capacity ? 2 * l->capacity : 16;
        l->items = sf_realloc(l->items, l->capacity * sizeof *l->items);
    }
    l->items[l->count++] = path;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_test_file_name(const char *name)
{
    size_t n = strlen(name), k = strlen(".test.json");
    return n > k && strcmp(name + n - k, ".test.json") == 0;
}

static char *join_path(const char *dir, const char *name)
{
    if (strcmp(dir, ".") == 0)
        return sf_strdup(name);
    size_t n = strlen(dir);
    return sf_asprintf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

/* Every *.test.json under dir, in name order; symbolic links to folders
 * are not followed (no loops), hidden entries are skipped (.git, the
 * store .stepfn). */
static void find_test_files(const char *dir, path_list *out)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "stepfn test: warning: %s: cannot read the folder: %s\n", dir,
                strerror(errno));
        return;
    }
    path_list names = {0};
    struct dirent *ent;
    while ((ent = readdir(d)))
        if (ent->d_name[0] != '.')
            path_list_add(&names, sf_strdup(ent->d_name));
    closedir(d);
    if (names.count)
        qsort(names.items, names.count, sizeof *names.items, compare_names);
    for (size_t i = 0; i < names.count; i++) {
        char *path = join_path(dir, names.items[i]);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            find_test_files(path, out);
            free(path);
        } else if (is_test_file_name(names.items[i]) && stat(path, &st) == 0 &&
                   S_ISREG(st.st_mode)) {
            path_list_add(out, path);
        } else {
            free(path);
        }
        free(names.items[i]);
    }
    free(names.items);
}

static int collect_files(const test_options *o, path_list *out)
{
    if (o->path_count == 0) {
        struct stat st;
        find_test_files(stat("tests", &st) == 0 && S_ISDIR(st.st_mode) ? "tests" : ".", out);
        if (!out->count)
            return sf_cli_usage_error("test", "no *.test.json files under %s",
                                      stat("tests", &st) == 0 ? "tests/" : "the current folder");
        return SF_EXIT_OK;
    }
    for (size_t i = 0; i < o->path_count; i++) {
        struct stat st;
        const char *p = o->paths[i];
        if (stat(p, &st) != 0)
            return sf_cli_usage_error("test", "%s: %s", p, strerror(errno));
        if (!S_ISDIR(st.st_mode)) {
            path_list_add(out, sf_strdup(p));
            continue;
        }
        size_t before = out->count;
        find_test_files(p, out);
        if (out->count == before)
            return sf_cli_usage_error("test", "no *.test.json files under %s", p);
    }
    return SF_EXIT_OK;
}

/* ---- Loading what a file names ---- */

/* A path of a test file, relative to the test file's folder. */
static char *beside(const char *test_path, const char *rel)
{
    if (rel[0] == '/')
        return sf_strdup(rel);
    char *copy = sf_strdup(test_path);
    char *p = join_path(dirname(copy), rel);
    free(copy);
    return p;
}

static char *test_file_stem(const char *path)
{
    const char *base = strrchr(path, '/');
    char *name = sf_strdup(base ? base + 1 : path);
    size_t n = strlen(name), k = strlen(".test.json");
    if (n > k && strcmp(name + n - k, ".test.json") == 0)
        name[n - k] = '\0';
    else if (n > 5 && strcmp(name + n - 5, ".json") == 0)
        name[n - 5] = '\0';
    return name;
}

static void invalid(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void invalid(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("stepfn test: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static bool load_source(test_source *s)
{
    size_t len;
    char *text = sf_read_file(s->path, &len);
    if (!text) {
        invalid("%s: cannot read the test file: %s", s->path, strerror(errno));
        return false;
    }
    char *stem = test_file_stem(s->path);
    char *err = NULL;
    s->file = sf_test_file_parse(text, len, s->path, stem, &err);
    free(text);
    s->default_name = stem;
    if (!s->file) {
        invalid("%s", err);
        free(err);
        return false;
    }
    s->def_path = beside(s->path, s->file->definition);
    s->def_text = sf_read_file(s->def_path, &s->def_len);
    if (!s->def_text) {
        invalid("%s: /definition: cannot read %s: %s", s->path, s->def_path, strerror(errno));
        return false;
    }
    s->def_folder = sf_folder_of(s->def_path);
    s->machine = s->file->state_machine ? sf_strdup(s->file->state_machine)
                                        : sf_cli_machine_name(s->def_path);
    if (s->file->resources) {
        char *path = beside(s->path, s->file->resources);
        s->resources = sf_resources_load(path, &err);
        free(path);
        if (!s->resources) {
            invalid("%s: /resources: %s", s->path, err);
            free(err);
            return false;
        }
    }
    if (s->file->mock_config) {
        char *path = beside(s->path, s->file->mock_config);
        s->mocks = sf_mock_config_load(path, &err);
        free(path);
        if (!s->mocks) {
            invalid("%s: /mockConfig: %s", s->path, err);
            free(err);
            return false;
        }
    }
    return true;
}

static void free_source(test_source *s)
{
    sf_test_file_free(s->file);
    free(s->default_name);
    free(s->def_path);
    free(s->def_text);
    free(s->def_folder);
    free(s->machine);
    sf_resources_free(s->resources);
    sf_mock_config_free(s->mocks);
}

/* Compile the definition for one test, with its mock case. */
static bool prepare_run(test_run *t)
{
    test_source *s = t->source;
    char *err = NULL;
    if (t->spec->test_case) {
        t->mock_case = sf_mock_config_case(s->mocks, s->machine, t->spec->test_case, &err);
        if (!t->mock_case) {
            invalid("%s: %s/testCase: %s", s->path, t->spec->pointer, err);
            free(err);
            return false;
        }
    }
    sf_diags diags = SF_DIAGS_INIT;
    sf_load_options load = {
        .base_dir = s->def_folder, .resources = s->resources, .mock_case = t->mock_case};
    t->def =
        sf_definition_parse_ex(s->def_text, s->def_len, s->def_path, sf_state_types, &load, &diags);
    bool ok = t->def && !diags.errors;
    if (!ok) {
        t->source->broken = true;
        sf_cli_print_diags(stderr, s->def_path, &diags);
        invalid("%s: the definition %s is invalid (%zu error(s)); no test ran", s->path,
                s->def_path, diags.errors ? diags.errors : 1);
    }
    sf_diags_free(&diags);
    if (ok && t->mock_case && !sf_mock_case_check(t->mock_case, t->def, &err)) {
        invalid("%s: test case '%s' does not fit %s: %s", s->path, t->spec->test_case, s->def_path,
                err);
        free(err);
        ok = false;
    }
    return ok;
}

/* ---- Running ---- */

/* An execution name from the test's name: what AWS allows of it, and a
 * random tail so that a kept store can hold many runs of one test. */
static void execution_name(const char *test_name, char out[81])
{
    size_t n = 0;
    for (const char *p = test_name; *p && n < 60; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        out[n++] = ok ? c : '-';
    }
    char uuid[37];
    sf_store_new_uuid(uuid);
    snprintf(out + n, 81 - n, "%s%.8s", n ? "-" : "test-", uuid);
}

static void on_test_done(sf_exec *e, void *data)
{
    test_run *t = data;
    t->end_ns = uv_hrtime();
    if (t->clock && --t->clock->live == 0)
        uv_timer_stop(&t->clock->timer); /* lets the loop end */
    sf_runner_exec_done(e, t->runner);
}

static void start_run(test_run *t, sf_runner *runner, const char *store)
{
    t->runner = runner;
    execution_name(t->spec->name, t->exec_name);
    char *err = NULL;
    bool exists = false;
    int lock = -1;
    t->exec_dir = sf_store_create_execution(store, t->exec_name, t->source->def_text,
                                            t->source->def_len, &exists, &lock, &err);
    if (t->exec_dir) {
        sf_exec_config cfg = {.name = t->exec_name,
                              .state_machine_name = t->source->machine,
                              .exec_dir = t->exec_dir,
                              .fsync = SF_FSYNC_NEVER,
                              .mock_case = t->mock_case,
                              .time_scale = &t->scale};
        t->start_ns = uv_hrtime();
        t->exec = sf_exec_start(sf_runner_loop(runner), t->def, t->spec->input, &cfg, on_test_done,
                                t, &err);
        if (t->exec) {
            sf_runner_add(runner, t->exec, lock, store);
            return;
        }
        close(lock);
    }
    t->store_error = err ? err : sf_strdup("the execution could not be created");
}

/* --timeout: abort what is still running (each such test fails). */
static void on_timeout(uv_timer_t *timer)
{
    test_clock *clock = timer->data;
    for (size_t i = 0; i < clock->count; i++) {
        test_run *t = &clock->runs[i];
        if (t->exec && !t->end_ns) {
            t->cut_off = true;
            char *cause = sf_asprintf("the test ran longer than --timeout %g s", clock->seconds);
            sf_exec_abort(t->exec, "States.Aborted", cause);
            free(cause);
        }
    }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* ---- The command ---- */

typedef struct test_session {
    test_options opts;
    path_list files;
    test_source *sources;
    size_t source_count;
    test_run *runs;
    size_t run_count;
} test_session;

static int load_all(test_session *ss)
{
    int status = SF_EXIT_OK;
    ss->sources = sf_calloc(ss->files.count, sizeof *ss->sources);
    size_t total = 0;
    for (size_t i = 0; i < ss->files.count; i++) {
        test_source *s = &ss->sources[ss->source_count++];
        s->path = ss->files.items[i];
        if (!load_source(s))
            status = SF_EXIT_INVALID_DEFINITION;
        else
            total += s->file->count;
    }
    if (status != SF_EXIT_OK)
        return status;
    ss->runs = sf_calloc(total ? total : 1, sizeof *ss->runs);
    for (size_t i = 0; i < ss->source_count; i++) {
        test_source *s = &ss->sources[i];
        for (size_t k = 0; k < s->file->count; k++) {
            const sf_test_spec *spec = &s->file->tests[k];
            char *full = sf_asprintf("%s > %s", s->path, spec->name);
            if (ss->opts.filter && !strstr(full, ss->opts.filter)) {
                free(full);
                continue;
            }
            test_run *t = &ss->runs[ss->run_count++];
            t->source = s;
            t->spec = spec;
            t->full_name = full;
            double wait = ss->opts.has_wait_scale ? ss->opts.wait_scale : spec->wait_scale;
            t->scale = (sf_time_scale){.wait = wait, .timeout = 1};
            if (s->broken || !prepare_run(t))
                status = SF_EXIT_INVALID_DEFINITION;
        }
    }
    if (status == SF_EXIT_OK && ss->run_count == 0)
        return sf_cli_usage_error("test", "no test matches --filter '%s'", ss->opts.filter);
    return status;
}

static int run_all(test_session *ss)
{
    char *store = NULL;
    bool temporary = !ss->opts.store;
    if (temporary) {
        const char *tmp = getenv("TMPDIR");
        store = sf_asprintf("%s/stepfn-test-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        if (!mkdtemp(store)) {
            fprintf(stderr, "stepfn test: cannot make a temporary store %s: %s\n", store,
                    strerror(errno));
            free(store);
            return SF_EXIT_STORE;
        }
    } else {
        store = sf_strdup(ss->opts.store);
    }
    sf_runner *runner = sf_runner_new("test");
    /* Counted down as tests end (even one that ended as it started) or
     * fail to start. */
    test_clock clock = {.runs = ss->runs,
                        .count = ss->run_count,
                        .live = ss->run_count,
                        .seconds = ss->opts.timeout};
    uv_timer_init(sf_runner_loop(runner), &clock.timer);
    clock.timer.data = &clock;
    for (size_t i = 0; i < ss->run_count; i++) {
        ss->runs[i].clock = ss->opts.timeout ? &clock : NULL;
        start_run(&ss->runs[i], runner, store);
        clock.live -= ss->runs[i].exec == NULL;
    }
    if (ss->opts.timeout && clock.live)
        uv_timer_start(&clock.timer, on_timeout, (uint64_t)(ss->opts.timeout * 1000.0), 0);
    uv_run(sf_runner_loop(runner), UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&clock.timer, NULL); /* closed by sf_runner_free's last turn */
    for (size_t i = 0; i < ss->run_count; i++)
        sf_test_run_evaluate(&ss->runs[i]);
    sf_test_report_options ro = {
        .format = ss->opts.format, .junit = ss->opts.junit, .store = temporary ? NULL : store};
    int status = sf_test_report(ss->runs, ss->run_count, &ro);
    sf_runner_free(runner);
    if (temporary)
        nftw(store, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(store);
    return status;
}

int sf_cmd_test(int argc, char **argv)
{
    test_session ss = {0};
    int status = parse_test_args(argc, argv, &ss.opts);
    if (status == SF_EXIT_OK)
        status = collect_files(&ss.opts, &ss.files);
    if (status == SF_EXIT_OK)
        status = load_all(&ss);
    if (status == SF_EXIT_OK)
        status = run_all(&ss);
    for (size_t i = 0; i < ss.run_count; i++)
        sf_test_run_free(&ss.runs[i]);
    for (size_t i = 0; i < ss.source_count; i++)
        free_source(&ss.sources[i]);
    for (size_t i = 0; i < ss.files.count; i++)
        free(ss.files.items[i]);
    free(ss.files.items);
    free(ss.sources);
    free(ss.runs);
    free(ss.opts.paths);
    return status < 0 ? SF_EXIT_OK : status;
}
