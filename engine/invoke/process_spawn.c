/*
 * process_spawn.c — vfork and exec one step program (see process_spawn.h).
 *
 * Why not posix_spawn. glibc's posix_spawn also creates the child with
 * clone(CLONE_VM|CLONE_VFORK), but per call it maps and unmaps a stack for
 * the child (the unmap must flush the TLB of the CPU the child ran on: an
 * inter-processor interrupt, dear in a virtual machine), validates every
 * file action with a getrlimit call (nine per spawn here), and puts every
 * signal back to its default action with one sigaction call per signal in
 * the child: 64 system calls while the parent waits, the largest cost of a
 * spawn after exec itself. Here the child resets only the signals that can
 * be away from their default action: those that were at the first spawn
 * (read once from /proc/self/status: SIGPIPE, ignored by stepfn, anything
 * ignored by whoever started stepfn, the loop's handlers) and those the
 * loop may handle later (SIGINT, SIGTERM, SIGCHLD). Four or five calls
 * instead of 64, and the same end state: exec resets every handler anyway,
 * and stepfn ignores no signal after its first spawn (a new SIG_IGN added
 * later must be added to ALWAYS_RESET, or it would leak into programs).
 * Reading /proc/self/status per spawn would be exact without that rule,
 * but costs more than the spawn saves (the kernel formats 1.4 kB of text).
 *
 * Why vfork is safe here. The child shares the parent's memory and runs on
 * its stack until exec, so it calls only async-signal-safe functions, never
 * returns from the function that called vfork, and reports a failure
 * through one int that the parent reads once it resumes (vfork resumes the
 * parent only when the child has exec'd or exited). Every signal is
 * blocked across vfork, so no handler of the parent's can run in the child
 * on the shared memory; the child resets the handled and the ignored
 * signals before it unblocks them (exec would reset handlers, but not
 * ignored signals).
 *
 * Failure cases:
 *   - /proc is not mounted or its format is unknown: every signal is reset,
 *     as posix_spawn's POSIX_SPAWN_SETSIGDEF would (slower, same result).
 *   - A signal arrives in the child between its unblocking and exec: the
 *     handlers stepfn installs have been reset by then, so the default
 *     action applies, as it will after exec.
 *   - close_range is missing (Linux before 5.9): the descriptors above 3 are
 *     closed one by one up to RLIMIT_NOFILE.
 *   - exec, chdir or setsid fails in the child: it stores errno and exits
 *     127; the parent reaps it and returns that errno, so no zombie is left.
 *   - valgrind runs vfork as a plain fork: the child's errno cannot reach
 *     the parent, so an exec failure shows as exit status 127 instead (the
 *     same holds for posix_spawn under valgrind).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* vfork, close_range */
#endif
#include "engine/invoke/process_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exit status of a child that could not exec, as posix_spawn's. */
#define EXEC_FAILED_STATUS 127

#define SIGNAL_BIT(sig) ((uint64_t)1 << ((sig)-1))
/* Signals the loop may start handling after the first spawn, SIGPIPE,
 * which stepfn ignores (invoke_process.c), maybe only just before it, and
 * SIGXFSZ, which the command line ignores (tools/main.c). */
#define ALWAYS_RESET                                                                               \
    (SIGNAL_BIT(SIGINT) | SIGNAL_BIT(SIGTERM) | SIGNAL_BIT(SIGCHLD) | SIGNAL_BIT(SIGPIPE) |       \
     SIGNAL_BIT(SIGXFSZ))

/* The signals the child puts back to their default action. */
typedef struct signal_reset {
    bool all;      /* dispositions unknown: every signal */
    uint64_t mask; /* SIGNAL_BIT(n) for signal n */
} signal_reset;

/* What /proc/self/status said at the first spawn: written once, under
 * pthread_once, then only read. */
static signal_reset first_dispositions;
static pthread_once_t first_dispositions_once = PTHREAD_ONCE_INIT;

/* ---- In the parent, before vfork ---- */

