/*
 * cursor.h — a position in a running state machine, and the calls a state
 * type makes while it runs.
 *
 * An execution is a tree of cursors: the root walks the top-level machine;
 * Parallel makes one child per branch and Map one per iteration. A cursor
 * holds the current state, its raw input, the retry counters of that state,
 * and what the context object needs (entered time, Map item).
 *
 * A state type is given the cursor in run() and must finish with exactly one
 * of sf_cursor_state_done / sf_cursor_state_failed / sf_cursor_state_error,
 * now or from a later libuv callback. It may keep per-run data in
 * c->run_data; the engine never touches it.
 */
#ifndef SF_CURSOR_H
#define SF_CURSOR_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "engine/json_text.h"
#include <uv.h>
#include "engine/definition.h"
#include "engine/error.h"
#include "engine/lang/eval.h"

typedef struct sf_exec sf_exec;
typedef struct sf_cursor sf_cursor;

/* How a child cursor reports its end to its owner (a Parallel or Map state
 * run). Exactly one of output (stolen) or err (contents may be moved out) is
 * set. The child cursor is freed by the engine after the callback returns. */
typedef void (*sf_cursor_done_cb)(sf_cursor *child, json_t *output, sf_error *err);

/* ---- Observing a state (TestState) ----
 *
 * An observer watches one cursor's states as they run, for `stepfn
 * test-state` (tools/test_state.c), which runs a single state and reports
 * its data flow and what Retry and Catch decided, as AWS's TestState does.
 * It is set on the root cursor only (children never have one), so Map
 * iterations and Parallel branches run as usual. Without an observer (every
 * ordinary run) each hook point costs one NULL test.
 *
 * Values are borrowed for the length of the call. Every member may be NULL. */
typedef enum sf_flow_point {
    SF_FLOW_AFTER_INPUT_PATH,      /* the input after InputPath */
    SF_FLOW_AFTER_PARAMETERS,      /* the effective input the state runs on */
    SF_FLOW_RESULT,                /* what the state produced, before ResultSelector */
    SF_FLOW_AFTER_RESULT_SELECTOR, /* the result after ResultSelector */
    SF_FLOW_AFTER_RESULT_PATH,     /* the output before OutputPath */
} sf_flow_point;

typedef struct sf_cursor_observer {
    void *data;
    /* The data flow of the current state reached `point`. */
    void (*flow)(void *data, const sf_cursor *c, sf_flow_point point, const json_t *value);
    /* Retry rule `rule` of the current state matched a failure. When set,
     * the observer decides instead of the cursor (nothing is retried):
     * true ends the state here, failed, without trying Catch (TestState's
     * RETRIABLE); false treats the rule as spent, and Catch is tried. */
    bool (*retry)(void *data, const sf_cursor *c, size_t rule);
    /* The current state is leaving for `next` (NULL: the machine's end)
     * with `output`, after a success (catcher -1, caught NULL) or through
     * Catch rule `catcher` that handled the error `caught`. True ends the
     * machine here, SUCCEEDED with that output, instead of entering
     * `next`. */
    bool (*leave)(void *data, const sf_cursor *c, const sf_state *next, int catcher,
                  const sf_error *caught, const json_t *output);
} sf_cursor_observer;

struct sf_cursor {
    sf_exec *exec;
    sf_machine *machine;
    sf_cursor *parent;       /* NULL for the root */
    sf_state *state;         /* the current state, NULL when finished */
    json_t *input;           /* raw input of the current state (owned) */
    json_t *effective_input; /* after InputPath/Parameters (owned) */
    json_t *context;         /* cached context object for the current state */
    int64_t entered_ms;      /* when the current state was entered */
    int64_t entered_event_id;
    int64_t last_event_id; /* previousEventId for this cursor's next event */
    /* The event that began the current attempt of the state: its entry for
     * the first, the first event recorded by a retry (MapStateStarted,
     * ParallelStateStarted) for the others; 0 until that is recorded. It
     * names the children's scopes (below), so that each attempt of a
     * retried Map or Parallel has scopes of its own. */
    int64_t attempt_event_id;
    int *retry_attempts;   /* per retrier of the current state */
    int retry_count;       /* $$.State.RetryCount */
    uv_timer_t *retry_timer;

    /* Where this cursor runs, for readers of the history (replay, graphs):
     * NULL at the top level, else the parent's scope followed by three
     * members: the owning state's name, the id of the event that entered
     * that state (a state entered twice, in a loop, gives two scopes; a
     * retry of it, the id of the retry's first event: see
     * attempt_event_id), and the branch or iteration index, e.g.
     * ["Fan out", 5, 1, "Each file", 12, 7]. Recorded as "scope" on every event this cursor writes, so
     * kept as that JSON text, made once when the cursor is. Never
     * modified once made. */
    char *scope;
    char *scope_buffer; /* what scope points into when set; kept when recycled */
    size_t scope_cap;

    /* Workflow variables in scope: an object shared with the parent scope
     * until this cursor assigns (copy on write), or NULL when none. */
    json_t *variables;

    /* Map iteration data for $$.Map.Item (NULL/-1 outside a Map). */
    json_t *map_item_value;
    int64_t map_item_index;

