/* test_channel.c -- the simulated LoRa channel (hardware/sim/channel.h).
 *
 * Boards are real sim_boards sending through their radio's send(), so the
 * on_send seam is exercised; the channel is static (it is ~90 KB). Most
 * tests switch fading off and place devices with channel_set_path_loss, so
 * that powers, and hence outcomes, are exact.
 */
#include <math.h>
#include <stdlib.h>

#include "airtime.h"
#include "channel.h"
#include "sim_board.h"
#include "testutil.h"

#define PAGE_SIZE 256
#define PAGE_COUNT 8
#define FRAME_LEN 28            /* commonest uplink: stop record without cell/operation */
#define UPLINK_HZ 868100000u
#define ACK_HZ 869525000u

static uint64_t now;             /* the simulator's clock the boards read */
static struct channel ch;

/* --- receivers that remember what they got ------------------------------- */

#define CAP_MAX 20000
struct got {
    uint64_t tx;
    int copy, corrupted, board;
    uint64_t end_ms, delivered_ms, seen_at_ms;
    int16_t rssi;
    int8_t snr;
    size_t len;
    uint8_t frame[CHANNEL_FRAME_MAX];
};
struct capture {
    size_t n;
    unsigned crc_errors;
    struct got got[CAP_MAX];
};
static struct capture cap0, cap1;

static void on_rx(void *ctx, const uint8_t *frame, size_t len, const struct channel_rx_meta *m)
{
    struct capture *c = ctx;
    struct got *g;
    cr_assert_lt(c->n, CAP_MAX, "test capture full");
    g = &c->got[c->n++];
    g->tx = m->truth_tx;
    g->copy = m->truth_copy;
    g->corrupted = m->truth_corrupted;
    g->board = m->truth_board;
    g->end_ms = m->end_ms;
    g->delivered_ms = m->delivered_ms;
    g->seen_at_ms = now;
    g->rssi = m->rssi_dBm;
    g->snr = m->snr_qdB;
    g->len = len;
    memcpy(g->frame, frame, len);
}

static void on_crc(void *ctx, const struct channel_rx_meta *m)
{
    struct capture *c = ctx;
    (void)m;
    c->crc_errors++;
}

static int add_rx(struct capture *c, double loss_p)
{
    struct channel_receiver r;
    int id = -1;
    memset(c, 0, sizeof *c);
    memset(&r, 0, sizeof r);
    r.on_rx = on_rx;
    r.on_crc_error = on_crc;
    r.ctx = c;
    r.loss_p = loss_p;
    cr_assert_eq(channel_add_receiver(&ch, &r, &id), CHANNEL_OK);
    return id;
}

/* --- boards --------------------------------------------------------------- */

/* Boards made by a test, freed when it ends (sim_board owns heap flash). */
static struct sim_board *made[64];
static size_t nmade;

static void boards_free(void)
{
    while (nmade)
        sim_board_free(made[--nmade]);
}

TestSuite(channel, .fini = boards_free);

static void board_up(struct sim_board *b, int index)
{
    size_t i;
    for (i = 0; i < nmade && made[i] != b; i++)
        ;
    if (i < nmade) /* re-made in the same test: free the old flash first */
        sim_board_free(b);
    else
        made[nmade++] = b;
    cr_assert_eq(sim_board_init(b, index, &now, PAGE_SIZE, PAGE_COUNT, 1000u + (unsigned)index),
                 BOARD_OK);
    cr_assert_eq(channel_attach(&ch, b), CHANNEL_OK);
    cr_assert_eq(b->channel, &ch, "attach sets the board's channel");
    cr_assert_not_null(b->on_send, "attach sets the board's on_send");
}

static struct board_radio_params params(uint32_t freq, uint8_t sf, int8_t power)
{
    struct board_radio_params p;
    p.freq_hz = freq;
    p.sf = sf;
    p.bw_kHz = 125;
    p.power_dBm = power;
    return p;
}

static void make_frame(uint8_t *f, size_t len, int board, uint32_t n)
{
    size_t i;
    for (i = 0; i < len; i++)
        f[i] = (uint8_t)(0x11 + board * 31 + n * 7 + i * 13);
    f[0] = (uint8_t)board;
    f[1] = (uint8_t)(n >> 8);
    f[2] = (uint8_t)n;
}

/* Send as the firmware does, through the board's radio, at sim time t. */
static void send_at(struct sim_board *b, uint64_t t, uint32_t n, uint8_t sf)
{
    uint8_t f[FRAME_LEN];
    struct board_radio_params p = params(UPLINK_HZ, sf, 14);
    now = t;
    make_frame(f, sizeof f, b->index, n);
    cr_assert_eq(b->board.radio->send(b->board.ctx, f, sizeof f, &p), BOARD_OK);
}

static void advance_to(uint64_t t)
{
    now = t;
    channel_advance(&ch, t);
}

