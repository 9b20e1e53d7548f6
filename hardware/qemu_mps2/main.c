/* main.c -- the handheld firmware on an emulated Cortex-M4, end to end.
 *
 * One image, run under QEMU in CI (scripts/firmware.sh):
 *   qemu-system-arm -M mps2-an386 -icount shift=0 \
 *       -semihosting-config enable=on,target=native -nographic \
 *       -kernel lofte-qemu-mps2.elf
 * With -icount every instruction takes 1 ns of emulated time, so a run is
 * the same run every time.
 *
 * It runs proto/ and sensors/ exactly as compiled for the boards, on
 * qemu_board.c, next to an in-image station (gateway/station.c, the very
 * rules the gateway applies), and checks, as numbered in the output:
 *   - the protocol's test vectors (docs/protocol.md §10) on the target;
 *   - provisioning (and the refusal to provision the same key twice);
 *   - logging: every record reaches the station once, the queue empties;
 *   - a power cut at every flash operation of a session, then reboot: the
 *     queue is rebuilt from flash, no stored record is lost, none is held
 *     twice, no counter carries two different records;
 *   - lost acks: retried until acked, still held once;
 *   - the drug-sales hold: not on air before its delay, also across a
 *     reboot;
 *   - the duty cycle: judged from the board's own transmission log;
 * then prints "N passed, M failed", the stack high-water mark, and exits
 * with status 0 only if nothing failed.
 *
 * Only the firmware's own state (struct handheld, the board driver, the
 * stack) sits in the 32 KiB RAM region; the station, the model of flash
 * and the test bookkeeping sit in HARNESS (qemu_board.h).
 */
#include <stdint.h>
#include <string.h>

#include "airtime.h"
#include "cobs.h"
#include "dutycycle.h"
#include "fw_crypto.h"
#include "handheld.h"
#include "modem.h"
#include "proto_err.h"
#include "qemu_board.h"
#include "radio.h"
#include "record.h"
#include "serial_frame.h"
#include "qemu_epd.h"
#include "ssd1681.h"
#include "station.h"
#include "ui.h"
#include "ui_driver.h"
#include "vectors.h"

#define DEVICE 0x5A17C0DEu
#define STATION_ID 3u
/* Unix time (ms) at which the emulated machine is reset: 2024-09-14T20:30Z */
#define UNIX_MS_AT_RESET 1726345800000ull
#define MAX_TX 1024
#define MAX_COUNTER 512
#define HOUR_US 3600000000ull

/* --- the firmware's RAM ---------------------------------------------------- */

static struct qemu_board qb;
static struct handheld hh;
static int booted;
/* the officer's interface, as on the T-Echo: the UI and the e-paper driver */
static struct ui ui;
static struct ssd1681 epd;
static int ui_on;

/* --- the harness's RAM ----------------------------------------------------- */

HARNESS static uint8_t flash_mem[QEMU_FLASH_PAGES * QEMU_FLASH_PAGE_SIZE];
HARNESS static uint8_t flash_writes[QEMU_FLASH_PAGES * QEMU_FLASH_PAGE_SIZE / 4];
HARNESS static long flash_refused;  /* over every device of the run */
HARNESS static struct qemu_epd panel;  /* the controller and its glass */
HARNESS static struct uidrv thumb;     /* the officer reading the screen */

struct tx_entry {
    uint64_t at_ms;
    uint32_t airtime_us;
    uint32_t freq_hz;
    uint32_t counter;   /* 0 if the station could not open it */
};

struct harness {
    uint8_t key[RADIO_KEY_LEN];
    struct station st;
    struct station_device devs[1];
    int station_on;
    int drop_acks, drop_uplinks;
    /* what the station holds, by counter, and what the officer logged */
    uint8_t held[MAX_COUNTER];           /* times stored as NEW (must be <= 1) */
    struct record held_rec[MAX_COUNTER];
    uint8_t logged[MAX_COUNTER];
    struct record logged_rec[MAX_COUNTER];
    long conflicts;                      /* one counter, two different records */
    long rejected;                       /* uplinks the station refused */
    /* the ack in flight */
    int ack_pending;
    uint8_t ack[RADIO_ACK_LEN];
    size_t ack_len;
    uint64_t ack_end_ms;
    long acks_delivered;
    /* the board's own transmission log */
    struct tx_entry tx[MAX_TX];
    size_t ntx;
};
HARNESS static struct harness hx;

/* --- checks ---------------------------------------------------------------- */

static uint32_t passed, failed;
static const char *current;
static int current_ok;

static void begin(const char *name)
{
    current = name;
    current_ok = 1;
}

static void end(void)
{
    qemu_board_puts(current_ok ? "ok     " : "FAILED ");
    qemu_board_puts(current);
    qemu_board_puts("\n");
    if (current_ok)
        passed++;
    else
        failed++;
}

/* Record a failed expectation (first reason per check is printed). */
static int expect(int cond, const char *what, uint32_t value)
{
    if (!cond) {
        if (current_ok) {
            qemu_board_puts("  ");
            qemu_board_puts(what);
            qemu_board_puts(" (");
            qemu_board_put_u32(value);
            qemu_board_puts(")\n");
        }
        current_ok = 0;
    }
    return cond;
}

