/*
 * exec.c — an execution handle: history, root cursor, timeout, the ready
 * queue, and the end of the execution.
 *
 * Recording. Every event goes through sf_exec_record, which numbers it,
 * buffers it in the history log and folds it into the summary. A uv_prepare
 * handle, started only while something is buffered, flushes the log right
 * before the loop waits for I/O: the log on disk is never more than one loop
 * turn behind, and no step that waits on the outside world (a process, a
 * timer, a request) starts without its events being written first. A turn
 * that runs long is written as it goes, by size and by age (see
 * SF_HISTORY_WRITE_LATEST_MS), so it is never more than 200 ms behind.
 *
 * Ending. When the root cursor ends (or the execution times out, or is
 * aborted) the final event is recorded, the log is closed with the fsync
 * policy's sync, and the handles are closed; the done callback runs from
 * the last close callback, so it never runs inside a state's own frame and
 * may free the execution.
 *
 * A history write that fails (disk full, I/O error) stops the execution at
 * once: nothing runs that cannot be recorded. The message is kept for the
 * caller (exit status 4).
 *
 * History limit. AWS fails an execution whose history reaches 25,000
 * events; without a bound, a Choice that loops to itself or a Task whose
 * Catch leads back to it writes gigabytes. Ids below the limit are for the
 * run's events and the limit's own id is kept for the final one, so a full
 * history holds exactly `max_history_events` events, ExecutionFailed
 * (States.Runtime) last. The event that finds no room is not written; from
 * then on the execution counts as over for its cursors (sf_exec_is_over
 * stops them between states) and the flush at the end of the loop turn
 * ends it, outside any state's frame. Map iterations and Parallel branches
 * record into the same history, so they count too; a replay's matched
 * events are not written again and cost nothing. The check is one integer
 * compare per written event.
 */
#include "engine/json_util.h"
#include "engine/exec.h"
#include "engine/lang/jsonpath.h"
#include "engine/loop_context.h"
#include "engine/timestamp.h"
#include "engine/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SF_ACCOUNT "123456789012"
#define SF_REGION  "us-east-1"

/* Up to this many executions on one loop, each keeps its history descriptor
 * open for its whole run (no reopen per task); beyond it, one that waits for
 * the outside world gives it back (see history.c, "Descriptors"), so that
 * thousands of parked executions stay under RLIMIT_NOFILE. */
#define SF_EXECS_KEEPING_HISTORY_OPEN 64

/* The log is written once per loop turn, but a turn can record a great
 * many events: a Parallel of Pass states or a Map of them runs thousands of
 * states without waiting for anything. Past this many buffered bytes the
 * lines are written at once, so the buffer stays small and warm in the
 * cache instead of growing through fresh pages (a page fault per 4 KB). */
#define SF_HISTORY_WRITE_EARLY_BYTES (256 * 1024)

/* And past this many milliseconds since the oldest buffered event: a turn
 * that never ends (states that finish at once, each costly, or a loop of
 * them under the drive budget that a busy loop keeps rescheduling) must not
 * keep what it recorded in memory only, where a kill -9 would lose it. The
 * check compares the event's own timestamp, taken anyway: no clock read or
 * system call of its own. */
#define SF_HISTORY_WRITE_LATEST_MS 200

/* How often a running execution checks that its history file is still
 * where the store says (sf_history_check_place): a store folder moved or
 * replaced during a run stops it at the first event recorded after this
 * long. Timed by the events' own timestamps: an integer compare per event. */
#define SF_HISTORY_PLACE_CHECK_MS 1000

