/*
 * base64.h — Base64 (RFC 4648 §4) as States.Base64Encode and
 * States.Base64Decode need it.
 *
 * Encoding is the standard alphabet with '=' padding and no line breaks.
 * Decoding is lenient, because AWS's is: characters outside the alphabet are
 * skipped, the URL-safe '-' and '_' are read as '+' and '/', decoding stops
 * at the first '=', and a trailing partial group yields the whole bytes it
 * holds. So there is no invalid input, only input that decodes to less.
 *
 * Ownership: both functions return malloc'd buffers the caller frees.
 */
#ifndef SF_BASE64_H
#define SF_BASE64_H

#include <stddef.h>

/* NUL-terminated Base64 text of data[0..len). */
char *sf_base64_encode(const void *data, size_t len);

/* Decode text[0..len). Returns the bytes (NUL-terminated for convenience,
 * the NUL not counted) and their count in *out_len. */
unsigned char *sf_base64_decode(const char *text, size_t len, size_t *out_len);

#endif
