/* test_modemlink.c -- the gateway's serial port and modem link
 * (gateway/port.h, gateway/modemlink.h) against a real pseudo terminal.
 *
 * The far end is hardware/sim/modem_pty: a simulated modem on a pty, with
 * a stable symlink the gateway opens exactly as it would open
 * /dev/serial/by-id/... of a real adapter. Bytes the modem would never
 * send (garbage, broken frames) are written straight to the pty master.
 * The gateway side runs the daemon's poll loop as modemlink.h shows it.
 *
 * Criterion runs each test in its own process: the symlink is named by
 * pid, and CPU time is the test's own.
 */
#define _DEFAULT_SOURCE

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cobs.h"
#include "crc16.h"
#include "log.h"
#include "modem.h"
#include "modem_pty.h"
#include "modemlink.h"
#include "port.h"
#include "serial_frame.h"
#include "testutil.h"
#include "vectors.h"

static struct modem_pty m;
static struct modemlink ml;
static char link_path[128];
static char err[512];

/* What the callback was handed. */
static struct {
    struct modem_rx rx[64];
    size_t nrx, nstatus, ntx_done;
    struct modem_status status;
} got;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_msg(void *ctx, const struct modem_msg *msg, int64_t now_ms)
{
    (void)ctx;
    (void)now_ms;
    if (msg->type == MODEM_RX && got.nrx < 64)
        got.rx[got.nrx++] = msg->u.rx;
    else if (msg->type == MODEM_STATUS) {
        got.nstatus++;
        got.status = msg->u.status;
    } else if (msg->type == MODEM_TX_DONE)
        got.ntx_done++;
}

static void setup(void)
{
    struct modem_pty_config cfg;
    memset(&got, 0, sizeof got);
    memset(&ml, 0, sizeof ml);
    snprintf(link_path, sizeof link_path, "/tmp/lofte-gwserial-modem-%ld", (long)getpid());
    modem_pty_config_default(&cfg, link_path);
    cfg.status_period_ms = 0; /* tests send STATUS when they want one */
    cr_assert_eq(modem_pty_open(&m, &cfg, 0), MODEM_PTY_OK, "modem: %s", m.err);
}

static void teardown(void)
{
    modemlink_close(&ml);
    modem_pty_close(&m);
    unlink(link_path);
}

TestSuite(modemlink, .init = setup, .fini = teardown);
TestSuite(port, .init = setup, .fini = teardown);

static void gateway_open(void)
{
    struct modemlink_config c;
    memset(&c, 0, sizeof c);
    port_config_default(&c.port, link_path);
    cr_assert_eq(modemlink_open(&ml, &c, mono_ms(), err, sizeof err), MODEMLINK_OK, "%s", err);
    cr_assert(modemlink_is_open(&ml), "the modem is plugged in: the port opens at once");
}

/* One turn of the daemon's loop: poll with the link's own timeout (capped
 * at max_ms), handle, tick. */
static void loop_once(int max_ms)
{
    struct pollfd p;
    int64_t now = mono_ms();
    int t = modemlink_timeout_ms(&ml, now);
    if (t < 0 || t > max_ms)
        t = max_ms;
    p.fd = modemlink_fd(&ml);
    p.events = modemlink_poll_events(&ml);
    p.revents = 0;
    if (poll(&p, 1, t) > 0 && p.revents)
        modemlink_on_events(&ml, p.revents, mono_ms(), on_msg, NULL);
    modemlink_tick(&ml, mono_ms());
}

/* Run the loop until *counter reaches want or ms pass; wakeups made. */
static int loop_until(const size_t *counter, size_t want, int ms)
{
    int64_t end = mono_ms() + ms;
    int wakeups = 0;
    while ((!counter || *counter < want) && mono_ms() < end) {
        int64_t left = end - mono_ms();
        loop_once(left > 0 ? (int)left : 0);
        wakeups++;
    }
    return wakeups;
}

