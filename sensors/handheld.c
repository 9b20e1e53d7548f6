/* handheld.c -- the handheld's state machine: log, send, listen, take acks.
 *
 * One struct handheld, driven by two kinds of calls: handheld_log/void when
 * the officer enters something, handheld_tick whenever the time it last
 * asked for has come (or a downlink may have arrived). Nothing blocks and
 * nothing allocates.
 *
 * Per tick, in this order:
 *   1. take every received frame. An ack whose tag verifies frees what it
 *      covers, whatever its age; it sets the clock only if its station_time
 *      is newer than the last one the clock was taken from (docs/protocol.md
 *      §6.3). Order: persist (time, acked), then set the clock, then free.
 *      Persisting first makes freeing repeatable: a cut half-way through
 *      the frees is finished by the next boot, which treats counter <=
 *      acked as freed;
 *   2. while the receive window of the last uplink is open, send nothing
 *      (half duplex, and the station answers only then);
 *   3. pick what to send: the heartbeat if one is due, else the oldest
 *      queued record that is due and not held back;
 *   4. ask the duty cycle; send, book the air time, schedule the retry,
 *      open the receive window.
 *
 * Held drug-sales records also hold back the *retries* of the records
 * logged after them: the station's ack is cumulative, so it cannot cover
 * those before the held one arrives, and retrying them for hours would
 * only spend air time. Their first transmission is not held.
 *
 * Any flash failure halts the handheld until the next handheld_boot: the RAM
 * view of the queue may then disagree with flash, and the boot scan is the
 * one place that reconciles them. On the simulated board that failure is a
 * power cut, after which a boot follows anyway.
 */
#include "handheld.h"

#include <string.h>

#include "airtime.h"
#include "nvflash.h"
#include "proto_err.h"

/* §5.1: no counter is handed out more than this above the last cumulative
 * ack, so every frame the device may still send lies inside the window in
 * which the station rebuilds counters from their 16 bits (§5.2). */
#define HANDHELD_MAX_SPAN (RADIO_COUNTER_WINDOW - 1u)

/* A drug-sales hold in lofte-epoch seconds is only as good as the clock,
 * which runs up to a second behind the station's (station_time is whole
 * seconds) and is set anew by every ack. Within one boot the board clock is
 * exact and is what counts; the epoch value matters after a reboot, and
 * gets this margin so that a clock error cannot release a record early. */
#define HANDHELD_HOLD_MARGIN_S 2u

/* outbox_entry.sched: the hold release was guessed at boot, before the
 * clock was known; the first accepted ack makes it exact. */
#define SCHED_HOLD_GUESSED 0x01u

const char *handheld_strerror(int err)
{
    switch (err) {
    case HANDHELD_OK: return "ok";
    case HANDHELD_ERR_FULL: return "record queue full: keep this record on paper";
    case HANDHELD_ERR_NOT_PROVISIONED: return "device not provisioned";
    case HANDHELD_ERR_FLASH: return "flash storage failed: restart the device";
    case HANDHELD_ERR_RECORD: return "record invalid";
    case HANDHELD_ERR_LAYOUT: return "flash too small for identity, state and queue";
    case HANDHELD_ERR_COUNTER: return "frame counters used up: the device must be re-keyed";
    case HANDHELD_ERR_CONFIG: return "radio parameters outside the EU868 sub-bands or budget";
    case HANDHELD_ERR_REKEY: return "device already holds this key: provision a new key";
    }
    return "unknown handheld error";
}

