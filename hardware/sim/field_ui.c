/* field_ui.c -- the Hammarö scenario entered by officers' thumbs.
 *
 * In the field's UI mode (field.h, lofte-sim --via-ui) every handheld has
 * the interface (sensors/ui.c) on a two-button simulated board, and the key
 * driver (ui_driver.h) presses, through sim_board_press and ui_poll, what
 * logs each scenario event. The scenario is turned into timed steps:
 *
 *   session or checkpoint  START at its start, END at its end: the device
 *                          computes the duration from its own clock
 *   its members            a checkpoint's positives and eye exams while it
 *                          runs; its negatives are tallied (one NEXT each)
 *                          at the end; an operation's vehicles are stops
 *                          inside the operation
 *   a stop                 from home, whole
 *   a void                 from the undo list, while the record is among
 *                          the last receipts
 *
 * The ground truth is what the officer meant, built here from the scenario
 * event, never read back from the interface; the interface's vocabulary
 * shapes it as follows (each rule is what the handheld offers, ui.h):
 *   - no cell (the board has no position source);
 *   - the actor is the one the device's role gives the activity;
 *   - a stop has quantity 1 and no duration;
 *   - a checkpoint's record counts the drivers tested (negatives and
 *     positives entered during it) and its negatives record has the
 *     checkpoint's duration;
 *   - an operation's record counts the vehicles logged in it, and they all
 *     carry the operation code the device drew at its start (the one value
 *     taken from the device: officers never pick it);
 *   - start_min and clock_unset are the device clock's, as in the
 *     handheld_log mode.
 * Everything else (activity, result, action, side actions, quantity,
 * duration, zone) is the scenario's, so the station's copy equals it only
 * if the keys pressed logged exactly that.
 *
 * Not entered, and counted in ui_skipped: a session on a device that
 * already runs one (the interface runs one at a time), with its members; a
 * void of a record no longer among the UI_RECEIPTS last; a member whose
 * session ended outside the scenario's range (a negatives batch cannot be
 * a stop). A screen that does not offer what the driver expects, or a
 * record other than the one meant, stops the run with f->err: that is a
 * bug in the interface or the driver.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field.h"

enum step_kind {
    STEP_START = 0,
    STEP_STOP,
    STEP_POSITIVE,
    STEP_EYE,
    STEP_END,
    STEP_VOID
};

struct field_ui_step {
    uint64_t t_ms;     /* Unix ms */
    uint8_t kind;      /* enum step_kind */
    size_t ev;         /* index into f->sc.ev */
};

#define FIELD_UI_BUTTONS 2
#define FIELD_UI_BATTERY_PCT 80

/* A key as the officer's finger makes it on two buttons (ui.h's table):
 * through the board's button queue, then the firmware's poll. */
static void field_ui_press(void *ctx, struct ui *u, enum ui_key k)
{
    struct sim_board *b = ctx;
    switch (k) {
    case UI_KEY_NEXT: sim_board_press(b, 0, BOARD_BUTTON_PRESS); break;
    case UI_KEY_OK: sim_board_press(b, 1, BOARD_BUTTON_PRESS); break;
    case UI_KEY_BACK: sim_board_press(b, 0, BOARD_BUTTON_LONG); break;
    case UI_KEY_HOME: sim_board_press(b, 1, BOARD_BUTTON_LONG); break;
    default: return; /* no PREV on two buttons: the driver never asks */
    }
    ui_poll(u);
}

static void fail(struct field *f, const char *what, const struct scenario_event *e, int err)
{
    const struct record_activity_info *a = record_activity_info(e->rec.activity);
    snprintf(f->err, sizeof f->err, "via the interface, device %d, event %d (%s): %s: %s",
             e->device, e->id, a ? a->name : "?", what, uidrv_strerror(err));
}

static int step_cmp(const void *a, const void *b)
{
    const struct field_ui_step *x = a, *y = b;
    if (x->t_ms != y->t_ms)
        return x->t_ms < y->t_ms ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return x->ev < y->ev ? -1 : x->ev > y->ev;
}

static int is_session(const struct scenario_event *e)
{
    return e->void_of < 0 && ui_kind_of(e->rec.activity) != UI_KIND_STOP;
}

