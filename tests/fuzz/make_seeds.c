/* make_seeds.c -- writes the seed corpora of the fuzz targets.
 *
 * usage: fuzz_make_seeds DIR
 * writes DIR/fuzz_<target>/<name> for every target; the directories must
 * exist (CMake creates them, which keeps this program free of mkdir).
 *
 * Every seed is produced by proto's own encoders, so a seed is valid for
 * the format as it is today: the fuzzers start from frames that pass the
 * CRC, the CCM tag and the record checks, and reach the code behind them.
 * A few deliberately broken inputs follow the good ones (bad CRC, garbage,
 * an overlong frame) so each error path is covered from the first run.
 * If an encoder refuses a seed, that is reported and the build fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cobs.h"
#include "crc16.h"
#include "modem.h"
#include "proto_err.h"
#include "radio.h"
#include "record.h"
#include "serial_frame.h"

extern const uint8_t fuzz_key[RADIO_KEY_LEN]; /* fuzz_key.c */
extern const uint32_t fuzz_device2;
extern const uint8_t fuzz_key2[RADIO_KEY_LEN];

/* Values of the docs/protocol.md §8 vectors, so seeds look like real
 * traffic. */
#define DEVICE 0x8C3D91F4u
#define COUNTER 0x00012345u
#define STATION 7u
#define START_MIN 2475150u
#define ACK_TIME 148509060u

static const char *out_dir;

static void must(int rc, const char *what)
{
    if (rc != PROTO_OK) {
        fprintf(stderr, "make_seeds: %s: %s\n", what, proto_strerror(rc));
        exit(1);
    }
}

