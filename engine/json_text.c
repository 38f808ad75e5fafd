/*
 * json_text.c — see json_text.h.
 *
 * Why not json_dumps(JSON_COMPACT): jansson prints every real with 17
 * significant digits, so 8.95 becomes 8.9499999999999993, which AWS (Java)
 * never shows; and it writes through a callback per fragment, which costs
 * more than the rest of a Pass state. Here a real gets the shortest form
 * that reads back as the same double (15, 16 or 17 digits) and keeps a ".0"
 * when it is whole, as Java does; everything else is copied in runs.
 */
#include "engine/json_text.h"
#include "engine/lang/jsonpath.h"
#include "engine/limits.h"
#include "engine/xalloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

typedef sf_text text_buffer;

/* Give back t's buffer, malloc's or a mapping of its own. */
static void release_buffer(sf_text *t)
{
    if (t->mapped)
        munmap(t->data, t->cap);
    else
        free(t->data);
    t->mapped = false;
}

void sf_text_reserve(sf_text *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (b->len + extra + 1 > cap)
        cap *= 2;
    if (b->big_pages && cap >= SF_TEXT_BIG_FROM) {
        size_t size = (cap + SF_HUGE_PAGE_BYTES - 1) & ~(SF_HUGE_PAGE_BYTES - 1);
        char *data = sf_map_huge_pages(size);
        if (data) {
            if (b->data)
                memcpy(data, b->data, b->len + 1);
            release_buffer(b);
            b->data = data;
            b->cap = size;
            b->mapped = true;
            return;
        }
    }
    if (b->mapped) { /* no new mapping: back to malloc */
        char *data = sf_malloc(cap);
        memcpy(data, b->data, b->len + 1);
        release_buffer(b);
        b->data = data;
    } else {
        b->data = sf_realloc(b->data, cap);
    }
    b->cap = cap;
}

static inline void put(text_buffer *b, const char *s, size_t n)
{
    sf_text_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void put_str(text_buffer *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Bytes that need escaping inside a JSON string: '"', '\\' and controls. */
/* clang-format off */
static const unsigned char needs_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, ['"'] = 1, ['\\'] = 1,
};
/* clang-format on */

/* Write the escape of a byte that needs one: a backslash and a letter for
 * the named ones, \u00XX for other controls. Returns its length. */
static size_t escape_of(unsigned char c, char *out)
{
    static const char hex[] = "0123456789abcdef";
    char named = c == '"'    ? '"'
                 : c == '\\' ? '\\'
                 : c == '\b' ? 'b'
                 : c == '\f' ? 'f'
                 : c == '\n' ? 'n'
                 : c == '\r' ? 'r'
                 : c == '\t' ? 't'
                             : 0;
    out[0] = '\\';
    if (named) {
        out[1] = named;
        return 2;
    }
    memcpy(out + 1, "u00", 3);
    out[4] = hex[c >> 4];
    out[5] = hex[c & 0xF];
    return 6;
}

/* True when any of the 8 bytes in w is below 0x20, '"' or '\\' (the
 * classic "has a zero byte" bit trick applied to w, w ^ '"' and w ^ '\\'). */
static inline uint64_t escape_bits(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
    uint64_t control = (w - ones * 0x20) & ~w;
    uint64_t q = (quote - ones) & ~quote, bs = (backslash - ones) & ~backslash;
    return (control | q | bs) & highs;
}

static inline bool word_needs_escape(uint64_t w)
{
    return escape_bits(w) != 0;
}

/* Escape s into w, where the caller has reserved room for the worst case:
 * once, for a JSON string, or twice (`twice`) for JSON text that sits
 * inside a JSON string, where the first escape's backslashes and quotes are
 * escaped again (\n becomes \\n). Plain runs are copied eight bytes at a
 * time, the rest one by one; JSON text nested in a string (the input and
 * output of every history event) has a quote every few bytes, so both
 * paths are hot. Returns the end of what was written and adds to *once_len
 * the length of the once-escaped form. Inlined into its two callers, so
 * that each gets a copy with `twice` fixed. */
/* Whether any of the n <= 16 bytes at s needs an escape, reading them as
 * at most two overlapping words (two overlapping 4-byte reads make one).
 * Keys and most string values are this short. */
static inline bool short_needs_escape(const char *s, size_t n)
{
    if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        return (escape_bits(a) | escape_bits(b)) != 0;
    }
    if (n >= 4) { /* both halves in one word */
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        return word_needs_escape((uint64_t)a | (uint64_t)b << 32);
    }
    unsigned char any = 0;
    for (size_t i = 0; i < n; i++)
        any |= needs_escape[(unsigned char)s[i]];
    return any != 0;
}

