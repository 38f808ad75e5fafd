/*
 * limits.h — every limit a hostile or runaway input meets, in one place.
 *
 * Each limit is AWS's where AWS documents one, otherwise a bound no real
 * workflow comes near. They exist so that no input can crash the engine,
 * hang it, or overflow the C stack: every recursive walk in the engine (the
 * JSON text writer, JSONPath, templates, Choice rules, jansson's own copy,
 * equality and free) is bounded by the depth of what it walks, and these
 * bound that depth. README.md ("Limits") lists them with what happens when
 * one is exceeded; keep the two in step.
 *
 * Outcomes: in a definition, a validation diagnostic (exit 3) with the JSON
 * Pointer of the element; at run time, States.DataLimitExceeded or
 * States.Runtime in the state that met the limit (exit 1); in the execution
 * input, a usage error (exit 2).
 */
#ifndef SF_LIMITS_H
#define SF_LIMITS_H

/* Payload size limit of AWS Step Functions: 256 KiB of UTF-8, for a state's
 * input and output, the execution's input, a task's input and result
 * (AWS: "Maximum input or output size for a task, state, or execution").
 * The one limit a build may change: cmake -DSTEPFN_PAYLOAD_LIMIT_BYTES=N
 * (for data that will never meet the service). */
#ifndef SF_PAYLOAD_LIMIT_BYTES
#define SF_PAYLOAD_LIMIT_BYTES (256 * 1024)
#endif

/* AWS's service quotas: "Maximum size of state machine definition: 1 MB"
 * (a hard quota; CreateStateMachine takes at most 1,048,576 characters).
 * It bounds the number of states too. */
#define SF_DEFINITION_LIMIT_BYTES (1024 * 1024)

/* How deep objects and arrays may nest in any JSON value the engine holds:
 * definitions, execution input, task results, items read by a Map, values
 * read back from a history, and values a state builds (a loop that wraps
 * its input one level deeper per turn meets it at the state that goes past
 * it). AWS states no such limit; jansson's parser stops at 2048. A value at
 * most this deep can still grow inside one state by what the definition
 * adds (a template, a ResultPath), which the definition's own depth bounds,
 * so every walk stays within a few thousand frames. */
#define SF_JSON_DEPTH_LIMIT 512

/* JSONPath: how deep parentheses, '!' and filters may nest in one path
 * (a filter's own parentheses count, so $[?(@.a[?(@.b ...)])] may hold 32
 * filters one inside the other), how many terms, '!' and parenthesized
 * groups one path's filters may hold in all (a chain of && is a tree as
 * deep as it is long), and how many steps a path may have (evaluation and
 * ResultPath's assignment go a frame per step). */
#define SF_PATH_NESTING_LIMIT      64
#define SF_PATH_FILTER_NODES_LIMIT 256
#define SF_PATH_STEPS_LIMIT        SF_JSON_DEPTH_LIMIT

/* JSONPath: nodes one evaluation may visit, filters included. "$..*..*..*"
 * visits the document once per match of the step before: without a bound a
 * few such steps over a modest input run for hours. A scan of the largest
 * payload visits about 130,000. */
#define SF_PATH_VISITS_LIMIT 10000000

/* Intrinsic functions: AWS allows 10 nested calls in a field. Arguments of
 * one call: AWS states no limit; States.Format or States.Array with more
 * than this many is a runaway generator, not a workflow. */
#define SF_INTRINSIC_NESTING_LIMIT 10
#define SF_INTRINSIC_ARGS_LIMIT    1000

#endif
