/* step_echo — the result is the input. With an argument, also writes it to
 * stderr (to see stderr kept in the history of a successful task). */
#include "step_common.h"

int main(int argc, char **argv)
{
    size_t n;
    char *input = step_read_input(&n);
    if (argc > 1) {
        step_puts(2, argv[1]);
        step_puts(2, "\n");
    }
    step_write(1, input, n);
    free(input);
    return 0;
}