    /* Children bookkeeping for the owner. */
    sf_cursor_done_cb on_done;
    void *owner;  /* the owner's per-run data */
    size_t index; /* branch or iteration index */
    bool cancelled;

    void *run_data; /* the state type's data for the current run */

    /* Test mode: the observer of this cursor's states (see
     * sf_cursor_observer), or NULL. Set on a root cursor only. */
    const sf_cursor_observer *observer;

    /* Engine-private: the JSON text of literal_of as a JSON string literal
     * (and the length of the plain text), kept from an exit event for the
     * next entry event and from an entry event for an exit whose output is
     * the input itself (Choice, Succeed, a Pass without fields). */
    sf_text literal;
    size_t literal_text_len;
    const json_t *literal_of;
    /* Engine-private: the literal of the input last given to a child (held,
     * so its address cannot be reused), for the next child on the same
     * input: the branches of a Parallel all start from one value. */
    sf_text child_literal;
    size_t child_literal_text_len;
    json_t *child_literal_of;

    /* Engine-private: what to do next once the current call stack unwinds
     * (see "driving" in cursor.c), and the ready queue of the execution. */
    sf_state *pending_state;
    json_t *pending_input;
    int pending_end; /* 0, or SF_CURSOR_END_SUCCEEDED / _FAILED */
    sf_error pending_error;
    bool driving;
    bool queued;
    sf_cursor *queue_prev, *queue_next;
};

enum { SF_CURSOR_END_SUCCEEDED = 1, SF_CURSOR_END_FAILED = 2 };

/* ---- Finishing a state's run ---- */

/* Success. result is stolen; next == NULL means the state's own Next/End.
 * The state's Assign (if any) is applied. */
void sf_cursor_state_done(sf_cursor *c, json_t *result, sf_state *next);
/* Success with an Assign other than the state's own (a Choice rule's; NULL
 * assigns nothing). */
void sf_cursor_state_done_assign(sf_cursor *c, json_t *result, sf_state *next,
                                 const sf_template *assign);
/* Failure with an error name and a cause (either may be NULL). Retry and
 * Catch apply when the state type allows them. */
void sf_cursor_state_failed(sf_cursor *c, const char *error, const char *cause);
/* Failure from an sf_error; its contents are consumed. */
void sf_cursor_state_error(sf_cursor *c, sf_error *err);
/* A failure inside the state itself (a path that matched nothing, a bad
 * timestamp): the cause is prefixed with AWS's "An error occurred while
 * executing the state 'NAME' (entered at the event id #N). ". */
void sf_cursor_state_runtime_error(sf_cursor *c, const char *error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- While running ---- */

/* Record a history event for this cursor; details is stolen (may be NULL).
 * Returns the event id. */
int64_t sf_cursor_event(sf_cursor *c, const char *type, json_t *details);
/* The same with the details as JSON text (borrowed), for frequent events
 * that carry no state name or item index (a replay matches them by type)
 * and that the summary only counts (Task*). */
int64_t sf_cursor_event_text(sf_cursor *c, const char *type, const sf_text *details);
/* While an execution continues from its history (resume, redrive): the
 * first recorded event of the current state with one of the given types
 * (NULL-terminated) that has not been replayed yet, e.g. a Task's recorded
 * TaskSucceeded, so the task is not run again. Borrowed; NULL otherwise.
 * Recording the same event type next (sf_cursor_event) consumes it. */
json_t *sf_cursor_recorded(sf_cursor *c, const char *const *types);

/* The context object for the current state ($$), built on first use and
 * cached until the state ends. Borrowed. */
json_t *sf_cursor_context(sf_cursor *c);
/* The Map part of the context, {"Item":{"Index":index,"Value":value}}
 * (new reference; value borrowed). */
json_t *sf_map_item_context(int64_t index, json_t *value);
/* An evaluation environment over `input` for the current state; the context
 * is built only if need_context. */
void sf_cursor_env(sf_cursor *c, json_t *input, bool need_context, sf_eval_env *env);
uv_loop_t *sf_cursor_loop(sf_cursor *c);

/* ---- Children (Parallel branches, Map iterations) ---- */

/* Start a child cursor on machine m with input (borrowed). The child runs
 * until its machine ends and then calls on_done. */
sf_cursor *sf_cursor_spawn(sf_cursor *parent, sf_machine *m, json_t *input, size_t index,
                           sf_cursor_done_cb on_done, void *owner);
/* Stop a child: cancels what its current state has in flight. on_done is
 * not called. The child is freed (once it is off the call stack).
 *
 * Children may finish synchronously inside sf_cursor_spawn (a branch of
 * Pass states does), so an owner that spawns several must check after each
 * spawn whether it has already finished (e.g. a branch failed). */
void sf_cursor_cancel(sf_cursor *child);

/* ---- For the execution (exec.c) ---- */

sf_cursor *sf_cursor_new_root(sf_exec *e, sf_machine *m, sf_cursor_done_cb on_done);
/* Begin at the machine's StartAt with input (stolen). */
void sf_cursor_begin(sf_cursor *c, json_t *input);
/* Continue a cursor taken from the ready queue. */
void sf_cursor_resume_queued(sf_cursor *c);
void sf_cursor_free(sf_cursor *c);

#endif
