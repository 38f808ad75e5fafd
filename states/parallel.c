/*
 * parallel.c — the Parallel state: runs every branch on the state's
 * effective input at once; its result is the array of the branch outputs,
 * in branch order (not in the order they finish).
 *
 * Each branch is a child cursor (sf_cursor_spawn). A branch made only of
 * states that finish at once (Pass, Choice) ends inside sf_cursor_spawn
 * itself, so the start loop only counts what ends during it and the state
 * finishes after the loop, never from inside it.
 *
 * Failure: the first branch to fail decides. The other branches are
 * cancelled and the Parallel fails with that branch's error and cause
 * unchanged, as AWS does (no States.BranchFailed wrapping). The engine then
 * applies the Parallel's own Retry (every branch runs again) and Catch.
 *
 * History, as AWS records it (previousEventId included):
 *   ParallelStateStarted   when the branches start; each branch's first
 *                          event follows it;
 *   ParallelStateSucceeded when all branches have succeeded; it follows the
 *                          last branch event but does not move the chain on:
 *                          ParallelStateExited follows that branch event too;
 *   ParallelStateFailed    once the failure is final: after the retries are
 *                          spent, before a Catch (engine hook `failed`);
 *   ParallelStateAborted   when the state is cancelled from outside (the
 *                          execution timed out, an enclosing branch failed).
 */
#include "engine/cursor.h"
#include "engine/exec.h"
#include "engine/xalloc.h"
#include "states/states.h"

#include <stdlib.h>
#include <string.h>

typedef struct parallel_impl {
    sf_machine **branches;
    size_t count;
} parallel_impl;

/* One run of the state (c->run_data); a Retry starts a new one. */
typedef struct parallel_run {
    sf_cursor *cursor;  /* the Parallel's own cursor */
    sf_cursor **live;   /* per branch: its running cursor, or NULL */
    json_t *outputs;    /* per branch: its output (null until it ends) */
    size_t unfinished;  /* branches that have not ended */
    size_t ended;       /* branches that have ended, to spot synchronous ends */
    int64_t last_event; /* the last event of the branch that ended last */
    bool starting;      /* inside the start loop */
    bool failed;        /* a branch failed: error holds its error */
    sf_error error;
} parallel_run;

/* c->run_data between a branch failure and the engine's `failed` call, so
 * that ParallelStateFailed is recorded for failures of branches only, not
 * for the state's own data-flow errors. */
static char branch_failed;

static const char *const parallel_fields[] = {"Branches", NULL};

/* ---- Compiling ---- */

static void parallel_compile(sf_compile_ctx *cc)
{
    json_t *branches = json_object_get(cc->state->json, "Branches");
    char *ptr = sf_compile_field_pointer(cc, "Branches");
    parallel_impl *impl = SF_NEW(parallel_impl);
    cc->state->impl = impl;
    if (!json_is_array(branches) || json_array_size(branches) == 0) {
        sf_diags_error(cc->diags, branches ? SF_DIAG_SCHEMA : SF_DIAG_MISSING_FIELD,
                       branches ? ptr : cc->state->pointer,
                       "State '%s': a Parallel state needs Branches, a non-empty array of "
                       "state machines (objects with StartAt and States)",
                       cc->state->name);
        free(ptr);
        return;
    }
    impl->branches = sf_calloc(json_array_size(branches), sizeof *impl->branches);
    size_t i;
    json_t *branch;
    json_array_foreach(branches, i, branch)
    {
        char *bptr = sf_pointer_join_index(ptr, i);
        sf_machine *m = sf_compile_machine(cc, branch, bptr);
        if (m)
            impl->branches[impl->count++] = m;
        free(bptr);
    }
    free(ptr);
}

static void parallel_free(void *p)
{
    parallel_impl *impl = p;
    free(impl->branches); /* the machines belong to the definition */
    free(impl);
}

/* ---- Running ---- */

static void free_run(parallel_run *r)
{
    free(r->live);
    json_decref(r->outputs);
    sf_error_clear(&r->error);
    free(r);
}

