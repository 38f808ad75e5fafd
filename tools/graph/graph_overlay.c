/*
 * graph_overlay.c — folding an execution's history over the graph model
 * (see graph_overlay.h for what is counted).
 *
 * The fold keeps one record per state per scope (a "place": the top level,
 * one Parallel branch, one Map iteration), keyed by the compact JSON of
 * [scope..., state name]. Records form a tree: a record inside a branch or
 * iteration points to the record of the Parallel/Map state that owns it.
 * Per scope, a track remembers the state last entered there, so the next
 * StateEntered in the same scope names the edge that was taken.
 *
 * How a visit ends:
 *   - <Type>StateExited: it succeeded, or was caught when its last attempt
 *     had failed (TaskFailed, MapStateFailed, ...) or when the next state is
 *     a Catch target rather than its Next (a data-flow error records no
 *     failure event of its own);
 *   - a failure that closes a Parallel, a Map iteration or the execution:
 *     the record the closing event follows (its previousEventId) failed, as
 *     did Fail states and states whose attempt failed; every other visit
 *     still open below was cut short ("stopped");
 *   - the end of the history with the execution still running: running.
 *
 * Replays: an ExecutionRedriven starts a new epoch. The first event of the
 * new epoch that touches a record wipes what earlier epochs counted there
 * (the latest attempt wins), and reopens the visit if that event continues
 * one (a redrive does not record the failed state's entry again).
 *
 * History that does not fit the definition (another version of it, a
 * damaged file) is counted in `unmatched` and otherwise ignored.
 */
#include "engine/store/history.h"
#include "engine/json_alloc.h"
#include "tools/graph/graph_overlay.h"
#include "engine/error.h"
#include "engine/state_type.h"
#include "engine/timestamp.h"
#include "engine/xalloc.h"

#include <stdlib.h>
#include <string.h>

typedef enum exit_kind { EXIT_NONE, EXIT_NORMAL, EXIT_CAUGHT } exit_kind;

typedef enum item_status {
    ITEM_NONE,
    ITEM_RUNNING,
    ITEM_SUCCEEDED,
    ITEM_FAILED,
    ITEM_ABORTED,
} item_status;

typedef struct record {
    size_t node;
    size_t parent; /* the owning Parallel/Map record, or GRAPH_NONE */
    long branch;   /* branch or iteration index within the parent */
    size_t *children;
    size_t child_count;
    int epoch;
    long serial; /* bumped when the state (re)starts: its inner scopes start afresh */
    /* The visit in progress. */
    bool open;
    int64_t entered_ms;
    long attempts;
    bool attempt_failed;
    exit_kind last_exit; /* how the last visit left, until the next state is entered */
    const char *error;
    /* Totals. */
    graph_node_stats stats;
    long *edge_counts; /* per out edge of the node */
    long entry_taken;
    long items_length;         /* Map: from MapStateStarted */
    unsigned char *item_state; /* Map: item_status per iteration */
    size_t item_cap;
} record;

typedef struct scope_track {
    size_t current; /* the record last entered in this scope */
    size_t owner;   /* the record owning the scope */
    long owner_serial;
} scope_track;

typedef struct fold {
    const graph_model *m;
    record *records;
    size_t record_count, record_cap;
    json_t *record_index; /* key -> index */
    scope_track *tracks;
    size_t track_count, track_cap;
    json_t *track_index;
    size_t *record_of_event; /* event id -> record, GRAPH_NONE */
    size_t event_cap;
    json_int_t index_limit; /* event ids and Map item indexes stay below it */
    int epoch;
    int64_t now_ms;
    const char *execution_error;
    size_t unmatched;
} fold;

/* ---- Keys and lookups ---- */

/* A scope is a list of groups, one per enclosing Parallel or Map: the
 * owning state's name, then integers of which the last is the branch or
 * iteration index. The engine writes [name, entered event id, index]; the
 * older [name, index] reads the same way. */

/* The length of scope without its last group's integers: what remains
 * ends with the name of the state that owns the scope. */
static size_t owner_prefix(const json_t *scope)
{
    size_t n = json_array_size(scope);
    while (n > 0 && json_is_integer(json_array_get(scope, n - 1)))
        n--;
    return n;
}