/* The session start: 59.5 s before the last whole minute of the duration,
 * so the device's floor((end - start) / 1 min) is the scenario's duration
 * whatever second the scenario ended it on, and every member (at or after
 * the scenario's start) comes after it. The end: 1 ms after the scenario's
 * end, after any member at the same second. */
static uint64_t session_start_ms(const struct scenario_event *e)
{
    return (uint64_t)(e->t - 60 * (int64_t)e->rec.duration_min - 59) * 1000u - 500u;
}

/* Is event j a member of session p (same device and zone, inside it)? */
static int member_of(const struct scenario_event *p, const struct scenario_event *j)
{
    uint64_t t = (uint64_t)j->t * 1000u;
    if (j->void_of >= 0 || j->device != p->device || j->rec.zone != p->rec.zone ||
        t < session_start_ms(p) || j->t > p->t)
        return 0;
    if (p->rec.activity == ACT_TRAFFIC_CHECKPOINT)
        return j->rec.activity == ACT_ALCOHOL_SCREENING || j->rec.activity == ACT_DRUGS_EYE_EXAM;
    if (p->rec.activity == ACT_TRAFFIC_OPERATION)
        return record_category(j->rec.activity) == CAT_VEHICLE && j->rec.operation != 0;
    return 0;
}

static int is_batch(const struct scenario_event *e)
{
    return e->rec.activity == ACT_ALCOHOL_SCREENING && e->rec.result == 0;
}

int field_ui_init(struct field *f)
{
    size_t n = f->sc.count, i, k = 0;
    int d;
    f->group_of = malloc((n + 1) * sizeof *f->group_of);
    f->group_skip = calloc(n + 1, 1);
    f->group_done = calloc(n + 1, sizeof *f->group_done);
    f->steps = malloc((2 * n + 1) * sizeof *f->steps);
    if (!f->group_of || !f->group_skip || !f->group_done || !f->steps) {
        snprintf(f->err, sizeof f->err, "out of memory planning the key presses");
        return -1;
    }
    for (d = 0; d < f->n; d++) {
        struct uidrv *dr = &f->drv[d];
        sim_board_attach_ui(&f->boards[d], FIELD_UI_BUTTONS, FIELD_UI_BATTERY_PCT);
        ui_init(&f->ui[d], &f->hh[d], &f->boards[d].board);
        uidrv_init(dr, &f->ui[d], FIELD_UI_BUTTONS, field_ui_press, &f->boards[d]);
        if (d >= f->sc.police_devices) { /* a guard sets the role once */
            if (uidrv_pick(dr, UI_ITEM_SETTINGS, -1) || uidrv_pick(dr, UI_ITEM_ROLE, -1) ||
                uidrv_home(dr) || f->ui[d].role != UI_ROLE_GUARD) {
                snprintf(f->err, sizeof f->err, "device %d: cannot set the guard role", d);
                return -1;
            }
        }
    }
    for (i = 0; i < n; i++)
        f->group_of[i] = -1;
    for (i = 0; i < n; i++) {
        const struct scenario_event *p = &f->sc.ev[i];
        size_t j;
        if (!is_session(p) || (p->rec.activity != ACT_TRAFFIC_CHECKPOINT &&
                               p->rec.activity != ACT_TRAFFIC_OPERATION))
            continue;
        for (j = i; j-- > 0 && (uint64_t)f->sc.ev[j].t * 1000u >= session_start_ms(p);)
            if (f->group_of[j] < 0 && member_of(p, &f->sc.ev[j]))
                f->group_of[j] = (int)i;
        for (j = i + 1; j < n && f->sc.ev[j].t == p->t; j++)
            if (f->group_of[j] < 0 && member_of(p, &f->sc.ev[j]))
                f->group_of[j] = (int)i;
    }
    for (i = 0; i < n; i++) {
        const struct scenario_event *e = &f->sc.ev[i];
        uint64_t t = (uint64_t)e->t * 1000u;
        int g = f->group_of[i];
        if (e->void_of >= 0) {
            f->steps[k++] = (struct field_ui_step){t, STEP_VOID, i};
        } else if (is_session(e)) {
            f->steps[k++] = (struct field_ui_step){session_start_ms(e), STEP_START, i};
            f->steps[k++] = (struct field_ui_step){t + 1, STEP_END, i};
        } else if (g >= 0 && f->sc.ev[g].rec.activity == ACT_TRAFFIC_CHECKPOINT) {
            if (!is_batch(e)) /* the negatives are tallied; their step is the end */
                f->steps[k++] = (struct field_ui_step){
                    t, e->rec.activity == ACT_DRUGS_EYE_EXAM ? STEP_EYE : STEP_POSITIVE, i};
        } else {
            f->steps[k++] = (struct field_ui_step){t, STEP_STOP, i};
        }
    }
    f->step_count = k;
    f->next_step = 0;
    qsort(f->steps, k, sizeof *f->steps, step_cmp);
    return 0;
}

