/* test_evaluate.c -- targets judged period by period on constructed records
 * whose expected values are known; every metric and period kind; DST,
 * week 53, leap day, voids, duplicates, seasons, per-zone targets; and the
 * rollup evaluator against the naive one on random data. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "evaluate.h"
#include "fixture.h"
#include "targets.h"

static const char *const test_targets =
    "valid = 2023-01-01 .. 2025-12-31\n"
    "[cp-month]\nitem = 3\nlabel = checkpoints\nactivity = traffic.checkpoint\n"
    "metric = count\nperiod = month\ntarget = >= 4\n"
    "[screen-qty]\nitem = 3\nlabel = tests\nactivity = alcohol.screening\n"
    "metric = quantity\nperiod = month\ntarget = >= 80\n"
    "[patrol-min]\nitem = 6\nlabel = patrol\nactivity = presence.foot_patrol\n"
    "zone = skoghall_centre, harbour_*, school_*\nmetric = duration\nperiod = month\n"
    "target = >= 600\n"
    "[office-days]\nitem = 5\nlabel = office days\nactivity = presence.*_office\n"
    "metric = active_days\nperiod = iso_week\ntarget = >= 1\n"
    "[office-weeks-q]\nitem = 5\nlabel = office weeks\nactivity = presence.*_office\n"
    "metric = active_periods\nunit = iso_week\nperiod = quarter\ntarget = >= 12\n"
    "[walks-year]\nitem = 11\nlabel = walks\nactivity = prevention.safety_walk\nactor = joint\n"
    "metric = count\nperiod = year\ntarget = >= 1\n"
    "[meet-tertial]\nitem = 9\nlabel = meetings\nactivity = prevention.situation_meeting\n"
    "metric = count\nperiod = tertial\ntarget = >= 4\n"
    "[meet-half]\nitem = 9\nlabel = meetings\nactivity = prevention.situation_meeting\n"
    "metric = count\nperiod = half_year\ntarget = >= 2\n"
    "[meet-promise]\nitem = 9\nlabel = meetings\nactivity = prevention.situation_meeting\n"
    "metric = count\nperiod = promise\ntarget = >= 36\n"
    "[campaigns]\nitem = 10\nlabel = campaigns\nactivity = prevention.campaign_*\n"
    "zone = school_*\nper = zone\nmetric = count\nperiod = half_year\ntarget = >= 1\n"
    "[harbour-season]\nitem = 12\nlabel = harbours\nactivity = guard.harbour\nseason = May-Sep\n"
    "metric = count\nperiod = iso_week\ntarget = >= 3\n"
    "[moped-season]\nitem = 4\nlabel = mopeds\nactivity = traffic.operation\nseason = Apr-Oct\n"
    "metric = count\nperiod = year\ntarget = >= 3\n"
    "[talks]\nitem = 8, 2\nlabel = talks\nactivity = youth.preventive_talk, youth.drug_sales\n"
    "metric = count\nperiod = tertial\ntarget = report only\n"
    "[positive]\nitem = 3\nlabel = positive\nactivity = alcohol.*\n"
    "result = drunk_driving, gross_drunk_driving\naction = report, deprivation_of_liberty\n"
    "metric = count\nperiod = quarter\ntarget = <= 10\n"
    "[hotspot-week]\nitem = 12\nlabel = hotspot\nactivity = guard.hotspot\n"
    "metric = count\nperiod = iso_week\ntarget = >= 1\n"
    "[hotspot-days]\nitem = 12\nlabel = hotspot days\nactivity = guard.hotspot\n"
    "metric = active_days\nperiod = iso_week\ntarget = >= 1\n"
    "[vehicles-month]\nitem = 4\nlabel = vehicles\nactivity = vehicle.*\n"
    "metric = count\nperiod = month\ntarget = >= 1\n";

struct ctx {
    sqlite3 *db;
    struct target_set ts;
    struct eval_result *r;
};

static void ctx_open(struct ctx *c, const char *targets_text)
{
    char err[512];
    memset(c, 0, sizeof *c);
    c->db = fx_open(NULL);
    cr_assert_eq(targets_parse(targets_text, strlen(targets_text), "test.targets", &c->ts, err,
                               sizeof err),
                 TARGETS_OK, "%s", err);
}

static void ctx_eval(struct ctx *c, const char *from, const char *to)
{
    char err[512];
    eval_free(c->r);
    c->r = NULL;
    cr_assert_eq(evaluate(c->db, &c->ts, fx_day(from), fx_day(to), EVAL_ROLLUPS, &c->r, err,
                          sizeof err),
                 EVAL_OK, "%s", err);
}

static void ctx_close(struct ctx *c)
{
    eval_free(c->r);
    targets_free(&c->ts);
    fx_close(c->db);
}

static const struct eval_target *tgt(const struct ctx *c, const char *id)
{
    size_t i;
    for (i = 0; i < c->r->ntargets; i++)
        if (strcmp(c->r->targets[i].target->id, id) == 0)
            return &c->r->targets[i];
    cr_assert_fail("no target %s", id);
    return NULL;
}

static const struct eval_period *per(const struct ctx *c, const char *id, const char *label)
{
    const struct eval_target *t = tgt(c, id);
    size_t i;
    for (i = 0; i < t->nperiods; i++)
        if (strcmp(t->periods[i].label, label) == 0)
            return &t->periods[i];
    cr_assert_fail("target %s has no period %s", id, label);
    return NULL;
}

static void add(struct ctx *c, const char *activity, const char *utc, uint32_t qty, uint32_t dur,
                const char *zone)
{
    static int64_t counter = 0;
    struct fx_rec r;
    memset(&r, 0, sizeof r);
    r.device = 1;
    r.counter = ++counter;
    r.activity = activity;
    r.utc = utc;
    r.quantity = qty;
    r.duration_min = dur;
    r.zone = zone;
    cr_assert_eq(fx_insert(c->db, &r), 1);
}

#define V(c, id, label) (per((c), (id), (label))->value)

Test(evaluate, counts_records_per_month_and_judges_each_month)
{
    struct ctx c;
    const struct eval_target *t;
    const struct eval_period *mar;
    ctx_open(&c, test_targets);
    add(&c, "traffic.checkpoint", "2023-01-02T10:00", 0, 0, NULL);
    add(&c, "traffic.checkpoint", "2023-01-10T10:00", 0, 0, NULL);
    add(&c, "traffic.checkpoint", "2023-01-20T10:00", 0, 0, NULL);
    add(&c, "traffic.checkpoint", "2023-01-31T22:30", 0, 0, NULL); /* 23:30 local: January */
    add(&c, "traffic.checkpoint", "2023-01-31T23:30", 0, 0, NULL); /* 00:30 local: February */
    add(&c, "traffic.checkpoint", "2023-02-14T10:00", 0, 0, NULL);
    add(&c, "traffic.checkpoint", "2023-02-28T10:00", 0, 0, NULL);
    add(&c, "traffic.checkpoint", "2023-03-01T10:00", 0, 0, NULL);
    add(&c, "traffic.checkpoint", "2023-03-15T10:00", 0, 0, NULL);
    add(&c, "traffic.checkpoint", "2023-03-16T10:00", 0, 0, NULL); /* after the as-of day */
    ctx_eval(&c, "2023-01-01", "2023-03-15");
    cr_assert_eq(V(&c, "cp-month", "2023-01"), 4);
    cr_assert_eq(per(&c, "cp-month", "2023-01")->met, EVAL_YES);
    cr_assert_eq(V(&c, "cp-month", "2023-02"), 3);
    cr_assert_eq(per(&c, "cp-month", "2023-02")->met, EVAL_NO);
    t = tgt(&c, "cp-month");
    cr_assert_eq(t->nperiods, 3);
    cr_assert_eq(t->periods_met, 1);
    cr_assert_eq(t->periods_elapsed, 2);
    cr_assert_eq(t->current, 2);
    mar = per(&c, "cp-month", "2023-03");
    cr_assert_eq(mar->value, 2, "the record of the 16th is after the as-of day");
    cr_assert_not(mar->complete);
    cr_assert_eq(mar->met, EVAL_NA);
    cr_assert_float_eq(mar->fraction, 15.0 / 31, 1e-12);
    cr_assert_float_eq(mar->pro_rata, 4 * 15.0 / 31, 1e-12);
    cr_assert_eq(mar->on_pace, EVAL_YES, "2 >= 1.94");
    ctx_eval(&c, "2023-01-01", "2023-03-17");
    cr_assert_eq(per(&c, "cp-month", "2023-03")->on_pace, EVAL_YES, "3 >= 2.19");
    ctx_eval(&c, "2023-01-01", "2023-03-25");
    cr_assert_eq(per(&c, "cp-month", "2023-03")->on_pace, EVAL_NO, "3 < 3.23");
    ctx_close(&c);
}

