/* timestamp.c — PLACEHOLDER: being written. */
#include "engine/timestamp.h"
#include <stdio.h>
#include <time.h>
bool sf_timestamp_parse(const char *text, int64_t *epoch_ns)
{
    (void)text;
    (void)epoch_ns;
    return false;
}
char *sf_timestamp_format_ms(int64_t epoch_ms, char *buf)
{
    time_t secs = (time_t)(epoch_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(epoch_ms % 1000));
    return buf;
}
int64_t sf_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
