/*
 * graph_model.h — a compiled definition as a graph of nodes and edges, the
 * shape `stepfn graph` draws and the execution overlay counts on.
 *
 * A node per state, in definition order, depth first: a Parallel or Map
 * state's node is followed by the nodes of its branches (or item processor)
 * and then by its join node, where the branches' end states meet and from
 * which the state's own transitions are drawn. Two marker nodes, Start and
 * End, belong to the top level.
 *
 * Edges are logical: a Parallel or Map state's Next, Catch and End edges go
 * from its state node (the overlay counts them there); graph_edge_tail says
 * where each is drawn from.
 *
 * Ownership: the model borrows the definition, which must outlive it, and
 * owns its nodes, edges and labels.
 */
#ifndef SF_GRAPH_MODEL_H
#define SF_GRAPH_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include "engine/definition.h"

#define GRAPH_NONE ((size_t)-1)

typedef enum graph_node_kind {
    GRAPH_NODE_STATE,
    GRAPH_NODE_START, /* the Start marker */
    GRAPH_NODE_END,   /* the End marker */
    GRAPH_NODE_JOIN,  /* where a Parallel's branches or a Map's iterations meet */
} graph_node_kind;

typedef enum graph_edge_kind {
    GRAPH_EDGE_START,   /* Start marker -> StartAt */
    GRAPH_EDGE_BRANCH,  /* Parallel/Map state -> the StartAt of a branch or item processor */
    GRAPH_EDGE_NEXT,    /* Next */
    GRAPH_EDGE_CHOICE,  /* a Choice rule; rule = its index in Choices */
    GRAPH_EDGE_DEFAULT, /* a Choice's Default */
    GRAPH_EDGE_CATCH,   /* a Catch rule; rule = its index in Catch */
    GRAPH_EDGE_END,     /* an end state -> End marker, or the enclosing join */
} graph_edge_kind;

typedef struct graph_edge {
    size_t from, to;
    graph_edge_kind kind;
    size_t rule;
    char *label; /* readable condition or error list (not shortened), or NULL */
} graph_edge;

typedef struct graph_node {
    graph_node_kind kind;
    const sf_state *state; /* STATE nodes */
    /* STATE: the enclosing Parallel/Map node (GRAPH_NONE at the top level)
     * and the branch index within it; JOIN: the Parallel/Map node. */
    size_t owner, branch;
    size_t join;                 /* a Parallel/Map STATE's join node, else GRAPH_NONE */
    const sf_machine **children; /* Parallel: its branches in order; Map: its processor */
    size_t child_count;
    bool is_map;
    size_t *out; /* edges whose `from` is this node, in order */
    size_t out_count;
    size_t entry_edge; /* the START or BRANCH edge into this node, or GRAPH_NONE */
} graph_node;

typedef struct graph_model {
    const sf_definition *def;
    graph_node *nodes;
    size_t node_count, node_cap;
    graph_edge *edges;
    size_t edge_count, edge_cap;
    size_t start, end;    /* the marker nodes */
    size_t *nodes_by_ptr; /* STATE node indices sorted by state pointer */
    size_t state_count;
    json_t *machines_by_owner; /* while building: see graph_model.c */
} graph_model;

/* Build the model of def (borrowed). Works on definitions that compiled
 * with errors too: states that did not compile and transitions that did not
 * resolve are simply absent. */
graph_model *graph_model_build(const sf_definition *def);
void graph_model_free(graph_model *m);

/* The node of a state, or GRAPH_NONE. */
size_t graph_model_node_of(const graph_model *m, const sf_state *st);

/* The node an edge is drawn from: a Parallel/Map state's own transitions
 * leave from its join node. */
size_t graph_edge_tail(const graph_model *m, const graph_edge *e);

/* "TB" or "LR": the direction whose drawing comes closest to a landscape
 * page, from the number of ranks and the widest rank. */
const char *graph_model_rankdir(const graph_model *m);

#endif
