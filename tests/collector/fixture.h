/* fixture.h -- a minimal stand-in for the collector's store, for tests.
 *
 * It creates the records table exactly as collector/store.c does (the
 * schema below is a copy: when store.c changes its table, change this and
 * bench/bench_report.c too), inserts records with INSERT OR IGNORE, and
 * calls rollup_apply the way the store's contract in rollup.h says: +1 for
 * a newly inserted valid record, -1 when a void cancels a valid record,
 * nothing for duplicates. So the tests exercise the rollups as ingest
 * would, with records whose expected counts are known.
 */
#ifndef LOFTE_TEST_FIXTURE_H
#define LOFTE_TEST_FIXTURE_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "calendar.h"
#include "record.h"
#include "rollup.h"

#define FX_RECORDS_SCHEMA                                                          \
    "CREATE TABLE records(device INTEGER, counter INTEGER, activity TEXT, "        \
    "category TEXT, result TEXT, action TEXT, guardian_contacted INTEGER, "        \
    "concern_report INTEGER, vehicle_measure INTEGER, licence_seized INTEGER, "    \
    "seizure INTEGER, clock_unset INTEGER, start_min INTEGER, start_utc TEXT, "    \
    "quantity INTEGER, duration_min INTEGER, zone TEXT, actor TEXT, cell INTEGER " \
    "NULL, operation INTEGER NULL, void_counter INTEGER, voided_by INTEGER NULL, " \
    "received_at INTEGER, UNIQUE(device, counter))"

struct fx_rec {
    int64_t device, counter;
    const char *activity;     /* required */
    const char *utc;          /* "2023-03-26T01:30" (UTC); or use start_min */
    uint32_t start_min;
    int clock_unset;
    const char *result;       /* NULL: the activity's first result */
    const char *action;       /* NULL: "none" */
    const char *zone;         /* NULL: "skoghall_centre" */
    const char *actor;        /* NULL: "police" */
    uint32_t quantity, duration_min;
    uint8_t side;
};

/* "YYYY-MM-DDTHH:MM" UTC to lofte minutes. */
static inline uint32_t fx_min(const char *utc)
{
    char date[11];
    int32_t day;
    int h = 0, m = 0;
    cr_assert(strlen(utc) == 16 && utc[10] == 'T', "bad test time %s", utc);
    memcpy(date, utc, 10);
    date[10] = 0;
    cr_assert_eq(cal_parse_date(date, &day), CAL_OK, "bad test date %s", utc);
    cr_assert_eq(sscanf(utc + 11, "%2d:%2d", &h, &m), 2);
    return (uint32_t)((int64_t)day * 1440 + h * 60 + m);
}

static inline int32_t fx_day(const char *date)
{
    int32_t d;
    cr_assert_eq(cal_parse_date(date, &d), CAL_OK, "bad test date %s", date);
    return d;
}

static inline void fx_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
}

static inline int64_t fx_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    int64_t v;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW, "%s: no row", sql);
    v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* path NULL: in memory. */
static inline sqlite3 *fx_open(const char *path)
{
    sqlite3 *db;
    char err[256];
    cr_assert_eq(sqlite3_open(path ? path : ":memory:", &db), SQLITE_OK);
    fx_exec(db, FX_RECORDS_SCHEMA);
    cr_assert_eq(rollup_init(db, err, sizeof err), ROLLUP_OK, "%s", err);
    return db;
}

static inline void fx_close(sqlite3 *db)
{
    rollup_release(db);
    cr_assert_eq(sqlite3_close(db), SQLITE_OK, "close: statements left open");
}

static inline const char *fx_default_result(const char *activity)
{
    const struct record_activity_info *info = record_activity_by_name(activity);
    cr_assert(info, "unknown activity %s in a test", activity);
    return record_result_name(info->code, 0);
}

