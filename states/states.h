/*
 * states.h — the state types stepfn knows, and the table of them that the
 * command line hands to the engine.
 */
#ifndef SF_STATES_H
#define SF_STATES_H

#include "engine/state_type.h"

extern const sf_state_type sf_state_pass;
extern const sf_state_type sf_state_succeed;
extern const sf_state_type sf_state_fail;
extern const sf_state_type sf_state_choice;
extern const sf_state_type sf_state_wait;
extern const sf_state_type sf_state_parallel;
extern const sf_state_type sf_state_map;
extern const sf_state_type sf_state_task;

/* NULL-terminated table of every state type. */
extern const sf_state_type *const sf_state_types[];

#endif
