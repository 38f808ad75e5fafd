/*
 * mock_config.c — reading a MockConfigFile, checking a test case against a
 * definition, and answering a task's invocations (see mock_config.h).
 *
 * The file is small and read once per run, so everything is kept in plain
 * arrays and looked up by a linear scan; the per-invocation lookup is one
 * scan of the case's states (a handful) and an index into the expanded
 * responses.
 */
#include "engine/mock/mock_config.h"
#include "engine/diag.h"
#include "engine/json_text.h"
#include "engine/json_util.h"
#include "engine/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The most invocations one mocked response may name ("0-N"): a file that
 * asks for more is a mistake, and the responses are expanded in memory. */
#define MOCK_MAX_INVOCATIONS 100000

/* A MockedResponses entry: answers[i] for invocation i. */
typedef struct mock_responses {
    const char *name;
    json_t *json; /* borrowed from the document */
    sf_mock_response *answers;
    size_t count;
} mock_responses;

/* One state of a test case. */
typedef struct mock_state {
    const char *name;
    char *pointer; /* in the mock file: /StateMachines/M/TestCases/C/S */
    const mock_responses *responses;
} mock_state;

struct sf_mock_case {
    const char *name;
    const char *origin; /* the file, for messages */
    mock_state *states;
    size_t state_count;
    /* Set by sf_mock_case_single: what the case owns. */
    char *owned_name;
    mock_responses *owned_responses;
    json_t *owned_json;
};

typedef struct mock_machine {
    const char *name;
    sf_mock_case *cases;
    size_t case_count;
} mock_machine;

struct sf_mock_config {
    json_t *doc;
    char *origin;
    mock_responses *responses;
    size_t response_count;
    mock_machine *machines;
    size_t machine_count;
};

struct sf_mock_run {
    const sf_mock_case *mcase;
    int64_t *invocations; /* per state of the case */
};

/* ---- Errors ---- */

