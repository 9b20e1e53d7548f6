/* test_sx126x_modem.c -- the "lofte modem" firmware logic (sx126x_modem.h)
 * on the SX126x driver over the chip model, with the gateway side played
 * by this test over a byte stream in docs/protocol.md §7's framing. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "airtime.h"
#include "modem.h"
#include "proto_err.h"
#include "serial_frame.h"
#include "sx126x.h"
#include "sx126x_model.h"
#include "sx126x_modem.h"

#define UNIX_OFFSET 1726345860437LL  /* Unix ms at board time 0 */
#define LINE_MS 7                      /* modem write -> gateway read */

static struct sx126x_model chip;
static struct sx126x radio;
static struct sx126x_modem mdm;

static uint8_t line[1 << 16];
static size_t nline, pline;
static struct serial_reader gw;
static int statuses_too;

struct txseen {
    int n;
    uint64_t start_us;
    struct sx126x_model_air air;
    uint8_t frame[256];
    size_t len;
};
static struct txseen seen;

static int uart_write(void *ctx, const uint8_t *b, size_t n)
{
    (void)ctx;
    if (nline + n > sizeof line)
        return -1;
    memcpy(line + nline, b, n);
    nline += n;
    return 0;
}

static void on_tx(void *ctx, const uint8_t *f, size_t len, const struct sx126x_model_air *a,
                  uint64_t start_us)
{
    (void)ctx;
    seen.n++;
    seen.start_us = start_us;
    seen.air = *a;
    memcpy(seen.frame, f, len);
    seen.len = len;
}

static uint64_t now_ms(void)
{
    return chip.now_us / 1000u;
}

static void setup(void)
{
    static const struct sx126x_config cfg = {0, 1, 0x02, 5000, 1, 1};
    struct sx126x_modem_config mc;
    struct sx126x_modem_io io = {NULL, uart_write};
    memset(&seen, 0, sizeof seen);
    nline = pline = 0;
    statuses_too = 0;
    serial_reader_init(&gw);
    sx126x_model_init(&chip, 1);
    chip.on_tx = on_tx;
    cr_assert_eq(sx126x_init(&radio, &chip.bus, &cfg), SX126X_OK);
    sx126x_modem_config_default(&mc);
    cr_assert_eq(sx126x_modem_start(&mdm, &radio, &mc, &io, now_ms()), SX126X_OK);
}

TestSuite(sx126x_modem, .init = setup);

/* The next message the gateway reads off the line, 0 if none; STATUS
 * messages are skipped unless statuses_too is set. */

static int gw_read(struct modem_msg *msg)
{
    while (pline < nline) {
        const uint8_t *p;
        size_t len;
        int r = serial_reader_push(&gw, line[pline++], &p, &len);
        cr_assert_geq(r, 0, "the modem's framing is good");
        if (r == 1) {
            cr_assert_eq(modem_decode(p, len, msg), PROTO_OK);
            if (msg->type == MODEM_STATUS && !statuses_too)
                continue;
            return 1;
        }
    }
    return 0;
}

static void gw_send(const struct modem_msg *msg)
{
    uint8_t p[MODEM_MSG_MAX], w[SERIAL_WIRE_MAX];
    size_t n, wn;
    cr_assert_eq(modem_encode(msg, p, sizeof p, &n), PROTO_OK);
    cr_assert_eq(serial_frame_encode(p, n, w, sizeof w, &wn), PROTO_OK);
    sx126x_modem_feed(&mdm, w, wn, now_ms());
}

static void uplink(const uint8_t *f, size_t len, int16_t rssi, int8_t snr)
{
    struct sx126x_model_air a;
    memset(&a, 0, sizeof a);
    a.freq_hz = 868100000u, a.sf = 9, a.bw_kHz = 125, a.cr = 5, a.crc_on = 1;
    a.sync_word = SX126X_SYNC_PRIVATE;
    cr_assert_eq(sx126x_model_deliver(&chip, f, len, &a, rssi, snr, 1), 1, "modem listens on 868.1");
}

static void run_ms(uint64_t ms)
{
    uint64_t end = now_ms() + ms;
    while (now_ms() < end) {
        sx126x_modem_poll(&mdm, now_ms());
        sx126x_model_advance(&chip, chip.now_us + 1000);
    }
    sx126x_modem_poll(&mdm, now_ms());
}

static void tx_for(struct modem_msg *msg, uint16_t seq, uint64_t tx_at)
{
    memset(msg, 0, sizeof *msg);
    msg->type = MODEM_TX;
    msg->u.tx.seq = seq;
    msg->u.tx.tx_at_ms = tx_at;
    msg->u.tx.freq_hz = 869525000u;
    msg->u.tx.sf = 9;
    msg->u.tx.bw_kHz = 125;
    msg->u.tx.power_dBm = 14;
    msg->u.tx.len = 23;
    memset(msg->u.tx.frame, 0x5A, 23);
}

