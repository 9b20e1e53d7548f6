/* test_radio.c -- sealing and opening LoRa frames (proto/radio.c). */
#include <mbedtls/ccm.h>

#include "proto_err.h"
#include "radio.h"
#include "testutil.h"
#include "vectors.h"

static uint8_t key[RADIO_KEY_LEN];

static void load_key(void)
{
    hex2bin(VEC_KEY, key, sizeof key);
}

static struct record vector_record(void)
{
    struct record r;
    memset(&r, 0, sizeof r);
    r.activity = ACT_ALCOHOL_SCREENING;
    r.start_min = VEC_START_MIN;
    r.quantity = 37;
    r.duration_min = 95;
    r.zone = ZONE_MAIN_ROADS;
    r.actor = ACTOR_POLICE;
    r.cell = 0x2A17;
    r.operation = 0x1F2E;
    return r;
}

TestSuite(radio, .init = load_key);

Test(radio, a_full_stop_record_fits_in_32_bytes_on_air)
{
    cr_assert_eq(RADIO_UPLINK_MAX_LEN, 32);
    cr_assert_eq(RADIO_ACK_LEN, 23);
}

Test(radio, reproduces_the_documented_uplink_vector)
{
    uint8_t frame[64];
    size_t n;
    struct record r = vector_record();
    cr_assert_eq(radio_uplink_seal(key, VEC_DEVICE, VEC_COUNTER, &r, frame, sizeof frame, &n),
                 PROTO_OK);
    assert_bytes_hex(frame, n, VEC_UPLINK);
}

Test(radio, opens_the_documented_uplink_vector)
{
    uint8_t frame[64];
    size_t n = hex2bin(VEC_UPLINK, frame, sizeof frame);
    struct radio_header h;
    struct record got, want = vector_record();
    cr_assert_eq(radio_peek(frame, n, &h), PROTO_OK);
    cr_assert_eq(h.type, RADIO_TYPE_UPLINK);
    cr_assert_eq(h.device, VEC_DEVICE);
    cr_assert_eq(h.counter_low, 0x2345);
    cr_assert_eq(radio_counter_expand(0x00012300u, h.counter_low), VEC_COUNTER);
    cr_assert_eq(radio_uplink_open(key, VEC_COUNTER, frame, n, &got), PROTO_OK);
    cr_assert_eq(memcmp(&got, &want, sizeof got), 0);
}

