/*
 * choice_rule.h — one Choice rule tree: compiled from JSON once, evaluated
 * against a state's effective input as often as the state runs.
 *
 * A rule is a comparison (Variable plus exactly one operator such as
 * StringEquals or NumericLessThanPath), or a boolean combination: And and Or
 * over a non-empty array of nested rules, Not over one nested rule. Top-level
 * rules (the entries of Choices) carry Next; nested ones must not. This
 * module knows nothing of the runtime, so it can be tested on its own; the
 * Choice state (choice.c) resolves Next and applies Assign.
 *
 * Ownership: compile borrows `json` (it keeps references to what it needs)
 * and copies `pointer` and `state_name`. Evaluation borrows everything.
 */
#ifndef SF_CHOICE_RULE_H
#define SF_CHOICE_RULE_H

#include <stdbool.h>
#include <jansson.h>
#include "engine/diag.h"
#include "engine/error.h"
#include "engine/lang/eval.h"

typedef struct sf_choice_rule sf_choice_rule;

typedef enum sf_choice_result {
    SF_CHOICE_ERROR = -1, /* a runtime error; see the sf_error */
    SF_CHOICE_NO_MATCH = 0,
    SF_CHOICE_MATCH = 1,
} sf_choice_result;

/* Compile the rule found at JSON Pointer `pointer` of the definition;
 * `state_name` is used in messages. Every problem is added to diags (with
 * the pointer of the offending element) and compilation goes on, so the
 * result is never NULL; a rule compiled with errors must not be evaluated
 * (the definition is not runnable), and evaluating it reports an error. */
sf_choice_rule *sf_choice_rule_compile(json_t *json, const char *pointer, const char *state_name,
                                       bool top_level, sf_diags *diags);
void sf_choice_rule_free(sf_choice_rule *rule);

/* The Next of a top-level rule, NULL when absent or invalid (a diagnostic
 * was added) and for nested rules. */
const char *sf_choice_rule_next_name(const sf_choice_rule *rule);
/* The JSON Pointer of the rule, e.g. "/States/Check/Choices/0". */
const char *sf_choice_rule_pointer(const sf_choice_rule *rule);
/* True when any path in the tree reads the context object ($$), so the
 * caller must build one for the evaluation environment. */
bool sf_choice_rule_uses_context(const sf_choice_rule *rule);

/* Evaluate against env. A value of the wrong type makes a comparison false,
 * not an error. A Variable or a ...Path operand that matches nothing is an
 * error (except for IsPresent): err gets States.Runtime and AWS's cause
 * "Invalid path '$.x': The choice state's condition path references an
 * invalid value." And and Or stop at the first rule that decides them, so a
 * later rule's missing path is not an error. */
sf_choice_result sf_choice_rule_eval(const sf_choice_rule *rule, const sf_eval_env *env,
                                     sf_error *err);

#endif
