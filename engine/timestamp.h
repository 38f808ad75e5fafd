/*
 * timestamp.h — RFC 3339 / ISO-8601 timestamps as ASL uses them.
 *
 * Choice's Timestamp* operators and Wait's Timestamp fields accept the
 * ISO-8601 extended offset date-time format: "2016-03-14T01:59:00Z",
 * "2016-03-14T01:59:00.123+02:00". A date alone, a missing offset, a month
 * 13 or an hour 25 are invalid. Times are compared as instants.
 */
#ifndef SF_TIMESTAMP_H
#define SF_TIMESTAMP_H

#include <stdbool.h>
#include <stdint.h>

/* Parse text into nanoseconds since the Unix epoch (UTC). Returns false when
 * the text is not a valid timestamp. */
bool sf_timestamp_parse(const char *text, int64_t *epoch_ns);

/* Format milliseconds since the epoch as "2026-11-23T10:52:29.123Z" into buf
 * (at least 32 bytes). Returns buf. */
char *sf_timestamp_format_ms(int64_t epoch_ms, char *buf);

/* Wall-clock now in milliseconds since the epoch. */
int64_t sf_now_ms(void);

/* The clock of history events: sf_now_ms, read at most once per
 * SF_EVENT_CLOCK_REUSES events while the engine runs states without
 * waiting, and again whenever the coarse clock ticks or the loop is about
 * to wait (sf_event_clock_turn_ends). A turn that runs thousands of states
 * reads the precise clock a sixteenth as often; what an event shows is at
 * most a few microseconds old, and never older than one coarse tick. */
int64_t sf_event_now_ms(void);
/* The loop is about to wait: the next event reads the precise clock. */
void sf_event_clock_turn_ends(void);

#endif
