/* calendar.c -- civil dates, Europe/Stockholm local days, ISO weeks, periods.
 *
 * Design note: see calendar.h. Everything is integer arithmetic on day
 * numbers (days since 2020-01-01); the civil-date conversions are Howard
 * Hinnant's era-based algorithms, exact over the whole proleptic Gregorian
 * calendar, so there is no table to get wrong and no leap-year special case
 * outside cal_is_leap. Minutes are int64_t so that day * 1440 never
 * overflows, whatever a caller passes.
 */
#include <stdio.h>
#include <string.h>

#include "calendar.h"

/* Days from 1970-01-01 to 2020-01-01 (the lofte epoch, record.h). */
#define EPOCH_UNIX_DAYS 18262

/* Floor division and modulo: C's / truncates toward zero, which would put
 * minute -1 on day 0 instead of day -1. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

const char *cal_strerror(int err)
{
    switch (err) {
    case CAL_OK: return "success";
    case CAL_ERR_SYNTAX: return "not a date in the form YYYY-MM-DD";
    case CAL_ERR_RANGE: return "value out of range";
    case CAL_ERR_KIND: return "unknown period kind";
    case CAL_ERR_BUFFER: return "buffer too small";
    default: return "unknown calendar error";
    }
}

int cal_is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int cal_days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    return days[month - 1] + (month == 2 && cal_is_leap(year));
}

int cal_date_valid(int year, int month, int day)
{
    return month >= 1 && month <= 12 && day >= 1 && day <= cal_days_in_month(year, month);
}

/* Hinnant's days_from_civil, shifted to the lofte epoch. */
int32_t cal_day_from_date(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                   /* [0, 399] */
    int64_t mp = (month + 9) % 12;                                 /* Mar = 0 */
    int64_t doy = (153 * mp + 2) / 5 + day - 1;                    /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return (int32_t)(era * 146097 + doe - 719468 - EPOCH_UNIX_DAYS);
}

struct cal_date cal_date_from_day(int32_t day)
{
    struct cal_date d;
    int64_t z = (int64_t)day + EPOCH_UNIX_DAYS + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
    d.year = (int)(yoe + era * 400 + (d.month <= 2));
    return d;
}

int cal_weekday(int32_t day)
{
    /* 2020-01-01 was a Wednesday (3). */
    return (int)floor_mod((int64_t)day + 2, 7) + 1;
}

static int32_t last_sunday(int year, int month)
{
    int32_t d = cal_day_from_date(year, month, cal_days_in_month(year, month));
    return d - cal_weekday(d) % 7;
}

int cal_utc_offset_min(int64_t utc_min)
{
    int year = cal_date_from_day((int32_t)floor_div(utc_min, CAL_MINUTES_PER_DAY)).year;
    /* Both switches happen at 01:00 UTC (EU rule), whatever the local hour. */
    int64_t start = (int64_t)last_sunday(year, 3) * CAL_MINUTES_PER_DAY + 60;
    int64_t end = (int64_t)last_sunday(year, 10) * CAL_MINUTES_PER_DAY + 60;
    return (utc_min >= start && utc_min < end) ? 120 : 60;
}

int32_t cal_local_day(int64_t utc_min)
{
    return (int32_t)floor_div(utc_min + cal_utc_offset_min(utc_min), CAL_MINUTES_PER_DAY);
}

int cal_local_minute_of_day(int64_t utc_min)
{
    return (int)floor_mod(utc_min + cal_utc_offset_min(utc_min), CAL_MINUTES_PER_DAY);
}

int64_t cal_day_start_utc_min(int32_t day)
{
    /* Local midnight is never inside a transition, so exactly one of the two
     * candidate offsets is consistent with itself. */
    int64_t m = (int64_t)day * CAL_MINUTES_PER_DAY - 120;
    if (cal_utc_offset_min(m) == 120)
        return m;
    return (int64_t)day * CAL_MINUTES_PER_DAY - 60;
}

int32_t cal_day_from_unix(time_t t)
{
    int64_t min = floor_div((int64_t)t - (int64_t)EPOCH_UNIX_DAYS * 86400, 60);
    return cal_local_day(min);
}

void cal_iso_week(int32_t day, int *iso_year, int *week)
{
    int32_t thursday = day - (cal_weekday(day) - 1) + 3;
    int y = cal_date_from_day(thursday).year;
    if (iso_year)
        *iso_year = y;
    if (week)
        *week = (int)((thursday - cal_day_from_date(y, 1, 1)) / 7 + 1);
}

int cal_iso_weeks_in_year(int iso_year)
{
    int week;
    /* 28 December is always in the last ISO week of its year. */
    cal_iso_week(cal_day_from_date(iso_year, 12, 28), NULL, &week);
    return week;
}

/* Months per period for the kinds that are whole months. */
static int months_per(enum cal_kind kind)
{
    switch (kind) {
    case CAL_MONTH: return 1;
    case CAL_QUARTER: return 3;
    case CAL_TERTIAL: return 4;
    case CAL_HALF_YEAR: return 6;
    case CAL_YEAR: return 12;
    default: return 0;
    }
}

