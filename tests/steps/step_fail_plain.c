/* step_fail_plain — fails without a Lambda-style error: a message on stderr
 * and exit status 3. */
#include "step_common.h"

int main(void)
{
    free(step_read_input(NULL));
    step_puts(1, "partial output\n");
    step_puts(2, "something went wrong\n");
    return 3;
}
