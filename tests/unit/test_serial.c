/* test_serial.c -- CRC-16, COBS, modem messages and the serial reader. */
#include "cobs.h"
#include "crc16.h"
#include "modem.h"
#include "proto_err.h"
#include "serial_frame.h"
#include "testutil.h"
#include "vectors.h"

Test(crc16, matches_the_published_check_value)
{
    cr_assert_eq(crc16((const uint8_t *)"123456789", 9), CRC16_CHECK);
    cr_assert_eq(CRC16_CHECK, 0x29B1);
    cr_assert_eq(crc16(NULL, 0), 0xFFFF, "init with nothing folded in");
    /* incremental use gives the same answer */
    cr_assert_eq(crc16_update(crc16((const uint8_t *)"1234", 4), (const uint8_t *)"56789", 5),
                 0x29B1);
}

static void cobs_round_trip(const uint8_t *in, size_t n, const char *want_hex)
{
    uint8_t enc[COBS_MAX_ENCODED(600)], dec[600];
    size_t en, dn, i;
    cr_assert_eq(cobs_encode(in, n, enc, sizeof enc, &en), PROTO_OK);
    cr_assert_leq(en, COBS_MAX_ENCODED(n));
    for (i = 0; i < en; i++)
        cr_assert_neq(enc[i], 0, "encoded byte %zu is zero", i);
    if (want_hex)
        assert_bytes_hex(enc, en, want_hex);
    cr_assert_eq(cobs_decode(enc, en, dec, sizeof dec, &dn), PROTO_OK);
    cr_assert_eq(dn, n);
    cr_assert_eq(memcmp(dec, in, n), 0);
}

Test(cobs, encodes_the_published_examples)
{
    /* from Cheshire and Baker's paper and its common restatement */
    static const uint8_t e1[] = {0x00};
    static const uint8_t e2[] = {0x00, 0x00};
    static const uint8_t e3[] = {0x00, 0x11, 0x00};
    static const uint8_t e4[] = {0x11, 0x22, 0x00, 0x33};
    static const uint8_t e5[] = {0x11, 0x22, 0x33, 0x44};
    static const uint8_t e6[] = {0x11, 0x00, 0x00, 0x00};
    static const uint8_t empty[1] = {0};
    cobs_round_trip(empty, 0, "01");
    cobs_round_trip(e1, 1, "0101");
    cobs_round_trip(e2, 2, "010101");
    cobs_round_trip(e3, 3, "01021101");
    cobs_round_trip(e4, 4, "0311220233");
    cobs_round_trip(e5, 4, "0511223344");
    cobs_round_trip(e6, 4, "0211010101");
}

Test(cobs, handles_runs_at_and_around_254_bytes)
{
    uint8_t in[600];
    size_t n;
    for (n = 0; n < sizeof in; n++)
        in[n] = (uint8_t)(n % 255 + 1); /* never zero */
    cobs_round_trip(in, 253, NULL);
    cobs_round_trip(in, 254, NULL);
    cobs_round_trip(in, 255, NULL);
    cobs_round_trip(in, 508, NULL);
    cobs_round_trip(in, 509, NULL);
    {
        /* 254 non-zero bytes: one full block and no trailing code */
        uint8_t enc[300];
        size_t en;
        cr_assert_eq(cobs_encode(in, 254, enc, sizeof enc, &en), PROTO_OK);
        cr_assert_eq(en, 255);
        cr_assert_eq(enc[0], 0xFF);
        cr_assert_eq(cobs_encode(in, 255, enc, sizeof enc, &en), PROTO_OK);
        cr_assert_eq(en, 257);
        cr_assert_eq(enc[255], 0x02);
    }
    memset(in, 0, sizeof in);
    cobs_round_trip(in, 600, NULL); /* all zeros */
    in[254] = 7;
    cobs_round_trip(in, 600, NULL);
}

