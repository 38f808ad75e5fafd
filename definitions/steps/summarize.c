/*
 * summarize — integration-patterns, step 4: the scheduled summary.
 *
 * In the lab a scheduled rule runs a function that reads the latest records
 * and publishes a summary; here it runs once the uploads are stored.
 *   event   {"latest": N}   how many of the latest records to list (3)
 *   reads   TABLE_FILE
 *   result  {"subject": "...", "counts": {"records", "raw", "rejected"},
 *            "revenue": sum of the records' "total", "latest": [the N
 *            records with the greatest "placed", newest first], "rejected":
 *            [{"source", "error", "reason"}], "text": the same for people}
 * Summaries already in the table are not counted.
 */
#include "lab.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct text {
    char *s;
    size_t len;
} text;

static void add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    t->s = realloc(t->s, t->len + (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

static const char *placed_of(const json_t *record)
{
    const char *p = json_string_value(json_object_get(record, "placed"));
    return p ? p : "";
}

/* Newest "placed" first; ties by id. */
static int newest_first(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(placed_of(y), placed_of(x));
    if (c)
        return c;
    const char *ix = json_string_value(json_object_get(x, "id"));
    const char *iy = json_string_value(json_object_get(y, "id"));
    return strcmp(ix ? ix : "", iy ? iy : "");
}

static json_t *latest_records(json_t *records, size_t n)
{
    size_t count = json_array_size(records);
    json_t **v = malloc((count ? count : 1) * sizeof *v);
    for (size_t i = 0; i < count; i++)
        v[i] = json_array_get(records, i);
    qsort(v, count, sizeof *v, newest_first);
    json_t *latest = json_array();
    for (size_t i = 0; i < count && i < n; i++)
        json_array_append(latest, v[i]);
    free(v);
    return latest;
}

static const char *plural(json_int_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void write_text(text *t, json_int_t records, json_int_t raw, json_int_t rejected,
                       double revenue, json_t *latest, json_t *rejects)
{
    size_t i;
    json_t *v;
    add(t, "%lld %s, %lld raw %s, %lld rejected. Revenue: %.2f.\n", (long long)records,
        plural(records, "record", "records"), (long long)raw, plural(raw, "object", "objects"),
        (long long)rejected, revenue);
    if (json_array_size(latest))
        add(t, "\nLatest records:\n");
    json_array_foreach(latest, i, v)
    {
        const char *id = json_string_value(json_object_get(v, "id"));
        add(t, "  %-12s %-22s %8.2f\n", id ? id : "?", placed_of(v),
            json_number_value(json_object_get(v, "total")));
    }
    if (json_array_size(rejects))
        add(t, "\nRejected:\n");
    json_array_foreach(rejects, i, v)
    {
        add(t, "  %s [%s]\n", json_string_value(json_object_get(v, "reason")),
            json_string_value(json_object_get(v, "error")));
    }
}

int main(void)
{
    json_t *event = lab_read_event();
    json_t *n = json_object_get(event, "latest");
    json_int_t latest_n =
        json_is_integer(n) && json_integer_value(n) >= 0 ? json_integer_value(n) : 3;
    lab_table table;
    lab_table_open(&table, lab_env("TABLE_FILE"));
    json_t *items = lab_table_sorted(&table);
    json_t *records = json_array(), *rejects = json_array();
    json_int_t raw = 0;
    double revenue = 0;
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        const char *kind = json_string_value(json_object_get(item, "kind"));
        json_t *data = json_object_get(item, "data");
        if (strcmp(kind, "record") == 0) {
            json_array_append(records, data);
            revenue += json_number_value(json_object_get(data, "total"));
        } else if (strcmp(kind, "raw") == 0) {
            raw++;
        } else if (strcmp(kind, "rejected") == 0) {
            json_array_append_new(rejects, json_pack("{s:O, s:O, s:O}", "source",
                                                     json_object_get(item, "source"), "error",
                                                     json_object_get(item, "error"), "reason",
                                                     json_object_get(item, "reason")));
        }
    }
    json_decref(items);
    lab_table_close(&table);
    revenue = (double)(long long)(revenue * 100 + (revenue < 0 ? -0.5 : 0.5)) / 100; /* cents */

    json_int_t nrecords = (json_int_t)json_array_size(records);
    json_int_t nrejected = (json_int_t)json_array_size(rejects);
    json_t *latest = latest_records(records, (size_t)latest_n);
    text body = {0};
    write_text(&body, nrecords, raw, nrejected, revenue, latest, rejects);
    char subject[256];
    snprintf(subject, sizeof subject, "Upload summary: %lld %s, %lld raw, %lld rejected",
             (long long)nrecords, plural(nrecords, "record", "records"), (long long)raw,
             (long long)nrejected);
    lab_reply(json_pack("{s:s, s:{s:I, s:I, s:I}, s:f, s:o, s:o, s:s}", "subject", subject,
                        "counts", "records", nrecords, "raw", raw, "rejected", nrejected, "revenue",
                        revenue, "latest", latest, "rejected", rejects, "text", body.s));
    free(body.s);
    json_decref(records);
    json_decref(event);
    return 0;
}
