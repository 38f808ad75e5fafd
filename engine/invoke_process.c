/*
 * invoke_process.c — one step program run as a request on the libuv loop.
 *
 * Design. posix_spawn starts the program: glibc creates the child with
 * clone(CLONE_VM|CLONE_VFORK), so no page tables are copied and the parent
 * waits only until exec. Everything the child needs is done by spawn
 * attributes and file actions, in the child, between clone and exec:
 *   - a session and process group of its own (POSIX_SPAWN_SETSID);
 *   - every signal back to its default action and none blocked (stepfn
 *     ignores SIGPIPE, and an ignored signal would survive exec);
 *   - pipes dup2'ed to fds 0-3 (stdin: the input, then EOF; stdout: the
 *     result, capped; stderr: a kept tail; fd 3: heartbeats), then
 *     closefrom(4), so the program inherits exactly fds 0-3 whatever the
 *     rest of the process left open and whatever another thread opens
 *     meanwhile (libcurl's wake-up socketpair is not close-on-exec);
 *   - chdir to the requested directory.
 * The parent's ends are close-on-exec from birth (pipe2) and watched with
 * uv_poll. The input is written at once; only what does not fit in the
 * pipe waits for the pipe to be writable.
 *
 * The exit is watched through a pidfd (Linux 5.3 and later): it becomes
 * readable when the child exits, before it is reaped. So the group is
 * killed while the leader is still a zombie and its pid cannot have been
 * reused, then the child is reaped with waitpid(pid): nothing else in the
 * process is disturbed (tools/cmd_graph.c waits for its own child), and
 * there is no process-wide SIGCHLD handler to share. Where pidfd_open is
 * unavailable (ENOSYS, or denied by a seccomp filter) each request watches
 * SIGCHLD with a uv_signal handle of its own and polls its pid with
 * waitid(WNOHANG|WNOWAIT) on every SIGCHLD. The request reports once the
 * child has exited *and* its pipes have reached EOF, so the whole output is
 * in hand.
 *
 * Failure cases:
 *   - The program cannot start (missing, not executable, a bad cwd):
 *     posix_spawn returns exec's error, sf_process_start returns it and
 *     nothing is left: no child, no descriptor, no handle.
 *   - The program hangs: the caller (the Task state's timeout or heartbeat
 *     timer) calls sf_process_kill, which SIGKILLs the whole group. The
 *     exit is still reaped and every handle closed afterwards.
 *   - The program forks children and exits (or is killed): the rest of its
 *     group is SIGKILLed as soon as the leader exits, so a child that
 *     inherited stdout cannot keep the request open. A grandchild that left
 *     the group with setsid() and still holds a pipe is cut off after
 *     PIPE_GRACE_MS: the pipes are closed and the request reports.
 *   - The program writes more than stdout_limit: reading stops, the group
 *     is killed and the outcome is SF_PROCESS_OUTPUT_TOO_LARGE. stderr is
 *     never a reason to stop: only its last stderr_keep bytes are kept.
 *   - The program never reads stdin: the write fails with EPIPE, which is
 *     ignored (SIGPIPE is ignored process-wide the first time a program is
 *     started; the child gets the default action back).
 *   - stepfn's own fds 0-2 are closed: a pipe end the child needs could then
 *     get a number below 4 and be overwritten by another dup2, so such ends
 *     are moved to 4 or above first.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* POSIX_SPAWN_SETSID, the _np file actions, pidfd_open */
#endif
#include "engine/invoke_process.h"
#include "engine/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long the pipes may stay open after the program has exited. */
#define PIPE_GRACE_MS 500
#define READ_CHUNK    16384
/* Reads per readiness callback: a chatty program cannot starve the loop. */
#define READS_PER_WAKEUP 8

enum { PIPE_IN, PIPE_OUT, PIPE_ERR, PIPE_BEAT, PIPE_COUNT };