static size_t hex2bin(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (hex[0] && hex[1] && n < cap) {
        uint8_t b = 0;
        int i;
        for (i = 0; i < 2; i++) {
            char c = hex[i];
            b = (uint8_t)(b << 4 | (c >= 'a' ? c - 'a' + 10 : c - '0'));
        }
        out[n++] = b;
        hex += 2;
    }
    return n;
}

static int same_hex(const uint8_t *b, size_t n, const char *hex)
{
    uint8_t want[160];
    size_t wn = hex2bin(hex, want, sizeof want);
    return wn == n && memcmp(b, want, n) == 0;
}

/* --- the station ----------------------------------------------------------- */

static uint64_t unix_ms(uint64_t t_ms)
{
    return UNIX_MS_AT_RESET + t_ms;
}

static int same_record(const struct record *a, const struct record *b)
{
    uint8_t x[RADIO_UPLINK_MAX_LEN], y[RADIO_UPLINK_MAX_LEN];
    size_t nx, ny;
    return record_encode(a, x, sizeof x, &nx) == PROTO_OK &&
           record_encode(b, y, sizeof y, &ny) == PROTO_OK && nx == ny && !memcmp(x, y, nx);
}

static void on_send(void *ctx, struct qemu_board *b, const uint8_t *frame, size_t len,
                    const struct board_radio_params *p, uint64_t at_ms)
{
    struct harness *h = ctx;
    struct station_device *d;
    struct record rec;
    struct tx_entry *t;
    uint32_t c = 0, ack_us;
    int64_t second, sent_s;
    int v;
    (void)b;

    if (h->ntx < MAX_TX) {
        t = &h->tx[h->ntx++];
        t->at_ms = at_ms;
        t->airtime_us = airtime_us(p->sf, p->bw_kHz, HANDHELD_CODING_RATE, (uint16_t)len);
        t->freq_hz = p->freq_hz;
        t->counter = 0;
    } else {
        t = NULL;
    }
    if (!h->station_on)
        return;
    if (h->drop_uplinks > 0) {
        h->drop_uplinks--;
        return;
    }
    v = station_open(&h->st, frame, len, &d, &c, &rec);
    if (v < 0) {
        h->rejected++;
        return;
    }
    if (t)
        t->counter = c;
    if (c < MAX_COUNTER) {
        if (h->held[c] && !same_record(&h->held_rec[c], &rec))
            h->conflicts++;
        if (v == STATION_NEW) {
            if (h->held[c] < 255)
                h->held[c]++;
            h->held_rec[c] = rec;
        }
    }
    station_mark_held(d, c);
    if (rec.activity == ACT_ADMIN_HEARTBEAT)
        station_heartbeat(d, c, &rec);
    /* the ack, at the first whole second at least 1 s after the uplink
     * ended (§6.2), stamped with that second */
    second = station_ack_second((int64_t)unix_ms(at_ms + (h->tx[h->ntx - 1].airtime_us + 999u) / 1000u));
    if (station_make_ack(&h->st, d, second, h->ack, sizeof h->ack, &h->ack_len, &sent_s) !=
        PROTO_OK)
        return;
    if (h->drop_acks > 0) {
        h->drop_acks--;
        return;
    }
    ack_us = airtime_us(p->sf, p->bw_kHz, HANDHELD_CODING_RATE, (uint16_t)h->ack_len);
    h->ack_pending = 1;
    h->ack_end_ms = (uint64_t)sent_s * 1000u - UNIX_MS_AT_RESET + (ack_us + 999u) / 1000u;
}

/* --- driving the handheld -------------------------------------------------- */

/* Run the handheld (and the station's acks) until time t, or until the
 * power fails. */
static void run_until(uint64_t t)
{
    uint64_t now;
    while ((now = qemu_board_time_ms()) < t && qb.powered) {
        uint64_t next = t;
        if (booted && ui_on) {
            /* as main_handheld.c: the UI between radio events */
            uint64_t screen = ui_poll(&ui);
            if (qb.boot_ms + screen < next)
                next = qb.boot_ms + screen;
        }
        if (booted) {
            uint64_t wake = handheld_tick(&hh);
            if (!qb.powered)
                break;
            if (wake != HANDHELD_NEVER && qb.boot_ms + wake < next)
                next = qb.boot_ms + wake;
        }
        if (hx.ack_pending && hx.ack_end_ms < next)
            next = hx.ack_end_ms;
        if (next <= now)
            next = now + 1;
        qemu_board_sleep_until(next);
        if (hx.ack_pending && hx.ack_end_ms <= qemu_board_time_ms()) {
            hx.ack_pending = 0;
            if (qemu_board_deliver(&qb, hx.ack, hx.ack_len, hx.ack_end_ms, -97, 24))
                hx.acks_delivered++;
        }
    }
    if (!qb.powered)
        booted = 0;
}

static void run_for(uint64_t ms)
{
    run_until(qemu_board_time_ms() + ms);
}

static struct record make_record(uint8_t activity, uint16_t quantity)
{
    struct record r;
    memset(&r, 0, sizeof r);
    r.activity = activity;
    r.quantity = quantity;
    r.duration_min = 5;
    r.zone = ZONE_SKOGHALL_CENTRE;
    r.actor = ACTOR_POLICE;
    r.cell = RECORD_CELL_NONE;
    return r;
}

