/* step_huge [BYTES] — prints a JSON string of BYTES bytes (default 1 MiB),
 * more than a task result may be. */
#include "step_common.h"

int main(int argc, char **argv)
{
    free(step_read_input(NULL));
    size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 1024 * 1024;
    char chunk[4096];
    memset(chunk, 'x', sizeof chunk);
    step_puts(1, "\"");
    for (size_t done = 0; done < n; done += sizeof chunk)
        step_write(1, chunk, n - done < sizeof chunk ? n - done : sizeof chunk);
    step_puts(1, "\"\n");
    return 0;
}