Test(cobs, rejects_zeros_and_codes_past_the_end)
{
    static const uint8_t zero_inside[] = {0x03, 0x11, 0x00};
    static const uint8_t past_end[] = {0x05, 0x11, 0x22};
    static const uint8_t zero_code[] = {0x00};
    uint8_t out[16];
    size_t n;
    cr_assert_eq(cobs_decode(zero_inside, 3, out, sizeof out, &n), PROTO_ERR_BAD_COBS);
    cr_assert_eq(cobs_decode(past_end, 3, out, sizeof out, &n), PROTO_ERR_BAD_COBS);
    cr_assert_eq(cobs_decode(zero_code, 1, out, sizeof out, &n), PROTO_ERR_BAD_COBS);
    cr_assert_eq(cobs_encode(past_end, 3, out, 3, &n), PROTO_ERR_BUFFER);
}

Test(cobs, round_trips_the_largest_serial_frame)
{
    uint8_t in[SERIAL_PAYLOAD_MAX + SERIAL_CRC_LEN];
    size_t i;
    for (i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 7 % 3 ? i : 0);
    cobs_round_trip(in, sizeof in, NULL);
}

/* Modem messages */

static void assert_payload_frames_to(const char *payload_hex, const char *wire_hex)
{
    uint8_t p[SERIAL_PAYLOAD_MAX], w[SERIAL_WIRE_MAX];
    size_t pn = hex2bin(payload_hex, p, sizeof p), wn;
    cr_assert_eq(serial_frame_encode(p, pn, w, sizeof w, &wn), PROTO_OK);
    assert_bytes_hex(w, wn, wire_hex);
}

static struct modem_msg vector_rx(void)
{
    struct modem_msg m;
    memset(&m, 0, sizeof m);
    m.type = MODEM_RX;
    m.u.rx.rx_time_ms = 1726345801234ULL;
    m.u.rx.freq_hz = 868100000;
    m.u.rx.rssi_dBm = -97;
    m.u.rx.snr_qdB = -29;
    m.u.rx.sf = 9;
    m.u.rx.bw_kHz = 125;
    m.u.rx.cr = 5;
    m.u.rx.len = (uint8_t)hex2bin(VEC_UPLINK, m.u.rx.frame, sizeof m.u.rx.frame);
    return m;
}

Test(modem, reproduces_the_documented_vectors)
{
    uint8_t p[SERIAL_PAYLOAD_MAX];
    size_t n;
    struct modem_msg m = vector_rx(), back;
    cr_assert_eq(modem_encode(&m, p, sizeof p, &n), PROTO_OK);
    assert_bytes_hex(p, n, VEC_RX_PAYLOAD);
    cr_assert_eq(modem_decode(p, n, &back), PROTO_OK);
    cr_assert_eq(memcmp(&back, &m, sizeof m), 0);

    memset(&m, 0, sizeof m);
    m.type = MODEM_TX;
    m.u.tx.seq = 513;
    m.u.tx.tx_at_ms = 1726345802234ULL;
    m.u.tx.freq_hz = 869525000;
    m.u.tx.sf = 9;
    m.u.tx.bw_kHz = 125;
    m.u.tx.power_dBm = 14;
    m.u.tx.len = (uint8_t)hex2bin(VEC_ACK, m.u.tx.frame, sizeof m.u.tx.frame);
    cr_assert_eq(modem_encode(&m, p, sizeof p, &n), PROTO_OK);
    assert_bytes_hex(p, n, VEC_TX_PAYLOAD);
    cr_assert_eq(modem_decode(p, n, &back), PROTO_OK);
    cr_assert_eq(memcmp(&back, &m, sizeof m), 0);

    memset(&m, 0, sizeof m);
    m.type = MODEM_STATUS;
    m.u.status.uptime_s = 3600;
    m.u.status.rx_frames = 120;
    m.u.status.rx_crc_errors = 3;
    m.u.status.tx_frames = 40;
    cr_assert_eq(modem_encode(&m, p, sizeof p, &n), PROTO_OK);
    assert_bytes_hex(p, n, VEC_STATUS_PAYLOAD);

    memset(&m, 0, sizeof m);
    m.type = MODEM_TX_DONE;
    m.u.tx_done.seq = 513;
    cr_assert_eq(modem_encode(&m, p, sizeof p, &n), PROTO_OK);
    assert_bytes_hex(p, n, VEC_TX_DONE_PAYLOAD);

    assert_payload_frames_to(VEC_RX_PAYLOAD, VEC_RX_WIRE);
    assert_payload_frames_to(VEC_TX_PAYLOAD, VEC_TX_WIRE);
    assert_payload_frames_to(VEC_STATUS_PAYLOAD, VEC_STATUS_WIRE);
    assert_payload_frames_to(VEC_TX_DONE_PAYLOAD, VEC_TX_DONE_WIRE);
}

