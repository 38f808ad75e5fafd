/* step_flaky COUNTER_FILE N [ERRORS] — fails N times, then succeeds. Each
 * run adds one to the number in COUNTER_FILE; while it is at most N the
 * program fails with a Lambda-style error whose errorType is the count-th
 * name of the comma-separated ERRORS (the last one repeats; default
 * "Flaky"). Afterwards it prints
 * {"attempts": count, "retry_count": $STEPFN_RETRY_COUNT}. */
#include "step_common.h"

#include <fcntl.h>

int main(int argc, char **argv)
{
    free(step_read_input(NULL));
    if (argc < 3)
        return 2;
    int count = 0;
    FILE *f = fopen(argv[1], "r");
    if (f) {
        if (fscanf(f, "%d", &count) != 1)
            count = 0;
        fclose(f);
    }
    count++;
    f = fopen(argv[1], "w");
    if (!f)
        return 2;
    fprintf(f, "%d\n", count);
    fclose(f);
    char out[512], name[128] = "Flaky";
    const char *list = argc > 3 ? argv[3] : "Flaky";
    for (int i = 1; i <= count && *list; i++) {
        size_t n = strcspn(list, ",");
        snprintf(name, sizeof name, "%.*s", (int)n, list);
        list += n + (list[n] == ',');
    }
    if (count <= atoi(argv[2])) {
        snprintf(out, sizeof out, "{\"errorType\":\"%s\",\"errorMessage\":\"attempt %d failed\"}\n",
                 name, count);
        step_puts(1, out);
        return 1;
    }
    const char *retry = getenv("STEPFN_RETRY_COUNT");
    snprintf(out, sizeof out, "{\"attempts\":%d,\"retry_count\":%s}\n", count,
             retry ? retry : "null");
    step_puts(1, out);
    return 0;
}
