/*
 * map_reader.h — where a Map's items come from, one at a time.
 *
 * A reader yields items in order and keeps only what the next item needs
 * (a line, a CSV record, one element of a JSON array, the sorted key names
 * of a listing), so a file of a million items is never in memory at once.
 * The array reader walks an array that is already in memory (ItemsPath).
 *
 * Readers of files (map_reader_json.c, map_reader_jsonl.c,
 * map_reader_csv.c) and of folders (map_reader_listing.c) fail with
 * States.ItemReaderFailed and a cause naming the object (s3://bucket/key),
 * the local file and the line (and column, for JSON) at fault.
 *
 * Ownership: items are new references, stolen by the caller.
 */
#ifndef SF_STATES_MAP_READER_H
#define SF_STATES_MAP_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>
#include "engine/error.h"
#include "engine/invoke/resources.h"
#include "states/map/map.h"

typedef struct map_reader map_reader;

typedef struct map_reader_ops {
    /* 1 and the item in *item (NULL item: check it, do not build it); 0 at
     * the end; -1 with err set. */
    int (*next)(map_reader *r, json_t **item, sf_error *err);
    void (*free)(map_reader *r);
} map_reader_ops;

struct map_reader {
    const map_reader_ops *ops;
    char *origin; /* "s3://bucket/key (local/path)", for messages */
};

/* An S3 object (or prefix) resolved to this machine. */
typedef struct map_object {
    char *bucket;
    char *key;      /* the key, or the listing's Prefix */
    char *path;     /* the local file (for a listing: where the prefix points) */
    char *folder;   /* the local folder standing for the bucket, or for ... */
    char *key_base; /* ... the keys starting with this (an entry's PREFIX) */
    char *shown;    /* "s3://bucket/key (path as the map names it)", for messages */
} map_object;

/* Resolve Bucket and Key (or Prefix) through the resource map; a bucket
 * that is not in it falls back to what this execution's ResultWriter wrote
 * (EXEC_DIR/results/BUCKET). false with err (States.ItemReaderFailed) when
 * neither has it or the key would leave its folder (".." segments). */
bool map_object_resolve(const sf_resources *map, const char *exec_dir, const char *bucket,
                        const char *key, map_object *out, sf_error *err);
void map_object_clear(map_object *o);
/* True when key, taken as a path, stays inside its folder: not absolute,
 * no ".." segment. */
bool map_key_stays_inside(const char *key);

/* Open the reader an ItemReader describes; params is its evaluated
 * Parameters. NULL with err set. */
map_reader *map_reader_open(const map_reader_config *cfg, json_t *params, const sf_resources *map,
                            const char *exec_dir, sf_error *err);
/* A reader over the elements of an array (borrowed reference kept). */
map_reader *map_reader_array(json_t *array);

int map_reader_next(map_reader *r, json_t **item, sf_error *err);
void map_reader_free(map_reader *r);

/* ---- For the readers ---- */

map_reader *map_reader_json_open(const map_object *o, sf_error *err);
map_reader *map_reader_jsonl_open(const map_object *o, sf_error *err);
map_reader *map_reader_csv_open(const map_object *o, const map_reader_config *cfg, sf_error *err);
map_reader *map_reader_listing_open(const map_object *o, sf_error *err);

/* Open o->path for reading; NULL with err naming the object. */
FILE *map_reader_fopen(const map_object *o, sf_error *err);
/* Set err to States.ItemReaderFailed with "Cannot read items from ORIGIN:
 * <message>". */
void map_reader_fail(const map_reader *r, sf_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