Test(evaluate, sums_quantity_and_duration_with_a_zone_filter)
{
    struct ctx c;
    ctx_open(&c, test_targets);
    add(&c, "alcohol.screening", "2023-04-03T10:00", 50, 120, "main_roads");
    add(&c, "alcohol.screening", "2023-04-20T10:00", 40, 120, "main_roads");
    add(&c, "alcohol.screening", "2023-05-20T10:00", 79, 120, "main_roads");
    add(&c, "presence.foot_patrol", "2023-06-01T10:00", 0, 300, "skoghall_centre");
    add(&c, "presence.foot_patrol", "2023-06-02T10:00", 0, 299, "harbour_morudden");
    add(&c, "presence.foot_patrol", "2023-06-03T10:00", 0, 500, "main_roads");
    add(&c, "presence.foot_patrol", "2023-07-03T10:00", 0, 400, "school_mormoskolan");
    add(&c, "presence.foot_patrol", "2023-07-04T10:00", 0, 200, "harbour_vastra_soon");
    ctx_eval(&c, "2023-01-01", "2023-12-31");
    cr_assert_eq(V(&c, "screen-qty", "2023-04"), 90);
    cr_assert_eq(per(&c, "screen-qty", "2023-04")->met, EVAL_YES);
    cr_assert_eq(V(&c, "screen-qty", "2023-05"), 79);
    cr_assert_eq(per(&c, "screen-qty", "2023-05")->met, EVAL_NO);
    cr_assert_eq(V(&c, "patrol-min", "2023-06"), 599, "main_roads is not in the zone filter");
    cr_assert_eq(per(&c, "patrol-min", "2023-06")->met, EVAL_NO);
    cr_assert_eq(V(&c, "patrol-min", "2023-07"), 600);
    cr_assert_eq(per(&c, "patrol-min", "2023-07")->met, EVAL_YES);
    cr_assert_eq(tgt(&c, "patrol-min")->periods_met, 1);
    cr_assert_eq(tgt(&c, "patrol-min")->periods_elapsed, 12);
    ctx_close(&c);
}

