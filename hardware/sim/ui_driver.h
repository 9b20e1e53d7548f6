/* ui_driver.h -- an officer's thumb: presses the keys that make the
 * handheld's interface (sensors/ui.h) log a given record.
 *
 * The driver reads the screen as the officer does (the view's rows), and
 * picks the shortest way to the row it wants (NEXT only, or PREV too when
 * the board has three or more buttons). It never reaches into the UI's
 * state to set anything: every change goes through a key, delivered by
 * the caller's press function, so a caller can route keys through the
 * simulated board's buttons (sim_board_press, then ui_poll) and count
 * them. Used by the UI tests, the presses benchmark, lofte-handheld's
 * demonstration and the field's --ui mode.
 *
 * What the interface cannot express is refused, not approximated: a stop
 * with a quantity other than 1, a grid cell, an operation code outside a
 * traffic operation, or an actor the role does not give
 * (UIDRV_ERR_INEXPRESSIBLE). Host code.
 */
#ifndef LOFTE_UI_DRIVER_H
#define LOFTE_UI_DRIVER_H

#include "ui.h"

enum uidrv_err {
    UIDRV_OK = 0,
    UIDRV_ERR_INEXPRESSIBLE = -1,  /* the UI has no way to say this */
    UIDRV_ERR_LOST = -2,           /* the screen did not offer what was expected */
    UIDRV_ERR_LOG = -3             /* the handheld refused the record (queue full, ...) */
};

const char *uidrv_strerror(int err);

/* Deliver one key; the UI must have handled it when this returns. */
typedef void (*uidrv_press_fn)(void *ctx, struct ui *u, enum ui_key k);

struct uidrv {
    struct ui *u;
    uidrv_press_fn press;
    void *ctx;
    int buttons;          /* 2: NEXT only; 3 or 4: PREV too */
    unsigned long presses;
};

void uidrv_init(struct uidrv *d, struct ui *u, int buttons, uidrv_press_fn press, void *ctx);

/* Back to the home screen (HOME, unless already there). */
int uidrv_home(struct uidrv *d);
/* Move to the first row of this kind (and arg, unless arg < 0) and pick it. */
int uidrv_pick(struct uidrv *d, enum ui_item_kind kind, int arg);
/* Make the remembered zone z (from home). */
int uidrv_zone(struct uidrv *d, uint8_t zone);
/* From home: open an activity (start a session, or begin a stop). */
int uidrv_open(struct uidrv *d, uint8_t activity);
/* On a result screen: pick result, then side actions and the action. */
int uidrv_outcome(struct uidrv *d, uint8_t result, uint8_t action, uint8_t side);

/* A stop (alcohol screening, eye exam, vehicle), from home, whole. */
int uidrv_stop(struct uidrv *d, const struct record *r);
/* A session: start it (from home), then later tally and end it. */
int uidrv_session_start(struct uidrv *d, uint8_t activity, uint8_t zone);
int uidrv_session_end(struct uidrv *d, const struct record *r);
/* A checkpoint tally while it runs: n negatives; one positive. */
int uidrv_negatives(struct uidrv *d, unsigned n);
int uidrv_positive(struct uidrv *d, uint8_t band, uint8_t action, uint8_t side);
int uidrv_checkpoint_end(struct uidrv *d);
/* Void the record with this counter (one of the last UI_RECEIPTS). */
int uidrv_void(struct uidrv *d, uint32_t counter);

#endif
