/*
 * graph_text.h — building DOT text for `stepfn graph`: a growable buffer and
 * the escaping that keeps any name or label acceptable to Graphviz.
 *
 * All visible text goes into HTML-like labels (graph_text_html); the only
 * quoted strings are tooltips (graph_text_quoted). Both functions take any
 * valid UTF-8 (what jansson hands us) and never emit anything dot rejects:
 * markup characters become entities, control characters become U+FFFD,
 * backslashes and quotes in quoted strings are escaped.
 *
 * Shortening counts characters (code points), not bytes, and never cuts a
 * UTF-8 sequence in half; a shortened text ends with "…".
 */
#ifndef SF_GRAPH_TEXT_H
#define SF_GRAPH_TEXT_H

#include <stddef.h>
#include <stdint.h>

typedef struct graph_text {
    char *data; /* NUL-terminated, owned */
    size_t len, cap;
} graph_text;

void graph_text_init(graph_text *t);
void graph_text_free(graph_text *t);
void graph_text_append(graph_text *t, const char *s);
void graph_text_append_n(graph_text *t, const char *s, size_t n);
void graph_text_printf(graph_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand over the text (malloc'd) and leave t empty: nothing left to free,
 * though t may be appended to again. */
char *graph_text_steal(graph_text *t);

/* Append s escaped for an HTML-like label, cut to max_chars characters
 * (0: no limit). A newline in s becomes a line break. */
void graph_text_html(graph_text *t, const char *s, size_t max_chars);
/* Append s escaped for the inside of a DOT quoted string (no quotes added),
 * cut to max_chars characters (0: no limit). */
void graph_text_quoted(graph_text *t, const char *s, size_t max_chars);

/* s cut to max_chars characters with "…" (malloc'd copy; never NULL). */
char *graph_shorten(const char *s, size_t max_chars);

/* A duration for people: "7 ms", "1.4 s", "2 min 5 s", "3 h 20 min". */
void graph_text_duration(graph_text *t, int64_t ms);

#endif