struct sf_exec {
    uv_loop_t *loop;
    sf_definition *def;
    sf_history *history;
    int64_t buffered_since_ms; /* timestamp of the oldest unwritten event; 0: none */
    int64_t last_event_ms;     /* timestamp of the last event written */
    int64_t place_check_ms;    /* when the next sf_history_check_place is due */
    sf_summary summary;
    int64_t next_event_id;
    json_t *context_base;
    sf_cursor *root;
    char *store_error;
    bool over;             /* the final event is recorded (or recording failed) */
    int64_t history_limit; /* ids up to it; the last one for the final event */
    bool history_full;     /* an event found no room: the execution is failing */
    bool ending;           /* end_execution is recording the final event */
    int open_handles;
    uv_timer_t start_timer;
    uv_timer_t timeout_timer;
    uv_prepare_t flush_prepare;
    uv_idle_t ready_idle;
    sf_cursor *ready_head, *ready_tail;
    size_t ready_count;
    json_t *input;
    sf_replay *replay;
    json_t *last_match;
    char *failed_state; /* the first state that failed with nothing to catch it */
    char *dir;          /* the execution's folder in the store */
    sf_exec_done_cb done;
    void *done_data;
    sf_time_scale time_scale; /* {1, 1} unless test mode scales time */
    sf_mock_run *mocks;       /* NULL when nothing is mocked */

    /* TestState (see sf_exec_config): the root cursor's observer, and its
     * variables at its start (NULL: none). */
    const sf_cursor_observer *observer;
    json_t *variables;
};

static void end_execution(sf_exec *e, const char *type, json_t *details);

/* ---- Recording ---- */

/* A resumed execution that has matched every recorded event runs on as a
 * fresh one: its replay (the recorded events and their index, a few KB) is
 * freed. Only here, between loop turns, since states borrow recorded events
 * while they run. */
static void drop_finished_replay(sf_exec *e)
{
    if (e->replay && sf_replay_remaining(e->replay) == 0) {
        sf_replay_free(e->replay);
        e->replay = NULL;
        e->last_match = NULL;
    }
}

static void flush_history(uv_prepare_t *p)
{
    sf_exec *e = p->data;
    uv_prepare_stop(p);
    sf_event_clock_turn_ends();
    char *err = NULL;
    if (e->store_error) { /* found while recording: see cannot_record */
        end_execution(e, NULL, NULL);
        return;
    }
    if (e->history_full) {
        end_execution(e, "ExecutionFailed", NULL);
        return;
    }
    if (e->history && sf_history_flush(e->history, false, &err) != 0) {
        e->store_error = err;
        end_execution(e, NULL, NULL);
        return;
    }
    e->buffered_since_ms = 0;
    drop_finished_replay(e);
    if (e->history && !e->ready_head &&
        sf_loop_context_get(e->loop)->executions > SF_EXECS_KEEPING_HISTORY_OPEN) {
        sf_history_release_fd(e->history);
    }
}

/* The loop context's count of running executions (see flush_history). */
static void count_running(sf_exec *e, int delta)
{
    sf_loop_context *ctx = e->loop->data;
    if (delta > 0)
        ctx = sf_loop_context_get(e->loop);
    if (ctx && delta > 0)
        ctx->executions++;
    else if (ctx)
        ctx->executions--;
}

/* Replaying: the recorded event this one matches consumes it instead of
 * being written. Returns the recorded event's id, or 0 for none. */
static int64_t match_recorded(sf_exec *e, const char *scope, const char *type, json_t *details)
{
    e->last_match = e->replay ? sf_replay_match(e->replay, scope, type, details) : NULL;
    if (!e->last_match)
        return 0;
    if (sf_replay_remaining(e->replay) == 0 && !uv_is_active((uv_handle_t *)&e->flush_prepare))
        uv_prepare_start(&e->flush_prepare, flush_history); /* frees the replay */
    return json_integer_value(json_object_get(e->last_match, "id"));
}

/* Nothing more can be recorded: the execution has ended, or its history
 * file has left its place (checked when due). Then the event is dropped,
 * drive() stops every cursor (sf_exec_is_over), and the flush at the end of
 * the turn ends the execution with the store error: no further step runs
 * on a record nobody will find. */
static bool cannot_record(sf_exec *e)
{
    if (e->over || !e->history || e->store_error)
        return true;
    if (e->last_event_ms < e->place_check_ms)
        return false;
    e->place_check_ms = e->last_event_ms + SF_HISTORY_PLACE_CHECK_MS;
    char *err = NULL;
    if (sf_history_check_place(e->history, &err) == 0)
        return false;
    e->store_error = err;
    if (!uv_is_active((uv_handle_t *)&e->flush_prepare))
        uv_prepare_start(&e->flush_prepare, flush_history);
    return true;
}

