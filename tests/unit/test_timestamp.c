/*
 * test_timestamp.c — which texts are ASL timestamps, and which instants they
 * name. The accepted forms follow what Step Functions accepts (see
 * engine/timestamp.c); the rejected ones include every malformed timestamp
 * of the recorded conformance cases wait_timestamp_path-*.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "engine/timestamp.h"

#define NS 1000000000LL

static int64_t parse_ok(const char *text)
{
    int64_t ns = 0;
    if (!sf_timestamp_parse(text, &ns))
        fail_msg("expected \"%s\" to parse", text);
    return ns;
}

static void assert_rejected(const char *text)
{
    int64_t ns = 12345;
    if (sf_timestamp_parse(text, &ns))
        fail_msg("expected \"%s\" to be rejected", text);
    assert_int_equal(ns, 12345); /* untouched on failure */
}

/* ---- Accepted forms ---- */

static void utc_timestamp_is_seconds_since_epoch(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2016-03-14T01:59:00Z"), 1457920740 * NS);
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
}

static void fraction_of_any_length_up_to_nine_digits_is_kept_exactly(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2016-03-14T01:59:00.1Z"), 1457920740 * NS + 100000000);
    assert_int_equal(parse_ok("2016-03-14T01:59:00.123Z"), 1457920740 * NS + 123000000);
    assert_int_equal(parse_ok("2016-03-14T01:59:00.000001Z"), 1457920740 * NS + 1000);
    assert_int_equal(parse_ok("2016-03-14T01:59:00.243167252Z"), 1457920740 * NS + 243167252);
}

static void fraction_of_ten_digits_is_rejected(void **state)
{
    (void)state;
    assert_rejected("2016-03-14T01:59:00.2431672521Z");
}

static void decimal_point_without_digits_is_accepted_as_java_time_does(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2016-03-14T01:59:00.Z"), 1457920740 * NS);
}

static void seconds_may_be_left_out(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2016-12-05T21:29Z"), 1480973340 * NS);
}

static void lowercase_t_and_z_are_accepted(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2016-03-14t01:59:00z"), 1457920740 * NS);
}

static void positive_offset_names_an_earlier_utc_instant(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2016-03-14T03:59:00+02:00"), 1457920740 * NS);
    assert_int_equal(parse_ok("2012-10-09T20:00:55+01:00"), parse_ok("2012-10-09T19:00:55Z"));
}

static void negative_offset_names_a_later_utc_instant(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2016-03-13T20:29:00-05:30"), 1457920740 * NS);
    assert_int_equal(parse_ok("2016-03-14T01:59:00-00:00"), 1457920740 * NS);
}

static void offset_may_be_hours_only_or_carry_seconds(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2016-03-14T02:59:00+01"), 1457920740 * NS);
    assert_int_equal(parse_ok("2016-03-14T02:59:10+01:00:10"), 1457920740 * NS);
}

static void offset_is_limited_to_eighteen_hours(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2016-03-14T19:59:00+18:00"), 1457920740 * NS);
    assert_rejected("2016-03-14T19:59:00+18:00:01");
    assert_rejected("2016-03-14T19:59:00+19:00");
    assert_rejected("2016-03-14T19:59:00+02:60");
}

static void offset_without_colon_is_rejected(void **state)
{
    (void)state;
    assert_rejected("2016-03-14T01:59:00+0200");
    assert_rejected("2016-03-14T01:59:00+02:");
    assert_rejected("2016-03-14T01:59:00+2:00");
}

static void leap_day_exists_only_in_leap_years(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2016-02-29T00:00:00Z"), 1456704000 * NS);
    assert_int_equal(parse_ok("2000-02-29T12:00:00Z"), 951825600 * NS);
    assert_rejected("2015-02-29T00:00:00Z");
    assert_rejected("1900-02-29T00:00:00Z");
}

/* ---- Rejected forms ---- */

static void missing_offset_is_rejected(void **state)
{
    (void)state;
    assert_rejected("2016-12-05T21:29:29");
    assert_rejected("2012-10-09T19:00:55");
}

static void date_alone_is_rejected(void **state)
{
    (void)state;
    assert_rejected("2016-12-05");
    assert_rejected("2023-02-24");
}

static void space_instead_of_t_is_rejected(void **state)
{
    (void)state;
    assert_rejected("2016-12-05 21:29:29Z");
    assert_rejected("2023-02-24 12:15:56.832957");
}

static void out_of_range_fields_are_rejected(void **state)
{
    (void)state;
    assert_rejected("2016-13-05T21:29:29Z"); /* month 13 */
    assert_rejected("2016-00-05T21:29:29Z"); /* month 0 */
    assert_rejected("2016-12-32T21:29:29Z"); /* day 32 */
    assert_rejected("2016-12-00T21:29:29Z"); /* day 0 */
    assert_rejected("2016-02-30T21:29:29Z"); /* Feb 30 */
    assert_rejected("2016-04-31T21:29:29Z"); /* April has 30 days */
    assert_rejected("2016-12-05T25:29:29Z"); /* hour 25 */
    assert_rejected("2016-12-05T24:00:00Z"); /* no end-of-day 24:00 */
    assert_rejected("2016-12-05T21:60:29Z"); /* minute 60 */
    assert_rejected("2016-12-05T21:29:60Z"); /* no leap second */
}

