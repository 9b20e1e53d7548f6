/* test_targets.c -- the targets file: the shipped one loads as docs/domain.md §4
 * says, and every kind of mistake is reported at its file:line. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "record.h"
#include "targets.h"

static const struct target *must_find(const struct target_set *ts, const char *id)
{
    const struct target *t = targets_find(ts, id);
    cr_assert(t, "target %s missing", id);
    return t;
}

Test(targets, loads_the_shipped_hammaro_file_with_its_13_targets)
{
    struct target_set ts;
    char err[512];
    const struct target *t;
    cr_assert_eq(targets_load(LOFTE_TARGETS_FILE, &ts, err, sizeof err), TARGETS_OK, "%s", err);
    cr_assert_eq(ts.count, 13);
    cr_assert_eq(ts.valid_from, fx_day("2023-01-01"));
    cr_assert_eq(ts.valid_to, fx_day("2025-12-31"));
    cr_assert(strstr(ts.promise, "illustrative"), "the title says the targets are illustrative");

    t = must_find(&ts, "local-office-weekly");
    cr_assert_eq(t->metric, METRIC_ACTIVE_PERIODS);
    cr_assert_eq(t->period, CAL_ISO_WEEK);
    cr_assert_eq(t->unit, CAL_ISO_WEEK);
    cr_assert_eq(t->cmp, CMP_GE);
    cr_assert_eq(t->value, 1);
    cr_assert(target_filter_has_activity(&t->filter, ACT_PRESENCE_MOBILE_OFFICE));
    cr_assert(target_filter_has_activity(&t->filter, ACT_PRESENCE_LOCAL_OFFICE));
    cr_assert_not(target_filter_has_activity(&t->filter, ACT_PRESENCE_FOOT_PATROL));
    cr_assert_eq(t->items, 1u << 5);

    t = must_find(&ts, "foot-patrol");
    cr_assert_eq(t->metric, METRIC_DURATION);
    cr_assert_eq(t->filter.zone, (1u << ZONE_SKOGHALL_CENTRE) | 0x3Cu /* harbours 2..5 */ |
                                     0xFC0u /* schools 6..11 */);

    t = must_find(&ts, "moped-operations");
    cr_assert_eq(t->season, 0x3F8u, "Apr-Oct is months 4..10");
    cr_assert_eq(t->period, CAL_YEAR);

    t = must_find(&ts, "guards-harbours");
    cr_assert_eq(t->season, 0x1F0u, "May-Sep is months 5..9");

    t = must_find(&ts, "campaigns-per-school");
    cr_assert(t->per_zone);
    cr_assert_eq(t->filter.zone, 0xFC0u);
    cr_assert_eq(t->period, CAL_HALF_YEAR);

    t = must_find(&ts, "safety-walks");
    cr_assert_eq(t->filter.actor, 1u << ACTOR_JOINT);

    t = must_find(&ts, "vehicles-checked");
    cr_assert(target_filter_has_activity(&t->filter, ACT_VEHICLE_A_TRAKTOR));
    cr_assert(target_filter_has_activity(&t->filter, ACT_VEHICLE_OTHER));
    cr_assert_eq(t->metric, METRIC_QUANTITY);

    t = must_find(&ts, "talks-and-drug-sales");
    cr_assert_eq(t->cmp, CMP_REPORT_ONLY);
    cr_assert_eq(t->items, (1u << 8) | (1u << 2));
    cr_assert_eq(t->period, CAL_TERTIAL);
    targets_free(&ts);
}

/* A valid block to vary: each error case replaces one line of it. */
#define GOOD_HEAD "valid = 2023-01-01 .. 2025-12-31\n"
#define BLOCK(extra)                                                             \
    GOOD_HEAD "\n[a]\nitem = 3\nlabel = Checkpoints\nactivity = traffic.checkpoint\n" \
              "metric = count\nperiod = month\ntarget = >= 4\n" extra

struct bad_case {
    const char *text;
    int code;
    const char *where;   /* "t.targets:N:" */
    const char *says;    /* a piece of the reason */
};

