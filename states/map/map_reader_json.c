/*
 * map_reader_json.c — items from a file holding one JSON array (InputType
 * JSON): each element is an item.
 *
 * jansson parses whole documents only, so the array is taken apart here: a
 * small scanner finds where the next element ends (tracking nesting and
 * strings, nothing more) and jansson parses just that element. The file is
 * read in 64 KiB chunks; memory holds the element being read and at most
 * one chunk beyond it, never the whole array.
 *
 * Failure cases, each States.ItemReaderFailed naming the object, the local
 * file, and the line and column (bytes, from 1): an empty file; a file
 * that does not start with '['; an element that is not valid JSON (the
 * parser's message); a missing ',' between elements, a ',' before ']', an
 * array that is not closed; anything but white space after the ']'; a
 * read error (the system's message).
 */
#include "engine/json_util.h"
#include "engine/xalloc.h"
#include "states/map/map_reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_BYTES 65536

typedef enum json_where {
    BEFORE_ARRAY,
    FIRST_ELEMENT, /* after '[' */
    AFTER_ELEMENT,
    AFTER_COMMA,
    DONE,
} json_where;

typedef struct json_reader {
    map_reader base;
    FILE *file;
    char *buf;
    size_t start, end, capacity; /* unconsumed bytes: buf[start..end) */
    bool eof;
    bool read_error;
    size_t line, column; /* where buf[start] is, from 1 */
    json_where where;
    /* The scan of the element at buf[start], kept across reads. */
    size_t scanned;
    int depth;
    bool in_string, escaped;
} json_reader;

/* ---- The buffer ---- */

/* Read another chunk; false at the end of the file or on a read error. */
static bool fill(json_reader *r)
{
    if (r->eof)
        return false;
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->capacity - r->end < CHUNK_BYTES) {
        r->capacity = r->end + CHUNK_BYTES;
        r->buf = sf_realloc(r->buf, r->capacity);
    }
    size_t n = fread(r->buf + r->end, 1, CHUNK_BYTES, r->file);
    r->end += n;
    if (n == 0) {
        r->eof = true;
        r->read_error = ferror(r->file) != 0;
    }
    return n > 0;
}

