/* bench_proto.c -- how much the proto codecs cost next to the AES-CCM they
 * wrap, all on the same bytes: the 17-byte screening record of
 * docs/protocol.md §8 (cell and operation set), sealed into a 32-byte
 * uplink frame, carried in a 53-byte RX modem message.
 *
 * usage: bench_proto [seconds]   (per row; default 1)
 *
 * Rows:
 *  - raw mbedTLS: init + setkey + encrypt_and_tag (or auth_decrypt) + free
 *    per operation, the exact calls radio.c makes, so "codec/raw" is what
 *    our framing and record code add on top of the cipher;
 *  - radio_uplink_seal (record_encode + seal), radio_uplink_open (open +
 *    record_decode);
 *  - record_encode and record_decode alone;
 *  - serial_frame_encode of the RX message, and serial_reader_push of
 *    its framed bytes one by one, as the gateway reads the line.
 *
 * Every result feeds a volatile sink, so no call can be optimised away.
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c99 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/ccm.h>

#include "modem.h"
#include "proto_err.h"
#include "radio.h"
#include "record.h"
#include "serial_frame.h"

#ifndef LOFTE_BENCH_SANITIZED
#define LOFTE_BENCH_SANITIZED 0
#endif

/* The docs/protocol.md §8 test vector's key, device and counter. */
#define DEVICE 0x8C3D91F4u
#define COUNTER 0x00012345u
#define NONCE_UPLINK 0x01

static const uint8_t key[RADIO_KEY_LEN] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                           0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};

static volatile uint32_t sink;

/* Inputs shared by all rows, prepared once in setup(). */
static struct record rec;
static uint8_t plain[RECORD_MAX_LEN];        /* rec, encoded */
static size_t plain_len;
static uint8_t frame[RADIO_UPLINK_MAX_LEN];  /* rec, sealed; frame[0..7) is the AAD */
static size_t frame_len;
static uint8_t nonce[RADIO_NONCE_LEN];
static uint8_t payload[MODEM_MSG_MAX];       /* RX message carrying frame */
static size_t payload_len;
static uint8_t wire[SERIAL_WIRE_MAX];        /* payload, framed */
static size_t wire_len;

static void fail(const char *what, int rc)
{
    fprintf(stderr, "bench_proto: %s failed (%d)\n", what, rc);
    exit(1);
}

static void b_raw_encrypt(unsigned long n)
{
    uint8_t out[RECORD_MAX_LEN], tag[RADIO_TAG_LEN];
    int rc;
    while (n--) {
        mbedtls_ccm_context ctx;
        mbedtls_ccm_init(&ctx);
        rc = mbedtls_ccm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, key, 8 * RADIO_KEY_LEN);
        if (rc == 0)
            rc = mbedtls_ccm_encrypt_and_tag(&ctx, plain_len, nonce, RADIO_NONCE_LEN, frame,
                                             RADIO_UPLINK_HDR_LEN, plain, out, tag,
                                             RADIO_TAG_LEN);
        mbedtls_ccm_free(&ctx);
        if (rc != 0)
            fail("mbedtls_ccm_encrypt_and_tag", rc);
        sink ^= tag[0];
    }
}

static void b_raw_decrypt(unsigned long n)
{
    uint8_t out[RECORD_MAX_LEN];
    int rc;
    while (n--) {
        mbedtls_ccm_context ctx;
        mbedtls_ccm_init(&ctx);
        rc = mbedtls_ccm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, key, 8 * RADIO_KEY_LEN);
        if (rc == 0)
            rc = mbedtls_ccm_auth_decrypt(&ctx, plain_len, nonce, RADIO_NONCE_LEN, frame,
                                          RADIO_UPLINK_HDR_LEN, frame + RADIO_UPLINK_HDR_LEN,
                                          out, frame + RADIO_UPLINK_HDR_LEN + plain_len,
                                          RADIO_TAG_LEN);
        mbedtls_ccm_free(&ctx);
        if (rc != 0)
            fail("mbedtls_ccm_auth_decrypt", rc);
        sink ^= out[0];
    }
}

/* Reuses one counter on purpose: a benchmark seals the same record over
 * and over. Real senders must never repeat a counter under one key. */
static void b_seal(unsigned long n)
{
    uint8_t out[RADIO_UPLINK_MAX_LEN];
    size_t len;
    int rc;
    while (n--) {
        if ((rc = radio_uplink_seal(key, DEVICE, COUNTER, &rec, out, sizeof out, &len)) != 0)
            fail("radio_uplink_seal", rc);
        sink ^= out[len - 1];
    }
}

static void b_open(unsigned long n)
{
    struct record r;
    int rc;
    while (n--) {
        if ((rc = radio_uplink_open(key, COUNTER, frame, frame_len, &r)) != 0)
            fail("radio_uplink_open", rc);
        sink ^= r.operation;
    }
}

