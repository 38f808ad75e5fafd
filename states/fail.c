/*
 * fail.c — the Fail state: ends its machine with an error name and a cause,
 * given literally (Error, Cause) or taken from the input (ErrorPath,
 * CausePath: a reference path or an intrinsic function call). Fail has no
 * InputPath, so paths see the raw state input.
 *
 * Failure cases: a path that matches nothing, or a value that is not a
 * string, is States.Runtime with AWS's cause text, instead of the error the
 * state meant to raise.
 */
#include "engine/cursor.h"
#include "engine/lang/intrinsics.h"
#include "engine/json_util.h"
#include "engine/xalloc.h"
#include "states/states.h"

#include <stdlib.h>
#include <string.h>

/* One of the two outputs: a literal, a path or an intrinsic call. */
typedef struct fail_value {
    const char *literal; /* borrowed from the definition */
    sf_path *path;
    sf_intrinsic *call;
    const char *field; /* "ErrorPath" / "CausePath" for messages */
} fail_value;

typedef struct fail_impl {
    fail_value error, cause;
} fail_impl;

static const char *const fail_fields[] = {"Error", "Cause", "ErrorPath", "CausePath", NULL};

static void compile_value(sf_compile_ctx *cc, const char *literal_field, const char *path_field,
                          fail_value *out)
{
    json_t *lit = json_object_get(cc->state->json, literal_field);
    json_t *path = json_object_get(cc->state->json, path_field);
    out->field = path_field;
    if (lit && path) {
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, cc->state->pointer,
                       "State '%s': %s and %s cannot both be given", cc->state->name,
                       literal_field, path_field);
        return;
    }
    if (lit) {
        if (json_is_string(lit)) {
            out->literal = json_string_value(lit);
        } else {
            char *ptr = sf_compile_field_pointer(cc, literal_field);
            sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr, "State '%s': %s must be a string",
                           cc->state->name, literal_field);
            free(ptr);
        }
        return;
    }
    if (!path)
        return;
    const char *text = json_string_value(path);
    if (text && sf_intrinsic_looks_like_call(text)) {
        char *why = NULL;
        out->call = sf_intrinsic_compile(text, &why);
        if (!out->call) {
            char *ptr = sf_compile_field_pointer(cc, path_field);
            sf_diags_error(cc->diags, SF_DIAG_INVALID_INTRINSIC, ptr,
                           "State '%s': %s holds an invalid intrinsic function call: %s",
                           cc->state->name, path_field, why ? why : "syntax error");
            free(ptr);
            free(why);
        }
        return;
    }
    out->path = sf_compile_path(cc, path, path_field, SF_PATH_REFERENCE);
}

static void fail_compile(sf_compile_ctx *cc)
{
    fail_impl *impl = SF_NEW(fail_impl);
    compile_value(cc, "Error", "ErrorPath", &impl->error);
    compile_value(cc, "Cause", "CausePath", &impl->cause);
    cc->state->impl = impl;
}

static void fail_free(void *p)
{
    fail_impl *impl = p;
    sf_path_free(impl->error.path);
    sf_path_free(impl->cause.path);
    sf_intrinsic_free(impl->error.call);
    sf_intrinsic_free(impl->cause.call);
    free(impl);
}

/* Resolve one value; returns a malloc'd string (NULL when absent) or sets
 * err. */
static char *resolve(sf_cursor *c, const fail_value *v, json_t *input, sf_error *err)
{
    if (v->literal)
        return sf_strdup(v->literal);
    if (!v->path && !v->call)
        return NULL;
    sf_eval_env env;
    json_t *value;
    if (v->call) {
        sf_cursor_env(c, input, sf_intrinsic_uses_context(v->call), &env);
        value = sf_intrinsic_eval(v->call, &env, err);
        if (!value)
            return NULL;
    } else {
        sf_cursor_env(c, input, sf_path_is_context(v->path), &env);
        value = sf_path_eval(v->path, &env);
        if (!value) {
            char *in = sf_json_compact(input);
            sf_error_set(err, SF_ERR_RUNTIME,
                         "The JSONPath '%s' specified for the field '%s' could not be found "
                         "in the input '%s'",
                         sf_path_text(v->path), v->field, in);
            free(in);
            return NULL;
        }
    }
    char *out = NULL;
    if (json_is_string(value))
        out = sf_strdup(json_string_value(value));
    else
        sf_error_set(err, SF_ERR_RUNTIME,
                     "The value at the field '%s' must be a string, but was %s", v->field,
                     sf_json_type_name(value));
    json_decref(value);
    return out;
}

static void fail_run(sf_cursor *c, json_t *input)
{
    fail_impl *impl = c->state->impl;
    sf_error err = SF_ERROR_INIT;
    char *error = resolve(c, &impl->error, input, &err);
    char *cause = sf_error_is_set(&err) ? NULL : resolve(c, &impl->cause, input, &err);
    if (sf_error_is_set(&err)) {
        free(error);
        sf_cursor_state_runtime_error(c, err.name, "%s", err.cause ? err.cause : "");
        sf_error_clear(&err);
        return;
    }
    /* Without Error, AWS reports the error as null, not a default name. */
    sf_error result = {error, cause};
    sf_cursor_state_error(c, &result);
}

const sf_state_type sf_state_fail = {
    .name = "Fail",
    .common_fields = 0,
    .own_fields = fail_fields,
    .compile = fail_compile,
    .free_impl = fail_free,
    .run = fail_run,
};
