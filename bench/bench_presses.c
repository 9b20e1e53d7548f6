/* bench_presses.c -- presses per logged record over the Hammarö scenario.
 *
 * Every event of hardware/sim/scenario.c (2023-01-01 .. 2024-10-01, six
 * handhelds, seed 7) is entered through the officer's interface by the key
 * driver (hardware/sim/ui_driver.h), on one UI per device that remembers
 * role, zone and recent activities as a real one does. A checkpoint is
 * entered as it happens on the road: start, one press per negative, each
 * positive and eye exam, end (its session and negatives records come from
 * that); vehicle stops of an operation inside the operation's session.
 * Counted: every key, the session's tally presses included (a visitor or a
 * negative test costs one press: that is the tally), and separately the
 * presses that are not tally presses.
 *
 * usage: bench_presses [buttons]  (2, the default, 3 or 4: PREV helps in lists)
 *
 * Prints mean and worst per activity, overall, and the claim: a common stop
 * (a clean stop of one of the two last kinds) takes <= 3 presses.
 * A figure, not a test: docs/performance.md keeps it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handheld.h"
#include "scenario.h"
#include "sim_board.h"
#include "ui.h"
#include "ui_driver.h"

#define DEVICES 6

struct device {
    uint64_t now;
    struct sim_board sb;
    struct handheld h;
    struct ui u;
    struct uidrv d;
    int generation;
};

struct tallyrow {
    unsigned long records, presses, tally, worst;
};

static struct tallyrow per[256];
static unsigned long skipped[256];

static void press(void *ctx, struct ui *u, enum ui_key k)
{
    (void)ctx;
    ui_key(u, k);
}

/* A fresh device (the bench has no station: a full queue is replaced). */
static int buttons_wanted = 2;

static void fresh(struct device *dv, int index, int guard)
{
    uint8_t key[RADIO_KEY_LEN];
    int i;
    enum ui_role role;
    if (dv->generation)
        sim_board_free(&dv->sb);
    for (i = 0; i < RADIO_KEY_LEN; i++)
        key[i] = (uint8_t)(index * 31 + dv->generation * 7 + i);
    if (sim_board_init(&dv->sb, index, &dv->now, HANDHELD_FLASH_PAGE_SIZE, HANDHELD_FLASH_PAGES,
                       (uint64_t)index + 1) != BOARD_OK ||
        handheld_provision(&dv->sb.board, 0x1000u + (uint32_t)index, key) != HANDHELD_OK ||
        handheld_boot(&dv->h, &dv->sb.board, NULL) != HANDHELD_OK) {
        fprintf(stderr, "bench_presses: cannot set up a device\n");
        exit(1);
    }
    sim_board_attach_ui(&dv->sb, (uint8_t)buttons_wanted, 90);
    role = dv->generation ? dv->u.role : (guard ? UI_ROLE_GUARD : UI_ROLE_POLICE);
    ui_init(&dv->u, &dv->h, &dv->sb.board);
    uidrv_init(&dv->d, &dv->u, dv->sb.button_ops.count, press, NULL);
    if (role != UI_ROLE_POLICE) { /* the officer sets the role once */
        uidrv_home(&dv->d);
        uidrv_pick(&dv->d, UI_ITEM_SETTINGS, -1);
        uidrv_pick(&dv->d, UI_ITEM_ROLE, -1);
        uidrv_home(&dv->d);
    }
    dv->d.presses = 0;
    dv->generation++;
}

static void count(uint8_t activity, unsigned long presses, unsigned long tally, int records)
{
    struct tallyrow *t = &per[activity];
    t->records += (unsigned long)records;
    t->presses += presses;
    t->tally += tally;
    if (records && presses / (unsigned long)records > t->worst)
        t->worst = presses / (unsigned long)records;
}

