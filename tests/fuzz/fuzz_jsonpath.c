/*
 * fuzz_jsonpath.c — JSONPath: compiling a path in both dialects (full and
 * reference), evaluating it (filters, slices, unions, deep scan included)
 * and, for a reference path, assigning through it as ResultPath does.
 *
 * Input: the path's text, a newline, then the JSON document "$" stands for
 * (an object used as the variables too, so "$name" paths find values, and
 * as the context object's Execution.Input). A document that is not JSON
 * leaves a small fixed one.
 */
#include "tests/fuzz/fuzz_common.h"
#include "engine/lang/jsonpath.h"
#include "engine/json_util.h"

#include <stdlib.h>
#include <string.h>

static void path_use(const sf_path *p, const sf_eval_env *env, bool reference)
{
    const char *name;
    size_t len;
    (void)sf_path_text(p);
    (void)sf_path_is_context(p);
    (void)sf_path_is_variable(p);
    (void)sf_path_is_definite(p);
    (void)sf_path_is_root(p);
    (void)sf_path_is_map_item(p);
    (void)sf_path_single_field(p, &name, &len);
    (void)sf_path_root_document(p, env);
    json_t *v = sf_path_eval(p, env);
    if (v) {
        char *text = sf_json_compact(v);
        free(text);
    }
    if (reference && !sf_path_is_context(p) && !sf_path_is_variable(p)) {
        char *error = NULL;
        json_t *assigned = sf_path_assign(p, env->input, v ? v : json_null(), &error);
        json_decref(assigned);
        free(error);
    }
    json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t path_len = nl ? (size_t)(nl - data) : size;
    char *text = sf_fuzz_text_copy(data, path_len);
    json_t *doc = nl ? sf_json_parse((const char *)nl + 1, size - path_len - 1, NULL, 0) : NULL;
    if (!doc)
        doc = json_pack("{s:[i,i,{s:s}],s:{s:n}}", "a", 1, 2, "b", "c", "d", "e");
    json_t *context = json_pack("{s:{s:O,s:s},s:{s:s,s:i}}", "Execution", "Input", doc, "Id",
                                "arn:fuzz", "State", "Name", "S", "RetryCount", 0);
    json_t *variables = json_is_object(doc) ? json_incref(doc) : json_pack("{s:O}", "v", doc);
    sf_eval_env env = {.input = doc, .context = context, .variables = variables};
    for (unsigned flags = SF_PATH_FULL; flags <= SF_PATH_REFERENCE; flags++) {
        char *error = NULL;
        sf_path *p = sf_path_compile(text, flags, &error);
        if (p)
            path_use(p, &env, flags == SF_PATH_REFERENCE);
        sf_path_free(p);
        free(error);
    }
    json_decref(variables);
    json_decref(context);
    json_decref(doc);
    free(text);
    return 0;
}