static void seed(const char *target, const char *name, const uint8_t *b, size_t n)
{
    char path[1024];
    FILE *f;
    int w = snprintf(path, sizeof path, "%s/fuzz_%s/%s", out_dir, target, name);

    if (w < 0 || (size_t)w >= sizeof path) {
        fprintf(stderr, "make_seeds: path too long for %s\n", name);
        exit(1);
    }
    f = fopen(path, "wb");
    if (!f || (n > 0 && fwrite(b, 1, n, f) != n) || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* Deterministic filler, so two builds write identical seeds. Never 0x00:
 * the point of these bytes is long zero-free runs for COBS. */
static void fill(uint8_t *b, size_t n, uint32_t s)
{
    size_t i;
    for (i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        b[i] = (uint8_t)(1 + (s >> 16) % 255);
    }
}

/* A stop record like the screening vector: 17 bytes, cell and operation. */
static struct record stop_record(uint8_t activity)
{
    struct record r;
    memset(&r, 0, sizeof r);
    r.activity = activity;
    r.start_min = START_MIN;
    r.quantity = 37;
    r.duration_min = 95;
    r.zone = ZONE_MAIN_ROADS;
    r.actor = ACTOR_POLICE;
    r.cell = 0x2A17;
    r.operation = 0x1F2E;
    return r;
}

static struct record admin_record(uint8_t activity)
{
    struct record r;
    memset(&r, 0, sizeof r);
    r.activity = activity;
    r.start_min = START_MIN;
    r.cell = RECORD_CELL_NONE;
    if (activity == ACT_ADMIN_VOID) {
        r.void_counter = COUNTER - 1;
    } else {
        r.oldest_unacked = COUNTER - 5;
        r.queue_depth = 6;
    }
    return r;
}

/* Every activity, once plain (13 bytes or the admin size) and once with
 * every field at its largest, so each table row and each layout is seeded. */
static void record_seeds(void)
{
    const struct record_activity_info *info;
    uint8_t buf[RECORD_MAX_LEN];
    size_t i, n;
    char name[64];

    for (i = 0; (info = record_activity_at(i)) != NULL; i++) {
        struct record r;
        if (record_category(info->code) == CAT_ADMIN) {
            r = admin_record(info->code);
            r.clock_unset = 1;
        } else {
            r = stop_record(info->code);
            r.cell = RECORD_CELL_NONE;
            r.operation = 0;
        }
        must(record_encode(&r, buf, sizeof buf, &n), info->name);
        snprintf(name, sizeof name, "%02x_plain", info->code);
        seed("record_decode", name, buf, n);

        if (record_category(info->code) == CAT_ADMIN)
            continue;
        r = stop_record(info->code);
        r.result = (uint8_t)(info->result_count - 1);
        r.action = ACTION_COUNT - 1;
        r.side = SIDE_ALL;
        r.clock_unset = 1;
        r.quantity = RECORD_QUANTITY_MAX;
        r.duration_min = RECORD_DURATION_MAX;
        r.zone = ZONE_COUNT - 1;
        r.actor = ACTOR_COUNT - 1;
        r.cell = 0xFFFE;
        r.operation = 0xFFFF;
        must(record_encode(&r, buf, sizeof buf, &n), info->name);
        snprintf(name, sizeof name, "%02x_full", info->code);
        seed("record_decode", name, buf, n);
    }
}

/* reference(4) || sealed uplink, in the layout fuzz_radio_open reads. */
static void uplink_seed(const char *name, uint32_t reference, uint32_t counter,
                        const struct record *r)
{
    uint8_t b[4 + RADIO_UPLINK_MAX_LEN];
    size_t n;
    b[0] = (uint8_t)(reference >> 24);
    b[1] = (uint8_t)(reference >> 16);
    b[2] = (uint8_t)(reference >> 8);
    b[3] = (uint8_t)reference;
    must(radio_uplink_seal(fuzz_key, DEVICE, counter, r, b + 4, sizeof b - 4, &n), name);
    seed("radio_open", name, b, 4 + n);
}

static size_t ack_frame(uint8_t *out, size_t cap, uint32_t acked)
{
    struct radio_ack a;
    size_t n;
    a.device = DEVICE;
    a.station = STATION;
    a.station_time = ACK_TIME;
    a.acked = acked;
    must(radio_ack_seal(fuzz_key, &a, out, cap, &n), "ack");
    return n;
}

static void radio_seeds(void)
{
    struct record r = stop_record(ACT_ALCOHOL_SCREENING);
    uint8_t b[4 + RADIO_ACK_LEN];

    /* 17-byte record at the vector's counter, reference equal and behind */
    uplink_seed("uplink_17", COUNTER, COUNTER, &r);
    uplink_seed("uplink_17_behind", COUNTER - 300, COUNTER, &r);
    /* low bits wrapped past the reference's 64 Ki block, and the first
     * counter a device ever sends */
    uplink_seed("uplink_wrap", 0x0001FFF0u, 0x00020003u, &r);
    uplink_seed("uplink_first", 0, 1, &r);
    r.operation = 0;
    uplink_seed("uplink_15", COUNTER, COUNTER, &r);
    r.cell = RECORD_CELL_NONE;
    uplink_seed("uplink_13", COUNTER, COUNTER, &r);
    r = admin_record(ACT_ADMIN_VOID);
    uplink_seed("uplink_void", COUNTER, COUNTER, &r);
    r = admin_record(ACT_ADMIN_HEARTBEAT);
    uplink_seed("uplink_heartbeat", COUNTER, COUNTER, &r);

    memset(b, 0, 4); /* the reference plays no part in an ack */
    seed("radio_open", "ack", b, 4 + ack_frame(b + 4, sizeof b - 4, COUNTER));
}

/* Append one framed modem message to a wire buffer. */
static size_t put_msg(uint8_t *wire, size_t at, size_t cap, const struct modem_msg *m)
{
    uint8_t payload[MODEM_MSG_MAX];
    size_t n, w;
    must(modem_encode(m, payload, sizeof payload, &n), "modem_encode");
    must(serial_frame_encode(payload, n, wire + at, cap - at, &w), "serial_frame_encode");
    return at + w;
}

/* A bare modem message: fuzz_serial_reader also reads its input as one
 * frame's payload and gives it to modem_decode directly. */
static void payload_seed(const char *name, const struct modem_msg *m)
{
    uint8_t payload[MODEM_MSG_MAX];
    size_t n;
    must(modem_encode(m, payload, sizeof payload, &n), name);
    seed("serial_reader", name, payload, n);
}

/* The framed form of payload with its CRC spoiled: COBS-valid, wrong CRC. */
static size_t put_bad_crc(uint8_t *wire, size_t at, size_t cap, const struct modem_msg *m)
{
    uint8_t buf[MODEM_MSG_MAX + SERIAL_CRC_LEN];
    size_t n, w;
    uint16_t crc;
    must(modem_encode(m, buf, sizeof buf, &n), "modem_encode");
    crc = (uint16_t)(crc16(buf, n) ^ 0x0101u);
    buf[n] = (uint8_t)(crc >> 8);
    buf[n + 1] = (uint8_t)crc;
    must(cobs_encode(buf, n + SERIAL_CRC_LEN, wire + at, cap - at - 1, &w), "cobs_encode");
    wire[at + w] = 0x00;
    return at + w + 1;
}

static void serial_seeds(void)
{
    static uint8_t wire[8 * SERIAL_WIRE_MAX];
    struct modem_msg rx, rx_max, tx, done, status;
    struct record rec = stop_record(ACT_ALCOHOL_SCREENING);
    size_t n, at;

    memset(&rx, 0, sizeof rx);
    rx.type = MODEM_RX;
    rx.u.rx.rx_time_ms = 1726345860000ull;
    rx.u.rx.freq_hz = 869525000u;
    rx.u.rx.rssi_dBm = -97;
    rx.u.rx.snr_qdB = -29;
    rx.u.rx.sf = 9;
    rx.u.rx.bw_kHz = 125;
    rx.u.rx.cr = 5;
    must(radio_uplink_seal(fuzz_key, DEVICE, COUNTER, &rec, rx.u.rx.frame,
                           sizeof rx.u.rx.frame, &n), "uplink");
    rx.u.rx.len = (uint8_t)n;

    /* The largest RX: a 255-byte frame with no zero in it, so COBS must
     * split runs longer than 254 bytes. */
    rx_max = rx;
    rx_max.u.rx.len = MODEM_FRAME_MAX;
    fill(rx_max.u.rx.frame, MODEM_FRAME_MAX, 1);

    memset(&tx, 0, sizeof tx);
    tx.type = MODEM_TX;
    tx.u.tx.seq = 258;
    tx.u.tx.tx_at_ms = 1726345861000ull;
    tx.u.tx.freq_hz = 869525000u;
    tx.u.tx.sf = 9;
    tx.u.tx.bw_kHz = 125;
    tx.u.tx.power_dBm = 14;
    tx.u.tx.len = (uint8_t)ack_frame(tx.u.tx.frame, sizeof tx.u.tx.frame, COUNTER);

    memset(&done, 0, sizeof done);
    done.type = MODEM_TX_DONE;
    done.u.tx_done.seq = 258;
    done.u.tx_done.status = MODEM_TX_DUTY_CYCLE;

    memset(&status, 0, sizeof status);
    status.type = MODEM_STATUS;
    status.u.status.uptime_s = 3600;
    status.u.status.rx_frames = 120;
    status.u.status.rx_crc_errors = 3;
    status.u.status.tx_frames = 40;

    /* Each message alone, with the leading 0x00 writers may send. */
    wire[0] = 0x00;
    seed("serial_reader", "rx", wire, put_msg(wire, 1, sizeof wire, &rx));
    seed("serial_reader", "rx_max", wire, put_msg(wire, 1, sizeof wire, &rx_max));
    seed("serial_reader", "tx", wire, put_msg(wire, 1, sizeof wire, &tx));
    seed("serial_reader", "tx_done", wire, put_msg(wire, 1, sizeof wire, &done));
    seed("serial_reader", "status", wire, put_msg(wire, 1, sizeof wire, &status));

    payload_seed("payload_rx", &rx);
    payload_seed("payload_rx_max", &rx_max);
    payload_seed("payload_tx", &tx);
    payload_seed("payload_tx_done", &done);
    payload_seed("payload_status", &status);

    /* A session: one of each, back to back. */
    at = put_msg(wire, 0, sizeof wire, &status);
    at = put_msg(wire, at, sizeof wire, &rx);
    at = put_msg(wire, at, sizeof wire, &tx);
    at = put_msg(wire, at, sizeof wire, &done);
    seed("serial_reader", "session", wire, at);

    /* Recovery: line noise, a frame with a bad CRC, a frame too long for
     * the reader, each followed by a good frame. */
    fill(wire, 40, 2);
    wire[40] = 0x00;
    seed("serial_reader", "garbage_then_rx", wire, put_msg(wire, 41, sizeof wire, &rx));
    at = put_bad_crc(wire, 0, sizeof wire, &rx);
    seed("serial_reader", "bad_crc_then_status", wire, put_msg(wire, at, sizeof wire, &status));
    fill(wire, SERIAL_WIRE_MAX + 1, 3);
    wire[SERIAL_WIRE_MAX + 1] = 0x00;
    seed("serial_reader", "overlong_then_rx", wire,
         put_msg(wire, SERIAL_WIRE_MAX + 2, sizeof wire, &rx));
}

/* fuzz_modem_station: what a modem sends a gateway whose station has just
 * loaded its key file (so every device's reference is 0): RX messages
 * carrying frames sealed with the devices' real keys, at counters a new
 * station accepts, then a duplicate, a heartbeat, a frame under the other
 * device's key, and the modem's TX_DONE and STATUS between them. */
static void station_rx(struct modem_msg *m, uint32_t device, const uint8_t *key, uint32_t counter,
                       const struct record *r, uint64_t t_ms)
{
    size_t n;
    memset(m, 0, sizeof *m);
    m->type = MODEM_RX;
    m->u.rx.rx_time_ms = t_ms;
    m->u.rx.freq_hz = 869525000u;
    m->u.rx.rssi_dBm = -101;
    m->u.rx.snr_qdB = -12;
    m->u.rx.sf = 9;
    m->u.rx.bw_kHz = 125;
    m->u.rx.cr = 5;
    must(radio_uplink_seal(key, device, counter, r, m->u.rx.frame, sizeof m->u.rx.frame, &n),
         "station uplink");
    m->u.rx.len = (uint8_t)n;
}

static void modem_station_seeds(void)
{
    static uint8_t wire[16 * SERIAL_WIRE_MAX];
    struct modem_msg m;
    struct record rec = stop_record(ACT_ALCOHOL_SCREENING), hb = admin_record(ACT_ADMIN_HEARTBEAT);
    const uint64_t t0 = 1726345860000ull;
    size_t at = 0;
    uint32_t c;

    for (c = 1; c <= 3; c++) {
        station_rx(&m, DEVICE, fuzz_key, c, &rec, t0 + c * 7000u);
        at = put_msg(wire, at, sizeof wire, &m);
    }
    seed("modem_station", "three_records", wire, at);

    station_rx(&m, DEVICE, fuzz_key, 2, &rec, t0 + 30000u); /* a resend */
    at = put_msg(wire, at, sizeof wire, &m);
    station_rx(&m, DEVICE, fuzz_key, 4, &hb, t0 + 40000u);
    at = put_msg(wire, at, sizeof wire, &m);
    station_rx(&m, fuzz_device2, fuzz_key2, 1, &rec, t0 + 41000u);
    at = put_msg(wire, at, sizeof wire, &m);
    memset(&m, 0, sizeof m);
    m.type = MODEM_TX_DONE;
    m.u.tx_done.seq = 1;
    m.u.tx_done.status = MODEM_TX_SENT;
    at = put_msg(wire, at, sizeof wire, &m);
    station_rx(&m, fuzz_device2, fuzz_key, 2, &rec, t0 + 50000u); /* the wrong key */
    at = put_msg(wire, at, sizeof wire, &m);
    seed("modem_station", "session", wire, at);

    /* a device far into its counters: a new station cannot place it */
    station_rx(&m, DEVICE, fuzz_key, COUNTER, &rec, t0);
    seed("modem_station", "high_counter", wire, put_msg(wire, 0, sizeof wire, &m));
}

/* fuzz_cobs reads its input both as encoded and as raw bytes, so seed
 * both: raw shapes around the 254-byte block edge, and their encodings. */
static void cobs_seeds(void)
{
    static uint8_t raw[600], enc[COBS_MAX_ENCODED(sizeof raw)];
    static const size_t sizes[] = {0, 1, 253, 254, 255, 508, 509};
    size_t i, n;
    char name[64];

    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        fill(raw, sizes[i], (uint32_t)(10 + i));
        snprintf(name, sizeof name, "raw_%u", (unsigned)sizes[i]);
        seed("cobs", name, raw, sizes[i]);
        must(cobs_encode(raw, sizes[i], enc, sizeof enc, &n), "cobs_encode");
        snprintf(name, sizeof name, "enc_%u", (unsigned)sizes[i]);
        seed("cobs", name, enc, n);
    }
    /* zeros at the start, end and in a row */
    fill(raw, 300, 20);
    raw[0] = raw[100] = raw[101] = raw[254] = raw[299] = 0x00;
    seed("cobs", "raw_zeros", raw, 300);
    must(cobs_encode(raw, 300, enc, sizeof enc, &n), "cobs_encode");
    seed("cobs", "enc_zeros", enc, n);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    record_seeds();
    radio_seeds();
    serial_seeds();
    modem_station_seeds();
    cobs_seeds();
    return 0;
}
