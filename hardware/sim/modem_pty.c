/* modem_pty.c -- the simulated receiver modem on a pseudo terminal.
 *
 * See modem_pty.h for the design. Inside: one output buffer (bytes framed
 * but not yet taken by the pty), one input chunk (bytes read but not yet
 * fed to the serial reader, kept when the caller's array of TX is full),
 * and a small table of TX the modem has accepted and not yet reported.
 */
#define _XOPEN_SOURCE 700   /* posix_openpt, grantpt, unlockpt, ptsname */
#define _DEFAULT_SOURCE     /* cfmakeraw */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "airtime.h"
#include "modem_pty.h"

/* The coding rate the modem sends with when no channel says otherwise. */
#define MODEM_PTY_DEFAULT_CR 5

const char *modem_pty_strerror(int err)
{
    static const char *const text[MODEM_PTY_ERR_COUNT_] = {
        "no error",
        "pseudo terminal could not be created or configured",
        "the modem's symlink could not be created",
        "read, write or poll on the pseudo terminal failed",
        "the modem is unplugged",
        "message refused by the encoder (a field out of range)",
        "output buffer full: message dropped",
        "invalid modem configuration or argument",
        "the channel refused the downlink",
    };
    if (err > 0 || err <= -MODEM_PTY_ERR_COUNT_)
        return "unknown modem_pty error";
    return text[-err];
}

void modem_pty_config_default(struct modem_pty_config *cfg, const char *link_path)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->link_path = link_path;
    cfg->out_limit = 4096;
    cfg->status_period_ms = 5000;
    cfg->unix_offset_ms = 0;
    cfg->duty_permille = 100;
}

/* Record why, with errno's sentence, and return code. */
static int fail(struct modem_pty *m, int code, const char *what, const char *path)
{
    int e = errno;
    if (path)
        snprintf(m->err, sizeof m->err, "%s %s: %s", what, path, strerror(e));
    else
        snprintf(m->err, sizeof m->err, "%s: %s", what, strerror(e));
    errno = e;
    return code;
}

const char *modem_pty_slave_path(const struct modem_pty *m)
{
    return m->slave_path;
}

/* --- the pty and its symlink ---------------------------------------------- */

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Remove the symlink only if it still names our pty: after a crash and a
 * restart another modem may own the name by now. */
static void link_remove(struct modem_pty *m)
{
    char target[MODEM_PTY_PATH_MAX];
    ssize_t n = readlink(m->link_path, target, sizeof target - 1);
    if (n < 0)
        return;
    target[n] = 0;
    if (strcmp(target, m->slave_path) == 0)
        unlink(m->link_path);
}

/* Point link_path at slave_path atomically: symlink under a temporary name,
 * then rename over the old link, so a gateway reopening the name never
 * finds it missing or half made. */
static int link_make(struct modem_pty *m)
{
    char tmp[MODEM_PTY_PATH_MAX + 32];
    struct stat st;
    if (lstat(m->link_path, &st) == 0 && !S_ISLNK(st.st_mode)) {
        snprintf(m->err, sizeof m->err, "%s exists and is not a symlink: not replacing it",
                 m->link_path);
        return MODEM_PTY_ERR_LINK;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", m->link_path, (long)getpid());
    unlink(tmp);
    if (symlink(m->slave_path, tmp) != 0)
        return fail(m, MODEM_PTY_ERR_LINK, "symlink", tmp);
    if (rename(tmp, m->link_path) != 0) {
        int code = fail(m, MODEM_PTY_ERR_LINK, "rename onto", m->link_path);
        unlink(tmp);
        return code;
    }
    return MODEM_PTY_OK;
}

/* Settings a real modem's USB adapter would have: raw bytes, 115200 8N1,
 * no flow control, no echo. Set on the slave, where termios lives. */
static int set_raw(struct modem_pty *m, int fd)
{
    struct termios t;
    if (tcgetattr(fd, &t) != 0)
        return fail(m, MODEM_PTY_ERR_PTY, "tcgetattr", m->slave_path);
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CRTSCTS);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    cfsetispeed(&t, B115200);
    cfsetospeed(&t, B115200);
    if (tcsetattr(fd, TCSANOW, &t) != 0)
        return fail(m, MODEM_PTY_ERR_PTY, "tcsetattr", m->slave_path);
    return MODEM_PTY_OK;
}

