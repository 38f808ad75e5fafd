/*
 * base64.c — see base64.h.
 *
 * Why lenient decoding: AWS Step Functions decodes "!!!invalid!!!", "abc",
 * "ab==cd" and " YWJjZA== " without complaint (observed), which matches a
 * decoder that ignores foreign characters and stops at padding rather than
 * the strict RFC 4648 one. Copying that keeps workflows that rely on it
 * working locally. The only failure is out-of-memory, which aborts
 * (xalloc.h).
 */
#include "engine/lang/base64.h"
#include "engine/xalloc.h"

#include <stdint.h>

static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *sf_base64_encode(const void *data, size_t len)
{
    const unsigned char *in = data;
    char *out = sf_malloc((len + 2) / 3 * 4 + 1);
    size_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t group = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = ALPHABET[group >> 18 & 63];
        out[o++] = ALPHABET[group >> 12 & 63];
        out[o++] = ALPHABET[group >> 6 & 63];
        out[o++] = ALPHABET[group & 63];
    }
    if (len - i == 1) {
        uint32_t group = (uint32_t)in[i] << 16;
        out[o++] = ALPHABET[group >> 18 & 63];
        out[o++] = ALPHABET[group >> 12 & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (len - i == 2) {
        uint32_t group = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = ALPHABET[group >> 18 & 63];
        out[o++] = ALPHABET[group >> 12 & 63];
        out[o++] = ALPHABET[group >> 6 & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

/* The 6-bit value of c, or -1 for a character the decoder skips. */
static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

unsigned char *sf_base64_decode(const char *text, size_t len, size_t *out_len)
{
    unsigned char *out = sf_malloc(len / 4 * 3 + 3);
    size_t o = 0;
    uint32_t bits = 0;
    int pending = 0; /* sextets collected in bits */
    for (size_t i = 0; i < len && text[i] != '='; i++) {
        int v = sextet((unsigned char)text[i]);
        if (v < 0)
            continue;
        bits = bits << 6 | (uint32_t)v;
        if (++pending == 4) {
            out[o++] = (unsigned char)(bits >> 16);
            out[o++] = (unsigned char)(bits >> 8);
            out[o++] = (unsigned char)bits;
            bits = 0;
            pending = 0;
        }
    }
    /* A partial group of 2 or 3 sextets still holds 1 or 2 whole bytes; a
     * lone sextet holds none and is dropped. */
    if (pending == 2) {
        out[o++] = (unsigned char)(bits >> 4);
    } else if (pending == 3) {
        out[o++] = (unsigned char)(bits >> 10);
        out[o++] = (unsigned char)(bits >> 2);
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}
