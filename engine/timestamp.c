/*
 * timestamp.c — parse ASL timestamps into instants; format and read the clock.
 *
 * Which texts are timestamps. AWS's own error text names the format: "a valid
 * ISO-8601 extended offset date-time format string", the wording of Java's
 * DateTimeFormatter.ISO_OFFSET_DATE_TIME, and what Step Functions accepts
 * matches that formatter (recorded executions and TestState measurements):
 *
 *   date      YYYY-MM-DD, four-digit year, month 01-12, a day that exists in
 *             that month (2016-02-30 and 2015-02-29 are rejected)
 *   'T'       in either case ("2016-12-05t21:29:29z" is accepted)
 *   time      HH:MM, then optionally :SS, then optionally '.' and up to nine
 *             digits of fraction (hours 00-23, minutes and seconds 00-59; no
 *             leap second, no 24:00)
 *   offset    'Z' in either case, or +HH, +HH:MM, +HH:MM:SS (or '-'), at most
 *             18 hours as java.time.ZoneOffset allows
 *
 * Anything else fails: a space instead of 'T', a missing offset, a date
 * alone, ten fraction digits, text after the offset. The ASL specification
 * asks for an uppercase 'T' and 'Z'; the service does not enforce it, and we
 * follow the service. One java.time quirk is kept on purpose: a '.' with no
 * digits after the seconds is accepted.
 *
 * Range. An instant is held as int64 nanoseconds since the epoch, which
 * covers 1677-09-21 to 2262-04-11. A well-formed timestamp outside that range
 * is reported as invalid rather than silently clamped, so two far-future
 * instants never compare equal by accident. Extended years (+10000, -0001)
 * lie outside it too, so only four-digit years are parsed.
 */
#include "engine/timestamp.h"

#include <stdio.h>
#include <time.h>

#define NS_PER_SECOND      1000000000LL
#define MAX_OFFSET_SECONDS (18 * 3600)

/* Read exactly `width` ASCII digits at *p into *out and advance *p. */
static bool read_digits(const char **p, int width, int *out)
{
    int value = 0;
    for (int i = 0; i < width; i++) {
        char ch = (*p)[i];
        if (ch < '0' || ch > '9')
            return false;
        value = value * 10 + (ch - '0');
    }
    *p += width;
    *out = value;
    return true;
}

static bool read_char(const char **p, char expected)
{
    if (**p != expected)
        return false;
    (*p)++;
    return true;
}

/* ASCII case-insensitive, as java.time's parseCaseInsensitive() is. */
static bool read_letter(const char **p, char upper)
{
    if (**p != upper && **p != upper - 'A' + 'a')
        return false;
    (*p)++;
    return true;
}

static bool is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

/* Days from 1970-01-01 to the civil date (proleptic Gregorian calendar);
 * Howard Hinnant's days_from_civil. */
static int64_t days_from_civil(int year, int month, int day)
{
    int64_t y = month <= 2 ? year - 1 : year;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t year_of_era = y - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

static bool parse_date(const char **p, int64_t *days)
{
    int year, month, day;
    if (!read_digits(p, 4, &year) || !read_char(p, '-') || !read_digits(p, 2, &month) ||
        !read_char(p, '-') || !read_digits(p, 2, &day))
        return false;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
        return false;
    *days = days_from_civil(year, month, day);
    return true;
}

/* HH:MM[:SS[.fraction]] into seconds of the day and nanoseconds. */
static bool parse_time(const char **p, int64_t *seconds, int64_t *nanos)
{
    int hour, minute, second = 0;
    if (!read_digits(p, 2, &hour) || !read_char(p, ':') || !read_digits(p, 2, &minute))
        return false;
    *nanos = 0;
    if (read_char(p, ':')) {
        if (!read_digits(p, 2, &second))
            return false;
        if (read_char(p, '.')) {
            int64_t scale = NS_PER_SECOND;
            for (int digits = 0; **p >= '0' && **p <= '9'; digits++, (*p)++) {
                if (digits == 9)
                    return false; /* nanosecond precision is the limit */
                scale /= 10;
                *nanos += (**p - '0') * scale;
            }
        }
    }
    if (hour > 23 || minute > 59 || second > 59)
        return false;
    *seconds = hour * 3600 + minute * 60 + second;
    return true;
}

/* Z, or a signed offset of hours with optional minutes and seconds. */
static bool parse_offset(const char **p, int64_t *offset_seconds)
{
    if (read_letter(p, 'Z')) {
        *offset_seconds = 0;
        return true;
    }
    int sign = **p == '+' ? 1 : **p == '-' ? -1 : 0;
    if (!sign)
        return false;
    (*p)++;
    int hours, minutes = 0, seconds = 0;
    if (!read_digits(p, 2, &hours))
        return false;
    if (read_char(p, ':')) {
        if (!read_digits(p, 2, &minutes))
            return false;
        if (read_char(p, ':') && !read_digits(p, 2, &seconds))
            return false;
    }
    if (hours > 23 || minutes > 59 || seconds > 59)
        return false;
    int64_t total = hours * 3600 + minutes * 60 + seconds;
    if (total > MAX_OFFSET_SECONDS)
        return false;
    *offset_seconds = sign * total;
    return true;
}

bool sf_timestamp_parse(const char *text, int64_t *epoch_ns)
{
    const char *p = text;
    int64_t days, seconds_of_day, nanos, offset;
    if (!parse_date(&p, &days) || !read_letter(&p, 'T') ||
        !parse_time(&p, &seconds_of_day, &nanos) || !parse_offset(&p, &offset) || *p != '\0')
        return false;
    int64_t seconds = days * 86400 + seconds_of_day - offset;
    /* nanos >= 0, so the low end only needs seconds * 1e9 to fit. */
    if (seconds > (INT64_MAX - nanos) / NS_PER_SECOND || seconds < INT64_MIN / NS_PER_SECOND)
        return false;
    *epoch_ns = seconds * NS_PER_SECOND + nanos;
    return true;
}

char *sf_timestamp_format_ms(int64_t epoch_ms, char *buf)
{
    /* Floor division, so instants before 1970 print their real millisecond. */
    int64_t ms = epoch_ms % 1000;
    int64_t secs = epoch_ms / 1000;
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    /* strftime and then the milliseconds: one snprintf of six %02d fields
     * trips -Wformat-truncation, which cannot see that tm fields are small. */
    size_t n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, 32 - n, ".%03dZ", (int)ms);
    return buf;
}

int64_t sf_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Why: a precise read costs about 27 ns on a VM's kvm-clock (the coarse
 * clock, 3 ns), and a Map of Pass states records an event every 1.5 us;
 * reading it for every event and every state entered was 7% of such a run. */
#define SF_EVENT_CLOCK_REUSES 16

static struct {
    int64_t ms;              /* the last precise reading */
    struct timespec coarse;  /* the coarse clock when it was taken */
    unsigned reuses_left;    /* 0: read again */
} event_clock;

int64_t sf_event_now_ms(void)
{
    struct timespec coarse;
    clock_gettime(CLOCK_REALTIME_COARSE, &coarse);
    if (event_clock.reuses_left > 0 && coarse.tv_nsec == event_clock.coarse.tv_nsec &&
        coarse.tv_sec == event_clock.coarse.tv_sec) {
        event_clock.reuses_left--;
        return event_clock.ms;
    }
    event_clock.ms = sf_now_ms();
    event_clock.coarse = coarse;
    event_clock.reuses_left = SF_EVENT_CLOCK_REUSES - 1;
    return event_clock.ms;
}

void sf_event_clock_turn_ends(void)
{
    event_clock.reuses_left = 0;
}