static void other_field_orders_and_widths_are_rejected(void **state)
{
    (void)state;
    assert_rejected("05-12-2016T21:29:29Z");
    assert_rejected("2016-3-14T01:59:00Z");
    assert_rejected("2016-03-14T1:59:00Z");
    assert_rejected("16-03-14T01:59:00Z");
    assert_rejected("+2016-03-14T01:59:00Z");
    assert_rejected("2016-03-14T01:59.5Z"); /* a fraction needs seconds */
}

static void surrounding_text_is_rejected(void **state)
{
    (void)state;
    assert_rejected("");
    assert_rejected(" 2016-03-14T01:59:00Z");
    assert_rejected("2016-03-14T01:59:00Z ");
    assert_rejected("2016-03-14T01:59:00ZZ");
    assert_rejected("HelloWorld");
}

/* ---- Range of int64 nanoseconds ---- */

static void instants_before_1970_are_negative(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("1969-12-31T23:59:59.999999999Z"), -1);
    assert_int_equal(parse_ok("1677-09-21T00:12:44Z"), -9223372036LL * NS);
}

static void instants_past_2262_are_rejected_not_clamped(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2262-04-11T23:47:16.854775807Z"), INT64_MAX);
    assert_rejected("2262-04-11T23:47:16.854775808Z");
    assert_rejected("9999-12-31T23:59:59Z");
    assert_rejected("1600-01-01T00:00:00Z");
}

/* ---- Formatting and the clock ---- */

static void format_ms_prints_utc_with_milliseconds(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(sf_timestamp_format_ms(0, buf), "1970-01-01T00:00:00.000Z");
    assert_string_equal(sf_timestamp_format_ms(1457920740123LL, buf), "2016-03-14T01:59:00.123Z");
    assert_string_equal(sf_timestamp_format_ms(-1, buf), "1969-12-31T23:59:59.999Z");
}

static void formatted_time_parses_back_to_the_same_instant(void **state)
{
    (void)state;
    char buf[32];
    int64_t now = sf_now_ms();
    assert_true(now > 1577836800000LL); /* after 2020 */
    assert_int_equal(parse_ok(sf_timestamp_format_ms(now, buf)), now * 1000000);
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0)
        ;
}

/* The event clock reuses a reading within a burst of events, but the first
 * event after the loop waited must read the clock afresh. */
static void event_clock_reads_again_after_the_loop_waits(void **state)
{
    (void)state;
    int64_t before = sf_event_now_ms();
    sleep_ms(3);
    sf_event_clock_turn_ends();
    assert_true(sf_event_now_ms() >= before + 3);
}

/* Without a turn's end, a reading is still never older than one tick of the
 * coarse clock: a slow event in a burst does not date the ones after it. */
static void event_clock_lags_at_most_a_coarse_tick(void **state)
{
    (void)state;
    struct timespec tick;
    clock_getres(CLOCK_REALTIME_COARSE, &tick);
    long wait = 2 * (tick.tv_nsec / 1000000) + 2;
    sf_event_clock_turn_ends();
    int64_t before = sf_event_now_ms();
    (void)sf_event_now_ms(); /* a reuse, leaving more to come */
    sleep_ms(wait);
    assert_true(sf_event_now_ms() >= before + wait);
}

/* Readings within a burst never go backwards and stay near the real clock. */
static void event_clock_keeps_close_to_the_wall_clock(void **state)
{
    (void)state;
    sf_event_clock_turn_ends();
    int64_t last = 0;
    for (int i = 0; i < 1000; i++) {
        int64_t t = sf_event_now_ms();
        assert_true(t >= last);
        assert_true(llabs(sf_now_ms() - t) <= 20);
        last = t;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utc_timestamp_is_seconds_since_epoch),
        cmocka_unit_test(fraction_of_any_length_up_to_nine_digits_is_kept_exactly),
        cmocka_unit_test(fraction_of_ten_digits_is_rejected),
        cmocka_unit_test(decimal_point_without_digits_is_accepted_as_java_time_does),
        cmocka_unit_test(seconds_may_be_left_out),
        cmocka_unit_test(lowercase_t_and_z_are_accepted),
        cmocka_unit_test(positive_offset_names_an_earlier_utc_instant),
        cmocka_unit_test(negative_offset_names_a_later_utc_instant),
        cmocka_unit_test(offset_may_be_hours_only_or_carry_seconds),
        cmocka_unit_test(offset_is_limited_to_eighteen_hours),
        cmocka_unit_test(offset_without_colon_is_rejected),
        cmocka_unit_test(leap_day_exists_only_in_leap_years),
        cmocka_unit_test(missing_offset_is_rejected),
        cmocka_unit_test(date_alone_is_rejected),
        cmocka_unit_test(space_instead_of_t_is_rejected),
        cmocka_unit_test(out_of_range_fields_are_rejected),
        cmocka_unit_test(other_field_orders_and_widths_are_rejected),
        cmocka_unit_test(surrounding_text_is_rejected),
        cmocka_unit_test(instants_before_1970_are_negative),
        cmocka_unit_test(instants_past_2262_are_rejected_not_clamped),
        cmocka_unit_test(format_ms_prints_utc_with_milliseconds),
        cmocka_unit_test(formatted_time_parses_back_to_the_same_instant),
        cmocka_unit_test(event_clock_reads_again_after_the_loop_waits),
        cmocka_unit_test(event_clock_lags_at_most_a_coarse_tick),
        cmocka_unit_test(event_clock_keeps_close_to_the_wall_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
