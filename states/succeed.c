/*
 * succeed.c — the Succeed state: ends its machine (the execution, a
 * Parallel branch or a Map iteration) successfully with its input, after
 * InputPath and OutputPath.
 */
#include "engine/cursor.h"
#include "states/states.h"

static void succeed_run(sf_cursor *c, json_t *effective_input)
{
    sf_cursor_state_done(c, json_incref(effective_input), NULL);
}

const sf_state_type sf_state_succeed = {
    .name = "Succeed",
    .common_fields = SF_COMMON_INPUT_PATH | SF_COMMON_OUTPUT_PATH,
    .run = succeed_run,
};
