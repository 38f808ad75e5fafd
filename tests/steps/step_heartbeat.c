/* step_heartbeat INTERVAL_MS COUNT succeed|hang — sends COUNT heartbeats,
 * one every INTERVAL_MS, on the channel named by $STEPFN_HEARTBEAT_FD; then
 * prints the input and exits 0, or stops sending and hangs. */
#include "step_common.h"

#include <time.h>

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int main(int argc, char **argv)
{
    size_t n;
    char *input = step_read_input(&n);
    const char *fd_text = getenv("STEPFN_HEARTBEAT_FD");
    if (argc < 4 || !fd_text)
        return 2;
    int fd = atoi(fd_text);
    long interval = atol(argv[1]);
    int count = atoi(argv[2]);
    for (int i = 0; i < count; i++) {
        sleep_ms(interval);
        step_puts(fd, "{\"heartbeat\":true}\n");
    }
    if (strcmp(argv[3], "succeed") == 0) {
        step_write(1, input, n);
        free(input);
        return 0;
    }
    for (;;)
        sleep_ms(1000);
}
