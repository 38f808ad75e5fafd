/* step_record LOG [--fail-until FILE] [--fail-first N COUNTER] [--sleep MS]
 *             [--sleep-while FILE]
 *
 * A step program that leaves a trace of every invocation, for the
 * durability tests (tests/durability/): first it appends one line
 *
 *     STATE <TAB> PID <TAB> INPUT
 *
 * to LOG (STATE from $STEPFN_STATE_NAME, INPUT the compact JSON it was given
 * on stdin), in one O_APPEND write so lines of concurrent invocations never
 * mix. Then, in this order:
 *   --fail-until FILE     fails with errorType "NotReady" while FILE does
 *                         not exist (a step that fails until it is fixed);
 *   --fail-first N COUNTER fails with errorType "Flaky" the first N times,
 *                         counted across invocations in COUNTER (locked, so
 *                         an orphan of a killed engine and its successor
 *                         count right);
 *   --sleep MS            sleeps MS milliseconds;
 *   --sleep-while FILE    sleeps while FILE exists (polled every 20 ms).
 * The result is {"ran": STATE, "got": INPUT}: the same for every
 * invocation with the same input, so outputs compare across runs.
 */
#include "step_common.h"

#include <fcntl.h>
#include <sys/file.h>
#include <time.h>

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void log_invocation(const char *log, const char *state, const char *input)
{
    size_t n = strlen(state) + strlen(input) + 64;
    char *line = malloc(n);
    int len = snprintf(line, n, "%s\t%ld\t%s\n", state, (long)getpid(), input);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        step_write(fd, line, (size_t)len);
        close(fd);
    }
    free(line);
}

/* Add one to the number in path (under an exclusive lock); the new count. */
static int bump_counter(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0)
        return 1;
    flock(fd, LOCK_EX);
    char buf[32] = "";
    ssize_t r = pread(fd, buf, sizeof buf - 1, 0);
    int count = atoi(r > 0 ? buf : "0") + 1;
    int len = snprintf(buf, sizeof buf, "%d\n", count);
    if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)len, 0) == len) {
        /* counted */
    }
    close(fd); /* releases the lock */
    return count;
}

static int fail(const char *type, const char *message)
{
    char out[512];
    snprintf(out, sizeof out, "{\"errorType\":\"%s\",\"errorMessage\":\"%s\"}\n", type, message);
    step_puts(1, out);
    return 1;
}

/* The options after LOG, in order; 0 to go on and succeed, else the exit
 * status. */
static int follow_options(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--fail-until") == 0 && i + 1 < argc) {
            if (access(argv[++i], F_OK) != 0)
                return fail("NotReady", "the marker file does not exist yet");
        } else if (strcmp(argv[i], "--fail-first") == 0 && i + 2 < argc) {
            int times = atoi(argv[i + 1]);
            if (bump_counter(argv[i + 2]) <= times)
                return fail("Flaky", "failing as told");
            i += 2;
        } else if (strcmp(argv[i], "--sleep") == 0 && i + 1 < argc) {
            sleep_ms(atol(argv[++i]));
        } else if (strcmp(argv[i], "--sleep-while") == 0 && i + 1 < argc) {
            const char *file = argv[++i];
            while (access(file, F_OK) == 0)
                sleep_ms(20);
        } else {
            return 2;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    char *input = step_read_input(NULL);
    size_t n = strlen(input);
    while (n > 0 && (input[n - 1] == '\n' || input[n - 1] == ' '))
        input[--n] = '\0';
    const char *state = getenv("STEPFN_STATE_NAME");
    state = state ? state : "?";
    log_invocation(argv[1], state, input);
    int status = follow_options(argc, argv);
    if (status == 0) {
        step_puts(1, "{\"ran\":\"");
        step_puts(1, state);
        step_puts(1, "\",\"got\":");
        step_puts(1, n ? input : "null");
        step_puts(1, "}\n");
    }
    free(input);
    return status;
}