static const struct bad_case bad_cases[] = {
    {BLOCK("colour = blue\n"), TARGETS_ERR_SYNTAX, "t.targets:10:", "unknown key 'colour'"},
    {BLOCK("result = completed\nzone = harbor_*\n"), TARGETS_ERR_VALUE, "t.targets:11:",
     "zone 'harbor_*' matches no zone"},
    {GOOD_HEAD "[a]\nitem = 3\nlabel = x\nactivity = alcohl.*\nmetric = count\nperiod = month\n"
               "target = >= 1\n",
     TARGETS_ERR_VALUE, "t.targets:5:", "activity 'alcohl.*' matches no activity"},
    {GOOD_HEAD "[a]\nitem = 3\nactivity = traffic.checkpoint\nmetric = count\nperiod = month\n"
               "target = >= 1\n",
     TARGETS_ERR_MISSING, "t.targets:2:", "no 'label' line"},
    {BLOCK("[a]\n"), TARGETS_ERR_SYNTAX, "t.targets:10:", "used twice"},
    {BLOCK("metric = quantity\n"), TARGETS_ERR_SYNTAX, "t.targets:10:", "'metric' is set twice"},
    {GOOD_HEAD "[a]\nitem = 3\nlabel = x\nactivity = traffic.checkpoint\nmetric = count\n"
               "period = month\ntarget = >= lots\n",
     TARGETS_ERR_VALUE, "t.targets:8:", "not a rule"},
    {GOOD_HEAD "[a]\nitem = 3\nlabel = x\nactivity = traffic.checkpoint\nmetric = count\n"
               "period = month\ntarget = about 4\n",
     TARGETS_ERR_VALUE, "t.targets:8:", "'report only'"},
    {BLOCK("result = negative\n"), TARGETS_ERR_VALUE, "t.targets:10:",
     "result 'negative' does not exist for any activity"},
    {BLOCK("per = zone\n"), TARGETS_ERR_VALUE, "t.targets:10:", "needs a 'zone' line"},
    {BLOCK("valid = 2023-01-01 .. 2023-02-30\n"), TARGETS_ERR_VALUE, "t.targets:10:",
     "'2023-02-30' is not a valid date"},
    {BLOCK("valid = 2024-01-01 .. 2023-01-01\n"), TARGETS_ERR_VALUE, "t.targets:10:",
     "ends (2023-01-01) before it starts"},
    {BLOCK("season = Apx-Oct\n"), TARGETS_ERR_VALUE, "t.targets:10:", "season 'Apx-Oct'"},
    {GOOD_HEAD "[a]\nitem = 15\nlabel = x\nactivity = traffic.checkpoint\nmetric = count\n"
               "period = month\ntarget = >= 1\n",
     TARGETS_ERR_VALUE, "t.targets:3:", "item '15' is not a promise item number"},
    {BLOCK("unit = iso_week\n"), TARGETS_ERR_VALUE, "t.targets:10:",
     "only applies to metric active_periods"},
    {GOOD_HEAD "[a]\nitem = 3\nlabel = x\nactivity = traffic.checkpoint\nmetric = count\n"
               "period = year\ntarget = >= 1\nvalid = 2023-03-01 .. 2023-12-31\n",
     TARGETS_ERR_VALUE, "t.targets:9:", "no whole year fits"},
    {BLOCK("this line has no equals sign\n"), TARGETS_ERR_SYNTAX, "t.targets:10:",
     "expected 'key = value'"},
    {"metric = count\n", TARGETS_ERR_SYNTAX, "t.targets:1:", "not a file header key"},
    {"# only a comment\n\n", TARGETS_ERR_EMPTY, "t.targets:", "no [target] block"},
    {BLOCK("[Bad Id]\n"), TARGETS_ERR_SYNTAX, "t.targets:10:", "target id 'Bad Id'"},
    {BLOCK("zone =\n"), TARGETS_ERR_VALUE, "t.targets:10:", "'zone' has no value"},
    {GOOD_HEAD "[a]\nitem = 3\nlabel = x\nactivity = admin.void\nmetric = count\n"
               "period = month\ntarget = >= 1\n",
     TARGETS_ERR_VALUE, "t.targets:5:", "activity 'admin.void' matches no activity"},
    {"[a]\nitem = 3\nlabel = x\nactivity = traffic.checkpoint\nmetric = count\n"
     "period = month\ntarget = >= 1\n",
     TARGETS_ERR_MISSING, "t.targets:1:", "no 'valid' line"},
    {BLOCK("zone = school_*, , harbour_*\n"), TARGETS_ERR_VALUE, "t.targets:10:", "empty item"},
    {BLOCK("metric2 = count\n"), TARGETS_ERR_SYNTAX, "t.targets:10:", "unknown key 'metric2'"},
    {GOOD_HEAD "[a]\nitem = 3\nlabel = x\nactivity = traffic.checkpoint\nmetric = count\n"
               "period = fortnight\ntarget = >= 1\n",
     TARGETS_ERR_VALUE, "t.targets:7:", "period 'fortnight' is unknown"},
    {GOOD_HEAD "[a]\nitem = 3\nlabel = x\nactivity = traffic.checkpoint\nmetric = active_periods\n"
               "unit = year\nperiod = month\ntarget = >= 1\n",
     TARGETS_ERR_VALUE, "t.targets:7:", "longer than the period"},
};

