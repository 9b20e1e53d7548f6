/* test_sx126x_e2e.c -- a record from the officer's button to the station's
 * serial line and the ack back, with real drivers on models of the chips:
 *
 *   handheld firmware (sensors/) -> sx126x_radio -> SX126x driver -> chip model A
 *     -> simulated channel (hardware/sim/channel.h: time on air, path loss, loss)
 *     -> chip model B -> SX126x driver -> modem firmware (sx126x_modem) -> §7 bytes
 *     -> a toy gateway here (opens the uplink, seals a cumulative ack, asks the
 *        modem to send it at the §3.1 second) -> back the same way to the handheld.
 *
 * The channel carries frequency, SF and bandwidth; IQ and sync word travel
 * from the sending chip model to the receiving one, which refuses what it
 * is not configured for: an ack reaches the handheld only if its radio
 * switched to the ack's settings after the uplink.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "airtime.h"
#include "channel.h"
#include "handheld.h"
#include "modem.h"
#include "proto_err.h"
#include "radio.h"
#include "record.h"
#include "serial_frame.h"
#include "sim_board.h"
#include "sx126x_model.h"
#include "sx126x_modem.h"
#include "sx126x_radio.h"

#define DEVICE 0x5eed1234u
#define STATION 3u
#define UNIX_AT_0 1726345860437LL   /* Unix ms at simulator time 0 */
#define MAXC 4096

