/*
 * task_process.c — a finished step program turned into a task result or an
 * error, the way Lambda reports a function's outcome.
 *
 *   exit 0, stdout JSON          the result (empty stdout is null)
 *   exit 0, stdout not JSON      States.TaskFailed: the cause quotes the parse
 *                                error and the start of the output
 *   exit != 0 or killed, with a  errorType is the Error, the object (compact
 *   Lambda-style error object    JSON) is the Cause, as Lambda does
 *   {"errorType", "errorMessage"} as the last line of stdout or of stderr
 *   exit != 0 otherwise          States.TaskFailed: the cause gives the status
 *                                (or the signal) and the tail of stderr
 *   stdout over the limit        States.DataLimitExceeded
 *
 * stdout that is not UTF-8 is not JSON: States.TaskFailed, the start of it
 * quoted with U+FFFD for the bytes that are not UTF-8 (the caller repairs
 * stderr the same way), so causes and events stay valid JSON text.
 */
#include "engine/json_util.h"
#include "engine/utf8.h"
#include "engine/xalloc.h"
#include "states/task_internal.h"

#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* How much of stderr the cause quotes: the history keeps more. */
#define CAUSE_STDERR_TAIL 2048
#define CAUSE_STDOUT_HEAD 200

/* The last non-blank line of text, as a Lambda-style error object. */
static json_t *lambda_error_in(const char *text, size_t len)
{
    while (len > 0 && isspace((unsigned char)text[len - 1]))
        len--;
    size_t start = len;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    if (start == len)
        return NULL;
    json_t *v = sf_json_loadb(text + start, len - start, 0, NULL);
    if (v && json_is_string(json_object_get(v, "errorType")))
        return v;
    json_decref(v);
    return NULL;
}

static const char *tail(const char *text, size_t len, size_t keep)
{
    return len > keep ? text + len - keep : text;
}

static char *failure_cause(const char *program, const sf_process_result *r)
{
    char *how =
        r->outcome == SF_PROCESS_SIGNALED
            ? sf_asprintf("was killed by signal %d (%s)", r->term_signal, strsignal(r->term_signal))
            : sf_asprintf("exited with status %d", r->exit_status);
    char *cause;
    if (r->err_len == 0)
        cause = sf_asprintf("The program '%s' %s and wrote nothing to stderr.", program, how);
    else
        cause = sf_asprintf("The program '%s' %s. stderr%s:\n%s", program, how,
                            r->err_len > CAUSE_STDERR_TAIL || r->err_truncated ? " (end)" : "",
                            tail(r->err, r->err_len, CAUSE_STDERR_TAIL));
    free(how);
    return cause;
}

static void set_lambda_error(json_t *obj, sf_error *err)
{
    char *cause = sf_json_compact(obj);
    sf_error_set_raw(err, json_string_value(json_object_get(obj, "errorType")), cause);
    free(cause);
}

static json_t *parse_stdout(const char *program, const sf_process_result *r, sf_error *err)
{
    size_t n = r->out_len;
    const char *s = r->out;
    while (n > 0 && isspace((unsigned char)*s))
        s++, n--;
    if (n == 0)
        return json_null();
    json_error_t jerr;
    json_t *v = sf_json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (v)
        return v;
    if (json_error_code(&jerr) == json_error_stack_overflow) {
        sf_error_set(err, SF_ERR_DATA_LIMIT_EXCEEDED,
                     "The program '%s' wrote a result with %s, the maximum depth of a JSON value.",
                     program, jerr.text);
        return NULL;
    }
    /* Output that is not UTF-8 is not JSON either: quoted repaired. */
    size_t head_len;
    char *head = sf_utf8_repair(s, n < CAUSE_STDOUT_HEAD ? n : CAUSE_STDOUT_HEAD, &head_len);
    sf_error_set(err, SF_ERR_TASK_FAILED,
                 "The program '%s' exited with status 0 but its standard output is not JSON "
                 "(line %d, column %d: %s). It begins: %s",
                 program, jerr.line, jerr.column, jerr.text, head);
    free(head);
    return NULL;
}

json_t *task_process_result(const char *program, const sf_process_result *r, sf_error *err)
{
    if (r->outcome == SF_PROCESS_OUTPUT_TOO_LARGE) {
        sf_error_set(err, SF_ERR_DATA_LIMIT_EXCEEDED,
                     "The program '%s' wrote more than %d bytes to its standard output, the "
                     "maximum size of a task result; it was stopped.",
                     program, SF_PAYLOAD_LIMIT_BYTES);
        return NULL;
    }
    if (r->outcome == SF_PROCESS_EXITED && r->exit_status == 0)
        return parse_stdout(program, r, err);
    json_t *lambda = lambda_error_in(r->out, r->out_len);
    if (!lambda)
        lambda = lambda_error_in(r->err, r->err_len);
    if (lambda) {
        set_lambda_error(lambda, err);
        json_decref(lambda);
        return NULL;
    }
    char *cause = failure_cause(program, r);
    sf_error_set_raw(err, SF_ERR_TASK_FAILED, cause);
    free(cause);
    return NULL;
}
