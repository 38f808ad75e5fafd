/*
 * eval.h — what a path, a payload template or an intrinsic function is
 * evaluated against.
 *
 * All three members are borrowed: evaluation never changes or keeps them.
 * The context object is costly to build, so callers build it only when the
 * compiled expression says it needs one (sf_path_is_context,
 * sf_template_uses_context, ...); otherwise it may be NULL.
 */
#ifndef SF_EVAL_H
#define SF_EVAL_H

#include <stdbool.h>
#include <jansson.h>

typedef struct sf_eval_env {
    json_t *input;     /* what "$" refers to */
    json_t *context;   /* what "$$" refers to; NULL if not needed */
    json_t *variables; /* object of workflow variables ("$name"); NULL if none */
    /* The Map item an ItemSelector is evaluated for: the paths
     * $$.Map.Item.Value and $$.Map.Item.Index read these when has_map_item
     * is set, with no context object (sf_template_needs_context_object). */
    bool has_map_item;
    json_t *map_item_value;
    json_int_t map_item_index;
} sf_eval_env;

#endif