static struct modem_rx make_rx(uint8_t tag)
{
    struct modem_rx rx;
    memset(&rx, 0, sizeof rx);
    rx.rx_time_ms = 1726345801234ULL + tag;
    rx.freq_hz = 868100000u;
    rx.rssi_dBm = (int16_t)(-90 - tag);
    rx.snr_qdB = -29;
    rx.sf = 9;
    rx.bw_kHz = 125;
    rx.cr = 5;
    rx.len = (uint8_t)hex2bin(VEC_UPLINK, rx.frame, sizeof rx.frame);
    rx.frame[rx.len - 1] ^= tag; /* tell them apart */
    return rx;
}

static void assert_rx_eq(const struct modem_rx *a, const struct modem_rx *b)
{
    cr_assert_eq(a->rx_time_ms, b->rx_time_ms);
    cr_assert_eq(a->freq_hz, b->freq_hz);
    cr_assert_eq(a->rssi_dBm, b->rssi_dBm);
    cr_assert_eq(a->snr_qdB, b->snr_qdB);
    cr_assert_eq(a->sf, b->sf);
    cr_assert_eq(a->bw_kHz, b->bw_kHz);
    cr_assert_eq(a->cr, b->cr);
    cr_assert_eq(a->len, b->len);
    cr_assert_arr_eq(a->frame, b->frame, a->len);
}

/* Bytes the modem never sends, straight onto the line. */
static void raw(const uint8_t *b, size_t n)
{
    cr_assert_eq(write(m.master, b, n), (ssize_t)n);
}

static void raw_payload(const uint8_t *payload, size_t n)
{
    uint8_t wire[SERIAL_WIRE_MAX];
    size_t wlen;
    cr_assert_eq(serial_frame_encode(payload, n, wire, sizeof wire, &wlen), PROTO_OK);
    raw(wire, wlen);
}

static void send_rx(uint8_t tag)
{
    struct modem_rx rx = make_rx(tag);
    cr_assert_eq(modem_pty_send_rx(&m, &rx), MODEM_PTY_OK, "%s", m.err);
}

/* --- reading ------------------------------------------------------------------ */

