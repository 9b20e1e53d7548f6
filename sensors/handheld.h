/* handheld.h -- the officer's handheld: log a stop, keep it, send it until
 * the station holds it.
 *
 * The guarantee this module exists for: a record the officer logged reaches
 * the station exactly once (the station deduplicates by counter), whatever
 * happens to radio and power. So:
 *   - a record is sealed and written to the flash queue, with its counter,
 *     before anything is sent; handheld_log() returns only after that write;
 *   - a counter is never handed out twice, also across a power cut at any
 *     instant (reservations in flash, docs/protocol.md §5.1, counter.h);
 *   - a record leaves the queue only when an authentic cumulative ack covers
 *     it (any authentic ack: what it says stays true; only the clock needs
 *     a newer one, §6.3); a full queue refuses new records
 *     (HANDHELD_ERR_FULL) rather than dropping old ones, and so does the
 *     counter span rule (no counter more than 32767 above the last ack,
 *     §5.1);
 *   - transmissions respect the EU868 1 % duty cycle per sub-band
 *     (dutycycle.h).
 *
 * Portable C99: no heap, no stdio, no OS; all state lives in struct handheld
 * (fixed size, about 22 KiB, most of it the queue's RAM index of 16 bytes
 * per record, outbox.h) and in flash,
 * reached through struct board.
 *
 * Flash map (pages of board->flash->page_size bytes):
 *   page 0         identity: pseudonym and key, written once at provisioning
 *                  (identity.h)
 *   pages 1..2     state: counter reservation, time and value of the last
 *                  accepted ack; a log alternating between the two pages
 *                  (statelog.h)
 *   pages 3..N-1   the record queue (outbox.h); with 4 KiB pages 78 records
 *                  per page
 * HANDHELD_FLASH_PAGES pages of HANDHELD_FLASH_PAGE_SIZE give a queue of
 * 1170 records, never fewer than 1093 (outbox_capacity).
 *
 * Sending: the oldest record that is due goes first; after each uplink the
 * radio listens for rx_window_ms; an unacknowledged record is retried after
 * retry_base_ms, doubling up to retry_max_ms, plus a random quarter of that
 * as jitter (so devices that lost the same ack do not retry in step).
 * Heartbeats (docs/protocol.md §5.4) are not queued: they go out after every
 * boot (to learn the time), after heartbeat_idle_s without an uplink, and
 * when an ack shows that the station misses a counter below our oldest
 * record (a counter skipped by a power cut); one is retried until an ack
 * answers it.
 */
#ifndef LOFTE_HANDHELD_H
#define LOFTE_HANDHELD_H

#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "counter.h"
#include "devclock.h"
#include "dutycycle.h"
#include "identity.h"
#include "outbox.h"
#include "radio.h"
#include "record.h"
#include "statelog.h"

/* The flash map above; the one place these page numbers are written. */
#define HANDHELD_PAGE_IDENTITY 0u
#define HANDHELD_PAGE_STATE_A 1u
#define HANDHELD_PAGE_STATE_B 2u
#define HANDHELD_PAGE_QUEUE 3u
#define HANDHELD_MIN_PAGES (HANDHELD_PAGE_QUEUE + 2u)

/* The geometry the simulator and the target board use. */
#define HANDHELD_FLASH_PAGE_SIZE 4096u
#define HANDHELD_FLASH_PAGES 18u

/* LoRa coding rate of every uplink: 4/5 (cr = 5 in airtime.h's terms). */
#define HANDHELD_CODING_RATE 5

/* handheld_tick's answer when nothing will ever be due (halted). */
#define HANDHELD_NEVER UINT64_MAX

enum handheld_err {
    HANDHELD_OK = 0,
    HANDHELD_ERR_FULL = -1,        /* queue full: tell the officer, keep the record on paper */
    HANDHELD_ERR_NOT_PROVISIONED = -2,
    HANDHELD_ERR_FLASH = -3,       /* storage failed (or power is being cut): reboot */
    HANDHELD_ERR_RECORD = -4,      /* the record is invalid (proto refused it) */
    HANDHELD_ERR_LAYOUT = -5,      /* flash too small for the map above */
    HANDHELD_ERR_COUNTER = -6,     /* 2^32 counters used up: the device must be re-keyed */
    HANDHELD_ERR_CONFIG = -7,      /* radio parameters outside EU868 or the budget */
    HANDHELD_ERR_REKEY = -8        /* provisioning again under the same key would reuse counters */
};

const char *handheld_strerror(int err);

struct handheld_config {
    struct board_radio_params uplink;      /* e.g. 868.1 MHz, SF9, 125 kHz, 14 dBm */
    uint32_t downlink_freq_hz;             /* where acks come: 869.525 MHz (§3.1), at the
                                              uplink's SF and bandwidth */
    uint32_t rx_window_ms;                 /* how long to listen after each uplink ends */
    uint32_t retry_base_ms;                /* first retry after this, doubling */
    uint32_t retry_max_ms;                 /* cap of the doubling */
    uint32_t drug_sales_delay_s;           /* hold youth.drug_sales this long (§5.5) */
    uint32_t heartbeat_idle_s;             /* heartbeat after this long without an uplink */
};

