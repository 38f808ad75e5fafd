/*
 * jsonpath_internal.h — the compiled form of a JSONPath, shared by the files
 * that implement jsonpath.h and private to them:
 *
 *   jsonpath_parse.c    text -> sf_path (the whole grammar, filters included)
 *   jsonpath.c          the public API and evaluation
 *   jsonpath_filter.c   deciding whether a node passes a [?(...)] filter
 *   jsonpath_assign.c   sf_path_assign (ResultPath)
 *   jsonpath_compact.c  sf_json_compact
 *
 * A compiled path is a root and an array of steps. Each step is applied to
 * every node the previous steps produced; a step marked `scan` (written
 * after "..") is applied to the node and to each of its descendants first.
 */
#ifndef SF_JSONPATH_INTERNAL_H
#define SF_JSONPATH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "engine/lang/jsonpath.h"

typedef enum jp_root {
    JP_ROOT_INPUT,    /* $      */
    JP_ROOT_CONTEXT,  /* $$     */
    JP_ROOT_VARIABLE, /* $name  */
    JP_ROOT_CURRENT,  /* @, only inside filters */
} jp_root;

typedef enum jp_step_kind {
    JP_STEP_NAME,     /* .a  ['a']          one field */
    JP_STEP_NAMES,    /* ['a','b']          several fields */
    JP_STEP_INDEX,    /* [2]  [-1]          one element */
    JP_STEP_INDEXES,  /* [0,2]              several elements */
    JP_STEP_SLICE,    /* [1:5:2]            a range of elements */
    JP_STEP_WILDCARD, /* .*  [*]            every child */
    JP_STEP_FILTER,   /* [?(@.price < 10)]  children passing a test */
} jp_step_kind;

/* A field name: may hold any byte, NUL included (from a \u0000 escape). */
typedef struct jp_name {
    char *text;
    size_t len;
} jp_name;

typedef struct jp_slice {
    long long start, end, step;
    bool has_start, has_end;
} jp_slice;

typedef struct jp_filter jp_filter;

typedef struct jp_step {
    jp_step_kind kind;
    bool scan;      /* written after "..": the node and all its descendants */
    size_t offset;  /* where the step starts in the path text, for messages */
    jp_name *names; /* NAME (one) and NAMES */
    size_t name_count;
    long long *indexes; /* INDEX (one) and INDEXES */
    size_t index_count;
    jp_slice slice;
    jp_filter *filter;
} jp_step;

typedef enum jp_map_item { JP_MAP_ITEM_NONE, JP_MAP_ITEM_VALUE, JP_MAP_ITEM_INDEX } jp_map_item;

struct sf_path {
    char *text; /* as given, owned */
    jp_root root;
    jp_name variable; /* JP_ROOT_VARIABLE only */
    jp_step *steps;
    size_t step_count;
    bool definite; /* yields one value or nothing, not an array */
    jp_map_item map_item; /* $$.Map.Item.Value or .Index exactly */
};

/* Filters: a small expression tree. Operands are paths (rooted at @ or $)
 * or JSON literals. */
typedef enum jp_compare_op { JP_EQ, JP_NE, JP_LT, JP_LE, JP_GT, JP_GE } jp_compare_op;

typedef enum jp_filter_kind {
    JP_FILTER_OR,
    JP_FILTER_AND,
    JP_FILTER_NOT,
    JP_FILTER_EXISTS, /* [?(@.isbn)]: the path matches something */
    JP_FILTER_COMPARE,
} jp_filter_kind;

typedef struct jp_operand {
    sf_path *path;   /* exactly one of path and literal is set */
    json_t *literal; /* owned */
} jp_operand;

struct jp_filter {
    jp_filter_kind kind;
    jp_filter *left, *right; /* OR, AND; NOT uses left */
    jp_operand a, b;         /* EXISTS uses a; COMPARE is a op b */
    jp_compare_op op;
};

/* Parse text with the full grammar. Returns NULL and a malloc'd message
 * ending in "at offset N" on failure. Reference-path checks are the
 * caller's (sf_path_compile). */
sf_path *jp_parse(const char *text, char **error);
void jp_filter_free(jp_filter *f);

/* The work one evaluation may still do: nodes visited by its indefinite
 * paths and their filters' paths, SF_PATH_VISITS_LIMIT in all. `spent` once
 * it ran out: the walk stopped, its result is incomplete. */
typedef struct jp_budget {
    size_t left;
    bool spent;
} jp_budget;

/* Evaluate p starting at `start` (what its root stands for); `doc` is what
 * "$" means inside filters. Returns a new reference: the value or NULL for
 * a definite path, an array (possibly empty) for an indefinite one. */
json_t *jp_select(const sf_path *p, json_t *start, json_t *doc, jp_budget *budget);

/* Does `node` pass filter f? `doc` is what "$" means inside it. */
bool jp_filter_accept(const jp_filter *f, json_t *node, json_t *doc, jp_budget *budget);

#endif
