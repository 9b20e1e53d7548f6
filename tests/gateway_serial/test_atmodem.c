/* test_atmodem.c -- the gateway's AT modem drivers (gateway/modemdrv.h,
 * atmodem.c, rui3.c, wioe5.c) against the emulators of
 * hardware/sim/at_modem.c over a real pseudo terminal, in real time.
 *
 * Each test runs the daemon's loop (poll the driver's fd, on_events, tick)
 * and the emulator side by side in one process. Criterion runs each test in
 * its own process; the symlink is named by pid.
 *
 * The ack tests print the time budget they measured (retune, send
 * latency, start error against tx_at_ms) for docs/modems.md; what they
 * assert is the protocol's window (§3.1), with the emulator's latencies.
 */
#define _DEFAULT_SOURCE

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "airtime.h"
#include "at_modem.h"
#include "log.h"
#include "modemdrv.h"

static struct at_modem em;
static struct modemdrv drv;
static char link_path[128];
static char err[512];

static struct {
    struct modem_rx rx[16];
    int nrx, ntx_done, nstatus;
    struct modem_tx_done done[16];
} got;

static void on_msg(void *ctx, const struct modem_msg *m, int64_t now)
{
    (void)ctx;
    (void)now;
    if (m->type == MODEM_RX && got.nrx < 16)
        got.rx[got.nrx++] = m->u.rx;
    else if (m->type == MODEM_TX_DONE && got.ntx_done < 16)
        got.done[got.ntx_done++] = m->u.tx_done;
    else if (m->type == MODEM_STATUS)
        got.nstatus++;
}

/* Run both ends for ms, or until *until becomes true. */
static void pump(int ms, int (*until)(void))
{
    int64_t end = at_modem_now_ms() + ms;
    for (;;) {
        struct pollfd p[2];
        int64_t now = at_modem_now_ms();
        int t;
        if (now >= end || (until && until()))
            return;
        p[0].fd = modemdrv_fd(&drv);
        p[0].events = modemdrv_poll_events(&drv);
        p[0].revents = 0;
        p[1].fd = at_modem_master_fd(&em);
        p[1].events = POLLIN;
        p[1].revents = 0;
        t = modemdrv_timeout_ms(&drv, now);
        if (t < 0 || t > 5)
            t = 5;
        poll(p, 2, t);
        now = at_modem_now_ms();
        if (p[0].fd >= 0 && p[0].revents)
            modemdrv_on_events(&drv, p[0].revents, now, on_msg, NULL);
        modemdrv_tick(&drv, now);
        at_modem_poll(&em, 0);
    }
}

static int is_up(void)
{
    return modemdrv_is_up(&drv, at_modem_now_ms());
}

static int refused(void)
{
    return drv.u.at.phase == ATMODEM_REFUSED;
}

static int want_done;

/* The uplink the driver was told to hear; NULL to modemdrv_open_with is
 * the handheld's default. */
static struct modemdrv_uplink cfg_up = {MODEMDRV_UPLINK_FREQ_HZ, MODEMDRV_UPLINK_SF};

static int acked(void)
{
    return got.ntx_done >= want_done && drv.u.at.phase == ATMODEM_RX;
}

