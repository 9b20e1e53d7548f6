/* fuzz_radio_open.c -- libFuzzer target for proto/radio.c, the receiving
 * side: what a station does with a LoRa frame anyone can transmit.
 *
 * Input layout:  reference u32 (big-endian) || frame
 * The reference stands for the highest counter the station has accepted
 * from the device. Taking it from the input lets a seed name the exact
 * reference under which its sealed frame opens, so the fuzzer starts past
 * the CCM tag and mutates its way around record_decode too.
 *
 * Properties (a broken one traps, so libFuzzer keeps the input):
 *  - radio_peek, radio_uplink_open and radio_ack_open never crash and
 *    return PROTO_OK or a proto_err code; an open never succeeds on a
 *    frame radio_peek refuses or of the other type;
 *  - radio_counter_expand keeps the low 16 bits and lands within the
 *    window around the reference unless that would leave 0..2^32-1;
 *  - a failed uplink open leaves *rec all zero (radio.h promises it);
 *  - a frame that opens, sealed again with the same key, device and
 *    counter (ack: same fields), gives back exactly the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto_err.h"
#include "radio.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const uint8_t fuzz_key[RADIO_KEY_LEN]; /* fuzz_key.c */

static int is_proto_err(int rc)
{
    return rc <= PROTO_OK && rc > -PROTO_ERR_COUNT;
}

static void check_expand(uint32_t reference, uint16_t low, uint32_t counter)
{
    int64_t dist = (int64_t)counter - (int64_t)reference;

    CHECK((uint16_t)counter == low);
    /* Outside [-32768, 32767] only when the value one block nearer to
     * the reference does not exist. */
    if (dist >= (int64_t)RADIO_COUNTER_WINDOW)
        CHECK(counter < 0x10000u);
    else if (dist < -(int64_t)RADIO_COUNTER_WINDOW)
        CHECK(counter >= 0xFFFF0000u);
}

static void check_uplink(const struct radio_header *h, int peek_rc, uint32_t counter,
                         const uint8_t *frame, size_t len)
{
    static const struct record zero;
    struct record rec;
    uint8_t out[RADIO_UPLINK_MAX_LEN];
    size_t out_len = 0;
    int rc = radio_uplink_open(fuzz_key, counter, frame, len, &rec);

    CHECK(is_proto_err(rc));
    if (rc != PROTO_OK) {
        CHECK(memcmp(&rec, &zero, sizeof rec) == 0);
        return;
    }
    CHECK(peek_rc == PROTO_OK && h->type == RADIO_TYPE_UPLINK);
    CHECK(radio_uplink_seal(fuzz_key, h->device, counter, &rec, out, sizeof out,
                            &out_len) == PROTO_OK);
    CHECK(out_len == len && memcmp(out, frame, len) == 0);
}

static void check_ack(const struct radio_header *h, int peek_rc, const uint8_t *frame,
                      size_t len)
{
    struct radio_ack ack;
    uint8_t out[RADIO_ACK_LEN];
    size_t out_len = 0;
    int rc = radio_ack_open(fuzz_key, frame, len, &ack);

    CHECK(is_proto_err(rc));
    if (rc != PROTO_OK)
        return;
    CHECK(peek_rc == PROTO_OK && h->type == RADIO_TYPE_ACK);
    CHECK(ack.device == h->device && ack.station == h->station &&
          ack.station_time == h->station_time);
    CHECK(radio_ack_seal(fuzz_key, &ack, out, sizeof out, &out_len) == PROTO_OK);
    CHECK(out_len == len && memcmp(out, frame, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct radio_header h;
    uint32_t reference = 0, counter;
    uint16_t low;
    size_t i, skip = size < 4 ? size : 4;
    const uint8_t *frame = data + skip;
    size_t len = size - skip;
    int peek_rc;

    for (i = 0; i < skip; i++)
        reference |= (uint32_t)data[i] << (24 - 8 * i);

    peek_rc = radio_peek(frame, len, &h);
    CHECK(is_proto_err(peek_rc));
    if (peek_rc == PROTO_OK) {
        CHECK(h.type == RADIO_TYPE_UPLINK || h.type == RADIO_TYPE_ACK);
        CHECK(h.device != 0 && h.device != 0xFFFFFFFFu);
        CHECK(h.type != RADIO_TYPE_UPLINK ||
              (len >= RADIO_UPLINK_MIN_LEN && len <= RADIO_UPLINK_MAX_LEN));
        CHECK(h.type != RADIO_TYPE_ACK || (len == RADIO_ACK_LEN && h.station != 0));
        low = h.counter_low;
    } else {
        /* Still exercise the expansion with whatever bytes are there. */
        low = len >= 2 ? (uint16_t)((frame[0] << 8) | frame[1]) : 0;
    }

    counter = radio_counter_expand(reference, low);
    check_expand(reference, low, counter);

    check_uplink(&h, peek_rc, counter, frame, len);
    check_ack(&h, peek_rc, frame, len);
    return 0;
}
