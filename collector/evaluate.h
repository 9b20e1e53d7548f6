/* evaluate.h -- judge every target of a promise, period by period.
 *
 * Design note. For each target and each of its periods that overlaps the
 * asked range [from, to], the evaluator computes the target's metric, and
 * whether the rule is met; over the range, how many of the periods that have
 * ended were met ("periods met of periods elapsed"); and for the period still
 * running on `to`, the pace: its value so far against the target times the
 * share of the period elapsed (pro rata).
 *
 * Rules of counting (docs/targets.md says the same for analysts):
 *   - A period counts for a target only if it lies wholly inside the
 *     target's validity window; fragments at the edges (2022-W52 reaches
 *     into 2023-01-01) are not judged. Periods overlapping `from` are
 *     evaluated whole; `to` is the as-of day: data after it is not read and
 *     the period containing it is incomplete (no verdict, a pace instead).
 *   - Season: only days of the season's months count; for weekly targets a
 *     week counts whole when its Thursday is in season (the ISO rule that
 *     gives weeks to years, applied to months). Periods without a single
 *     counted day are skipped. Pro rata counts counted days only. Days in an
 *     'except' window (school holidays) count as out of season.
 *   - per = zone: each zone of the filter gets its own value and verdict;
 *     the period is met when every zone meets the rule, and its value is the
 *     number of zones that did.
 *
 * Two sources, one arithmetic: EVAL_ROLLUPS reads the daily/undated tables
 * (rollup.h) and is what reports use; EVAL_NAIVE reads the raw records table
 * with a plain GROUP BY per target. Both produce per-day sums that the same
 * code folds into periods, so they must agree exactly; tests compare them on
 * random data and the benchmark times them side by side.
 *
 * Sizes: a target spans at most a few thousand days and 14 zones, so the
 * per-day arrays are small; the cost is the SQL, which for rollups reads
 * only the key ranges of the target's activities.
 */
#ifndef LOFTE_EVALUATE_H
#define LOFTE_EVALUATE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "calendar.h"
#include "targets.h"

enum eval_err {
    EVAL_OK = 0,
    EVAL_ERR_SQL = -1,      /* a query failed; the message says which */
    EVAL_ERR_SCHEMA = -2,   /* the tables it needs are not in the database */
    EVAL_ERR_NOMEM = -3,
    EVAL_ERR_ARG = -4       /* range ends before it starts, NULL argument */
};
const char *eval_strerror(int err);

enum eval_source {
    EVAL_ROLLUPS = 0,   /* daily + undated tables: what reports use */
    EVAL_NAIVE          /* records table, GROUP BY per target: the reference */
};

/* Verdicts. */
#define EVAL_NO 0
#define EVAL_YES 1
#define EVAL_NA (-1)   /* report only, or not decided yet */

struct eval_zone {
    uint8_t zone;       /* record.h zone code */
    double value;       /* the metric for this zone */
    int met;            /* EVAL_YES/NO for a complete period, EVAL_NA else */
    int on_pace;        /* incomplete period only, else EVAL_NA */
};

struct eval_period {
    struct cal_period period;
    char label[CAL_LABEL_MAX];   /* "2023-W05" */
    int complete;                /* 1: ended on or before `to` */
    double value;                /* the metric; per zone: zones that met the rule */
    double goal;                 /* the rule's value; per zone: number of zones */
    double fraction;             /* share of counted days elapsed; 1 if complete */
    double pro_rata;             /* rule value x fraction (per zone: per-zone) */
    int met;                     /* complete periods: EVAL_YES/NO; else EVAL_NA */
    int on_pace;                 /* incomplete periods: EVAL_YES/NO; else EVAL_NA */
    size_t nzones;               /* per-zone targets only */
    struct eval_zone *zones;
};

/* The metric per ISO week over the range, for the weekly chart. */
struct eval_week {
    int iso_year, week;
    int32_t start_day;
    double value;
    int in_season;      /* 0: no counted day in this week */
    int complete;       /* 0: the week runs past `to` */
};

struct eval_target {
    const struct target *target;       /* points into the caller's target_set */
    size_t nperiods;
    struct eval_period *periods;       /* in time order */
    int periods_met;                   /* complete periods met */
    int periods_elapsed;               /* complete periods */
    int current;                       /* index of the incomplete period, -1 if none */
    int64_t undated;                   /* undated records this target's filter selects */
    size_t nweeks;
    struct eval_week *weeks;
};

struct eval_result {
    int32_t from_day, to_day;          /* the range asked; to_day is the as-of day */
    enum eval_source source;
    int64_t undated_total;             /* all undated activity records */
    size_t ntargets;
    struct eval_target *targets;       /* same order as the target_set */
};

/* Evaluate every target of ts over [from, to] (local days). The result
 * points into ts, which must outlive it. On failure *out is NULL and err
 * has a sentence. Free with eval_free. db may be read-only. */
int evaluate(sqlite3 *db, const struct target_set *ts, int32_t from, int32_t to,
             enum eval_source source, struct eval_result **out, char *err, size_t errlen);
void eval_free(struct eval_result *r);

/* 1 when the target's values count records or people, the numbers a public
 * report must not show below a threshold (count, quantity). */
int eval_metric_is_count(const struct target *t);

/* Compare two results value by value; 0 if identical, else 1 and a sentence
 * naming the first difference. Used by tests and the benchmark. */
int eval_compare(const struct eval_result *a, const struct eval_result *b, char *why, size_t n);

#endif
