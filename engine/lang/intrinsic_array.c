/*
 * intrinsic_array.c — States.Array, ArrayPartition, ArrayContains,
 * ArrayRange, ArrayGetItem, ArrayLength, ArrayUnique.
 *
 * Behaviour follows what AWS was observed to do, including its Java seams:
 *   - Fractional sizes and indexes are truncated toward zero (2.6 -> 2), and
 *     must then fit an int32.
 *   - ArrayRange includes its end, rejects a zero step and more than 1,000
 *     elements; a step pointing away from the end gives [].
 *   - ArrayGetItem rejects a negative or too-large index, except that any
 *     index into an empty array gives null.
 *   - ArrayContains compares values by their printed form (intrinsic_render),
 *     so true matches "true" and key order matters.
 *   - ArrayUnique keeps one of each deep-equal value (type-strict: 1 is not
 *     "1"; key order is ignored) and lists them in java.util.HashSet order,
 *     which is AWS's order, not first-seen order.
 * Every type or value error fails with "Invalid arguments in States.Xxx".
 */
#include "engine/lang/intrinsic_internal.h"
#include "engine/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* AWS: "ArrayRange ... can't contain more than 1000 elements". */
#define ARRAY_RANGE_MAX_ELEMENTS 1000

json_t *intrinsic_array(const intrinsic_call *call, json_t *const *args, size_t count,
                        char **detail)
{
    (void)call;
    (void)detail;
    json_t *array = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append(array, args[i]);
    return array;
}

json_t *intrinsic_array_partition(const intrinsic_call *call, json_t *const *args, size_t count,
                                  char **detail)
{
    (void)count;
    int32_t chunk_size;
    if (!json_is_array(args[0]) || !intrinsic_number_to_int32(args[1], &chunk_size) ||
        chunk_size <= 0)
        return intrinsic_invalid_arguments(call, detail);
    size_t size = json_array_size(args[0]);
    json_t *chunks = json_array();
    for (size_t start = 0; start < size; start += (size_t)chunk_size) {
        json_t *chunk = json_array();
        for (size_t i = start; i < size && i - start < (size_t)chunk_size; i++)
            json_array_append(chunk, json_array_get(args[0], i));
        json_array_append_new(chunks, chunk);
    }
    return chunks;
}

static bool printed_forms_equal(const intrinsic_buf *a, const json_t *b)
{
    intrinsic_buf other = {0};
    intrinsic_render(&other, b);
    bool equal = a->len == other.len && (a->len == 0 || memcmp(a->data, other.data, a->len) == 0);
    free(other.data);
    return equal;
}

json_t *intrinsic_array_contains(const intrinsic_call *call, json_t *const *args, size_t count,
                                 char **detail)
{
    (void)count;
    if (!json_is_array(args[0]))
        return intrinsic_invalid_arguments(call, detail);
    intrinsic_buf wanted = {0};
    intrinsic_render(&wanted, args[1]);
    bool found = false;
    size_t i;
    json_t *item;
    json_array_foreach(args[0], i, item)
    {
        if (printed_forms_equal(&wanted, item)) {
            found = true;
            break;
        }
    }
    free(wanted.data);
    return json_boolean(found);
}

json_t *intrinsic_array_range(const intrinsic_call *call, json_t *const *args, size_t count,
                              char **detail)
{
    (void)count;
    int32_t first, last, step;
    if (!intrinsic_number_to_int32(args[0], &first) || !intrinsic_number_to_int32(args[1], &last) ||
        !intrinsic_number_to_int32(args[2], &step) || step == 0)
        return intrinsic_invalid_arguments(call, detail);
    int64_t elements = 0;
    if (step > 0 && first <= last)
        elements = ((int64_t)last - first) / step + 1;
    else if (step < 0 && first >= last)
        elements = ((int64_t)first - last) / -(int64_t)step + 1;
    if (elements > ARRAY_RANGE_MAX_ELEMENTS)
        return intrinsic_invalid_arguments(call, detail);
    json_t *range = json_array();
    for (int64_t k = 0; k < elements; k++)
        json_array_append_new(range, json_integer(first + k * step));
    return range;
}

