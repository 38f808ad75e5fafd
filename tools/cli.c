/*
 * cli.c — helpers shared by the subcommands (see cli.h).
 */
#include "tools/cli.h"
#include "engine/mock/mock_config.h"
#include "engine/json_alloc.h"
#include "engine/store/history.h"
#include "engine/store/history_check.h"
#include "engine/store/store.h"
#include "engine/xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void sf_args_init(sf_args *a, int argc, char **argv)
{
    a->argc = argc;
    a->argv = argv;
    a->i = 0;
    a->value = NULL;
    a->failed = false;
    a->operands_only = false;
}

bool sf_args_end_of_options(sf_args *a)
{
    if (a->operands_only || strcmp(a->argv[a->i], "--") != 0)
        return false;
    a->operands_only = true;
    return true;
}

bool sf_args_unknown_option(const sf_args *a)
{
    const char *arg = a->argv[a->i];
    return !a->operands_only && arg[0] == '-' && arg[1] != '\0';
}

bool sf_args_option(sf_args *a, const char *name)
{
    const char *arg = a->argv[a->i];
    if (a->operands_only)
        return false;
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return false;
    if (arg[n] == '=') {
        a->value = arg + n + 1;
        return true;
    }
    if (arg[n] != '\0')
        return false;
    if (a->i + 1 >= a->argc) {
        fprintf(stderr, "stepfn: option %s needs a value\n", name);
        a->failed = true;
        return true;
    }
    a->value = a->argv[++a->i];
    return true;
}

bool sf_args_flag(sf_args *a, const char *name)
{
    return !a->operands_only && strcmp(a->argv[a->i], name) == 0;
}

bool sf_args_is_help(sf_args *a)
{
    return sf_args_flag(a, "--help") || sf_args_flag(a, "-h");
}

int sf_cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "stepfn %s: ", command);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see 'stepfn %s --help')\n", command);
    va_end(ap);
    return SF_EXIT_USAGE;
}

static bool parse_extra(sf_args *a, const sf_cli_extra *extras)
{
    for (size_t i = 0; extras && extras[i].option; i++)
        if (sf_args_option(a, extras[i].option)) {
            *extras[i].value = a->value;
            return true;
        }
    return false;
}

int sf_cli_parse_options(const char *cmd, const char *help, int argc, char **argv,
                         sf_cli_name_rule rule, const sf_cli_extra *extras, sf_cli_options *o)
{
    sf_args a;
    sf_args_init(&a, argc, argv);
    for (; a.i < argc; a.i++) {
        if (sf_args_end_of_options(&a)) {
            continue;
        } else if (sf_args_is_help(&a)) {
            fputs(help, stdout);
            return -1;
        } else if (sf_args_option(&a, "--store")) {
            o->store = a.value;
        } else if (sf_args_option(&a, "--format")) {
            if (!a.failed && !sf_cli_parse_format(cmd, a.value, &o->format))
                return SF_EXIT_USAGE;
        } else if (parse_extra(&a, extras)) {
            /* stored through the extra's pointer */
        } else if (sf_args_unknown_option(&a)) {
            return sf_cli_usage_error(cmd, "unknown option '%s'", argv[a.i]);
        } else if (rule != SF_CLI_NO_NAME && !o->name) {
            o->name = argv[a.i];
        } else {
            return sf_cli_usage_error(cmd, "unexpected argument '%s'", argv[a.i]);
        }
        if (a.failed)
            return SF_EXIT_USAGE;
    }
    if (rule == SF_CLI_NAME_REQUIRED && !o->name)
        return sf_cli_usage_error(cmd, "missing the execution name");
    return SF_EXIT_OK;
}

bool sf_cli_parse_format(const char *command, const char *text, sf_format *out)
{
    if (strcmp(text, "text") == 0)
        *out = SF_FORMAT_TEXT;
    else if (strcmp(text, "json") == 0)
        *out = SF_FORMAT_JSON;
    else {
        sf_cli_usage_error(command, "--format must be 'text' or 'json', not '%s'", text);
        return false;
    }
    return true;
}

