/* test_modem_pty.c -- the simulated modem on a pseudo terminal
 * (hardware/sim/modem_pty.h).
 *
 * The test plays the gateway: it opens the modem by its symlink, sets the
 * port raw as a gateway will, and reads and writes real bytes. Every test
 * runs in its own process (Criterion), so the symlink is named by pid.
 */
#define _DEFAULT_SOURCE /* cfmakeraw */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "airtime.h"
#include "channel.h"
#include "modem.h"
#include "modem_pty.h"
#include "serial_frame.h"
#include "testutil.h"
#include "vectors.h"

static struct modem_pty m;
static struct channel ch;
static char link_path[128];
static uint64_t now;

static void open_modem_with(struct modem_pty_config *cfg)
{
    cfg->link_path = link_path;
    cr_assert_eq(modem_pty_open(&m, cfg, 0), MODEM_PTY_OK, "open: %s", m.err);
}

static void open_modem(void)
{
    struct modem_pty_config cfg;
    snprintf(link_path, sizeof link_path, "/tmp/lofte-test-modem-%ld", (long)getpid());
    modem_pty_config_default(&cfg, link_path);
    cfg.status_period_ms = 0; /* tests that want STATUS ask for it */
    open_modem_with(&cfg);
}

static void fini(void)
{
    modem_pty_close(&m);
    unlink(link_path);
}

/* The gateway's reader: it lives as long as the port is open, so a frame
 * split across reads is reassembled, as in the real gateway. */
static struct serial_reader gw_reader;

/* Open the port as the gateway will: by name, raw, 115200 8N1. */
static int gateway_open(void)
{
    struct termios t;
    serial_reader_init(&gw_reader);
    int fd = open(link_path, O_RDWR | O_NOCTTY | O_NONBLOCK);
    cr_assert_geq(fd, 0, "open %s: %s", link_path, strerror(errno));
    cr_assert(isatty(fd));
    cr_assert_eq(tcgetattr(fd, &t), 0);
    cfmakeraw(&t);
    cfsetispeed(&t, B115200);
    cfsetospeed(&t, B115200);
    cr_assert_eq(tcsetattr(fd, TCSANOW, &t), 0);
    return fd;
}

