/*
 * jsonpath.c — compiling and evaluating JSONPath (see jsonpath.h).
 *
 * A path is parsed once (jsonpath_parse.c) into a root and a flat array of
 * steps. Evaluation never copies a value: matches are the nodes of the
 * document itself, shared with json_incref.
 *
 *   - A definite path (names and single indexes only) is a loop over the
 *     steps with one lookup each and no allocation; the hot case.
 *   - Any other path is walked depth-first: each step hands every node it
 *     selects straight to the next step, and the last step appends to the
 *     result array. So matches come out in document order, the order Jayway
 *     (the JSONPath library behind AWS Step Functions) gives them.
 *
 * Semantics follow Jayway where AWS exposes them:
 *   - a definite path that matches nothing yields nothing (NULL); callers
 *     turn that into States.Runtime or similar with their own wording;
 *   - an indefinite path always yields an array, empty when nothing matches,
 *     even when a name before the first wildcard is missing (AWS returns []
 *     for "$.items[*]" on {}, although bare Jayway would throw);
 *   - steps that do not fit a node (a name on an array, an index on an
 *     object, an index out of range) select nothing there, silently;
 *   - ['a','b'] as the last step builds one object holding those of the
 *     fields that exist (Jayway's "merge" case), and is definite;
 *   - a filter applied to an object tests the object itself, applied to an
 *     array tests each element; after ".." a filter tests each object;
 *   - slices follow Python / RFC 9535: negative bounds count from the end,
 *     a negative step walks backwards.
 */
#include "engine/lang/jsonpath.h"
#include "engine/lang/jsonpath_internal.h"
#include "engine/limits.h"
#include "engine/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* ---- compile ------------------------------------------------------------ */

/* Why a step cannot be part of a reference path, or NULL if it can. */
static const char *not_single_node(const jp_step *s)
{
    if (s->scan)
        return "'..' searches the whole document";
    switch (s->kind) {
    case JP_STEP_NAME:
    case JP_STEP_INDEX:
        return NULL;
    case JP_STEP_NAMES:
        return "a union of names selects several nodes";
    case JP_STEP_INDEXES:
        return "a union of indexes selects several nodes";
    case JP_STEP_SLICE:
        return "a slice selects several nodes";
    case JP_STEP_WILDCARD:
        return "'*' selects every child";
    case JP_STEP_FILTER:
        return "a filter selects several nodes";
    }
    return "unsupported step";
}

sf_path *sf_path_compile(const char *text, unsigned flags, char **error)
{
    *error = NULL;
    if (!text) {
        *error = sf_strdup("no path given");
        return NULL;
    }
    sf_path *p = jp_parse(text, error);
    if (!p || !(flags & SF_PATH_REFERENCE))
        return p;
    for (size_t i = 0; i < p->step_count; i++) {
        const char *why = not_single_node(&p->steps[i]);
        if (why) {
            *error = sf_asprintf("a reference path must name a single node, but %s at offset %zu",
                                 why, p->steps[i].offset);
            sf_path_free(p);
            return NULL;
        }
    }
    return p;
}

void sf_path_free(sf_path *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->step_count; i++) {
        jp_step *s = &p->steps[i];
        for (size_t n = 0; n < s->name_count; n++)
            free(s->names[n].text);
        free(s->names);
        free(s->indexes);
        jp_filter_free(s->filter);
    }
    free(p->steps);
    free(p->variable.text);
    free(p->text);
    free(p);
}

const char *sf_path_text(const sf_path *p)
{
    return p->text;
}

bool sf_path_is_context(const sf_path *p)
{
    return p->root == JP_ROOT_CONTEXT;
}

bool sf_path_is_variable(const sf_path *p)
{
    return p->root == JP_ROOT_VARIABLE;
}

bool sf_path_is_definite(const sf_path *p)
{
    return p->definite;
}

bool sf_path_is_root(const sf_path *p)
{
    return p->root == JP_ROOT_INPUT && p->step_count == 0;
}

bool sf_path_is_map_item(const sf_path *p)
{
    return p->map_item != JP_MAP_ITEM_NONE;
}

bool sf_path_single_field(const sf_path *p, const char **name, size_t *len)
{
    if (p->root != JP_ROOT_INPUT || p->step_count != 1 || p->steps[0].kind != JP_STEP_NAME ||
        p->steps[0].scan)
        return false;
    *name = p->steps[0].names[0].text;
    *len = p->steps[0].names[0].len;
    return true;
}

