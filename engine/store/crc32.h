/* crc32.h — CRC-32 (IEEE 802.3, as zlib computes it), used to tell a good
 * history line from a torn or corrupted one. The on-disk history format
 * depends on these exact values. */
#ifndef SF_CRC32_H
#define SF_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The CRC of data[0..len) continuing from crc, the CRC of what came before
 * (0 to start): sf_crc32(sf_crc32(0, a, n), b, m) is the CRC of a then b.
 * Uses carry-less multiplication where the CPU has it. */
uint32_t sf_crc32(uint32_t crc, const void *data, size_t len);

/* The same value, always by the portable table code. For tests, which
 * compare the two on machines where sf_crc32 takes the fast path; everything
 * else calls sf_crc32. */
uint32_t sf_crc32_portable(uint32_t crc, const void *data, size_t len);

/* The same value without the 512-bit folding sf_crc32 takes on CPUs with
 * VPCLMULQDQ and AVX-512: for tests, so that the 128-bit path is checked
 * on those machines too. Not thread-safe (a test hook). */
uint32_t sf_crc32_narrow(uint32_t crc, const void *data, size_t len);

#endif
