/* radio.c -- seal and open LoRa frames with AES-128-CCM (mbedTLS).
 *
 * We call mbedTLS's CCM and write no cipher code of our own. mbedTLS 2.28
 * allocates the AES context inside mbedtls_ccm_setkey through
 * mbedtls_calloc; on the handheld that is served from a static pool by
 * mbedtls_memory_buffer_alloc, so the firmware still has no general heap.
 * proto's own code allocates nothing.
 */
#include <string.h>

#include <mbedtls/ccm.h>

#include "bytes.h"
#include "proto_err.h"
#include "radio.h"

#define NONCE_UPLINK 0x01
#define NONCE_ACK 0x02

static uint8_t radio_hdr_byte(uint8_t type)
{
    return (uint8_t)((RADIO_VERSION << 4) | type);
}

static void nonce_uplink(uint8_t n[RADIO_NONCE_LEN], uint32_t device, uint32_t counter)
{
    memset(n, 0, RADIO_NONCE_LEN);
    n[0] = NONCE_UPLINK;
    put_u32(n + 1, device);
    put_u32(n + 5, counter);
}

static void nonce_ack(uint8_t n[RADIO_NONCE_LEN], uint32_t device, uint32_t time,
                      uint16_t station)
{
    memset(n, 0, RADIO_NONCE_LEN);
    n[0] = NONCE_ACK;
    put_u32(n + 1, device);
    put_u32(n + 5, time);
    put_u16(n + 9, station);
}

/* One CCM call either way; keeps key setup and cleanup in one place. */
static int ccm_run(int encrypt, const uint8_t key[RADIO_KEY_LEN],
                   const uint8_t nonce[RADIO_NONCE_LEN], const uint8_t *ad, size_t ad_len,
                   const uint8_t *in, uint8_t *out, size_t len, uint8_t *tag)
{
    mbedtls_ccm_context ctx;
    int rc;
    mbedtls_ccm_init(&ctx);
    if (mbedtls_ccm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, key, 8 * RADIO_KEY_LEN) != 0) {
        mbedtls_ccm_free(&ctx);
        return PROTO_ERR_CRYPTO;
    }
    if (encrypt)
        rc = mbedtls_ccm_encrypt_and_tag(&ctx, len, nonce, RADIO_NONCE_LEN, ad, ad_len, in,
                                         out, tag, RADIO_TAG_LEN);
    else
        rc = mbedtls_ccm_auth_decrypt(&ctx, len, nonce, RADIO_NONCE_LEN, ad, ad_len, in, out,
                                      tag, RADIO_TAG_LEN);
    mbedtls_ccm_free(&ctx);
    if (rc == 0)
        return PROTO_OK;
    return encrypt ? PROTO_ERR_CRYPTO : PROTO_ERR_BAD_TAG;
}

int radio_peek(const uint8_t *frame, size_t len, struct radio_header *h)
{
    uint8_t type;
    memset(h, 0, sizeof *h);
    if (len < 1)
        return PROTO_ERR_TRUNCATED;
    if ((frame[0] >> 4) != RADIO_VERSION)
        return PROTO_ERR_BAD_VERSION;
    type = frame[0] & 0x0F;
    if (type == RADIO_TYPE_UPLINK) {
        if (len < RADIO_UPLINK_MIN_LEN)
            return PROTO_ERR_TRUNCATED;
        if (len > RADIO_UPLINK_MAX_LEN)
            return PROTO_ERR_TOO_LONG;
        h->counter_low = get_u16(frame + 5);
    } else if (type == RADIO_TYPE_ACK) {
        if (len < RADIO_ACK_LEN)
            return PROTO_ERR_TRUNCATED;
        if (len > RADIO_ACK_LEN)
            return PROTO_ERR_TOO_LONG;
        h->station = get_u16(frame + 5);
        h->station_time = get_u32(frame + 7);
        if (h->station == 0)
            return PROTO_ERR_OUT_OF_RANGE;
    } else {
        return PROTO_ERR_BAD_TYPE;
    }
    h->type = type;
    h->device = get_u32(frame + 1);
    if (h->device == 0 || h->device == 0xFFFFFFFFu)
        return PROTO_ERR_OUT_OF_RANGE;
    return PROTO_OK;
}

