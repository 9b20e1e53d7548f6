/* atmodem.c -- the AT modem sequencer (see atmodem.h for the design; the
 * command texts are in rui3.c and wioe5.c).
 */
#define _POSIX_C_SOURCE 200809L

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "airtime.h"
#include "atmodem.h"
#include "log.h"

#define ATMODEM_LAT_DEFAULT_MS 30   /* command latency assumed until one is measured */
#define ATMODEM_RETUNE_MARGIN_MS 60 /* slack before the send command is due */
#define ATMODEM_RETRY_MS 1000       /* pause before a setup that failed starts again */

const char *atmodem_strerror(int err)
{
    static const char *const text[ATMODEM_ERR_COUNT_] = {
        "no error",
        "invalid AT modem setting",
        "the modem is not receiving (port closed or module being set up): TX not queued",
        "the ack queue is full: TX not queued",
        "the module's firmware is not supported",
    };
    if (err > 0 || err <= -ATMODEM_ERR_COUNT_)
        return "unknown atmodem error";
    return text[-err];
}

const struct atmodem_grammar *atmodem_grammar_of(enum atline_grammar g)
{
    return g == ATLINE_WIOE5 ? &atmodem_wioe5 : &atmodem_rui3;
}

static const struct atmodem_grammar *G(const struct atmodem *m)
{
    return atmodem_grammar_of(m->cfg.grammar);
}

void atmodem_push(struct atmodem *m, int tag, const char *name, uint32_t timeout_ms,
                  const char *fmt, ...)
{
    struct atmodem_cmd *c;
    va_list ap;
    if (m->nscript == ATMODEM_SCRIPT_MAX)
        return; /* scripts are fixed by rui3.c/wioe5.c and fit; never reached */
    c = &m->script[m->nscript++];
    memset(c, 0, sizeof *c);
    c->tag = tag;
    snprintf(c->name, sizeof c->name, "%s", name);
    c->timeout_ms = timeout_ms ? timeout_ms
                               : (m->cfg.cmd_timeout_ms ? m->cfg.cmd_timeout_ms
                                                        : ATMODEM_CMD_TIMEOUT_MS);
    va_start(ap, fmt);
    vsnprintf(c->text, sizeof c->text, fmt, ap);
    va_end(ap);
}

struct atmodem_radio atmodem_downlink_radio(const struct atmodem *m, const struct modem_tx *tx)
{
    struct atmodem_radio r = m->cfg.uplink;
    r.freq_hz = tx->freq_hz;
    r.sf = tx->sf;
    r.bw_kHz = tx->bw_kHz;
    r.power_dBm = tx->power_dBm;
    r.iq_inverted = 1;
    return r;
}

void atmodem_hex(const uint8_t *frame, size_t len, char *out)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t i;
    for (i = 0; i < len; i++) {
        out[2 * i] = digits[frame[i] >> 4];
        out[2 * i + 1] = digits[frame[i] & 15];
    }
    out[2 * len] = 0;
}

int atmodem_mode_is_on(enum atline_grammar g, const char *value)
{
    if (g == ATLINE_RUI3)
        return strcmp(value, "0") == 0;     /* AT+NWM=0: LoRa P2P */
    return strncmp(value, "TEST", 4) == 0;  /* +MODE: TEST */
}

/* ms the line of n characters (plus CR LF) took on the wire */
static int64_t wire_ms(const struct atmodem *m, size_t n)
{
    uint32_t baud = m->port.cfg.baud ? m->port.cfg.baud : 115200;
    return (int64_t)((n + 2) * 10u * 1000u / baud);
}

/* --- output ---------------------------------------------------------------- */

static void lost(struct atmodem *m, const char *why);

static void flush_out(struct atmodem *m, int64_t now_ms)
{
    char why[256];
    while (m->out_len > 0) {
        size_t n;
        int r = port_write(&m->port, m->out, m->out_len, &n, now_ms, why, sizeof why);
        if (r == PORT_ERR_GONE || r == PORT_ERR_IO) {
            lost(m, why);
            return;
        }
        if (r != PORT_OK || n == 0)
            return;
        memmove(m->out, m->out + n, m->out_len - n);
        m->out_len -= n;
        m->ls.bytes_out += n;
    }
}

/* --- events to the caller -------------------------------------------------- */

