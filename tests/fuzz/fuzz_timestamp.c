/*
 * fuzz_timestamp.c — the timestamp parser (Choice's Timestamp* operators,
 * Wait's Timestamp and TimestampPath).
 *
 * Input: the text. Besides not crashing, a parsed instant within years
 * 0000-9999 must survive formatting and parsing again to the millisecond:
 * a mismatch means one of the two is wrong, and aborts.
 */
#include "tests/fuzz/fuzz_common.h"
#include "engine/timestamp.h"

#include <stdio.h>
#include <stdlib.h>

#define MS_YEAR_0000  (-62167219200000LL)
#define MS_YEAR_10000 (253402300800000LL)

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = sf_fuzz_text_copy(data, size);
    int64_t ns;
    if (sf_timestamp_parse(text, &ns)) {
        int64_t ms = floor_div(ns, 1000000);
        if (ms >= MS_YEAR_0000 && ms < MS_YEAR_10000) {
            char buf[64];
            int64_t again;
            sf_timestamp_format_ms(ms, buf);
            if (!sf_timestamp_parse(buf, &again) || floor_div(again, 1000000) != ms) {
                fprintf(stderr, "timestamp round trip: '%s' -> %lld ms -> '%s'\n", text,
                        (long long)ms, buf);
                abort();
            }
        }
    }
    free(text);
    return 0;
}
