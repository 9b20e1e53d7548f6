/* daemon.c -- the gateway's loop: modem -> station -> spool -> acks,
 * spool -> collector. See daemon.h for the ordering guarantees. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "keystore.h"
#include "log.h"
#include "notify.h"
#include "proto_err.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Rejection slots: 0..PROTO_ERR_COUNT-1 are -proto_err, then station's. */
static int reason_slot(int err)
{
    switch (err) {
    case STATION_ERR_UNKNOWN_DEVICE: return PROTO_ERR_COUNT;
    case STATION_ERR_NOT_UPLINK: return PROTO_ERR_COUNT + 1;
    case STATION_ERR_REUSED: return PROTO_ERR_COUNT + 3;
    default: return (err < 0 && err > -PROTO_ERR_COUNT) ? -err : PROTO_ERR_COUNT + 2;
    }
}

const char *daemon_reason_name(int i)
{
    if (i < PROTO_ERR_COUNT)
        return proto_errname(-i);
    if (i == PROTO_ERR_COUNT)
        return station_errname(STATION_ERR_UNKNOWN_DEVICE);
    if (i == PROTO_ERR_COUNT + 1)
        return station_errname(STATION_ERR_NOT_UPLINK);
    if (i == PROTO_ERR_COUNT + 3)
        return station_errname(STATION_ERR_REUSED);
    return "other";
}

/* What an upstream event means, for the operator's log: the event's
 * identifier (upstream_event_name) stays in the feed and the status files. */
static const char *upstream_event_text(int event)
{
    switch (event) {
    case UPSTREAM_EV_CONNECTED: return "connected";
    case UPSTREAM_EV_DISCONNECTED: return "lost the collector; reconnecting";
    case UPSTREAM_EV_AUTH_FAILED: return "the collector refused this gateway's key";
    case UPSTREAM_EV_HANDSHAKE_FAILED: return "handshake failed"; /* the detail says why */
    case UPSTREAM_EV_REFUSED: return "the collector could not store a batch";
    case UPSTREAM_EV_ACK_TIMEOUT: return "no acknowledgement in time; resending";
    case UPSTREAM_EV_BAD_REPLY: return "a reply that does not decode";
    case UPSTREAM_EV_SPOOL_ERROR: return "spool error";
    case UPSTREAM_EV_FAILOVER: return "moved to the next collector";
    default: return "unknown event";
    }
}

static void on_upstream_event(void *ctx, int event, const char *detail)
{
    struct daemon *d = ctx;
    const char *name = upstream_event_name(event);
    enum log_level level = LOG_LEVEL_INFO;
    uint64_t held = 0;
    if (event == UPSTREAM_EV_AUTH_FAILED || event == UPSTREAM_EV_HANDSHAKE_FAILED ||
        event == UPSTREAM_EV_SPOOL_ERROR || event == UPSTREAM_EV_REFUSED)
        level = LOG_LEVEL_ERROR;
    else if (event != UPSTREAM_EV_CONNECTED)
        level = LOG_LEVEL_WARN; /* records stop flowing upstream: the operator must know */
    if (d->feed)
        feed_event(d->feed, name, detail ? detail : "");
    /* A link failing on every retry (a wrong collector key: 27 times in 8 s)
     * is said once a minute, with the count of what was held back. */
    if (event > 0 && event < DAEMON_UPSTREAM_EVENTS &&
        !log_limit_pass(&d->upstream_limit[event], now_ms(), DAEMON_REPEAT_LOG_MS, &held))
        return;
    if (held)
        log_msg(level, "collector link: %s%s%s (and %llu times more in the last %d s)",
                upstream_event_text(event), detail ? ": " : "", detail ? detail : "",
                (unsigned long long)held, DAEMON_REPEAT_LOG_MS / 1000);
    else
        log_msg(level, "collector link: %s%s%s", upstream_event_text(event), detail ? ": " : "",
                detail ? detail : "");
}

/* spool_load_devices callback: restore counter state under the loaded key.
 * State saved under another key of the same pseudonym (the key file entry
 * changed: the handheld was re-provisioned) is not the current key's: the
 * device starts afresh -- a new key is a fresh ack nonce space -- except
 * that the counters the old key used stay refused (reuse_floor): records
 * under them may be at the collector, which would drop the new ones as
 * duplicates of the old, after this gateway acked them. */
