/*
 * test_store_check.c — sf_store_check and the store functions built on it:
 * a file (or anything else) where the store, its executions folder or an
 * execution's folder should be is reported with its path and what it is,
 * and missing levels are fine (they are made when needed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/store/store.h"
#include "engine/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *temp_dir(void)
{
    char tmpl[] = "/tmp/stepfn-store-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return sf_strdup(tmpl);
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
}

static void remove_tree(const char *dir)
{
    char *cmd = sf_asprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static void test_missing_levels_are_fine(void **state)
{
    (void)state;
    char *dir = temp_dir(), *err = NULL;
    char *store = sf_asprintf("%s/not-yet", dir);
    assert_int_equal(sf_store_check(store, "x", &err), 0);
    assert_null(err);
    free(store);
    remove_tree(dir);
    free(dir);
}

static void test_a_file_at_each_level_is_named(void **state)
{
    (void)state;
    char *dir = temp_dir(), *err = NULL;
    char *store = sf_asprintf("%s/store", dir);
    char *execs = sf_asprintf("%s/executions", store);
    char *one = sf_asprintf("%s/x", execs);
    static const char fix[] = " (move it away, or give --store another folder)";

    touch(store);
    assert_int_equal(sf_store_check(store, "x", &err), -1);
    char *want =
        sf_asprintf("%s is a regular file, not a folder: the store must be a folder%s", store, fix);
    assert_string_equal(err, want);
    free(want), free(err), err = NULL;

    unlink(store);
    assert_int_equal(mkdir(store, 0755), 0);
    touch(execs);
    assert_int_equal(sf_store_check(store, NULL, &err), -1);
    want = sf_asprintf("%s is a regular file, not a folder: the store keeps its executions in a "
                       "folder of that name%s",
                       execs, fix);
    assert_string_equal(err, want);
    free(want), free(err), err = NULL;

    unlink(execs);
    assert_int_equal(mkdir(execs, 0755), 0);
    touch(one);
    assert_int_equal(sf_store_check(store, NULL, &err), 0); /* the name not asked about */
    assert_int_equal(sf_store_check(store, "x", &err), -1);
    want = sf_asprintf("%s is a regular file, not a folder: the store keeps execution 'x' in a "
                       "folder of that name%s",
                       one, fix);
    assert_string_equal(err, want);
    free(want), free(err), err = NULL;

    /* Looking the execution up says the store is at fault, not the name. */
    bool broken = false;
    assert_null(sf_store_execution_dir(store, "x", &broken, &err));
    assert_true(broken);
    free(err), err = NULL;
    assert_null(sf_store_execution_dir(store, "y", &broken, &err));
    assert_false(broken);
    free(err), err = NULL;

    /* Creating it does not call the file an execution that exists. */
    bool exists = true;
    int lock = -1;
    assert_null(sf_store_create_execution(store, "x", "{}", 2, &exists, &lock, &err));
    assert_int_equal(lock, -1);
    assert_false(exists);
    assert_non_null(strstr(err, "is a regular file, not a folder"));
    free(err);

    free(one), free(execs), free(store);
    remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_levels_are_fine),
        cmocka_unit_test(test_a_file_at_each_level_is_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
