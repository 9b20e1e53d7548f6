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
    return "other";
}

static void on_upstream_event(void *ctx, int event, const char *detail)
{
    struct daemon *d = ctx;
    const char *name = upstream_event_name(event);
    if (event == UPSTREAM_EV_AUTH_FAILED || event == UPSTREAM_EV_HANDSHAKE_FAILED ||
        event == UPSTREAM_EV_SPOOL_ERROR || event == UPSTREAM_EV_REFUSED)
        log_error("collector link: %s%s%s", name, detail ? ": " : "", detail ? detail : "");
    else
        log_info("collector link: %s%s%s", name, detail ? ": " : "", detail ? detail : "");
    if (d->feed)
        feed_event(d->feed, name, detail ? detail : "");
}

/* spool_load_devices callback: restore counter state under the loaded key. */
static int restore_device(void *ctx, const struct station_device *saved)
{
    struct daemon *d = ctx;
    struct station_device *dev = station_find(&d->st, saved->device);
    if (!dev) {
        log_warn("spool holds state for device %08x, which the key file no longer lists",
                 saved->device);
        return 0;
    }
    dev->ref = saved->ref;
    dev->acked = saved->acked;
    dev->last_ack_time = saved->last_ack_time;
    memcpy(dev->held, saved->held, sizeof dev->held);
    return 0;
}

int daemon_open(struct daemon *d, const struct config *cfg, volatile sig_atomic_t *stop,
                char *err, size_t errlen)
{
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
    if (!d->devs || !d->view) {
        log_fill(err, errlen, "out of memory for %d devices", DAEMON_MAX_DEVICES);
        return -1;
    }
    station_init(&d->st, cfg->station_id, d->devs, DAEMON_MAX_DEVICES);
    if (keystore_load(cfg->keys, &d->st, &loaded, err, errlen) != 0)
        return -1;
    log_info("key file %s: %zu devices", cfg->keys, loaded);

    memset(&so, 0, sizeof so);
    so.min_free_bytes = (int64_t)cfg->disk_min_free_mb * 1024 * 1024;
    if (spool_open(&d->spool, cfg->spool, &so, err, errlen) != SPOOL_OK)
        return -1;
    if (spool_load_devices(d->spool, restore_device, d, err, errlen) != SPOOL_OK)
        return -1;
    log_info("spool %s: %lld records waiting for the collector", cfg->spool,
             (long long)spool_depth(d->spool));

    /* A modem that is not there yet is not fatal: the link retries. */
    if (modemdrv_open(&d->ml, cfg, t, err, errlen) != 0)
        log_warn("modem: %s (retrying)", err);

    memset(&uc, 0, sizeof uc);
    uc.endpoint = cfg->collector;
    uc.key_file = cfg->secret_key_file;
    uc.collector_key = cfg->collector_public_key;
    uc.on_event = on_upstream_event;
    uc.event_ctx = d;
    if (upstream_open(&d->up, &uc, d->spool, err, errlen) != 0)
        return -1;
    if (cfg->feed[0] && feed_open(&d->feed, cfg->feed, err, errlen) != 0)
        return -1;
    return 0;
}

/* --- one received frame ------------------------------------------------------ */

