/*
 * map.h — the Map state's compiled fields, shared by map.c (running) and
 * map_fields.c (compiling and checking the fields, and resolving the
 * numeric ones at run time). Internal to states/.
 */
#ifndef SF_STATES_MAP_H
#define SF_STATES_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include "engine/cursor.h"

/* A numeric field given literally or by a ...Path reference path:
 * MaxConcurrency, ToleratedFailureCount, ToleratedFailurePercentage. */
typedef struct map_number {
    bool given;    /* either form is present */
    double value;  /* the literal form */
    sf_path *path; /* the Path form, evaluated against the effective input */
} map_number;

typedef struct map_impl {
    sf_machine *processor;      /* ItemProcessor, or the legacy Iterator */
    sf_path *items_path;        /* NULL: "$", the whole effective input */
    sf_template *item_selector; /* ItemSelector, or the legacy Parameters */
    map_number max_concurrency;
    map_number tolerated_count;
    map_number tolerated_percentage;
} map_impl;

/* Failure tolerance of one run. A Map without either Tolerated* field
 * fails with the first failed iteration's own error. */
typedef struct map_tolerance {
    bool enabled;
    long long count;   /* -1: not given */
    double percentage; /* -1: not given */
} map_tolerance;

void map_compile(sf_compile_ctx *cc);
void map_impl_free(void *impl);

/* Resolve MaxConcurrency(Path) against input: 0 means unbounded. On a bad
 * value returns false with err set (States.Runtime, the cause without the
 * "An error occurred while executing the state" prefix). */
bool map_resolve_max_concurrency(sf_cursor *c, const map_impl *m, json_t *input, size_t *out,
                                 sf_error *err);
/* Resolve the Tolerated* fields likewise. */
bool map_resolve_tolerance(sf_cursor *c, const map_impl *m, json_t *input, map_tolerance *out,
                           sf_error *err);

#endif
