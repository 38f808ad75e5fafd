/*
 * cmd_graph.c — `stepfn graph`: draw a definition, or an execution coloured
 * by its history, as Graphviz DOT (or SVG/PNG through Graphviz's `dot`).
 *
 * The DOT text is built in memory first, so nothing is written when the
 * definition or the history cannot be read. A definition with errors is
 * still drawn as far as it compiled (a picture helps to see what is wrong)
 * but the exit status is 3, as `validate` would give. SVG and PNG pipe the
 * DOT text into `dot`; when it is missing the message names the Debian
 * package, and a `dot` that fails is an I/O error (exit 4). PNG is binary
 * and is never written to a terminal.
 */
#include "engine/store/store.h"
#include "engine/timestamp.h"
#include "engine/xalloc.h"
#include "states/states.h"
#include "tools/cli.h"
#include "tools/graph/graph_dot.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char graph_help[] =
    "usage: stepfn graph [options] [--] DEF\n"
    "       stepfn graph --execution NAME [--store DIR] [options]\n"
    "\n"
    "Draws a state machine as a Graphviz graph: a node per state (its shape says\n"
    "its type), Start and End markers, edges for Next, Default and each Choice\n"
    "rule (labelled with its condition), dashed Catch edges labelled with the\n"
    "errors they catch, Retry rules on the states that retry, and Parallel\n"
    "branches and Map item processors as nested boxes.\n"
    "\n"
    "With --execution, the graph of that execution's definition is coloured by\n"
    "what happened, read from its history: green succeeded, yellow retried,\n"
    "orange caught, red failed (with the error), blue running, grey stopped,\n"
    "white not reached. Edges taken are bold, with a count when taken more than\n"
    "once; each state visited shows its duration and Map states their items.\n"
    "After a replay the latest attempt of each state is shown.\n"
    "\n"
    "  --execution NAME    draw this execution from the store\n"
    "  --store DIR         store folder (default $STEPFN_STORE, else ./.stepfn)\n"
    "  --format FORMAT     dot (default), svg or png; svg and png run Graphviz's\n"
    "                      `dot` (Debian package: graphviz)\n"
    "  -o, --output FILE   write to FILE instead of standard output\n"
    "  --rankdir TB|LR     top-down or left-to-right (default: whichever fits)\n"
    "  --no-legend         leave the legend out\n" SF_CLI_HELP_END_OF_OPTIONS "\n"
    "Example: stepfn graph --execution nightly-42 --format png -o nightly-42.png\n"
    "\n"
    "Exit status: 0 drawn, 2 usage error or no such execution, 3 invalid\n"
    "definition (drawn as far as it compiled), 4 I/O error or `dot` missing\n"
    "or failing.\n";

typedef struct graph_options {
    const char *def_path;
    const char *execution;
    const char *store;
    const char *format;
    const char *output;
    const char *rankdir;
    bool legend;
} graph_options;

static int check_graph_options(const graph_options *o)
{
    if (!o->def_path == !o->execution)
        return sf_cli_usage_error("graph", o->def_path ? "give DEF or --execution NAME, not both"
                                                       : "give a definition file or "
                                                         "--execution NAME");
    if (strcmp(o->format, "dot") != 0 && strcmp(o->format, "svg") != 0 &&
        strcmp(o->format, "png") != 0)
        return sf_cli_usage_error("graph", "--format must be dot, svg or png, not '%s'", o->format);
    if (o->rankdir && strcmp(o->rankdir, "TB") != 0 && strcmp(o->rankdir, "LR") != 0)
        return sf_cli_usage_error("graph", "--rankdir must be TB or LR, not '%s'", o->rankdir);
    if (strcmp(o->format, "png") == 0 && !o->output && isatty(STDOUT_FILENO))
        return sf_cli_usage_error("graph", "PNG is binary: give -o FILE or redirect the output");
    return SF_EXIT_OK;
}

