/*
 * replay.c — see replay.h for what a replay is and how it is used.
 *
 * Layout. Recorded events are grouped by scope (the "scope" member, compact
 * JSON text as the key; "" for the top level) into queues kept in recorded
 * order with a consumed flag each. Inside a queue, events are also filed by
 * a match key — type, details.name and details.index — in first-in,
 * first-out lists, so matching costs O(1) however many iterations a Map has.
 *
 * Failure cases. A record that does not fit the definition (it was changed,
 * or the history is damaged) simply stops matching: the engine then runs and
 * records the rest afresh, which is the at-least-once behaviour the design
 * promises, never a crash.
 */
#include "engine/store/replay.h"
#include "engine/store/history.h"
#include "engine/lang/jsonpath.h" /* sf_json_compact */
#include "engine/xalloc.h"

#include <stdlib.h>
#include <string.h>

typedef struct fifo {
    size_t *positions;
    size_t count, capacity, next;
} fifo;

typedef struct scope_queue {
    json_t **events;
    bool *consumed;
    size_t count, capacity;
    size_t head;     /* no unconsumed event before this position */
    json_t *fifo_of; /* match key -> integer index into fifos */
    fifo *fifos;
    size_t fifo_count, fifo_capacity;
} scope_queue;

struct sf_replay {
    json_t *queue_of; /* scope key -> integer index into queues */
    scope_queue *queues;
    size_t queue_count, queue_capacity;
    size_t remaining;
};

/* Queues are found by the scope's JSON text, as the cursor writes it (the
 * engine's own writer, so a recorded scope read back gives the same text). */
static const char *scope_key(const char *scope)
{
    return scope && strcmp(scope, "[]") != 0 ? scope : "";
}

static char *recorded_scope_key(json_t *scope)
{
    return json_is_array(scope) && json_array_size(scope) ? sf_json_compact(scope) : sf_strdup("");
}

static char *match_key(const char *type, json_t *details)
{
    const char *name = json_string_value(json_object_get(details, "name"));
    json_t *index = json_object_get(details, "index");
    return sf_asprintf("%s\x1f%s\x1f%lld", type, name ? name : "",
                       index ? (long long)json_integer_value(index) : -1LL);
}

static const char *event_type(const json_t *ev)
{
    const char *t = json_string_value(json_object_get(ev, "type"));
    return t ? t : "";
}

