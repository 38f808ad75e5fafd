/*
 * main.c — `stepfn`: dispatch to a subcommand.
 *
 * Before dispatching, the soft limit on open files is raised to the hard
 * limit: `stepfn resume` of a whole store holds one lock descriptor per
 * execution, and the usual soft limit of 1,024 would cap it far below what
 * the system allows. Failing to raise it is not an error (the command then
 * reports EMFILE where it runs out).
 *
 * The first thing main does is give jansson its allocator (json_alloc.h):
 * no JSON value may exist before that.
 *
 * SIGXFSZ is ignored: a history or store file that reaches the file size
 * limit (RLIMIT_FSIZE, `ulimit -f`) must fail its write with EFBIG, which
 * the store reports (exit 4, the path named) with everything written before
 * intact, rather than kill stepfn with a core dump in mid-write. Step
 * programs get the default action back (process_spawn.c).
 */
#include "tools/cli.h"
#include "engine/json_alloc.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

static void raise_open_file_limit(void)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"run", sf_cmd_run, "run a state machine definition and record its history"},
    {"test", sf_cmd_test, "run state machine test files (*.test.json) and report"},
    {"validate", sf_cmd_validate, "check definitions; print every problem found"},
    {"describe", sf_cmd_describe, "show an execution, shaped like DescribeExecution"},
    {"history", sf_cmd_history, "print an execution's events, as GetExecutionHistory"},
    {"list", sf_cmd_list, "list the executions in the store, newest first"},
    {"graph", sf_cmd_graph, "draw a definition or an execution as Graphviz (DOT, SVG, PNG)"},
    {"replay", sf_cmd_replay, "redrive a failed execution from where it failed"},
    {"redrive", sf_cmd_replay, "the same as replay (the AWS name)"},
    {"resume", sf_cmd_resume, "continue executions cut off by a crash"},
    {"test-state", sf_cmd_test_state, "run one state in isolation, as AWS's TestState"},
    {"serve", sf_cmd_serve, "serve the AWS Step Functions API (JSON 1.0) over HTTP"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: stepfn COMMAND [ARGS...]\n\n"
                 "Runs Amazon States Language state machines locally, checkpointed to disk.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'stepfn COMMAND --help' describes a command.\n"
                 "Exit status: 0 succeeded, 1 the execution failed, timed out or was aborted,\n"
                 "2 usage error, 3 invalid definition, 4 store or I/O error.\n");
}

int main(int argc, char **argv)
{
    sf_json_alloc_init();
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return SF_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return SF_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("stepfn 0.1.0\n");
        return SF_EXIT_OK;
    }
    raise_open_file_limit();
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "stepfn: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return SF_EXIT_USAGE;
}
