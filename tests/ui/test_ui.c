/* test_ui.c -- the officer's interface (sensors/ui.h) on the simulated
 * board, with the real firmware and the rig's toy station behind it.
 *
 * Tests press keys, read the screen as text (struct ui_view) and check the
 * records the station received: the same records docs/protocol.md §2
 * defines, nothing else. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "font.h"
#include "rig.h"
#include "ui.h"
#include "ui_driver.h"

static struct rig r;
static struct ui u;
static struct uidrv d;

static void press(void *ctx, struct ui *ui, enum ui_key k)
{
    (void)ctx;
    ui_key(ui, k);
}

static void setup(void)
{
    rig_init(&r, HANDHELD_FLASH_PAGE_SIZE, HANDHELD_FLASH_PAGES, 11);
    sim_board_attach_ui(&r.sb, 2, 87);
    cr_assert_eq(rig_provision(&r), HANDHELD_OK);
    cr_assert_eq(rig_boot(&r), HANDHELD_OK);
    rig_run_for(&r, 120000); /* the boot heartbeat and its ack: clock set */
    cr_assert(handheld_clock_known(&r.h));
    ui_init(&u, &r.h, &r.sb.board);
    uidrv_init(&d, &u, 2, press, NULL);
}

static void teardown(void)
{
    rig_free(&r);
}

TestSuite(ui, .init = setup, .fini = teardown);

static void keys(const char *seq) /* n next, p prev, o ok, b back, h home */
{
    for (; *seq; seq++)
        ui_key(&u, *seq == 'n' ? UI_KEY_NEXT : *seq == 'p' ? UI_KEY_PREV : *seq == 'o' ? UI_KEY_OK
                   : *seq == 'b' ? UI_KEY_BACK : UI_KEY_HOME);
}

/* The officer's records the station received, in counter order. */
static size_t received(struct record *out, uint32_t *ctr, size_t max)
{
    size_t i, n = 0, j;
    rig_run_for(&r, 7u * 3600u * 1000u); /* past the drug-sales hold */
    for (i = 0; i < r.ntx; i++) {
        const struct rig_tx *t = &r.tx[i];
        int dup = 0;
        if (!t->opened || t->rec.activity == ACT_ADMIN_HEARTBEAT)
            continue;
        for (j = 0; j < n; j++)
            dup |= ctr[j] == t->counter;
        if (dup || n == max)
            continue;
        for (j = n; j > 0 && ctr[j - 1] > t->counter; j--) {
            ctr[j] = ctr[j - 1];
            out[j] = out[j - 1];
        }
        ctr[j] = t->counter;
        out[j] = t->rec;
        n++;
    }
    return n;
}

static const struct ui_view *V(void)
{
    return ui_view(&u);
}

Test(ui, home_offers_role_zone_and_the_last_activities_first)
{
    cr_assert_eq(V()->screen, UI_HOME);
    cr_assert(strstr(V()->title, "Polis"), "title: %s", V()->title);
    cr_assert(strstr(V()->title, "Skoghall C"), "title: %s", V()->title);
    cr_assert_eq(V()->item[0].kind, UI_ITEM_ACTIVITY);
    cr_assert_str_eq(V()->item[0].text, "Utandningsprov");
    cr_assert_eq(V()->cursor, 0);
    /* a moped stop makes moped class I the first offer */
    keys("no"); /* moped class I, "utan anmärkning" */
    keys("o");
    cr_assert_eq(V()->screen, UI_HOME);
    cr_assert_str_eq(V()->item[0].text, "Moped klass I");
    cr_assert_str_eq(V()->item[1].text, "Utandningsprov");
}

