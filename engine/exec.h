/*
 * exec.h — an execution: a handle that lives from StartExecution until its
 * final event is recorded.
 *
 * An execution owns its history log, its root cursor, its timeout timer and
 * the ready queue of cursors that gave up the loop to let others run. It
 * borrows its definition and loop. Many executions can share one loop.
 *
 * sf_exec_start returns at once; the execution runs as the loop runs, and
 * `done` is called from the loop when the execution has ended and its
 * history is closed. The handle stays valid until sf_exec_free.
 */
#ifndef SF_EXEC_H
#define SF_EXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <uv.h>
#include "engine/cursor.h"
#include "engine/definition.h"
#include "engine/mock/mock_config.h"
#include "engine/store/history.h"
#include "engine/store/replay.h"
#include "engine/store/summary.h"

typedef struct sf_exec sf_exec;
typedef void (*sf_exec_done_cb)(sf_exec *e, void *data);

typedef struct sf_exec_config {
    const char *name;               /* execution name (valid per sf_store_valid_name) */
    const char *state_machine_name; /* used in ARNs */
    const char *exec_dir;           /* the execution's folder in the store */
    sf_fsync_policy fsync;
    /* The most events the history may hold, the final ExecutionFailed
     * included (see "History limit" in exec.c); 0: SF_EXEC_MAX_HISTORY_EVENTS. */
    int64_t max_history_events;
    /* Test mode. The mocked Task responses (borrowed; NULL: every task runs
     * for real), and how fast time passes (NULL: real time). */
    const sf_mock_case *mock_case;
    const struct sf_time_scale *time_scale;
    /* TestState: an observer of the top-level machine's states (borrowed,
     * see sf_cursor_observer; NULL: none), and the workflow variables the
     * execution starts with (a JSON object, borrowed; NULL: none). */
    const sf_cursor_observer *observer;
    json_t *variables;
} sf_exec_config;

/* Test mode's clock: `wait` multiplies every Wait (the time left until a
 * Timestamp too) and every Retry interval and back-off; `timeout` the
 * state machine's TimeoutSeconds and the tasks' TimeoutSeconds and
 * HeartbeatSeconds. 0 makes them elapse at once. Events keep the times
 * they happened at. */
typedef struct sf_time_scale {
    double wait;
    double timeout;
} sf_time_scale;

/* AWS's quota: "Maximum execution history size: 25,000 events". */
#define SF_EXEC_MAX_HISTORY_EVENTS 25000
/* The error and cause an execution fails with when its history is full. */
#define SF_ERR_HISTORY_LIMIT "States.Runtime"

/* Start an execution. input is borrowed. Returns NULL with *err on failure
 * to create the history. */
sf_exec *sf_exec_start(uv_loop_t *loop, sf_definition *def, json_t *input,
                       const sf_exec_config *cfg, sf_exec_done_cb done, void *data, char **err);

/* Continue an execution of the store from its recorded events (borrowed):
 * resume after a crash, or redrive after a failure (see replay.h). The
 * history is appended to; redrive records ExecutionRedriven first. */
sf_exec *sf_exec_continue(uv_loop_t *loop, sf_definition *def, json_t *events, sf_replay_mode mode,
                          const char *from_state, const sf_exec_config *cfg, sf_exec_done_cb done,
                          void *data, char **err);

/* A Wait's or a Retry's delay, and a timeout, under the time scale (in
 * milliseconds, as libuv timers take them). */
uint64_t sf_exec_wait_ms(const sf_exec *e, double ms);
uint64_t sf_exec_timeout_ms(const sf_exec *e, double ms);
/* The next mocked answer for an invocation of the Task state `state`:
 * false when nothing mocks it. */
bool sf_exec_mock_next(sf_exec *e, const char *state, sf_mock_response *out);

/* Stop a running execution: its cursors are cancelled and it ends ABORTED
 * (error and cause may be NULL). */
void sf_exec_abort(sf_exec *e, const char *error, const char *cause);

/* The DescribeExecution view, kept up to date as events are recorded. */
const sf_summary *sf_exec_summary(const sf_exec *e);
/* Set when recording history failed (the execution was stopped): the
 * message names the file and the system error. NULL otherwise. */
const char *sf_exec_store_error(const sf_exec *e);
void sf_exec_free(sf_exec *e);

/* ---- For cursors (cursor.c) ---- */

/* Like sf_exec_record, and also records `next` (the state the cursor moves
 * to, for *StateExited events; NULL for none) so that a replay knows where
 * a finished state went. */
int64_t sf_exec_record_ex(sf_exec *e, int64_t previous_id, const char *type, json_t *details,
                          const char *scope, const char *next);
/* Record a *StateEntered or *StateExited event from its details as text
 * (all borrowed; an exit's next state is io->next_member): the path of
 * every state entry and exit. Otherwise as sf_exec_record_ex. */
int64_t sf_exec_record_io(sf_exec *e, int64_t previous_id, const char *type,
                          const sf_io_details *io, const char *scope);
/* Record an event whose details are given as JSON text (borrowed), for
 * events the summary only counts (MapIteration*). A replay matches it by
 * `match` ({"name", "index"}; stolen; NULL when sf_exec_replay is NULL).
 * Otherwise as sf_exec_record. */
int64_t sf_exec_record_text(sf_exec *e, int64_t previous_id, const char *type,
                            const char *details_text, size_t details_text_len, json_t *match,
                            const char *scope);
/* The replay in progress (NULL when the execution runs from scratch), and
 * the recorded event the last sf_exec_record matched (NULL when it was
 * written afresh). */
sf_replay *sf_exec_replay(sf_exec *e);
/* A state failed with no Catch for it: the first one noted is named as the
 * failing state on ExecutionFailed (the deepest, since it fails first). */
void sf_exec_note_failure(sf_exec *e, const char *state);
json_t *sf_exec_last_match(sf_exec *e);

/* Record an event; details is stolen, scope borrowed (NULL at the top level:
 * see sf_cursor.scope). */
int64_t sf_exec_record(sf_exec *e, int64_t previous_id, const char *type, json_t *details,
                       const char *scope);
uv_loop_t *sf_exec_loop(sf_exec *e);
json_t *sf_exec_context_base(sf_exec *e); /* borrowed: Execution and StateMachine parts */
/* The execution's folder in the store (STORE/executions/NAME): where a
 * Distributed Map's ResultWriter puts its files. Borrowed. */
const char *sf_exec_dir(const sf_exec *e);
void sf_exec_queue(sf_exec *e, sf_cursor *c);
void sf_exec_unqueue(sf_exec *e, sf_cursor *c);
bool sf_exec_is_over(const sf_exec *e);

#endif