static const uint8_t key[RADIO_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const struct sx126x_config rak4631 = {0, 1, 0x02, 5000, 1, 1};

static uint64_t now;                 /* simulator ms */
static struct channel ch;
static struct sim_board sb;          /* flash, clock, randomness; its radio is replaced */
static struct board_radio hh_ops;
static struct sx126x_model chip_a, chip_b;
static struct sx126x drv_b;
static struct sx126x_radio hh_radio;
static struct handheld h;
static struct sx126x_modem mdm;
static struct sx126x_model_air air_a, air_b;  /* the last frame each chip sent */

/* the toy gateway */
static uint8_t line[1 << 18];
static size_t nline, pline;
static struct serial_reader gw_rd;
static uint8_t held[MAXC];
static uint32_t acked, ref;
static unsigned uplinks_opened, acks_asked, tx_sent;

static uint64_t hh_now(void *ctx)
{
    (void)ctx;
    return sb.board.now_ms(sb.board.ctx);
}

static int hh_send(void *ctx, const uint8_t *f, size_t len, const struct board_radio_params *p)
{
    (void)ctx;
    return sx126x_radio_send(&hh_radio, f, len, p);
}

static void hh_listen(void *ctx, const struct board_radio_params *p, uint64_t close_ms)
{
    (void)ctx;
    sx126x_radio_listen(&hh_radio, p, close_ms);
}

static size_t hh_receive(void *ctx, uint8_t *buf, size_t cap, struct board_rx_meta *meta)
{
    (void)ctx;
    return sx126x_radio_receive(&hh_radio, buf, cap, meta);
}

static void a_on_tx(void *ctx, const uint8_t *f, size_t len, const struct sx126x_model_air *a,
                    uint64_t start_us)
{
    struct board_radio_params p;
    (void)ctx;
    air_a = *a;
    p.freq_hz = a->freq_hz, p.sf = a->sf, p.bw_kHz = a->bw_kHz, p.power_dBm = 14;
    cr_assert_eq(channel_uplink(&ch, &sb, f, len, &p, (start_us + 999) / 1000), CHANNEL_OK);
}

static void b_on_tx(void *ctx, const uint8_t *f, size_t len, const struct sx126x_model_air *a,
                    uint64_t start_us)
{
    struct board_radio_params p;
    (void)ctx;
    air_b = *a;
    p.freq_hz = a->freq_hz, p.sf = a->sf, p.bw_kHz = a->bw_kHz, p.power_dBm = 14;
    cr_assert_eq(channel_downlink(&ch, 0, f, len, &p, (start_us + 999) / 1000, NULL), CHANNEL_OK);
    tx_sent++;
}

/* the station's receiver hears an uplink: into chip B */
static void station_rx(void *ctx, const uint8_t *f, size_t len, const struct channel_rx_meta *m)
{
    (void)ctx;
    sx126x_model_advance(&chip_b, m->delivered_ms * 1000u);
    sx126x_model_deliver(&chip_b, f, len, &air_a, m->rssi_dBm, m->snr_qdB, 1);
}

static int uart_write(void *ctx, const uint8_t *b, size_t n)
{
    (void)ctx;
    if (nline + n > sizeof line)
        return -1;
    memcpy(line + nline, b, n);
    nline += n;
    return 0;
}

static void gw_send(const struct modem_msg *msg)
{
    uint8_t p[MODEM_MSG_MAX], w[SERIAL_WIRE_MAX];
    size_t n, wn;
    cr_assert_eq(modem_encode(msg, p, sizeof p, &n), PROTO_OK);
    cr_assert_eq(serial_frame_encode(p, n, w, sizeof w, &wn), PROTO_OK);
    sx126x_modem_feed(&mdm, w, wn, chip_b.now_us / 1000u);
}

/* the toy gateway: open, hold, ack cumulatively at the §3.1 second */
static void gateway(void)
{
    while (pline < nline) {
        const uint8_t *p;
        size_t len;
        struct modem_msg msg, tx;
        struct radio_header hd;
        struct record rec;
        struct radio_ack ack;
        uint32_t c;
        int64_t read_unix;
        size_t alen;
        if (serial_reader_push(&gw_rd, line[pline++], &p, &len) != 1)
            continue;
        cr_assert_eq(modem_decode(p, len, &msg), PROTO_OK);
        if (msg.type != MODEM_RX)
            continue;
        cr_assert_eq(radio_peek(msg.u.rx.frame, msg.u.rx.len, &hd), PROTO_OK);
        cr_assert_eq(hd.device, DEVICE);
        c = radio_counter_expand(ref, hd.counter_low);
        cr_assert_eq(radio_uplink_open(key, c, msg.u.rx.frame, msg.u.rx.len, &rec), PROTO_OK,
                     "the frame arrived intact through both radios");
        uplinks_opened++;
        cr_assert_lt(c, MAXC);
        held[c] = 1;
        if (c > ref)
            ref = c;
        while (acked + 1 < MAXC && held[acked + 1])
            acked++;
        read_unix = (int64_t)now + UNIX_AT_0;
        ack.device = DEVICE;
        ack.station = STATION;
        ack.station_time = (uint32_t)((read_unix + 1999) / 1000 - LOFTE_EPOCH_UNIX);
        ack.acked = acked;
        memset(&tx, 0, sizeof tx);
        cr_assert_eq(radio_ack_seal(key, &ack, tx.u.tx.frame, sizeof tx.u.tx.frame, &alen),
                     PROTO_OK);
        tx.type = MODEM_TX;
        tx.u.tx.seq = (uint16_t)acks_asked++;
        tx.u.tx.tx_at_ms = ((uint64_t)ack.station_time + LOFTE_EPOCH_UNIX) * 1000u;
        tx.u.tx.freq_hz = 869525000u;
        tx.u.tx.sf = msg.u.rx.sf;
        tx.u.tx.bw_kHz = msg.u.rx.bw_kHz;
        tx.u.tx.power_dBm = 14;
        tx.u.tx.len = (uint8_t)alen;
        gw_send(&tx);
    }
}

static void step(void)
{
    uint8_t buf[SIM_FRAME_MAX];
    struct board_rx_meta meta;
    size_t n;

    now++;
    sx126x_model_advance(&chip_a, now * 1000u);
    sx126x_model_advance(&chip_b, now * 1000u);
    handheld_tick(&h);
    sx126x_modem_poll(&mdm, chip_b.now_us / 1000u);
    channel_advance(&ch, now);
    /* downlinks the channel delivered to the board: into chip A, which
     * takes them only if it listens with the ack's settings */
    sb.listen_until_ms = UINT64_MAX / 2;
    while ((n = sb.radio_ops.receive(&sb, buf, sizeof buf, &meta)) > 0)
        sx126x_model_deliver(&chip_a, buf, n, &air_b, meta.rssi_dBm, meta.snr_qdB, 1);
    sx126x_modem_poll(&mdm, chip_b.now_us / 1000u);
    gateway();
}

static void run(uint64_t ms)
{
    uint64_t end = now + ms;
    while (now < end)
        step();
}

static void setup(double loss)
{
    struct channel_config cc;
    struct channel_receiver rcv;
    struct handheld_config cfg;
    struct sx126x_modem_config mc;
    struct sx126x_modem_io io = {NULL, uart_write};
    int id;

    now = 0;
    nline = pline = 0;
    memset(held, 0, sizeof held);
    acked = ref = 0;
    uplinks_opened = acks_asked = tx_sent = 0;
    serial_reader_init(&gw_rd);
    channel_config_default(&cc);
    cc.seed = 7;
    cc.downlink_loss_p = loss;
    cr_assert_eq(channel_init(&ch, &cc), CHANNEL_OK);
    cr_assert_eq(sim_board_init(&sb, 1, &now, HANDHELD_FLASH_PAGE_SIZE, HANDHELD_FLASH_PAGES, 3),
                 BOARD_OK);
    cr_assert_eq(channel_attach(&ch, &sb), CHANNEL_OK);
    memset(&rcv, 0, sizeof rcv);
    rcv.on_rx = station_rx;
    rcv.loss_p = loss;
    cr_assert_eq(channel_add_receiver(&ch, &rcv, &id), CHANNEL_OK);
    cr_assert_eq(channel_set_path_loss(&ch, &sb, id, 120.0), CHANNEL_OK);

    sx126x_model_init(&chip_a, 1);
    chip_a.on_tx = a_on_tx;
    sx126x_model_init(&chip_b, 1);
    chip_b.on_tx = b_on_tx;
    cr_assert_eq(sx126x_init(&hh_radio.chip, &chip_a.bus, &rak4631), SX126X_OK);
    cr_assert_eq(sx126x_init(&drv_b, &chip_b.bus, &rak4631), SX126X_OK);
    sx126x_radio_bind(&hh_radio, hh_now, NULL);
    hh_ops.send = hh_send, hh_ops.listen = hh_listen, hh_ops.receive = hh_receive;
    sb.board.radio = &hh_ops;

    sx126x_modem_config_default(&mc);
    cr_assert_eq(sx126x_modem_start(&mdm, &drv_b, &mc, &io, 0), SX126X_OK);

    cr_assert_eq(handheld_provision(&sb.board, DEVICE, key), HANDHELD_OK);
    handheld_config_default(&cfg);
    cr_assert_eq(handheld_boot(&h, &sb.board, &cfg), HANDHELD_OK);
}

Test(sx126x_e2e, records_reach_the_station_and_the_acks_empty_the_queue)
{
    int i;
    setup(0.0);
    run(60000);  /* the boot heartbeat (after the assumed off time) learns the time */
    cr_assert(handheld_clock_known(&h),
              "an ack through both radios set the clock: sent %u, opened %u, asked %u, acks %u, "
              "b tx %u, a rx %u mismatched %u, hb %u", h.stats.sent, uplinks_opened, acks_asked,
              h.stats.acks_accepted, tx_sent, chip_a.rx_count, chip_a.rx_mismatched,
              h.stats.heartbeats);
    for (i = 0; i < 10; i++) {
        struct record rec;
        uint32_t c;
        memset(&rec, 0, sizeof rec);
        rec.activity = ACT_PRESENCE_FOOT_PATROL;
        rec.quantity = 1, rec.duration_min = 5, rec.zone = ZONE_SKOGHALL_CENTRE;
        rec.actor = ACTOR_POLICE, rec.cell = RECORD_CELL_NONE;
        cr_assert_eq(handheld_log(&h, &rec, &c), HANDHELD_OK);
        run(30000);
    }
    run(120000);
    cr_assert_eq(handheld_queue_depth(&h), 0, "every record acknowledged");
    cr_assert_geq(uplinks_opened, 11);
    cr_assert_eq(h.stats.acks_rejected, 0);
    cr_assert_geq(h.stats.acks_accepted, 11);
    cr_assert_eq(chip_a.violations, 0, "handheld radio: %s", chip_a.violation);
    cr_assert_eq(chip_b.violations, 0, "modem radio: %s", chip_b.violation);
    cr_assert_eq(air_b.iq_inverted, 1, "acks went out with inverted IQ");
    cr_assert_eq(air_b.freq_hz, 869525000u);
    cr_assert_eq(mdm.stats.tx_too_late + mdm.stats.tx_busy + mdm.stats.tx_duty_cycle, 0);
    cr_assert_eq(hh_radio.chip.state, SX126X_SLEEP, "the handheld's radio sleeps between windows");
    sim_board_free(&sb);
}

Test(sx126x_e2e, lost_frames_are_retried_until_everything_is_held)
{
    int i;
    setup(0.3);
    run(60000);
    for (i = 0; i < 8; i++) {
        struct record rec;
        uint32_t c;
        memset(&rec, 0, sizeof rec);
        rec.activity = ACT_YOUTH_OUTREACH;
        rec.quantity = 1, rec.duration_min = 5, rec.zone = ZONE_SKOGHALL_CENTRE;
        rec.actor = ACTOR_POLICE, rec.cell = RECORD_CELL_NONE;
        cr_assert_eq(handheld_log(&h, &rec, &c), HANDHELD_OK);
        run(10000);
    }
    run(3600u * 1000u);
    cr_assert_eq(handheld_queue_depth(&h), 0);
    cr_assert_gt(h.stats.retries, 0, "30 %% loss each way forced retries");
    cr_assert_eq(chip_a.violations, 0, "handheld radio: %s", chip_a.violation);
    cr_assert_eq(chip_b.violations, 0, "modem radio: %s", chip_b.violation);
    sim_board_free(&sb);
}
