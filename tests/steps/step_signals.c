/* step_signals — reports the signal state and the session a step program
 * starts with, as its result:
 *   {"ignored": [signal numbers], "blocked": [...],
 *    "session_leader": bool, "group_leader": bool}
 * Tests use it to check that every signal is at its default action (stepfn
 * itself ignores SIGPIPE; whoever started stepfn may have ignored others),
 * none is blocked, and the program leads a session and process group of its
 * own. */
#include "step_common.h"

#include <signal.h>

static void put_signal_list(const char *name, int (*has)(int sig))
{
    char number[16];
    int first = 1;
    step_puts(1, "\"");
    step_puts(1, name);
    step_puts(1, "\":[");
    for (int sig = 1; sig < NSIG; sig++) {
        if (!has(sig))
            continue;
        snprintf(number, sizeof number, "%s%d", first ? "" : ",", sig);
        step_puts(1, number);
        first = 0;
    }
    step_puts(1, "]");
}

static int is_ignored(int sig)
{
    struct sigaction sa;
    return sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
}

static int is_blocked(int sig)
{
    sigset_t mask;
    return sigprocmask(SIG_BLOCK, NULL, &mask) == 0 && sigismember(&mask, sig) == 1;
}

int main(void)
{
    free(step_read_input(NULL));
    pid_t pid = getpid();
    step_puts(1, "{");
    put_signal_list("ignored", is_ignored);
    step_puts(1, ",");
    put_signal_list("blocked", is_blocked);
    step_puts(1, getsid(0) == pid ? ",\"session_leader\":true" : ",\"session_leader\":false");
    step_puts(1, getpgid(0) == pid ? ",\"group_leader\":true" : ",\"group_leader\":false");
    step_puts(1, "}\n");
    return 0;
}
