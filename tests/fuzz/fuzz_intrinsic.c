/*
 * fuzz_intrinsic.c — intrinsic functions (States.Format, States.Array, ...):
 * parsing a call and evaluating it.
 *
 * Input: the call's text, a newline, then the JSON document "$" stands for
 * (also the variables when it is an object). A document that is not JSON
 * leaves a small fixed one. The call is also evaluated with an empty input,
 * for the paths that then match nothing.
 */
#include "tests/fuzz/fuzz_common.h"
#include "engine/lang/intrinsics.h"
#include "engine/json_util.h"

#include <stdlib.h>
#include <string.h>

static void call_eval(const sf_intrinsic *f, json_t *input, json_t *context, json_t *variables)
{
    sf_eval_env env = {.input = input, .context = context, .variables = variables};
    sf_error err = SF_ERROR_INIT;
    json_t *v = sf_intrinsic_eval(f, &env, &err);
    json_decref(v);
    sf_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t call_len = nl ? (size_t)(nl - data) : size;
    char *text = sf_fuzz_text_copy(data, call_len);
    (void)sf_intrinsic_looks_like_call(text);
    char *error = NULL;
    sf_intrinsic *f = sf_intrinsic_compile(text, &error);
    free(error);
    if (f) {
        json_t *doc = nl ? sf_json_parse((const char *)nl + 1, size - call_len - 1, NULL, 0) : NULL;
        if (!doc)
            doc = json_pack("{s:[i,i,s],s:s,s:i}", "a", 1, 2, "x", "s", "a,b", "n", 3);
        json_t *context =
            json_pack("{s:{s:O},s:{s:s}}", "Execution", "Input", doc, "State", "Name", "S");
        json_t *variables = json_is_object(doc) ? json_incref(doc) : NULL;
        (void)sf_intrinsic_uses_context(f);
        call_eval(f, doc, context, variables);
        json_t *empty = json_object();
        call_eval(f, empty, context, NULL);
        json_decref(empty);
        json_decref(variables);
        json_decref(context);
        json_decref(doc);
    }
    sf_intrinsic_free(f);
    free(text);
    return 0;
}