static int restore_device(void *ctx, const struct station_device *saved)
{
    static const uint8_t unknown[STATION_KEY_CHECK_LEN];
    struct daemon *d = ctx;
    struct station_device *dev = station_find(&d->st, saved->device);
    if (!dev) {
        if (!d->opened) /* said once, at start; a resync would repeat it */
            log_warn("spool holds state for device %08x, which the key file no longer lists",
                     saved->device);
        return 0;
    }
    if (memcmp(saved->key_check, unknown, sizeof unknown) != 0 &&
        memcmp(saved->key_check, dev->key_check, sizeof dev->key_check) != 0) {
        uint32_t floor = saved->ref > saved->reuse_floor ? saved->ref : saved->reuse_floor;
        station_forget_state(dev);
        dev->reuse_floor = floor;
        log_error("device %08x has a new key, but this spool holds state of its old key "
                  "(counters up to %u used): its state starts afresh, and its counters up to %u "
                  "are refused (reused_pseudonym), since the collector may hold records under "
                  "them; give a re-keyed handheld a new pseudonym (gateway/README.md)",
                  dev->device, floor, floor);
        return 0;
    }
    dev->ref = saved->ref;
    dev->acked = saved->acked;
    dev->last_ack_time = saved->last_ack_time;
    dev->reuse_floor = saved->reuse_floor;
    memcpy(dev->held, saved->held, sizeof dev->held);
    return 0;
}

/* At start: persist every device's state with its current key check, so a
 * later key change is noticed (states of older gateways carry none) and a
 * re-key's floor survives the next restart. One transaction. */
static void save_key_checks(struct daemon *d)
{
    char err[256];
    size_t i;
    if (spool_begin(d->spool, err, sizeof err) != SPOOL_OK) {
        log_warn("spool: cannot record the devices' key checks now: %s", err);
        return;
    }
    for (i = 0; i < d->st.count; i++) {
        const struct station_device *dev = &d->devs[i];
        if (!dev->ref && !dev->reuse_floor)
            continue; /* nothing to protect yet: saved with its first frame */
        if (spool_save_device(d->spool, dev, err, sizeof err) != SPOOL_OK) {
            spool_rollback(d->spool);
            log_warn("spool: cannot record the devices' key checks now: %s", err);
            return;
        }
    }
    if (spool_commit(d->spool, err, sizeof err) != SPOOL_OK)
        log_warn("spool: cannot record the devices' key checks now: %s", err);
}

int daemon_open(struct daemon *d, const struct config *cfg, volatile sig_atomic_t *stop,
                char *err, size_t errlen)
{
    struct modemlink_config mc;
    struct spool_options so;
    struct upstream_config uc;
    size_t loaded = 0;
    int64_t t = now_ms();

    memset(d, 0, sizeof *d);
    d->cfg = *cfg;
    d->stop = stop;
    d->started_ms = t;
    d->devs = calloc(DAEMON_MAX_DEVICES, sizeof *d->devs);
    d->view = calloc(DAEMON_MAX_DEVICES, sizeof *d->view);
    d->batch = calloc(DAEMON_MAX_DEVICES, sizeof *d->batch);
    d->batch_slot = calloc(DAEMON_MAX_DEVICES, sizeof *d->batch_slot);
    if (!d->devs || !d->view || !d->batch || !d->batch_slot) {
        log_fill(err, errlen, "out of memory for %d devices", DAEMON_MAX_DEVICES);
        return -1;
    }
    d->clock = cfg->station_clock == CONFIG_CLOCK_MODEM ? STATION_CLOCK_MODEM : STATION_CLOCK_SYSTEM;
    station_init(&d->st, cfg->station_id, d->devs, DAEMON_MAX_DEVICES);
    if (keystore_load(cfg->keys, &d->st, &loaded, err, errlen) != 0)
        return -1;
    log_info("key file %s: %zu devices", cfg->keys, loaded);
    if (loaded == 0)
        log_warn("key file %s lists no device: every frame will be refused as unknown_device "
                 "(provision handhelds with lofte-keygen, gateway/README.md)", cfg->keys);

    memset(&so, 0, sizeof so);
    so.min_free_bytes = (int64_t)cfg->disk_min_free_mb * 1024 * 1024;
    if (spool_open(&d->spool, cfg->spool, &so, err, errlen) != SPOOL_OK)
        return -1;
    if (spool_load_devices(d->spool, restore_device, d, err, errlen) != SPOOL_OK)
        return -1;
    save_key_checks(d);
    log_info("spool %s: %lld records waiting for the collector", cfg->spool,
             (long long)spool_depth(d->spool));

    memset(&mc, 0, sizeof mc);
    mc.port.path = cfg->port;
    mc.port.baud = cfg->baud;
    mc.port.flow = cfg->flow;
    mc.port.driver = cfg->port_driver;
    /* A modem that is not there yet is not fatal: the link retries. */
    if (modemlink_open(&d->ml, &mc, t, err, errlen) != 0)
        log_warn("modem: %s (retrying)", err);

    memset(&uc, 0, sizeof uc);
    uc.endpoint = cfg->collector;
    uc.failover_ms = (int)cfg->failover_ms;
    uc.key_file = cfg->secret_key_file;
    uc.collector_key = cfg->collector_public_key;
    uc.on_event = on_upstream_event;
    uc.event_ctx = d;
    if (upstream_open(&d->up, &uc, d->spool, err, errlen) != 0)
        return -1;
    if (cfg->feed[0] && feed_open(&d->feed, cfg->feed, err, errlen) != 0)
        return -1;
    d->opened = 1;
    return 0;
}