/* The gateway's ack time for an RX read now (station_ack_second). */
static uint64_t gw_tx_at(void)
{
    int64_t read_unix = (int64_t)now_ms() + UNIX_OFFSET + LINE_MS;
    return (uint64_t)((read_unix + 1000 + 999) / 1000) * 1000u;
}

Test(sx126x_modem, reports_an_uplink_as_an_rx_message_and_keeps_listening)
{
    struct modem_msg msg;
    uint8_t f[28];
    memset(f, 0x33, sizeof f);
    run_ms(10);
    uplink(f, sizeof f, -104, -12);
    run_ms(2);
    cr_assert(gw_read(&msg));
    cr_assert_eq(msg.type, MODEM_RX);
    cr_assert_eq(msg.u.rx.rx_time_ms, 0, "no Unix clock: unknown (§7.2)");
    cr_assert_eq(msg.u.rx.freq_hz, 868100000u);
    cr_assert_eq(msg.u.rx.sf, 9);
    cr_assert_eq(msg.u.rx.bw_kHz, 125);
    cr_assert_eq(msg.u.rx.cr, 5);
    cr_assert_eq(msg.u.rx.rssi_dBm, -104);
    cr_assert_eq(msg.u.rx.snr_qdB, -12);
    cr_assert_eq(msg.u.rx.len, 28);
    cr_assert_arr_eq(msg.u.rx.frame, f, 28);
    cr_assert_eq(chip.mode, SX126X_MODE_RX);
    cr_assert(chip.rx_continuous);
    cr_assert_eq(chip.violations, 0, "%s", chip.violation);
}

Test(sx126x_modem, sends_the_ack_with_ack_settings_and_answers_tx_done)
{
    struct modem_msg msg, tx;
    uint8_t f[27] = {0x11};
    uint64_t tx_at, true_local_us;
    run_ms(321);
    uplink(f, sizeof f, -90, 20);
    run_ms(1);
    cr_assert(gw_read(&msg));
    tx_at = gw_tx_at();
    tx_for(&tx, 77, tx_at);
    gw_send(&tx);
    run_ms(2500);
    cr_assert_eq(seen.n, 1);
    cr_assert_eq(seen.air.freq_hz, 869525000u);
    cr_assert_eq(seen.air.iq_inverted, 1);
    cr_assert_eq(seen.air.crc_on, 1, "the ack goes out with its CRC (§3.1)");
    cr_assert_eq(seen.air.sf, 9);
    cr_assert_eq(seen.len, 23);
    true_local_us = (uint64_t)((int64_t)tx_at - UNIX_OFFSET) * 1000u;
    cr_assert_leq(seen.start_us, true_local_us + 2000, "never late");
    cr_assert_geq(seen.start_us, (322u + 1000u) * 1000u, "not before 1 s after the uplink");
    cr_assert(gw_read(&msg));
    cr_assert_eq(msg.type, MODEM_TX_DONE);
    cr_assert_eq(msg.u.tx_done.seq, 77);
    cr_assert_eq(msg.u.tx_done.status, MODEM_TX_SENT);
    cr_assert_eq(chip.mode, SX126X_MODE_RX, "back on the uplink channel");
    cr_assert_eq(chip.iq_inverted, 0);
    cr_assert_eq(chip.violations, 0, "%s", chip.violation);
}

Test(sx126x_modem, learns_the_unix_offset_from_the_acks_it_is_asked_for)
{
    struct modem_msg msg, tx;
    uint8_t f[28] = {0};
    uint64_t seed = 12345;
    int64_t err_first = 0, err = 0, worst_late = -1000000;
    int i;
    for (i = 0; i < 60; i++) {
        uint64_t tx_at;
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        run_ms(30000 + (seed >> 33) % 10000);  /* a phase the gateway's second does not know */
        uplink(f, sizeof f, -100, 0);
        run_ms(1);
        cr_assert(gw_read(&msg));
        cr_assert_eq(msg.type, MODEM_RX);
        tx_at = gw_tx_at();
        tx_for(&tx, (uint16_t)i, tx_at);
        gw_send(&tx);
        run_ms(2600);
        cr_assert_eq(seen.n, i + 1, "ack %d sent", i);
        err = (int64_t)(seen.start_us / 1000u) - ((int64_t)tx_at - UNIX_OFFSET);
        if (i == 0)
            err_first = err;
        if (err > worst_late)
            worst_late = err;
        while (gw_read(&msg))
            if (msg.type == MODEM_TX_DONE)
                cr_assert_eq(msg.u.tx_done.status, MODEM_TX_SENT, "ack %d", i);
    }
    cr_log_info("modem ack start error: first %lld ms, after 60 uplinks %lld ms", (long long)err_first,
                (long long)err);
    cr_assert_leq(worst_late, 1, "acks never start late");
    cr_assert_geq(err_first, -1100);
    cr_assert_geq(err, -60, "converged to within tens of ms (%lld)", (long long)err);
    cr_assert_eq(chip.violations, 0, "%s", chip.violation);
}

