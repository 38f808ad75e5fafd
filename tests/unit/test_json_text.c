/*
 * test_json_text.c — the JSON text writer behind history lines and error
 * causes: escaping (checked at every position, since plain runs are scanned
 * eight bytes at a time), numbers, nesting and key order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/json_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *string_text(const char *s, size_t n)
{
    sf_text t = {0};
    sf_text_put_string(&t, s, n);
    return t.data;
}

static void test_plain_string_is_quoted_as_is(void **state)
{
    (void)state;
    char *out = string_text("héllo/world", strlen("héllo/world"));
    assert_string_equal(out, "\"héllo/world\"");
    free(out);
}

/* Every special byte at every offset of strings of every length up to 24
 * (short ones are checked as one or two words, longer ones eight bytes at a
 * time) must be escaped and round-trip through a JSON parser. */
static void test_special_bytes_escaped_at_every_position(void **state)
{
    (void)state;
    const char specials[] = {'"', '\\', '\n', '\t', '\x01', '\x1f', '\r', '\b', '\0'};
    for (size_t k = 0; k < sizeof specials; k++) {
        for (size_t len = 1; len <= 24; len++) {
            for (size_t at = 0; at < len; at++) {
                char s[32];
                memset(s, 'a', len);
                s[at] = specials[k];
                char *out = string_text(s, len);
                json_error_t err;
                json_t *back = json_loads(out, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
                assert_non_null(back);
                assert_int_equal(json_string_length(back), len);
                assert_memory_equal(json_string_value(back), s, len);
                json_decref(back);
                free(out);
            }
        }
    }
}

static void test_named_and_unicode_escapes(void **state)
{
    (void)state;
    char *out = string_text("a\"b\\c\nd\x01", 8);
    assert_string_equal(out, "\"a\\\"b\\\\c\\nd\\u0001\"");
    free(out);
}

static void test_values_compact_in_insertion_order(void **state)
{
    (void)state;
    json_t *v =
        json_loads("{\"z\":1,\"a\":[true,false,null,-42,8.95,1.0,\"s\"],\"m\":{}}", 0, NULL);
    sf_text t = {0};
    sf_text_put_json(&t, v);
    assert_string_equal(t.data, "{\"z\":1,\"a\":[true,false,null,-42,8.95,1.0,\"s\"],\"m\":{}}");
    sf_text_free(&t);
    json_decref(v);
}

static void test_integers_at_the_limits(void **state)
{
    (void)state;
    sf_text t = {0};
    sf_text_put_int(&t, 0);
    sf_text_puts(&t, " ");
    sf_text_put_int(&t, INT64_MIN);
    sf_text_puts(&t, " ");
    sf_text_put_int(&t, INT64_MAX);
    assert_string_equal(t.data, "0 -9223372036854775808 9223372036854775807");
    sf_text_free(&t);
}

/* Every digit count: the writer takes two digits per step. */
static void test_integers_of_every_length(void **state)
{
    (void)state;
    long long v = 0;
    for (int digits = 1; digits <= 18; digits++) {
        v = v * 10 + digits % 10;
        for (int sign = 1; sign >= -1; sign -= 2) {
            char expected[32];
            snprintf(expected, sizeof expected, "%lld", sign * v);
            sf_text t = {0};
            sf_text_put_int(&t, sign * v);
            assert_string_equal(t.data, expected);
            sf_text_free(&t);
        }
    }
}

/* Either side of every power of ten, where the digit count changes: the
 * writer works the count out from the bit length first. */
static void test_integers_around_powers_of_ten(void **state)
{
    (void)state;
    long long power = 1;
    for (int k = 0; k <= 18; k++) {
        long long around[] = {power - 1, power, power + 1};
        if (k < 18)
            power *= 10;
        for (int i = 0; i < 3; i++)
            for (int sign = 1; sign >= -1; sign -= 2) {
                char expected[32];
                snprintf(expected, sizeof expected, "%lld", sign * around[i]);
                sf_text t = {0};
                sf_text_put_int(&t, sign * around[i]);
                assert_string_equal(t.data, expected);
                assert_int_equal(t.len, strlen(expected));
                sf_text_free(&t);
            }
    }
}

/* The literal must be exactly the string literal of the value's compact
 * text (what escaping sf_text_put_json's output gives), for values whose
 * strings hold every kind of escape at every offset. */
static void assert_literal_matches_escaped_text(json_t *v)
{
    sf_text text = {0}, escaped = {0}, literal = {0};
    sf_text_put_json(&text, v);
    sf_text_put_string(&escaped, text.data, text.len);
    sf_text_put(&literal, "prefix", 6); /* appends: does not start at 0 */
    size_t raw = sf_text_put_json_literal(&literal, v);
    assert_int_equal(raw, text.len);
    assert_int_equal(literal.len, 6 + escaped.len);
    assert_string_equal(literal.data + 6, escaped.data);
    sf_text_free(&text);
    sf_text_free(&escaped);
    sf_text_free(&literal);
}

static void test_json_literal_equals_escaped_text(void **state)
{
    (void)state;
    const char specials[] = {'"', '\\', '\n', '\t', '\x01', '\x1f', '/', 'e'};
    for (size_t k = 0; k < sizeof specials; k++) {
        for (size_t len = 1; len <= 20; len++) {
            for (size_t at = 0; at < len; at++) {
                char s[32];
                memset(s, 'a', len);
                s[at] = specials[k];
                json_t *v =
                    json_pack("{s:[s#,i,f,b,n],s#:{}}", "k", s, (int)len, -7, 8.95, 1, s, (int)len);
                assert_non_null(v);
                assert_literal_matches_escaped_text(v);
                json_decref(v);
            }
        }
    }
    json_t *scalar = json_string("h\u00e9llo \"w\"");
    assert_literal_matches_escaped_text(scalar);
    json_decref(scalar);
    assert_literal_matches_escaped_text(NULL);
}

/* Adding a member to an object's literal gives the literal of the object
 * with that member set, and the length of its JSON text. */
static void assert_member_added(const char *object_text, const char *key, const char *value_text)
{
    json_t *object = json_loads(object_text, 0, NULL), *value = json_loads(value_text, JSON_DECODE_ANY, NULL);
    assert_non_null(object);
    assert_non_null(value);
    sf_text extended = {0}, expected = {0}, plain = {0};
    sf_text_put(&extended, "prefix", 6);
    size_t text_len = sf_text_put_json_literal(&extended, object);
    size_t got_len =
        sf_text_literal_add_member(&extended, text_len, key, strlen(key), value, SIZE_MAX);
    json_object_set(object, key, value);
    sf_text_put(&expected, "prefix", 6);
    sf_text_put_json_literal(&expected, object);
    sf_text_put_json(&plain, object);
    assert_string_equal(extended.data, expected.data);
    assert_int_equal(extended.len, expected.len);
    assert_int_equal(got_len, plain.len);
    sf_text_free(&extended);
    sf_text_free(&expected);
    sf_text_free(&plain);
    json_decref(object);
    json_decref(value);
}

static void test_literal_add_member(void **state)
{
    (void)state;
    assert_member_added("{}", "r", "1");
    assert_member_added("{}", "quote\"d", "\"a\\\"b\\n\"");
    assert_member_added("{\"a\":1}", "r", "{\"x\":[1,2.5,null,true],\"y\":{}}");
    assert_member_added("{\"a\":\"t\\u0001\",\"b\":[]}", "out", "\"\\u001f\"");
    assert_member_added("{\"a\":{\"b\":{}}}", "", "[]");
}

/* A buffer that may use big pages keeps its text as it grows from malloc's
 * memory into a mapping and from one mapping into a bigger one; one that
 * may not stays malloc's. */
static void test_big_page_buffer_keeps_its_text(void **state)
{
    (void)state;
    sf_text big = {0}, plain = {0};
    sf_text_use_big_pages(&big);
    char line[100];
    for (size_t i = 0; i < sizeof line; i++)
        line[i] = (char)('a' + i % 26);
    size_t lines = (5 * 1024 * 1024) / sizeof line; /* past two mappings */
    for (size_t i = 0; i < lines; i++) {
        line[0] = (char)('0' + i % 10);
        sf_text_put(&big, line, sizeof line);
        sf_text_put(&plain, line, sizeof line);
        if (big.len == sizeof line)
            assert_false(big.mapped);
    }
    assert_true(big.mapped);
    assert_false(plain.mapped);
    assert_int_equal(big.len, plain.len);
    assert_memory_equal(big.data, plain.data, plain.len);
    assert_int_equal(big.data[big.len], '\0');
    sf_text_free(&big);
    sf_text_free(&plain);
    assert_null(big.data);
    assert_false(big.mapped);
}

/* The text a real must get: the shortest of %.15g, %.16g, %.17g that reads
 * back as the same double, with ".0" when it has no point or exponent (the
 * general algorithm; short decimals take a faster path that must agree). */
static void reference_real(double d, char *out, size_t size)
{
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(out, size, "%.*g", precision, d);
        if (strtod(out, NULL) == d)
            break;
    }
    if (!strpbrk(out, ".eE"))
        strcat(out, ".0");
}

