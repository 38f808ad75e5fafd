/*
 * intrinsic_json.c — States.StringToJson, States.JsonToString,
 * States.JsonMerge.
 *
 * StringToJson parses any JSON value. Text that is empty or only whitespace
 * gives null (recorded on AWS: "" and " " both give null); surrounding
 * whitespace is ignored; anything else that is not exactly one JSON value
 * fails with "Invalid arguments in States.StringToJson".
 *
 * JsonToString prints compact JSON, numbers as AWS prints them
 * (intrinsic_json_text): {"Arg1":1,"Arg2":[]}, 1.1.
 *
 * JsonMerge is shallow only: keys of the second object replace those of the
 * first (nested objects are replaced, not merged). AWS does not support the
 * deep mode, so a third argument of true (or "true") fails; any other value
 * means shallow — AWS accepts even the string "false" there.
 */
#include "engine/json_util.h"
#include "engine/lang/intrinsic_internal.h"
#include "engine/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

json_t *intrinsic_string_to_json(const intrinsic_call *call, json_t *const *args, size_t count,
                                 char **detail)
{
    (void)count;
    if (!json_is_string(args[0]))
        return intrinsic_invalid_arguments(call, detail);
    const char *text = json_string_value(args[0]);
    size_t len = json_string_length(args[0]);
    while (len > 0 && is_json_space(*text)) {
        text++;
        len--;
    }
    while (len > 0 && is_json_space(text[len - 1]))
        len--;
    if (len == 0)
        return json_null();
    json_error_t error;
    json_t *value = sf_json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
    if (!value && json_error_code(&error) == json_error_stack_overflow) {
        *detail = sf_asprintf("Invalid arguments in %s: %s", call->function->name, error.text);
        return NULL;
    }
    return value ? value : intrinsic_invalid_arguments(call, detail);
}

json_t *intrinsic_json_to_string(const intrinsic_call *call, json_t *const *args, size_t count,
                                 char **detail)
{
    (void)count;
    char *text = intrinsic_json_text(args[0]);
    if (!text)
        return intrinsic_result_too_large(call, detail);
    json_t *result = json_string(text);
    free(text);
    return result;
}

static bool asks_for_deep_merge(const json_t *flag)
{
    return json_is_true(flag) ||
           (json_is_string(flag) && strcasecmp(json_string_value(flag), "true") == 0);
}

json_t *intrinsic_json_merge(const intrinsic_call *call, json_t *const *args, size_t count,
                             char **detail)
{
    (void)count;
    if (!json_is_object(args[0]) || !json_is_object(args[1]) || asks_for_deep_merge(args[2]))
        return intrinsic_invalid_arguments(call, detail);
    json_t *merged = json_copy(args[0]);
    json_object_update(merged, args[1]);
    return merged;
}
