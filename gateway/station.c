/* station.c -- per-device counter state, duplicate detection and acks. */
#include <string.h>

#include "proto_err.h"
#include "station.h"

const char *station_errname(int err)
{
    switch (err) {
    case STATION_ERR_UNKNOWN_DEVICE: return "unknown_device";
    case STATION_ERR_NOT_UPLINK: return "not_uplink";
    case STATION_ERR_FULL: return "device_table_full";
    default: return proto_errname(err);
    }
}

const char *station_strerror(int err)
{
    switch (err) {
    case STATION_ERR_UNKNOWN_DEVICE: return "no key for this device pseudonym";
    case STATION_ERR_NOT_UPLINK: return "not an uplink frame";
    case STATION_ERR_FULL: return "device table is full";
    default: return proto_strerror(err);
    }
}

void station_init(struct station *st, uint16_t id, struct station_device *storage, size_t cap)
{
    st->id = id;
    st->devs = storage;
    st->count = 0;
    st->cap = cap;
}

/* Index of the first device >= id (binary search over the sorted table). */
static size_t station_lower_bound(const struct station *st, uint32_t id)
{
    size_t lo = 0, hi = st->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->devs[mid].device < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct station_device *station_find(struct station *st, uint32_t device)
{
    size_t i = station_lower_bound(st, device);
    return (i < st->count && st->devs[i].device == device) ? &st->devs[i] : NULL;
}

int station_add_device(struct station *st, uint32_t device, const uint8_t key[RADIO_KEY_LEN])
{
    size_t i = station_lower_bound(st, device);
    struct station_device *d;
    if (i < st->count && st->devs[i].device == device) {
        d = &st->devs[i];
    } else {
        if (st->count == st->cap)
            return STATION_ERR_FULL;
        memmove(&st->devs[i + 1], &st->devs[i], (st->count - i) * sizeof st->devs[0]);
        st->count++;
        d = &st->devs[i];
    }
    memset(d, 0, sizeof *d);
    d->device = device;
    memcpy(d->key, key, RADIO_KEY_LEN);
    return PROTO_OK;
}

static int held_bit(const struct station_device *d, uint32_t c)
{
    uint32_t i = c % STATION_WINDOW;
    return (d->held[i / 8] >> (i % 8)) & 1;
}

static void held_set(struct station_device *d, uint32_t c, int on)
{
    uint32_t i = c % STATION_WINDOW;
    if (on)
        d->held[i / 8] |= (uint8_t)(1u << (i % 8));
    else
        d->held[i / 8] &= (uint8_t)~(1u << (i % 8));
}

static int station_is_held(const struct station_device *d, uint32_t c)
{
    if (c <= d->acked)
        return 1;
    return c - d->acked <= STATION_WINDOW && held_bit(d, c);
}

int station_open(struct station *st, const uint8_t *frame, size_t len,
                 struct station_device **dev, uint32_t *counter, struct record *rec)
{
    struct radio_header h;
    struct station_device *d;
    uint32_t c, c0;
    unsigned tries;
    int err;

    *dev = NULL;
    /* One reason for an ack at the uplink receiver, whatever its length
     * (§3): the header byte says what it is before the length is judged. */
    if (len >= 1 && frame[0] == ((RADIO_VERSION << 4) | RADIO_TYPE_ACK))
        return STATION_ERR_NOT_UPLINK;
    err = radio_peek(frame, len, &h);
    if (err)
        return err;
    if (h.type != RADIO_TYPE_UPLINK)
        return STATION_ERR_NOT_UPLINK;
    d = station_find(st, h.device);
    if (!d)
        return STATION_ERR_UNKNOWN_DEVICE;
    *dev = d;
    c0 = radio_counter_expand(d->ref, h.counter_low);
    err = radio_uplink_find(d->key, d->ref, frame, len, &c, rec, &tries);
    /* the window's candidate costs one check, unless it is 0 (never tried) */
    st->search_tries += tries - (tries > 0 && c0 != 0 ? 1u : 0u);
    if (err)
        return err;
    /* authentic from here on: only now may the frame move our state */
    if (c != c0)
        st->searched++;
    if (c > d->ref)
        d->ref = c;
    *counter = c;
    return station_is_held(d, c) ? STATION_DUPLICATE : STATION_NEW;
}

/* Move acked forward over every contiguously held counter. */
static void station_advance(struct station_device *d)
{
    while (d->acked != UINT32_MAX && held_bit(d, d->acked + 1)) {
        held_set(d, d->acked + 1, 0);
        d->acked++;
    }
}

/* Raise acked to a floor the device vouched for, dropping window bits that
 * fall below it (they would otherwise alias counters a window further on). */
static void station_raise_acked(struct station_device *d, uint32_t floor)
{
    if (floor <= d->acked)
        return;
    if (floor - d->acked >= STATION_WINDOW) {
        memset(d->held, 0, sizeof d->held);
    } else {
        uint32_t c;
        for (c = d->acked + 1; c <= floor; c++)
            held_set(d, c, 0);
    }
    d->acked = floor;
}

void station_mark_held(struct station_device *d, uint32_t counter)
{
    if (counter <= d->acked)
        return;
    if (counter - d->acked > STATION_WINDOW)
        return; /* beyond what we can remember: the device will resend it */
    held_set(d, counter, 1);
    station_advance(d);
}

void station_heartbeat(struct station_device *d, uint32_t counter, const struct record *hb)
{
    uint32_t floor;
    if (hb->activity != ACT_ADMIN_HEARTBEAT)
        return;
    floor = hb->oldest_unacked ? hb->oldest_unacked - 1 : counter - 1;
    if (floor >= counter)
        return; /* a heartbeat cannot vouch for counters after its own */
    station_raise_acked(d, floor); /* bits above the floor stay: still held */
    station_advance(d);
    /* The heartbeat is stored too; it may have been too far above acked to
     * be remembered before the floor moved (a station with no state). */
    station_mark_held(d, counter);
}

int64_t station_ack_second(int64_t rx_end_unix_ms)
{
    return (rx_end_unix_ms + STATION_RX_DELAY_MS + 999) / 1000;
}

int station_make_ack(const struct station *st, struct station_device *d, int64_t start_unix_s,
                     uint8_t *out, size_t cap, size_t *len, int64_t *sent_unix_s)
{
    struct radio_ack ack;
    int64_t t = start_unix_s - LOFTE_EPOCH_UNIX;
    int err;
    if (t < 0)
        t = 0;
    if (t <= (int64_t)d->last_ack_time)
        t = (int64_t)d->last_ack_time + 1;
    if (t > (int64_t)UINT32_MAX)
        return PROTO_ERR_OUT_OF_RANGE;
    ack.device = d->device;
    ack.station = st->id;
    ack.station_time = (uint32_t)t;
    ack.acked = d->acked;
    err = radio_ack_seal(d->key, &ack, out, cap, len);
    if (err)
        return err;
    d->last_ack_time = ack.station_time;
    *sent_unix_s = (int64_t)ack.station_time + LOFTE_EPOCH_UNIX;
    return PROTO_OK;
}