/* Insert one record as the store would. Returns 1 if new, 0 if a duplicate. */
static inline int fx_insert(sqlite3 *db, const struct fx_rec *r)
{
    static const char *sql =
        "INSERT OR IGNORE INTO records(device, counter, activity, category, result, action, "
        "guardian_contacted, concern_report, vehicle_measure, licence_seized, seizure, "
        "clock_unset, start_min, start_utc, quantity, duration_min, zone, actor, void_counter, "
        "voided_by, received_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
        "?14, ?15, ?16, ?17, ?18, 0, NULL, 0)";
    sqlite3_stmt *s;
    struct rollup_row row;
    char category[32];
    const char *dot;
    int i, inserted;

    memset(&row, 0, sizeof row);
    row.activity = r->activity;
    row.result = r->result ? r->result : fx_default_result(r->activity);
    row.action = r->action ? r->action : "none";
    row.zone = r->zone ? r->zone : "skoghall_centre";
    row.actor = r->actor ? r->actor : "police";
    row.start_min = r->utc ? fx_min(r->utc) : r->start_min;
    row.clock_unset = r->clock_unset;
    row.quantity = r->quantity;
    row.duration_min = r->duration_min;
    row.side = r->side;
    dot = strchr(r->activity, '.');
    snprintf(category, sizeof category, "%.*s", (int)(dot ? dot - r->activity : 0), r->activity);

    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_bind_int64(s, 1, r->device);
    sqlite3_bind_int64(s, 2, r->counter);
    sqlite3_bind_text(s, 3, row.activity, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, category, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, row.result, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, row.action, -1, SQLITE_STATIC);
    for (i = 0; i < 5; i++)
        sqlite3_bind_int(s, 7 + i, (row.side >> i) & 1);
    sqlite3_bind_int(s, 12, row.clock_unset);
    sqlite3_bind_int64(s, 13, row.start_min);
    sqlite3_bind_null(s, 14);
    sqlite3_bind_int64(s, 15, row.quantity);
    sqlite3_bind_int64(s, 16, row.duration_min);
    sqlite3_bind_text(s, 17, row.zone, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 18, row.actor, -1, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(s), SQLITE_DONE, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(s);
    inserted = sqlite3_changes(db) == 1;
    if (inserted)
        cr_assert_eq(rollup_apply(db, &row, +1), ROLLUP_OK, "rollup_apply: %s",
                     sqlite3_errmsg(db));
    return inserted;
}

/* A void record (device, counter) cancelling (device, target). Returns 1 if
 * it cancelled a valid record. */
static inline int fx_void(sqlite3 *db, int64_t device, int64_t counter, int64_t target,
                          const char *utc)
{
    sqlite3_stmt *s;
    char sql[512];
    int cancelled = 0;

    snprintf(sql, sizeof sql,
             "INSERT OR IGNORE INTO records(device, counter, activity, category, result, action, "
             "guardian_contacted, concern_report, vehicle_measure, licence_seized, seizure, "
             "clock_unset, start_min, quantity, duration_min, zone, actor, void_counter, "
             "received_at) VALUES(%lld, %lld, 'admin.void', 'admin', 'none', 'none', 0, 0, 0, "
             "0, 0, 0, %u, 0, 0, 'unspecified', 'police', %lld, 0)",
             (long long)device, (long long)counter, fx_min(utc), (long long)target);
    fx_exec(db, sql);
    if (sqlite3_changes(db) != 1)
        return 0; /* a duplicate void */
    snprintf(sql, sizeof sql,
             "UPDATE records SET voided_by = %lld WHERE device = %lld AND counter = %lld AND "
             "voided_by IS NULL AND activity NOT LIKE 'admin.%%'",
             (long long)counter, (long long)device, (long long)target);
    fx_exec(db, sql);
    if (sqlite3_changes(db) != 1)
        return 0;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT activity, result, action, zone, actor, start_min, "
                                    "clock_unset, quantity, duration_min, guardian_contacted, "
                                    "concern_report, vehicle_measure, licence_seized, seizure "
                                    "FROM records WHERE device = ?1 AND counter = ?2",
                                    -1, &s, NULL),
                 SQLITE_OK);
    sqlite3_bind_int64(s, 1, device);
    sqlite3_bind_int64(s, 2, target);
    if (sqlite3_step(s) == SQLITE_ROW) {
        struct rollup_row row;
        int i;
        memset(&row, 0, sizeof row);
        row.activity = (const char *)sqlite3_column_text(s, 0);
        row.result = (const char *)sqlite3_column_text(s, 1);
        row.action = (const char *)sqlite3_column_text(s, 2);
        row.zone = (const char *)sqlite3_column_text(s, 3);
        row.actor = (const char *)sqlite3_column_text(s, 4);
        row.start_min = (uint32_t)sqlite3_column_int64(s, 5);
        row.clock_unset = sqlite3_column_int(s, 6);
        row.quantity = (uint32_t)sqlite3_column_int64(s, 7);
        row.duration_min = (uint32_t)sqlite3_column_int64(s, 8);
        for (i = 0; i < 5; i++)
            row.side |= (uint8_t)(sqlite3_column_int(s, 9 + i) << i);
        cr_assert_eq(rollup_apply(db, &row, -1), ROLLUP_OK, "rollup_apply -1: %s",
                     sqlite3_errmsg(db));
        cancelled = 1;
    }
    sqlite3_finalize(s);
    return cancelled;
}

