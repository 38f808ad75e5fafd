/*
 * pass.c — the Pass state: passes its input to its output, or a fixed
 * Result, through the usual data flow. It never fails by itself; its data
 * flow can (a Parameters path that matches nothing is States.Runtime).
 */
#include "engine/cursor.h"
#include "states/states.h"

static const char *const pass_fields[] = {"Result", NULL};

static void pass_compile(sf_compile_ctx *cc)
{
    /* Result is any JSON value, kept in the definition document. */
    cc->state->impl = json_object_get(cc->state->json, "Result");
}

static void pass_run(sf_cursor *c, json_t *effective_input)
{
    json_t *result = c->state->impl;
    sf_cursor_state_done(c, json_incref(result ? result : effective_input), NULL);
}

const sf_state_type sf_state_pass = {
    .name = "Pass",
    .common_fields = SF_COMMON_NEXT_END | SF_COMMON_INPUT_PATH | SF_COMMON_OUTPUT_PATH |
                     SF_COMMON_PARAMETERS | SF_COMMON_RESULT_PATH | SF_COMMON_ASSIGN,
    .own_fields = pass_fields,
    .compile = pass_compile,
    .run = pass_run,
};