static int queue_ack(struct daemon *d, struct station_device *dev, const struct modem_rx *rx,
                     int64_t now)
{
    struct daemon_pending_ack *a;
    int64_t rx_end = rx->rx_time_ms ? (int64_t)rx->rx_time_ms : now;
    int64_t want = station_ack_second(rx_end), start_s;
    size_t len;

    /* Already answering this uplink window (a duplicate copy, a second
     * reception): one ack is enough, the downlink is shared (§6.1). */
    if ((int64_t)dev->last_ack_time + LOFTE_EPOCH_UNIX >= want) {
        d->acks_skipped++;
        return 0;
    }
    if (d->nacks == d->acks_cap) {
        size_t cap = d->acks_cap ? 2 * d->acks_cap : 64;
        struct daemon_pending_ack *p = realloc(d->acks, cap * sizeof *p);
        if (!p)
            return -1;
        d->acks = p;
        d->acks_cap = cap;
    }
    a = &d->acks[d->nacks];
    memset(a, 0, sizeof *a);
    if (station_make_ack(&d->st, dev, want, a->tx.frame, sizeof a->tx.frame, &len, &start_s) != 0)
        return -1;
    a->dev = dev;
    a->tx.len = (uint8_t)len;
    a->tx.tx_at_ms = (uint64_t)start_s * 1000u;
    a->tx.freq_hz = d->cfg.downlink_freq_hz;
    a->tx.sf = d->cfg.ack_sf ? d->cfg.ack_sf : rx->sf;
    a->tx.bw_kHz = rx->bw_kHz;
    a->tx.power_dBm = d->cfg.downlink_power_dBm;
    d->nacks++;
    /* last_ack_time moved: persist it with this transaction, before the ack
     * exists outside this process (§6.2) */
    return 0;
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

static void handle_rx(struct daemon *d, const struct modem_rx *rx, int64_t now)
{
    struct station_device *dev;
    struct daemon_device *view;
    struct record rec;
    struct spool_rx srx;
    struct spool_row row;
    uint32_t counter;
    char err[256];
    int v, s;

    d->rx_frames++;
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
        if (s == SPOOL_ERR_FULL) {
            intake_stop(d, err, now);
            d->not_stored++;
            return;
        }
        if (s != SPOOL_OK) {
            log_error("spool: %s", err);
            d->not_stored++;
            return;
        }
        d->in_txn = 1;
        if (d->intake_stopped) {
            log_info("intake resumed: the spool has room again");
            if (d->feed)
                feed_event(d->feed, "intake_resumed", "");
            d->intake_stopped = 0;
        }
    }

    memset(&srx, 0, sizeof srx);
    srx.rx_time_ms = rx->rx_time_ms;
    srx.freq_hz = rx->freq_hz;
    srx.rssi_dBm = rx->rssi_dBm;
    srx.snr_qdB = rx->snr_qdB;
    srx.sf = rx->sf;
    srx.bw_kHz = rx->bw_kHz;
    srx.station = d->st.id;

    if (v == STATION_NEW) {
        if (spool_row_fill(&row, dev->device, counter, &rec, &srx) != 0) {
            d->not_stored++;
            return;
        }
        s = spool_put(d->spool, &row, err, sizeof err);
        if (s == SPOOL_ERR_FULL) {
            /* nothing of this transaction may be acked: drop it all */
            spool_rollback(d->spool);
            d->in_txn = 0;
            d->nacks = d->nfresh = 0;
            spool_load_devices(d->spool, restore_device, d, err, sizeof err);
            intake_stop(d, err, now);
            d->not_stored++;
            return;
        }
        if (s < 0) {
            log_error("spool: %s", err);
            d->not_stored++;
            return;
        }
        if (s == SPOOL_DUPLICATE) {
            d->duplicates++;
            view->duplicates++;
        } else {
            d->accepted++;
            view->records++;
            remember_fresh(d, dev->device, counter, &rec, &srx);
        }
        station_mark_held(dev, counter);
        station_heartbeat(dev, counter, &rec);
    } else {
        d->duplicates++;
        view->duplicates++;
    }
    if (queue_ack(d, dev, rx, now) != 0)
        log_warn("no ack for %08x/%u: out of memory", dev->device, counter);
    if (spool_save_device(d->spool, dev, err, sizeof err) != SPOOL_OK)
        log_error("spool: %s", err);
}

static void on_modem_msg(void *ctx, const struct modem_msg *m, int64_t now)
{
    struct daemon *d = ctx;
    if (m->type == MODEM_RX)
        handle_rx(d, &m->u.rx, now);
    else if (m->type == MODEM_TX_DONE && m->u.tx_done.status != MODEM_TX_SENT)
        log_debug("modem did not send TX %u: status %u", m->u.tx_done.seq, m->u.tx_done.status);
}

