/* fuzz_serial_reader.c -- libFuzzer target for the gateway's serial input:
 * proto/serial_frame.c (COBS + CRC framing) and proto/modem.c behind it.
 *
 * The input is a stretch of serial line, fed one byte at a time into a
 * fresh reader, as the gateway does. Properties:
 *  - the reader never crashes, returns only 0, 1 or a reason it documents,
 *    and a good payload fits SERIAL_PAYLOAD_MAX;
 *  - a good payload that modem_decode accepts survives a round trip: its
 *    message re-encoded with modem_encode and serial_frame_encode, pushed
 *    through a second reader, comes out as the same payload bytes. This
 *    catches a decoder that accepts what the encoder would never write,
 *    and framing that cannot carry some payload.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "modem.h"
#include "proto_err.h"
#include "serial_frame.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_payload(const uint8_t *payload, size_t n)
{
    struct modem_msg m;
    struct serial_reader r2;
    uint8_t msg[MODEM_MSG_MAX], wire[SERIAL_WIRE_MAX];
    size_t msg_len = 0, wire_len = 0, got_len = 0, i;
    const uint8_t *got = NULL;
    int rc;

    rc = modem_decode(payload, n, &m);
    CHECK(rc <= PROTO_OK && rc > -PROTO_ERR_COUNT);
    CHECK(proto_errname(rc) != NULL);
    if (rc != PROTO_OK)
        return;

    CHECK(modem_encode(&m, msg, sizeof msg, &msg_len) == PROTO_OK);
    CHECK(serial_frame_encode(msg, msg_len, wire, sizeof wire, &wire_len) == PROTO_OK);
    CHECK(wire_len >= 1 && wire[wire_len - 1] == 0x00);

    /* Exactly one frame, completed by the final 0x00 and not before. */
    serial_reader_init(&r2);
    for (i = 0; i + 1 < wire_len; i++)
        CHECK(serial_reader_push(&r2, wire[i], &got, &got_len) == 0);
    CHECK(serial_reader_push(&r2, wire[wire_len - 1], &got, &got_len) == 1);
    CHECK(got_len == n && memcmp(got, payload, n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* On the stack and initialised per input, so each run is reproducible
     * from its input alone. */
    struct serial_reader r;
    size_t i;

    serial_reader_init(&r);
    for (i = 0; i < size; i++) {
        const uint8_t *payload = NULL;
        size_t n = 0;
        int rc = serial_reader_push(&r, data[i], &payload, &n);

        if (rc == 1) {
            CHECK(data[i] == 0x00 && payload != NULL && n <= SERIAL_PAYLOAD_MAX);
            check_payload(payload, n);
        } else {
            CHECK(rc == 0 || rc == PROTO_ERR_TOO_LONG || rc == PROTO_ERR_BAD_COBS ||
                  rc == PROTO_ERR_TRUNCATED || rc == PROTO_ERR_BAD_CRC);
            /* A frame is only judged at its delimiter. */
            CHECK(rc == 0 || data[i] == 0x00);
        }
    }
    return 0;
}