/* Compact JSON of the first `len` members of scope, with name appended
 * when given. */
static char *scope_key(const json_t *scope, size_t len, const char *name)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < len && i < json_array_size(scope); i++)
        json_array_append(arr, json_array_get(scope, i));
    if (name)
        json_array_append_new(arr, json_string(name));
    char *key = sf_json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return key;
}

static size_t lookup(json_t *index, const char *key)
{
    json_t *v = json_object_get(index, key);
    return v ? (size_t)json_integer_value(v) : GRAPH_NONE;
}

/* The machine nested in the state of `node` that a branch or iteration
 * index leads to. */
static const sf_machine *nested_machine(const graph_model *m, size_t node, json_int_t index)
{
    const graph_node *gn = &m->nodes[node];
    if (gn->is_map)
        index = 0;
    return index >= 0 && (size_t)index < gn->child_count ? gn->children[index] : NULL;
}

/* The node of `name` in the machine a scope leads to, or GRAPH_NONE. */
static size_t scope_node(const graph_model *m, const json_t *scope, const char *name)
{
    const sf_machine *machine = m->def->top;
    size_t n = json_array_size(scope);
    for (size_t i = 0; machine && i < n;) {
        const char *owner = json_string_value(json_array_get(scope, i++));
        json_int_t index = -1;
        while (i < n && json_is_integer(json_array_get(scope, i)))
            index = json_integer_value(json_array_get(scope, i++));
        const sf_state *st = owner ? sf_machine_find_state(machine, owner) : NULL;
        size_t node = st ? graph_model_node_of(m, st) : GRAPH_NONE;
        machine = node != GRAPH_NONE ? nested_machine(m, node, index) : NULL;
    }
    const sf_state *st = machine && name ? sf_machine_find_state(machine, name) : NULL;
    return st ? graph_model_node_of(m, st) : GRAPH_NONE;
}

static size_t new_record(fold *f, const char *key, size_t node, size_t parent, long branch)
{
    if (f->record_count == f->record_cap) {
        f->record_cap = f->record_cap ? f->record_cap * 2 : 64;
        f->records = sf_realloc(f->records, f->record_cap * sizeof *f->records);
    }
    size_t index = f->record_count++;
    record *r = &f->records[index];
    memset(r, 0, sizeof *r);
    r->node = node;
    r->parent = parent;
    r->branch = branch;
    r->epoch = f->epoch;
    r->edge_counts = sf_calloc(f->m->nodes[node].out_count + 1, sizeof *r->edge_counts);
    json_object_set_new(f->record_index, key, json_integer((json_int_t)index));
    if (parent != GRAPH_NONE) {
        record *p = &f->records[parent];
        p->children = sf_realloc(p->children, (p->child_count + 1) * sizeof *p->children);
        p->children[p->child_count++] = index;
    }
    return index;
}

static scope_track *track_for(fold *f, const json_t *scope)
{
    char *key = scope_key(scope, json_array_size(scope), NULL);
    size_t index = lookup(f->track_index, key);
    if (index == GRAPH_NONE) {
        if (f->track_count == f->track_cap) {
            f->track_cap = f->track_cap ? f->track_cap * 2 : 64;
            f->tracks = sf_realloc(f->tracks, f->track_cap * sizeof *f->tracks);
        }
        index = f->track_count++;
        char *owner_key =
            json_array_size(scope) ? scope_key(scope, owner_prefix(scope), NULL) : NULL;
        size_t owner = owner_key ? lookup(f->record_index, owner_key) : GRAPH_NONE;
        free(owner_key);
        f->tracks[index] =
            (scope_track){GRAPH_NONE, owner, owner == GRAPH_NONE ? 0 : f->records[owner].serial};
        json_object_set_new(f->track_index, key, json_integer((json_int_t)index));
    }
    free(key);
    return &f->tracks[index];
}

static void note_event(fold *f, json_int_t id, size_t rec)
{
    if (id <= 0 || id >= f->index_limit)
        return;
    if ((size_t)id >= f->event_cap) {
        size_t cap = f->event_cap ? f->event_cap : 1024;
        while (cap <= (size_t)id)
            cap *= 2;
        f->record_of_event = sf_realloc(f->record_of_event, cap * sizeof *f->record_of_event);
        for (size_t i = f->event_cap; i < cap; i++)
            f->record_of_event[i] = GRAPH_NONE;
        f->event_cap = cap;
    }
    f->record_of_event[id] = rec;
}

