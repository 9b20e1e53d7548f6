/* evaluate.c -- per-day sums from SQL, folded into periods in C.
 *
 * Design note: see evaluate.h for the counting rules. The work per target:
 *   1. list the periods to judge (calendar.h), and the span of days they and
 *      the weekly series need;
 *   2. one SQL query returning (day, zone, records, quantity, duration) for
 *      the span, from the rollups or, for the naive evaluator, the records;
 *   3. fold the day arrays into period values, verdicts and pace.
 * Step 2 is the only difference between the two sources. The filter becomes
 * SQL IN lists of names from record.h's tables (never text from the targets
 * file, so nothing an analyst writes reaches SQL unchecked).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "evaluate.h"
#include "record.h"
#include "rollup.h"

const char *eval_strerror(int err)
{
    switch (err) {
    case EVAL_OK: return "success";
    case EVAL_ERR_SQL: return "a query of the database failed";
    case EVAL_ERR_SCHEMA: return "the database lacks the tables a report needs";
    case EVAL_ERR_NOMEM: return "out of memory";
    case EVAL_ERR_ARG: return "invalid argument";
    default: return "unknown evaluation error";
    }
}


/* ---- a growable string for building SQL --------------------------------- */

struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int w;
    if (b->oom)
        return;
    for (;;) {
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        w = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (w < 0) {
            b->oom = 1;
            return;
        }
        if ((size_t)w < room) {
            b->len += (size_t)w;
            return;
        }
        {
            size_t cap = (b->cap + (size_t)w + 1) * 2;
            char *np = realloc(b->p, cap);
            if (!np) {
                b->oom = 1;
                return;
            }
            b->p = np;
            b->cap = cap;
        }
    }
}

/* Appends " AND col IN ('a','b')" for the set bits of a mask. */
static void sb_in_list(struct sbuf *b, const char *col, uint32_t mask, const char *(*name)(int),
                       int count)
{
    int i, first = 1;
    if (!mask)
        return;
    sb_printf(b, " AND %s IN (", col);
    for (i = 0; i < count && i < 32; i++)
        if ((mask >> i) & 1u) {
            /* Names come from record.h's tables: [a-z0-9_.] only. */
            sb_printf(b, "%s'%s'", first ? "" : ",", name(i));
            first = 0;
        }
    sb_printf(b, ")");
}

static const char *zone_name(int i) { return record_zone_name((uint8_t)i); }
static const char *actor_name(int i) { return record_actor_name((uint8_t)i); }
static const char *action_name(int i) { return record_action_name((uint8_t)i); }

/* The WHERE terms of a target's filter (after a first term). */
static void sb_filter(struct sbuf *b, const struct target_filter *f)
{
    size_t a;
    const struct record_activity_info *info;
    int first = 1;
    sb_printf(b, " AND activity IN (");
    for (a = 0; (info = record_activity_at(a)) != NULL; a++)
        if (target_filter_has_activity(f, info->code)) {
            sb_printf(b, "%s'%s'", first ? "" : ",", info->name);
            first = 0;
        }
    sb_printf(b, ")");
    sb_in_list(b, "result", f->result, targets_result_name, targets_result_count());
    sb_in_list(b, "action", f->action, action_name, ACTION_COUNT);
    sb_in_list(b, "zone", f->zone, zone_name, ZONE_COUNT);
    sb_in_list(b, "actor", f->actor, actor_name, ACTOR_COUNT);
}

/* ---- per-day sums ------------------------------------------------------- */

struct days {
    int32_t lo, hi;          /* span of local days, inclusive */
    int nz;                  /* 1, or ZONE_COUNT for per-zone targets */
    int64_t *records, *quantity, *duration;   /* [(day - lo) * nz + zone] */
};