static struct handheld_config cfg;

/* A fresh device: erased flash, provisioned, the station knowing its key. */
static int fresh_device(uint64_t seed)
{
    size_t i;
    for (i = 0; i < RADIO_KEY_LEN; i++)
        hx.key[i] = (uint8_t)(0xA0 + i * 7 + seed);
    flash_refused += qb.refused;  /* the previous device's */
    qemu_board_init(&qb, flash_mem, flash_writes, seed, on_send, &hx);
    station_init(&hx.st, STATION_ID, hx.devs, 1);
    station_add_device(&hx.st, DEVICE, hx.key);
    hx.station_on = 1;
    hx.drop_acks = hx.drop_uplinks = 0;
    hx.ack_pending = 0;
    hx.acks_delivered = 0;
    hx.conflicts = hx.rejected = 0;
    hx.ntx = 0;
    memset(hx.held, 0, sizeof hx.held);
    memset(hx.logged, 0, sizeof hx.logged);
    handheld_config_default(&cfg);
    booted = 0;
    return handheld_provision(&qb.board, DEVICE, hx.key);
}

static int boot(void)
{
    int err = handheld_boot(&hh, &qb.board, &cfg);
    booted = err == HANDHELD_OK;
    return err;
}

static int log_record(uint8_t activity, uint16_t quantity, uint32_t *counter)
{
    struct record r = make_record(activity, quantity);
    int err = handheld_log(&hh, &r, counter);
    if (err == HANDHELD_OK && *counter < MAX_COUNTER) {
        hx.logged[*counter] = 1;
        hx.logged_rec[*counter] = r;
    }
    return err;
}

/* Every logged record held exactly once and as logged; no counter with two
 * records. Returns the number of records logged. */
static uint32_t check_every_logged_record_held_once(void)
{
    uint32_t c, n = 0;
    for (c = 1; c < MAX_COUNTER; c++) {
        if (hx.held[c] > 1 && !expect(0, "a record stored twice, counter", c))
            break;
        if (!hx.logged[c])
            continue;
        n++;
        if (!expect(hx.held[c] == 1, "logged record not held, counter", c) ||
            !expect(same_record(&hx.held_rec[c], &hx.logged_rec[c]),
                    "held record differs from the logged one, counter", c))
            break;
    }
    expect(hx.conflicts == 0, "counters carrying two different records", (uint32_t)hx.conflicts);
    return n;
}

/* --- 1. protocol test vectors (docs/protocol.md §10) ----------------------- */

static void vectors_records(void)
{
    static const char *const recs[] = {VEC_RECORD_SCREENING, VEC_RECORD_A_TRAKTOR,
                                       VEC_RECORD_VOID, VEC_RECORD_HEARTBEAT,
                                       VEC_RECORD_OUTREACH};
    uint8_t in[64], out[64];
    struct record r;
    size_t i, n, m;
    begin("vectors: records 10.1 decode and encode byte for byte");
    for (i = 0; i < sizeof recs / sizeof recs[0]; i++) {
        n = hex2bin(recs[i], in, sizeof in);
        expect(record_decode(in, n, &r) == PROTO_OK, "record vector does not decode", (uint32_t)i);
        expect(record_encode(&r, out, sizeof out, &m) == PROTO_OK && m == n &&
                   memcmp(in, out, n) == 0,
               "record vector does not re-encode", (uint32_t)i);
    }
    end();
}

static void vectors_uplink_and_ack(void)
{
    uint8_t key[RADIO_KEY_LEN], f[64], out[64];
    struct record r;
    struct radio_ack a;
    struct radio_header h;
    size_t n, m;
    begin("vectors: uplink 10.2 and ack 10.3 seal and open (mbedTLS AES-CCM on the target)");
    hex2bin(VEC_KEY, key, sizeof key);
    n = hex2bin(VEC_UPLINK, f, sizeof f);
    expect(radio_peek(f, n, &h) == PROTO_OK && h.device == VEC_DEVICE &&
               radio_counter_expand(VEC_COUNTER - 0x40u, h.counter_low) == VEC_COUNTER,
           "uplink header", 0);
    expect(radio_uplink_open(key, VEC_COUNTER, f, n, &r) == PROTO_OK, "uplink does not open", 0);
    expect(radio_uplink_seal(key, VEC_DEVICE, VEC_COUNTER, &r, out, sizeof out, &m) == PROTO_OK &&
               same_hex(out, m, VEC_UPLINK),
           "uplink does not re-seal to the vector", (uint32_t)m);
    n = hex2bin(VEC_RECORD_SCREENING, out, sizeof out);
    expect(record_encode(&r, f, sizeof f, &m) == PROTO_OK && m == n && !memcmp(f, out, n),
           "the uplink carries record R1", 0);
    n = hex2bin(VEC_ACK, f, sizeof f);
    expect(radio_ack_open(key, f, n, &a) == PROTO_OK && a.device == VEC_DEVICE &&
               a.station == VEC_STATION && a.station_time == VEC_ACK_TIME &&
               a.acked == VEC_COUNTER,
           "ack does not open to its fields", 0);
    expect(radio_ack_seal(key, &a, out, sizeof out, &m) == PROTO_OK && same_hex(out, m, VEC_ACK),
           "ack does not re-seal to the vector", 0);
    end();
}

