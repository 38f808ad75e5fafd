/*
 * test_file.c — parsing and checking `stepfn test` files (see test_file.h).
 *
 * The parser stops at the first problem and names it by JSON Pointer: a
 * test file is short and written by hand, so one precise message is worth
 * more than a list. Each object is checked against the fields it may hold
 * before any member is read, so a misspelt `expect` member ("ouptut") is
 * refused rather than silently never checked. Duplicate keys are refused
 * by the JSON reader for the same reason (the second would win unseen).
 *
 * Nothing here runs or opens anything: paths stay as written, and the
 * runner (cmd_test.c) resolves them against the file's folder.
 */
#include "tools/test_file.h"
#include "engine/diag.h"
#include "engine/json_util.h"
#include "engine/xalloc.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *origin;
    char *err;
} parser;

static bool fail(parser *p, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(parser *p, const char *pointer, const char *fmt, ...)
{
    if (p->err)
        return false;
    va_list ap;
    va_start(ap, fmt);
    char *what = sf_vasprintf(fmt, ap);
    va_end(ap);
    p->err = sf_asprintf("%s: %s: %s", p->origin, pointer[0] ? pointer : "(the top)", what);
    free(what);
    return false;
}

/* Refuse any member of obj not in `allowed` (NULL-terminated). */
static bool check_fields(parser *p, json_t *obj, const char *pointer, const char *const *allowed,
                         const char *what)
{
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        bool known = false;
        for (size_t i = 0; allowed[i] && !known; i++)
            known = strcmp(key, allowed[i]) == 0;
        if (known)
            continue;
        char *ptr = sf_pointer_join(pointer, key);
        char list[512] = "";
        for (size_t i = 0; allowed[i]; i++) {
            if (i)
                strncat(list, ", ", sizeof list - strlen(list) - 1);
            strncat(list, allowed[i], sizeof list - strlen(list) - 1);
        }
        fail(p, ptr, "unknown field '%s' in %s (known: %s)", key, what, list);
        free(ptr);
        return false;
    }
    return true;
}

/* A string member (NULL when absent); refuses other types and "". */
static bool get_string(parser *p, json_t *obj, const char *pointer, const char *key,
                       const char **out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return true;
    char *ptr = sf_pointer_join(pointer, key);
    bool ok = json_is_string(v) && json_string_length(v) > 0 &&
              strlen(json_string_value(v)) == json_string_length(v);
    if (ok)
        *out = json_string_value(v);
    else
        fail(p, ptr, "%s must be a non-empty string (without NUL), not %s", key,
             json_is_string(v) ? "this string" : sf_json_type_name(v));
    free(ptr);
    return ok;
}

static bool get_wait_scale(parser *p, json_t *obj, const char *pointer, double *out)
{
    json_t *v = json_object_get(obj, "waitScale");
    if (!v)
        return true;
    char *ptr = sf_pointer_join(pointer, "waitScale");
    bool ok = json_is_number(v) && isfinite(json_number_value(v)) && json_number_value(v) >= 0;
    if (ok)
        *out = json_number_value(v);
    else
        fail(p, ptr,
             "waitScale must be a number from 0 up (0: Waits and Retry back-offs pass "
             "at once, 1: real time)");
    free(ptr);
    return ok;
}

static const char *const expect_fields[] = {
    "status",        "output", "outputContains", "error",        "cause",
    "causeContains", "path",   "attempts",       "stateOutputs", NULL};

static bool valid_status(const char *s)
{
    return strcmp(s, "SUCCEEDED") == 0 || strcmp(s, "FAILED") == 0 || strcmp(s, "TIMED_OUT") == 0 ||
           strcmp(s, "ABORTED") == 0;
}

static bool check_path(parser *p, json_t *v, const char *ptr)
{
    if (!json_is_array(v))
        return fail(p, ptr, "path must be an array of state names, not %s", sf_json_type_name(v));
    size_t i;
    json_t *name;
    json_array_foreach(v, i, name)
    {
        if (!json_is_string(name)) {
            char *at = sf_pointer_join_index(ptr, i);
            fail(p, at, "a state name (string) was expected, not %s", sf_json_type_name(name));
            free(at);
            return false;
        }
    }
    return true;
}

