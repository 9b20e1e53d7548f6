/* channel.h -- the simulated LoRa channel between handhelds and stations.
 *
 * What it is: the air. Simulated handheld boards (sim_board.h) attach and
 * their send() lands here through b->on_send; station receivers (simulated
 * modems, usually modem_pty.h) register a callback. Station downlinks
 * (acks) go the other way, to every attached board that listens.
 *
 *   handheld ──on_send──▶ [ air: time on air, collisions, capture ] ──▶ receiver 0 (modem)
 *   handheld ──on_send──▶ [ per receiver: path loss, fading, loss,  ] ──▶ receiver 1 (2nd gateway)
 *   handheld ◀─deliver─── [ bit errors, duplicates, latency         ] ◀── channel_downlink
 *
 * Effects, each configurable, all deterministic per seed:
 *   - time on air from airtime_us() (proto/airtime.h), in microseconds;
 *   - per (device, receiver) path loss, random but stable: drawn from a hash
 *     of (seed, device index, receiver id), so it does not depend on the
 *     order in which boards attach; plus per-frame Gaussian fading;
 *   - SNR = RSSI - noise floor; below the SF's demodulation floor a frame is
 *     not heard (too_weak);
 *   - collisions: frames overlapping in time on the same frequency, SF and
 *     bandwidth destroy each other at a listener unless one is at least
 *     capture_dB (6 dB) stronger there; decided per listener, because two
 *     gateways see different powers;
 *   - half duplex: a station deaf while it transmits, a board deaf to
 *     downlinks while it transmits; a board that sends again before its
 *     last frame ended cuts that frame short (one radio, one frame): the cut
 *     frame interferes while it was on air but nobody receives it (aborted);
 *   - per-receiver random loss, independent per receiver;
 *   - bit errors: with bit_error_p a frame gets bit_error_bits bits flipped.
 *     A real LoRa PHY drops it for its bad CRC (reported to the receiver as
 *     a CRC error, so the modem's STATUS counts it); a fraction
 *     bit_error_pass_p passes with the flipped bits, as the 16-bit LoRa CRC
 *     sometimes does, so the gateway's own checks get exercised;
 *   - duplicates: a received frame handed to the receiver twice;
 *   - latency: a reception is handed over end of air + 0..delay_max_ms later,
 *     in FIFO order per receiver (a serial line does not reorder).
 *
 * Determinism: every random decision about one transmission at one listener
 * comes from its own stream, seeded by (seed, transmission number, listener).
 * The outcome therefore does not depend on how often channel_advance() is
 * called, nor does changing one knob (say dup_p) reshuffle the others.
 *
 * Time: the simulator owns a clock in ms. Transmissions must start at or
 * after the time of the last event the channel processed (a send at the
 * current clock, after or before channel_advance(now) for that same now, is
 * always fine). channel_advance(now) processes, in time order, every
 * transmission that ended by now (deciding its collisions once all that
 * overlap it are known) and every reception whose latency has passed, and
 * calls the receivers. A receiver callback may call channel_downlink().
 *
 * Size: fixed tables, no allocation; struct channel is about
 * 90 KB, so make it static or heap, not a local of a deep stack.
 */
#ifndef LOFTE_CHANNEL_H
#define LOFTE_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "sim_board.h"

enum channel_err {
    CHANNEL_OK = 0,
    CHANNEL_ERR_CONFIG = -1,     /* a probability outside [0, 1], min > max, bad cr ... */
    CHANNEL_ERR_FULL = -2,       /* too many boards, receivers or frames on air */
    CHANNEL_ERR_PARAMS = -3,     /* empty or oversized frame, or sf/bw the airtime table refuses */
    CHANNEL_ERR_PAST = -4,       /* start before the channel's current time */
    CHANNEL_ERR_NOT_FOUND = -5,  /* unknown board, receiver, or downlink already on air */
    CHANNEL_ERR_COUNT_ = 6
};

const char *channel_strerror(int err);

#define CHANNEL_MAX_BOARDS 256
#define CHANNEL_MAX_RECEIVERS 8
#define CHANNEL_MAX_AIR 64        /* frames on air, or kept while they can still collide */
#define CHANNEL_MAX_PENDING 128   /* receptions waiting for their latency to pass */
#define CHANNEL_FRAME_MAX 255     /* largest LoRa payload */

struct channel_config {
    uint64_t seed;
    uint8_t cr;                  /* coding rate 4/cr for every frame, 5..8; LoRaWAN uses 5 */
    double capture_dB;           /* a frame survives overlap if this much stronger (6) */

