/*
 * graph_dot.c — a graph_model as Graphviz DOT (see graph_dot.h).
 *
 * Drawing choices, for people who look rather than read:
 *   - a shape per state type (rounded box Task, box Pass, diamond Choice,
 *     hexagon Wait, double oval Succeed, octagon Fail, 3-D box Map,
 *     component Parallel) and, without an execution, a soft colour per type;
 *   - a Parallel or Map is a cluster holding its state node, a labelled
 *     cluster per branch (or the item processor) and a join bar; edges into
 *     it stop at the cluster's border and its own edges leave from the bar;
 *   - with an execution, the fill says what happened (green succeeded,
 *     yellow retried, orange caught, red failed, blue running, grey
 *     stopped, white not reached), taken edges are bold with their count
 *     when above one, and edges never taken fade out;
 *   - every text is shortened to keep nodes small at 50+ states; the full
 *     name and details stay in the SVG tooltip.
 * Node ids are the model's indices (n3), so names need no escaping there,
 * and nothing depends on hash order: the output is stable.
 */
#include "tools/graph/graph_dot.h"
#include "engine/state_type.h"
#include "engine/xalloc.h"
#include "tools/graph/graph_labels.h"

#include <stdlib.h>
#include <string.h>

#define FONT          "Helvetica,Arial,sans-serif"
#define NAME_MAX      40
#define DETAIL_MAX    44
#define RULE_MAX      40
#define ERROR_MAX     40
#define TIMES         "\xC3\x97"   /* × */
#define DOT_SEPARATOR " \xC2\xB7 " /* · */

typedef struct dot_ctx {
    graph_text *out;
    const graph_model *m;
    const graph_overlay *ov;
} dot_ctx;

typedef struct type_style {
    const char *type, *shape, *style, *fill, *border, *extra;
} type_style;

static const type_style type_styles[] = {
    {"Task", "box", "rounded,filled", "#e3f2fd", "#1e88e5", ""},
    {"Pass", "box", "filled", "#f5f5f5", "#9e9e9e", ""},
    {"Choice", "diamond", "filled", "#fff8e1", "#f9a825", ", margin=\"0.02,0.02\""},
    {"Wait", "hexagon", "filled", "#ede7f6", "#7e57c2", ""},
    {"Succeed", "oval", "filled", "#e8f5e9", "#43a047", ", peripheries=2"},
    {"Fail", "octagon", "filled", "#ffebee", "#e53935", ""},
    {"Parallel", "component", "filled", "#e0f2f1", "#00897b", ""},
    {"Map", "box3d", "filled", "#e0f2f1", "#00897b", ""},
};

typedef struct status_style {
    const char *fill, *border, *text, *style;
    double penwidth;
} status_style;

/* Indexed by graph_status. */
static const status_style status_styles[] = {
    {"#fafafa", "#bdbdbd", "#9e9e9e", "", 1.0},        /* not reached */
    {"#e0e0e0", "#757575", "#616161", "dashed,", 1.2}, /* stopped */
    {"#c8e6c9", "#2e7d32", "#1b5e20", "", 1.6},        /* succeeded */
    {"#fff59d", "#f9a825", "#8d6e00", "", 2.0},        /* retried */
    {"#ffcc80", "#ef6c00", "#bf360c", "", 2.2},        /* caught */
    {"#ef9a9a", "#c62828", "#b71c1c", "", 3.0},        /* failed */
    {"#90caf9", "#1565c0", "#0d47a1", "", 2.2},        /* running */
};

/* The SVG class of a state node: "sf-" and the status, one word. */
static const char *status_class(graph_status status)
{
    return status == GRAPH_STATUS_NOT_REACHED ? "not-reached" : graph_status_name(status);
}

static const type_style *style_of(const sf_state *st)
{
    for (size_t i = 0; i < sizeof type_styles / sizeof type_styles[0]; i++)
        if (st->type && strcmp(st->type->name, type_styles[i].type) == 0)
            return &type_styles[i];
    return &type_styles[1];
}

static void indent(dot_ctx *c, int depth)
{
    for (int i = 0; i < depth; i++)
        graph_text_append(c->out, "  ");
}