static void vectors_rejected(void)
{
    uint8_t key[RADIO_KEY_LEN], f[64];
    struct record r;
    size_t n;
    begin("vectors: the frames of 10.5 are rejected for their reasons");
    hex2bin(VEC_KEY, key, sizeof key);
#define REJECT(stmt, len, counter, reason)                                        \
    do {                                                                          \
        n = hex2bin(VEC_UPLINK, f, sizeof f);                                     \
        stmt;                                                                     \
        expect(radio_uplink_open(key, (counter), f, (len), &r) == (reason),        \
               "10.5: " #stmt, (uint32_t)(-(reason)));                            \
    } while (0)
    REJECT(f[31] ^= 0x01, n, VEC_COUNTER, PROTO_ERR_BAD_TAG);
    REJECT((void)0, n, 0x00022345u, PROTO_ERR_BAD_TAG);
    REJECT(f[0] = 0x21, n, VEC_COUNTER, PROTO_ERR_BAD_VERSION);
    REJECT(f[0] = 0x13, n, VEC_COUNTER, PROTO_ERR_BAD_TYPE);
    REJECT(memset(f + 1, 0, 4), n, VEC_COUNTER, PROTO_ERR_OUT_OF_RANGE);
    REJECT((void)0, 26, VEC_COUNTER, PROTO_ERR_TRUNCATED);
    REJECT(f[32] = 0x00, 33, VEC_COUNTER, PROTO_ERR_TOO_LONG);
#undef REJECT
    end();
}

static void vectors_counters(void)
{
    static const uint32_t rows[][3] = {
        {0x00012300u, 0x2345u, 0x00012345u}, {0x0001FFF0u, 0x0005u, 0x00020005u},
        {0x00020005u, 0xFFF0u, 0x0001FFF0u}, {0x00050000u, 0x7FFFu, 0x00057FFFu},
        {0x00050000u, 0x8000u, 0x00048000u}, {0x00000000u, 0xFFFFu, 0x0000FFFFu},
        {0xFFFFFFF0u, 0x0005u, 0xFFFF0005u}};
    size_t i;
    begin("vectors: counter rebuilding 10.6");
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
        expect(radio_counter_expand(rows[i][0], (uint16_t)rows[i][1]) == rows[i][2],
               "10.6 row", (uint32_t)i);
    end();
}

/* 10.4: each wire frame reads back to its payload, which decodes and
 * re-encodes to itself, and frames to the wire bytes again. */
static void vectors_serial(void)
{
    static const char *const pairs[][2] = {{VEC_RX_PAYLOAD, VEC_RX_WIRE},
                                           {VEC_TX_PAYLOAD, VEC_TX_WIRE},
                                           {VEC_STATUS_PAYLOAD, VEC_STATUS_WIRE},
                                           {VEC_TX_DONE_PAYLOAD, VEC_TX_DONE_WIRE}};
    HARNESS static struct serial_reader rd;
    HARNESS static uint8_t wire[SERIAL_WIRE_MAX], out[SERIAL_WIRE_MAX];
    struct modem_msg m;
    const uint8_t *payload = NULL;
    size_t i, j, n, plen = 0, olen;
    int got;
    begin("vectors: serial frames 10.4 and COBS 10.7");
    for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        n = hex2bin(pairs[i][1], wire, sizeof wire);
        serial_reader_init(&rd);
        got = 0;
        for (j = 0; j < n && got == 0; j++)
            got = serial_reader_push(&rd, wire[j], &payload, &plen);
        if (!expect(got == 1 && same_hex(payload, plen, pairs[i][0]), "wire to payload",
                    (uint32_t)i))
            continue;
        expect(modem_decode(payload, plen, &m) == PROTO_OK &&
                   modem_encode(&m, out, sizeof out, &olen) == PROTO_OK &&
                   same_hex(out, olen, pairs[i][0]),
               "payload decode and encode", (uint32_t)i);
        expect(serial_frame_encode(out, olen, wire, sizeof wire, &n) == PROTO_OK &&
                   same_hex(wire, n, pairs[i][1]),
               "payload to wire", (uint32_t)i);
    }
    n = hex2bin("11220033", wire, sizeof wire);
    expect(cobs_encode(wire, n, out, sizeof out, &olen) == PROTO_OK &&
               same_hex(out, olen, "0311220233"),
           "10.7 11 22 00 33", 0);
    for (j = 0; j < 254; j++)
        wire[j] = (uint8_t)(j + 1);
    expect(cobs_encode(wire, 254, out, sizeof out, &olen) == PROTO_OK && olen == 255 &&
               out[0] == 0xFF && !memcmp(out + 1, wire, 254),
           "10.7 254 bytes", (uint32_t)olen);
    wire[254] = 0xFF;
    expect(cobs_encode(wire, 255, out, sizeof out, &olen) == PROTO_OK && olen == 257 &&
               out[255] == 0x02 && out[256] == 0xFF,
           "10.7 255 bytes", (uint32_t)olen);
    end();
}

/* --- 2. provisioning ------------------------------------------------------- */

