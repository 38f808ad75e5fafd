/*
 * test_history.c — the history log: checksummed lines, torn tails cut off
 * at every possible byte, corrupted lines dropped, appending after a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/store/crc32.h"
#include "engine/store/history.h"
#include "engine/json_util.h"
#include "engine/xalloc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *temp_path(void)
{
    char tmpl[] = "/tmp/stepfn-history-XXXXXX";
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    close(fd);
    unlink(tmpl);
    return sf_strdup(tmpl);
}

/* Write n events (ids 1..n) and return the path. */
static char *write_log(int n)
{
    char *path = temp_path();
    char *err = NULL;
    sf_history *h = sf_history_create(path, SF_FSYNC_NEVER, &err);
    assert_non_null(h);
    for (int i = 1; i <= n; i++) {
        json_t *d = json_pack("{s:s,s:s}", "name", "S\xc3\xa9", "input", "{\"a\":\"\\n\"}");
        json_t *ev = sf_history_event_new(i, i - 1, 1700000000000 + i, "PassStateEntered", d);
        sf_history_append(h, ev);
        json_decref(ev);
    }
    assert_int_equal(sf_history_close(h, &err), 0);
    return path;
}

static size_t file_size(const char *path)
{
    size_t len;
    char *text = sf_read_file(path, &len);
    free(text);
    return len;
}

static void test_events_read_back_exactly(void **state)
{
    (void)state;
    char *path = write_log(3);
    size_t dropped = 99;
    char *err = NULL;
    json_t *events = sf_history_read(path, &dropped, NULL, &err);
    assert_non_null(events);
    assert_int_equal(json_array_size(events), 3);
    assert_int_equal(dropped, 0);
    json_t *ev = json_array_get(events, 2);
    assert_int_equal(json_integer_value(json_object_get(ev, "id")), 3);
    assert_int_equal(json_integer_value(json_object_get(ev, "previousEventId")), 2);
    assert_string_equal(json_string_value(json_object_get(ev, "type")), "PassStateEntered");
    assert_string_equal(json_string_value(json_object_get(ev, "timestamp")),
                        "2023-11-14T22:13:20.003Z");
    json_t *d = json_object_get(ev, "stateEnteredEventDetails");
    assert_string_equal(json_string_value(json_object_get(d, "name")), "S\xc3\xa9");
    assert_null(json_object_get(ev, "crc")); /* the checksum is not part of the event */
    json_decref(events);
    unlink(path);
    free(path);
}

/* A crash can cut the last write at any byte: every cut keeps the complete
 * events before it and drops the torn one. */
static void test_torn_last_line_at_every_offset_is_dropped(void **state)
{
    (void)state;
    char *path = write_log(3);
    size_t full = file_size(path);
    char *text = sf_read_file(path, NULL);
    size_t last_start = full - 1;
    while (last_start > 0 && text[last_start - 1] != '\n')
        last_start--;
    for (size_t cut = last_start; cut < full; cut++) {
        assert_int_equal(truncate(path, (off_t)cut), 0);
        size_t dropped = 0;
        char *err = NULL;
        json_t *events = sf_history_read(path, &dropped, NULL, &err);
        assert_non_null(events);
        assert_int_equal(json_array_size(events), 2);
        assert_int_equal(dropped, cut == last_start ? 0 : 1);
        json_decref(events);
        /* restore the full file for the next cut */
        FILE *f = fopen(path, "wb");
        fwrite(text, 1, full, f);
        fclose(f);
    }
    free(text);
    unlink(path);
    free(path);
}

static void test_corrupted_byte_fails_checksum(void **state)
{
    (void)state;
    char *path = write_log(3);
    size_t len;
    char *text = sf_read_file(path, &len);
    char *second = strchr(text, '\n') + 1;
    char *digit = strstr(second, "\"id\":2");
    assert_non_null(digit);
    digit[5] = '7'; /* still valid JSON, wrong checksum */
    FILE *f = fopen(path, "wb");
    fwrite(text, 1, len, f);
    fclose(f);
    size_t dropped = 0;
    char *err = NULL;
    json_t *events = sf_history_read(path, &dropped, NULL, &err);
    assert_int_equal(json_array_size(events), 2);
    assert_int_equal(dropped, 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(events, 1), "id")), 3);
    json_decref(events);
    free(text);
    unlink(path);
    free(path);
}