Test(targets, names_file_and_line_and_reason_for_every_mistake)
{
    size_t i;
    for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        struct target_set ts;
        char err[1024];
        int rc = targets_parse(c->text, strlen(c->text), "t.targets", &ts, err, sizeof err);
        cr_assert_eq(rc, c->code, "case %zu: code %d, want %d (%s)", i, rc, c->code, err);
        cr_assert(strncmp(err, c->where, strlen(c->where)) == 0,
                  "case %zu: message should start with '%s': %s", i, c->where, err);
        cr_assert(strstr(err, c->says), "case %zu: message should say '%s': %s", i, c->says, err);
        cr_assert_eq(ts.count, 0);
        cr_assert_null(ts.targets);
    }
}

Test(targets, accepts_every_variant_the_manual_shows)
{
    const char *text =
        "# comment\n; also a comment\n"
        "promise = P\npromise_sv = P sv\nvalid = 2023-01-01 .. 2025-12-31\n"
        "[weeks-active]\nitem = 5\nlabel = weeks\nactivity = presence.*\n"
        "metric = active_periods\nunit = iso_week\nperiod = quarter\ntarget = >= 12\n"
        "[days]\nitem = 6\nlabel = days\nactivity = presence.foot_patrol\nmetric = active_days\n"
        "period = iso_week\ntarget = > 2\nactor = police, joint\naction = none, advice\n"
        "[winter]\nitem = 12\nlabel = winter\nactivity = guard.*\nmetric = count\n"
        "period = month\ntarget = <= 100\nseason = Nov-Feb\n"
        "[halves]\nitem = 12\nlabel = halves\nactivity = guard.*\nmetric = count\n"
        "period = month\ntarget = == 3\nseason = Jan-Jun, Aug-Dec\n"
        "[swedish-months]\nitem = 12\nlabel = sv\nactivity = guard.?arbour\nmetric = count\n"
        "period = iso_week\ntarget = < 9\nseason = maj-okt\n"
        "[positives]\nitem = 3\nlabel = positive\nactivity = alcohol.*\n"
        "result = screening_positive, *drunk_driving\nmetric = count\nperiod = promise\n"
        "target = report only\nnote = everything above the limit\n";
    struct target_set ts;
    char err[512], season[64];
    const struct target *t;
    cr_assert_eq(targets_parse(text, strlen(text), "ok.targets", &ts, err, sizeof err),
                 TARGETS_OK, "%s", err);
    cr_assert_eq(ts.count, 6);
    cr_assert_str_eq(ts.promise_sv, "P sv");
    t = must_find(&ts, "weeks-active");
    cr_assert(t->unit == CAL_ISO_WEEK && t->period == CAL_QUARTER);
    t = must_find(&ts, "days");
    cr_assert_eq(t->cmp, CMP_GT);
    cr_assert_eq(t->filter.actor, (1u << ACTOR_POLICE) | (1u << ACTOR_JOINT));
    cr_assert_eq(t->filter.action, (1u << ACTION_NONE) | (1u << ACTION_ADVICE));
    t = must_find(&ts, "winter");
    cr_assert_eq(t->season, 0xC03u, "Nov-Feb wraps the new year");
    targets_season_text(t->season, season, sizeof season);
    cr_assert_str_eq(season, "Jan-Feb, Nov-Dec");
    t = must_find(&ts, "halves");
    cr_assert_eq(t->cmp, CMP_EQ);
    cr_assert_eq(t->season, 0xFBFu);
    t = must_find(&ts, "swedish-months");
    cr_assert_eq(t->season, 0x3F0u);
    cr_assert(target_filter_has_activity(&t->filter, ACT_GUARD_HARBOUR));
    t = must_find(&ts, "positives");
    cr_assert_eq(t->filter.result,
                 (1u << targets_result_id("screening_positive")) |
                     (1u << targets_result_id("drunk_driving")) |
                     (1u << targets_result_id("gross_drunk_driving")));
    cr_assert_str_eq(t->note, "everything above the limit");
    targets_free(&ts);
}

