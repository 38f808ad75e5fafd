/*
 * cli.h — what the `stepfn` subcommands share: option parsing, exit
 * statuses, printing diagnostics and executions.
 */
#ifndef SF_CLI_H
#define SF_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "engine/diag.h"
#include "engine/mock/mock_config.h"
#include "engine/store/summary.h"

/* Exit statuses fixed by the design. */
enum {
    SF_EXIT_OK = 0,
    SF_EXIT_EXECUTION_FAILED = 1, /* failed, timed out or aborted */
    SF_EXIT_USAGE = 2,
    SF_EXIT_INVALID_DEFINITION = 3,
    SF_EXIT_STORE = 4,
};

typedef enum { SF_FORMAT_TEXT, SF_FORMAT_JSON } sf_format;

/* A tiny option scanner: `--name value` and `--name=value`, flags, and
 * positional arguments, in any order. The first `--` ends the options:
 * every argument after it is positional, so an execution named `-x` (a
 * valid AWS name) can be given as `stepfn describe -- -x`. */
typedef struct sf_args {
    int argc;
    char **argv;
    int i;
    const char *value; /* value of the last matched option */
    bool failed;
    bool operands_only; /* past `--` */
} sf_args;

void sf_args_init(sf_args *a, int argc, char **argv);
/* True when the current argument is the `--` that ends the options (the
 * caller skips it); from then on no option or flag matches. */
bool sf_args_end_of_options(sf_args *a);
/* True when the current argument is option `name` taking a value; sets
 * a->value (reports a missing value and sets a->failed). */
bool sf_args_option(sf_args *a, const char *name);
bool sf_args_flag(sf_args *a, const char *name);
bool sf_args_is_help(sf_args *a);
/* The current argument looks like an option (a leading '-', not "-" alone)
 * and comes before `--`: one no option matched. */
bool sf_args_unknown_option(const sf_args *a);
/* The line every command's help gives for `--`. */
#define SF_CLI_HELP_END_OF_OPTIONS                                                                 \
    "  --                  end of options: what follows is a name or a file even when\n"           \
    "                      it starts with '-' (stepfn describe -- -x)\n"

/* What commands that act on stored executions take: [NAME] [--store DIR]
 * [--format F], plus extra options with a value. */
typedef enum { SF_CLI_NO_NAME, SF_CLI_NAME_OPTIONAL, SF_CLI_NAME_REQUIRED } sf_cli_name_rule;
typedef struct sf_cli_extra {
    const char *option; /* e.g. "--from"; NULL ends the list */
    const char **value;
} sf_cli_extra;
typedef struct sf_cli_options {
    const char *name;
    const char *store;
    sf_format format; /* set the default before parsing */
} sf_cli_options;

/* Returns SF_EXIT_OK, SF_EXIT_USAGE after a message, or -1 after printing
 * help. extras may be NULL. */
int sf_cli_parse_options(const char *cmd, const char *help, int argc, char **argv,
                         sf_cli_name_rule rule, const sf_cli_extra *extras, sf_cli_options *o);

/* Print a usage error and return SF_EXIT_USAGE. */
int sf_cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool sf_cli_parse_format(const char *command, const char *text, sf_format *out);

/* The history limit (see "History limit" in engine/exec.c): text, the
 * value of --max-history-events (may be NULL), else
 * $STEPFN_MAX_HISTORY_EVENTS, else 0 (the caller's default). An integer
 * from SF_CLI_HISTORY_LIMIT_LEAST up; false after a usage message. */
#define SF_CLI_HISTORY_LIMIT_LEAST 3 /* ExecutionStarted, a state's entry, the failure */
bool sf_cli_history_limit(const char *command, const char *text, int64_t *out);

/* The state machine's name a definition file gives (for ARNs and mock
 * configs): its file name without .asl.json, .json or .asl, with each
 * character AWS does not allow in a name made '-'. malloc'd. */
char *sf_cli_machine_name(const char *def_path);

/* Test mode's options. --wait-scale / --timeout-scale: a finite number
 * from 0 up (origin names the option in the message); false after a usage
 * message. */
bool sf_cli_parse_scale(const char *command, const char *origin, const char *text, double *out);
/* --mock-config FILE (else $SFN_MOCK_CONFIG, as Amazon's emulator reads it)
 * and --test-case NAME for state machine `machine`. Both absent: *config
 * and *mcase NULL. Otherwise the file is read and the case found; on any
 * problem (one given without the other, an unreadable or malformed file, a
 * missing machine or case) a message and false. *path_used is the file's
 * path (borrowed from the arguments or the environment). */
bool sf_cli_load_mock(const char *command, const char *path, const char *test_case,
                      const char *machine, sf_mock_config **config,
                      const sf_mock_case **mcase, const char **path_used);

void sf_cli_print_diags(FILE *out, const char *origin, const sf_diags *d);

/* Fold a stored execution's history into a summary. Returns an exit status
 * (0 when found and read). A history changed after it was written (see
 * engine/store/history_check.h) is read as far as it reads well, with a
 * warning on stderr. */
int sf_cli_load_summary(const char *store, const char *name, sf_summary *s, json_t **events);
/* The same for `resume` and `replay` (cmd names the command), which must
 * not act on such a history: it is refused with a message and exit status
 * 4 (store error), and nothing is loaded. */
int sf_cli_load_for_continuing(const char *cmd, const char *store, const char *name,
                               sf_summary *s, json_t **events);

/* Print an execution: JSON DescribeExecution, or text for people. */
void sf_cli_print_execution(const sf_summary *s, sf_format format, const char *store);
int sf_cli_exit_for_status(const char *status);

/* Subcommands. */
int sf_cmd_run(int argc, char **argv);
int sf_cmd_test(int argc, char **argv);
int sf_cmd_validate(int argc, char **argv);
int sf_cmd_describe(int argc, char **argv);
int sf_cmd_history(int argc, char **argv);
int sf_cmd_list(int argc, char **argv);
int sf_cmd_graph(int argc, char **argv);
int sf_cmd_resume(int argc, char **argv);
int sf_cmd_replay(int argc, char **argv);
int sf_cmd_test_state(int argc, char **argv);
int sf_cmd_serve(int argc, char **argv);

#endif