Test(modem, rejects_every_truncation_and_bad_field)
{
    uint8_t p[SERIAL_PAYLOAD_MAX];
    size_t n = hex2bin(VEC_RX_PAYLOAD, p, sizeof p), len;
    struct modem_msg m;
    for (len = 0; len <= MODEM_RX_FIXED_LEN; len++)
        cr_assert_eq(modem_decode(p, len, &m), len == 0 ? PROTO_ERR_TRUNCATED
                                                        : (p[0] != MODEM_VERSION
                                                               ? PROTO_ERR_BAD_VERSION
                                                               : PROTO_ERR_TRUNCATED),
                     "cut to %zu", len);
    p[17] = 6; /* SF6 is not a LoRa EU868 rate */
    cr_assert_eq(modem_decode(p, n, &m), PROTO_ERR_OUT_OF_RANGE);
    p[17] = 9;
    p[19] = 200; /* bandwidth 125 -> 200 kHz */
    cr_assert_eq(modem_decode(p, n, &m), PROTO_ERR_OUT_OF_RANGE);
    p[19] = 125;
    p[1] = 9;
    cr_assert_eq(modem_decode(p, n, &m), PROTO_ERR_BAD_TYPE);
    p[1] = MODEM_RX;
    p[0] = 2;
    cr_assert_eq(modem_decode(p, n, &m), PROTO_ERR_BAD_VERSION);

    n = hex2bin(VEC_STATUS_PAYLOAD, p, sizeof p);
    p[n] = 0;
    cr_assert_eq(modem_decode(p, n + 1, &m), PROTO_ERR_TOO_LONG);
    cr_assert_eq(modem_decode(p, n - 1, &m), PROTO_ERR_TRUNCATED);
    n = hex2bin(VEC_TX_DONE_PAYLOAD, p, sizeof p);
    p[4] = MODEM_TX_STATUS_COUNT;
    cr_assert_eq(modem_decode(p, n, &m), PROTO_ERR_OUT_OF_RANGE);
    n = hex2bin(VEC_TX_PAYLOAD, p, sizeof p);
    p[20] = 1;
    cr_assert_eq(modem_decode(p, n, &m), PROTO_ERR_RESERVED);
}

Test(modem, reproduces_the_documented_tx_of_the_ack_to_the_rx_vector)
{
    uint8_t p[SERIAL_PAYLOAD_MAX];
    size_t n;
    struct modem_msg m;
    memset(&m, 0, sizeof m);
    m.type = MODEM_TX;
    m.u.tx.seq = 513;
    m.u.tx.tx_at_ms = VEC_RX_ACK_TX_AT_MS;
    m.u.tx.freq_hz = 869525000u;
    m.u.tx.sf = 9;
    m.u.tx.bw_kHz = 125;
    m.u.tx.power_dBm = 14;
    m.u.tx.len = (uint8_t)hex2bin(VEC_RX_ACK, m.u.tx.frame, sizeof m.u.tx.frame);
    cr_assert_eq(VEC_RX_ACK_TX_AT_MS % 1000, 0, "§3.1: the ack starts on a whole second");
    cr_assert_eq(modem_encode(&m, p, sizeof p, &n), PROTO_OK);
    assert_bytes_hex(p, n, VEC_RX_ACK_TX_PAYLOAD);
    assert_payload_frames_to(VEC_RX_ACK_TX_PAYLOAD, VEC_RX_ACK_TX_WIRE);
}