static void tx_done(struct atmodem *m, uint16_t seq, uint8_t status, int64_t now_ms)
{
    struct modem_msg msg;
    memset(&msg, 0, sizeof msg);
    msg.type = MODEM_TX_DONE;
    msg.u.tx_done.seq = seq;
    msg.u.tx_done.status = status;
    m->ls.tx_done++;
    if (m->fn)
        m->fn(m->fn_ctx, &msg, now_ms);
}

static void drop_ack(struct atmodem *m, int i, uint8_t status, int64_t now_ms)
{
    if (i < 0 || !m->acks[i].used)
        return;
    m->acks[i].used = 0;
    tx_done(m, m->acks[i].seq, status, now_ms);
}

/* --- sequences ------------------------------------------------------------- */

static void begin_script(struct atmodem *m)
{
    m->nscript = 0;
    m->at = 0;
    m->waiting = 0;
}

static void abort_ack(struct atmodem *m, uint8_t status, int64_t now_ms)
{
    if (m->cur_ack >= 0) {
        m->st.acks_failed++;
        drop_ack(m, m->cur_ack, status, now_ms);
        m->cur_ack = -1;
    }
}

static void begin_setup(struct atmodem *m, int64_t now_ms, int64_t not_before_ms)
{
    abort_ack(m, MODEM_TX_BUSY, now_ms);
    m->phase = ATMODEM_SETUP;
    m->setup_started_ms = now_ms;
    m->hold_until_ms = not_before_ms;
    m->st.setups++;
    begin_script(m);
    G(m)->setup(m);
}

static void refuse(struct atmodem *m, const char *why)
{
    m->phase = ATMODEM_REFUSED;
    m->st.firmware_refused++;
    snprintf(m->refused_why, sizeof m->refused_why, "%s", why);
    begin_script(m);
    log_error("modem on %s: %s -- not using it until it is replugged", m->port.path, why);
}

static void opened(struct atmodem *m, int64_t now_ms)
{
    m->ls.opens++;
    atline_reset(&m->lines);
    m->out_len = 0;
    m->firmware[0] = 0;
    m->have_status = 0;
    m->last_good_ms = now_ms;
    log_info("modem port %s open (%s driver, %lu baud, %s)", m->port.path,
             port_driver_name(&m->port), (unsigned long)m->port.cfg.baud, G(m)->name);
    begin_setup(m, now_ms, now_ms);
}

static void lost(struct atmodem *m, const char *why)
{
    int i;
    for (i = 0; i < ATMODEM_ACK_QUEUE; i++)
        if (m->acks[i].used) {
            m->acks[i].used = 0;
            m->ls.tx_lost++;
        }
    m->cur_ack = -1;
    m->out_len = 0;
    m->phase = ATMODEM_CLOSED;
    begin_script(m);
    m->ls.hangups++;
    log_warn("modem port %s lost: %s; reopening", m->port.path, why);
}

static void write_cmd(struct atmodem *m, int64_t now_ms)
{
    struct atmodem_cmd *c = &m->script[m->at];
    size_t n = strlen(c->text);
    if (m->out_len + n + 2 > sizeof m->out) {
        m->out_len = 0; /* the module stopped reading: resend from scratch */
    }
    memcpy(m->out + m->out_len, c->text, n);
    memcpy(m->out + m->out_len + n, "\r\n", 2);
    m->out_len += n + 2;
    m->waiting = 1;
    /* the status cannot come before the command's last byte is out: latency
     * is counted from then */
    m->sent_ms = now_ms + wire_ms(m, n);
    m->st.commands++;
    if (c->tag == ATMODEM_TAG_SEND)
        m->send_written_ms = m->sent_ms;
    flush_out(m, now_ms);
}

/* The next ack due to start, or -1. */
static int next_ack(const struct atmodem *m)
{
    int i, best = -1;
    for (i = 0; i < ATMODEM_ACK_QUEUE; i++)
        if (m->acks[i].used &&
            (best < 0 || m->acks[i].tx.tx_at_ms < m->acks[best].tx.tx_at_ms))
            best = i;
    return best;
}

/* When the send command must be written so that the frame starts at
 * tx_at_ms: its own wire time and the modem's latency to it before. */