static json_t *event_details(const json_t *ev)
{
    return sf_history_event_details(ev);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static const char *event_state_name(const json_t *ev)
{
    return json_string_value(json_object_get(event_details(ev), "name"));
}

/* ---- Building the index ---- */

static scope_queue *queue_for_key(sf_replay *r, const char *key, bool create)
{
    json_t *idx = json_object_get(r->queue_of, key);
    scope_queue *q = NULL;
    if (idx) {
        q = &r->queues[json_integer_value(idx)];
    } else if (create) {
        if (r->queue_count == r->queue_capacity) {
            r->queue_capacity = r->queue_capacity ? r->queue_capacity * 2 : 8;
            r->queues = sf_realloc(r->queues, r->queue_capacity * sizeof *r->queues);
        }
        q = &r->queues[r->queue_count];
        memset(q, 0, sizeof *q);
        q->fifo_of = json_object();
        json_object_set_new(r->queue_of, key, json_integer((json_int_t)r->queue_count++));
    }
    return q;
}

static scope_queue *queue_for(sf_replay *r, const char *scope, bool create)
{
    return queue_for_key(r, scope_key(scope), create);
}

static void queue_push(scope_queue *q, json_t *ev)
{
    if (q->count == q->capacity) {
        q->capacity = q->capacity ? q->capacity * 2 : 16;
        q->events = sf_realloc(q->events, q->capacity * sizeof *q->events);
        q->consumed = sf_realloc(q->consumed, q->capacity * sizeof *q->consumed);
    }
    q->events[q->count] = json_incref(ev);
    q->consumed[q->count] = false;
    q->count++;
}

static void fifo_push(scope_queue *q, const char *key, size_t position)
{
    json_t *idx = json_object_get(q->fifo_of, key);
    if (!idx) {
        if (q->fifo_count == q->fifo_capacity) {
            q->fifo_capacity = q->fifo_capacity ? q->fifo_capacity * 2 : 8;
            q->fifos = sf_realloc(q->fifos, q->fifo_capacity * sizeof *q->fifos);
        }
        memset(&q->fifos[q->fifo_count], 0, sizeof(fifo));
        idx = json_integer((json_int_t)q->fifo_count++);
        json_object_set_new(q->fifo_of, key, idx);
    }
    fifo *f = &q->fifos[json_integer_value(idx)];
    if (f->count == f->capacity) {
        f->capacity = f->capacity ? f->capacity * 2 : 4;
        f->positions = sf_realloc(f->positions, f->capacity * sizeof *f->positions);
    }
    f->positions[f->count++] = position;
}

static void index_queue(sf_replay *r, scope_queue *q)
{
    for (size_t i = 0; i < q->count; i++) {
        if (q->consumed[i])
            continue;
        char *key = match_key(event_type(q->events[i]), event_details(q->events[i]));
        fifo_push(q, key, i);
        free(key);
        r->remaining++;
    }
}

/* Does the entry starting at `at` (a *StateEntered) have its exit recorded? */
static bool entry_is_complete(const scope_queue *q, size_t at)
{
    const char *name = event_state_name(q->events[at]);
    for (size_t i = at + 1; i < q->count; i++) {
        const char *type = event_type(q->events[i]);
        if (ends_with(type, "StateEntered"))
            return false;
        if (ends_with(type, "StateExited")) {
            const char *n = event_state_name(q->events[i]);
            return n && name && strcmp(n, name) == 0;
        }
    }
    return false;
}

/* Events that survive a redrive inside an unfinished state: what started,
 * and the iterations that succeeded. */
static bool kept_on_redrive(const char *type)
{
    return strcmp(type, "MapStateStarted") == 0 || strcmp(type, "ParallelStateStarted") == 0 ||
           strcmp(type, "MapIterationStarted") == 0 || strcmp(type, "MapIterationSucceeded") == 0 ||
           strcmp(type, "MapRunStarted") == 0;
}

static void drop_after_unfinished_entry(scope_queue *q)
{
    size_t last_entry = q->count;
    for (size_t i = 0; i < q->count; i++)
        if (ends_with(event_type(q->events[i]), "StateEntered"))
            last_entry = i;
    if (last_entry == q->count || entry_is_complete(q, last_entry))
        return;
    for (size_t i = last_entry + 1; i < q->count; i++)
        if (!kept_on_redrive(event_type(q->events[i])))
            q->consumed[i] = true;
}

static bool cut_top_level_at(scope_queue *q, const char *state)
{
    size_t cut = q->count;
    for (size_t i = 0; i < q->count; i++) {
        const char *name = event_state_name(q->events[i]);
        if (ends_with(event_type(q->events[i]), "StateEntered") && name && strcmp(name, state) == 0)
            cut = i;
    }
    if (cut == q->count)
        return false;
    for (size_t i = cut; i < q->count; i++)
        q->consumed[i] = true;
    return true;
}

static bool is_execution_end(const char *type)
{
    return strcmp(type, "ExecutionSucceeded") == 0 || strcmp(type, "ExecutionFailed") == 0 ||
           strcmp(type, "ExecutionTimedOut") == 0 || strcmp(type, "ExecutionAborted") == 0 ||
           strcmp(type, "ExecutionStarted") == 0 || strcmp(type, "ExecutionRedriven") == 0;
}

/* Set aside what a redrive re-runs, among the events indexed so far: from
 * the last top-level entry of from_state on (--from), or in every scope
 * what followed the entry of the state that did not finish. False when
 * from_state was never entered at the top level. */
static bool apply_redrive(sf_replay *r, const char *from_state)
{
    if (from_state)
        return cut_top_level_at(&r->queues[0], from_state);
    for (size_t k = 0; k < r->queue_count; k++)
        drop_after_unfinished_entry(&r->queues[k]);
    return true;
}

sf_replay *sf_replay_new(json_t *events, sf_replay_mode mode, const char *from_state, char **err)
{
    sf_replay *r = SF_NEW(sf_replay);
    r->queue_of = json_object();
    queue_for(r, NULL, true); /* the top level always has a queue */
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        /* An earlier redrive set aside what it re-ran, exactly as it did
         * when it started; without this, resuming a redrive cut off by a
         * crash would replay the failure it was redriving. */
        if (strcmp(event_type(ev), "ExecutionRedriven") == 0)
            apply_redrive(r, json_string_value(json_object_get(event_details(ev), "fromState")));
        if (is_execution_end(event_type(ev)))
            continue; /* written by the execution itself, never matched */
        char *key = recorded_scope_key(json_object_get(ev, "scope"));
        queue_push(queue_for_key(r, key, true), ev);
        free(key);
    }
    if (mode != SF_REPLAY_RESUME && !apply_redrive(r, mode == SF_REPLAY_FROM ? from_state : NULL)) {
        *err = sf_asprintf("the execution never entered a top-level state named '%s'", from_state);
        sf_replay_free(r);
        return NULL;
    }
    for (size_t k = 0; k < r->queue_count; k++)
        index_queue(r, &r->queues[k]);
    return r;
}

