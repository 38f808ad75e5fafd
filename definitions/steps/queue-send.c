/*
 * queue-send — the local stand-in for SQS SendMessage, used wherever a lab
 * pipeline buffers something in a queue (the summary topic's queue
 * subscriber, the visits queue).
 *
 *   event   {"QueueUrl": ".../lab-summaries", "MessageBody": <any JSON>}
 *           (the Parameters an sqs:sendMessage task takes; a body that is
 *           not a string is sent as JSON text, as Step Functions does)
 *   writes  QUEUE_DIR/QUEUE/NNNNNNNN.msg, the body, in the order sent
 *   result  {"MessageId": "QUEUE-NNNNNNNN"}
 */
#include "lab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    json_t *event = lab_read_event();
    char *dir = lab_queue_dir(lab_field(event, "QueueUrl"));
    json_t *body = json_object_get(event, "MessageBody");
    if (!body)
        lab_fail("Lab.BadEvent", "the event needs a \"MessageBody\"");
    char *owned = json_is_string(body) ? NULL : lab_dumps(body, JSON_COMPACT);
    const char *text = owned ? owned : json_string_value(body);
    lab_mkdirs(dir);
    long n = lab_write_numbered(dir, ".msg", 8, text, strlen(text));
    char id[512];
    snprintf(id, sizeof id, "%s-%08ld", strrchr(dir, '/') + 1, n);
    lab_reply(json_pack("{s:s}", "MessageId", id));
    free(owned);
    free(dir);
    json_decref(event);
    return 0;
}