json_t *intrinsic_array_get_item(const intrinsic_call *call, json_t *const *args, size_t count,
                                 char **detail)
{
    (void)count;
    int32_t index;
    if (!json_is_array(args[0]) || !intrinsic_number_to_int32(args[1], &index) || index < 0)
        return intrinsic_invalid_arguments(call, detail);
    size_t size = json_array_size(args[0]);
    if (size == 0)
        return json_null(); /* AWS: ArrayGetItem([], 999) is null, not an error */
    if ((size_t)index >= size)
        return intrinsic_invalid_arguments(call, detail);
    return json_incref(json_array_get(args[0], (size_t)index));
}

json_t *intrinsic_array_length(const intrinsic_call *call, json_t *const *args, size_t count,
                               char **detail)
{
    (void)count;
    if (!json_is_array(args[0]))
        return intrinsic_invalid_arguments(call, detail);
    return json_integer((json_int_t)json_array_size(args[0]));
}

/* ---- ArrayUnique: java.util.HashSet semantics -------------------------- */

typedef struct unique_entry {
    json_t *item;
    uint32_t hash;   /* Java hashCode */
    uint32_t bucket; /* HashMap bucket the entry lands in */
    size_t position; /* in the input: ties keep input order */
    bool duplicate;
} unique_entry;

static int by_hash_then_position(const void *a, const void *b)
{
    const unique_entry *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return x->position < y->position ? -1 : x->position > y->position;
}

static int by_bucket_then_position(const void *a, const void *b)
{
    const unique_entry *x = a, *y = b;
    if (x->bucket != y->bucket)
        return x->bucket < y->bucket ? -1 : 1;
    return x->position < y->position ? -1 : x->position > y->position;
}

/* new HashSet<>(list) sizes its table to max(n / 0.75 + 1, 16), rounded up
 * to a power of two, so it never resizes while filling. */
static uint32_t hash_set_capacity(size_t n)
{
    size_t wanted = (size_t)((float)n / 0.75f) + 1;
    uint32_t capacity = 16;
    while (capacity < wanted && capacity < (1u << 30))
        capacity <<= 1;
    return capacity;
}

/* Mark every entry equal to an earlier one. Only equal hashes can be equal,
 * so after sorting by hash each run is compared within itself. */
static void mark_duplicates(unique_entry *entries, size_t n)
{
    qsort(entries, n, sizeof *entries, by_hash_then_position);
    for (size_t run = 0; run < n;) {
        size_t end = run;
        while (end < n && entries[end].hash == entries[run].hash)
            end++;
        for (size_t i = run; i < end; i++) {
            for (size_t j = run; j < i && !entries[i].duplicate; j++) {
                if (!entries[j].duplicate && json_equal(entries[j].item, entries[i].item))
                    entries[i].duplicate = true;
            }
        }
        run = end;
    }
}

json_t *intrinsic_array_unique(const intrinsic_call *call, json_t *const *args, size_t count,
                               char **detail)
{
    (void)count;
    if (!json_is_array(args[0]))
        return intrinsic_invalid_arguments(call, detail);
    size_t n = json_array_size(args[0]);
    unique_entry *entries = sf_calloc(n ? n : 1, sizeof *entries);
    uint32_t mask = hash_set_capacity(n) - 1;
    for (size_t i = 0; i < n; i++) {
        unique_entry *e = &entries[i];
        e->item = json_array_get(args[0], i);
        e->hash = (uint32_t)intrinsic_java_hash(e->item);
        e->bucket = (e->hash ^ (e->hash >> 16)) & mask; /* HashMap.hash() spreading */
        e->position = i;
    }
    mark_duplicates(entries, n);
    qsort(entries, n, sizeof *entries, by_bucket_then_position);
    json_t *unique = json_array();
    for (size_t i = 0; i < n; i++) {
        if (!entries[i].duplicate)
            json_array_append(unique, entries[i].item);
    }
    free(entries);
    return unique;
}
