/*
 * map_batcher.c — ItemBatcher (see map_batcher.h).
 *
 * The byte limit counts the batch as the child execution receives it:
 * compact JSON of {"BatchInput": ..., "Items": [...]}, commas included. An
 * item that would take a batch over the limit starts the next batch; it is
 * held back (one item of lookahead) until then. An item that is larger
 * than the limit on its own can never be sent, and fails the Map Run with
 * States.Runtime naming its position and size rather than being dropped.
 */
#include "engine/lang/jsonpath.h"
#include "engine/xalloc.h"
#include "states/map/map_batcher.h"

#include <stdlib.h>
#include <string.h>

struct map_batcher {
    size_t max_items, max_bytes;
    json_t *batch_input;
    size_t empty_bytes; /* the batch with no item */
    json_t *held;       /* the item that did not fit the last batch */
    size_t held_bytes;
    size_t items_pulled;
};

static json_t *batch_shell(const map_batcher *b)
{
    json_t *batch = json_object();
    if (b->batch_input)
        json_object_set(batch, "BatchInput", b->batch_input);
    json_object_set_new(batch, "Items", json_array());
    return batch;
}

static size_t compact_size(const json_t *v)
{
    char *text = sf_json_compact(v);
    size_t n = strlen(text);
    free(text);
    return n;
}

map_batcher *map_batcher_new(size_t max_items, size_t max_bytes, json_t *batch_input)
{
    map_batcher *b = SF_NEW(map_batcher);
    b->max_items = max_items;
    b->max_bytes = max_bytes;
    b->batch_input = batch_input;
    json_t *empty = batch_shell(b);
    b->empty_bytes = compact_size(empty);
    json_decref(empty);
    return b;
}

/* The next item and its size in the batch (0 without a byte limit). */
static int next_item(map_batcher *b, map_item_pull pull, void *ctx, json_t **item, size_t *bytes,
                     sf_error *err)
{
    if (b->held) {
        *item = b->held;
        *bytes = b->held_bytes;
        b->held = NULL;
        return 1;
    }
    int got = pull(ctx, item, err);
    if (got <= 0)
        return got;
    b->items_pulled++;
    *bytes = b->max_bytes ? compact_size(*item) : 0;
    if (b->max_bytes && b->empty_bytes + *bytes > b->max_bytes) {
        sf_error_set(err, SF_ERR_RUNTIME,
                     "Item %zu is %zu bytes as JSON; a batch with it would be %zu bytes, more "
                     "than ItemBatcher's MaxInputBytesPerBatch (%zu)",
                     b->items_pulled - 1, *bytes, b->empty_bytes + *bytes, b->max_bytes);
        json_decref(*item);
        return -1;
    }
    return 1;
}

int map_batcher_next(map_batcher *b, map_item_pull pull, void *ctx, json_t **batch, size_t *count,
                     sf_error *err)
{
    json_t *out = batch_shell(b);
    json_t *items = json_object_get(out, "Items");
    size_t used = b->empty_bytes;
    json_t *item;
    size_t bytes;
    int got = 1;
    while ((b->max_items == 0 || json_array_size(items) < b->max_items) &&
           (got = next_item(b, pull, ctx, &item, &bytes, err)) > 0) {
        size_t comma = json_array_size(items) > 0;
        if (b->max_bytes && used + comma + bytes > b->max_bytes) {
            b->held = item; /* it opens the next batch */
            b->held_bytes = bytes;
            break;
        }
        used += comma + bytes;
        json_array_append_new(items, item);
    }
    if (got < 0 || json_array_size(items) == 0) {
        json_decref(out);
        return got < 0 ? -1 : 0;
    }
    *count = json_array_size(items);
    *batch = out;
    return 1;
}

void map_batcher_free(map_batcher *b)
{
    if (!b)
        return;
    json_decref(b->batch_input);
    json_decref(b->held);
    free(b);
}