static void consume(json_reader *r, size_t n)
{
    for (size_t i = r->start; i < r->start + n; i++) {
        if (r->buf[i] == '\n') {
            r->line++;
            r->column = 1;
        } else {
            r->column++;
        }
    }
    r->start += n;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Skip white space; the next byte, or EOF. */
static int peek(json_reader *r)
{
    for (;;) {
        while (r->start < r->end && is_space(r->buf[r->start]))
            consume(r, 1);
        if (r->start < r->end)
            return (unsigned char)r->buf[r->start];
        if (!fill(r))
            return EOF;
    }
}

/* ---- Failing ---- */

static int fail_at(json_reader *r, sf_error *err, const char *what)
{
    if (r->read_error)
        map_reader_fail(&r->base, err, "read error at line %zu: %s", r->line, strerror(errno));
    else
        map_reader_fail(&r->base, err, "line %zu, column %zu: %s", r->line, r->column, what);
    return -1;
}

static int fail_found(json_reader *r, sf_error *err, const char *expected, int ch)
{
    char what[160];
    if (ch == EOF)
        snprintf(what, sizeof what, "%s, but the file ends (the array is not closed)", expected);
    else if (ch >= 0x20 && ch < 0x7f)
        snprintf(what, sizeof what, "%s, not '%c'", expected, ch);
    else
        snprintf(what, sizeof what, "%s, not the byte 0x%02x", expected, ch);
    return fail_at(r, err, what);
}

/* ---- One element ---- */

static bool ends_scalar(char ch)
{
    return ch == ',' || ch == ']' || ch == '}' || is_space(ch);
}

/* The length of the element at buf[start] once its end is in the buffer,
 * else 0 (the scan resumes where it stopped). */
static size_t scan_element(json_reader *r)
{
    const char *b = r->buf + r->start;
    size_t n = r->end - r->start;
    char first = b[0];
    bool container = first == '{' || first == '[';
    for (size_t i = r->scanned; i < n; i++) {
        char ch = b[i];
        if (r->in_string) {
            if (r->escaped)
                r->escaped = false;
            else if (ch == '\\')
                r->escaped = true;
            else if (ch == '"' && (r->in_string = false, first == '"'))
                return i + 1;
        } else if (ch == '"' && (container || i == 0)) {
            r->in_string = true;
        } else if (container && (ch == '{' || ch == '[')) {
            r->depth++;
        } else if (container && (ch == '}' || ch == ']') && --r->depth == 0) {
            return i + 1;
        } else if (!container && first != '"' && ends_scalar(ch)) {
            return i;
        }
    }
    r->scanned = n;
    /* A number or literal may end with the file. */
    return r->eof && !container && first != '"' ? n : 0;
}

static int parse_element(json_reader *r, json_t **item, sf_error *err)
{
    size_t len;
    r->scanned = 0;
    r->depth = 0;
    r->in_string = r->escaped = false;
    while ((len = scan_element(r)) == 0) {
        if (fill(r))
            continue;
        if (r->read_error)
            return fail_at(r, err, "");
        if ((len = scan_element(r)) == 0)
            len = r->end - r->start; /* unfinished: let the parser say why */
        break;
    }
    json_error_t jerr;
    json_t *v = sf_json_loadb(r->buf + r->start, len, JSON_DECODE_ANY, &jerr);
    if (!v) {
        if (jerr.line > 1) {
            r->line += (size_t)jerr.line - 1;
            r->column = 1;
        }
        r->column += jerr.column > 0 ? (size_t)jerr.column - 1 : 0;
        return fail_at(r, err, jerr.text);
    }
    consume(r, len);
    if (item)
        *item = v;
    else
        json_decref(v);
    r->where = AFTER_ELEMENT;
    return 1;
}

/* ---- The array ---- */

static int open_array(json_reader *r, sf_error *err)
{
    int ch = peek(r);
    if (ch == EOF && !r->read_error && r->line == 1 && r->column == 1)
        return fail_at(r, err, "the file is empty; it must hold a JSON array");
    if (ch != '[')
        return fail_found(r, err, "the file must hold a JSON array starting with '['", ch);
    consume(r, 1);
    r->where = FIRST_ELEMENT;
    return 1;
}

static int close_array(json_reader *r, sf_error *err)
{
    consume(r, 1);
    r->where = DONE;
    int ch = peek(r);
    if (ch != EOF)
        return fail_found(r, err, "nothing may follow the array's closing ']'", ch);
    return r->read_error ? fail_at(r, err, "") : 0;
}

static int json_next(map_reader *base, json_t **item, sf_error *err)
{
    json_reader *r = (json_reader *)base;
    for (;;) {
        if (r->where == DONE)
            return 0;
        if (r->where == BEFORE_ARRAY) {
            if (open_array(r, err) < 0)
                return -1;
            continue;
        }
        int ch = peek(r);
        if (r->where == AFTER_ELEMENT && ch == ',') {
            consume(r, 1);
            r->where = AFTER_COMMA;
        } else if (ch == ']' && r->where != AFTER_COMMA) {
            return close_array(r, err);
        } else if (r->where == AFTER_ELEMENT) {
            return fail_found(r, err, "expected ',' or ']' after an element", ch);
        } else if (ch == EOF || ch == ']' || ch == ',') {
            return fail_found(r, err, "expected a value", ch);
        } else {
            return parse_element(r, item, err);
        }
    }
}

static void json_reader_free(map_reader *base)
{
    json_reader *r = (json_reader *)base;
    if (r->file)
        fclose(r->file);
    free(r->buf);
    free(r);
}

static const map_reader_ops json_ops = {json_next, json_reader_free};

map_reader *map_reader_json_open(const map_object *o, sf_error *err)
{
    FILE *f = map_reader_fopen(o, err);
    if (!f)
        return NULL;
    json_reader *r = SF_NEW(json_reader);
    r->base.ops = &json_ops;
    r->base.origin = sf_strdup(o->shown);
    r->file = f;
    r->line = r->column = 1;
    r->where = BEFORE_ARRAY;
    if (fill(r) && r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
        r->start = 3; /* a byte order mark */
    return &r->base;
}
