/*
 * parse-object — integration-patterns, step 2 (once per uploaded object):
 * read one object of the bucket and say what it holds.
 *
 *   event   {"bucket": "lab-uploads", "key": "order-1001.json"}
 *   reads   BUCKET_DIR/KEY
 *   result  a JSON object:  {"bucket", "key", "kind": "record",
 *                            "record": <the parsed JSON>}
 *           anything else:  {"bucket", "key", "kind": "raw", "contentType",
 *                            "size", "content": "<text>"}, or
 *                            "contentBase64" when it is not UTF-8 text;
 *                            neither when it is over 32 KiB
 *   errors  Lab.MalformedJson  a .json object that does not parse (a data
 *                              error: the pipeline catches it and records
 *                              the object as rejected)
 *           Lab.ReadError      the object cannot be read (not the data's
 *                              fault: nothing catches it, the execution
 *                              fails and can be replayed once it is fixed)
 */
#include "lab.h"

#include <errno.h>
#include <string.h>

#define RAW_CONTENT_MAX (32 * 1024)

static const char *content_type_of(const char *key)
{
    static const char *const types[][2] = {
        {".json", "application/json"}, {".csv", "text/csv"},   {".txt", "text/plain"},
        {".md", "text/markdown"},      {".xml", "text/xml"},   {".html", "text/html"},
        {".png", "image/png"},         {".jpg", "image/jpeg"}, {".pdf", "application/pdf"},
    };
    const char *dot = strrchr(key, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i][0]) == 0)
            return types[i][1];
    return "application/octet-stream";
}

static json_t *base64(const unsigned char *data, size_t len)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v =
            data[i] << 16 | (i + 1 < len ? data[i + 1] << 8 : 0) | (i + 2 < len ? data[i + 2] : 0);
        *o++ = digits[v >> 18 & 63];
        *o++ = digits[v >> 12 & 63];
        *o++ = i + 1 < len ? digits[v >> 6 & 63] : '=';
        *o++ = i + 2 < len ? digits[v & 63] : '=';
    }
    *o = '\0';
    json_t *s = json_string(out);
    free(out);
    return s;
}

static json_t *parse_record(const char *key, const char *data, size_t len)
{
    json_error_t jerr;
    json_t *record = json_loadb(data, len, JSON_DECODE_ANY, &jerr);
    if (!record)
        lab_fail("Lab.MalformedJson", "%s is not valid JSON: line %d, column %d: %s", key,
                 jerr.line, jerr.column, jerr.text);
    return record;
}

static void describe_raw(json_t *result, const char *key, const char *data, size_t len)
{
    json_object_set_new(result, "kind", json_string("raw"));
    json_object_set_new(result, "contentType", json_string(content_type_of(key)));
    json_object_set_new(result, "size", json_integer((json_int_t)len));
    if (len > RAW_CONTENT_MAX)
        return;
    json_t *text = json_stringn(data, len); /* NULL unless valid UTF-8 */
    if (text)
        json_object_set_new(result, "content", text);
    else
        json_object_set_new(result, "contentBase64", base64((const unsigned char *)data, len));
}

int main(void)
{
    json_t *event = lab_read_event();
    const char *bucket = lab_field(event, "bucket");
    const char *key = lab_field(event, "key");
    lab_check_key(key);
    char *path = lab_join(lab_env("BUCKET_DIR"), key);
    size_t len;
    char *data = lab_read_file(path, &len);
    if (!data)
        lab_fail("Lab.ReadError", "cannot read %s/%s: %s", bucket, key, strerror(errno));

    json_t *result = json_pack("{s:s, s:s}", "bucket", bucket, "key", key);
    const char *dot = strrchr(key, '.');
    if (dot && strcmp(dot, ".json") == 0) {
        json_object_set_new(result, "kind", json_string("record"));
        json_object_set_new(result, "record", parse_record(key, data, len));
    } else {
        describe_raw(result, key, data, len);
    }
    lab_reply(result);
    free(data);
    free(path);
    json_decref(event);
    return 0;
}