static int days_alloc(struct days *d, int32_t lo, int32_t hi, int nz)
{
    size_t n = (size_t)(hi - lo + 1) * (size_t)nz;
    d->lo = lo;
    d->hi = hi;
    d->nz = nz;
    d->records = calloc(n, sizeof *d->records);
    d->quantity = calloc(n, sizeof *d->quantity);
    d->duration = calloc(n, sizeof *d->duration);
    return (d->records && d->quantity && d->duration) ? 0 : -1;
}

static void days_free(struct days *d)
{
    free(d->records);
    free(d->quantity);
    free(d->duration);
    memset(d, 0, sizeof *d);
}

static int zone_code(const char *name)
{
    int z;
    for (z = 0; name && z < ZONE_COUNT; z++)
        if (strcmp(record_zone_name((uint8_t)z), name) == 0)
            return z;
    return -1;
}

static int fetch_days(sqlite3 *db, const struct target *t, enum eval_source src, struct days *d,
                      char *err, size_t errlen)
{
    struct sbuf q = {0};
    sqlite3_stmt *s = NULL;
    int rc = EVAL_OK, step;

    if (src == EVAL_ROLLUPS) {
        /* No GROUP BY: the rows arrive in key order (activity, day, ...),
         * and summing them into the day arrays here saves SQLite a sort. */
        sb_printf(&q, "SELECT day, zone, records, quantity, duration_min "
                      "FROM daily WHERE day BETWEEN ?1 AND ?2");
        sb_filter(&q, &t->filter);
    } else {
        /* The reference: every valid dated record, grouped by local day. */
        sb_printf(&q, "SELECT lofte_local_day(start_min) AS d, zone, count(*), "
                      "sum(quantity), sum(duration_min) FROM records "
                      "WHERE voided_by IS NULL AND clock_unset = 0 "
                      "AND start_min >= ?3 AND start_min < ?4");
        sb_filter(&q, &t->filter);
        sb_printf(&q, " GROUP BY d, zone");
    }
    if (q.oom) {
        free(q.p);
        return errbuf_fail(err, errlen, EVAL_ERR_NOMEM, "out of memory building a query");
    }
    if (sqlite3_prepare_v2(db, q.p, -1, &s, NULL) != SQLITE_OK) {
        rc = errbuf_fail(err, errlen, EVAL_ERR_SQL, "target '%s': cannot query the %s: %s", t->id,
                  src == EVAL_ROLLUPS ? "daily table" : "records table", sqlite3_errmsg(db));
        goto out;
    }
    if (src == EVAL_ROLLUPS) {
        sqlite3_bind_int64(s, 1, d->lo);
        sqlite3_bind_int64(s, 2, d->hi);
    } else {
        sqlite3_bind_int64(s, 3, cal_day_start_utc_min(d->lo));
        sqlite3_bind_int64(s, 4, cal_day_start_utc_min(d->hi + 1));
    }
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t day = sqlite3_column_int64(s, 0);
        int z = d->nz > 1 ? zone_code((const char *)sqlite3_column_text(s, 1)) : 0;
        size_t at;
        if (day < d->lo || day > d->hi || z < 0)
            continue; /* cannot happen with the WHERE above; be safe */
        at = (size_t)(day - d->lo) * (size_t)d->nz + (size_t)z;
        d->records[at] += sqlite3_column_int64(s, 2);
        d->quantity[at] += sqlite3_column_int64(s, 3);
        d->duration[at] += sqlite3_column_int64(s, 4);
    }
    if (step != SQLITE_DONE)
        rc = errbuf_fail(err, errlen, EVAL_ERR_SQL, "target '%s': reading the %s failed: %s", t->id,
                  src == EVAL_ROLLUPS ? "daily table" : "records table", sqlite3_errmsg(db));
out:
    sqlite3_finalize(s);
    free(q.p);
    return rc;
}

static int query_int(sqlite3 *db, const char *sql, int64_t *v, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    int rc = EVAL_OK;
    *v = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW)
        rc = errbuf_fail(err, errlen, EVAL_ERR_SQL, "cannot count undated records: %s",
                  sqlite3_errmsg(db));
    else
        *v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc;
}

