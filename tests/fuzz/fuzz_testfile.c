/*
 * fuzz_testfile.c — the test files of `stepfn test`: parsing and checking
 * one (sf_test_file_parse, reading from a buffer as the command does after
 * reading the file), then the comparison the runner makes of each expected
 * value (sf_test_json_diff, exact and as a subset).
 *
 * Input: the test file's bytes. Each expected output is compared with the
 * test's input (so both sides come from the fuzzer) and with itself: a
 * value always matches itself, exactly and as a subset, so a difference
 * found there is a bug and aborts.
 */
#include "tests/fuzz/fuzz_common.h"
#include "tools/test_file.h"

#include <stdlib.h>

static void compare(json_t *expected, json_t *actual)
{
    if (!expected)
        return;
    free(sf_test_json_diff(expected, actual, true));
    free(sf_test_json_diff(expected, actual, false));
    char *self = sf_test_json_diff(expected, expected, true);
    char *subset = sf_test_json_diff(expected, expected, false);
    if (self || subset)
        abort(); /* a value that differs from itself */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *err = NULL;
    sf_test_file *f = sf_test_file_parse((const char *)data, size, "fuzz.test.json", "fuzz", &err);
    free(err);
    if (!f)
        return 0;
    for (size_t i = 0; i < f->count; i++) {
        const sf_test_spec *t = &f->tests[i];
        compare(t->expect.output, t->input);
        compare(t->expect.output_contains, t->input);
        compare(t->expect.state_outputs, t->input);
        compare(t->expect.path, t->expect.path);
    }
    sf_test_file_free(f);
    return 0;
}