static bool fail_at(char **err, const char *origin, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool fail_at(char **err, const char *origin, const char *pointer, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *what = sf_vasprintf(fmt, ap);
    va_end(ap);
    *err = sf_asprintf("%s: %s: %s", origin, pointer[0] ? pointer : "/", what);
    free(what);
    return false;
}

/* ---- Responses ---- */

/* "N" or "N-M" (decimal, no sign, no spaces) into [*lo, *hi]. */
static bool parse_range(const char *key, long *lo, long *hi)
{
    char *end;
    if (key[0] < '0' || key[0] > '9')
        return false;
    errno = 0;
    *lo = strtol(key, &end, 10);
    if (errno || *lo > MOCK_MAX_INVOCATIONS)
        return false;
    if (*end == '\0') {
        *hi = *lo;
        return true;
    }
    if (*end != '-' || end[1] < '0' || end[1] > '9')
        return false;
    *hi = strtol(end + 1, &end, 10);
    return errno == 0 && *end == '\0' && *hi <= MOCK_MAX_INVOCATIONS;
}

/* One {"Return": v} or {"Throw": {"Error": s, "Cause": s}} into *out. */
static bool parse_answer(json_t *v, const char *origin, const char *ptr, sf_mock_response *out,
                         char **err)
{
    if (!json_is_object(v))
        return fail_at(err, origin, ptr,
                       "a mocked response must be an object with \"Return\" "
                       "or \"Throw\"");
    json_t *ret = json_object_get(v, "Return");
    json_t *thr = json_object_get(v, "Throw");
    if (ret && thr)
        return fail_at(err, origin, ptr, "a mocked response has \"Return\" or \"Throw\", not both");
    if (!ret && !thr)
        return fail_at(err, origin, ptr,
                       "a mocked response needs \"Return\" (the task's result) "
                       "or \"Throw\" ({\"Error\", \"Cause\"})");
    const char *key;
    json_t *member;
    json_object_foreach(v, key, member)
    {
        if (strcmp(key, "Return") && strcmp(key, "Throw")) {
            char *p = sf_pointer_join(ptr, key);
            fail_at(err, origin, p, "unknown field; a mocked response has \"Return\" or \"Throw\"");
            free(p);
            return false;
        }
    }
    memset(out, 0, sizeof *out);
    if (ret) {
        out->result = ret;
        return true;
    }
    char *tp = sf_pointer_join(ptr, "Throw");
    bool ok = true;
    json_t *error = json_object_get(thr, "Error");
    json_t *cause = json_object_get(thr, "Cause");
    if (!json_is_object(thr))
        ok = fail_at(err, origin, tp,
                     "\"Throw\" must be an object {\"Error\": \"...\", "
                     "\"Cause\": \"...\"}");
    else if (!json_is_string(error) || json_string_length(error) == 0)
        ok = fail_at(err, origin, tp,
                     "\"Throw\" needs \"Error\", a non-empty string: the error "
                     "name Retry and Catch match");
    else if (cause && !json_is_string(cause))
        ok = fail_at(err, origin, tp, "\"Cause\" must be a string");
    else {
        json_object_foreach(thr, key, member)
        {
            if (strcmp(key, "Error") && strcmp(key, "Cause")) {
                char *p = sf_pointer_join(tp, key);
                ok =
                    fail_at(err, origin, p, "unknown field; \"Throw\" has \"Error\" and \"Cause\"");
                free(p);
                break;
            }
        }
    }
    free(tp);
    if (ok) {
        out->error = json_string_value(error);
        out->cause = cause ? json_string_value(cause) : NULL;
    }
    return ok;
}

typedef struct keyed_answer {
    long lo, hi;
    sf_mock_response answer;
    const char *key;
} keyed_answer;

static int by_lo(const void *a, const void *b)
{
    const keyed_answer *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* One MockedResponses entry: its keys must cover 0..N without gaps. */
static bool parse_responses(const char *name, json_t *v, const char *origin, const char *ptr,
                            mock_responses *out, char **err)
{
    out->name = name;
    out->json = v;
    if (!json_is_object(v) || json_object_size(v) == 0)
        return fail_at(err, origin, ptr,
                       "a mocked response must be a non-empty object keyed by invocation "
                       "number (\"0\", \"1-2\", ...)");
    size_t n = json_object_size(v), i = 0;
    keyed_answer *keyed = sf_calloc(n, sizeof *keyed);
    const char *key;
    json_t *member;
    bool ok = true;
    json_object_foreach(v, key, member)
    {
        char *p = sf_pointer_join(ptr, key);
        keyed_answer *k = &keyed[i++];
        k->key = key;
        if (!parse_range(key, &k->lo, &k->hi) || k->hi < k->lo)
            ok = fail_at(err, origin, p,
                         "'%s' is not an invocation number or range: use \"0\", \"1\", or "
                         "\"1-3\" (from 0, at most %d)",
                         key, MOCK_MAX_INVOCATIONS);
        else
            ok = parse_answer(member, origin, p, &k->answer, err);
        free(p);
        if (!ok)
            break;
    }
    if (ok) {
        qsort(keyed, n, sizeof *keyed, by_lo);
        long next = 0;
        for (i = 0; i < n && ok; i++) {
            if (keyed[i].lo != next) {
                char *p = sf_pointer_join(ptr, keyed[i].key);
                ok = fail_at(err, origin, p,
                             keyed[i].lo < next
                                 ? "invocation %ld is answered twice; the keys must not overlap"
                                 : "invocation %ld has no response; the keys must cover every "
                                   "invocation from 0 without gaps",
                             keyed[i].lo < next ? keyed[i].lo : next);
                free(p);
            }
            next = keyed[i].hi + 1;
        }
        if (ok) {
            out->count = (size_t)next;
            out->answers = sf_calloc(out->count, sizeof *out->answers);
            for (i = 0; i < n; i++)
                for (long k = keyed[i].lo; k <= keyed[i].hi; k++)
                    out->answers[k] = keyed[i].answer;
        }
    }
    free(keyed);
    return ok;
}

/* ---- The file ---- */

static const mock_responses *find_responses(const sf_mock_config *m, const char *name)
{
    for (size_t i = 0; i < m->response_count; i++)
        if (strcmp(m->responses[i].name, name) == 0)
            return &m->responses[i];
    return NULL;
}

/* Only the named fields may appear in obj. */
static bool only_fields(json_t *obj, const char *const *allowed, const char *origin,
                        const char *ptr, char **err)
{
    const char *key;
    json_t *member;
    json_object_foreach(obj, key, member)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key))
            i++;
        if (!allowed[i]) {
            char *p = sf_pointer_join(ptr, key);
            fail_at(err, origin, p, "unknown field; expected %s%s%s", allowed[0],
                    allowed[1] ? " or " : "", allowed[1] ? allowed[1] : "");
            free(p);
            return false;
        }
    }
    return true;
}

