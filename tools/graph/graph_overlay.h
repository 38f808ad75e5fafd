/*
 * graph_overlay.h — what happened in one execution, per node and per edge
 * of a graph_model, folded from its history events.
 *
 * Each state is counted per place it ran (its scope: top level, a branch, a
 * Map iteration) and then summed per node, so a state inside a Map shows
 * all its iterations, and a state in a loop all its visits.
 *
 * Retries: a Task's TaskScheduled and a Parallel's or Map's ...StateStarted
 * after the first within one visit are Retry attempts. When a Parallel or
 * Map runs again, the failures inside its previous attempt count as
 * `retried_away`, not as failures: they did not fail the execution.
 *
 * Replays (redrives): events after an ExecutionRedriven replace, for each
 * state in each scope they touch, what earlier attempts recorded there
 * ("the latest attempt wins"); places the replay did not run again keep
 * their earlier result.
 *
 * Ownership: the overlay borrows the events array, which must outlive it
 * (error names point into it), and the model.
 */
#ifndef SF_GRAPH_OVERLAY_H
#define SF_GRAPH_OVERLAY_H

#include <stdint.h>
#include <jansson.h>
#include "tools/graph/graph_model.h"

/* In increasing precedence: a node shows the highest that applies. */
typedef enum graph_status {
    GRAPH_STATUS_NOT_REACHED,
    GRAPH_STATUS_STOPPED,   /* cut short: a sibling failed, the run was aborted */
    GRAPH_STATUS_SUCCEEDED, /* every visit succeeded at the first attempt */
    GRAPH_STATUS_RETRIED,   /* succeeded, after Retry attempts */
    GRAPH_STATUS_CAUGHT,    /* failed, and a Catch rule took over */
    GRAPH_STATUS_FAILED,    /* failed for good */
    GRAPH_STATUS_RUNNING,
} graph_status;

typedef struct graph_node_stats {
    long visits;       /* times the state was entered */
    long succeeded;    /* visits that left it normally */
    long caught;       /* visits that failed into a Catch */
    long failed;       /* visits that failed for good */
    long retried_away; /* failures an enclosing Retry ran again */
    long stopped;      /* visits cut short */
    long running;      /* visits still in progress */
    long retries;      /* Retry attempts of the state itself */
    int64_t total_ms, max_ms;
    const char *error; /* the failure's error name, borrowed from the events */
    /* Map states: iterations over all visits. */
    long items, items_succeeded, items_failed, items_running, items_aborted;
} graph_node_stats;

typedef struct graph_overlay {
    graph_node_stats *nodes; /* per model node */
    long *edges_taken;       /* per model edge */
    size_t unmatched;        /* events naming a state the definition lacks */
    int redrive_count;
} graph_overlay;

/* Fold events (a borrowed array of history events) over the model. Visits
 * still open at the end run until now_ms. */
graph_overlay *graph_overlay_build(const graph_model *m, const json_t *events, int64_t now_ms);
void graph_overlay_free(graph_overlay *o);

graph_status graph_node_status(const graph_node_stats *s);
/* "succeeded", "failed", "not reached", ... */
const char *graph_status_name(graph_status status);

#endif
