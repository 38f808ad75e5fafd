/*
 * invoke_process.h — run one step program as a request on the libuv loop:
 * input on stdin, result on stdout, diagnostics on stderr, heartbeats on a
 * pipe of their own.
 *
 * The contract a step program sees (documented for users in DESIGN.md):
 *   - argv exactly as given, no shell; the program path is absolute.
 *   - stdin: the task input as JSON, then end of file.
 *   - stdout: the result as JSON. Kept up to stdout_limit bytes; a program
 *     that writes more is killed and reported as too large.
 *   - stderr: free text, the last stderr_keep bytes are kept (for the
 *     history and for the error cause).
 *   - fd 3 (also named by $STEPFN_HEARTBEAT_FD): the heartbeat channel.
 *     Every write to it (e.g. a line `{"heartbeat":true}`) is one heartbeat.
 *     Writing to it is optional; nothing is read back from it. When the
 *     caller does not listen for heartbeats (heartbeat NULL), fd 3 is
 *     /dev/null: the writes still succeed.
 *   - the environment: exactly the one given (see sf_process_env_new for the
 *     minimal one stepfn builds).
 *   - its own process group (a new session): sf_process_kill and the end of
 *     the program both kill the whole group, so children it forked die with
 *     it and can hold no pipe open. A grandchild that escapes the group
 *     (setsid) and keeps stdout open is cut off after a grace period.
 *
 * Ownership: a request frees itself. After `done` has been called, or after
 * sf_process_kill, the handle must not be used again; `done` is never called
 * after sf_process_kill. Options are copied at start.
 */
#ifndef SF_INVOKE_PROCESS_H
#define SF_INVOKE_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

typedef struct sf_process sf_process;

/* The file descriptor of the heartbeat pipe in the child. */
#define SF_PROCESS_HEARTBEAT_FD 3

typedef struct sf_process_options {
    const char *const *argv; /* argv[0] is the program's absolute path */
    const char *const *env;  /* the whole environment, "NAME=value" */
    const char *cwd;         /* NULL: stepfn's own */
    const char *input;       /* written to stdin, then stdin is closed */
    size_t input_len;
    size_t stdout_limit; /* more than this: killed, SF_PROCESS_OUTPUT_TOO_LARGE */
    size_t stderr_keep;  /* the last bytes of stderr that are kept */
} sf_process_options;

typedef enum sf_process_outcome {
    SF_PROCESS_EXITED,           /* exit_status is set */
    SF_PROCESS_SIGNALED,         /* term_signal is set */
    SF_PROCESS_OUTPUT_TOO_LARGE, /* stdout passed stdout_limit; the group was killed */
} sf_process_outcome;

typedef struct sf_process_result {
    sf_process_outcome outcome;
    int exit_status;
    int term_signal;
    const char *out; /* stdout, NUL-terminated; borrowed for the callback */
    size_t out_len;
    const char *err; /* the kept tail of stderr, NUL-terminated; borrowed */
    size_t err_len;
    bool err_truncated; /* earlier stderr was dropped */
} sf_process_result;

typedef void (*sf_process_done_cb)(void *data, const sf_process_result *result);
typedef void (*sf_process_heartbeat_cb)(void *data);

/* Start the program. Returns NULL with *err (malloc'd, names the program and
 * the system error) when it cannot be started: a missing file, no execute
 * permission. heartbeat may be NULL, and should be when nothing counts
 * heartbeats: that saves a pipe and its watcher per program. */
sf_process *sf_process_start(uv_loop_t *loop, const sf_process_options *opts,
                             sf_process_done_cb done, sf_process_heartbeat_cb heartbeat, void *data,
                             char **err);

/* Kill the program's whole process group (SIGKILL) and forget the request:
 * `done` will not be called. The child is still reaped and every handle
 * closed; the memory goes when the loop has processed that. */
void sf_process_kill(sf_process *p);

/* The minimal environment of a step program, plus `extra` ("NAME=value"
 * entries, which win over the base): PATH (stepfn's, or
 * /usr/local/bin:/usr/bin:/bin when unset), and HOME, LANG, LC_ALL, TZ and
 * TMPDIR when stepfn has them, and STEPFN_HEARTBEAT_FD=3. Nothing else of
 * stepfn's environment is passed on. NULL-terminated and malloc'd; free
 * with sf_process_env_free. */
char **sf_process_env_new(const char *const *extra);
void sf_process_env_free(char **env);

/* Find the program to run: a name with a '/' is a path (relative to
 * base_dir when not absolute; base_dir NULL means the working directory);
 * a bare name is looked up in PATH. Returns the absolute (or PATH-found)
 * path, malloc'd, or NULL with *why (malloc'd) when it does not exist or is
 * not an executable file. */
char *sf_process_find_program(const char *name, const char *base_dir, bool search_path, char **why);

#endif
