/* step_crash — dies of SIGABRT (not caught by the sanitizers, unlike SIGSEGV). */
#include "step_common.h"

#include <signal.h>

int main(void)
{
    free(step_read_input(NULL));
    step_puts(2, "about to crash\n");
    signal(SIGABRT, SIG_DFL);
    raise(SIGABRT);
    return 0;
}