Test(evaluate, counts_active_days_and_active_weeks)
{
    struct ctx c;
    ctx_open(&c, test_targets);
    add(&c, "presence.mobile_office", "2023-03-06T08:00", 0, 0, NULL); /* Mon W10 */
    add(&c, "presence.local_office", "2023-03-06T12:00", 0, 0, NULL);  /* same day */
    add(&c, "presence.mobile_office", "2023-03-08T08:00", 0, 0, NULL); /* Wed W10 */
    add(&c, "presence.mobile_office", "2023-01-10T08:00", 0, 0, NULL); /* W02 */
    add(&c, "presence.local_office", "2023-02-03T08:00", 0, 0, NULL);  /* W05 */
    add(&c, "presence.foot_patrol", "2023-03-13T08:00", 0, 0, NULL);   /* not an office */
    ctx_eval(&c, "2023-01-01", "2023-06-30");
    cr_assert_eq(V(&c, "office-days", "2023-W10"), 2);
    cr_assert_eq(V(&c, "office-days", "2023-W11"), 0);
    cr_assert_eq(per(&c, "office-days", "2023-W11")->met, EVAL_NO);
    cr_assert_eq(tgt(&c, "office-days")->periods_met, 3);
    cr_assert_eq(tgt(&c, "office-days")->periods_elapsed, 25, "2023-W01..W25 end by June 25");
    cr_assert_eq(V(&c, "office-weeks-q", "2023-Q1"), 3);
    cr_assert_eq(per(&c, "office-weeks-q", "2023-Q1")->met, EVAL_NO);
    cr_assert_eq(V(&c, "office-weeks-q", "2023-Q2"), 0);
    ctx_close(&c);
}

Test(evaluate, counts_per_tertial_half_year_year_and_promise)
{
    struct ctx c;
    const struct eval_period *p;
    ctx_open(&c, test_targets);
    add(&c, "prevention.situation_meeting", "2023-02-01T10:00", 0, 0, NULL);
    add(&c, "prevention.situation_meeting", "2023-04-30T21:30", 0, 0, NULL); /* 23:30 local, T1 */
    add(&c, "prevention.situation_meeting", "2023-04-30T22:30", 0, 0, NULL); /* 00:30 local, T2 */
    add(&c, "prevention.situation_meeting", "2023-10-01T10:00", 0, 0, NULL);
    add(&c, "prevention.situation_meeting", "2024-01-15T10:00", 0, 0, NULL);
    ctx_eval(&c, "2023-01-01", "2024-09-30");
    cr_assert_eq(V(&c, "meet-tertial", "2023-T1"), 2);
    cr_assert_eq(V(&c, "meet-tertial", "2023-T2"), 1);
    cr_assert_eq(V(&c, "meet-tertial", "2023-T3"), 1);
    cr_assert_eq(V(&c, "meet-tertial", "2024-T1"), 1);
    cr_assert_eq(tgt(&c, "meet-tertial")->periods_elapsed, 5);
    cr_assert_eq(tgt(&c, "meet-tertial")->current, 5, "2024-T3 runs");
    cr_assert_eq(V(&c, "meet-half", "2023-H1"), 3);
    cr_assert_eq(per(&c, "meet-half", "2023-H1")->met, EVAL_YES);
    cr_assert_eq(V(&c, "meet-half", "2023-H2"), 1);
    cr_assert_eq(V(&c, "meet-half", "2024-H1"), 1);
    p = per(&c, "meet-promise", "2023-01-01..2025-12-31");
    cr_assert_eq(p->value, 5);
    cr_assert_not(p->complete);
    cr_assert_float_eq(p->fraction, (double)(fx_day("2024-09-30") - fx_day("2023-01-01") + 1) /
                                        (fx_day("2025-12-31") - fx_day("2023-01-01") + 1), 1e-12);
    cr_assert_eq(p->on_pace, EVAL_NO);
    cr_assert_eq(tgt(&c, "meet-promise")->periods_elapsed, 0);
    ctx_close(&c);
}

