/*
 * utf8.c — see utf8.h. The ranges are those of the Unicode standard's table
 * of well-formed byte sequences (3.9, Table 3-7).
 */
#include "engine/utf8.h"
#include "engine/xalloc.h"

#include <string.h>

static int in(unsigned char c, unsigned char lo, unsigned char hi)
{
    return c >= lo && c <= hi;
}

size_t sf_utf8_sequence_length(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    if (in(c, 0xC2, 0xDF))
        return n >= 2 && in(s[1], 0x80, 0xBF) ? 2 : 0;
    if (in(c, 0xE0, 0xEF)) {
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return n >= 3 && in(s[1], lo, hi) && in(s[2], 0x80, 0xBF) ? 3 : 0;
    }
    if (in(c, 0xF0, 0xF4)) {
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return n >= 4 && in(s[1], lo, hi) && in(s[2], 0x80, 0xBF) && in(s[3], 0x80, 0xBF) ? 4
                                                                                           : 0;
    }
    return 0;
}

char *sf_utf8_repair(const char *s, size_t len, size_t *out_len)
{
    static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
    /* At worst every byte becomes three. */
    char *out = sf_malloc(len * 3 + 1);
    size_t w = 0;
    for (size_t i = 0; i < len;) {
        size_t n = sf_utf8_sequence_length((const unsigned char *)s + i, len - i);
        if (n == 0) {
            memcpy(out + w, replacement, 3);
            w += 3;
            i++;
        } else {
            memcpy(out + w, s + i, n);
            w += n;
            i += n;
        }
    }
    out[w] = '\0';
    if (out_len)
        *out_len = w;
    return out;
}