/* Whether the history is full for an event that is not the final one (see
 * "History limit" at the top); the first refusal asks the end-of-turn flush
 * to fail the execution. */
static bool history_is_full(sf_exec *e)
{
    if (e->next_event_id < e->history_limit || e->ending)
        return false;
    if (!e->history_full) {
        e->history_full = true;
        if (!uv_is_active((uv_handle_t *)&e->flush_prepare))
            uv_prepare_start(&e->flush_prepare, flush_history);
    }
    return true;
}

/* Append a new event's line; the log is flushed before the loop waits. */
static void append_event(sf_exec *e, sf_event_parts *ev)
{
    ev->id = e->next_event_id++;
    ev->timestamp_ms = sf_event_now_ms();
    e->last_event_ms = ev->timestamp_ms;
    sf_history_append_parts(e->history, ev);
    if (!uv_is_active((uv_handle_t *)&e->flush_prepare))
        uv_prepare_start(&e->flush_prepare, flush_history);
    if (!e->buffered_since_ms)
        e->buffered_since_ms = ev->timestamp_ms;
    if (sf_history_buffered(e->history) > SF_HISTORY_WRITE_EARLY_BYTES ||
        ev->timestamp_ms - e->buffered_since_ms >= SF_HISTORY_WRITE_LATEST_MS) {
        /* A failure (a full disk) stops the execution at once: nothing more
         * is recorded or run (cannot_record), and the flush at the end of
         * the turn ends it there, outside the state that is recording. */
        char *err = NULL;
        if (sf_history_flush(e->history, false, &err) == 0)
            e->buffered_since_ms = 0;
        else
            e->store_error = err;
    }
}

int64_t sf_exec_record_ex(sf_exec *e, int64_t previous_id, const char *type, json_t *details,
                          const char *scope, const char *next)
{
    if (cannot_record(e)) {
        json_decref(details);
        return e->next_event_id;
    }
    int64_t matched = match_recorded(e, scope, type, details);
    if (matched || history_is_full(e)) {
        json_decref(details);
        return matched ? matched : e->next_event_id;
    }
    sf_event_parts ev = {.previous_id = previous_id,
                         .type = type,
                         .details = details,
                         .scope = scope,
                         .next = next,
                         .state = strcmp(type, "ExecutionFailed") == 0 ? e->failed_state : NULL};
    append_event(e, &ev);
    sf_summary_apply_parts(&e->summary, type, ev.id, ev.timestamp_ms, details);
    if (ev.state)
        sf_summary_set_failed_state(&e->summary, ev.state);
    json_decref(details);
    return ev.id;
}

int64_t sf_exec_record_text(sf_exec *e, int64_t previous_id, const char *type,
                            const char *details_text, size_t details_text_len, json_t *match,
                            const char *scope)
{
    if (cannot_record(e)) {
        json_decref(match);
        return e->next_event_id;
    }
    int64_t matched = match_recorded(e, scope, type, match);
    json_decref(match);
    if (matched)
        return matched;
    if (history_is_full(e))
        return e->next_event_id;
    sf_event_parts ev = {.previous_id = previous_id,
                         .type = type,
                         .details_text = details_text,
                         .details_text_len = details_text_len,
                         .scope = scope};
    append_event(e, &ev);
    sf_summary_apply_parts(&e->summary, type, ev.id, ev.timestamp_ms, NULL);
    return ev.id;
}

int64_t sf_exec_record_io(sf_exec *e, int64_t previous_id, const char *type,
                          const sf_io_details *io, const char *scope)
{
    if (cannot_record(e))
        return e->next_event_id;
    if (e->replay) { /* events are matched by their state's name */
        json_t *key = json_pack("{s:s}", "name", io->name);
        int64_t matched = match_recorded(e, scope, type, key);
        json_decref(key);
        if (matched)
            return matched;
    } else {
        e->last_match = NULL;
    }
    if (history_is_full(e))
        return e->next_event_id;
    sf_event_parts ev = {.previous_id = previous_id, .type = type, .io = io, .scope = scope};
    append_event(e, &ev);
    sf_summary_apply_io(&e->summary, ev.id, !io->is_output, io->name,
                        !io->is_output && strcmp(type, "FailStateEntered") == 0);
    return ev.id;
}

