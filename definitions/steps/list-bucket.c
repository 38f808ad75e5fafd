/*
 * list-bucket — integration-patterns, step 1: list the uploads.
 *
 * The local stand-in for S3 ListObjectsV2 on the upload bucket.
 *   event   {"bucket": "lab-uploads"}
 *   reads   the folder BUCKET_DIR (every file below it, recursively)
 *   result  {"bucket": "lab-uploads", "keys": ["order-1001.json", ...]}
 * Keys are sorted, as S3 returns them; names starting with '.' are skipped.
 * A missing folder is an empty bucket.
 */
#include "lab.h"

int main(void)
{
    json_t *event = lab_read_event();
    const char *bucket = lab_field(event, "bucket");
    json_t *keys = lab_list_keys(lab_env("BUCKET_DIR"));
    lab_reply(json_pack("{s:s, s:o}", "bucket", bucket, "keys", keys));
    json_decref(event);
    return 0;
}