struct sf_process {
    uv_loop_t *loop;
    pid_t pid;
    int fd[PIPE_COUNT];         /* the parent's ends; -1 once closed */
    uv_poll_t poll[PIPE_COUNT]; /* live while watched[i] */
    bool watched[PIPE_COUNT];
    int pidfd;            /* -1: the SIGCHLD fallback is in use */
    uv_poll_t exit_poll;  /* the pidfd becomes readable at exit */
    uv_signal_t sigchld;  /* the fallback without pidfd */
    bool exit_watch_open; /* exit_poll or sigchld is initialized and open */
    uv_timer_t grace;
    char *input;
    size_t input_len, input_sent;
    char *chunk; /* READ_CHUNK bytes: each read is consumed before the next */
    char *out, *err;
    size_t out_len, out_limit;
    size_t err_len, err_keep;
    bool err_truncated;
    bool too_large;
    bool exited, killed, reported;
    int exit_status;
    int term_signal;
    int open_handles;
    int reading; /* stdout, stderr and heartbeat pipes not yet at EOF */
    sf_process_done_cb done;
    sf_process_heartbeat_cb heartbeat;
    void *data;
};

static void maybe_report(sf_process *p);
static void free_process(sf_process *p);

/* ---- Closing and freeing ---- */

static void handle_closed(uv_handle_t *h)
{
    sf_process *p = h->data;
    if (--p->open_handles == 0)
        free_process(p);
}

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, handle_closed);
}

/* uv_close stops the poll at once (epoll_ctl DEL), so the descriptor can be
 * closed right after without another handle ever seeing its events. */
static void close_pipe(sf_process *p, int which)
{
    if (p->watched[which]) {
        close_handle((uv_handle_t *)&p->poll[which]);
        p->watched[which] = false;
    }
    if (p->fd[which] >= 0) {
        close(p->fd[which]);
        p->fd[which] = -1;
    }
}

static void stop_reading(sf_process *p, int which)
{
    if (p->fd[which] < 0)
        return;
    close_pipe(p, which);
    p->reading--;
}

static void close_exit_watch(sf_process *p)
{
    if (!p->exit_watch_open)
        return;
    p->exit_watch_open = false;
    if (p->pidfd >= 0) {
        close_handle((uv_handle_t *)&p->exit_poll);
        close(p->pidfd);
        p->pidfd = -1;
    } else {
        close_handle((uv_handle_t *)&p->sigchld);
    }
}

/* Only while the child is unreaped: its pid (the group's id) cannot have
 * been reused. ESRCH (only the leader is left, as a zombie) is normal. */
static void kill_group(sf_process *p)
{
    if (p->pid > 0 && !p->exited)
        kill(-p->pid, SIGKILL);
}

/* ---- Reading ---- */

static void keep_stdout(sf_process *p, const char *data, size_t n)
{
    if (p->out_len + n > p->out_limit) {
        p->too_large = true;
        kill_group(p);
        stop_reading(p, PIPE_OUT);
        return;
    }
    memcpy(p->out + p->out_len, data, n);
    p->out_len += n;
    p->out[p->out_len] = '\0';
}

static void keep_stderr_tail(sf_process *p, const char *data, size_t n)
{
    if (n >= p->err_keep) {
        data += n - p->err_keep;
        n = p->err_keep;
        p->err_truncated = p->err_truncated || p->err_len > 0 || n < p->err_keep;
        p->err_len = 0;
    } else if (p->err_len + n > p->err_keep) {
        size_t drop = p->err_len + n - p->err_keep;
        memmove(p->err, p->err + drop, p->err_len - drop);
        p->err_len -= drop;
        p->err_truncated = true;
    }
    memcpy(p->err + p->err_len, data, n);
    p->err_len += n;
    p->err[p->err_len] = '\0';
}

static void consume(sf_process *p, int which, const char *data, size_t n)
{
    if (which == PIPE_OUT)
        keep_stdout(p, data, n);
    else if (which == PIPE_ERR)
        keep_stderr_tail(p, data, n);
    else if (p->heartbeat)
        p->heartbeat(p->data); /* one heartbeat per read, as documented */
}

/* Drain what is there now. Returns false at EOF or on a read error: either
 * way this pipe is done. */