int64_t sf_exec_record(sf_exec *e, int64_t previous_id, const char *type, json_t *details,
                       const char *scope)
{
    return sf_exec_record_ex(e, previous_id, type, details, scope, NULL);
}

void sf_exec_note_failure(sf_exec *e, const char *state)
{
    if (!e->failed_state)
        e->failed_state = sf_strdup(state);
}

sf_replay *sf_exec_replay(sf_exec *e)
{
    return e->replay;
}

json_t *sf_exec_last_match(sf_exec *e)
{
    return e->last_match;
}

uv_loop_t *sf_exec_loop(sf_exec *e)
{
    return e->loop;
}

const char *sf_exec_dir(const sf_exec *e)
{
    return e->dir;
}

json_t *sf_exec_context_base(sf_exec *e)
{
    return e->context_base;
}

bool sf_exec_is_over(const sf_exec *e)
{
    return e->over || e->store_error || e->history_full;
}

const sf_summary *sf_exec_summary(const sf_exec *e)
{
    return &e->summary;
}

const char *sf_exec_store_error(const sf_exec *e)
{
    return e->store_error;
}

/* ---- Ready queue: cursors that yielded the loop ---- */

static void run_ready(uv_idle_t *idle)
{
    sf_exec *e = idle->data;
    /* Resume only the cursors queued before this turn: one that yields again
     * goes to the back and waits for the next turn. Popping from the live
     * list keeps this safe when resuming one cursor cancels another. */
    size_t n = e->ready_count;
    while (n-- > 0 && e->ready_head) {
        sf_cursor *c = e->ready_head;
        sf_exec_unqueue(e, c);
        sf_cursor_resume_queued(c);
    }
    if (!e->ready_head)
        uv_idle_stop(idle);
}

void sf_exec_queue(sf_exec *e, sf_cursor *c)
{
    if (c->queued)
        return;
    c->queued = true;
    c->queue_next = NULL;
    c->queue_prev = e->ready_tail;
    if (e->ready_tail)
        e->ready_tail->queue_next = c;
    else
        e->ready_head = c;
    e->ready_tail = c;
    e->ready_count++;
    uv_idle_start(&e->ready_idle, run_ready);
}

void sf_exec_unqueue(sf_exec *e, sf_cursor *c)
{
    if (!c->queued)
        return;
    if (c->queue_prev)
        c->queue_prev->queue_next = c->queue_next;
    else if (e->ready_head == c)
        e->ready_head = c->queue_next;
    if (c->queue_next)
        c->queue_next->queue_prev = c->queue_prev;
    else if (e->ready_tail == c)
        e->ready_tail = c->queue_prev;
    c->queued = false;
    c->queue_prev = c->queue_next = NULL;
    e->ready_count--;
}

/* ---- Ending ---- */

static void handle_closed(uv_handle_t *h)
{
    sf_exec *e = h->data;
    if (--e->open_handles == 0 && e->done)
        e->done(e, e->done_data);
}

static void close_handles(sf_exec *e)
{
    uv_handle_t *handles[] = {(uv_handle_t *)&e->start_timer, (uv_handle_t *)&e->timeout_timer,
                              (uv_handle_t *)&e->flush_prepare, (uv_handle_t *)&e->ready_idle};
    for (size_t i = 0; i < sizeof handles / sizeof handles[0]; i++)
        uv_close(handles[i], handle_closed);
}

static json_t *error_details(const char *error, const char *cause)
{
    json_t *d = json_object();
    if (error)
        json_object_set_new(d, "error", json_string(error));
    if (cause)
        json_object_set_new(d, "cause", json_string(cause));
    return d;
}

