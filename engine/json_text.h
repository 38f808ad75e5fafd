/*
 * json_text.h — writing JSON text fast into a growable buffer.
 *
 * Used wherever the engine turns values into text on a hot path: history
 * lines (every event), values quoted in error causes (sf_json_compact).
 * Output is compact: no spaces, object keys in insertion order, '/' and
 * non-ASCII characters left as UTF-8, only '"', '\\' and control characters
 * escaped, and reals in their shortest round-trip form with a ".0" when
 * whole (as AWS, a Java service, prints them: 8.95, not 8.9499999999999993).
 *
 * The buffer is always NUL-terminated after a put. Allocation failure
 * aborts, as everywhere in the engine.
 */
#ifndef SF_JSON_TEXT_H
#define SF_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <jansson.h>

typedef struct sf_text {
    char *data;
    size_t len, cap;
    bool big_pages; /* see sf_text_use_big_pages */
    bool mapped;    /* data is a mapping of its own (big_pages), not malloc's */
} sf_text;

/* Let t's buffer, once it grows past SF_TEXT_BIG_FROM bytes, move to a
 * mapping of its own in 2 MiB huge pages: for the few long-lived buffers
 * that hold a turn's history or a big value's text, which would otherwise
 * be faulted in 4 KiB at a time (about 10 us each on a virtual machine).
 * Such a buffer must be freed with sf_text_free and its data never taken
 * over by free(). */
#define SF_TEXT_BIG_FROM (128 * 1024)
static inline void sf_text_use_big_pages(sf_text *t)
{
    t->big_pages = true;
}

void sf_text_reserve(sf_text *t, size_t extra);
/* Inline: a history line is built from a dozen small pieces. */
static inline void sf_text_put(sf_text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap)
        sf_text_reserve(t, n);
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = '\0';
}
/* A string literal, its length known at compile time. */
#define SF_TEXT_PUT_LITERAL(t, literal) sf_text_put((t), "" literal, sizeof(literal) - 1)
void sf_text_puts(sf_text *t, const char *s);
/* A JSON string literal: quoted and escaped. */
void sf_text_put_string(sf_text *t, const char *s, size_t n);
void sf_text_put_int(sf_text *t, long long v);
/* v's decimal text at out (room for 20 bytes, no NUL written); returns its
 * length. As printf's %lld, without printf. */
size_t sf_format_int(char *out, long long v);
/* Compact JSON of v (borrowed); NULL prints as null. */
void sf_text_put_json(sf_text *t, const json_t *v);
/* The compact JSON text of v written as a JSON string literal (quoted and
 * escaped), as history events hold a state's input and output. Returns the
 * length of the JSON text itself, before escaping (what payload limits
 * count). */
size_t sf_text_put_json_literal(sf_text *t, const json_t *v);
/* As sf_text_put_json_literal, for a value that may be past the limits a
 * state's output must keep: returns SF_TEXT_TOO_DEEP when objects and
 * arrays nest deeper than SF_JSON_DEPTH_LIMIT, and a length above max_len
 * once the text passes it (it then stops writing: what t holds is cut
 * short, never to be recorded). Every writer here is bounded by that depth
 * (what lies deeper is written as null, so the text stays JSON), so none
 * can overflow the stack; only these report it. */
#define SF_TEXT_TOO_DEEP SIZE_MAX
size_t sf_text_put_json_literal_within(sf_text *t, const json_t *v, size_t max_len);
/* t ends with what sf_text_put_json_literal wrote for an object whose JSON
 * text is text_len bytes long: turn it into the literal of that object with
 * the member key: value added at its end (where json_object_set puts a new
 * key), writing only the new member. Returns the new text's length, with
 * max_len and SF_TEXT_TOO_DEEP as sf_text_put_json_literal_within. */
size_t sf_text_literal_add_member(sf_text *t, size_t text_len, const char *key, size_t key_len,
                                  const json_t *value, size_t max_len);
void sf_text_free(sf_text *t);

#endif