Test(modemlink, takes_exactly_the_good_frames_and_counts_the_bad_by_reason)
{
    static const uint8_t garbage[] = {0xff, 0xfe, 0xfd, 0x41, 0x42};
    static const uint8_t short_frame[] = {0x00, 0x02, 0x41, 0x00}; /* decodes to 1 byte */
    uint8_t payload[MODEM_MSG_MAX], body[MODEM_MSG_MAX + 2], wire[SERIAL_WIRE_MAX];
    size_t plen, wlen, cut_len;
    struct modem_msg msg;
    struct modem_rx want[3];
    struct serial_reader ref;
    const uint8_t *pp;
    size_t pl, i;
    int cut_reason = 0;
    const struct modemlink_stats *st;
    struct modem_status last;

    gateway_open();
    for (i = 0; i < 3; i++)
        want[i] = make_rx((uint8_t)(i + 1));

    cr_assert_eq(modem_pty_send_rx(&m, &want[0]), MODEM_PTY_OK);
    raw(garbage, sizeof garbage); /* ended by the next frame's leading 0x00 */
    cr_assert_eq(modem_pty_send_rx(&m, &want[1]), MODEM_PTY_OK);
    raw(short_frame, sizeof short_frame);

    /* a frame whose CRC does not match its payload */
    memset(&msg, 0, sizeof msg);
    msg.type = MODEM_RX;
    msg.u.rx = want[2];
    cr_assert_eq(modem_encode(&msg, payload, sizeof payload, &plen), PROTO_OK);
    memcpy(body, payload, plen);
    body[plen] = (uint8_t)(crc16(payload, plen) >> 8) ^ 0x5a;
    body[plen + 1] = (uint8_t)crc16(payload, plen);
    wire[0] = 0;
    cr_assert_eq(cobs_encode(body, plen + 2, wire + 1, sizeof wire - 2, &wlen), PROTO_OK);
    wire[1 + wlen] = 0;
    raw(wire, wlen + 2);

    /* a good RX frame cut short (a modem reset mid-frame): its reason is
     * what proto's reader says, so ask a reader of our own */
    cr_assert_eq(serial_frame_encode(payload, plen, wire, sizeof wire, &wlen), PROTO_OK);
    cut_len = wlen / 2;
    raw(wire, cut_len);
    serial_reader_init(&ref);
    for (i = 0; i < cut_len; i++)
        cr_assert_eq(serial_reader_push(&ref, wire[i], &pp, &pl), 0);
    cut_reason = serial_reader_push(&ref, 0x00, &pp, &pl);
    cr_assert_lt(cut_reason, 0, "half a frame is never good");

    cr_assert_eq(modem_pty_send_rx(&m, &want[2]), MODEM_PTY_OK);

    /* a good frame holding a message of version 2 */
    payload[0] = 2;
    raw_payload(payload, plen);
    /* a TX: the gateway's own direction, coming back */
    memset(&msg, 0, sizeof msg);
    msg.type = MODEM_TX;
    msg.u.tx.seq = 7;
    msg.u.tx.freq_hz = 869525000u;
    msg.u.tx.sf = 9;
    msg.u.tx.bw_kHz = 125;
    msg.u.tx.power_dBm = 14;
    msg.u.tx.len = 1;
    cr_assert_eq(modem_encode(&msg, payload, sizeof payload, &plen), PROTO_OK);
    raw_payload(payload, plen);

    cr_assert_eq(modem_pty_send_status(&m, 3600000), MODEM_PTY_OK); /* the last thing sent */

    loop_until(&got.nstatus, 1, 3000);
    /* and nothing more arrives */
    loop_until(NULL, 0, 100);

    cr_assert_eq(got.nrx, 3, "exactly the three good RX, got %zu", got.nrx);
    for (i = 0; i < 3; i++)
        assert_rx_eq(&got.rx[i], &want[i]);
    cr_assert_eq(got.nstatus, 1);
    cr_assert_eq(got.status.uptime_s, 3600);
    cr_assert_eq(got.status.rx_frames, 3);

    st = modemlink_stats(&ml);
    cr_assert_eq(st->rx, 3);
    cr_assert_eq(st->status, 1);
    cr_assert_eq(st->frames_ok, 6, "3 RX, STATUS, the version-2 and the TX frame");
    cr_assert_eq(st->bad_frames[-PROTO_ERR_BAD_COBS],
                 1 + (cut_reason == PROTO_ERR_BAD_COBS), "garbage%s",
                 cut_reason == PROTO_ERR_BAD_COBS ? " and the cut frame" : "");
    cr_assert_eq(st->bad_frames[-PROTO_ERR_TRUNCATED], 1 + (cut_reason == PROTO_ERR_TRUNCATED));
    cr_assert_eq(st->bad_frames[-PROTO_ERR_BAD_CRC], 1 + (cut_reason == PROTO_ERR_BAD_CRC));
    {
        uint64_t total = 0;
        for (i = 0; i < PROTO_ERR_COUNT; i++)
            total += st->bad_frames[i];
        cr_assert_eq(total, 4, "garbage, short, bad CRC, cut: %llu", (unsigned long long)total);
    }
    cr_assert_eq(st->bad_messages[-PROTO_ERR_BAD_VERSION], 1);
    cr_assert_eq(st->wrong_direction, 1);
    cr_assert_str_eq(proto_errname(-3), "bad_version", "counters are named by proto_errname");

    cr_assert(modemlink_is_up(&ml, mono_ms()));
    cr_assert_eq(modemlink_last_status(&ml, mono_ms(), &last, NULL), MODEMLINK_OK);
    cr_assert_eq(last.uptime_s, 3600);
}

