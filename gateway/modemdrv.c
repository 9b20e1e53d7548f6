/* modemdrv.c -- the three drivers behind one interface (see modemdrv.h). */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "modemdrv.h"

/* --- lofte: modemlink as it is ----------------------------------------------- */

static void lo_close(struct modemdrv *d) { modemlink_close(&d->u.lofte); }
static int lo_fd(const struct modemdrv *d) { return modemlink_fd(&d->u.lofte); }
static short lo_poll(const struct modemdrv *d) { return modemlink_poll_events(&d->u.lofte); }
static int lo_events(struct modemdrv *d, short ev, int64_t now, modemlink_msg_fn fn, void *ctx)
{
    return modemlink_on_events(&d->u.lofte, ev, now, fn, ctx);
}
static int lo_send(struct modemdrv *d, const struct modem_tx *tx, int64_t now, uint16_t *seq)
{
    return modemlink_send_tx(&d->u.lofte, tx, now, seq);
}
static void lo_tick(struct modemdrv *d, int64_t now) { modemlink_tick(&d->u.lofte, now); }
static int lo_timeout(const struct modemdrv *d, int64_t now)
{
    return modemlink_timeout_ms(&d->u.lofte, now);
}
static int lo_open(const struct modemdrv *d) { return modemlink_is_open(&d->u.lofte); }
static int lo_up(const struct modemdrv *d, int64_t now) { return modemlink_is_up(&d->u.lofte, now); }
static const struct modemlink_stats *lo_stats(const struct modemdrv *d)
{
    return modemlink_stats(&d->u.lofte);
}
static int lo_status(const struct modemdrv *d, int64_t now, struct modem_status *st, int64_t *age)
{
    return modemlink_last_status(&d->u.lofte, now, st, age);
}
static void lo_info(const struct modemdrv *d, struct modemdrv_info *o)
{
    const struct modemlink_stats *s = modemlink_stats(&d->u.lofte);
    memset(o, 0, sizeof *o);
    o->type = "lofte";
    o->firmware = "";
    o->state = modemlink_is_open(&d->u.lofte) ? "receiving" : "closed";
    o->rx = s->rx;
    o->tx = s->tx_done;
    o->last_rx_ms = -1;
}

static const struct modemdrv_ops lofte_ops = {
    "lofte", 115200, lo_close, lo_fd, lo_poll, lo_events, lo_send, lo_tick, lo_timeout,
    lo_open, lo_up, lo_stats, lo_status, lo_info,
};

/* --- rui3, wio-e5: atmodem ------------------------------------------------------ */

static void at_close(struct modemdrv *d) { atmodem_close(&d->u.at); }
static int at_fd(const struct modemdrv *d) { return atmodem_fd(&d->u.at); }
static short at_poll(const struct modemdrv *d) { return atmodem_poll_events(&d->u.at); }
static int at_events(struct modemdrv *d, short ev, int64_t now, modemlink_msg_fn fn, void *ctx)
{
    return atmodem_on_events(&d->u.at, ev, now, fn, ctx);
}
static int at_send(struct modemdrv *d, const struct modem_tx *tx, int64_t now, uint16_t *seq)
{
    /* the daemon reads modemlink's codes: map ours onto them */
    int r = atmodem_send_tx(&d->u.at, tx, now, seq);
    return r == ATMODEM_OK ? MODEMLINK_OK
         : r == ATMODEM_ERR_FULL ? MODEMLINK_ERR_FULL
         : r == ATMODEM_ERR_ARG ? MODEMLINK_ERR_ENCODE : MODEMLINK_ERR_DOWN;
}
static void at_tick(struct modemdrv *d, int64_t now) { atmodem_tick(&d->u.at, now); }
static int at_timeout(const struct modemdrv *d, int64_t now)
{
    return atmodem_timeout_ms(&d->u.at, now);
}
static int at_open(const struct modemdrv *d) { return atmodem_is_open(&d->u.at); }
static int at_up(const struct modemdrv *d, int64_t now) { return atmodem_is_up(&d->u.at, now); }
static const struct modemlink_stats *at_stats(const struct modemdrv *d) { return &d->u.at.ls; }
static int at_status(const struct modemdrv *d, int64_t now, struct modem_status *st, int64_t *age)
{
    const struct atmodem *m = &d->u.at;
    if (!m->have_status)
        return MODEMLINK_ERR_DOWN;
    if (st)
        *st = m->last_status;
    if (age)
        *age = now - m->last_status_ms;
    return MODEMLINK_OK;
}
static void at_info(const struct modemdrv *d, struct modemdrv_info *o)
{
    static const char *const states[] = {"closed", "setup", "receiving", "sending ack",
                                         "refused"};
    const struct atmodem *m = &d->u.at;
    memset(o, 0, sizeof *o);
    o->type = modemdrv_type_name(d->type);
    o->firmware = m->firmware;
    o->state = states[m->phase];
    o->rx = m->rx_frames;
    o->tx = m->tx_frames;
    o->line_rejects = m->lines.stats.rejected;
    o->at = &m->st;
    o->uplink_set = 1;
    o->uplink_freq_hz = m->cfg.uplink.freq_hz;
    o->uplink_sf = m->cfg.uplink.sf;
    o->uplink_bw_kHz = m->cfg.uplink.bw_kHz;
    o->last_rx_ms = m->last_rx_ms;
}

