/*
 * error.c — see error.h. Small, but every failure path in the engine goes
 * through it, so it must never lose a message: allocation failure aborts
 * (an engine that cannot allocate 100 bytes cannot record history either).
 */
#include "engine/error.h"
#include "engine/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sf_error_setv(sf_error *e, const char *name, const char *fmt, va_list ap)
{
    char *cause = fmt ? sf_vasprintf(fmt, ap) : NULL;
    sf_error_clear(e);
    e->name = sf_strdup(name);
    e->cause = cause;
}

void sf_error_set(sf_error *e, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sf_error_setv(e, name, fmt, ap);
    va_end(ap);
}

void sf_error_set_raw(sf_error *e, const char *name, const char *cause)
{
    char *n = name ? sf_strdup(name) : NULL;
    char *c = cause ? sf_strdup(cause) : NULL;
    sf_error_clear(e);
    e->name = n;
    e->cause = c;
}

void sf_error_prefix_cause(sf_error *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *prefix = sf_vasprintf(fmt, ap);
    va_end(ap);
    char *joined = sf_asprintf("%s%s", prefix, e->cause ? e->cause : "");
    free(prefix);
    free(e->cause);
    e->cause = joined;
}

void sf_error_move(sf_error *dst, sf_error *src)
{
    sf_error_clear(dst);
    *dst = *src;
    src->name = NULL;
    src->cause = NULL;
}

void sf_error_clear(sf_error *e)
{
    free(e->name);
    free(e->cause);
    e->name = NULL;
    e->cause = NULL;
}
