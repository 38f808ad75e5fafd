/*
 * map_batcher.h — grouping a Distributed Map's items into batches
 * (ItemBatcher): each child execution gets
 *
 *   {"BatchInput": <BatchInput>, "Items": [item, item, ...]}
 *
 * ("BatchInput" only when given) holding at most MaxItemsPerBatch items and
 * at most MaxInputBytesPerBatch bytes of compact JSON, whichever limit is
 * reached first. Items are pulled one at a time from the caller, so a batch
 * is the only part of the data set in memory.
 */
#ifndef SF_STATES_MAP_BATCHER_H
#define SF_STATES_MAP_BATCHER_H

#include <stddef.h>
#include <jansson.h>
#include "engine/error.h"

typedef struct map_batcher map_batcher;

/* Where the items come from: 1 with a new reference in *item, 0 when there
 * are no more, -1 with err set. */
typedef int (*map_item_pull)(void *ctx, json_t **item, sf_error *err);

/* max_items, max_bytes: 0 for no limit. batch_input is stolen (may be
 * NULL). */
map_batcher *map_batcher_new(size_t max_items, size_t max_bytes, json_t *batch_input);
/* The next batch in *batch (new reference) and the number of items in it:
 * 1; 0 when no item is left; -1 with err set (the pull failed, or one item
 * alone is larger than MaxInputBytesPerBatch: States.Runtime). */
int map_batcher_next(map_batcher *b, map_item_pull pull, void *ctx, json_t **batch, size_t *count,
                     sf_error *err);
void map_batcher_free(map_batcher *b);

#endif