    /* propagation: RSSI = power_dBm - path loss + N(0, fading_dB) */
    double path_loss_min_dB;     /* per (device, receiver), uniform in [min, max] */
    double path_loss_max_dB;
    double fading_dB;            /* standard deviation of per-frame fading */
    double noise_floor_dBm;      /* -117 for 125 kHz: -174 + 10 log10(125e3) + 6 dB NF */

    /* uplink impairments (loss is per receiver: struct channel_receiver) */
    double bit_error_p;          /* a received frame gets bits flipped */
    unsigned bit_error_bits;     /* how many distinct bits (>= 1) */
    double bit_error_pass_p;     /* of those, the fraction the LoRa CRC lets through */
    double dup_p;                /* a received frame is handed over twice */
    uint32_t delay_max_ms;       /* latency uniform in [0, delay_max_ms] */

    /* downlink */
    double downlink_loss_p;
};

/* Reasonable EU868 defaults: cr 4/5, 6 dB capture, path loss 110..135 dB,
 * 3 dB fading, -117 dBm floor, no loss, no bit errors, no duplicates, no
 * latency. Set what a test or scenario needs on top. */
void channel_config_default(struct channel_config *cfg);

/* What a receiver learns about one reception. */
struct channel_rx_meta {
    int16_t rssi_dBm;
    int8_t snr_qdB;              /* quarter dB, as the SX126x reports it */
    uint32_t freq_hz;
    uint8_t sf;
    uint16_t bw_kHz;
    uint8_t cr;
    uint64_t end_ms;             /* sim ms the transmission ended: the modem's timestamp */
    uint64_t delivered_ms;       /* sim ms it is handed over: end + latency */
    /* Ground truth for tests and the simulator's bookkeeping. A real modem
     * cannot know these; never forward them to the gateway. */
    int truth_board;             /* sim_board index of the sender */
    uint64_t truth_tx;           /* the channel's number of the transmission */
    int truth_copy;              /* 0 first delivery, 1 the duplicate */
    int truth_corrupted;         /* bits were flipped and the LoRa CRC passed */
};

typedef void (*channel_rx_fn)(void *ctx, const uint8_t *frame, size_t len,
                              const struct channel_rx_meta *meta);
/* A frame was detected but failed the LoRa CRC; meta has no frame. */
typedef void (*channel_crc_fn)(void *ctx, const struct channel_rx_meta *meta);

struct channel_receiver {
    channel_rx_fn on_rx;
    channel_crc_fn on_crc_error; /* may be NULL */
    void *ctx;
    double loss_p;               /* this receiver's own random loss */
};

/* Counters. Uplink outcomes count once per (transmission, receiver), so for
 * each receiver:  sent = (received - duplicated) + lost + too_weak + collided
 *                 + half_duplex + corrupted_dropped + aborted
 * once every pending reception has been handed over, if rejected_pending is
 * 0 (corrupted_passed frames are among the received). */
struct channel_stats {
    uint64_t sent;               /* uplink transmissions put on air */
    uint64_t received;           /* frames handed to a receiver, duplicates included */
    uint64_t lost;               /* random loss */
    uint64_t too_weak;           /* SNR below the demodulation floor of the SF */
    uint64_t collided;           /* destroyed by an overlapping frame */
    uint64_t half_duplex;        /* the receiver was transmitting */
    uint64_t aborted;            /* cut short: its board sent again while it was on air */
    uint64_t corrupted_dropped;  /* bits flipped, LoRa CRC failed: a CRC error */
    uint64_t corrupted_passed;   /* bits flipped, CRC passed: handed over corrupted */
    uint64_t duplicated;         /* second copies handed over */
    uint64_t rejected;           /* sends the channel refused: bad params, air table full */
    uint64_t rejected_pending;   /* receptions dropped: pending table full */
    uint64_t late_starts;        /* sends dated before the channel's clock, moved to it */
    uint64_t downlinks_sent;     /* downlinks that went on air */
    uint64_t downlinks_delivered;/* (downlink, board) pairs queued in a board */
    uint64_t downlinks_lost;     /* random downlink loss */
    uint64_t downlinks_collided;
    uint64_t downlinks_missed;   /* board not listening, transmitting, too weak, or queue full */
};