static int64_t send_due_ms(const struct atmodem *m, const struct modem_tx *tx)
{
    /* until one send was measured, the other commands' latency */
    int64_t lat = m->lat_send_ms ? m->lat_send_ms
                : m->lat_cmd_ms  ? m->lat_cmd_ms : ATMODEM_LAT_DEFAULT_MS;
    /* "AT+TEST=TXLRPKT,\"" + hex + "\"" is the longer of the two */
    return (int64_t)tx->tx_at_ms - lat - wire_ms(m, 18 + 2u * tx->len);
}

/* How long the retune before the send takes: each command's wire time and
 * latency. */
static int64_t retune_lead_ms(const struct atmodem *m)
{
    int64_t lat = m->lat_cmd_ms ? m->lat_cmd_ms : ATMODEM_LAT_DEFAULT_MS;
    /* RUI3: PRECV=0, P2P, IQINVER; Wio-E5: RFCFG (longer line); plus one
     * command that may be out when the retune is due (a keep-alive) */
    return 4 * (lat + wire_ms(m, 60)) + ATMODEM_RETUNE_MARGIN_MS;
}

static void start_ack(struct atmodem *m, int i, int64_t now_ms)
{
    m->phase = ATMODEM_ACK;
    m->cur_ack = i;
    m->retune_start_ms = now_ms;
    begin_script(m);
    G(m)->to_downlink(m, &m->acks[i].tx);
    G(m)->send(m, &m->acks[i].tx);
    G(m)->to_uplink(m);
}

/* Drive the sequence: write the next command when it is due. */
static void step(struct atmodem *m, int64_t now_ms)
{
    int i;
    if (!port_is_open(&m->port) || m->phase == ATMODEM_CLOSED || m->phase == ATMODEM_REFUSED)
        return;
    /* acks that can no longer start in time */
    for (i = 0; i < ATMODEM_ACK_QUEUE; i++)
        if (m->acks[i].used && i != m->cur_ack &&
            now_ms > (int64_t)m->acks[i].tx.tx_at_ms + ATMODEM_LATE_MAX_MS) {
            m->st.acks_late++;
            drop_ack(m, i, MODEM_TX_TOO_LATE, now_ms);
        }
    if (m->waiting || now_ms < m->hold_until_ms)
        return;
    if (m->at < m->nscript) {
        struct atmodem_cmd *c = &m->script[m->at];
        if (c->tag == ATMODEM_TAG_SEND && m->cur_ack >= 0) {
            struct modem_tx *tx = &m->acks[m->cur_ack].tx;
            int64_t due = send_due_ms(m, tx);
            if (now_ms < due)
                return; /* tick comes back at due (atmodem_timeout_ms) */
            if (now_ms - due > ATMODEM_LATE_MAX_MS) {
                /* the retune took too long: a late ack would set the
                 * handheld's clock wrong; skip it and go back to receive */
                m->st.acks_late++;
                drop_ack(m, m->cur_ack, MODEM_TX_TOO_LATE, now_ms);
                m->cur_ack = -1;
                m->at++;
                step(m, now_ms);
                return;
            }
            m->st.last_retune_ms = now_ms - m->retune_start_ms;
            if (m->st.last_retune_ms > m->st.max_retune_ms)
                m->st.max_retune_ms = m->st.last_retune_ms;
        }
        write_cmd(m, now_ms);
        return;
    }
    /* no sequence running: an ack due, or a keep-alive */
    if (m->phase != ATMODEM_RX)
        return;
    i = next_ack(m);
    if (i >= 0 && now_ms >= send_due_ms(m, &m->acks[i].tx) - retune_lead_ms(m)) {
        start_ack(m, i, now_ms);
        step(m, now_ms);
        return;
    }
    if (i < 0 && now_ms - m->last_keepalive_ms >=
        (int64_t)(m->cfg.keepalive_ms ? m->cfg.keepalive_ms : ATMODEM_KEEPALIVE_MS)) {
        m->last_keepalive_ms = now_ms;
        begin_script(m);
        G(m)->keepalive(m);
        step(m, now_ms);
    }
}

