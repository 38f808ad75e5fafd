/*
 * json_alloc.h — the allocator behind jansson's values: free lists of
 * small size classes, so that building and dropping the values of every
 * state transition does not go through malloc each time.
 *
 * sf_json_alloc_init installs it (json_set_alloc_funcs); a program calls it
 * first thing, before any jansson value exists, since a value must be freed
 * by the allocator that made it. Without the call jansson uses malloc.
 */
#ifndef SF_JSON_ALLOC_H
#define SF_JSON_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* Install the pool for jansson. Returns false (and leaves malloc in place)
 * in sanitizer builds and when STEPFN_SYSTEM_MALLOC is set to anything but
 * "0" (for valgrind's memcheck, which cannot see inside a pool). */
bool sf_json_alloc_init(void);

/* Whether sf_json_alloc_init installed the pool: other memory the engine
 * keeps for reuse (freed cursors) is kept only then, so that a sanitizer
 * build or STEPFN_SYSTEM_MALLOC=1 shows every allocation's end. */
bool sf_json_pool_installed(void);

/* json_dumps whose result is freed with free(), whichever allocator jansson
 * uses (json_dumps's own result must go back to jansson's). */
char *sf_json_dumps(const json_t *v, size_t flags);

/* The pool itself, for tests. */
void *sf_json_pool_malloc(size_t n);
void sf_json_pool_free(void *p);

#endif
