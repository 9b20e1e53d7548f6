/* test_calendar.c -- local days, DST edges, ISO weeks, periods, parsing.
 *
 * The DST rule in calendar.c is hand-written; one test compares it with the
 * system's tzdata for every hour of 2020..2035, which is an independent
 * implementation (skipped when tzdata is not installed).
 */
#define _POSIX_C_SOURCE 200809L /* setenv, tzset, localtime_r for the tzdata check */

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"
#include "fixture.h"

static void assert_local(const char *utc, const char *local_date, int hh, int mm)
{
    char got[CAL_DATE_LEN];
    uint32_t m = fx_min(utc);
    int lm = cal_local_minute_of_day(m);
    cal_format_date(cal_local_day(m), got);
    cr_assert_str_eq(got, local_date, "%s UTC should be local %s, got %s", utc, local_date, got);
    cr_assert_eq(lm, hh * 60 + mm, "%s UTC should be %02d:%02d local, got %02d:%02d", utc, hh, mm,
                 lm / 60, lm % 60);
}

static void assert_week(const char *date, int year, int week)
{
    int y, w;
    cal_iso_week(fx_day(date), &y, &w);
    cr_assert(y == year && w == week, "%s should be %d-W%02d, got %d-W%02d", date, year, week, y, w);
}

static void assert_period(enum cal_kind k, const char *day, const char *label, const char *start,
                          const char *end)
{
    struct cal_period p;
    char l[CAL_LABEL_MAX], a[CAL_DATE_LEN], b[CAL_DATE_LEN];
    cr_assert_eq(cal_period_of(k, fx_day(day), fx_day("2023-01-01"), fx_day("2025-12-31"), &p),
                 CAL_OK);
    cal_period_label(&p, l, sizeof l);
    cal_format_date(p.start_day, a);
    cal_format_date(p.end_day, b);
    cr_assert_str_eq(l, label, "%s of %s", cal_kind_name(k), day);
    cr_assert_str_eq(a, start, "%s %s starts", cal_kind_name(k), label);
    cr_assert_str_eq(b, end, "%s %s ends", cal_kind_name(k), label);
}

Test(calendar, day_zero_is_the_lofte_epoch_a_wednesday)
{
    struct cal_date d = cal_date_from_day(0);
    cr_assert(d.year == 2020 && d.month == 1 && d.day == 1);
    cr_assert_eq(cal_weekday(0), 3);
    cr_assert_eq(cal_weekday(-1), 2, "2019-12-31 was a Tuesday");
    cr_assert_eq(cal_weekday(fx_day("2024-02-29")), 4, "2024-02-29 was a Thursday");
}

Test(calendar, converts_every_day_from_1970_to_2200_both_ways)
{
    int32_t day, first = cal_day_from_date(1970, 1, 1), last = cal_day_from_date(2200, 12, 31);
    struct cal_date prev = cal_date_from_day(first - 1);
    for (day = first; day <= last; day++) {
        struct cal_date d = cal_date_from_day(day);
        cr_assert(cal_date_valid(d.year, d.month, d.day));
        cr_assert_eq(cal_day_from_date(d.year, d.month, d.day), day);
        /* Consecutive: the next date is the day after. */
        if (d.day != 1)
            cr_assert(d.day == prev.day + 1 && d.month == prev.month);
        else
            cr_assert(prev.day == cal_days_in_month(prev.year, prev.month));
        prev = d;
    }
}

Test(calendar, knows_leap_years_and_leap_days)
{
    int32_t d;
    cr_assert(cal_is_leap(2024) && cal_is_leap(2000) && !cal_is_leap(2100) && !cal_is_leap(2023));
    cr_assert_eq(cal_parse_date("2024-02-29", &d), CAL_OK);
    cr_assert_eq(cal_date_from_day(d + 1).month, 3);
    cr_assert_eq(cal_parse_date("2023-02-29", &d), CAL_ERR_RANGE);
    cr_assert_eq(cal_parse_date("2100-02-29", &d), CAL_ERR_RANGE);
    cr_assert_eq(cal_parse_date("2000-02-29", &d), CAL_OK);
    assert_period(CAL_MONTH, "2024-02-29", "2024-02", "2024-02-01", "2024-02-29");
}

Test(calendar, puts_spring_dst_weekend_records_on_the_right_local_day)
{
    /* 2023-03-26: clocks go 02:00 CET -> 03:00 CEST at 01:00 UTC. */
    assert_local("2023-03-25T22:59", "2023-03-25", 23, 59);
    assert_local("2023-03-25T23:30", "2023-03-26", 0, 30);
    assert_local("2023-03-26T00:59", "2023-03-26", 1, 59);
    assert_local("2023-03-26T01:00", "2023-03-26", 3, 0);
    assert_local("2023-03-26T01:30", "2023-03-26", 3, 30);
    assert_local("2023-03-26T21:59", "2023-03-26", 23, 59);
    assert_local("2023-03-26T22:00", "2023-03-27", 0, 0);
}

