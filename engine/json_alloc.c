/*
 * json_alloc.c — see json_alloc.h.
 *
 * Why. Every state transition builds and drops a handful of jansson values
 * (the effective input, Parameters, the result, a Map item's context), each
 * two or three small allocations. Through glibc's malloc a pair of malloc
 * and free costs a few hundred instructions once its per-thread cache is
 * full, which is the usual case when a Map or a Parallel keeps dozens of
 * children alive: a quarter of the engine's time went there. Here a small
 * block comes from a free list of its size class (a pointer pop) and goes
 * back to it on free (a pointer push).
 *
 * Layout. Each block is an 8-byte header, the class index, followed by the
 * payload handed to jansson (8-byte aligned, enough for any jansson type).
 * Blocks are carved from slabs that are never returned (the first 64 KiB
 * from malloc, the next ones 2 MiB huge pages, see new_slab):
 * the pool's size is the high-water mark of live jansson data, which the
 * engine bounds (a Map holds MaxConcurrency children at once). Requests
 * above the largest class go to malloc with a header that says so.
 *
 * Threads. The lists and the current slab are per thread, so no locking is
 * needed; a block freed by another thread than the one that made it simply
 * joins that thread's list.
 *
 * Checking tools. Under AddressSanitizer the pool is compiled out, so every
 * jansson value is still checked for overflows, use after free and leaks;
 * STEPFN_SYSTEM_MALLOC=1 turns it off at run time for valgrind's memcheck.
 */
#include "engine/json_alloc.h"
#include "engine/xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define SF_POOL_AVAILABLE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SF_POOL_AVAILABLE 0
#endif
#endif
#ifndef SF_POOL_AVAILABLE
#define SF_POOL_AVAILABLE 1
#endif

#define SLAB_BYTES      (64 * 1024)
#define HEADER_BYTES 8
#define LARGE_BLOCK  UINT64_MAX

/* Payload sizes; jansson's requests are mostly 24-64 bytes (a value, a
 * hashtable pair with its key, a short string). */
static const size_t class_payload[] = {16, 32, 48, 64, 96, 128, 192, 256, 384, 512};
#define CLASS_COUNT           (sizeof class_payload / sizeof class_payload[0])
#define LARGEST_CLASS_PAYLOAD 512

typedef struct free_block {
    struct free_block *next;
} free_block;

static _Thread_local free_block *free_lists[CLASS_COUNT];
static _Thread_local char *slab_next, *slab_end;

/* The class for a request of n bytes (n <= LARGEST_CLASS_PAYLOAD), by
 * 16-byte steps: index n_16 = (n + 15) / 16. */
static const unsigned char class_by_sixteenths[LARGEST_CLASS_PAYLOAD / 16 + 1] = {
    0, 0, 1, 2, 3, 4, 4, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7,
    8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9,
};

/* A new slab. The first is SLAB_BYTES from malloc, enough for a small
 * run; after it, slabs are huge pages (HUGE_SLAB_BYTES, aligned, with
 * MADV_HUGEPAGE): a run that holds a big document or many Map results
 * would otherwise fault in its values 4 KiB at a time, and on a virtual
 * machine a page fault costs about 10 us (a 2 MiB page, well under 1 ms).
 * Where transparent huge pages are off, the advice is ignored and the
 * pages come one by one as before. */
static char *new_slab(size_t *size)
{
    static _Thread_local bool first_taken;
    if (first_taken) {
        char *slab = sf_map_huge_pages(SF_HUGE_PAGE_BYTES);
        if (slab) {
            *size = SF_HUGE_PAGE_BYTES;
            return slab;
        }
    }
    first_taken = true;
    *size = SLAB_BYTES;
    return sf_malloc(SLAB_BYTES);
}

static void *carve(size_t class_index)
{
    size_t need = HEADER_BYTES + class_payload[class_index];
    if ((size_t)(slab_end - slab_next) < need) {
        /* The rest of the old slab (less than one block) is left unused. */
        size_t size;
        slab_next = new_slab(&size);
        slab_end = slab_next + size;
    }
    uint64_t *header = (uint64_t *)(void *)slab_next;
    slab_next += need;
    *header = class_index;
    return header + 1;
}

void *sf_json_pool_malloc(size_t n)
{
    if (n > LARGEST_CLASS_PAYLOAD) {
        uint64_t *header = sf_malloc(HEADER_BYTES + n);
        *header = LARGE_BLOCK;
        return header + 1;
    }
    size_t k = class_by_sixteenths[(n + 15) / 16];
    free_block *b = free_lists[k];
    if (b) {
        free_lists[k] = b->next;
        return b;
    }
    return carve(k);
}

void sf_json_pool_free(void *p)
{
    if (!p)
        return;
    uint64_t *header = (uint64_t *)p - 1;
    if (*header == LARGE_BLOCK) {
        free(header);
        return;
    }
    free_block *b = p;
    b->next = free_lists[*header];
    free_lists[*header] = b;
}

static bool pool_installed;

bool sf_json_pool_installed(void)
{
    return pool_installed;
}

bool sf_json_alloc_init(void)
{
    const char *off = getenv("STEPFN_SYSTEM_MALLOC");
    if (!SF_POOL_AVAILABLE || (off && *off && strcmp(off, "0") != 0))
        return false;
    json_set_alloc_funcs(sf_json_pool_malloc, sf_json_pool_free);
    pool_installed = true;
    return true;
}

char *sf_json_dumps(const json_t *v, size_t flags)
{
    char *text = json_dumps(v, flags);
    json_malloc_t jansson_malloc;
    json_free_t jansson_free;
    json_get_alloc_funcs(&jansson_malloc, &jansson_free);
    if (!text || jansson_free == free)
        return text;
    char *copy = sf_strdup(text); /* the caller frees with free() */
    jansson_free(text);
    return copy;
}