Test(ui, logs_a_clean_stop_of_the_last_kind_in_two_presses)
{
    struct record rec[4];
    uint32_t ctr[4];
    uint32_t before = u.presses;
    keys("oo");
    cr_assert_eq(u.presses - before, 2);
    cr_assert_eq(V()->screen, UI_HOME);
    cr_assert(strstr(V()->note, "Sparad"), "note: %s", V()->note);
    cr_assert_eq(received(rec, ctr, 4), 1);
    cr_assert_eq(rec[0].activity, ACT_ALCOHOL_SCREENING);
    cr_assert_eq(rec[0].result, 0);
    cr_assert_eq(rec[0].action, ACTION_NONE);
    cr_assert_eq(rec[0].quantity, 1);
    cr_assert_eq(rec[0].zone, ZONE_SKOGHALL_CENTRE);
    cr_assert_eq(rec[0].actor, ACTOR_POLICE);
    cr_assert_eq(rec[0].cell, RECORD_CELL_NONE);
    cr_assert_eq(rec[0].operation, 0);
}

Test(ui, the_receipt_is_the_counter_the_firmware_gave)
{
    struct record rec[4];
    uint32_t ctr[4];
    char want[32] = "√ #";
    keys("oo");
    cr_assert_eq(received(rec, ctr, 4), 1);
    cr_assert_eq(u.receipt[0].counter, ctr[0]);
    snprintf(want, sizeof want, "√ #%u Sparad", ctr[0]);
    cr_assert_str_eq(V()->note, want);
}

Test(ui, a_common_stop_of_the_two_last_kinds_takes_at_most_three_presses)
{
    uint32_t before = u.presses;
    keys("noo"); /* the second offer, clean */
    cr_assert_eq(u.presses - before, 3);
    cr_assert_eq(u.records, 1);
    cr_assert_eq(u.receipt[0].activity, ACT_VEHICLE_MOPED_CLASS1);
}

Test(ui, a_remark_preselects_the_usual_strictest_action)
{
    struct record rec[4];
    uint32_t ctr[4];
    keys("no"); /* moped class I */
    cr_assert_eq(V()->screen, UI_RESULT);
    cr_assert_str_eq(V()->item[2].text, "Trimmad");
    keys("nno"); /* trimmed */
    cr_assert_eq(V()->screen, UI_ACTION);
    cr_assert_str_eq(V()->item[V()->cursor].text, "Anmälan");
    keys("o");
    cr_assert_eq(received(rec, ctr, 4), 1);
    cr_assert_eq(rec[0].activity, ACT_VEHICLE_MOPED_CLASS1);
    cr_assert_eq(rec[0].result, 2);
    cr_assert_eq(rec[0].action, ACTION_REPORT);
}

Test(ui, side_actions_toggle_in_place_and_go_into_the_record)
{
    struct record rec[4];
    uint32_t ctr[4];
    int g, m;
    keys("no");
    keys("nno");
    g = ui_view_find(V(), "Vårdnadshavare");
    m = ui_view_find(V(), "Fordonsåtgärd");
    cr_assert(g > 0 && m > g);
    cr_assert(strstr(V()->item[g].text, "☐"));
    cr_assert_eq(uidrv_pick(&d, UI_ITEM_SIDE, 0), UIDRV_OK);
    cr_assert(strstr(V()->item[g].text, "☑"), "%s", V()->item[g].text);
    cr_assert_eq(uidrv_pick(&d, UI_ITEM_SIDE, 2), UIDRV_OK);
    cr_assert_eq(uidrv_pick(&d, UI_ITEM_ACTION, ACTION_FINE), UIDRV_OK);
    cr_assert_eq(received(rec, ctr, 4), 1);
    cr_assert_eq(rec[0].side, SIDE_GUARDIAN_CONTACTED | SIDE_VEHICLE_MEASURE);
    cr_assert_eq(rec[0].action, ACTION_FINE);
}