Test(calendar, puts_autumn_dst_weekend_records_on_the_right_local_day)
{
    /* 2023-10-29: clocks go 03:00 CEST -> 02:00 CET at 01:00 UTC; local
     * 02:30 happens twice, both on the 29th. */
    assert_local("2023-10-28T21:59", "2023-10-28", 23, 59);
    assert_local("2023-10-28T22:30", "2023-10-29", 0, 30);
    assert_local("2023-10-29T00:30", "2023-10-29", 2, 30);
    assert_local("2023-10-29T01:30", "2023-10-29", 2, 30);
    assert_local("2023-10-29T22:59", "2023-10-29", 23, 59);
    assert_local("2023-10-29T23:00", "2023-10-30", 0, 0);
}

Test(calendar, finds_local_midnight_in_utc_on_both_sides_of_dst)
{
    const char *days[] = {"2023-03-25", "2023-03-26", "2023-03-27", "2023-10-28",
                          "2023-10-29", "2023-10-30", "2024-01-01", "2024-07-01"};
    size_t i;
    for (i = 0; i < sizeof days / sizeof days[0]; i++) {
        int32_t d = fx_day(days[i]);
        int64_t m = cal_day_start_utc_min(d);
        cr_assert_eq(cal_local_day(m), d, "%s starts at its own midnight", days[i]);
        cr_assert_eq(cal_local_day(m - 1), d - 1, "the minute before is the day before");
        cr_assert_eq(cal_local_minute_of_day(m), 0);
    }
    cr_assert_eq(cal_day_start_utc_min(fx_day("2024-01-01")), fx_min("2023-12-31T23:00"));
    cr_assert_eq(cal_day_start_utc_min(fx_day("2024-07-01")), fx_min("2024-06-30T22:00"));
}