/* Copy n <= 16 bytes with at most two overlapping moves of a fixed size,
 * which the compiler inlines (a copy of variable length is a call). */
static inline void copy_short(char *w, const char *s, size_t n)
{
    if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(w, &a, 8);
        memcpy(w + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(w, &a, 4);
        memcpy(w + n - 4, &b, 4);
    } else if (n > 0) {
        w[0] = s[0];
        w[n / 2] = s[n / 2];
        w[n - 1] = s[n - 1];
    }
}

static inline __attribute__((always_inline)) char *escape_into(char *w, const char *s, size_t n,
                                                               bool twice, size_t *once_len)
{
    size_t i = 0, once = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t word;
            memcpy(&word, s + i, 8);
            if (!word_needs_escape(word)) {
                memcpy(w, s + i, 8);
                w += 8;
                i += 8;
                once += 8;
                continue;
            }
        }
        unsigned char c = (unsigned char)s[i++];
        if (!needs_escape[c]) {
            *w++ = (char)c;
            once++;
            continue;
        }
        char escape[6];
        size_t k = escape_of(c, escape);
        once += k;
        for (size_t j = 0; j < k; j++) {
            if (twice && (escape[j] == '\\' || escape[j] == '"'))
                *w++ = '\\';
            *w++ = escape[j];
        }
    }
    *once_len += once;
    return w;
}

static __attribute__((noinline)) void put_string_escaping(text_buffer *b, const char *s,
                                                          size_t n)
{
    size_t once = 0;
    sf_text_reserve(b, 6 * n + 2);
    char *w = b->data + b->len;
    *w++ = '"';
    w = escape_into(w, s, n, false, &once);
    *w++ = '"';
    *w = '\0';
    b->len = (size_t)(w - b->data);
}

/* Most strings (keys, names, short values) are at most 16 bytes with
 * nothing to escape: those are copied inline, the rest go the long way. */
static inline void put_string(text_buffer *b, const char *s, size_t n)
{
    if (n > 16 || short_needs_escape(s, n)) {
        put_string_escaping(b, s, n);
        return;
    }
    if (b->len + n + 3 > b->cap)
        sf_text_reserve(b, n + 2);
    char *w = b->data + b->len;
    w[0] = '"';
    copy_short(w + 1, s, n);
    w[n + 1] = '"';
    w[n + 2] = '\0';
    b->len += n + 2;
}

/* The decimal digits of u, written backwards ending at `end`; returns where
 * they start. Two digits per step from a table: event ids are written twice
 * per history line. */
static char *write_digits(char *end, unsigned long long u)
{
    static const char pairs[201] = "00010203040506070809101112131415161718192021222324252627282930"
                                   "31323334353637383940414243444546474849505152535455565758596061"
                                   "62636465666768697071727374757677787980818283848586878889909192"
                                   "93949596979899";
    char *p = end;
    while (u >= 100) {
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        p -= 2;
        memcpy(p, pairs + 2 * r, 2);
    }
    if (u >= 10) {
        p -= 2;
        memcpy(p, pairs + 2 * u, 2);
    } else {
        *--p = (char)('0' + u);
    }
    return p;
}

/* Most reals in data are short decimals (prices, ratios: 1.5, 8.95, 120.0).
 * Such a value is m / 10^k for an integer m of at most 15 digits; then
 * "%.15g" prints exactly those digits, so writing m with a decimal point
 * gives the same text as the printf path below at a tenth of the cost.
 * The quotient check makes it exact: IEEE division is correctly rounded, so
 * m / 10^k == d means d is the double nearest that decimal, the one strtod
 * reads back. Returns false when d is not such a value. */