/* The command out got its final status (ok, or an error/busy). */
static void finished(struct atmodem *m, int ok, int busy, const char *value, int64_t now_ms)
{
    struct atmodem_cmd *c = &m->script[m->at];
    int64_t lat = now_ms - m->sent_ms;
    char why[200];

    if (lat < 0)
        lat = 0;
    m->waiting = 0;
    m->last_good_ms = now_ms;
    if (c->tag == ATMODEM_TAG_SEND) {
        m->st.last_send_latency_ms = lat;
        m->lat_send_ms = lat;
        if (m->cur_ack >= 0)
            m->st.last_start_error_ms =
                m->send_written_ms + lat - (int64_t)m->acks[m->cur_ack].tx.tx_at_ms;
    } else if (c->tag != ATMODEM_TAG_MODE_SET) {
        /* the largest recent latency, decaying slowly: one slow reply moves
         * the lead up at once, a quiet hour brings it back down */
        m->lat_cmd_ms = lat > m->lat_cmd_ms ? lat : (m->lat_cmd_ms * 7 + lat) / 8;
    }
    if (!ok) {
        if (busy)
            m->st.busy++;
        else
            m->st.errors++;
        if (c->tag == ATMODEM_TAG_OPTIONAL) {
            m->at++;
            return;
        }
        log_warn("modem on %s: '%s' answered %s", m->port.path, c->text,
                 value && value[0] ? value : (busy ? "busy" : "error"));
        if (m->phase == ATMODEM_ACK && m->cur_ack >= 0) {
            /* no ack this time (the next uplink earns another, §6.1);
             * skip to the commands that return to receive */
            abort_ack(m, MODEM_TX_BUSY, now_ms);
            while (m->at < m->nscript && m->script[m->at].tag != ATMODEM_TAG_SEND)
                m->at++;
            if (m->at < m->nscript)
                m->at++;
            return;
        }
        begin_setup(m, now_ms, now_ms + ATMODEM_RETRY_MS);
        return;
    }
    switch (c->tag) {
    case ATMODEM_TAG_VERSION:
        snprintf(m->firmware, sizeof m->firmware, "%s", value ? value : "");
        if (G(m)->firmware_ok(m->firmware, why, sizeof why) != 0) {
            refuse(m, why);
            return;
        }
        break;
    case ATMODEM_TAG_MODE_QUERY:
        if (!value || !atmodem_mode_is_on(m->cfg.grammar, value)) {
            if (m->phase == ATMODEM_SETUP && m->cfg.grammar == ATLINE_RUI3) {
                /* switch to P2P: the module restarts, then set up again */
                begin_script(m);
                atmodem_push(m, ATMODEM_TAG_MODE_SET, "", ATMODEM_BOOT_TIMEOUT_MS, "AT+NWM=0");
                return;
            }
            m->st.reboots_seen++;
            log_warn("modem on %s is out of %s mode (reset?): setting it up again",
                     m->port.path, m->cfg.grammar == ATLINE_RUI3 ? "P2P" : "TEST");
            begin_setup(m, now_ms, now_ms);
            return;
        }
        break;
    case ATMODEM_TAG_MODE_SET:
        begin_setup(m, now_ms, now_ms + 200);
        return;
    case ATMODEM_TAG_SEND:
        /* accepted: the frame is on air; TX done follows (RUI3 4.x prints
         * it; a firmware that does not is caught by the wait's deadline) */
        if (m->cur_ack >= 0) {
            const struct modem_tx *tx = &m->acks[m->cur_ack].tx;
            uint32_t us = airtime_us(tx->sf, tx->bw_kHz, 5, tx->len);
            m->tx_done_ms = now_ms + us / 1000 + 1000; /* deadline */
        }
        m->at++;
        m->hold_until_ms = INT64_MAX; /* until TX done */
        return;
    case ATMODEM_TAG_RX_ON:
        if (m->phase == ATMODEM_SETUP) {
            m->st.setups_done++;
            m->ready_ms = now_ms;
            m->last_keepalive_ms = now_ms;
            m->last_status_ms = now_ms;
            log_info("modem on %s: %s firmware %s, receiving on %lu Hz SF%u", m->port.path,
                     G(m)->name, m->firmware, (unsigned long)m->cfg.uplink.freq_hz,
                     m->cfg.uplink.sf);
        } else if (m->phase == ATMODEM_ACK) {
            m->st.last_back_to_rx_ms = now_ms - m->tx_done_ms;
        }
        m->phase = ATMODEM_RX;
        break;
    default:
        break;
    }
    m->at++;
}