Test(evaluate, filters_on_actor_result_and_action)
{
    struct ctx c;
    struct fx_rec r;
    ctx_open(&c, test_targets);
    memset(&r, 0, sizeof r);
    r.device = 9;
    r.activity = "prevention.safety_walk";
    r.utc = "2023-09-01T17:00";
    r.actor = "joint";
    r.counter = 1;
    fx_insert(c.db, &r);
    r.actor = "police";
    r.counter = 2;
    fx_insert(c.db, &r);
    r.counter = 3;
    r.utc = "2024-09-01T17:00";
    fx_insert(c.db, &r);
    r.actor = "housing_company";
    r.counter = 4;
    fx_insert(c.db, &r);

    r.activity = "alcohol.screening";
    r.actor = NULL;
    r.utc = "2023-02-10T01:00";
    r.result = "drunk_driving";
    r.action = "report";
    r.counter = 10;
    fx_insert(c.db, &r);
    r.action = "advice"; /* wrong action */
    r.counter = 11;
    fx_insert(c.db, &r);
    r.result = "gross_drunk_driving";
    r.action = "deprivation_of_liberty";
    r.activity = "alcohol.harbour_check";
    r.counter = 12;
    fx_insert(c.db, &r);
    r.result = "negative"; /* wrong result */
    r.counter = 13;
    fx_insert(c.db, &r);
    ctx_eval(&c, "2023-01-01", "2024-12-31");
    cr_assert_eq(V(&c, "walks-year", "2023"), 1);
    cr_assert_eq(per(&c, "walks-year", "2023")->met, EVAL_YES);
    cr_assert_eq(V(&c, "walks-year", "2024"), 0);
    cr_assert_eq(per(&c, "walks-year", "2024")->met, EVAL_NO);
    cr_assert_eq(V(&c, "positive", "2023-Q1"), 2);
    cr_assert_eq(per(&c, "positive", "2023-Q1")->met, EVAL_YES, "<= 10");
    ctx_close(&c);
}

Test(evaluate, puts_dst_weekend_records_in_the_right_week)
{
    struct ctx c;
    ctx_open(&c, test_targets);
    add(&c, "guard.hotspot", "2023-03-26T01:30", 0, 0, NULL); /* Sun 26 Mar 03:30: W12 */
    add(&c, "guard.hotspot", "2023-03-26T22:30", 0, 0, NULL); /* Mon 27 Mar 00:30: W13 */
    add(&c, "guard.hotspot", "2023-10-28T22:30", 0, 0, NULL); /* Sun 29 Oct 00:30: W43 */
    add(&c, "guard.hotspot", "2023-10-29T00:30", 0, 0, NULL); /* Sun 02:30 CEST: W43 */
    add(&c, "guard.hotspot", "2023-10-29T01:30", 0, 0, NULL); /* Sun 02:30 CET: W43 */
    add(&c, "guard.hotspot", "2023-10-29T23:00", 0, 0, NULL); /* Mon 30 Oct 00:00: W44 */
    ctx_eval(&c, "2023-01-01", "2023-12-31");
    cr_assert_eq(V(&c, "hotspot-week", "2023-W12"), 1);
    cr_assert_eq(V(&c, "hotspot-week", "2023-W13"), 1);
    cr_assert_eq(V(&c, "hotspot-week", "2023-W43"), 3);
    cr_assert_eq(V(&c, "hotspot-week", "2023-W44"), 1);
    cr_assert_eq(V(&c, "hotspot-days", "2023-W43"), 1, "three records, one local day");
    cr_assert_eq(tgt(&c, "hotspot-week")->periods_met, 4);
    ctx_close(&c);
}