/* ---- Node labels ---- */

static void append_small(graph_text *t, const char *color, const char *text, size_t max)
{
    graph_text_printf(t, "<BR/><FONT POINT-SIZE=\"9\" COLOR=\"%s\">", color);
    graph_text_html(t, text, max);
    graph_text_append(t, "</FONT>");
}

static void append_type_line(graph_text *t, const graph_node *n)
{
    const sf_state *st = n->state;
    char *detail = graph_label_state_detail(st);
    graph_text line;
    graph_text_init(&line);
    graph_text_append(&line, st->type ? st->type->name : "?");
    if (st->type && strcmp(st->type->name, "Parallel") == 0)
        graph_text_printf(&line, DOT_SEPARATOR "%zu branch%s", n->child_count,
                          n->child_count == 1 ? "" : "es");
    if (detail)
        graph_text_printf(&line, DOT_SEPARATOR "%s", detail);
    append_small(t, "#546e7a", line.data, DETAIL_MAX);
    graph_text_free(&line);
    free(detail);
}

static const char *status_word(const graph_node_stats *s, graph_status status)
{
    if (status == GRAPH_STATUS_RETRIED && !s->retries)
        return "failed, retried";
    return status == GRAPH_STATUS_RETRIED ? "retried" : graph_status_name(status);
}

static void append_duration(graph_text *t, int64_t ms)
{
    graph_text plain;
    graph_text_init(&plain);
    graph_text_duration(&plain, ms);
    graph_text_html(t, plain.data, 0);
    graph_text_free(&plain);
}

/* "succeeded · 1.2 s", "retried ×2 · 3.1 s", "caught · 40 ms · 1 retry",
 * or for several visits "×3 · avg 12 ms · max 30 ms". */
static void append_timing(graph_text *t, const graph_node_stats *s, graph_status status)
{
    if (s->visits > 1) {
        graph_text_printf(t, "<B>" TIMES "%ld</B>" DOT_SEPARATOR "avg ", s->visits);
        append_duration(t, s->total_ms / s->visits);
        graph_text_append(t, DOT_SEPARATOR "max ");
        append_duration(t, s->max_ms);
        return;
    }
    graph_text_printf(t, "<B>%s</B>", status_word(s, status));
    if (status == GRAPH_STATUS_RETRIED && s->retries)
        graph_text_printf(t, " " TIMES "%ld", s->retries);
    graph_text_append(t, DOT_SEPARATOR);
    append_duration(t, s->total_ms);
    if (status == GRAPH_STATUS_RUNNING)
        graph_text_append(t, " so far");
    if (status != GRAPH_STATUS_RETRIED && s->retries)
        graph_text_printf(t, DOT_SEPARATOR "%ld retr%s", s->retries, s->retries == 1 ? "y" : "ies");
}

/* For several visits: how they ended, "2 ok · 1 caught · retried ×1". */
static void append_outcomes(graph_text *t, const graph_node_stats *s)
{
    const struct {
        long count;
        const char *word;
    } parts[] = {{s->succeeded, "ok"},    {s->caught, "caught"},
                 {s->failed, "failed"},   {s->retried_away, "retried after failing"},
                 {s->stopped, "stopped"}, {s->running, "running"}};
    bool first = true;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (!parts[i].count)
            continue;
        graph_text_printf(t, "%s%ld %s", first ? "" : DOT_SEPARATOR, parts[i].count, parts[i].word);
        first = false;
    }
    if (s->retries)
        graph_text_printf(t, "%sretried " TIMES "%ld", first ? "" : DOT_SEPARATOR, s->retries);
}

static void append_items(graph_text *t, const graph_node_stats *s)
{
    graph_text_printf(t, "items: %ld ok", s->items_succeeded);
    if (s->items_failed)
        graph_text_printf(t, DOT_SEPARATOR "%ld failed", s->items_failed);
    if (s->items_running)
        graph_text_printf(t, DOT_SEPARATOR "%ld running", s->items_running);
    if (s->items_aborted)
        graph_text_printf(t, DOT_SEPARATOR "%ld stopped", s->items_aborted);
    graph_text_printf(t, " / %ld", s->items);
}

