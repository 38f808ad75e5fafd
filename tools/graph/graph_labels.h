/*
 * graph_labels.h — readable one-line forms of definition elements for
 * `stepfn graph`: Choice rules, Task resources, Wait and Map settings,
 * Retry and Catch rules.
 *
 * They read the state's JSON (borrowed from the compiled definition), not
 * the state types' private compiled forms, so states/ stays free to change
 * those. Every function returns a malloc'd string (or NULL when there is
 * nothing to say); none shortens: the DOT writer decides how much fits.
 */
#ifndef SF_GRAPH_LABELS_H
#define SF_GRAPH_LABELS_H

#include <jansson.h>
#include "engine/definition.h"

/* A Choice rule as a condition: `$.status == "ok"`,
 * `$.a > 1 and not ($.b is null)`; a JSONata Condition as written. */
char *graph_label_choice_rule(const json_t *rule);

/* What a state does, beyond its type: the Task resource ("exec:steps/x",
 * "lambda s3-processor", "http:invoke GET https://..."), the Wait
 * ("5 s", "until $.when"), the Map items ("items $.orders, 5 at a time"),
 * the Fail error. NULL when there is nothing to add. */
char *graph_label_state_detail(const sf_state *st);

/* One line per Retry rule: "retry States.ALL ×3". NULL when none. */
char *graph_label_retry(const sf_state *st);

/* The errors a Catch rule catches: "States.TaskFailed, Timeout". */
char *graph_label_catch(const sf_catcher *k);

#endif
