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

/* Every special byte at every offset of strings long enough to take the
 * eight-bytes-at-a-time path must be escaped and round-trip through a JSON
 * parser. */
static void test_special_bytes_escaped_at_every_position(void **state)
{
    (void)state;
    const char specials[] = {'"', '\\', '\n', '\t', '\x01', '\x1f', '\r', '\b'};
    for (size_t k = 0; k < sizeof specials; k++) {
        for (size_t len = 1; len <= 24; len++) {
            for (size_t at = 0; at < len; at++) {
                char s[32];
                memset(s, 'a', len);
                s[at] = specials[k];
                char *out = string_text(s, len);
                json_error_t err;
                json_t *back = json_loads(out, JSON_DECODE_ANY, &err);
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
    json_t *v = json_loads("{\"z\":1,\"a\":[true,false,null,-42,8.95,1.0,\"s\"],\"m\":{}}", 0,
                           NULL);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_string_is_quoted_as_is),
        cmocka_unit_test(test_special_bytes_escaped_at_every_position),
        cmocka_unit_test(test_named_and_unicode_escapes),
        cmocka_unit_test(test_values_compact_in_insertion_order),
        cmocka_unit_test(test_integers_at_the_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
