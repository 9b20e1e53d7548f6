/* modemlink.c -- bytes from the modem to messages, TX to bytes, and the
 * link's up/down story (see modemlink.h for the design).
 */
#define _POSIX_C_SOURCE 200809L

#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "modemlink.h"

const char *modemlink_strerror(int err)
{
    static const char *const text[MODEMLINK_ERR_COUNT_] = {
        "no error",
        "invalid modem link setting",
        "the modem port is closed: TX not sent",
        "the modem's output buffer is full: TX not sent",
        "TX refused by the encoder (a field out of range)",
    };
    if (err > 0 || err <= -MODEMLINK_ERR_COUNT_)
        return "unknown modemlink error";
    return text[-err];
}

/* Counter slot of a proto error; slot 0 (PROTO_OK) takes a code this
 * build of proto does not know, so nothing is lost or out of bounds. */
static size_t reason_slot(int err)
{
    return (err < 0 && -err < PROTO_ERR_COUNT) ? (size_t)-err : 0;
}

static void opened(struct modemlink *ml)
{
    ml->stats.opens++;
    /* a half frame from before the hangup must not be glued to the first
     * bytes of the new port (it would cost a frame and a bad count) */
    serial_reader_init(&ml->reader);
    ml->heard = 0;
    ml->have_status = 0;
    ml->last_open_err[0] = 0;
    log_info("modem port %s open (%s, %s driver, %lu baud)", ml->port.path, ml->port.dev,
             port_driver_name(&ml->port), (unsigned long)ml->port.cfg.baud);
}

static void open_failed(struct modemlink *ml, const char *why)
{
    ml->stats.open_failures++;
    /* once per distinct reason: a modem unplugged for an hour would
     * otherwise log every backoff period */
    if (strcmp(why, ml->last_open_err) != 0) {
        log_warn("modem port: %s; retrying every %d ms at most", why, PORT_RETRY_MAX_MS);
        /* a longer reason is cut; it only decides whether to log again */
        snprintf(ml->last_open_err, sizeof ml->last_open_err, "%s", why);
    }
}

/* The port closed under us (port.c already scheduled the reopen). */
static void lost(struct modemlink *ml, const char *why)
{
    size_t i, zeros = 0;
    /* Each queued frame is 0x00 <COBS, no zero> 0x00: the unwritten tail
     * holds two zeros per whole frame and one for a frame cut after its
     * leading zero, so (zeros + 1) / 2 frames are lost. */
    for (i = 0; i < ml->out_len; i++)
        zeros += ml->out[i] == 0;
    ml->stats.tx_lost += (zeros + 1) / 2;
    ml->out_len = 0;
    ml->heard = 0;
    ml->stats.hangups++;
    log_warn("modem port %s lost: %s; reopening", ml->port.path, why);
}

int modemlink_open(struct modemlink *ml, const struct modemlink_config *cfg, int64_t now_ms,
                   char *err, size_t errlen)
{
    memset(ml, 0, sizeof *ml);
    ml->cfg = *cfg;
    if (ml->cfg.link_timeout_ms == 0)
        ml->cfg.link_timeout_ms = MODEMLINK_LINK_TIMEOUT_MS;
    if (port_init(&ml->port, &cfg->port, err, errlen) != PORT_OK)
        return MODEMLINK_ERR_ARG;
    ml->cfg.port.path = ml->port.path; /* the caller's string may not outlive us */
    serial_reader_init(&ml->reader);
    ml->next_seq = 1;
    modemlink_tick(ml, now_ms); /* the first open is due at once */
    return MODEMLINK_OK;
}

void modemlink_close(struct modemlink *ml)
{
    port_close(&ml->port);
    ml->out_len = 0;
    ml->heard = 0;
}

int modemlink_fd(const struct modemlink *ml)
{
    return port_fd(&ml->port);
}

short modemlink_poll_events(const struct modemlink *ml)
{
    return (short)(POLLIN | (ml->out_len ? POLLOUT : 0));
}

