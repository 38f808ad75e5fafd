/*
 * graph_text.c — the DOT text buffer and escaping (see graph_text.h).
 *
 * Why these rules: Graphviz parses HTML-like labels with expat, so text in
 * them must be well-formed XML character data: `&`, `<`, `>` become
 * entities, and characters XML forbids (C0 controls but tab and newline,
 * U+FFFE, U+FFFF) cannot appear at all, even as references; they become
 * U+FFFD. Non-ASCII text stays raw UTF-8, which dot reads by default (its
 * entity decoder mangles 4-byte characters in quoted strings, so numeric
 * references would be worse, not safer). In quoted strings dot treats `\`
 * as an escape and decodes entities too, so `\`, `"` and `&` are escaped.
 * Bytes that are not valid UTF-8 cannot come from jansson, but are replaced
 * rather than trusted.
 */
#include "tools/graph/graph_text.h"
#include "engine/xalloc.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLACEMENT_CHAR "\xEF\xBF\xBD" /* U+FFFD */
#define ELLIPSIS         "\xE2\x80\xA6" /* U+2026 */

void graph_text_init(graph_text *t)
{
    t->cap = 256;
    t->data = sf_malloc(t->cap);
    t->data[0] = '\0';
    t->len = 0;
}

void graph_text_free(graph_text *t)
{
    free(t->data);
    t->data = NULL;
    t->len = t->cap = 0;
}

static void reserve(graph_text *t, size_t extra)
{
    if (t->len + extra + 1 <= t->cap)
        return;
    if (t->cap == 0)
        t->cap = 256;
    while (t->len + extra + 1 > t->cap)
        t->cap *= 2;
    t->data = sf_realloc(t->data, t->cap);
}

void graph_text_append_n(graph_text *t, const char *s, size_t n)
{
    reserve(t, n);
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = '\0';
}

void graph_text_append(graph_text *t, const char *s)
{
    graph_text_append_n(t, s, strlen(s));
}

void graph_text_printf(graph_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = sf_vasprintf(fmt, ap);
    va_end(ap);
    graph_text_append(t, s);
    free(s);
}

char *graph_text_steal(graph_text *t)
{
    char *s = t->data;
    t->data = NULL; /* empty: the next append allocates again */
    t->len = t->cap = 0;
    return s;
}

/* Length of the UTF-8 sequence at s and its code point; 0 when the bytes
 * are not a valid sequence (the caller then consumes one byte). */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    size_t n;
    uint32_t c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        n = 2, c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, c &= 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    static const uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min_for_length[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

static size_t utf8_length(const char *s)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        uint32_t cp;
        size_t n = utf8_decode(p, &cp);
        p += n ? n : 1;
        chars++;
    }
    return chars;
}

/* A character dot cannot take in any form. */
static bool is_forbidden(uint32_t cp)
{
    return (cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F || cp == 0xFFFE || cp == 0xFFFF;
}

typedef enum { ESCAPE_HTML, ESCAPE_QUOTED } escape_mode;

static void append_char(graph_text *t, const unsigned char *p, size_t n, uint32_t cp,
                        escape_mode mode)
{
    if (n == 0 || is_forbidden(cp)) {
        graph_text_append(t, REPLACEMENT_CHAR);
        return;
    }
    const char *rep = NULL;
    switch (cp) {
    case '&':
        rep = "&amp;";
        break;
    case '<':
        rep = mode == ESCAPE_HTML ? "&lt;" : NULL;
        break;
    case '>':
        rep = mode == ESCAPE_HTML ? "&gt;" : NULL;
        break;
    case '"':
        rep = mode == ESCAPE_HTML ? "&quot;" : "\\\"";
        break;
    case '\\':
        rep = mode == ESCAPE_HTML ? NULL : "\\\\";
        break;
    case '\n':
        rep = mode == ESCAPE_HTML ? "<BR/>" : "\\n";
        break;
    case '\t':
        rep = " ";
        break;
    }
    if (rep)
        graph_text_append(t, rep);
    else
        graph_text_append_n(t, (const char *)p, n);
}

static void append_escaped(graph_text *t, const char *s, size_t max_chars, escape_mode mode)
{
    bool cut = max_chars > 0 && utf8_length(s) > max_chars;
    size_t keep = cut ? max_chars - 1 : (size_t)-1;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t chars = 0; *p && chars < keep; chars++) {
        uint32_t cp = 0;
        size_t n = utf8_decode(p, &cp);
        append_char(t, p, n, cp, mode);
        p += n ? n : 1;
    }
    if (cut)
        graph_text_append(t, ELLIPSIS);
}

void graph_text_html(graph_text *t, const char *s, size_t max_chars)
{
    append_escaped(t, s, max_chars, ESCAPE_HTML);
}

void graph_text_quoted(graph_text *t, const char *s, size_t max_chars)
{
    append_escaped(t, s, max_chars, ESCAPE_QUOTED);
}

char *graph_shorten(const char *s, size_t max_chars)
{
    if (max_chars == 0 || utf8_length(s) <= max_chars)
        return sf_strdup(s);
    const unsigned char *p = (const unsigned char *)s;
    for (size_t chars = 0; *p && chars < max_chars - 1; chars++) {
        uint32_t cp;
        size_t n = utf8_decode(p, &cp);
        p += n ? n : 1;
    }
    return sf_asprintf("%.*s" ELLIPSIS, (int)(p - (const unsigned char *)s), s);
}

void graph_text_duration(graph_text *t, int64_t ms)
{
    if (ms < 0)
        ms = 0;
    if (ms == 0)
        graph_text_append(t, "<1 ms"); /* history timestamps count whole milliseconds */
    else if (ms < 1000)
        graph_text_printf(t, "%lld ms", (long long)ms);
    else if (ms < 10000)
        graph_text_printf(t, "%.1f s", (double)ms / 1000.0);
    else if (ms < 60000)
        graph_text_printf(t, "%lld s", (long long)(ms / 1000));
    else if (ms < 3600000)
        graph_text_printf(t, "%lld min %lld s", (long long)(ms / 60000),
                          (long long)(ms / 1000 % 60));
    else
        graph_text_printf(t, "%lld h %lld min", (long long)(ms / 3600000),
                          (long long)(ms / 60000 % 60));
}
