/*
 * cmd_inspect.c — reading the store: `describe`, `history` and `list`.
 * All three only read; a torn last history line (a crash mid-write) is
 * reported on stderr and skipped, never trusted.
 */
#include "engine/store/store.h"
#include "engine/json_alloc.h"
#include "engine/xalloc.h"
#include "tools/cli.h"

#include <stdlib.h>
#include <string.h>

static const char describe_help[] =
    "usage: stepfn describe [--store DIR] [--format json|text] [--] NAME\n"
    "\n"
    "Prints an execution as AWS DescribeExecution does (JSON by default):\n"
    "executionArn, stateMachineArn, name, status, startDate, stopDate, input,\n"
    "output, error, cause, redriveCount.\n"
    "\n" SF_CLI_HELP_END_OF_OPTIONS;

int sf_cmd_describe(int argc, char **argv)
{
    sf_cli_options o = {.format = SF_FORMAT_JSON};
    int st =
        sf_cli_parse_options("describe", describe_help, argc, argv, SF_CLI_NAME_REQUIRED, NULL, &o);
    if (st)
        return st < 0 ? SF_EXIT_OK : st;
    char *store = sf_store_resolve(o.store);
    sf_summary s;
    st = sf_cli_load_summary(store, o.name, &s, NULL);
    if (st == SF_EXIT_OK) {
        if (o.format == SF_FORMAT_JSON) {
            json_t *d = sf_summary_describe(&s);
            char *text = sf_json_dumps(d, JSON_INDENT(2));
            printf("%s\n", text);
            free(text);
            json_decref(d);
        } else {
            sf_cli_print_execution(&s, SF_FORMAT_TEXT, store);
        }
        sf_summary_free(&s);
    }
    free(store);
    return st;
}

static const char history_help[] =
    "usage: stepfn history [--store DIR] [--] NAME\n"
    "\n"
    "Prints the execution's events as AWS GetExecutionHistory does:\n"
    "{\"events\": [{\"id\", \"previousEventId\", \"timestamp\", \"type\", ...Details}]}\n"
    "\n" SF_CLI_HELP_END_OF_OPTIONS;

int sf_cmd_history(int argc, char **argv)
{
    sf_cli_options o = {.format = SF_FORMAT_JSON};
    int st =
        sf_cli_parse_options("history", history_help, argc, argv, SF_CLI_NAME_REQUIRED, NULL, &o);
    if (st)
        return st < 0 ? SF_EXIT_OK : st;
    char *store = sf_store_resolve(o.store);
    sf_summary s;
    json_t *events = NULL;
    st = sf_cli_load_summary(store, o.name, &s, &events);
    if (st == SF_EXIT_OK) {
        json_t *doc = json_pack("{s:o}", "events", events);
        char *text = sf_json_dumps(doc, JSON_INDENT(2));
        printf("%s\n", text);
        free(text);
        json_decref(doc);
        sf_summary_free(&s);
    }
    free(store);
    return st;
}

static const char list_help[] =
    "usage: stepfn list [--store DIR] [--format text|json]\n"
    "\n"
    "Lists the executions in the store, newest first. --format json prints\n"
    "{\"executions\": [...]} as AWS ListExecutions does.\n";

typedef struct listed {
    sf_summary s;
} listed;

static int newest_first(const void *a, const void *b)
{
    const listed *x = a, *y = b;
    if (x->s.start_ms != y->s.start_ms)
        return x->s.start_ms < y->s.start_ms ? 1 : -1;
    return strcmp(x->s.name ? x->s.name : "", y->s.name ? y->s.name : "");
}

static json_t *list_item(const sf_summary *s)
{
    json_t *d = sf_summary_describe(s);
    json_t *item = json_object();
    const char *keys[] = {"executionArn", "stateMachineArn", "name",        "status",
                          "startDate",    "stopDate",        "redriveCount"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(d, keys[i]);
        if (v)
            json_object_set(item, keys[i], v);
    }
    json_decref(d);
    return item;
}

int sf_cmd_list(int argc, char **argv)
{
    sf_cli_options o = {.format = SF_FORMAT_TEXT};
    int st = sf_cli_parse_options("list", list_help, argc, argv, SF_CLI_NO_NAME, NULL, &o);
    if (st)
        return st < 0 ? SF_EXIT_OK : st;
    char *store = sf_store_resolve(o.store);
    char *err = NULL;
    size_t n = 0;
    char **names = sf_store_list(store, &n, &err);
    if (!names) {
        fprintf(stderr, "stepfn list: %s\n", err);
        free(err);
        free(store);
        return SF_EXIT_STORE;
    }
    listed *items = sf_calloc(n, sizeof *items);
    size_t count = 0;
    /* An entry that cannot be read (a file where a folder should be, an
     * unreadable history) is reported and sets the exit status; the others
     * are still listed. */
    for (size_t i = 0; i < n; i++) {
        int one = sf_cli_load_summary(store, names[i], &items[count].s, NULL);
        if (one == SF_EXIT_OK)
            count++;
        else if (one == SF_EXIT_STORE)
            st = SF_EXIT_STORE;
    }
    qsort(items, count, sizeof *items, newest_first);
    json_t *arr = json_array();
    for (size_t i = 0; i < count; i++) {
        if (o.format == SF_FORMAT_JSON) {
            json_array_append_new(arr, list_item(&items[i].s));
        } else {
            json_t *d = sf_summary_describe(&items[i].s);
            printf("%-40s %-10s %s\n", items[i].s.name, items[i].s.status,
                   json_string_value(json_object_get(d, "startDate")));
            json_decref(d);
        }
        sf_summary_free(&items[i].s);
    }
    if (o.format == SF_FORMAT_JSON) {
        json_t *doc = json_pack("{s:o}", "executions", arr);
        char *text = sf_json_dumps(doc, JSON_INDENT(2));
        printf("%s\n", text);
        free(text);
        json_decref(doc);
    } else {
        json_decref(arr);
    }
    free(items);
    sf_store_list_free(names, n);
    free(store);
    return st;
}
