/*
 * choice.c — the Choice state: picks the next state by testing its
 * effective input against Choice rules, in order; the first rule that
 * matches names the next state, else Default does. The output is the
 * effective input (then OutputPath); Choice has no Next or End of its own,
 * no Parameters, ResultPath, Retry or Catch. The rules themselves live in
 * choice_rule.c; this file wires them to the definition and the cursor.
 *
 * Failure cases, with AWS's names and causes (the cursor adds "An error
 * occurred while executing the state 'NAME' (entered at the event id #N). "):
 *   - a Variable or ...Path operand that matches nothing: States.Runtime,
 *     "Invalid path '$.x': The choice state's condition path references an
 *     invalid value.";
 *   - no rule matches and there is no Default: States.Runtime, "Failed to
 *     transition out of the state. The state does not point to a next
 *     state." That is what Step Functions reports (the ASL specification
 *     names States.NoChoiceMatched, but the service does not raise it).
 * Neither can be caught: a Choice state has no Catch.
 *
 * Assign: a top-level rule may carry its own Assign, applied when that rule
 * matches; the state-level Assign applies when the Default is taken (the
 * behaviour recorded on the service). Both see the effective input as $.
 */
#include "engine/cursor.h"
#include "engine/xalloc.h"
#include "states/choice_rule.h"
#include "states/states.h"

#include <stdlib.h>

#define NO_NEXT_STATE_CAUSE                                                                        \
    "Failed to transition out of the state. The state does not point to a next state."

typedef struct choice_impl {
    sf_choice_rule **rules;
    sf_state **targets;    /* targets[i]: the Next of rules[i], resolved by the engine */
    sf_template **assigns; /* assigns[i]: the Assign of rules[i], or NULL */
    size_t rule_count;
    sf_state *default_state; /* NULL when there is no Default */
    bool needs_context;      /* some rule reads $$ */
} choice_impl;

static const char *const choice_fields[] = {"Choices", "Default", NULL};

static void compile_rule_assign(sf_compile_ctx *cc, choice_impl *impl, size_t i, json_t *rule)
{
    json_t *assign = json_object_get(rule, "Assign");
    if (!assign)
        return;
    char *aptr = sf_pointer_join(sf_choice_rule_pointer(impl->rules[i]), "Assign");
    if (!json_is_object(assign)) {
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, aptr,
                       "State '%s': Assign in a Choice rule must be an object", cc->state->name);
    } else {
        impl->assigns[i] = sf_template_compile(assign, aptr, cc->diags);
    }
    free(aptr);
}

static void compile_choices(sf_compile_ctx *cc, choice_impl *impl)
{
    sf_state *st = cc->state;
    json_t *choices = json_object_get(st->json, "Choices");
    char *cptr = sf_compile_field_pointer(cc, "Choices");
    if (!json_is_array(choices) || json_array_size(choices) == 0) {
        sf_diags_error(cc->diags, choices ? SF_DIAG_SCHEMA : SF_DIAG_MISSING_FIELD,
                       choices ? cptr : st->pointer,
                       "State '%s': Choices must be a non-empty array of Choice rules", st->name);
        free(cptr);
        return;
    }
    size_t n = json_array_size(choices);
    impl->rules = sf_calloc(n, sizeof *impl->rules);
    impl->targets = sf_calloc(n, sizeof *impl->targets);
    impl->assigns = sf_calloc(n, sizeof *impl->assigns);
    impl->rule_count = n;
    for (size_t i = 0; i < n; i++) {
        json_t *rule = json_array_get(choices, i);
        char *rptr = sf_pointer_join_index(cptr, i);
        impl->rules[i] = sf_choice_rule_compile(rule, rptr, st->name, true, cc->diags);
        impl->needs_context |= sf_choice_rule_uses_context(impl->rules[i]);
        const char *next = sf_choice_rule_next_name(impl->rules[i]);
        if (next) {
            char *nptr = sf_pointer_join(rptr, "Next");
            sf_compile_transition(cc, next, nptr, &impl->targets[i]);
            free(nptr);
        }
        if (json_is_object(rule))
            compile_rule_assign(cc, impl, i, rule);
        free(rptr);
    }
    free(cptr);
}

static void compile_default(sf_compile_ctx *cc, choice_impl *impl)
{
    json_t *def = json_object_get(cc->state->json, "Default");
    if (!def)
        return;
    char *dptr = sf_compile_field_pointer(cc, "Default");
    if (json_is_string(def))
        sf_compile_transition(cc, json_string_value(def), dptr, &impl->default_state);
    else
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, dptr,
                       "State '%s': Default must be a string naming a state", cc->state->name);
    free(dptr);
}

static void choice_compile(sf_compile_ctx *cc)
{
    choice_impl *impl = SF_NEW(choice_impl);
    cc->state->impl = impl;
    compile_choices(cc, impl);
    compile_default(cc, impl);
}

static void choice_free(void *p)
{
    choice_impl *impl = p;
    for (size_t i = 0; i < impl->rule_count; i++) {
        sf_choice_rule_free(impl->rules[i]);
        sf_template_free(impl->assigns[i]);
    }
    free(impl->rules);
    free(impl->targets);
    free(impl->assigns);
    free(impl);
}

static void choice_run(sf_cursor *c, json_t *effective_input)
{
    const choice_impl *impl = c->state->impl;
    sf_eval_env env;
    sf_cursor_env(c, effective_input, impl->needs_context, &env);
    sf_error err = SF_ERROR_INIT;
    for (size_t i = 0; i < impl->rule_count; i++) {
        switch (sf_choice_rule_eval(impl->rules[i], &env, &err)) {
        case SF_CHOICE_MATCH:
            sf_cursor_state_done_assign(c, json_incref(effective_input), impl->targets[i],
                                        impl->assigns[i]);
            return;
        case SF_CHOICE_ERROR:
            sf_cursor_state_runtime_error(c, err.name, "%s", err.cause);
            sf_error_clear(&err);
            return;
        case SF_CHOICE_NO_MATCH:
            break;
        }
    }
    if (impl->default_state)
        sf_cursor_state_done(c, json_incref(effective_input), impl->default_state);
    else
        sf_cursor_state_runtime_error(c, SF_ERR_RUNTIME, NO_NEXT_STATE_CAUSE);
}

const sf_state_type sf_state_choice = {
    .name = "Choice",
    .common_fields = SF_COMMON_INPUT_PATH | SF_COMMON_OUTPUT_PATH | SF_COMMON_ASSIGN,
    .own_fields = choice_fields,
    .compile = choice_compile,
    .free_impl = choice_free,
    .run = choice_run,
};