static bool check_attempts(parser *p, json_t *v, const char *ptr)
{
    if (!json_is_object(v))
        return fail(p, ptr, "attempts must be an object of {\"TaskState\": count}, not %s",
                    sf_json_type_name(v));
    const char *key;
    json_t *n;
    json_object_foreach(v, key, n)
    {
        long long count;
        if (!sf_json_as_integer(n, &count) || count < 0) {
            char *at = sf_pointer_join(ptr, key);
            fail(p, at, "the number of times '%s' was scheduled must be an integer from 0 up", key);
            free(at);
            return false;
        }
    }
    return true;
}

/* Check one `expect` object's members (not yet merged with defaults). */
static bool check_expect(parser *p, json_t *e, const char *ptr)
{
    if (!json_is_object(e))
        return fail(p, ptr, "expect must be an object, not %s", sf_json_type_name(e));
    if (!check_fields(p, e, ptr, expect_fields, "expect"))
        return false;
    const char *s = NULL;
    const char *strings[] = {"status", "error", "cause", "causeContains"};
    for (size_t i = 0; i < 4; i++)
        if (!get_string(p, e, ptr, strings[i], &s))
            return false;
    json_t *v = json_object_get(e, "status");
    if (v && !valid_status(json_string_value(v))) {
        char *at = sf_pointer_join(ptr, "status");
        fail(p, at, "status must be SUCCEEDED, FAILED, TIMED_OUT or ABORTED, not '%s'",
             json_string_value(v));
        free(at);
        return false;
    }
    char *at = sf_pointer_join(ptr, "path");
    bool ok = !(v = json_object_get(e, "path")) || check_path(p, v, at);
    free(at);
    at = sf_pointer_join(ptr, "attempts");
    ok = ok && (!(v = json_object_get(e, "attempts")) || check_attempts(p, v, at));
    free(at);
    at = sf_pointer_join(ptr, "stateOutputs");
    v = json_object_get(e, "stateOutputs");
    if (ok && v && !json_is_object(v))
        ok = fail(p, at, "stateOutputs must be an object of {\"State\": output}, not %s",
                  sf_json_type_name(v));
    free(at);
    return ok;
}

/* The members of an expect object (already checked) into x. */
static void merge_expect(sf_test_expect *x, json_t *e)
{
    if (!e)
        return;
    json_t *v;
    if ((v = json_object_get(e, "status")))
        x->status = json_string_value(v);
    if ((v = json_object_get(e, "output")))
        x->output = v;
    if ((v = json_object_get(e, "outputContains")))
        x->output_contains = v;
    if ((v = json_object_get(e, "error")))
        x->error = json_string_value(v);
    if ((v = json_object_get(e, "cause")))
        x->cause = json_string_value(v);
    if ((v = json_object_get(e, "causeContains")))
        x->cause_contains = json_string_value(v);
    if ((v = json_object_get(e, "path")))
        x->path = v;
    if ((v = json_object_get(e, "attempts")))
        x->attempts = v;
    if ((v = json_object_get(e, "stateOutputs")))
        x->state_outputs = v;
}

static bool expects_failure(const sf_test_expect *x)
{
    return x->error || x->cause || x->cause_contains;
}

static bool expects_output(const sf_test_expect *x)
{
    return x->output || x->output_contains;
}

/* The status a test expects: its own, else what its own expectations
 * imply (an error or cause: FAILED; an output: SUCCEEDED), else the
 * default's, else what the default's imply, else SUCCEEDED. */
static const char *expected_status(const sf_test_expect *own, const sf_test_expect *dflt)
{
    if (own->status)
        return own->status;
    if (expects_failure(own))
        return "FAILED";
    if (expects_output(own))
        return "SUCCEEDED";
    if (dflt->status)
        return dflt->status;
    return expects_failure(dflt) ? "FAILED" : "SUCCEEDED";
}

/* A test's expectation from the file's defaults and its own: the own win
 * member by member, and a default that cannot hold for the test's status
 * is left out (a default output for a test that expects a failure, a
 * default error for one that expects success), so defaults can serve the
 * succeeding and the failing tests of one file. The test's own
 * expectations must not contradict each other. */