Test(ui, a_checkpoint_tallies_one_press_per_negative_and_ends_as_protocol_records)
{
    struct record rec[8];
    uint32_t ctr[8];
    int i;
    cr_assert_eq(uidrv_zone(&d, ZONE_MAIN_ROADS), UIDRV_OK);
    cr_assert_eq(uidrv_open(&d, ACT_TRAFFIC_CHECKPOINT), UIDRV_OK);
    cr_assert_eq(V()->screen, UI_CHECKPOINT);
    cr_assert(strstr(V()->title, "Huvudvägar"));
    for (i = 0; i < 37; i++) {
        uint32_t before = u.presses;
        keys("n");
        cr_assert_eq(u.presses - before, 1);
    }
    cr_assert_str_eq(V()->big, "37");
    cr_assert(ui_view_contains(V(), "negativa"));
    r.now += 95u * 60000u; /* 95 minutes at the roadside */
    ui_poll(&u);
    cr_assert(ui_view_contains(V(), "Tid 1:35"));
    cr_assert_eq(u.records, 0, "nothing on the air while the tally runs");
    keys("b");
    cr_assert_eq(V()->screen, UI_CHECKPOINT_MENU);
    cr_assert_eq(uidrv_pick(&d, UI_ITEM_END, -1), UIDRV_OK);
    cr_assert_eq(V()->screen, UI_HOME);
    cr_assert_eq(received(rec, ctr, 8), 2);
    cr_assert_eq(rec[0].activity, ACT_TRAFFIC_CHECKPOINT);
    cr_assert_eq(rec[0].duration_min, 95);
    cr_assert_eq(rec[0].quantity, 37);
    cr_assert_eq(rec[0].zone, ZONE_MAIN_ROADS);
    cr_assert_eq(rec[1].activity, ACT_ALCOHOL_SCREENING);
    cr_assert_eq(rec[1].result, 0);
    cr_assert_eq(rec[1].quantity, 37);
    cr_assert_eq(rec[1].duration_min, 95);
    cr_assert_eq(ctr[1], ctr[0] + 1);
}

Test(ui, a_positive_takes_one_press_and_two_more)
{
    struct record rec[8];
    uint32_t ctr[8];
    uint32_t before;
    cr_assert_eq(uidrv_open(&d, ACT_TRAFFIC_CHECKPOINT), UIDRV_OK);
    keys("nnnn");
    before = u.presses;
    keys("o"); /* positive */
    cr_assert_eq(V()->screen, UI_RESULT);
    cr_assert(strstr(V()->title, "nivå"));
    cr_assert_eq(ui_view_find(V(), "Negativ"), -1, "negatives are tallied, not picked");
    cr_assert_str_eq(V()->item[V()->cursor].text, "Rattfylleri");
    keys("o"); /* band */
    cr_assert_str_eq(V()->item[V()->cursor].text, "Anmälan");
    keys("o"); /* strictest action */
    cr_assert_eq(u.presses - before, 3);
    cr_assert_eq(V()->screen, UI_CHECKPOINT);
    cr_assert(ui_view_contains(V(), "Positiva 1"));
    cr_assert_eq(uidrv_checkpoint_end(&d), UIDRV_OK);
    cr_assert_eq(received(rec, ctr, 8), 3);
    cr_assert_eq(rec[0].activity, ACT_ALCOHOL_SCREENING);
    cr_assert_eq(rec[0].result, 3);
    cr_assert_eq(rec[0].action, ACTION_REPORT);
    cr_assert_eq(rec[0].quantity, 1);
    cr_assert_eq(rec[1].activity, ACT_TRAFFIC_CHECKPOINT);
    cr_assert_eq(rec[1].quantity, 5);
    cr_assert_eq(rec[2].quantity, 4);
}

Test(ui, an_eye_examination_at_the_checkpoint_returns_to_the_tally)
{
    struct record rec[8];
    uint32_t ctr[8];
    cr_assert_eq(uidrv_open(&d, ACT_TRAFFIC_CHECKPOINT), UIDRV_OK);
    keys("nn");
    keys("b");
    cr_assert_eq(uidrv_pick(&d, UI_ITEM_EYE_EXAM, -1), UIDRV_OK);
    cr_assert_eq(uidrv_outcome(&d, 1, ACTION_DEPRIVATION, 0), UIDRV_OK);
    cr_assert_eq(V()->screen, UI_CHECKPOINT);
    cr_assert_str_eq(V()->big, "2");
    cr_assert_eq(uidrv_checkpoint_end(&d), UIDRV_OK);
    cr_assert_eq(received(rec, ctr, 8), 3);
    cr_assert_eq(rec[0].activity, ACT_DRUGS_EYE_EXAM);
    cr_assert_eq(rec[0].result, 1);
    cr_assert_eq(rec[0].action, ACTION_DEPRIVATION);
}