static void provisioning(void)
{
    begin("provisioning: a provisioned device boots; the same key again is refused");
    expect(fresh_device(1) == HANDHELD_OK, "provision", 0);
    expect(boot() == HANDHELD_OK, "boot", 0);
    expect(handheld_queue_depth(&hh) == 0, "queue empty", (uint32_t)handheld_queue_depth(&hh));
    expect(handheld_provision(&qb.board, DEVICE, hx.key) == HANDHELD_ERR_REKEY,
           "same key provisioned twice", 0);
    qemu_board_init(&qb, flash_mem, flash_writes, 2, on_send, &hx);
    expect(handheld_boot(&hh, &qb.board, &cfg) == HANDHELD_ERR_NOT_PROVISIONED,
           "an erased device boots as provisioned", 0);
    end();
}

/* --- 3. logging ------------------------------------------------------------ */

static void logging(void)
{
    uint32_t c, i, n;
    struct handheld_stats st;
    begin("logging: 40 records reach the station once each and the queue empties");
    fresh_device(3);
    boot();
    run_for(10000);
    for (i = 0; i < 40; i++) {
        expect(log_record(i % 2 ? ACT_ALCOHOL_SCREENING : ACT_PRESENCE_FOOT_PATROL,
                          (uint16_t)(i + 1), &c) == HANDHELD_OK,
               "log", i);
        run_for(45000);
    }
    run_for(3600000);
    n = check_every_logged_record_held_once();
    expect(n == 40, "records logged", n);
    expect(handheld_queue_depth(&hh) == 0, "queue depth", (uint32_t)handheld_queue_depth(&hh));
    expect(handheld_clock_known(&hh), "the acks set the clock", 0);
    handheld_stats(&hh, &st);
    expect(st.acks_rejected == 0 && hx.rejected == 0, "rejections", (uint32_t)hx.rejected);
    end();
}

/* --- 4. power cuts at every flash operation -------------------------------- */

/* The session a cut interrupts: 8 records over a few minutes while the
 * station answers, one while it is away, then acks. Returns flash ops. */
static long session(void)
{
    uint32_t c, i;
    for (i = 0; i < 8 && qb.powered && booted; i++) {
        log_record(i == 3 ? ACT_YOUTH_OUTREACH : ACT_VEHICLE_MOPED_CLASS1, (uint16_t)(i + 1), &c);
        run_for(i % 3 == 0 ? 2000 : 40000);
    }
    return qb.flash_ops_done;
}

/* After a boot: every record the officer was told is stored and the
 * station does not hold yet is in the rebuilt queue index. */
static int queue_holds_every_record_not_yet_held(void)
{
    uint32_t c;
    size_t i;
    for (c = 1; c < MAX_COUNTER; c++) {
        int found = 0;
        if (!hx.logged[c] || hx.held[c])
            continue;
        for (i = 0; i < hh.outbox.count && !found; i++)
            found = hh.outbox.entries[i].counter == c;
        if (!found)
            return 0;
    }
    return 1;
}

static void power_cuts(void)
{
    long ops, k, cuts = 0, recuts = 0;
    uint64_t t0;
    uint32_t n;
    begin("power cuts: at every flash operation of a session, reboot, queue rebuilt, "
          "nothing lost or doubled");
    /* how many flash operations an uncut session makes */
    fresh_device(4);
    boot();
    t0 = qb.flash_ops_done;
    ops = session() - (long)t0;
    expect(ops > 20, "flash operations in a session", (uint32_t)ops);
    for (k = 1; k <= ops && current_ok; k++) {
        fresh_device(100 + (uint64_t)k);
        boot();
        qemu_board_cut_at(&qb, k);
        session();
        if (!qb.powered)
            cuts++;
        /* Power on, and for every other cut point cut again during the
         * boot (its repair writes flash) or just after: a second cut
         * before the first one's repair is done. */
        qemu_board_power_on(&qb);
        if (k % 2) {
            qemu_board_cut_at(&qb, 1 + k % 5);
            if (boot() == HANDHELD_OK)
                session();
            if (!qb.powered)
                recuts++;
            qemu_board_power_on(&qb);
        }
        if (!expect(boot() == HANDHELD_OK, "boot after the cut at op", (uint32_t)k))
            break;
        expect(queue_holds_every_record_not_yet_held(), "queue rebuilt at boot, cut at op",
               (uint32_t)k);
        session();
        run_for(4u * 3600000u);
        n = check_every_logged_record_held_once();
        expect(n >= 8, "records stored across the cut", n);
        expect(handheld_queue_depth(&hh) == 0, "queue left after the cut at op", (uint32_t)k);
    }
    expect(cuts == ops, "sessions actually cut", (uint32_t)cuts);
    expect(recuts >= ops / 2 - 1, "reboots actually cut", (uint32_t)recuts);
    qemu_board_puts("  power cuts: ");
    qemu_board_put_u32((uint32_t)cuts);
    qemu_board_puts(" cut points, ");
    qemu_board_put_u32((uint32_t)recuts);
    qemu_board_puts(" of them cut again while rebooting\n");
    end();
}

/* --- 5. lost acks ---------------------------------------------------------- */

