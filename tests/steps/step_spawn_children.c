/* step_spawn_children PIDFILE N hang|exit — forks N children that sleep
 * forever (they inherit stdout and stderr), writes its own pid and theirs to
 * PIDFILE, then hangs, or prints the input and exits 0 leaving the children
 * behind. Either way stepfn must kill the whole group: the test then checks
 * that none of the pids is alive. */
#include "step_common.h"

#include <fcntl.h>

int main(int argc, char **argv)
{
    size_t n;
    char *input = step_read_input(&n);
    if (argc < 4)
        return 2;
    int count = atoi(argv[2]);
    pid_t pids[64];
    pids[0] = getpid();
    for (int i = 0; i < count && i < 63; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            for (;;)
                pause();
        }
        pids[i + 1] = pid;
    }
    char tmp[4096], line[32];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    for (int i = 0; i <= count && i < 64; i++) {
        snprintf(line, sizeof line, "%d\n", (int)pids[i]);
        step_puts(fd, line);
    }
    close(fd);
    rename(tmp, argv[1]);
    if (strcmp(argv[3], "exit") == 0) {
        step_write(1, input, n);
        free(input);
        return 0;
    }
    for (;;)
        pause();
}
