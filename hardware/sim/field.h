/* field.h -- a simulated deployment: handhelds running the real firmware,
 * the radio channel, and the station side, in simulated time.
 *
 * The field runs the scenario (scenario.h): at each event's time the
 * officer's handheld logs it through handheld_log(), and the ground truth
 * line is written at that moment with the counter the firmware gave it.
 *
 * With via_ui (lofte-sim --via-ui) the officers press keys instead: each
 * handheld has the interface (sensors/ui.h) on a two-button board, and the
 * key driver (ui_driver.h) presses, through the board's buttons, what logs
 * each event: sessions are started at their start and ended at their end
 * (the device computes the duration), a checkpoint is a tally of its
 * negatives with its positives and eye exams entered while it runs, an
 * operation's vehicles are stops inside the operation. The ground truth is
 * then what the officer meant to log, built from the scenario, not from the
 * interface (field_ui.c lists how the interface's vocabulary shapes it);
 * the station's copy must equal it, so a key that logs the wrong thing
 * shows up as a mismatch end to end. What one device cannot express (a
 * second session while one runs, a void of a record no longer among the
 * receipts) is not entered and counted in ui_skipped. Between events, time jumps to the next
 * thing that can happen (a device's wake-up, a scenario event), except
 * around transmissions, where it steps finely enough to hit the receive
 * windows.
 *
 * The station side is either
 *   - in-process: gateway/station.c verifies and acknowledges, and the
 *     field keeps what it accepted (for tests of the firmware and channel),
 *   - or one or more virtual modems on pseudo terminals (modem_pty.h), for
 *     real gateway processes: then simulated time waits, after each
 *     reception, up to gateway_wait_ms of real time for the gateway's TX.
 */
#ifndef LOFTE_FIELD_H
#define LOFTE_FIELD_H

#include <stdint.h>
#include <stdio.h>

#include "at_modem.h"
#include "channel.h"
#include "handheld.h"
#include "modem_pty.h"
#include "scenario.h"
#include "sim_board.h"
#include "station.h"
#include "ui.h"
#include "ui_driver.h"

#define FIELD_MAX_DEVICES 64
#define FIELD_MAX_MODEMS 4

struct field_config {
    int64_t from, to;            /* Unix seconds */
    int devices;
    uint64_t seed;
    struct channel_config channel;
    double uplink_loss;          /* per receiver */
    int modems;                  /* 0: in-process station; else virtual modems */
    const char *pty_link[FIELD_MAX_MODEMS]; /* symlink path per modem */
    int modem_type;              /* 0: lofte (modem_pty), 1: RUI3, 2: Wio-E5 (at_modem) */
    uint32_t gateway_wait_ms;    /* real ms to wait for a TX after an RX */
    uint32_t drain_s;            /* after `to`, run until queues are empty, at most this */
    uint32_t day_real_ms;        /* pace: at least this much real time per simulated day */
    int64_t unplug_at;           /* Unix s: pull every modem's USB plug then (0 = never) */
    uint32_t unplug_s;           /* ... and plug it back in this much simulated time later */
    int via_ui;                  /* log through key presses (see above) */
    FILE *truth;                 /* JSON Lines, one per logged record; may be NULL */
    FILE *progress;              /* a line per simulated week; may be NULL */
    const char *keys_path;       /* write the devices' keys here (mode 0600); may be NULL */
};

void field_config_default(struct field_config *cfg);

struct field_accepted {          /* in-process station: one stored record */
    uint32_t device, counter;
    struct record rec;
};

struct field {
    struct field_config cfg;
    uint64_t now_ms;             /* simulated Unix ms */
    struct scenario sc;
    size_t next_event;
    uint32_t *counter_of;        /* per scenario event id: counter it got, 0 = refused */

    int n;
    struct sim_board boards[FIELD_MAX_DEVICES];
    struct handheld hh[FIELD_MAX_DEVICES];
    uint64_t wake_ms[FIELD_MAX_DEVICES];
    uint32_t device_id[FIELD_MAX_DEVICES];
    uint8_t key[FIELD_MAX_DEVICES][RADIO_KEY_LEN];

    struct channel ch;
    uint64_t busy_until_ms;
    uint64_t last_sent;

    /* in-process station */
    struct station st;
    struct station_device st_devs[FIELD_MAX_DEVICES];
    int st_rx;
    struct field_accepted *accepted;
    size_t accepted_count, accepted_cap;
    uint64_t st_rejected, st_duplicates;

    /* virtual AT modems (modem_type 1, 2): real-time emulators; the sim
     * time of the last reception is mapped to the real time it was printed,
     * so a TX starting d real ms later goes on air d sim ms after it */
    struct field_at {
        struct field *f;
        int i, rx_id;
        int64_t rx_real_ms;
        uint64_t rx_sim_ms, printed_seen;
    } atl[FIELD_MAX_MODEMS];
    struct at_modem at[FIELD_MAX_MODEMS];

    /* virtual modems */
    struct modem_pty modem[FIELD_MAX_MODEMS];
    int modem_rx[FIELD_MAX_MODEMS];
    uint64_t modem_rx_seen[FIELD_MAX_MODEMS];

    /* what the officers logged, as written to the truth (both modes) */
    struct field_accepted *truth_rec;
    size_t truth_count, truth_cap;

    /* via_ui: the interface and an officer's thumb per device, and the
     * scenario as timed key work (field_ui.c) */
    struct ui ui[FIELD_MAX_DEVICES];
    struct uidrv drv[FIELD_MAX_DEVICES];
    struct field_ui_step *steps;
    size_t step_count, next_step;
    int *group_of;               /* per event index: its session's event index, or -1 */
    uint8_t *group_skip;         /* per event index: its session was not entered */
    uint16_t *group_done;        /* per event index: positives / stops logged in it */
    uint64_t ui_skipped, ui_presses;

    int unplugged;
    int64_t real_start_ms;

    /* totals */
    uint64_t logged, refused, voids;
    int64_t last_progress_week;
    char err[256];
};

/* Build the scenario, provision and boot every handheld a day before
 * `from`, open the station side. Returns 0, or -1 with f->err set. */
int field_init(struct field *f, const struct field_config *cfg);

/* Run until the scenario is over and every queue is empty (or drain_s has
 * passed after `to`). Returns 0, or -1 with f->err set. */
int field_run(struct field *f);

/* Records still queued on all handhelds, and the
 * officers' records the station has acknowledged so far. */
size_t field_queued(const struct field *f);
uint64_t field_acknowledged(const struct field *f);

/* Let ms of real time pass; virtual AT modems keep answering meanwhile. */
void field_wait_real(struct field *f, uint32_t ms);

void field_free(struct field *f);

/* For field_ui.c: note one logged record (truth line, in-memory truth,
 * counter_of[event_id] unless event_id < 0). Returns 0 or -1 (memory). */
int field_note_logged(struct field *f, int device, uint32_t counter, const struct record *r,
                      int event_id);
int field_ui_init(struct field *f);
uint64_t field_ui_next_ms(const struct field *f);     /* UINT64_MAX: none left */
int field_ui_run_due(struct field *f);                /* 0, or -1 with f->err */
int field_ui_done(const struct field *f);

#endif
