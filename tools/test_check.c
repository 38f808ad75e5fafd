/*
 * test_check.c — holding a finished execution against a test's
 * expectations (see test_run.h).
 *
 * The execution's summary gives status, output, error and cause; the rest
 * comes from its history, read back from the store as `stepfn history`
 * reads it:
 *   - path: the names of the *StateEntered events without a scope, i.e.
 *     the top-level states, in the order they were entered;
 *   - attempts: TaskScheduled events, each attributed to the state whose
 *     *StateEntered event its previousEventId chain leads back to (a
 *     retry's TaskScheduled follows the failed attempt, which follows the
 *     entry), so Map iterations and Parallel branches count too;
 *   - stateOutputs: the output of a top-level state's last *StateExited.
 *
 * When the status differs, the other expectations are not compared (an
 * output or error of the wrong outcome says nothing new); the message
 * shows the error and cause, and the path taken.
 *
 * Messages quote values as compact JSON, cut at 200 characters; a member
 * that is not there is "(absent)".
 */
#include "engine/json_alloc.h"
#include "engine/json_util.h"
#include "engine/store/history.h"
#include "engine/store/store.h"
#include "engine/xalloc.h"
#include "tools/test_run.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define QUOTE_MAX 200

static void add_failure(test_run *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_failure(test_run *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    t->failures = sf_realloc(t->failures, (t->failure_count + 1) * sizeof *t->failures);
    t->failures[t->failure_count++] = sf_vasprintf(fmt, ap);
    va_end(ap);
}

/* Compact JSON of v (borrowed), cut to QUOTE_MAX characters; "(absent)"
 * for NULL. */
static char *quote(const json_t *v)
{
    if (!v)
        return sf_strdup("(absent)");
    char *s = sf_json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (s && strlen(s) > QUOTE_MAX) {
        size_t cut = QUOTE_MAX - 3;
        while (cut && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut--; /* not inside a UTF-8 sequence */
        strcpy(s + cut, "...");
    }
    char *out = sf_strdup(s ? s : "?");
    free(s);
    return out;
}

static char *quote_text(const char *s)
{
    json_t *v = s ? json_string(s) : NULL;
    char *q = quote(v);
    json_decref(v);
    return q;
}

/* The value at a JSON Pointer (borrowed), or NULL. */
static json_t *pointer_get(json_t *v, const char *ptr)
{
    while (v && *ptr == '/') {
        const char *end = strchr(ptr + 1, '/');
        size_t n = end ? (size_t)(end - ptr - 1) : strlen(ptr + 1);
        char *token = sf_malloc(n + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            char c = ptr[1 + i];
            if (c == '~' && i + 1 < n && (ptr[2 + i] == '0' || ptr[2 + i] == '1'))
                c = ptr[2 + i++] == '0' ? '~' : '/';
            token[k++] = c;
        }
        token[k] = '\0';
        if (json_is_object(v)) {
            v = json_object_get(v, token);
        } else if (json_is_array(v)) {
            char *e;
            unsigned long idx = strtoul(token, &e, 10);
            v = *token && !*e ? json_array_get(v, idx) : NULL;
        } else {
            v = NULL;
        }
        free(token);
        ptr += 1 + n;
    }
    return v;
}

/* "output differs at /a/0: expected 1, got 2" */
static void compare_json(test_run *t, const char *what, json_t *expected, json_t *actual,
                         bool exact)
{
    char *at = actual ? sf_test_json_diff(expected, actual, exact) : sf_strdup("");
    if (!at)
        return;
    char *x = quote(pointer_get(expected, at)), *y = quote(pointer_get(actual, at));
    add_failure(t, "%s differs at %s: expected %s, got %s", what, at[0] ? at : "the root", x, y);
    free(x);
    free(y);
    free(at);
}

static json_t *parse_text(const char *text)
{
    return text ? sf_json_parse(text, strlen(text), NULL, 0) : NULL;
}

static const char *event_type(const json_t *e)
{
    const char *t = json_string_value(json_object_get(e, "type"));
    return t ? t : "";
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static const char *detail_name(const json_t *e)
{
    return json_string_value(json_object_get(sf_history_event_details(e), "name"));
}

/* What the history says: the top-level path, the attempts per state, the
 * top-level states' last outputs. */
typedef struct observed {
    json_t *path;     /* array of names */
    json_t *attempts; /* {"State": N} */
    json_t *outputs;  /* {"State": output} */
} observed;

static void observe(json_t *events, observed *o)
{
    o->path = json_array();
    o->attempts = json_object();
    o->outputs = json_object();
    size_t n = json_array_size(events);
    /* Event ids are increasing and at most their line numbers (history.h). */
    const json_t **by_id = sf_calloc(n + 1, sizeof *by_id);
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(events, i);
        json_int_t id = json_integer_value(json_object_get(e, "id"));
        if (id >= 1 && (size_t)id <= n)
            by_id[id] = e;
        const char *type = event_type(e);
        bool top = !json_object_get(e, "scope");
        if (top && ends_with(type, "StateEntered") && detail_name(e)) {
            json_array_append_new(o->path, json_string(detail_name(e)));
        } else if (top && ends_with(type, "StateExited") && detail_name(e)) {
            const char *text =
                json_string_value(json_object_get(sf_history_event_details(e), "output"));
            json_t *v = parse_text(text);
            json_object_set_new(o->outputs, detail_name(e), v ? v : json_null());
        } else if (strcmp(type, "TaskScheduled") == 0) {
            /* Back along previousEventId to the entry of the state. */
            const json_t *p = e;
            for (size_t steps = 0; p && steps <= n; steps++) {
                if (ends_with(event_type(p), "StateEntered"))
                    break;
                json_int_t prev = json_integer_value(json_object_get(p, "previousEventId"));
                p = prev >= 1 && (size_t)prev <= n &&
                            prev < json_integer_value(json_object_get(p, "id"))
                        ? by_id[prev]
                        : NULL;
            }
            const char *name = p ? detail_name(p) : NULL;
            if (name) {
                json_int_t k = json_integer_value(json_object_get(o->attempts, name));
                json_object_set_new(o->attempts, name, json_integer(k + 1));
            }
        }
    }
    free(by_id);
}

static void observed_free(observed *o)
{
    json_decref(o->path);
    json_decref(o->attempts);
    json_decref(o->outputs);
}

/* "A -> B -> C", or "(no state)" */
static char *path_text(const json_t *path)
{
    size_t len = 0, i;
    json_t *v;
    json_array_foreach(path, i, v) len += strlen(json_string_value(v)) + 4;
    if (!len)
        return sf_strdup("(no state)");
    char *s = sf_malloc(len + 1);
    s[0] = '\0';
    json_array_foreach(path, i, v)
    {
        if (i)
            strcat(s, " -> ");
        strcat(s, json_string_value(v));
    }
    return s;
}

static void check_path(test_run *t, json_t *expected, json_t *actual)
{
    char *at = sf_test_json_diff(expected, actual, true);
    if (!at)
        return;
    char *x = path_text(expected), *y = path_text(actual);
    add_failure(t, "path differs at %s: expected %s, got %s", at, x, y);
    free(x);
    free(y);
    free(at);
}

static void check_attempts(test_run *t, json_t *expected, json_t *actual)
{
    const char *state;
    json_t *n;
    json_object_foreach(expected, state, n)
    {
        long long want = 0, got = json_integer_value(json_object_get(actual, state));
        sf_json_as_integer(n, &want);
        if (want != got)
            add_failure(t, "attempts of %s: expected %lld TaskScheduled, got %lld", state, want,
                        got);
    }
}

static void check_state_outputs(test_run *t, json_t *expected, json_t *actual)
{
    const char *state;
    json_t *v;
    json_object_foreach(expected, state, v)
    {
        json_t *got = json_object_get(actual, state);
        if (!got) {
            add_failure(t, "stateOutputs: %s never left at the top level", state);
            continue;
        }
        char *what = sf_asprintf("the output of state %s", state);
        compare_json(t, what, v, got, true);
        free(what);
    }
}

static void check_strings(test_run *t, const char *what, const char *expected, const char *got)
{
    if (!expected || (got && strcmp(expected, got) == 0))
        return;
    char *x = quote_text(expected), *y = quote_text(got);
    add_failure(t, "expected %s %s, got %s", what, x, y);
    free(x);
    free(y);
}

static void check_status(test_run *t, const sf_summary *s, const observed *o)
{
    const char *status = s->status ? s->status : "RUNNING";
    char *path = path_text(o->path);
    if (s->error || s->cause) {
        char *cause = quote_text(s->cause ? s->cause : "");
        add_failure(t, "expected status %s, got %s (%s: %s); path %s", t->spec->expect.status,
                    status, s->error ? s->error : "no error", cause, path);
        free(cause);
    } else {
        add_failure(t, "expected status %s, got %s; path %s", t->spec->expect.status, status, path);
    }
    free(path);
}

void sf_test_run_evaluate(test_run *t)
{
    if (!t->store_error && t->exec && sf_exec_store_error(t->exec))
        t->store_error = sf_strdup(sf_exec_store_error(t->exec));
    if (t->store_error) {
        add_failure(t, "not run: %s", t->store_error);
        return;
    }
    if (t->cut_off) {
        add_failure(t, "did not end within --timeout %g s (aborted)", t->clock->seconds);
        return;
    }
    const sf_test_expect *x = &t->spec->expect;
    const sf_summary *s = sf_exec_summary(t->exec);
    char *path = sf_store_file(t->exec_dir, "history.jsonl");
    char *err = NULL;
    json_t *events = sf_history_read(path, NULL, NULL, &err);
    free(path);
    if (!events) {
        t->store_error = err;
        add_failure(t, "cannot read the history: %s", err);
        return;
    }
    observed o;
    observe(events, &o);
    json_decref(events);
    if (!s->status || strcmp(s->status, x->status) != 0) {
        check_status(t, s, &o);
    } else {
        check_strings(t, "error", x->error, s->error);
        check_strings(t, "cause", x->cause, s->cause);
        if (x->cause_contains && !(s->cause && strstr(s->cause, x->cause_contains))) {
            char *want = quote_text(x->cause_contains), *got = quote_text(s->cause);
            add_failure(t, "expected the cause to contain %s, got %s", want, got);
            free(want);
            free(got);
        }
        json_t *output = parse_text(s->output);
        if (x->output)
            compare_json(t, "output", x->output, output, true);
        if (x->output_contains)
            compare_json(t, "output (outputContains)", x->output_contains, output, false);
        json_decref(output);
        if (x->path)
            check_path(t, x->path, o.path);
        if (x->attempts)
            check_attempts(t, x->attempts, o.attempts);
        if (x->state_outputs)
            check_state_outputs(t, x->state_outputs, o.outputs);
    }
    observed_free(&o);
    t->passed = t->failure_count == 0;
}

void sf_test_run_free(test_run *t)
{
    sf_definition_free(t->def);
    free(t->full_name);
    free(t->exec_dir);
    free(t->store_error);
    for (size_t i = 0; i < t->failure_count; i++)
        free(t->failures[i]);
    free(t->failures);
}
