/* step_inspect — reports what a step program sees, as its result:
 *   {"input": <the input>, "argv": [...], "cwd": "...", "env": {...},
 *    "fds": [open descriptors], "parent_fds": <how many the parent (stepfn)
 *    has open>, "parent_zombies": <children of the parent that are zombies>}
 * Tests use it to check argv without a shell, the working directory, the
 * minimal environment, that no descriptor leaks into children, and that
 * stepfn neither leaks descriptors nor leaves zombies over many tasks. */
#include "step_common.h"

#include <dirent.h>
#include <limits.h>

static void put_string(const char *s)
{
    char esc[8];
    step_puts(1, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            step_write(1, esc, 2);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            step_puts(1, esc);
        } else {
            step_write(1, (const char *)p, 1);
        }
    }
    step_puts(1, "\"");
}

static void put_env(void)
{
    extern char **environ;
    step_puts(1, "{");
    for (char **e = environ; *e; e++) {
        char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        char *name = strndup(*e, (size_t)(eq - *e));
        if (e != environ)
            step_puts(1, ",");
        put_string(name);
        step_puts(1, ":");
        put_string(eq + 1);
        free(name);
    }
    step_puts(1, "}");
}

/* Open descriptors of a process, without the one used to list them. */
static int list_fds(const char *dir_path, int print)
{
    DIR *d = opendir(dir_path);
    if (!d)
        return -1;
    int count = 0, self = dirfd(d);
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.' || (print && atoi(ent->d_name) == self))
            continue;
        if (print) {
            step_puts(1, count ? "," : "");
            step_puts(1, ent->d_name);
        }
        count++;
    }
    closedir(d);
    return print ? count : count;
}

static int parent_zombies(pid_t parent)
{
    DIR *d = opendir("/proc");
    int zombies = 0;
    struct dirent *ent;
    while (d && (ent = readdir(d))) {
        char path[300], stat[512];
        if (ent->d_name[0] < '0' || ent->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/stat", ent->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(stat, 1, sizeof stat - 1, f);
        fclose(f);
        stat[n] = '\0';
        char *close_paren = strrchr(stat, ')'); /* the name may hold spaces */
        char state;
        int ppid;
        if (close_paren && sscanf(close_paren + 1, " %c %d", &state, &ppid) == 2 &&
            ppid == parent && state == 'Z')
            zombies++;
    }
    if (d)
        closedir(d);
    return zombies;
}

int main(int argc, char **argv)
{
    char *input = step_read_input(NULL);
    char cwd[PATH_MAX], path[64], num[64];
    step_puts(1, "{\"input\":");
    step_puts(1, input[0] ? input : "null");
    step_puts(1, ",\"argv\":[");
    for (int i = 0; i < argc; i++) {
        step_puts(1, i ? "," : "");
        put_string(argv[i]);
    }
    step_puts(1, "],\"cwd\":");
    put_string(getcwd(cwd, sizeof cwd) ? cwd : "");
    step_puts(1, ",\"env\":");
    put_env();
    step_puts(1, ",\"fds\":[");
    list_fds("/proc/self/fd", 1);
    snprintf(path, sizeof path, "/proc/%d/fd", (int)getppid());
    snprintf(num, sizeof num, "],\"parent_fds\":%d", list_fds(path, 0));
    step_puts(1, num);
    snprintf(num, sizeof num, ",\"parent_zombies\":%d}\n", parent_zombies(getppid()));
    step_puts(1, num);
    free(input);
    return 0;
}