static size_t record_of_event(const fold *f, json_int_t id)
{
    return id > 0 && (size_t)id < f->event_cap ? f->record_of_event[id] : GRAPH_NONE;
}

/* ---- Visits ---- */

static bool node_is(const fold *f, size_t node, const char *type)
{
    const sf_state *st = f->m->nodes[node].state;
    return st && st->type && strcmp(st->type->name, type) == 0;
}

static void clear_items(record *r)
{
    if (r->item_cap)
        memset(r->item_state, ITEM_NONE, r->item_cap);
    r->items_length = 0;
}

/* Count the iterations of the Map visit that ends (or of the last one)
 * into the totals, and forget them. */
static void flush_items(record *r)
{
    graph_node_stats *s = &r->stats;
    s->items += r->items_length;
    for (size_t i = 0; i < r->item_cap; i++) {
        switch (r->item_state[i]) {
        case ITEM_RUNNING:
            s->items_running++;
            break;
        case ITEM_SUCCEEDED:
            s->items_succeeded++;
            break;
        case ITEM_FAILED:
            s->items_failed++;
            break;
        case ITEM_ABORTED:
            s->items_aborted++;
            break;
        }
    }
    clear_items(r);
}

static void begin_visit(record *r, int64_t ms)
{
    flush_items(r);
    r->open = true;
    r->entered_ms = ms;
    r->attempts = 0;
    r->attempt_failed = false;
    r->last_exit = EXIT_NONE;
    r->error = NULL;
    r->stats.visits++;
    r->serial++;
}

/* The first event of a new epoch for r: forget what earlier attempts
 * counted here. A Map keeps its iterations' results: a redrive runs only
 * the ones that did not succeed, and their new events overwrite them. */
static void touch(fold *f, record *r, bool entering, int64_t ms)
{
    if (r->epoch == f->epoch)
        return;
    r->epoch = f->epoch;
    memset(&r->stats, 0, sizeof r->stats);
    memset(r->edge_counts, 0, (f->m->nodes[r->node].out_count + 1) * sizeof *r->edge_counts);
    r->open = false;
    if (entering) {
        r->entry_taken = 0;
        clear_items(r);
    } else {
        /* Continue the visit the redrive resumed, with the entry that began
         * it and its iterations. */
        r->entry_taken = r->entry_taken ? 1 : 0;
        r->stats.visits = 1;
        r->entered_ms = ms;
        r->attempts = 0;
        r->attempt_failed = false;
        r->error = NULL;
        r->open = true;
    }
}

static void end_visit(record *r, int64_t ms)
{
    int64_t took = ms - r->entered_ms;
    if (took < 0)
        took = 0;
    r->stats.total_ms += took;
    if (took > r->stats.max_ms)
        r->stats.max_ms = took;
    r->open = false;
}

static void fail_visit(fold *f, record *r, int64_t ms)
{
    end_visit(r, ms);
    r->stats.failed++;
    if (!r->error && node_is(f, r->node, "Fail"))
        r->error = json_string_value(json_object_get(f->m->nodes[r->node].state->json, "Error"));
    if (!r->error)
        r->error = f->execution_error;
}

/* Close r's open visit (failing is the record a failure event follows) and
 * everything open below it. When superseded, an enclosing Retry runs the
 * subtree again: its failures become retried_away. */
static void close_tree(fold *f, size_t index, size_t failing, bool superseded, int64_t ms)
{
    record *r = &f->records[index];
    if (r->open) {
        if (index == failing || r->attempt_failed || node_is(f, r->node, "Fail"))
            fail_visit(f, r, ms);
        else {
            end_visit(r, ms);
            r->stats.stopped++;
        }
    }
    if (superseded) {
        r->stats.retried_away += r->stats.failed;
        r->stats.failed = 0;
    }
    for (size_t i = 0; i < f->records[index].child_count; i++)
        close_tree(f, f->records[index].children[i], failing, superseded, ms);
}