uint32_t radio_counter_expand(uint32_t reference, uint16_t low)
{
    uint32_t cand = (reference & 0xFFFF0000u) | low;
    if (cand > reference && cand - reference >= RADIO_COUNTER_WINDOW &&
        cand >= 0x10000u)
        cand -= 0x10000u;
    else if (cand < reference && reference - cand > RADIO_COUNTER_WINDOW &&
             cand < 0xFFFF0000u)
        cand += 0x10000u;
    return cand;
}

int radio_uplink_find(const uint8_t key[RADIO_KEY_LEN], uint32_t reference,
                      const uint8_t *frame, size_t len, uint32_t *counter, struct record *rec,
                      unsigned *tries)
{
    struct radio_header h;
    uint32_t cand;
    unsigned block;
    int err;

    *tries = 0;
    *counter = 0;
    memset(rec, 0, sizeof *rec);
    if (len >= 1 && (frame[0] >> 4) == RADIO_VERSION && (frame[0] & 0x0F) != RADIO_TYPE_UPLINK)
        return PROTO_ERR_BAD_TYPE;
    err = radio_peek(frame, len, &h);
    if (err)
        return err;
    if (h.type != RADIO_TYPE_UPLINK)
        return PROTO_ERR_BAD_TYPE;
    cand = radio_counter_expand(reference, h.counter_low);
    /* Block 0 is the window; blocks 1.. lie above it: counters only grow,
     * so a frame outside the window is newer than the reference, never
     * older (§5.1's span rule). */
    for (block = 0; block <= RADIO_COUNTER_SEARCH_BLOCKS; block++) {
        if (block > 0) {
            if (cand > UINT32_MAX - 0x10000u)
                break;
            cand += 0x10000u;
        }
        if (cand == 0)
            continue;
        (*tries)++;
        err = radio_uplink_open(key, cand, frame, len, rec);
        if (err != PROTO_ERR_BAD_TAG) {
            /* authentic under cand (or the cipher failed): look no further */
            *counter = cand;
            return err;
        }
    }
    return PROTO_ERR_BAD_TAG;
}

int radio_uplink_seal(const uint8_t key[RADIO_KEY_LEN], uint32_t device, uint32_t counter,
                      const struct record *rec, uint8_t *out, size_t cap, size_t *len)
{
    uint8_t plain[RECORD_MAX_LEN];
    uint8_t nonce[RADIO_NONCE_LEN];
    size_t n;
    int err;

    if (device == 0 || device == 0xFFFFFFFFu || counter == 0)
        return PROTO_ERR_OUT_OF_RANGE;
    err = record_encode(rec, plain, sizeof plain, &n);
    if (err)
        return err;
    if (cap < RADIO_UPLINK_HDR_LEN + n + RADIO_TAG_LEN)
        return PROTO_ERR_BUFFER;
    out[0] = radio_hdr_byte(RADIO_TYPE_UPLINK);
    put_u32(out + 1, device);
    put_u16(out + 5, (uint16_t)counter);
    nonce_uplink(nonce, device, counter);
    err = ccm_run(1, key, nonce, out, RADIO_UPLINK_HDR_LEN, plain, out + RADIO_UPLINK_HDR_LEN,
                  n, out + RADIO_UPLINK_HDR_LEN + n);
    memset(plain, 0, sizeof plain);
    if (err)
        return err;
    *len = RADIO_UPLINK_HDR_LEN + n + RADIO_TAG_LEN;
    return PROTO_OK;
}