Test(targets, says_which_file_it_cannot_open)
{
    struct target_set ts;
    char err[512];
    cr_assert_eq(targets_load("/nonexistent/x.targets", &ts, err, sizeof err), TARGETS_ERR_IO);
    cr_assert(strstr(err, "/nonexistent/x.targets: cannot open"), "%s", err);
}

Test(targets, matches_names_with_star_and_question_mark)
{
    cr_assert(targets_glob("alcohol.*", "alcohol.screening"));
    cr_assert(targets_glob("presence.*_office", "presence.mobile_office"));
    cr_assert_not(targets_glob("presence.*_office", "presence.foot_patrol"));
    cr_assert(targets_glob("*", "x"));
    cr_assert(targets_glob("guard.?chool", "guard.school"));
    cr_assert_not(targets_glob("harbour_*", "school_x"));
    cr_assert(targets_glob("a*b*c", "aXXbYYc"));
    cr_assert_not(targets_glob("a*b*c", "aXXbYY"));
}

Test(targets, filters_records_by_every_dimension)
{
    const char *text = GOOD_HEAD "[f]\nitem = 3\nlabel = f\nactivity = alcohol.screening\n"
                                 "result = drunk_driving\naction = report\nzone = main_roads\n"
                                 "actor = police\nmetric = count\nperiod = month\ntarget = >= 1\n";
    struct target_set ts;
    char err[256];
    const struct target *t;
    int dd = targets_result_id("drunk_driving");
    cr_assert_eq(targets_parse(text, strlen(text), "f", &ts, err, sizeof err), TARGETS_OK, "%s",
                 err);
    t = &ts.targets[0];
    cr_assert(target_filter_match(&t->filter, ACT_ALCOHOL_SCREENING, dd, ACTION_REPORT,
                                  ZONE_MAIN_ROADS, ACTOR_POLICE));
    cr_assert_not(target_filter_match(&t->filter, ACT_ALCOHOL_HARBOUR_CHECK, dd, ACTION_REPORT,
                                      ZONE_MAIN_ROADS, ACTOR_POLICE));
    cr_assert_not(target_filter_match(&t->filter, ACT_ALCOHOL_SCREENING, 0, ACTION_REPORT,
                                      ZONE_MAIN_ROADS, ACTOR_POLICE));
    cr_assert_not(target_filter_match(&t->filter, ACT_ALCOHOL_SCREENING, dd, ACTION_FINE,
                                      ZONE_MAIN_ROADS, ACTOR_POLICE));
    cr_assert_not(target_filter_match(&t->filter, ACT_ALCOHOL_SCREENING, dd, ACTION_REPORT,
                                      ZONE_OTHER, ACTOR_POLICE));
    cr_assert_not(target_filter_match(&t->filter, ACT_ALCOHOL_SCREENING, dd, ACTION_REPORT,
                                      ZONE_MAIN_ROADS, ACTOR_JOINT));
    targets_free(&ts);
}