static bool put_short_decimal(text_buffer *b, double d)
{
    static const double powers[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    double magnitude = d < 0 ? -d : d;
    if (!(magnitude >= 1e-4 && magnitude < 1e15)) /* %g's fixed notation range; not 0, NaN */
        return false;
    for (int k = 0; k < (int)(sizeof powers / sizeof powers[0]); k++) {
        double scaled = magnitude * powers[k];
        if (scaled >= 1e15)
            return false;
        long long m = (long long)scaled;
        if ((double)m != scaled || (double)m / powers[k] != magnitude)
            continue;
        while (k > 0 && m % 10 == 0) { /* the shortest: 1.50 is 1.5 */
            m /= 10;
            k--;
        }
        char buffer[24];
        const char *digits = write_digits(buffer + sizeof buffer, (unsigned long long)m);
        int n = (int)(buffer + sizeof buffer - digits);
        char text[40], *w = text;
        if (d < 0)
            *w++ = '-';
        if (k == 0) {
            memcpy(w, digits, (size_t)n);
            memcpy(w + n, ".0", 2);
            w += n + 2;
        } else if (n > k) {
            memcpy(w, digits, (size_t)(n - k));
            w += n - k;
            *w++ = '.';
            memcpy(w, digits + n - k, (size_t)k);
            w += k;
        } else {
            *w++ = '0';
            *w++ = '.';
            memset(w, '0', (size_t)(k - n));
            w += k - n;
            memcpy(w, digits, (size_t)n);
            w += n;
        }
        put(b, text, (size_t)(w - text));
        return true;
    }
    return false;
}

static void put_real(text_buffer *b, double d)
{
    if (put_short_decimal(b, d))
        return;
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

/* ---- Writing a value ----
 *
 * One walk over the value serves two forms: plain JSON text, and JSON text
 * already escaped as the content of a JSON string (see "JSON text inside a
 * JSON string" below). Only strings differ between them: `extra` counts the
 * bytes their second escaping added, so the plain text's length is what
 * was written less that. The walk writes its pieces unterminated; the
 * buffer is terminated once, when the value is done. */
typedef struct value_writer {
    text_buffer *b;
    bool nested;    /* inside a string literal */
    size_t extra;   /* nested: written bytes the plain text does not have */
    int depth_left; /* objects and arrays that may still open */
    size_t stop_at; /* b->len - extra past which elements are no longer written */
    bool too_deep;  /* a container past the depth limit was written as null */
    bool too_long;  /* stopped at stop_at: the text is cut short */
} value_writer;

/* Limits of a walk (see "Writing a value" above): the depth bounds the
 * recursion whatever the value, the length stops a value that shares one
 * big part many times ([$, $, $, ...]) from being written out in full before
 * the caller can refuse it. Checked once per container and per element,
 * never per byte. */
#define WRITER_INIT(buffer, is_nested)                                                             \
    {                                                                                              \
        .b = (buffer), .nested = (is_nested), .depth_left = SF_JSON_DEPTH_LIMIT,                   \
        .stop_at = SIZE_MAX                                                                        \
    }

static inline bool container_opens(value_writer *w)
{
    if (w->depth_left > 0) {
        w->depth_left--;
        return true;
    }
    w->too_deep = true;
    return false;
}

static inline bool past_length(value_writer *w)
{
    if (w->b->len - w->extra <= w->stop_at)
        return false;
    w->too_long = true;
    return true;
}

static inline void nested_put_string(value_writer *w, const char *s, size_t len);

/* Room for n more bytes and the terminator; returns where they go. */
static inline char *room(text_buffer *b, size_t n)
{
    if (b->len + n + 1 > b->cap)
        sf_text_reserve(b, n);
    return b->data + b->len;
}

static inline void write_char(value_writer *w, char c)
{
    *room(w->b, 1) = c;
    w->b->len++;
}

static inline void write_plain(value_writer *w, const char *s, size_t len)
{
    memcpy(room(w->b, len), s, len);
    w->b->len += len;
}

static void write_string(value_writer *w, const char *s, size_t len)
{
    if (w->nested)
        nested_put_string(w, s, len);
    else
        put_string(w->b, s, len);
}

static void write_value(value_writer *w, json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        if (!container_opens(w)) {
            write_plain(w, "null", 4);
            return;
        }
        char sep = '{';
        for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
            if (past_length(w))
                break;
            write_char(w, sep);
            sep = ',';
            write_string(w, json_object_iter_key(it), json_object_iter_key_len(it));
            write_char(w, ':');
            write_value(w, json_object_iter_value(it));
        }
        if (sep == '{')
            write_char(w, '{');
        write_char(w, '}');
        w->depth_left++;
        return;
    }
    case JSON_ARRAY: {
        if (!container_opens(w)) {
            write_plain(w, "null", 4);
            return;
        }
        size_t n = json_array_size(v);
        write_char(w, '[');
        for (size_t i = 0; i < n && !past_length(w); i++) {
            if (i)
                write_char(w, ',');
            write_value(w, json_array_get(v, i));
        }
        write_char(w, ']');
        w->depth_left++;
        return;
    }
    case JSON_STRING:
        write_string(w, json_string_value(v), json_string_length(v));
        return;
    /* Numbers and literals hold nothing that needs escaping. */
    case JSON_INTEGER:
        sf_text_put_int(w->b, json_integer_value(v));
        return;
    case JSON_REAL:
        put_real(w->b, json_real_value(v));
        return;
    case JSON_TRUE:
        write_plain(w, "true", 4);
        return;
    case JSON_FALSE:
        write_plain(w, "false", 5);
        return;
    case JSON_NULL:
        write_plain(w, "null", 4);
        return;
    }
}

