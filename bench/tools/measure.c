/*
 * measure.c — run one command and report its wall time and peak RSS.
 *
 * Usage: measure REPORT_FILE PROGRAM [ARG...]
 * Starts PROGRAM with posix_spawnp (stdin, stdout and stderr inherited),
 * waits for it with wait4 and writes "WALL_SECONDS MAXRSS_KB EXIT_CODE\n"
 * to REPORT_FILE; exits with the program's exit code (128+N if it was killed
 * by signal N).
 *
 * Why not time it from Python: Linux carries the high-water RSS of the
 * address space a process had before exec into its ru_maxrss, and a
 * Python parent that forks (or vforks) passes on its own, often larger,
 * footprint. This wrapper is small, so the child's peak RSS is its own.
 * Wall time is CLOCK_MONOTONIC from just before the spawn to the reap.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: measure REPORT_FILE PROGRAM [ARG...]\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[2], NULL, NULL, argv + 2, environ);
    if (rc != 0) {
        fprintf(stderr, "measure: cannot start %s: %s\n", argv[2], strerror(rc));
        return 127;
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
        ;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    FILE *f = fopen(argv[1], "w");
    if (!f) {
        fprintf(stderr, "measure: cannot write %s\n", argv[1]);
        return 125;
    }
    fprintf(f, "%.6f %ld %d\n", wall, ru.ru_maxrss, code);
    fclose(f);
    return code;
}