Test(radio, rejects_every_single_bit_flip_of_an_uplink_frame)
{
    uint8_t frame[64];
    size_t n = hex2bin(VEC_UPLINK, frame, sizeof frame), bit;
    struct record got;
    for (bit = 0; bit < n * 8; bit++) {
        struct radio_header h;
        uint32_t counter;
        int err;
        frame[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        /* the receiver's real path: peek, rebuild the counter, open */
        err = radio_peek(frame, n, &h);
        if (err == PROTO_OK) {
            counter = radio_counter_expand(VEC_COUNTER, h.counter_low);
            err = radio_uplink_open(key, counter, frame, n, &got);
        }
        cr_assert_neq(err, PROTO_OK, "bit %zu flipped was accepted", bit);
        frame[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    cr_assert_eq(radio_uplink_open(key, VEC_COUNTER, frame, n, &got), PROTO_OK);
}

Test(radio, rejects_every_truncation_of_an_uplink_frame)
{
    uint8_t frame[64];
    size_t n = hex2bin(VEC_UPLINK, frame, sizeof frame), len;
    struct record got;
    for (len = 0; len < n; len++) {
        int err = radio_uplink_open(key, VEC_COUNTER, frame, len, &got);
        cr_assert_neq(err, PROTO_OK, "cut to %zu bytes", len);
        if (len < RADIO_UPLINK_MIN_LEN)
            cr_assert_eq(err, PROTO_ERR_TRUNCATED, "cut to %zu bytes", len);
    }
    frame[n] = 0;
    cr_assert_eq(radio_uplink_open(key, VEC_COUNTER, frame, n + 1, &got), PROTO_ERR_TOO_LONG);
}

Test(radio, rejects_a_wrong_key_and_a_counter_from_another_epoch)
{
    uint8_t frame[64], other[RADIO_KEY_LEN];
    size_t n = hex2bin(VEC_UPLINK, frame, sizeof frame);
    struct record got;
    memcpy(other, key, sizeof other);
    other[15] ^= 1;
    cr_assert_eq(radio_uplink_open(other, VEC_COUNTER, frame, n, &got), PROTO_ERR_BAD_TAG);
    /* same low 16 bits, different full counter: the nonce differs */
    cr_assert_eq(radio_uplink_open(key, VEC_COUNTER + 0x10000u, frame, n, &got),
                 PROTO_ERR_BAD_TAG);
    cr_assert_eq(radio_uplink_open(key, VEC_COUNTER + 1, frame, n, &got), PROTO_ERR_STALE,
                 "low bits must match the header");
    frame[5] = frame[6] = 0;
    cr_assert_eq(radio_uplink_open(key, 0, frame, n, &got), PROTO_ERR_OUT_OF_RANGE,
                 "counter 0 is never valid (§5.1), and not stale");
    cr_assert_eq(got.activity, 0, "nothing of a rejected frame is returned");
}

Test(radio, never_repeats_a_ciphertext_for_another_counter)
{
    uint8_t a[64], b[64];
    size_t na, nb;
    struct record r = vector_record();
    cr_assert_eq(radio_uplink_seal(key, VEC_DEVICE, 1, &r, a, sizeof a, &na), PROTO_OK);
    cr_assert_eq(radio_uplink_seal(key, VEC_DEVICE, 2, &r, b, sizeof b, &nb), PROTO_OK);
    cr_assert_eq(na, nb);
    cr_assert_neq(memcmp(a + RADIO_UPLINK_HDR_LEN, b + RADIO_UPLINK_HDR_LEN,
                         na - RADIO_UPLINK_HDR_LEN), 0);
}

Test(radio, refuses_reserved_devices_and_counter_zero)
{
    uint8_t frame[64];
    size_t n;
    struct record r = vector_record();
    cr_assert_eq(radio_uplink_seal(key, 0, 1, &r, frame, sizeof frame, &n),
                 PROTO_ERR_OUT_OF_RANGE);
    cr_assert_eq(radio_uplink_seal(key, 0xFFFFFFFFu, 1, &r, frame, sizeof frame, &n),
                 PROTO_ERR_OUT_OF_RANGE);
    cr_assert_eq(radio_uplink_seal(key, VEC_DEVICE, 0, &r, frame, sizeof frame, &n),
                 PROTO_ERR_OUT_OF_RANGE);
    cr_assert_eq(radio_uplink_seal(key, VEC_DEVICE, 1, &r, frame, 31, &n), PROTO_ERR_BUFFER);
}

Test(radio, opening_an_ack_header_as_an_uplink_is_bad_type_at_every_length)
{
    uint8_t frame[64];
    struct record got;
    size_t n;
    hex2bin(VEC_UPLINK, frame, sizeof frame);
    frame[0] = 0x12;
    for (n = 1; n <= 40; n++)
        cr_assert_eq(radio_uplink_open(key, VEC_COUNTER, frame, n, &got), PROTO_ERR_BAD_TYPE,
                     "%zu bytes", n);
}

Test(radio, peek_names_what_is_wrong_with_a_header)
{
    uint8_t frame[64];
    size_t n = hex2bin(VEC_UPLINK, frame, sizeof frame);
    struct radio_header h;
    cr_assert_eq(radio_peek(frame, 0, &h), PROTO_ERR_TRUNCATED);
    frame[0] = 0x21;
    cr_assert_eq(radio_peek(frame, n, &h), PROTO_ERR_BAD_VERSION);
    frame[0] = 0x13;
    cr_assert_eq(radio_peek(frame, n, &h), PROTO_ERR_BAD_TYPE);
    frame[0] = 0x11;
    memset(frame + 1, 0, 4);
    cr_assert_eq(radio_peek(frame, n, &h), PROTO_ERR_OUT_OF_RANGE);
    memset(frame + 1, 0xFF, 4);
    cr_assert_eq(radio_peek(frame, n, &h), PROTO_ERR_OUT_OF_RANGE);
}

Test(radio, reproduces_and_opens_the_documented_ack_vector)
{
    uint8_t frame[64];
    size_t n;
    struct radio_ack ack = {VEC_DEVICE, VEC_STATION, VEC_ACK_TIME, VEC_COUNTER}, got;
    cr_assert_eq(radio_ack_seal(key, &ack, frame, sizeof frame, &n), PROTO_OK);
    assert_bytes_hex(frame, n, VEC_ACK);
    cr_assert_eq(radio_ack_open(key, frame, n, &got), PROTO_OK);
    cr_assert_eq(memcmp(&got, &ack, sizeof got), 0);
}

Test(radio, rejects_every_single_bit_flip_and_truncation_of_an_ack)
{
    uint8_t frame[64];
    size_t n = hex2bin(VEC_ACK, frame, sizeof frame), bit, len;
    struct radio_ack got;
    for (bit = 0; bit < n * 8; bit++) {
        frame[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        cr_assert_neq(radio_ack_open(key, frame, n, &got), PROTO_OK, "bit %zu", bit);
        frame[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    for (len = 0; len < n; len++)
        cr_assert_eq(radio_ack_open(key, frame, len, &got), PROTO_ERR_TRUNCATED);
    cr_assert_eq(radio_ack_open(key, frame, n, &got), PROTO_OK);
}

Test(radio, an_uplink_is_not_accepted_as_an_ack_or_the_reverse)
{
    uint8_t up[64], ack[64];
    size_t nu = hex2bin(VEC_UPLINK, up, sizeof up), na = hex2bin(VEC_ACK, ack, sizeof ack);
    struct radio_ack a;
    struct record r;
    cr_assert_neq(radio_ack_open(key, up, nu, &a), PROTO_OK);
    cr_assert_neq(radio_uplink_open(key, VEC_COUNTER, ack, na, &r), PROTO_OK);
}

Test(radio, counter_expansion_picks_the_nearest_value_within_the_window)
{
    cr_assert_eq(radio_counter_expand(0, 5), 5);
    cr_assert_eq(radio_counter_expand(0, 0xFFFF), 0xFFFF, "no wrap below zero");
    cr_assert_eq(radio_counter_expand(0x0001FFF0u, 0x0005), 0x00020005u, "forward wrap");
    cr_assert_eq(radio_counter_expand(0x00020005u, 0xFFF0), 0x0001FFF0u, "a retry from before");
    /* window edges: [ref - 32768, ref + 32767] */
    cr_assert_eq(radio_counter_expand(0x00050000u, 0x7FFF), 0x00057FFFu);
    cr_assert_eq(radio_counter_expand(0x00050000u, 0x8000), 0x00048000u);
    cr_assert_eq(radio_counter_expand(0xFFFFFFF0u, 0x0005), 0xFFFF0005u, "no wrap past 2^32");
    {
        uint32_t ref, d;
        for (ref = 0x10000u; ref < 0x10000u + 70000u; ref += 997)
            for (d = 0; d < 32768; d += 61) {
                cr_assert_eq(radio_counter_expand(ref, (uint16_t)(ref + d)), ref + d);
                cr_assert_eq(radio_counter_expand(ref, (uint16_t)(ref - d)), ref - d);
            }
    }
}

Test(radio, every_error_code_has_a_name_and_a_sentence)
{
    int e;
    for (e = 0; e > -PROTO_ERR_COUNT; e--) {
        cr_assert_str_neq(proto_errname(e), "unknown");
        cr_assert_str_neq(proto_strerror(e), "unknown error code");
    }
    cr_assert_str_eq(proto_errname(-PROTO_ERR_COUNT), "unknown");
    cr_assert_str_eq(proto_errname(1), "unknown");
    cr_assert_str_eq(proto_errname(PROTO_ERR_BAD_TAG), "bad_tag");
}

/* docs/protocol.md §10.5, row by row */
Test(radio, rejects_the_documented_bad_frames_with_their_reasons)
{
    uint8_t f[64];
    size_t n;
    struct record got;
#define VARIANT(stmt, len, counter, reason)                                   \
    do {                                                                      \
        n = hex2bin(VEC_UPLINK, f, sizeof f);                                 \
        stmt;                                                                 \
        cr_assert_eq(radio_uplink_open(key, (counter), f, (len), &got), (reason), \
                     #stmt);                                                  \
    } while (0)
    VARIANT(f[31] ^= 0x01, n, VEC_COUNTER, PROTO_ERR_BAD_TAG);
    VARIANT((void)0, n, 0x00022345u, PROTO_ERR_BAD_TAG);
    VARIANT(f[0] = 0x21, n, VEC_COUNTER, PROTO_ERR_BAD_VERSION);
    VARIANT(f[0] = 0x13, n, VEC_COUNTER, PROTO_ERR_BAD_TYPE);
    VARIANT(memset(f + 1, 0, 4), n, VEC_COUNTER, PROTO_ERR_OUT_OF_RANGE);
    VARIANT((void)0, 26, VEC_COUNTER, PROTO_ERR_TRUNCATED);
    VARIANT(f[32] = 0, 33, VEC_COUNTER, PROTO_ERR_TOO_LONG);
#undef VARIANT
    {
        /* an authentic frame over a record with a reserved bit: only a
         * raw CCM call can make one, as a buggy or newer device would */
        uint8_t plain[RECORD_MAX_LEN], nonce[RADIO_NONCE_LEN] = {0x01};
        size_t pn = hex2bin(VEC_RECORD_SCREENING, plain, sizeof plain);
        mbedtls_ccm_context ctx;
        plain[12] = 0x01;
        n = hex2bin(VEC_UPLINK, f, sizeof f);
        memcpy(nonce + 1, f + 1, 4);
        nonce[5] = 0x00, nonce[6] = 0x01, nonce[7] = 0x23, nonce[8] = 0x45;
        mbedtls_ccm_init(&ctx);
        cr_assert_eq(mbedtls_ccm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, key, 128), 0);
        cr_assert_eq(mbedtls_ccm_encrypt_and_tag(&ctx, pn, nonce, sizeof nonce, f, 7, plain,
                                                 f + 7, f + 7 + pn, 8), 0);
        mbedtls_ccm_free(&ctx);
        cr_assert_eq(radio_uplink_open(key, VEC_COUNTER, f, n, &got), PROTO_ERR_RESERVED);
    }
}

/* §10.8: the receiver's search above the window (radio_uplink_find). */
static struct record vector_a_traktor(void)
{
    struct record r;
    uint8_t b[RECORD_MAX_LEN];
    size_t n = hex2bin(VEC_RECORD_A_TRAKTOR, b, sizeof b);
    cr_assert_eq(record_decode(b, n, &r), PROTO_OK);
    return r;
}

static int same_record(const struct record *a, const struct record *b)
{
    uint8_t x[RECORD_MAX_LEN], y[RECORD_MAX_LEN];
    size_t nx, ny;
    return record_encode(a, x, sizeof x, &nx) == 0 && record_encode(b, y, sizeof y, &ny) == 0 &&
           nx == ny && memcmp(x, y, nx) == 0;
}

static int find(const char *hex, uint32_t ref, int flip_last, uint32_t *c, unsigned *tries,
                struct record *got)
{
    uint8_t frame[64];
    size_t n = hex2bin(hex, frame, sizeof frame);
    if (flip_last)
        frame[n - 1] ^= 1;
    return radio_uplink_find(key, ref, frame, n, c, got, tries);
}

static void assert_found(const char *hex, uint32_t ref, uint32_t want, unsigned want_tries)
{
    struct record got, want_rec = vector_a_traktor();
    uint32_t c;
    unsigned tries;
    cr_assert_eq(find(hex, ref, 0, &c, &tries, &got), PROTO_OK, "%s", hex);
    cr_assert_eq(c, want, "counter 0x%08x", c);
    cr_assert_eq(tries, want_tries, "tries %u", tries);
    cr_assert(same_record(&got, &want_rec));
}

Test(radio, reproduces_the_documented_search_vectors)
{
    const struct { uint32_t counter; const char *hex; } v[] = {
        {0x00011170u, VEC_SEARCH_70000}, {0x00010000u, VEC_SEARCH_65536},
        {0x00042345u, VEC_SEARCH_42345}, {0x00111170u, VEC_SEARCH_BEYOND}};
    struct record r = vector_a_traktor();
    uint8_t frame[64];
    size_t i, n;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        cr_assert_eq(radio_uplink_seal(key, VEC_DEVICE, v[i].counter, &r, frame, sizeof frame, &n),
                     PROTO_OK);
        assert_bytes_hex(frame, n, v[i].hex);
    }
}

Test(radio, a_receiver_finds_a_counter_above_its_window)
{
    assert_found(VEC_SEARCH_70000, 0, 70000, 2);
    assert_found(VEC_SEARCH_65536, 0, 0x10000u, 1); /* the window's 0 is never tried */
    assert_found(VEC_SEARCH_42345, 0x00012345u, 0x00042345u, 4);
    assert_found(VEC_SEARCH_70000, 70000, 70000, 1); /* inside the window: one check */
}

Test(radio, the_search_is_bounded_and_never_accepts_a_forgery)
{
    struct record got;
    uint32_t c;
    unsigned tries;
    cr_assert_eq(find(VEC_SEARCH_BEYOND, 0, 0, &c, &tries, &got), PROTO_ERR_BAD_TAG,
                 "17 blocks above: past the bound");
    cr_assert_eq(tries, 1 + RADIO_COUNTER_SEARCH_BLOCKS);
    cr_assert_eq(find(VEC_SEARCH_70000, 0, 1, &c, &tries, &got), PROTO_ERR_BAD_TAG);
    cr_assert_eq(tries, 1 + RADIO_COUNTER_SEARCH_BLOCKS);
    cr_assert_eq(got.activity, 0, "nothing of a rejected frame is returned");
    cr_assert_eq(find(VEC_SEARCH_70000, 0xFFFF0000u, 0, &c, &tries, &got), PROTO_ERR_BAD_TAG,
                 "counters only grow: nothing below the window is tried");
    cr_assert_eq(tries, 1, "and nothing above 2^32 - 1");
    cr_assert_eq(find(VEC_SEARCH_70000, 0, 0, &c, &tries, &got), PROTO_OK);
    {
        uint8_t frame[64];
        hex2bin(VEC_SEARCH_70000, frame, sizeof frame);
        cr_assert_eq(radio_uplink_find(key, 0, frame, 26, &c, &got, &tries), PROTO_ERR_TRUNCATED);
        cr_assert_eq(tries, 0, "header checks come before any decryption");
    }
}

Test(radio, the_search_names_an_authentic_frame_whose_record_does_not_decode)
{
    /* R1 with byte 12 = 0x01 (reserved) sealed at counter 70000 by hand */
    uint8_t plain[RECORD_MAX_LEN], frame[64], nonce[RADIO_NONCE_LEN] = {0};
    size_t pn = hex2bin("011100c00025c48e02505f0c012a171f2e", plain, sizeof plain);
    mbedtls_ccm_context ctx;
    struct record got;
    uint32_t c;
    unsigned tries;
    nonce[0] = 0x01;
    hex2bin("8c3d91f400011170", nonce + 1, 8);
    hex2bin("118c3d91f41170", frame, 7);
    mbedtls_ccm_init(&ctx);
    cr_assert_eq(mbedtls_ccm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, key, 128), 0);
    cr_assert_eq(mbedtls_ccm_encrypt_and_tag(&ctx, pn, nonce, sizeof nonce, frame, 7, plain,
                                             frame + 7, frame + 7 + pn, RADIO_TAG_LEN), 0);
    mbedtls_ccm_free(&ctx);
    cr_assert_eq(radio_uplink_find(key, 0, frame, 7 + pn + RADIO_TAG_LEN, &c, &got, &tries),
                 PROTO_ERR_RESERVED);
    cr_assert_eq(c, 70000, "the tag verified under this counter");
    cr_assert_eq(tries, 2, "the search stops there");
}
