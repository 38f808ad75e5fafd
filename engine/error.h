/*
 * error.h — a runtime failure as ASL sees it: an error name and a cause.
 *
 * Every failure that can reach a Retry, a Catch or the execution's final
 * status is carried as an sf_error. Names follow the AWS documentation
 * (States.Runtime, States.IntrinsicFailure, States.TaskFailed, ...); the cause
 * is the human text AWS would give, byte for byte where AWS's text is known.
 *
 * Ownership: an sf_error owns both strings. sf_error_clear frees them and
 * leaves the struct zeroed, so a cleared error can be set again.
 */
#ifndef SF_ERROR_H
#define SF_ERROR_H

#include <stdarg.h>
#include <stdbool.h>

typedef struct sf_error {
    char *name;  /* NULL when no error is set */
    char *cause; /* may be NULL: AWS reports "no cause" differently from "" */
} sf_error;

#define SF_ERROR_INIT {NULL, NULL}

/* Set name and a printf-formatted cause; replaces any previous content.
 * A NULL fmt leaves the cause NULL. */
void sf_error_set(sf_error *e, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sf_error_setv(sf_error *e, const char *name, const char *fmt, va_list ap);
/* Take name and cause as given (copied). Either may be NULL. */
void sf_error_set_raw(sf_error *e, const char *name, const char *cause);
/* Prepend text to the cause: used to add "An error occurred while executing
 * the state 'X' (entered at the event id #N). " in front of a field's message. */
void sf_error_prefix_cause(sf_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sf_error_move(sf_error *dst, sf_error *src);
void sf_error_clear(sf_error *e);
static inline bool sf_error_is_set(const sf_error *e)
{
    return e->name != 0;
}

/* Well-known error names. */
#define SF_ERR_ALL "States.ALL"
#define SF_ERR_RUNTIME "States.Runtime"
#define SF_ERR_TIMEOUT "States.Timeout"
#define SF_ERR_TASK_FAILED "States.TaskFailed"
#define SF_ERR_HEARTBEAT_TIMEOUT "States.HeartbeatTimeout"
#define SF_ERR_PERMISSIONS "States.Permissions"
#define SF_ERR_INTRINSIC_FAILURE "States.IntrinsicFailure"
#define SF_ERR_PARAMETER_PATH_FAILURE "States.ParameterPathFailure"
#define SF_ERR_RESULT_PATH_MATCH_FAILURE "States.ResultPathMatchFailure"
#define SF_ERR_NO_CHOICE_MATCHED "States.NoChoiceMatched"
#define SF_ERR_DATA_LIMIT_EXCEEDED "States.DataLimitExceeded"
#define SF_ERR_BRANCH_FAILED "States.BranchFailed"
#define SF_ERR_ITEM_READER_FAILED "States.ItemReaderFailed"
#define SF_ERR_RESULT_WRITER_FAILED "States.ResultWriterFailed"
#define SF_ERR_EXCEED_TOLERATED_FAILURE_THRESHOLD "States.ExceedToleratedFailureThreshold"
#define SF_ERR_QUERY_EVALUATION_ERROR "States.QueryEvaluationError"

/* SF_PAYLOAD_LIMIT_BYTES, the 256 KiB payload limit, is in limits.h. */
#include "engine/limits.h"

#endif