static void deliver_rx(struct atmodem *m, const struct atline_msg *l, int64_t line_end_ms,
                       size_t chars)
{
    struct modem_msg msg;
    int64_t t = line_end_ms - wire_ms(m, chars);
    memset(&msg, 0, sizeof msg);
    msg.type = MODEM_RX;
    msg.u.rx.rx_time_ms = t > 0 ? (uint64_t)t : 0;
    msg.u.rx.freq_hz = m->cfg.uplink.freq_hz;
    msg.u.rx.rssi_dBm = l->rssi_dBm;
    msg.u.rx.snr_qdB = l->snr_qdB;
    msg.u.rx.sf = m->cfg.uplink.sf;
    msg.u.rx.bw_kHz = m->cfg.uplink.bw_kHz;
    msg.u.rx.cr = m->cfg.uplink.cr;
    msg.u.rx.len = l->len;
    memcpy(msg.u.rx.frame, l->frame, l->len);
    m->ls.rx++;
    m->rx_frames++;
    m->last_rx_ms = line_end_ms;
    if (m->fn)
        m->fn(m->fn_ctx, &msg, t > 0 ? t : line_end_ms);
}

/* One classified line. */
static void on_line(struct atmodem *m, const struct atline_msg *l, int64_t line_end_ms,
                    size_t chars)
{
    struct atmodem_cmd *c = m->waiting ? &m->script[m->at] : NULL;
    /* a status was printed when its first byte left the module: the
     * command's latency ends there, not when the line is through */
    int64_t line_start_ms = line_end_ms - wire_ms(m, chars > 2 ? chars - 2 : 0);

    if (l->ev != ATLINE_NONE)
        m->ls.frames_ok++;
    switch (l->ev) {
    case ATLINE_RX:
        m->last_good_ms = line_end_ms;
        /* Wio-E5: the LEN line came just before; both lines count */
        deliver_rx(m, l, line_end_ms,
                   m->cfg.grammar == ATLINE_WIOE5 ? chars + 36 : chars);
        return;
    case ATLINE_RX_CRC_ERROR:
        m->st.rx_crc_errors++;
        return;
    case ATLINE_RX_TIMEOUT:
        m->st.rx_timeouts++;
        return;
    case ATLINE_TX_DONE:
        if (m->cur_ack >= 0 && m->hold_until_ms == INT64_MAX) {
            m->st.acks_sent++;
            m->tx_frames++;
            m->tx_done_ms = line_end_ms;
            m->acks[m->cur_ack].used = 0;
            tx_done(m, m->acks[m->cur_ack].seq, MODEM_TX_SENT, line_end_ms);
            m->cur_ack = -1;
            m->hold_until_ms = 0;
            step(m, line_end_ms);
        }
        return;
    case ATLINE_BOOT:
        if (c && c->tag == ATMODEM_TAG_MODE_SET) {
            finished(m, 1, 0, NULL, line_end_ms);
        } else {
            m->st.reboots_seen++;
            log_warn("modem on %s restarted ('%s'): setting it up again", m->port.path, l->text);
            begin_setup(m, line_end_ms, line_end_ms + 200);
        }
        step(m, line_end_ms);
        return;
    case ATLINE_VALUE:
        if (!c)
            return;
        if (m->cfg.grammar == ATLINE_RUI3) {
            /* a query's answer comes before its OK */
            if (c->name[0] && strcmp(l->name, c->name) == 0)
                snprintf(m->value, sizeof m->value, "%s", l->text);
            return;
        }
        /* Wio-E5: the reply of that name ends the command */
        if (strcmp(l->name, c->name) != 0)
            return;
        finished(m, 1, 0, l->text, line_start_ms);
        step(m, line_end_ms);
        return;
    case ATLINE_OK:
        if (!c)
            return;
        finished(m, 1, 0, m->value, line_start_ms);
        m->value[0] = 0;
        step(m, line_end_ms);
        return;
    case ATLINE_ERROR:
    case ATLINE_BUSY:
        if (!c)
            return;
        if (m->cfg.grammar == ATLINE_WIOE5 && strcmp(l->name, c->name) != 0)
            return;
        m->value[0] = 0;
        finished(m, 0, l->ev == ATLINE_BUSY, l->text, line_start_ms);
        step(m, line_end_ms);
        return;
    default:
        return;
    }
}

/* --- the public face --------------------------------------------------------- */