static void lost_acks(void)
{
    uint32_t c, sends = 0;
    size_t i;
    struct handheld_stats st;
    begin("lost acks: a record whose acks are lost is retried, then held once");
    fresh_device(5);
    boot();
    run_for(120000);  /* the boot heartbeat is out (after the boot's time-off) and acked */
    expect(handheld_clock_known(&hh), "the boot heartbeat was acked", 0);
    hx.drop_acks = 4;
    log_record(ACT_GUARD_HARBOUR, 2, &c);
    run_for(2u * 3600000u);
    for (i = 0; i < hx.ntx; i++)
        if (hx.tx[i].counter == c)
            sends++;
    expect(sends == 5, "transmissions of the record (4 acks lost)", sends);
    handheld_stats(&hh, &st);
    expect(st.retries >= 4, "retries", st.retries);
    expect(check_every_logged_record_held_once() == 1, "records", 0);
    expect(handheld_queue_depth(&hh) == 0, "queue", (uint32_t)handheld_queue_depth(&hh));
    end();
}

/* --- 6. the drug-sales hold ------------------------------------------------ */

static uint64_t first_send_of(uint32_t c)
{
    size_t i;
    for (i = 0; i < hx.ntx; i++)
        if (hx.tx[i].counter == c)
            return hx.tx[i].at_ms;
    return 0;
}

static void drug_sales(void)
{
    uint32_t d, n;
    uint64_t t0, at;
    begin("drug sales: held for its delay, also across a reboot, then acked with the rest");
    fresh_device(6);
    cfg.drug_sales_delay_s = 600;
    boot();
    run_for(60000);
    t0 = qemu_board_time_ms();
    log_record(ACT_YOUTH_DRUG_SALES, 1, &d);
    log_record(ACT_YOUTH_OUTREACH, 3, &n);
    run_until(t0 + 100000);
    expect(first_send_of(n) != 0, "the other record went out at once", 0);
    /* a reboot in the middle: the hold is in flash */
    qemu_board_power_on(&qb);
    boot();
    run_until(t0 + 599000);
    expect(first_send_of(d) == 0, "on air before its delay", 0);
    run_until(t0 + 700000);
    at = first_send_of(d);
    expect(at >= t0 + 600000, "first sent (ms after logging)", (uint32_t)(at - t0));
    expect(check_every_logged_record_held_once() == 2, "records", 0);
    expect(handheld_queue_depth(&hh) == 0, "queue", (uint32_t)handheld_queue_depth(&hh));
    end();
}

/* --- 7. the duty cycle ----------------------------------------------------- */

/* The most air time of one band in any hour, from the transmission log:
 * windows ending where a transmission ends are where the maximum lies. */
static uint64_t worst_hour_us(void)
{
    size_t i, j;
    uint64_t worst = 0;
    for (j = 0; j < hx.ntx; j++) {
        uint64_t we = hx.tx[j].at_ms * 1000u + hx.tx[j].airtime_us;
        uint64_t ws = we > HOUR_US ? we - HOUR_US : 0, sum = 0;
        for (i = 0; i <= j; i++) {
            uint64_t s = hx.tx[i].at_ms * 1000u, e = s + hx.tx[i].airtime_us;
            if (e <= ws)
                continue;
            sum += e - (s > ws ? s : ws);
        }
        if (sum > worst)
            worst = sum;
    }
    return worst;
}

static void duty_cycle(void)
{
    uint32_t c, i;
    size_t k;
    uint64_t worst;
    begin("duty cycle: retries at a 1 s base with no station stay within 1 % per hour "
          "and 99x time-off");
    fresh_device(7);
    cfg.uplink.sf = 12;   /* long frames: the budget binds */
    cfg.retry_base_ms = 1000;
    cfg.retry_max_ms = 2000;
    boot();
    hx.station_on = 0;
    for (i = 0; i < 6; i++)
        log_record(ACT_TRAFFIC_CHECKPOINT, (uint16_t)(i + 1), &c);
    run_for(3u * 3600000u);
    expect(hx.ntx > 20, "transmissions", (uint32_t)hx.ntx);
    for (k = 1; k < hx.ntx; k++) {
        uint64_t gap_us = (hx.tx[k].at_ms - hx.tx[k - 1].at_ms) * 1000u;
        if (!expect(gap_us >= 100u * (uint64_t)hx.tx[k - 1].airtime_us,
                    "time-off after a transmission (ms)", (uint32_t)(gap_us / 1000u)))
            break;
    }
    worst = worst_hour_us();
    expect(worst <= 36000000u, "worst hour's air time (us)", (uint32_t)worst);
    qemu_board_puts("  duty cycle: ");
    qemu_board_put_u32((uint32_t)hx.ntx);
    qemu_board_puts(" uplinks in 3 h at SF12, worst hour ");
    qemu_board_put_u32((uint32_t)(worst / 1000u));
    qemu_board_puts(" ms of air\n");
    end();
}

/* --- a benchmark, not a check: the cost of sealing on the target ---------- */

/* Emulated time per uplink sealed and opened again. Under -icount shift=0
 * one instruction is one nanosecond, so this is instructions per frame
 * (a real nRF52840 at 64 MHz needs fewer cycles per instruction than 1 ns
 * suggests is not claimed: it is an instruction count, not a clock). */
