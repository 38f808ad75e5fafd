/*
 * replay.h — continuing an execution from its recorded history.
 *
 * stepfn continues an execution (resume after a crash, redrive after a
 * failure) by running it again from the start while a sf_replay stands
 * between the engine and the history log. Every event the engine is about to
 * record is first matched against the recorded events of the same scope (the
 * top level, or one Parallel branch or Map iteration); a match is not written
 * again, it hands back the recorded event instead. A state whose entry and
 * exit are both recorded is not run at all: its recorded output and next
 * state are used. So completed steps are never repeated, and the run picks up
 * exactly where the history ends.
 *
 * Events within one scope are recorded in a deterministic order, except for
 * the bookkeeping events of Map and Parallel (iterations finish in any
 * order), which is why matching looks events up by type, name and index
 * rather than by position alone.
 *
 * Redrive (AWS RedriveExecution) first removes from the recorded events what
 * made the run fail: the final Execution* event, and in every scope the
 * events after the entry of the state that did not finish, except those that
 * say something started (MapStateStarted, MapIterationStarted, ...) or
 * succeeded (MapIterationSucceeded). Those states then run again; their
 * succeeded branches and iterations replay from the record.
 * `--from STATE` instead cuts the top level at the last entry of STATE, so it
 * and everything after it run again with the input STATE had.
 *
 * Each redrive of the history is applied again, at its ExecutionRedriven
 * event, to the events recorded before it (a --from redrive records its
 * state as "fromState" there, a local addition to the AWS event): so
 * resuming a redrive that a crash cut off continues that redrive.
 *
 * Ownership: a replay keeps references to the events it is given.
 */
#ifndef SF_REPLAY_H
#define SF_REPLAY_H

#include <stdbool.h>
#include <jansson.h>

typedef struct sf_replay sf_replay;

typedef enum sf_replay_mode {
    SF_REPLAY_RESUME,  /* continue a run cut off by a crash: the record as is */
    SF_REPLAY_REDRIVE, /* re-run what did not succeed */
    SF_REPLAY_FROM,    /* re-run from a named top-level state */
} sf_replay_mode;

/* Index events (borrowed array; references are taken). For SF_REPLAY_FROM,
 * from_state names the state; returns NULL and sets *err when it was never
 * entered at the top level. */
sf_replay *sf_replay_new(json_t *events, sf_replay_mode mode, const char *from_state,
                         char **err);
void sf_replay_free(sf_replay *r);

/* Match an event about to be recorded in scope (NULL: top level). Returns
 * the recorded event (borrowed, now consumed) or NULL when it must be
 * written. */
json_t *sf_replay_match(sf_replay *r, const char *scope, const char *type, json_t *details);

/* Entering state `name` in scope: when the scope's next recorded entry of
 * that state is complete (entered and exited), consume everything it
 * recorded and return true with the two events (borrowed). */
bool sf_replay_completed_state(sf_replay *r, const char *scope, const char *name, json_t **entered,
                               json_t **exited);

/* The first unconsumed event of scope whose type is one of types
 * (NULL-terminated), without consuming it; NULL when none. A Task in flight
 * uses it to find a recorded result. */
json_t *sf_replay_peek(sf_replay *r, const char *scope, const char *const *types);

/* Number of recorded events not matched yet (for diagnostics). */
size_t sf_replay_remaining(const sf_replay *r);

#endif
