/* fuzz_serial_reader.c -- libFuzzer target for the gateway's serial input:
 * proto/serial_frame.c (COBS + CRC framing) and proto/modem.c behind it.
 *
 * The input is read two ways:
 *  - as a stretch of serial line, fed one byte at a time into a fresh
 *    reader, as the gateway does. Each good payload goes on to the modem
 *    decoder;
 *  - as one frame's payload: framed with serial_frame_encode (when it
 *    fits) and handed straight to modem_decode. A mutated
 *    line almost never carries a correct CRC, so without this the fuzzer
 *    would reach modem_decode only with the seeds' own messages and never
 *    explore its error paths.
 *
 * Properties (a broken one traps, so libFuzzer keeps the input):
 *  - the reader never crashes, returns 0, 1 or a reason it documents,
 *    and completes a frame only at a 0x00; a good payload fits
 *    SERIAL_PAYLOAD_MAX;
 *  - any payload that fits, framed and pushed through a reader, comes
 *    out as the same bytes, completed by the final 0x00 and not before;
 *    one that does not fit is refused by serial_frame_encode;
 *  - a payload modem_decode accepts re-encodes with modem_encode to the
 *    same bytes, and survives serial_frame_encode and a reader again.
 *    This catches a decoder that accepts what the encoder would never
 *    write (two encodings of one message).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "modem.h"
#include "proto_err.h"
#include "serial_frame.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Frame payload, push the wire through a fresh reader, expect payload. */
static void check_framing(const uint8_t *payload, size_t n)
{
    struct serial_reader r;
    uint8_t wire[SERIAL_WIRE_MAX];
    size_t wire_len = 0, got_len = 0, i;
    const uint8_t *got = NULL;

    CHECK(serial_frame_encode(payload, n, wire, sizeof wire, &wire_len) == PROTO_OK);
    CHECK(wire_len >= 1 && wire[wire_len - 1] == 0x00);
    serial_reader_init(&r);
    for (i = 0; i + 1 < wire_len; i++)
        CHECK(serial_reader_push(&r, wire[i], &got, &got_len) == 0);
    CHECK(serial_reader_push(&r, wire[wire_len - 1], &got, &got_len) == 1);
    CHECK(got_len == n && (n == 0 || memcmp(got, payload, n) == 0));
}

static void check_payload(const uint8_t *payload, size_t n)
{
    struct modem_msg m;
    uint8_t msg[MODEM_MSG_MAX];
    size_t msg_len = 0;
    int rc = modem_decode(payload, n, &m);

    CHECK(rc <= PROTO_OK && rc > -PROTO_ERR_COUNT);
    CHECK(proto_errname(rc) != NULL);
    if (rc != PROTO_OK)
        return;
    CHECK(modem_encode(&m, msg, sizeof msg, &msg_len) == PROTO_OK);
    CHECK(msg_len == n && memcmp(msg, payload, n) == 0);
    check_framing(msg, msg_len);
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

    if (size <= SERIAL_PAYLOAD_MAX) {
        check_framing(data, size);
    } else {
        uint8_t wire[SERIAL_WIRE_MAX];
        size_t wire_len;
        CHECK(serial_frame_encode(data, size, wire, sizeof wire, &wire_len) ==
              PROTO_ERR_TOO_LONG);
    }
    check_payload(data, size);
    return 0;
}