bool sf_cli_history_limit(const char *command, const char *text, int64_t *out)
{
    const char *origin = "--max-history-events";
    if (!text) {
        text = getenv("STEPFN_MAX_HISTORY_EVENTS");
        origin = "$STEPFN_MAX_HISTORY_EVENTS";
    }
    *out = 0;
    if (!text || (!*text && origin[0] == '$')) /* unset or empty: the default */
        return true;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(text, &end, 10);
    if (errno || *end || end == text || n < SF_CLI_HISTORY_LIMIT_LEAST || n > 1000000000000LL) {
        sf_cli_usage_error(command, "%s must be a whole number of events from %d up, not '%s'",
                           origin, SF_CLI_HISTORY_LIMIT_LEAST, text);
        return false;
    }
    *out = n;
    return true;
}

char *sf_cli_machine_name(const char *def_path)
{
    const char *base = strrchr(def_path, '/');
    char *name = sf_strdup(base ? base + 1 : def_path);
    static const char *const suffixes[] = {".asl.json", ".json", ".asl"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(name), k = strlen(suffixes[i]);
        if (n > k && strcmp(name + n - k, suffixes[i]) == 0) {
            name[n - k] = '\0';
            break;
        }
    }
    for (char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            *p = '-';
    return name;
}

bool sf_cli_parse_scale(const char *command, const char *origin, const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(v) || v < 0) {
        sf_cli_usage_error(command,
                           "%s must be a number from 0 up (0: at once, 1: real time), "
                           "not '%s'",
                           origin, text);
        return false;
    }
    *out = v;
    return true;
}

bool sf_cli_load_mock(const char *command, const char *path, const char *test_case,
                      const char *machine, sf_mock_config **config, const sf_mock_case **mcase,
                      const char **path_used)
{
    *config = NULL;
    *mcase = NULL;
    if (!path) {
        const char *env = getenv("SFN_MOCK_CONFIG");
        path = env && *env ? env : NULL;
    }
    *path_used = path;
    if (!path && !test_case)
        return true;
    if (!path) {
        sf_cli_usage_error(command, "--test-case needs --mock-config FILE (or $SFN_MOCK_CONFIG)");
        return false;
    }
    if (!test_case) {
        sf_cli_usage_error(command,
                           "--mock-config %s needs --test-case NAME: which of its test "
                           "cases to run",
                           path);
        return false;
    }
    char *err = NULL;
    *config = sf_mock_config_load(path, &err);
    if (*config)
        *mcase = sf_mock_config_case(*config, machine, test_case, &err);
    if (*mcase)
        return true;
    fprintf(stderr, "stepfn %s: %s\n", command, err);
    free(err);
    sf_mock_config_free(*config);
    *config = NULL;
    return false;
}

void sf_cli_print_diags(FILE *out, const char *origin, const sf_diags *d)
{
    for (size_t i = 0; i < d->count; i++) {
        const sf_diag *g = &d->items[i];
        fprintf(out, "%s: %s: %s%s%s [%s]\n", origin,
                g->severity == SF_DIAG_ERROR ? "error" : "warning", g->pointer[0] ? g->pointer : "",
                g->pointer[0] ? ": " : "", g->message, g->code);
    }
}

/* Read an execution's history: the events, and *damage (malloc'd) when it
 * was changed after it was written (NULL otherwise). */
static int load_events(const char *store, const char *name, json_t **events, char **damage)
{
    char *err = NULL;
    bool broken = false;
    *damage = NULL;
    char *dir = sf_store_execution_dir(store, name, &broken, &err);
    if (!dir) {
        fprintf(stderr, "stepfn: %s\n", err);
        free(err);
        return broken ? SF_EXIT_STORE : SF_EXIT_USAGE;
    }
    char *path = sf_store_file(dir, "history.jsonl");
    size_t dropped = 0;
    char *notes = NULL;
    *events = sf_history_read(path, &dropped, &notes, &err);
    size_t torn = dropped > 0 && sf_history_ends_torn(path) ? 1 : 0;
    free(path);
    free(dir);
    if (!*events) {
        fprintf(stderr, "stepfn: %s\n", err);
        free(err);
        free(notes);
        return SF_EXIT_STORE;
    }
    if (dropped > torn) {
        /* Each note is "PATH:LINE: why; line ignored". */
        for (char *line = notes, *nl; line && *line; line = nl + 1) {
            nl = strchr(line, '\n');
            fprintf(stderr, "stepfn: warning: %.*s\n", (int)(nl - line), line);
        }
        fprintf(stderr,
                "stepfn: %s: ignored %zu torn, corrupted or out-of-sequence history line(s)\n",
                name, dropped);
    } else if (torn) {
        fprintf(stderr,
                "stepfn: %s: ignored 1 torn or corrupted history line(s) (a crash cut a "
                "write short)\n",
                name);
    }
    free(notes);
    *damage = sf_history_damage(*events, dropped - torn);
    return SF_EXIT_OK;
}