/* A channel without randomness in the powers: exact outcomes. */
static void exact_channel(uint64_t seed)
{
    struct channel_config cfg;
    channel_config_default(&cfg);
    cfg.seed = seed;
    cfg.fading_dB = 0;
    cfg.path_loss_min_dB = cfg.path_loss_max_dB = 120; /* -106 dBm, SNR +11 dB */
    cr_assert_eq(channel_init(&ch, &cfg), CHANNEL_OK);
    now = 0;
}

static uint64_t toa_ms(uint8_t sf, size_t len)
{
    return (airtime_us(sf, 125, 5, (uint16_t)len) + 999u) / 1000u;
}

/* --- loss -------------------------------------------------------------------- */

Test(channel, loss_rate_converges_to_the_configured_value_independently_per_receiver)
{
    static struct sim_board b;
    static unsigned char heard0[20001], heard1[20001];
    const uint32_t frames = 20000;
    uint32_t i, both_lost = 0;
    size_t k;
    double lost0, lost1;

    exact_channel(7);
    add_rx(&cap0, 0.2);
    add_rx(&cap1, 0.5);
    board_up(&b, 1);
    for (i = 0; i < frames; i++) {
        send_at(&b, (uint64_t)i * 1000, i, 9);
        advance_to((uint64_t)i * 1000 + 999);
    }
    for (k = 0; k < cap0.n; k++)
        heard0[cap0.got[k].tx] = 1;
    for (k = 0; k < cap1.n; k++)
        heard1[cap1.got[k].tx] = 1;
    for (i = 1; i <= frames; i++)
        both_lost += !heard0[i] && !heard1[i];

    lost0 = (double)channel_stats(&ch, 0)->lost / frames;
    lost1 = (double)channel_stats(&ch, 1)->lost / frames;
    /* 4 standard deviations of a binomial proportion at n = 20000 */
    cr_assert(fabs(lost0 - 0.2) < 4 * sqrt(0.2 * 0.8 / frames), "receiver 0 lost %f", lost0);
    cr_assert(fabs(lost1 - 0.5) < 4 * sqrt(0.5 * 0.5 / frames), "receiver 1 lost %f", lost1);
    cr_assert(fabs((double)both_lost / frames - 0.1) < 4 * sqrt(0.1 * 0.9 / frames),
              "losses must be independent: both lost %f, want 0.2 * 0.5", (double)both_lost / frames);
    cr_assert_eq(cap0.n + channel_stats(&ch, 0)->lost, frames);
    cr_assert_eq(cap1.n + channel_stats(&ch, 1)->lost, frames);
    cr_assert_eq(channel_stats(&ch, -1)->sent, frames);
}

Test(channel, no_loss_configured_means_every_frame_arrives_intact)
{
    static struct sim_board b;
    uint32_t i;
    exact_channel(3);
    add_rx(&cap0, 0.0);
    board_up(&b, 4);
    for (i = 0; i < 200; i++) {
        send_at(&b, (uint64_t)i * 500, i, 7);
        advance_to((uint64_t)i * 500 + 499);
    }
    cr_assert_eq(cap0.n, 200);
    for (i = 0; i < 200; i++) {
        uint8_t f[FRAME_LEN];
        make_frame(f, sizeof f, 4, i);
        cr_assert_eq(cap0.got[i].len, FRAME_LEN);
        cr_assert_eq(memcmp(cap0.got[i].frame, f, FRAME_LEN), 0, "frame %u altered", i);
        cr_assert_eq(cap0.got[i].board, 4);
    }
}

/* --- collisions and capture ----------------------------------------------- */

Test(channel, two_overlapping_transmissions_of_equal_power_collide_and_neither_is_received)
{
    static struct sim_board a, b;
    exact_channel(1);
    add_rx(&cap0, 0.0);
    board_up(&a, 1);
    board_up(&b, 2);
    send_at(&a, 1000, 1, 9);
    send_at(&b, 1100, 1, 9); /* starts while a is still on air (226 ms) */
    advance_to(5000);
    cr_assert_eq(cap0.n, 0);
    cr_assert_eq(cap0.crc_errors, 0);
    cr_assert_eq(channel_stats(&ch, 0)->collided, 2);
}

Test(channel, a_transmission_6_dB_stronger_survives_the_collision)
{
    static struct sim_board a, b;
    exact_channel(1);
    add_rx(&cap0, 0.0);
    board_up(&a, 1);
    board_up(&b, 2);
    cr_assert_eq(channel_set_path_loss(&ch, &a, 0, 114.0), CHANNEL_OK);
    cr_assert_eq(channel_set_path_loss(&ch, &b, 0, 120.0), CHANNEL_OK);
    send_at(&a, 1000, 1, 9);
    send_at(&b, 1000, 1, 9);
    advance_to(5000);
    cr_assert_eq(cap0.n, 1);
    cr_assert_eq(cap0.got[0].board, 1, "the stronger one is heard");
    cr_assert_eq(cap0.got[0].rssi, 14 - 114);
    cr_assert_eq(channel_stats(&ch, 0)->collided, 1);
}

