/*
 * map_reader_csv.c — items from a CSV file (InputType CSV): each record is
 * an item, an object mapping each column name to the field's text.
 *
 * Column names come from the first record (CSVHeaderLocation FIRST_ROW, the
 * default) or from CSVHeaders (GIVEN: then the first record is data).
 * Fields are separated by CSVDelimiter (a comma unless told otherwise) and
 * follow RFC 4180: a field in double quotes may hold the delimiter, line
 * breaks and doubled quotes (""); records end with LF or CRLF. Every value
 * is a string, as on AWS. A record with fewer fields than columns gives ""
 * for the missing ones; a blank line is skipped; a UTF-8 byte order mark at
 * the start is ignored. The file is read a byte at a time through stdio's
 * buffer; only the current record is in memory.
 *
 * Failure cases (States.ItemReaderFailed, naming the object, the local
 * file and the line): a header row naming a column twice ("CSV headers
 * cannot contain duplicates", AWS's words); a record with more fields than
 * there are columns; a quoted field that is never closed, or whose closing
 * quote is followed by something other than the delimiter or a line end;
 * a NUL byte; text that is not UTF-8; a read error.
 */
#include "engine/xalloc.h"
#include "states/map/map_reader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct csv_reader {
    map_reader base;
    FILE *file;
    char delimiter;
    char **columns;
    size_t column_count;
    size_t line;        /* the line the next byte is on */
    size_t record_line; /* the line the current record starts on */
    /* The current record: fields are NUL-terminated runs of `text`. */
    char *text;
    size_t text_len, text_capacity;
    size_t *starts;
    size_t field_count, starts_capacity;
} csv_reader;

/* ---- Building the record ---- */

static void append_byte(csv_reader *r, char ch)
{
    if (r->text_len + 1 >= r->text_capacity) {
        r->text_capacity = r->text_capacity ? 2 * r->text_capacity : 256;
        r->text = sf_realloc(r->text, r->text_capacity);
    }
    r->text[r->text_len++] = ch;
}

static void end_field(csv_reader *r, size_t *field_start)
{
    if (r->field_count == r->starts_capacity) {
        r->starts_capacity = r->starts_capacity ? 2 * r->starts_capacity : 16;
        r->starts = sf_realloc(r->starts, r->starts_capacity * sizeof *r->starts);
    }
    r->starts[r->field_count++] = *field_start;
    append_byte(r, '\0');
    *field_start = r->text_len;
}

static const char *field_text(const csv_reader *r, size_t i, size_t *len)
{
    size_t end = i + 1 < r->field_count ? r->starts[i + 1] - 1 : r->text_len - 1;
    *len = end - r->starts[i];
    return r->text + r->starts[i];
}

/* ---- Parsing one record ---- */

static int next_byte(csv_reader *r)
{
    int ch = getc_unlocked(r->file);
    if (ch == '\n')
        r->line++;
    return ch;
}

/* After a quoted field's closing quote: a doubled quote is a literal one.
 * Returns the byte that follows the field, or -2 after a doubled quote. */
static int after_quote(csv_reader *r)
{
    int ch = next_byte(r);
    if (ch == '"') {
        append_byte(r, '"');
        return -2;
    }
    return ch;
}

