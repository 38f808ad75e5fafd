/*
 * json_assert.h — JSON assertions shared by the cmocka unit tests. Include
 * after <cmocka.h>. Helpers are static: each test program is one file.
 */
#ifndef SF_TEST_JSON_ASSERT_H
#define SF_TEST_JSON_ASSERT_H

#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "engine/lang/jsonpath.h"

/* Parse a JSON literal written in a test; a typo fails the test. */
static json_t *parse_json(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
    if (!v)
        fail_msg("bad JSON in test: %s (%s)", text, e.text);
    return v;
}

/* Deep equality with the expected JSON text (numbers by value); prints both
 * on a mismatch. Consumes actual (NULL stands for "no value"). */
static void assert_json_equals(json_t *actual, const char *expected)
{
    json_t *want = parse_json(expected);
    if (!json_equal(actual, want)) {
        char *got = actual ? sf_json_compact(actual) : strdup("(no value)");
        print_error("got:  %s\nwant: %s\n", got, expected);
        free(got);
        json_decref(actual);
        json_decref(want);
        fail();
    }
    json_decref(actual);
    json_decref(want);
}

#endif