Test(ui, a_session_counts_people_and_its_duration)
{
    struct record rec[4], want;
    uint32_t ctr[4];
    memset(&want, 0, sizeof want);
    cr_assert_eq(uidrv_session_start(&d, ACT_PRESENCE_MOBILE_OFFICE, ZONE_SKOGHALL_CENTRE),
                 UIDRV_OK);
    cr_assert_eq(V()->screen, UI_SESSION);
    keys("nnnnn");
    cr_assert_str_eq(V()->big, "5");
    r.now += 150u * 60000u;
    /* the officer went home meanwhile: the session runs on, offered there */
    keys("h");
    cr_assert(ui_view_find_kind(V(), UI_ITEM_RESUME, -1) >= 0);
    want.activity = ACT_PRESENCE_MOBILE_OFFICE;
    want.quantity = 12;
    want.actor = ACTOR_POLICE;
    want.cell = RECORD_CELL_NONE;
    cr_assert_eq(uidrv_session_end(&d, &want), UIDRV_OK);
    cr_assert_eq(received(rec, ctr, 4), 1);
    cr_assert_eq(rec[0].activity, ACT_PRESENCE_MOBILE_OFFICE);
    cr_assert_eq(rec[0].quantity, 12);
    cr_assert_eq(rec[0].duration_min, 150);
    cr_assert_eq(rec[0].result, 0);
}

Test(ui, one_session_at_a_time)
{
    cr_assert_eq(uidrv_session_start(&d, ACT_PRESENCE_FOOT_PATROL, ZONE_SKOGHALL_CENTRE),
                 UIDRV_OK);
    keys("h");
    cr_assert_eq(uidrv_open(&d, ACT_TRAFFIC_CHECKPOINT), UIDRV_OK);
    cr_assert(!u.session.active || u.session.activity == ACT_PRESENCE_FOOT_PATROL);
    cr_assert_eq(V()->screen, UI_MESSAGE);
    cr_assert(ui_view_contains(V(), "Fotpatrull"));
}

Test(ui, a_traffic_operation_gives_its_vehicle_stops_one_operation_code)
{
    struct record rec[8], stop, op;
    uint32_t ctr[8];
    memset(&stop, 0, sizeof stop);
    cr_assert_eq(uidrv_session_start(&d, ACT_TRAFFIC_OPERATION, ZONE_MAIN_ROADS), UIDRV_OK);
    cr_assert_neq(u.session.operation, 0);
    stop.activity = ACT_VEHICLE_A_TRAKTOR;
    stop.quantity = 1;
    stop.zone = ZONE_MAIN_ROADS;
    stop.actor = ACTOR_POLICE;
    stop.cell = RECORD_CELL_NONE;
    stop.operation = u.session.operation;
    cr_assert_eq(uidrv_stop(&d, &stop), UIDRV_OK);
    stop.activity = ACT_VEHICLE_MOPED_CLASS2;
    cr_assert_eq(uidrv_stop(&d, &stop), UIDRV_OK);
    r.now += 90u * 60000u;
    op = stop;
    op.activity = ACT_TRAFFIC_OPERATION;
    op.quantity = 2;
    cr_assert_eq(uidrv_session_end(&d, &op), UIDRV_OK);
    cr_assert_eq(received(rec, ctr, 8), 3);
    cr_assert_eq(rec[0].operation, stop.operation);
    cr_assert_eq(rec[1].operation, stop.operation);
    cr_assert_eq(rec[2].activity, ACT_TRAFFIC_OPERATION);
    cr_assert_eq(rec[2].operation, stop.operation);
    cr_assert_eq(rec[2].quantity, 2);
    cr_assert_eq(rec[2].duration_min, 90);
}

