/*
 * invoke_process.c — one step program run as a request on the libuv loop.
 *
 * Design. uv_spawn starts the program in a session and process group of its
 * own (UV_PROCESS_DETACHED makes the child call setsid), with four pipes:
 * stdin (the input, then EOF), stdout (the result, capped), stderr (a kept
 * tail) and fd 3 (heartbeats). libuv reaps the child from its SIGCHLD
 * handler, so no wait() ever blocks the loop and no zombie is left. The
 * request reports once the child has exited *and* its pipes have reached
 * EOF, so the whole output is in hand.
 *
 * Failure cases:
 *   - The program cannot start (missing, not executable): uv_spawn fails
 *     at once and sf_process_start returns the error; nothing is left.
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
 *     started; libuv restores default signal handling in the child).
 *
 * Descriptors: a step program inherits exactly fds 0-3. libuv opens its own
 * close-on-exec, but not everything in the process does (libcurl's multi
 * handle has a wake-up socketpair without it; stepfn's parent may have left
 * descriptors open), so before each spawn every descriptor from 3 up is
 * marked close-on-exec. libuv cannot run code in the child between fork and
 * exec, so this is done in the parent; a descriptor opened by another
 * thread in that instant could still slip through.
 */
#include "engine/invoke_process.h"
#include "engine/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How long the pipes may stay open after the program has exited. */
#define PIPE_GRACE_MS 500
#define READ_CHUNK    16384

enum { PIPE_IN, PIPE_OUT, PIPE_ERR, PIPE_BEAT, PIPE_COUNT };

struct sf_process {
    uv_process_t child;
    uv_pipe_t pipes[PIPE_COUNT];
    uv_timer_t grace;
    uv_write_t write_req;
    char *input;
    char *chunk; /* READ_CHUNK bytes: each read is consumed before the next */
    char *out, *err;
    size_t out_len, out_limit;
    size_t err_len, err_keep;
    bool err_truncated;
    bool too_large;
    bool exited, killed, reported;
    int64_t exit_status;
    int term_signal;
    int open_handles;
    int reading; /* stdout, stderr and heartbeat pipes not yet at EOF */
    sf_process_done_cb done;
    sf_process_heartbeat_cb heartbeat;
    void *data;
};

static void maybe_report(sf_process *p);

/* ---- Closing and freeing ---- */

static void handle_closed(uv_handle_t *h)
{
    sf_process *p = h->data;
    if (--p->open_handles == 0) {
        free(p->input);
        free(p->chunk);
        free(p->out);
        free(p->err);
        free(p);
    }
}

static void close_handle(sf_process *p, uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, handle_closed);
    (void)p;
}

static void stop_reading(sf_process *p, int which)
{
    uv_handle_t *h = (uv_handle_t *)&p->pipes[which];
    if (uv_is_closing(h))
        return;
    close_handle(p, h);
    p->reading--;
}

static void kill_group(sf_process *p)
{
    /* The child leads its own group (setsid), so -pid is the group. ESRCH
     * (the group is gone) is the normal case after a clean exit. */
    if (p->child.pid > 0)
        kill(-p->child.pid, SIGKILL);
}

/* ---- Reading ---- */

static void alloc_buffer(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    sf_process *p = h->data;
    (void)suggested;
    buf->base = p->chunk;
    buf->len = READ_CHUNK;
}

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

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    sf_process *p = s->data;
    int which = (int)((uv_pipe_t *)s - p->pipes);
    if (nread < 0) { /* EOF or a read error: either way this pipe is done */
        stop_reading(p, which);
        maybe_report(p);
        return;
    }
    if (nread == 0 || p->killed)
        return;
    if (which == PIPE_OUT)
        keep_stdout(p, buf->base, (size_t)nread);
    else if (which == PIPE_ERR)
        keep_stderr_tail(p, buf->base, (size_t)nread);
    else if (p->heartbeat)
        p->heartbeat(p->data);
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

static void child_exited(uv_process_t *child, int64_t exit_status, int term_signal)
{
    sf_process *p = child->data;
    p->exited = true;
    p->exit_status = exit_status;
    p->term_signal = term_signal;
    kill_group(p); /* children it left behind die with it */
    close_handle(p, (uv_handle_t *)child);
    if (p->reading > 0 && !p->killed)
        uv_timer_start(&p->grace, grace_over, PIPE_GRACE_MS, 0);
    maybe_report(p);
}

static void maybe_report(sf_process *p)
{
    if (p->reported || p->killed || !p->exited || p->reading > 0)
        return;
    p->reported = true;
    close_handle(p, (uv_handle_t *)&p->grace);
    close_handle(p, (uv_handle_t *)&p->pipes[PIPE_IN]);
    sf_process_result r = {0};
    if (p->too_large)
        r.outcome = SF_PROCESS_OUTPUT_TOO_LARGE;
    else if (p->term_signal)
        r.outcome = SF_PROCESS_SIGNALED;
    else
        r.outcome = SF_PROCESS_EXITED;
    r.exit_status = (int)p->exit_status;
    r.term_signal = p->term_signal;
    r.out = p->out;
    r.out_len = p->out_len;
    r.err = p->err;
    r.err_len = p->err_len;
    r.err_truncated = p->err_truncated;
    p->done(p->data, &r); /* p is freed once the closes above complete */
}

