/*
 * utf8.h — making text from the outside world valid UTF-8.
 *
 * A step program's stderr, or the start of a stdout that is not JSON, goes
 * into error causes and history events, which are JSON and must be valid
 * UTF-8 (jansson refuses anything else, and a member left out loses the
 * very text that explains a failure). Programs write whatever bytes they
 * like, and a kept tail can begin in the middle of a character: each byte
 * that does not start a well-formed sequence becomes U+FFFD, as a decoder
 * with replacement does.
 */
#ifndef SF_UTF8_H
#define SF_UTF8_H

#include <stddef.h>

/* The length of the well-formed UTF-8 sequence at s (at most n bytes): 1-4,
 * or 0 when s[0] does not start one (overlong forms, surrogates and code
 * points above U+10FFFF are not well-formed). */
size_t sf_utf8_sequence_length(const unsigned char *s, size_t n);

/* A copy of s[0..len) with every byte outside a well-formed sequence
 * replaced by U+FFFD, NUL-terminated (malloc'd); *out_len its length. */
char *sf_utf8_repair(const char *s, size_t len, size_t *out_len);

#endif
