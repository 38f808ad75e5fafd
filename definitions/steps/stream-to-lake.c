/*
 * stream-to-lake — product-visit, step 4: the table's stream delivers new
 * items to the data lake (in the lab: DynamoDB Streams, then Kinesis Data
 * Firehose writing into an S3 bucket, partitioned by date).
 *
 *   event   {"kind": "visit"}   which items to deliver
 *   reads   TABLE_FILE
 *   writes  DATALAKE_DIR/KINDs/YYYY/MM/DD/ID.json for each item of that kind
 *           not delivered yet (the date is the item's data.at; ID is the pk
 *           after '#'), holding the item as one line of JSON
 *   result  {"objects": ["visits/2024/05/02/visit-....json", ...],
 *            "count": N}   what this run delivered, in pk order
 * Delivery is idempotent: an object already in the lake is left alone, so
 * a retried or replayed step delivers nothing twice.
 */
#include "lab.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* "visits/2024/05/02/visit-1.json" for an item; NULL when it has no date. */
static char *lake_key(const char *kind, const json_t *item)
{
    const char *pk = json_string_value(json_object_get(item, "pk"));
    const char *at = json_string_value(json_object_get(json_object_get(item, "data"), "at"));
    const char *id = strchr(pk, '#');
    if (!at || strlen(at) < 10 || !id)
        return NULL;
    char key[1024];
    snprintf(key, sizeof key, "%ss/%.4s/%.2s/%.2s/%s.json", kind, at, at + 5, at + 8, id + 1);
    return strdup(key);
}

int main(void)
{
    json_t *event = lab_read_event();
    const char *kind = lab_field(event, "kind");
    const char *lake = lab_env("DATALAKE_DIR");
    lab_table table;
    lab_table_open(&table, lab_env("TABLE_FILE"));
    json_t *items = lab_table_sorted(&table);
    lab_table_close(&table);

    json_t *objects = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        const char *k = json_string_value(json_object_get(item, "kind"));
        char *key = k && strcmp(k, kind) == 0 ? lake_key(kind, item) : NULL;
        char *path = key ? lab_join(lake, key) : NULL;
        if (path && access(path, F_OK) != 0) {
            char *line = lab_dumps(item, 0);
            size_t n = strlen(line);
            line[n] = '\n'; /* replaces the NUL: written with its length */
            lab_write_file(path, line, n + 1);
            free(line);
            json_array_append_new(objects, json_string(key));
        }
        free(path);
        free(key);
    }
    json_decref(items);
    lab_reply(
        json_pack("{s:o, s:I}", "objects", objects, "count", (json_int_t)json_array_size(objects)));
    json_decref(event);
    return 0;
}