uint64_t field_ui_next_ms(const struct field *f)
{
    return f->next_step < f->step_count ? f->steps[f->next_step].t_ms : UINT64_MAX;
}

int field_ui_done(const struct field *f)
{
    return f->next_step >= f->step_count;
}

/* The officer's meaning of a scenario event, as the interface can say it. */
static struct record meant(const struct field *f, const struct scenario_event *e)
{
    struct record r = e->rec;
    r.cell = RECORD_CELL_NONE;
    r.actor = ui_actor_of(f->ui[e->device].role, r.activity);
    r.start_min = 0;
    r.clock_unset = 0;
    if (ui_kind_of(r.activity) == UI_KIND_STOP) {
        r.quantity = 1;
        r.duration_min = 0;
        r.operation = 0;
    }
    return r;
}

/* After the driver ran: the records the interface logged must be, in
 * order, the n meant ones; each becomes a truth line. */
static int settle(struct field *f, const struct scenario_event *e, uint32_t records_before,
                  int err, struct record *want, const int *event_id, int n)
{
    struct ui *u = &f->ui[e->device];
    struct sim_board *b = &f->boards[e->device];
    uint32_t got = u->records - records_before;
    int k;
    if ((int)got > n || (got > UI_RECEIPTS)) {
        fail(f, "the interface logged more than was meant", e, err);
        return -1;
    }
    for (k = 0; k < (int)got; k++) {
        const struct ui_receipt *rc = &u->receipt[got - 1 - (uint32_t)k];
        if (rc->activity != want[k].activity) {
            fail(f, "the interface logged another activity than was meant", e, err);
            return -1;
        }
        want[k].start_min = devclock_record_minutes(&f->hh[e->device].clock,
                                                    b->board.now_ms(b->board.ctx),
                                                    &want[k].clock_unset);
        if (want[k].activity == ACT_ADMIN_VOID)
            f->voids++;
        if (field_note_logged(f, e->device, rc->counter, &want[k], event_id[k]) != 0) {
            snprintf(f->err, sizeof f->err, "out of memory keeping the ground truth");
            return -1;
        }
    }
    if ((int)got == n)
        return 0;
    if (err == UIDRV_ERR_LOG || (err == UIDRV_OK && got > 0)) {
        f->refused += (uint64_t)(n - (int)got); /* the handheld said no: on paper */
        return 0;
    }
    if (err == UIDRV_ERR_INEXPRESSIBLE && got == 0) {
        f->ui_skipped++;
        return 0;
    }
    fail(f, "the records logged are not the ones meant", e, err);
    return -1;
}

static int run_start(struct field *f, size_t i)
{
    const struct scenario_event *p = &f->sc.ev[i];
    int err;
    if (f->ui[p->device].session.active) {
        f->group_skip[i] = 1; /* one session at a time: counted at its end */
        return 0;
    }
    err = uidrv_session_start(&f->drv[p->device], p->rec.activity, p->rec.zone);
    if (err == UIDRV_OK)
        return 0;
    if (err == UIDRV_ERR_INEXPRESSIBLE) {
        f->group_skip[i] = 1;
        return 0;
    }
    fail(f, "cannot start the session", p, err);
    return -1;
}

