/*
 * test_crc32.c — CRC-32 as zlib computes it, which the history format
 * depends on. sf_crc32 takes the carry-less multiplication path on x86-64
 * CPUs with PCLMULQDQ for 64 bytes and more; sf_crc32_portable is the table
 * code every other machine runs. Both must give the value of a plain
 * bit-at-a-time reference for every length, alignment and starting CRC, and
 * the values zlib gives (computed with Python's zlib.crc32).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/store/crc32.h"

#include <stdlib.h>
#include <string.h>

typedef uint32_t (*crc32_function)(uint32_t crc, const void *data, size_t len);

static const struct {
    const char *name;
    crc32_function crc32;
} IMPLEMENTATIONS[] = {
    {"sf_crc32", sf_crc32},
    {"sf_crc32_portable", sf_crc32_portable},
    {"sf_crc32_narrow", sf_crc32_narrow},
};
#define N_IMPLEMENTATIONS (sizeof IMPLEMENTATIONS / sizeof IMPLEMENTATIONS[0])

/* The definition, one bit at a time: nothing to get subtly wrong. */
static uint32_t bitwise_crc32(uint32_t crc, const unsigned char *p, size_t len)
{
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
    }
    return ~crc;
}

/* xorshift64: the same bytes on every run and machine. */
static uint64_t next_random(uint64_t *seed)
{
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    return *seed;
}

static unsigned char *random_bytes(size_t len, uint64_t seed)
{
    unsigned char *p = malloc(len);
    assert_non_null(p);
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)(next_random(&seed) >> 56);
    return p;
}

/* Every implementation against the reference, naming the case on failure. */
static void assert_all_match_reference(uint32_t start, const unsigned char *p, size_t len,
                                       size_t offset)
{
    uint32_t want = bitwise_crc32(start, p, len);
    for (size_t i = 0; i < N_IMPLEMENTATIONS; i++) {
        uint32_t got = IMPLEMENTATIONS[i].crc32(start, p, len);
        if (got != want)
            fail_msg("%s(0x%08x, len %zu, offset %zu) = 0x%08x, want 0x%08x",
                     IMPLEMENTATIONS[i].name, start, len, offset, got, want);
    }
}

static void check_value_of_123456789_is_cbf43926(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_IMPLEMENTATIONS; i++)
        assert_int_equal(IMPLEMENTATIONS[i].crc32(0, "123456789", 9), 0xCBF43926u);
    assert_int_equal(bitwise_crc32(0, (const unsigned char *)"123456789", 9), 0xCBF43926u);
}

static void empty_input_leaves_the_crc_unchanged(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_IMPLEMENTATIONS; i++) {
        assert_int_equal(IMPLEMENTATIONS[i].crc32(0, "", 0), 0);
        assert_int_equal(IMPLEMENTATIONS[i].crc32(0xCBF43926u, "", 0), 0xCBF43926u);
    }
}

/* Split points on both sides of the fast path's 64-byte minimum and its
 * 16-byte blocks, so pieces go by different paths than the whole. */
static void crc_of_a_then_b_continues_from_crc_of_a(void **state)
{
    (void)state;
    const size_t len = 300;
    unsigned char *data = random_bytes(len, 1);
    uint32_t whole = bitwise_crc32(0, data, len);
    for (size_t i = 0; i < N_IMPLEMENTATIONS; i++) {
        crc32_function crc32 = IMPLEMENTATIONS[i].crc32;
        assert_int_equal(crc32(0, data, len), whole);
        for (size_t split = 0; split <= len; split++) {
            uint32_t a = crc32(0, data, split);
            if (crc32(a, data + split, len - split) != whole)
                fail_msg("%s: split at %zu gives a different CRC", IMPLEMENTATIONS[i].name, split);
        }
    }
    free(data);
}

/* Lengths 0..1024 cover the table-only inputs, the fast path with no
 * 64-byte loop, every 0..3 extra 16-byte blocks and every 0..15 byte tail;
 * odd offsets make every load unaligned. */
static void every_length_to_1024_at_several_offsets_matches_reference(void **state)
{
    (void)state;
    static const size_t offsets[] = {0, 1, 3, 7, 8, 13, 15};
    unsigned char *buffer = random_bytes(1024 + 16, 2);
    uint64_t seed = 3;
    for (size_t o = 0; o < sizeof offsets / sizeof offsets[0]; o++) {
        for (size_t len = 0; len <= 1024; len++) {
            uint32_t start = (len % 2) ? (uint32_t)next_random(&seed) : 0;
            assert_all_match_reference(start, buffer + offsets[o], len, offsets[o]);
        }
    }
    free(buffer);
}

static void one_megabyte_buffers_match_reference_and_zlib(void **state)
{
    (void)state;
    const size_t mb = 1 << 20;
    unsigned char *data = random_bytes(mb + 64, 4);
    assert_all_match_reference(0, data, mb, 0);
    assert_all_match_reference(0x12345678u, data + 5, mb + 59, 5);

    /* Anchors outside this file: zlib.crc32(b"a" * 2**20) and
     * zlib.crc32(bytes(range(256)) * 4096 + b"xyz"). */
    unsigned char *text = malloc(mb + 3);
    assert_non_null(text);
    memset(text, 'a', mb);
    for (size_t i = 0; i < N_IMPLEMENTATIONS; i++)
        assert_int_equal(IMPLEMENTATIONS[i].crc32(0, text, mb), 0xD7CD5672u);
    for (size_t i = 0; i < mb; i++)
        text[i] = (unsigned char)i;
    memcpy(text + mb, "xyz", 3);
    for (size_t i = 0; i < N_IMPLEMENTATIONS; i++)
        assert_int_equal(IMPLEMENTATIONS[i].crc32(0, text, mb + 3), 0x75EF7924u);
    free(text);
    free(data);
}

/* A long input fed in uneven pieces, as a reader of a history file does. */
static void one_megabyte_in_pieces_equals_whole(void **state)
{
    (void)state;
    static const size_t piece_sizes[] = {1, 63, 64, 65, 200, 4096, 4099, 100000};
    const size_t mb = 1 << 20;
    unsigned char *data = random_bytes(mb, 5);
    uint32_t whole = bitwise_crc32(0, data, mb);
    for (size_t i = 0; i < N_IMPLEMENTATIONS; i++) {
        uint32_t crc = 0;
        size_t done = 0;
        for (size_t k = 0; done < mb; k++) {
            size_t n = piece_sizes[k % (sizeof piece_sizes / sizeof piece_sizes[0])];
            if (n > mb - done)
                n = mb - done;
            crc = IMPLEMENTATIONS[i].crc32(crc, data + done, n);
            done += n;
        }
        assert_int_equal(crc, whole);
    }
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_value_of_123456789_is_cbf43926),
        cmocka_unit_test(empty_input_leaves_the_crc_unchanged),
        cmocka_unit_test(crc_of_a_then_b_continues_from_crc_of_a),
        cmocka_unit_test(every_length_to_1024_at_several_offsets_matches_reference),
        cmocka_unit_test(one_megabyte_buffers_match_reference_and_zlib),
        cmocka_unit_test(one_megabyte_in_pieces_equals_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