/* Compact JSON of v (NULL prints as null). */
static void put_value(text_buffer *b, const json_t *v)
{
    value_writer w = WRITER_INIT(b, false);
    if (!v)
        put_str(b, "null");
    else /* jansson's iteration API takes non-const values; nothing is changed */
        write_value(&w, (json_t *)v);
    room(b, 0)[0] = '\0';
}

char *sf_json_compact(const json_t *v)
{
    text_buffer b = {0};
    put_value(&b, v);
    return b.data;
}

void sf_text_puts(sf_text *t, const char *s)
{
    put(t, s, strlen(s));
}

void sf_text_put_string(sf_text *t, const char *s, size_t n)
{
    put_string(t, s, n);
}

/* Decimal digits in u: its bit length gives the count to within one. */
static inline unsigned decimal_length(unsigned long long u)
{
    static const unsigned long long powers[20] = {1ULL,
                                                  10ULL,
                                                  100ULL,
                                                  1000ULL,
                                                  10000ULL,
                                                  100000ULL,
                                                  1000000ULL,
                                                  10000000ULL,
                                                  100000000ULL,
                                                  1000000000ULL,
                                                  10000000000ULL,
                                                  100000000000ULL,
                                                  1000000000000ULL,
                                                  10000000000000ULL,
                                                  100000000000000ULL,
                                                  1000000000000000ULL,
                                                  10000000000000000ULL,
                                                  100000000000000000ULL,
                                                  1000000000000000000ULL,
                                                  10000000000000000000ULL};
    if (u < 10)
        return 1;
    unsigned bits = 64 - (unsigned)__builtin_clzll(u);
    unsigned guess = (bits * 1233) >> 12; /* 1233 / 4096 ~ log10(2); at most 19 */
    return guess + 1 - (u < powers[guess]);
}

/* v's decimal digits (and sign) at out; returns their count. out has room
 * for the longest, 20. */
static inline size_t format_int(char *out, long long v)
{
    char *w = out;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    if (v < 0)
        *w++ = '-';
    char *end = w + decimal_length(u);
    write_digits(end, u);
    return (size_t)(end - out);
}

size_t sf_format_int(char *out, long long v)
{
    return format_int(out, v);
}

