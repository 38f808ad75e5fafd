/*
 * graph_model.c — a definition as nodes and edges (see graph_model.h).
 *
 * Nested machines are found through the definition's list of all machines:
 * a branch of state S is the machine whose parent is S's machine and whose
 * JSON Pointer is S's pointer plus "/Branches/N" ("/ItemProcessor" or
 * "/Iterator" for a Map). The pointers are escaped, so a state named
 * "a/Branches" cannot be mistaken for a branch. Choice rules and Defaults
 * are read from the state's JSON and resolved by name, so a Choice whose
 * own compiled form is private to states/ still gets its edges.
 *
 * A definition that compiled with errors yields a partial model: missing
 * targets and states that did not compile have no node and no edges, which
 * the picture shows honestly as a dangling state.
 */
#include "tools/graph/graph_model.h"
#include "engine/state_type.h"
#include "engine/xalloc.h"
#include "tools/graph/graph_labels.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t add_node(graph_model *m, graph_node_kind kind, const sf_state *st, size_t owner,
                       size_t branch)
{
    if (m->node_count == m->node_cap) {
        m->node_cap = m->node_cap ? 2 * m->node_cap : 16;
        m->nodes = sf_realloc(m->nodes, m->node_cap * sizeof *m->nodes);
    }
    graph_node *n = &m->nodes[m->node_count];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->state = st;
    n->owner = owner;
    n->branch = branch;
    n->join = GRAPH_NONE;
    n->entry_edge = GRAPH_NONE;
    return m->node_count++;
}

static bool is_type(const sf_state *st, const char *name)
{
    return st->type && strcmp(st->type->name, name) == 0;
}

/* The nested machines by the pointer of the state that may own them (their
 * own pointer less "/Branches/N", "/ItemProcessor" or "/Iterator"): each
 * Parallel or Map state then looks at its own few candidates rather than at
 * every machine of the definition. Values are arrays of machine indexes. */
static json_t *machines_by_owner(const sf_definition *def)
{
    json_t *index = json_object();
    for (size_t i = 0; i < def->machine_count; i++) {
        const char *p = def->machines[i]->pointer;
        const char *cut = def->machines[i]->parent ? strrchr(p, '/') : NULL;
        if (cut && cut > p && strspn(cut + 1, "0123456789") == strlen(cut + 1)) {
            const char *branches = cut - 1;
            while (branches > p && *branches != '/')
                branches--;
            cut = branches; /* ".../Branches/N": the state is before "/Branches" */
        }
        if (!cut)
            continue;
        char *owner = sf_strndup(p, (size_t)(cut - p));
        json_t *list = json_object_get(index, owner);
        if (!list)
            json_object_set_new(index, owner, list = json_array());
        json_array_append_new(list, json_integer((json_int_t)i));
        free(owner);
    }
    return index;
}

/* The machines nested directly in st, indexed as in its Branches array (a
 * branch that did not compile leaves a NULL). */
static void find_children(const graph_model *m, const sf_state *st, graph_node *n)
{
    const sf_definition *def = m->def;
    size_t plen = strlen(st->pointer);
    n->is_map = is_type(st, "Map");
    json_t *candidates = json_object_get(m->machines_by_owner, st->pointer);
    for (size_t k = 0; k < json_array_size(candidates); k++) {
        const sf_machine *mm = def->machines[json_integer_value(json_array_get(candidates, k))];
        if (mm->parent != st->machine || strncmp(mm->pointer, st->pointer, plen) != 0)
            continue;
        const char *rest = mm->pointer + plen;
        size_t index;
        char *end = NULL;
        if (strncmp(rest, "/Branches/", 10) == 0 && !n->is_map) {
            index = strtoul(rest + 10, &end, 10);
            if (*end != '\0')
                continue;
        } else if (n->is_map &&
                   (strcmp(rest, "/ItemProcessor") == 0 || strcmp(rest, "/Iterator") == 0)) {
            index = 0;
        } else {
            continue;
        }
        if (index >= n->child_count) {
            n->children = sf_realloc(n->children, (index + 1) * sizeof *n->children);
            for (size_t k = n->child_count; k <= index; k++)
                n->children[k] = NULL;
            n->child_count = index + 1;
        }
        n->children[index] = mm;
    }
}

