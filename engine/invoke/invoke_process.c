/*
 * invoke_process.c — one step program run as a request on the libuv loop.
 *
 * Design. process_spawn.c starts the program (vfork and exec; see there for
 * why not posix_spawn) in a session and process group of its own, with
 * every signal at its default action, our pipes on fds 0-3 and no other
 * descriptor, in the requested directory. The pipes: stdin (the input,
 * then EOF), stdout (the result, capped), stderr (a kept tail), and fd 3
 * for heartbeats when the caller listens for them (else fd 3 is
 * /dev/null: a program may write heartbeats that nobody counts, and it
 * saves a pipe and its watcher per task). The parent's ends are
 * close-on-exec from birth (pipe2) and watched with uv_poll. The input is
 * written at once; only what does not fit in the pipe waits for the pipe to
 * be writable. Buffers grow with what the program writes: most results are
 * small, and a fixed buffer of the maximum result size per task would cost
 * page faults and memory at high concurrency.
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
 *     sf_spawn returns exec's error, sf_process_start returns it and
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
 *     started; the child gets the default action back). An input larger
 *     than a pipe is written without blocking, so a program that writes
 *     its output before it reads its input cannot deadlock with stepfn.
 *   - stepfn's own fds 0-2 are closed: a pipe end the child needs could then
 *     get a number below 4 and be overwritten by another dup2, so such ends
 *     are moved to 4 or above first.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pidfd_open */
#endif
#include "engine/invoke/invoke_process.h"
#include "engine/invoke/process_spawn.h"
#include "engine/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
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
/* The first stdout buffer; it doubles as the program writes more. */
#define OUT_FIRST_CAPACITY 4096
/* An empty pipe takes at least this much without blocking (one page, the
 * least a pipe holds even when the user's pipe quota is spent). */
#define PIPE_SURELY_TAKES 4096

enum { PIPE_IN, PIPE_OUT, PIPE_ERR, PIPE_BEAT, PIPE_COUNT };

#define TEXT_OF(n)        #n
#define DIGITS_OF(n)      TEXT_OF(n)
#define HEARTBEAT_FD_TEXT DIGITS_OF(SF_PROCESS_HEARTBEAT_FD)

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
    char *input; /* what the pipe did not take at start; NULL when all went */
    size_t input_len, input_sent;
    char *out, *err; /* NULL until the program writes there */
    size_t out_len, out_cap, out_limit;
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

/* Room for `more` bytes and the NUL, never beyond out_limit + 1. */
static void grow_stdout(sf_process *p, size_t more)
{
    size_t need = p->out_len + more + 1;
    if (need <= p->out_cap)
        return;
    size_t cap = p->out_cap ? p->out_cap : OUT_FIRST_CAPACITY;
    while (cap < need)
        cap *= 2;
    if (cap > p->out_limit + 1)
        cap = p->out_limit + 1;
    p->out = sf_realloc(p->out, cap);
    p->out_cap = cap;
}

static void keep_stdout(sf_process *p, const char *data, size_t n)
{
    if (p->out_len + n > p->out_limit) {
        p->too_large = true;
        kill_group(p);
        stop_reading(p, PIPE_OUT);
        return;
    }
    grow_stdout(p, n);
    memcpy(p->out + p->out_len, data, n);
    p->out_len += n;
    p->out[p->out_len] = '\0';
}