/* Commit what this wake-up stored, then -- and only then -- let the acks
 * and the feed out. */
static void finish_batch(struct daemon *d, int64_t now)
{
    char err[256];
    size_t i;
    if (!d->in_txn)
        return;
    d->in_txn = 0;
    if (spool_commit(d->spool, err, sizeof err) != SPOOL_OK) {
        log_error("spool commit failed, nothing of it is acknowledged: %s", err);
        d->nacks = d->nfresh = 0;
        spool_load_devices(d->spool, restore_device, d, err, sizeof err);
        return;
    }
    for (i = 0; i < d->nacks; i++) {
        if (modemdrv_send_tx(&d->ml, &d->acks[i].tx, now, NULL) == 0)
            d->acks_sent++;
    }
    for (i = 0; d->feed && i < d->nfresh; i++)
        feed_record(d->feed, d->fresh[i].device, d->fresh[i].counter, &d->fresh[i].rec,
                    &d->fresh[i].rx, 0);
    d->nacks = d->nfresh = 0;
}

static void watch_links(struct daemon *d, int64_t now)
{
    int up = modemdrv_is_up(&d->ml, now);
    int coll = upstream_stats(d->up)->connected;
    if (up != d->modem_was_up) {
        if (up)
            log_info("modem link up on %s", d->cfg.port);
        else
            log_warn("modem link down on %s (no STATUS or RX for %d s)", d->cfg.port,
                     MODEMLINK_LINK_TIMEOUT_MS / 1000);
        if (d->feed) {
            /* which modem, its firmware and its counts (docs/modems.md) */
            struct modemdrv_info mi;
            char detail[CONFIG_PATH_MAX + 160];
            modemdrv_info(&d->ml, &mi);
            snprintf(detail, sizeof detail, "%s type=%s firmware=%s rx=%llu tx=%llu",
                     d->cfg.port, mi.type, mi.firmware[0] ? mi.firmware : "-",
                     (unsigned long long)mi.rx, (unsigned long long)mi.tx);
            feed_event(d->feed, up ? "modem_up" : "modem_down", detail);
        }
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
        int fd = modemdrv_fd(&d->ml), ready = 0;
        int64_t t = now_ms();
        int timeout = modemdrv_timeout_ms(&d->ml, t);
        if (timeout < 0 || timeout > DAEMON_STATUS_PERIOD_MS)
            timeout = DAEMON_STATUS_PERIOD_MS;
        if (modemdrv_poll_events(&d->ml) & POLLOUT)
            timeout = timeout > 20 ? 20 : timeout; /* output waits: come back soon */
        if (upstream_service(d->up, fd >= 0 ? &fd : NULL, &ready, fd >= 0 ? 1 : 0, timeout, err,
                             errlen) != UPSTREAM_OK) {
            log_error("%s", err);
            return -1;
        }
        t = now_ms();
        if (fd >= 0) {
            short ev = (short)((ready ? POLLIN : 0) | (modemdrv_poll_events(&d->ml) & POLLOUT));
            if (ev)
                modemdrv_on_events(&d->ml, ev, t, on_modem_msg, d);
        }
        finish_batch(d, t);
        modemdrv_tick(&d->ml, t);
        watch_links(d, t);
        if (t - d->status_written_ms >= DAEMON_STATUS_PERIOD_MS)
            daemon_write_status(d, t);
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
    modemdrv_close(&d->ml);
    if (d->spool)
        spool_close(d->spool);
    /* the keys live in the station table: wipe before freeing */
    if (d->devs)
        memset(d->devs, 0, DAEMON_MAX_DEVICES * sizeof *d->devs);
    free(d->devs);
    free(d->view);
    free(d->acks);
    free(d->fresh);
    memset(d, 0, sizeof *d);
}