static void test_append_after_crash_cuts_torn_tail(void **state)
{
    (void)state;
    char *path = write_log(2);
    size_t full = file_size(path);
    assert_int_equal(truncate(path, (off_t)(full - 7)), 0);
    char *err = NULL;
    sf_history *h = sf_history_open_append(path, SF_FSYNC_ALWAYS, &err);
    assert_non_null(h);
    json_t *ev = sf_history_event_new(2, 1, 1700000000000, "ExecutionSucceeded", NULL);
    sf_history_append(h, ev);
    json_decref(ev);
    assert_int_equal(sf_history_close(h, &err), 0);
    size_t dropped = 9;
    json_t *events = sf_history_read(path, &dropped, NULL, &err);
    assert_int_equal(json_array_size(events), 2);
    assert_int_equal(dropped, 0);
    assert_string_equal(json_string_value(json_object_get(json_array_get(events, 1), "type")),
                        "ExecutionSucceeded");
    json_decref(events);
    unlink(path);
    free(path);
}

static void test_create_refuses_existing_file(void **state)
{
    (void)state;
    char *path = write_log(1);
    char *err = NULL;
    assert_null(sf_history_create(path, SF_FSYNC_END, &err));
    assert_non_null(strstr(err, path));
    free(err);
    unlink(path);
    free(path);
}

static void test_details_key_follows_aws_names(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"PassStateEntered", "stateEnteredEventDetails"},
        {"MapStateExited", "stateExitedEventDetails"},
        {"TaskScheduled", "taskScheduledEventDetails"},
        {"ExecutionFailed", "executionFailedEventDetails"},
        {"MapIterationStarted", "mapIterationStartedEventDetails"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *key = sf_history_details_key(cases[i][0]);
        assert_string_equal(key, cases[i][1]);
        free(key);
    }
}

static void test_crc32_matches_the_standard_check_value(void **state)
{
    (void)state;
    assert_int_equal(sf_crc32(0, "123456789", 9), 0xCBF43926u);
    /* long enough for the eight-bytes-at-a-time path, and split anywhere */
    const char *text = "The quick brown fox jumps over the lazy dog";
    assert_int_equal(sf_crc32(0, text, strlen(text)), 0x414FA339u);
    assert_int_equal(sf_crc32(sf_crc32(0, text, 13), text + 13, strlen(text) - 13), 0x414FA339u);
}

static void test_fsync_policy_names(void **state)
{
    (void)state;
    sf_fsync_policy p;
    assert_true(sf_fsync_policy_parse("never", &p) && p == SF_FSYNC_NEVER);
    assert_true(sf_fsync_policy_parse("end", &p) && p == SF_FSYNC_END);
    assert_true(sf_fsync_policy_parse("always", &p) && p == SF_FSYNC_ALWAYS);
    assert_false(sf_fsync_policy_parse("sometimes", &p));
}

/* Event ids are written from the last line's id counted up as text: every
 * carry (9 -> 10, 999 -> 1000), a previous id that is the last line's or
 * not, ids that jump (a resumed log), and 0, must all read back. */
