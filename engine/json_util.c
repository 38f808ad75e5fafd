/* json_util.c — see json_util.h. */
#include "engine/json_util.h"
#include "engine/json_text.h"
#include "engine/limits.h"
#include "engine/xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

const char *sf_json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_NULL:
    default:
        return "null";
    }
}

bool sf_json_as_integer(const json_t *v, long long *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (isfinite(d) && d == floor(d) && fabs(d) < 9.0e15) {
            *out = (long long)d;
            return true;
        }
    }
    return false;
}

char *sf_read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = sf_malloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            buf = sf_realloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int failed = ferror(f);
    int saved = errno;
    if (f != stdin)
        fclose(f);
    if (failed) {
        free(buf);
        errno = saved ? saved : EIO;
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

json_t *sf_json_parse(const char *text, size_t len, char *errbuf, size_t errlen)
{
    json_error_t jerr;
    json_t *v = sf_json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (v)
        return v;
    if (jerr.line > 0)
        snprintf(errbuf, errlen, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
    else
        snprintf(errbuf, errlen, "%s", jerr.text);
    return NULL;
}

/* ---- Depth ----
 *
 * Every recursive walk over a value (writing it, copying, comparing and
 * freeing it in jansson, JSONPath's "..") takes a frame per level, so no
 * value deeper than SF_JSON_DEPTH_LIMIT may enter: jansson's parser alone
 * would let 2048 levels through. Checking after the parse costs a walk over
 * the value's nodes, a fraction of the parse itself. */

static bool within(const json_t *v, int room)
{
    size_t n;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        if (room == 0)
            return false;
        for (void *it = json_object_iter((json_t *)v); it;
             it = json_object_iter_next((json_t *)v, it))
            if (!within(json_object_iter_value(it), room - 1))
                return false;
        return true;
    case JSON_ARRAY:
        if (room == 0)
            return false;
        n = json_array_size(v);
        for (size_t i = 0; i < n; i++)
            if (!within(json_array_get(v, i), room - 1))
                return false;
        return true;
    default:
        return true;
    }
}

bool sf_json_depth_within(const json_t *v, int limit)
{
    return !v || within(v, limit);
}

static void set_too_deep(json_error_t *error)
{
    snprintf(error->text, JSON_ERROR_TEXT_LENGTH - 1,
             "objects and arrays nested deeper than %d levels (the limit)", SF_JSON_DEPTH_LIMIT);
    error->text[JSON_ERROR_TEXT_LENGTH - 1] = (char)json_error_stack_overflow;
}

json_t *sf_json_loadb(const char *text, size_t len, size_t flags, json_error_t *error)
{
    json_error_t own;
    if (!error)
        error = &own;
    json_t *v = json_loadb(text, len, flags, error);
    if (!v) {
        if (json_error_code(error) == json_error_stack_overflow)
            set_too_deep(error); /* jansson's "maximum parsing depth reached" */
        return NULL;
    }
    if (within(v, SF_JSON_DEPTH_LIMIT))
        return v;
    json_decref(v);
    error->line = error->column = -1;
    error->position = 0;
    set_too_deep(error);
    return NULL;
}

/* Append "/token" for the member or element about to be entered. */
static void put_token(sf_text *ptr, const char *key, size_t index)
{
    sf_text_put(ptr, "/", 1);
    if (!key) {
        sf_text_put_int(ptr, (long long)index);
        return;
    }
    for (; *key; key++) {
        if (*key == '~')
            sf_text_put(ptr, "~0", 2);
        else if (*key == '/')
            sf_text_put(ptr, "~1", 2);
        else
            sf_text_put(ptr, key, 1);
    }
}

/* As within(), leaving in ptr the pointer of the container found too deep. */
static bool find_too_deep(const json_t *v, int room, sf_text *ptr)
{
    if (!json_is_object(v) && !json_is_array(v))
        return false;
    if (room == 0)
        return true;
    size_t mark = ptr->len;
    if (json_is_object(v)) {
        for (void *it = json_object_iter((json_t *)v); it;
             it = json_object_iter_next((json_t *)v, it)) {
            put_token(ptr, json_object_iter_key(it), 0);
            if (find_too_deep(json_object_iter_value(it), room - 1, ptr))
                return true;
            ptr->len = mark;
        }
        return false;
    }
    for (size_t i = 0; i < json_array_size(v); i++) {
        put_token(ptr, NULL, i);
        if (find_too_deep(json_array_get(v, i), room - 1, ptr))
            return true;
        ptr->len = mark;
    }
    return false;
}

char *sf_json_too_deep_pointer(const json_t *v, int limit)
{
    sf_text ptr = {0};
    sf_text_put(&ptr, "", 0);
    if (v && find_too_deep(v, limit, &ptr))
        return ptr.data;
    sf_text_free(&ptr);
    return NULL;
}

char *sf_folder_of(const char *path)
{
    char *copy = sf_strdup(path);
    char resolved[PATH_MAX];
    char *dir = realpath(dirname(copy), resolved) ? sf_strdup(resolved) : NULL;
    free(copy);
    return dir;
}