Test(ui, every_activity_of_the_promise_can_be_logged)
{
    struct record rec[40], want[40];
    uint32_t ctr[40];
    size_t i, n = 0, got;
    const struct record_activity_info *a;
    for (i = 0; (a = record_activity_at(i)) != NULL; i++) {
        struct record w;
        if (record_category(a->code) == CAT_ADMIN)
            continue;
        memset(&w, 0, sizeof w);
        w.activity = a->code;
        w.result = (uint8_t)(a->result_count - 1); /* the last result: the longest way */
        w.action = ui_default_action(a->code, w.result);
        w.quantity = 1;
        w.zone = (uint8_t)(1 + i % 13);
        w.actor = ui_actor_of(UI_ROLE_POLICE, a->code);
        w.cell = RECORD_CELL_NONE;
        switch (ui_kind_of(a->code)) {
        case UI_KIND_STOP:
            cr_assert_eq(uidrv_stop(&d, &w), UIDRV_OK, "%s", a->name);
            break;
        case UI_KIND_SESSION:
            cr_assert_eq(uidrv_session_start(&d, a->code, w.zone), UIDRV_OK, "%s", a->name);
            r.now += 30u * 60000u;
            w.quantity = a->code == ACT_TRAFFIC_OPERATION ? 0 : 3;
            w.duration_min = 30;
            cr_assert_eq(uidrv_session_end(&d, &w), UIDRV_OK, "%s", a->name);
            break;
        case UI_KIND_CHECKPOINT:
            cr_assert_eq(uidrv_session_start(&d, a->code, w.zone), UIDRV_OK);
            r.now += 30u * 60000u;
            cr_assert_eq(uidrv_checkpoint_end(&d), UIDRV_OK);
            w.result = 0, w.action = 0, w.quantity = 0, w.duration_min = 30;
            break;
        }
        want[n++] = w;
    }
    got = received(rec, ctr, 40);
    cr_assert_eq(got, n);
    for (i = 0; i < n; i++) {
        cr_assert_eq(rec[i].activity, want[i].activity, "#%zu", i);
        cr_assert_eq(rec[i].result, want[i].result, "%02x", want[i].activity);
        cr_assert_eq(rec[i].action, want[i].action, "%02x", want[i].activity);
        cr_assert_eq(rec[i].zone, want[i].zone, "%02x", want[i].activity);
        cr_assert_eq(rec[i].actor, want[i].actor, "%02x", want[i].activity);
        cr_assert_eq(rec[i].quantity, want[i].quantity, "%02x", want[i].activity);
        cr_assert_eq(rec[i].duration_min, want[i].duration_min, "%02x", want[i].activity);
    }
}

Test(ui, undo_voids_the_chosen_record_after_a_confirmation)
{
    struct record rec[4];
    uint32_t ctr[4], first;
    keys("oo");
    keys("oo");
    first = u.receipt[1].counter;
    cr_assert_eq(uidrv_pick(&d, UI_ITEM_UNDO_MENU, -1), UIDRV_OK);
    cr_assert_eq(V()->screen, UI_UNDO);
    cr_assert_eq(V()->count, 2);
    keys("no");
    cr_assert_eq(V()->screen, UI_UNDO_CONFIRM);
    cr_assert_str_eq(V()->item[V()->cursor].text, "Nej, behåll", "the safe answer first");
    keys("o");
    cr_assert_eq(V()->screen, UI_UNDO);
    cr_assert_eq(u.records, 2, "no kept nothing");
    keys("o");
    keys("no");
    cr_assert_eq(V()->screen, UI_HOME);
    cr_assert(strstr(V()->note, "makulerar"), "note: %s", V()->note);
    cr_assert_eq(received(rec, ctr, 4), 3);
    cr_assert_eq(rec[2].activity, ACT_ADMIN_VOID);
    cr_assert_eq(rec[2].void_counter, first);
    cr_assert_eq(uidrv_void(&d, first), UIDRV_ERR_INEXPRESSIBLE, "voided once only");
}

