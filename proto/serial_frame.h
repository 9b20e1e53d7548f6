/* serial_frame.h -- framing on the serial line between modem and gateway
 * (docs/protocol.md §7).
 *
 *   on the line:  0x00 COBS( payload || crc16_be(payload) ) 0x00
 *
 * CRC-16/IBM-3740 over the payload, appended big-endian, then the whole is
 * COBS-encoded between two 0x00 delimiters. The leading one flushes any
 * half frame or line noise the reader holds, so a frame sent after garbage
 * is always read; readers skip the empty frames this makes between
 * consecutive frames.
 *
 * The reader is a byte-at-a-time state machine with a fixed buffer: it
 * swallows garbage, reports each bad frame once with its reason, and is in
 * sync again at the next 0x00.
 */
#ifndef LOFTE_SERIAL_FRAME_H
#define LOFTE_SERIAL_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "cobs.h"
#include "modem.h"

#define SERIAL_PAYLOAD_MAX MODEM_MSG_MAX
#define SERIAL_CRC_LEN 2
#define SERIAL_WIRE_MAX (COBS_MAX_ENCODED(SERIAL_PAYLOAD_MAX + SERIAL_CRC_LEN) + 2)

/* Write one framed payload, with both delimiters, into out. */
int serial_frame_encode(const uint8_t *payload, size_t n, uint8_t *out, size_t cap,
                        size_t *len);

struct serial_reader {
    uint8_t wire[SERIAL_WIRE_MAX];        /* bytes since the last 0x00 */
    size_t wire_len;
    int overflow;                         /* this frame outgrew wire[] */
    uint8_t payload[SERIAL_PAYLOAD_MAX + SERIAL_CRC_LEN];
};

void serial_reader_init(struct serial_reader *r);

/* Feed one byte. Returns 1 when a frame is complete and good (*payload and
 * *len then point into the reader, valid until the next call), 0 when more
 * bytes are needed, or a negative proto_err when a frame ended bad:
 * PROTO_ERR_TOO_LONG, _BAD_COBS, _TRUNCATED (shorter than a CRC), _BAD_CRC. */
int serial_reader_push(struct serial_reader *r, uint8_t byte, const uint8_t **payload,
                       size_t *len);

#endif