static bool read_available(sf_process *p, int which)
{
    for (int i = 0; i < READS_PER_WAKEUP && p->fd[which] >= 0 && !p->killed; i++) {
        ssize_t n = read(p->fd[which], p->chunk, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (n <= 0)
            return false;
        consume(p, which, p->chunk, (size_t)n);
        if (n < READ_CHUNK)
            return true; /* most likely drained; level-triggered polling says if not */
    }
    return true;
}

static void pipe_readable(uv_poll_t *h, int status, int events)
{
    sf_process *p = h->data;
    int which = (int)(h - p->poll);
    (void)events;
    if (status < 0 || !read_available(p, which))
        stop_reading(p, which);
    maybe_report(p);
}

/* ---- Exit and report ---- */

static void grace_over(uv_timer_t *t)
{
    sf_process *p = t->data;
    for (int i = PIPE_OUT; i < PIPE_COUNT; i++)
        stop_reading(p, i);
    maybe_report(p);
}

static void record_status(sf_process *p, int status)
{
    p->exited = true;
    if (WIFSIGNALED(status))
        p->term_signal = WTERMSIG(status);
    else
        p->exit_status = WEXITSTATUS(status);
}

/* Reap the child if it has exited; before that (WNOWAIT) kill its group, so
 * children it left behind die with it. */
static void reap_if_exited(sf_process *p)
{
    siginfo_t info = {0};
    if (p->exited || waitid(P_PID, (id_t)p->pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
        info.si_pid == 0)
        return;
    kill(-p->pid, SIGKILL);
    int status = 0;
    while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
        ;
    record_status(p, status);
    close_exit_watch(p);
    if (p->reading > 0 && !p->killed)
        uv_timer_start(&p->grace, grace_over, PIPE_GRACE_MS, 0);
    maybe_report(p);
}

static void pidfd_readable(uv_poll_t *h, int status, int events)
{
    (void)status, (void)events;
    reap_if_exited(h->data);
}

static void sigchld_received(uv_signal_t *h, int signum)
{
    (void)signum;
    reap_if_exited(h->data);
}

static void maybe_report(sf_process *p)
{
    if (p->reported || p->killed || !p->exited || p->reading > 0)
        return;
    p->reported = true;
    close_handle((uv_handle_t *)&p->grace);
    close_pipe(p, PIPE_IN);
    sf_process_result r = {0};
    if (p->too_large)
        r.outcome = SF_PROCESS_OUTPUT_TOO_LARGE;
    else if (p->term_signal)
        r.outcome = SF_PROCESS_SIGNALED;
    else
        r.outcome = SF_PROCESS_EXITED;
    r.exit_status = p->exit_status;
    r.term_signal = p->term_signal;
    r.out = p->out;
    r.out_len = p->out_len;
    r.err = p->err;
    r.err_len = p->err_len;
    r.err_truncated = p->err_truncated;
    p->done(p->data, &r); /* p is freed once the closes above complete */
}

/* ---- Writing the input ---- */

/* Write what the pipe takes now. Returns false when stdin is finished: all
 * written, or the program closed it (EPIPE: it did not read its input,
 * which is not an error). */
static bool write_some_input(sf_process *p)
{
    while (p->input_sent < p->input_len) {
        ssize_t n = write(p->fd[PIPE_IN], p->input + p->input_sent, p->input_len - p->input_sent);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK;
        p->input_sent += (size_t)n;
    }
    return false;
}

static void stdin_writable(uv_poll_t *h, int status, int events)
{
    sf_process *p = h->data;
    (void)events;
    if (status < 0 || !write_some_input(p))
        close_pipe(p, PIPE_IN);
}

static void write_input(sf_process *p)
{
    if (!write_some_input(p)) {
        close_pipe(p, PIPE_IN);
        return;
    }
    /* Larger than the pipe: the rest goes as the program reads. */
    if (uv_poll_init(p->loop, &p->poll[PIPE_IN], p->fd[PIPE_IN]) != 0) {
        close_pipe(p, PIPE_IN);
        return;
    }
    p->poll[PIPE_IN].data = p;
    p->open_handles++;
    p->watched[PIPE_IN] = true;
    uv_poll_start(&p->poll[PIPE_IN], UV_WRITABLE, stdin_writable);
}

/* ---- Starting ---- */

/* A write to a dead reader must be an error (EPIPE), not stepfn's death. */
static void ignore_sigpipe(void)
{
    signal(SIGPIPE, SIG_IGN);
}

/* A child's end numbered 0-3 could be overwritten by the dup2 of another
 * end before its own dup2 runs (stepfn started with fds 0-2 closed). */
static int move_above_stdio(int fd)
{
    if (fd >= PIPE_COUNT)
        return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, PIPE_COUNT);
    close(fd);
    return moved;
}

static void close_fds(int *fds, int n)
{
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* Four close-on-exec pipes: the parent's ends in parent[], the child's in
 * child[] (dup2 clears close-on-exec on the copies at 0-3). Returns 0 or an
 * errno value; on error nothing is left open. */
static int open_pipes(int parent[PIPE_COUNT], int child[PIPE_COUNT])
{
    for (int i = 0; i < PIPE_COUNT; i++)
        parent[i] = child[i] = -1;
    for (int i = 0; i < PIPE_COUNT; i++) {
        int ends[2];
        if (pipe2(ends, O_CLOEXEC) != 0)
            goto fail;
        bool child_reads = i == PIPE_IN;
        parent[i] = ends[child_reads ? 1 : 0];
        child[i] = move_above_stdio(ends[child_reads ? 0 : 1]);
        if (child[i] < 0)
            goto fail;
    }
    return 0;
fail:;
    int e = errno;
    close_fds(parent, PIPE_COUNT);
    close_fds(child, PIPE_COUNT);
    return e;
}

/* Returns 0 or an errno value: exec's own (ENOENT, EACCES) or chdir's. */
static int spawn_child(sf_process *p, const sf_process_options *o, const int child[PIPE_COUNT])
{
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (int i = 0; i < PIPE_COUNT; i++)
        posix_spawn_file_actions_adddup2(&actions, child[i], i);
    posix_spawn_file_actions_addclosefrom_np(&actions, PIPE_COUNT);
    if (o->cwd)
        posix_spawn_file_actions_addchdir_np(&actions, o->cwd);
    int rc = posix_spawn(&p->pid, o->argv[0], &actions, &attr, (char *const *)o->argv,
                         (char *const *)o->env);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    return rc;
}

static void watch_output(sf_process *p)
{
    p->reading = PIPE_COUNT - 1;
    for (int i = PIPE_OUT; i < PIPE_COUNT; i++) {
        if (uv_poll_init(p->loop, &p->poll[i], p->fd[i]) != 0) {
            stop_reading(p, i); /* cannot happen with a fresh pipe; read nothing */
            continue;
        }
        p->poll[i].data = p;
        p->open_handles++;
        p->watched[i] = true;
        uv_poll_start(&p->poll[i], UV_READABLE, pipe_readable);
    }
}

/* The pidfd if the kernel gives one, else SIGCHLD. A SIGCHLD that came
 * before the watcher started is covered by looking once right away (it
 * cannot report yet: the pipes are still being read). */
static void watch_exit(sf_process *p)
{
    p->pidfd = pidfd_open(p->pid, 0);
    if (p->pidfd >= 0 && uv_poll_init(p->loop, &p->exit_poll, p->pidfd) == 0) {
        p->exit_poll.data = p;
        uv_poll_start(&p->exit_poll, UV_READABLE, pidfd_readable);
    } else {
        if (p->pidfd >= 0)
            close(p->pidfd);
        p->pidfd = -1;
        uv_signal_init(p->loop, &p->sigchld);
        p->sigchld.data = p;
        uv_signal_start(&p->sigchld, sigchld_received, SIGCHLD);
    }
    p->open_handles++;
    p->exit_watch_open = true;
    reap_if_exited(p);
}

static void free_process(sf_process *p)
{
    free(p->input);
    free(p->chunk);
    free(p->out);
    free(p->err);
    free(p);
}

static sf_process *process_new(uv_loop_t *loop, const sf_process_options *o)
{
    sf_process *p = SF_NEW(sf_process);
    p->loop = loop;
    p->pidfd = -1;
    p->out_limit = o->stdout_limit;
    p->out = sf_malloc(o->stdout_limit + 1);
    p->out[0] = '\0';
    p->err_keep = o->stderr_keep ? o->stderr_keep : 1;
    p->err = sf_malloc(p->err_keep + 1);
    p->err[0] = '\0';
    p->chunk = sf_malloc(READ_CHUNK);
    p->input = sf_malloc(o->input_len + 1);
    memcpy(p->input, o->input ? o->input : "", o->input_len);
    p->input_len = o->input_len;
    return p;
}

sf_process *sf_process_start(uv_loop_t *loop, const sf_process_options *o, sf_process_done_cb done,
                             sf_process_heartbeat_cb heartbeat, void *data, char **err)
{
    static pthread_once_t sigpipe_once = PTHREAD_ONCE_INIT;
    pthread_once(&sigpipe_once, ignore_sigpipe);
    sf_process *p = process_new(loop, o);
    p->done = done;
    p->heartbeat = heartbeat;
    p->data = data;
    int child[PIPE_COUNT];
    int rc = open_pipes(p->fd, child);
    if (rc == 0) {
        rc = spawn_child(p, o, child);
        close_fds(child, PIPE_COUNT);
    }
    if (rc != 0) {
        *err = sf_asprintf("cannot run '%s': %s", o->argv[0], strerror(rc));
        close_fds(p->fd, PIPE_COUNT);
        free_process(p);
        return NULL;
    }
    uv_timer_init(loop, &p->grace);
    p->grace.data = p;
    p->open_handles++;
    watch_output(p);
    watch_exit(p);
    write_input(p);
    return p;
}

void sf_process_kill(sf_process *p)
{
    if (!p || p->killed)
        return;
    p->killed = true;
    kill_group(p);
    for (int i = 0; i < PIPE_COUNT; i++)
        close_pipe(p, i);
    close_handle((uv_handle_t *)&p->grace);
    /* The exit watch stays open until the child is reaped (reap_if_exited
     * closes it); only then is the request freed, so no zombie is left. */
}

/* ---- Environment and program lookup ---- */

static void env_add(char **env, size_t *n, const char *entry)
{
    size_t name_len = strcspn(entry, "=");
    for (size_t i = 0; i < *n; i++) {
        if (strncmp(env[i], entry, name_len + 1) == 0) {
            free(env[i]);
            env[i] = sf_strdup(entry);
            return;
        }
    }
    env[(*n)++] = sf_strdup(entry);
}

char **sf_process_env_new(const char *const *extra)
{
    static const char *const passed_on[] = {"HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"};
    size_t extra_count = 0;
    while (extra && extra[extra_count])
        extra_count++;
    char **env = sf_calloc(extra_count + 8, sizeof *env);
    size_t n = 0;
    const char *path = getenv("PATH");
    char *entry = sf_asprintf("PATH=%s", path ? path : "/usr/local/bin:/usr/bin:/bin");
    env_add(env, &n, entry);
    free(entry);
    for (size_t i = 0; i < sizeof passed_on / sizeof passed_on[0]; i++) {
        const char *v = getenv(passed_on[i]);
        if (!v)
            continue;
        entry = sf_asprintf("%s=%s", passed_on[i], v);
        env_add(env, &n, entry);
        free(entry);
    }
    entry = sf_asprintf("STEPFN_HEARTBEAT_FD=%d", SF_PROCESS_HEARTBEAT_FD);
    env_add(env, &n, entry);
    free(entry);
    for (size_t i = 0; i < extra_count; i++)
        env_add(env, &n, extra[i]);
    return env;
}

void sf_process_env_free(char **env)
{
    for (size_t i = 0; env && env[i]; i++)
        free(env[i]);
    free(env);
}

/* NULL when path is a runnable file, else the reason. */
static const char *not_runnable(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return strerror(errno);
    if (!S_ISREG(st.st_mode))
        return "not a regular file";
    if (access(path, X_OK) != 0)
        return "not executable (no execute permission)";
    return NULL;
}

static char *search_path(const char *name)
{
    const char *path = getenv("PATH");
    char *dirs = sf_strdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
    char *found = NULL, *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *candidate = sf_asprintf("%s/%s", d[0] ? d : ".", name);
        if (!not_runnable(candidate))
            found = candidate;
        else
            free(candidate);
    }
    free(dirs);
    return found;
}

char *sf_process_find_program(const char *name, const char *base_dir, bool search, char **why)
{
    if (search && !strchr(name, '/')) {
        char *found = search_path(name);
        if (!found)
            *why = sf_asprintf("'%s' was not found in PATH", name);
        return found;
    }
    char *path =
        (name[0] == '/' || !base_dir) ? sf_strdup(name) : sf_asprintf("%s/%s", base_dir, name);
    const char *problem = not_runnable(path);
    if (problem) {
        *why = sf_asprintf("'%s' cannot be run: %s", path, problem);
        free(path);
        return NULL;
    }
    return path;
}
