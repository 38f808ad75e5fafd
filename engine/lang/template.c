/*
 * template.c — payload templates (Parameters, ResultSelector, ItemSelector).
 *
 * Compiled once into a tree of nodes that mirrors the template:
 *   CONST   a subtree with no "x.$" key anywhere below it. Compile takes one
 *           private deep copy (so later changes to the definition's JSON
 *           cannot leak in) and every evaluation shares it by reference:
 *           a constant costs nothing per run, whatever its size;
 *   PATH    the value of an "x.$" key that is a JSONPath;
 *   CALL    the value of an "x.$" key that is an intrinsic function call;
 *   OBJECT  an object with at least one dynamic member; keeps the output
 *           keys ("x.$" becomes "x") in template order;
 *   ARRAY   an array with at least one dynamic element.
 *
 * Results share structure with the template's constants and with the
 * input (path results are the input's own nodes). The engine treats JSON
 * values as immutable once built (ResultPath copies on write), so sharing
 * is safe; the top-level value returned is always a container of its own.
 *
 * Compile errors go to sf_diags with the JSON Pointer of the offending key:
 * a "x.$" value that is not a string (SCHEMA_VALIDATION_FAILED), a bad path
 * (INVALID_JSON_PATH), a bad intrinsic call (INVALID_INTRINSIC_FUNCTION), two
 * keys producing the same output key ("a" and "a.$").
 *
 * Run-time errors: a path matching nothing is States.Runtime with AWS's
 * cause, "The JSONPath '$.x' specified for the field 'value.$' could not be
 * found in the input '{...}'", naming the key as written (not its full
 * path). For a $$ path "the input" is the context object, as AWS prints it
 * (seen in AWS causes: "The JSONPath '$$.Map.Item.Value.checkId' specified
 * for the field 'checkId.$' could not be found in the input
 * '{"Execution":{...'"). For a $name path it is the variable's value; AWS's
 * wording there is not documented and this is our choice. An intrinsic's
 * failure is passed on unchanged.
 */
#include "engine/lang/template.h"
#include "engine/lang/intrinsics.h"
#include "engine/lang/jsonpath.h"
#include "engine/xalloc.h"

#include <stdlib.h>
#include <string.h>

typedef enum tnode_kind {
    TNODE_CONST,
    TNODE_PATH,
    TNODE_CALL,
    TNODE_OBJECT,
    TNODE_ARRAY
} tnode_kind;

typedef struct tnode tnode;

typedef struct tfield {
    char *key; /* output key: "x" for "x.$" */
    size_t key_len;
    tnode *value;
} tfield;

struct tnode {
    tnode_kind kind;
    json_t *constant;   /* CONST */
    sf_path *path;      /* PATH */
    sf_intrinsic *call; /* CALL */
    char *field;        /* PATH, CALL: the key as written, for messages */
    tfield *fields;     /* OBJECT */
    tnode **items;      /* ARRAY */
    size_t count;       /* fields or items */
};

struct sf_template {
    tnode *root;
    bool uses_context;
    bool needs_context_object; /* a context path other than the Map item's */
};

typedef struct compiler {
    sf_diags *diags;
    bool uses_context;
    bool needs_context_object;
} compiler;

static tnode *compile_value(compiler *c, json_t *v, const char *pointer);

static void tnode_free(tnode *n)
{
    if (!n)
        return;
    json_decref(n->constant);
    sf_path_free(n->path);
    sf_intrinsic_free(n->call);
    free(n->field);
    for (size_t i = 0; n->fields && i < n->count; i++) {
        free(n->fields[i].key);
        tnode_free(n->fields[i].value);
    }
    for (size_t i = 0; n->items && i < n->count; i++)
        tnode_free(n->items[i]);
    free(n->fields);
    free(n->items);
    free(n);
}

static tnode *new_node(tnode_kind kind)
{
    tnode *n = SF_NEW(tnode);
    n->kind = kind;
    return n;
}

static tnode *new_const(json_t *owned)
{
    tnode *n = new_node(TNODE_CONST);
    n->constant = owned;
    return n;
}

/* ---- compile: "x.$" values ---------------------------------------------- */

static bool is_dynamic_key(const char *key, size_t len)
{
    return len >= 2 && key[len - 2] == '.' && key[len - 1] == '$';
}

