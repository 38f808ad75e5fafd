/*
 * jsonpath_assign.c — sf_path_assign: put a value at a reference path, as
 * ResultPath does, without touching the document.
 *
 * Copy-on-write along the path: every object or array the path passes
 * through is copied shallowly (json_copy: a new container whose members
 * are shared references), the member on the path is replaced by the copy
 * of the next level, and everything off the path stays shared with doc.
 * So the cost is the size of the containers on the path, never of the
 * document, and doc (which other states, history and retries may still
 * hold) is never modified.
 *
 * Failure cases, reported with AWS's cause text for
 * States.ResultPathMatchFailure, "Unable to apply ReferencePath $.a.b to
 * input <compact JSON of doc>":
 *   - a field is needed where the document holds a string, number, boolean,
 *     null or array;
 *   - an index is needed where there is no array, or it is out of range
 *     (arrays are never created or grown: AWS has no rule for filling them);
 *   - the path is not a reference path rooted at "$".
 * Missing fields are created as objects, as AWS does for ResultPath.
 */
#include "engine/lang/jsonpath.h"
#include "engine/lang/jsonpath_internal.h"
#include "engine/xalloc.h"

#include <stdlib.h>

static json_t *assign_step(const sf_path *p, size_t i, json_t *node, json_t *value);

/* node.name = (rest of the path applied to node.name); node may be NULL
 * (missing), in which case a new object is made. */
static json_t *assign_field(const sf_path *p, size_t i, json_t *node, json_t *value)
{
    const jp_name *name = &p->steps[i].names[0];
    json_t *copy;
    json_t *child = NULL;
    if (!node) {
        copy = json_object();
    } else if (json_is_object(node)) {
        copy = json_copy(node);
        child = json_object_getn(node, name->text, name->len);
    } else {
        return NULL;
    }
    json_t *new_child = assign_step(p, i + 1, child, value);
    if (!new_child) {
        json_decref(copy);
        return NULL;
    }
    json_object_setn_new(copy, name->text, name->len, new_child);
    return copy;
}

/* node[index] = (rest of the path applied to node[index]). */
static json_t *assign_element(const sf_path *p, size_t i, json_t *node, json_t *value)
{
    if (!json_is_array(node))
        return NULL;
    long long size = (long long)json_array_size(node);
    long long index = p->steps[i].indexes[0];
    if (index < 0)
        index += size;
    if (index < 0 || index >= size)
        return NULL;
    json_t *new_child = assign_step(p, i + 1, json_array_get(node, (size_t)index), value);
    if (!new_child)
        return NULL;
    json_t *copy = json_copy(node);
    json_array_set_new(copy, (size_t)index, new_child);
    return copy;
}

static json_t *assign_step(const sf_path *p, size_t i, json_t *node, json_t *value)
{
    if (i == p->step_count)
        return json_incref(value);
    switch (p->steps[i].kind) {
    case JP_STEP_NAME:
        return assign_field(p, i, node, value);
    case JP_STEP_INDEX:
        return assign_element(p, i, node, value);
    default:
        return NULL;
    }
}

static bool is_assignable(const sf_path *p)
{
    if (p->root != JP_ROOT_INPUT)
        return false;
    for (size_t i = 0; i < p->step_count; i++) {
        const jp_step *s = &p->steps[i];
        if (s->scan || (s->kind != JP_STEP_NAME && s->kind != JP_STEP_INDEX))
            return false;
    }
    return true;
}

json_t *sf_path_assign(const sf_path *p, json_t *doc, json_t *value, char **error)
{
    *error = NULL;
    json_t *out = value && is_assignable(p) ? assign_step(p, 0, doc, value) : NULL;
    if (!out) {
        char *input = sf_json_compact(doc);
        *error = sf_asprintf("Unable to apply ReferencePath %s to input %s", p->text, input);
        free(input);
    }
    return out;
}