static bool settle_expect(parser *p, const sf_test_expect *own, const sf_test_expect *dflt,
                          sf_test_expect *x, const char *ptr)
{
    x->status = expected_status(own, dflt);
    bool succeeded = strcmp(x->status, "SUCCEEDED") == 0;
    char *at = sf_pointer_join(ptr, "expect");
    bool ok = true;
    if (succeeded && expects_failure(own))
        ok = fail(p, at,
                  "an error or cause is expected, but status SUCCEEDED (a succeeded execution "
                  "has neither)");
    else if (!succeeded && expects_output(own))
        ok = fail(p, at,
                  "an output is expected, but status %s (only a succeeded execution "
                  "has an output)",
                  x->status);
    free(at);
    if (!ok)
        return false;
#define SF_PICK(member, applies)                                                                   \
    x->member = own->member ? own->member : (applies) ? dflt->member : NULL
    SF_PICK(output, succeeded);
    SF_PICK(output_contains, succeeded);
    SF_PICK(error, !succeeded);
    SF_PICK(cause, !succeeded);
    SF_PICK(cause_contains, !succeeded);
    SF_PICK(path, true);
    SF_PICK(attempts, true);
    SF_PICK(state_outputs, true);
#undef SF_PICK
    return true;
}

static const char *const test_fields[] = {"name",      "comment", "input", "testCase",
                                          "waitScale", "expect",  NULL};
static const char *const file_fields[] = {"definition", "resources", "mockConfig", "stateMachine",
                                          "comment",    "name",      "input",      "testCase",
                                          "waitScale",  "expect",    "tests",      NULL};

/* Fill one test from its object t (NULL for a single-test file) over the
 * file's defaults. */
static bool parse_test(parser *p, const sf_test_file *f, json_t *top, json_t *t, size_t index,
                       sf_test_spec *out)
{
    out->pointer = t ? sf_pointer_join_index("/tests", index) : sf_strdup("");
    const char *ptr = out->pointer;
    if (t && !json_is_object(t))
        return fail(p, ptr, "a test must be an object, not %s", sf_json_type_name(t));
    if (t && !check_fields(p, t, ptr, test_fields, "a test"))
        return false;
    json_t *obj = t ? t : top;
    if (!get_string(p, obj, ptr, "name", &out->name) ||
        !get_string(p, obj, ptr, "comment", &(const char *){NULL}))
        return false;
    if (t && !out->name)
        return fail(p, ptr, "a test in tests needs a name");
    /* The defaults, then the test's own. */
    json_t *input = json_object_get(top, "input");
    out->wait_scale = 0;
    if (!get_string(p, top, "", "testCase", &out->test_case) ||
        !get_wait_scale(p, top, "", &out->wait_scale))
        return false;
    if (t) {
        if (json_object_get(t, "input"))
            input = json_object_get(t, "input");
        if (!get_string(p, t, ptr, "testCase", &out->test_case) ||
            !get_wait_scale(p, t, ptr, &out->wait_scale))
            return false;
    }
    if (out->test_case && !f->mock_config) {
        char *at = sf_pointer_join(json_object_get(obj, "testCase") ? ptr : "", "testCase");
        fail(p, at, "testCase '%s' needs a mockConfig (a MockConfigFile) at the top of the file",
             out->test_case);
        free(at);
        return false;
    }
    /* A single test's expect is its own; in tests, the top one is the default. */
    sf_test_expect own = {0}, dflt = {0};
    merge_expect(t ? &dflt : &own, json_object_get(top, "expect"));
    if (t) {
        json_t *e = json_object_get(t, "expect");
        char *at = sf_pointer_join(ptr, "expect");
        bool ok = !e || check_expect(p, e, at);
        free(at);
        if (!ok)
            return false;
        merge_expect(&own, e);
    }
    out->input = input ? json_incref(input) : json_object();
    return settle_expect(p, &own, &dflt, &out->expect, ptr);
}

static bool parse_tests(parser *p, sf_test_file *f, const char *default_name)
{
    json_t *top = f->doc;
    json_t *tests = json_object_get(top, "tests");
    json_t *e = json_object_get(top, "expect");
    if (e && !check_expect(p, e, "/expect"))
        return false;
    if (e && tests) { /* the defaults must not contradict each other either */
        sf_test_expect d = {0}, none = {0}, settled = {0};
        merge_expect(&d, e);
        if (!settle_expect(p, &d, &none, &settled, ""))
            return false;
    }
    if (!tests) {
        f->tests = sf_calloc(1, sizeof *f->tests);
        f->count = 1;
        if (!parse_test(p, f, top, NULL, 0, &f->tests[0]))
            return false;
        if (!f->tests[0].name)
            f->tests[0].name = default_name;
        return true;
    }
    if (json_object_get(top, "name"))
        return fail(p, "/name",
                    "name names the test of a file without tests; give each of the tests a "
                    "name of its own");
    if (!json_is_array(tests) || json_array_size(tests) == 0)
        return fail(p, "/tests", "tests must be a non-empty array of tests, not %s",
                    json_is_array(tests) ? "an empty one" : sf_json_type_name(tests));
    f->count = json_array_size(tests);
    f->tests = sf_calloc(f->count, sizeof *f->tests);
    for (size_t i = 0; i < f->count; i++) {
        if (!parse_test(p, f, top, json_array_get(tests, i), i, &f->tests[i]))
            return false;
        for (size_t j = 0; j < i; j++)
            if (strcmp(f->tests[j].name, f->tests[i].name) == 0) {
                char *at = sf_pointer_join(f->tests[i].pointer, "name");
                fail(p, at, "two tests are named '%s' (the other is %s)", f->tests[i].name,
                     f->tests[j].pointer);
                free(at);
                return false;
            }
    }
    return true;
}