static void append_overlay_lines(graph_text *t, const dot_ctx *c, size_t index)
{
    const graph_node_stats *s = &c->ov->nodes[index];
    graph_status status = graph_node_status(s);
    const char *color = status_styles[status].text;
    graph_text_printf(t, "<BR/><FONT POINT-SIZE=\"9\" COLOR=\"%s\">", color);
    if (status == GRAPH_STATUS_NOT_REACHED)
        graph_text_append(t, "not reached");
    else
        append_timing(t, s, status);
    graph_text_append(t, "</FONT>");
    graph_text line;
    graph_text_init(&line);
    if (s->visits > 1) {
        append_outcomes(&line, s);
        graph_text_printf(t, "<BR/><FONT POINT-SIZE=\"9\" COLOR=\"%s\">%s</FONT>", color,
                          line.data);
    }
    if (c->m->nodes[index].is_map && s->visits) {
        graph_text_free(&line);
        graph_text_init(&line);
        append_items(&line, s);
        graph_text_printf(t, "<BR/><FONT POINT-SIZE=\"9\" COLOR=\"%s\">%s</FONT>", color,
                          line.data);
    }
    graph_text_free(&line);
    if (s->error && status >= GRAPH_STATUS_RETRIED) {
        graph_text_printf(t, "<BR/><FONT POINT-SIZE=\"10\" COLOR=\"%s\"><B>", color);
        graph_text_html(t, s->error, ERROR_MAX);
        graph_text_append(t, "</B></FONT>");
    }
}

static void append_state_label(graph_text *t, const dot_ctx *c, size_t index)
{
    const graph_node *n = &c->m->nodes[index];
    graph_text_append(t, "<<B>");
    graph_text_html(t, n->state->name, NAME_MAX);
    graph_text_append(t, "</B>");
    append_type_line(t, n);
    char *retry = graph_label_retry(n->state);
    if (retry) {
        /* One line per rule, each shortened on its own. */
        for (char *line = retry, *end; line; line = end ? end + 1 : NULL) {
            end = strchr(line, '\n');
            if (end)
                *end = '\0';
            append_small(t, "#8d6e63", line, DETAIL_MAX);
        }
        free(retry);
    }
    if (c->ov)
        append_overlay_lines(t, c, index);
    graph_text_append(t, ">");
}

/* ---- Nodes and clusters ---- */

static void append_tooltip(graph_text *t, const dot_ctx *c, size_t index)
{
    const graph_node *n = &c->m->nodes[index];
    char *detail = graph_label_state_detail(n->state);
    graph_text_append(t, ", tooltip=\"");
    graph_text_quoted(t, n->state->name, 0);
    graph_text_printf(t, " (%s)", n->state->type ? n->state->type->name : "?");
    if (detail) {
        graph_text_append(t, "\\n");
        graph_text_quoted(t, detail, 0);
    }
    const graph_node_stats *s = c->ov ? &c->ov->nodes[index] : NULL;
    if (s && s->error) {
        graph_text_append(t, "\\nerror: ");
        graph_text_quoted(t, s->error, 0);
    }
    graph_text_append(t, "\"");
    free(detail);
}

static void write_state_node(dot_ctx *c, size_t index, int depth)
{
    const graph_node *n = &c->m->nodes[index];
    const type_style *ts = style_of(n->state);
    indent(c, depth);
    graph_text_printf(c->out, "n%zu [shape=%s", index, ts->shape);
    if (c->ov) {
        graph_status status = graph_node_status(&c->ov->nodes[index]);
        const status_style *ss = &status_styles[status];
        graph_text_printf(c->out,
                          ", class=\"sf-%s\", style=\"%s%s\", fillcolor=\"%s\", color=\"%s\", "
                          "penwidth=%.1f",
                          status_class(status), ss->style, ts->style, ss->fill, ss->border,
                          ss->penwidth);
        if (status == GRAPH_STATUS_NOT_REACHED)
            graph_text_printf(c->out, ", fontcolor=\"%s\"", ss->text);
    } else {
        graph_text_printf(c->out, ", style=\"%s\", fillcolor=\"%s\", color=\"%s\"", ts->style,
                          ts->fill, ts->border);
    }
    graph_text_append(c->out, ts->extra);
    graph_text_append(c->out, ", label=");
    append_state_label(c->out, c, index);
    append_tooltip(c->out, c, index);
    graph_text_append(c->out, "];\n");
}

