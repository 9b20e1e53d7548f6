/* rig.h -- a handheld on a simulated board, next to a toy station.
 *
 * The tests of sensors/ drive the real firmware (handheld.c on
 * sim_board.c) and play the station themselves: every uplink is opened with
 * the device key, held by counter, and answered with a cumulative ack built
 * by proto's radio_ack_seal, as docs/protocol.md §5.3-§6 describe (including
 * the heartbeat's gap closing). The rig records every transmission, so tests
 * can check air time, retransmissions and contents from the outside.
 *
 * It also watches for the one fault that must never happen: two different
 * frames under the same counter (a reused nonce) -> nonce_reuse.
 *
 * Time: r->now is the simulator's clock in ms; the board's clock is r->now
 * minus the last power-on. The station's clock is RIG_EPOCH_S + now / 1000.
 */
#ifndef LOFTE_TEST_RIG_H
#define LOFTE_TEST_RIG_H

#include <stddef.h>
#include <stdint.h>

#include "handheld.h"
#include "sim_board.h"

#define RIG_DEVICE 0x8c3d91f4u
#define RIG_STATION 7u
#define RIG_EPOCH_S 148509060u      /* 2024-09-14T20:31:00Z, docs/protocol.md §10.3 */
#define RIG_MAX_COUNTER 65536u      /* the station tracks counters below this */

struct rig_tx {
    uint64_t at_ms;                 /* simulator time the transmission started */
    struct board_radio_params p;
    uint32_t airtime_us;
    uint8_t frame[SIM_FRAME_MAX];
    size_t len;
    int opened;                     /* 1 if it was our device's authentic uplink */
    uint32_t counter;               /* as the station rebuilt it */
    struct record rec;
};

struct rig {
    uint64_t now;
    struct sim_board sb;
    struct handheld h;
    struct handheld_config cfg;
    uint8_t key[RADIO_KEY_LEN];
    int booted;

    /* the station */
    int station_on;                 /* 0: hears nothing, answers nothing */
    uint32_t drop_uplinks;          /* the next n uplinks are not heard */
    uint32_t drop_acks;             /* the next n acks are lost on the way */
    uint32_t loss_permille;         /* random loss, each way */
    uint64_t loss_rng;
    uint64_t ack_delay_ms;          /* from the end of the uplink to the ack's start */
    uint32_t st_ref, st_acked, st_last_time;
    uint8_t *held;                  /* [RIG_MAX_COUNTER] */
    uint8_t (*held_frame)[RADIO_UPLINK_MAX_LEN];
    uint8_t *held_len;
    long nonce_reuse;
    long uplinks_unopened;

    /* the ack in the air */
    int ack_pending;
    uint64_t ack_at;
    uint8_t ack[SIM_FRAME_MAX];
    size_t ack_len;
    /* a frame to answer the next heard uplink with instead of the ack */
    int inject;
    uint8_t inject_frame[SIM_FRAME_MAX];
    size_t inject_len;

    /* what reached the device */
    uint8_t last_ack[RADIO_ACK_LEN];   /* the last ack delivered */
    int have_last_ack;
    uint32_t acked_delivered;          /* highest acked of any ack delivered */
    long acks_delivered;

    struct rig_tx *tx;
    size_t ntx, captx;
};

/* Board with the given geometry; handheld config: defaults. */
void rig_init(struct rig *r, uint32_t page_size, uint32_t page_count, uint64_t seed);
void rig_free(struct rig *r);

int rig_provision(struct rig *r);
int rig_boot(struct rig *r);

/* Power: cut at the n-th flash op from now; power on (does not boot). */
void rig_cut_at(struct rig *r, long n);
void rig_power_on(struct rig *r);

/* Run the world until simulator time end_ms (or until the power is cut). */
void rig_run_until(struct rig *r, uint64_t end_ms);
void rig_run_for(struct rig *r, uint64_t ms);

/* A valid record of the given activity (zone, actor, one person). */
struct record rig_record(uint8_t activity);

/* Seal an ack for this device. */
size_t rig_seal_ack(const struct rig *r, uint32_t acked, uint32_t station_time, uint8_t *out);

/* Answer the next uplink the station hears with this frame instead. */
void rig_inject_next(struct rig *r, const uint8_t *frame, size_t len);

/* The station's clock now. */
uint32_t rig_station_time(const struct rig *r);

/* Transmissions of a counter (count), and the first one's index (-1). */
size_t rig_sends_of(const struct rig *r, uint32_t counter, long *first);

/* Open a queued entry's frame: 0 and *rec on success. */
int rig_open_entry(const struct rig *r, const struct outbox_entry *e, struct record *rec);

/* Record encodings compare equal (structs may differ in unused fields). */
int rig_same_record(const struct record *a, const struct record *b);

#endif
