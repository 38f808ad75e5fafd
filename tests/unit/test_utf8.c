/*
 * test_utf8.c — making bytes from step programs and servers valid UTF-8
 * (engine/utf8.h): well-formed sequences pass unchanged, every byte outside
 * one becomes U+FFFD, and the result always decodes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/utf8.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define FFFD "\xEF\xBF\xBD"

static void check_repair(const char *in, size_t in_len, const char *want)
{
    size_t len;
    char *out = sf_utf8_repair(in, in_len, &len);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(out, want, len);
    json_t *s = json_stringn(out, len); /* jansson accepts only valid UTF-8 */
    assert_non_null(s);
    json_decref(s);
    free(out);
}

static void test_valid_text_is_unchanged(void **state)
{
    (void)state;
    const char *text = "plain, caf\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x98\x80, \xF4\x8F\xBF\xBF";
    check_repair(text, strlen(text), text);
    check_repair("", 0, "");
}

static void test_each_stray_byte_becomes_one_replacement(void **state)
{
    (void)state;
    check_repair("a\xFF" "b", 3, "a" FFFD "b");
    check_repair("\x80\x80", 2, FFFD FFFD);               /* continuation bytes alone */
    check_repair("\xC3(", 2, FFFD "(");                   /* a lead byte cut short */
    check_repair("caf\xE9", 4, "caf" FFFD);               /* Latin-1 */
}

static void test_forms_that_are_not_well_formed(void **state)
{
    (void)state;
    check_repair("\xC0\xAF", 2, FFFD FFFD);               /* overlong '/' */
    check_repair("\xE0\x80\xAF", 3, FFFD FFFD FFFD);      /* overlong, three bytes */
    check_repair("\xED\xA0\x80", 3, FFFD FFFD FFFD);      /* a UTF-16 surrogate */
    check_repair("\xF4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD); /* above U+10FFFF */
    check_repair("\xF8\x88\x80\x80\x80", 5, FFFD FFFD FFFD FFFD FFFD);
}

static void test_a_tail_cut_inside_a_character(void **state)
{
    (void)state;
    /* The last bytes of a kept stderr tail may start inside a character. */
    check_repair("\x82\xAC end", 6, FFFD FFFD " end");
    check_repair("end \xE2\x82", 6, "end " FFFD FFFD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_text_is_unchanged),
        cmocka_unit_test(test_each_stray_byte_becomes_one_replacement),
        cmocka_unit_test(test_forms_that_are_not_well_formed),
        cmocka_unit_test(test_a_tail_cut_inside_a_character),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
