/*
 * intrinsics.h — ASL intrinsic functions: States.Format, States.StringToJson,
 * States.JsonToString, States.Array, States.ArrayPartition,
 * States.ArrayContains, States.ArrayRange, States.ArrayGetItem,
 * States.ArrayLength, States.ArrayUnique, States.Base64Encode,
 * States.Base64Decode, States.Hash, States.JsonMerge, States.MathRandom,
 * States.MathAdd, States.StringSplit, States.UUID.
 *
 * A call is parsed once: its name checked against the table, its arity
 * checked, its arguments compiled (string literals in single quotes with
 * backslash escapes, numbers, true/false/null, paths, nested calls).
 * Argument types and values are checked at run time, and failures are
 * States.Runtime with the cause text AWS gives: executions recorded on the
 * service fail with States.Runtime (which States.ALL cannot catch), not the
 * States.IntrinsicFailure the specification names.
 *
 * Ownership: eval returns a new reference.
 */
#ifndef SF_INTRINSICS_H
#define SF_INTRINSICS_H

#include <stdbool.h>
#include <jansson.h>
#include "engine/error.h"
#include "engine/lang/eval.h"

typedef struct sf_intrinsic sf_intrinsic;

/* True when text looks like an intrinsic call ("States." prefix and a "(").
 * Used to decide between a path and a call for a ".$" value. */
bool sf_intrinsic_looks_like_call(const char *text);

/* Parse text. On failure returns NULL and sets *error (malloc'd): unknown
 * function, wrong number of arguments, syntax error with its offset. */
sf_intrinsic *sf_intrinsic_compile(const char *text, char **error);
void sf_intrinsic_free(sf_intrinsic *f);

bool sf_intrinsic_uses_context(const sf_intrinsic *f);

/* Returns a new reference, or NULL with err set. */
json_t *sf_intrinsic_eval(const sf_intrinsic *f, const sf_eval_env *env, sf_error *err);

#endif