/* Write what the port takes now; keep the rest for POLLOUT. */
static void flush_out(struct modemlink *ml, int64_t now_ms)
{
    char why[256];
    while (ml->out_len > 0) {
        size_t n;
        int r = port_write(&ml->port, ml->out, ml->out_len, &n, now_ms, why, sizeof why);
        if (r == PORT_ERR_GONE || r == PORT_ERR_IO) {
            lost(ml, why);
            return;
        }
        if (r != PORT_OK)
            return;
        if (n == 0)
            return;
        memmove(ml->out, ml->out + n, ml->out_len - n);
        ml->out_len -= n;
        ml->stats.bytes_out += n;
    }
}

/* One good serial payload: decode, count, deliver. 1 if delivered. */
static int deliver(struct modemlink *ml, const uint8_t *payload, size_t len, int64_t now_ms,
                   modemlink_msg_fn fn, void *ctx)
{
    struct modem_msg msg;
    int r = modem_decode(payload, len, &msg);

    if (r != PROTO_OK) {
        ml->stats.bad_messages[reason_slot(r)]++;
        log_debug("modem message refused: %s (type %u, %zu bytes)", proto_errname(r),
                  len > 1 ? payload[1] : 0u, len);
        return 0;
    }
    switch (msg.type) {
    case MODEM_RX:
        ml->stats.rx++;
        break;
    case MODEM_TX_DONE:
        ml->stats.tx_done++;
        break;
    case MODEM_STATUS:
        ml->stats.status++;
        ml->have_status = 1;
        ml->last_status = msg.u.status;
        ml->last_status_ms = now_ms;
        break;
    default:
        /* a TX coming back: our own output looped, or two gateways wired
         * together; never act on it */
        ml->stats.wrong_direction++;
        log_debug("modem message refused: a TX from the modem's side (looped line?)");
        return 0;
    }
    ml->heard = 1;
    ml->last_heard_ms = now_ms;
    if (fn)
        fn(ctx, &msg, now_ms);
    return 1;
}

static int feed(struct modemlink *ml, const uint8_t *buf, size_t n, int64_t now_ms,
                modemlink_msg_fn fn, void *ctx)
{
    size_t i;
    int delivered = 0;
    for (i = 0; i < n; i++) {
        const uint8_t *payload;
        size_t len;
        int r = serial_reader_push(&ml->reader, buf[i], &payload, &len);
        if (r == 0)
            continue;
        if (r < 0) {
            ml->stats.bad_frames[reason_slot(r)]++;
            log_debug("serial frame refused: %s", proto_errname(r));
            continue;
        }
        ml->stats.frames_ok++;
        delivered += deliver(ml, payload, len, now_ms, fn, ctx);
    }
    return delivered;
}

int modemlink_on_events(struct modemlink *ml, short revents, int64_t now_ms,
                        modemlink_msg_fn fn, void *ctx)
{
    const short hangup = POLLHUP | POLLERR | POLLNVAL;
    int delivered = 0, chunk, got_any = 0;
    char why[256];

    if (!port_is_open(&ml->port))
        return 0;
    if (revents & POLLOUT)
        flush_out(ml, now_ms);
    if (!(revents & (POLLIN | hangup)))
        return 0;
    for (chunk = 0; chunk < MODEMLINK_READ_BUDGET && port_is_open(&ml->port); chunk++) {
        uint8_t buf[MODEMLINK_READ_CHUNK];
        size_t n;
        int r = port_read(&ml->port, buf, sizeof buf, &n, now_ms, why, sizeof why);
        if (r != PORT_OK) {
            lost(ml, why);
            return delivered;
        }
        if (n == 0)
            break;
        got_any = 1;
        ml->stats.bytes_in += n;
        delivered += feed(ml, buf, n, now_ms, fn, ctx);
    }
    /* poll said hangup and the driver had neither bytes nor an error:
     * trust poll, or the next poll returns at once, forever */
    if (!got_any && (revents & hangup) && port_is_open(&ml->port)) {
        port_drop(&ml->port, now_ms);
        lost(ml, "poll reports a hangup");
    }
    return delivered;
}

