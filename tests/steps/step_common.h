/*
 * step_common.h — what the test step programs share: reading the task input
 * from stdin and writing whole buffers. Step programs follow the contract of
 * engine/invoke/invoke_process.h: input JSON on stdin, result JSON on stdout.
 */
#ifndef STEP_COMMON_H
#define STEP_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* All of stdin, NUL-terminated (malloc'd). */
static inline char *step_read_input(size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t r = read(0, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static inline void step_write(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static inline void step_puts(int fd, const char *s)
{
    step_write(fd, s, strlen(s));
}

#endif