static bool parse_case(sf_mock_config *m, const char *name, json_t *v, const char *ptr,
                       sf_mock_case *out, char **err)
{
    out->name = name;
    out->origin = m->origin;
    if (!json_is_object(v))
        return fail_at(err, m->origin, ptr,
                       "a test case must be an object of {\"<state name>\": \"<mocked response "
                       "name>\"}");
    out->states = sf_calloc(json_object_size(v) + 1, sizeof *out->states);
    const char *key;
    json_t *member;
    json_object_foreach(v, key, member)
    {
        char *p = sf_pointer_join(ptr, key);
        mock_state *s = &out->states[out->state_count++];
        s->name = key;
        s->pointer = p;
        if (!json_is_string(member))
            return fail_at(err, m->origin, p,
                           "must be a string: the name of an entry in MockedResponses");
        s->responses = find_responses(m, json_string_value(member));
        if (!s->responses)
            return fail_at(err, m->origin, p, "the mocked response '%s' is not in MockedResponses",
                           json_string_value(member));
    }
    return true;
}

static bool parse_machine(sf_mock_config *m, const char *name, json_t *v, const char *ptr,
                          mock_machine *out, char **err)
{
    static const char *const fields[] = {"TestCases", NULL};
    out->name = name;
    if (!json_is_object(v))
        return fail_at(err, m->origin, ptr,
                       "a state machine entry must be an object with "
                       "\"TestCases\"");
    if (!only_fields(v, fields, m->origin, ptr, err))
        return false;
    json_t *cases = json_object_get(v, "TestCases");
    char *cp = sf_pointer_join(ptr, "TestCases");
    bool ok = true;
    if (!json_is_object(cases)) {
        ok = fail_at(err, m->origin, cases ? cp : ptr,
                     "\"TestCases\" must be an object of named test cases");
    } else {
        out->cases = sf_calloc(json_object_size(cases) + 1, sizeof *out->cases);
        const char *key;
        json_t *member;
        json_object_foreach(cases, key, member)
        {
            char *p = sf_pointer_join(cp, key);
            ok = parse_case(m, key, member, p, &out->cases[out->case_count++], err);
            free(p);
            if (!ok)
                break;
        }
    }
    free(cp);
    return ok;
}

static bool parse_document(sf_mock_config *m, char **err)
{
    static const char *const fields[] = {"StateMachines", "MockedResponses", NULL};
    json_t *doc = m->doc;
    if (!json_is_object(doc))
        return fail_at(err, m->origin, "",
                       "a mock config is an object with \"StateMachines\" and "
                       "\"MockedResponses\"");
    if (!only_fields(doc, fields, m->origin, "", err))
        return false;
    json_t *responses = json_object_get(doc, "MockedResponses");
    json_t *machines = json_object_get(doc, "StateMachines");
    if (!json_is_object(responses))
        return fail_at(err, m->origin, responses ? "/MockedResponses" : "",
                       "\"MockedResponses\" must be an object of named mocked responses");
    if (!json_is_object(machines))
        return fail_at(err, m->origin, machines ? "/StateMachines" : "",
                       "\"StateMachines\" must be an object of state machine names");
    m->responses = sf_calloc(json_object_size(responses) + 1, sizeof *m->responses);
    const char *key;
    json_t *member;
    json_object_foreach(responses, key, member)
    {
        char *p = sf_pointer_join("/MockedResponses", key);
        bool ok =
            parse_responses(key, member, m->origin, p, &m->responses[m->response_count++], err);
        free(p);
        if (!ok)
            return false;
    }
    m->machines = sf_calloc(json_object_size(machines) + 1, sizeof *m->machines);
    json_object_foreach(machines, key, member)
    {
        char *p = sf_pointer_join("/StateMachines", key);
        bool ok = parse_machine(m, key, member, p, &m->machines[m->machine_count++], err);
        free(p);
        if (!ok)
            return false;
    }
    return true;
}

