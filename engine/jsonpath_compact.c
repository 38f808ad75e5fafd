/*
 * jsonpath_compact.c — sf_json_compact: JSON text of a value the way AWS
 * quotes it inside error causes ('{"flagged":false}').
 *
 * Why not json_dumps(JSON_COMPACT): jansson prints every real with 17
 * significant digits, so 8.95 becomes 8.9499999999999993, which AWS (Java)
 * never shows. Here a real gets the shortest form that reads back as the
 * same double (15, 16 or 17 digits) and keeps a ".0" when it is whole, as
 * Java does. The rest matches jansson's compact output: no spaces, keys in
 * insertion order, '/' and non-ASCII characters left as they are (UTF-8),
 * only '"', '\\' and control characters escaped.
 *
 * NULL prints as "null" (a missing value in a message). Allocation failure
 * aborts, as everywhere in the engine.
 */
#include "engine/jsonpath.h"
#include "engine/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct text_buffer {
    char *data;
    size_t len, cap;
} text_buffer;

static void put(text_buffer *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        while (b->len + n + 1 > b->cap)
            b->cap = b->cap ? b->cap * 2 : 256;
        b->data = sf_realloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void put_str(text_buffer *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put_string(text_buffer *b, const char *s, size_t n)
{
    put(b, "\"", 1);
    size_t run = 0; /* characters copied as they are, flushed in one put */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        put(b, s + i - run, run);
        run = 0;
        char esc[8];
        const char *named = c == '"'    ? "\\\""
                            : c == '\\' ? "\\\\"
                            : c == '\b' ? "\\b"
                            : c == '\f' ? "\\f"
                            : c == '\n' ? "\\n"
                            : c == '\r' ? "\\r"
                            : c == '\t' ? "\\t"
                                        : NULL;
        if (!named) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            named = esc;
        }
        put_str(b, named);
    }
    put(b, s + n - run, run);
    put(b, "\"", 1);
}

static void put_real(text_buffer *b, double d)
{
    char text[40];
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(text, sizeof text, "%.*g", precision, d);
        if (strtod(text, NULL) == d)
            break;
    }
    for (char *c = text; *c; c++)
        if (*c == ',') /* a locale's decimal comma */
            *c = '.';
    if (!strpbrk(text, ".eE"))
        strcat(text, ".0");
    put_str(b, text);
}

static void put_value(text_buffer *b, json_t *v);

static void put_object(text_buffer *b, json_t *v)
{
    put(b, "{", 1);
    bool first = true;
    for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
        if (!first)
            put(b, ",", 1);
        first = false;
        put_string(b, json_object_iter_key(it), json_object_iter_key_len(it));
        put(b, ":", 1);
        put_value(b, json_object_iter_value(it));
    }
    put(b, "}", 1);
}

static void put_array(text_buffer *b, json_t *v)
{
    put(b, "[", 1);
    size_t n = json_array_size(v);
    for (size_t i = 0; i < n; i++) {
        if (i)
            put(b, ",", 1);
        put_value(b, json_array_get(v, i));
    }
    put(b, "]", 1);
}

static void put_value(text_buffer *b, json_t *v)
{
    char number[32];
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        put_object(b, v);
        break;
    case JSON_ARRAY:
        put_array(b, v);
        break;
    case JSON_STRING:
        put_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        snprintf(number, sizeof number, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        put_str(b, number);
        break;
    case JSON_REAL:
        put_real(b, json_real_value(v));
        break;
    case JSON_TRUE:
        put_str(b, "true");
        break;
    case JSON_FALSE:
        put_str(b, "false");
        break;
    case JSON_NULL:
        put_str(b, "null");
        break;
    }
}

char *sf_json_compact(const json_t *v)
{
    text_buffer b = {0};
    if (!v)
        put_str(&b, "null");
    else /* jansson's iteration API takes non-const values; nothing is changed */
        put_value(&b, (json_t *)v);
    return b.data;
}