int modemlink_send_tx(struct modemlink *ml, const struct modem_tx *tx, int64_t now_ms,
                      uint16_t *seq)
{
    uint8_t payload[MODEM_MSG_MAX], wire[SERIAL_WIRE_MAX];
    size_t plen, wlen;
    struct modem_msg msg;

    if (!port_is_open(&ml->port)) {
        ml->stats.tx_refused_down++;
        return MODEMLINK_ERR_DOWN;
    }
    memset(&msg, 0, sizeof msg);
    msg.type = MODEM_TX;
    msg.u.tx = *tx;
    msg.u.tx.seq = ml->next_seq;
    if (modem_encode(&msg, payload, sizeof payload, &plen) != PROTO_OK ||
        serial_frame_encode(payload, plen, wire, sizeof wire, &wlen) != PROTO_OK)
        return MODEMLINK_ERR_ENCODE;
    if (wlen > sizeof ml->out - ml->out_len) {
        ml->stats.tx_refused_full++;
        return MODEMLINK_ERR_FULL;
    }
    memcpy(ml->out + ml->out_len, wire, wlen);
    ml->out_len += wlen;
    ml->stats.tx_queued++;
    if (seq)
        *seq = ml->next_seq;
    ml->next_seq++;
    flush_out(ml, now_ms);
    /* queued, but the port died writing it: the caller should know */
    return port_is_open(&ml->port) ? MODEMLINK_OK : MODEMLINK_ERR_DOWN;
}

/* A hangup the caller's poll did not pass on: zmq_poll, for one, folds
 * POLLHUP and POLLERR into ZMQ_POLLERR, and a loop that hands us only
 * "readable" would never tell us. With nothing to read, dropping loses
 * nothing; with POLLIN the caller does call us, and the read finds it. */
static void check_hangup(struct modemlink *ml, int64_t now_ms)
{
    struct pollfd pfd;
    pfd.fd = port_fd(&ml->port);
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (pfd.fd < 0 || poll(&pfd, 1, 0) <= 0)
        return;
    if ((pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) && !(pfd.revents & POLLIN)) {
        port_drop(&ml->port, now_ms);
        lost(ml, "poll reports a hangup");
    }
}

void modemlink_tick(struct modemlink *ml, int64_t now_ms)
{
    char why[256];
    int r;

    if (port_is_open(&ml->port))
        check_hangup(ml, now_ms);
    r = port_tick(&ml->port, now_ms, why, sizeof why);
    if (r == 1)
        opened(ml);
    else if (r < 0)
        open_failed(ml, why);
    /* up/down is the caller's to report (modemlink_is_up), with its own
     * context; it is tracked here only so the timeout wakes the caller
     * when the link goes down */
    ml->was_up = modemlink_is_up(ml, now_ms);
}

int modemlink_timeout_ms(const struct modemlink *ml, int64_t now_ms)
{
    int t = port_next_retry_ms(&ml->port, now_ms);
    if (ml->was_up) {
        /* wake when the link would go down, so that is logged on time */
        int64_t left = ml->last_heard_ms + ml->cfg.link_timeout_ms - now_ms;
        int l = left < 0 ? 0 : left > 0x7fffffff ? 0x7fffffff : (int)left;
        if (t < 0 || l < t)
            t = l;
    }
    return t;
}

int modemlink_is_open(const struct modemlink *ml)
{
    return port_is_open(&ml->port);
}

int modemlink_is_up(const struct modemlink *ml, int64_t now_ms)
{
    return port_is_open(&ml->port) && ml->heard &&
           now_ms - ml->last_heard_ms < (int64_t)ml->cfg.link_timeout_ms;
}

const struct modemlink_stats *modemlink_stats(const struct modemlink *ml)
{
    return &ml->stats;
}

int modemlink_last_status(const struct modemlink *ml, int64_t now_ms, struct modem_status *st,
                          int64_t *age_ms)
{
    if (!ml->have_status)
        return MODEMLINK_ERR_DOWN;
    if (st)
        *st = ml->last_status;
    if (age_ms)
        *age_ms = now_ms - ml->last_status_ms;
    return MODEMLINK_OK;
}
