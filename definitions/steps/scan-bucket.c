/*
 * scan-bucket — bucket-notification, step 1: the bucket's event
 * notifications. S3 tells subscribers when an object is created or
 * deleted; locally, this step compares the bucket folder with what it saw
 * last time and reports the difference in the same shape.
 *
 *   event   {"bucket": "lab-notify"}
 *   reads   BUCKET_DIR (every file below it) and STATE_DIR/BUCKET.seen.json
 *   writes  STATE_DIR/BUCKET.seen.json: {"KEY": {"size", "eTag"}} now
 *   result  {"Records": [{"eventSource": "aws:s3", "eventName":
 *            "ObjectCreated:Put" | "ObjectRemoved:Delete", "s3": {"bucket":
 *            {"name"}, "object": {"key", "size", "eTag"}}}], "count": N}
 *           in key order. A new object, or one whose content changed, is
 *           ObjectCreated:Put (as an overwrite is in S3); the eTag is a
 *           64-bit FNV-1a hash of the content, not S3's MD5.
 *   errors  Lab.ReadError  an object cannot be read
 * The first scan of a bucket reports every object as created.
 */
#include "lab.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static json_t *fingerprint(const char *dir, const char *bucket, const char *key)
{
    char *path = lab_join(dir, key);
    size_t len;
    char *data = lab_read_file(path, &len);
    if (!data)
        lab_fail("Lab.ReadError", "cannot read %s/%s: %s", bucket, key, strerror(errno));
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)data[i]) * 0x100000001b3u;
    char etag[17];
    snprintf(etag, sizeof etag, "%016llx", (unsigned long long)h);
    free(data);
    free(path);
    return json_pack("{s:I, s:s}", "size", (json_int_t)len, "eTag", etag);
}

static json_t *event_record(const char *name, const char *bucket, const char *key,
                            const json_t *seen)
{
    json_t *object = json_pack("{s:s}", "key", key);
    if (seen)
        json_object_update(object, (json_t *)seen);
    return json_pack("{s:s, s:s, s:{s:{s:s}, s:o}}", "eventSource", "aws:s3", "eventName", name,
                     "s3", "bucket", "name", bucket, "object", object);
}

static int by_key(const void *a, const void *b)
{
    const json_t *x = json_object_get(json_object_get(*(json_t *const *)a, "s3"), "object");
    const json_t *y = json_object_get(json_object_get(*(json_t *const *)b, "s3"), "object");
    return strcmp(json_string_value(json_object_get(x, "key")),
                  json_string_value(json_object_get(y, "key")));
}

static json_t *sorted_by_key(json_t *records)
{
    size_t n = json_array_size(records);
    json_t **v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(records, i);
    qsort(v, n, sizeof *v, by_key);
    json_t *sorted = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append(sorted, v[i]);
    free(v);
    json_decref(records);
    return sorted;
}

int main(void)
{
    json_t *event = lab_read_event();
    const char *bucket = lab_field(event, "bucket");
    const char *dir = lab_env("BUCKET_DIR");
    char name[512];
    snprintf(name, sizeof name, "%s.seen.json", bucket);
    char *seen_path = lab_join(lab_env("STATE_DIR"), name);
    json_t *before = json_load_file(seen_path, 0, NULL);
    if (!json_is_object(before)) {
        json_decref(before);
        before = json_object(); /* never scanned (or unreadable): all is new */
    }

    json_t *now = json_object(), *records = json_array(), *keys = lab_list_keys(dir);
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        const char *key = json_string_value(k);
        json_t *print = fingerprint(dir, bucket, key);
        if (!json_equal(print, json_object_get(before, key)))
            json_array_append_new(records, event_record("ObjectCreated:Put", bucket, key, print));
        json_object_set_new(now, key, print);
    }
    const char *key;
    json_t *old;
    json_object_foreach(before, key, old)
    {
        if (!json_object_get(now, key))
            json_array_append_new(records, event_record("ObjectRemoved:Delete", bucket, key, NULL));
    }
    records = sorted_by_key(records);

    char *text = lab_dumps(now, JSON_INDENT(2) | JSON_SORT_KEYS);
    lab_write_file(seen_path, text, strlen(text));
    free(text);
    lab_reply(
        json_pack("{s:o, s:I}", "Records", records, "count", (json_int_t)json_array_size(records)));
    json_decref(keys);
    json_decref(now);
    json_decref(before);
    free(seen_path);
    json_decref(event);
    return 0;
}
