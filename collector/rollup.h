/* rollup.h -- per-day aggregates of the records table, kept at ingest.
 *
 * Design note. A report asks, per target, "how many ... per week/month/year".
 * Asked of the records table that costs a scan of every record (tens of
 * thousands a year for one municipality, millions nationally: docs/domain.md §6).
 * Instead the store calls rollup_apply() for every record it inserts, inside
 * its own transaction, and the report reads only these tables:
 *
 *   daily(activity, day, zone, actor, result, action,          -- key
 *         records, quantity, duration_min,                     -- sums
 *         guardian_contacted, concern_report, vehicle_measure,
 *         licence_seized, seizure)                             -- flag counts
 *   undated(activity, zone, actor, result, action, ...sums)    -- clock unset
 *   calendar(day, date, weekday, iso_week, month, quarter, tertial,
 *            half_year, year)        -- 2020..2050, for analysts' SQL joins
 *   rollup_state(key, value)         -- 'pruned_before_day'
 *   retention(device, counter_max)   -- highest counter pruned per device
 *
 * `day` is the Europe/Stockholm local day (calendar.h). The key starts with
 * activity because every target selects activities first: a target reads a
 * contiguous key range per activity, never the whole table. One row stands
 * for all the records of one day with the same key, so the table grows with
 * days x distinct combinations (a few hundred a day even nationally), not
 * with records: report time stays flat as records accumulate.
 *
 * What is counted: valid (not voided) activity records. admin.* records
 * (heartbeats, voids) are not activities; rollup_apply ignores them. A record
 * with clock_unset = 1 has no date (its minute counts from device boot), so
 * it goes to `undated`: counted in a separate tally, in no period.
 *
 * The store's contract (keep in step with collector/store.c):
 *   - rollup_init() once after creating its own schema (idempotent);
 *   - rollup_apply(+1) for every record it newly inserts that is not
 *     voided; never for a duplicate (INSERT OR IGNORE that changed nothing);
 *   - rollup_apply(-1) with the voided record's fields when a void makes a
 *     valid record invalid (a void of a void, of an unknown record, or of an
 *     already voided record cancels nothing and must not be applied);
 *   - if a void arrives before the record it cancels, insert the record
 *     already voided and do not apply it;
 *   - rollup_release() before sqlite3_close(): rollup_apply keeps its
 *     prepared statements on the connection (found again with
 *     sqlite3_next_stmt, so no global state) and sqlite3_close() refuses
 *     to close while they exist (SQLITE_BUSY).
 * rollup_rebuild() recomputes everything from the records table; tests use
 * it to check that the incremental path agrees, and it repairs a database
 * whose rollups are suspect.
 *
 * Like store.c, this module includes sqlite3.h: it is part of the storage
 * layer. evaluate.c and report.c read these tables.
 */
#ifndef LOFTE_ROLLUP_H
#define LOFTE_ROLLUP_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "record.h"

enum rollup_err {
    ROLLUP_OK = 0,
    ROLLUP_ERR_SQL = -1,       /* SQLite failed; sqlite3_errmsg(db) says why */
    ROLLUP_ERR_NAME = -2,      /* an activity/result/action/zone/actor name not in record.h */
    ROLLUP_ERR_MISSING = -3,   /* sign -1 for a record the rollup does not hold */
    ROLLUP_ERR_ARG = -4        /* sign other than +1/-1, NULL pointer, bad day order */
};
const char *rollup_strerror(int err);

/* One record as the records table holds it (names, not codes). */
struct rollup_row {
    uint32_t start_min;        /* minutes since 2020-01-01T00:00Z */
    int clock_unset;           /* 1: start_min is not a date */
    const char *activity;      /* "alcohol.screening" */
    const char *result;        /* "negative" */
    const char *action;        /* "none" */
    const char *zone;          /* "skoghall_centre" */
    const char *actor;         /* "police" */
    uint32_t quantity;
    uint32_t duration_min;
    uint8_t side;              /* SIDE_* bits of record.h */
};

/* Fill *out from a decoded record; the names point into record.c's static
 * tables. Returns ROLLUP_OK or ROLLUP_ERR_NAME for a code without a name. */
int rollup_row_from_record(const struct record *r, struct rollup_row *out);

/* Create the rollup tables if absent and fill `calendar` once. Safe to call
 * on every open, inside or outside a transaction. */
int rollup_init(sqlite3 *db, char *err, size_t errlen);

/* Add (sign = +1) or remove (sign = -1) one record. admin.* rows are
 * ignored (ROLLUP_OK). Does not open a transaction: the caller's insert and
 * this update must commit together. Returns ROLLUP_OK, ROLLUP_ERR_NAME,
 * ROLLUP_ERR_MISSING (sign -1 only; nothing changed) or ROLLUP_ERR_SQL
 * (sqlite3_errmsg(db) has SQLite's reason). */
int rollup_apply(sqlite3 *db, const struct rollup_row *row, int sign);

/* Finalize the statements rollup_apply cached on db. Call before
 * sqlite3_close(db); calling it twice, or without rollup_apply, is fine. */
void rollup_release(sqlite3 *db);

/* Recompute daily and undated from the records table. Days before
 * 'pruned_before_day' (whose records retention_prune deleted) are kept as
 * they are. Runs in a SAVEPOINT: all or nothing. */
int rollup_rebuild(sqlite3 *db, char *err, size_t errlen);

/* Register lofte's SQL functions on a connection:
 *   lofte_local_day(start_min) -> local day (integer)
 *   lofte_date(day)            -> 'YYYY-MM-DD'
 *   lofte_period(kind, day)    -> '2023-W05', '2023-03', ... (kind as in
 *                                 targets files; 'promise' is not accepted)
 * Deterministic, so usable in indexes and GROUP BY. */
int rollup_register_functions(sqlite3 *db);

/* Retention. Deletes record-level rows (records, including voids) whose
 * local day is before min(older_than_day, reported_through_day + 1), i.e.
 * old enough AND in a period already reported; daily and undated stay.
 * Undated records are never pruned (they have no day). Per device, the
 * highest counter deleted is kept in `retention`, so that the store can
 * recognise a late duplicate of a pruned record (retention_was_pruned) and
 * not count it twice. A void arriving for a pruned record cancels nothing:
 * reported figures are final. *deleted (may be NULL) gets the row count.
 * Runs in a SAVEPOINT. */
int retention_prune(sqlite3 *db, int32_t older_than_day, int32_t reported_through_day,
                    int64_t *deleted, char *err, size_t errlen);

/* 1 if (device, counter) is at or below the device's pruned watermark, 0 if
 * not, a negative rollup_err on failure. */
int retention_was_pruned(sqlite3 *db, int64_t device, int64_t counter);

#endif