static void start_on(enum at_modem_kind kind, const char *version, int echo, uint32_t cmd_lat,
                     uint32_t send_lat, const struct modemdrv_uplink *up)
{
    struct at_modem_config ec;
    struct port_config pc;
    log_set_level(getenv("AT_TEST_LOG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERROR);
    memset(&got, 0, sizeof got);
    cfg_up.freq_hz = up ? up->freq_hz : MODEMDRV_UPLINK_FREQ_HZ;
    cfg_up.sf = up ? up->sf : MODEMDRV_UPLINK_SF;
    snprintf(link_path, sizeof link_path, "/tmp/lofte-at-test-%ld", (long)getpid());
    at_modem_config_default(&ec, kind, link_path);
    ec.version = version;
    ec.echo = echo;
    ec.cmd_latency_ms = cmd_lat;
    ec.send_latency_ms = send_lat;
    cr_assert_eq(at_modem_open(&em, &ec), AT_MODEM_OK, "%s", em.err);
    port_config_default(&pc, link_path);
    pc.baud = kind == AT_MODEM_RUI3 ? 115200 : 9600;
    cr_assert_eq(modemdrv_open_with(&drv,
                                    kind == AT_MODEM_RUI3 ? CONFIG_MODEM_RUI3 : CONFIG_MODEM_WIOE5,
                                    &pc, up, at_modem_now_ms(), err, sizeof err),
                 0, "%s", err);
}

static void start(enum at_modem_kind kind, const char *version, int echo, uint32_t cmd_lat,
                  uint32_t send_lat)
{
    start_on(kind, version, echo, cmd_lat, send_lat, NULL);
}

static void stop(void)
{
    modemdrv_close(&drv);
    at_modem_close(&em);
}

static struct at_modem_radio uplink(void)
{
    struct at_modem_radio r;
    memset(&r, 0, sizeof r);
    r.freq_hz = cfg_up.freq_hz;
    r.sf = cfg_up.sf;
    r.bw_kHz = 125;
    r.cr = 5;
    r.preamble = 8;
    r.syncword = 0x1424;
    r.crc_on = 1;
    return r;
}

static void assert_receiving_the_uplink(void)
{
    cr_assert(em.rx_on, "the emulated radio is not receiving");
    cr_assert_eq(em.radio.freq_hz, cfg_up.freq_hz);
    cr_assert_eq(em.radio.sf, cfg_up.sf);
    cr_assert_eq(em.radio.bw_kHz, 125);
    cr_assert_eq(em.radio.cr, 5);
    cr_assert_eq(em.radio.preamble, 8);
    cr_assert_eq(em.radio.iq_inverted, 0);
    cr_assert_eq(em.radio.syncword, 0x1424);
}

static void sets_up_and_receives(enum at_modem_kind kind, int echo)
{
    struct at_modem_radio r = uplink();
    uint8_t frame[28];
    int64_t before;
    struct modemdrv_info mi;
    size_t i;
    start(kind, NULL, echo, 10, 20);
    pump(5000, is_up);
    cr_assert(is_up(), "not set up: phase %d, %llu timeouts", drv.u.at.phase,
              (unsigned long long)drv.u.at.st.timeouts);
    assert_receiving_the_uplink();
    modemdrv_info(&drv, &mi);
    cr_assert_str_eq(mi.firmware, kind == AT_MODEM_RUI3 ? "RUI_4.1.0_RAK3172-E" : "4.0.11");
    cr_assert_str_eq(mi.state, "receiving");
    for (i = 0; i < sizeof frame; i++)
        frame[i] = (uint8_t)(0x11 + 7 * i);
    before = at_modem_now_ms();
    cr_assert_eq(at_modem_receive(&em, frame, sizeof frame, -97, -29, &r), 1);
    pump(500, NULL);
    cr_assert_eq(got.nrx, 1);
    cr_assert_eq(got.rx[0].len, sizeof frame);
    cr_assert_eq(memcmp(got.rx[0].frame, frame, sizeof frame), 0);
    cr_assert_eq(got.rx[0].rssi_dBm, -97);
    cr_assert_eq(got.rx[0].snr_qdB, -28); /* the modems print whole dB: -7 */
    cr_assert_eq(got.rx[0].sf, 9);
    cr_assert_eq(got.rx[0].freq_hz, 868100000u);
    /* the end of reception is placed before the line arrived, by its
     * time on the wire (at 9600 baud ~100 ms for a Wio-E5's two lines) */
    cr_assert_leq((int64_t)got.rx[0].rx_time_ms, at_modem_now_ms());
    cr_assert_geq((int64_t)got.rx[0].rx_time_ms, before - (kind == AT_MODEM_RUI3 ? 20 : 200));
    stop();
}

Test(atmodem, sets_up_a_rui3_module_and_hands_on_its_receptions)
{
    sets_up_and_receives(AT_MODEM_RUI3, 0);
}

Test(atmodem, sets_up_a_rui3_module_with_echo_on)
{
    sets_up_and_receives(AT_MODEM_RUI3, 1);
}

Test(atmodem, sets_up_a_wioe5_module_and_hands_on_its_receptions)
{
    sets_up_and_receives(AT_MODEM_WIOE5, 0);
}

/* Receive an uplink, answer it as the daemon does (§3.1 timing), check the
 * ack went out retuned, in time, and the module came back to receive. */
static void one_ack(enum at_modem_kind kind, uint8_t fill, int64_t *start_err)
{
    struct at_modem_radio r = uplink();
    struct at_modem_tx tx;
    struct modem_tx ack;
    uint8_t frame[28];
    uint64_t rx_end;
    uint32_t toa;
    int before = got.ntx_done;
    memset(frame, fill, sizeof frame);
    got.nrx = 0;
    cr_assert_eq(at_modem_receive(&em, frame, sizeof frame, -80, 20, &r), 1);
    pump(500, NULL);
    cr_assert_eq(got.nrx, 1);
    rx_end = got.rx[0].rx_time_ms;
    memset(&ack, 0, sizeof ack);
    ack.tx_at_ms = (rx_end + 1000 + 999) / 1000 * 1000;
    ack.freq_hz = 869525000;
    ack.sf = got.rx[0].sf; /* the daemon's default: the SF of the uplink answered */
    ack.bw_kHz = 125;
    ack.power_dBm = 14;
    ack.len = 23;
    memset(ack.frame, fill ^ 0x5a, 23);
    cr_assert_eq(modemdrv_send_tx(&drv, &ack, at_modem_now_ms(), NULL), 0);
    want_done = before + 1;
    pump(4000, acked);
    cr_assert_eq(got.ntx_done, before + 1, "no TX_DONE");
    cr_assert_eq(got.done[before].status, MODEM_TX_SENT, "TX_DONE status %u",
                 got.done[before].status);
    cr_assert_eq(at_modem_take_tx(&em, &tx), 1);
    cr_assert_eq(tx.radio.freq_hz, 869525000u);
    cr_assert_eq(tx.radio.iq_inverted, 1);
    cr_assert_eq(tx.radio.sf, cfg_up.sf);
    cr_assert_eq(tx.radio.bw_kHz, 125);
    cr_assert_eq(tx.len, 23);
    cr_assert_eq(memcmp(tx.frame, ack.frame, 23), 0);
    cr_assert_eq(tx.radio.crc_on, 1, "the ack keeps its LoRa CRC (docs/protocol.md §3.1)");
    /* §3.1: the device listens until 3 s after its uplink ended plus the
     * ack's time on air; the ack must also not start before tx_at_ms by
     * more than the clock error the device tolerates */
    toa = airtime_us(cfg_up.sf, 125, 5, 23) / 1000;
    cr_assert_leq(tx.end_ms, (int64_t)rx_end + 3000 + toa, "ack ends after the window");
    *start_err = tx.start_ms - (int64_t)ack.tx_at_ms;
    printf("%s ack: start %+lld ms vs tx_at (driver's estimate %+lld), retune %lld ms, "
           "send latency %lld ms, back to RX %lld ms after TX done\n",
           kind == AT_MODEM_RUI3 ? "rui3" : "wio-e5", (long long)*start_err,
           (long long)drv.u.at.st.last_start_error_ms, (long long)drv.u.at.st.last_retune_ms,
           (long long)drv.u.at.st.last_send_latency_ms,
           (long long)drv.u.at.st.last_back_to_rx_ms);
    pump(300, NULL);
    assert_receiving_the_uplink();
}

static void acks_in_the_window(enum at_modem_kind kind, uint32_t cmd_lat, uint32_t send_lat)
{
    int64_t e1, e2;
    start(kind, NULL, 0, cmd_lat, send_lat);
    pump(8000, is_up);
    cr_assert(is_up());
    one_ack(kind, 0x21, &e1);
    one_ack(kind, 0x42, &e2);
    /* the second ack knows the send latency from the first: it starts on
     * its second within a few ms (poll granularity, one pty hop) */
    cr_assert_leq(e2 < 0 ? -e2 : e2, 25, "second ack starts %lld ms off", (long long)e2);
    stop();
}

Test(atmodem, acks_over_rui3_on_the_downlink_inside_the_window)
{
    acks_in_the_window(AT_MODEM_RUI3, 10, 20);
}

Test(atmodem, acks_over_wioe5_on_the_downlink_inside_the_window)
{
    acks_in_the_window(AT_MODEM_WIOE5, 10, 20);
}

Test(atmodem, acks_over_slow_modems_inside_the_window)
{
    /* a slow module: 150 ms a command, 250 ms to start a send */
    acks_in_the_window(AT_MODEM_RUI3, 150, 250);
}

Test(atmodem, acks_over_a_slow_wioe5_inside_the_window)
{
    acks_in_the_window(AT_MODEM_WIOE5, 150, 250);
}

/* A single-channel modem hears one channel and SF: the configured ones
 * ([radio] uplink_freq_hz, uplink_sf), not the defaults; a handheld on
 * another channel or SF is not heard (and the status says "never"); the
 * module goes back to that uplink after an ack. */
static void listens_where_configured(enum at_modem_kind kind)
{
    static const struct modemdrv_uplink up = {868300000u, 7};
    struct at_modem_radio r;
    struct modemdrv_info mi;
    uint8_t frame[28];
    int64_t e;
    memset(frame, 0x33, sizeof frame);
    start_on(kind, NULL, 0, 10, 20, &up);
    pump(5000, is_up);
    cr_assert(is_up());
    assert_receiving_the_uplink();
    cr_assert_eq(em.radio.freq_hz, 868300000u, "set up on the configured channel");
    cr_assert_eq(em.radio.sf, 7, "set up with the configured SF");
    modemdrv_info(&drv, &mi);
    cr_assert(mi.uplink_set);
    cr_assert_eq(mi.uplink_freq_hz, 868300000u);
    cr_assert_eq(mi.uplink_sf, 7);
    cr_assert_eq(mi.uplink_bw_kHz, 125);
    cr_assert_eq(mi.last_rx_ms, -1, "nothing heard yet");

    /* handhelds left on the default channel and SF, then on the right
     * channel with the wrong SF: neither is heard */
    r = uplink();
    r.freq_hz = 868100000u;
    r.sf = 9;
    cr_assert_eq(at_modem_receive(&em, frame, sizeof frame, -80, 20, &r), 0);
    r.freq_hz = 868300000u;
    cr_assert_eq(at_modem_receive(&em, frame, sizeof frame, -80, 20, &r), 0);
    pump(300, NULL);
    cr_assert_eq(em.stats.unheard[AT_MODEM_UNHEARD_FREQ], 1);
    cr_assert_eq(em.stats.unheard[AT_MODEM_UNHEARD_SF_BW], 1);
    cr_assert_eq(got.nrx, 0);
    modemdrv_info(&drv, &mi);
    cr_assert_eq(mi.last_rx_ms, -1, "a mismatch leaves the status at 'never'");

    /* a handheld on the configured uplink: heard, reported with its
     * channel and SF, acked, and the module is back on that uplink */
    one_ack(kind, 0x44, &e);
    cr_assert_eq(got.rx[0].freq_hz, 868300000u);
    cr_assert_eq(got.rx[0].sf, 7);
    modemdrv_info(&drv, &mi);
    cr_assert_geq(mi.last_rx_ms, 0);
    cr_assert_eq(em.radio.freq_hz, 868300000u, "back on the configured channel after the ack");
    cr_assert_eq(em.radio.sf, 7);
    stop();
}

Test(atmodem, sets_up_a_rui3_module_on_the_configured_uplink_and_hears_only_it)
{
    listens_where_configured(AT_MODEM_RUI3);
}

Test(atmodem, sets_up_a_wioe5_module_on_the_configured_uplink_and_hears_only_it)
{
    listens_where_configured(AT_MODEM_WIOE5);
}

/* The configuration's rows reach the driver (modemdrv_open). */
Test(atmodem, takes_the_uplink_channel_and_sf_from_the_configuration)
{
    static struct config c;
    char *argv[] = {"lofte-gateway", "--port", "/tmp/lofte-no-such-port", "--station_id", "3",
                    "--collector", "tcp://127.0.0.1:7710", "--collector_public_key",
                    "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "--modem", "rui3",
                    "--uplink-freq-hz", "868500000", "--uplink-sf", "11", NULL};
    log_set_level(LOG_LEVEL_ERROR);
    cr_assert_eq(config_load(&c, 15, argv, err, sizeof err), CONFIG_OK, "%s", err);
    cr_assert_eq(modemdrv_open(&drv, &c, at_modem_now_ms(), err, sizeof err), 0, "%s", err);
    cr_assert_eq(drv.u.at.cfg.uplink.freq_hz, 868500000u);
    cr_assert_eq(drv.u.at.cfg.uplink.sf, 11);
    cr_assert_eq(drv.u.at.cfg.uplink.bw_kHz, 125);
    modemdrv_close(&drv);
}

static void sets_up_again_after_reboot(enum at_modem_kind kind)
{
    uint64_t setups;
    start(kind, NULL, 0, 10, 20);
    drv.u.at.cfg.keepalive_ms = 400; /* the Wio-E5's reset is found by the keep-alive */
    pump(5000, is_up);
    cr_assert(is_up());
    setups = drv.u.at.st.setups_done;
    at_modem_reboot(&em);
    cr_assert_eq(em.rx_on, 0);
    pump(3000, NULL);
    cr_assert_gt(drv.u.at.st.setups_done, setups, "not set up again after the reset");
    cr_assert_geq(drv.u.at.st.reboots_seen, 1);
    assert_receiving_the_uplink();
    stop();
}

Test(atmodem, sets_up_a_rui3_module_again_after_it_reboots)
{
    sets_up_again_after_reboot(AT_MODEM_RUI3);
}

Test(atmodem, sets_up_a_wioe5_module_again_after_it_resets)
{
    sets_up_again_after_reboot(AT_MODEM_WIOE5);
}

static void sets_up_again_after_replug(enum at_modem_kind kind)
{
    uint64_t setups;
    start(kind, NULL, 0, 10, 20);
    pump(5000, is_up);
    cr_assert(is_up());
    setups = drv.u.at.st.setups_done;
    at_modem_unplug(&em);
    pump(300, NULL);
    cr_assert(!is_up());
    cr_assert_eq(at_modem_replug(&em), AT_MODEM_OK, "%s", em.err);
    pump(6000, is_up);
    cr_assert(is_up(), "not up again after the replug");
    cr_assert_gt(drv.u.at.st.setups_done, setups);
    cr_assert_geq(drv.u.at.ls.hangups, 1);
    assert_receiving_the_uplink();
    stop();
}

Test(atmodem, sets_up_a_rui3_module_again_after_a_replug)
{
    sets_up_again_after_replug(AT_MODEM_RUI3);
}

Test(atmodem, sets_up_a_wioe5_module_again_after_a_replug)
{
    sets_up_again_after_replug(AT_MODEM_WIOE5);
}

static void refuses(enum at_modem_kind kind, const char *version, const char *says)
{
    start(kind, version, 0, 10, 20);
    pump(3000, refused);
    cr_assert(refused(), "firmware %s not refused (phase %d)", version, drv.u.at.phase);
    cr_assert(strstr(drv.u.at.refused_why, says), "'%s'", drv.u.at.refused_why);
    cr_assert(!is_up());
    cr_assert_eq(em.rx_on, 0);
    pump(300, NULL);
    cr_assert(refused(), "a refused module is not set up again");
    stop();
}

Test(atmodem, refuses_rui3_firmware_older_than_4_0_1)
{
    refuses(AT_MODEM_RUI3, "RUI_3.5.2_RAK3172-E", "too old");
}

Test(atmodem, refuses_rui3_4_0_0_whose_p2p_is_broken)
{
    refuses(AT_MODEM_RUI3, "RUI_4.0.0_RAK3172-E", "RUI-922");
}

Test(atmodem, refuses_the_pre_rui3_rak3172_firmware)
{
    refuses(AT_MODEM_RUI3, "V1.0.4", "not RUI3");
}

Test(atmodem, refuses_wioe5_firmware_older_than_4)
{
    refuses(AT_MODEM_WIOE5, "3.2.1", "too old");
}

Test(atmodem, refuses_an_ack_when_the_module_is_not_receiving)
{
    struct modem_tx ack;
    start(AT_MODEM_RUI3, "V1.0.4", 0, 10, 20);
    pump(3000, refused);
    memset(&ack, 0, sizeof ack);
    ack.freq_hz = 869525000;
    ack.sf = got.rx[0].sf; /* the daemon's default: the SF of the uplink answered */
    ack.bw_kHz = 125;
    ack.len = 23;
    cr_assert_eq(modemdrv_send_tx(&drv, &ack, at_modem_now_ms(), NULL), MODEMLINK_ERR_DOWN);
    cr_assert_eq(drv.u.at.ls.tx_refused_down, 1);
    stop();
}

Test(atmodem, keeps_receiving_when_lines_arrive_between_a_command_and_its_status)
{
    struct at_modem_radio r = uplink();
    uint8_t frame[4] = {1, 2, 3, 4};
    start(AT_MODEM_RUI3, NULL, 0, 200, 20);
    drv.u.at.cfg.keepalive_ms = 300;
    pump(8000, is_up);
    cr_assert(is_up());
    /* a keep-alive is out for 200 ms: receptions and noise come first */
    pump(350, NULL);
    cr_assert(drv.u.at.waiting, "no command in flight");
    cr_assert_eq(at_modem_receive(&em, frame, 4, -70, 8, &r), 1);
    {
        static const char noise[] = "\r\n+EVT:RXP2P:-70:2:XYZ\r\ngarbage\r\n";
        at_modem_inject(&em, noise, sizeof noise - 1);
    }
    pump(600, NULL);
    cr_assert_eq(got.nrx, 1);
    cr_assert(is_up());
    cr_assert_eq(drv.u.at.st.timeouts, 0);
    cr_assert_eq(drv.u.at.lines.stats.rejected[ATLINE_REJ_BAD_HEX], 1);
    cr_assert_eq(drv.u.at.lines.stats.rejected[ATLINE_REJ_UNKNOWN], 1);
    stop();
}

/* --modem picks the driver; a baud left unset is the modem's own. */
static void open_from_args(char **argv, int argc, struct config *c)
{
    cr_assert_eq(config_load(c, argc, argv, err, sizeof err), CONFIG_OK, "%s", err);
    cr_assert_eq(modemdrv_open(&drv, c, at_modem_now_ms(), err, sizeof err), 0, "%s", err);
}

Test(atmodem, takes_the_modem_kind_and_its_default_baud_from_the_configuration)
{
    static struct config c;
    char *wio[] = {"lofte-gateway", "--port", "/tmp/lofte-no-such-port", "--station_id", "3",
                   "--collector", "tcp://127.0.0.1:7710", "--collector_public_key",
                   "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "--modem", "wio-e5", NULL};
    char *rui[] = {"lofte-gateway", "--port", "/tmp/lofte-no-such-port", "--station_id", "3",
                   "--collector", "tcp://127.0.0.1:7710", "--collector_public_key",
                   "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "--modem", "rui3", "--baud",
                   "57600", NULL};
    char *bad[] = {"lofte-gateway", "--port", "/tmp/x", "--station_id", "3", "--collector",
                   "tcp://127.0.0.1:7710", "--collector_public_key",
                   "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "--modem", "sx1302", NULL};
    struct modemdrv_info mi;
    log_set_level(LOG_LEVEL_ERROR);
    open_from_args(wio, 11, &c);
    cr_assert_eq(c.modem, CONFIG_MODEM_WIOE5);
    cr_assert_eq(drv.u.at.port.cfg.baud, 9600);
    modemdrv_info(&drv, &mi);
    cr_assert_str_eq(mi.type, "wio-e5");
    cr_assert_str_eq(mi.state, "closed");
    modemdrv_close(&drv);
    open_from_args(rui, 13, &c);
    cr_assert_eq(c.modem, CONFIG_MODEM_RUI3);
    cr_assert_eq(drv.u.at.port.cfg.baud, 57600, "a baud given wins");
    modemdrv_close(&drv);
    cr_assert_neq(config_load(&c, 11, bad, err, sizeof err), CONFIG_OK);
    cr_assert(strstr(err, "modem"), "%s", err);
}

/* The lofte modem has no message that sets what it listens on (§7.2): the
 * uplink rows are ignored with it, and the log says so when they were
 * set, never when left at their defaults. */
static void lofte_open_logs(char **argv, int argc, char *out, size_t cap)
{
    static struct config c;
    char path[] = "/tmp/lofte-at-log-XXXXXX";
    int fd = mkstemp(path);
    ssize_t n;
    cr_assert_geq(fd, 0);
    unlink(path);
    log_set_level(LOG_LEVEL_WARN);
    log_set_fd(fd);
    cr_assert_eq(config_load(&c, argc, argv, err, sizeof err), CONFIG_OK, "%s", err);
    cr_assert_eq(c.modem, CONFIG_MODEM_LOFTE);
    cr_assert_eq(modemdrv_open(&drv, &c, at_modem_now_ms(), err, sizeof err), 0, "%s", err);
    modemdrv_close(&drv);
    log_set_fd(2);
    n = pread(fd, out, cap - 1, 0);
    out[n > 0 ? n : 0] = 0;
    close(fd);
}

Test(atmodem, the_lofte_modem_says_it_ignores_the_uplink_settings)
{
    char *set[] = {"lofte-gateway", "--port", "/tmp/lofte-no-such-port", "--station_id", "3",
                   "--collector", "tcp://127.0.0.1:7710", "--collector_public_key",
                   "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "--uplink-sf", "7", NULL};
    char *unset[] = {"lofte-gateway", "--port", "/tmp/lofte-no-such-port", "--station_id", "3",
                     "--collector", "tcp://127.0.0.1:7710", "--collector_public_key",
                     "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", NULL};
    static char text[4096];
    struct modemdrv_info mi;
    lofte_open_logs(set, 11, text, sizeof text);
    cr_assert(strstr(text, "uplink_sf (option --uplink-sf) is ignored with modem = lofte"),
              "%s", text);
    cr_assert_null(strstr(text, "uplink_freq_hz"), "%s", text);
    modemdrv_info(&drv, &mi);
    cr_assert_eq(mi.uplink_set, 0, "the status shows no uplink the gateway did not set");
    lofte_open_logs(unset, 9, text, sizeof text);
    cr_assert_null(strstr(text, "ignored"), "%s", text);
}