static int fail_line(csv_reader *r, sf_error *err, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_line(csv_reader *r, sf_error *err, size_t line, const char *fmt, ...)
{
    if (ferror(r->file)) {
        map_reader_fail(&r->base, err, "read error at line %zu: %s", line, strerror(errno));
        return -1;
    }
    va_list ap;
    va_start(ap, fmt);
    char *what = sf_vasprintf(fmt, ap);
    va_end(ap);
    map_reader_fail(&r->base, err, "line %zu: %s", line, what);
    free(what);
    return -1;
}

/* Read the rest of a quoted field, up to the byte after its closing quote
 * (returned), or -1 with err set. */
static int read_quoted(csv_reader *r, sf_error *err)
{
    size_t opened = r->line;
    for (;;) {
        int ch = next_byte(r);
        if (ch == EOF)
            return fail_line(r, err, opened, "a quoted field is never closed (no ending '\"')");
        if (ch == '\0')
            return fail_line(r, err, r->line, "the file holds a NUL byte");
        if (ch != '"') {
            append_byte(r, (char)ch);
            continue;
        }
        if ((ch = after_quote(r)) == -2)
            continue;
        if (ch != EOF && ch != r->delimiter && ch != '\n' && ch != '\r')
            return fail_line(r, err, r->line,
                             "a quoted field's closing '\"' must be followed by the delimiter "
                             "or the end of the line");
        return ch;
    }
}

static void reset_record(csv_reader *r)
{
    r->text_len = 0;
    r->field_count = 0;
    r->record_line = r->line;
}

/* The next record into r->text / r->starts: 1, 0 at the end, -1 on error. */
static int read_record(csv_reader *r, sf_error *err)
{
    size_t field_start = 0;
    bool started = false; /* the record has a byte: it is not a blank line */
    reset_record(r);
    for (;;) {
        int ch = next_byte(r);
        if (ch == '"' && r->text_len == field_start) {
            started = true;
            if ((ch = read_quoted(r, err)) == -1)
                return -1;
        }
        if (ch == '\r') { /* CRLF, or a lone CR, ends a line too */
            int lf = getc_unlocked(r->file);
            if (lf != '\n' && lf != EOF)
                ungetc(lf, r->file);
            r->line++;
            ch = '\n';
        }
        if (ch == EOF || ch == '\n') {
            if (started || r->text_len > field_start) {
                end_field(r, &field_start);
                return 1;
            }
            if (ch == EOF)
                return ferror(r->file) ? fail_line(r, err, r->line, "read error") : 0;
            reset_record(r); /* a blank line */
            continue;
        }
        if (ch == '\0')
            return fail_line(r, err, r->line, "the file holds a NUL byte");
        started = true;
        if (ch == r->delimiter)
            end_field(r, &field_start);
        else
            append_byte(r, (char)ch);
    }
}

/* ---- Records as items ---- */

static json_t *field_value(csv_reader *r, size_t i, sf_error *err)
{
    size_t len;
    const char *text = field_text(r, i, &len);
    json_t *v = json_stringn(text, len);
    if (!v)
        fail_line(r, err, r->record_line, "field %zu is not valid UTF-8 text", i + 1);
    return v;
}

static int csv_next(map_reader *base, json_t **item, sf_error *err)
{
    csv_reader *r = (csv_reader *)base;
    int got = read_record(r, err);
    if (got <= 0)
        return got;
    if (r->field_count > r->column_count)
        return fail_line(r, err, r->record_line,
                         "the record has %zu fields, but there are %zu columns", r->field_count,
                         r->column_count);
    json_t *obj = json_object();
    for (size_t i = 0; i < r->column_count; i++) {
        json_t *v = i < r->field_count ? field_value(r, i, err) : json_string("");
        if (!v) {
            json_decref(obj);
            return -1;
        }
        json_object_set_new(obj, r->columns[i], v);
    }
    if (item)
        *item = obj;
    else
        json_decref(obj);
    return 1;
}

/* ---- Columns ---- */

static bool columns_from_first_row(csv_reader *r, sf_error *err)
{
    int got = read_record(r, err);
    if (got < 0)
        return false;
    r->column_count = got ? r->field_count : 0;
    r->columns = sf_calloc(r->column_count + 1, sizeof *r->columns);
    for (size_t i = 0; i < r->column_count; i++) {
        json_t *name = field_value(r, i, err);
        if (!name)
            return false;
        r->columns[i] = sf_strdup(json_string_value(name));
        json_decref(name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->columns[i], r->columns[j]) == 0) {
                fail_line(r, err, r->record_line,
                          "CSV headers cannot contain duplicates (\"%s\" is column %zu and %zu)",
                          r->columns[i], j + 1, i + 1);
                return false;
            }
    }
    return true;
}

static void csv_free(map_reader *base)
{
    csv_reader *r = (csv_reader *)base;
    if (r->file)
        fclose(r->file);
    for (size_t i = 0; i < r->column_count; i++)
        free(r->columns[i]);
    free(r->columns);
    free(r->text);
    free(r->starts);
    free(r);
}

static const map_reader_ops csv_ops = {csv_next, csv_free};

static void skip_byte_order_mark(FILE *f)
{
    unsigned char bom[3];
    if (fread(bom, 1, 3, f) != 3 || memcmp(bom, "\xEF\xBB\xBF", 3) != 0)
        rewind(f);
}

map_reader *map_reader_csv_open(const map_object *o, const map_reader_config *cfg, sf_error *err)
{
    FILE *f = map_reader_fopen(o, err);
    if (!f)
        return NULL;
    skip_byte_order_mark(f);
    csv_reader *r = SF_NEW(csv_reader);
    r->base.ops = &csv_ops;
    r->base.origin = sf_strdup(o->shown);
    r->file = f;
    r->delimiter = cfg->csv_delimiter;
    r->line = 1;
    if (cfg->csv_headers) {
        r->column_count = cfg->csv_header_count;
        r->columns = sf_calloc(r->column_count + 1, sizeof *r->columns);
        for (size_t i = 0; i < r->column_count; i++)
            r->columns[i] = sf_strdup(cfg->csv_headers[i]);
    } else if (!columns_from_first_row(r, err)) {
        map_reader_free(&r->base);
        return NULL;
    }
    return &r->base;
}