Test(channel, a_transmission_only_5_dB_stronger_is_destroyed_too)
{
    static struct sim_board a, b;
    exact_channel(1);
    add_rx(&cap0, 0.0);
    board_up(&a, 1);
    board_up(&b, 2);
    channel_set_path_loss(&ch, &a, 0, 115.0);
    channel_set_path_loss(&ch, &b, 0, 120.0);
    send_at(&a, 1000, 1, 9);
    send_at(&b, 1000, 1, 9);
    advance_to(5000);
    cr_assert_eq(cap0.n, 0);
    cr_assert_eq(channel_stats(&ch, 0)->collided, 2);
}

Test(channel, frames_on_other_sf_or_back_to_back_do_not_collide)
{
    static struct sim_board a, b;
    uint64_t t9 = toa_ms(9, FRAME_LEN);
    exact_channel(1);
    add_rx(&cap0, 0.0);
    board_up(&a, 1);
    board_up(&b, 2);
    send_at(&a, 1000, 1, 9);
    send_at(&b, 1000, 1, 10);      /* same time, other SF: quasi-orthogonal */
    send_at(&a, 1000 + t9 + 1, 2, 9); /* after a's first has ended */
    advance_to(1000 + t9 + 1);
    send_at(&b, 1000 + t9 + 1 + t9 + 1, 2, 9);
    advance_to(10000);
    cr_assert_eq(cap0.n, 4);
    cr_assert_eq(channel_stats(&ch, 0)->collided, 0);
}

Test(channel, a_board_sending_again_before_its_frame_ended_cuts_that_frame_short)
{
    static struct sim_board a, b;
    exact_channel(1);
    add_rx(&cap0, 0.0);
    board_up(&a, 1);
    board_up(&b, 2);
    channel_set_path_loss(&ch, &a, 0, 100.0); /* a's frames are strong */
    channel_set_path_loss(&ch, &b, 0, 120.0);
    send_at(&b, 1000, 1, 9);
    send_at(&a, 1000, 1, 9);  /* on air 1000..1227, cut at 1100 */
    send_at(&a, 1100, 2, 9);  /* a's radio starts its next frame */
    advance_to(5000);
    /* a's second frame is 20 dB above b's and survives; b's frame was hit
     * by a's cut one and then by a's second; the cut one reaches nobody */
    cr_assert_eq(cap0.n, 1);
    cr_assert_eq(cap0.got[0].board, 1);
    cr_assert_eq(cap0.got[0].frame[2], 2, "a's second frame");
    cr_assert_eq(channel_stats(&ch, 0)->aborted, 1);
    cr_assert_eq(channel_stats(&ch, 0)->collided, 1);
}

Test(channel, collisions_are_decided_per_receiver_by_the_power_there)
{
    static struct sim_board a, b;
    exact_channel(1);
    add_rx(&cap0, 0.0);
    add_rx(&cap1, 0.0);
    board_up(&a, 1);
    board_up(&b, 2);
    /* a is near gateway 0, b near gateway 1 */
    channel_set_path_loss(&ch, &a, 0, 100.0);
    channel_set_path_loss(&ch, &b, 0, 120.0);
    channel_set_path_loss(&ch, &a, 1, 120.0);
    channel_set_path_loss(&ch, &b, 1, 100.0);
    send_at(&a, 1000, 1, 9);
    send_at(&b, 1050, 1, 9);
    advance_to(5000);
    cr_assert_eq(cap0.n, 1);
    cr_assert_eq(cap0.got[0].board, 1);
    cr_assert_eq(cap1.n, 1);
    cr_assert_eq(cap1.got[0].board, 2);
}

/* --- duplicates, bit errors, latency, time --------------------------------- */

Test(channel, duplicates_are_delivered_twice)
{
    static struct sim_board b;
    struct channel_config cfg;
    uint32_t i;
    size_t k;
    channel_config_default(&cfg);
    cfg.fading_dB = 0;
    cfg.path_loss_min_dB = cfg.path_loss_max_dB = 120;
    cfg.dup_p = 1.0;
    cfg.delay_max_ms = 50;
    cr_assert_eq(channel_init(&ch, &cfg), CHANNEL_OK);
    add_rx(&cap0, 0.0);
    board_up(&b, 9);
    for (i = 0; i < 10; i++)
        send_at(&b, (uint64_t)i * 1000, i, 9);
    advance_to(20000);
    cr_assert_eq(cap0.n, 20);
    cr_assert_eq(channel_stats(&ch, 0)->duplicated, 10);
    cr_assert_eq(channel_stats(&ch, 0)->received, 20);
    for (k = 0; k < cap0.n; k += 2) {
        const struct got *first = &cap0.got[k], *second = &cap0.got[k + 1];
        cr_assert_eq(first->tx, second->tx, "the copy follows its original");
        cr_assert_eq(first->copy, 0);
        cr_assert_eq(second->copy, 1);
        cr_assert_eq(first->len, second->len);
        cr_assert_eq(memcmp(first->frame, second->frame, first->len), 0);
        cr_assert_eq(first->rssi, second->rssi, "one reception, handed over twice");
        cr_assert_geq(second->delivered_ms, first->delivered_ms);
    }
}