static void keep_stderr_tail(sf_process *p, const char *data, size_t n)
{
    if (!p->err)
        p->err = sf_malloc(p->err_keep + 1);
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
    char chunk[READ_CHUNK];
    for (int i = 0; i < READS_PER_WAKEUP && p->fd[which] >= 0 && !p->killed; i++) {
        ssize_t n = read(p->fd[which], chunk, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (n <= 0)
            return false;
        consume(p, which, chunk, (size_t)n);
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

/* The child has exited and is not reaped yet: kill its group first, so
 * children it left behind die with it, then reap it. */
static void reap(sf_process *p)
{
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

/* Without a pidfd: look (WNOWAIT) before reaping. */
static void reap_if_exited(sf_process *p)
{
    siginfo_t info = {0};
    if (p->exited || waitid(P_PID, (id_t)p->pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
        info.si_pid == 0)
        return;
    reap(p);
}

/* A readable pidfd means the child has exited and is a zombie until we
 * reap it: no need to ask waitid first. */
static void pidfd_readable(uv_poll_t *h, int status, int events)
{
    sf_process *p = h->data;
    if (status < 0 || !(events & UV_READABLE))
        reap_if_exited(p);
    else if (!p->exited)
        reap(p);
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
    r.out = p->out ? p->out : "";
    r.out_len = p->out_len;
    r.err = p->err ? p->err : "";
    r.err_len = p->err_len;
    r.err_truncated = p->err_truncated;
    p->done(p->data, &r); /* p is freed once the closes above complete */
}

/* ---- Writing the input ---- */

/* Write what the pipe takes now. Returns false when stdin is finished: all
 * written, or the program closed it (EPIPE: it did not read its input,
 * which is not an error). */
static bool write_some(int fd, const char *data, size_t len, size_t *sent)
{
    while (*sent < len) {
        ssize_t n = write(fd, data + *sent, len - *sent);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK;
        *sent += (size_t)n;
    }
    return false;
}

static void stdin_writable(uv_poll_t *h, int status, int events)
{
    sf_process *p = h->data;
    (void)events;
    if (status < 0 || !write_some(p->fd[PIPE_IN], p->input, p->input_len, &p->input_sent))
        close_pipe(p, PIPE_IN);
}

/* Most inputs fit in the empty pipe: written straight from the caller's
 * buffer, stdin closed, no copy and no watcher. A larger one is written
 * without blocking (the loop must not wait for the program to read), and
 * what the pipe did not take is kept and goes as the program reads. */
static void write_input(sf_process *p, const char *input, size_t len)
{
    size_t sent = 0;
    if (len > PIPE_SURELY_TAKES)
        ioctl(p->fd[PIPE_IN], FIONBIO, &(int){1});
    if (!write_some(p->fd[PIPE_IN], input, len, &sent)) {
        close_pipe(p, PIPE_IN);
        return;
    }
    if (uv_poll_init(p->loop, &p->poll[PIPE_IN], p->fd[PIPE_IN]) != 0) {
        close_pipe(p, PIPE_IN);
        return;
    }
    p->input_len = len - sent;
    p->input = sf_malloc(p->input_len);
    memcpy(p->input, input + sent, p->input_len);
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

/* Close-on-exec pipes for stdin, stdout, stderr and, when heartbeats are
 * listened for, fd 3: the parent's ends in parent[], the child's in child[]
 * (-1 where there is no pipe). Returns 0 or an errno value; on error nothing
 * is left open. */
static int open_pipes(int parent[PIPE_COUNT], int child[PIPE_COUNT], bool heartbeats)
{
    for (int i = 0; i < PIPE_COUNT; i++)
        parent[i] = child[i] = -1;
    int count = heartbeats ? PIPE_COUNT : PIPE_BEAT;
    for (int i = 0; i < count; i++) {
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
    sf_spawn_plan plan = {
        .path = o->argv[0],
        .argv = (char *const *)o->argv,
        .envp = (char *const *)o->env,
        .cwd = o->cwd,
    };
    for (int i = 0; i < PIPE_COUNT; i++)
        plan.fds[i] = child[i]; /* fd 3 without a pipe: /dev/null */
    return sf_spawn(&plan, &p->pid);
}

static void watch_output(sf_process *p)
{
    for (int i = PIPE_OUT; i < PIPE_COUNT; i++) {
        if (p->fd[i] < 0)
            continue;
        p->reading++;
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

/* The pidfd if the kernel gives one (readable once the child has exited,
 * even if that was before the watch started), else SIGCHLD. A SIGCHLD that
 * came before that watcher started is covered by looking once right away
 * (it cannot report yet: the pipes are still being read). */
static void watch_exit(sf_process *p)
{
    p->pidfd = pidfd_open(p->pid, 0);
    p->open_handles++;
    p->exit_watch_open = true;
    if (p->pidfd >= 0 && uv_poll_init(p->loop, &p->exit_poll, p->pidfd) == 0) {
        p->exit_poll.data = p;
        uv_poll_start(&p->exit_poll, UV_READABLE, pidfd_readable);
        return;
    }
    if (p->pidfd >= 0)
        close(p->pidfd);
    p->pidfd = -1;
    uv_signal_init(p->loop, &p->sigchld);
    p->sigchld.data = p;
    uv_signal_start(&p->sigchld, sigchld_received, SIGCHLD);
    reap_if_exited(p);
}

static void free_process(sf_process *p)
{
    free(p->input);
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
    p->err_keep = o->stderr_keep ? o->stderr_keep : 1;
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
    int rc = open_pipes(p->fd, child, heartbeat != NULL);
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
    write_input(p, o->input, o->input_len);
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
    /* The exit watch stays open until the child is reaped (reap closes
     * it); only then is the request freed, so no zombie is left. */
}

/* ---- Environment and program lookup ---- */

/* The environment being built, with its entries' names in an
 * open-addressing table (slot: entry index + 1, 0 empty), so that a
 * resource map of 10,000 variables costs 10,000 steps rather than 10,000
 * squared. */
typedef struct env_builder {
    char **env;
    size_t n;
    size_t *slots;
    size_t mask; /* slots - 1, a power of two at least twice the entries */
} env_builder;

static size_t env_name_hash(const char *entry, size_t name_len)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (size_t i = 0; i < name_len; i++)
        h = (h ^ (unsigned char)entry[i]) * 1099511628211ULL;
    return (size_t)(h ^ (h >> 32));
}

/* Adds entry (malloc'd, consumed), replacing an entry of the same name. */
static void env_put(env_builder *b, char *entry)
{
    size_t name_len = strcspn(entry, "=");
    size_t k = env_name_hash(entry, name_len) & b->mask;
    for (; b->slots[k]; k = (k + 1) & b->mask) {
        char **have = &b->env[b->slots[k] - 1];
        if (strncmp(*have, entry, name_len + 1) == 0) {
            free(*have);
            *have = entry;
            return;
        }
    }
    b->env[b->n++] = entry;
    b->slots[k] = b->n;
}

/* "NAME=value", malloc'd. Built by hand: it runs for every task, and a
 * printf-style formatter costs ten times as much. */
static char *env_entry(const char *name, const char *value)
{
    size_t name_len = strlen(name), value_len = strlen(value);
    char *entry = sf_malloc(name_len + value_len + 2);
    memcpy(entry, name, name_len);
    entry[name_len] = '=';
    memcpy(entry + name_len + 1, value, value_len + 1);
    return entry;
}

char **sf_process_env_new(const char *const *extra)
{
    static const char *const passed_on[] = {"HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"};
    size_t extra_count = 0;
    while (extra && extra[extra_count])
        extra_count++;
    size_t slots = 32;
    while (slots < 2 * (extra_count + 8))
        slots *= 2;
    env_builder b = {sf_calloc(extra_count + 8, sizeof(char *)), 0,
                     sf_calloc(slots, sizeof(size_t)), slots - 1};
    const char *path = getenv("PATH");
    env_put(&b, env_entry("PATH", path ? path : "/usr/local/bin:/usr/bin:/bin"));
    for (size_t i = 0; i < sizeof passed_on / sizeof passed_on[0]; i++) {
        const char *v = getenv(passed_on[i]);
        if (v)
            env_put(&b, env_entry(passed_on[i], v));
    }
    env_put(&b, sf_strdup("STEPFN_HEARTBEAT_FD=" HEARTBEAT_FD_TEXT));
    for (size_t i = 0; i < extra_count; i++)
        env_put(&b, sf_strdup(extra[i]));
    free(b.slots);
    return b.env;
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