/* --- one received frame ------------------------------------------------------ */

static void intake_stop(struct daemon *d, const char *why, int64_t now)
{
    if (!d->intake_stopped || now - d->intake_logged_ms > 60000) {
        log_error("INTAKE STOPPED: %s -- records are not stored or acknowledged; handhelds "
                  "keep them until space is freed", why);
        d->intake_logged_ms = now;
        if (!d->intake_stopped && d->feed)
            feed_event(d->feed, "intake_stopped", why);
    }
    d->intake_stopped = 1;
    snprintf(d->intake_reason, sizeof d->intake_reason, "%s", why);
}

/* Make the in-memory station exactly what the spool has committed, for
 * every device: forget all counter state, then load the committed rows. A
 * device whose first frames were in a rolled-back transaction has no row
 * and so goes back to nothing -- restoring only the devices that have a row
 * would leave its rolled-back `acked` in memory, and its resent records
 * would then be acked as duplicates without ever being stored. Until this
 * succeeds no ack may leave (resync_needed). */
static int resync(struct daemon *d)
{
    char err[256];
    size_t i;
    for (i = 0; i < d->st.count; i++)
        station_forget_state(&d->devs[i]);
    if (spool_load_devices(d->spool, restore_device, d, err, sizeof err) != SPOOL_OK) {
        log_error("spool: cannot reload device state, acks withheld: %s", err);
        d->resync_needed = 1;
        return -1;
    }
    d->resync_needed = 0;
    return 0;
}

static void batch_clear(struct daemon *d)
{
    size_t i;
    for (i = 0; i < d->nbatch; i++)
        d->batch_slot[d->batch[i].index] = 0;
    d->nbatch = 0;
    d->batch_frames = 0;
    d->nacks = d->nfresh = 0;
}

/* Any spool failure inside the transaction: roll it all back, count none of
 * it, ack none of it, put the station back to what is committed, stop
 * intake until a commit succeeds again. The devices keep their records and
 * send them again. */
static void batch_abort(struct daemon *d, const char *why, int64_t now)
{
    spool_rollback(d->spool);
    d->in_txn = 0;
    d->spool_failures++;
    d->not_stored += d->batch_frames;
    batch_clear(d);
    resync(d);
    intake_stop(d, why, now);
}

static struct daemon_batch_dev *batch_join(struct daemon *d, size_t index)
{
    struct daemon_batch_dev *b;
    if (d->batch_slot[index])
        return &d->batch[d->batch_slot[index] - 1];
    b = &d->batch[d->nbatch++]; /* batch holds DAEMON_MAX_DEVICES: one per device */
    memset(b, 0, sizeof *b);
    b->index = index;
    d->batch_slot[index] = d->nbatch;
    return b;
}

