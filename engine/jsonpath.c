/* jsonpath.c — PLACEHOLDER: being written. Only "$" works. */
#include "engine/jsonpath.h"
#include "engine/xalloc.h"
#include <stdlib.h>
#include <string.h>
struct sf_path {
    char *text;
};
sf_path *sf_path_compile(const char *text, unsigned flags, char **error)
{
    (void)flags;
    if (text[0] != '$') {
        *error = sf_strdup("a path must start with '$'");
        return NULL;
    }
    sf_path *p = SF_NEW(sf_path);
    p->text = sf_strdup(text);
    return p;
}
void sf_path_free(sf_path *p)
{
    if (p) {
        free(p->text);
        free(p);
    }
}
const char *sf_path_text(const sf_path *p) { return p->text; }
bool sf_path_is_context(const sf_path *p) { return strncmp(p->text, "$$", 2) == 0; }
bool sf_path_is_variable(const sf_path *p) { (void)p; return false; }
bool sf_path_is_definite(const sf_path *p) { (void)p; return true; }
bool sf_path_is_root(const sf_path *p) { return strcmp(p->text, "$") == 0; }
json_t *sf_path_eval(const sf_path *p, const sf_eval_env *env)
{
    if (strcmp(p->text, "$") == 0)
        return json_incref(env->input);
    if (strcmp(p->text, "$$") == 0)
        return json_incref(env->context);
    if (strncmp(p->text, "$.", 2) == 0 && json_is_object(env->input))
        return json_incref(json_object_get(env->input, p->text + 2));
    return NULL;
}
json_t *sf_path_assign(const sf_path *p, json_t *doc, json_t *value, char **error)
{
    if (strcmp(p->text, "$") == 0)
        return json_incref(value);
    if (strncmp(p->text, "$.", 2) == 0 && json_is_object(doc)) {
        json_t *copy = json_copy(doc);
        json_object_set(copy, p->text + 2, value);
        return copy;
    }
    *error = sf_strdup("unsupported");
    return NULL;
}
char *sf_json_compact(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}