/* ---- random data: deterministic, so a failure reproduces --------------- */

static inline uint64_t fx_rand(uint64_t *s)
{
    /* xorshift64* */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/* n random records between two days, with ~3 % duplicates, ~2 % voids
 * (some of voids, of unknown counters, repeated), ~1 % undated. */
static inline void fx_random(sqlite3 *db, uint64_t seed, int n, int32_t first_day, int32_t last_day)
{
    uint64_t s = seed ? seed : 1;
    int i;
    int64_t counter[8] = {0};
    fx_exec(db, "BEGIN");
    for (i = 0; i < n; i++) {
        const struct record_activity_info *info;
        struct fx_rec r;
        int64_t dev = (int64_t)(fx_rand(&s) % 8);
        uint64_t roll = fx_rand(&s) % 100;
        memset(&r, 0, sizeof r);
        r.device = dev + 1000;
        if (roll < 3 && counter[dev] > 0) {
            /* a duplicate of an earlier counter: must not count again */
            r.counter = 1 + (int64_t)(fx_rand(&s) % (uint64_t)counter[dev]);
        } else if (roll < 5 && counter[dev] > 0) {
            int64_t target = 1 + (int64_t)(fx_rand(&s) % (uint64_t)(counter[dev] + 3));
            fx_void(db, r.device, ++counter[dev], target, "2023-06-01T12:00");
            continue;
        } else {
            r.counter = ++counter[dev];
        }
        do
            info = record_activity_at(fx_rand(&s) % 30);
        while (record_category(info->code) == CAT_ADMIN);
        r.activity = info->name;
        r.result = record_result_name(info->code, (uint8_t)(fx_rand(&s) % info->result_count));
        r.action = record_action_name((uint8_t)(fx_rand(&s) % ACTION_COUNT));
        r.zone = record_zone_name((uint8_t)(fx_rand(&s) % ZONE_COUNT));
        r.actor = record_actor_name((uint8_t)(fx_rand(&s) % ACTOR_COUNT));
        r.clock_unset = roll == 99;
        r.start_min = (uint32_t)(cal_day_start_utc_min(first_day) +
                                 (int64_t)(fx_rand(&s) % ((uint64_t)(last_day - first_day + 1) * 1440)));
        r.quantity = (uint32_t)(fx_rand(&s) % 40);
        r.duration_min = (uint32_t)(fx_rand(&s) % 240);
        r.side = (uint8_t)(fx_rand(&s) % 32);
        fx_insert(db, &r);
    }
    fx_exec(db, "COMMIT");
}

#endif
