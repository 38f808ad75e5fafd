/*
 * map_run.h — one run of a Map state: the iterations it starts, the ones in
 * flight, and how it ends. Shared by map.c (the state type), map_run.c (the
 * driver, both modes) and map_distributed.c (what a Distributed Map adds:
 * the Map Run, child execution records, ResultWriter). Internal to states/.
 *
 * Memory of a run grows with the iterations in flight (one map_live each),
 * not with the items: items are pulled from a reader as iterations start.
 * Only the outputs of finished iterations accumulate, when they make the
 * state's output (no ResultWriter) — inherent, as AWS returns them all.
 */
#ifndef SF_STATES_MAP_RUN_H
#define SF_STATES_MAP_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>
#include "states/map/map.h"
#include "states/map/map_batcher.h"
#include "states/map/map_reader.h"

typedef struct map_run map_run;
typedef struct map_distributed map_distributed;

/* One iteration in flight, in start order (= index order). */
typedef struct map_live {
    map_run *run;
    sf_cursor *child; /* NULL while sf_cursor_spawn is running it */
    size_t index;     /* the iteration's index: the item's, or the batch's */
    size_t items;     /* items it carries: 1, or the batch's size */
    json_t *input;    /* Distributed Map: its input, for its record */
    int64_t start_ms;
    bool spawning, ended;
    struct map_live *prev, *next;
} map_live;

struct map_run {
    sf_cursor *cursor; /* the Map's own cursor */
    const map_impl *impl;
    json_t *input;        /* the effective input: "$" of ItemSelector */
    json_t *item_context; /* "$$" of ItemSelector, its Map member replaced per item */
    map_reader *reader;   /* the items */
    size_t max_items;     /* ReaderConfig.MaxItems; 0: every item */
    size_t items_read;    /* items taken from the reader */
    size_t total_items;   /* items there are, for ToleratedFailurePercentage */
    map_batcher *batcher; /* NULL: one item per iteration */
    json_t *results;      /* outputs by iteration index, or NULL (ResultWriter) */
    size_t iterations;    /* started */
    size_t running;
    size_t failed_items;
    size_t max_concurrency; /* 0: unbounded */
    map_tolerance tolerance;
    map_live *live_head, *live_tail;
    bool exhausted;       /* no item is left to start */
    bool selector_failed; /* the failure is an ItemSelector's */
    bool pumping;         /* inside the driver: iteration ends only count */
    bool failed;
    sf_error error;
    uv_idle_t *resume;     /* pending continuation of the driver, or NULL */
    map_distributed *dist; /* Distributed Map only */
};

/* ---- map_run.c ---- */

/* A run over reader (stolen) for the Map's cursor c; input is borrowed. */
map_run *map_run_new(sf_cursor *c, json_t *input, map_reader *reader);
/* Start iterations; the run ends the state when it is over (c->run_data
 * must be r). */
void map_run_start(map_run *r);
/* Fail the run before it started iterations (err is consumed). */
void map_run_fail(map_run *r, sf_error *err);
/* Stop it from outside: abort the iterations in flight and free it. */
void map_run_cancel(map_run *r);
void map_run_free(map_run *r);
/* What c->run_data holds once a run failed because of its iterations, its
 * reader or writer, until the engine's `failed` hook records MapStateFailed. */
void *map_run_failed_marker(void);
/* An event that follows `previous` without moving the Map's chain. */
void map_side_event(sf_cursor *c, int64_t previous, const char *type, json_t *details);
/* A MapIteration* event of item `index` following `previous`; returns its
 * id (the Map's chain is the caller's to move). */
int64_t map_iteration_event(sf_cursor *c, int64_t previous, const char *type, size_t index);

/* ---- map.c ---- */

/* The array ItemsPath selects from input, or NULL after failing the state
 * (States.Runtime). */
json_t *map_items_from_input(sf_cursor *c, const map_impl *m, json_t *input);

/* ---- map_distributed.c ---- */

/* Run a Distributed Map: from MapStateStarted on (MaxConcurrency is
 * resolved, given as max_concurrency). */
void map_distributed_run(sf_cursor *c, json_t *input, size_t max_concurrency);
/* A child ended: record its result (output or err; output is borrowed).
 * false with werr set when the ResultWriter could not write it. */
bool map_distributed_result(map_run *r, map_live *l, json_t *output, const sf_error *err,
                            sf_error *werr);
/* All children ended: record MapRunSucceeded and return the state's result
 * (new reference), or NULL with err set (the ResultWriter failed). */
json_t *map_distributed_succeeded(map_run *r, sf_error *err);
/* The run failed with err (borrowed): MapRunFailed, and the results so far
 * are written out. */
void map_distributed_failed(map_run *r, const sf_error *err);
/* The run was stopped from outside: MapRunAborted. */
void map_distributed_aborted(map_run *r);
void map_distributed_free(map_distributed *d);

#endif