sf_test_file *sf_test_file_parse(const char *text, size_t len, const char *origin,
                                 const char *default_name, char **err)
{
    parser p = {.origin = origin};
    json_error_t jerr;
    json_t *doc = sf_json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        *err = sf_asprintf("%s: not a valid test file: line %d, column %d: %s", origin, jerr.line,
                           jerr.column, jerr.text);
        return NULL;
    }
    sf_test_file *f = SF_NEW(sf_test_file);
    f->doc = doc;
    bool ok = json_is_object(doc) || fail(&p, "", "a test file must be a JSON object");
    ok = ok && check_fields(&p, doc, "", file_fields, "a test file");
    ok = ok && get_string(&p, doc, "", "definition", &f->definition) &&
         get_string(&p, doc, "", "resources", &f->resources) &&
         get_string(&p, doc, "", "mockConfig", &f->mock_config) &&
         get_string(&p, doc, "", "stateMachine", &f->state_machine) &&
         get_string(&p, doc, "", "comment", &(const char *){NULL});
    if (ok && !f->definition)
        ok = fail(&p, "/definition",
                  "missing: the state machine definition to run (a path relative to this "
                  "file)");
    ok = ok && parse_tests(&p, f, default_name);
    if (ok)
        return f;
    *err = p.err;
    sf_test_file_free(f);
    return NULL;
}

void sf_test_file_free(sf_test_file *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->count; i++) {
        json_decref(f->tests[i].input);
        free(f->tests[i].pointer);
    }
    free(f->tests);
    json_decref(f->doc);
    free(f);
}

/* ---- Comparing values ---- */

static bool numbers_equal(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b))
        return json_integer_value(a) == json_integer_value(b);
    return json_number_value(a) == json_number_value(b);
}

static char *diff_at(const json_t *x, const json_t *y, bool exact, const char *ptr);

static char *diff_object(const json_t *x, const json_t *y, bool exact, const char *ptr)
{
    const char *key;
    json_t *xv;
    json_object_foreach((json_t *)x, key, xv)
    {
        char *at = sf_pointer_join(ptr, key);
        json_t *yv = json_object_get(y, key);
        char *d = yv ? diff_at(xv, yv, exact, at) : sf_strdup(at);
        free(at);
        if (d)
            return d;
    }
    if (exact && json_object_size(x) != json_object_size(y)) {
        json_t *yv;
        json_object_foreach((json_t *)y, key,
                            yv) if (!json_object_get(x, key)) return sf_pointer_join(ptr, key);
    }
    return NULL;
}

static char *diff_at(const json_t *x, const json_t *y, bool exact, const char *ptr)
{
    if (json_is_number(x) && json_is_number(y))
        return numbers_equal(x, y) ? NULL : sf_strdup(ptr);
    if (json_typeof(x) != json_typeof(y))
        return sf_strdup(ptr);
    if (json_is_object(x))
        return diff_object(x, y, exact, ptr);
    if (json_is_array(x)) {
        size_t n = json_array_size(x), m = json_array_size(y);
        for (size_t i = 0; i < n && i < m; i++) {
            char *at = sf_pointer_join_index(ptr, i);
            char *d = diff_at(json_array_get(x, i), json_array_get(y, i), exact, at);
            free(at);
            if (d)
                return d;
        }
        return n == m ? NULL : sf_pointer_join_index(ptr, n < m ? n : m);
    }
    if (json_is_string(x))
        return json_string_length(x) == json_string_length(y) &&
                       memcmp(json_string_value(x), json_string_value(y), json_string_length(x)) ==
                           0
                   ? NULL
                   : sf_strdup(ptr);
    return NULL; /* true, false, null: same type, same value */
}

char *sf_test_json_diff(const json_t *expected, const json_t *actual, bool exact)
{
    return diff_at(expected, actual, exact, "");
}
