/*
 * fuzz_common.c — see fuzz_common.h.
 *
 * The definitions folder is found through STEPFN_FUZZ_DEFINITIONS, else
 * the path the build compiled in (SF_FUZZ_DEFINITIONS_DIR), so a target
 * binary runs from any working directory.
 */
#include "tests/fuzz/fuzz_common.h"
#include "engine/cursor.h"
#include "engine/exec.h"
#include "engine/json_util.h"
#include "engine/loop_context.h"
#include "engine/xalloc.h"
#include "states/states.h"

#include <dirent.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SF_FUZZ_DEFINITIONS_DIR
#define SF_FUZZ_DEFINITIONS_DIR "tests/fuzz/definitions"
#endif

/* How long an execution may run before it is aborted: long enough for
 * everything that does not wait on a timer, short enough that an input
 * which parks in a Wait costs the fuzzer little. */
#define SF_FUZZ_EXEC_MS 20

char *sf_fuzz_text_copy(const uint8_t *data, size_t size)
{
    char *s = sf_malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* ---- Scratch folder ---- */

static char scratch[64];

static void scratch_remove(void)
{
    sf_fuzz_dir_clear();
    if (scratch[0])
        rmdir(scratch);
}

const char *sf_fuzz_dir(void)
{
    if (!scratch[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(scratch, sizeof scratch, "%s/stepfn-fuzz-XXXXXX",
                 tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
        if (!mkdtemp(scratch)) {
            scratch[0] = '\0';
            return NULL;
        }
        atexit(scratch_remove);
    }
    return scratch;
}

/* Remove what folder holds, depth first (not the folder itself). */
static void remove_contents(const char *folder)
{
    DIR *d = opendir(folder);
    if (!d)
        return;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        char *path = sf_asprintf("%s/%s", folder, ent->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            remove_contents(path);
            rmdir(path);
        } else {
            unlink(path);
        }
        free(path);
    }
    closedir(d);
}

void sf_fuzz_dir_clear(void)
{
    if (scratch[0])
        remove_contents(scratch);
}

char *sf_fuzz_file_write(const char *name, const void *data, size_t len)
{
    const char *dir = sf_fuzz_dir();
    if (!dir)
        return NULL;
    char *path = sf_asprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok) {
        unlink(path);
        free(path);
        return NULL;
    }
    return path;
}

/* ---- The echo Task ---- */

static void echo_run(sf_cursor *c, json_t *effective_input)
{
    json_t *error =
        json_is_object(effective_input) ? json_object_get(effective_input, "EchoError") : NULL;
    if (json_is_string(error)) {
        sf_cursor_state_failed(c, json_string_value(error), "the echo task was asked to fail");
        return;
    }
    sf_cursor_state_done(c, json_incref(effective_input), NULL);
}

static sf_state_type echo_task;

const sf_state_type *const *sf_fuzz_state_types(void)
{
    static const sf_state_type *types[16];
    if (!types[0]) {
        echo_task = (sf_state_type){.name = "Task",
                                    .common_fields = sf_state_task.common_fields,
                                    .own_fields = sf_state_task.own_fields,
                                    .run = echo_run};
        size_t n = 0;
        for (size_t i = 0; sf_state_types[i] && n + 1 < 16; i++)
            types[n++] = sf_state_types[i] == &sf_state_task ? &echo_task : sf_state_types[i];
        types[n] = NULL;
    }
    return types;
}

/* ---- Fixed definitions ---- */

typedef struct definition_set {
    bool loaded;
    char **texts;
    size_t *lens;
    size_t count;
} definition_set;

static definition_set defs;

static int name_order(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void definitions_load(void)
{
    defs.loaded = true;
    const char *dir = getenv("STEPFN_FUZZ_DEFINITIONS");
    if (!dir || !*dir)
        dir = SF_FUZZ_DEFINITIONS_DIR;
    DIR *d = opendir(dir);
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        size_t k = strlen(ent->d_name);
        if (k > 5 && strcmp(ent->d_name + k - 5, ".json") == 0) {
            names = sf_realloc(names, (n + 1) * sizeof *names);
            names[n++] = sf_strdup(ent->d_name);
        }
    }
    closedir(d);
    if (n) /* qsort may not be given NULL, even for no elements */
        qsort(names, n, sizeof *names, name_order);
    defs.texts = sf_calloc(n ? n : 1, sizeof *defs.texts);
    defs.lens = sf_calloc(n ? n : 1, sizeof *defs.lens);
    for (size_t i = 0; i < n; i++) {
        char *path = sf_asprintf("%s/%s", dir, names[i]);
        char *text = sf_read_file(path, &defs.lens[defs.count]);
        if (text)
            defs.texts[defs.count++] = text;
        free(path);
        free(names[i]);
    }
    free(names);
}

size_t sf_fuzz_definition_count(void)
{
    if (!defs.loaded)
        definitions_load();
    return defs.count;
}

const char *sf_fuzz_definition_text(size_t index, size_t *len)
{
    if (index >= sf_fuzz_definition_count())
        return NULL;
    *len = defs.lens[index];
    return defs.texts[index];
}

sf_definition *sf_fuzz_definition_compile(size_t index)
{
    size_t len;
    const char *text = sf_fuzz_definition_text(index, &len);
    if (!text)
        return NULL;
    sf_diags diags = SF_DIAGS_INIT;
    sf_definition *def =
        sf_definition_parse(text, len, "fuzz definition", sf_fuzz_state_types(), &diags);
    size_t errors = diags.errors;
    sf_diags_free(&diags);
    if (!def || errors) {
        fprintf(stderr, "fuzz: fixed definition %zu does not compile\n", index);
        abort();
    }
    return def;
}

/* ---- One execution ---- */

typedef struct fuzz_run {
    sf_exec *exec;
    uv_timer_t watchdog;
    bool watchdog_open;
} fuzz_run;

static void watchdog_fired(uv_timer_t *t)
{
    fuzz_run *run = t->data;
    if (run->exec)
        sf_exec_abort(run->exec, "States.Aborted", "the fuzz run took too long");
}

static void run_done(sf_exec *e, void *data)
{
    (void)e;
    fuzz_run *run = data;
    if (run->watchdog_open) {
        uv_close((uv_handle_t *)&run->watchdog, NULL);
        run->watchdog_open = false;
    }
}

/* With STEPFN_FUZZ_VERBOSE set, how each run ended: to see what the seeds
 * reach (fuzz_replay_input tests/fuzz/corpus/input). */
static void report(const sf_exec *e, bool continued, const char *err)
{
    if (!getenv("STEPFN_FUZZ_VERBOSE"))
        return;
    if (!e) {
        fprintf(stderr, "fuzz: not started: %s\n", err ? err : "?");
        return;
    }
    const sf_summary *s = sf_exec_summary(e);
    fprintf(stderr, "fuzz: %s %s %s\n", continued ? "continued" : "ran", s->status,
            s->error ? s->error : "");
}

void sf_fuzz_exec_run(sf_definition *def, json_t *input, json_t *events, sf_replay_mode mode,
                      const char *from_state)
{
    const char *dir = sf_fuzz_dir();
    if (!dir)
        return;
    /* uv_loop_init keeps loop.data, which the engine owns (its loop
     * context) and reads as a pointer: it must start NULL. */
    uv_loop_t loop;
    memset(&loop, 0, sizeof loop);
    uv_loop_init(&loop);
    fuzz_run run = {0};
    uv_timer_init(&loop, &run.watchdog);
    run.watchdog.data = &run;
    run.watchdog_open = true;
    sf_exec_config cfg = {
        .name = "fuzz", .state_machine_name = "fuzz", .exec_dir = dir, .fsync = SF_FSYNC_NEVER};
    char *err = NULL;
    run.exec =
        events ? sf_exec_continue(&loop, def, events, mode, from_state, &cfg, run_done, &run, &err)
               : sf_exec_start(&loop, def, input, &cfg, run_done, &run, &err);
    if (run.exec)
        uv_timer_start(&run.watchdog, watchdog_fired, SF_FUZZ_EXEC_MS, 0);
    else
        run_done(NULL, &run);
    uv_run(&loop, UV_RUN_DEFAULT);
    report(run.exec, events != NULL, err);
    free(err);
    sf_exec_free(run.exec);
    sf_loop_context_close(&loop);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    sf_fuzz_dir_clear(); /* the history, and a Distributed Map's results/ */
}