void handheld_config_default(struct handheld_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->uplink.freq_hz = 868100000u;
    cfg->uplink.sf = 9;
    cfg->uplink.bw_kHz = 125;
    cfg->uplink.power_dBm = 14;
    cfg->rx_window_ms = 3000;
    cfg->retry_base_ms = 30000;
    cfg->retry_max_ms = 30u * 60u * 1000u;
    cfg->drug_sales_delay_s = 6u * 3600u;
    cfg->heartbeat_idle_s = 12u * 3600u;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static uint64_t now_ms(const struct handheld *h)
{
    return h->board->now_ms(h->board->ctx);
}

static uint32_t uplink_airtime_us(const struct handheld *h, size_t len)
{
    return airtime_us(h->cfg.uplink.sf, h->cfg.uplink.bw_kHz, HANDHELD_CODING_RATE,
                      (uint16_t)len);
}

static uint32_t random_u32(const struct handheld *h)
{
    uint8_t b[4];
    h->board->random(h->board->ctx, b, sizeof b);
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void halt(struct handheld *h)
{
    h->halted = 1;
}

static int check_config(const struct handheld_config *cfg)
{
    struct dutycycle dc;
    uint32_t t = airtime_us(cfg->uplink.sf, cfg->uplink.bw_kHz, HANDHELD_CODING_RATE,
                            RADIO_UPLINK_MAX_LEN);
    if (t == 0 || dutycycle_band_of(cfg->uplink.freq_hz) < 0 || cfg->retry_base_ms == 0 ||
        cfg->retry_max_ms < cfg->retry_base_ms)
        return HANDHELD_ERR_CONFIG;
    dutycycle_init(&dc);
    if (dutycycle_wait_ms(&dc, cfg->uplink.freq_hz, 0, t) < 0)
        return HANDHELD_ERR_CONFIG;
    return HANDHELD_OK;
}

static int check_layout(const struct board *b)
{
    if (b->flash->page_count < HANDHELD_MIN_PAGES ||
        b->flash->page_count - HANDHELD_PAGE_QUEUE > OUTBOX_MAX_PAGES ||
        outbox_slots_per_page(b->flash->page_size) == 0 ||
        (b->flash->page_count - HANDHELD_PAGE_QUEUE) *
                outbox_slots_per_page(b->flash->page_size) > OUTBOX_MAX_SLOTS)
        return HANDHELD_ERR_LAYOUT;
    return HANDHELD_OK;
}

int handheld_provision(const struct board *b, uint32_t device, const uint8_t key[RADIO_KEY_LEN])
{
    struct identity id, old;
    struct statelog sl;
    int err = check_layout(b);

    if (err)
        return err;
    if (device == 0 || device == 0xFFFFFFFFu)
        return HANDHELD_ERR_RECORD;
    if (identity_read(b, HANDHELD_PAGE_IDENTITY, &old) == IDENTITY_OK &&
        memcmp(old.key, key, RADIO_KEY_LEN) == 0) {
        memset(&old, 0, sizeof old);
        return HANDHELD_ERR_REKEY;
    }
    memset(&old, 0, sizeof old);
    /* The old identity goes first: state and identity must never be read
     * together unless they were written together, or an old key would meet
     * a counter that starts again at 1. Identity is written last, so a cut
     * anywhere in between leaves a device that is simply not provisioned. */
    if (nvflash_erase(b, HANDHELD_PAGE_IDENTITY))
        return HANDHELD_ERR_FLASH;
    if (statelog_format(&sl, b, HANDHELD_PAGE_STATE_A, HANDHELD_PAGE_STATE_B))
        return HANDHELD_ERR_FLASH;
    err = outbox_format(b, HANDHELD_PAGE_QUEUE, b->flash->page_count - HANDHELD_PAGE_QUEUE);
    if (err)
        return err == OUTBOX_ERR_LAYOUT ? HANDHELD_ERR_LAYOUT : HANDHELD_ERR_FLASH;
    id.device = device;
    memcpy(id.key, key, RADIO_KEY_LEN);
    err = identity_write(b, HANDHELD_PAGE_IDENTITY, &id);
    memset(&id, 0, sizeof id);
    return err ? HANDHELD_ERR_FLASH : HANDHELD_OK;
}

/* Board time of this boot at which a held record (stored before this boot
 * or, for OUTBOX_HOLD_EPOCH, whenever the clock changes) may first be sent.
 * boot_now is the board time of handheld_boot. */
static uint64_t hold_release_ms(const struct handheld *h, const struct outbox_entry *e,
                                uint64_t boot_now)
{
    uint64_t rem_s;
    switch (e->hold_kind) {
    case OUTBOX_HOLD_BOOT:
        /* Logged without a clock, before this boot: how long ago is
         * unknown, so the full delay starts again. */
        return boot_now + (uint64_t)e->hold * 1000u;
    case OUTBOX_HOLD_EPOCH:
        if (h->clock.known)
            return devclock_board_ms(&h->clock, e->hold);
        /* No clock yet: the last accepted ack's time is a lower bound of
         * now, and the delay itself an upper bound of what remains. */
        rem_s = e->hold > h->state.v.last_ack_time ? e->hold - h->state.v.last_ack_time : 0;
        return boot_now + min_u64(rem_s, (uint64_t)h->cfg.drug_sales_delay_s + HANDHELD_HOLD_MARGIN_S) * 1000u;
    }
    return boot_now;
}

int handheld_boot(struct handheld *h, const struct board *b, const struct handheld_config *cfg)
{
    size_t i;
    int err;
    uint64_t now;

    memset(h, 0, sizeof *h);
    h->board = b;
    if (cfg)
        h->cfg = *cfg;
    else
        handheld_config_default(&h->cfg);
    err = check_config(&h->cfg);
    if (!err)
        err = check_layout(b);
    if (err) {
        h->halted = 1;
        return err;
    }
    h->halted = 1;  /* until everything below succeeded */

    err = identity_read(b, HANDHELD_PAGE_IDENTITY, &h->id);
    if (err)
        return err == IDENTITY_ERR_FLASH ? HANDHELD_ERR_FLASH : HANDHELD_ERR_NOT_PROVISIONED;
    err = statelog_open(&h->state, b, HANDHELD_PAGE_STATE_A, HANDHELD_PAGE_STATE_B);
    if (err)
        return err == STATELOG_ERR_FLASH    ? HANDHELD_ERR_FLASH
               : err == STATELOG_ERR_LAYOUT ? HANDHELD_ERR_LAYOUT
                                            : HANDHELD_ERR_NOT_PROVISIONED;
    counter_open(&h->counter, &h->state);
    err = outbox_open(&h->outbox, b, HANDHELD_PAGE_QUEUE,
                      b->flash->page_count - HANDHELD_PAGE_QUEUE, h->state.v.acked);
    if (err)
        return err == OUTBOX_ERR_LAYOUT ? HANDHELD_ERR_LAYOUT : HANDHELD_ERR_FLASH;

    now = now_ms(h);
    devclock_init(&h->clock);
    dutycycle_init(&h->dc);
    /* The budget was in RAM and is gone: assume the largest frame went out
     * just before the power-on, so a reboot loop cannot exceed the share. */
    dutycycle_assume(&h->dc, h->cfg.uplink.freq_hz, now, uplink_airtime_us(h, RADIO_UPLINK_MAX_LEN));
    for (i = 0; i < h->outbox.count; i++) {
        struct outbox_entry *e = &h->outbox.entries[i];
        e->not_before_ms = hold_release_ms(h, e, now);
        e->due_ms = now;
        if (e->hold_kind == OUTBOX_HOLD_EPOCH)
            e->sched |= SCHED_HOLD_GUESSED;
    }
    h->last_uplink_ms = now;
    h->hb.wanted = 1;  /* also how the device asks for the time (§6.3) */
    h->halted = 0;
    return HANDHELD_OK;
}

size_t handheld_queue_depth(const struct handheld *h)
{
    return outbox_depth(&h->outbox);
}

int handheld_clock_known(const struct handheld *h)
{
    return h->clock.known;
}

void handheld_stats(const struct handheld *h, struct handheld_stats *out)
{
    int i;
    *out = h->stats;
    for (i = 0; i < DUTYCYCLE_BANDS; i++)
        out->airtime_us[i] = h->dc.band[i].airtime_us;
}

/* Counter span rule (§5.1), skipped counters included: may the next
 * counter be handed out before another ack arrives? */
static int span_ok(const struct handheld *h)
{
    return counter_peek(&h->counter) - h->state.v.acked <= HANDHELD_MAX_SPAN;
}

static int take_counter(struct handheld *h, uint32_t *c)
{
    int err = counter_take(&h->counter, c);
    if (err == COUNTER_ERR_FLASH) {
        halt(h);
        return HANDHELD_ERR_FLASH;
    }
    return err ? HANDHELD_ERR_COUNTER : HANDHELD_OK;
}

/* Common path of handheld_log and handheld_void. */
static int store(struct handheld *h, struct record *r, uint32_t *counter)
{
    uint8_t frame[RADIO_UPLINK_MAX_LEN];
    size_t len;
    uint32_t c, hold = 0;
    uint8_t hold_kind = OUTBOX_HOLD_NONE;
    struct outbox_entry *e;
    uint64_t now;
    int err;

    *counter = 0;
    if (h->halted)
        return HANDHELD_ERR_FLASH;
    now = now_ms(h);
    r->start_min = devclock_record_minutes(&h->clock, now, &r->clock_unset);
    /* Validate before taking a counter, so a refused record costs none. */
    if (record_encode(r, frame, sizeof frame, &len) != PROTO_OK)
        return HANDHELD_ERR_RECORD;
    if (!outbox_has_room(&h->outbox) || !span_ok(h)) {
        h->stats.refused_full++;
        return HANDHELD_ERR_FULL;
    }
    err = take_counter(h, &c);
    if (err)
        return err;
    if (radio_uplink_seal(h->id.key, h->id.device, c, r, frame, sizeof frame, &len) != PROTO_OK)
        return HANDHELD_ERR_RECORD;  /* cannot happen: encoded above; c is skipped */
    if (r->activity == ACT_YOUTH_DRUG_SALES && h->cfg.drug_sales_delay_s > 0) {
        if (h->clock.known) {
            uint64_t until = (uint64_t)devclock_epoch_s(&h->clock, now) +
                             h->cfg.drug_sales_delay_s + HANDHELD_HOLD_MARGIN_S;
            hold_kind = OUTBOX_HOLD_EPOCH;
            hold = until > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)until;
        } else {
            hold_kind = OUTBOX_HOLD_BOOT;
            hold = h->cfg.drug_sales_delay_s;
        }
    }
    err = outbox_push(&h->outbox, c, hold_kind, hold, frame, len, &e);
    if (err) {
        halt(h);
        return HANDHELD_ERR_FLASH;
    }
    e->due_ms = now;
    e->not_before_ms =
        hold_kind == OUTBOX_HOLD_NONE ? now : now + (uint64_t)h->cfg.drug_sales_delay_s * 1000u;
    h->stats.logged++;
    *counter = c;
    return HANDHELD_OK;
}

int handheld_log(struct handheld *h, struct record *r, uint32_t *counter)
{
    *counter = 0;
    if (record_category(r->activity) == CAT_ADMIN)
        return HANDHELD_ERR_RECORD;
    return store(h, r, counter);
}

int handheld_void(struct handheld *h, uint32_t counter_to_void, uint32_t *counter)
{
    struct record r;
    *counter = 0;
    if (counter_to_void == 0 || counter_to_void >= counter_peek(&h->counter))
        return HANDHELD_ERR_RECORD;
    memset(&r, 0, sizeof r);
    r.activity = ACT_ADMIN_VOID;
    r.cell = RECORD_CELL_NONE;
    r.void_counter = counter_to_void;
    return store(h, &r, counter);
}

/* Seal a heartbeat describing the queue as it is now (§2.3, §5.4). */
static void make_heartbeat(struct handheld *h, uint64_t now)
{
    struct record r;
    uint32_t c;
    size_t depth = h->outbox.count;

    h->hb.wanted = 0;
    if (!span_ok(h) || take_counter(h, &c))
        return;
    memset(&r, 0, sizeof r);
    r.activity = ACT_ADMIN_HEARTBEAT;
    r.cell = RECORD_CELL_NONE;
    r.start_min = devclock_record_minutes(&h->clock, now, &r.clock_unset);
    r.oldest_unacked = depth ? h->outbox.entries[0].counter : 0;
    r.queue_depth = (uint16_t)(depth > 0xFFFFu ? 0xFFFFu : depth);
    if (radio_uplink_seal(h->id.key, h->id.device, c, &r, h->hb.frame, sizeof h->hb.frame,
                          &h->hb.len) != PROTO_OK)
        return;
    h->hb.pending = 1;
    h->hb.counter = c;
    h->hb.tries = 0;
    h->hb.due_ms = now;
    h->stats.heartbeats++;
}

static void stop_listening(struct handheld *h, uint64_t now)
{
    h->listen_until_ms = 0;
    h->listening_after_hb = 0;
    h->board->radio->listen(h->board->ctx, now);
}

/* One received frame (§6.3). */
static void take_ack(struct handheld *h, uint64_t now, const uint8_t *buf, size_t len)
{
    struct radio_header hd;
    struct radio_ack ack;
    struct statelog_values v;
    uint32_t acked, next = counter_peek(&h->counter);
    int newer;
    size_t i;

    if (radio_peek(buf, len, &hd) != PROTO_OK || hd.type != RADIO_TYPE_ACK ||
        hd.device != h->id.device) {
        h->stats.frames_ignored++;
        return;
    }
    if (radio_ack_open(h->id.key, buf, len, &ack) != PROTO_OK) {
        h->stats.acks_rejected++;
        return;
    }
    /* Authentic, so what it says is true for ever: every counter <= acked
     * was held when it was sent, and the station never gives one up. Any
     * authentic ack frees, a replayed or lagging one included; only the
     * clock needs a newer station_time (§6.3). */
    newer = ack.station_time > h->state.v.last_ack_time;
    /* The station can only hold counters we handed out; a larger value
     * persisted would free records not logged yet, at the next boot. */
    acked = ack.acked < next ? ack.acked : next - 1;
    v = h->state.v;
    if (newer)
        v.last_ack_time = ack.station_time;
    v.acked = acked;  /* statelog keeps the maximum */
    /* Persisted before anything is freed, so the next boot can finish the
     * frees, and before the clock is taken, so a replay cannot take it. */
    if ((newer || acked > h->state.v.acked) && statelog_write(&h->state, &v)) {
        halt(h);
        return;
    }
    h->stats.acks_accepted++;
    if (newer) {
        devclock_set(&h->clock, now, ack.station_time,
                     (uplink_airtime_us(h, RADIO_ACK_LEN) + 500u) / 1000u);
        for (i = 0; i < h->outbox.count; i++) {
            struct outbox_entry *e = &h->outbox.entries[i];
            if (e->sched & SCHED_HOLD_GUESSED) {
                e->not_before_ms = hold_release_ms(h, e, 0);  /* the clock is known now */
                e->sched &= (uint8_t)~SCHED_HOLD_GUESSED;
            }
        }
    } else {
        h->stats.acks_old++;
    }
    if (outbox_free_upto(&h->outbox, h->state.v.acked)) {
        halt(h);
        return;
    }
    /* The heartbeat has done its work once the station holds it, or once a
     * fresh ack (one that could set the clock) answered it. */
    if (h->hb.pending &&
        (h->state.v.acked >= h->hb.counter || (newer && h->listening_after_hb)))
        h->hb.pending = 0;
    /* A counter below our oldest record that the station will never get
     * (skipped by a cut, or a record that failed to store): only a
     * heartbeat's oldest_unacked lets its cumulative ack move past it. The
     * same holds when this ack, a fresh one, stops below what another
     * station already acked: a new or replaced station with no state for
     * us (§5.2, §5.4). A replayed old ack is not fresh, so it cannot make
     * us spend counters and air time. */
    if (!h->hb.pending && h->outbox.count > 0 &&
        (h->state.v.acked + 1u < h->outbox.entries[0].counter ||
         (newer && acked + 1u < h->outbox.entries[0].counter)))
        h->hb.wanted = 1;
    stop_listening(h, now);  /* at most one ack answers an uplink (§6.1) */
}

static uint64_t backoff_ms(const struct handheld *h, uint16_t tries)
{
    uint64_t d = h->cfg.retry_base_ms;
    uint16_t i;
    for (i = 1; i < tries && d < h->cfg.retry_max_ms; i++)
        d *= 2;
    if (d > h->cfg.retry_max_ms)
        d = h->cfg.retry_max_ms;
    return d + random_u32(h) % (d / 4 + 1);
}

uint64_t handheld_tick(struct handheld *h)
{
    uint8_t buf[256], frame[RADIO_UPLINK_MAX_LEN];
    const uint8_t *out;
    struct board_rx_meta meta;
    struct outbox_entry *e = NULL;
    uint64_t now, wake = HANDHELD_NEVER, idle_at;
    uint32_t blocked_above = 0xFFFFFFFFu, t_us;
    size_t n, i, len;
    int64_t wait;
    int err;

    if (h->halted)
        return HANDHELD_NEVER;
    now = now_ms(h);
    while (!h->halted && (n = h->board->radio->receive(h->board->ctx, buf, sizeof buf, &meta)) > 0)
        take_ack(h, meta.end_ms <= now ? meta.end_ms : now, buf, n);
    if (h->halted)
        return HANDHELD_NEVER;
    if (h->listen_until_ms != 0) {
        if (now < h->listen_until_ms)
            return h->listen_until_ms;
        h->listen_until_ms = 0;
        h->listening_after_hb = 0;
    }

    idle_at = h->last_uplink_ms + (uint64_t)h->cfg.heartbeat_idle_s * 1000u;
    if (!h->hb.pending && now >= idle_at)
        h->hb.wanted = 1;
    if (h->hb.wanted && !h->hb.pending) {
        make_heartbeat(h, now);
        if (h->halted)
            return HANDHELD_NEVER;
    }
    if (!h->hb.pending)
        wake = min_u64(wake, idle_at);

    /* What to send: a due heartbeat first (it closes counter gaps and sets
     * the clock, both of which the queue needs), else the oldest due record. */
    if (h->hb.pending && h->hb.due_ms > now)
        wake = min_u64(wake, h->hb.due_ms);
    if (!(h->hb.pending && h->hb.due_ms <= now)) {
        for (i = 0; i < h->outbox.count; i++) {
            struct outbox_entry *x = &h->outbox.entries[i];
            if (x->not_before_ms > now) {
                if (x->counter < blocked_above)
                    blocked_above = x->counter;
                wake = min_u64(wake, x->not_before_ms);
                continue;
            }
            if (x->tries > 0 && x->counter > blocked_above)
                continue;  /* cannot be acked before the held one: see top */
            if (x->due_ms <= now) {
                e = x;
                break;
            }
            wake = min_u64(wake, x->due_ms);
        }
        if (!e)
            return wake;
        err = outbox_read(&h->outbox, e, frame, sizeof frame, &len);
        if (err == OUTBOX_ERR_FLASH) {
            halt(h);
            return HANDHELD_NEVER;
        }
        if (err) {
            /* The slot no longer matches its commit word: flash decay,
             * which the simulated board does not model. Keep it queued
             * (dropping it would be a silent loss the officer never hears
             * of) but stop sending it; the status screen shows corrupt. */
            h->stats.corrupt++;
            e->due_ms = HANDHELD_NEVER;
            return now;
        }
        out = frame;
    } else {
        out = h->hb.frame;
        len = h->hb.len;
    }

    t_us = uplink_airtime_us(h, len);
    wait = dutycycle_wait_ms(&h->dc, h->cfg.uplink.freq_hz, now, t_us);
    if (wait < 0)
        return HANDHELD_NEVER;  /* excluded by check_config */
    if (wait > 0)
        return now + (uint64_t)wait;
    err = h->board->radio->send(h->board->ctx, out, len, &h->cfg.uplink);
    if (err == BOARD_ERR_BUSY)
        return now + 10;
    if (err == BOARD_ERR_POWER) {
        halt(h);
        return HANDHELD_NEVER;
    }
    if (err) {
        h->stats.radio_errors++;  /* retried after the backoff, like a lost frame */
    } else {
        dutycycle_note(&h->dc, h->cfg.uplink.freq_hz, now, t_us);
        h->stats.sent++;
    }

    if (e) {
        if (e->tries < 0xFFFFu)
            e->tries++;
        if (e->tries > 1)
            h->stats.retries++;
        e->due_ms = now + backoff_ms(h, e->tries);
    } else {
        if (h->hb.tries < 0xFFFFu)
            h->hb.tries++;
        if (h->hb.tries > 1)
            h->stats.retries++;
        h->hb.due_ms = now + backoff_ms(h, h->hb.tries);
    }
    h->last_uplink_ms = now;
    /* Listen until an ack started as late as the station may start it
     * (rx_window_ms after our uplink ends, §3.1) has fully arrived. */
    h->listen_until_ms = now + (t_us + 999u) / 1000u + h->cfg.rx_window_ms +
                         (uplink_airtime_us(h, RADIO_ACK_LEN) + 999u) / 1000u;
    h->listening_after_hb = e == NULL;
    h->board->radio->listen(h->board->ctx, h->listen_until_ms);
    return h->listen_until_ms;
}
