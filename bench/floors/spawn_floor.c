/*
 * spawn_floor.c — the floor for exec tasks: start PROGRAM (default /bin/true)
 * N times with posix_spawn and wait for each, keeping at most CONCURRENCY
 * children alive at once (1: strictly one after another).
 *
 * Usage: spawn_floor N [CONCURRENCY] [PROGRAM]
 * Prints one JSON line: {"n", "concurrency", "seconds", "us_per_op"}.
 *
 * Nothing else is done per child (no pipes, no stdin): this is the least a
 * process-per-task engine can cost on this machine. Exits 1 if any child
 * could not start or did not exit 0.
 */
#define _POSIX_C_SOURCE 200809L
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int reap_one(void)
{
    int status;
    if (wait(&status) < 0)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: spawn_floor N [CONCURRENCY] [PROGRAM]\n");
        return 2;
    }
    long n = atol(argv[1]);
    long concurrency = argc > 2 ? atol(argv[2]) : 1;
    char *program = argc > 3 ? argv[3] : "/bin/true";
    char *child_argv[] = {program, NULL};
    if (n < 1 || concurrency < 1) {
        fprintf(stderr, "spawn_floor: N and CONCURRENCY must be positive\n");
        return 2;
    }
    int failures = 0;
    long alive = 0;
    double start = now_seconds();
    for (long i = 0; i < n; i++) {
        if (alive == concurrency) {
            failures += reap_one() != 0;
            alive--;
        }
        pid_t pid;
        if (posix_spawn(&pid, program, NULL, NULL, child_argv, environ) != 0) {
            failures++;
            continue;
        }
        alive++;
    }
    while (alive-- > 0)
        failures += reap_one() != 0;
    double seconds = now_seconds() - start;
    printf("{\"n\": %ld, \"concurrency\": %ld, \"seconds\": %.6f, \"us_per_op\": %.3f}\n", n,
           concurrency, seconds, seconds * 1e6 / (double)n);
    if (failures)
        fprintf(stderr, "spawn_floor: %d child(ren) failed\n", failures);
    return failures ? 1 : 0;
}