static void add_machine(graph_model *m, const sf_machine *machine, size_t owner, size_t branch);

static void add_state(graph_model *m, const sf_state *st, size_t owner, size_t branch)
{
    size_t index = add_node(m, GRAPH_NODE_STATE, st, owner, branch);
    if (!is_type(st, "Parallel") && !is_type(st, "Map"))
        return;
    find_children(m, st, &m->nodes[index]);
    for (size_t b = 0; b < m->nodes[index].child_count; b++)
        if (m->nodes[index].children[b])
            add_machine(m, m->nodes[index].children[b], index, b);
    size_t join = add_node(m, GRAPH_NODE_JOIN, NULL, index, 0);
    m->nodes[index].join = join;
}

static void add_machine(graph_model *m, const sf_machine *machine, size_t owner, size_t branch)
{
    for (size_t i = 0; i < machine->state_count; i++)
        add_state(m, machine->states[i], owner, branch);
}

/* ---- Lookup by state ---- */

typedef struct node_by_ptr {
    uintptr_t state;
    size_t node;
} node_by_ptr;

static int compare_node_by_ptr(const void *a, const void *b)
{
    const node_by_ptr *x = a, *y = b;
    return x->state < y->state ? -1 : x->state > y->state;
}

/* Sorted once (a definition may have 200,000 states), for the binary
 * search of graph_model_node_of. */
static void index_states(graph_model *m)
{
    node_by_ptr *pairs = sf_calloc(m->node_count ? m->node_count : 1, sizeof *pairs);
    for (size_t i = 0; i < m->node_count; i++)
        if (m->nodes[i].kind == GRAPH_NODE_STATE)
            pairs[m->state_count++] = (node_by_ptr){(uintptr_t)m->nodes[i].state, i};
    qsort(pairs, m->state_count, sizeof *pairs, compare_node_by_ptr);
    m->nodes_by_ptr = sf_calloc(m->state_count ? m->state_count : 1, sizeof *m->nodes_by_ptr);
    for (size_t i = 0; i < m->state_count; i++)
        m->nodes_by_ptr[i] = pairs[i].node;
    free(pairs);
}

size_t graph_model_node_of(const graph_model *m, const sf_state *st)
{
    size_t lo = 0, hi = m->state_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const sf_state *here = m->nodes[m->nodes_by_ptr[mid]].state;
        if (here == st)
            return m->nodes_by_ptr[mid];
        if ((uintptr_t)here < (uintptr_t)st)
            lo = mid + 1;
        else
            hi = mid;
    }
    return GRAPH_NONE;
}

/* ---- Edges ---- */

static void add_edge(graph_model *m, size_t from, size_t to, graph_edge_kind kind, size_t rule,
                     char *label)
{
    if (from == GRAPH_NONE || to == GRAPH_NONE) {
        free(label);
        return;
    }
    if (m->edge_count == m->edge_cap) {
        m->edge_cap = m->edge_cap ? 2 * m->edge_cap : 16;
        m->edges = sf_realloc(m->edges, m->edge_cap * sizeof *m->edges);
    }
    m->edges[m->edge_count] = (graph_edge){from, to, kind, rule, label};
    graph_node *n = &m->nodes[from];
    n->out = sf_realloc(n->out, (n->out_count + 1) * sizeof *n->out);
    n->out[n->out_count++] = m->edge_count;
    if (kind == GRAPH_EDGE_START || kind == GRAPH_EDGE_BRANCH)
        m->nodes[to].entry_edge = m->edge_count;
    m->edge_count++;
}