sf_mock_config *sf_mock_config_parse(const char *text, size_t len, const char *origin, char **err)
{
    json_error_t jerr;
    /* Keys are names: a duplicate would silently hide a test case. */
    json_t *doc = sf_json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        *err = sf_asprintf("%s: not a valid mock config: line %d, column %d: %s", origin, jerr.line,
                           jerr.column, jerr.text);
        return NULL;
    }
    sf_mock_config *m = SF_NEW(sf_mock_config);
    m->doc = doc;
    m->origin = sf_strdup(origin);
    if (!parse_document(m, err)) {
        sf_mock_config_free(m);
        return NULL;
    }
    return m;
}

sf_mock_config *sf_mock_config_load(const char *path, char **err)
{
    size_t len;
    char *text = sf_read_file(path, &len);
    if (!text) {
        *err = sf_asprintf("%s: cannot read the mock config: %s", path, strerror(errno));
        return NULL;
    }
    sf_mock_config *m = sf_mock_config_parse(text, len, path, err);
    free(text);
    return m;
}

static void case_clear(sf_mock_case *c)
{
    for (size_t i = 0; i < c->state_count; i++)
        free(c->states[i].pointer);
    free(c->states);
}

void sf_mock_config_free(sf_mock_config *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->machine_count; i++) {
        for (size_t j = 0; j < m->machines[i].case_count; j++)
            case_clear(&m->machines[i].cases[j]);
        free(m->machines[i].cases);
    }
    free(m->machines);
    for (size_t i = 0; i < m->response_count; i++)
        free(m->responses[i].answers);
    free(m->responses);
    json_decref(m->doc);
    free(m->origin);
    free(m);
}

/* ---- Cases ---- */

static const mock_machine *find_machine(const sf_mock_config *m, const char *name)
{
    for (size_t i = 0; i < m->machine_count; i++)
        if (strcmp(m->machines[i].name, name) == 0)
            return &m->machines[i];
    return NULL;
}

/* "'a', 'b', 'c'" (at most a few, then "..."), for messages. */
static char *list_names(const char **names)
{
    sf_text t = {0};
    size_t i = 0;
    for (; names[i] && i < 8; i++) {
        if (i)
            sf_text_put(&t, ", ", 2);
        sf_text_put(&t, "'", 1);
        sf_text_put(&t, names[i], strlen(names[i]));
        sf_text_put(&t, "'", 1);
    }
    if (names[i])
        sf_text_put(&t, ", ...", 5);
    if (i == 0)
        sf_text_put(&t, "none", 4);
    char *s = sf_strndup(t.data, t.len);
    sf_text_free(&t);
    return s;
}

const sf_mock_case *sf_mock_config_case(const sf_mock_config *m, const char *machine,
                                        const char *test_case, char **err)
{
    const mock_machine *mm = find_machine(m, machine);
    if (!mm) {
        const char **names = sf_mock_config_machines(m);
        char *have = list_names(names);
        free(names);
        *err = sf_asprintf("%s: no state machine '%s' in StateMachines (it has %s); name the "
                           "definition's file after it or give --state-machine-name",
                           m->origin, machine, have);
        free(have);
        return NULL;
    }
    for (size_t i = 0; i < mm->case_count; i++)
        if (strcmp(mm->cases[i].name, test_case) == 0)
            return &mm->cases[i];
    const char **names = sf_mock_config_cases(m, machine);
    char *have = list_names(names);
    free(names);
    *err = sf_asprintf("%s: state machine '%s' has no test case '%s' (it has %s)", m->origin,
                       machine, test_case, have);
    free(have);
    return NULL;
}

const char **sf_mock_config_machines(const sf_mock_config *m)
{
    const char **names = sf_calloc(m->machine_count + 1, sizeof *names);
    for (size_t i = 0; i < m->machine_count; i++)
        names[i] = m->machines[i].name;
    return names;
}

const char **sf_mock_config_cases(const sf_mock_config *m, const char *machine)
{
    const mock_machine *mm = find_machine(m, machine);
    size_t n = mm ? mm->case_count : 0;
    const char **names = sf_calloc(n + 1, sizeof *names);
    for (size_t i = 0; i < n; i++)
        names[i] = mm->cases[i].name;
    return names;
}

