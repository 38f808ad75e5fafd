/* runner.c — see runner.h. */
#include "tools/runner.h"
#include "engine/loop_context.h"
#include "engine/xalloc.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct tracked {
    sf_exec *exec;
    int lock_fd;
    char *store;
} tracked;

struct sf_runner {
    const char *command;
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    tracked *execs;
    size_t count, capacity, live;
    size_t last_done; /* where find_tracked found the last one */
};

sf_runner *sf_runner_new(const char *command)
{
    sf_runner *r = SF_NEW(sf_runner);
    r->command = command;
    uv_loop_init(&r->loop); /* loop.data stays NULL: the loop context reads it */
    uv_signal_init(&r->loop, &r->sigint);
    uv_signal_init(&r->loop, &r->sigterm);
    r->sigint.data = r->sigterm.data = r;
    return r;
}

uv_loop_t *sf_runner_loop(sf_runner *r)
{
    return &r->loop;
}

static void on_signal(uv_signal_t *s, int signum)
{
    sf_runner *r = s->data;
    fprintf(stderr, "stepfn %s: %s received; aborting\n", r->command,
            signum == SIGINT ? "SIGINT" : "SIGTERM");
    for (size_t i = 0; i < r->count; i++)
        sf_exec_abort(r->execs[i].exec, "States.Aborted",
                      signum == SIGINT ? "Interrupted (SIGINT)" : "Terminated (SIGTERM)");
}

/* Executions mostly end in the order they were added (a resumed store's
 * parked executions wake by deadline, in name order when the deadlines are
 * equal), so the search starts after the last one found and wraps around:
 * ending 10,000 executions costs about 10,000 steps, not 50 million. */
static tracked *find_tracked(sf_runner *r, const sf_exec *e)
{
    for (size_t k = 0; k < r->count; k++) {
        size_t i = (r->last_done + k) % r->count;
        if (r->execs[i].exec == e) {
            r->last_done = i;
            return &r->execs[i];
        }
    }
    return NULL;
}

void sf_runner_exec_done(sf_exec *e, void *data)
{
    sf_runner *r = data;
    tracked *t = find_tracked(r, e);
    if (t && t->lock_fd >= 0) {
        close(t->lock_fd); /* releases the lock */
        t->lock_fd = -1;
    }
    if (--r->live == 0) {
        uv_signal_stop(&r->sigint);
        uv_signal_stop(&r->sigterm);
    }
}

void sf_runner_add(sf_runner *r, sf_exec *e, int lock_fd, const char *store)
{
    if (r->count == r->capacity) {
        r->capacity = r->capacity ? 2 * r->capacity : 4;
        r->execs = sf_realloc(r->execs, r->capacity * sizeof *r->execs);
    }
    r->execs[r->count++] = (tracked){e, lock_fd, sf_strdup(store)};
    if (r->live++ == 0) {
        uv_signal_start(&r->sigint, on_signal, SIGINT);
        uv_signal_start(&r->sigterm, on_signal, SIGTERM);
    }
}

int sf_runner_run(sf_runner *r, sf_format format)
{
    uv_run(&r->loop, UV_RUN_DEFAULT);
    int worst = SF_EXIT_OK;
    for (size_t i = 0; i < r->count; i++) {
        const char *store_error = sf_exec_store_error(r->execs[i].exec);
        if (store_error) {
            fprintf(stderr, "stepfn %s: %s\n", r->command, store_error);
            worst = SF_EXIT_STORE;
            continue;
        }
        const sf_summary *s = sf_exec_summary(r->execs[i].exec);
        sf_cli_print_execution(s, format, r->execs[i].store);
        int st = sf_cli_exit_for_status(s->status);
        if (st > worst && worst != SF_EXIT_STORE)
            worst = st;
    }
    return worst;
}

void sf_runner_free(sf_runner *r)
{
    for (size_t i = 0; i < r->count; i++) {
        sf_exec_free(r->execs[i].exec);
        if (r->execs[i].lock_fd >= 0)
            close(r->execs[i].lock_fd);
        free(r->execs[i].store);
    }
    free(r->execs);
    uv_close((uv_handle_t *)&r->sigint, NULL);
    uv_close((uv_handle_t *)&r->sigterm, NULL);
    sf_loop_context_close(&r->loop); /* the HTTP client's connections and handles */
    uv_run(&r->loop, UV_RUN_DEFAULT);
    uv_loop_close(&r->loop);
    free(r);
}