static unsigned bit_distance(const uint8_t *a, const uint8_t *b, size_t n)
{
    unsigned d = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        uint8_t x = a[i] ^ b[i];
        while (x) {
            d += x & 1u;
            x >>= 1;
        }
    }
    return d;
}

Test(channel, bit_errors_are_mostly_dropped_as_crc_errors_and_a_fraction_passes_corrupted)
{
    static struct sim_board b;
    struct channel_config cfg;
    const uint32_t frames = 4000;
    uint32_t i;
    size_t k, passed = 0;
    channel_config_default(&cfg);
    cfg.fading_dB = 0;
    cfg.path_loss_min_dB = cfg.path_loss_max_dB = 120;
    cfg.bit_error_p = 0.5;
    cfg.bit_error_bits = 3;
    cfg.bit_error_pass_p = 0.1;
    cr_assert_eq(channel_init(&ch, &cfg), CHANNEL_OK);
    add_rx(&cap0, 0.0);
    board_up(&b, 5);
    for (i = 0; i < frames; i++) {
        send_at(&b, (uint64_t)i * 1000, i, 9);
        advance_to((uint64_t)i * 1000 + 999);
    }
    for (k = 0; k < cap0.n; k++) {
        uint8_t f[FRAME_LEN];
        make_frame(f, sizeof f, 5, (uint32_t)(cap0.got[k].tx - 1));
        if (cap0.got[k].corrupted) {
            passed++;
            cr_assert_eq(bit_distance(f, cap0.got[k].frame, FRAME_LEN), 3,
                         "exactly bit_error_bits distinct bits flip");
        } else {
            cr_assert_eq(memcmp(f, cap0.got[k].frame, FRAME_LEN), 0);
        }
    }
    cr_assert_eq(channel_stats(&ch, 0)->corrupted_dropped, cap0.crc_errors,
                 "every dropped corrupt frame is reported to the receiver as a CRC error");
    cr_assert_eq(channel_stats(&ch, 0)->corrupted_passed, passed);
    cr_assert_eq(cap0.crc_errors + passed + (cap0.n - passed), frames);
    /* expected 2000 corrupted, 10 % of them passing: 1800 / 200 */
    cr_assert(cap0.crc_errors > 1650 && cap0.crc_errors < 1950, "crc errors %u", cap0.crc_errors);
    cr_assert(passed > 140 && passed < 260, "passed corrupted %zu", passed);
}

Test(channel, latency_is_bounded_and_keeps_fifo_order_per_receiver)
{
    static struct sim_board a, b;
    struct channel_config cfg;
    uint32_t i;
    size_t k;
    uint64_t t;
    channel_config_default(&cfg);
    cfg.path_loss_min_dB = cfg.path_loss_max_dB = 120;
    cfg.fading_dB = 0;
    cfg.delay_max_ms = 400;
    cr_assert_eq(channel_init(&ch, &cfg), CHANNEL_OK);
    add_rx(&cap0, 0.0);
    board_up(&a, 1);
    board_up(&b, 2);
    now = 0;
    /* advance 1 ms at a time so each hand-over is seen at its own time */
    for (t = 0, i = 0; t < 60000; t++) {
        if (t % 300 == 0)
            send_at((i & 1) ? &b : &a, t, i, 7), i++;
        advance_to(t);
    }
    for (; t < 61000; t++) /* the last frames' latency */
        advance_to(t);
    cr_assert_eq(cap0.n, i);
    for (k = 0; k < cap0.n; k++) {
        const struct got *g = &cap0.got[k];
        cr_assert_geq(g->delivered_ms, g->end_ms);
        cr_assert_eq(g->seen_at_ms, g->delivered_ms, "handed over at its own time");
        if (k > 0) {
            cr_assert_geq(g->delivered_ms, cap0.got[k - 1].delivered_ms);
            cr_assert_gt(g->tx, cap0.got[k - 1].tx, "a serial line does not reorder");
        }
    }
    /* FIFO can only add to the drawn delay when a frame waits for the one
     * before it: with frames 300 ms apart and 400 ms max, bounded by 400 */
    for (k = 0; k < cap0.n; k++)
        cr_assert_leq(cap0.got[k].delivered_ms - cap0.got[k].end_ms, 400);
}