static int run_end(struct field *f, size_t i)
{
    const struct scenario_event *p = &f->sc.ev[i];
    struct ui *u = &f->ui[p->device];
    struct uidrv *d = &f->drv[p->device];
    struct record want[2];
    int ids[2] = {p->id, -1}, n = 1, err;
    uint32_t before = u->records;
    size_t j, batch = SIZE_MAX;

    if (p->rec.activity == ACT_TRAFFIC_CHECKPOINT)
        for (j = 0; j < f->sc.count && batch == SIZE_MAX; j++)
            if (f->group_of[j] == (int)i && is_batch(&f->sc.ev[j]))
                batch = j;
    if (f->group_skip[i]) {
        f->ui_skipped += batch == SIZE_MAX ? 1u : 2u;
        return 0;
    }
    want[0] = meant(f, p);
    if (p->rec.activity == ACT_TRAFFIC_CHECKPOINT) {
        unsigned negatives = batch == SIZE_MAX ? 0u : f->sc.ev[batch].rec.quantity;
        want[0].quantity = (uint16_t)(negatives + f->group_done[i]);
        if (negatives) {
            want[1] = meant(f, &f->sc.ev[batch]);
            want[1].quantity = (uint16_t)negatives;
            want[1].duration_min = p->rec.duration_min;
            ids[1] = f->sc.ev[batch].id;
            n = 2;
        }
        err = uidrv_negatives(d, negatives);
        if (err == UIDRV_OK)
            err = uidrv_checkpoint_end(d);
    } else {
        if (p->rec.activity == ACT_TRAFFIC_OPERATION) {
            want[0].quantity = f->group_done[i];
            want[0].operation = u->session.operation;
        }
        err = uidrv_session_end(d, &want[0]);
    }
    return settle(f, p, before, err, want, ids, n);
}

static int run_member(struct field *f, size_t i, enum step_kind kind)
{
    const struct scenario_event *e = &f->sc.ev[i];
    struct ui *u = &f->ui[e->device];
    struct uidrv *d = &f->drv[e->device];
    struct record want = meant(f, e);
    uint32_t before = u->records;
    int g = f->group_of[i], err;

    if (g >= 0 && f->group_skip[g]) {
        f->ui_skipped++;
        return 0;
    }
    if (kind == STEP_POSITIVE)
        err = uidrv_positive(d, e->rec.result, e->rec.action, e->rec.side);
    else if (kind == STEP_EYE)
        err = uidrv_eye_exam(d, e->rec.result, e->rec.action, e->rec.side);
    else {
        if (g >= 0) /* a vehicle of the running operation */
            want.operation = u->session.operation;
        if (e->rec.quantity != 1) { /* a negatives batch whose checkpoint ended later */
            f->ui_skipped++;
            return 0;
        }
        err = uidrv_stop(d, &want);
    }
    if (settle(f, e, before, err, &want, &e->id, 1) != 0)
        return -1;
    if (g >= 0 && kind != STEP_EYE && u->records != before)
        f->group_done[g]++; /* drivers tested, vehicles stopped; an eye exam is neither */
    return 0;
}

static int run_void(struct field *f, size_t i)
{
    const struct scenario_event *e = &f->sc.ev[i];
    struct ui *u = &f->ui[e->device];
    uint32_t target = f->counter_of[e->void_of], before = u->records;
    struct record want;
    int err;
    if (target == 0)
        return 0; /* the mistaken record was never logged: nothing to void */
    memset(&want, 0, sizeof want);
    want.activity = ACT_ADMIN_VOID;
    want.cell = RECORD_CELL_NONE;
    want.void_counter = target;
    err = uidrv_void(&f->drv[e->device], target);
    return settle(f, e, before, err, &want, &e->id, 1);
}

int field_ui_run_due(struct field *f)
{
    while (f->next_step < f->step_count && f->steps[f->next_step].t_ms <= f->now_ms) {
        const struct field_ui_step *s = &f->steps[f->next_step++];
        int d = f->sc.ev[s->ev].device, rc;
        unsigned long p0 = f->drv[d].presses;
        switch ((enum step_kind)s->kind) {
        case STEP_START: rc = run_start(f, s->ev); break;
        case STEP_END: rc = run_end(f, s->ev); break;
        case STEP_VOID: rc = run_void(f, s->ev); break;
        default: rc = run_member(f, s->ev, (enum step_kind)s->kind); break;
        }
        f->ui_presses += f->drv[d].presses - p0;
        if (rc != 0)
            return -1;
    }
    return 0;
}
