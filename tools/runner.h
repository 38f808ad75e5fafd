/*
 * runner.h — one libuv loop running one or more executions to their end,
 * shared by `run`, `resume` and `replay`.
 *
 * SIGINT and SIGTERM abort every execution on the loop (each ends ABORTED
 * with its history closed, so it can be replayed). Each execution holds the
 * lock of its folder in the store while it runs, so two processes never run
 * the same execution.
 */
#ifndef SF_RUNNER_H
#define SF_RUNNER_H

#include <stdbool.h>
#include <uv.h>
#include "engine/exec.h"
#include "tools/cli.h"

typedef struct sf_runner sf_runner;

sf_runner *sf_runner_new(const char *command);
uv_loop_t *sf_runner_loop(sf_runner *r);
/* The done callback and data to give sf_exec_start / sf_exec_continue. */
void sf_runner_exec_done(sf_exec *e, void *data);
/* Track a started execution; lock_fd (may be -1) is closed when it ends. */
void sf_runner_add(sf_runner *r, sf_exec *e, int lock_fd, const char *store);
/* Run until every execution has ended; print each (format) and return the
 * worst exit status: 4 for a store error, 1 for any execution not
 * SUCCEEDED, else 0. */
int sf_runner_run(sf_runner *r, sf_format format);
void sf_runner_free(sf_runner *r);

#endif