static int fetch_undated(sqlite3 *db, const struct target *t, enum eval_source src, int64_t *v,
                         char *err, size_t errlen)
{
    struct sbuf q = {0};
    int rc;
    if (src == EVAL_ROLLUPS)
        sb_printf(&q, "SELECT coalesce(sum(records), 0) FROM undated WHERE 1");
    else
        sb_printf(&q, "SELECT count(*) FROM records WHERE voided_by IS NULL AND clock_unset = 1");
    if (t)
        sb_filter(&q, &t->filter);
    else if (src == EVAL_NAIVE)
        sb_printf(&q, " AND activity NOT LIKE 'admin.%%'");
    if (q.oom) {
        free(q.p);
        return errbuf_fail(err, errlen, EVAL_ERR_NOMEM, "out of memory building a query");
    }
    rc = query_int(db, q.p, v, err, errlen);
    free(q.p);
    return rc;
}

/* ---- folding days into periods ----------------------------------------- */

/* A day counts for t when inside its window and its season (evaluate.h). */
static int counted(const struct target *t, int32_t day)
{
    int32_t probe = day;
    if (day < t->valid_from || day > t->valid_to)
        return 0;
    if ((t->season & TARGET_SEASON_ALL) == TARGET_SEASON_ALL && t->nexcept == 0)
        return 1;
    /* a week is in or out whole, by its Thursday: also for 'except' */
    if (t->period == CAL_ISO_WEEK)
        probe = day - (cal_weekday(day) - 1) + 3; /* the week's Thursday */
    return target_in_season(t, probe);
}

/* The metric over counted days [a, b] of zone column z (or all zones when
 * z < 0). */
static double metric_over(const struct target *t, const struct days *d, int32_t a, int32_t b,
                          int z)
{
    double v = 0;
    int32_t day, last_unit = INT32_MIN;
    if (a < d->lo)
        a = d->lo;
    if (b > d->hi)
        b = d->hi;
    for (day = a; day <= b; day++) {
        int64_t r = 0, qn = 0, du = 0;
        int zz;
        size_t base = (size_t)(day - d->lo) * (size_t)d->nz;
        if (!counted(t, day))
            continue;
        for (zz = 0; zz < d->nz; zz++)
            if (z < 0 || zz == z) {
                r += d->records[base + zz];
                qn += d->quantity[base + zz];
                du += d->duration[base + zz];
            }
        switch (t->metric) {
        case METRIC_COUNT: v += (double)r; break;
        case METRIC_QUANTITY: v += (double)qn; break;
        case METRIC_DURATION: v += (double)du; break;
        case METRIC_ACTIVE_DAYS: v += r > 0; break;
        case METRIC_ACTIVE_PERIODS:
            if (r > 0) {
                struct cal_period u;
                cal_period_of(t->unit, day, t->valid_from, t->valid_to, &u);
                /* Days ascend and units are contiguous: count each unit once. */
                if (u.start_day != last_unit)
                    v += 1;
                last_unit = u.start_day;
            }
            break;
        default: break;
        }
    }
    return v;
}

static int count_counted(const struct target *t, int32_t a, int32_t b)
{
    int n = 0;
    int32_t day;
    for (day = a; day <= b; day++)
        n += counted(t, day);
    return n;
}

static int pace_ok(const struct target *t, double value, double pro_rata)
{
    switch (t->cmp) {
    case CMP_GE:
    case CMP_GT: return value >= pro_rata;
    case CMP_LE:
    case CMP_LT: return value <= pro_rata;
    case CMP_EQ: return value >= pro_rata && value <= t->value;
    default: return EVAL_NA;
    }
}

static int judge_period(const struct target *t, const struct days *d, int32_t to,
                        struct eval_period *ep)
{
    const struct cal_period *p = &ep->period;
    int32_t last = p->end_day < to ? p->end_day : to;
    int total = count_counted(t, p->start_day, p->end_day);
    int done = count_counted(t, p->start_day, last);