Test(ui, drug_sales_say_they_are_held_back)
{
    struct record w;
    memset(&w, 0, sizeof w);
    cr_assert_eq(uidrv_session_start(&d, ACT_YOUTH_DRUG_SALES, ZONE_SKOGHALL_CENTRE), UIDRV_OK);
    r.now += 60u * 60000u;
    w.activity = ACT_YOUTH_DRUG_SALES;
    w.result = 2;
    w.action = ACTION_REPORT;
    w.side = SIDE_SEIZURE;
    w.actor = ACTOR_POLICE;
    w.cell = RECORD_CELL_NONE;
    cr_assert_eq(uidrv_session_end(&d, &w), UIDRV_OK);
    cr_assert(strstr(V()->note, "hålls 6 h"), "note: %s", V()->note);
}

Test(ui, a_full_queue_says_keep_it_on_paper)
{
    struct record x = rig_record(ACT_PRESENCE_FOOT_PATROL);
    uint32_t c;
    r.station_on = 0;
    while (handheld_log(&r.h, &x, &c) == HANDHELD_OK)
        x = rig_record(ACT_PRESENCE_FOOT_PATROL);
    ui_poll(&u);
    cr_assert(strstr(V()->status, "FULL"), "status: %s", V()->status);
    keys("oo");
    cr_assert_eq(u.last_err, HANDHELD_ERR_FULL);
    cr_assert_eq(V()->screen, UI_MESSAGE);
    cr_assert(strstr(V()->title, "KÖN ÄR FULL"));
    cr_assert(ui_view_contains(V(), "Skriv på papper"));
    cr_assert(ui_view_contains(V(), "Utandningsprov"));
    keys("o");
    cr_assert_eq(V()->screen, UI_HOME);
}

Test(ui, status_shows_queue_last_ack_clock_battery_and_airtime)
{
    r.station_on = 0;
    keys("oo");
    r.now += 12u * 60000u;
    ui_poll(&u);
    cr_assert(strstr(V()->status, "Kö 1"), "status: %s", V()->status);
    cr_assert(strstr(V()->status, "87%"), "status: %s", V()->status);
    cr_assert_eq(uidrv_pick(&d, UI_ITEM_STATUS, -1), UIDRV_OK);
    cr_assert(ui_view_contains(V(), "Väntar: 1"));
    {
        int k = ui_view_find(V(), "Kvitto: "), before, after;
        cr_assert_geq(k, 0);
        before = atoi(V()->item[k].text + strlen("Kvitto: "));
        cr_assert_geq(before, 12, "%s", V()->item[k].text);
        r.now += 60u * 60000u;
        ui_poll(&u);
        after = atoi(V()->item[k].text + strlen("Kvitto: "));
        cr_assert_eq(after, before + 60, "%s", V()->item[k].text);
    }
    cr_assert(ui_view_contains(V(), "Klocka satt"));
    cr_assert(ui_view_contains(V(), "Batteri: 87 %"));
    {
        int k = ui_view_find(V(), "Sändtid: "), left;
        cr_assert_geq(k, 0);
        left = atoi(V()->item[k].text + strlen("Sändtid: "));
        cr_assert_eq(left, 100, "an hour without sending: %s", V()->item[k].text);
        r.station_on = 0;
        keys("hoo"); /* a record the station does not hear: retried */
        rig_run_for(&r, 10u * 60000u);
        keys("h"); /* home's long press: status */
        cr_assert_eq(V()->screen, UI_STATUS);
        left = atoi(V()->item[k].text + strlen("Sändtid: "));
        cr_assert(left < 100 && left > 50, "%s", V()->item[k].text);
    }
}

Test(ui, a_device_without_a_clock_says_so)
{
    struct rig r2;
    struct ui u2;
    rig_init(&r2, HANDHELD_FLASH_PAGE_SIZE, HANDHELD_FLASH_PAGES, 12);
    sim_board_attach_ui(&r2.sb, 2, -1);
    r2.station_on = 0;
    cr_assert_eq(rig_provision(&r2), HANDHELD_OK);
    cr_assert_eq(rig_boot(&r2), HANDHELD_OK);
    ui_init(&u2, &r2.h, &r2.sb.board);
    cr_assert(strstr(ui_view(&u2)->status, "KLOCKA?"), "%s", ui_view(&u2)->status);
    ui_key(&u2, UI_KEY_HOME); /* home's long press: status */
    cr_assert(ui_view_contains(ui_view(&u2), "Klocka EJ satt"));
    cr_assert(ui_view_contains(ui_view(&u2), "Batteri: okänt"));
    cr_assert(ui_view_contains(ui_view(&u2), "Kvitto: aldrig"));
    rig_free(&r2);
}