/* Read up to n bytes, waiting at most timeout_ms for each. */
static size_t gateway_read(int fd, uint8_t *buf, size_t n, int timeout_ms)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t r;
        if (poll(&p, 1, timeout_ms) <= 0)
            break;
        r = read(fd, buf + got, n - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

/* Read one good frame and decode it; 0 on success, -1 on timeout. Bad
 * frames on the line fail the test: the modem must never write one. */
static int gateway_read_msg(int fd, struct modem_msg *msg, int timeout_ms)
{
    for (;;) {
        uint8_t byte;
        const uint8_t *payload;
        size_t len;
        int res;
        if (gateway_read(fd, &byte, 1, timeout_ms) != 1)
            return -1;
        res = serial_reader_push(&gw_reader, byte, &payload, &len);
        cr_assert_geq(res, 0, "bad frame on the line: %s", proto_errname(res));
        if (res == 1) {
            cr_assert_eq(modem_decode(payload, len, msg), PROTO_OK);
            return 0;
        }
    }
}

static void gateway_write_hex(int fd, const char *hex)
{
    uint8_t buf[1024];
    size_t n = hex2bin(hex, buf, sizeof buf);
    cr_assert_eq(write(fd, buf, n), (ssize_t)n);
}

static void gateway_write_payload(int fd, const uint8_t *payload, size_t plen)
{
    uint8_t wire[SERIAL_WIRE_MAX];
    size_t wlen;
    cr_assert_eq(serial_frame_encode(payload, plen, wire, sizeof wire, &wlen), PROTO_OK);
    cr_assert_eq(write(fd, wire, wlen), (ssize_t)wlen);
}

static void gateway_write_msg(int fd, const struct modem_msg *msg)
{
    uint8_t payload[MODEM_MSG_MAX];
    size_t plen;
    cr_assert_eq(modem_encode(msg, payload, sizeof payload, &plen), PROTO_OK);
    gateway_write_payload(fd, payload, plen);
}

/* The RX of docs/protocol.md §10.4, built field by field. */
static void vector_rx(struct modem_rx *rx)
{
    memset(rx, 0, sizeof *rx);
    rx->rx_time_ms = 1726345801234ULL;
    rx->freq_hz = 868100000u;
    rx->rssi_dBm = -97;
    rx->snr_qdB = -29;
    rx->sf = 9;
    rx->bw_kHz = 125;
    rx->cr = 5;
    rx->len = (uint8_t)hex2bin(VEC_UPLINK, rx->frame, sizeof rx->frame);
}

TestSuite(modem_pty, .fini = fini);

/* --- the line ------------------------------------------------------------- */

Test(modem_pty, open_makes_a_stable_symlink_to_a_raw_pty)
{
    char target[256];
    ssize_t n;
    struct termios t;
    int fd;
    open_modem();
    n = readlink(link_path, target, sizeof target - 1);
    cr_assert_gt(n, 0);
    target[n] = 0;
    cr_assert_str_eq(target, modem_pty_slave_path(&m));
    cr_assert_eq(strncmp(target, "/dev/pts/", 9), 0);
    /* raw before the gateway touches it: no echo, no line editing, 8 bits */
    fd = open(link_path, O_RDWR | O_NOCTTY);
    cr_assert_geq(fd, 0);
    cr_assert_eq(tcgetattr(fd, &t), 0);
    cr_assert_eq(t.c_lflag & (ECHO | ICANON | ISIG), 0);
    cr_assert_eq(t.c_cflag & CSIZE, CS8);
    cr_assert_eq(t.c_oflag & OPOST, 0);
    cr_assert_eq(cfgetospeed(&t), B115200);
    close(fd);
}

Test(modem_pty, an_rx_reaches_the_gateway_byte_for_byte_as_the_protocol_vector)
{
    struct modem_msg msg, back;
    uint8_t payload[MODEM_MSG_MAX], want[SERIAL_WIRE_MAX], got[SERIAL_WIRE_MAX];
    size_t plen, wn;
    int fd;
    open_modem();
    fd = gateway_open();

    memset(&msg, 0, sizeof msg);
    msg.type = MODEM_RX;
    vector_rx(&msg.u.rx);
    cr_assert_eq(modem_encode(&msg, payload, sizeof payload, &plen), PROTO_OK);
    assert_bytes_hex(payload, plen, VEC_RX_PAYLOAD);

    cr_assert_eq(modem_pty_send_rx(&m, &msg.u.rx), MODEM_PTY_OK, "%s", m.err);
    wn = hex2bin(VEC_RX_WIRE, want, sizeof want);
    cr_assert_eq(gateway_read(fd, got, wn, 2000), wn);
    assert_bytes_hex(got, wn, VEC_RX_WIRE);
    cr_assert_eq(gateway_read(fd, got, 1, 50), 0, "nothing after the frame");

    /* and it deframes to the same message */
    cr_assert_eq(modem_pty_send_rx(&m, &msg.u.rx), MODEM_PTY_OK);
    cr_assert_eq(gateway_read_msg(fd, &back, 2000), 0);
    cr_assert_eq(back.type, MODEM_RX);
    cr_assert_eq(back.u.rx.rx_time_ms, msg.u.rx.rx_time_ms);
    cr_assert_eq(back.u.rx.rssi_dBm, -97);
    cr_assert_eq(back.u.rx.snr_qdB, -29);
    cr_assert_eq(back.u.rx.len, msg.u.rx.len);
    cr_assert_eq(memcmp(back.u.rx.frame, msg.u.rx.frame, back.u.rx.len), 0);
    cr_assert_eq(m.stats.rx_written, 2);
    cr_assert_eq(m.radio.rx_frames, 2);
    close(fd);
}

Test(modem_pty, status_and_tx_done_match_the_protocol_vectors)
{
    uint8_t got[64];
    int fd;
    open_modem();
    fd = gateway_open();
    m.radio.rx_frames = 120;
    m.radio.rx_crc_errors = 3;
    m.radio.tx_frames = 40;
    cr_assert_eq(modem_pty_send_status(&m, 3600 * 1000), MODEM_PTY_OK);
    cr_assert_eq(gateway_read(fd, got, 23, 2000), 23);
    assert_bytes_hex(got, 23, VEC_STATUS_WIRE);
    cr_assert_eq(modem_pty_send_tx_done(&m, 513, MODEM_TX_SENT), MODEM_PTY_OK);
    cr_assert_eq(gateway_read(fd, got, 10, 2000), 10);
    assert_bytes_hex(got, 10, VEC_TX_DONE_WIRE);
    close(fd);
}

Test(modem_pty, a_tx_written_by_the_gateway_comes_out_of_poll)
{
    struct modem_tx tx[4];
    uint8_t ack[64];
    size_t n, alen;
    int fd;
    open_modem();
    fd = gateway_open();
    gateway_write_hex(fd, VEC_TX_WIRE);
    cr_assert_eq(modem_pty_poll(&m, 2000, tx, 4, &n), MODEM_PTY_OK, "%s", m.err);
    cr_assert_eq(n, 1);
    cr_assert_eq(tx[0].seq, 513);
    cr_assert_eq(tx[0].tx_at_ms, 1726345802234ULL);
    cr_assert_eq(tx[0].freq_hz, 869525000u);
    cr_assert_eq(tx[0].sf, 9);
    cr_assert_eq(tx[0].bw_kHz, 125);
    cr_assert_eq(tx[0].power_dBm, 14);
    alen = hex2bin(VEC_ACK, ack, sizeof ack);
    cr_assert_eq(tx[0].len, alen);
    cr_assert_eq(memcmp(tx[0].frame, ack, alen), 0);
    cr_assert_eq(m.stats.tx_received, 1);
    /* nothing more: a zero timeout returns at once with nothing */
    cr_assert_eq(modem_pty_poll(&m, 0, tx, 4, &n), MODEM_PTY_OK);
    cr_assert_eq(n, 0);
    close(fd);
}

Test(modem_pty, bad_frames_are_counted_by_reason_and_the_next_good_frame_is_read)
{
    struct modem_tx tx[4];
    static const uint8_t version2[] = {0x02, MODEM_TX}; /* bad_version */
    struct modem_msg status;
    uint8_t wire[128];
    size_t n, wn;
    int fd;
    open_modem();
    fd = gateway_open();

    wn = hex2bin(VEC_TX_WIRE, wire, sizeof wire);
    wire[wn - 2] ^= 0x01;                            /* CRC low byte */
    cr_assert_eq(write(fd, wire, wn), (ssize_t)wn);
    gateway_write_hex(fd, "00ff0100");               /* COBS code past the end */
    gateway_write_hex(fd, "00020100");               /* decodes to 1 byte: truncated */
    memset(&status, 0, sizeof status);               /* a modem's message, from the gateway */
    status.type = MODEM_STATUS;
    gateway_write_msg(fd, &status);
    gateway_write_payload(fd, version2, sizeof version2);
    gateway_write_hex(fd, "04aabbcc");               /* line noise, ended by the next 00 */
    gateway_write_hex(fd, VEC_TX_WIRE);

    cr_assert_eq(modem_pty_poll(&m, 2000, tx, 4, &n), MODEM_PTY_OK);
    if (n == 0) /* the good frame may arrive in a second read */
        cr_assert_eq(modem_pty_poll(&m, 2000, tx, 4, &n), MODEM_PTY_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(tx[0].seq, 513);
    cr_assert_eq(m.stats.bad_frames[-PROTO_ERR_BAD_CRC], 2, "the CRC one, and the noise");
    cr_assert_eq(m.stats.bad_frames[-PROTO_ERR_BAD_COBS], 1);
    cr_assert_eq(m.stats.bad_frames[-PROTO_ERR_TRUNCATED], 1);
    cr_assert_eq(m.stats.bad_messages[-PROTO_ERR_BAD_VERSION], 1);
    cr_assert_eq(m.stats.wrong_direction, 1);
    close(fd);
}

Test(modem_pty, poll_keeps_what_does_not_fit_for_the_next_call)
{
    struct modem_tx tx[1];
    size_t n;
    int fd, i;
    open_modem();
    fd = gateway_open();
    for (i = 0; i < 3; i++)
        gateway_write_hex(fd, VEC_TX_WIRE);
    usleep(50 * 1000); /* let all three reach the master */
    for (i = 0; i < 3; i++) {
        cr_assert_eq(modem_pty_poll(&m, 2000, tx, 1, &n), MODEM_PTY_OK);
        cr_assert_eq(n, 1, "call %d", i);
    }
    cr_assert_eq(modem_pty_poll(&m, 0, tx, 1, &n), MODEM_PTY_OK);
    cr_assert_eq(n, 0);
    cr_assert_eq(m.stats.tx_received, 3);
    close(fd);
}

/* --- plugs and ports ----------------------------------------------------------- */

Test(modem_pty, unplug_hangs_up_the_gateway_and_removes_the_symlink)
{
    struct pollfd p;
    struct stat st;
    struct modem_rx rx;
    uint8_t buf[16];
    ssize_t r;
    int fd;
    open_modem();
    fd = gateway_open();
    cr_assert_eq(modem_pty_unplug(&m), MODEM_PTY_OK);

    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    cr_assert_eq(poll(&p, 1, 1000), 1);
    cr_assert(p.revents & (POLLHUP | POLLERR), "revents 0x%x", p.revents);
    errno = 0;
    r = read(fd, buf, sizeof buf);
    cr_assert(r == 0 || (r < 0 && errno == EIO), "read after unplug: %zd, %s", r,
              strerror(errno));
    cr_assert_eq(write(fd, buf, 1), -1);
    cr_assert_eq(errno, EIO);
    cr_assert_eq(lstat(link_path, &st), -1, "the symlink is gone");
    cr_assert_eq(errno, ENOENT);

    vector_rx(&rx);
    cr_assert_eq(modem_pty_send_rx(&m, &rx), MODEM_PTY_ERR_UNPLUGGED);
    cr_assert_eq(m.stats.unplugged_drops, 1);
    cr_assert_eq(m.stats.unplugs, 1);
    close(fd);
}

Test(modem_pty, replug_makes_a_new_pty_behind_the_same_name)
{
    struct modem_msg msg;
    struct modem_rx rx;
    char target[256];
    ssize_t n;
    int fd;
    open_modem();
    fd = gateway_open();
    vector_rx(&rx);
    cr_assert_eq(modem_pty_send_rx(&m, &rx), MODEM_PTY_OK);
    cr_assert_eq(modem_pty_unplug(&m), MODEM_PTY_OK);
    /* the gateway still holds its dead fd, so the new pty gets a new number */
    cr_assert_eq(modem_pty_replug(&m, 60000), MODEM_PTY_OK, "%s", m.err);
    n = readlink(link_path, target, sizeof target - 1);
    cr_assert_gt(n, 0);
    target[n] = 0;
    cr_assert_str_eq(target, modem_pty_slave_path(&m));
    close(fd);

    fd = gateway_open();
    cr_assert_eq(modem_pty_send_rx(&m, &rx), MODEM_PTY_OK);
    cr_assert_eq(gateway_read_msg(fd, &msg, 2000), 0);
    cr_assert_eq(msg.type, MODEM_RX);
    /* a replugged modem has rebooted: uptime and counters start again */
    cr_assert_eq(modem_pty_send_status(&m, 65000), MODEM_PTY_OK);
    cr_assert_eq(gateway_read_msg(fd, &msg, 2000), 0);
    cr_assert_eq(msg.type, MODEM_STATUS);
    cr_assert_eq(msg.u.status.uptime_s, 5);
    cr_assert_eq(msg.u.status.rx_frames, 1);
    cr_assert_eq(m.stats.replugs, 1);
    cr_assert_eq(modem_pty_replug(&m, 70000), MODEM_PTY_ERR_CONFIG, "already plugged in");
    close(fd);
}

Test(modem_pty, the_gateway_may_close_and_reopen_the_port)
{
    struct modem_msg msg;
    struct modem_rx rx;
    struct modem_tx tx[2];
    size_t n;
    int fd;
    open_modem();
    vector_rx(&rx);
    fd = gateway_open();
    close(fd);
    /* no gateway: the modem's own slave fd keeps the pty up */
    cr_assert_eq(modem_pty_send_rx(&m, &rx), MODEM_PTY_OK);
    cr_assert_eq(modem_pty_poll(&m, 20, tx, 2, &n), MODEM_PTY_OK, "%s", m.err);
    cr_assert_eq(n, 0);

    fd = gateway_open();
    /* what was sent meanwhile waited, like in an adapter's FIFO */
    cr_assert_eq(gateway_read_msg(fd, &msg, 2000), 0);
    cr_assert_eq(msg.type, MODEM_RX);
    gateway_write_hex(fd, VEC_TX_WIRE);
    cr_assert_eq(modem_pty_poll(&m, 2000, tx, 2, &n), MODEM_PTY_OK);
    cr_assert_eq(n, 1);
    close(fd);
}

Test(modem_pty, with_no_gateway_on_the_port_poll_waits_instead_of_spinning)
{
    struct modem_tx tx[1];
    size_t n;
    clock_t cpu;
    int fd;
    open_modem();
    fd = gateway_open();
    close(fd);
    /* A pty master with no slave open reports POLLHUP and EIO at once,
     * forever; the modem's own slave fd is what lets it sleep here. */
    cpu = clock();
    cr_assert_eq(modem_pty_poll(&m, 300, tx, 1, &n), MODEM_PTY_OK, "%s", m.err);
    cr_assert_eq(n, 0);
    cr_assert_lt((double)(clock() - cpu) / CLOCKS_PER_SEC, 0.1, "CPU time spent waiting");
}

Test(modem_pty, a_gateway_that_does_not_read_loses_whole_messages_and_they_are_counted)
{
    struct modem_pty_config cfg;
    struct modem_rx rx;
    struct modem_msg msg;
    struct modem_tx tx[1];
    size_t n;
    int fd, i, sent_ok = 0, overflowed = 0;
    uint64_t got = 0;

    snprintf(link_path, sizeof link_path, "/tmp/lofte-test-modem-%ld", (long)getpid());
    modem_pty_config_default(&cfg, link_path);
    cfg.status_period_ms = 0;
    cfg.out_limit = 1024;
    open_modem_with(&cfg);
    fd = gateway_open();
    vector_rx(&rx);
    for (i = 0; i < 5000 && overflowed < 50; i++) {
        int err;
        rx.rx_time_ms = (uint64_t)i; /* numbers the messages */
        err = modem_pty_send_rx(&m, &rx);
        if (err == MODEM_PTY_OK)
            sent_ok++;
        else if (err == MODEM_PTY_ERR_OVERFLOW)
            overflowed++;
        else
            cr_assert_fail("send_rx: %s", modem_pty_strerror(err));
    }
    cr_assert_eq(overflowed, 50, "the pty and the buffer must fill up eventually");
    cr_assert_eq(m.stats.overflow_drops, 50);
    cr_assert_eq(m.stats.rx_written, (uint64_t)sent_ok);
    cr_assert_eq(m.radio.rx_frames, (uint64_t)i, "the radio received every one");
    cr_assert_leq(m.out_len, cfg.out_limit);

    /* now the gateway reads: every accepted message arrives whole, in order */
    while (got < (uint64_t)sent_ok) {
        if (gateway_read_msg(fd, &msg, 500) != 0) {
            cr_assert_eq(modem_pty_poll(&m, 0, tx, 1, &n), MODEM_PTY_OK); /* flushes */
            continue;
        }
        cr_assert_eq(msg.type, MODEM_RX);
        cr_assert_geq(msg.u.rx.rx_time_ms, got, "in order, no repeats");
        got++;
    }
    cr_assert_eq(gateway_read_msg(fd, &msg, 100), -1, "nothing beyond the accepted ones");
    /* and no half frame was left on the line: the next message is read
     * clean (a fragment would end as a bad frame at its leading 0x00) */
    rx.rx_time_ms = 999999;
    cr_assert_eq(modem_pty_send_rx(&m, &rx), MODEM_PTY_OK);
    cr_assert_eq(gateway_read_msg(fd, &msg, 2000), 0);
    cr_assert_eq(msg.u.rx.rx_time_ms, 999999);
    close(fd);
}

Test(modem_pty, refuses_to_replace_a_file_that_is_not_a_symlink)
{
    struct modem_pty_config cfg;
    int fd;
    snprintf(link_path, sizeof link_path, "/tmp/lofte-test-modem-%ld", (long)getpid());
    fd = open(link_path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    cr_assert_geq(fd, 0);
    close(fd);
    modem_pty_config_default(&cfg, link_path);
    cr_assert_eq(modem_pty_open(&m, &cfg, 0), MODEM_PTY_ERR_LINK);
    cr_assert_neq(strstr(m.err, "not a symlink"), NULL, "%s", m.err);
    cr_assert_eq(m.master, -1, "nothing left open");
}

Test(modem_pty, replaces_a_stale_symlink_left_by_a_crash)
{
    char target[256];
    ssize_t n;
    snprintf(link_path, sizeof link_path, "/tmp/lofte-test-modem-%ld", (long)getpid());
    unlink(link_path);
    cr_assert_eq(symlink("/dev/pts/no-such-pty", link_path), 0);
    open_modem();
    n = readlink(link_path, target, sizeof target - 1);
    cr_assert_gt(n, 0);
    target[n] = 0;
    cr_assert_str_eq(target, modem_pty_slave_path(&m));
}

/* --- the radio side ---------------------------------------------------------- */

static uint64_t toa_ms(uint8_t sf, size_t len)
{
    return (airtime_us(sf, 125, 5, (uint16_t)len) + 999u) / 1000u;
}

#define OFFSET_MS 1726345000000LL /* sim ms 0 = 2024-09-14T20:16:40Z */

static void modem_on_channel(struct sim_board *b, uint16_t duty_permille)
{
    struct modem_pty_config cfg;
    struct channel_config ccfg;
    snprintf(link_path, sizeof link_path, "/tmp/lofte-test-modem-%ld", (long)getpid());
    modem_pty_config_default(&cfg, link_path);
    cfg.status_period_ms = 5000;
    cfg.unix_offset_ms = OFFSET_MS;
    cfg.duty_permille = duty_permille;
    open_modem_with(&cfg);
    channel_config_default(&ccfg);
    ccfg.fading_dB = 0;
    ccfg.path_loss_min_dB = ccfg.path_loss_max_dB = 111; /* -97 dBm at 14 dBm */
    cr_assert_eq(channel_init(&ch, &ccfg), CHANNEL_OK);
    cr_assert_eq(modem_pty_attach_channel(&m, &ch, 0.0, NULL), MODEM_PTY_OK);
    now = 0;
    cr_assert_eq(sim_board_init(b, 1, &now, 256, 8, 1), BOARD_OK);
    cr_assert_eq(channel_attach(&ch, b), CHANNEL_OK);
}

static void tick(uint64_t t)
{
    now = t;
    cr_assert_eq(modem_pty_advance(&m, t), MODEM_PTY_OK, "%s", m.err);
    channel_advance(&ch, t);
}

Test(modem_pty, a_frame_on_the_channel_reaches_the_gateway_as_rx_with_its_radio_data)
{
    static struct sim_board b;
    struct board_radio_params p = {868100000u, 9, 125, 14};
    struct modem_msg msg;
    uint8_t frame[64];
    size_t len;
    int fd;
    modem_on_channel(&b, 100);
    fd = gateway_open();
    len = hex2bin(VEC_UPLINK, frame, sizeof frame);
    now = 1000;
    cr_assert_eq(b.board.radio->send(b.board.ctx, frame, len, &p), BOARD_OK);
    tick(3000);
    cr_assert_eq(gateway_read_msg(fd, &msg, 2000), 0);
    cr_assert_eq(msg.type, MODEM_RX);
    cr_assert_eq(msg.u.rx.len, len);
    cr_assert_eq(memcmp(msg.u.rx.frame, frame, len), 0);
    cr_assert_eq(msg.u.rx.rx_time_ms, (uint64_t)OFFSET_MS + 1000 + toa_ms(9, len));
    cr_assert_eq(msg.u.rx.freq_hz, 868100000u);
    cr_assert_eq(msg.u.rx.rssi_dBm, -97);
    cr_assert_eq(msg.u.rx.snr_qdB, 80, "-97 over a -117 dBm floor: 20 dB");
    cr_assert_eq(msg.u.rx.sf, 9);
    cr_assert_eq(msg.u.rx.bw_kHz, 125);
    cr_assert_eq(msg.u.rx.cr, 5);
    close(fd);
}

Test(modem_pty, a_tx_goes_on_air_at_its_time_and_is_answered_with_tx_done_after_it)
{
    static struct sim_board b;
    struct modem_tx tx;
    struct modem_msg msg;
    uint8_t status, buf[64];
    struct board_rx_meta meta;
    uint64_t start = 2000, end;
    int fd;
    modem_on_channel(&b, 0);
    fd = gateway_open();

    memset(&tx, 0, sizeof tx);
    tx.seq = 513;
    tx.tx_at_ms = (uint64_t)OFFSET_MS + start;
    tx.freq_hz = 869525000u;
    tx.sf = 9;
    tx.bw_kHz = 125;
    tx.power_dBm = 14;
    tx.len = (uint8_t)hex2bin(VEC_ACK, tx.frame, sizeof tx.frame);
    end = start + toa_ms(9, tx.len);

    now = 1000;
    {
        struct board_radio_params p = {869525000u, 9, 125, 0};
        b.board.radio->listen(b.board.ctx, &p, end + 100);
    }
    cr_assert_eq(modem_pty_transmit(&m, &tx, 1000, &status), MODEM_PTY_OK, "%s", m.err);
    cr_assert_eq(status, MODEM_TX_SENT);
    tick(end - 1);
    cr_assert_eq(gateway_read_msg(fd, &msg, 100), -1, "no TX_DONE while on air");
    cr_assert_eq(b.board.radio->receive(b.board.ctx, buf, sizeof buf, &meta), 0);
    tick(end);
    cr_assert_eq(gateway_read_msg(fd, &msg, 2000), 0);
    cr_assert_eq(msg.type, MODEM_TX_DONE);
    cr_assert_eq(msg.u.tx_done.seq, 513);
    cr_assert_eq(msg.u.tx_done.status, MODEM_TX_SENT);
    cr_assert_eq(b.board.radio->receive(b.board.ctx, buf, sizeof buf, &meta), tx.len,
                 "the listening handheld got the ack");
    cr_assert_eq(memcmp(buf, tx.frame, tx.len), 0);
    cr_assert_eq(m.radio.tx_frames, 1);
    close(fd);
}

Test(modem_pty, a_tx_that_cannot_be_sent_is_answered_at_once_with_the_reason)
{
    static struct sim_board b;
    struct modem_tx tx;
    struct modem_msg msg;
    uint8_t status;
    uint64_t toa;
    int fd;
    modem_on_channel(&b, 100); /* 10 %: after T on air, 9 T off */
    fd = gateway_open();
    memset(&tx, 0, sizeof tx);
    tx.freq_hz = 869525000u;
    tx.sf = 9;
    tx.bw_kHz = 125;
    tx.power_dBm = 14;
    tx.len = (uint8_t)hex2bin(VEC_ACK, tx.frame, sizeof tx.frame);
    toa = toa_ms(9, tx.len);
    now = 10000;

    tx.seq = 1;
    tx.tx_at_ms = (uint64_t)OFFSET_MS + 9999; /* a millisecond ago */
    cr_assert_eq(modem_pty_transmit(&m, &tx, 10000, &status), MODEM_PTY_OK);
    cr_assert_eq(status, MODEM_TX_TOO_LATE);

    tx.seq = 2;
    tx.tx_at_ms = (uint64_t)OFFSET_MS + 11000;
    cr_assert_eq(modem_pty_transmit(&m, &tx, 10000, &status), MODEM_PTY_OK);
    cr_assert_eq(status, MODEM_TX_SENT);

    tx.seq = 3; /* overlaps seq 2 on air */
    tx.tx_at_ms = (uint64_t)OFFSET_MS + 11000 + toa / 2;
    cr_assert_eq(modem_pty_transmit(&m, &tx, 10000, &status), MODEM_PTY_OK);
    cr_assert_eq(status, MODEM_TX_BUSY);

    tx.seq = 4; /* after seq 2, inside its off time */
    tx.tx_at_ms = (uint64_t)OFFSET_MS + 11000 + 2 * toa;
    cr_assert_eq(modem_pty_transmit(&m, &tx, 10000, &status), MODEM_PTY_OK);
    cr_assert_eq(status, MODEM_TX_DUTY_CYCLE);

    tx.seq = 5; /* after the off time */
    tx.tx_at_ms = (uint64_t)OFFSET_MS + 11000 + 10 * toa;
    cr_assert_eq(modem_pty_transmit(&m, &tx, 10000, &status), MODEM_PTY_OK);
    cr_assert_eq(status, MODEM_TX_SENT);

    tx.seq = 6; /* a year ahead */
    tx.tx_at_ms = (uint64_t)OFFSET_MS + 10000 + 365ULL * 86400 * 1000;
    cr_assert_eq(modem_pty_transmit(&m, &tx, 10000, &status), MODEM_PTY_OK);
    cr_assert_eq(status, MODEM_TX_BUSY);

    /* the refusals come at once, in order */
    {
        static const uint16_t seqs[] = {1, 3, 4, 6};
        static const uint8_t st[] = {MODEM_TX_TOO_LATE, MODEM_TX_BUSY, MODEM_TX_DUTY_CYCLE,
                                     MODEM_TX_BUSY};
        int i;
        for (i = 0; i < 4; i++) {
            cr_assert_eq(gateway_read_msg(fd, &msg, 2000), 0);
            cr_assert_eq(msg.type, MODEM_TX_DONE);
            cr_assert_eq(msg.u.tx_done.seq, seqs[i]);
            cr_assert_eq(msg.u.tx_done.status, st[i]);
        }
    }
    tick(11000 + 11 * toa);
    cr_assert_eq(gateway_read_msg(fd, &msg, 2000), 0);
    cr_assert_eq(msg.u.tx_done.seq, 2);
    cr_assert_eq(gateway_read_msg(fd, &msg, 2000), 0);
    cr_assert_eq(msg.u.tx_done.seq, 5);
    cr_assert_eq(m.stats.tx_status[MODEM_TX_SENT], 2);
    cr_assert_eq(m.stats.tx_status[MODEM_TX_BUSY], 2);
    close(fd);
}

Test(modem_pty, status_comes_every_period_with_the_radio_counters)
{
    static struct sim_board b;
    struct board_radio_params p = {868100000u, 7, 125, 14};
    struct channel_config ccfg;
    struct modem_msg msg;
    uint8_t frame[28];
    uint64_t t;
    int fd, i, rx = 0, statuses = 0;
    modem_on_channel(&b, 100);
    /* half the frames corrupted, none passing: CRC errors for STATUS */
    ccfg = ch.cfg;
    ccfg.bit_error_p = 0.5;
    ccfg.bit_error_pass_p = 0.0;
    ch.cfg = ccfg;
    fd = gateway_open();
    memset(frame, 0x5a, sizeof frame);
    for (t = 0, i = 0; t <= 10000; t += 100) {
        now = t;
        if (t % 1000 == 500 && t < 9000) {
            cr_assert_eq(b.board.radio->send(b.board.ctx, frame, sizeof frame, &p), BOARD_OK);
            i++;
        }
        tick(t);
    }
    while (gateway_read_msg(fd, &msg, 200) == 0) {
        if (msg.type == MODEM_RX) {
            rx++;
            continue;
        }
        cr_assert_eq(msg.type, MODEM_STATUS);
        statuses++;
        cr_assert_eq(msg.u.status.uptime_s, 5u * (unsigned)statuses);
    }
    cr_assert_eq(statuses, 2, "at 5 s and 10 s");
    cr_assert_eq(msg.u.status.rx_frames, (uint32_t)rx);
    cr_assert_eq(msg.u.status.rx_crc_errors, (uint32_t)channel_stats(&ch, 0)->corrupted_dropped);
    cr_assert_eq(rx + (int)msg.u.status.rx_crc_errors, i);
    cr_assert_gt(msg.u.status.rx_crc_errors, 0);
    close(fd);
}

Test(modem_pty, unplug_cancels_a_tx_that_has_not_started)
{
    static struct sim_board b;
    struct modem_tx tx;
    uint8_t status, buf[64];
    struct board_rx_meta meta;
    modem_on_channel(&b, 0);
    memset(&tx, 0, sizeof tx);
    tx.seq = 9;
    tx.tx_at_ms = (uint64_t)OFFSET_MS + 3000;
    tx.freq_hz = 869525000u;
    tx.sf = 9;
    tx.bw_kHz = 125;
    tx.power_dBm = 14;
    tx.len = (uint8_t)hex2bin(VEC_ACK, tx.frame, sizeof tx.frame);
    now = 1000;
    {
        struct board_radio_params p = {869525000u, 9, 125, 0};
        b.board.radio->listen(b.board.ctx, &p, 10000);
    }
    cr_assert_eq(modem_pty_transmit(&m, &tx, 1000, &status), MODEM_PTY_OK);
    cr_assert_eq(status, MODEM_TX_SENT);
    tick(2000);
    cr_assert_eq(modem_pty_unplug(&m), MODEM_PTY_OK);
    tick(8000);
    cr_assert_eq(b.board.radio->receive(b.board.ctx, buf, sizeof buf, &meta), 0);
    cr_assert_eq(channel_stats(&ch, -1)->downlinks_sent, 0);
    cr_assert_eq(modem_pty_transmit(&m, &tx, 8000, &status), MODEM_PTY_ERR_UNPLUGGED);
}

Test(modem_pty, strerror_has_a_sentence_for_every_code)
{
    int e;
    for (e = 0; e > -MODEM_PTY_ERR_COUNT_; e--)
        cr_assert_str_neq(modem_pty_strerror(e), "unknown modem_pty error", "code %d", e);
    cr_assert_str_eq(modem_pty_strerror(-MODEM_PTY_ERR_COUNT_), "unknown modem_pty error");
}