void sf_text_put_int(sf_text *t, long long v)
{
    /* Straight into the buffer, its length known first: every history line
     * has two (the event id and the previous one). */
    enum { MOST = 21 }; /* "-9223372036854775808" */
    if (t->len + MOST + 1 > t->cap)
        sf_text_reserve(t, MOST);
    t->len += format_int(t->data + t->len, v);
    t->data[t->len] = '\0';
}

void sf_text_put_json(sf_text *t, const json_t *v)
{
    put_value(t, v);
}

/* ---- JSON text inside a JSON string ----
 *
 * History events hold a state's input and output as JSON text in a string
 * ("input":"{\"id\":1}"). Writing the value straight into that form, rather
 * than writing its text and then escaping the text, passes over the bytes
 * once. A quote is written \", and a string's own escapes are escaped
 * again (\\n, \\\"). `raw` counts the length the plain text would have. */
static __attribute__((noinline)) void nested_put_string_escaping(value_writer *n, const char *s,
                                                                 size_t len)
{
    /* Worst case per byte: a control character, \u00XX, becomes \\u00XX. */
    char *start = room(n->b, 7 * len + 4), *w = start;
    size_t once = 0;
    *w++ = '\\';
    *w++ = '"';
    w = escape_into(w, s, len, true, &once);
    *w++ = '\\';
    *w++ = '"';
    n->b->len += (size_t)(w - start);
    n->extra += (size_t)(w - start) - (once + 2); /* the plain text: "once" */
}

/* As put_string: short plain strings inline, \"text\". */
static inline void nested_put_string(value_writer *n, const char *s, size_t len)
{
    if (len > 16 || short_needs_escape(s, len)) {
        nested_put_string_escaping(n, s, len);
        return;
    }
    char *w = room(n->b, len + 4);
    w[0] = '\\';
    w[1] = '"';
    copy_short(w + 2, s, len);
    w[len + 2] = '\\';
    w[len + 3] = '"';
    n->b->len += len + 4;
    n->extra += 2; /* \"text\" is written for "text" */
}

size_t sf_text_put_json_literal(sf_text *t, const json_t *v)
{
    return sf_text_put_json_literal_within(t, v, SIZE_MAX);
}

/* What a limited write returns: SF_TEXT_TOO_DEEP, or a length past max_len
 * when it stopped there. */
static size_t limited_length(const value_writer *w, size_t length, size_t max_len)
{
    if (w->too_deep)
        return SF_TEXT_TOO_DEEP;
    return w->too_long && length <= max_len ? max_len + 1 : length;
}

size_t sf_text_put_json_literal_within(sf_text *t, const json_t *v, size_t max_len)
{
    value_writer w = WRITER_INIT(t, true);
    size_t before = t->len;
    if (max_len != SIZE_MAX)
        w.stop_at = before + 1 + max_len;
    write_char(&w, '"');
    if (!v)
        write_plain(&w, "null", 4);
    else /* jansson's iteration API takes non-const values; nothing is changed */
        write_value(&w, (json_t *)v);
    write_char(&w, '"');
    room(t, 0)[0] = '\0';
    return limited_length(&w, t->len - before - 2 - w.extra, max_len);
}

size_t sf_text_literal_add_member(sf_text *t, size_t text_len, const char *key, size_t key_len,
                                  const json_t *value, size_t max_len)
{
    value_writer w = WRITER_INIT(t, true);
    w.depth_left--; /* the object the member goes into */
    t->len -= 2;    /* the object's closing brace and the literal's closing quote */
    size_t before = t->len;
    if (max_len != SIZE_MAX && text_len <= max_len)
        w.stop_at = before + (max_len - text_len);
    if (text_len > 2) /* not {} */
        write_char(&w, ',');
    nested_put_string(&w, key, key_len);
    write_char(&w, ':');
    write_value(&w, (json_t *)value); /* jansson's iteration API takes non-const values */
    write_char(&w, '}');
    write_char(&w, '"');
    room(t, 0)[0] = '\0';
    /* The text loses its '}' and gains what was written but the quote. */
    return limited_length(&w, text_len - 1 + (t->len - before - 1) - w.extra, max_len);
}

void sf_text_free(sf_text *t)
{
    release_buffer(t);
    t->data = NULL;
    t->len = t->cap = 0;
}