Test(channel, reception_ends_after_the_time_on_air_of_proto_airtime)
{
    static struct sim_board b;
    uint8_t sf;
    exact_channel(1);
    add_rx(&cap0, 0.0);
    board_up(&b, 1);
    for (sf = 7; sf <= 12; sf++) {
        uint64_t t0 = (uint64_t)sf * 10000;
        send_at(&b, t0, sf, sf);
        advance_to(t0 + toa_ms(sf, FRAME_LEN) - 1);
        cr_assert_eq(cap0.n, (size_t)(sf - 7), "SF%u: not before its end", sf);
        advance_to(t0 + toa_ms(sf, FRAME_LEN));
        cr_assert_eq(cap0.n, (size_t)(sf - 6), "SF%u: at its end", sf);
        cr_assert_eq(cap0.got[sf - 7].end_ms, t0 + toa_ms(sf, FRAME_LEN));
    }
    /* docs/domain.md §5 / protocol §9: 28 bytes at SF9 is 226.3 ms */
    cr_assert_eq(toa_ms(9, 28), 227);
}

/* --- signal strength -------------------------------------------------------- */

Test(channel, each_device_has_a_stable_path_loss_plus_per_frame_fading)
{
    static struct sim_board a, b;
    struct channel_config cfg;
    double sum = 0, sum2 = 0, mean, sd, want;
    size_t k;
    uint32_t i;
    channel_config_default(&cfg);
    cfg.seed = 99;
    cfg.fading_dB = 3.0;
    cfg.path_loss_min_dB = 100;
    cfg.path_loss_max_dB = 110; /* strong: nothing too weak */
    cr_assert_eq(channel_init(&ch, &cfg), CHANNEL_OK);
    add_rx(&cap0, 0.0);
    board_up(&a, 1);
    board_up(&b, 2);
    want = channel_path_rssi(&ch, &a, 0, 14);
    cr_assert(want <= 14 - 100 && want >= 14 - 110);
    cr_assert_neq(want, channel_path_rssi(&ch, &b, 0, 14), "devices differ");
    for (i = 0; i < 3000; i++) {
        send_at(&a, (uint64_t)i * 1000, i, 7);
        advance_to((uint64_t)i * 1000 + 999);
    }
    for (k = 0; k < cap0.n; k++) {
        sum += cap0.got[k].rssi;
        sum2 += (double)cap0.got[k].rssi * cap0.got[k].rssi;
        /* SNR is RSSI over the -117 dBm floor, in quarter dB; RSSI is
         * rounded to whole dB, so they agree within half a dB */
        cr_assert_leq(abs(cap0.got[k].snr - (cap0.got[k].rssi + 117) * 4), 2);
    }
    mean = sum / (double)cap0.n;
    sd = sqrt(sum2 / (double)cap0.n - mean * mean);
    cr_assert_eq(cap0.n, 3000);
    cr_assert(fabs(mean - want) < 0.3, "mean RSSI %f, path says %f", mean, want);
    cr_assert(sd > 2.7 && sd < 3.3, "fading sd %f", sd);
}

Test(channel, path_loss_does_not_depend_on_the_order_boards_attach)
{
    static struct sim_board a, b;
    double ra, rb;
    struct channel_config cfg;
    channel_config_default(&cfg);
    cfg.seed = 5;
    cr_assert_eq(channel_init(&ch, &cfg), CHANNEL_OK);
    add_rx(&cap0, 0.0);
    board_up(&a, 10);
    board_up(&b, 20);
    ra = channel_path_rssi(&ch, &a, 0, 14);
    rb = channel_path_rssi(&ch, &b, 0, 14);
    cr_assert_eq(channel_init(&ch, &cfg), CHANNEL_OK);
    add_rx(&cap0, 0.0);
    cr_assert_eq(channel_attach(&ch, &b), CHANNEL_OK);
    cr_assert_eq(channel_attach(&ch, &a), CHANNEL_OK);
    cr_assert_eq(channel_path_rssi(&ch, &a, 0, 14), ra);
    cr_assert_eq(channel_path_rssi(&ch, &b, 0, 14), rb);
}

Test(channel, a_frame_below_the_demodulation_floor_is_not_heard)
{
    static struct sim_board b;
    exact_channel(1);
    add_rx(&cap0, 0.0);
    board_up(&b, 1);
    /* 14 - 140 = -126 dBm: SNR -9 dB, enough at SF9 (-12.5), not at SF7 (-7.5) */
    channel_set_path_loss(&ch, &b, 0, 140.0);
    send_at(&b, 1000, 1, 7);
    send_at(&b, 5000, 2, 9);
    advance_to(10000);
    cr_assert_eq(cap0.n, 1);
    cr_assert_eq(cap0.got[0].snr, -36);
    cr_assert_eq(channel_stats(&ch, 0)->too_weak, 1);
}

/* --- downlink ---------------------------------------------------------------- */

