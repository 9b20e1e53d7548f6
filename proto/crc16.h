/* crc16.h -- CRC-16/IBM-3740 (also known as CRC-16/CCITT-FALSE).
 *
 * width 16, poly 0x1021, init 0xFFFF, refin false, refout false,
 * xorout 0x0000; check value ("123456789") 0x29B1, per the CRC catalogue.
 * Guards each serial frame between modem and gateway.
 */
#ifndef LOFTE_CRC16_H
#define LOFTE_CRC16_H

#include <stddef.h>
#include <stdint.h>

#define CRC16_INIT 0xFFFFu
#define CRC16_CHECK 0x29B1u

/* Continue a CRC over more bytes; start with CRC16_INIT. */
uint16_t crc16_update(uint16_t crc, const uint8_t *data, size_t len);

static inline uint16_t crc16(const uint8_t *data, size_t len)
{
    return crc16_update(CRC16_INIT, data, len);
}

#endif
