/*
 * map_reader.c — opening the reader an ItemReader describes, and the
 * reader over an array already in memory.
 *
 * The ItemReader's Parameters are evaluated by the caller; here Bucket and
 * Key (or Prefix) are checked, resolved to a local file or folder
 * (map_storage.c) and handed to the reader of the InputType. Parameters
 * that are not strings fail with States.ItemReaderFailed naming the field;
 * other Parameters (VersionId, ExpectedBucketOwner, ...) mean nothing on a
 * local disk and are ignored.
 */
#include "engine/json_util.h"
#include "engine/xalloc.h"
#include "states/map/map_reader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- Shared by the readers ---- */

int map_reader_next(map_reader *r, json_t **item, sf_error *err)
{
    return r->ops->next(r, item, err);
}

void map_reader_free(map_reader *r)
{
    if (!r)
        return;
    char *origin = r->origin;
    r->ops->free(r);
    free(origin);
}

void map_reader_fail(const map_reader *r, sf_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = sf_vasprintf(fmt, ap);
    va_end(ap);
    sf_error_set(err, SF_ERR_ITEM_READER_FAILED, "Cannot read items from %s: %s", r->origin, msg);
    free(msg);
}

FILE *map_reader_fopen(const map_object *o, sf_error *err)
{
    FILE *f = fopen(o->path, "rb");
    if (!f)
        sf_error_set(err, SF_ERR_ITEM_READER_FAILED, "Cannot read items from %s: %s", o->shown,
                     errno == ENOENT ? "no such object (the file does not exist)"
                                     : strerror(errno));
    return f;
}

/* ---- Items already in memory ---- */

typedef struct array_reader {
    map_reader base;
    json_t *array;
    size_t next;
} array_reader;

static int array_next(map_reader *r, json_t **item, sf_error *err)
{
    (void)err;
    array_reader *a = (array_reader *)r;
    if (a->next >= json_array_size(a->array))
        return 0;
    json_t *v = json_array_get(a->array, a->next++);
    if (item)
        *item = json_incref(v);
    return 1;
}

static void array_free(map_reader *r)
{
    array_reader *a = (array_reader *)r;
    json_decref(a->array);
    free(a);
}

static const map_reader_ops array_ops = {array_next, array_free};

map_reader *map_reader_array(json_t *array)
{
    array_reader *a = SF_NEW(array_reader);
    a->base.ops = &array_ops;
    a->base.origin = sf_strdup("the state input");
    a->array = json_incref(array);
    return &a->base;
}

/* ---- Opening an ItemReader ---- */

/* Parameters.field as a string; NULL (and err set) when it is not one.
 * optional: absent is "". */
static const char *param_string(json_t *params, const char *field, bool optional, sf_error *err)
{
    json_t *v = json_object_get(params, field);
    if (!v && optional)
        return "";
    if (!json_is_string(v))
        sf_error_set(err, SF_ERR_ITEM_READER_FAILED,
                     "ItemReader.Parameters.%s must be a string, not %s", field,
                     v ? sf_json_type_name(v) : "missing");
    return json_string_value(v);
}

map_reader *map_reader_open(const map_reader_config *cfg, json_t *params, const sf_resources *map,
                            const char *exec_dir, sf_error *err)
{
    bool listing = cfg->type == MAP_INPUT_LISTING;
    const char *bucket = param_string(params, "Bucket", false, err);
    const char *key =
        bucket ? param_string(params, listing ? "Prefix" : "Key", listing, err) : NULL;
    map_object o;
    if (!key || !map_object_resolve(map, exec_dir, bucket, key, &o, err))
        return NULL;
    map_reader *r = NULL;
    switch (cfg->type) {
    case MAP_INPUT_JSON:
        r = map_reader_json_open(&o, err);
        break;
    case MAP_INPUT_JSONL:
        r = map_reader_jsonl_open(&o, err);
        break;
    case MAP_INPUT_CSV:
        r = map_reader_csv_open(&o, cfg, err);
        break;
    case MAP_INPUT_LISTING:
        r = map_reader_listing_open(&o, err);
        break;
    }
    map_object_clear(&o);
    return r;
}