static size_t node_named(const graph_model *m, const sf_machine *machine, const char *name)
{
    const sf_state *st = name ? sf_machine_find_state(machine, name) : NULL;
    return st ? graph_model_node_of(m, st) : GRAPH_NONE;
}

static void add_choice_edges(graph_model *m, size_t from, const sf_state *st)
{
    json_t *choices = json_object_get(st->json, "Choices");
    size_t i;
    json_t *rule;
    json_array_foreach(choices, i, rule)
    {
        const char *next = json_string_value(json_object_get(rule, "Next"));
        add_edge(m, from, node_named(m, st->machine, next), GRAPH_EDGE_CHOICE, i,
                 graph_label_choice_rule(rule));
    }
    const char *fallback = json_string_value(json_object_get(st->json, "Default"));
    add_edge(m, from, node_named(m, st->machine, fallback), GRAPH_EDGE_DEFAULT, 0, NULL);
}

static void add_state_edges(graph_model *m, size_t index)
{
    const graph_node *n = &m->nodes[index];
    const sf_state *st = n->state;
    size_t owner = n->owner;
    if (st == st->machine->start)
        add_edge(m, owner == GRAPH_NONE ? m->start : owner, index,
                 owner == GRAPH_NONE ? GRAPH_EDGE_START : GRAPH_EDGE_BRANCH, n->branch, NULL);
    if (is_type(st, "Choice"))
        add_choice_edges(m, index, st);
    else if (st->next)
        add_edge(m, index, graph_model_node_of(m, st->next), GRAPH_EDGE_NEXT, 0, NULL);
    else if (st->end || is_type(st, "Succeed"))
        add_edge(m, index, owner == GRAPH_NONE ? m->end : m->nodes[owner].join, GRAPH_EDGE_END, 0,
                 NULL);
    for (size_t k = 0; k < st->catcher_count; k++)
        add_edge(m, index, graph_model_node_of(m, st->catchers[k].next), GRAPH_EDGE_CATCH, k,
                 graph_label_catch(&st->catchers[k]));
}

graph_model *graph_model_build(const sf_definition *def)
{
    graph_model *m = SF_NEW(graph_model);
    m->def = def;
    m->start = add_node(m, GRAPH_NODE_START, NULL, GRAPH_NONE, 0);
    m->machines_by_owner = machines_by_owner(def);
    if (def->top)
        add_machine(m, def->top, GRAPH_NONE, 0);
    json_decref(m->machines_by_owner);
    m->machines_by_owner = NULL;
    m->end = add_node(m, GRAPH_NODE_END, NULL, GRAPH_NONE, 0);
    index_states(m);
    for (size_t i = 0; i < m->node_count; i++)
        if (m->nodes[i].kind == GRAPH_NODE_STATE)
            add_state_edges(m, i);
    return m;
}

void graph_model_free(graph_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->node_count; i++) {
        free(m->nodes[i].children);
        free(m->nodes[i].out);
    }
    for (size_t i = 0; i < m->edge_count; i++)
        free(m->edges[i].label);
    free(m->nodes);
    free(m->edges);
    free(m->nodes_by_ptr);
    free(m);
}

size_t graph_edge_tail(const graph_model *m, const graph_edge *e)
{
    size_t join = m->nodes[e->from].join;
    return join != GRAPH_NONE && e->kind != GRAPH_EDGE_BRANCH ? join : e->from;
}

/* ---- Choosing the direction ---- */

/* The edges leaving each node as drawn (from graph_edge_tail), grouped:
 * those of node v are edge[start[v]] .. edge[start[v + 1] - 1]. */
typedef struct tail_edges {
    size_t *start, *edge;
} tail_edges;

static tail_edges group_by_tail(const graph_model *m)
{
    size_t n = m->node_count;
    tail_edges g = {sf_calloc(n + 2, sizeof(size_t)),
                    sf_calloc(m->edge_count ? m->edge_count : 1, sizeof(size_t))};
    for (size_t e = 0; e < m->edge_count; e++)
        g.start[graph_edge_tail(m, &m->edges[e]) + 2]++;
    for (size_t v = 2; v < n + 2; v++)
        g.start[v] += g.start[v - 1];
    for (size_t e = 0; e < m->edge_count; e++)
        g.edge[g.start[graph_edge_tail(m, &m->edges[e]) + 1]++] = e;
    return g;
}

