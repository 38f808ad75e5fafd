/*
 * store-record — integration-patterns, step 3 (once per uploaded object):
 * store what parse-object found in the table.
 *
 *   event   parse-object's result
 *   writes  TABLE_FILE: a record as {"pk": "record#ID", "kind": "record",
 *           "source": "BUCKET/KEY", "data": <record>} (and it removes an
 *           earlier rejection of the same object); anything else as
 *           {"pk": "object#KEY", "kind": "raw", "source", "contentType",
 *           "size", "content" or "contentBase64"}
 *   result  {"key": KEY, "outcome": "stored", "pk": PK}
 *   errors  Lab.InvalidRecord   the record is not an object with a string
 *                               "id" (letters, digits, '.', '_', '-') and,
 *                               when it has one, a "total" >= 0
 *           Lab.TableThrottled  a simulated transient failure: the first
 *                               write of the key named by THROTTLE_ONCE
 *                               fails (a marker file in STATE_DIR remembers
 *                               it, and is removed by the write that then
 *                               succeeds), as DynamoDB throttles; Retry
 *                               recovers
 */
#include "lab.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void check_record(const char *key, const json_t *record)
{
    const char *id = json_string_value(json_object_get(record, "id"));
    if (!json_is_object(record) || !id || !*id ||
        strspn(id, "abcdefghijklmnopqrstuvwxyz"
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789._-") != strlen(id))
        lab_fail("Lab.InvalidRecord",
                 "%s: a record needs an \"id\" of letters, digits, '.', "
                 "'_' or '-'",
                 key);
    json_t *total = json_object_get(record, "total");
    if (total && (!json_is_number(total) || json_number_value(total) < 0))
        lab_fail("Lab.InvalidRecord", "%s: \"total\" must be a number >= 0", key);
}

/* Fail the first write of THROTTLE_ONCE's key; let the next one through. */
static void maybe_throttle(const char *key)
{
    const char *victim = getenv("THROTTLE_ONCE");
    if (!victim || strcmp(victim, key) != 0)
        return;
    char name[512];
    snprintf(name, sizeof name, "throttled-%s", key);
    for (char *p = name; *p; p++)
        if (*p == '/')
            *p = '_';
    const char *state = lab_env("STATE_DIR");
    lab_mkdirs(state);
    char *marker = lab_join(state, name);
    if (unlink(marker) == 0) {
        free(marker);
        return; /* the retry: the table has capacity again */
    }
    FILE *f = fopen(marker, "w");
    if (!f)
        lab_fail("Lab.Io", "cannot create %s: %s", marker, strerror(errno));
    fclose(f);
    lab_fail("Lab.TableThrottled",
             "%s: the table refused the write (provisioned throughput exceeded); try again", key);
}

static json_t *record_item(const char *source, json_t *record)
{
    char pk[512];
    snprintf(pk, sizeof pk, "record#%s", json_string_value(json_object_get(record, "id")));
    return json_pack("{s:s, s:s, s:s, s:O}", "pk", pk, "kind", "record", "source", source, "data",
                     record);
}

static json_t *raw_item(const char *key, const char *source, const json_t *event)
{
    char pk[1024];
    snprintf(pk, sizeof pk, "object#%s", key);
    json_t *item = json_pack("{s:s, s:s, s:s}", "pk", pk, "kind", "raw", "source", source);
    const char *fields[] = {"contentType", "size", "content", "contentBase64"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        json_t *v = json_object_get(event, fields[i]);
        if (v)
            json_object_set(item, fields[i], v);
    }
    return item;
}

int main(void)
{
    json_t *event = lab_read_event();
    const char *bucket = lab_field(event, "bucket");
    const char *key = lab_field(event, "key");
    const char *kind = lab_field(event, "kind");
    json_t *record = json_object_get(event, "record");
    if (strcmp(kind, "record") == 0)
        check_record(key, record);
    maybe_throttle(key);

    char source[1024], object_pk[1024];
    snprintf(source, sizeof source, "%s/%s", bucket, key);
    snprintf(object_pk, sizeof object_pk, "object#%s", key);
    json_t *item =
        strcmp(kind, "record") == 0 ? record_item(source, record) : raw_item(key, source, event);
    json_t *result = json_pack("{s:s, s:s, s:O}", "key", key, "outcome", "stored", "pk",
                               json_object_get(item, "pk"));
    lab_table table;
    lab_table_open(&table, lab_env("TABLE_FILE"));
    if (strcmp(kind, "record") == 0)
        lab_table_delete(&table, object_pk); /* the object was fixed since */
    lab_table_put(&table, item);
    lab_table_commit(&table);
    lab_table_close(&table);
    lab_reply(result);
    json_decref(event);
    return 0;
}