json_t *sf_path_root_document(const sf_path *p, const sf_eval_env *env)
{
    switch (p->root) {
    case JP_ROOT_INPUT:
        return env->input;
    case JP_ROOT_CONTEXT:
        return env->context;
    case JP_ROOT_VARIABLE:
        return json_is_object(env->variables)
                   ? json_object_getn(env->variables, p->variable.text, p->variable.len)
                   : NULL;
    case JP_ROOT_CURRENT:
        break;
    }
    return NULL;
}

/* ---- single steps ------------------------------------------------------- */

static json_t *field_of(json_t *node, const jp_name *name)
{
    return json_is_object(node) ? json_object_getn(node, name->text, name->len) : NULL;
}

/* Element at index (negative counts from the end), or NULL. */
static json_t *element_of(json_t *node, long long index)
{
    if (!json_is_array(node))
        return NULL;
    long long size = (long long)json_array_size(node);
    if (index < 0)
        index += size;
    return index >= 0 && index < size ? json_array_get(node, (size_t)index) : NULL;
}

/* ['a','b'] as the last step: one object with the fields that exist. */
static json_t *merge_fields(const jp_step *s, json_t *node)
{
    if (!json_is_object(node))
        return NULL;
    json_t *merged = json_object();
    for (size_t i = 0; i < s->name_count; i++) {
        json_t *v = field_of(node, &s->names[i]);
        if (v)
            json_object_setn(merged, s->names[i].text, s->names[i].len, v);
    }
    return merged;
}

static bool has_all_fields(const jp_step *s, json_t *node)
{
    for (size_t i = 0; i < s->name_count; i++)
        if (!field_of(node, &s->names[i]))
            return false;
    return true;
}

/* ---- definite paths ----------------------------------------------------- */

static json_t *select_definite(const sf_path *p, json_t *node)
{
    for (size_t i = 0; node && i < p->step_count; i++) {
        const jp_step *s = &p->steps[i];
        if (s->kind == JP_STEP_NAME)
            node = field_of(node, &s->names[0]);
        else if (s->kind == JP_STEP_INDEX)
            node = element_of(node, s->indexes[0]);
        else
            return merge_fields(s, node); /* NAMES, always last */
    }
    return json_incref(node);
}

/* ---- indefinite paths --------------------------------------------------- */

typedef struct walk {
    const sf_path *path;
    json_t *doc; /* what "$" means inside filters */
    json_t *out; /* the matches so far */
    jp_budget *budget;
} walk;

/* Each node a walk reaches costs one: "$..*..*..*" visits the document
 * once per match of the step before, so a few scans over a modest input
 * would otherwise run for hours (and collect as many matches). */
static inline bool spend(const walk *w)
{
    if (w->budget->left == 0) {
        w->budget->spent = true;
        return false;
    }
    w->budget->left--;
    return true;
}

static void walk_from(const walk *w, size_t i, json_t *node);

static bool is_last(const walk *w, size_t i)
{
    return i + 1 == w->path->step_count;
}

static void apply_names(const walk *w, size_t i, json_t *node)
{
    const jp_step *s = &w->path->steps[i];
    if (is_last(w, i)) {
        json_t *merged = merge_fields(s, node);
        if (merged)
            json_array_append_new(w->out, merged);
        return;
    }
    for (size_t n = 0; n < s->name_count; n++) {
        json_t *child = field_of(node, &s->names[n]);
        if (child)
            walk_from(w, i + 1, child);
    }
}

static void apply_indexes(const walk *w, size_t i, json_t *node)
{
    const jp_step *s = &w->path->steps[i];
    for (size_t n = 0; n < s->index_count; n++) {
        json_t *child = element_of(node, s->indexes[n]);
        if (child)
            walk_from(w, i + 1, child);
    }
}

