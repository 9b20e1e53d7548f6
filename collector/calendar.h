/* calendar.h -- local days and the periods lofte's targets are counted in.
 *
 * Design note. Records carry a UTC minute (minutes since 2020-01-01T00:00Z,
 * record.h). The citizen promise is followed up in Europe/Stockholm local
 * time (docs/domain.md §4): a stop at 00:30 local on a Saturday in summer is a
 * Saturday stop, although it is still Friday in UTC. So every record is first
 * mapped to a *local day*, and every period (ISO week, month, tertial,
 * quarter, half-year, year, the whole promise) is a range of local days.
 *
 * Day numbers: days since 2020-01-01 in the civil (proleptic Gregorian)
 * calendar, so day 0 is 2020-01-01 and day -1 is 2019-12-31. The same
 * numbering serves UTC days and local days; only the mapping from a minute
 * to a day differs.
 *
 * Time zone: the EU summer-time rule, implemented here, not read from the
 * process TZ or tzdata: summer time (UTC+2) from the last Sunday of March
 * 01:00 UTC to the last Sunday of October 01:00 UTC, UTC+1 otherwise. This is
 * Sweden's rule since 1996 (directive 2000/84/EC and its predecessors), so it
 * is exact for every date lofte can hold (records start in 2020). Should the
 * EU abolish clock changes, this function and its test are the one place to
 * change. A test compares it with the system's tzdata when that is present.
 * DST moves the hour, never the day: local midnight is never inside a
 * transition (those happen at 02:00/03:00 local).
 *
 * ISO 8601 weeks: Monday to Sunday; week 1 is the week with the year's first
 * Thursday, so a week belongs to the year (and, by the same rule used for
 * seasons, to the month) of its Thursday. Years with 53 weeks: 2020, 2026...
 *
 * No heap, no global state, no locale: every function is pure.
 */
#ifndef LOFTE_CALENDAR_H
#define LOFTE_CALENDAR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum cal_err {
    CAL_OK = 0,
    CAL_ERR_SYNTAX = -1,   /* a date or name that does not parse */
    CAL_ERR_RANGE = -2,    /* a valid-looking value outside its range */
    CAL_ERR_KIND = -3,     /* an unknown period kind */
    CAL_ERR_BUFFER = -4    /* the caller's buffer is too small */
};
const char *cal_strerror(int err);

/* Period kinds, shortest first (the order is used: a unit must not be
 * longer than its period). Names ("iso_week") are the targets file's. */
enum cal_kind {
    CAL_ISO_WEEK = 0,
    CAL_MONTH,
    CAL_QUARTER,
    CAL_TERTIAL,      /* Jan-Apr, May-Aug, Sep-Dec (Swedish school/municipal) */
    CAL_HALF_YEAR,
    CAL_YEAR,
    CAL_PROMISE,      /* the whole validity window of a promise or target */
    CAL_KIND_COUNT
};

#define CAL_MINUTES_PER_DAY 1440
/* Longest label cal_period_label writes: "2023-01-01..2025-12-31". */
#define CAL_LABEL_MAX 24
#define CAL_DATE_LEN 11 /* "YYYY-MM-DD" and its NUL */

struct cal_date {
    int year;   /* e.g. 2024 */
    int month;  /* 1..12 */
    int day;    /* 1..31 */
};

/* One period: an inclusive range of local days plus its name parts. */
struct cal_period {
    enum cal_kind kind;
    int32_t start_day;   /* first local day */
    int32_t end_day;     /* last local day, inclusive */
    int year;            /* ISO year for weeks; calendar year of the start else */
    int index;           /* week 1..53, month 1..12, tertial 1..3, quarter
                            1..4, half 1..2; 0 for year and promise */
};

/* Civil calendar. cal_day_from_date does not validate (day 32 rolls over);
 * use cal_date_valid or cal_parse_date for untrusted input. */
int cal_is_leap(int year);
int cal_days_in_month(int year, int month);
int cal_date_valid(int year, int month, int day);
int32_t cal_day_from_date(int year, int month, int day);
struct cal_date cal_date_from_day(int32_t day);
int cal_weekday(int32_t day);   /* ISO: 1 = Monday .. 7 = Sunday */

/* Time zone. utc_min is minutes since 2020-01-01T00:00Z; negative values
 * (before the epoch) are allowed. */
int cal_utc_offset_min(int64_t utc_min);          /* 60 or 120 */
int32_t cal_local_day(int64_t utc_min);
int cal_local_minute_of_day(int64_t utc_min);     /* 0..1439, local clock */
int64_t cal_day_start_utc_min(int32_t day);       /* UTC minute of local 00:00 */
/* Local day of a Unix time (seconds), e.g. time(NULL) for "today". */
int32_t cal_day_from_unix(time_t t);

/* ISO 8601 week of a day, and how many weeks an ISO year has (52 or 53). */
void cal_iso_week(int32_t day, int *iso_year, int *week);
int cal_iso_weeks_in_year(int iso_year);

/* The period of `kind` that contains `day`. For CAL_PROMISE the period is
 * [promise_from, promise_to] and `day` must lie in it (CAL_ERR_RANGE
 * otherwise); the two bounds are ignored for every other kind.
 * Returns CAL_OK, CAL_ERR_KIND or CAL_ERR_RANGE. */
int cal_period_of(enum cal_kind kind, int32_t day, int32_t promise_from,
                  int32_t promise_to, struct cal_period *out);

/* Number of whole periods of `kind` lying inside [from, to] that have ended
 * by the end of `as_of` (the "periods elapsed" of a report). 0 on an empty
 * window or an unknown kind. */
int cal_periods_elapsed(enum cal_kind kind, int32_t from, int32_t to, int32_t as_of);

/* Fraction of period p elapsed by the end of local day as_of, in [0, 1]:
 * days elapsed / days in the period. */
double cal_elapsed_fraction(const struct cal_period *p, int32_t as_of);

/* "2020-W53", "2023-03", "2023-T2", "2023-Q4", "2023-H1", "2023",
 * "2023-01-01..2025-12-31". Returns CAL_OK or CAL_ERR_BUFFER
 * (CAL_LABEL_MAX bytes always suffice). */
int cal_period_label(const struct cal_period *p, char *buf, size_t n);

/* Strict "YYYY-MM-DD" (years 1970..9999): no spaces, signs or trailing
 * text. Returns CAL_OK, CAL_ERR_SYNTAX or CAL_ERR_RANGE (e.g. 2023-02-29). */
int cal_parse_date(const char *s, int32_t *day);
void cal_format_date(int32_t day, char buf[CAL_DATE_LEN]);

/* Period kind names as written in targets files: "iso_week", "month",
 * "quarter", "tertial", "half_year", "year", "promise". */
const char *cal_kind_name(enum cal_kind kind);
int cal_kind_from_name(const char *name, enum cal_kind *out);
/* English and Swedish words for one period of a kind ("week"/"vecka"),
 * plural when n != 1; for report prose. */
const char *cal_kind_noun(enum cal_kind kind, int plural, int swedish);

#endif