static void close_children(fold *f, size_t index, size_t failing, bool superseded, int64_t ms)
{
    for (size_t i = 0; i < f->records[index].child_count; i++)
        close_tree(f, f->records[index].children[i], failing, superseded, ms);
}

/* ---- Transitions ---- */

/* The engine's ErrorEquals matching (engine/cursor.c), to tell which Catch
 * rule took an error when several lead to the same state. */
static bool catch_matches(const sf_catcher *k, const char *error)
{
    for (size_t i = 0; i < k->error_count; i++) {
        const char *name = k->errors[i];
        if (strcmp(name, error) == 0 || strcmp(name, SF_ERR_ALL) == 0 ||
            (strcmp(name, SF_ERR_TASK_FAILED) == 0 && strcmp(error, SF_ERR_TIMEOUT) != 0) ||
            (strcmp(name, SF_ERR_TIMEOUT) == 0 && strcmp(error, SF_ERR_HEARTBEAT_TIMEOUT) == 0))
            return true;
    }
    return false;
}

/* The slot in from's out edges of the edge to `to` that a visit leaving
 * `how` took, or GRAPH_NONE. A Choice's matching rule is not recorded: the
 * first rule (or the Default) leading there is counted. */
static size_t edge_slot(const fold *f, const record *from, size_t to, bool caught)
{
    const graph_node *n = &f->m->nodes[from->node];
    size_t any = GRAPH_NONE, any_catch = GRAPH_NONE;
    for (size_t k = 0; k < n->out_count; k++) {
        const graph_edge *e = &f->m->edges[n->out[k]];
        if (e->to != to)
            continue;
        bool is_catch = e->kind == GRAPH_EDGE_CATCH;
        if (is_catch && any_catch == GRAPH_NONE)
            any_catch = k;
        if (!is_catch && any == GRAPH_NONE)
            any = k;
        if (is_catch && caught && from->error &&
            catch_matches(&n->state->catchers[e->rule], from->error))
            return k;
    }
    return caught ? any_catch : any;
}

static void count_transition(fold *f, record *from, size_t to_node)
{
    bool caught = from->last_exit == EXIT_CAUGHT;
    size_t slot = edge_slot(f, from, to_node, caught);
    if (slot == GRAPH_NONE && !caught) {
        /* Left for a Catch target without a failure event: a data-flow error. */
        slot = edge_slot(f, from, to_node, true);
        if (slot != GRAPH_NONE) {
            from->stats.succeeded--;
            from->stats.caught++;
        }
    }
    if (slot != GRAPH_NONE)
        from->edge_counts[slot]++;
    from->last_exit = EXIT_NONE;
}

/* An end state's edge to End (or its join) is taken when it leaves. */
static void count_end(fold *f, record *r)
{
    const graph_node *n = &f->m->nodes[r->node];
    for (size_t k = 0; k < n->out_count; k++)
        if (f->m->edges[n->out[k]].kind == GRAPH_EDGE_END)
            r->edge_counts[k]++;
}

/* ---- Events ---- */

typedef struct event {
    const char *type;
    json_int_t id, previous_id;
    int64_t ms;
    const json_t *scope; /* NULL at the top level */
    const json_t *details;
} event;