typedef struct layering {
    const graph_model *m;
    tail_edges out;
    unsigned char *mark; /* 0 new, 1 on the DFS stack, 2 done */
    size_t *order;       /* nodes in reverse topological order (post-order) */
    size_t order_len;
    bool *back;    /* edges that close a loop, left out of the ranking */
    size_t *stack; /* the DFS path: nodes, with next_out their next edge */
    size_t *next_out;
} layering;

/* Depth-first from v, with a stack of its own: a chain of 200,000 states
 * is 200,000 deep. */
static void visit(layering *l, size_t v)
{
    size_t depth = 0;
    l->stack[depth++] = v;
    l->mark[v] = 1;
    l->next_out[v] = l->out.start[v];
    while (depth > 0) {
        size_t u = l->stack[depth - 1];
        if (l->next_out[u] == l->out.start[u + 1]) {
            l->mark[u] = 2;
            l->order[l->order_len++] = u;
            depth--;
            continue;
        }
        size_t e = l->out.edge[l->next_out[u]++];
        size_t to = l->m->edges[e].to;
        if (l->mark[to] == 1) {
            l->back[e] = true;
        } else if (l->mark[to] == 0) {
            l->mark[to] = 1;
            l->next_out[to] = l->out.start[to];
            l->stack[depth++] = to;
        }
    }
}

/* Longest-path ranks of the drawing, loops cut; returns the rank count and
 * sets *widest to the most nodes in one rank. */
static size_t count_ranks(const graph_model *m, size_t *widest)
{
    size_t n = m->node_count;
    layering l = {m,
                  group_by_tail(m),
                  sf_calloc(n, 1),
                  sf_calloc(n, sizeof(size_t)),
                  0,
                  sf_calloc(m->edge_count ? m->edge_count : 1, sizeof(bool)),
                  sf_calloc(n, sizeof(size_t)),
                  sf_calloc(n, sizeof(size_t))};
    visit(&l, m->start);
    for (size_t v = 0; v < n; v++)
        if (!l.mark[v])
            visit(&l, v);
    size_t *rank = sf_calloc(n, sizeof *rank), *per_rank = sf_calloc(n + 1, sizeof *per_rank);
    size_t ranks = 0;
    for (size_t i = n; i-- > 0;) {
        size_t v = l.order[i];
        for (size_t k = l.out.start[v]; k < l.out.start[v + 1]; k++) {
            const graph_edge *edge = &m->edges[l.out.edge[k]];
            if (!l.back[l.out.edge[k]] && rank[edge->to] < rank[v] + 1)
                rank[edge->to] = rank[v] + 1;
        }
        per_rank[rank[v]]++;
        if (rank[v] + 1 > ranks)
            ranks = rank[v] + 1;
    }
    *widest = 1;
    for (size_t r = 0; r < ranks; r++)
        if (per_rank[r] > *widest)
            *widest = per_rank[r];
    free(l.mark), free(l.order), free(l.back), free(l.stack), free(l.next_out);
    free(l.out.start), free(l.out.edge), free(rank), free(per_rank);
    return ranks;
}

const char *graph_model_rankdir(const graph_model *m)
{
    /* Typical drawn sizes in inches: a node is about 2.2 wide and 0.6 high,
     * and ranks are about 0.9 apart; aim for a 3:2 landscape page. */
    size_t widest;
    double ranks = (double)count_ranks(m, &widest), width = (double)widest;
    double top_down = (width * 2.2) / (ranks * 0.9);
    double left_right = (ranks * 2.8) / (width * 0.8);
    double target = 1.5;
    return fabs(log(left_right / target)) < fabs(log(top_down / target)) ? "LR" : "TB";
}
