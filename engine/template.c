/* template.c — PLACEHOLDER: being written. Copies the template. */
#include "engine/template.h"
#include "engine/xalloc.h"
struct sf_template {
    json_t *json;
};
sf_template *sf_template_compile(json_t *tmpl, const char *pointer, sf_diags *diags)
{
    (void)pointer;
    (void)diags;
    sf_template *t = SF_NEW(sf_template);
    t->json = json_incref(tmpl);
    return t;
}
void sf_template_free(sf_template *t)
{
    if (t) {
        json_decref(t->json);
        free(t);
    }
}
bool sf_template_uses_context(const sf_template *t) { (void)t; return false; }
json_t *sf_template_eval(const sf_template *t, const sf_eval_env *env, sf_error *err)
{
    (void)env;
    (void)err;
    return json_deep_copy(t->json);
}