static void bench_seal(void)
{
    uint8_t key[RADIO_KEY_LEN], f[RADIO_UPLINK_MAX_LEN];
    struct record r = make_record(ACT_ALCOHOL_SCREENING, 3), got;
    size_t n;
    uint32_t i, ok = 0;
    uint64_t t0, t1;
    hex2bin(VEC_KEY, key, sizeof key);
    t0 = qemu_board_time_ms();
    for (i = 1; i <= 10000; i++)
        ok += radio_uplink_seal(key, DEVICE, i, &r, f, sizeof f, &n) == PROTO_OK;
    t1 = qemu_board_time_ms();
    for (i = 1; i <= 10000; i++)
        ok += radio_uplink_open(key, 10000, f, n, &got) == PROTO_OK;
    /* 10,000 frames in t ms: t * 100 ns each */
    qemu_board_puts("bench: seal ");
    qemu_board_put_u32((uint32_t)(t1 - t0) * 100u);
    qemu_board_puts(" ns/frame, open ");
    qemu_board_put_u32((uint32_t)(qemu_board_time_ms() - t1) * 100u);
    qemu_board_puts(" ns/frame (emulated, 1 instruction = 1 ns; ");
    qemu_board_put_u32(ok);
    qemu_board_puts(" of 20000 ok)\n");
}

/* --- 8. the officer's interface --------------------------------------------- */

/* A key as the T-Echo's two buttons give it (sensors/ui.h's table), into
 * the board's button queue; then a quarter second of the main loop, which
 * hands it to the UI (ui_poll), redraws the e-paper (blocking, as the
 * board does) and sends what was logged. */
static void press_button(void *ctx, struct ui *u, enum ui_key k)
{
    uint8_t button = k == UI_KEY_NEXT || k == UI_KEY_BACK ? 0 : 1;
    uint8_t kind = k == UI_KEY_BACK || k == UI_KEY_HOME ? BOARD_BUTTON_LONG : BOARD_BUTTON_PRESS;
    (void)ctx, (void)u;
    if (k == UI_KEY_PREV || k == UI_KEY_NONE)
        return;  /* no PREV on two buttons: the thumb never asks for it */
    if (!expect(qemu_board_press(&qb, button, kind) == 0, "button queue full", 0))
        return;
    run_for(250);
}

/* The records the station holds that are not heartbeats, in counter order. */
static size_t station_records(struct record *out, uint32_t *ctr, size_t cap)
{
    uint32_t c;
    size_t n = 0;
    for (c = 1; c < MAX_COUNTER && n < cap; c++) {
        if (hx.held[c] != 1 || hx.held_rec[c].activity == ACT_ADMIN_HEARTBEAT)
            continue;
        out[n] = hx.held_rec[c];
        ctr[n++] = c;
    }
    return n;
}

static int has_ink(const uint8_t *fb)
{
    size_t i;
    for (i = 0; i < UI_FB_BYTES; i++)
        if (fb[i])
            return 1;
    return 0;
}

/* The check's own bookkeeping: in HARNESS, not on the firmware's stack. */
HARNESS static struct record ui_rec[8];
HARNESS static uint32_t ui_ctr[8];
HARNESS static char ui_receipt[32];