/* ---- Writing the input ---- */

static void input_written(uv_write_t *req, int status)
{
    sf_process *p = req->data;
    (void)status; /* EPIPE: the program did not read its input; not an error */
    close_handle(p, (uv_handle_t *)&p->pipes[PIPE_IN]);
}

static void write_input(sf_process *p, size_t len)
{
    uv_buf_t buf = uv_buf_init(p->input, (unsigned)len);
    p->write_req.data = p;
    if (len == 0 ||
        uv_write(&p->write_req, (uv_stream_t *)&p->pipes[PIPE_IN], &buf, 1, input_written) != 0)
        close_handle(p, (uv_handle_t *)&p->pipes[PIPE_IN]);
}

/* ---- Starting ---- */

static void init_handles(uv_loop_t *loop, sf_process *p)
{
    for (int i = 0; i < PIPE_COUNT; i++) {
        uv_pipe_init(loop, &p->pipes[i], 0);
        p->pipes[i].data = p;
    }
    uv_timer_init(loop, &p->grace);
    p->grace.data = p;
    p->child.data = p;
    p->open_handles = PIPE_COUNT + 2; /* the pipes, the timer, the child */
}

static void close_all(sf_process *p)
{
    for (int i = 0; i < PIPE_COUNT; i++)
        close_handle(p, (uv_handle_t *)&p->pipes[i]);
    close_handle(p, (uv_handle_t *)&p->grace);
    close_handle(p, (uv_handle_t *)&p->child);
}

/* Mark every descriptor from 3 up close-on-exec (see the top comment). */
static void close_on_exec_from_3(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        int fd = atoi(ent->d_name);
        if (fd < 3 || fd == dirfd(d))
            continue;
        int flags = fcntl(fd, F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC))
            fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
    closedir(d);
}

static int spawn(uv_loop_t *loop, sf_process *p, const sf_process_options *o)
{
    close_on_exec_from_3();
    uv_stdio_container_t stdio[PIPE_COUNT];
    for (int i = 0; i < PIPE_COUNT; i++) {
        /* The flags are from the child's point of view. */
        stdio[i].flags = UV_CREATE_PIPE | (i == PIPE_IN ? UV_READABLE_PIPE : UV_WRITABLE_PIPE);
        stdio[i].data.stream = (uv_stream_t *)&p->pipes[i];
    }
    uv_process_options_t opts = {0};
    opts.exit_cb = child_exited;
    opts.file = o->argv[0];
    opts.args = (char **)o->argv;
    opts.env = (char **)o->env;
    opts.cwd = o->cwd;
    opts.flags = UV_PROCESS_DETACHED; /* setsid: a process group of its own */
    opts.stdio_count = PIPE_COUNT;
    opts.stdio = stdio;
    return uv_spawn(loop, &p->child, &opts);
}

sf_process *sf_process_start(uv_loop_t *loop, const sf_process_options *o, sf_process_done_cb done,
                             sf_process_heartbeat_cb heartbeat, void *data, char **err)
{
    signal(SIGPIPE, SIG_IGN); /* a write to a dead reader is an error, not death */
    sf_process *p = SF_NEW(sf_process);
    p->done = done;
    p->heartbeat = heartbeat;
    p->data = data;
    p->out_limit = o->stdout_limit;
    p->out = sf_malloc(o->stdout_limit + 1);
    p->out[0] = '\0';
    p->err_keep = o->stderr_keep ? o->stderr_keep : 1;
    p->err = sf_malloc(p->err_keep + 1);
    p->err[0] = '\0';
    p->chunk = sf_malloc(READ_CHUNK);
    p->input = sf_malloc(o->input_len + 1);
    memcpy(p->input, o->input ? o->input : "", o->input_len);
    init_handles(loop, p);
    int rc = spawn(loop, p, o);
    if (rc != 0) {
        *err = sf_asprintf("cannot run '%s': %s", o->argv[0], uv_strerror(rc));
        close_all(p);
        return NULL;
    }
    for (int i = PIPE_OUT; i < PIPE_COUNT; i++)
        uv_read_start((uv_stream_t *)&p->pipes[i], alloc_buffer, on_read);
    p->reading = PIPE_COUNT - 1;
    write_input(p, o->input_len);
    return p;
}

void sf_process_kill(sf_process *p)
{
    if (!p || p->killed)
        return;
    p->killed = true;
    kill_group(p);
    for (int i = 0; i < PIPE_COUNT; i++)
        close_handle(p, (uv_handle_t *)&p->pipes[i]);
    close_handle(p, (uv_handle_t *)&p->grace);
    /* The child handle closes in child_exited, once libuv has reaped it. If it
     * has already exited, it is closed (or closing) now. */
    if (p->exited)
        close_handle(p, (uv_handle_t *)&p->child);
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
