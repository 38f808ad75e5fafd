/* diag.c — see diag.h. */
#include "engine/diag.h"
#include "engine/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sf_diags_add(sf_diags *d, sf_severity sev, const char *code, const char *pointer,
                  const char *fmt, ...)
{
    if (d->count == d->capacity) {
        d->capacity = d->capacity ? d->capacity * 2 : 8;
        d->items = sf_realloc(d->items, d->capacity * sizeof *d->items);
    }
    va_list ap;
    va_start(ap, fmt);
    sf_diag *item = &d->items[d->count++];
    item->severity = sev;
    item->code = sf_strdup(code);
    item->pointer = sf_strdup(pointer ? pointer : "");
    item->message = sf_vasprintf(fmt, ap);
    va_end(ap);
    if (sev == SF_DIAG_ERROR)
        d->errors++;
}

void sf_diags_free(sf_diags *d)
{
    for (size_t i = 0; i < d->count; i++) {
        free(d->items[i].code);
        free(d->items[i].pointer);
        free(d->items[i].message);
    }
    free(d->items);
    d->items = NULL;
    d->count = d->capacity = d->errors = 0;
}

char *sf_pointer_join(const char *base, const char *token)
{
    size_t extra = 0;
    for (const char *p = token; *p; p++)
        if (*p == '~' || *p == '/')
            extra++;
    size_t blen = strlen(base);
    char *out = sf_malloc(blen + 1 + strlen(token) + extra + 1);
    memcpy(out, base, blen);
    char *w = out + blen;
    *w++ = '/';
    for (const char *p = token; *p; p++) {
        if (*p == '~') {
            *w++ = '~';
            *w++ = '0';
        } else if (*p == '/') {
            *w++ = '~';
            *w++ = '1';
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
    return out;
}

char *sf_pointer_join_index(const char *base, size_t index)
{
    return sf_asprintf("%s/%zu", base, index);
}
