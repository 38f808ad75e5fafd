/* intrinsics.c — PLACEHOLDER: being written. */
#include "engine/intrinsics.h"
#include "engine/xalloc.h"
#include <string.h>
bool sf_intrinsic_looks_like_call(const char *text) { return strncmp(text, "States.", 7) == 0; }
sf_intrinsic *sf_intrinsic_compile(const char *text, char **error)
{
    (void)text;
    *error = sf_strdup("intrinsic functions are not implemented yet");
    return NULL;
}
void sf_intrinsic_free(sf_intrinsic *f) { (void)f; }
bool sf_intrinsic_uses_context(const sf_intrinsic *f) { (void)f; return false; }
json_t *sf_intrinsic_eval(const sf_intrinsic *f, const sf_eval_env *env, sf_error *err)
{
    (void)f;
    (void)env;
    sf_error_set(err, SF_ERR_INTRINSIC_FAILURE, "not implemented");
    return NULL;
}