Test(modemlink, is_down_until_the_modem_speaks_and_again_after_the_timeout)
{
    struct modemlink_config c;
    memset(&c, 0, sizeof c);
    port_config_default(&c.port, link_path);
    c.link_timeout_ms = 300;
    cr_assert_eq(modemlink_open(&ml, &c, mono_ms(), err, sizeof err), MODEMLINK_OK, "%s", err);
    cr_assert_not(modemlink_is_up(&ml, mono_ms()), "an open port is not a talking modem");
    cr_assert_eq(modemlink_last_status(&ml, mono_ms(), NULL, NULL), MODEMLINK_ERR_DOWN);
    cr_assert_eq(modem_pty_send_status(&m, 5000), MODEM_PTY_OK);
    loop_until(&got.nstatus, 1, 2000);
    cr_assert(modemlink_is_up(&ml, mono_ms()));
    /* the loop's timeout wakes it when the link would go down */
    cr_assert_leq(modemlink_timeout_ms(&ml, mono_ms()), 300);
    loop_until(NULL, 0, 400);
    cr_assert_not(modemlink_is_up(&ml, mono_ms()));
    cr_assert(modemlink_is_open(&ml), "silence is not a hangup");
}

Test(modemlink, drops_bytes_that_waited_in_the_port_from_before_the_open)
{
    send_rx(1); /* nobody has the port open yet */
    gateway_open();
    loop_until(NULL, 0, 200);
    cr_assert_eq(got.nrx, 0, "flushed at open");
    send_rx(2);
    loop_until(&got.nrx, 1, 2000);
    cr_assert_eq(got.nrx, 1);
    cr_assert_eq(got.rx[0].rssi_dBm, -92);
}

/* --- writing ------------------------------------------------------------------- */

static struct modem_tx make_tx(void)
{
    struct modem_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.tx_at_ms = 0;
    tx.freq_hz = 869525000u;
    tx.sf = 9;
    tx.bw_kHz = 125;
    tx.power_dBm = 14;
    tx.len = (uint8_t)hex2bin(VEC_ACK, tx.frame, sizeof tx.frame);
    return tx;
}

Test(modemlink, sends_a_tx_the_modem_reads_with_the_sequence_number_it_got)
{
    struct modem_tx tx = make_tx(), out[4];
    uint16_t seq1 = 0, seq2 = 0;
    size_t n = 0;

    gateway_open();
    tx.seq = 999; /* ignored: the link numbers TX */
    cr_assert_eq(modemlink_send_tx(&ml, &tx, mono_ms(), &seq1), MODEMLINK_OK);
    cr_assert_eq(modemlink_send_tx(&ml, &tx, mono_ms(), &seq2), MODEMLINK_OK);
    cr_assert_eq((uint16_t)(seq1 + 1), seq2);
    cr_assert_eq(modem_pty_poll(&m, 1000, out, 4, &n), MODEM_PTY_OK, "%s", m.err);
    if (n < 2) {
        size_t more = 0;
        cr_assert_eq(modem_pty_poll(&m, 1000, out + n, 4 - n, &more), MODEM_PTY_OK);
        n += more;
    }
    cr_assert_eq(n, 2);
    cr_assert_eq(out[0].seq, seq1);
    cr_assert_eq(out[1].seq, seq2);
    cr_assert_eq(out[0].freq_hz, 869525000u);
    cr_assert_eq(out[0].power_dBm, 14);
    cr_assert_eq(out[0].len, tx.len);
    cr_assert_arr_eq(out[0].frame, tx.frame, tx.len);
    cr_assert_eq(m.stats.bad_frames[-PROTO_ERR_BAD_CRC], 0);
    cr_assert_eq(modemlink_stats(&ml)->tx_queued, 2);
}