int atmodem_open(struct atmodem *m, const struct atmodem_config *cfg, int64_t now_ms,
                 char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->cur_ack = -1;
    m->next_seq = 1;
    m->last_rx_ms = -1;
    if (airtime_us(cfg->uplink.sf, cfg->uplink.bw_kHz, cfg->uplink.cr, 32) == 0) {
        snprintf(err, errlen, "AT modem: uplink SF%u / %u kHz / 4/%u is not LoRa",
                 cfg->uplink.sf, cfg->uplink.bw_kHz, cfg->uplink.cr);
        return ATMODEM_ERR_ARG;
    }
    if (port_init(&m->port, &cfg->port, err, errlen) != PORT_OK)
        return ATMODEM_ERR_ARG;
    m->cfg.port.path = m->port.path;
    atline_init(&m->lines, cfg->grammar);
    atmodem_tick(m, now_ms);
    return ATMODEM_OK;
}

void atmodem_close(struct atmodem *m)
{
    port_close(&m->port);
    m->phase = ATMODEM_CLOSED;
    m->out_len = 0;
}

int atmodem_fd(const struct atmodem *m)
{
    return port_fd(&m->port);
}

short atmodem_poll_events(const struct atmodem *m)
{
    return (short)(POLLIN | (m->out_len ? POLLOUT : 0));
}

int atmodem_on_events(struct atmodem *m, short revents, int64_t now_ms, modemlink_msg_fn fn,
                      void *ctx)
{
    const short hangup = POLLHUP | POLLERR | POLLNVAL;
    uint64_t rx_before = m->ls.rx;
    int chunk, got_any = 0;
    char why[256];

    m->fn = fn;
    m->fn_ctx = ctx;
    if (!port_is_open(&m->port))
        return 0;
    if (revents & POLLOUT)
        flush_out(m, now_ms);
    if (!(revents & (POLLIN | hangup)))
        return 0;
    for (chunk = 0; chunk < MODEMLINK_READ_BUDGET && port_is_open(&m->port); chunk++) {
        uint8_t buf[MODEMLINK_READ_CHUNK];
        size_t n, pos = 0, start = 0;
        struct atline_msg l;
        int r = port_read(&m->port, buf, sizeof buf, &n, now_ms, why, sizeof why);
        if (r != PORT_OK) {
            lost(m, why);
            break;
        }
        if (n == 0)
            break;
        got_any = 1;
        m->ls.bytes_in += n;
        while (atline_next(&m->lines, buf, n, &pos, &l)) {
            /* the line ended when the bytes after it in this read were still
             * on the wire */
            int64_t end = now_ms - wire_ms(m, n - pos) + wire_ms(m, 0);
            on_line(m, &l, end, pos - start);
            start = pos;
            if (!port_is_open(&m->port))
                break;
        }
    }
    if (!got_any && (revents & hangup) && port_is_open(&m->port)) {
        port_drop(&m->port, now_ms);
        lost(m, "poll reports a hangup");
    }
    step(m, now_ms);
    return (int)(m->ls.rx - rx_before);
}

int atmodem_send_tx(struct atmodem *m, const struct modem_tx *tx, int64_t now_ms,
                    uint16_t *seq)
{
    int i;
    (void)now_ms;
    if (!port_is_open(&m->port) || (m->phase != ATMODEM_RX && m->phase != ATMODEM_ACK)) {
        m->ls.tx_refused_down++;
        return ATMODEM_ERR_DOWN;
    }
    if (tx->len == 0 || airtime_us(tx->sf, tx->bw_kHz, 5, tx->len) == 0)
        return ATMODEM_ERR_ARG;
    for (i = 0; i < ATMODEM_ACK_QUEUE && m->acks[i].used; i++)
        ;
    if (i == ATMODEM_ACK_QUEUE) {
        m->ls.tx_refused_full++;
        return ATMODEM_ERR_FULL;
    }
    m->acks[i].used = 1;
    m->acks[i].seq = m->next_seq;
    m->acks[i].tx = *tx;
    m->acks[i].tx.seq = m->next_seq;
    if (m->acks[i].tx.tx_at_ms == 0)
        m->acks[i].tx.tx_at_ms = (uint64_t)now_ms;
    if (seq)
        *seq = m->next_seq;
    m->next_seq++;
    m->ls.tx_queued++;
    step(m, now_ms);
    return ATMODEM_OK;
}

