/* sim_board.h -- the simulated handheld board: struct board on this machine.
 *
 * Flash lives in memory (optionally mirrored to a file so a device survives
 * a restart of the simulator) and enforces real flash semantics: erase sets
 * a page to 0xFF, writes are aligned words that may only clear bits. A power
 * cut can be scheduled at any flash operation: that operation is left torn
 * (a prefix of its words written, the word in flight with a random subset of
 * its cleared bits; an erase leaves a random prefix of the page erased) and
 * every later operation fails with BOARD_ERR_POWER until sim_board_power_on.
 *
 * Time is simulated: the board clock is the simulator's clock minus the
 * moment of the last power-on, so it restarts at 0 like a real MCU's.
 *
 * The radio does not talk to anything by itself: send() hands the frame to
 * the channel through on_send, and the channel puts downlink frames in the
 * board's receive queue with sim_board_deliver (only while it listens).
 * send() never answers BOARD_ERR_BUSY: overlapping transmissions are the
 * channel's to model, and the firmware keeps its own air-time books.
 *
 * Host code (allocates the flash, uses stdio for save/load); the firmware
 * sees only struct board.
 */
#ifndef LOFTE_SIM_BOARD_H
#define LOFTE_SIM_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "board.h"

#define SIM_RX_QUEUE 4
#define SIM_FRAME_MAX 255
#define SIM_SCREEN_W 200                   /* the T-Echo's 1.54" panel */
#define SIM_SCREEN_H 200
#define SIM_SCREEN_BYTES (SIM_SCREEN_W / 8 * SIM_SCREEN_H)
#define SIM_BUTTON_QUEUE 32
#define SIM_LONG_PRESS_MS 700

struct sim_board;

/* Called when the firmware transmits: at sim time now_ms (simulator clock). */
typedef void (*sim_send_fn)(void *channel, struct sim_board *b, const uint8_t *frame,
                            size_t len, const struct board_radio_params *p, uint64_t now_ms);

struct sim_rx_slot {
    uint8_t frame[SIM_FRAME_MAX];
    size_t len;
    struct board_rx_meta meta;
};

struct sim_board {
    struct board board;               /* what the firmware sees */
    int index;                        /* the simulator's number for this device */
    const uint64_t *sim_now_ms;       /* the simulator's clock */
    uint64_t boot_ms;                 /* simulator time of the last power-on */

    uint8_t *flash;                   /* page_size * page_count bytes */
    struct board_flash flash_ops;
    struct board_radio radio_ops;
    long flash_ops_done;              /* erase + write calls since creation */
    long cut_at_op;                   /* cut power at this op (1-based), 0 = never */
    int powered;

    uint64_t listen_until_ms;         /* simulator time */
    struct sim_rx_slot rx[SIM_RX_QUEUE];
    size_t rx_count;

    sim_send_fn on_send;
    void *channel;
    uint64_t rng;                     /* xorshift state: deterministic per seed */
    uint64_t tear_rng;                /* a second stream, only for how a cut tears: a
                                         test may set it to vary the tear while the
                                         run up to the cut stays the same */

    /* The officer's interface, once sim_board_attach_ui gave it one: the
     * panel shows what the last refresh sent (screen), the buttons are a
     * queue of already debounced events, as a real board's driver would
     * deliver them. */
    struct board_display display_ops;
    struct board_buttons button_ops;
    uint8_t screen[SIM_SCREEN_BYTES];
    long refresh_partial, refresh_full;
    struct board_button_event button_queue[SIM_BUTTON_QUEUE];
    size_t button_count;
    long buttons_dropped;             /* presses beyond the queue */
    int battery_pct;                  /* what battery_percent() says; -1 unknown */
};

/* Create a board with the given flash geometry; flash starts erased.
 * Returns BOARD_OK or BOARD_ERR_RANGE (allocation failed, bad geometry). */
int sim_board_init(struct sim_board *b, int index, const uint64_t *sim_now_ms,
                   uint32_t page_size, uint32_t page_count, uint64_t seed);
void sim_board_free(struct sim_board *b);

/* Power: cut at the n-th flash operation from now (1 = the next one; only
 * erases and writes that pass their checks count, reads never do). n <= 0
 * disarms a cut not yet reached. The cut operation is torn: a write leaves a
 * random number of its words done and the next one with a random subset of
 * the bits it was to clear (sometimes none, sometimes all: "done, then the
 * power went" is a case too); an erase leaves a random prefix of the page
 * erased (sometimes none, sometimes all). Until sim_board_power_on, flash
 * and radio calls fail with BOARD_ERR_POWER and receive() finds nothing. */
void sim_board_cut_power_at(struct sim_board *b, long n);
/* Power on: the board clock restarts at 0, the receive queue is empty. */
void sim_board_power_on(struct sim_board *b);

/* Channel side: queue a downlink frame; dropped if the board does not
 * listen at sim time now_ms or its queue is full. Returns 1 if queued. */
int sim_board_deliver(struct sim_board *b, const uint8_t *frame, size_t len,
                      const struct board_rx_meta *meta, uint64_t now_ms);

/* Give the board a 200 x 200 display, `buttons` buttons (2..4) and a
 * battery gauge reading battery_pct. */
void sim_board_attach_ui(struct sim_board *b, uint8_t buttons, int battery_pct);
/* A button event, as the board's debouncer reports it: queued for the
 * firmware's next poll. Returns 0, or -1 if the queue is full (dropped). */
int sim_board_press(struct sim_board *b, uint8_t button, uint8_t kind);

/* Persist flash to a file and load it back (a device kept across runs). */
int sim_board_save(const struct sim_board *b, const char *path);
int sim_board_load(struct sim_board *b, const char *path);

#endif