static long long clamp(long long v, long long lo, long long hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static long long normalize(long long index, long long size)
{
    return index < 0 ? index + size : index;
}

static void apply_slice(const walk *w, size_t i, json_t *node)
{
    if (!json_is_array(node))
        return;
    const jp_slice *sl = &w->path->steps[i].slice;
    long long size = (long long)json_array_size(node);
    if (sl->step > 0) {
        long long lo = sl->has_start ? clamp(normalize(sl->start, size), 0, size) : 0;
        long long hi = sl->has_end ? clamp(normalize(sl->end, size), 0, size) : size;
        for (long long k = lo; k < hi; k += sl->step)
            walk_from(w, i + 1, json_array_get(node, (size_t)k));
    } else {
        long long hi = sl->has_start ? clamp(normalize(sl->start, size), -1, size - 1) : size - 1;
        long long lo = sl->has_end ? clamp(normalize(sl->end, size), -1, size - 1) : -1;
        for (long long k = hi; k > lo; k += sl->step)
            walk_from(w, i + 1, json_array_get(node, (size_t)k));
    }
}

static void apply_wildcard(const walk *w, size_t i, json_t *node)
{
    if (json_is_object(node)) {
        for (void *it = json_object_iter(node); it; it = json_object_iter_next(node, it))
            walk_from(w, i + 1, json_object_iter_value(it));
    } else if (json_is_array(node)) {
        size_t n = json_array_size(node);
        for (size_t k = 0; k < n; k++)
            walk_from(w, i + 1, json_array_get(node, k));
    }
}

static void apply_filter(const walk *w, size_t i, json_t *node)
{
    const jp_filter *f = w->path->steps[i].filter;
    if (json_is_object(node)) {
        if (jp_filter_accept(f, node, w->doc, w->budget))
            walk_from(w, i + 1, node);
    } else if (json_is_array(node)) {
        size_t n = json_array_size(node);
        for (size_t k = 0; k < n; k++) {
            json_t *child = json_array_get(node, k);
            if (jp_filter_accept(f, child, w->doc, w->budget))
                walk_from(w, i + 1, child);
        }
    }
}

static void apply_step(const walk *w, size_t i, json_t *node)
{
    switch (w->path->steps[i].kind) {
    case JP_STEP_NAME: {
        json_t *child = field_of(node, &w->path->steps[i].names[0]);
        if (child)
            walk_from(w, i + 1, child);
        break;
    }
    case JP_STEP_NAMES:
        apply_names(w, i, node);
        break;
    case JP_STEP_INDEX:
    case JP_STEP_INDEXES:
        apply_indexes(w, i, node);
        break;
    case JP_STEP_SLICE:
        apply_slice(w, i, node);
        break;
    case JP_STEP_WILDCARD:
        apply_wildcard(w, i, node);
        break;
    case JP_STEP_FILTER:
        apply_filter(w, i, node);
        break;
    }
}

/* "..": apply step i to node, then to every descendant, parents first.
 * Scalars are never visited (nothing can be selected from them). After
 * "..", a filter tests objects themselves, and a merging ['a','b'] only
 * objects holding all the fields, as Jayway does. */
static void scan(const walk *w, size_t i, json_t *node)
{
    const jp_step *s = &w->path->steps[i];
    if (!spend(w))
        return;
    if (json_is_object(node)) {
        if (s->kind == JP_STEP_FILTER) {
            if (jp_filter_accept(s->filter, node, w->doc, w->budget))
                walk_from(w, i + 1, node);
        } else if (s->kind != JP_STEP_NAMES || !is_last(w, i) || has_all_fields(s, node)) {
            apply_step(w, i, node);
        }
        for (void *it = json_object_iter(node); it; it = json_object_iter_next(node, it))
            scan(w, i, json_object_iter_value(it));
    } else if (json_is_array(node)) {
        if (s->kind != JP_STEP_FILTER)
            apply_step(w, i, node);
        size_t n = json_array_size(node);
        for (size_t k = 0; k < n; k++)
            scan(w, i, json_array_get(node, k));
    }
}

static void walk_from(const walk *w, size_t i, json_t *node)
{
    if (!spend(w))
        return;
    if (i == w->path->step_count)
        json_array_append(w->out, node);
    else if (w->path->steps[i].scan)
        scan(w, i, node);
    else
        apply_step(w, i, node);
}

json_t *jp_select(const sf_path *p, json_t *start, json_t *doc, jp_budget *budget)
{
    if (p->definite)
        return start ? select_definite(p, start) : NULL;
    walk w = {.path = p, .doc = doc, .out = json_array(), .budget = budget};
    if (start)
        walk_from(&w, 0, start);
    return w.out;
}

json_t *sf_path_eval(const sf_path *p, const sf_eval_env *env)
{
    if (p->map_item && env->has_map_item)
        return p->map_item == JP_MAP_ITEM_VALUE ? json_incref(env->map_item_value)
                                                : json_integer(env->map_item_index);
    json_t *root = sf_path_root_document(p, env);
    jp_budget budget = {.left = SF_PATH_VISITS_LIMIT};
    json_t *v = jp_select(p, root, root, &budget);
    if (!budget.spent)
        return v;
    json_decref(v);
    return NULL;
}