int main(int argc, char **argv)
{
    int buttons = argc > 1 ? atoi(argv[1]) : 2;
    static struct device dev[DEVICES];
    struct scenario sc;
    int64_t from, to;
    size_t i, j;
    uint8_t *done;
    unsigned long all_rec = 0, all_pr = 0, all_tally = 0, common = 0, common_over = 0;
    unsigned long common_worst = 0;

    if (scenario_parse_date("2023-01-01", &from) || scenario_parse_date("2024-10-01", &to) ||
        scenario_build(&sc, from, to, DEVICES, 7)) {
        fprintf(stderr, "bench_presses: scenario failed\n");
        return 1;
    }
    if (buttons < 2 || buttons > 4) {
        fprintf(stderr, "usage: bench_presses [buttons 2..4]\n");
        return 2;
    }
    buttons_wanted = buttons;
    done = calloc(sc.count, 1);
    for (i = 0; i < DEVICES; i++) {
        memset(&dev[i], 0, sizeof dev[i]);
        dev[i].now = 1000;
        fresh(&dev[i], (int)i, (int)i >= sc.police_devices);
    }
    for (i = 0; i < sc.count; i++) {
        const struct scenario_event *e = &sc.ev[i];
        struct device *dv = &dev[e->device];
        struct uidrv *d = &dv->d;
        struct record r = e->rec;
        unsigned long p0;
        uint32_t rec0;
        if (done[i])
            continue;
        if (handheld_queue_depth(&dv->h) + 64 > outbox_capacity(&dv->h.outbox))
            fresh(dv, e->device, e->device >= sc.police_devices);
        dv->now = (uint64_t)e->t * 1000u;
        r.cell = RECORD_CELL_NONE; /* no GPS on the board interface yet */
        r.actor = ui_actor_of(dv->u.role, r.activity);
        p0 = d->presses;
        rec0 = dv->u.records;
        if (e->void_of >= 0) {
            skipped[ACT_ADMIN_VOID]++; /* counters are per generation: not replayed */
            continue;
        }
        if (r.activity == ACT_TRAFFIC_CHECKPOINT) {
            /* its negatives batch and the positives/eye exams of this device
             * in the session's time, entered during the session */
            int64_t start = e->t - 60 * (int64_t)r.duration_min - 60;
            unsigned negatives = 0;
            unsigned long tally;
            if (uidrv_session_start(d, r.activity, r.zone)) {
                skipped[r.activity]++;
                continue;
            }
            for (j = 0; j < sc.count; j++) {
                const struct scenario_event *f = &sc.ev[j];
                if (done[j] || j == i || f->device != e->device || f->t < start || f->t > e->t ||
                    f->void_of >= 0)
                    continue;
                if (f->rec.activity == ACT_ALCOHOL_SCREENING && f->rec.result == 0) {
                    negatives += f->rec.quantity;
                    done[j] = 1;
                } else if (f->rec.activity == ACT_ALCOHOL_SCREENING) {
                    uidrv_positive(d, f->rec.result, f->rec.action, f->rec.side);
                    done[j] = 1;
                } else if (f->rec.activity == ACT_DRUGS_EYE_EXAM) {
                    uidrv_negatives(d, 0);
                    ui_key(&dv->u, UI_KEY_BACK);
                    d->presses++;
                    uidrv_pick(d, UI_ITEM_EYE_EXAM, -1);
                    uidrv_outcome(d, f->rec.result, f->rec.action, f->rec.side);
                    done[j] = 1;
                }
            }
            uidrv_negatives(d, negatives);
            tally = negatives;
            uidrv_checkpoint_end(d);
            count(r.activity, d->presses - p0, tally, (int)(dv->u.records - rec0));
            continue;
        }
        if (record_category(r.activity) == CAT_VEHICLE && r.operation) {
            if (!dv->u.session.active) {
                p0 = d->presses;
                uidrv_session_start(d, ACT_TRAFFIC_OPERATION, r.zone);
            }
            if (dv->u.session.activity != ACT_TRAFFIC_OPERATION) {
                skipped[r.activity]++;
                continue;
            }
            r.operation = dv->u.session.operation;
        } else {
            r.operation = 0;
        }
        if (ui_kind_of(r.activity) == UI_KIND_STOP) {
            int common_stop = (dv->u.recent[0] == r.activity || dv->u.recent[1] == r.activity) &&
                              r.result == 0 && r.zone == dv->u.zone && !r.operation;
            int err;
            unsigned long n;
            r.quantity = 1;
            err = uidrv_stop(d, &r);
            if (err) {
                skipped[r.activity]++;
                continue;
            }
            n = d->presses - p0;
            if (common_stop) {
                common++;
                if (n > common_worst)
                    common_worst = n;
                if (n > 3)
                    common_over++;
            }
            count(r.activity, n, 0, (int)(dv->u.records - rec0));
            continue;
        }
        /* a session: started at its start, tallied, ended */
        if (r.activity == ACT_TRAFFIC_OPERATION) {
            if (!dv->u.session.active || dv->u.session.activity != ACT_TRAFFIC_OPERATION) {
                if (uidrv_session_start(d, r.activity, r.zone)) {
                    skipped[r.activity]++;
                    continue;
                }
            }
            r.operation = dv->u.session.operation;
            r.quantity = dv->u.session.stops;
        } else if (uidrv_session_start(d, r.activity, r.zone)) {
            skipped[r.activity]++;
            continue;
        }
        dv->now += 60000u * r.duration_min;
        if (uidrv_session_end(d, &r)) {
            skipped[r.activity]++;
            continue;
        }
        count(r.activity, d->presses - p0,
              r.activity == ACT_TRAFFIC_OPERATION ? 0 : r.quantity, (int)(dv->u.records - rec0));
    }

    printf("presses per logged record, Hammarö scenario 2023-01-01..2024-10-01, seed 7, "
           "%d buttons\n", buttons);
    printf("%-34s %8s %8s %10s %12s %6s\n", "activity", "records", "presses", "per record",
           "w/o tally", "worst");
    {
        double worst_mean = 0;
        const char *worst_name = "";
        for (i = 0; i < 256; i++) {
            const struct record_activity_info *a = record_activity_info((uint8_t)i);
            struct tallyrow *t = &per[i];
            double m;
            if (!t->records)
                continue;
            m = (double)t->presses / (double)t->records;
            printf("%-34s %8lu %8lu %10.2f %12.2f %6lu\n", a ? a->name : "?", t->records,
                   t->presses, m, (double)(t->presses - t->tally) / (double)t->records, t->worst);
            all_rec += t->records;
            all_pr += t->presses;
            all_tally += t->tally;
            if (m > worst_mean) {
                worst_mean = m;
                worst_name = a ? a->name : "?";
            }
        }
        printf("%-34s %8lu %8lu %10.2f %12.2f\n", "all", all_rec, all_pr,
               (double)all_pr / (double)all_rec, (double)(all_pr - all_tally) / (double)all_rec);
        printf("worst activity (mean): %s, %.2f presses per record\n", worst_name, worst_mean);
    }
    printf("common stops (clean, one of the two offered first, zone unchanged): %lu, "
           "most presses %lu, over 3: %lu -> claim <= 3 %s\n",
           common, common_worst, common_over, common_over == 0 ? "holds" : "FAILS");
    for (i = 0; i < 256; i++)
        if (skipped[i])
            printf("not entered through the UI: %lu x %s\n", skipped[i],
                   record_activity_info((uint8_t)i) ? record_activity_info((uint8_t)i)->name
                                                    : "?");
    for (i = 0; i < DEVICES; i++)
        sim_board_free(&dev[i].sb);
    scenario_free(&sc);
    free(done);
    return 0;
}
