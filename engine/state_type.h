/*
 * state_type.h — what the engine needs to know of a state type.
 *
 * Each file in states/ defines one sf_state_type; states/registry.c lists
 * them in a NULL-terminated table that tools/ hands to the engine. Adding a
 * state type touches states/ and that table only.
 *
 * Life of a state at run time (engine/cursor.c drives it):
 *   1. the engine records <Type>StateEntered with the raw input;
 *   2. it applies InputPath and then Parameters, if the type's
 *      common_fields allow them, giving the effective input;
 *   3. it calls type->run(cursor, effective_input);
 *   4. the type eventually calls sf_cursor_state_done (with its result) or
 *      sf_cursor_state_failed — from run itself or from a later callback;
 *   5. on success the engine applies ResultSelector, ResultPath and
 *      OutputPath (as allowed), records <Type>StateExited and moves to the
 *      next state; on failure it applies Retry, then Catch, then fails the
 *      cursor.
 * When a run must stop early (the execution is aborted or times out, a
 * sibling branch failed), the engine calls type->cancel so the type can stop
 * its timers, children and requests; the type must not call done/failed
 * after cancel.
 */
#ifndef SF_STATE_TYPE_H
#define SF_STATE_TYPE_H

#include <jansson.h>
#include "engine/definition.h"

typedef struct sf_cursor sf_cursor;

/* Common fields a type allows; the engine compiles these itself. */
enum {
    SF_COMMON_NEXT_END = 1 << 0,   /* Next or End required (else: terminal) */
    SF_COMMON_INPUT_PATH = 1 << 1, /* InputPath */
    SF_COMMON_OUTPUT_PATH = 1 << 2,
    SF_COMMON_PARAMETERS = 1 << 3, /* Parameters applied to the effective input */
    SF_COMMON_RESULT_SELECTOR = 1 << 4,
    SF_COMMON_RESULT_PATH = 1 << 5,
    SF_COMMON_RETRY_CATCH = 1 << 6,
    SF_COMMON_ASSIGN = 1 << 7,
};

struct sf_state_type {
    const char *name; /* the ASL "Type" value, e.g. "Pass" */
    unsigned common_fields;
    /* NULL-terminated names of the type's own fields; any field that is
     * neither common-and-allowed nor listed here is rejected. */
    const char *const *own_fields;
    /* Compile and check the type's own fields of cc->state->json into
     * cc->state->impl. May be NULL when the type has none. */
    void (*compile)(sf_compile_ctx *cc);
    void (*free_impl)(void *impl);
    /* Run the state; effective_input is borrowed. */
    void (*run)(sf_cursor *c, json_t *effective_input);
    /* Stop anything in flight for c (may be NULL when run always finishes
     * synchronously). */
    void (*cancel)(sf_cursor *c);
    /* May be NULL. Called when the state has failed for good: no Retry
     * will run it again, and Catch is about to be tried. AWS records
     * ParallelStateFailed / MapStateFailed at exactly this point (after the
     * retries are spent, before a Catch's <Type>StateExited), which only
     * the engine knows; c->run_data is as the type left it when it called
     * sf_cursor_state_error. */
    void (*failed)(sf_cursor *c);
    /* May be NULL. Checks that need to know how the definition will run
     * (its folder, the resource map): called by sf_definition_parse_ex
     * after the whole definition compiled, once per state, with cc->state
     * set and cc->definition->base_dir / ->resources filled in. */
    void (*check_load)(sf_compile_ctx *cc);
};

/* Find a type by name in a NULL-terminated table. */
const sf_state_type *sf_state_type_find(const sf_state_type *const *types, const char *name);

#endif
