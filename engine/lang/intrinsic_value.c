/*
 * intrinsic_value.c — JSON values as AWS's intrinsic functions see them.
 *
 * AWS Step Functions is a Java service, and several intrinsics show it:
 * States.Format prints an object argument as {Arg1=1, Arg2=[]} (Java's
 * Map.toString, recorded on AWS); States.ArrayContains compares those
 * printed forms (true matches "true", {a,b} does not match {b,a}); and
 * States.ArrayUnique returns its values in java.util.HashSet order
 * ([true, false, true] gives [false, true]). This file reproduces those
 * three views of a value — printed, compact JSON, hashed — so the function
 * files can stay short.
 *
 * Numbers: jansson keeps integers and reals apart like Jackson does (1 vs
 * 1.0). Integers print in decimal; reals print as Java's Double.toString:
 * the shortest digits that read back as the same double, plain between 1e-3
 * and 1e7 ("1.5", "100.0"), scientific outside it ("1.0E20").
 *
 * Failure cases: none; allocation failure aborts (xalloc.h). Strings from
 * jansson are valid UTF-8, which the UTF-16 helpers rely on.
 */
#include "engine/lang/intrinsic_internal.h"
#include "engine/json_text.h"
#include "engine/xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the growable buffer ----------------------------------------------- */

void intrinsic_buf_append(intrinsic_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (b->len + n + 1 > cap)
            cap *= 2;
        b->data = sf_realloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void intrinsic_buf_append_str(intrinsic_buf *b, const char *s)
{
    intrinsic_buf_append(b, s, strlen(s));
}

void intrinsic_buf_append_char(intrinsic_buf *b, char c)
{
    intrinsic_buf_append(b, &c, 1);
}

bool intrinsic_buf_over(intrinsic_buf *b)
{
    if (b->len > SF_PAYLOAD_LIMIT_BYTES)
        b->over = true;
    return b->over;
}

json_t *intrinsic_result_too_large(const intrinsic_call *call, char **detail)
{
    *detail = sf_asprintf("The result of %s would be longer than %d bytes, the maximum size of a "
                          "payload",
                          call->function->name, SF_PAYLOAD_LIMIT_BYTES);
    return NULL;
}

char *intrinsic_buf_take(intrinsic_buf *b)
{
    char *s = b->data ? b->data : sf_strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

/* ---- numbers ------------------------------------------------------------ */

/* Shortest decimal digits of v > 0 that read back as v: digits[0..*count)
 * with the decimal point after the first digit times 10^*exp10. */
static void shortest_digits(double v, char digits[20], size_t *count, int *exp10)
{
    char sci[40];
    for (int precision = 0; precision <= 16; precision++) {
        snprintf(sci, sizeof sci, "%.*e", precision, v);
        if (strtod(sci, NULL) == v)
            break;
    }
    size_t n = 0;
    const char *p = sci;
    for (; *p && *p != 'e'; p++) {
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    }
    while (n > 1 && digits[n - 1] == '0')
        n--;
    *count = n;
    *exp10 = atoi(p + 1);
}

static void append_java_double(intrinsic_buf *b, double v)
{
    if (v == 0) {
        intrinsic_buf_append_str(b, signbit(v) ? "-0.0" : "0.0");
        return;
    }
    if (v < 0) {
        intrinsic_buf_append_char(b, '-');
        v = -v;
    }
    char digits[20];
    size_t n;
    int e;
    shortest_digits(v, digits, &n, &e);
    if (v >= 1e-3 && v < 1e7) {
        if (e >= 0) {
            for (int i = 0; i <= e; i++)
                intrinsic_buf_append_char(b, (size_t)i < n ? digits[i] : '0');
            intrinsic_buf_append_char(b, '.');
            if ((size_t)e + 1 < n)
                intrinsic_buf_append(b, digits + e + 1, n - (size_t)e - 1);
            else
                intrinsic_buf_append_char(b, '0');
        } else {
            intrinsic_buf_append_str(b, "0.");
            for (int i = 0; i < -e - 1; i++)
                intrinsic_buf_append_char(b, '0');
            intrinsic_buf_append(b, digits, n);
        }
        return;
    }
    char exponent[16];
    snprintf(exponent, sizeof exponent, "E%d", e);
    intrinsic_buf_append_char(b, digits[0]);
    intrinsic_buf_append_char(b, '.');
    if (n > 1)
        intrinsic_buf_append(b, digits + 1, n - 1);
    else
        intrinsic_buf_append_char(b, '0');
    intrinsic_buf_append_str(b, exponent);
}

static void append_number(intrinsic_buf *b, const json_t *v)
{
    if (json_is_integer(v)) {
        char text[24];
        intrinsic_buf_append(b, text, sf_format_int(text, json_integer_value(v)));
    } else {
        append_java_double(b, json_real_value(v));
    }
}

bool intrinsic_number_to_int32(const json_t *v, int32_t *out)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < INT32_MIN || i > INT32_MAX)
            return false;
        *out = (int32_t)i;
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!(d > -2147483649.0 && d < 2147483648.0))
            return false;
        *out = (int32_t)d; /* C's cast truncates toward zero, as Java's does */
        return true;
    }
    return false;
}

/* ---- printing: Java's toString ----------------------------------------- */

