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
    d->group_cap = DAEMON_GROUP_MAX;
    d->group = calloc(d->group_cap, sizeof *d->group);
    if (!d->devs || !d->view || !d->batch || !d->batch_slot || !d->group) {
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

    /* A modem that is not there yet is not fatal: the link retries. */
    if (modemdrv_open(&d->ml, cfg, t, err, errlen) != 0)
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
    d->nacks = d->ngroup = 0;
}

/* Any failure of the group (a spool error, a record that does not encode,
 * memory): roll back whatever was written, count none of it, ack none of
 * it, put the station back to what is committed, stop intake until a
 * commit succeeds again. The devices keep their records and send them
 * again. */
static void batch_abort(struct daemon *d, const char *why, int64_t now)
{
    spool_rollback(d->spool);
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

/* A slot for one more record of the group. The group holds
 * DAEMON_GROUP_MAX frames, but one modem read may bring more before the
 * group can close: it grows then (rarely; a burst). */
static struct daemon_group_row *group_add(struct daemon *d)
{
    if (d->ngroup == d->group_cap) {
        size_t cap = 2 * d->group_cap;
        struct daemon_group_row *p = realloc(d->group, cap * sizeof *p);
        if (!p)
            return NULL;
        d->group = p;
        d->group_cap = cap;
    }
    return &d->group[d->ngroup++];
}

/* When a frame read at now must have its group committed: DAEMON_GROUP_MS
 * after the group's first frame, and early enough that its ack still
 * reaches the modem before the second it starts on (§3.1). The ack's slot
 * is at least 1 s after the uplink ended by the modem's clock; when the
 * clocks agree (§6.2) read it on ours, else (a modem clock off, or no
 * stamp) the slot is 1..2 s after the frame was read.
 * With STATION_CLOCK_MODEM (simulations, replays) the modem's clock is a
 * simulated one that stands still while the simulator waits for the ack:
 * a hold in real time has no counterpart there and would only make every
 * reception wait. The group is then what one read brings. */
static int64_t group_due_ms(const struct daemon *d, uint64_t rx_time_ms, int64_t now)
{
    int64_t slot = now + STATION_RX_DELAY_MS, due;
    if (d->clock == STATION_CLOCK_MODEM)
        return now;
    if (rx_time_ms && rx_time_ms < (uint64_t)INT64_MAX / 4) {
        int64_t off = (int64_t)rx_time_ms - now;
        if (off <= STATION_MODEM_CLOCK_TOLERANCE_MS && off >= -STATION_MODEM_CLOCK_TOLERANCE_MS)
            slot = station_ack_second((int64_t)rx_time_ms) * 1000; /* latency only makes it later */
    }
    due = slot - DAEMON_GROUP_TX_MARGIN_MS;
    return due < now + DAEMON_GROUP_MS ? due : now + DAEMON_GROUP_MS;
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

/* Seal the one ack a group's device earned, with `acked` as the whole
 * group left it, and save its state: in the group's transaction, before
 * COMMIT, so the station_time it uses is durable before the ack exists
 * (§6.2). */
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
    struct daemon_group_row *g;
    struct radio_header h;
    struct record rec;
    struct spool_rx srx;
    uint32_t counter, pre_ref = 0;
    char err[256];
    int64_t due;
    int v;

    d->rx_frames++;
    if (d->resync_needed && resync(d) != 0) {
        d->not_stored++;
        return;
    }
    /* A group cannot start while the disk is full: nothing of the frame
     * may move the station then (station_open moves the device's ref, put
     * back below). spool_check_space reads the file system at most once a
     * second. */
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

    if (!d->batch_frames && spool_check_space(d->spool, err, sizeof err) != SPOOL_OK) {
        d->not_stored++;
        dev->ref = pre_ref; /* back to what is committed */
        intake_stop(d, err, now);
        return;
    }
    due = group_due_ms(d, rx->rx_time_ms, now);
    if (!d->batch_frames || due < d->group_close_ms)
        d->group_close_ms = due;
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
        if (!(g = group_add(d))) {
            batch_abort(d, "out of memory for the group's records", now);
            return;
        }
        g->batch = (size_t)(b - d->batch);
        g->rec = rec;
        g->stored = 0;
        if (spool_row_fill(&g->row, dev->device, counter, &rec, &srx) != 0 ||
            spool_row_set_frame(&g->row, rx->frame, rx->len) != 0) {
            /* nothing of this group may be acked: drop it all */
            batch_abort(d, "a record that does not encode", now);
            return;
        }
        /* held from now on in memory, durable at the group's commit; a
         * resend of it inside the group is a duplicate of it */
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

/* Close the group when it is due (or at once: force): store its records,
 * seal its acks and save the device states in one transaction, commit,
 * then -- and only then -- count it, let the acks and the feed out. */
static void finish_batch(struct daemon *d, int64_t now, int force)
{
    char err[256];
    size_t i;
    int s;
    if (!d->batch_frames)
        return;
    if (!force && now < d->group_close_ms && d->batch_frames < DAEMON_GROUP_MAX)
        return;
    s = spool_begin(d->spool, err, sizeof err);
    if (s != SPOOL_OK) {
        if (s != SPOOL_ERR_FULL)
            log_error("spool: %s", err);
        batch_abort(d, err, now);
        return;
    }
    for (i = 0; i < d->ngroup; i++) {
        struct daemon_group_row *g = &d->group[i];
        s = spool_put(d->spool, &g->row, err, sizeof err);
        if (s < 0) {
            batch_abort(d, err, now);
            return;
        }
        g->stored = s == SPOOL_NEW;
        if (g->stored)
            d->batch[g->batch].records++;
        else
            d->batch[g->batch].duplicates++; /* spooled before: a restart's resend */
    }
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
    d->line_fast = d->batch_frames >= DAEMON_GROUP_FAST;
    for (i = 0; i < d->nacks; i++) {
        if (modemdrv_send_tx(&d->ml, &d->acks[i].tx, now, NULL) == 0)
            d->acks_sent++;
    }
    for (i = 0; d->feed && i < d->ngroup; i++) {
        const struct daemon_group_row *g = &d->group[i];
        /* a row spooled before (a restart's resend) is a duplicate too */
        feed_record(d->feed, g->row.device, g->row.counter, &g->rec, &g->row.rx, !g->stored);
    }
    batch_clear(d);
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
        int fd = modemdrv_fd(&d->ml), ready = 0, hold, watch;
        int64_t t = now_ms();
        int timeout = modemdrv_timeout_ms(&d->ml, t);
        if (timeout < 0 || timeout > DAEMON_STATUS_PERIOD_MS)
            timeout = DAEMON_STATUS_PERIOD_MS;
        if (modemdrv_poll_events(&d->ml) & POLLOUT)
            timeout = timeout > 20 ? 20 : timeout; /* output waits: come back soon */
        if (d->batch_frames) /* an open group: back in time to commit it */
            timeout = d->group_close_ms <= t ? 0
                      : (d->group_close_ms - t < timeout ? (int)(d->group_close_ms - t) : timeout);
        /* While a group waits for its commit on a line that brings a frame
         * or a few per read, the modem is not watched: what arrives
         * meanwhile waits in the serial driver (100 ms of a 115200-baud
         * line is 1.2 KB, the tty layer holds 4 KB) and is read in one go
         * when the group closes -- one wake-up per group instead of one per
         * frame. A line faster than that (the read that opened the group
         * brought many frames, or the last group was large: a USB modem
         * flushing a backlog, a replay) is read on, and its groups close by
         * count: holding it would only let the driver's buffer fill. */
        hold = d->batch_frames && t < d->group_close_ms && !d->group_busy && !d->line_fast;
        watch = fd >= 0 && !hold;
        if (upstream_service(d->up, watch ? &fd : NULL, &ready, watch ? 1 : 0, timeout, err,
                             errlen) != UPSTREAM_OK) {
            log_error("%s", err);
            return -1;
        }
        t = now_ms();
        if (hold && fd >= 0 && t >= d->group_close_ms)
            ready = 1; /* the hold is over: what waited joins the group before it commits */
        if (fd >= 0) {
            short ev = (short)((ready ? POLLIN : 0) | (modemdrv_poll_events(&d->ml) & POLLOUT));
            if (ev) {
                int opening = !d->batch_frames,
                    n = modemdrv_on_events(&d->ml, ev, t, on_modem_msg, d);
                if (opening && d->batch_frames)
                    d->group_busy = n >= DAEMON_GROUP_HOLD_READ;
            }
        }
        finish_batch(d, t, 0);
        /* SIGHUP: between groups only, so the reload's counter state from
         * the spool is exactly the committed one (nothing is in flight) */
        if (d->reload && *d->reload && !d->batch_frames) {
            *d->reload = 0;
            notify_reloading();
            daemon_reload(d);
            notify_ready("receiving");
        }
        if (d->feed)
            feed_service(d->feed, t); /* held drug-sales records whose hold has passed */
        modemdrv_tick(&d->ml, t);
        watch_links(d, t);
        /* the status shows committed state: not while a group is open */
        if (!d->batch_frames && t - d->status_written_ms >= DAEMON_STATUS_PERIOD_MS)
            daemon_write_status(d, t);
        notify_watchdog(t); /* a loop that stops turning gets restarted */
    }
    finish_batch(d, now_ms(), 1);
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
    free(d->batch);
    free(d->batch_slot);
    free(d->acks);
    free(d->group);
    memset(d, 0, sizeof *d);
}

/* --- SIGHUP: the key file and the log level, between batches ---------------- */

/* The new key file is read and checked whole (keystore_read) before
 * anything changes, so a broken file keeps the keys in force. Then the
 * station is rebuilt from it and its counter state loaded from the spool
 * exactly as at start (restore_device: a re-keyed pseudonym keeps its old
 * counters refused), which is the state the spool has committed -- called
 * only with no transaction open, it is also the state in memory. The
 * operator's view of a device (last seen, counts) follows its pseudonym. */
static void reload_keys(struct daemon *d)
{
    struct keystore ks;
    struct station nst;
    struct station_device *ndevs = NULL;
    struct daemon_device *nview = NULL;
    char err[1024];
    size_t i;

    memset(&ks, 0, sizeof ks);
    if (keystore_read(&ks, d->cfg.keys, err, sizeof err) != 0) {
        log_error("reload: %s; keeping the %zu device keys in force", err, d->st.count);
        return;
    }
    ndevs = calloc(DAEMON_MAX_DEVICES, sizeof *ndevs);
    nview = calloc(DAEMON_MAX_DEVICES, sizeof *nview);
    if (!ndevs || !nview || ks.count > DAEMON_MAX_DEVICES) {
        log_error("reload: %s; keeping the %zu device keys in force",
                  ks.count > DAEMON_MAX_DEVICES ? "more devices than the gateway holds"
                                                : "out of memory",
                  d->st.count);
        goto out;
    }
    station_init(&nst, d->st.id, ndevs, DAEMON_MAX_DEVICES);
    nst.searched = d->st.searched;
    nst.search_tries = d->st.search_tries;
    for (i = 0; i < ks.count; i++) {
        if (station_add_device(&nst, ks.entries[i].device, ks.entries[i].key) != 0) {
            log_error("reload: %s line %u: cannot add device %08x; keeping the keys in force",
                      d->cfg.keys, ks.entries[i].line, ks.entries[i].device);
            goto out;
        }
    }
    for (i = 0; i < nst.count; i++) {
        struct station_device *old = station_find(&d->st, ndevs[i].device);
        if (old)
            nview[i] = d->view[old - d->devs];
    }
    log_info("reload: key file %s: %zu devices (%zu before)", d->cfg.keys, nst.count,
             d->st.count);
    memset(d->devs, 0, DAEMON_MAX_DEVICES * sizeof *d->devs); /* the old keys */
    free(d->devs);
    free(d->view);
    d->devs = ndevs;
    d->view = nview;
    d->st = nst;
    ndevs = NULL;
    nview = NULL;
    /* counter state from the spool (acks wait until it loads: resync) */
    if (resync(d) == 0)
        save_key_checks(d);
out:
    if (ndevs)
        memset(ndevs, 0, DAEMON_MAX_DEVICES * sizeof *ndevs);
    free(ndevs);
    free(nview);
    keystore_free(&ks);
}

/* log_level from the config file, unless the command line set it (the
 * command line wins, as at start). The whole file must still be valid
 * with the command line's values (as at start), or nothing changes. */
static void reload_log_level(struct daemon *d)
{
    static struct config fresh, defaults; /* ~80 kB each: not on the stack */
    const char *origin = config_origin(&d->cfg, "log_level");
    char err[4096];
    size_t i;
    if (!d->cfg.config_path[0] || (origin && strncmp(origin, "option", 6) == 0))
        return;
    fresh = d->cfg; /* the command line's values stay; the file's are read anew */
    config_init(&defaults);
    for (i = 0; i < CONFIG_MAX_OPTIONS; i++)
        if (fresh.values[i].from == CONFIG_FROM_FILE)
            fresh.values[i] = defaults.values[i];
    if (config_load_file(&fresh, d->cfg.config_path, err, sizeof err) != CONFIG_OK ||
        config_check(&fresh, err, sizeof err) != CONFIG_OK) {
        log_error("reload: %s; keeping log level %s", err, log_level_name(log_get_level()));
        return;
    }
    if (fresh.log_level != log_get_level()) {
        log_set_level(fresh.log_level);
        log_info("reload: log level %s", log_level_name(fresh.log_level));
    }
}

void daemon_reload(struct daemon *d)
{
    if (d->batch_frames)
        finish_batch(d, now_ms(), 1); /* never inside a group: commit it first */
    reload_log_level(d);
    reload_keys(d);
}