int cal_period_of(enum cal_kind kind, int32_t day, int32_t promise_from,
                  int32_t promise_to, struct cal_period *out)
{
    struct cal_date d;
    int span, first, last;

    memset(out, 0, sizeof *out);
    out->kind = kind;
    if (kind == CAL_ISO_WEEK) {
        out->start_day = day - (cal_weekday(day) - 1);
        out->end_day = out->start_day + 6;
        cal_iso_week(day, &out->year, &out->index);
        return CAL_OK;
    }
    if (kind == CAL_PROMISE) {
        if (promise_from > promise_to || day < promise_from || day > promise_to)
            return CAL_ERR_RANGE;
        out->start_day = promise_from;
        out->end_day = promise_to;
        out->year = cal_date_from_day(promise_from).year;
        return CAL_OK;
    }
    span = months_per(kind);
    if (span == 0)
        return CAL_ERR_KIND;
    d = cal_date_from_day(day);
    first = (d.month - 1) / span * span + 1;
    last = first + span - 1;
    out->year = d.year;
    out->index = span == 12 ? 0 : (d.month - 1) / span + 1;
    out->start_day = cal_day_from_date(d.year, first, 1);
    out->end_day = cal_day_from_date(d.year, last, cal_days_in_month(d.year, last));
    return CAL_OK;
}

int cal_periods_elapsed(enum cal_kind kind, int32_t from, int32_t to, int32_t as_of)
{
    struct cal_period p;
    int n = 0;
    int32_t day = from;

    if (from > to)
        return 0;
    while (day <= to && day <= as_of) {
        if (cal_period_of(kind, day, from, to, &p) != CAL_OK)
            return 0;
        if (p.start_day >= from && p.end_day <= to && p.end_day <= as_of)
            n++;
        day = p.end_day + 1;
    }
    return n;
}

double cal_elapsed_fraction(const struct cal_period *p, int32_t as_of)
{
    double total = (double)p->end_day - p->start_day + 1;
    if (as_of < p->start_day)
        return 0.0;
    if (as_of >= p->end_day)
        return 1.0;
    return ((double)as_of - p->start_day + 1) / total;
}

int cal_period_label(const struct cal_period *p, char *buf, size_t n)
{
    char a[CAL_DATE_LEN], b[CAL_DATE_LEN];
    int w;

    switch (p->kind) {
    case CAL_ISO_WEEK: w = snprintf(buf, n, "%04d-W%02d", p->year, p->index); break;
    case CAL_MONTH: w = snprintf(buf, n, "%04d-%02d", p->year, p->index); break;
    case CAL_TERTIAL: w = snprintf(buf, n, "%04d-T%d", p->year, p->index); break;
    case CAL_QUARTER: w = snprintf(buf, n, "%04d-Q%d", p->year, p->index); break;
    case CAL_HALF_YEAR: w = snprintf(buf, n, "%04d-H%d", p->year, p->index); break;
    case CAL_YEAR: w = snprintf(buf, n, "%04d", p->year); break;
    case CAL_PROMISE:
        cal_format_date(p->start_day, a);
        cal_format_date(p->end_day, b);
        w = snprintf(buf, n, "%s..%s", a, b);
        break;
    default:
        return CAL_ERR_KIND;
    }
    return (w < 0 || (size_t)w >= n) ? CAL_ERR_BUFFER : CAL_OK;
}

static int digits(const char *s, int n, int *out)
{
    int i, v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

int cal_parse_date(const char *s, int32_t *day)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        !digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
        return CAL_ERR_SYNTAX;
    if (y < 1970 || !cal_date_valid(y, m, d))
        return CAL_ERR_RANGE;
    *day = cal_day_from_date(y, m, d);
    return CAL_OK;
}

void cal_format_date(int32_t day, char buf[CAL_DATE_LEN])
{
    struct cal_date d = cal_date_from_day(day);
    /* Years outside 0..9999 cannot come from cal_parse_date or a record; clamp
     * so the output always fits the fixed buffer. */
    if (d.year < 0 || d.year > 9999) {
        strcpy(buf, "----------");
        return;
    }
    /* unsigned char: tells the compiler month and day have two digits */
    snprintf(buf, CAL_DATE_LEN, "%04d-%02u-%02u", d.year, (unsigned char)d.month % 100u,
             (unsigned char)d.day % 100u);
}

static const char *const kind_names[CAL_KIND_COUNT] = {
    "iso_week", "month", "quarter", "tertial", "half_year", "year", "promise"};

const char *cal_kind_name(enum cal_kind kind)
{
    return (unsigned)kind < CAL_KIND_COUNT ? kind_names[kind] : "?";
}

int cal_kind_from_name(const char *name, enum cal_kind *out)
{
    int k;
    for (k = 0; name && k < CAL_KIND_COUNT; k++)
        if (strcmp(kind_names[k], name) == 0) {
            *out = (enum cal_kind)k;
            return CAL_OK;
        }
    return CAL_ERR_KIND;
}

const char *cal_kind_noun(enum cal_kind kind, int plural, int swedish)
{
    /* [kind][swedish][plural] */
    static const char *const nouns[CAL_KIND_COUNT][2][2] = {
        {{"week", "weeks"}, {"vecka", "veckor"}},
        {{"month", "months"}, {"månad", "månader"}},
        {{"quarter", "quarters"}, {"kvartal", "kvartal"}},
        {{"tertial", "tertials"}, {"tertial", "tertial"}},
        {{"half-year", "half-years"}, {"halvår", "halvår"}},
        {{"year", "years"}, {"år", "år"}},
        {{"promise period", "promise periods"}, {"löftesperiod", "löftesperioder"}},
    };
    if ((unsigned)kind >= CAL_KIND_COUNT)
        return "?";
    return nouns[kind][swedish ? 1 : 0][plural ? 1 : 0];
}