/* A "\nSigIgn:\t0000000000001000" line of /proc/self/status. False when
 * missing or wider than 64 signals (then everything is reset). */
static bool status_mask(const char *status, const char *field, uint64_t *mask)
{
    const char *at = strstr(status, field);
    if (!at)
        return false;
    at += strlen(field);
    char *end;
    errno = 0;
    unsigned long long value = strtoull(at, &end, 16);
    if (end == at || errno != 0)
        return false;
    *mask = value;
    return true;
}

/* Ignored and caught signals (the kernel's view of the whole process). */
static void read_first_dispositions(void)
{
    signal_reset *r = &first_dispositions;
    r->all = true;
    char status[4096];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n;
    while ((n = read(fd, status, sizeof status - 1)) < 0 && errno == EINTR)
        ;
    close(fd);
    if (n <= 0)
        return;
    status[n] = '\0';
    uint64_t ignored, caught;
    if (status_mask(status, "\nSigIgn:", &ignored) && status_mask(status, "\nSigCgt:", &caught)) {
        r->all = false;
        r->mask = ignored | caught;
    }
}

static signal_reset signals_to_reset(void)
{
    pthread_once(&first_dispositions_once, read_first_dispositions);
    signal_reset r = first_dispositions;
    r.mask |= ALWAYS_RESET;
    return r;
}

/* ---- In the child, between vfork and exec: async-signal-safe only ---- */

static void reset_signals(const signal_reset *r)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        if (r->all || (sig <= 64 && (r->mask & SIGNAL_BIT(sig))))
            sigaction(sig, &dfl, NULL); /* glibc's own signals refuse (EINVAL): exec resets them */
    }
}

/* fds[i] onto i. A -1 is /dev/null, opened without close-on-exec: if it
 * lands on i itself, dup2 is a no-op and it must survive exec. */
static bool install_fds(const int fds[SF_SPAWN_FDS])
{
    for (int i = 0; i < SF_SPAWN_FDS; i++) {
        int fd = fds[i] >= 0 ? fds[i] : open("/dev/null", O_RDWR);
        if (fd < 0 || dup2(fd, i) < 0)
            return false;
    }
    return true;
}

static void close_above_stdio(void)
{
    if (close_range(SF_SPAWN_FDS, ~0U, 0) == 0)
        return;
    struct rlimit limit;
    int max = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                  ? (int)limit.rlim_cur
                  : 65536;
    for (int fd = SF_SPAWN_FDS; fd < max; fd++)
        close(fd);
}

/* exit_group directly: a sanitizer's _exit interceptor would run its exit
 * checks in a child that shares the parent's memory. */
static _Noreturn void exec_child(const sf_spawn_plan *plan, const signal_reset *signals,
                                 volatile int *failure)
{
    reset_signals(signals);
    if (setsid() < 0 || !install_fds(plan->fds))
        goto fail;
    close_above_stdio();
    if (plan->cwd && chdir(plan->cwd) != 0)
        goto fail;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(plan->path, plan->argv, plan->envp);
fail:
    *failure = errno != 0 ? errno : ECHILD;
    for (;;)
        syscall(SYS_exit_group, EXEC_FAILED_STATUS);
}

/* noinline: the child runs below this frame, which the parent still needs
 * when it resumes, and never returns from it. */
static __attribute__((noinline)) pid_t
vfork_exec(const sf_spawn_plan *plan, const signal_reset *signals, volatile int *failure)
{
    pid_t pid = vfork();
    if (pid == 0)
        exec_child(plan, signals, failure);
    return pid;
}

/* ---- Public ---- */

int sf_spawn(const sf_spawn_plan *plan, pid_t *pid_out)
{
    signal_reset signals = signals_to_reset();
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    volatile int failure = 0;
    pid_t pid = vfork_exec(plan, &signals, &failure);
    int vfork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (pid < 0)
        return vfork_errno;
    if (failure != 0) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        return failure;
    }
    *pid_out = pid;
    return 0;
}