    ep->complete = p->end_day <= to;
    ep->fraction = ep->complete ? 1.0 : (total ? (double)done / total : 0.0);
    cal_period_label(p, ep->label, sizeof ep->label);
    ep->met = EVAL_NA;
    ep->on_pace = EVAL_NA;
    ep->pro_rata = t->value * ep->fraction;

    if (!t->per_zone) {
        ep->value = metric_over(t, d, p->start_day, last, -1);
        ep->goal = t->value;
        if (t->cmp != CMP_REPORT_ONLY) {
            if (ep->complete)
                ep->met = target_judge(t, ep->value);
            else
                ep->on_pace = pace_ok(t, ep->value, ep->pro_rata);
        }
        return 0;
    }

    {
        int z, met = 0, pace = 1;
        size_t n = 0;
        for (z = 0; z < ZONE_COUNT; z++)
            n += (t->filter.zone >> z) & 1u;
        ep->zones = calloc(n, sizeof *ep->zones);
        if (!ep->zones)
            return -1;
        for (z = 0; z < ZONE_COUNT; z++) {
            struct eval_zone *ez;
            if (!((t->filter.zone >> z) & 1u))
                continue;
            ez = &ep->zones[ep->nzones++];
            ez->zone = (uint8_t)z;
            ez->value = metric_over(t, d, p->start_day, last, z);
            ez->met = target_judge(t, ez->value);
            ez->on_pace = EVAL_NA;
            met += ez->met == 1;
            if (!ep->complete) {
                ez->on_pace = pace_ok(t, ez->value, ep->pro_rata);
                pace = pace && ez->on_pace == 1;
                /* Not decided until the period ends: a zone below a >=
                 * rule may still catch up. */
                ez->met = EVAL_NA;
            }
        }
        ep->value = met;
        ep->goal = (double)ep->nzones;
        if (ep->complete)
            ep->met = met == (int)ep->nzones;
        else
            ep->on_pace = pace;
    }
    return 0;
}

static int evaluate_target(sqlite3 *db, const struct target *t, int32_t from, int32_t to,
                           enum eval_source src, struct eval_target *et, char *err, size_t errlen)
{
    struct days d;
    struct cal_period p;
    int32_t lo, hi, day, wfrom, wto;
    size_t cap = 0;
    int rc = EVAL_OK;

    memset(&d, 0, sizeof d);
    et->target = t;
    et->current = -1;

    /* The part of the asked range inside the validity window. */
    wfrom = from > t->valid_from ? from : t->valid_from;
    wto = to < t->valid_to ? to : t->valid_to;
    if (wfrom > wto)
        return fetch_undated(db, t, src, &et->undated, err, errlen);

    /* 1. Periods: whole, inside the window, overlapping [from, to]. */
    day = wfrom;
    while (day <= wto) {
        struct eval_period *ep;
        cal_period_of(t->period, day, t->valid_from, t->valid_to, &p);
        day = p.end_day + 1;
        if (p.start_day < t->valid_from || p.end_day > t->valid_to ||
            count_counted(t, p.start_day, p.end_day) == 0)
            continue;
        if (et->nperiods == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct eval_period *np = realloc(et->periods, ncap * sizeof *np);
            if (!np)
                return errbuf_fail(err, errlen, EVAL_ERR_NOMEM, "out of memory");
            et->periods = np;
            cap = ncap;
        }
        ep = &et->periods[et->nperiods++];
        memset(ep, 0, sizeof *ep);
        ep->period = p;
    }

    /* Days needed: from the first period's start (which may precede the
     * range: periods are evaluated whole) to the as-of day. */
    lo = wfrom;
    if (et->nperiods && et->periods[0].period.start_day < lo)
        lo = et->periods[0].period.start_day;
    hi = wto;
    if (days_alloc(&d, lo, hi, t->per_zone ? ZONE_COUNT : 1) != 0) {
        days_free(&d);
        return errbuf_fail(err, errlen, EVAL_ERR_NOMEM, "out of memory");
    }
    rc = fetch_days(db, t, src, &d, err, errlen);
    if (rc == EVAL_OK)
        rc = fetch_undated(db, t, src, &et->undated, err, errlen);

