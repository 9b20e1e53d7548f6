/* crc16.c -- bitwise CRC-16/IBM-3740. A serial line at 115200 baud carries
 * about 11 kB/s, so a table would buy nothing but 512 bytes of flash. */
#include "crc16.h"

uint16_t crc16_update(uint16_t crc, const uint8_t *data, size_t len)
{
    size_t i;
    int bit;
    for (i = 0; i < len; i++) {
        crc ^= (uint16_t)(data[i] << 8);
        for (bit = 0; bit < 8; bit++)
            crc = (uint16_t)((crc & 0x8000u) ? ((unsigned)crc << 1) ^ 0x1021u
                                             : (unsigned)crc << 1);
    }
    return crc;
}