static const struct modemdrv_ops rui3_ops = {
    "rui3", 115200, at_close, at_fd, at_poll, at_events, at_send, at_tick, at_timeout,
    at_open, at_up, at_stats, at_status, at_info,
};
static const struct modemdrv_ops wioe5_ops = {
    "wio-e5", 9600, at_close, at_fd, at_poll, at_events, at_send, at_tick, at_timeout,
    at_open, at_up, at_stats, at_status, at_info,
};

static const struct modemdrv_ops *ops_of(enum config_modem type)
{
    return type == CONFIG_MODEM_RUI3 ? &rui3_ops : type == CONFIG_MODEM_WIOE5 ? &wioe5_ops
                                                                             : &lofte_ops;
}

uint32_t modemdrv_default_baud(enum config_modem type)
{
    return ops_of(type)->default_baud;
}

const char *modemdrv_type_name(enum config_modem type)
{
    return ops_of(type)->name;
}

int modemdrv_open_with(struct modemdrv *d, enum config_modem type, const struct port_config *pc,
                       const struct modemdrv_uplink *up, int64_t now_ms, char *err,
                       size_t errlen)
{
    memset(d, 0, sizeof *d);
    d->type = type;
    d->ops = ops_of(type);
    if (type == CONFIG_MODEM_LOFTE) {
        struct modemlink_config mc;
        memset(&mc, 0, sizeof mc);
        mc.port = *pc;
        return modemlink_open(&d->u.lofte, &mc, now_ms, err, errlen) == MODEMLINK_OK ? 0 : -1;
    } else {
        struct atmodem_config ac;
        memset(&ac, 0, sizeof ac);
        ac.port = *pc;
        ac.grammar = type == CONFIG_MODEM_WIOE5 ? ATLINE_WIOE5 : ATLINE_RUI3;
        ac.uplink.freq_hz = up ? up->freq_hz : MODEMDRV_UPLINK_FREQ_HZ;
        ac.uplink.sf = up ? up->sf : MODEMDRV_UPLINK_SF;
        ac.uplink.bw_kHz = MODEMDRV_UPLINK_BW_KHZ;
        ac.uplink.cr = MODEMDRV_UPLINK_CR;
        ac.uplink.preamble = MODEMDRV_PREAMBLE;
        ac.uplink.power_dBm = MODEMDRV_POWER_DBM;
        ac.uplink.iq_inverted = 0;
        ac.uplink.crc_on = 1;
        return atmodem_open(&d->u.at, &ac, now_ms, err, errlen) == ATMODEM_OK ? 0 : -1;
    }
}

int modemdrv_open(struct modemdrv *d, const struct config *cfg, int64_t now_ms, char *err,
                  size_t errlen)
{
    struct port_config pc;
    struct modemdrv_uplink up;
    const char *from = config_origin(cfg, "baud");
    static const char *const uplink_keys[] = {"uplink_freq_hz", "uplink_sf"};
    size_t i;
    memset(&pc, 0, sizeof pc);
    pc.path = cfg->port;
    pc.baud = cfg->baud;
    /* "baud" left at its default means "the modem's own": a Wio-E5 talks
     * 9600 out of the box, the others 115200 */
    if (!from || strcmp(from, "default") == 0)
        pc.baud = modemdrv_default_baud(cfg->modem);
    pc.flow = cfg->flow;
    pc.driver = cfg->port_driver;
    up.freq_hz = cfg->uplink_freq_hz;
    up.sf = cfg->uplink_sf;
    /* §7 has no message that sets a lofte modem's receiver: say so rather
     * than let the operator believe the setting took */
    for (i = 0; cfg->modem == CONFIG_MODEM_LOFTE && i < 2; i++) {
        const char *o = config_origin(cfg, uplink_keys[i]);
        if (o && strcmp(o, "default") != 0 && strcmp(o, "unset") != 0)
            log_warn("%s (%s) is ignored with modem = lofte: the lofte modem listens where "
                     "its firmware was built to (docs/modems.md)", uplink_keys[i], o);
    }
    return modemdrv_open_with(d, cfg->modem, &pc, &up, now_ms, err, errlen);
}

void modemdrv_close(struct modemdrv *d) { d->ops->close(d); }
int modemdrv_fd(const struct modemdrv *d) { return d->ops->fd(d); }
short modemdrv_poll_events(const struct modemdrv *d) { return d->ops->poll_events(d); }
int modemdrv_on_events(struct modemdrv *d, short revents, int64_t now_ms, modemlink_msg_fn fn,
                       void *ctx)
{
    return d->ops->on_events(d, revents, now_ms, fn, ctx);
}
int modemdrv_send_tx(struct modemdrv *d, const struct modem_tx *tx, int64_t now_ms,
                     uint16_t *seq)
{
    return d->ops->send_tx(d, tx, now_ms, seq);
}
void modemdrv_tick(struct modemdrv *d, int64_t now_ms) { d->ops->tick(d, now_ms); }
int modemdrv_timeout_ms(const struct modemdrv *d, int64_t now_ms)
{
    return d->ops->timeout_ms(d, now_ms);
}
int modemdrv_is_open(const struct modemdrv *d) { return d->ops->is_open(d); }
int modemdrv_is_up(const struct modemdrv *d, int64_t now_ms) { return d->ops->is_up(d, now_ms); }
const struct modemlink_stats *modemdrv_stats(const struct modemdrv *d) { return d->ops->stats(d); }
int modemdrv_last_status(const struct modemdrv *d, int64_t now_ms, struct modem_status *st,
                         int64_t *age_ms)
{
    return d->ops->last_status(d, now_ms, st, age_ms);
}
void modemdrv_info(const struct modemdrv *d, struct modemdrv_info *out) { d->ops->info(d, out); }
