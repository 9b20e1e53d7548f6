/* rig.c -- the simulated handheld and toy station of rig.h. Host code. */
#include "rig.h"

#include <stdlib.h>
#include <string.h>

#include "airtime.h"
#include "proto_err.h"

static const uint8_t rig_key[RADIO_KEY_LEN] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                               0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};

static uint64_t ms_ceil(uint32_t us)
{
    return (us + 999u) / 1000u;
}

static int lost(struct rig *r)
{
    uint64_t x;
    if (r->loss_permille == 0)
        return 0;
    x = r->loss_rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    r->loss_rng = x;
    return x % 1000u < r->loss_permille;
}

uint32_t rig_station_time(const struct rig *r)
{
    return RIG_EPOCH_S + (uint32_t)(r->now / 1000u);
}

size_t rig_seal_ack(const struct rig *r, uint32_t acked, uint32_t station_time, uint8_t *out)
{
    struct radio_ack a;
    size_t n = 0;
    a.device = RIG_DEVICE;
    a.station = RIG_STATION;
    a.station_time = station_time;
    a.acked = acked;
    if (radio_ack_seal(r->key, &a, out, RADIO_ACK_LEN, &n) != PROTO_OK)
        abort();
    return n;
}

/* The station's side of §5.3-§5.4 for one authentic uplink. */
static void station_hold(struct rig *r, uint32_t c, const struct record *rec,
                         const uint8_t *frame, size_t len)
{
    if (c < RIG_MAX_COUNTER) {
        if (r->held[c]) {
            if (r->held_len[c] != len || memcmp(r->held_frame[c], frame, len) != 0)
                r->nonce_reuse++;
        } else {
            r->held[c] = 1;
            r->held_len[c] = (uint8_t)len;
            memcpy(r->held_frame[c], frame, len);
        }
    }
    if (c > r->st_ref)
        r->st_ref = c;
    if (rec->activity == ACT_ADMIN_HEARTBEAT) {
        uint32_t floor = rec->oldest_unacked ? rec->oldest_unacked - 1 : c - 1;
        if (floor < c && floor > r->st_acked) /* a floor >= its own counter is ignored */
            r->st_acked = floor;
    }
    while (r->st_acked + 1 < RIG_MAX_COUNTER && r->held[r->st_acked + 1])
        r->st_acked++;
}

static void on_send(void *channel, struct sim_board *b, const uint8_t *frame, size_t len,
                    const struct board_radio_params *p, uint64_t now_ms)
{
    struct rig *r = channel;
    struct rig_tx *t;
    struct radio_header hd;
    uint32_t ack_us;
    (void)b;

    if (r->ntx == r->captx) {
        r->captx = r->captx ? 2 * r->captx : 1024;
        r->tx = realloc(r->tx, r->captx * sizeof *r->tx);
        if (!r->tx)
            abort();
    }
    t = &r->tx[r->ntx++];
    memset(t, 0, sizeof *t);
    t->at_ms = now_ms;
    t->p = *p;
    t->airtime_us = airtime_us(p->sf, p->bw_kHz, HANDHELD_CODING_RATE, (uint16_t)len);
    memcpy(t->frame, frame, len);
    t->len = len;
    if (radio_peek(frame, len, &hd) == PROTO_OK && hd.type == RADIO_TYPE_UPLINK &&
        hd.device == RIG_DEVICE) {
        t->counter = radio_counter_expand(r->st_ref, hd.counter_low);
        t->opened = radio_uplink_open(r->key, t->counter, frame, len, &t->rec) == PROTO_OK;
    }
    if (!t->opened) {
        r->uplinks_unopened++;
        return;
    }
    if (!r->station_on)
        return;
    if (r->drop_uplinks > 0) {
        r->drop_uplinks--;
        return;
    }
    if (lost(r))
        return;
    station_hold(r, t->counter, &t->rec, frame, len);

    if (r->inject) {
        memcpy(r->ack, r->inject_frame, r->inject_len);
        r->ack_len = r->inject_len;
        r->inject = 0;
    } else {
        /* §6.2: one ack per station_time value; stamped when the ack
         * starts, after the uplink and the station's turnaround */
        uint32_t st = RIG_EPOCH_S +
                      (uint32_t)((now_ms + ms_ceil(t->airtime_us) + r->ack_delay_ms) / 1000u);
        if (st <= r->st_last_time)
            st = r->st_last_time + 1;
        r->st_last_time = st;
        r->ack_len = rig_seal_ack(r, r->st_acked, st, r->ack);
        if (r->drop_acks > 0) {
            r->drop_acks--;
            return;
        }
        if (lost(r))
            return;
    }
    ack_us = airtime_us(p->sf, p->bw_kHz, HANDHELD_CODING_RATE, (uint16_t)r->ack_len);
    r->ack_pending = 1;
    r->ack_at = now_ms + ms_ceil(t->airtime_us) + r->ack_delay_ms + ms_ceil(ack_us);
}

