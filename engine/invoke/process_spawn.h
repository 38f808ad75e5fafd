/*
 * process_spawn.h — start one program with exactly the process state a step
 * program is promised (see invoke_process.h), as cheaply as the kernel
 * allows. The request around it (pipes, exit watch, reading) is
 * invoke_process.c's business; this is only the fork-and-exec.
 *
 * The child gets, before exec:
 *   - a session and process group of its own (setsid);
 *   - every signal at its default action and none blocked;
 *   - fds 0-3 from `fds` (fd 3 on /dev/null when fds[3] is -1), and no
 *     other descriptor at all, whatever the rest of the process left open;
 *   - the working directory `cwd` (NULL: stepfn's own).
 */
#ifndef SF_PROCESS_SPAWN_H
#define SF_PROCESS_SPAWN_H

#include <sys/types.h>

/* How many descriptors a step program inherits: stdin, stdout, stderr and
 * the heartbeat channel. */
#define SF_SPAWN_FDS 4

typedef struct sf_spawn_plan {
    const char *path;      /* absolute; executed as is, no PATH search */
    char *const *argv;     /* borrowed */
    char *const *envp;     /* borrowed: the whole environment */
    const char *cwd;       /* NULL: stepfn's own */
    int fds[SF_SPAWN_FDS]; /* each >= SF_SPAWN_FDS, or fds[3] == -1 */
} sf_spawn_plan;

/* Start the program. Returns 0 and sets *pid, or an errno value: exec's
 * (ENOENT, EACCES, ENOEXEC), chdir's, or the kernel's (EAGAIN); then no
 * child is left. The caller's descriptors are untouched. */
int sf_spawn(const sf_spawn_plan *plan, pid_t *pid);

#endif