static void check_hangup(struct atmodem *m, int64_t now_ms)
{
    struct pollfd pfd;
    pfd.fd = port_fd(&m->port);
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (pfd.fd < 0 || poll(&pfd, 1, 0) <= 0)
        return;
    if ((pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) && !(pfd.revents & POLLIN)) {
        port_drop(&m->port, now_ms);
        lost(m, "poll reports a hangup");
    }
}

void atmodem_tick(struct atmodem *m, int64_t now_ms)
{
    char why[256];
    int r;
    if (port_is_open(&m->port))
        check_hangup(m, now_ms);
    r = port_tick(&m->port, now_ms, why, sizeof why);
    if (r == 1)
        opened(m, now_ms);
    else if (r < 0)
        m->ls.open_failures++;
    if (!port_is_open(&m->port))
        return;
    if (m->waiting && now_ms - m->sent_ms > (int64_t)m->script[m->at].timeout_ms) {
        m->st.timeouts++;
        log_warn("modem on %s: no answer to '%s' in %u ms; setting it up again", m->port.path,
                 m->script[m->at].text, m->script[m->at].timeout_ms);
        begin_setup(m, now_ms, now_ms + ATMODEM_RETRY_MS);
    }
    if (m->hold_until_ms == INT64_MAX && now_ms > m->tx_done_ms) {
        /* no TX done line: the frame's air time is long over; count it as
         * sent (the modem took it) and go back to receive */
        m->hold_until_ms = 0;
        if (m->cur_ack >= 0) {
            m->st.acks_sent++;
            m->tx_frames++;
            m->acks[m->cur_ack].used = 0;
            tx_done(m, m->acks[m->cur_ack].seq, MODEM_TX_SENT, now_ms);
            m->cur_ack = -1;
        }
    }
    step(m, now_ms);
    if ((m->phase == ATMODEM_RX || m->phase == ATMODEM_ACK) &&
        now_ms - m->last_status_ms >= ATMODEM_STATUS_PERIOD_MS) {
        struct modem_msg msg;
        m->last_status_ms = now_ms;
        memset(&msg, 0, sizeof msg);
        msg.type = MODEM_STATUS;
        msg.u.status.uptime_s = (uint32_t)((now_ms - m->ready_ms) / 1000);
        msg.u.status.rx_frames = m->rx_frames;
        msg.u.status.rx_crc_errors = (uint32_t)m->st.rx_crc_errors;
        msg.u.status.tx_frames = m->tx_frames;
        m->last_status = msg.u.status;
        m->have_status = 1;
        m->ls.status++;
        if (m->fn)
            m->fn(m->fn_ctx, &msg, now_ms);
    }
}

int atmodem_timeout_ms(const struct atmodem *m, int64_t now_ms)
{
    int64_t t = port_next_retry_ms(&m->port, now_ms), due = -1;
    int i;
    if (port_is_open(&m->port)) {
        if (m->waiting)
            due = m->sent_ms + m->script[m->at].timeout_ms;
        else if (m->hold_until_ms == INT64_MAX)
            due = m->tx_done_ms;
        else if (m->at < m->nscript && m->script[m->at].tag == ATMODEM_TAG_SEND &&
                 m->cur_ack >= 0)
            due = send_due_ms(m, &m->acks[m->cur_ack].tx);
        else if (m->at < m->nscript)
            due = m->hold_until_ms;
        else if ((i = next_ack(m)) >= 0)
            due = send_due_ms(m, &m->acks[i].tx) - retune_lead_ms(m);
        else
            due = m->last_keepalive_ms + (m->cfg.keepalive_ms ? m->cfg.keepalive_ms
                                                               : ATMODEM_KEEPALIVE_MS);
        if (m->phase == ATMODEM_REFUSED)
            due = -1;
    }
    if (due >= 0) {
        int64_t d = due - now_ms;
        if (d < 0)
            d = 0;
        if (t < 0 || d < t)
            t = d;
    }
    return t > 0x7fffffff ? 0x7fffffff : (int)t;
}

int atmodem_is_open(const struct atmodem *m)
{
    return port_is_open(&m->port);
}

int atmodem_is_up(const struct atmodem *m, int64_t now_ms)
{
    int64_t ka = m->cfg.keepalive_ms ? m->cfg.keepalive_ms : ATMODEM_KEEPALIVE_MS;
    return port_is_open(&m->port) && (m->phase == ATMODEM_RX || m->phase == ATMODEM_ACK) &&
           now_ms - m->last_good_ms < 3 * ka;
}
