/*
 * summary.h — what DescribeExecution reports, folded from history events.
 *
 * The same fold serves a running execution (each event is applied as it is
 * recorded) and a stored one (`stepfn describe` replays its log), so `run
 * --format json` and `describe` can never disagree.
 */
#ifndef SF_SUMMARY_H
#define SF_SUMMARY_H

#include <stdint.h>
#include <stdbool.h>
#include <jansson.h>

typedef struct sf_summary {
    char *name;
    char *execution_arn;
    char *state_machine_arn;
    const char *status; /* RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED */
    int64_t start_ms, stop_ms, redrive_ms;
    char *input;  /* JSON text, as AWS returns it */
    char *output; /* JSON text, when SUCCEEDED */
    char *error, *cause;
    char *failed_state; /* last state entered before a failure, for people */
    char *last_entered; /* name of the last state entered at any depth */
    size_t last_entered_cap;
    char *last_failure; /* state entered last before the latest failure event */
    int redrive_count;
    int64_t event_count;
    int64_t last_event_id;
} sf_summary;

void sf_summary_init(sf_summary *s);
void sf_summary_free(sf_summary *s);
/* Fold one event (borrowed) into the summary. */
void sf_summary_apply(sf_summary *s, const json_t *event);
/* The same from an event's parts (details borrowed, may be NULL): what the
 * engine calls as it records, without building the event object. */
void sf_summary_apply_parts(sf_summary *s, const char *type, int64_t id, int64_t timestamp_ms,
                            const json_t *details);
/* The same for a *StateEntered or *StateExited event, whose only detail
 * the summary needs is the state's name. */
void sf_summary_apply_state_event(sf_summary *s, const char *type, int64_t id, const char *name);
/* The same for an entry (entered) or exit event of the engine's own
 * recording, which knows which it is: no type to compare. fail_state: the
 * state entered is a Fail state. */
void sf_summary_apply_io(sf_summary *s, int64_t id, bool entered, const char *name,
                         bool fail_state);
/* The state whose failure ended the execution, when the engine knows it
 * (recorded as "state" on ExecutionFailed). */
void sf_summary_set_failed_state(sf_summary *s, const char *state);
/* DescribeExecution-shaped object (new reference). */
json_t *sf_summary_describe(const sf_summary *s);

#endif
