/*
 * reject-object — integration-patterns, the Catch path of steps 2 and 3:
 * record in the table that an uploaded object was rejected, and why.
 *
 *   event   {"bucket", "key", ..., "error": {"Error": "...", "Cause": "..."}}
 *           (the failed step's input, with the Catch's ResultPath $.error)
 *   writes  TABLE_FILE: {"pk": "object#KEY", "kind": "rejected", "source":
 *           "BUCKET/KEY", "error": Error, "reason": the errorMessage of a
 *           Lambda-style Cause, else the Cause itself}
 *   result  {"key": KEY, "outcome": "rejected", "pk": PK, "error": Error}
 */
#include "lab.h"

#include <stdio.h>

/* A Lambda-style cause is {"errorType","errorMessage"} as JSON text. */
static json_t *reason_of(const char *cause)
{
    json_t *parsed = json_loads(cause, 0, NULL);
    json_t *message = json_object_get(parsed, "errorMessage");
    json_t *reason = json_is_string(message) ? json_incref(message) : json_string(cause);
    json_decref(parsed);
    return reason;
}

int main(void)
{
    json_t *event = lab_read_event();
    const char *bucket = lab_field(event, "bucket");
    const char *key = lab_field(event, "key");
    json_t *error = json_object_get(event, "error");
    const char *name = lab_field(error, "Error");
    const char *cause = json_string_value(json_object_get(error, "Cause"));

    char pk[1024], source[1024];
    snprintf(pk, sizeof pk, "object#%s", key);
    snprintf(source, sizeof source, "%s/%s", bucket, key);
    lab_table table;
    lab_table_open(&table, lab_env("TABLE_FILE"));
    lab_table_put(&table,
                  json_pack("{s:s, s:s, s:s, s:s, s:o}", "pk", pk, "kind", "rejected", "source",
                            source, "error", name, "reason", reason_of(cause ? cause : "")));
    lab_table_commit(&table);
    lab_table_close(&table);
    lab_reply(json_pack("{s:s, s:s, s:s, s:s}", "key", key, "outcome", "rejected", "pk", pk,
                        "error", name));
    json_decref(event);
    return 0;
}