int radio_uplink_open(const uint8_t key[RADIO_KEY_LEN], uint32_t counter,
                      const uint8_t *frame, size_t len, struct record *rec)
{
    struct radio_header h;
    uint8_t plain[RECORD_MAX_LEN];
    uint8_t nonce[RADIO_NONCE_LEN];
    size_t n;
    int err;

    memset(rec, 0, sizeof *rec);
    /* §3's order: version, then type, then length (an ack's header is
     * bad_type here at any length, not too_long) */
    if (len >= 1 && (frame[0] >> 4) == RADIO_VERSION && (frame[0] & 0x0F) != RADIO_TYPE_UPLINK)
        return PROTO_ERR_BAD_TYPE;
    err = radio_peek(frame, len, &h);
    if (err)
        return err;
    if (h.type != RADIO_TYPE_UPLINK)
        return PROTO_ERR_BAD_TYPE;
    if (counter == 0)
        return PROTO_ERR_OUT_OF_RANGE; /* §5.1: no device ever sends counter 0 */
    if ((uint16_t)counter != h.counter_low)
        return PROTO_ERR_STALE;
    n = len - RADIO_UPLINK_HDR_LEN - RADIO_TAG_LEN;
    nonce_uplink(nonce, h.device, counter);
    err = ccm_run(0, key, nonce, frame, RADIO_UPLINK_HDR_LEN, frame + RADIO_UPLINK_HDR_LEN,
                  plain, n, (uint8_t *)(frame + RADIO_UPLINK_HDR_LEN + n));
    if (!err)
        err = record_decode(plain, n, rec);
    memset(plain, 0, sizeof plain);
    if (err)
        memset(rec, 0, sizeof *rec);
    return err;
}

int radio_ack_seal(const uint8_t key[RADIO_KEY_LEN], const struct radio_ack *ack,
                   uint8_t *out, size_t cap, size_t *len)
{
    uint8_t nonce[RADIO_NONCE_LEN];
    uint8_t body[RADIO_ACK_BODY_LEN];
    int err;

    if (ack->device == 0 || ack->device == 0xFFFFFFFFu || ack->station == 0)
        return PROTO_ERR_OUT_OF_RANGE;
    if (cap < RADIO_ACK_LEN)
        return PROTO_ERR_BUFFER;
    out[0] = radio_hdr_byte(RADIO_TYPE_ACK);
    put_u32(out + 1, ack->device);
    put_u16(out + 5, ack->station);
    put_u32(out + 7, ack->station_time);
    put_u32(body, ack->acked);
    nonce_ack(nonce, ack->device, ack->station_time, ack->station);
    err = ccm_run(1, key, nonce, out, RADIO_ACK_HDR_LEN, body, out + RADIO_ACK_HDR_LEN,
                  RADIO_ACK_BODY_LEN, out + RADIO_ACK_HDR_LEN + RADIO_ACK_BODY_LEN);
    if (err)
        return err;
    *len = RADIO_ACK_LEN;
    return PROTO_OK;
}

int radio_ack_open(const uint8_t key[RADIO_KEY_LEN], const uint8_t *frame, size_t len,
                   struct radio_ack *ack)
{
    struct radio_header h;
    uint8_t nonce[RADIO_NONCE_LEN];
    uint8_t body[RADIO_ACK_BODY_LEN];
    int err;

    memset(ack, 0, sizeof *ack);
    err = radio_peek(frame, len, &h);
    if (err)
        return err;
    if (h.type != RADIO_TYPE_ACK)
        return PROTO_ERR_BAD_TYPE;
    nonce_ack(nonce, h.device, h.station_time, h.station);
    err = ccm_run(0, key, nonce, frame, RADIO_ACK_HDR_LEN, frame + RADIO_ACK_HDR_LEN, body,
                  RADIO_ACK_BODY_LEN, (uint8_t *)(frame + RADIO_ACK_HDR_LEN + RADIO_ACK_BODY_LEN));
    if (err)
        return err;
    ack->device = h.device;
    ack->station = h.station;
    ack->station_time = h.station_time;
    ack->acked = get_u32(body);
    return PROTO_OK;
}