Test(ui, english_is_one_setting_away)
{
    cr_assert_eq(uidrv_pick(&d, UI_ITEM_SETTINGS, -1), UIDRV_OK);
    cr_assert_eq(uidrv_pick(&d, UI_ITEM_LANGUAGE, -1), UIDRV_OK);
    keys("h");
    cr_assert(strstr(V()->title, "Police"));
    cr_assert_str_eq(V()->item[0].text, "Breath test");
    cr_assert(ui_view_find(V(), "All activities") >= 0);
}

Test(ui, a_guard_gets_rounds_offered_and_logs_as_municipal_guard)
{
    struct record rec[4], w;
    uint32_t ctr[4];
    cr_assert_eq(uidrv_pick(&d, UI_ITEM_SETTINGS, -1), UIDRV_OK);
    cr_assert_eq(uidrv_pick(&d, UI_ITEM_ROLE, -1), UIDRV_OK);
    keys("h");
    cr_assert(strstr(V()->title, "Kommunvakt"));
    cr_assert_str_eq(V()->item[0].text, "Vaktrunda skola");
    keys("o");
    cr_assert_eq(V()->screen, UI_SESSION);
    r.now += 25u * 60000u;
    memset(&w, 0, sizeof w);
    w.activity = ACT_GUARD_SCHOOL;
    w.actor = ACTOR_MUNICIPAL_GUARD;
    w.cell = RECORD_CELL_NONE;
    w.result = 2;
    cr_assert_eq(uidrv_session_end(&d, &w), UIDRV_OK);
    cr_assert_eq(received(rec, ctr, 4), 1);
    cr_assert_eq(rec[0].actor, ACTOR_MUNICIPAL_GUARD);
    cr_assert_eq(rec[0].result, 2);
    cr_assert_eq(rec[0].duration_min, 25);
}

static void check_string(const char *s)
{
    uint32_t miss = 0;
    cr_assert(font_has_all(&font_medium, s, &miss), "U+%04X in \"%s\"", miss, s);
    cr_assert(font_has_all(&font_small, s, &miss), "U+%04X in \"%s\"", miss, s);
}

Test(ui, every_label_fits_a_row_and_every_string_can_be_drawn)
{
    int l, i;
    for (l = 0; l < UI_LANG_COUNT; l++) {
        const struct record_activity_info *a;
        for (i = 0; i < UI_S_COUNT; i++) {
            check_string(ui_text((enum ui_lang)l, (enum ui_str)i));
            cr_assert_leq(font_strlen(ui_text((enum ui_lang)l, (enum ui_str)i)),
                          UI_TEXT_LINE_CHARS, "%s", ui_text((enum ui_lang)l, (enum ui_str)i));
        }
        for (i = 0; (a = record_activity_at((size_t)i)) != NULL; i++) {
            int res;
            const char *n = ui_text_activity((enum ui_lang)l, a->code);
            cr_assert_str_neq(n, "?", "%s", a->name);
            check_string(n);
            cr_assert_leq(font_strlen(n), UI_TEXT_ROW_CHARS, "%s", n);
            for (res = 0; res < a->result_count && record_category(a->code) != CAT_ADMIN; res++) {
                const char *t = ui_text_result((enum ui_lang)l, a->code, (uint8_t)res);
                cr_assert_str_neq(t, "?");
                check_string(t);
                cr_assert_leq(font_strlen(t), UI_TEXT_ROW_CHARS, "%s", t);
            }
        }
        for (i = 0; i < ACTION_COUNT; i++)
            cr_assert_leq(font_strlen(ui_text_action((enum ui_lang)l, (uint8_t)i)),
                          UI_TEXT_ROW_CHARS);
        for (i = 0; i < 5; i++) /* with the box before it */
            cr_assert_leq(font_strlen(ui_text_side((enum ui_lang)l, (unsigned)i)) + 1,
                          UI_TEXT_ROW_CHARS);
        for (i = 0; i < ZONE_COUNT; i++) {
            check_string(ui_text_zone((enum ui_lang)l, (uint8_t)i));
            cr_assert_leq(font_strlen(ui_text_zone((enum ui_lang)l, (uint8_t)i)),
                          UI_TEXT_ROW_CHARS);
        }
    }
}