static int remember_fresh(struct daemon *d, uint32_t device, uint32_t counter,
                          const struct record *rec, const struct spool_rx *srx)
{
    void *p = realloc(d->fresh, (d->nfresh + 1) * sizeof *d->fresh);
    if (!p)
        return -1;
    d->fresh = p;
    d->fresh[d->nfresh].device = device;
    d->fresh[d->nfresh].counter = counter;
    d->fresh[d->nfresh].rec = *rec;
    d->fresh[d->nfresh].rx = *srx;
    d->nfresh++;
    return 0;
}

static void note_modem_clock(struct daemon *d, const struct station_ack_plan *p, int64_t now)
{
    if (p->modem_offset_ms)
        d->modem_offset_ms = p->modem_offset_ms;
    if (p->modem_clock_off) {
        d->modem_clock_off++;
        if (d->modem_clock_off == 1 || now - d->clock_logged_ms >= 60000) {
            log_warn("modem clock is %+lld ms off the gateway's (tolerance %d ms): acks carry "
                     "the gateway's time; %llu receptions so far",
                     (long long)p->modem_offset_ms, STATION_MODEM_CLOCK_TOLERANCE_MS,
                     (unsigned long long)d->modem_clock_off);
            d->clock_logged_ms = now;
        }
    }
    if (p->future) {
        d->acks_future++;
        if (d->acks_future == 1)
            log_warn("a device's last ack time is ahead of the gateway's clock (persisted from a "
                     "wrong clock): its acks continue after it, so that no nonce repeats");
    }
}

/* Seal the one ack a batch device earned, with `acked` as the whole batch
 * left it, and save its state: in the open transaction, before COMMIT, so
 * the station_time it uses is durable before the ack exists (§6.2). */
static int batch_seal(struct daemon *d, struct daemon_batch_dev *b, char *err, size_t errlen)
{
    struct station_device *dev = &d->devs[b->index];
    struct station_ack_plan plan;
    struct daemon_pending_ack *a;
    int64_t start_s;
    size_t len;

    if (station_plan_ack(dev, b->rx_time_ms, b->read_ms, d->clock, &plan) != STATION_ACK_SEND) {
        d->acks_skipped++;
    } else {
        note_modem_clock(d, &plan, b->read_ms);
        if (d->nacks == d->acks_cap) {
            size_t cap = d->acks_cap ? 2 * d->acks_cap : 64;
            struct daemon_pending_ack *p = realloc(d->acks, cap * sizeof *p);
            if (!p) {
                log_fill(err, errlen, "out of memory for acks");
                return -1;
            }
            d->acks = p;
            d->acks_cap = cap;
        }
        a = &d->acks[d->nacks];
        memset(a, 0, sizeof *a);
        if (station_make_ack(&d->st, dev, plan.station_s, a->tx.frame, sizeof a->tx.frame, &len,
                             &start_s) != 0) {
            log_fill(err, errlen, "cannot seal an ack for %08x", dev->device);
            return -1;
        }
        a->dev = dev;
        a->tx.len = (uint8_t)len;
        a->tx.tx_at_ms = plan.tx_at_ms;
        a->tx.freq_hz = d->cfg.downlink_freq_hz;
        a->tx.sf = d->cfg.ack_sf ? d->cfg.ack_sf : b->sf;
        a->tx.bw_kHz = STATION_DOWNLINK_BW_KHZ; /* §3.1, whatever the uplink's was */
        a->tx.power_dBm = d->cfg.downlink_power_dBm;
        d->nacks++;
    }
    return spool_save_device(d->spool, dev, err, errlen) == SPOOL_OK ? 0 : -1;
}