static void write_machine(dot_ctx *c, size_t owner, size_t branch, int depth);

static void write_branch_cluster(dot_ctx *c, size_t index, size_t b, int depth)
{
    const graph_node *n = &c->m->nodes[index];
    indent(c, depth);
    graph_text_printf(c->out, "subgraph cluster_n%zu_b%zu {\n", index, b);
    indent(c, depth + 1);
    if (n->is_map)
        graph_text_append(c->out, "label=<<I>item processor</I>>;");
    else
        graph_text_printf(c->out, "label=<<I>branch %zu</I>>;", b + 1);
    graph_text_append(c->out,
                      " style=\"rounded,filled\"; fillcolor=\"#ffffff\"; color=\"#b0bec5\";\n");
    write_machine(c, index, b, depth + 1);
    indent(c, depth);
    graph_text_append(c->out, "}\n");
}

/* A Parallel or Map: its node, a cluster per branch, and the join bar. */
static void write_nested_cluster(dot_ctx *c, size_t index, int depth)
{
    const graph_node *n = &c->m->nodes[index];
    indent(c, depth);
    graph_text_printf(c->out, "subgraph cluster_n%zu {\n", index);
    indent(c, depth + 1);
    graph_text_append(c->out, "label=<<FONT POINT-SIZE=\"9\" COLOR=\"#00695c\">");
    graph_text_append(c->out, n->is_map ? "Map " : "Parallel ");
    graph_text_html(c->out, n->state->name, NAME_MAX);
    graph_text_append(c->out, "</FONT>>; style=\"rounded,dashed,filled\"; fillcolor=\"#f4f8f8\"; "
                              "color=\"#80cbc4\";\n");
    write_state_node(c, index, depth + 1);
    for (size_t b = 0; b < n->child_count; b++)
        if (n->children[b])
            write_branch_cluster(c, index, b, depth + 1);
    indent(c, depth + 1);
    graph_text_printf(c->out,
                      "n%zu [shape=box, style=filled, label=\"\", height=0.06, width=1.2, "
                      "fixedsize=true, color=\"#00897b\", fillcolor=\"#00897b\", "
                      "tooltip=\"end of ",
                      n->join);
    graph_text_quoted(c->out, n->state->name, 0);
    graph_text_append(c->out, "\"];\n");
    indent(c, depth);
    graph_text_append(c->out, "}\n");
}

/* The states of one machine: the top level (owner GRAPH_NONE) or a branch.
 * The model adds a Parallel or Map node, then every node nested in it,
 * then its join: the nodes of owner's branches lie between owner and its
 * join, and a nested state's own subtree can be stepped over whole, so
 * each node is looked at once per level rather than once per machine. */
static void write_machine(dot_ctx *c, size_t owner, size_t branch, int depth)
{
    size_t first = owner == GRAPH_NONE ? 0 : owner + 1;
    size_t end = owner == GRAPH_NONE ? c->m->node_count : c->m->nodes[owner].join;
    for (size_t i = first; i < end; i++) {
        const graph_node *n = &c->m->nodes[i];
        bool here = n->kind == GRAPH_NODE_STATE && n->owner == owner &&
                    (owner == GRAPH_NONE || n->branch == branch);
        if (here && n->join != GRAPH_NONE)
            write_nested_cluster(c, i, depth);
        else if (here)
            write_state_node(c, i, depth);
        if (n->join != GRAPH_NONE && n->join > i)
            i = n->join; /* past the subtree and its join */
    }
}