static void fold_summary(const char *name, json_t *events, sf_summary *s, json_t **events_out)
{
    sf_summary_init(s);
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) sf_summary_apply(s, ev);
    if (!s->name)
        s->name = sf_strdup(name);
    if (events_out)
        *events_out = events;
    else
        json_decref(events);
}

int sf_cli_load_summary(const char *store, const char *name, sf_summary *s, json_t **events_out)
{
    json_t *events;
    char *damage;
    int status = load_events(store, name, &events, &damage);
    if (status != SF_EXIT_OK)
        return status;
    if (damage)
        fprintf(stderr,
                "stepfn: %s: warning: the history is damaged: %s; showing the events that "
                "read well\n",
                name, damage);
    free(damage);
    fold_summary(name, events, s, events_out);
    return SF_EXIT_OK;
}

int sf_cli_load_for_continuing(const char *cmd, const char *store, const char *name, sf_summary *s,
                               json_t **events_out)
{
    json_t *events;
    char *damage;
    int status = load_events(store, name, &events, &damage);
    if (status != SF_EXIT_OK)
        return status;
    if (damage) {
        fprintf(stderr,
                "stepfn %s: %s: the history is damaged: %s. Nothing was run: continuing from "
                "it could skip or repeat steps ('stepfn history %s' shows what reads well)\n",
                cmd, name, damage, name);
        free(damage);
        json_decref(events);
        return SF_EXIT_STORE;
    }
    fold_summary(name, events, s, events_out);
    return SF_EXIT_OK;
}

int sf_cli_exit_for_status(const char *status)
{
    if (strcmp(status, "SUCCEEDED") == 0 || strcmp(status, "RUNNING") == 0)
        return SF_EXIT_OK;
    return SF_EXIT_EXECUTION_FAILED;
}

static void print_pretty_json_text(const char *label, const char *text)
{
    json_t *v = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
    char *pretty = v ? sf_json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY) : NULL;
    printf("%s\n%s\n", label, pretty ? pretty : (text ? text : "null"));
    free(pretty);
    json_decref(v);
}

void sf_cli_print_execution(const sf_summary *s, sf_format format, const char *store)
{
    if (format == SF_FORMAT_JSON) {
        json_t *d = sf_summary_describe(s);
        char *text = sf_json_dumps(d, JSON_COMPACT);
        printf("%s\n", text);
        free(text);
        json_decref(d);
        return;
    }
    double secs = s->stop_ms ? (double)(s->stop_ms - s->start_ms) / 1000.0 : 0.0;
    printf("Execution %s %s", s->name ? s->name : "?", s->status);
    if (s->stop_ms)
        printf(" in %.3f s", secs);
    printf(" (%lld events)\n", (long long)s->event_count);
    if (s->redrive_count)
        printf("Redriven: %d time(s)\n", s->redrive_count);
    if (strcmp(s->status, "SUCCEEDED") == 0) {
        print_pretty_json_text("Output:", s->output);
    } else if (strcmp(s->status, "RUNNING") != 0) {
        if (s->failed_state)
            printf("Failed in state: %s\n", s->failed_state);
        printf("Error: %s\n", s->error ? s->error : "(none)");
        printf("Cause: %s\n", s->cause ? s->cause : "(none)");
    }
    printf("History: %s/executions/%s/history.jsonl\n", store, s->name ? s->name : "?");
}
