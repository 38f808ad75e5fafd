/* step_hang [PIDFILE] — never finishes (reads its input, then waits
 * forever); writes its pid to PIDFILE first so a test can check that it was
 * killed. */
#include "step_common.h"

#include <fcntl.h>

static void write_pids(const char *path, const pid_t *pids, int n)
{
    char tmp[4096], line[32];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    for (int i = 0; i < n; i++) {
        snprintf(line, sizeof line, "%d\n", (int)pids[i]);
        step_puts(fd, line);
    }
    close(fd);
    rename(tmp, path); /* the file appears whole */
}

int main(int argc, char **argv)
{
    free(step_read_input(NULL));
    pid_t self = getpid();
    if (argc > 1)
        write_pids(argv[1], &self, 1);
    for (;;)
        pause();
}