static void checkpoint_through_the_keys(void)
{
    struct record *rec = ui_rec;
    uint32_t *ctr = ui_ctr;
    char *receipt = ui_receipt;
    size_t n;
    int i;
    const struct ui_view *v;
    begin("ui: a checkpoint logged through the T-Echo's two buttons reaches the station "
          "as its records; the e-paper shows the receipts");
    fresh_device(17);
    boot();
    qemu_epd_init(&panel);
    ssd1681_init(&epd, &panel.bus, UI_FULL_EVERY);
    qemu_board_attach_ui(&qb, &epd, 2, 80);
    ui_init(&ui, &hh, &qb.board);
    ui_on = 1;
    run_for(10000);
    uidrv_init(&thumb, &ui, 2, press_button, NULL);
    expect(uidrv_zone(&thumb, ZONE_MAIN_ROADS) == UIDRV_OK, "zone", 0);
    expect(uidrv_open(&thumb, ACT_TRAFFIC_CHECKPOINT) == UIDRV_OK, "open the checkpoint", 0);
    expect(ui_view(&ui)->screen == UI_CHECKPOINT, "on the tally", ui_view(&ui)->screen);
    expect(uidrv_negatives(&thumb, 12) == UIDRV_OK, "12 negatives", 0);
    expect(strcmp(ui_view(&ui)->big, "12") == 0, "the tally on screen reads 12", 0);
    expect(uidrv_positive(&thumb, 3, ACTION_REPORT, 0) == UIDRV_OK, "one positive", 0);
    run_for(40u * 60000u);  /* forty minutes at the roadside */
    expect(uidrv_checkpoint_end(&thumb) == UIDRV_OK, "end the checkpoint", 0);
    run_for(3600000);
    n = station_records(rec, ctr, 8);
    expect(n == 3, "records at the station", (uint32_t)n);
    if (n == 3) {
        expect(rec[0].activity == ACT_ALCOHOL_SCREENING && rec[0].result == 3 &&
                   rec[0].action == ACTION_REPORT && rec[0].quantity == 1,
               "the positive, logged when it happened", rec[0].activity);
        expect(rec[1].activity == ACT_TRAFFIC_CHECKPOINT && rec[1].quantity == 13 &&
                   rec[1].zone == ZONE_MAIN_ROADS,
               "the checkpoint: 13 drivers tested", rec[1].quantity);
        expect(rec[1].duration_min >= 40 && rec[1].duration_min <= 42,
               "the checkpoint's duration (min)", rec[1].duration_min);
        expect(rec[2].activity == ACT_ALCOHOL_SCREENING && rec[2].result == 0 &&
                   rec[2].quantity == 12,
               "the negatives as one screening record", rec[2].quantity);
        expect(ctr[2] == ctr[1] + 1, "checkpoint and negatives back to back", ctr[2]);
        /* the receipt line names both counters the firmware returned */
        v = ui_view(&ui);
        receipt[0] = 0;
        {
            char *p = receipt;
            uint32_t c[2];
            c[0] = ctr[1], c[1] = ctr[2];
            for (i = 0; i < 2; i++) {
                char d[11];
                int k = 10;
                uint32_t x = c[i];
                d[k] = 0;
                do {
                    d[--k] = (char)('0' + x % 10u);
                    x /= 10u;
                } while (x);
                *p++ = '#';
                memcpy(p, d + k, (size_t)(10 - k));
                p += 10 - k;
                *p++ = ' ';
            }
            *p = 0;
        }
        expect(v->screen == UI_HOME, "back home", v->screen);
        expect(ui_view_contains(v, receipt), "receipt with both counters on screen", ctr[1]);
        expect(ui_view_contains(v, "Sparad"), "\"Sparad\" on screen", 0);
    }
    expect(hx.conflicts == 0 && hx.rejected == 0, "station refusals", (uint32_t)hx.rejected);
    expect(handheld_queue_depth(&hh) == 0, "queue empty", (uint32_t)handheld_queue_depth(&hh));
    /* what the glass shows is what the UI drew, through the real driver */
    expect(panel.errors == 0, "e-paper command errors", (uint32_t)panel.errors);
    if (panel.errors) {
        qemu_board_puts("  ");
        qemu_board_puts(panel.first_error);
        qemu_board_puts("\n");
    }
    expect(qb.display_errors == 0, "refreshes failed", (uint32_t)qb.display_errors);
    expect(memcmp(panel.glass, ui.fb, UI_FB_BYTES) == 0, "the glass shows the last screen", 0);
    expect(has_ink(panel.glass), "the glass is not blank", 0);
    expect(panel.full >= 1 && panel.partial >= 1, "full and partial refreshes",
           (uint32_t)panel.full);
    expect(thumb.presses >= 16, "key presses through the buttons", (uint32_t)thumb.presses);
    qemu_board_puts("  ui: ");
    qemu_board_put_u32((uint32_t)thumb.presses);
    qemu_board_puts(" presses, ");
    qemu_board_put_u32((uint32_t)panel.full);
    qemu_board_puts(" full and ");
    qemu_board_put_u32((uint32_t)panel.partial);
    qemu_board_puts(" partial refreshes; struct ui ");
    qemu_board_put_u32((uint32_t)sizeof(struct ui));
    qemu_board_puts(" B\n");
    ui_on = 0;
    end();
}

/* --- 9. memory ------------------------------------------------------------- */

extern uint32_t __data_start[], __bss_end[];

/* Last, when every path above has run: the deepest stack they reached
 * (handheld_boot, ack handling with mbedTLS, and the harness's frames on
 * top) stays within 2 KiB, and data + bss + stack within the 32 KiB of
 * RAM the firmware is allowed (docs/firmware.md). */
static void memory(void)
{
    uint32_t used = (uint32_t)((uint8_t *)__bss_end - (uint8_t *)__data_start);
    begin("memory: stack high-water under 2 KiB, data + bss + stack within 32 KiB; "
          "no flash operation broke the NVMC's rules (nWRITE = 2 included)");
    flash_refused += qb.refused;
    qb.refused = 0;
    expect(flash_refused == 0, "flash operations refused by the NVMC rules",
           (uint32_t)flash_refused);
    expect(startup_stack_used() <= 2048u, "stack high-water (bytes)", startup_stack_used());
    expect(used + startup_stack_used() <= 32768u, "data + bss + stack (bytes)",
           used + startup_stack_used());
    end();
}

int main(void)
{
    qemu_board_clock_start();
    fw_crypto_init();
    qemu_board_puts("lofte firmware on mps2-an386 (Cortex-M4)\n");
    vectors_records();
    vectors_uplink_and_ack();
    vectors_rejected();
    vectors_counters();
    vectors_serial();
    provisioning();
    logging();
    power_cuts();
    lost_acks();
    drug_sales();
    duty_cycle();
    bench_seal();
    checkpoint_through_the_keys();
    memory();
    qemu_board_puts("stack high-water: ");
    qemu_board_put_u32(startup_stack_used());
    qemu_board_puts(" of ");
    qemu_board_put_u32(startup_stack_size());
    qemu_board_puts(" bytes\nstruct handheld: ");
    qemu_board_put_u32((uint32_t)sizeof(struct handheld));
    qemu_board_puts(" bytes\n");
    qemu_board_put_u32(passed);
    qemu_board_puts(" passed, ");
    qemu_board_put_u32(failed);
    qemu_board_puts(" failed\n");
    return failed == 0 ? 0 : 1;
}