/* §7.2's order of checks: version, type, length, reserved, ranges. */
Test(modem, checks_in_the_documented_order)
{
    uint8_t p[SERIAL_PAYLOAD_MAX];
    size_t n = hex2bin(VEC_RX_PAYLOAD, p, sizeof p);
    struct modem_msg m;
    cr_assert_eq(modem_decode(p, MODEM_RX_FIXED_LEN, &m), PROTO_ERR_TRUNCATED,
                 "an RX with n = 0 is truncated");
    p[17] = 13;
    cr_assert_eq(modem_decode(p, MODEM_RX_FIXED_LEN, &m), PROTO_ERR_TRUNCATED,
                 "length before ranges");
    p[1] = 9;
    cr_assert_eq(modem_decode(p, 3, &m), PROTO_ERR_BAD_TYPE, "type before length");
    p[0] = 2;
    cr_assert_eq(modem_decode(p, n, &m), PROTO_ERR_BAD_VERSION, "version first");
    n = hex2bin(VEC_TX_PAYLOAD, p, sizeof p);
    p[20] = 1;
    p[16] = 13;
    cr_assert_eq(modem_decode(p, n, &m), PROTO_ERR_RESERVED, "reserved before ranges");
}

/* The serial reader */

static int feed(struct serial_reader *r, const uint8_t *b, size_t n, uint8_t *last,
                size_t *last_len, int *errors)
{
    size_t i;
    int good = 0;
    for (i = 0; i < n; i++) {
        const uint8_t *p;
        size_t len;
        int rc = serial_reader_push(r, b[i], &p, &len);
        if (rc == 1) {
            good++;
            memcpy(last, p, len);
            *last_len = len;
        } else if (rc < 0) {
            (*errors)++;
        }
    }
    return good;
}

Test(serial_reader, finds_the_next_good_frame_after_garbage)
{
    uint8_t wire[SERIAL_WIRE_MAX], garbage[1000], got[SERIAL_PAYLOAD_MAX];
    size_t wn = hex2bin(VEC_RX_WIRE, wire, sizeof wire), gl, i;
    struct serial_reader r;
    int errors = 0;
    unsigned seed = 12345;
    for (i = 0; i < sizeof garbage; i++) {
        seed = seed * 1103515245u + 12345u;
        garbage[i] = (uint8_t)(seed >> 16);
    }
    serial_reader_init(&r);
    cr_assert_eq(feed(&r, garbage, sizeof garbage, got, &gl, &errors), 0,
                 "random bytes never make a frame");
    cr_assert_gt(errors, 0, "garbage is reported, not silently taken");
    cr_assert_eq(feed(&r, wire, wn, got, &gl, &errors), 1);
    assert_bytes_hex(got, gl, VEC_RX_PAYLOAD);
}