    /* 3. Fold. */
    for (size_t i = 0; rc == EVAL_OK && i < et->nperiods; i++) {
        struct eval_period *ep = &et->periods[i];
        if (judge_period(t, &d, to, ep) != 0) {
            rc = errbuf_fail(err, errlen, EVAL_ERR_NOMEM, "out of memory");
            break;
        }
        if (ep->complete) {
            et->periods_elapsed++;
            et->periods_met += ep->met == EVAL_YES;
        } else {
            et->current = (int)i;
        }
    }

    /* Weekly series over the window part of the range: the weeks that
     * start in it (a week cut by the start would show a misleading stub),
     * the last one possibly still running. */
    if (rc == EVAL_OK) {
        int32_t monday = wfrom + (8 - cal_weekday(wfrom)) % 7;
        size_t n = monday <= wto ? (size_t)((wto - monday) / 7 + 1) : 0;
        et->weeks = calloc(n ? n : 1, sizeof *et->weeks);
        if (!et->weeks)
            rc = errbuf_fail(err, errlen, EVAL_ERR_NOMEM, "out of memory");
        for (; rc == EVAL_OK && monday <= wto; monday += 7) {
            struct eval_week *w = &et->weeks[et->nweeks++];
            int32_t b = monday + 6 > wto ? wto : monday + 6;
            cal_iso_week(monday, &w->iso_year, &w->week);
            w->start_day = monday;
            w->in_season = count_counted(t, monday, monday + 6) > 0;
            w->complete = monday + 6 <= to;
            w->value = metric_over(t, &d, monday, b, -1);
        }
    }
    days_free(&d);
    return rc;
}

static int check_schema(sqlite3 *db, enum eval_source src, char *err, size_t errlen)
{
    const char *need = src == EVAL_ROLLUPS ? "daily" : "records";
    sqlite3_stmt *s = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                               "AND name IN (?1, ?2)", -1, &s, NULL) != SQLITE_OK)
        return errbuf_fail(err, errlen, EVAL_ERR_SQL, "cannot read the database schema: %s",
                    sqlite3_errmsg(db));
    sqlite3_bind_text(s, 1, need, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, src == EVAL_ROLLUPS ? "undated" : "records", -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        found = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (found < (src == EVAL_ROLLUPS ? 2 : 1))
        return errbuf_fail(err, errlen, EVAL_ERR_SCHEMA,
                    src == EVAL_ROLLUPS
                        ? "the database has no daily/undated tables: it was not written by "
                          "the lofte collector (or predates rollups; rollup_rebuild makes them)"
                        : "the database has no records table");
    return EVAL_OK;
}

int evaluate(sqlite3 *db, const struct target_set *ts, int32_t from, int32_t to,
             enum eval_source src, struct eval_result **out, char *err, size_t errlen)
{
    struct eval_result *r;
    int rc;
    size_t i;

    *out = NULL;
    if (!db || !ts)
        return errbuf_fail(err, errlen, EVAL_ERR_ARG, "no database or no targets");
    if (from > to) {
        char a[CAL_DATE_LEN], b[CAL_DATE_LEN];
        cal_format_date(from, a);
        cal_format_date(to, b);
        return errbuf_fail(err, errlen, EVAL_ERR_ARG, "the range ends (%s) before it starts (%s)", b, a);
    }
    if ((rc = check_schema(db, src, err, errlen)) != EVAL_OK)
        return rc;
    if (src == EVAL_NAIVE && rollup_register_functions(db) != ROLLUP_OK)
        return errbuf_fail(err, errlen, EVAL_ERR_SQL, "cannot register lofte's SQL functions: %s",
                    sqlite3_errmsg(db));
    r = calloc(1, sizeof *r);
    if (!r || !(r->targets = calloc(ts->count ? ts->count : 1, sizeof *r->targets))) {
        free(r);
        return errbuf_fail(err, errlen, EVAL_ERR_NOMEM, "out of memory");
    }
    r->from_day = from;
    r->to_day = to;
    r->source = src;
    r->ntargets = ts->count;
    /* One read transaction: every target sees the same snapshot even while
     * the collector keeps writing (WAL). A savepoint, so that a caller's own
     * open transaction is joined, never committed by us. */
    sqlite3_exec(db, "SAVEPOINT lofte_evaluate", NULL, NULL, NULL);
    rc = fetch_undated(db, NULL, src, &r->undated_total, err, errlen);
    for (i = 0; rc == EVAL_OK && i < ts->count; i++)
        rc = evaluate_target(db, &ts->targets[i], from, to, src, &r->targets[i], err, errlen);
    sqlite3_exec(db, "RELEASE lofte_evaluate", NULL, NULL, NULL);
    if (rc != EVAL_OK) {
        eval_free(r);
        return rc;
    }
    *out = r;
    return EVAL_OK;
}