static void write_markers(dot_ctx *c)
{
    const char *marker = "shape=oval, style=filled, fillcolor=\"#37474f\", color=\"#37474f\", "
                         "fontcolor=\"#ffffff\", fontsize=10, width=0.7, height=0.3";
    graph_text_printf(c->out, "  n%zu [label=\"Start\", %s];\n", c->m->start, marker);
    graph_text_printf(c->out, "  n%zu [label=\"End\", %s];\n", c->m->end, marker);
}

/* ---- Edges ---- */

/* True when node v is drawn inside the cluster of Parallel/Map node owner. */
static bool inside_cluster(const graph_model *m, size_t v, size_t owner)
{
    for (; v != GRAPH_NONE; v = m->nodes[v].owner)
        if (v == owner)
            return true;
    return false;
}

static void append_edge_label(graph_text *t, const graph_edge *e, long taken)
{
    graph_text text;
    graph_text_init(&text);
    if (e->kind == GRAPH_EDGE_CHOICE && e->label)
        graph_text_html(&text, e->label, RULE_MAX);
    else if (e->kind == GRAPH_EDGE_DEFAULT)
        graph_text_append(&text, "<I>Default</I>");
    else if (e->kind == GRAPH_EDGE_CATCH && e->label) {
        graph_text_append(&text, "catch ");
        graph_text_html(&text, e->label, RULE_MAX);
    }
    if (taken > 1)
        graph_text_printf(&text, "%s<B>" TIMES "%ld</B>", text.len ? "<BR/>" : "", taken);
    if (text.len)
        graph_text_printf(t, ", label=<%s>", text.data);
    graph_text_free(&text);
}

static void append_edge_style(graph_text *t, const dot_ctx *c, const graph_edge *e, long taken)
{
    bool is_catch = e->kind == GRAPH_EDGE_CATCH;
    /* Edges inside a Parallel or Map, into a branch and out to the join bar. */
    bool inner = e->kind == GRAPH_EDGE_BRANCH ||
                 (e->kind == GRAPH_EDGE_END && c->m->nodes[e->to].kind == GRAPH_NODE_JOIN);
    const char *color = is_catch ? "#e65100" : inner ? "#4db6ac" : "#546e7a";
    if (c->ov && taken)
        graph_text_printf(t, ", class=\"sf-taken\", penwidth=2.6, color=\"%s\"",
                          is_catch ? "#e65100" : "#263238");
    else if (c->ov)
        graph_text_append(t, ", color=\"#cfd8dc\", fontcolor=\"#b0bec5\"");
    else
        graph_text_printf(t, ", color=\"%s\"", color);
    if (is_catch)
        graph_text_printf(t, ", style=dashed%s", c->ov && !taken ? "" : ", fontcolor=\"#e65100\"");
    if (c->ov)
        graph_text_printf(t, ", tooltip=\"taken %ld time%s\"", taken, taken == 1 ? "" : "s");
}

static void write_edge(dot_ctx *c, size_t index)
{
    const graph_model *m = c->m;
    const graph_edge *e = &m->edges[index];
    size_t tail = graph_edge_tail(m, e), head = e->to;
    long taken = c->ov ? c->ov->edges_taken[index] : 0;
    graph_text attrs; /* each attribute starts with ", " */
    graph_text_init(&attrs);
    if (m->nodes[head].join != GRAPH_NONE && !inside_cluster(m, tail, head))
        graph_text_printf(&attrs, ", lhead=cluster_n%zu", head);
    if (m->nodes[tail].kind == GRAPH_NODE_JOIN && !inside_cluster(m, head, m->nodes[tail].owner))
        graph_text_printf(&attrs, ", ltail=cluster_n%zu", m->nodes[tail].owner);
    append_edge_label(&attrs, e, taken);
    append_edge_style(&attrs, c, e, taken);
    graph_text_printf(c->out, "  n%zu -> n%zu [%s];\n", tail, head, attrs.data + 2);
    graph_text_free(&attrs);
}

/* ---- Legend and frame ---- */

static void legend_row(graph_text *t, const char *sample, const char *text)
{
    graph_text_printf(t, "<TR><TD ALIGN=\"LEFT\">%s</TD><TD ALIGN=\"LEFT\">%s</TD></TR>", sample,
                      text);
}