Test(evaluate, counts_iso_week_53_of_2020_and_2026)
{
    struct ctx c;
    const char *text = "[w]\nitem = 12\nlabel = w\nactivity = guard.hotspot\nmetric = count\n"
                       "period = iso_week\ntarget = >= 1\nvalid = 2020-01-01 .. 2027-12-31\n";
    ctx_open(&c, text);
    add(&c, "guard.hotspot", "2020-12-31T12:00", 0, 0, NULL);
    add(&c, "guard.hotspot", "2021-01-03T12:00", 0, 0, NULL);
    add(&c, "guard.hotspot", "2021-01-03T23:30", 0, 0, NULL); /* Mon 4 Jan local: 2021-W01 */
    add(&c, "guard.hotspot", "2026-12-31T12:00", 0, 0, NULL);
    ctx_eval(&c, "2020-12-01", "2027-01-31");
    cr_assert_eq(V(&c, "w", "2020-W53"), 2);
    cr_assert_eq(V(&c, "w", "2021-W01"), 1);
    cr_assert_eq(V(&c, "w", "2026-W53"), 1);
    cr_assert_eq(V(&c, "w", "2027-W01"), 0);
    cr_assert_eq(tgt(&c, "w")->periods_met, 3);
    ctx_close(&c);
}

Test(evaluate, counts_the_leap_day_in_february)
{
    struct ctx c;
    ctx_open(&c, test_targets);
    add(&c, "vehicle.moped_class1", "2024-02-29T12:00", 1, 5, NULL);
    add(&c, "vehicle.moped_class2", "2024-02-29T23:30", 1, 5, NULL); /* 1 March local */
    ctx_eval(&c, "2024-01-01", "2024-03-31");
    cr_assert_eq(V(&c, "vehicles-month", "2024-02"), 1);
    cr_assert_eq(V(&c, "vehicles-month", "2024-03"), 1);
    cr_assert_eq(per(&c, "vehicles-month", "2024-02")->period.end_day, fx_day("2024-02-29"));
    ctx_close(&c);
}

Test(evaluate, excludes_voided_records_and_duplicates)
{
    struct ctx c;
    struct fx_rec r = {.device = 3, .counter = 1, .activity = "traffic.checkpoint",
                       .utc = "2023-05-05T10:00"};
    ctx_open(&c, test_targets);
    cr_assert_eq(fx_insert(c.db, &r), 1);
    cr_assert_eq(fx_insert(c.db, &r), 0);
    r.counter = 2;
    cr_assert_eq(fx_insert(c.db, &r), 1);
    cr_assert_eq(fx_insert(c.db, &r), 0);
    r.counter = 3;
    cr_assert_eq(fx_insert(c.db, &r), 1);
    cr_assert_eq(fx_void(c.db, 3, 4, 2, "2023-05-05T11:00"), 1);
    cr_assert_eq(fx_void(c.db, 3, 4, 2, "2023-05-05T11:00"), 0, "a duplicated void");
    ctx_eval(&c, "2023-01-01", "2023-12-31");
    cr_assert_eq(V(&c, "cp-month", "2023-05"), 2);
    ctx_close(&c);
}

Test(evaluate, counts_only_in_season_weeks_and_days)
{
    struct ctx c;
    const struct eval_target *t;
    const struct eval_period *p;
    ctx_open(&c, test_targets);
    add(&c, "guard.harbour", "2023-04-28T10:00", 0, 0, NULL); /* W17: Thursday 27 Apr */
    add(&c, "guard.harbour", "2023-05-01T10:00", 0, 0, NULL); /* W18: Thursday 4 May */
    add(&c, "guard.harbour", "2023-05-02T10:00", 0, 0, NULL);
    add(&c, "guard.harbour", "2023-05-03T10:00", 0, 0, NULL);
    add(&c, "guard.harbour", "2023-10-01T10:00", 0, 0, NULL); /* W39: Thursday 28 Sep */
    add(&c, "traffic.operation", "2023-03-31T10:00", 0, 0, NULL); /* not in Apr-Oct */
    add(&c, "traffic.operation", "2023-03-31T22:30", 0, 0, NULL); /* 1 April local */
    add(&c, "traffic.operation", "2023-10-31T10:00", 0, 0, NULL);
    add(&c, "traffic.operation", "2023-11-01T10:00", 0, 0, NULL); /* not in season */
    ctx_eval(&c, "2023-01-01", "2024-06-30");
    t = tgt(&c, "harbour-season");
    cr_assert_str_eq(t->periods[0].label, "2023-W18", "the first week whose Thursday is in May");
    cr_assert_eq(t->periods[0].value, 3);
    cr_assert_eq(t->periods[0].met, EVAL_YES);
    cr_assert_str_eq(t->periods[21].label, "2023-W39", "the last week whose Thursday is in Sep");
    cr_assert_eq(t->periods[21].value, 1, "Sunday 1 October counts: the week is in season");
    cr_assert_str_eq(t->periods[22].label, "2024-W18");
    cr_assert_eq(t->periods_elapsed, 22 + 9, "2023-W18..W39 and 2024-W18..W26 (ends Sunday 30 June)");
    cr_assert_eq(V(&c, "moped-season", "2023"), 2);
    cr_assert_eq(per(&c, "moped-season", "2023")->met, EVAL_NO);
    p = per(&c, "moped-season", "2024");
    cr_assert_float_eq(p->fraction, 91.0 / 214, 1e-12, "Apr 1..Jun 30 of Apr 1..Oct 31");
    ctx_close(&c);
}