/* docs/protocol.md §5.2: the receiver's open from a reference -- inside
 * the window, found one block above it (a station with no state: ref 0),
 * and a forgery, which costs every block of the search. */
static uint8_t forged[RADIO_UPLINK_MAX_LEN];

static void find_from(uint32_t ref, const uint8_t *f, int want, unsigned long n)
{
    struct record r;
    uint32_t c;
    unsigned tries;
    int rc;
    while (n--) {
        if ((rc = radio_uplink_find(key, ref, f, frame_len, &c, &r, &tries)) != want)
            fail("radio_uplink_find", rc);
        sink ^= tries;
    }
}

static void b_find_window(unsigned long n) { find_from(COUNTER, frame, 0, n); }
static void b_find_search(unsigned long n) { find_from(0, frame, 0, n); }
static void b_find_forged(unsigned long n) { find_from(0, forged, PROTO_ERR_BAD_TAG, n); }

static void b_record_encode(unsigned long n)
{
    uint8_t out[RECORD_MAX_LEN];
    size_t len;
    int rc;
    while (n--) {
        if ((rc = record_encode(&rec, out, sizeof out, &len)) != 0)
            fail("record_encode", rc);
        sink ^= out[len - 1];
    }
}

static void b_record_decode(unsigned long n)
{
    struct record r;
    int rc;
    while (n--) {
        if ((rc = record_decode(plain, plain_len, &r)) != 0)
            fail("record_decode", rc);
        sink ^= r.operation;
    }
}

static void b_serial_encode(unsigned long n)
{
    uint8_t out[SERIAL_WIRE_MAX];
    size_t len;
    int rc;
    while (n--) {
        if ((rc = serial_frame_encode(payload, payload_len, out, sizeof out, &len)) != 0)
            fail("serial_frame_encode", rc);
        sink ^= out[len - 2];
    }
}

static void b_serial_read(unsigned long n)
{
    struct serial_reader r;
    const uint8_t *p = NULL;
    size_t len = 0, i;
    int rc = 0;
    serial_reader_init(&r);
    while (n--) {
        for (i = 0; i < wire_len; i++)
            rc = serial_reader_push(&r, wire[i], &p, &len);
        if (rc != 1)
            fail("serial_reader_push", rc);
        sink ^= p[len - 1];
    }
}

/* Build the shared inputs with the codecs themselves, and check that the
 * raw CCM rows do the same work as the codec rows: the same key, nonce,
 * AAD and plaintext must give the very bytes radio_uplink_seal wrote. */
static void setup(void)
{
    struct modem_msg m;
    uint8_t ct[RECORD_MAX_LEN], tag[RADIO_TAG_LEN];
    mbedtls_ccm_context ctx;
    int rc;

    memset(&rec, 0, sizeof rec);
    rec.activity = ACT_ALCOHOL_SCREENING;
    rec.start_min = 2475150u;
    rec.quantity = 37;
    rec.duration_min = 95;
    rec.zone = ZONE_MAIN_ROADS;
    rec.actor = ACTOR_POLICE;
    rec.cell = 0x2A17;
    rec.operation = 0x1F2E;
    if ((rc = record_encode(&rec, plain, sizeof plain, &plain_len)) != 0)
        fail("record_encode", rc);
    if (plain_len != RECORD_MAX_LEN)
        fail("record of 17 bytes", (int)plain_len);
    if ((rc = radio_uplink_seal(key, DEVICE, COUNTER, &rec, frame, sizeof frame,
                                &frame_len)) != 0)
        fail("radio_uplink_seal", rc);

    memcpy(forged, frame, frame_len);
    forged[frame_len - 1] ^= 1;

    /* radio.h: 0x01 | device | counter | 00 00 00 00 */
    memset(nonce, 0, sizeof nonce);
    nonce[0] = NONCE_UPLINK;
    nonce[1] = (uint8_t)(DEVICE >> 24);
    nonce[2] = (uint8_t)(DEVICE >> 16);
    nonce[3] = (uint8_t)(DEVICE >> 8);
    nonce[4] = (uint8_t)DEVICE;
    nonce[5] = (uint8_t)(COUNTER >> 24);
    nonce[6] = (uint8_t)(COUNTER >> 16);
    nonce[7] = (uint8_t)(COUNTER >> 8);
    nonce[8] = (uint8_t)COUNTER;
    mbedtls_ccm_init(&ctx);
    rc = mbedtls_ccm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, key, 8 * RADIO_KEY_LEN);
    if (rc == 0)
        rc = mbedtls_ccm_encrypt_and_tag(&ctx, plain_len, nonce, RADIO_NONCE_LEN, frame,
                                         RADIO_UPLINK_HDR_LEN, plain, ct, tag, RADIO_TAG_LEN);
    mbedtls_ccm_free(&ctx);
    if (rc != 0)
        fail("mbedtls_ccm_encrypt_and_tag", rc);
    if (memcmp(ct, frame + RADIO_UPLINK_HDR_LEN, plain_len) != 0 ||
        memcmp(tag, frame + RADIO_UPLINK_HDR_LEN + plain_len, RADIO_TAG_LEN) != 0)
        fail("raw CCM reproducing radio_uplink_seal's bytes", 0);

    /* An RX message as the modem sends it for one heard uplink. */
    memset(&m, 0, sizeof m);
    m.type = MODEM_RX;
    m.u.rx.rx_time_ms = 1726345860000ull;
    m.u.rx.freq_hz = 869525000u;
    m.u.rx.rssi_dBm = -97;
    m.u.rx.snr_qdB = -29;
    m.u.rx.sf = 9;
    m.u.rx.bw_kHz = 125;
    m.u.rx.cr = 5;
    m.u.rx.len = (uint8_t)frame_len;
    memcpy(m.u.rx.frame, frame, frame_len);
    if ((rc = modem_encode(&m, payload, sizeof payload, &payload_len)) != 0)
        fail("modem_encode", rc);
    if ((rc = serial_frame_encode(payload, payload_len, wire, sizeof wire, &wire_len)) != 0)
        fail("serial_frame_encode", rc);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Seconds per operation. Batches double while they take under 10 ms, so
 * reading the clock costs nothing measurable even for the fastest rows,
 * and the run overshoots the requested time by at most one short batch. */
