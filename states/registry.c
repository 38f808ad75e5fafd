/* registry.c — the table of state types. Adding a type: write its file in
 * states/, declare it in states.h, and list it here. */
#include "states/states.h"

const sf_state_type *const sf_state_types[] = {
    &sf_state_pass, &sf_state_succeed, &sf_state_fail, &sf_state_choice, &sf_state_wait,
    &sf_state_parallel, &sf_state_map, &sf_state_task, NULL,
};