static int pty_create(struct modem_pty *m)
{
    const char *name;
    int err, flags;

    m->master = posix_openpt(O_RDWR | O_NOCTTY);
    if (m->master < 0)
        return fail(m, MODEM_PTY_ERR_PTY, "posix_openpt", NULL);
    if (grantpt(m->master) != 0 || unlockpt(m->master) != 0) {
        err = fail(m, MODEM_PTY_ERR_PTY, "grantpt/unlockpt", NULL);
        goto undo;
    }
    /* ptsname's static buffer is copied at once; this module is used from
     * one thread */
    name = ptsname(m->master);
    if (!name || strlen(name) >= sizeof m->slave_path) {
        err = fail(m, MODEM_PTY_ERR_PTY, "ptsname", NULL);
        goto undo;
    }
    strcpy(m->slave_path, name);
    /* O_NOCTTY: the pty must never become our controlling terminal, or its
     * hangup at unplug would SIGHUP the simulator */
    m->slave_keep = open(m->slave_path, O_RDWR | O_NOCTTY);
    if (m->slave_keep < 0) {
        err = fail(m, MODEM_PTY_ERR_PTY, "open", m->slave_path);
        goto undo;
    }
    if ((err = set_raw(m, m->slave_keep)) != 0)
        goto undo;
    flags = fcntl(m->master, F_GETFL);
    if (flags < 0 || fcntl(m->master, F_SETFL, flags | O_NONBLOCK) != 0 ||
        fcntl(m->master, F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(m->slave_keep, F_SETFD, FD_CLOEXEC) != 0) {
        err = fail(m, MODEM_PTY_ERR_PTY, "fcntl", NULL);
        goto undo;
    }
    if ((err = link_make(m)) != 0)
        goto undo;
    return MODEM_PTY_OK;
undo:
    close_fd(&m->slave_keep);
    close_fd(&m->master);
    m->slave_path[0] = 0;
    return err;
}

/* Power on: a fresh modem with zeroed counters and an empty line. */
static void power_on(struct modem_pty *m, uint64_t now_ms)
{
    memset(&m->radio, 0, sizeof m->radio);
    memset(m->tx, 0, sizeof m->tx);
    m->powered_ms = now_ms;
    m->last_status_ms = now_ms;
    m->band_free_ms = 0;
    m->out_len = 0;
    m->in_pos = m->in_len = 0;
    serial_reader_init(&m->reader);
}

int modem_pty_open(struct modem_pty *m, const struct modem_pty_config *cfg, uint64_t now_ms)
{
    int err;
    memset(m, 0, sizeof *m);
    m->master = m->slave_keep = -1;
    m->rx_id = -1;
    if (!cfg->link_path || !cfg->link_path[0] ||
        strlen(cfg->link_path) >= sizeof m->link_path || cfg->out_limit == 0 ||
        cfg->out_limit > MODEM_PTY_OUT_MAX || cfg->duty_permille > 1000) {
        snprintf(m->err, sizeof m->err,
                 "bad modem configuration (link path, out_limit 1..%d, duty_permille <= 1000)",
                 MODEM_PTY_OUT_MAX);
        return MODEM_PTY_ERR_CONFIG;
    }
    m->cfg = *cfg;
    strcpy(m->link_path, cfg->link_path);
    m->cfg.link_path = m->link_path;
    power_on(m, now_ms);
    err = pty_create(m);
    return err;
}

/* Everything a pulled plug takes away. */
static void teardown(struct modem_pty *m)
{
    int i;
    for (i = 0; i < MODEM_PTY_TX_QUEUE; i++) {
        /* A TX not yet started never goes out. One already on air finishes:
         * the channel cannot cut a frame short. */
        if (m->tx[i].used && m->tx[i].on_channel && m->ch)
            (void)channel_cancel(m->ch, m->tx[i].ticket);
        m->tx[i].used = 0;
    }
    m->stats.unplug_lost_bytes += m->out_len;
    m->out_len = 0;
    m->in_pos = m->in_len = 0;
    serial_reader_init(&m->reader);
    /* link first: a gateway reacting to the hangup must not reopen the
     * dying pty by its old name */
    link_remove(m);
    close_fd(&m->slave_keep);
    close_fd(&m->master);
    m->slave_path[0] = 0;
}

int modem_pty_unplug(struct modem_pty *m)
{
    if (m->master < 0)
        return MODEM_PTY_OK;
    teardown(m);
    m->stats.unplugs++;
    return MODEM_PTY_OK;
}

int modem_pty_replug(struct modem_pty *m, uint64_t now_ms)
{
    int err;
    if (m->master >= 0) {
        snprintf(m->err, sizeof m->err, "replug of a modem that is plugged in");
        return MODEM_PTY_ERR_CONFIG;
    }
    power_on(m, now_ms);
    err = pty_create(m);
    if (err == MODEM_PTY_OK)
        m->stats.replugs++;
    return err;
}

void modem_pty_close(struct modem_pty *m)
{
    if (m->master >= 0)
        teardown(m);
}

/* --- writing to the gateway ----------------------------------------------- */

/* Hand buffered bytes to the pty until it takes no more. */
static int flush_out(struct modem_pty *m)
{
    while (m->out_len > 0) {
        ssize_t w = write(m->master, m->out, m->out_len);
        if (w > 0) {
            memmove(m->out, m->out + w, m->out_len - (size_t)w);
            m->out_len -= (size_t)w;
            m->stats.bytes_out += (uint64_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return MODEM_PTY_OK; /* the gateway is not reading: keep it */
        return fail(m, MODEM_PTY_ERR_IO, "write", m->slave_path);
    }
    return MODEM_PTY_OK;
}

static int send_msg(struct modem_pty *m, const struct modem_msg *msg)
{
    uint8_t payload[MODEM_MSG_MAX], wire[SERIAL_WIRE_MAX];
    size_t plen, wlen;
    int err;

    if (m->master < 0) {
        m->stats.unplugged_drops++;
        return MODEM_PTY_ERR_UNPLUGGED;
    }
    if (modem_encode(msg, payload, sizeof payload, &plen) != PROTO_OK ||
        serial_frame_encode(payload, plen, wire, sizeof wire, &wlen) != PROTO_OK) {
        snprintf(m->err, sizeof m->err, "message of type %u refused by the encoder",
                 (unsigned)msg->type);
        return MODEM_PTY_ERR_ENCODE;
    }
    /* make room first: the gateway may have read since the last call */
    if ((err = flush_out(m)) != 0)
        return err;
    if (m->out_len + wlen > m->cfg.out_limit) {
        /* whole message or nothing: half a frame would cost the next one too */
        m->stats.overflow_drops++;
        m->stats.overflow_bytes += wlen;
        return MODEM_PTY_ERR_OVERFLOW;
    }
    memcpy(m->out + m->out_len, wire, wlen);
    m->out_len += wlen;
    return flush_out(m);
}

int modem_pty_send_rx(struct modem_pty *m, const struct modem_rx *rx)
{
    struct modem_msg msg;
    int err;
    if (m->master < 0) {
        m->stats.unplugged_drops++;
        return MODEM_PTY_ERR_UNPLUGGED;
    }
    memset(&msg, 0, sizeof msg);
    msg.type = MODEM_RX;
    msg.u.rx = *rx;
    err = send_msg(m, &msg);
    /* the radio received it whether or not the UART then had room */
    if (err == MODEM_PTY_OK || err == MODEM_PTY_ERR_OVERFLOW || err == MODEM_PTY_ERR_IO)
        m->radio.rx_frames++;
    if (err == MODEM_PTY_OK)
        m->stats.rx_written++;
    return err;
}

int modem_pty_send_tx_done(struct modem_pty *m, uint16_t seq, uint8_t status)
{
    struct modem_msg msg;
    int err;
    memset(&msg, 0, sizeof msg);
    msg.type = MODEM_TX_DONE;
    msg.u.tx_done.seq = seq;
    msg.u.tx_done.status = status;
    err = send_msg(m, &msg);
    if (err == MODEM_PTY_OK)
        m->stats.tx_done_written++;
    return err;
}

int modem_pty_send_status(struct modem_pty *m, uint64_t now_ms)
{
    struct modem_msg msg;
    int err;
    memset(&msg, 0, sizeof msg);
    msg.type = MODEM_STATUS;
    msg.u.status = m->radio;
    msg.u.status.uptime_s =
        (uint32_t)((now_ms > m->powered_ms ? now_ms - m->powered_ms : 0) / 1000u);
    err = send_msg(m, &msg);
    if (err == MODEM_PTY_OK)
        m->stats.status_written++;
    return err;
}

/* --- reading from the gateway --------------------------------------------- */

/* Feed buffered input to the reader until it runs out or out[] is full. */
static void drain(struct modem_pty *m, struct modem_tx *out, size_t cap, size_t *n)
{
    while (m->in_pos < m->in_len && *n < cap) {
        const uint8_t *payload;
        size_t plen;
        struct modem_msg msg;
        int r = serial_reader_push(&m->reader, m->in[m->in_pos++], &payload, &plen);
        if (r == 0)
            continue;
        if (r < 0) {
            m->stats.bad_frames[-r]++;
            continue;
        }
        r = modem_decode(payload, plen, &msg);
        if (r != PROTO_OK) {
            m->stats.bad_messages[-r]++;
            continue;
        }
        if (msg.type != MODEM_TX) {
            m->stats.wrong_direction++;
            continue;
        }
        m->stats.tx_received++;
        out[(*n)++] = msg.u.tx;
    }
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read what the master has; 1 if bytes came, 0 if none, or an error. */
static int read_some(struct modem_pty *m)
{
    ssize_t r;
    for (;;) {
        r = read(m->master, m->in, sizeof m->in);
        if (r > 0) {
            m->in_pos = 0;
            m->in_len = (size_t)r;
            m->stats.bytes_in += (uint64_t)r;
            return 1;
        }
        if (r < 0 && errno == EINTR)
            continue;
        /* EIO: no slave open. Cannot happen while we hold slave_keep, but
         * it means "nothing to read", not a broken modem. */
        if (r == 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EIO)
            return 0;
        return fail(m, MODEM_PTY_ERR_IO, "read", m->slave_path);
    }
}

int modem_pty_poll(struct modem_pty *m, int timeout_ms, struct modem_tx *out, size_t cap,
                   size_t *n)
{
    int64_t deadline = timeout_ms > 0 ? mono_ms() + timeout_ms : 0;
    int err;

    *n = 0;
    if (m->master < 0)
        return MODEM_PTY_ERR_UNPLUGGED;
    if ((err = flush_out(m)) != 0)
        return err;
    drain(m, out, cap, n);
    while (*n < cap) {
        struct pollfd pfd;
        int wait, r = read_some(m);
        if (r < 0)
            return r;
        if (r > 0) {
            drain(m, out, cap, n);
            continue;
        }
        /* nothing to read: done if we have something or may not wait */
        if (*n > 0 || timeout_ms == 0)
            break;
        if (timeout_ms < 0) {
            wait = -1;
        } else {
            int64_t left = deadline - mono_ms();
            if (left <= 0)
                break;
            wait = (int)left;
        }
        pfd.fd = m->master;
        pfd.events = POLLIN | (m->out_len ? POLLOUT : 0);
        pfd.revents = 0;
        r = poll(&pfd, 1, wait);
        if (r < 0 && errno != EINTR)
            return fail(m, MODEM_PTY_ERR_IO, "poll", m->slave_path);
        if (r > 0 && (pfd.revents & POLLOUT) && (err = flush_out(m)) != 0)
            return err;
    }
    return flush_out(m);
}

/* --- the radio side ------------------------------------------------------- */

int modem_pty_attach_channel(struct modem_pty *m, struct channel *ch, double loss_p, int *rx_id)
{
    struct channel_receiver r;
    int err;
    memset(&r, 0, sizeof r);
    r.on_rx = modem_pty_on_rx;
    r.on_crc_error = modem_pty_on_crc_error;
    r.ctx = m;
    r.loss_p = loss_p;
    if ((err = channel_add_receiver(ch, &r, &m->rx_id)) != 0) {
        snprintf(m->err, sizeof m->err, "channel: %s", channel_strerror(err));
        return MODEM_PTY_ERR_CHANNEL;
    }
    m->ch = ch;
    if (rx_id)
        *rx_id = m->rx_id;
    return MODEM_PTY_OK;
}

void modem_pty_on_rx(void *modem, const uint8_t *frame, size_t len,
                     const struct channel_rx_meta *meta)
{
    struct modem_pty *m = modem;
    struct modem_rx rx;
    int64_t t = (int64_t)meta->end_ms + m->cfg.unix_offset_ms;
    if (len == 0 || len > MODEM_FRAME_MAX)
        return;
    memset(&rx, 0, sizeof rx);
    /* the radio timestamps the end of reception, not the later hand-over */
    rx.rx_time_ms = t > 0 ? (uint64_t)t : 0;
    rx.freq_hz = meta->freq_hz;
    rx.rssi_dBm = meta->rssi_dBm;
    rx.snr_qdB = meta->snr_qdB;
    rx.sf = meta->sf;
    rx.bw_kHz = meta->bw_kHz;
    rx.cr = meta->cr;
    rx.len = (uint8_t)len;
    memcpy(rx.frame, frame, len);
    /* errors are counted in m->stats; the channel has no one to tell */
    (void)modem_pty_send_rx(m, &rx);
}

void modem_pty_on_crc_error(void *modem, const struct channel_rx_meta *meta)
{
    struct modem_pty *m = modem;
    (void)meta;
    if (m->master >= 0) /* an unpowered modem counts nothing */
        m->radio.rx_crc_errors++;
}

/* Busy or duty cycle for a TX at [start, end) sim ms, or sent. */
static uint8_t tx_decide(const struct modem_pty *m, uint64_t start, uint64_t end)
{
    int i, used = 0;
    for (i = 0; i < MODEM_PTY_TX_QUEUE; i++) {
        if (!m->tx[i].used)
            continue;
        used++;
        /* one radio: no two frames on air at once */
        if (start < m->tx[i].end_ms && m->tx[i].start_ms < end)
            return MODEM_TX_BUSY;
    }
    if (used == MODEM_PTY_TX_QUEUE)
        return MODEM_TX_BUSY;
    if (m->cfg.duty_permille && start < m->band_free_ms)
        return MODEM_TX_DUTY_CYCLE;
    return MODEM_TX_SENT;
}

/* Sim time a TX is to start at. 0 ok, 1 already past, 2 too far ahead. */
static int tx_start(const struct modem_pty *m, uint64_t tx_at_ms, uint64_t now_ms,
                    uint64_t *start)
{
    int64_t unix_now = (int64_t)now_ms + m->cfg.unix_offset_ms;
    if (tx_at_ms == 0) {
        *start = now_ms;
        return 0;
    }
    if (tx_at_ms > (uint64_t)INT64_MAX)
        return 2;
    if ((int64_t)tx_at_ms < unix_now)
        return 1;
    if ((uint64_t)((int64_t)tx_at_ms - unix_now) > MODEM_PTY_TX_AHEAD_MS)
        return 2;
    *start = now_ms + (uint64_t)((int64_t)tx_at_ms - unix_now);
    return 0;
}

int modem_pty_transmit(struct modem_pty *m, const struct modem_tx *tx, uint64_t now_ms,
                       uint8_t *status)
{
    uint8_t cr = m->ch ? m->ch->cfg.cr : MODEM_PTY_DEFAULT_CR;
    uint32_t toa_us = airtime_us(tx->sf, tx->bw_kHz, cr, tx->len);
    uint64_t start = 0, end, ticket = 0;
    uint8_t st;
    int i, when;

    if (m->master < 0)
        return MODEM_PTY_ERR_UNPLUGGED;
    if (toa_us == 0 || tx->len == 0) {
        snprintf(m->err, sizeof m->err, "TX with radio parameters airtime refuses");
        return MODEM_PTY_ERR_CONFIG;
    }
    when = tx_start(m, tx->tx_at_ms, now_ms, &start);
    end = start + (toa_us + 999u) / 1000u;
    if (when == 1)
        st = MODEM_TX_TOO_LATE;
    else if (when == 2)
        st = MODEM_TX_BUSY; /* §7.2 has no "too early": the modem cannot take it now */
    else
        st = tx_decide(m, start, end);

    if (st == MODEM_TX_SENT && m->ch) {
        struct board_radio_params p;
        int err;
        p.freq_hz = tx->freq_hz;
        p.sf = tx->sf;
        p.bw_kHz = tx->bw_kHz;
        p.power_dBm = tx->power_dBm;
        err = channel_downlink(m->ch, m->rx_id, tx->frame, tx->len, &p, start, &ticket);
        if (err == CHANNEL_ERR_PAST)
            st = MODEM_TX_TOO_LATE;     /* the channel's clock is ahead of ours */
        else if (err)
            st = MODEM_TX_BUSY;         /* air table full: as good as busy */
    }
    if (status)
        *status = st;
    if (st != MODEM_TX_SENT) {
        m->stats.tx_status[st]++;
        return modem_pty_send_tx_done(m, tx->seq, st);
    }
    for (i = 0; i < MODEM_PTY_TX_QUEUE && m->tx[i].used; i++)
        ;
    /* tx_decide guaranteed a free slot */
    m->tx[i].used = 1;
    m->tx[i].seq = tx->seq;
    m->tx[i].start_ms = start;
    m->tx[i].end_ms = end;
    m->tx[i].ticket = ticket;
    m->tx[i].on_channel = m->ch != NULL;
    if (m->cfg.duty_permille) {
        /* EU868 off-time rule: after T on air, wait T * (1/duty - 1) */
        uint64_t toa_ms = end - start;
        uint64_t off = toa_ms * (1000u - m->cfg.duty_permille) / m->cfg.duty_permille;
        if (end + off > m->band_free_ms)
            m->band_free_ms = end + off;
    }
    return MODEM_PTY_OK;
}

int modem_pty_advance(struct modem_pty *m, uint64_t now_ms)
{
    int first = MODEM_PTY_OK, err;
    if (m->master < 0)
        return MODEM_PTY_OK; /* nothing runs without power */
    for (;;) {
        /* report in order of completion, as the radio finishes them */
        struct modem_pty_tx *done = NULL;
        int i;
        for (i = 0; i < MODEM_PTY_TX_QUEUE; i++)
            if (m->tx[i].used && m->tx[i].end_ms <= now_ms &&
                (!done || m->tx[i].end_ms < done->end_ms))
                done = &m->tx[i];
        if (!done)
            break;
        done->used = 0;
        m->radio.tx_frames++;
        m->stats.tx_status[MODEM_TX_SENT]++;
        err = modem_pty_send_tx_done(m, done->seq, MODEM_TX_SENT);
        if (err && !first)
            first = err;
    }
    if (m->cfg.status_period_ms && now_ms >= m->last_status_ms &&
        now_ms - m->last_status_ms >= m->cfg.status_period_ms) {
        m->last_status_ms = now_ms;
        err = modem_pty_send_status(m, now_ms);
        if (err && !first)
            first = err;
    }
    err = flush_out(m);
    return first ? first : err;
}