Test(modemlink, refuses_a_tx_whole_when_the_buffer_is_full_and_delivers_the_rest_intact)
{
    struct modem_tx tx = make_tx(), out[64];
    uint64_t queued = 0, received = 0;
    uint16_t seq, first = 0, expect;
    int i, r = MODEMLINK_OK;
    int64_t end;

    gateway_open();
    tx.len = MODEM_FRAME_MAX; /* big frames fill the pty and our buffer fast */
    memset(tx.frame, 0x5a, tx.len);
    /* the modem does not read: the pty fills, then our buffer */
    for (i = 0; i < 4000 && r == MODEMLINK_OK; i++) {
        r = modemlink_send_tx(&ml, &tx, mono_ms(), &seq);
        if (r == MODEMLINK_OK && queued++ == 0)
            first = seq;
    }
    cr_assert_eq(r, MODEMLINK_ERR_FULL, "got %s", modemlink_strerror(r));
    cr_assert_eq(modemlink_stats(&ml)->tx_refused_full, 1);
    cr_assert(modemlink_poll_events(&ml) & POLLOUT, "output waits for POLLOUT");

    /* now the modem reads; partial writes must add up to whole frames */
    expect = first;
    end = mono_ms() + 10000;
    while (received < queued && mono_ms() < end) {
        size_t n = 0, k;
        loop_once(5);
        cr_assert_eq(modem_pty_poll(&m, 5, out, 64, &n), MODEM_PTY_OK, "%s", m.err);
        for (k = 0; k < n; k++, received++) {
            cr_assert_eq(out[k].seq, expect, "TX in order, none lost or doubled");
            cr_assert_eq(out[k].len, MODEM_FRAME_MAX);
            expect++;
        }
    }
    cr_assert_eq(received, queued);
    for (i = 0; i < PROTO_ERR_COUNT; i++)
        cr_assert_eq(m.stats.bad_frames[i], 0, "no frame torn: %s", proto_errname(-i));
    cr_assert_eq(modemlink_poll_events(&ml) & POLLOUT, 0);
}

/* --- unplug and replug ------------------------------------------------------------ */

Test(modemlink, closes_a_pulled_modem_without_spinning_and_reads_again_soon_after_replug)
{
    int64_t cpu0, cpu_used, t0, elapsed, last_send;
    int wakeups;
    const struct modemlink_stats *st = modemlink_stats(&ml);

    gateway_open();
    send_rx(1);
    loop_until(&got.nrx, 1, 2000);
    cr_assert_eq(got.nrx, 1);

    cr_assert_eq(modem_pty_unplug(&m), MODEM_PTY_OK);
    cpu0 = cpu_ms();
    wakeups = loop_until(NULL, 0, 1000);
    cpu_used = cpu_ms() - cpu0;
    /* backoff 100, 200, 400, 800 ms: a handful of wakeups, not thousands */
    cr_assert_leq(wakeups, 20, "%d poll wakeups in 1 s while unplugged", wakeups);
    cr_assert_lt(cpu_used, 300, "%lld ms of CPU in 1 s while unplugged", (long long)cpu_used);
    cr_assert_not(modemlink_is_open(&ml), "the hangup closes the port");
    cr_assert_eq(modemlink_fd(&ml), -1, "a closed port is not polled");
    cr_assert_eq(st->hangups, 1);
    cr_assert_geq(st->open_failures, 2, "it keeps trying");

    cr_assert_eq(modem_pty_replug(&m, 0), MODEM_PTY_OK, "%s", m.err);
    t0 = last_send = mono_ms();
    send_rx(2);
    while (got.nrx < 2 && mono_ms() - t0 < 4000) {
        if (mono_ms() - last_send >= 50) {
            /* a modem keeps talking; what it says before the reopen is
             * flushed, like a real adapter's stale FIFO */
            send_rx(2);
            last_send = mono_ms();
        }
        loop_once(20);
    }
    elapsed = mono_ms() - t0;
    cr_assert_eq(got.nrx, 2, "reads again after replug");
    cr_assert_eq(got.rx[1].rssi_dBm, -92);
    cr_log_info("unplugged 1 s: %d wakeups, %lld ms CPU; replug to first RX: %lld ms", wakeups,
                (long long)cpu_used, (long long)elapsed);
    cr_assert_lt(elapsed, 2000, "replug to first good RX took %lld ms", (long long)elapsed);
    cr_assert_eq(st->opens, 2);
    cr_assert(modemlink_is_open(&ml));
}