void eval_free(struct eval_result *r)
{
    size_t i, j;
    if (!r)
        return;
    for (i = 0; i < r->ntargets; i++) {
        struct eval_target *et = &r->targets[i];
        for (j = 0; j < et->nperiods; j++)
            free(et->periods[j].zones);
        free(et->periods);
        free(et->weeks);
    }
    free(r->targets);
    free(r);
}

int eval_metric_is_count(const struct target *t)
{
    return t->metric == METRIC_COUNT || t->metric == METRIC_QUANTITY;
}

int eval_compare(const struct eval_result *a, const struct eval_result *b, char *why, size_t n)
{
    size_t i, j, z;
#define DIFF(...) (snprintf(why, n, __VA_ARGS__), 1)
    if (a->ntargets != b->ntargets)
        return DIFF("%zu targets against %zu", a->ntargets, b->ntargets);
    if (a->undated_total != b->undated_total)
        return DIFF("undated records: %lld against %lld", (long long)a->undated_total,
                    (long long)b->undated_total);
    for (i = 0; i < a->ntargets; i++) {
        const struct eval_target *x = &a->targets[i], *y = &b->targets[i];
        const char *id = x->target->id;
        if (x->nperiods != y->nperiods || x->periods_met != y->periods_met ||
            x->periods_elapsed != y->periods_elapsed || x->current != y->current)
            return DIFF("target '%s': %zu periods, %d met of %d against %zu, %d of %d", id,
                        x->nperiods, x->periods_met, x->periods_elapsed, y->nperiods,
                        y->periods_met, y->periods_elapsed);
        if (x->undated != y->undated)
            return DIFF("target '%s': undated %lld against %lld", id, (long long)x->undated,
                        (long long)y->undated);
        for (j = 0; j < x->nperiods; j++) {
            const struct eval_period *p = &x->periods[j], *q = &y->periods[j];
            if (strcmp(p->label, q->label) != 0 || p->value != q->value || p->met != q->met ||
                p->on_pace != q->on_pace || p->nzones != q->nzones)
                return DIFF("target '%s' period %s: value %g (met %d) against %s: %g (met %d)",
                            id, p->label, p->value, p->met, q->label, q->value, q->met);
            for (z = 0; z < p->nzones; z++)
                if (p->zones[z].value != q->zones[z].value)
                    return DIFF("target '%s' period %s zone %s: %g against %g", id, p->label,
                                record_zone_name(p->zones[z].zone), p->zones[z].value,
                                q->zones[z].value);
        }
        if (x->nweeks != y->nweeks)
            return DIFF("target '%s': %zu weeks against %zu", id, x->nweeks, y->nweeks);
        for (j = 0; j < x->nweeks; j++)
            if (x->weeks[j].value != y->weeks[j].value)
                return DIFF("target '%s' week %d-W%02d: %g against %g", id, x->weeks[j].iso_year,
                            x->weeks[j].week, x->weeks[j].value, y->weeks[j].value);
    }
#undef DIFF
    return 0;
}
