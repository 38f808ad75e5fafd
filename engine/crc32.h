/* crc32.h — CRC-32 (IEEE 802.3, as zlib computes it), used to tell a good
 * history line from a torn or corrupted one. */
#ifndef SF_CRC32_H
#define SF_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t sf_crc32(uint32_t crc, const void *data, size_t len);

#endif
