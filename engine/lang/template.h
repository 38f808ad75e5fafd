/*
 * template.h — payload templates: Parameters, ResultSelector, ItemSelector.
 *
 * A template is a JSON value copied as it is, except that in objects a key
 * ending in ".$" has a string value that is a path (`$.x`, `$$.Map.Item.Value`,
 * `$var`) or an intrinsic function call (`States.Format('{}', $.a)`), and the
 * output key drops the ".$" and takes the evaluated value. Nested objects and
 * arrays are templates too.
 *
 * Errors at run time, with AWS's names and causes (the engine prepends
 * "An error occurred while executing the state ..."):
 *   States.Runtime — a path matched nothing: "The JSONPath '$.x' specified
 *     for the field 'value.$' could not be found in the input '{...}'"
 *   States.Runtime — an intrinsic function failed (AWS reports intrinsic
 *     failures as States.Runtime; see intrinsics.h).
 *
 * Ownership: compile borrows tmpl (it keeps what it needs). Eval returns a
 * new reference.
 */
#ifndef SF_TEMPLATE_H
#define SF_TEMPLATE_H

#include <stdbool.h>
#include <jansson.h>
#include "engine/diag.h"
#include "engine/error.h"
#include "engine/lang/eval.h"

typedef struct sf_template sf_template;

/* Compile the template found at JSON Pointer `pointer`. Problems (a ".$" key
 * whose value is not a string, a bad path, an unknown intrinsic or wrong
 * arity) are added to diags; the result is then NULL. */
sf_template *sf_template_compile(json_t *tmpl, const char *pointer, sf_diags *diags);
void sf_template_free(sf_template *t);

bool sf_template_uses_context(const sf_template *t);
/* Whether it reads "$$" other than through $$.Map.Item.Value and
 * $$.Map.Item.Index, which an evaluation for a Map item can answer without
 * a context object (sf_eval_env.has_map_item). */
bool sf_template_needs_context_object(const sf_template *t);

/* Returns a new reference, or NULL with err set. */
json_t *sf_template_eval(const sf_template *t, const sf_eval_env *env, sf_error *err);

#endif
