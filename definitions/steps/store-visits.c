/*
 * store-visits — product-visit, step 3: the function subscribed to the
 * visits queue stores each visit in the table.
 *
 *   event   an SQS event: {"Records": [{"messageId", "body": <a visit
 *           accepted by visit-api, as JSON text>}]}
 *   writes  TABLE_FILE: {"pk": "visit#VISIT_ID", "kind": "visit",
 *           "data": <the visit>}; storing the same visit again changes
 *           nothing
 *   result  {"stored": ["VISIT_ID", ...], "new": N (not in the table before)}
 *   errors  Lab.BadMessage  a body that is not a visit with a "visitId"
 */
#include "lab.h"

#include <stdio.h>

int main(void)
{
    json_t *event = lab_read_event();
    json_t *stored = json_array();
    json_int_t fresh = 0;
    lab_table table;
    lab_table_open(&table, lab_env("TABLE_FILE"));
    size_t i;
    json_t *record;
    json_array_foreach(json_object_get(event, "Records"), i, record)
    {
        const char *message = lab_field(record, "messageId");
        json_t *visit = json_loads(lab_field(record, "body"), 0, NULL);
        const char *id = json_string_value(json_object_get(visit, "visitId"));
        if (!id)
            lab_fail("Lab.BadMessage", "message %s: the body is not a visit with a \"visitId\"",
                     message);
        char pk[256];
        snprintf(pk, sizeof pk, "visit#%s", id);
        fresh += lab_table_get(&table, pk) == NULL;
        json_array_append_new(stored, json_string(id));
        lab_table_put(&table,
                      json_pack("{s:s, s:s, s:o}", "pk", pk, "kind", "visit", "data", visit));
    }
    lab_table_commit(&table);
    lab_table_close(&table);
    lab_reply(json_pack("{s:o, s:I}", "stored", stored, "new", fresh));
    json_decref(event);
    return 0;
}