Test(channel, downlink_reaches_only_boards_listening_at_the_end_of_its_time_on_air)
{
    static struct sim_board listening, deaf, closes_early;
    struct board_radio_params p = params(ACK_HZ, 9, 14);
    uint8_t ack[23], buf[64];
    struct board_rx_meta meta;
    uint64_t start = 10000, end = start + toa_ms(9, sizeof ack);
    size_t n;

    exact_channel(1);
    add_rx(&cap0, 0.0);
    board_up(&listening, 1);
    board_up(&deaf, 2);
    board_up(&closes_early, 3);
    memset(ack, 0x12, sizeof ack);
    now = start;
    /* board clocks start at their power-on (sim time 0 here) */
    listening.board.radio->listen(listening.board.ctx, &p, end + 500);
    closes_early.board.radio->listen(closes_early.board.ctx, &p, start + 100);
    cr_assert_eq(channel_downlink(&ch, 0, ack, sizeof ack, &p, start, NULL), CHANNEL_OK);
    advance_to(end + 1000);

    n = listening.board.radio->receive(listening.board.ctx, buf, sizeof buf, &meta);
    cr_assert_eq(n, sizeof ack);
    cr_assert_eq(memcmp(buf, ack, n), 0);
    cr_assert_eq(meta.rssi_dBm, 14 - 120);
    cr_assert_eq(deaf.board.radio->receive(deaf.board.ctx, buf, sizeof buf, &meta), 0);
    cr_assert_eq(closes_early.board.radio->receive(closes_early.board.ctx, buf, sizeof buf, &meta),
                 0);
    cr_assert_eq(channel_stats(&ch, -1)->downlinks_sent, 1);
    cr_assert_eq(channel_stats(&ch, -1)->downlinks_delivered, 1);
    cr_assert_eq(channel_stats(&ch, -1)->downlinks_missed, 2);
}

Test(channel, downlink_loss_rate_converges_to_the_configured_value)
{
    static struct sim_board b;
    struct channel_config cfg;
    struct board_radio_params p = params(ACK_HZ, 9, 14);
    uint8_t ack[23], buf[64];
    struct board_rx_meta meta;
    unsigned i, got = 0;
    channel_config_default(&cfg);
    cfg.fading_dB = 0;
    cfg.path_loss_min_dB = cfg.path_loss_max_dB = 120;
    cfg.downlink_loss_p = 0.3;
    cr_assert_eq(channel_init(&ch, &cfg), CHANNEL_OK);
    add_rx(&cap0, 0.0);
    board_up(&b, 1);
    memset(ack, 0x12, sizeof ack);
    for (i = 0; i < 5000; i++) {
        uint64_t t = (uint64_t)i * 1000;
        now = t;
        b.board.radio->listen(b.board.ctx, &p, t + 900);
        cr_assert_eq(channel_downlink(&ch, 0, ack, sizeof ack, &p, t, NULL), CHANNEL_OK);
        advance_to(t + 999);
        got += b.board.radio->receive(b.board.ctx, buf, sizeof buf, &meta) == sizeof ack;
    }
    cr_assert(fabs(1.0 - got / 5000.0 - 0.3) < 4 * sqrt(0.3 * 0.7 / 5000), "delivered %u", got);
    cr_assert_eq(channel_stats(&ch, -1)->downlinks_lost + got, 5000);
}

Test(channel, a_station_is_deaf_to_uplinks_while_it_transmits)
{
    static struct sim_board b;
    struct board_radio_params p = params(ACK_HZ, 9, 14);
    uint8_t ack[23];
    exact_channel(1);
    add_rx(&cap0, 0.0);
    add_rx(&cap1, 0.0);
    board_up(&b, 1);
    memset(ack, 0x12, sizeof ack);
    now = 1000;
    cr_assert_eq(channel_downlink(&ch, 0, ack, sizeof ack, &p, 1000, NULL), CHANNEL_OK);
    send_at(&b, 1050, 1, 9);
    advance_to(5000);
    cr_assert_eq(cap0.n, 0, "gateway 0 was sending its ack");
    cr_assert_eq(cap1.n, 1, "gateway 1 heard it");
    cr_assert_eq(channel_stats(&ch, 0)->half_duplex, 1);
}

/* A gateway in the same process: acks from inside the receive callback. */
static int answered;
static void ack_at_once(void *ctx, const uint8_t *frame, size_t len,
                        const struct channel_rx_meta *m)
{
    struct board_radio_params p = params(ACK_HZ, 9, 14);
    uint8_t ack[23];
    on_rx(ctx, frame, len, m);
    memset(ack, 0x12, sizeof ack);
    /* the channel's clock stands at this hand-over, not at the advance target */
    cr_assert_eq(channel_downlink(&ch, 0, ack, sizeof ack, &p, m->delivered_ms - 1, NULL),
                 CHANNEL_ERR_PAST);
    cr_assert_eq(channel_downlink(&ch, 0, ack, sizeof ack, &p, m->delivered_ms, NULL),
                 CHANNEL_OK);
    answered++;
}