Test(modemlink, tick_drops_a_port_that_hung_up_even_if_the_caller_never_passed_the_event)
{
    /* A pty reports POLLIN with its hangup, so a loop that passes only
     * "readable" (zmq_poll's ZMQ_POLLIN) still gets it. Without POLLIN it
     * would not: stand in for that with a descriptor closed under the link
     * (POLLNVAL), and only call tick. */
    gateway_open();
    cr_assert_eq(close(modemlink_fd(&ml)), 0);
    modemlink_tick(&ml, mono_ms());
    cr_assert_not(modemlink_is_open(&ml));
    cr_assert_eq(modemlink_stats(&ml)->hangups, 1);
    {
        int t = modemlink_timeout_ms(&ml, mono_ms());
        cr_assert(t > 0 && t <= PORT_RETRY_MIN_MS, "reopens after the backoff, not at once: %d", t);
    }
    loop_until(&got.nrx, 1, 300);
    cr_assert(modemlink_is_open(&ml), "reopened by the same name");
}

Test(modemlink, refuses_tx_while_the_port_is_closed)
{
    struct modem_tx tx = make_tx();
    gateway_open();
    cr_assert_eq(modem_pty_unplug(&m), MODEM_PTY_OK);
    loop_until(NULL, 0, 150);
    cr_assert_not(modemlink_is_open(&ml));
    cr_assert_eq(modemlink_send_tx(&ml, &tx, mono_ms(), NULL), MODEMLINK_ERR_DOWN);
    cr_assert_eq(modemlink_stats(&ml)->tx_refused_down, 1);
}

/* --- the port itself ----------------------------------------------------------------- */

Test(port, auto_resolves_the_symlink_and_opens_a_pty_with_termios)
{
    struct port p;
    struct port_config c;
    port_config_default(&c, link_path);
    cr_assert_eq(port_init(&p, &c, err, sizeof err), PORT_OK, "%s", err);
    cr_assert_eq(port_open(&p, 0, err, sizeof err), PORT_OK, "%s", err);
    cr_assert_str_eq(port_driver_name(&p), "termios");
    cr_assert_str_eq(p.dev, modem_pty_slave_path(&m));
    cr_assert_geq(port_fd(&p), 0);
    cr_assert_eq(port_next_retry_ms(&p, 0), -1, "nothing pending while open");
    port_close(&p);
    cr_assert_eq(port_fd(&p), -1);
}

Test(port, forced_libserialport_refuses_a_pty_with_a_sentence_naming_it)
{
    struct port p;
    struct port_config c;
    port_config_default(&c, link_path);
    c.driver = PORT_DRIVER_LIBSERIALPORT;
    cr_assert_eq(port_init(&p, &c, err, sizeof err), PORT_OK);
    cr_assert_eq(port_open(&p, 0, err, sizeof err), PORT_ERR_OPEN);
    cr_assert(strstr(err, modem_pty_slave_path(&m)), "%s", err);
    cr_assert(strstr(err, "termios"), "the message says what to do: %s", err);
    cr_assert_eq(port_next_retry_ms(&p, 0), PORT_RETRY_MIN_MS);
}

