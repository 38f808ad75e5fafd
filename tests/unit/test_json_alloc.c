/*
 * test_json_alloc.c — the pool behind jansson's values: blocks of every
 * size keep their contents while others come and go, freed blocks are
 * reused, large requests work, and jansson runs on it (values built,
 * copied, dumped and freed) with json_dumps's text freeable by free().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/json_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCKS 4000

static void test_blocks_keep_their_contents(void **state)
{
    (void)state;
    static unsigned char *blocks[BLOCKS];
    static size_t sizes[BLOCKS];
    uint32_t x = 2463534242u;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < BLOCKS; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            sizes[i] = x % 700; /* small classes and large blocks alike */
            blocks[i] = sf_json_pool_malloc(sizes[i]);
            assert_non_null(blocks[i]);
            assert_int_equal((uintptr_t)blocks[i] % 8, 0);
            memset(blocks[i], (int)(i & 0xFF), sizes[i]);
        }
        /* Free every other block, refill, then check everything. */
        for (int i = 0; i < BLOCKS; i += 2)
            sf_json_pool_free(blocks[i]);
        for (int i = 0; i < BLOCKS; i += 2) {
            blocks[i] = sf_json_pool_malloc(sizes[i]);
            memset(blocks[i], (int)(i & 0xFF), sizes[i]);
        }
        for (int i = 0; i < BLOCKS; i++) {
            for (size_t k = 0; k < sizes[i]; k++)
                assert_int_equal(blocks[i][k], i & 0xFF);
        }
        for (int i = BLOCKS - 1; i >= 0; i--)
            sf_json_pool_free(blocks[i]);
    }
    sf_json_pool_free(NULL);
}

static void test_freed_block_is_reused(void **state)
{
    (void)state;
    void *a = sf_json_pool_malloc(40);
    sf_json_pool_free(a);
    void *b = sf_json_pool_malloc(33); /* the same class (48 bytes) */
    assert_ptr_equal(a, b);
    sf_json_pool_free(b);
}

static void test_jansson_runs_on_the_pool(void **state)
{
    (void)state;
    json_set_alloc_funcs(sf_json_pool_malloc, sf_json_pool_free);
    json_t *doc = json_object();
    for (int i = 0; i < 500; i++) {
        char key[32];
        snprintf(key, sizeof key, "key-%d", i);
        json_object_set_new(doc, key,
                            json_pack("{s:i,s:s,s:[f,b]}", "i", i, "s",
                                      "a string longer than sixteen bytes", "a", 1.5, 1));
    }
    json_t *copy = json_deep_copy(doc);
    assert_true(json_equal(doc, copy));
    char *text = sf_json_dumps(copy, JSON_COMPACT);
    assert_non_null(text);
    json_t *back = json_loads(text, 0, NULL);
    assert_true(json_equal(doc, back));
    free(text); /* must be a malloc'd copy */
    json_decref(back);
    json_decref(copy);
    json_decref(doc);
    json_set_alloc_funcs(malloc, free);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks_keep_their_contents),
        cmocka_unit_test(test_freed_block_is_reused),
        cmocka_unit_test(test_jansson_runs_on_the_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