Test(sx126x_modem, refuses_too_late_busy_and_duty_cycle_with_the_reason)
{
    struct modem_msg msg, tx;
    uint8_t f[28] = {0};
    uint64_t tx_at;
    run_ms(5);
    uplink(f, sizeof f, -100, 0);
    run_ms(1);
    cr_assert(gw_read(&msg));
    tx_at = gw_tx_at();
    tx_for(&tx, 1, tx_at);
    gw_send(&tx);
    tx_for(&tx, 2, tx_at);
    gw_send(&tx);                  /* the first is still waiting */
    cr_assert(gw_read(&msg));
    cr_assert_eq(msg.type, MODEM_TX_DONE);
    cr_assert_eq(msg.u.tx_done.seq, 2);
    cr_assert_eq(msg.u.tx_done.status, MODEM_TX_BUSY);
    run_ms(2500);
    while (gw_read(&msg))
        ;
    tx_for(&tx, 3, tx_at);         /* that second has passed */
    gw_send(&tx);
    cr_assert(gw_read(&msg));
    cr_assert_eq(msg.u.tx_done.status, MODEM_TX_TOO_LATE);
    tx_for(&tx, 4, 0);             /* at once, but inside the 10 % off time */
    gw_send(&tx);
    cr_assert(gw_read(&msg));
    cr_assert_eq(msg.u.tx_done.status, MODEM_TX_DUTY_CYCLE);
    tx_for(&tx, 5, 0);
    tx.u.tx.power_dBm = 20;        /* beyond what this modem may radiate */
    gw_send(&tx);
    cr_assert(gw_read(&msg));
    cr_assert_eq(msg.u.tx_done.status, MODEM_TX_BUSY);
    cr_assert_eq(mdm.stats.tx_busy, 2);
    cr_assert_eq(mdm.stats.tx_too_late, 1);
    cr_assert_eq(mdm.stats.tx_duty_cycle, 1);
}

Test(sx126x_modem, survives_garbage_on_the_line_and_counts_it)
{
    struct modem_msg msg, tx;
    static const uint8_t junk[] = {0x00, 0x13, 0x37, 0x00, 0xFF, 0xFE, 0x00};
    uint8_t f[28] = {0};
    sx126x_modem_feed(&mdm, junk, sizeof junk, now_ms());
    cr_assert_eq(mdm.stats.serial_bad, 2);
    memset(&msg, 0, sizeof msg);
    msg.type = MODEM_STATUS;       /* the wrong way: a gateway never sends it */
    gw_send(&msg);
    cr_assert_eq(mdm.stats.msg_rejected, 1);
    run_ms(3);
    uplink(f, sizeof f, -100, 0);
    run_ms(1);
    cr_assert(gw_read(&msg));
    tx_for(&tx, 9, 0);
    gw_send(&tx);
    run_ms(200);
    cr_assert_eq(seen.n, 1, "in sync after the garbage");
}

Test(sx126x_modem, sends_status_every_five_seconds_with_its_counters)
{
    struct modem_msg msg;
    uint8_t f[28] = {0};
    int statuses = 0;
    struct sx126x_model_air a;
    run_ms(100);
    uplink(f, sizeof f, -100, 0);
    memset(&a, 0, sizeof a);
    a.freq_hz = 868100000u, a.sf = 9, a.bw_kHz = 125, a.cr = 5, a.crc_on = 1;
    a.sync_word = SX126X_SYNC_PRIVATE;
    run_ms(1);
    cr_assert_eq(sx126x_model_deliver(&chip, f, sizeof f, &a, -120, -40, 0), 1);
    run_ms(10100);
    statuses_too = 1;
    while (gw_read(&msg)) {
        if (msg.type != MODEM_STATUS)
            continue;
        statuses++;
        cr_assert_eq(msg.u.status.rx_frames, 1);
        cr_assert_eq(msg.u.status.rx_crc_errors, 1);
        cr_assert_eq(msg.u.status.uptime_s, (uint32_t)(5 * statuses));
    }
    cr_assert_eq(statuses, 2);
}