static json_t *history_limit_details(const sf_exec *e)
{
    char *cause = sf_asprintf("The execution reached the maximum number of history events "
                              "(%lld); its last event is this failure. Raise the limit with "
                              "--max-history-events or STEPFN_MAX_HISTORY_EVENTS.",
                              (long long)e->history_limit);
    json_t *d = error_details(SF_ERR_HISTORY_LIMIT, cause);
    free(cause);
    return d;
}

/* Record the final event (type may be NULL when recording already failed),
 * close the log and the handles. */
static void end_execution(sf_exec *e, const char *type, json_t *details)
{
    if (e->over) {
        json_decref(details);
        return;
    }
    if (type && e->history_full) { /* whatever else ended it, the history is full */
        json_decref(details);
        type = "ExecutionFailed";
        details = history_limit_details(e);
    }
    e->ending = true;
    /* A full history refused the cursor's last event, whose id it still
     * holds: the failure follows the last event written. */
    int64_t previous = e->history_full ? e->next_event_id - 1
                       : e->root       ? e->root->last_event_id
                                       : 0;
    if (type)
        sf_exec_record(e, previous, type, details, NULL);
    else
        json_decref(details);
    e->over = true;
    count_running(e, -1);
    char *err = NULL;
    if (sf_history_close(e->history, &err) != 0 && !e->store_error)
        e->store_error = err;
    else
        free(err);
    e->history = NULL;
    if (e->root && e->root->state) {
        sf_cursor_cancel(e->root);
    }
    close_handles(e);
}

static void root_done(sf_cursor *root, json_t *output, sf_error *err)
{
    sf_exec *e = root->exec;
    if (output) {
        char *text = sf_json_compact(output);
        json_t *d = json_object();
        json_object_set_new(d, "output", json_string(text));
        json_object_set_new(d, "outputDetails", json_pack("{s:b}", "truncated", 0));
        free(text);
        json_decref(output);
        end_execution(e, "ExecutionSucceeded", d);
    } else {
        end_execution(e, "ExecutionFailed", error_details(err->name, err->cause));
    }
}

static void timeout_fired(uv_timer_t *t)
{
    sf_exec *e = t->data;
    if (e->root)
        sf_cursor_cancel(e->root);
    end_execution(e, "ExecutionTimedOut",
                  error_details(SF_ERR_TIMEOUT, "The execution ran longer than the state machine's "
                                                "TimeoutSeconds."));
}

void sf_exec_abort(sf_exec *e, const char *error, const char *cause)
{
    if (e->over)
        return;
    if (e->root)
        sf_cursor_cancel(e->root);
    end_execution(e, "ExecutionAborted", error_details(error, cause));
}

/* ---- Starting ---- */

static json_t *make_context_base(sf_exec *e, const sf_exec_config *cfg, json_t *input,
                                 const char *exec_arn, const char *sm_arn)
{
    char ts[32];
    json_t *execution = json_object();
    json_object_set_new(execution, "Id", json_string(exec_arn));
    json_object_set_new(execution, "Input", json_incref(input));
    json_object_set_new(execution, "Name", json_string(cfg->name));
    json_object_set_new(execution, "RoleArn",
                        json_string("arn:aws:iam::" SF_ACCOUNT ":role/stepfn-local"));
    json_object_set_new(execution, "StartTime",
                        json_string(sf_timestamp_format_ms(e->summary.start_ms, ts)));
    json_object_set_new(execution, "RedriveCount", json_integer(e->summary.redrive_count));
    json_t *sm = json_object();
    json_object_set_new(sm, "Id", json_string(sm_arn));
    json_object_set_new(sm, "Name", json_string(cfg->state_machine_name));
    return json_pack("{s:o,s:o}", "Execution", execution, "StateMachine", sm);
}

static void start_now(uv_timer_t *t)
{
    sf_exec *e = t->data;
    e->root = sf_cursor_new_root(e, e->def->top, root_done);
    e->root->observer = e->observer;
    e->root->variables = e->variables; /* the reference moves to the cursor */
    e->variables = NULL;
    /* AWS records the first state's previousEventId as 0, not as the id of
     * ExecutionStarted; so does the root cursor (last_event_id stays 0). */
    json_t *input = e->input;
    e->input = NULL;
    sf_cursor_begin(e->root, input);
}