static void cancel_branches(parallel_run *r)
{
    parallel_impl *impl = r->cursor->state->impl;
    for (size_t i = 0; i < impl->count; i++) {
        sf_cursor *child = r->live[i];
        r->live[i] = NULL;
        if (child)
            sf_cursor_cancel(child);
    }
}

static void succeed(parallel_run *r)
{
    sf_cursor *c = r->cursor;
    json_t *outputs = r->outputs;
    r->outputs = NULL;
    free_run(r);
    c->run_data = NULL;
    sf_exec_record(c->exec, c->last_event_id, "ParallelStateSucceeded", NULL, c->scope);
    sf_cursor_state_done(c, outputs, NULL);
}

static void fail(parallel_run *r)
{
    sf_cursor *c = r->cursor;
    sf_error err = SF_ERROR_INIT;
    sf_error_move(&err, &r->error);
    free_run(r);
    c->run_data = &branch_failed;
    sf_cursor_state_error(c, &err);
}

/* Finish the state if every branch has ended or one has failed. Never
 * called from inside the start loop, where a finish would free r under it. */
static void settle(parallel_run *r)
{
    if (r->failed || r->unfinished == 0)
        r->cursor->last_event_id = r->last_event;
    if (r->failed)
        fail(r);
    else if (r->unfinished == 0)
        succeed(r);
}

static void branch_done(sf_cursor *child, json_t *output, sf_error *err)
{
    parallel_run *r = child->owner;
    r->live[child->index] = NULL;
    r->unfinished--;
    r->ended++;
    /* The state's next event follows the branch that ended last; every
     * branch's first event follows ParallelStateStarted, so the state's
     * chain only moves on when it settles. */
    r->last_event = child->last_event_id;
    if (output) {
        json_array_set_new(r->outputs, child->index, output);
    } else if (!r->failed) {
        r->failed = true;
        sf_error_move(&r->error, err);
        cancel_branches(r);
    }
    if (!r->starting)
        settle(r);
}

static void parallel_run_state(sf_cursor *c, json_t *effective_input)
{
    parallel_impl *impl = c->state->impl;
    sf_cursor_event(c, "ParallelStateStarted", NULL);
    parallel_run *r = SF_NEW(parallel_run);
    r->cursor = c;
    r->live = sf_calloc(impl->count ? impl->count : 1, sizeof *r->live);
    r->outputs = json_array();
    for (size_t i = 0; i < impl->count; i++)
        json_array_append_new(r->outputs, json_null());
    r->unfinished = impl->count;
    c->run_data = r;
    /* While this loop runs only a branch's own end can happen (it is
     * counted, not acted on); nothing else reaches this state before the
     * loop is over. */
    r->starting = true;
    for (size_t i = 0; i < impl->count && !r->failed; i++) {
        size_t ended_before = r->ended;
        sf_cursor *child =
            sf_cursor_spawn(c, impl->branches[i], effective_input, i, branch_done, r);
        /* A branch that already ended inside the call has been freed. */
        r->live[i] = r->ended == ended_before ? child : NULL;
    }
    r->starting = false;
    settle(r);
}

static void parallel_cancel(sf_cursor *c)
{
    parallel_run *r = c->run_data;
    c->run_data = NULL;
    if (!r || r == (void *)&branch_failed)
        return;
    cancel_branches(r);
    free_run(r);
    sf_cursor_event(c, "ParallelStateAborted", NULL);
}

static void parallel_failed(sf_cursor *c)
{
    if (c->run_data != &branch_failed)
        return;
    c->run_data = NULL;
    sf_cursor_event(c, "ParallelStateFailed", NULL);
}

const sf_state_type sf_state_parallel = {
    .name = "Parallel",
    .common_fields = SF_COMMON_NEXT_END | SF_COMMON_INPUT_PATH | SF_COMMON_OUTPUT_PATH |
                     SF_COMMON_PARAMETERS | SF_COMMON_RESULT_SELECTOR | SF_COMMON_RESULT_PATH |
                     SF_COMMON_RETRY_CATCH | SF_COMMON_ASSIGN,
    .own_fields = parallel_fields,
    .compile = parallel_compile,
    .free_impl = parallel_free,
    .run = parallel_run_state,
    .cancel = parallel_cancel,
    .failed = parallel_failed,
};