Test(channel, a_receiver_callback_can_answer_with_a_downlink_at_its_own_time)
{
    static struct sim_board b;
    struct channel_receiver r;
    struct channel_config cfg;
    uint8_t buf[64];
    struct board_rx_meta meta;
    channel_config_default(&cfg);
    cfg.fading_dB = 0;
    cfg.delay_max_ms = 30;
    cr_assert_eq(channel_init(&ch, &cfg), CHANNEL_OK);
    memset(&cap0, 0, sizeof cap0);
    memset(&r, 0, sizeof r);
    r.on_rx = ack_at_once;
    r.ctx = &cap0;
    cr_assert_eq(channel_add_receiver(&ch, &r, NULL), CHANNEL_OK);
    board_up(&b, 1);
    send_at(&b, 1000, 1, 9);
    {
        struct board_radio_params p = params(ACK_HZ, 9, 14);
        b.board.radio->listen(b.board.ctx, &p, 5000);
    }
    advance_to(5000); /* one call: the hand-over and the ack both happen inside */
    cr_assert_eq(answered, 1);
    cr_assert_eq(b.board.radio->receive(b.board.ctx, buf, sizeof buf, &meta), 23);
    cr_assert_eq(channel_stats(&ch, -1)->downlinks_delivered, 1);
}

Test(channel, a_cancelled_downlink_never_goes_on_air)
{
    static struct sim_board b;
    struct board_radio_params p = params(ACK_HZ, 9, 14);
    uint8_t ack[23], buf[64];
    struct board_rx_meta meta;
    uint64_t ticket;
    exact_channel(1);
    add_rx(&cap0, 0.0);
    board_up(&b, 1);
    memset(ack, 0x12, sizeof ack);
    b.board.radio->listen(b.board.ctx, &p, 10000);
    cr_assert_eq(channel_downlink(&ch, 0, ack, sizeof ack, &p, 2000, &ticket), CHANNEL_OK);
    advance_to(1000);
    cr_assert_eq(channel_cancel(&ch, ticket), CHANNEL_OK);
    cr_assert_eq(channel_cancel(&ch, ticket), CHANNEL_ERR_NOT_FOUND);
    advance_to(5000);
    cr_assert_eq(b.board.radio->receive(b.board.ctx, buf, sizeof buf, &meta), 0);
    cr_assert_eq(channel_stats(&ch, -1)->downlinks_sent, 0);
}

/* --- determinism and bookkeeping -------------------------------------------- */

