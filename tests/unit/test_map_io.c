/*
 * test_map_io.c — the Distributed Map's file readers and ResultWriter, on
 * the cases end-to-end tests cannot reach cheaply: JSON elements that span
 * the reader's 64 KiB chunks, CRLF line ends, and the manifest that
 * ResultWriter leaves beside its files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/json_util.h"
#include "engine/xalloc.h"
#include "states/map/map_reader.h"
#include "states/map/map_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- Helpers ---- */

static char *temp_dir(void)
{
    char tmpl[] = "/tmp/stepfn-map-io-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return sf_strdup(tmpl);
}

static void remove_tree(const char *dir)
{
    char *cmd = sf_asprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static void write_text(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

static map_object object_at(const char *path)
{
    map_object o = {0};
    o.path = (char *)path;
    o.shown = (char *)path;
    return o;
}

/* Every item of a reader, as one JSON array. */
static json_t *read_all(map_reader *r)
{
    json_t *all = json_array(), *item;
    sf_error err = SF_ERROR_INIT;
    int got;
    while ((got = map_reader_next(r, &item, &err)) > 0)
        json_array_append_new(all, item);
    if (got < 0)
        fail_msg("reader failed: %s", err.cause);
    return all;
}

/* ---- JSON arrays across chunks ---- */

static void json_element_larger_than_a_chunk(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char *path = sf_asprintf("%s/big.json", dir);
    /* A string of 200,000 bytes holding brackets and escaped quotes, which
     * the scanner must not take for structure. */
    size_t n = 200000;
    char *filler = sf_malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        filler[i] = "ab]}[{,"[i % 7];
    filler[n] = '\0';
    char *text =
        sf_asprintf("[{\"s\": \"%s\\\"]\", \"n\": [1, {\"x\": \"}\"}]}, 2, \"end\"]", filler);
    write_text(path, text, strlen(text));
    map_object o = object_at(path);
    sf_error err = SF_ERROR_INIT;
    map_reader *r = map_reader_json_open(&o, &err);
    assert_non_null(r);
    json_t *all = read_all(r);
    assert_int_equal(json_array_size(all), 3);
    const char *s = json_string_value(json_object_get(json_array_get(all, 0), "s"));
    assert_int_equal(strlen(s), n + 2);
    assert_memory_equal(s, filler, n);
    assert_string_equal(json_string_value(json_array_get(all, 2)), "end");
    json_decref(all);
    map_reader_free(r);
    free(text);
    free(filler);
    free(path);
    remove_tree(dir);
    free(dir);
}

static void json_many_elements_across_chunks(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char *path = sf_asprintf("%s/many.json", dir);
    FILE *f = fopen(path, "wb");
    fputs("[\n", f);
    for (int i = 0; i < 20000; i++)
        fprintf(f, "%s{\"i\": %d, \"pad\": \"%s\"}", i ? ",\n" : "", i, "0123456789abcdef");
    fputs("\n]\n", f);
    fclose(f);
    map_object o = object_at(path);
    sf_error err = SF_ERROR_INIT;
    map_reader *r = map_reader_json_open(&o, &err);
    json_t *all = read_all(r);
    assert_int_equal(json_array_size(all), 20000);
    for (int i = 0; i < 20000; i += 997)
        assert_int_equal(json_integer_value(json_object_get(json_array_get(all, i), "i")), i);
    json_decref(all);
    map_reader_free(r);
    free(path);
    remove_tree(dir);
    free(dir);
}

static void json_error_position_after_many_lines(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char *path = sf_asprintf("%s/bad.json", dir);
    FILE *f = fopen(path, "wb");
    fputs("[\n", f);
    for (int i = 0; i < 5000; i++)
        fprintf(f, "  %d,\n", i);
    fputs("  {\"a\": tru}\n]\n", f);
    fclose(f);
    map_object o = object_at(path);
    sf_error err = SF_ERROR_INIT;
    map_reader *r = map_reader_json_open(&o, &err);
    json_t *item;
    int got;
    size_t n = 0;
    while ((got = map_reader_next(r, &item, &err)) > 0) {
        json_decref(item);
        n++;
    }
    assert_int_equal(got, -1);
    assert_int_equal(n, 5000);
    assert_string_equal(err.name, SF_ERR_ITEM_READER_FAILED);
    assert_non_null(strstr(err.cause, ": line 5002, column "));
    sf_error_clear(&err);
    map_reader_free(r);
    free(path);
    remove_tree(dir);
    free(dir);
}

/* ---- CSV ---- */

static void csv_crlf_and_quoted_line_breaks(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char *path = sf_asprintf("%s/x.csv", dir);
    const char *text = "\xEF\xBB\xBFk;v\r\n1;\"a\r\nb\"\r\n2;\"\"\"q\"\"\"\r\n";
    write_text(path, text, strlen(text));
    map_object o = object_at(path);
    map_reader_config cfg = {.type = MAP_INPUT_CSV, .csv_delimiter = ';'};
    sf_error err = SF_ERROR_INIT;
    map_reader *r = map_reader_csv_open(&o, &cfg, &err);
    assert_non_null(r);
    json_t *all = read_all(r);
    json_t *want =
        json_loads("[{\"k\":\"1\",\"v\":\"a\\r\\nb\"},{\"k\":\"2\",\"v\":\"\\\"q\\\"\"}]", 0, NULL);
    assert_true(json_equal(all, want));
    json_decref(want);
    json_decref(all);
    map_reader_free(r);
    free(path);
    remove_tree(dir);
    free(dir);
}

/* ---- ResultWriter ---- */

static json_t *load_json(const char *path)
{
    json_error_t jerr;
    json_t *v = json_load_file(path, JSON_DECODE_ANY, &jerr);
    if (!v)
        fail_msg("%s: %s", path, jerr.text);
    return v;
}

static long long file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (long long)st.st_size;
}

static void writer_files_and_manifest(void **state)
{
    (void)state;
    char *dir = temp_dir();
    sf_error err = SF_ERROR_INIT;
    map_writer *w =
        map_writer_open(dir, "bucket", "runs/ID/", "arn:run", MAP_TRANSFORM_NONE, false, &err);
    assert_non_null(w);
    assert_true(map_writer_add(w, true, json_pack("{s:i}", "r", 1), NULL, &err));
    assert_true(map_writer_add(w, false, json_pack("{s:i}", "r", 2), NULL, &err));
    assert_true(map_writer_add(w, true, json_pack("{s:i}", "r", 3), NULL, &err));
    assert_true(map_writer_finish(w, &err));
    map_writer_free(w);

    char *base = sf_asprintf("%s/results/bucket/runs/ID", dir);
    char *succeeded = sf_asprintf("%s/SUCCEEDED_0.json", base);
    char *failed = sf_asprintf("%s/FAILED_0.json", base);
    char *manifest_path = sf_asprintf("%s/manifest.json", base);
    json_t *s = load_json(succeeded), *f = load_json(failed), *m = load_json(manifest_path);
    json_t *want_s = json_loads("[{\"r\":1},{\"r\":3}]", 0, NULL);
    json_t *want_f = json_loads("[{\"r\":2}]", 0, NULL);
    assert_true(json_equal(s, want_s));
    assert_true(json_equal(f, want_f));
    json_t *want_m =
        json_pack("{s:s,s:s,s:{s:[{s:s,s:I}],s:[],s:[{s:s,s:I}]}}", "DestinationBucket", "bucket",
                  "MapRunArn", "arn:run", "ResultFiles", "FAILED", "Key", "runs/ID/FAILED_0.json",
                  "Size", (json_int_t)file_size(failed), "PENDING", "SUCCEEDED", "Key",
                  "runs/ID/SUCCEEDED_0.json", "Size", (json_int_t)file_size(succeeded));
    assert_true(json_equal(m, want_m));
    json_decref(s);
    json_decref(f);
    json_decref(m);
    json_decref(want_s);
    json_decref(want_f);
    json_decref(want_m);
    free(base);
    free(succeeded);
    free(failed);
    free(manifest_path);
    remove_tree(dir);
    free(dir);
}

static void writer_flatten_jsonl(void **state)
{
    (void)state;
    char *dir = temp_dir();
    sf_error err = SF_ERROR_INIT;
    map_writer *w = map_writer_open(dir, "b", "ID/", "arn:run", MAP_TRANSFORM_FLATTEN, true, &err);
    json_t *out1 = json_pack("[i,i]", 1, 2), *out2 = json_string("three");
    assert_true(map_writer_add(w, true, json_object(), out1, &err));
    assert_true(map_writer_add(w, true, json_object(), out2, &err));
    assert_true(map_writer_finish(w, &err));
    map_writer_free(w);
    json_decref(out1);
    json_decref(out2);
    char *path = sf_asprintf("%s/results/b/ID/SUCCEEDED_0.jsonl", dir);
    size_t len;
    char *text = sf_read_file(path, &len);
    assert_string_equal(text, "1\n2\n\"three\"\n");
    free(text);
    free(path);
    remove_tree(dir);
    free(dir);
}

static void writer_cannot_create_its_folder(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char *file = sf_asprintf("%s/results", dir);
    write_text(file, "x", 1); /* a file where the results folder should be */
    sf_error err = SF_ERROR_INIT;
    map_writer *w = map_writer_open(dir, "b", "ID/", "arn", MAP_TRANSFORM_NONE, false, &err);
    assert_null(w);
    assert_string_equal(err.name, SF_ERR_RESULT_WRITER_FAILED);
    assert_non_null(strstr(err.cause, "Cannot write results to s3://b/ID/"));
    sf_error_clear(&err);
    free(file);
    remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_element_larger_than_a_chunk),
        cmocka_unit_test(json_many_elements_across_chunks),
        cmocka_unit_test(json_error_position_after_many_lines),
        cmocka_unit_test(csv_crlf_and_quoted_line_breaks),
        cmocka_unit_test(writer_files_and_manifest),
        cmocka_unit_test(writer_flatten_jsonl),
        cmocka_unit_test(writer_cannot_create_its_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