struct channel_air {
    int used;
    int resolved;
    int aborted;                 /* cut short by its sender's next frame */
    int downlink;                /* 0: board -> receivers, 1: receiver -> boards */
    int src;                     /* uplink: board index; downlink: receiver id */
    uint64_t seq;                /* transmission number: seeds its random streams */
    uint64_t start_us, end_us;
    struct board_radio_params p;
    int nrx;                     /* uplink: receivers registered when it was sent */
    double rssi[CHANNEL_MAX_RECEIVERS]; /* uplink: at each receiver */
    size_t len;
    uint8_t frame[CHANNEL_FRAME_MAX];
};

struct channel_pending {
    int used;
    int rx;
    int crc_error;               /* report a CRC error instead of a frame */
    uint64_t order;              /* ties in delivered_ms keep insertion order */
    struct channel_rx_meta meta;
    size_t len;
    uint8_t frame[CHANNEL_FRAME_MAX];
};

struct channel {
    struct channel_config cfg;
    uint64_t now_us;             /* time of the last processed event */
    uint64_t next_seq;
    uint64_t next_order;

    struct sim_board *boards[CHANNEL_MAX_BOARDS];
    double board_loss_dB[CHANNEL_MAX_BOARDS][CHANNEL_MAX_RECEIVERS];
    int nboards;                 /* slots in use, including detached holes */

    struct channel_receiver rx[CHANNEL_MAX_RECEIVERS];
    uint64_t rx_last_delivered_ms[CHANNEL_MAX_RECEIVERS];
    struct channel_stats rx_stats[CHANNEL_MAX_RECEIVERS];
    int nrx;

    struct channel_air air[CHANNEL_MAX_AIR];
    struct channel_pending pending[CHANNEL_MAX_PENDING];
    struct channel_stats stats;  /* totals over all receivers */
};

/* Validate cfg and start an empty channel at time 0. CHANNEL_ERR_CONFIG
 * when a probability is outside [0, 1], min > max, cr not 5..8, or
 * bit_error_p > 0 with bit_error_bits == 0. */
int channel_init(struct channel *ch, const struct channel_config *cfg);

/* Attach a board: sets b->on_send and b->channel. b->index names the device
 * (its path loss is derived from it) and must be unique. The board must
 * outlive the channel or be detached first. */
int channel_attach(struct channel *ch, struct sim_board *b);
void channel_detach(struct channel *ch, struct sim_board *b);

/* Register a receiver; *id (0, 1, ...) names it in downlinks and stats.
 * Frames already on air when it registers are not heard by it. */
int channel_add_receiver(struct channel *ch, const struct channel_receiver *r, int *id);

/* Override the random path loss of one (board, receiver) pair; tests use it
 * to place devices exactly. Applies to frames sent after the call. */
int channel_set_path_loss(struct channel *ch, const struct sim_board *b, int rx, double loss_dB);

/* An uplink from b starting at sim time start_ms. The boards' on_send calls
 * this; it is public so a simulator can transmit without firmware.
 * Parameters the airtime table refuses, or a full air table, are counted as
 * rejected (the board's send() cannot be told). */
int channel_uplink(struct channel *ch, struct sim_board *b, const uint8_t *frame, size_t len,
                   const struct board_radio_params *p, uint64_t start_ms);

/* A downlink from receiver rx, starting at sim time start_ms (now or later).
 * At the end of its time on air it is queued, with sim_board_deliver(), in
 * every attached board that hears it and listens then. *ticket (may be
 * NULL) names it for channel_cancel(). CHANNEL_ERR_PAST if start_ms is
 * before the channel's clock. */
int channel_downlink(struct channel *ch, int rx, const uint8_t *frame, size_t len,
                     const struct board_radio_params *p, uint64_t start_ms, uint64_t *ticket);

/* Take back a downlink that has not started yet (a modem lost power).
 * CHANNEL_ERR_NOT_FOUND if it is unknown or already on air. */
int channel_cancel(struct channel *ch, uint64_t ticket);

/* Advance the channel's clock to now_ms: resolve and deliver everything that
 * happened up to then, in time order. now_ms before the clock does nothing. */
void channel_advance(struct channel *ch, uint64_t now_ms);

/* Counters: rx = -1 for the totals, else one receiver's (uplink counters,
 * and downlinks_* for the downlinks that receiver sent). NULL if rx is
 * unknown. */
const struct channel_stats *channel_stats(const struct channel *ch, int rx);

/* The mean RSSI of a board at a receiver, before fading (for reports). */
double channel_path_rssi(const struct channel *ch, const struct sim_board *b, int rx,
                         int8_t power_dBm);

#endif