static double measure(void (*fn)(unsigned long), double seconds)
{
    unsigned long batch = 1, total = 0;
    double start, before, after;

    fn(64); /* warm caches and branch predictors */
    start = now();
    for (;;) {
        before = now();
        fn(batch);
        after = now();
        total += batch;
        if (after - start >= seconds)
            break;
        if (after - before < 0.01)
            batch *= 2;
    }
    return (after - start) / (double)total;
}

static void row(const char *name, double per_op, double raw_per_op)
{
    printf("%-42s %12.0f %10.1f", name, 1.0 / per_op, per_op * 1e9);
    if (raw_per_op > 0)
        printf(" %9.2fx", per_op / raw_per_op);
    printf("\n");
}

int main(int argc, char **argv)
{
    double seconds = 1.0, raw_enc, raw_dec;
    char *end;
    char name[64];

    if (argc > 2 || (argc == 2 && ((seconds = strtod(argv[1], &end)) <= 0 || *end != '\0'))) {
        fprintf(stderr, "usage: %s [seconds per row, default 1]\n", argv[0]);
        return 2;
    }
    setup();

    printf("bench_proto: %.2f s per row; record %u B, uplink frame %u B, "
           "RX message %u B (%u B on the wire)\n",
           seconds, (unsigned)plain_len, (unsigned)frame_len, (unsigned)payload_len,
           (unsigned)wire_len);
    if (LOFTE_BENCH_SANITIZED)
        printf("NOTE: built with sanitizers: figures are not representative "
               "(configure with -DLOFTE_SANITIZE=OFF)\n");
    printf("\n%-42s %12s %10s %10s\n", "operation", "ops/s", "ns/op", "codec/raw");

    raw_enc = measure(b_raw_encrypt, seconds);
    snprintf(name, sizeof name, "raw CCM encrypt_and_tag (%u B + %u B AAD)",
             (unsigned)plain_len, (unsigned)RADIO_UPLINK_HDR_LEN);
    row(name, raw_enc, 0);
    row("radio_uplink_seal (encode + seal)", measure(b_seal, seconds), raw_enc);

    raw_dec = measure(b_raw_decrypt, seconds);
    snprintf(name, sizeof name, "raw CCM auth_decrypt (%u B + %u B AAD)",
             (unsigned)plain_len, (unsigned)RADIO_UPLINK_HDR_LEN);
    row(name, raw_dec, 0);
    row("radio_uplink_open (open + decode)", measure(b_open, seconds), raw_dec);

    row("radio_uplink_find, in the window (1 check)", measure(b_find_window, seconds), raw_dec);
    snprintf(name, sizeof name, "radio_uplink_find, ref 0 (%u checks)",
             1u + (COUNTER >> 16));
    row(name, measure(b_find_search, seconds), raw_dec);
    snprintf(name, sizeof name, "radio_uplink_find, forged (%u checks)",
             1u + RADIO_COUNTER_SEARCH_BLOCKS);
    row(name, measure(b_find_forged, seconds), raw_dec);

    row("record_encode", measure(b_record_encode, seconds), 0);
    row("record_decode", measure(b_record_decode, seconds), 0);
    row("serial_frame_encode (RX message)", measure(b_serial_encode, seconds), 0);
    row("serial_reader_push (one framed RX message)", measure(b_serial_read, seconds), 0);

    printf("\ncodec/raw: time per call of the codec over the raw mbedTLS call it wraps"
           " (1.00x = no overhead).\n");
    return 0;
}