Test(serial_reader, reports_each_bad_frame_by_reason)
{
    uint8_t wire[SERIAL_WIRE_MAX], got[SERIAL_PAYLOAD_MAX];
    size_t wn = hex2bin(VEC_STATUS_WIRE, wire, sizeof wire), i;
    struct serial_reader r;
    const uint8_t *p;
    size_t len;
    int rc = 0;
    serial_reader_init(&r);
    wire[6] ^= 0x01; /* a data byte: CRC catches it */
    for (i = 0; i < wn; i++)
        rc = serial_reader_push(&r, wire[i], &p, &len);
    cr_assert_eq(rc, PROTO_ERR_BAD_CRC);
    /* a code byte pointing past the delimiter */
    {
        static const uint8_t bad[] = {0x09, 0x01, 0x00};
        for (i = 0; i < sizeof bad; i++)
            rc = serial_reader_push(&r, bad[i], &p, &len);
        cr_assert_eq(rc, PROTO_ERR_BAD_COBS);
    }
    {
        static const uint8_t one[] = {0x02, 0x05, 0x00}; /* decodes to 1 byte */
        for (i = 0; i < sizeof one; i++)
            rc = serial_reader_push(&r, one[i], &p, &len);
        cr_assert_eq(rc, PROTO_ERR_TRUNCATED);
    }
    for (i = 0; i < SERIAL_WIRE_MAX + 10; i++)
        cr_assert_eq(serial_reader_push(&r, 0x55, &p, &len), 0);
    cr_assert_eq(serial_reader_push(&r, 0x00, &p, &len), PROTO_ERR_TOO_LONG);
    cr_assert_eq(serial_reader_push(&r, 0x00, &p, &len), 0, "empty frames are padding");
    wn = hex2bin(VEC_STATUS_WIRE, wire, sizeof wire);
    {
        int errors = 0;
        size_t gl;
        cr_assert_eq(feed(&r, wire, wn, got, &gl, &errors), 1, "in sync again");
        cr_assert_eq(errors, 0);
    }
}

Test(serial_reader, never_accepts_a_frame_with_any_single_bit_flipped)
{
    uint8_t wire[SERIAL_WIRE_MAX], got[SERIAL_PAYLOAD_MAX];
    size_t wn = hex2bin(VEC_RX_WIRE, wire, sizeof wire), bit;
    /* every bit of the frame between its two 0x00 delimiters */
    for (bit = 8; bit < (wn - 1) * 8; bit++) {
        struct serial_reader r;
        size_t gl;
        int errors = 0;
        serial_reader_init(&r);
        wire[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        cr_assert_eq(feed(&r, wire, wn, got, &gl, &errors), 0, "bit %zu flipped was accepted",
                     bit);
        cr_assert_geq(errors, 1, "bit %zu flipped went unreported", bit);
        wire[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
}

Test(serial_reader, assembles_frames_split_and_joined_arbitrarily)
{
    uint8_t stream[4 * SERIAL_WIRE_MAX], got[SERIAL_PAYLOAD_MAX];
    size_t n = 0, gl;
    struct serial_reader r;
    int errors = 0, good = 0;
    n += hex2bin(VEC_RX_WIRE, stream + n, sizeof stream - n);
    n += hex2bin(VEC_TX_DONE_WIRE, stream + n, sizeof stream - n);
    stream[n++] = 0x00; /* a resync zero between frames */
    n += hex2bin(VEC_STATUS_WIRE, stream + n, sizeof stream - n);
    serial_reader_init(&r);
    /* feed in uneven chunks, as read() returns them */
    {
        size_t at = 0, chunk = 1;
        while (at < n) {
            size_t c = chunk < n - at ? chunk : n - at;
            good += feed(&r, stream + at, c, got, &gl, &errors);
            at += c;
            chunk = chunk * 3 % 17 + 1;
        }
    }
    cr_assert_eq(good, 3);
    cr_assert_eq(errors, 0);
    assert_bytes_hex(got, gl, VEC_STATUS_PAYLOAD);
}

Test(serial_frame, refuses_a_payload_over_the_maximum)
{
    uint8_t p[SERIAL_PAYLOAD_MAX + 1], w[SERIAL_WIRE_MAX + 8];
    size_t n;
    memset(p, 0x11, sizeof p);
    cr_assert_eq(serial_frame_encode(p, sizeof p, w, sizeof w, &n), PROTO_ERR_TOO_LONG);
    cr_assert_eq(serial_frame_encode(p, SERIAL_PAYLOAD_MAX, w, SERIAL_WIRE_MAX, &n), PROTO_OK);
    cr_assert_leq(n, SERIAL_WIRE_MAX);
    cr_assert_eq(serial_frame_encode(p, SERIAL_PAYLOAD_MAX, w, n - 1, &n), PROTO_ERR_BUFFER);
}
