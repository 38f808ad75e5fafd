/*
 * replay_main.c — a main() for the fuzz targets in the normal build: each
 * argument is a file, or a folder of files, and each file is given to
 * LLVMFuzzerTestOneInput once. ctest runs every target over its seed corpus
 * and its regressions (tests/fuzz/regressions/TARGET/) this way, with gcc
 * and, in the sanitizer build, under ASan and UBSan: every input that ever
 * crashed a target keeps being tried, without clang or libFuzzer.
 */
#include "tests/fuzz/fuzz_common.h"
#include "engine/json_util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int replay_file(const char *path)
{
    size_t len;
    char *data = sf_read_file(path, &len);
    if (!data) {
        fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
        return 1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    free(data);
    return 0;
}

static int name_order(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of a folder (not below it), in name order. */
static int replay_dir(const char *dir, size_t *files)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "%s: cannot open: %s\n", dir, strerror(errno));
        return 1;
    }
    char **paths = NULL;
    size_t n = 0;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.')
            continue;
        size_t k = strlen(dir) + strlen(ent->d_name) + 2;
        char *p = malloc(k);
        snprintf(p, k, "%s/%s", dir, ent->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
            paths = realloc(paths, (n + 1) * sizeof *paths);
            paths[n++] = p;
        } else {
            free(p);
        }
    }
    closedir(d);
    if (n) /* qsort may not be given NULL, even for no elements */
        qsort(paths, n, sizeof *paths, name_order);
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        failed |= replay_file(paths[i]);
        free(paths[i]);
    }
    free(paths);
    *files += n;
    return failed;
}

int main(int argc, char **argv)
{
    size_t files = 0;
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
            failed = 1;
        } else if (S_ISDIR(st.st_mode)) {
            failed |= replay_dir(argv[i], &files);
        } else {
            failed |= replay_file(argv[i]);
            files++;
        }
    }
    printf("%s: %zu input(s) replayed\n", argv[0], files);
    return failed;
}