static void handle_rx(struct daemon *d, const struct modem_rx *rx, int64_t now)
{
    struct station_device *dev, *pre;
    struct daemon_device *view;
    struct daemon_batch_dev *b;
    struct radio_header h;
    struct record rec;
    struct spool_rx srx;
    struct spool_row row;
    uint32_t counter, pre_ref = 0;
    char err[256];
    int v, s;

    d->rx_frames++;
    if (d->resync_needed && resync(d) != 0) {
        d->not_stored++;
        return;
    }
    /* station_open moves the device's ref; should no transaction start,
     * that is all there is to put back */
    pre = radio_peek(rx->frame, rx->len, &h) == PROTO_OK ? station_find(&d->st, h.device) : NULL;
    if (pre)
        pre_ref = pre->ref;
    v = station_open(&d->st, rx->frame, rx->len, &dev, &counter, &rec);
    if (v < 0) {
        d->rejected[reason_slot(v)]++;
        log_debug("frame rejected: %s", station_errname(v));
        return;
    }
    view = &d->view[dev - d->devs];
    view->last_seen_ms = now;
    view->rssi_dBm = rx->rssi_dBm;
    view->snr_qdB = rx->snr_qdB;
    view->frames++;
    if (counter > view->last_counter)
        view->last_counter = counter;

    if (!d->in_txn) {
        s = spool_begin(d->spool, err, sizeof err);
        if (s != SPOOL_OK) {
            d->not_stored++;
            dev->ref = pre_ref; /* back to what is committed */
            if (s == SPOOL_ERR_FULL)
                intake_stop(d, err, now);
            else
                log_error("spool: %s", err);
            return;
        }
        d->in_txn = 1;
    }
    d->batch_frames++;
    b = batch_join(d, (size_t)(dev - d->devs));
    b->rx_time_ms = rx->rx_time_ms;
    b->read_ms = now;
    b->sf = rx->sf;

    memset(&srx, 0, sizeof srx);
    srx.rx_time_ms = rx->rx_time_ms;
    srx.freq_hz = rx->freq_hz;
    srx.rssi_dBm = rx->rssi_dBm;
    srx.snr_qdB = rx->snr_qdB;
    srx.sf = rx->sf;
    srx.bw_kHz = rx->bw_kHz;
    srx.station = d->st.id;

    if (v == STATION_NEW) {
        if (spool_row_fill(&row, dev->device, counter, &rec, &srx) != 0 ||
            spool_row_set_frame(&row, rx->frame, rx->len) != 0) {
            batch_abort(d, "a record that does not encode", now);
            return;
        }
        s = spool_put(d->spool, &row, err, sizeof err);
        if (s < 0) {
            /* nothing of this transaction may be acked: drop it all */
            batch_abort(d, err, now);
            return;
        }
        if (s == SPOOL_DUPLICATE) {
            b->duplicates++;
            if (d->feed) /* monitoring judges the link by them (docs/upstream.md §7) */
                feed_record(d->feed, dev->device, counter, &rec, &srx, 1);
        } else {
            b->records++;
            if (remember_fresh(d, dev->device, counter, &rec, &srx) != 0)
                log_warn("live feed: out of memory, %08x/%u not published", dev->device,
                         counter);
        }
        station_mark_held(dev, counter);
        station_heartbeat(dev, counter, &rec);
    } else {
        b->duplicates++;
        if (d->feed)
            feed_record(d->feed, dev->device, counter, &rec, &srx, 1);
    }
}

static void on_modem_msg(void *ctx, const struct modem_msg *m, int64_t now)
{
    struct daemon *d = ctx;
    if (m->type == MODEM_RX)
        handle_rx(d, &m->u.rx, now);
    else if (m->type == MODEM_TX_DONE && m->u.tx_done.status != MODEM_TX_SENT)
        log_debug("modem did not send TX %u: status %u", m->u.tx_done.seq, m->u.tx_done.status);
}

/* Seal the batch's acks, commit what this wake-up stored, then -- and only
 * then -- count it, let the acks and the feed out. */
static void finish_batch(struct daemon *d, int64_t now)
{
    char err[256];
    size_t i;
    if (!d->in_txn)
        return;
    for (i = 0; i < d->nbatch; i++) {
        if (batch_seal(d, &d->batch[i], err, sizeof err) != 0) {
            batch_abort(d, err, now);
            return;
        }
    }
    if (spool_commit(d->spool, err, sizeof err) != SPOOL_OK) {
        log_error("spool commit failed, nothing of it is acknowledged: %s", err);
        batch_abort(d, err, now);
        return;
    }
    d->in_txn = 0;
    if (d->intake_stopped) {
        log_info("intake resumed: the spool stores records again");
        if (d->feed)
            feed_event(d->feed, "intake_resumed", "");
        d->intake_stopped = 0;
    }
    for (i = 0; i < d->nbatch; i++) {
        struct daemon_device *view = &d->view[d->batch[i].index];
        view->records += d->batch[i].records;
        view->duplicates += d->batch[i].duplicates;
        d->accepted += d->batch[i].records;
        d->duplicates += d->batch[i].duplicates;
    }
    d->acks_batched += d->batch_frames - d->nbatch;
    for (i = 0; i < d->nacks; i++) {
        if (modemlink_send_tx(&d->ml, &d->acks[i].tx, now, NULL) == 0)
            d->acks_sent++;
    }
    for (i = 0; d->feed && i < d->nfresh; i++)
        feed_record(d->feed, d->fresh[i].device, d->fresh[i].counter, &d->fresh[i].rec,
                    &d->fresh[i].rx, 0);
    batch_clear(d);
}

