/*
 * store-summary — integration-patterns, step 5b: the function subscribed
 * to the summary queue stores each summary it receives back in the table.
 *
 *   event   an SQS event: {"Records": [{"messageId", "body": <summary as
 *           JSON text>}]} (queue-receive's result)
 *   writes  TABLE_FILE: {"pk": "summary#latest", "kind": "summary",
 *           "messageId", "subject", "counts", "revenue", "latest",
 *           "rejected"} (the summary less its text)
 *   result  {"stored": N}
 *   errors  Lab.BadMessage  a body that is not a JSON object
 */
#include "lab.h"

#include <string.h>

int main(void)
{
    json_t *event = lab_read_event();
    json_t *records = json_object_get(event, "Records");
    lab_table table;
    lab_table_open(&table, lab_env("TABLE_FILE"));
    size_t i;
    json_t *record;
    json_array_foreach(records, i, record)
    {
        const char *id = lab_field(record, "messageId");
        json_t *summary = json_loads(lab_field(record, "body"), 0, NULL);
        if (!json_is_object(summary))
            lab_fail("Lab.BadMessage", "message %s: the body is not a JSON object", id);
        json_t *item = json_pack("{s:s, s:s, s:s}", "pk", "summary#latest", "kind", "summary",
                                 "messageId", id);
        json_object_update(item, summary);
        json_object_del(item, "text");
        lab_table_put(&table, item);
        json_decref(summary);
    }
    lab_table_commit(&table);
    lab_table_close(&table);
    lab_reply(json_pack("{s:I}", "stored", (json_int_t)json_array_size(records)));
    json_decref(event);
    return 0;
}
