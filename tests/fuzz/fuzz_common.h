/*
 * fuzz_common.h — what the fuzz targets of tests/fuzz/ share: a NUL-ended
 * copy of the fuzzer's bytes, a scratch folder for the entry points that
 * read files (the history, the resource map), the fixed definitions the
 * execution targets run, and one execution run to its end on a loop of its
 * own.
 *
 * Every run must be independent of the runs before it, or a crash found
 * after a million runs cannot be reproduced from its input alone. So a run
 * makes its own libuv loop and closes it, compiles its definition afresh,
 * and leaves no file behind in the scratch folder. The JSON pool
 * (engine/json_alloc.c) is never installed: jansson uses malloc, and the
 * engine keeps no freed cursors for reuse (it does so only with the pool),
 * so every allocation's end is seen by the leak checker.
 *
 * Task states are replaced by an echo (sf_fuzz_state_types): the same
 * fields and data flow as the real Task (Parameters, ResultSelector,
 * ResultPath, Retry, Catch, Assign), but its result is its effective input,
 * in-process, so no program or HTTP request runs. An effective input that is
 * an object with a string "EchoError" fails the task with that error, so
 * Retry and Catch are reachable too.
 */
#ifndef SF_FUZZ_COMMON_H
#define SF_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "engine/definition.h"
#include "engine/store/replay.h"

/* libFuzzer's entry point, which each target defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data as a NUL-terminated string (malloc'd; an embedded NUL ends it). */
char *sf_fuzz_text_copy(const uint8_t *data, size_t size);

/* The scratch folder of this process, made on first use and removed at
 * exit; NULL when it cannot be made. */
const char *sf_fuzz_dir(void);
/* Remove everything in the scratch folder (not the folder itself). */
void sf_fuzz_dir_clear(void);
/* Write data to the scratch folder as `name`; returns its path (malloc'd)
 * or NULL. The caller unlinks it when done. */
char *sf_fuzz_file_write(const char *name, const void *data, size_t len);

/* The state types of the CLI, with Task replaced by the echo (see top):
 * a NULL-terminated table like states/registry.c's. */
const sf_state_type *const *sf_fuzz_state_types(void);

/* The fixed definitions of the execution targets (tests/fuzz/definitions,
 * read once, in file name order): how many there are, and the text of one
 * (borrowed). */
size_t sf_fuzz_definition_count(void);
const char *sf_fuzz_definition_text(size_t index, size_t *len);
/* Compile definition index with sf_fuzz_state_types(); NULL when it does
 * not compile cleanly (a broken set of definitions is a setup error, so
 * this aborts rather than hide it). */
sf_definition *sf_fuzz_definition_compile(size_t index);

/* Run one execution to its end: a fresh run of def with input (borrowed)
 * when events is NULL, else a continuation of the recorded events
 * (borrowed) in mode (from_state for SF_REPLAY_FROM). The history is
 * written to the scratch folder, which is emptied afterwards. A run still going
 * after a short while (a Wait, a Retry's back-off) is aborted, as SIGINT
 * aborts the CLI's. */
void sf_fuzz_exec_run(sf_definition *def, json_t *input, json_t *events, sf_replay_mode mode,
                      const char *from_state);

#endif
