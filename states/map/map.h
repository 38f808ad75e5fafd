/*
 * map.h — the Map state's compiled fields, shared by the files of the Map
 * state (internal to states/):
 *
 *   map.c                    the state type: running, cancelling, failing
 *   map_run.c                the iteration driver both modes share
 *   map_distributed.c        what only Distributed Map does: the Map Run,
 *                            its events, its results
 *   map_fields.c             compiling the fields both modes have
 *   map_fields_distributed.c compiling ItemReader, ItemBatcher, ResultWriter
 *   map_reader*.c            where items come from (map_reader.h)
 *   map_batcher.c            grouping items into batches (map_batcher.h)
 *   map_writer.c             writing results to the store (map_writer.h)
 *   map_storage.c            what an S3 bucket and key are on this machine
 */
#ifndef SF_STATES_MAP_H
#define SF_STATES_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include "engine/cursor.h"

/* A numeric field given literally or by a ...Path reference path:
 * MaxConcurrency, ToleratedFailureCount, ToleratedFailurePercentage,
 * ReaderConfig.MaxItems, ItemBatcher.MaxItemsPerBatch and
 * MaxInputBytesPerBatch. */
typedef struct map_number {
    bool given;    /* either form is present */
    double value;  /* the literal form */
    sf_path *path; /* the Path form, evaluated against the effective input */
} map_number;

/* What an ItemReader reads. */
typedef enum map_input_type {
    MAP_INPUT_JSON,    /* s3:getObject of a JSON array */
    MAP_INPUT_JSONL,   /* s3:getObject of JSON Lines: a value a line */
    MAP_INPUT_CSV,     /* s3:getObject of a CSV file */
    MAP_INPUT_LISTING, /* s3:listObjectsV2: the objects under a prefix */
} map_input_type;

typedef struct map_reader_config {
    map_input_type type;
    sf_template *parameters; /* Bucket and Key (getObject) or Prefix (listing) */
    char **csv_headers;      /* CSVHeaderLocation GIVEN: CSVHeaders; else NULL */
    size_t csv_header_count;
    char csv_delimiter;   /* CSVDelimiter; ',' by default */
    map_number max_items; /* MaxItems(Path); not given or 0: every item */
} map_reader_config;

typedef struct map_batcher_config {
    map_number max_items;     /* MaxItemsPerBatch(Path) */
    map_number max_bytes;     /* MaxInputBytesPerBatch(Path) */
    sf_template *batch_input; /* BatchInput, or NULL */
} map_batcher_config;

/* WriterConfig.Transformation: what a child execution's result becomes. */
typedef enum map_transformation {
    MAP_TRANSFORM_NONE,    /* the whole child execution record */
    MAP_TRANSFORM_COMPACT, /* its output only */
    MAP_TRANSFORM_FLATTEN, /* its output, an array's elements one by one */
} map_transformation;

typedef struct map_writer_config {
    sf_template *parameters; /* Bucket and Prefix; NULL: no files (WriterConfig only) */
    map_transformation transformation;
    bool jsonl; /* OutputType JSONL */
} map_writer_config;

typedef struct map_impl {
    sf_machine *processor;      /* ItemProcessor, or the legacy Iterator */
    sf_path *items_path;        /* NULL: "$", the whole effective input */
    sf_template *item_selector; /* ItemSelector, or the legacy Parameters */
    map_number max_concurrency;
    map_number tolerated_count;
    map_number tolerated_percentage;
    /* Distributed Map (ProcessorConfig.Mode DISTRIBUTED) only. */
    bool distributed;
    const char *label;           /* Label, borrowed from the definition; or NULL */
    map_reader_config *reader;   /* ItemReader, or NULL: items from ItemsPath */
    map_batcher_config *batcher; /* ItemBatcher, or NULL */
    map_writer_config *writer;   /* ResultWriter, or NULL */
} map_impl;

/* Failure tolerance of one run. An inline Map without either Tolerated*
 * field fails with the first failed iteration's own error; a Distributed
 * Map tolerates none by default and fails with
 * States.ExceedToleratedFailureThreshold. */
typedef struct map_tolerance {
    bool enabled;
    long long count;   /* -1: not given */
    double percentage; /* -1: not given */
} map_tolerance;

void map_compile(sf_compile_ctx *cc);
void map_impl_free(void *impl);
/* ItemReader, ItemBatcher, ResultWriter and Label (map_fields_distributed.c). */
void map_compile_distributed(sf_compile_ctx *cc, map_impl *m);
void map_distributed_fields_free(map_impl *m);
/* Load-time checks of ItemReader against the resource map. */
void map_check_load(sf_compile_ctx *cc);

/* Compile `field` (a literal) or `field`Path of obj, found at JSON Pointer
 * base: a number from min to max, an integer when `integer`. */
void map_compile_number(sf_compile_ctx *cc, json_t *obj, const char *base, const char *field,
                        bool integer, double min, double max, map_number *out);

/* Resolve a numeric field against input (the effective input). On a bad
 * value returns false with err set (States.Runtime, the cause without the
 * "An error occurred while executing the state" prefix). */
bool map_resolve_number(sf_cursor *c, const map_number *f, const char *field, bool integer,
                        double min, double max, json_t *input, double *out, sf_error *err);
/* MaxConcurrency(Path): 0 means unbounded. */
bool map_resolve_max_concurrency(sf_cursor *c, const map_impl *m, json_t *input, size_t *out,
                                 sf_error *err);
/* The Tolerated* fields. */
bool map_resolve_tolerance(sf_cursor *c, const map_impl *m, json_t *input, map_tolerance *out,
                           sf_error *err);

#endif