Test(port, a_second_gateway_on_the_same_port_is_refused)
{
    struct port a, b;
    struct port_config c;
    port_config_default(&c, link_path);
    cr_assert_eq(port_init(&a, &c, err, sizeof err), PORT_OK);
    cr_assert_eq(port_init(&b, &c, err, sizeof err), PORT_OK);
    cr_assert_eq(port_open(&a, 0, err, sizeof err), PORT_OK, "%s", err);
    cr_assert_eq(port_open(&b, 0, err, sizeof err), PORT_ERR_OPEN);
    cr_assert(strstr(err, "in use"), "%s", err);
    port_close(&a);
    cr_assert_eq(port_open(&b, 0, err, sizeof err), PORT_OK, "the lock goes with the fd: %s",
                 err);
    port_close(&b);
}

Test(port, backs_off_from_100_ms_doubling_to_the_cap_while_the_port_is_missing)
{
    static const int waits[] = {100, 200, 400, 800, 1600, 1600, 1600};
    struct port p;
    struct port_config c;
    int64_t now = 5000;
    size_t i;
    port_config_default(&c, "/tmp/lofte-gwserial-no-such-port");
    cr_assert_eq(port_init(&p, &c, err, sizeof err), PORT_OK);
    cr_assert_eq(port_next_retry_ms(&p, now), 0, "the first try is due at once");
    cr_assert_eq(port_tick(&p, now, err, sizeof err), PORT_ERR_NOT_FOUND);
    cr_assert(strstr(err, "/tmp/lofte-gwserial-no-such-port"), "%s", err);
    cr_assert(strstr(err, "No such file"), "strerror in the sentence: %s", err);
    for (i = 0; i < sizeof waits / sizeof waits[0]; i++) {
        cr_assert_eq(port_next_retry_ms(&p, now), waits[i], "wait %zu", i);
        cr_assert_eq(port_tick(&p, now + waits[i] - 1, err, sizeof err), 0, "not yet");
        now += waits[i];
        cr_assert_eq(port_tick(&p, now, err, sizeof err), PORT_ERR_NOT_FOUND);
    }
    cr_assert_leq(PORT_RETRY_MAX_MS, 2000, "replug to reading stays under 2 s");
}

Test(port, refuses_settings_that_can_never_work)
{
    struct port p;
    struct port_config c;
    port_config_default(&c, link_path);
    c.baud = 115201;
    cr_assert_eq(port_init(&p, &c, err, sizeof err), PORT_ERR_ARG);
    cr_assert(strstr(err, "115201"), "%s", err);
    port_config_default(&c, "");
    cr_assert_eq(port_init(&p, &c, err, sizeof err), PORT_ERR_ARG);
}

Test(port, applies_the_configured_baud_rate_and_flow_control)
{
    struct port p;
    struct port_config c;
    struct termios t;
    port_config_default(&c, link_path);
    c.baud = 57600;
    c.flow = PORT_FLOW_RTSCTS;
    c.driver = PORT_DRIVER_TERMIOS;
    cr_assert_eq(port_init(&p, &c, err, sizeof err), PORT_OK);
    cr_assert_eq(port_open(&p, 0, err, sizeof err), PORT_OK, "%s", err);
    cr_assert_eq(tcgetattr(port_fd(&p), &t), 0);
    cr_assert_eq(cfgetospeed(&t), B57600);
    cr_assert_eq(t.c_cflag & CSIZE, CS8);
    cr_assert_eq(t.c_cflag & (PARENB | CSTOPB), 0, "8N1");
    cr_assert_neq(t.c_cflag & CRTSCTS, 0);
    cr_assert_eq(t.c_lflag & (ICANON | ECHO), 0, "raw");
    port_close(&p);
}

static void count_port(void *ctx, const struct port_info *info)
{
    cr_assert(info->name && info->name[0], "every listed port has a name");
    cr_assert(info->by_id && info->description && info->manufacturer && info->serial);
    (*(int *)ctx)++;
}

Test(port, lists_the_ports_the_system_knows)
{
    int seen = 0;
    int n = port_list(count_port, &seen, err, sizeof err);
    cr_assert_geq(n, 0, "%s", err);
    cr_assert_eq(n, seen);
}