/* Item 20: school holidays are not weeks the school guards "did not meet". */
Test(evaluate, skips_weeks_in_an_except_window_instead_of_judging_them)
{
    static const char text[] =
        "valid = 2023-01-01 .. 2023-12-31\n"
        "[guards-schools]\nitem = 12\nlabel = schools\nactivity = guard.school\n"
        "metric = count\nperiod = iso_week\ntarget = >= 1\n"
        /* summer holiday W25..W32 (Thursdays 22 Jun .. 10 Aug), autumn break W44 */
        "except = 2023-06-19 .. 2023-08-13, 2023-10-30 .. 2023-11-05\n"
        "[schools-month]\nitem = 12\nlabel = schools\nactivity = guard.school\n"
        "metric = count\nperiod = month\ntarget = >= 1\n"
        "except = 2023-06-19 .. 2023-08-13\n";
    struct ctx c;
    const struct eval_target *t;
    const struct eval_period *p;
    size_t i;
    int32_t day;
    ctx_open(&c, text);
    /* a round every school day outside the holidays, none in them */
    for (day = fx_day("2023-01-02"); day <= fx_day("2023-12-31"); day++) {
        char utc[32], date[CAL_DATE_LEN];
        cal_format_date(day, date);
        if (cal_weekday(day) > 5 || (strcmp(date, "2023-06-19") >= 0 && strcmp(date, "2023-08-13") <= 0) ||
            (strcmp(date, "2023-10-30") >= 0 && strcmp(date, "2023-11-05") <= 0))
            continue;
        snprintf(utc, sizeof utc, "%sT09:00", date);
        add(&c, "guard.school", utc, 0, 0, NULL);
    }
    add(&c, "guard.school", "2023-07-05T09:00", 0, 0, NULL); /* one in the holiday: not counted */
    ctx_eval(&c, "2023-01-01", "2023-12-31");
    t = tgt(&c, "guards-schools");
    for (i = 0; i < t->nperiods; i++) {
        cr_assert_neq(t->periods[i].met, EVAL_NO, "%s shown as not met", t->periods[i].label);
        cr_assert(strcmp(t->periods[i].label, "2023-W25") < 0 ||
                  strcmp(t->periods[i].label, "2023-W32") > 0, "%s is a holiday week",
                  t->periods[i].label);
        cr_assert_str_neq(t->periods[i].label, "2023-W44");
    }
    cr_assert_eq(t->periods_elapsed, 52 - 8 - 1, "52 weeks less 8 of summer and 1 of autumn");
    cr_assert_eq(t->periods_met, t->periods_elapsed);
    for (i = 0; i < t->nweeks; i++)
        if (t->weeks[i].week == 28)
            cr_assert_eq(t->weeks[i].in_season, 0, "W28 is drawn as out of season");
    /* a month counts only its days outside the window: July not at all */
    p = per(&c, "schools-month", "2023-06");
    cr_assert_float_eq(p->value, 12, 1e-9, "1..18 June: 12 school days; from the 19th out");
    cr_assert_eq(p->met, EVAL_YES);
    t = tgt(&c, "schools-month");
    for (i = 0; i < t->nperiods; i++)
        cr_assert_str_neq(t->periods[i].label, "2023-07", "July is wholly in the holiday");
    ctx_close(&c);
}

Test(targets_except, names_the_line_of_a_bad_window)
{
    static const char text[] =
        "valid = 2023-01-01 .. 2023-12-31\n[a]\nitem = 12\nlabel = x\nactivity = guard.school\n"
        "metric = count\nperiod = iso_week\ntarget = >= 1\nexcept = 2023-06-19 .. 2023-06-31\n";
    struct target_set ts;
    char err[512];
    cr_assert_eq(targets_parse(text, strlen(text), "t.targets", &ts, err, sizeof err),
                 TARGETS_ERR_VALUE);
    cr_assert(strstr(err, "t.targets:9:") == err && strstr(err, "2023-06-31"), "%s", err);
}