static const json_t *event_details(const json_t *ev)
{
    return sf_history_event_details(ev);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static const char *detail_string(const event *ev, const char *field)
{
    return json_string_value(json_object_get(ev->details, field));
}

static void on_entered(fold *f, const event *ev)
{
    const char *name = detail_string(ev, "name");
    size_t node = scope_node(f->m, ev->scope, name);
    if (node == GRAPH_NONE) {
        f->unmatched++;
        return;
    }
    scope_track *t = track_for(f, ev->scope);
    if (t->owner != GRAPH_NONE && f->records[t->owner].serial != t->owner_serial) {
        t->current = GRAPH_NONE; /* the owner started again: a fresh branch */
        t->owner_serial = f->records[t->owner].serial;
    }
    char *key = scope_key(ev->scope, json_array_size(ev->scope), name);
    size_t index = lookup(f->record_index, key);
    if (index == GRAPH_NONE) {
        json_t *last = json_array_get(ev->scope, json_array_size(ev->scope) - 1);
        index = new_record(f, key, node, t->owner, last ? (long)json_integer_value(last) : -1);
    }
    free(key);
    record *r = &f->records[index];
    touch(f, r, true, ev->ms);
    if (t->current == GRAPH_NONE)
        r->entry_taken++;
    else if (f->records[t->current].last_exit != EXIT_NONE)
        count_transition(f, &f->records[t->current], node);
    t->current = index;
    begin_visit(r, ev->ms);
    note_event(f, ev->id, index);
}

static void on_exited(fold *f, record *r, const event *ev)
{
    if (!r->open)
        return;
    end_visit(r, ev->ms);
    if (r->attempt_failed) {
        r->stats.caught++;
        r->last_exit = EXIT_CAUGHT;
    } else {
        r->stats.succeeded++;
        r->last_exit = EXIT_NORMAL;
        count_end(f, r);
    }
}

/* TaskScheduled, ParallelStateStarted, MapStateStarted: an attempt begins;
 * after the first, a Retry. A Parallel or Map retried runs its branches
 * again: what failed inside the last attempt is closed as retried away. */
static void on_attempt(fold *f, size_t index, const event *ev, bool nested)
{
    record *r = &f->records[index];
    if (r->attempts > 0) {
        r->stats.retries++;
        if (nested) {
            close_children(f, index, record_of_event(f, ev->previous_id), true, ev->ms);
            clear_items(r);
        }
    }
    r->attempts++;
    r->attempt_failed = false;
    if (nested)
        r->serial++;
}

static bool has_tolerance(const fold *f, size_t node)
{
    const json_t *json = f->m->nodes[node].state->json;
    return f->m->nodes[node].is_map && (json_object_get(json, "ToleratedFailureCount") ||
                                        json_object_get(json, "ToleratedFailurePercentage") ||
                                        json_object_get(json, "ToleratedFailureCountPath") ||
                                        json_object_get(json, "ToleratedFailurePercentagePath"));
}

static void on_attempt_failed(fold *f, size_t index, const event *ev, bool nested)
{
    record *r = &f->records[index];
    r->attempt_failed = true;
    const char *error = detail_string(ev, "error");
    if (error)
        r->error = error;
    if (!nested)
        return;
    size_t failing = record_of_event(f, ev->previous_id);
    close_children(f, index, failing, false, ev->ms);
    if (r->error || failing == GRAPH_NONE || f->records[failing].parent != index)
        return;
    /* A branch or an iteration failed it: the Map's own error when it
     * tolerates failures, else the error the branch or iteration failed with. */
    r->error = has_tolerance(f, r->node) ? SF_ERR_EXCEED_TOLERATED_FAILURE_THRESHOLD
                                         : f->records[failing].error;
}

/* ---- Map iterations ---- */

static void set_item(const fold *f, record *r, json_int_t index, item_status status)
{
    if (index < 0 || index >= f->index_limit)
        return;
    if ((size_t)index >= r->item_cap) {
        size_t cap = r->item_cap ? r->item_cap : 16;
        while (cap <= (size_t)index)
            cap *= 2;
        r->item_state = sf_realloc(r->item_state, cap);
        memset(r->item_state + r->item_cap, ITEM_NONE, cap - r->item_cap);
        r->item_cap = cap;
    }
    r->item_state[index] = (unsigned char)status;
}

/* An iteration ended badly: close what is open inside it. The event
 * follows the iteration's own last event, whose record is the state the
 * iteration was in; anything else open in the iteration is below it. */
static void close_iteration(fold *f, size_t map, json_int_t item, const event *ev, bool failed)
{
    size_t last = record_of_event(f, ev->previous_id);
    if (last == GRAPH_NONE || f->records[last].parent != map || f->records[last].branch != item)
        return;
    close_tree(f, last, failed ? last : GRAPH_NONE, false, ev->ms);
}

static void on_iteration(fold *f, size_t index, const event *ev)
{
    json_t *item_json = json_object_get(ev->details, "index");
    if (!json_is_integer(item_json))
        return;
    json_int_t item = json_integer_value(item_json);
    const char *type = ev->type + strlen("MapIteration");
    if (strcmp(type, "Started") == 0) {
        set_item(f, &f->records[index], item, ITEM_RUNNING);
    } else if (strcmp(type, "Succeeded") == 0) {
        set_item(f, &f->records[index], item, ITEM_SUCCEEDED);
    } else if (strcmp(type, "Failed") == 0 || strcmp(type, "Aborted") == 0) {
        bool failed = type[0] == 'F';
        set_item(f, &f->records[index], item, failed ? ITEM_FAILED : ITEM_ABORTED);
        close_iteration(f, index, item, ev, failed);
    }
}

/* ---- Dispatch ---- */

static bool is_task_failure(const char *type)
{
    return strncmp(type, "Task", 4) == 0 &&
           (ends_with(type, "Failed") || ends_with(type, "TimedOut"));
}

/* An event about the state last entered in its scope. */
static void on_state_event(fold *f, const event *ev)
{
    scope_track *t = track_for(f, ev->scope);
    size_t index = t->current;
    if (index == GRAPH_NONE)
        return;
    note_event(f, ev->id, index);
    record *r = &f->records[index];
    touch(f, r, false, ev->ms);
    const char *type = ev->type;
    bool nested = strncmp(type, "Parallel", 8) == 0 || strncmp(type, "MapState", 8) == 0;
    if (ends_with(type, "StateExited"))
        on_exited(f, r, ev);
    else if (strcmp(type, "TaskScheduled") == 0 || strcmp(type, "ParallelStateStarted") == 0)
        on_attempt(f, index, ev, nested);
    else if (strcmp(type, "MapStateStarted") == 0) {
        on_attempt(f, index, ev, true);
        f->records[index].items_length =
            (long)json_integer_value(json_object_get(ev->details, "length"));
    } else if (is_task_failure(type) || (nested && ends_with(type, "StateFailed")))
        on_attempt_failed(f, index, ev, nested);
    else if (strcmp(type, "TaskSucceeded") == 0)
        r->attempt_failed = false;
    else if (nested && ends_with(type, "StateAborted"))
        close_children(f, index, GRAPH_NONE, false, ev->ms);
    else if (strncmp(type, "MapIteration", 12) == 0)
        on_iteration(f, index, ev);
}

/* The execution stopped: everything still open failed (at the top level,
 * or where a failure points) or was cut short. */
static void on_execution_end(fold *f, const event *ev, bool failed)
{
    if (failed) {
        const char *error = detail_string(ev, "error");
        bool timed_out = strcmp(ev->type, "ExecutionTimedOut") == 0;
        f->execution_error = error ? error : timed_out ? SF_ERR_TIMEOUT : NULL;
    }
    size_t failing = record_of_event(f, ev->previous_id);
    for (size_t i = 0; i < f->record_count; i++)
        if (f->records[i].parent == GRAPH_NONE)
            close_tree(f, i, failed ? failing : GRAPH_NONE, false, ev->ms);
}

static void apply(fold *f, const event *ev)
{
    const char *type = ev->type;
    if (strcmp(type, "ExecutionRedriven") == 0) {
        f->epoch++;
    } else if (strcmp(type, "ExecutionFailed") == 0 || strcmp(type, "ExecutionTimedOut") == 0) {
        on_execution_end(f, ev, true);
    } else if (strcmp(type, "ExecutionAborted") == 0) {
        on_execution_end(f, ev, false);
    } else if (strncmp(type, "Execution", 9) == 0) {
        return;
    } else if (ends_with(type, "StateEntered")) {
        on_entered(f, ev);
    } else {
        on_state_event(f, ev);
    }
}

static bool read_event(const json_t *json, event *ev)
{
    ev->type = json_string_value(json_object_get(json, "type"));
    if (!ev->type)
        return false;
    ev->id = json_integer_value(json_object_get(json, "id"));
    ev->previous_id = json_integer_value(json_object_get(json, "previousEventId"));
    const char *stamp = json_string_value(json_object_get(json, "timestamp"));
    int64_t ns = 0;
    ev->ms = stamp && sf_timestamp_parse(stamp, &ns) ? ns / 1000000 : 0;
    ev->scope = json_object_get(json, "scope");
    if (ev->scope && !json_is_array(ev->scope))
        return false;
    ev->details = event_details(json);
    return true;
}

/* ---- Summing up per node ---- */

static void add_record(graph_overlay *o, const graph_model *m, const record *r)
{
    graph_node_stats *s = &o->nodes[r->node];
    const graph_node_stats *x = &r->stats;
    s->visits += x->visits;
    s->succeeded += x->succeeded;
    s->caught += x->caught;
    s->failed += x->failed;
    s->retried_away += x->retried_away;
    s->stopped += x->stopped;
    s->running += x->running;
    s->retries += x->retries;
    s->total_ms += x->total_ms;
    if (x->max_ms > s->max_ms)
        s->max_ms = x->max_ms;
    /* A failure's error wins over a caught one's: red is what people look for. */
    if (r->error && (x->failed || x->caught || x->retried_away) && (!s->error || x->failed))
        s->error = r->error;
    s->items += x->items;
    s->items_succeeded += x->items_succeeded;
    s->items_failed += x->items_failed;
    s->items_running += x->items_running;
    s->items_aborted += x->items_aborted;
    const graph_node *n = &m->nodes[r->node];
    for (size_t k = 0; k < n->out_count; k++)
        o->edges_taken[n->out[k]] += r->edge_counts[k];
    if (n->entry_edge != GRAPH_NONE)
        o->edges_taken[n->entry_edge] += r->entry_taken;
}

/* Visits still open at the end of the history are running; failures that
 * learnt no error name of their own carry the execution's. */
static void finish_records(fold *f)
{
    for (size_t i = 0; i < f->record_count; i++) {
        record *r = &f->records[i];
        if (r->open) {
            end_visit(r, f->now_ms);
            r->stats.running++;
        }
        if (!r->error && r->stats.failed)
            r->error = f->execution_error;
        flush_items(r);
    }
}

static void free_fold(fold *f)
{
    for (size_t i = 0; i < f->record_count; i++) {
        free(f->records[i].children);
        free(f->records[i].edge_counts);
        free(f->records[i].item_state);
    }
    free(f->records);
    free(f->tracks);
    free(f->record_of_event);
    json_decref(f->record_index);
    json_decref(f->track_index);
}

graph_overlay *graph_overlay_build(const graph_model *m, const json_t *events, int64_t now_ms)
{
    /* The tables indexed by event id and by Map item index grow to the
     * largest one seen. sf_history_read keeps ids at most the file's line
     * count, and an iteration's index at most the count of iterations
     * started, each with an event of its own; anything larger (a caller
     * handing in other events) is ignored rather than allocated for. */
    fold f = {.m = m,
              .record_index = json_object(),
              .track_index = json_object(),
              .now_ms = now_ms,
              .index_limit = (json_int_t)(2 * json_array_size(events) + 1024)};
    size_t i;
    const json_t *json;
    json_array_foreach(events, i, json)
    {
        event ev;
        if (read_event(json, &ev))
            apply(&f, &ev);
        else
            f.unmatched++;
    }
    finish_records(&f);
    graph_overlay *o = SF_NEW(graph_overlay);
    o->nodes = sf_calloc(m->node_count, sizeof *o->nodes);
    o->edges_taken = sf_calloc(m->edge_count ? m->edge_count : 1, sizeof *o->edges_taken);
    for (size_t r = 0; r < f.record_count; r++)
        add_record(o, m, &f.records[r]);
    o->unmatched = f.unmatched;
    o->redrive_count = f.epoch;
    free_fold(&f);
    return o;
}

void graph_overlay_free(graph_overlay *o)
{
    if (!o)
        return;
    free(o->nodes);
    free(o->edges_taken);
    free(o);
}

graph_status graph_node_status(const graph_node_stats *s)
{
    if (s->running)
        return GRAPH_STATUS_RUNNING;
    if (s->failed)
        return GRAPH_STATUS_FAILED;
    if (s->caught)
        return GRAPH_STATUS_CAUGHT;
    if (s->retries || s->retried_away)
        return GRAPH_STATUS_RETRIED;
    if (s->succeeded)
        return GRAPH_STATUS_SUCCEEDED;
    if (s->stopped)
        return GRAPH_STATUS_STOPPED;
    return GRAPH_STATUS_NOT_REACHED;
}

const char *graph_status_name(graph_status status)
{
    static const char *const names[] = {"not reached", "stopped", "succeeded", "retried",
                                        "caught",      "failed",  "running"};
    return names[status];
}
