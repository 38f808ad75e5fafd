/*
 * xalloc.h — allocation that cannot fail quietly.
 *
 * The engine treats out-of-memory as fatal: it prints what it was doing and
 * aborts, rather than threading NULL checks through every path where a
 * missed one would corrupt an execution. The history on disk stays readable
 * (every line is checksummed), so `stepfn resume` continues the execution.
 */
#ifndef SF_XALLOC_H
#define SF_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *sf_malloc(size_t n);
void *sf_calloc(size_t count, size_t n);
void *sf_realloc(void *p, size_t n);
char *sf_strdup(const char *s);
char *sf_strndup(const char *s, size_t n);
char *sf_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *sf_vasprintf(const char *fmt, va_list ap);

#define SF_NEW(type) ((type *)sf_calloc(1, sizeof(type)))

/* Memory of its own for a long-lived buffer: size bytes (a multiple of
 * SF_HUGE_PAGE_BYTES), aligned to a huge page and advised to use them
 * (MADV_HUGEPAGE), so it is faulted in 2 MiB at a time rather than 4 KiB
 * (about 10 us a fault on a virtual machine). NULL when it cannot be
 * mapped; the caller then uses malloc. Release with munmap. */
#define SF_HUGE_PAGE_BYTES ((size_t)2 * 1024 * 1024)
void *sf_map_huge_pages(size_t size);

#endif