/* Sensible EU868 defaults (868.1 MHz SF9, 3 s window, 30 s .. 30 min
 * retries, 6 h drug-sales delay, 12 h idle heartbeat). */
void handheld_config_default(struct handheld_config *cfg);

/* Counters for the officer's status screen, the simulator and the tests. */
struct handheld_stats {
    uint32_t logged;            /* records stored by handheld_log / handheld_void */
    uint32_t refused_full;      /* HANDHELD_ERR_FULL answers */
    uint32_t heartbeats;        /* heartbeats created */
    uint32_t sent;              /* uplinks put on air, heartbeats and retries included */
    uint32_t retries;           /* of those, retransmissions */
    uint32_t acks_accepted;     /* authentic: their acked value was applied */
    uint32_t acks_old;          /* of those, not newer than the clock's last (replayed or
                                   from a lagging station): clock left alone */
    uint32_t acks_rejected;     /* tag failed: forged, corrupted or for another key */
    uint32_t frames_ignored;    /* not an ack, or another device's */
    uint32_t radio_errors;      /* the board refused a send */
    uint32_t corrupt;           /* queued frames that no longer read back intact */
    uint64_t airtime_us[DUTYCYCLE_BANDS];  /* time on air per sub-band since boot */
};

/* The heartbeat in flight (sealed once, retransmitted byte for byte). */
struct handheld_heartbeat {
    int wanted;                 /* create one at the next tick */
    int pending;                /* sealed, waiting for an ack */
    uint32_t counter;
    uint8_t frame[RADIO_UPLINK_MAX_LEN];
    size_t len;
    uint16_t tries;
    uint64_t due_ms;
};

struct handheld {
    const struct board *board;
    struct handheld_config cfg;
    struct identity id;
    struct statelog state;         /* reservation, clock's last station_time, acked */
    struct counter counter;
    struct outbox outbox;
    struct devclock clock;
    struct dutycycle dc;
    struct handheld_heartbeat hb;
    uint64_t listen_until_ms;      /* board time; 0 when not listening */
    uint64_t last_uplink_ms;
    uint64_t sched_base_ms;        /* board time the queue entries' due and
                                      not_before count from (handheld.c) */
    int listening_after_hb;        /* the open window follows a heartbeat */
    int halted;                    /* a flash operation failed: do nothing until boot */
    struct handheld_stats stats;
};

/* Write identity (pseudonym, key) to a device and format its state and
 * queue: erases everything. Refuses (HANDHELD_ERR_REKEY) a device that
 * already holds the same key, since its counters would start again at 1. */
int handheld_provision(const struct board *b, uint32_t device, const uint8_t key[RADIO_KEY_LEN]);

/* Start after power-on: read identity, restore the counter reservation and
 * the queue from flash (repairing what a power cut left half done, so this
 * writes flash too). cfg NULL means defaults. Sends a heartbeat on the next
 * tick that the duty cycle allows. */
int handheld_boot(struct handheld *h, const struct board *b, const struct handheld_config *cfg);

/* Log a record the officer entered. The firmware fills in start_min and
 * clock_unset from its clock; every other field is the officer's. Admin
 * records are the firmware's own (heartbeat) or handheld_void's, and are
 * refused here. On success *counter is the record's counter (the
 * officer's receipt); on any error no counter was consumed, except
 * HANDHELD_ERR_FLASH (a cut while storing). */
int handheld_log(struct handheld *h, struct record *r, uint32_t *counter);

/* Void an earlier record of this device (logs an admin.void). The counter
 * must be one this device handed out (1 .. the last one). */
int handheld_void(struct handheld *h, uint32_t counter_to_void, uint32_t *counter);

/* The officer's interface settings (role, zone, language, recent
 * activities, packed by sensors/ui.c into two words), kept in the state
 * log so they survive a power cut. load returns 1 and the words if they
 * were ever saved, else 0. save writes one state-log entry: HANDHELD_OK,
 * or HANDHELD_ERR_FLASH (the device halts, as for any state write). */
int handheld_settings_load(const struct handheld *h, uint32_t *settings, uint32_t *recent);
int handheld_settings_save(struct handheld *h, uint32_t settings, uint32_t recent);

/* Do whatever is due now: take received acks, send or retry, heartbeats.
 * Returns the board time (ms) at which it next wants to be called
 * (HANDHELD_NEVER once halted). Calling it earlier is harmless. */
uint64_t handheld_tick(struct handheld *h);

/* How many records wait for the station, and the clock state. */
size_t handheld_queue_depth(const struct handheld *h);
int handheld_clock_known(const struct handheld *h);

/* A copy of the statistics, with the duty-cycle air time filled in. */
void handheld_stats(const struct handheld *h, struct handheld_stats *out);

#endif