static void write_status_legend(graph_text *t)
{
    const graph_status order[] = {
        GRAPH_STATUS_SUCCEEDED, GRAPH_STATUS_RETRIED, GRAPH_STATUS_CAUGHT,     GRAPH_STATUS_FAILED,
        GRAPH_STATUS_RUNNING,   GRAPH_STATUS_STOPPED, GRAPH_STATUS_NOT_REACHED};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const status_style *s = &status_styles[order[i]];
        graph_text_printf(t,
                          "<TR><TD BGCOLOR=\"%s\" COLOR=\"%s\" BORDER=\"1\" WIDTH=\"24\"></TD>"
                          "<TD ALIGN=\"LEFT\">%s</TD></TR>",
                          s->fill, s->border, graph_status_name(order[i]));
    }
    legend_row(t, "<FONT COLOR=\"#263238\"><B>\xE2\x94\x81\xE2\x94\x81\xE2\x96\xB6</B></FONT>",
               "path taken (" TIMES "N: times)");
}

static void write_legend(dot_ctx *c)
{
    graph_text t;
    graph_text_init(&t);
    graph_text_append(&t, "<TABLE BORDER=\"1\" COLOR=\"#b0bec5\" CELLBORDER=\"0\" "
                          "CELLSPACING=\"2\" CELLPADDING=\"2\" BGCOLOR=\"#ffffff\">"
                          "<TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\"><B>Legend</B></TD></TR>");
    if (c->ov)
        write_status_legend(&t);
    else
        legend_row(&t, "<FONT COLOR=\"#546e7a\">\xE2\x94\x80\xE2\x94\x80\xE2\x96\xB6</FONT>",
                   "Next, Choice rule, Default");
    legend_row(&t, "<FONT COLOR=\"#e65100\">- - \xE2\x96\xB6</FONT>", "Catch (errors caught)");
    legend_row(&t, "<FONT COLOR=\"#8d6e63\">retry E " TIMES "N</FONT>",
               "Retry on E, up to N times");
    graph_text_append(&t, "</TABLE>");
    graph_text_printf(c->out, "  legend [shape=plain, fontsize=9, label=<%s>];\n", t.data);
    graph_text_printf(c->out, "  { rank=same; n%zu; legend; }\n", c->m->end);
    graph_text_free(&t);
}

static void write_header(dot_ctx *c, const graph_dot_options *o)
{
    const char *rankdir = o->rankdir ? o->rankdir : graph_model_rankdir(c->m);
    graph_text_append(c->out, "digraph stepfn {\n");
    graph_text_printf(c->out,
                      "  graph [rankdir=%s, compound=true, fontname=\"" FONT "\", fontsize=12, "
                      "nodesep=0.35, ranksep=0.45, pad=0.3, labelloc=t, labeljust=l",
                      rankdir);
    if (o->title) {
        graph_text_append(c->out, ", label=<<FONT POINT-SIZE=\"15\"><B>");
        graph_text_html(c->out, o->title, 100);
        graph_text_append(c->out, "</B></FONT><BR ALIGN=\"LEFT\"/>");
        if (o->subtitle) {
            graph_text_html(c->out, o->subtitle, 120);
            graph_text_append(c->out, "<BR ALIGN=\"LEFT\"/>");
        }
        graph_text_append(c->out, ">");
    }
    graph_text_append(c->out, "];\n");
    graph_text_append(c->out,
                      "  node [fontname=\"" FONT "\", fontsize=11, margin=\"0.14,0.05\", "
                      "penwidth=1.2];\n"
                      "  edge [fontname=\"" FONT "\", fontsize=9, arrowsize=0.7, penwidth=1.1];\n");
}

void graph_dot_write(graph_text *out, const graph_model *m, const graph_overlay *ov,
                     const graph_dot_options *opts)
{
    dot_ctx c = {out, m, ov};
    write_header(&c, opts);
    write_markers(&c);
    write_machine(&c, GRAPH_NONE, 0, 1);
    for (size_t e = 0; e < m->edge_count; e++)
        write_edge(&c, e);
    if (opts->legend)
        write_legend(&c);
    graph_text_append(out, "}\n");
}
