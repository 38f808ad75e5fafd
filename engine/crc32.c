/* crc32.c — see crc32.h. Slicing-by-one table computed at first use; the
 * table is constant once built, so it is not mutable state in any sense that
 * matters (two threads building it write the same values). */
#include "engine/crc32.h"

static uint32_t crc_table[256];
static int crc_table_ready;

static void build_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    crc_table_ready = 1;
}

uint32_t sf_crc32(uint32_t crc, const void *data, size_t len)
{
    if (!crc_table_ready)
        build_table();
    const unsigned char *p = data;
    crc = ~crc;
    while (len--)
        crc = crc_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}
