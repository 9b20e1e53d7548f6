/* sx126x_modem.c -- the receiver modem's state machine (see the header). */
#include "sx126x_modem.h"

#include <string.h>

#include "airtime.h"

#define MODEM_CR 5  /* LoRa 4/5 both ways (docs/protocol.md §3.1) */

void sx126x_modem_config_default(struct sx126x_modem_config *c)
{
    memset(c, 0, sizeof *c);
    c->uplink_freq_hz = 868100000u;
    c->sf = 9;
    c->bw_kHz = 125;
    c->duty_permille = 100;
    c->status_every_ms = 5000;
    c->max_power_dBm = 14;
}

static void send_msg(struct sx126x_modem *m, const struct modem_msg *msg)
{
    uint8_t payload[MODEM_MSG_MAX], wire[SERIAL_WIRE_MAX];
    size_t n, w;
    if (modem_encode(msg, payload, sizeof payload, &n) != 0 ||
        serial_frame_encode(payload, n, wire, sizeof wire, &w) != 0 ||
        m->io.write(m->io.ctx, wire, w) != 0)
        m->stats.write_failed++;
}

static void listen_uplink(struct sx126x_modem *m)
{
    struct sx126x_lora l;
    sx126x_lora_uplink(&l, m->cfg.uplink_freq_hz, m->cfg.sf, m->cfg.bw_kHz, 0);
    if (sx126x_receive(m->chip, &l, 0) != 0)
        m->stats.radio_errors++;
}

int sx126x_modem_start(struct sx126x_modem *m, struct sx126x *chip,
                       const struct sx126x_modem_config *cfg, const struct sx126x_modem_io *io,
                       uint64_t now_ms)
{
    struct sx126x_lora l;
    memset(m, 0, sizeof *m);
    m->chip = chip;
    m->cfg = *cfg;
    m->io = *io;
    serial_reader_init(&m->rd);
    m->next_status_ms = now_ms + cfg->status_every_ms;
    sx126x_lora_uplink(&l, cfg->uplink_freq_hz, cfg->sf, cfg->bw_kHz, 0);
    return sx126x_receive(chip, &l, 0);
}

int sx126x_modem_offset(const struct sx126x_modem *m, int64_t *offset_ms)
{
    if (!m->off_known)
        return 0;
    /* the top of the interval: the offset if the line had no latency; the
     * ack then starts early by the true latency (ms), where the middle
     * would be off by up to EPS / 2 either way */
    *offset_ms = m->off_hi;
    return 1;
}

/* One more bound on the offset from a TX answering the last RX. */
static void learn_offset(struct sx126x_modem *m, uint64_t tx_at, uint64_t now)
{
    int64_t w = (int64_t)m->last_rx_ms, lo, hi, grow;
    if (!m->rx_unanswered || tx_at == 0 || now - m->last_rx_ms > 3000u)
        return;
    m->rx_unanswered = 0;
    lo = (int64_t)tx_at - 2000 - SX126X_MODEM_EPS_MS - w + 1;
    hi = (int64_t)tx_at - 1000 - w;
    if (m->off_known) {
        grow = (int64_t)((now - m->off_at_ms) * SX126X_MODEM_DRIFT_PPM / 1000000u);
        m->off_lo -= grow, m->off_hi += grow;
        if (lo < m->off_lo)
            lo = m->off_lo;
        if (hi > m->off_hi)
            hi = m->off_hi;
        if (lo > hi) {  /* inconsistent: start again from this bound */
            lo = (int64_t)tx_at - 2000 - SX126X_MODEM_EPS_MS - w + 1;
            hi = (int64_t)tx_at - 1000 - w;
        }
    }
    m->off_lo = lo, m->off_hi = hi;
    m->off_known = 1;
    m->off_at_ms = now;
}

static void tx_done(struct sx126x_modem *m, uint16_t seq, uint8_t status)
{
    struct modem_msg msg;
    memset(&msg, 0, sizeof msg);
    msg.type = MODEM_TX_DONE;
    msg.u.tx_done.seq = seq;
    msg.u.tx_done.status = status;
    send_msg(m, &msg);
}

static int radio_can(const struct sx126x_modem *m, const struct modem_tx *t)
{
    return t->power_dBm <= m->cfg.max_power_dBm && t->power_dBm >= -9 &&
           t->freq_hz >= 863000000u && t->freq_hz <= 870000000u &&
           airtime_us(t->sf, t->bw_kHz, MODEM_CR, t->len) != 0;
}

