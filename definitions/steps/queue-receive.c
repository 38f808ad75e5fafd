/*
 * queue-receive — the local stand-in for the SQS event source mapping:
 * take the oldest messages off a queue and hand them on as the event a
 * Lambda function subscribed to the queue receives.
 *
 *   event   {"QueueUrl": ".../lab-summaries", "MaxNumberOfMessages": 10}
 *   reads   the QUEUE_DIR/QUEUE/NNNNNNNN.msg files, oldest first, and
 *           deletes what it takes
 *           (receive and delete in one: the consumer runs next, in the same
 *           execution, and a failed execution is replayed from the history,
 *           which keeps this result)
 *   result  {"Records": [{"messageId": "QUEUE-NNNNNNNN", "body": "...",
 *            "eventSource": "aws:sqs", "eventSourceARN": "..."}]}
 */
#include "lab.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_message(const struct dirent *de)
{
    const char *dot = strrchr(de->d_name, '.');
    return de->d_name[0] != '.' && dot && strcmp(dot, ".msg") == 0;
}

int main(void)
{
    json_t *event = lab_read_event();
    const char *url = lab_field(event, "QueueUrl");
    json_t *max = json_object_get(event, "MaxNumberOfMessages");
    json_int_t limit = json_is_integer(max) ? json_integer_value(max) : 10;
    char *dir = lab_queue_dir(url);
    const char *queue = strrchr(dir, '/') + 1;
    char arn[512];
    snprintf(arn, sizeof arn, "arn:aws:sqs:us-east-1:123456789012:%s", queue);

    struct dirent **names = NULL;
    int n = scandir(dir, &names, is_message, by_name);
    if (n < 0 && errno != ENOENT)
        lab_fail("Lab.Io", "cannot read the queue %s: %s", dir, strerror(errno));
    json_t *records = json_array();
    for (int i = 0; i < n; i++) {
        char *path = lab_join(dir, names[i]->d_name);
        size_t len;
        char *body =
            (json_int_t)json_array_size(records) < limit ? lab_read_file(path, &len) : NULL;
        if (body && unlink(path) == 0) { /* another consumer may have taken it */
            char id[512];
            snprintf(id, sizeof id, "%s-%.*s", queue, (int)strcspn(names[i]->d_name, "."),
                     names[i]->d_name);
            json_array_append_new(records,
                                  json_pack("{s:s, s:s%, s:s, s:s}", "messageId", id, "body", body,
                                            len, "eventSource", "aws:sqs", "eventSourceARN", arn));
        }
        free(body);
        free(path);
        free(names[i]);
    }
    free(names);
    lab_reply(json_pack("{s:o}", "Records", records));
    free(dir);
    json_decref(event);
    return 0;
}