/* Returns SF_EXIT_OK, a usage error, or -1 after printing help. */
static int parse_graph_args(int argc, char **argv, graph_options *o)
{
    sf_args a;
    sf_args_init(&a, argc, argv);
    for (; a.i < argc; a.i++) {
        if (sf_args_end_of_options(&a)) {
            continue;
        } else if (sf_args_is_help(&a)) {
            fputs(graph_help, stdout);
            return -1;
        } else if (sf_args_option(&a, "--execution")) {
            o->execution = a.value;
        } else if (sf_args_option(&a, "--store")) {
            o->store = a.value;
        } else if (sf_args_option(&a, "--format")) {
            o->format = a.value;
        } else if (sf_args_option(&a, "--output") || sf_args_option(&a, "-o")) {
            o->output = a.value;
        } else if (sf_args_option(&a, "--rankdir")) {
            o->rankdir = a.value;
        } else if (sf_args_flag(&a, "--no-legend")) {
            o->legend = false;
        } else if (sf_args_unknown_option(&a)) {
            return sf_cli_usage_error("graph", "unknown option '%s'", argv[a.i]);
        } else if (!o->def_path) {
            o->def_path = argv[a.i];
        } else {
            return sf_cli_usage_error("graph", "unexpected argument '%s'", argv[a.i]);
        }
        if (a.failed)
            return SF_EXIT_USAGE;
    }
    return check_graph_options(o);
}

/* ---- Loading ---- */

/* Compile the definition at path (shown as `origin` in messages) and print
 * its diagnostics. *invalid says it had errors; NULL when there is nothing
 * to draw at all. */
static sf_definition *load_definition(const char *path, const char *origin, bool *invalid)
{
    sf_diags diags = SF_DIAGS_INIT;
    sf_definition *def = sf_definition_load(path, sf_state_types, &diags);
    sf_cli_print_diags(stderr, origin, &diags);
    *invalid = !def || diags.errors > 0;
    if (def && !def->top) {
        sf_definition_free(def);
        def = NULL;
    }
    if (def && diags.errors)
        fprintf(stderr, "stepfn graph: %s is invalid (%zu error(s)); drawn as far as it compiled\n",
                origin, diags.errors);
    sf_diags_free(&diags);
    return def;
}

static int draw_definition(const graph_options *o, graph_text *dot)
{
    bool invalid = false;
    sf_definition *def = load_definition(o->def_path, o->def_path, &invalid);
    if (!def)
        return SF_EXIT_INVALID_DEFINITION;
    const char *slash = strrchr(o->def_path, '/');
    graph_dot_options opts = {
        .rankdir = o->rankdir,
        .legend = o->legend,
        .title = slash ? slash + 1 : o->def_path,
        .subtitle = json_string_value(json_object_get(def->json, "Comment")),
    };
    graph_model *m = graph_model_build(def);
    graph_dot_write(dot, m, NULL, &opts);
    graph_model_free(m);
    sf_definition_free(def);
    return invalid ? SF_EXIT_INVALID_DEFINITION : SF_EXIT_OK;
}

/* "FAILED · 3.2 s · redriven ×1 · States.TaskFailed" */
static char *execution_subtitle(const sf_summary *s, int64_t now_ms)
{
    graph_text t;
    graph_text_init(&t);
    graph_text_append(&t, s->status ? s->status : "UNKNOWN");
    if (s->start_ms) {
        graph_text_append(&t, " \xC2\xB7 ");
        graph_text_duration(&t, (s->stop_ms ? s->stop_ms : now_ms) - s->start_ms);
    }
    if (s->redrive_count)
        graph_text_printf(&t, " \xC2\xB7 redriven \xC3\x97%d", s->redrive_count);
    if (s->error)
        graph_text_printf(&t, " \xC2\xB7 %s", s->error);
    return graph_text_steal(&t);
}

static int draw_execution(const graph_options *o, graph_text *dot)
{
    char *store = sf_store_resolve(o->store);
    sf_summary s;
    json_t *events = NULL;
    int st = sf_cli_load_summary(store, o->execution, &s, &events);
    if (st != SF_EXIT_OK) {
        free(store);
        return st;
    }
    char *err = NULL, *dir = sf_store_execution_dir(store, o->execution, NULL, &err);
    char *path = dir ? sf_store_file(dir, "definition.json") : NULL;
    bool invalid = false;
    sf_definition *def = path ? load_definition(path, path, &invalid) : NULL;
    if (def) {
        int64_t now = sf_now_ms();
        const char *machine =
            s.state_machine_arn ? strstr(s.state_machine_arn, ":stateMachine:") : NULL;
        char *title = machine ? sf_asprintf("%s \xC2\xB7 execution %s", machine + 14, o->execution)
                              : sf_asprintf("execution %s", o->execution);
        char *subtitle = execution_subtitle(&s, now);
        graph_dot_options opts = {o->rankdir, o->legend, title, subtitle};
        graph_model *m = graph_model_build(def);
        graph_overlay *ov = graph_overlay_build(m, events, now);
        if (ov->unmatched)
            fprintf(stderr,
                    "stepfn graph: %s: %zu history event(s) do not fit the definition; "
                    "left out\n",
                    o->execution, ov->unmatched);
        graph_dot_write(dot, m, ov, &opts);
        graph_overlay_free(ov);
        graph_model_free(m);
        free(title);
        free(subtitle);
    } else if (err) {
        fprintf(stderr, "stepfn graph: %s\n", err);
    }
    st = !dir ? SF_EXIT_STORE : !def || invalid ? SF_EXIT_INVALID_DEFINITION : SF_EXIT_OK;
    sf_definition_free(def);
    free(path), free(dir), free(err), free(store);
    json_decref(events);
    sf_summary_free(&s);
    return st;
}