static void take_tx(struct sx126x_modem *m, const struct modem_tx *t, uint64_t now)
{
    int64_t off = 0, local;
    uint8_t status = MODEM_TX_SENT;

    learn_offset(m, t->tx_at_ms, now);
    if (t->tx_at_ms == 0)
        local = (int64_t)now;
    else if (!sx126x_modem_offset(m, &off))
        local = -1;  /* no idea when that is: cannot honour it */
    else
        local = (int64_t)t->tx_at_ms - off;

    if (m->tx_pending || m->tx_on_air || !radio_can(m, t) || local < 0 ||
        local - (int64_t)now > (int64_t)SX126X_MODEM_TX_AHEAD_MS)
        status = MODEM_TX_BUSY;
    else if (local < (int64_t)now)
        status = MODEM_TX_TOO_LATE;
    else if (m->cfg.duty_permille && (uint64_t)local < m->band_free_ms)
        status = MODEM_TX_DUTY_CYCLE;
    if (status != MODEM_TX_SENT) {
        if (status == MODEM_TX_BUSY)
            m->stats.tx_busy++;
        else if (status == MODEM_TX_TOO_LATE)
            m->stats.tx_too_late++;
        else
            m->stats.tx_duty_cycle++;
        tx_done(m, t->seq, status);
        return;
    }
    m->tx = *t;
    m->tx_pending = 1;
    m->tx_local_ms = (uint64_t)local;
}

void sx126x_modem_feed(struct sx126x_modem *m, const uint8_t *bytes, size_t n, uint64_t now_ms)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const uint8_t *p;
        size_t len;
        struct modem_msg msg;
        int r = serial_reader_push(&m->rd, bytes[i], &p, &len);
        if (r < 0) {
            m->stats.serial_bad++;
            continue;
        }
        if (r == 0)
            continue;
        /* a gateway never sends RX, TX_DONE or STATUS: modem_decode
         * answers bad_type for none of them, so check the direction here */
        if (modem_decode(p, len, &msg) != 0 || msg.type != MODEM_TX) {
            m->stats.msg_rejected++;
            continue;
        }
        take_tx(m, &msg.u.tx, now_ms);
    }
}

static void got_packet(struct sx126x_modem *m, const struct sx126x_packet *pkt, uint64_t now)
{
    struct modem_msg msg;
    memset(&msg, 0, sizeof msg);
    msg.type = MODEM_RX;
    msg.u.rx.rx_time_ms = 0;  /* no Unix clock here (header) */
    msg.u.rx.freq_hz = m->cfg.uplink_freq_hz;
    msg.u.rx.rssi_dBm = pkt->rssi_dBm;
    msg.u.rx.snr_qdB = pkt->snr_qdB;
    msg.u.rx.sf = m->cfg.sf;
    msg.u.rx.bw_kHz = m->cfg.bw_kHz;
    msg.u.rx.cr = MODEM_CR;
    msg.u.rx.len = pkt->len;
    memcpy(msg.u.rx.frame, pkt->frame, pkt->len);
    m->stats.rx_frames++;
    if (pkt->len == 0)
        return;
    send_msg(m, &msg);
    m->rx_unanswered = 1;
    m->last_rx_ms = now;
}

uint64_t sx126x_modem_poll(struct sx126x_modem *m, uint64_t now_ms)
{
    struct sx126x_packet pkt;
    enum sx126x_event ev;
    uint64_t next;
    int guard;

    for (guard = 0; guard < 4; guard++) {
        if (sx126x_service(m->chip, &pkt, &ev) != 0) {
            m->stats.radio_errors++;
            break;
        }
        if (ev == SX126X_EV_NONE)
            break;
        if (ev == SX126X_EV_RX_DONE)
            got_packet(m, &pkt, now_ms);
        else if (ev == SX126X_EV_RX_ERROR)
            m->stats.rx_crc_errors++;
        else if (ev == SX126X_EV_TX_DONE) {
            m->tx_on_air = 0;
            m->stats.tx_frames++;
            tx_done(m, m->tx.seq, MODEM_TX_SENT);
            listen_uplink(m);  /* deaf only while sending */
        }
    }
    if (m->tx_pending && now_ms >= m->tx_local_ms) {
        struct sx126x_lora l;
        uint32_t toa = airtime_us(m->tx.sf, m->tx.bw_kHz, MODEM_CR, m->tx.len);
        m->tx_pending = 0;
        sx126x_lora_downlink(&l, m->tx.freq_hz, m->tx.sf, m->tx.bw_kHz, m->tx.power_dBm);
        if (sx126x_transmit(m->chip, &l, m->tx.frame, m->tx.len) != 0) {
            m->stats.radio_errors++;
            m->stats.tx_busy++;
            tx_done(m, m->tx.seq, MODEM_TX_BUSY);
            listen_uplink(m);
        } else {
            m->tx_on_air = 1;
            if (m->cfg.duty_permille) {
                uint64_t on = (toa + 999u) / 1000u;
                m->band_free_ms = now_ms + on + on * (1000u - m->cfg.duty_permille) /
                                                   m->cfg.duty_permille;
            }
        }
    }
    if (now_ms >= m->next_status_ms) {
        struct modem_msg msg;
        memset(&msg, 0, sizeof msg);
        msg.type = MODEM_STATUS;
        msg.u.status.uptime_s = (uint32_t)(now_ms / 1000u);
        msg.u.status.rx_frames = m->stats.rx_frames;
        msg.u.status.rx_crc_errors = m->stats.rx_crc_errors;
        msg.u.status.tx_frames = m->stats.tx_frames;
        send_msg(m, &msg);
        m->next_status_ms = now_ms + m->cfg.status_every_ms;
    }
    next = m->next_status_ms;
    if (m->tx_pending && m->tx_local_ms < next)
        next = m->tx_local_ms;
    return next;
}
