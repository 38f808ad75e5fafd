/*
 * intrinsic_internal.h — what the intrinsic-function files share; not part of
 * the engine's interface (that is intrinsics.h).
 *
 *   intrinsic_parse.c      text -> call tree (syntax, names, arity, depth)
 *   intrinsics.c           the function table, evaluation, AWS's error text
 *   intrinsic_array.c      States.Array*, the array functions
 *   intrinsic_string.c     Format, StringSplit, Base64*, Hash
 *   intrinsic_json.c       StringToJson, JsonToString, JsonMerge
 *   intrinsic_math.c       MathRandom, MathAdd, UUID: numbers and randomness
 *   intrinsic_value.c      how AWS prints, compares and hashes values
 *
 * A function implementation receives its evaluated arguments (borrowed) and
 * returns a new reference, or NULL with *detail set to a malloc'd message
 * that becomes the end of the cause: "Invalid arguments in States.MathAdd".
 */
#ifndef SF_INTRINSIC_INTERNAL_H
#define SF_INTRINSIC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "engine/lang/jsonpath.h"
#include "engine/limits.h"

typedef struct intrinsic_call intrinsic_call;

typedef json_t *(*intrinsic_impl)(const intrinsic_call *call, json_t *const *args, size_t count,
                                  char **detail);

typedef struct intrinsic_function {
    const char *name; /* "States.Format" */
    size_t min_args;
    size_t max_args; /* INTRINSIC_VARIADIC: no upper bound */
    intrinsic_impl impl;
} intrinsic_function;

#define INTRINSIC_VARIADIC SIZE_MAX

/* AWS: "You can nest up to 10 intrinsic functions within a field". */
#define INTRINSIC_MAX_DEPTH SF_INTRINSIC_NESTING_LIMIT

typedef enum intrinsic_arg_kind {
    INTRINSIC_ARG_LITERAL, /* 'text', 12, -1.5, true, false, null */
    INTRINSIC_ARG_PATH,    /* $.x, $$.Execution.Id, $var */
    INTRINSIC_ARG_CALL,    /* States.Xxx(...) */
} intrinsic_arg_kind;

typedef struct intrinsic_arg {
    intrinsic_arg_kind kind;
    size_t offset;        /* where the argument starts in the call's text */
    json_t *literal;      /* LITERAL: the value, escapes resolved */
    char *raw_string;     /* LITERAL string: text between the quotes with its
                             escapes kept, so States.Format can tell an escaped
                             \{ from a placeholder; NULL otherwise */
    sf_path *path;        /* PATH */
    intrinsic_call *call; /* CALL */
} intrinsic_arg;

struct intrinsic_call {
    const intrinsic_function *function;
    size_t offset; /* of "States." */
    intrinsic_arg *args;
    size_t arg_count;
};

/* intrinsics.c: the table, looked up by exact name text[0..len). */
const intrinsic_function *intrinsic_function_find(const char *name, size_t len);

/* intrinsic_parse.c: parse a whole call. NULL and *error (malloc'd) on a
 * syntax error (with its offset), an unknown name, a wrong argument count,
 * a bad path or nesting deeper than INTRINSIC_MAX_DEPTH. */
intrinsic_call *intrinsic_parse(const char *text, char **error);
void intrinsic_call_free(intrinsic_call *call);

/* The "Invalid arguments in States.X" detail every type or value check
 * reports (AWS's wording). Always returns NULL, for `return fail(...)`. */
json_t *intrinsic_invalid_arguments(const intrinsic_call *call, char **detail);

/* ---- function implementations (one per table entry) ------------------- */

