/*
 * map_reader_jsonl.c — items from a JSON Lines file (InputType JSONL): each
 * line holds one JSON value, which is one item.
 *
 * The file is read a line at a time; only the current line is in memory.
 * Blank lines (only spaces, tabs, a CR) are skipped, as is a UTF-8 byte
 * order mark at the start. A line that is not exactly one JSON value fails
 * with States.ItemReaderFailed: "Cannot read items from s3://b/k (path):
 * line 7, column 12: <what the JSON parser says>". A read error names the
 * system error.
 */
#include "engine/json_util.h"
#include "engine/xalloc.h"
#include "states/map/map_reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct jsonl_reader {
    map_reader base;
    FILE *file;
    char *line;
    size_t capacity;
    size_t line_no;
} jsonl_reader;

static bool is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/* The next line that is not blank, without its line ending; NULL at the
 * end of the file or on a read error (ferror tells which). */
static char *next_line(jsonl_reader *r, size_t *len)
{
    ssize_t n;
    while ((n = getline(&r->line, &r->capacity, r->file)) >= 0) {
        char *s = r->line;
        if (r->line_no++ == 0 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
            s += 3; /* a byte order mark */
            n -= 3;
        }
        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
            n--;
        if (!is_blank(s, (size_t)n)) {
            *len = (size_t)n;
            return s;
        }
    }
    return NULL;
}

static int jsonl_next(map_reader *base, json_t **item, sf_error *err)
{
    jsonl_reader *r = (jsonl_reader *)base;
    size_t len;
    char *line = next_line(r, &len);
    if (!line) {
        if (!ferror(r->file))
            return 0;
        map_reader_fail(base, err, "read error after line %zu: %s", r->line_no, strerror(errno));
        return -1;
    }
    json_error_t jerr;
    json_t *v = sf_json_loadb(line, len, JSON_DECODE_ANY, &jerr);
    if (!v) {
        map_reader_fail(base, err, "line %zu, column %d: %s", r->line_no, jerr.column, jerr.text);
        return -1;
    }
    if (item)
        *item = v;
    else
        json_decref(v);
    return 1;
}

static void jsonl_free(map_reader *base)
{
    jsonl_reader *r = (jsonl_reader *)base;
    if (r->file)
        fclose(r->file);
    free(r->line);
    free(r);
}

static const map_reader_ops jsonl_ops = {jsonl_next, jsonl_free};

map_reader *map_reader_jsonl_open(const map_object *o, sf_error *err)
{
    FILE *f = map_reader_fopen(o, err);
    if (!f)
        return NULL;
    jsonl_reader *r = SF_NEW(jsonl_reader);
    r->base.ops = &jsonl_ops;
    r->base.origin = sf_strdup(o->shown);
    r->file = f;
    return &r->base;
}
