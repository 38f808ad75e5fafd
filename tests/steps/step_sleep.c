/* step_sleep MS — sleeps MS milliseconds, then the result is the input. */
#include "step_common.h"

#include <time.h>

int main(int argc, char **argv)
{
    size_t n;
    char *input = step_read_input(&n);
    long ms = argc > 1 ? atol(argv[1]) : 100;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    step_write(1, input, n);
    free(input);
    return 0;
}