json_t *intrinsic_array(const intrinsic_call *, json_t *const *, size_t, char **);
json_t *intrinsic_array_partition(const intrinsic_call *, json_t *const *, size_t, char **);
json_t *intrinsic_array_contains(const intrinsic_call *, json_t *const *, size_t, char **);
json_t *intrinsic_array_range(const intrinsic_call *, json_t *const *, size_t, char **);
json_t *intrinsic_array_get_item(const intrinsic_call *, json_t *const *, size_t, char **);
json_t *intrinsic_array_length(const intrinsic_call *, json_t *const *, size_t, char **);
json_t *intrinsic_array_unique(const intrinsic_call *, json_t *const *, size_t, char **);
json_t *intrinsic_format(const intrinsic_call *, json_t *const *, size_t, char **);
json_t *intrinsic_string_split(const intrinsic_call *, json_t *const *, size_t, char **);
json_t *intrinsic_base64_encode(const intrinsic_call *, json_t *const *, size_t, char **);
json_t *intrinsic_base64_decode(const intrinsic_call *, json_t *const *, size_t, char **);
json_t *intrinsic_hash(const intrinsic_call *, json_t *const *, size_t, char **);
json_t *intrinsic_uuid(const intrinsic_call *, json_t *const *, size_t, char **);
json_t *intrinsic_string_to_json(const intrinsic_call *, json_t *const *, size_t, char **);
json_t *intrinsic_json_to_string(const intrinsic_call *, json_t *const *, size_t, char **);
json_t *intrinsic_json_merge(const intrinsic_call *, json_t *const *, size_t, char **);
json_t *intrinsic_math_random(const intrinsic_call *, json_t *const *, size_t, char **);
json_t *intrinsic_math_add(const intrinsic_call *, json_t *const *, size_t, char **);

/* ---- intrinsic_value.c: values as AWS (a Java service) sees them ------- */

/* A growable, always NUL-terminated string. Printing a value stops once
 * len passes SF_PAYLOAD_LIMIT_BYTES (checked per element, setting `over`):
 * no such string fits in a state's output, and a value that shares one big
 * part many times (States.Array($, $, ...)) would otherwise be printed in
 * full, however large. */
typedef struct intrinsic_buf {
    char *data;
    size_t len;
    size_t cap;
    bool over;
} intrinsic_buf;

/* True (and b->over set) once b is past the payload limit. */
bool intrinsic_buf_over(intrinsic_buf *b);
/* The detail for a result past the payload limit; returns NULL. */
json_t *intrinsic_result_too_large(const intrinsic_call *call, char **detail);

void intrinsic_buf_append(intrinsic_buf *b, const char *s, size_t n);
void intrinsic_buf_append_str(intrinsic_buf *b, const char *s);
void intrinsic_buf_append_char(intrinsic_buf *b, char c);
/* Hand over the string (never NULL, "" when nothing was appended). */
char *intrinsic_buf_take(intrinsic_buf *b);

/* How States.Format prints an argument, which is Java's toString of the
 * value: strings raw, numbers as Java prints them (1, 1.5, 1.0E20), null,
 * true, arrays "[1, a, [2]]", objects "{k=v, k2=[]}". Appends to b. */
void intrinsic_render(intrinsic_buf *b, const json_t *v);
char *intrinsic_render_text(const json_t *v);

/* Compact JSON text (States.JsonToString): like JSON_COMPACT, but numbers
 * printed as AWS prints them (1.1, not 1.1000000000000001). malloc'd;
 * NULL when it would be longer than the payload limit. */
char *intrinsic_json_text(const json_t *v);

/* Java's hashCode of the value as a java.util Map/List/String/Integer/...
 * States.ArrayUnique uses it to order its result as AWS's HashSet does. */
int32_t intrinsic_java_hash(const json_t *v);

/* The length Java reports for a string: UTF-16 code units. AWS's character
 * limits (Base64, Hash: 10,000) count these. */
size_t intrinsic_utf16_length(const char *s, size_t len);

/* Decode one UTF-8 code point at s[*i] (advancing *i). The input comes from
 * jansson, so it is valid UTF-8. */
uint32_t intrinsic_utf8_next(const char *s, size_t len, size_t *i);

/* A JSON number as an integer the way AWS converts it: truncation toward
 * zero (Java's (int) cast) for ArrayRange, ArrayPartition, ArrayGetItem and
 * MathRandom. False when v is not a number or out of the int32 range. */
bool intrinsic_number_to_int32(const json_t *v, int32_t *out);

#endif