static void test_event_ids_read_back_across_every_carry(void **state)
{
    (void)state;
    struct {
        int64_t id, previous;
    } lines[] = {{1, 0},         {2, 1},         {3, 1},       {9, 8},      {10, 9},
                 {11, 9},        {99, 98},       {100, 99},    {101, 100},  {102, 0},
                 {999, 998},     {1000, 999},    {1001, 1000}, {1002, 999}, {19999, 500},
                 {20000, 19999}, {20001, 20000}, {7, 6},       {8, 7}};
    size_t n = sizeof lines / sizeof lines[0];
    char *path = temp_path(), *err = NULL;
    sf_history *h = sf_history_create(path, SF_FSYNC_NEVER, &err);
    assert_non_null(h);
    for (size_t i = 0; i < n; i++) {
        sf_event_parts ev = {.id = lines[i].id,
                             .previous_id = lines[i].previous,
                             .timestamp_ms = 1700000000000,
                             .type = "PassStateEntered",
                             .details_text = "{}",
                             .details_text_len = 2};
        sf_history_append_parts(h, &ev);
    }
    assert_int_equal(sf_history_close(h, &err), 0);
    /* Read line by line: sf_history_read would drop the ids that jump. */
    char *text = sf_read_file(path, NULL);
    const char *line = text;
    for (size_t i = 0; i < n; i++) {
        const char *nl = strchr(line, '\n');
        assert_non_null(nl);
        json_t *ev = json_loadb(line, (size_t)(nl - line), 0, NULL);
        assert_non_null(ev);
        assert_int_equal(json_integer_value(json_object_get(ev, "id")), lines[i].id);
        assert_int_equal(json_integer_value(json_object_get(ev, "previousEventId")),
                         lines[i].previous);
        json_decref(ev);
        line = nl + 1;
    }
    free(text);
    unlink(path);
    free(path);
}

/* A line with a good checksum is still dropped when its ids do not fit:
 * an id not above the last one kept or above its line number, or a
 * previousEventId that is not an earlier event. Each drop is noted with
 * the file and line; the events around it are kept. */
static void test_ids_that_do_not_fit_are_dropped_and_noted(void **state)
{
    (void)state;
    struct {
        int64_t id, previous;
        bool kept;
    } lines[] = {{1, 0, true}, {2, 1, true},  {1000000, 2, false}, {-3, 0, false}, {2, 1, false},
                 {6, 2, true}, {7, 9, false}, {7, -1, false},      {7, 6, true}};
    size_t n = sizeof lines / sizeof lines[0];
    char *path = temp_path(), *err = NULL;
    sf_history *h = sf_history_create(path, SF_FSYNC_NEVER, &err);
    assert_non_null(h);
    for (size_t i = 0; i < n; i++) {
        sf_event_parts ev = {.id = lines[i].id,
                             .previous_id = lines[i].previous,
                             .timestamp_ms = 1700000000000,
                             .type = "PassStateEntered",
                             .details_text = "{}",
                             .details_text_len = 2};
        sf_history_append_parts(h, &ev);
    }
    assert_int_equal(sf_history_close(h, &err), 0);
    size_t dropped = 0;
    char *notes = NULL;
    json_t *events = sf_history_read(path, &dropped, &notes, &err);
    assert_non_null(events);
    assert_int_equal(dropped, 5);
    assert_int_equal(json_array_size(events), 4);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (lines[i].kept)
            assert_int_equal(json_integer_value(json_object_get(json_array_get(events, k++), "id")),
                             lines[i].id);
    char *want = sf_asprintf("%s:3: event id 1000000 out of sequence (expected 3); line ignored\n"
                             "%s:4: event id -3 out of sequence (expected 3); line ignored\n"
                             "%s:5: event id 2 out of sequence (expected 3); line ignored\n"
                             "%s:7: previousEventId 9 does not name an event before id 7; line "
                             "ignored\n"
                             "%s:8: previousEventId -1 does not name an event before id 7; line "
                             "ignored\n",
                             path, path, path, path, path);
    assert_string_equal(notes, want);
    free(want);
    free(notes);
    json_decref(events);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_read_back_exactly),
        cmocka_unit_test(test_torn_last_line_at_every_offset_is_dropped),
        cmocka_unit_test(test_corrupted_byte_fails_checksum),
        cmocka_unit_test(test_append_after_crash_cuts_torn_tail),
        cmocka_unit_test(test_create_refuses_existing_file),
        cmocka_unit_test(test_details_key_follows_aws_names),
        cmocka_unit_test(test_fsync_policy_names),
        cmocka_unit_test(test_event_ids_read_back_across_every_carry),
        cmocka_unit_test(test_ids_that_do_not_fit_are_dropped_and_noted),
        cmocka_unit_test(test_crc32_matches_the_standard_check_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
