/* station.h -- what the station knows about each handheld, and what it
 * decides about each uplink frame (docs/protocol.md §5-§6).
 *
 * Pure logic on proto/: no I/O, no storage. The gateway persists the
 * per-device state (struct station_device) and decides durability; the
 * simulator's in-process station uses the same code, so the rules for
 * counters, duplicates and acks exist once.
 *
 * The flow for one uplink:
 *   station_open()       verify and decrypt; says NEW or DUPLICATE
 *   (caller stores a NEW record durably; a store may still find it held,
 *    e.g. after a restart, and then treats it as a duplicate)
 *   station_mark_held()  the record is durable: advance the cumulative ack
 *   station_make_ack()   seal the ack to send back in the device's window
 *
 * Typical sizes: a few thousand devices per gateway, a few records per
 * device per day; each device costs sizeof(struct station_device) ~ 200 B.
 */
#ifndef LOFTE_STATION_H
#define LOFTE_STATION_H

#include <stddef.h>
#include <stdint.h>

#include "radio.h"
#include "record.h"

/* Counters above `acked` that may be remembered as held before the gaps
 * below them are filled. A counter beyond the window is still accepted and
 * stored (the caller's store deduplicates); the ack just cannot pass it
 * until the device sends it again, which it does, since it is not acked. */
#define STATION_WINDOW 1024u

/* The ack starts this long after the uplink ends (docs/protocol.md §3.1). */
#define STATION_RX_DELAY_MS 1000

enum station_verdict {
    STATION_NEW = 1,         /* authentic, not yet held: store it */
    STATION_DUPLICATE = 2    /* authentic, already held: acknowledge again */
};

enum station_err {
    STATION_ERR_UNKNOWN_DEVICE = -100,  /* no key for this pseudonym */
    STATION_ERR_NOT_UPLINK = -101,      /* an ack or other frame type on the uplink */
    STATION_ERR_FULL = -102             /* device table full */
    /* and every proto_err: truncated, bad_tag, ... */
};

const char *station_strerror(int err);
const char *station_errname(int err);

struct station_device {
    uint32_t device;
    uint8_t key[RADIO_KEY_LEN];
    uint32_t ref;                 /* highest counter accepted (0: none yet) */
    uint32_t acked;               /* every counter <= acked is held */
    uint32_t last_ack_time;       /* station_time of our last ack to it */
    uint8_t held[STATION_WINDOW / 8]; /* bit (c % WINDOW) for acked < c <= acked + WINDOW */
};

struct station {
    uint16_t id;                  /* station id in acks, 1..65535 */
    struct station_device *devs;  /* sorted by device, caller-owned */
    size_t count, cap;
    /* The counter search (docs/protocol.md §5.2): frames whose counter lay
     * above the window (a device this station has no or old state for),
     * and the tag checks spent beyond the window's one, forgeries' included. */
    uint64_t searched;
    uint64_t search_tries;
};

void station_init(struct station *st, uint16_t id, struct station_device *storage, size_t cap);

/* Add or replace a device's key; its counter state starts empty. */
int station_add_device(struct station *st, uint32_t device, const uint8_t key[RADIO_KEY_LEN]);
struct station_device *station_find(struct station *st, uint32_t device);

/* Verify and decrypt an uplink. On success returns STATION_NEW or
 * STATION_DUPLICATE and fills *dev, *counter and *rec; on failure returns a
 * negative proto_err or station_err and trusts nothing of the frame (*dev
 * is still set when the device is known, for per-device counting). An ack
 * header (0x12) is STATION_ERR_NOT_UPLINK whatever its length (§3). The
 * counter is rebuilt from ref, and searched above the window when the
 * window's candidate fails (radio_uplink_find), so a station with no state
 * hears a device whatever its counter up to 1,114,111. Nothing of a frame
 * that fails moves any state, an authentic one whose record does not
 * decode included. */
int station_open(struct station *st, const uint8_t *frame, size_t len,
                 struct station_device **dev, uint32_t *counter, struct record *rec);

/* The record with this counter is durably held: remember it, advance the
 * cumulative ack over every counter now held contiguously. */
void station_mark_held(struct station_device *d, uint32_t counter);

/* A heartbeat (authentic, durably stored) says the device keeps nothing
 * below oldest_unacked, or nothing at all before its own counter when that
 * is 0: close those gaps (§5.4), however far above acked the heartbeat is,
 * then hold the heartbeat itself. */
void station_heartbeat(struct station_device *d, uint32_t counter, const struct record *hb);

/* When to send the ack to an uplink that ended at rx_end_unix_ms: the first
 * whole second at least the RX delay (1 s) later, so that station_time, the
 * second the ack starts, is exact and the device's clock with it (§6.2).
 * Pass the result, in seconds, to station_make_ack. */
int64_t station_ack_second(int64_t rx_end_unix_ms);

/* Seal an ack for this device carrying its cumulative counter and the
 * second it will start (Unix seconds); station_time is kept strictly
 * increasing per device so the ack nonce never repeats (§6.2). The caller
 * must send it at the second actually used: *start_unix_s. */
int station_make_ack(const struct station *st, struct station_device *d, int64_t start_unix_s,
                     uint8_t *out, size_t cap, size_t *len, int64_t *sent_unix_s);

#endif