static tnode *compile_call(compiler *c, const char *key, const char *text, const char *pointer)
{
    char *error = NULL;
    sf_intrinsic *call = sf_intrinsic_compile(text, &error);
    if (!call) {
        sf_diags_error(c->diags, SF_DIAG_INVALID_INTRINSIC, pointer,
                       "The value for the field '%s' is not a valid intrinsic function call: %s",
                       key, error ? error : "invalid call");
        free(error);
        return NULL;
    }
    c->uses_context |= sf_intrinsic_uses_context(call);
    c->needs_context_object |= sf_intrinsic_uses_context(call);
    tnode *n = new_node(TNODE_CALL);
    n->call = call;
    n->field = sf_strdup(key);
    return n;
}

static tnode *compile_path(compiler *c, const char *key, const char *text, const char *pointer)
{
    char *error = NULL;
    sf_path *path = sf_path_compile(text, SF_PATH_FULL, &error);
    if (!path) {
        sf_diags_error(c->diags, SF_DIAG_INVALID_PATH, pointer,
                       "The value for the field '%s' must be a valid JSONPath or intrinsic "
                       "function call: %s",
                       key, error ? error : "invalid path");
        free(error);
        return NULL;
    }
    c->uses_context |= sf_path_is_context(path);
    c->needs_context_object |= sf_path_is_context(path) && !sf_path_is_map_item(path);
    tnode *n = new_node(TNODE_PATH);
    n->path = path;
    n->field = sf_strdup(key);
    return n;
}

static tnode *compile_dynamic(compiler *c, const char *key, json_t *v, const char *pointer)
{
    if (!json_is_string(v)) {
        sf_diags_error(c->diags, SF_DIAG_SCHEMA, pointer,
                       "The value for the field '%s' must be a string holding a JSONPath or an "
                       "intrinsic function call",
                       key);
        return NULL;
    }
    const char *text = json_string_value(v);
    if (sf_intrinsic_looks_like_call(text))
        return compile_call(c, key, text, pointer);
    return compile_path(c, key, text, pointer);
}

/* ---- compile: containers ------------------------------------------------ */

/* Two keys that produce one output key ("a" and "a.$") would silently
 * drop one of them. */
static bool check_unique(compiler *c, json_t *seen, const tfield *f, const char *key,
                         const char *pointer)
{
    if (json_object_getn(seen, f->key, f->key_len)) {
        sf_diags_error(c->diags, SF_DIAG_SCHEMA, pointer,
                       "The field '%s' gives the output field '%s' a second time", key, f->key);
        return false;
    }
    json_object_setn_new(seen, f->key, f->key_len, json_true());
    return true;
}

static bool is_const(const tnode *n)
{
    return n && n->kind == TNODE_CONST;
}

/* An object with no "x.$" key and only constant members is one constant. */
static tnode *fold_object(tnode *n, bool any_dynamic_key)
{
    if (any_dynamic_key)
        return n;
    for (size_t i = 0; i < n->count; i++)
        if (!is_const(n->fields[i].value))
            return n;
    json_t *obj = json_object();
    for (size_t i = 0; i < n->count; i++)
        json_object_setn(obj, n->fields[i].key, n->fields[i].key_len, n->fields[i].value->constant);
    tnode_free(n);
    return new_const(obj);
}

/* An array of constants is one constant. */
static tnode *fold_array(tnode *n)
{
    for (size_t i = 0; i < n->count; i++)
        if (!is_const(n->items[i]))
            return n;
    json_t *arr = json_array();
    for (size_t i = 0; i < n->count; i++)
        json_array_append(arr, n->items[i]->constant);
    tnode_free(n);
    return new_const(arr);
}

static tnode *compile_object(compiler *c, json_t *obj, const char *pointer)
{
    tnode *n = new_node(TNODE_OBJECT);
    n->fields = sf_calloc(json_object_size(obj), sizeof *n->fields);
    json_t *seen = json_object();
    bool ok = true, any_dynamic_key = false;
    for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
        const char *key = json_object_iter_key(it);
        size_t len = json_object_iter_key_len(it);
        char *child_pointer = sf_pointer_join(pointer, key);
        bool dynamic = is_dynamic_key(key, len);
        tfield *f = &n->fields[n->count++];
        f->key_len = dynamic ? len - 2 : len;
        f->key = sf_strndup(key, f->key_len);
        f->value = dynamic ? compile_dynamic(c, key, json_object_iter_value(it), child_pointer)
                           : compile_value(c, json_object_iter_value(it), child_pointer);
        ok = check_unique(c, seen, f, key, child_pointer) && f->value && ok;
        any_dynamic_key |= dynamic;
        free(child_pointer);
    }
    json_decref(seen);
    if (!ok) {
        tnode_free(n);
        return NULL;
    }
    return fold_object(n, any_dynamic_key);
}