Test(evaluate, judges_per_zone_targets_school_by_school)
{
    struct ctx c;
    const struct eval_period *h1, *h2;
    const char *schools[] = {"school_hammarlunden", "school_mormoskolan",
                             "school_gotetorpsskolan", "school_barstadskolan",
                             "school_lillangsskolan", "school_utbildningscenter"};
    int i;
    ctx_open(&c, test_targets);
    for (i = 0; i < 5; i++)
        add(&c, "prevention.campaign_school", "2023-03-01T10:00", 30, 60, schools[i]);
    add(&c, "prevention.campaign_parents", "2023-03-02T17:00", 30, 60, schools[0]);
    add(&c, "prevention.campaign_public", "2023-03-02T17:00", 30, 60, "skoghall_centre");
    for (i = 0; i < 6; i++)
        add(&c, "prevention.campaign_parents", "2023-09-01T17:00", 30, 60, schools[i]);
    ctx_eval(&c, "2023-01-01", "2024-03-31");
    h1 = per(&c, "campaigns", "2023-H1");
    cr_assert_eq(h1->nzones, 6);
    cr_assert_eq(h1->value, 5, "five schools had a campaign");
    cr_assert_eq(h1->goal, 6);
    cr_assert_eq(h1->met, EVAL_NO);
    cr_assert_eq(h1->zones[0].value, 2);
    cr_assert_eq(h1->zones[5].value, 0);
    cr_assert_eq(h1->zones[5].met, EVAL_NO);
    h2 = per(&c, "campaigns", "2023-H2");
    cr_assert_eq(h2->value, 6);
    cr_assert_eq(h2->met, EVAL_YES);
    cr_assert_eq(tgt(&c, "campaigns")->periods_met, 1);
    cr_assert_eq(per(&c, "campaigns", "2024-H1")->on_pace, EVAL_NO);
    ctx_close(&c);
}

Test(evaluate, shows_report_only_targets_without_verdicts)
{
    struct ctx c;
    const struct eval_period *p;
    ctx_open(&c, test_targets);
    add(&c, "youth.preventive_talk", "2023-02-01T10:00", 1, 45, NULL);
    add(&c, "youth.drug_sales", "2023-03-01T10:00", 0, 120, NULL);
    ctx_eval(&c, "2023-01-01", "2023-12-31");
    p = per(&c, "talks", "2023-T1");
    cr_assert_eq(p->value, 2);
    cr_assert_eq(p->met, EVAL_NA);
    cr_assert_eq(tgt(&c, "talks")->periods_met, 0);
    cr_assert_eq(tgt(&c, "talks")->periods_elapsed, 3);
    ctx_close(&c);
}

Test(evaluate, judges_whole_periods_only_and_evaluates_overlapping_ones_whole)
{
    struct ctx c;
    const struct eval_target *t;
    ctx_open(&c, test_targets);
    add(&c, "traffic.checkpoint", "2023-02-01T10:00", 0, 0, NULL);
    add(&c, "guard.hotspot", "2023-01-01T10:00", 0, 0, NULL); /* Sunday of 2022-W52 */
    ctx_eval(&c, "2023-02-15", "2023-03-31");
    t = tgt(&c, "cp-month");
    cr_assert_str_eq(t->periods[0].label, "2023-02", "February overlaps the range: whole");
    cr_assert_eq(t->periods[0].value, 1);
    ctx_eval(&c, "2023-01-01", "2023-01-31");
    t = tgt(&c, "hotspot-week");
    cr_assert_str_eq(t->periods[0].label, "2023-W01", "2022-W52 is not inside the promise");
    cr_assert_eq(t->periods_met, 0);
    ctx_eval(&c, "2025-12-01", "2025-12-31");
    t = tgt(&c, "hotspot-week");
    cr_assert_str_eq(t->periods[t->nperiods - 1].label, "2025-W52",
                     "2026-W01 reaches past the promise");
    ctx_close(&c);
}

Test(evaluate, tallies_undated_records_apart)
{
    struct ctx c;
    struct fx_rec r = {.device = 2, .counter = 1, .activity = "traffic.checkpoint",
                       .start_min = 17, .clock_unset = 1};
    ctx_open(&c, test_targets);
    fx_insert(c.db, &r);
    r.counter = 2;
    r.activity = "guard.school";
    fx_insert(c.db, &r);
    ctx_eval(&c, "2023-01-01", "2023-12-31");
    cr_assert_eq(c.r->undated_total, 2);
    cr_assert_eq(tgt(&c, "cp-month")->undated, 1);
    cr_assert_eq(V(&c, "cp-month", "2023-01"), 0, "undated records are in no period");
    ctx_close(&c);
}

