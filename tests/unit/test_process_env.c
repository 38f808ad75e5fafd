/*
 * test_process_env.c — sf_process_env_new: the minimal environment plus
 * the extra entries, a later entry replacing an earlier one of the same
 * name in place, in one pass however many entries there are.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/invoke/invoke_process.h"
#include "engine/xalloc.h"

#include <stdlib.h>
#include <string.h>

static size_t count(char **env)
{
    size_t n = 0;
    while (env[n])
        n++;
    return n;
}

static const char *lookup(char **env, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; env[i]; i++)
        if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
            return env[i] + len + 1;
    return NULL;
}

static void test_later_entries_replace_earlier_ones(void **state)
{
    (void)state;
    setenv("HOME", "/home/stepfn", 1);
    const char *extra[] = {"A=1", "HOME=/from/map", "B=2", "A=3", "PATH=/only", NULL};
    char **env = sf_process_env_new(extra);
    assert_string_equal(lookup(env, "A"), "3");
    assert_string_equal(lookup(env, "B"), "2");
    assert_string_equal(lookup(env, "HOME"), "/from/map");
    assert_string_equal(lookup(env, "PATH"), "/only");
    assert_string_equal(lookup(env, "STEPFN_HEARTBEAT_FD"), "3");
    assert_string_equal(env[0], "PATH=/only"); /* replaced where it was */
    size_t names = 0;
    for (size_t i = 0; env[i]; i++)
        names += strncmp(env[i], "A=", 2) == 0;
    assert_int_equal(names, 1);
    sf_process_env_free(env);
}

static void test_ten_thousand_entries(void **state)
{
    (void)state;
    enum { N = 10000 };
    char **extra = sf_calloc(N + 1, sizeof *extra);
    for (int i = 0; i < N; i++)
        extra[i] = sf_asprintf("V%d=value%d", i, i);
    char **plain = sf_process_env_new(NULL);
    size_t base = count(plain);
    sf_process_env_free(plain);
    char **env = sf_process_env_new((const char *const *)extra);
    assert_int_equal(count(env), base + N);
    assert_string_equal(lookup(env, "V0"), "value0");
    assert_string_equal(lookup(env, "V9999"), "value9999");
    sf_process_env_free(env);
    for (int i = 0; i < N; i++)
        free(extra[i]);
    free(extra);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_later_entries_replace_earlier_ones),
        cmocka_unit_test(test_ten_thousand_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
