/*
 * intrinsics.c — ASL intrinsic functions: the table of functions, compiling
 * a call (intrinsic_parse.c does the reading), and evaluating it.
 *
 * Evaluation is a walk of the call tree: literals are used as they are,
 * paths are evaluated against the state's input / context / variables, nested
 * calls first; then the function gets its argument values and checks their
 * types and values itself (intrinsic_array.c, _string.c, _json.c, _math.c).
 *
 * Failures, as AWS reports them (recorded on AWS Step Functions):
 *
 *   error  States.Runtime
 *   cause  The function 'States.Format('{}', $.nope)' had the following
 *          error: The JsonPath argument for the field '$.nope' could not be
 *          found in the input '{"other":1}'
 *
 * The function named is the whole expression as written, even when a nested
 * call failed; a $$ path is named with one '$' (AWS rewrites it against the
 * context object) and the input quoted is the state's input. Type and value
 * errors end with "Invalid arguments in States.Xxx", AWS's wording. The
 * engine prefixes "An error occurred while executing the state ...".
 *
 * Why States.Runtime and not States.IntrinsicFailure: the AWS documentation
 * lists States.IntrinsicFailure, but executions recorded on AWS fail with
 * States.Runtime (which, unlike IntrinsicFailure, States.ALL does not catch).
 * stepfn follows the service; the name is one constant below.
 */
#include "engine/lang/intrinsics.h"
#include "engine/lang/intrinsic_internal.h"
#include "engine/lang/jsonpath.h"
#include "engine/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define INTRINSIC_ERROR_NAME SF_ERR_RUNTIME

struct sf_intrinsic {
    char *text; /* as written: AWS quotes it verbatim in causes */
    intrinsic_call *root;
    bool uses_context;
};

/* Arity as AWS enforces it when the state machine is created. */
static const intrinsic_function FUNCTIONS[] = {
    {"States.Format", 1, INTRINSIC_VARIADIC, intrinsic_format},
    {"States.StringToJson", 1, 1, intrinsic_string_to_json},
    {"States.JsonToString", 1, 1, intrinsic_json_to_string},
    {"States.Array", 0, INTRINSIC_VARIADIC, intrinsic_array},
    {"States.ArrayPartition", 2, 2, intrinsic_array_partition},
    {"States.ArrayContains", 2, 2, intrinsic_array_contains},
    {"States.ArrayRange", 3, 3, intrinsic_array_range},
    {"States.ArrayGetItem", 2, 2, intrinsic_array_get_item},
    {"States.ArrayLength", 1, 1, intrinsic_array_length},
    {"States.ArrayUnique", 1, 1, intrinsic_array_unique},
    {"States.Base64Encode", 1, 1, intrinsic_base64_encode},
    {"States.Base64Decode", 1, 1, intrinsic_base64_decode},
    {"States.Hash", 2, 2, intrinsic_hash},
    {"States.JsonMerge", 3, 3, intrinsic_json_merge},
    {"States.MathRandom", 2, 3, intrinsic_math_random},
    {"States.MathAdd", 2, 2, intrinsic_math_add},
    {"States.StringSplit", 2, 2, intrinsic_string_split},
    {"States.UUID", 0, 0, intrinsic_uuid},
};

const intrinsic_function *intrinsic_function_find(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof FUNCTIONS / sizeof FUNCTIONS[0]; i++) {
        if (strlen(FUNCTIONS[i].name) == len && memcmp(FUNCTIONS[i].name, name, len) == 0)
            return &FUNCTIONS[i];
    }
    return NULL;
}

json_t *intrinsic_invalid_arguments(const intrinsic_call *call, char **detail)
{
    *detail = sf_asprintf("Invalid arguments in %s", call->function->name);
    return NULL;
}

/* ---- compiling --------------------------------------------------------- */

bool sf_intrinsic_looks_like_call(const char *text)
{
    return strncmp(text, "States.", 7) == 0 && strchr(text, '(') != NULL;
}

static bool call_uses_context(const intrinsic_call *call)
{
    for (size_t i = 0; i < call->arg_count; i++) {
        const intrinsic_arg *arg = &call->args[i];
        if (arg->kind == INTRINSIC_ARG_PATH && sf_path_is_context(arg->path))
            return true;
        if (arg->kind == INTRINSIC_ARG_CALL && call_uses_context(arg->call))
            return true;
    }
    return false;
}

sf_intrinsic *sf_intrinsic_compile(const char *text, char **error)
{
    intrinsic_call *root = intrinsic_parse(text, error);
    if (!root)
        return NULL;
    sf_intrinsic *f = SF_NEW(sf_intrinsic);
    f->text = sf_strdup(text);
    f->root = root;
    f->uses_context = call_uses_context(root);
    return f;
}

void sf_intrinsic_free(sf_intrinsic *f)
{
    if (!f)
        return;
    intrinsic_call_free(f->root);
    free(f->text);
    free(f);
}

bool sf_intrinsic_uses_context(const sf_intrinsic *f)
{
    return f->uses_context;
}

/* ---- evaluating -------------------------------------------------------- */

static char *missing_path_detail(const sf_path *path, const sf_eval_env *env)
{
    if (!sf_path_is_definite(path))
        return sf_asprintf(
            "The JsonPath argument '%s' cannot be evaluated: " SF_PATH_VISITS_MESSAGE,
            sf_path_text(path));
    const char *field = sf_path_text(path);
    if (sf_path_is_context(path))
        field++; /* AWS names $$.Execution.Id as $.Execution.Id */
    char *input = env->input ? sf_json_compact(env->input) : NULL;
    char *detail =
        sf_asprintf("The JsonPath argument for the field '%s' could not be found in the input '%s'",
                    field, input ? input : "null");
    free(input);
    return detail;
}

static json_t *eval_call(const intrinsic_call *call, const sf_eval_env *env, char **detail);

static json_t *eval_arg(const intrinsic_arg *arg, const sf_eval_env *env, char **detail)
{
    switch (arg->kind) {
    case INTRINSIC_ARG_LITERAL:
        return json_incref(arg->literal);
    case INTRINSIC_ARG_PATH: {
        json_t *value = sf_path_eval(arg->path, env);
        if (!value)
            *detail = missing_path_detail(arg->path, env);
        return value;
    }
    case INTRINSIC_ARG_CALL:
        return eval_call(arg->call, env, detail);
    }
    return NULL;
}

static json_t *eval_call(const intrinsic_call *call, const sf_eval_env *env, char **detail)
{
    json_t *on_stack[8];
    json_t **args = call->arg_count <= 8 ? on_stack : sf_calloc(call->arg_count, sizeof *args);
    json_t *result = NULL;
    size_t evaluated = 0;
    for (; evaluated < call->arg_count; evaluated++) {
        args[evaluated] = eval_arg(&call->args[evaluated], env, detail);
        if (!args[evaluated])
            goto done;
    }
    result = call->function->impl(call, args, call->arg_count, detail);
    if (!result && !*detail)
        intrinsic_invalid_arguments(call, detail);
done:
    for (size_t i = 0; i < evaluated; i++)
        json_decref(args[i]);
    if (args != on_stack)
        free(args);
    return result;
}

json_t *sf_intrinsic_eval(const sf_intrinsic *f, const sf_eval_env *env, sf_error *err)
{
    char *detail = NULL;
    json_t *result = eval_call(f->root, env, &detail);
    if (!result)
        sf_error_set(err, INTRINSIC_ERROR_NAME, "The function '%s' had the following error: %s",
                     f->text, detail);
    free(detail);
    return result;
}
