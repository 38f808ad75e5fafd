/*
 * loop_context.h — what the engine keeps per libuv loop.
 *
 * Some state is shared by everything that runs on one loop rather than owned
 * by one execution: the HTTP client (one curl multi handle, so every HTTP
 * task on the loop shares its connection cache), the AWS settings (read
 * from the process environment and ~/.aws once, when the first AWS task
 * runs: a change to either is seen by the next process), and how many executions
 * run on it (exec.c gives idle history descriptors back when there are
 * many). It lives in a context
 * object hung on loop->data, created on first use: the engine owns
 * loop->data of the loops it runs on, and callers must leave it NULL.
 *
 * Whoever owns the loop calls sf_loop_context_close once nothing runs on it
 * any more, then runs the loop once more (UV_RUN_DEFAULT) so the handles
 * finish closing, and only then uv_loop_close.
 */
#ifndef SF_LOOP_CONTEXT_H
#define SF_LOOP_CONTEXT_H

#include <uv.h>
#include "engine/aws/aws_config.h"
#include "engine/invoke/invoke_http.h"

typedef struct sf_loop_context {
    uv_loop_t *loop;
    sf_http_client *http; /* created on first use */
    size_t executions;    /* started on this loop and not over yet (exec.c) */
    bool aws_loaded;      /* aws (or aws_error) is set */
    sf_aws_config aws;
    char *aws_error; /* why the AWS settings could not be read */
} sf_loop_context;

/* The loop's context, created on first use. */
sf_loop_context *sf_loop_context_get(uv_loop_t *loop);
/* The loop's HTTP client, created on first use. */
sf_http_client *sf_loop_http_client(uv_loop_t *loop);
/* The AWS settings of the process environment, read on first use; NULL
 * with *why (borrowed, as long as the loop context) when they cannot be
 * read (a malformed ~/.aws file, half a key pair). */
const sf_aws_config *sf_loop_aws_config(uv_loop_t *loop, const char **why);
/* Close and free the context (a no-op when there is none). */
void sf_loop_context_close(uv_loop_t *loop);

#endif
