/*
 * graph_dot.h — writing a graph_model (and optionally an execution's
 * overlay) as Graphviz DOT.
 *
 * The output is deterministic for a given model and overlay (the golden
 * tests compare it byte for byte) and always acceptable to `dot`: every
 * text goes through graph_text's escaping, node and cluster ids are
 * generated (n3, cluster_n3_b1), never taken from state names.
 */
#ifndef SF_GRAPH_DOT_H
#define SF_GRAPH_DOT_H

#include <stdbool.h>
#include "tools/graph/graph_model.h"
#include "tools/graph/graph_overlay.h"
#include "tools/graph/graph_text.h"

typedef struct graph_dot_options {
    const char *rankdir; /* "TB" or "LR"; NULL: chosen from the model */
    bool legend;
    /* The title: a bold first line and an optional second one (may be NULL). */
    const char *title;
    const char *subtitle;
} graph_dot_options;

/* Append the DOT text of m to out; ov (may be NULL) colours it by what
 * happened in an execution. */
void graph_dot_write(graph_text *out, const graph_model *m, const graph_overlay *ov,
                     const graph_dot_options *opts);

#endif