Test(ui, buttons_map_to_keys_for_two_three_and_four_buttons)
{
    struct board_button_event e;
    e.kind = BOARD_BUTTON_PRESS;
    e.button = 0;
    cr_assert_eq(ui_key_of(2, &e), UI_KEY_NEXT);
    e.button = 1;
    cr_assert_eq(ui_key_of(2, &e), UI_KEY_OK);
    e.kind = BOARD_BUTTON_LONG;
    cr_assert_eq(ui_key_of(2, &e), UI_KEY_HOME);
    e.button = 0;
    cr_assert_eq(ui_key_of(2, &e), UI_KEY_BACK);
    e.kind = BOARD_BUTTON_PRESS;
    cr_assert_eq(ui_key_of(3, &e), UI_KEY_PREV);
    e.button = 2;
    cr_assert_eq(ui_key_of(3, &e), UI_KEY_OK);
    e.button = 3;
    cr_assert_eq(ui_key_of(3, &e), UI_KEY_NONE);
    cr_assert_eq(ui_key_of(4, &e), UI_KEY_BACK);
}

Test(ui, board_button_events_drive_it_like_keys)
{
    struct record rec[4];
    uint32_t ctr[4];
    sim_board_press(&r.sb, 1, BOARD_BUTTON_PRESS); /* OK: breath test */
    sim_board_press(&r.sb, 1, BOARD_BUTTON_PRESS); /* OK: negative */
    ui_poll(&u);
    cr_assert_eq(u.presses, 2);
    cr_assert_eq(received(rec, ctr, 4), 1);
    cr_assert_eq(rec[0].activity, ACT_ALCOHOL_SCREENING);
}

/* The pixels follow the text: the highlighted row is white on black. */
Test(ui, the_highlighted_row_is_drawn_inverted_on_the_panel)
{
    long ink_sel = 0, ink_next = 0;
    int x, y;
    for (y = 40; y < 64; y++)
        for (x = 0; x < 200; x++) {
            ink_sel += (r.sb.screen[y * 25 + x / 8] >> (7 - x % 8)) & 1;
            ink_next += (r.sb.screen[(y + 24) * 25 + x / 8] >> (7 - x % 8)) & 1;
        }
    cr_assert_gt(ink_sel, 200 * 24 / 2, "mostly black: %ld", ink_sel);
    cr_assert_lt(ink_next, 200 * 24 / 4, "mostly white: %ld", ink_next);
    cr_assert_gt(ink_next, 0, "but with letters");
    keys("n");
    cr_assert_eq(memcmp(r.sb.screen, u.fb, sizeof u.fb), 0, "the panel shows the last frame");
}

Test(ui, refreshes_partially_with_a_full_refresh_now_and_then)
{
    int i;
    cr_assert_eq(r.sb.refresh_full, 1, "the first frame is a full refresh");
    cr_assert_eq(uidrv_open(&d, ACT_TRAFFIC_CHECKPOINT), UIDRV_OK);
    for (i = 0; i < 3 * UI_FULL_EVERY; i++)
        keys("n");
    cr_assert_geq(r.sb.refresh_full, 3);
    cr_assert_leq(r.sb.refresh_full, 5);
    cr_assert_gt(r.sb.refresh_partial, 2 * UI_FULL_EVERY);
    i = (int)(r.sb.refresh_full + r.sb.refresh_partial);
    ui_poll(&u);
    ui_poll(&u);
    cr_assert_eq(r.sb.refresh_full + r.sb.refresh_partial, i, "an unchanged view is not redrawn");
}
