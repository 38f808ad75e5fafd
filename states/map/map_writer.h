/*
 * map_writer.h — a Distributed Map's ResultWriter: the results of its child
 * executions, written to the execution's folder in the store as AWS writes
 * them to S3:
 *
 *   STORE/executions/NAME/results/BUCKET/PREFIX/MAPRUNID/
 *       SUCCEEDED_0.json   the succeeded children, a JSON array
 *       FAILED_0.json      the failed ones (only when there are any)
 *       manifest.json      {"DestinationBucket", "MapRunArn", "ResultFiles":
 *                           {"FAILED": [{"Key","Size"}], "PENDING": [],
 *                            "SUCCEEDED": [...]}}
 *
 * (".jsonl" files, one result a line, with OutputType JSONL.) Results are
 * appended as children finish, so they are on disk, not in memory, while
 * the Map runs; manifest.json is written last, under a temporary name and
 * then renamed, so its presence means the files are complete.
 */
#ifndef SF_STATES_MAP_WRITER_H
#define SF_STATES_MAP_WRITER_H

#include <stdbool.h>
#include <jansson.h>
#include "engine/error.h"
#include "states/map/map.h"

typedef struct map_writer map_writer;

/* Create the results folder for keys under key_prefix ("PREFIX/MAPRUNID/")
 * of bucket, below exec_dir. NULL with err (States.ResultWriterFailed). */
map_writer *map_writer_open(const char *exec_dir, const char *bucket, const char *key_prefix,
                            const char *map_run_arn, map_transformation transformation, bool jsonl,
                            sf_error *err);
/* Add a child's result. record is its whole child-execution record (stolen);
 * output (borrowed, may be NULL) is what COMPACT and FLATTEN keep of a
 * succeeded child. false with err set when the file cannot be written. */
bool map_writer_add(map_writer *w, bool succeeded, json_t *record, json_t *output, sf_error *err);
/* Close the files and write manifest.json. */
bool map_writer_finish(map_writer *w, sf_error *err);
/* Close without a manifest (the run was cut short). */
void map_writer_free(map_writer *w);

#endif