/* The state named `name` anywhere in the definition. */
static const sf_state *find_state(const sf_definition *def, const char *name)
{
    const sf_state *s = sf_machine_find_state(def->top, name);
    for (size_t i = 0; !s && i < def->machine_count; i++)
        s = sf_machine_find_state(def->machines[i], name);
    return s;
}

bool sf_mock_case_check(const sf_mock_case *c, const sf_definition *def, char **err)
{
    const char *origin = c->origin;
    for (size_t i = 0; i < c->state_count; i++) {
        const mock_state *ms = &c->states[i];
        const sf_state *s = find_state(def, ms->name);
        const char *type = s ? json_string_value(json_object_get(s->json, "Type")) : NULL;
        if (!s)
            return fail_at(err, origin, ms->pointer,
                           "test case '%s' mocks the state '%s', which the definition does "
                           "not have",
                           c->name, ms->name);
        if (!type || strcmp(type, "Task"))
            return fail_at(err, origin, ms->pointer,
                           "test case '%s' mocks the state '%s', a %s state; only Task states "
                           "can be mocked",
                           c->name, ms->name, type ? type : "non-Task");
    }
    return true;
}

bool sf_mock_case_has(const sf_mock_case *c, const char *state)
{
    for (size_t i = 0; c && i < c->state_count; i++)
        if (strcmp(c->states[i].name, state) == 0)
            return true;
    return false;
}

sf_mock_case *sf_mock_case_single(const char *state, json_t *result, const char *error,
                                  const char *cause)
{
    sf_mock_case *c = SF_NEW(sf_mock_case);
    c->owned_name = sf_strdup(state);
    c->owned_json = json_object(); /* holds the strings the answer borrows */
    if (result)
        json_object_set(c->owned_json, "Return", result);
    if (error)
        json_object_set_new(c->owned_json, "Error", json_string(error));
    if (cause)
        json_object_set_new(c->owned_json, "Cause", json_string(cause));
    mock_responses *r = SF_NEW(mock_responses);
    r->name = "mock";
    r->count = 1;
    r->answers = SF_NEW(sf_mock_response);
    r->answers[0].result = json_object_get(c->owned_json, "Return");
    r->answers[0].error = json_string_value(json_object_get(c->owned_json, "Error"));
    r->answers[0].cause = json_string_value(json_object_get(c->owned_json, "Cause"));
    c->owned_responses = r;
    c->name = "mock";
    c->origin = "mock";
    c->states = SF_NEW(mock_state);
    c->states[0].name = c->owned_name;
    c->states[0].pointer = sf_strdup("/mock");
    c->states[0].responses = r;
    c->state_count = 1;
    return c;
}

void sf_mock_case_free(sf_mock_case *c)
{
    if (!c || !c->owned_name)
        return; /* a case of a config goes with the config */
    case_clear(c);
    free(c->owned_responses->answers);
    free(c->owned_responses);
    json_decref(c->owned_json);
    free(c->owned_name);
    free(c);
}

const char *sf_mock_case_name(const sf_mock_case *c)
{
    return c->name;
}

/* ---- Runs ---- */

sf_mock_run *sf_mock_run_new(const sf_mock_case *c)
{
    sf_mock_run *r = SF_NEW(sf_mock_run);
    r->mcase = c;
    r->invocations = sf_calloc(c->state_count + 1, sizeof *r->invocations);
    return r;
}

void sf_mock_run_free(sf_mock_run *r)
{
    if (!r)
        return;
    free(r->invocations);
    free(r);
}

bool sf_mock_run_next(sf_mock_run *r, const char *state, sf_mock_response *out, int64_t *invocation)
{
    for (size_t i = 0; r && i < r->mcase->state_count; i++) {
        const mock_state *s = &r->mcase->states[i];
        if (strcmp(s->name, state))
            continue;
        int64_t n = r->invocations[i]++;
        size_t at = (size_t)n < s->responses->count ? (size_t)n : s->responses->count - 1;
        *out = s->responses->answers[at];
        if (invocation)
            *invocation = n;
        return true;
    }
    return false;
}