static tnode *compile_array(compiler *c, json_t *arr, const char *pointer)
{
    tnode *n = new_node(TNODE_ARRAY);
    n->items = sf_calloc(json_array_size(arr), sizeof *n->items);
    bool ok = true;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        char *child_pointer = sf_pointer_join_index(pointer, i);
        n->items[n->count++] = compile_value(c, json_array_get(arr, i), child_pointer);
        ok = n->items[i] && ok;
        free(child_pointer);
    }
    if (!ok) {
        tnode_free(n);
        return NULL;
    }
    return fold_array(n);
}

static tnode *compile_value(compiler *c, json_t *v, const char *pointer)
{
    if (json_is_object(v))
        return compile_object(c, v, pointer);
    if (json_is_array(v))
        return compile_array(c, v, pointer);
    return new_const(json_deep_copy(v));
}

sf_template *sf_template_compile(json_t *tmpl, const char *pointer, sf_diags *diags)
{
    sf_diags local = SF_DIAGS_INIT;
    compiler c = {.diags = diags ? diags : &local};
    if (!pointer)
        pointer = "";
    tnode *root = NULL;
    if (!tmpl)
        sf_diags_error(c.diags, SF_DIAG_SCHEMA, pointer, "A payload template is missing");
    else
        root = compile_value(&c, tmpl, pointer);
    sf_diags_free(&local);
    if (!root)
        return NULL;
    sf_template *t = SF_NEW(sf_template);
    t->root = root;
    t->uses_context = c.uses_context;
    t->needs_context_object = c.needs_context_object;
    return t;
}

void sf_template_free(sf_template *t)
{
    if (!t)
        return;
    tnode_free(t->root);
    free(t);
}

bool sf_template_uses_context(const sf_template *t)
{
    return t->uses_context;
}

bool sf_template_needs_context_object(const sf_template *t)
{
    return t->needs_context_object;
}

/* ---- evaluation --------------------------------------------------------- */

static json_t *eval_node(const tnode *n, const sf_eval_env *env, sf_error *err);

static void set_not_found(const tnode *n, const sf_eval_env *env, sf_error *err)
{
    if (!sf_path_is_definite(n->path)) {
        sf_error_set(err, SF_ERR_RUNTIME,
                     "The JSONPath '%s' specified for the field '%s' cannot be "
                     "evaluated: " SF_PATH_VISITS_MESSAGE,
                     sf_path_text(n->path), n->field);
        return;
    }
    char *input = sf_json_compact(sf_path_root_document(n->path, env));
    sf_error_set(err, SF_ERR_RUNTIME,
                 "The JSONPath '%s' specified for the field '%s' could not be found in the "
                 "input '%s'",
                 sf_path_text(n->path), n->field, input);
    free(input);
}

static json_t *eval_object(const tnode *n, const sf_eval_env *env, sf_error *err)
{
    json_t *obj = json_object();
    for (size_t i = 0; i < n->count; i++) {
        json_t *v = eval_node(n->fields[i].value, env, err);
        if (!v) {
            json_decref(obj);
            return NULL;
        }
        /* Keys come from parsed JSON: valid UTF-8, no need to check again. */
        json_object_setn_new_nocheck(obj, n->fields[i].key, n->fields[i].key_len, v);
    }
    return obj;
}

static json_t *eval_array(const tnode *n, const sf_eval_env *env, sf_error *err)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n->count; i++) {
        json_t *v = eval_node(n->items[i], env, err);
        if (!v) {
            json_decref(arr);
            return NULL;
        }
        json_array_append_new(arr, v);
    }
    return arr;
}

static json_t *eval_node(const tnode *n, const sf_eval_env *env, sf_error *err)
{
    switch (n->kind) {
    case TNODE_CONST:
        return json_incref(n->constant);
    case TNODE_PATH: {
        json_t *v = sf_path_eval(n->path, env);
        if (!v)
            set_not_found(n, env, err);
        return v;
    }
    case TNODE_CALL:
        return sf_intrinsic_eval(n->call, env, err);
    case TNODE_OBJECT:
        return eval_object(n, env, err);
    case TNODE_ARRAY:
        return eval_array(n, env, err);
    }
    return NULL;
}

json_t *sf_template_eval(const sf_template *t, const sf_eval_env *env, sf_error *err)
{
    /* A wholly constant template: a shallow copy gives the caller a
     * top-level container of its own while members stay shared. */
    if (t->root->kind == TNODE_CONST)
        return json_copy(t->root->constant);
    return eval_node(t->root, env, err);
}
