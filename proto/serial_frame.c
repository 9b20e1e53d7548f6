/* serial_frame.c -- COBS + CRC-16 framing for the modem line. */
#include "bytes.h"
#include "crc16.h"
#include "proto_err.h"
#include "serial_frame.h"

int serial_frame_encode(const uint8_t *payload, size_t n, uint8_t *out, size_t cap,
                        size_t *len)
{
    uint8_t buf[SERIAL_PAYLOAD_MAX + SERIAL_CRC_LEN];
    size_t i, enc;
    int err;

    if (n > SERIAL_PAYLOAD_MAX)
        return PROTO_ERR_TOO_LONG;
    for (i = 0; i < n; i++)
        buf[i] = payload[i];
    put_u16(buf + n, crc16(payload, n));
    if (cap < 2)
        return PROTO_ERR_BUFFER;
    /* The leading 0x00 ends whatever half frame or noise the reader holds,
     * so this frame is read intact even right after garbage. */
    out[0] = 0x00;
    err = cobs_encode(buf, n + SERIAL_CRC_LEN, out + 1, cap - 2, &enc);
    if (err)
        return err;
    out[1 + enc] = 0x00;
    *len = enc + 2;
    return PROTO_OK;
}

void serial_reader_init(struct serial_reader *r)
{
    r->wire_len = 0;
    r->overflow = 0;
}

int serial_reader_push(struct serial_reader *r, uint8_t byte, const uint8_t **payload,
                       size_t *len)
{
    size_t n, wire_len;
    int err;

    if (byte != 0x00) {
        if (r->wire_len < sizeof r->wire)
            r->wire[r->wire_len++] = byte;
        else
            r->overflow = 1; /* keep swallowing until the delimiter */
        return 0;
    }
    /* a delimiter: judge what came before it, then start afresh */
    wire_len = r->wire_len;
    r->wire_len = 0;
    if (r->overflow) {
        r->overflow = 0;
        return PROTO_ERR_TOO_LONG;
    }
    if (wire_len == 0)
        return 0; /* empty frame: padding or a resync 0x00 */
    err = cobs_decode(r->wire, wire_len, r->payload, sizeof r->payload, &n);
    if (err == PROTO_ERR_BUFFER)
        return PROTO_ERR_TOO_LONG;
    if (err)
        return err;
    if (n < SERIAL_CRC_LEN)
        return PROTO_ERR_TRUNCATED;
    n -= SERIAL_CRC_LEN;
    if (crc16(r->payload, n) != get_u16(r->payload + n))
        return PROTO_ERR_BAD_CRC;
    *payload = r->payload;
    *len = n;
    return 1;
}