static void init_handle(sf_exec *e, uv_handle_t *h)
{
    h->data = e;
    e->open_handles++;
}

static sf_exec *exec_new(uv_loop_t *loop, sf_definition *def, sf_history *h,
                         const sf_exec_config *cfg, sf_exec_done_cb done, void *data)
{
    sf_exec *e = SF_NEW(sf_exec);
    e->loop = loop;
    e->def = def;
    e->history = h;
    e->next_event_id = 1;
    e->history_limit =
        cfg->max_history_events > 0 ? cfg->max_history_events : SF_EXEC_MAX_HISTORY_EVENTS;
    e->done = done;
    e->done_data = data;
    e->time_scale = cfg->time_scale ? *cfg->time_scale : (sf_time_scale){1.0, 1.0};
    e->mocks = cfg->mock_case ? sf_mock_run_new(cfg->mock_case) : NULL;
    e->observer = cfg->observer;
    e->variables = json_incref(cfg->variables);
    sf_summary_init(&e->summary);
    uv_timer_init(loop, &e->start_timer);
    uv_timer_init(loop, &e->timeout_timer);
    uv_prepare_init(loop, &e->flush_prepare);
    uv_idle_init(loop, &e->ready_idle);
    init_handle(e, (uv_handle_t *)&e->start_timer);
    init_handle(e, (uv_handle_t *)&e->timeout_timer);
    init_handle(e, (uv_handle_t *)&e->flush_prepare);
    init_handle(e, (uv_handle_t *)&e->ready_idle);
    count_running(e, +1);
    return e;
}

/* Start running: the timeout counts from now for `remaining_ms` (the whole
 * TimeoutSeconds for a new run or a redrive; what is left of it on resume). */
static void exec_begin(sf_exec *e, double remaining_ms)
{
    if (e->def->timeout_seconds > 0)
        uv_timer_start(&e->timeout_timer, timeout_fired,
                       (uint64_t)(remaining_ms > 0 ? remaining_ms : 0), 0);
    uv_timer_start(&e->start_timer, start_now, 0, 0);
}

sf_exec *sf_exec_start(uv_loop_t *loop, sf_definition *def, json_t *input,
                       const sf_exec_config *cfg, sf_exec_done_cb done, void *data, char **err)
{
    char *path = sf_asprintf("%s/history.jsonl", cfg->exec_dir);
    sf_history *h = sf_history_create(path, cfg->fsync, err);
    free(path);
    if (!h)
        return NULL;
    sf_exec *e = exec_new(loop, def, h, cfg, done, data);
    e->dir = sf_strdup(cfg->exec_dir);
    e->input = json_incref(input);
    char *sm_arn = sf_asprintf("arn:aws:states:" SF_REGION ":" SF_ACCOUNT ":stateMachine:%s",
                               cfg->state_machine_name);
    char *exec_arn = sf_asprintf("arn:aws:states:" SF_REGION ":" SF_ACCOUNT ":execution:%s:%s",
                                 cfg->state_machine_name, cfg->name);
    char *text = sf_json_compact(input);
    json_t *d = json_object();
    json_object_set_new(d, "input", json_string(text));
    json_object_set_new(d, "inputDetails", json_pack("{s:b}", "truncated", 0));
    json_object_set_new(d, "roleArn", json_string("arn:aws:iam::" SF_ACCOUNT ":role/stepfn-local"));
    json_object_set_new(d, "name", json_string(cfg->name));
    json_object_set_new(d, "executionArn", json_string(exec_arn));
    json_object_set_new(d, "stateMachineArn", json_string(sm_arn));
    free(text);
    sf_exec_record(e, 0, "ExecutionStarted", d, NULL);
    e->context_base = make_context_base(e, cfg, input, exec_arn, sm_arn);
    free(sm_arn);
    free(exec_arn);
    exec_begin(e, (double)sf_exec_timeout_ms(e, def->timeout_seconds * 1000.0));
    return e;
}