static void assert_real_text(double d)
{
    char expected[64];
    reference_real(d, expected, sizeof expected);
    json_t *v = json_real(d);
    sf_text t = {0};
    sf_text_put_json(&t, v);
    if (strcmp(t.data, expected) != 0)
        fail_msg("%.17g printed as %s, expected %s", d, t.data, expected);
    sf_text_free(&t);
    json_decref(v);
}

static void test_reals_match_the_shortest_round_trip(void **state)
{
    (void)state;
    const double fixed[] = {0.0,
                            -0.0,
                            1.0,
                            -1.0,
                            8.95,
                            0.1,
                            0.2,
                            0.1 + 0.2,
                            1e-4,
                            1.5e-4,
                            9.99e-5,
                            1e15,
                            1e15 - 1,
                            999999999999999.9,
                            123456789012345.6,
                            0.000123456789,
                            1.0 / 3.0,
                            2.5e300,
                            -7.25,
                            4503599627370497.0,
                            100.0,
                            12345678.87654321,
                            0.30000000000000004};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        assert_real_text(fixed[i]);
    for (int i = -3000; i <= 3000; i++) {
        assert_real_text(i * 1.5);
        assert_real_text(i * 0.01);
        assert_real_text(i / 7.0);
        assert_real_text(i * 1234.5678);
    }
    uint64_t x = 88172645463325252ULL; /* xorshift: many digit counts and scales */
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int decimals = (int)(x % 10);
        double scale = 1;
        for (int k = 0; k < decimals; k++)
            scale *= 10;
        assert_real_text((double)(long long)(x % 100000000000ULL) / scale);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_string_is_quoted_as_is),
        cmocka_unit_test(test_special_bytes_escaped_at_every_position),
        cmocka_unit_test(test_named_and_unicode_escapes),
        cmocka_unit_test(test_values_compact_in_insertion_order),
        cmocka_unit_test(test_integers_at_the_limits),
        cmocka_unit_test(test_integers_of_every_length),
        cmocka_unit_test(test_integers_around_powers_of_ten),
        cmocka_unit_test(test_json_literal_equals_escaped_text),
        cmocka_unit_test(test_literal_add_member),
        cmocka_unit_test(test_big_page_buffer_keeps_its_text),
        cmocka_unit_test(test_reals_match_the_shortest_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