Test(calendar, agrees_with_tzdata_for_every_hour_2020_to_2035)
{
    int64_t m, end = (int64_t)cal_day_from_date(2036, 1, 1) * 1440;
    if (access("/usr/share/zoneinfo/Europe/Stockholm", R_OK) != 0)
        cr_skip_test("tzdata is not installed (/usr/share/zoneinfo/Europe/Stockholm)");
    setenv("TZ", "Europe/Stockholm", 1);
    tzset();
    /* Every 30 minutes, so both sides of each 01:00 UTC switch are seen. */
    for (m = 0; m < end; m += 30) {
        time_t t = (time_t)(1577836800LL + m * 60);
        struct tm tm;
        int32_t want;
        localtime_r(&t, &tm);
        want = cal_day_from_date(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
        if (cal_local_day(m) != want || cal_local_minute_of_day(m) != tm.tm_hour * 60 + tm.tm_min)
            cr_assert_fail("minute %lld: calendar says day %d %d min, tzdata %d %02d:%02d",
                     (long long)m, cal_local_day(m), cal_local_minute_of_day(m), want, tm.tm_hour,
                     tm.tm_min);
    }
}

Test(calendar, numbers_iso_weeks_including_week_53)
{
    assert_week("2020-12-31", 2020, 53);
    assert_week("2021-01-03", 2020, 53);
    assert_week("2021-01-04", 2021, 1);
    assert_week("2026-12-31", 2026, 53);
    assert_week("2027-01-03", 2026, 53);
    assert_week("2027-01-04", 2027, 1);
    assert_week("2023-01-01", 2022, 52);
    assert_week("2023-01-02", 2023, 1);
    assert_week("2024-12-30", 2025, 1);
    assert_week("2024-02-29", 2024, 9);
    cr_assert_eq(cal_iso_weeks_in_year(2020), 53);
    cr_assert_eq(cal_iso_weeks_in_year(2021), 52);
    cr_assert_eq(cal_iso_weeks_in_year(2025), 52);
    cr_assert_eq(cal_iso_weeks_in_year(2026), 53);
    cr_assert_eq(cal_iso_weeks_in_year(2015), 53);
    assert_period(CAL_ISO_WEEK, "2021-01-03", "2020-W53", "2020-12-28", "2021-01-03");
    assert_period(CAL_ISO_WEEK, "2026-12-31", "2026-W53", "2026-12-28", "2027-01-03");
}

Test(calendar, bounds_every_period_kind)
{
    assert_period(CAL_MONTH, "2023-03-15", "2023-03", "2023-03-01", "2023-03-31");
    assert_period(CAL_QUARTER, "2023-05-15", "2023-Q2", "2023-04-01", "2023-06-30");
    assert_period(CAL_TERTIAL, "2023-01-01", "2023-T1", "2023-01-01", "2023-04-30");
    assert_period(CAL_TERTIAL, "2023-05-01", "2023-T2", "2023-05-01", "2023-08-31");
    assert_period(CAL_TERTIAL, "2023-12-31", "2023-T3", "2023-09-01", "2023-12-31");
    assert_period(CAL_HALF_YEAR, "2024-07-01", "2024-H2", "2024-07-01", "2024-12-31");
    assert_period(CAL_YEAR, "2024-02-29", "2024", "2024-01-01", "2024-12-31");
    assert_period(CAL_PROMISE, "2024-06-01", "2023-01-01..2025-12-31", "2023-01-01", "2025-12-31");
}

Test(calendar, refuses_a_promise_period_for_a_day_outside_it)
{
    struct cal_period p;
    cr_assert_eq(cal_period_of(CAL_PROMISE, fx_day("2026-01-01"), fx_day("2023-01-01"),
                               fx_day("2025-12-31"), &p),
                 CAL_ERR_RANGE);
    cr_assert_eq(cal_period_of((enum cal_kind)99, 0, 0, 0, &p), CAL_ERR_KIND);
}

Test(calendar, counts_whole_periods_elapsed_in_the_promise)
{
    int32_t a = fx_day("2023-01-01"), b = fx_day("2025-12-31");
    /* 2023-01-01 is a Sunday: 2022-W52 is not whole inside; 2026-W01
     * reaches past the end. */
    cr_assert_eq(cal_periods_elapsed(CAL_ISO_WEEK, a, b, b), 156);
    cr_assert_eq(cal_periods_elapsed(CAL_MONTH, a, b, b), 36);
    cr_assert_eq(cal_periods_elapsed(CAL_QUARTER, a, b, b), 12);
    cr_assert_eq(cal_periods_elapsed(CAL_TERTIAL, a, b, b), 9);
    cr_assert_eq(cal_periods_elapsed(CAL_HALF_YEAR, a, b, b), 6);
    cr_assert_eq(cal_periods_elapsed(CAL_YEAR, a, b, b), 3);
    cr_assert_eq(cal_periods_elapsed(CAL_PROMISE, a, b, b), 1);
    cr_assert_eq(cal_periods_elapsed(CAL_MONTH, a, b, fx_day("2024-09-30")), 21);
    cr_assert_eq(cal_periods_elapsed(CAL_MONTH, a, b, fx_day("2024-09-29")), 20);
    cr_assert_eq(cal_periods_elapsed(CAL_PROMISE, a, b, fx_day("2024-09-29")), 0);
}

Test(calendar, gives_the_elapsed_fraction_of_a_period)
{
    struct cal_period p;
    cal_period_of(CAL_MONTH, fx_day("2024-02-10"), 0, 0, &p);
    cr_assert_float_eq(cal_elapsed_fraction(&p, fx_day("2024-02-15")), 15.0 / 29, 1e-12);
    cr_assert_float_eq(cal_elapsed_fraction(&p, fx_day("2024-01-31")), 0.0, 1e-12);
    cr_assert_float_eq(cal_elapsed_fraction(&p, fx_day("2024-03-01")), 1.0, 1e-12);
}

Test(calendar, parses_only_strict_dates)
{
    int32_t d;
    const char *bad_syntax[] = {"2023-1-01", "2023-01-01x", " 2023-01-01", "2023/01/01",
                                "20230101", "", "+023-01-01"};
    size_t i;
    for (i = 0; i < sizeof bad_syntax / sizeof bad_syntax[0]; i++)
        cr_assert_eq(cal_parse_date(bad_syntax[i], &d), CAL_ERR_SYNTAX, "'%s'", bad_syntax[i]);
    cr_assert_eq(cal_parse_date("2023-13-01", &d), CAL_ERR_RANGE);
    cr_assert_eq(cal_parse_date("2023-04-31", &d), CAL_ERR_RANGE);
    cr_assert_eq(cal_parse_date("1969-12-31", &d), CAL_ERR_RANGE);
    cr_assert_eq(cal_parse_date(NULL, &d), CAL_ERR_SYNTAX);
}

Test(calendar, names_every_period_kind_both_ways)
{
    int k;
    for (k = 0; k < CAL_KIND_COUNT; k++) {
        enum cal_kind back;
        cr_assert_eq(cal_kind_from_name(cal_kind_name((enum cal_kind)k), &back), CAL_OK);
        cr_assert_eq((int)back, k);
    }
    cr_assert_str_eq(cal_kind_name(CAL_HALF_YEAR), "half_year");
    cr_assert_eq(cal_kind_from_name("fortnight", &(enum cal_kind){0}), CAL_ERR_KIND);
    cr_assert_str_eq(cal_strerror(CAL_ERR_RANGE), "value out of range");
}

Test(calendar, maps_unix_time_to_the_local_day)
{
    /* 2024-06-30T22:30:00Z is 00:30 on 1 July in Stockholm. */
    cr_assert_eq(cal_day_from_unix((time_t)1719786600), fx_day("2024-07-01"));
    cr_assert_eq(cal_day_from_unix((time_t)1577836800), 0);
}
