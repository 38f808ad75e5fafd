/* step_hostile MODE [ARG] — a step program that misbehaves, for the hostile
 * environment tests (tests/hostile/). Modes:
 *
 *   flood-stdout           writes to stdout forever (never valid JSON)
 *   flood-both             writes to stdout and stderr, alternately, forever
 *   flood-stderr BYTES     writes BYTES bytes to stderr, then {"flooded": BYTES}
 *                          on stdout and exits 0
 *   stderr-forever         writes to stderr forever, never exits
 *   close-stdin            closes stdin without reading it, waits until a
 *                          write to it would have failed, prints
 *                          {"closed": true}
 *   bad-utf8-stdout        prints bytes that are not UTF-8 on stdout, exits 0
 *   bad-utf8-stderr        prints bytes that are not UTF-8 on stderr, exits 1
 *   hang PIDFILE           writes its pid to PIDFILE, then sleeps forever;
 *                          once PIDFILE exists, prints its input instead
 *                          (so a replay after an abort can finish)
 *   run-shell COMMAND      runs /bin/sh -c COMMAND (for tests that change the
 *                          store during a run), then prints its input
 */
#include "step_common.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>

static _Noreturn void write_forever(int first, int second)
{
    char chunk[65536];
    memset(chunk, 'x', sizeof chunk);
    for (int fd = first;; fd = fd == first ? second : first)
        step_write(fd, chunk, sizeof chunk);
}

static int flood_stderr(const char *bytes)
{
    free(step_read_input(NULL));
    unsigned long long n = strtoull(bytes, NULL, 10), done = 0;
    char chunk[65536];
    memset(chunk, 'e', sizeof chunk);
    chunk[sizeof chunk - 1] = '\n';
    while (done < n) {
        size_t k = n - done < sizeof chunk ? (size_t)(n - done) : sizeof chunk;
        step_write(2, chunk, k);
        done += k;
    }
    printf("{\"flooded\": %llu}\n", n);
    return 0;
}

/* Closes stdin at once; the engine's write of a large input then meets a
 * reader that is gone (EPIPE), which must fail nothing. A short pause lets
 * that write happen before the result is reported. */
static int close_stdin(void)
{
    close(0);
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL);
    step_puts(1, "{\"closed\": true}\n");
    return 0;
}

static int hang(const char *pidfile)
{
    char *input = step_read_input(NULL);
    if (access(pidfile, F_OK) == 0) {
        step_puts(1, input[0] ? input : "null");
        free(input);
        return 0;
    }
    char line[32];
    int fd = open(pidfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    snprintf(line, sizeof line, "%ld\n", (long)getpid());
    step_puts(fd, line);
    close(fd);
    for (;;)
        pause();
}

static int run_shell(const char *command)
{
    char *input = step_read_input(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", command, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    step_puts(1, input[0] ? input : "null");
    free(input);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    const char *arg = argc > 2 ? argv[2] : "";
    if (strcmp(mode, "flood-stdout") == 0)
        write_forever(1, 1);
    if (strcmp(mode, "flood-both") == 0)
        write_forever(1, 2);
    if (strcmp(mode, "stderr-forever") == 0)
        write_forever(2, 2);
    if (strcmp(mode, "flood-stderr") == 0)
        return flood_stderr(arg);
    if (strcmp(mode, "close-stdin") == 0)
        return close_stdin();
    if (strcmp(mode, "bad-utf8-stdout") == 0) {
        step_puts(1, "{\"text\": \"caf\xe9 \xff\xfe end\"}\n");
        return 0;
    }
    if (strcmp(mode, "bad-utf8-stderr") == 0) {
        step_puts(2, "broken \xc3\x28 and \xed\xa0\x80 and \xf8\x88\x80\x80\x80 bytes\n");
        return 1;
    }
    if (strcmp(mode, "hang") == 0)
        return hang(arg);
    if (strcmp(mode, "run-shell") == 0)
        return run_shell(arg);
    step_puts(2, "step_hostile: unknown mode\n");
    return 2;
}