void intrinsic_render(intrinsic_buf *b, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        intrinsic_buf_append(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        append_number(b, v);
        break;
    case JSON_TRUE:
        intrinsic_buf_append_str(b, "true");
        break;
    case JSON_FALSE:
        intrinsic_buf_append_str(b, "false");
        break;
    case JSON_NULL:
        intrinsic_buf_append_str(b, "null");
        break;
    case JSON_ARRAY: {
        intrinsic_buf_append_char(b, '[');
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            if (intrinsic_buf_over(b))
                break;
            if (i > 0)
                intrinsic_buf_append_str(b, ", ");
            intrinsic_render(b, item);
        }
        intrinsic_buf_append_char(b, ']');
        break;
    }
    case JSON_OBJECT: {
        intrinsic_buf_append_char(b, '{');
        const char *key;
        json_t *item;
        bool first = true;
        json_object_foreach((json_t *)v, key, item)
        {
            if (intrinsic_buf_over(b))
                break;
            if (!first)
                intrinsic_buf_append_str(b, ", ");
            first = false;
            intrinsic_buf_append_str(b, key);
            intrinsic_buf_append_char(b, '=');
            intrinsic_render(b, item);
        }
        intrinsic_buf_append_char(b, '}');
        break;
    }
    }
}

char *intrinsic_render_text(const json_t *v)
{
    intrinsic_buf b = {0};
    intrinsic_render(&b, v);
    return intrinsic_buf_take(&b);
}

/* ---- compact JSON ------------------------------------------------------ */

/* Escapes as Jackson writes them: the two-character forms where JSON has
 * one, \u00XX (uppercase) for other control characters, nothing else. */
static void append_json_string(intrinsic_buf *b, const char *s, size_t len)
{
    intrinsic_buf_append_char(b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *escape = NULL;
        char code[8];
        switch (c) {
        case '"':
            escape = "\\\"";
            break;
        case '\\':
            escape = "\\\\";
            break;
        case '\b':
            escape = "\\b";
            break;
        case '\f':
            escape = "\\f";
            break;
        case '\n':
            escape = "\\n";
            break;
        case '\r':
            escape = "\\r";
            break;
        case '\t':
            escape = "\\t";
            break;
        default:
            if (c < 0x20) {
                snprintf(code, sizeof code, "\\u%04X", c);
                escape = code;
            }
        }
        if (escape)
            intrinsic_buf_append_str(b, escape);
        else
            intrinsic_buf_append_char(b, (char)c);
    }
    intrinsic_buf_append_char(b, '"');
}

static void append_json(intrinsic_buf *b, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        append_json_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_ARRAY: {
        intrinsic_buf_append_char(b, '[');
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            if (intrinsic_buf_over(b))
                break;
            if (i > 0)
                intrinsic_buf_append_char(b, ',');
            append_json(b, item);
        }
        intrinsic_buf_append_char(b, ']');
        break;
    }
    case JSON_OBJECT: {
        intrinsic_buf_append_char(b, '{');
        const char *key;
        json_t *item;
        bool first = true;
        json_object_foreach((json_t *)v, key, item)
        {
            if (intrinsic_buf_over(b))
                break;
            if (!first)
                intrinsic_buf_append_char(b, ',');
            first = false;
            append_json_string(b, key, strlen(key));
            intrinsic_buf_append_char(b, ':');
            append_json(b, item);
        }
        intrinsic_buf_append_char(b, '}');
        break;
    }
    default: /* numbers and literals print the same as toString */
        intrinsic_render(b, v);
    }
}

char *intrinsic_json_text(const json_t *v)
{
    intrinsic_buf b = {0};
    append_json(&b, v);
    if (intrinsic_buf_over(&b)) {
        free(b.data);
        return NULL;
    }
    return intrinsic_buf_take(&b);
}

/* ---- UTF-8 / UTF-16 ---------------------------------------------------- */

uint32_t intrinsic_utf8_next(const char *s, size_t len, size_t *i)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t c = u[*i];
    size_t extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    if (extra)
        c &= 0x3f >> extra;
    (*i)++;
    for (; extra > 0 && *i < len; extra--, (*i)++)
        c = c << 6 | (u[*i] & 0x3f);
    return c;
}

size_t intrinsic_utf16_length(const char *s, size_t len)
{
    size_t units = 0;
    for (size_t i = 0; i < len;)
        units += intrinsic_utf8_next(s, len, &i) > 0xffff ? 2 : 1;
    return units;
}

/* ---- Java hashCode ----------------------------------------------------- */

static uint32_t java_string_hash(const char *s, size_t len)
{
    uint32_t h = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c = intrinsic_utf8_next(s, len, &i);
        if (c > 0xffff) {
            c -= 0x10000;
            h = 31 * h + (0xd800 + (c >> 10));
            h = 31 * h + (0xdc00 + (c & 0x3ff));
        } else {
            h = 31 * h + c;
        }
    }
    return h;
}

/* Jackson reads an integer into Integer when it fits, else Long. */
static uint32_t java_integer_hash(json_int_t i)
{
    if (i >= INT32_MIN && i <= INT32_MAX)
        return (uint32_t)(int32_t)i;
    uint64_t bits = (uint64_t)i;
    return (uint32_t)(bits ^ (bits >> 32));
}

static uint32_t java_double_hash(double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    return (uint32_t)(bits ^ (bits >> 32));
}

static uint32_t java_hash(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return java_string_hash(json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return java_integer_hash(json_integer_value(v));
    case JSON_REAL:
        return java_double_hash(json_real_value(v));
    case JSON_TRUE:
        return 1231; /* Boolean.hashCode */
    case JSON_FALSE:
        return 1237;
    case JSON_NULL:
        return 0;
    case JSON_ARRAY: { /* List.hashCode */
        uint32_t h = 1;
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) h = 31 * h + java_hash(item);
        return h;
    }
    case JSON_OBJECT: { /* Map.hashCode: sum of key ^ value */
        uint32_t h = 0;
        const char *key;
        json_t *item;
        json_object_foreach((json_t *)v, key, item) h +=
            java_string_hash(key, strlen(key)) ^ java_hash(item);
        return h;
    }
    }
    return 0;
}

int32_t intrinsic_java_hash(const json_t *v)
{
    return (int32_t)java_hash(v);
}
