/* step_fail_lambda [stdout|stderr] — fails the way a Lambda function does:
 * some log lines, then a {"errorType", "errorMessage"} object as the last
 * line of stdout (default) or stderr, and exit status 1. */
#include "step_common.h"

int main(int argc, char **argv)
{
    free(step_read_input(NULL));
    int fd = argc > 1 && strcmp(argv[1], "stderr") == 0 ? 2 : 1;
    step_puts(fd, "working on it\n");
    step_puts(2, "a log line on stderr\n");
    step_puts(fd, "{\"errorType\":\"CustomError\",\"errorMessage\":\"it broke\"}\n");
    return 1;
}