/* ---- Output ---- */

static bool write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

static int write_dot_text(const graph_options *o, const graph_text *dot)
{
    if (!o->output) {
        if (fwrite(dot->data, 1, dot->len, stdout) == dot->len && fflush(stdout) == 0)
            return SF_EXIT_OK;
        fprintf(stderr, "stepfn graph: cannot write to standard output: %s\n", strerror(errno));
        return SF_EXIT_STORE;
    }
    FILE *f = fopen(o->output, "w");
    bool ok = f && fwrite(dot->data, 1, dot->len, f) == dot->len;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "stepfn graph: cannot write %s: %s\n", o->output, strerror(errno));
        return SF_EXIT_STORE;
    }
    return SF_EXIT_OK;
}

/* The full path of `name` on $PATH, or NULL (malloc'd). */
static char *find_program(const char *name)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ":");
        char *candidate = sf_asprintf("%.*s/%s", (int)n, n ? p : ".", name);
        if (access(candidate, X_OK) == 0)
            return candidate;
        free(candidate);
        p += n + (p[n] == ':');
    }
    return NULL;
}

/* Start dot reading the DOT text from a pipe; returns its pid or -1. */
static pid_t spawn_dot(const char *program, const graph_options *o, int *to_dot)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    char *type = sf_asprintf("-T%s", o->format);
    char *args[] = {"dot", type, o->output ? "-o" : NULL, (char *)o->output, NULL};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    pid_t pid;
    int rc = posix_spawn(&pid, program, &actions, NULL, args, environ);
    posix_spawn_file_actions_destroy(&actions);
    free(type);
    close(fds[0]);
    if (rc != 0) {
        close(fds[1]);
        errno = rc;
        return -1;
    }
    *to_dot = fds[1];
    return pid;
}

static int run_dot(const graph_options *o, const graph_text *dot)
{
    char *program = find_program("dot");
    if (!program) {
        fprintf(stderr,
                "stepfn graph: --format %s needs Graphviz's `dot`, which is not installed.\n"
                "Install the Debian package graphviz (apt-get install graphviz), or use "
                "--format dot.\n",
                o->format);
        return SF_EXIT_STORE;
    }
    int to_dot = -1;
    pid_t pid = spawn_dot(program, o, &to_dot);
    if (pid < 0) {
        fprintf(stderr, "stepfn graph: cannot run %s: %s\n", program, strerror(errno));
        free(program);
        return SF_EXIT_STORE;
    }
    /* A dot that dies early must not kill us with SIGPIPE: its exit status
     * tells what went wrong. */
    struct sigaction ignore = {.sa_handler = SIG_IGN}, previous;
    sigaction(SIGPIPE, &ignore, &previous);
    bool written = write_all(to_dot, dot->data, dot->len);
    close(to_dot);
    sigaction(SIGPIPE, &previous, NULL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    bool ok = written && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok)
        fprintf(stderr, "stepfn graph: %s failed to draw the graph (see its message above)\n",
                program);
    free(program);
    return ok ? SF_EXIT_OK : SF_EXIT_STORE;
}

int sf_cmd_graph(int argc, char **argv)
{
    graph_options o = {.format = "dot", .legend = true};
    int st = parse_graph_args(argc, argv, &o);
    if (st)
        return st < 0 ? SF_EXIT_OK : st;
    graph_text dot;
    graph_text_init(&dot);
    st = o.execution ? draw_execution(&o, &dot) : draw_definition(&o, &dot);
    if (dot.len > 0) {
        int out = strcmp(o.format, "dot") == 0 ? write_dot_text(&o, &dot) : run_dot(&o, &dot);
        if (out != SF_EXIT_OK)
            st = out;
    }
    graph_text_free(&dot);
    return st;
}
