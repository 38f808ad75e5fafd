/*
 * jsonpath.h — JSONPath as ASL uses it: compiled once when a definition is
 * loaded, evaluated many times while it runs.
 *
 * Two dialects. A *reference path* (InputPath selects a single node,
 * ResultPath, Choice Variable, every "...Path" field) may only name a single
 * node: `$`, `$.a.b`, `$['a b']`, `$.a[2]`, `$$.Execution.Id`, `$var.x`.
 * A *full path* (payload templates "x.$", InputPath, OutputPath,
 * ItemsPath) may also use wildcards `*`, slices `[1:5:2]`, unions `[0,2]`,
 * deep scan `..`, and filters `[?(@.price < 10)]`, `[?(@.tag)]`,
 * `[?(@.a == 'x' && @.b > 2)]`.
 *
 * Roots: `$` is the state's input, `$$` the context object, `$name` a
 * workflow variable (env->variables). A path text that starts otherwise is a
 * compile error.
 *
 * Results: a *definite* path (no wildcard, slice, union, deep scan or filter)
 * yields one value or nothing. An indefinite path yields an array of every
 * match, in document order (Jayway's behaviour, which AWS uses), possibly
 * empty. One Jayway exception: a name union as the last step, `$.x['a','b']`,
 * is definite and yields one object holding those of the fields that exist.
 *
 * Ownership: compiled paths own their text. sf_path_eval returns a new
 * reference (caller must json_decref) or NULL when nothing matches.
 */
#ifndef SF_JSONPATH_H
#define SF_JSONPATH_H

#include <stdbool.h>
#include <jansson.h>
#include "engine/lang/eval.h"

typedef struct sf_path sf_path;

enum {
    SF_PATH_FULL = 0,      /* any JSONPath */
    SF_PATH_REFERENCE = 1, /* single-node paths only */
};

/* Compile text. On failure returns NULL and sets *error to a malloc'd message
 * explaining what is wrong and where (e.g. "unexpected ']' at offset 4"). */
sf_path *sf_path_compile(const char *text, unsigned flags, char **error);
void sf_path_free(sf_path *p);

const char *sf_path_text(const sf_path *p);
bool sf_path_is_context(const sf_path *p);  /* starts with $$ */
bool sf_path_is_variable(const sf_path *p); /* starts with $name */
bool sf_path_is_definite(const sf_path *p);
bool sf_path_is_root(const sf_path *p); /* exactly "$" */
/* exactly $$.Map.Item.Value or $$.Map.Item.Index (see sf_eval_env) */
bool sf_path_is_map_item(const sf_path *p);
/* True when p is "$" and one field ("$.name", "$['name']"): *name and
 * *len (borrowed, may hold NUL bytes) say which. */
bool sf_path_single_field(const sf_path *p, const char **name, size_t *len);

/* Evaluate against env (input for $, context for $$, variables for $name).
 * Returns a new reference, or NULL when a definite path matches nothing,
 * or when an indefinite one would visit more than SF_PATH_VISITS_LIMIT
 * nodes (an indefinite path that matches nothing yields [], so NULL from
 * one always means the limit: SF_PATH_VISITS_MESSAGE says so). */
json_t *sf_path_eval(const sf_path *p, const sf_eval_env *env);
#define SF_PATH_VISITS_MESSAGE "it visits more than 10,000,000 nodes (the limit)"

/* The document p is evaluated against: env->input for $, env->context for
 * $$, the variable's value for $name (NULL when unset). Borrowed. Used to
 * quote "the input" in "could not be found in the input '...'" causes. */
json_t *sf_path_root_document(const sf_path *p, const sf_eval_env *env);

/* ResultPath: return a new document equal to doc with value placed at the
 * (reference) path p, creating missing objects along the way. doc and value
 * are borrowed; doc is never modified (objects along the path are copied,
 * the rest is shared). "$" returns value itself (new reference).
 * Returns NULL and sets *error (malloc'd) when the path cannot be applied,
 * e.g. it descends into a string or number. */
json_t *sf_path_assign(const sf_path *p, json_t *doc, json_t *value, char **error);

/* Compact JSON text of v the way AWS quotes values in causes: no spaces,
 * keys in insertion order. malloc'd. */
char *sf_json_compact(const json_t *v);

#endif