struct run_result {
    uint64_t hash;
    struct channel_stats stats;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    size_t i;
    for (i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001B3ULL;
    return h;
}

/* A busy little town: 12 handhelds on two SFs with everything switched on,
 * two gateways. Send times come from a fixed schedule; step is how often
 * the channel is advanced in between, which must not matter. */
static struct run_result busy_town(uint64_t seed, uint64_t step)
{
    static struct sim_board boards[12];
    struct channel_config cfg;
    struct run_result res;
    uint64_t t, sched = 12345;
    size_t k;
    int i;
    channel_config_default(&cfg);
    cfg.seed = seed;
    cfg.bit_error_p = 0.05;
    cfg.bit_error_bits = 2;
    cfg.bit_error_pass_p = 0.2;
    cfg.dup_p = 0.05;
    cfg.delay_max_ms = 300;
    cr_assert_eq(channel_init(&ch, &cfg), CHANNEL_OK);
    add_rx(&cap0, 0.1);
    add_rx(&cap1, 0.2);
    for (i = 0; i < 12; i++)
        board_up(&boards[i], 100 + i);
    for (t = 0; t < 600000; t += 50) {
        /* the schedule: a fixed pseudo-random choice per 50 ms slot */
        sched = sched * 6364136223846793005ULL + 1442695040888963407ULL;
        if ((sched >> 60) == 0) {
            struct sim_board *b = &boards[(sched >> 32) % 12];
            send_at(b, t, (uint32_t)(t / 50), (uint8_t)(7 + 2 * ((sched >> 40) & 1)));
        }
        if (t % step == 0)
            advance_to(t);
    }
    advance_to(t + 10000);
    res.hash = 1469598103934665603ULL;
    for (k = 0; k < cap0.n; k++) {
        const struct got *g = &cap0.got[k];
        res.hash = fnv(res.hash, g->frame, g->len);
        res.hash = fnv(res.hash, &g->tx, sizeof g->tx);
        res.hash = fnv(res.hash, &g->delivered_ms, sizeof g->delivered_ms);
        res.hash = fnv(res.hash, &g->rssi, sizeof g->rssi);
    }
    for (k = 0; k < cap1.n; k++)
        res.hash = fnv(res.hash, cap1.got[k].frame, cap1.got[k].len);
    res.stats = ch.stats;
    return res;
}

Test(channel, the_same_seed_gives_the_same_outcome_and_another_seed_another)
{
    struct run_result a = busy_town(42, 50), b = busy_town(42, 50), c = busy_town(43, 50);
    cr_assert_eq(a.hash, b.hash);
    cr_assert_eq(memcmp(&a.stats, &b.stats, sizeof a.stats), 0);
    cr_assert_neq(a.hash, c.hash);
    /* the run really exercised the effects it claims to be deterministic in */
    cr_assert_gt(a.stats.collided, 0);
    cr_assert_gt(a.stats.lost, 0);
    cr_assert_gt(a.stats.duplicated, 0);
    cr_assert_gt(a.stats.corrupted_dropped, 0);
    cr_assert_gt(a.stats.corrupted_passed, 0);
}

Test(channel, the_outcome_does_not_depend_on_how_often_the_channel_is_advanced)
{
    struct run_result fine = busy_town(42, 50), coarse = busy_town(42, 5000);
    cr_assert_eq(fine.hash, coarse.hash);
    cr_assert_eq(memcmp(&fine.stats, &coarse.stats, sizeof fine.stats), 0);
}

Test(channel, every_transmission_is_accounted_for_at_every_receiver)
{
    int r;
    (void)busy_town(7, 50);
    cr_assert_eq(ch.stats.rejected_pending, 0, "tables were large enough");
    for (r = 0; r < 2; r++) {
        const struct channel_stats *s = channel_stats(&ch, r);
        cr_assert_eq(s->sent, s->received - s->duplicated + s->lost + s->too_weak + s->collided +
                                  s->half_duplex + s->corrupted_dropped + s->aborted,
                     "receiver %d: sent %lu", r, (unsigned long)s->sent);
    }
    cr_assert_eq(cap0.n, channel_stats(&ch, 0)->received);
    cr_assert_eq(cap0.crc_errors, channel_stats(&ch, 0)->corrupted_dropped);
}

/* --- configuration and misuse ---------------------------------------------- */

Test(channel, refuses_impossible_configurations)
{
    struct channel_config cfg;
    struct channel_receiver r;
    channel_config_default(&cfg);
    cfg.dup_p = 1.5;
    cr_assert_eq(channel_init(&ch, &cfg), CHANNEL_ERR_CONFIG);
    channel_config_default(&cfg);
    cfg.cr = 4;
    cr_assert_eq(channel_init(&ch, &cfg), CHANNEL_ERR_CONFIG);
    channel_config_default(&cfg);
    cfg.path_loss_min_dB = 130;
    cfg.path_loss_max_dB = 120;
    cr_assert_eq(channel_init(&ch, &cfg), CHANNEL_ERR_CONFIG);
    channel_config_default(&cfg);
    cfg.bit_error_p = 0.1;
    cfg.bit_error_bits = 0;
    cr_assert_eq(channel_init(&ch, &cfg), CHANNEL_ERR_CONFIG);
    channel_config_default(&cfg);
    cfg.downlink_loss_p = NAN;
    cr_assert_eq(channel_init(&ch, &cfg), CHANNEL_ERR_CONFIG);
    channel_config_default(&cfg);
    cr_assert_eq(channel_init(&ch, &cfg), CHANNEL_OK);
    memset(&r, 0, sizeof r);
    r.on_rx = on_rx;
    r.loss_p = -0.1;
    cr_assert_eq(channel_add_receiver(&ch, &r, NULL), CHANNEL_ERR_CONFIG);
}

Test(channel, counts_frames_it_cannot_put_on_air_instead_of_dropping_them_silently)
{
    static struct sim_board b;
    struct board_radio_params p = params(UPLINK_HZ, 6, 14); /* SF6: not in EU868 */
    uint8_t f[FRAME_LEN] = {1};
    exact_channel(1);
    add_rx(&cap0, 0.0);
    board_up(&b, 1);
    cr_assert_eq(channel_uplink(&ch, &b, f, sizeof f, &p, 0), CHANNEL_ERR_PARAMS);
    p.sf = 9;
    cr_assert_eq(channel_uplink(&ch, &b, f, 0, &p, 0), CHANNEL_ERR_PARAMS);
    cr_assert_eq(channel_stats(&ch, -1)->rejected, 2);
    cr_assert_eq(channel_stats(&ch, -1)->sent, 0);
}

Test(channel, strerror_has_a_sentence_for_every_code)
{
    int e;
    for (e = 0; e > -CHANNEL_ERR_COUNT_; e--)
        cr_assert_str_neq(channel_strerror(e), "unknown channel error", "code %d", e);
    cr_assert_str_eq(channel_strerror(-CHANNEL_ERR_COUNT_), "unknown channel error");
    cr_assert_str_eq(channel_strerror(1), "unknown channel error");
}