/* The recorded execution input, parsed from ExecutionStarted. */
static json_t *recorded_input(const sf_summary *s, char **err)
{
    json_t *input =
        s->input ? sf_json_loadb(s->input, strlen(s->input), JSON_DECODE_ANY, NULL) : NULL;
    if (!input)
        *err = sf_strdup("the history has no readable ExecutionStarted event: the run was cut "
                         "off before its start was recorded; start it again with 'stepfn run'");
    return input;
}

sf_exec *sf_exec_continue(uv_loop_t *loop, sf_definition *def, json_t *events, sf_replay_mode mode,
                          const char *from_state, const sf_exec_config *cfg, sf_exec_done_cb done,
                          void *data, char **err)
{
    sf_summary folded;
    sf_summary_init(&folded);
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) sf_summary_apply(&folded, ev);
    json_t *input = recorded_input(&folded, err);
    sf_replay *replay = input ? sf_replay_new(events, mode, from_state, err) : NULL;
    char *path = sf_asprintf("%s/history.jsonl", cfg->exec_dir);
    sf_history *h = replay ? sf_history_open_append(path, cfg->fsync, err) : NULL;
    free(path);
    if (!h) {
        sf_replay_free(replay);
        json_decref(input);
        sf_summary_free(&folded);
        return NULL;
    }
    sf_exec *e = exec_new(loop, def, h, cfg, done, data);
    e->dir = sf_strdup(cfg->exec_dir);
    e->summary = folded;
    e->next_event_id = folded.last_event_id + 1;
    e->input = input;
    e->replay = replay;
    double remaining = (double)sf_exec_timeout_ms(e, def->timeout_seconds * 1000.0);
    if (mode == SF_REPLAY_RESUME) {
        /* A redrive's TimeoutSeconds counts from the redrive, not from the
         * original start, so a resumed redrive has what its run had left. */
        int64_t since = folded.redrive_ms ? folded.redrive_ms : folded.start_ms;
        remaining -= (double)(sf_now_ms() - since);
    } else {
        json_t *d = json_pack("{s:i}", "redriveCount", folded.redrive_count + 1);
        /* Not an AWS field: a resume of this redrive needs to know it
         * started at from_state (see replay.h). */
        if (mode == SF_REPLAY_FROM)
            json_object_set_new(d, "fromState", json_string(from_state));
        sf_exec_record(e, folded.last_event_id, "ExecutionRedriven", d, NULL);
    }
    e->context_base =
        make_context_base(e, cfg, input, folded.execution_arn, folded.state_machine_arn);
    exec_begin(e, remaining);
    return e;
}

/* ---- Test mode ---- */

/* ms * scale as a timer's milliseconds: never negative, and capped where a
 * double stops holding whole milliseconds (a scale of 1e300 is a mistake,
 * not a wish to wait for ever and overflow). */
static uint64_t scaled_ms(double ms, double scale)
{
    double v = ms * scale;
    if (!(v > 0))
        return 0;
    if (v > 9007199254740992.0)
        v = 9007199254740992.0;
    return (uint64_t)llround(v);
}

uint64_t sf_exec_wait_ms(const sf_exec *e, double ms)
{
    return scaled_ms(ms, e->time_scale.wait);
}

uint64_t sf_exec_timeout_ms(const sf_exec *e, double ms)
{
    return scaled_ms(ms, e->time_scale.timeout);
}

bool sf_exec_mock_next(sf_exec *e, const char *state, sf_mock_response *out)
{
    return e->mocks && sf_mock_run_next(e->mocks, state, out, NULL);
}

void sf_exec_free(sf_exec *e)
{
    if (!e)
        return;
    if (e->root)
        sf_cursor_free(e->root);
    if (!e->over)
        count_running(e, -1);
    if (e->history) {
        char *err = NULL;
        sf_history_close(e->history, &err);
        free(err);
    }
    json_decref(e->input);
    json_decref(e->variables);
    json_decref(e->context_base);
    sf_replay_free(e->replay);
    sf_mock_run_free(e->mocks);
    free(e->failed_state);
    sf_summary_free(&e->summary);
    free(e->store_error);
    free(e->dir);
    free(e);
}