Test(evaluate, gives_the_weekly_series_of_each_target)
{
    struct ctx c;
    const struct eval_target *t;
    ctx_open(&c, test_targets);
    add(&c, "traffic.checkpoint", "2023-01-04T10:00", 0, 0, NULL);
    add(&c, "traffic.checkpoint", "2023-01-05T10:00", 0, 0, NULL);
    add(&c, "traffic.checkpoint", "2023-01-12T10:00", 0, 0, NULL);
    ctx_eval(&c, "2023-01-01", "2023-01-31");
    t = tgt(&c, "cp-month");
    cr_assert_eq(t->nweeks, 5, "2023-W01..W05: 2022-W52 starts before the range");
    cr_assert_eq(t->weeks[0].week, 1);
    cr_assert_eq(t->weeks[0].value, 2);
    cr_assert_eq(t->weeks[1].value, 1);
    cr_assert_not(t->weeks[4].complete, "2023-W05 ends on 5 February");
    ctx_close(&c);
}

Test(evaluate, agrees_with_the_naive_evaluator_on_random_data)
{
    struct ctx c;
    struct target_set hammaro;
    struct eval_result *a = NULL, *b = NULL;
    char err[512], why[512];
    const char *ranges[][2] = {{"2023-01-01", "2025-06-15"}, {"2023-05-20", "2023-05-20"},
                               {"2022-06-01", "2026-03-01"}};
    size_t i;
    ctx_open(&c, test_targets);
    fx_random(c.db, 77, 20000, fx_day("2022-12-01"), fx_day("2026-01-31"));
    cr_assert_eq(targets_load(LOFTE_TARGETS_FILE, &hammaro, err, sizeof err), TARGETS_OK, "%s",
                 err);
    for (i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        const struct target_set *sets[2] = {&c.ts, &hammaro};
        int s;
        for (s = 0; s < 2; s++) {
            cr_assert_eq(evaluate(c.db, sets[s], fx_day(ranges[i][0]), fx_day(ranges[i][1]),
                                  EVAL_ROLLUPS, &a, err, sizeof err), EVAL_OK, "%s", err);
            cr_assert_eq(evaluate(c.db, sets[s], fx_day(ranges[i][0]), fx_day(ranges[i][1]),
                                  EVAL_NAIVE, &b, err, sizeof err), EVAL_OK, "%s", err);
            cr_assert_eq(eval_compare(a, b, why, sizeof why), 0, "%s..%s: %s", ranges[i][0],
                         ranges[i][1], why);
            eval_free(a);
            eval_free(b);
        }
    }
    /* And the comparison can fail: one more record only in the records
     * table (no rollup) must be seen. */
    fx_exec(c.db, "INSERT INTO records(device, counter, activity, result, action, zone, actor, "
                  "clock_unset, start_min, quantity, duration_min) VALUES(99, 1, "
                  "'traffic.checkpoint', 'completed', 'none', 'main_roads', 'police', 0, "
                  "1800000, 0, 0)");
    cr_assert_eq(evaluate(c.db, &c.ts, fx_day("2023-01-01"), fx_day("2025-12-31"), EVAL_ROLLUPS,
                          &a, err, sizeof err), EVAL_OK);
    cr_assert_eq(evaluate(c.db, &c.ts, fx_day("2023-01-01"), fx_day("2025-12-31"), EVAL_NAIVE,
                          &b, err, sizeof err), EVAL_OK);
    cr_assert_eq(eval_compare(a, b, why, sizeof why), 1);
    cr_assert(strstr(why, "cp-month"), "%s", why);
    eval_free(a);
    eval_free(b);
    targets_free(&hammaro);
    ctx_close(&c);
}

Test(evaluate, explains_a_database_without_rollups_and_an_inverted_range)
{
    sqlite3 *db;
    struct target_set ts;
    struct eval_result *r = NULL;
    char err[512];
    cr_assert_eq(targets_load(LOFTE_TARGETS_FILE, &ts, err, sizeof err), TARGETS_OK);
    cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    cr_assert_eq(evaluate(db, &ts, 0, 100, EVAL_ROLLUPS, &r, err, sizeof err), EVAL_ERR_SCHEMA);
    cr_assert(strstr(err, "no daily/undated tables"), "%s", err);
    cr_assert_null(r);
    cr_assert_eq(evaluate(db, &ts, 100, 0, EVAL_ROLLUPS, &r, err, sizeof err), EVAL_ERR_ARG);
    cr_assert(strstr(err, "before it starts"), "%s", err);
    sqlite3_close(db);
    targets_free(&ts);
}
