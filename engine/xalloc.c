/* xalloc.c — see xalloc.h. */
#include "engine/xalloc.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void out_of_memory(size_t n)
{
    fprintf(stderr, "stepfn: out of memory allocating %zu bytes\n", n);
    abort();
}

void *sf_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

/* malloc and memset rather than calloc: glibc's calloc skips the
 * per-thread cache that makes malloc of a recently freed size cheap, and
 * the engine allocates a zeroed cursor for every Map item and branch. The
 * memset goes through a volatile pointer because compilers turn malloc
 * followed by memset back into calloc. */
static void *(*volatile zero_fill)(void *, int, size_t) = memset;

void *sf_calloc(size_t count, size_t n)
{
    if (!count)
        count = 1;
    if (!n)
        n = 1;
    if (count > SIZE_MAX / n)
        out_of_memory(SIZE_MAX);
    void *p = malloc(count * n);
    if (!p)
        out_of_memory(count * n);
    return zero_fill(p, 0, count * n);
}

void *sf_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

char *sf_strdup(const char *s)
{
    return sf_strndup(s, strlen(s));
}

char *sf_strndup(const char *s, size_t n)
{
    char *d = sf_malloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *sf_vasprintf(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        n = 0;
    char *s = sf_malloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *sf_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = sf_vasprintf(fmt, ap);
    va_end(ap);
    return s;
}

void *sf_map_huge_pages(size_t size)
{
    size_t span = size + SF_HUGE_PAGE_BYTES; /* room to align */
    char *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    char *aligned =
        (char *)(((uintptr_t)p + SF_HUGE_PAGE_BYTES - 1) & ~(uintptr_t)(SF_HUGE_PAGE_BYTES - 1));
    if (aligned > p)
        munmap(p, (size_t)(aligned - p));
    if (p + span > aligned + size)
        munmap(aligned + size, (size_t)(p + span - (aligned + size)));
    madvise(aligned, size, MADV_HUGEPAGE); /* advice: ignored where huge pages are off */
    return aligned;
}