void sf_replay_free(sf_replay *r)
{
    if (!r)
        return;
    for (size_t k = 0; k < r->queue_count; k++) {
        scope_queue *q = &r->queues[k];
        for (size_t i = 0; i < q->count; i++)
            json_decref(q->events[i]);
        for (size_t f = 0; f < q->fifo_count; f++)
            free(q->fifos[f].positions);
        free(q->fifos);
        free(q->events);
        free(q->consumed);
        json_decref(q->fifo_of);
    }
    free(r->queues);
    json_decref(r->queue_of);
    free(r);
}

/* ---- Matching ---- */

static void consume(sf_replay *r, scope_queue *q, size_t i)
{
    if (q->consumed[i])
        return;
    q->consumed[i] = true;
    r->remaining--;
    while (q->head < q->count && q->consumed[q->head])
        q->head++;
}

json_t *sf_replay_match(sf_replay *r, const char *scope, const char *type, json_t *details)
{
    scope_queue *q = queue_for(r, scope, false);
    if (!q)
        return NULL;
    char *key = match_key(type, details);
    json_t *idx = json_object_get(q->fifo_of, key);
    free(key);
    if (!idx)
        return NULL;
    fifo *f = &q->fifos[json_integer_value(idx)];
    while (f->next < f->count && q->consumed[f->positions[f->next]])
        f->next++;
    if (f->next == f->count)
        return NULL;
    size_t at = f->positions[f->next++];
    consume(r, q, at);
    return q->events[at];
}

/* The next unconsumed *StateEntered of the queue, or q->count. */
static size_t next_entry(const scope_queue *q)
{
    for (size_t i = q->head; i < q->count; i++)
        if (!q->consumed[i] && ends_with(event_type(q->events[i]), "StateEntered"))
            return i;
    return q->count;
}

bool sf_replay_completed_state(sf_replay *r, const char *scope, const char *name, json_t **entered,
                               json_t **exited)
{
    scope_queue *q = queue_for(r, scope, false);
    if (!q)
        return false;
    size_t at = next_entry(q);
    if (at == q->count || !event_state_name(q->events[at]) ||
        strcmp(event_state_name(q->events[at]), name) != 0 || !entry_is_complete(q, at))
        return false;
    size_t end = at + 1;
    while (!ends_with(event_type(q->events[end]), "StateExited"))
        end++;
    for (size_t i = at; i <= end; i++)
        consume(r, q, i);
    *entered = q->events[at];
    *exited = q->events[end];
    return true;
}

json_t *sf_replay_peek(sf_replay *r, const char *scope, const char *const *types)
{
    scope_queue *q = queue_for(r, scope, false);
    if (!q)
        return NULL;
    for (size_t i = q->head; i < q->count; i++) {
        if (q->consumed[i])
            continue;
        const char *type = event_type(q->events[i]);
        for (size_t t = 0; types[t]; t++)
            if (strcmp(type, types[t]) == 0)
                return q->events[i];
        if (ends_with(type, "StateEntered") || ends_with(type, "StateExited"))
            return NULL; /* past the state in flight */
    }
    return NULL;
}

size_t sf_replay_remaining(const sf_replay *r)
{
    return r->remaining;
}