static void watch_links(struct daemon *d, int64_t now)
{
    int up = modemlink_is_up(&d->ml, now);
    int coll = upstream_stats(d->up)->connected;
    if (up != d->modem_was_up) {
        if (up)
            log_info("modem link up on %s", d->cfg.port);
        else
            log_warn("modem link down on %s (no STATUS or RX for %d s)", d->cfg.port,
                     MODEMLINK_LINK_TIMEOUT_MS / 1000);
        if (d->feed)
            feed_event(d->feed, up ? "modem_up" : "modem_down", d->cfg.port);
        d->modem_was_up = up;
    }
    if (coll != d->collector_was_up)
        d->collector_was_up = coll;
    /* The collector down for long: the spool grows on disk, which is
     * safe, but the operator must hear of it -- once an hour. */
    if (!coll && now - d->backlog_logged_ms >= 3600 * 1000) {
        int64_t oldest = spool_oldest_age_ms(d->spool, now);
        if (oldest > 3600 * 1000) {
            log_warn("collector unreachable: %lld records spooled, the oldest for %lld h",
                     (long long)spool_depth(d->spool), (long long)(oldest / 3600000));
            d->backlog_logged_ms = now;
        }
    }
    if (!d->intake_stopped) {
        char err[256];
        if (spool_check_space(d->spool, err, sizeof err) == SPOOL_ERR_FULL)
            intake_stop(d, err, now);
    }
}

int daemon_run(struct daemon *d, char *err, size_t errlen)
{
    while (!*d->stop) {
        int fd = modemlink_fd(&d->ml), ready = 0;
        int64_t t = now_ms();
        int timeout = modemlink_timeout_ms(&d->ml, t);
        if (timeout < 0 || timeout > DAEMON_STATUS_PERIOD_MS)
            timeout = DAEMON_STATUS_PERIOD_MS;
        if (modemlink_poll_events(&d->ml) & POLLOUT)
            timeout = timeout > 20 ? 20 : timeout; /* output waits: come back soon */
        if (upstream_service(d->up, fd >= 0 ? &fd : NULL, &ready, fd >= 0 ? 1 : 0, timeout, err,
                             errlen) != UPSTREAM_OK) {
            log_error("%s", err);
            return -1;
        }
        t = now_ms();
        if (fd >= 0) {
            short ev = (short)((ready ? POLLIN : 0) | (modemlink_poll_events(&d->ml) & POLLOUT));
            if (ev)
                modemlink_on_events(&d->ml, ev, t, on_modem_msg, d);
        }
        finish_batch(d, t);
        if (d->feed)
            feed_service(d->feed, t); /* held drug-sales records whose hold has passed */
        modemlink_tick(&d->ml, t);
        watch_links(d, t);
        if (t - d->status_written_ms >= DAEMON_STATUS_PERIOD_MS)
            daemon_write_status(d, t);
        notify_watchdog(t); /* a loop that stops turning gets restarted */
    }
    finish_batch(d, now_ms());
    daemon_write_status(d, now_ms());
    return 0;
}

void daemon_close(struct daemon *d)
{
    if (d->feed)
        feed_close(d->feed);
    if (d->up)
        upstream_close(d->up);
    modemlink_close(&d->ml);
    if (d->spool)
        spool_close(d->spool);
    /* the keys live in the station table: wipe before freeing */
    if (d->devs)
        memset(d->devs, 0, DAEMON_MAX_DEVICES * sizeof *d->devs);
    free(d->devs);
    free(d->view);
    free(d->batch);
    free(d->batch_slot);
    free(d->acks);
    free(d->fresh);
    memset(d, 0, sizeof *d);
}