void rig_init(struct rig *r, uint32_t page_size, uint32_t page_count, uint64_t seed)
{
    memset(r, 0, sizeof *r);
    memcpy(r->key, rig_key, sizeof r->key);
    if (sim_board_init(&r->sb, 0, &r->now, page_size, page_count, seed) != BOARD_OK)
        abort();
    r->sb.on_send = on_send;
    r->sb.channel = r;
    handheld_config_default(&r->cfg);
    r->station_on = 1;
    r->ack_delay_ms = 1000; /* docs/protocol.md §3.1: the RX delay */
    r->loss_rng = seed * 2654435761u + 88172645463325252ULL;
    r->held = calloc(RIG_MAX_COUNTER, 1);
    r->held_len = calloc(RIG_MAX_COUNTER, 1);
    r->held_frame = calloc(RIG_MAX_COUNTER, sizeof *r->held_frame);
    if (!r->held || !r->held_len || !r->held_frame)
        abort();
}

void rig_free(struct rig *r)
{
    sim_board_free(&r->sb);
    free(r->held);
    free(r->held_len);
    free(r->held_frame);
    free(r->tx);
    r->held = NULL;
    r->held_len = NULL;
    r->held_frame = NULL;
    r->tx = NULL;
}

int rig_provision(struct rig *r)
{
    return handheld_provision(&r->sb.board, RIG_DEVICE, r->key);
}

int rig_boot(struct rig *r)
{
    int err = handheld_boot(&r->h, &r->sb.board, &r->cfg);
    r->booted = err == HANDHELD_OK;
    return err;
}

void rig_cut_at(struct rig *r, long n)
{
    sim_board_cut_power_at(&r->sb, n);
}

void rig_power_on(struct rig *r)
{
    sim_board_power_on(&r->sb);
    r->booted = 0;
    r->ack_pending = 0;
}

void rig_run_until(struct rig *r, uint64_t end_ms)
{
    while (r->now < end_ms && r->sb.powered) {
        uint64_t next = end_ms;
        if (r->booted) {
            uint64_t wake = handheld_tick(&r->h);
            if (!r->sb.powered)
                break;
            if (wake != HANDHELD_NEVER && r->sb.boot_ms + wake < next)
                next = r->sb.boot_ms + wake;
        }
        if (r->ack_pending && r->ack_at < next)
            next = r->ack_at;
        if (next <= r->now)
            next = r->now + 1;
        r->now = next;
        if (r->ack_pending && r->ack_at <= r->now) {
            r->ack_pending = 0;
            if (sim_board_deliver(&r->sb, r->ack, r->ack_len, NULL, r->now)) {
                struct radio_ack a;
                r->acks_delivered++;
                if (r->ack_len == RADIO_ACK_LEN) {
                    memcpy(r->last_ack, r->ack, RADIO_ACK_LEN);
                    r->have_last_ack = 1;
                }
                if (radio_ack_open(r->key, r->ack, r->ack_len, &a) == PROTO_OK &&
                    a.acked > r->acked_delivered)
                    r->acked_delivered = a.acked;
            }
        }
    }
    if (!r->sb.powered)
        r->booted = 0;
}

void rig_run_for(struct rig *r, uint64_t ms)
{
    rig_run_until(r, r->now + ms);
}

struct record rig_record(uint8_t activity)
{
    struct record rec;
    memset(&rec, 0, sizeof rec);
    rec.activity = activity;
    rec.quantity = 1;
    rec.duration_min = 5;
    rec.zone = ZONE_SKOGHALL_CENTRE;
    rec.actor = ACTOR_POLICE;
    rec.cell = RECORD_CELL_NONE;
    return rec;
}

void rig_inject_next(struct rig *r, const uint8_t *frame, size_t len)
{
    memcpy(r->inject_frame, frame, len);
    r->inject_len = len;
    r->inject = 1;
}

size_t rig_sends_of(const struct rig *r, uint32_t counter, long *first)
{
    size_t i, n = 0;
    if (first)
        *first = -1;
    for (i = 0; i < r->ntx; i++) {
        if (r->tx[i].opened && r->tx[i].counter == counter) {
            if (n == 0 && first)
                *first = (long)i;
            n++;
        }
    }
    return n;
}

int rig_open_entry(const struct rig *r, const struct outbox_entry *e, struct record *rec)
{
    uint8_t frame[RADIO_UPLINK_MAX_LEN];
    size_t len;
    if (outbox_read(&r->h.outbox, e, frame, sizeof frame, &len) != OUTBOX_OK)
        return -1;
    return radio_uplink_open(r->key, e->counter, frame, len, rec) == PROTO_OK ? 0 : -1;
}

int rig_same_record(const struct record *a, const struct record *b)
{
    uint8_t ea[RECORD_MAX_LEN], eb[RECORD_MAX_LEN];
    size_t na, nb;
    if (record_encode(a, ea, sizeof ea, &na) != PROTO_OK ||
        record_encode(b, eb, sizeof eb, &nb) != PROTO_OK)
        return 0;
    return na == nb && memcmp(ea, eb, na) == 0;
}