Test(targets, judges_every_comparison)
{
    struct target t;
    memset(&t, 0, sizeof t);
    t.value = 4;
    t.cmp = CMP_GE;
    cr_assert(target_judge(&t, 4) == 1 && target_judge(&t, 3) == 0);
    t.cmp = CMP_GT;
    cr_assert(target_judge(&t, 5) == 1 && target_judge(&t, 4) == 0);
    t.cmp = CMP_LE;
    cr_assert(target_judge(&t, 4) == 1 && target_judge(&t, 5) == 0);
    t.cmp = CMP_LT;
    cr_assert(target_judge(&t, 3) == 1 && target_judge(&t, 4) == 0);
    t.cmp = CMP_EQ;
    cr_assert(target_judge(&t, 4) == 1 && target_judge(&t, 5) == 0);
    t.cmp = CMP_REPORT_ONLY;
    cr_assert_eq(target_judge(&t, 4), -1);
}

Test(targets, knows_the_fourteen_promise_items)
{
    cr_assert(strstr(targets_item_title(5, 0), "police office"));
    cr_assert(strstr(targets_item_title(12, 1), "väktare"));
    cr_assert_str_eq(targets_item_who(1, 0), "police");
    cr_assert_str_eq(targets_item_who(7, 0), "joint");
    cr_assert_str_eq(targets_item_who(14, 1), "kommunen");
    cr_assert_str_eq(targets_item_title(15, 0), "?");
    cr_assert_eq(targets_result_count(), 19, "distinct result names of non-admin activities");
    cr_assert_str_eq(targets_result_name(targets_result_id("no_remark")), "no_remark");
    cr_assert_eq(targets_result_id("none"), -1, "admin's result is not a result to filter on");
}

/* Item 18: one run shows every mistake, in file order, each with its line. */
Test(targets, reports_every_mistake_of_the_file_in_one_pass_first_one_first)
{
    const char *text =
        GOOD_HEAD                                   /* 1 */
        "\n"                                        /* 2 */
        "[a]\n"                                     /* 3 */
        "item = 3\n"                                /* 4 */
        "label = Checkpoints\n"                     /* 5 */
        "activity = traffic.checkpoint\n"           /* 6 */
        "metric = count\n"                          /* 7 */
        "period = fortnight\n"                      /* 8: a value mistake */
        "target = >= lots\n"                        /* 9: another, same block */
        "colour = blue\n"                           /* 10: a syntax mistake */
        "\n"                                        /* 11 */
        "[b]\n"                                     /* 12: no label */
        "item = 3\n"                                /* 13 */
        "activity = alcohl.*\n"                     /* 14 */
        "metric = count\n"                          /* 15 */
        "period = month\n"                          /* 16 */
        "target = >= 1\n"                           /* 17 */
        "[c]\n"                                     /* 18: a good one */
        "item = 3\nlabel = x\nactivity = traffic.checkpoint\nmetric = count\n"
        "period = month\ntarget = >= 1\n";
    static const char *const expect[] = {
        "t.targets:8: period 'fortnight' is unknown",
        "t.targets:9: '>= lots' is not a rule",
        "t.targets:10: unknown key 'colour'",
        "t.targets:12: target 'b' has no 'label' line",
        "t.targets:14: activity 'alcohl.*' matches no activity",
    };
    struct target_set ts;
    char err[4096];
    const char *at = err;
    size_t i;
    int rc = targets_parse(text, strlen(text), "t.targets", &ts, err, sizeof err);
    /* the first mistake in the file decides the code: line 8's */
    cr_assert_eq(rc, TARGETS_ERR_VALUE, "%s", err);
    for (i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        const char *found = strstr(at, expect[i]);
        cr_assert_not_null(found, "missing or out of order: '%s' in:\n%s", expect[i], err);
        at = found + strlen(expect[i]);
    }
    cr_assert_null(strstr(at, "t.targets:"), "more than the five mistakes:\n%s", err);
    cr_assert_eq(ts.count, 0);
}

Test(targets, says_how_many_more_when_the_buffer_holds_only_the_first)
{
    const char *text = BLOCK("colour = blue\nsize = 3\nshape = round\n");
    struct target_set ts;
    char err[300];
    int rc = targets_parse(text, strlen(text), "t.targets", &ts, err, sizeof err);
    cr_assert_eq(rc, TARGETS_ERR_SYNTAX);
    cr_assert(strncmp(err, "t.targets:10: unknown key 'colour'", 34) == 0, "%s", err);
    cr_assert_not_null(strstr(err, "(and 2 more)"), "%s", err);
}
