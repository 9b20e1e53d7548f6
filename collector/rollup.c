/* rollup.c -- maintain the daily aggregates (design note: rollup.h).
 *
 * The hot path is rollup_apply: one call per ingested record, inside the
 * store's transaction. It costs one UPSERT on a WITHOUT ROWID b-tree keyed
 * by (activity, day, zone, actor, result, action). Preparing that statement
 * would cost more than running it, so the statements are prepared once with
 * SQLITE_PREPARE_PERSISTENT and found again on the connection itself with
 * sqlite3_next_stmt + sqlite3_sql: no global cache that could outlive a
 * connection or be shared between threads.
 *
 * The SQL of daily and undated differs only by the day column; both are
 * generated from one set of macros so the two tables cannot drift. Every
 * statement starts with the marker comment ROLLUP_TAG, which is how
 * rollup_release recognises ours among the store's statements.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errbuf.h"
#include "calendar.h"
#include "rollup.h"

#define ROLLUP_TAG "/* lofte rollup */ "

/* Parameter numbers are shared by both tables: undated simply never uses
 * ?2 (SQLite allows gaps in ?NNN numbering). */
#define P_ACTIVITY 1
#define P_DAY 2
#define P_ZONE 3
#define P_ACTOR 4
#define P_RESULT 5
#define P_ACTION 6
#define P_QUANTITY 7
#define P_DURATION 8
#define P_SIDE0 9   /* 9..13: the five side-action flags, 0/1 */

#define SUMS_DECL                                                          \
    "records INTEGER NOT NULL, quantity INTEGER NOT NULL, "                \
    "duration_min INTEGER NOT NULL, guardian_contacted INTEGER NOT NULL, " \
    "concern_report INTEGER NOT NULL, vehicle_measure INTEGER NOT NULL, "  \
    "licence_seized INTEGER NOT NULL, seizure INTEGER NOT NULL"
#define SUMS_COLS                                                           \
    "records, quantity, duration_min, guardian_contacted, concern_report, " \
    "vehicle_measure, licence_seized, seizure"
#define SUMS_VALUES "1, ?7, ?8, ?9, ?10, ?11, ?12, ?13"
#define SUMS_ADD                                                               \
    "records = records + 1, quantity = quantity + excluded.quantity, "         \
    "duration_min = duration_min + excluded.duration_min, "                    \
    "guardian_contacted = guardian_contacted + excluded.guardian_contacted, "  \
    "concern_report = concern_report + excluded.concern_report, "              \
    "vehicle_measure = vehicle_measure + excluded.vehicle_measure, "           \
    "licence_seized = licence_seized + excluded.licence_seized, "              \
    "seizure = seizure + excluded.seizure"
#define SUMS_SUB                                                              \
    "records = records - 1, quantity = quantity - ?7, "                       \
    "duration_min = duration_min - ?8, "                                      \
    "guardian_contacted = guardian_contacted - ?9, "                          \
    "concern_report = concern_report - ?10, "                                 \
    "vehicle_measure = vehicle_measure - ?11, "                               \
    "licence_seized = licence_seized - ?12, seizure = seizure - ?13"
#define SUMS_SELECT                                                          \
    "count(*), sum(quantity), sum(duration_min), sum(guardian_contacted), "  \
    "sum(concern_report), sum(vehicle_measure), sum(licence_seized), "       \
    "sum(seizure)"

#define KEY_DAILY "activity, day, zone, actor, result, action"
#define KEY_UNDATED "activity, zone, actor, result, action"
#define WHERE_DAILY \
    "activity = ?1 AND day = ?2 AND zone = ?3 AND actor = ?4 AND result = ?5 AND action = ?6"
#define WHERE_UNDATED \
    "activity = ?1 AND zone = ?3 AND actor = ?4 AND result = ?5 AND action = ?6"

/* Statements, indexed [table][op]; table 0 = daily, 1 = undated. */
enum { OP_ADD, OP_SUB, OP_DROP_EMPTY, OP_COUNT };
static const char *const apply_sql[2][OP_COUNT] = {
    {ROLLUP_TAG "INSERT INTO daily(" KEY_DAILY ", " SUMS_COLS ") "
                "VALUES(?1, ?2, ?3, ?4, ?5, ?6, " SUMS_VALUES ") "
                "ON CONFLICT(" KEY_DAILY ") DO UPDATE SET " SUMS_ADD,
     ROLLUP_TAG "UPDATE daily SET " SUMS_SUB " WHERE " WHERE_DAILY " AND records > 0",
     ROLLUP_TAG "DELETE FROM daily WHERE " WHERE_DAILY " AND records = 0"},
    {ROLLUP_TAG "INSERT INTO undated(" KEY_UNDATED ", " SUMS_COLS ") "
                "VALUES(?1, ?3, ?4, ?5, ?6, " SUMS_VALUES ") "
                "ON CONFLICT(" KEY_UNDATED ") DO UPDATE SET " SUMS_ADD,
     ROLLUP_TAG "UPDATE undated SET " SUMS_SUB " WHERE " WHERE_UNDATED " AND records > 0",
     ROLLUP_TAG "DELETE FROM undated WHERE " WHERE_UNDATED " AND records = 0"},
};

static const char *const schema_sql =
    "CREATE TABLE IF NOT EXISTS daily("
    " activity TEXT NOT NULL, day INTEGER NOT NULL, zone TEXT NOT NULL,"
    " actor TEXT NOT NULL, result TEXT NOT NULL, action TEXT NOT NULL, " SUMS_DECL ","
    " PRIMARY KEY(" KEY_DAILY ")) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS undated("
    " activity TEXT NOT NULL, zone TEXT NOT NULL, actor TEXT NOT NULL,"
    " result TEXT NOT NULL, action TEXT NOT NULL, " SUMS_DECL ","
    " PRIMARY KEY(" KEY_UNDATED ")) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS calendar("
    " day INTEGER PRIMARY KEY, date TEXT NOT NULL, weekday INTEGER NOT NULL,"
    " iso_week TEXT NOT NULL, month TEXT NOT NULL, quarter TEXT NOT NULL,"
    " tertial TEXT NOT NULL, half_year TEXT NOT NULL, year INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS rollup_state(key TEXT PRIMARY KEY, value INTEGER);"
    "CREATE TABLE IF NOT EXISTS retention("
    " device INTEGER PRIMARY KEY, counter_max INTEGER NOT NULL);";

/* The calendar table spans the years lofte can plausibly hold; analysts
 * join it for week and month labels SQLite cannot compute itself. */
#define CALENDAR_FIRST_YEAR 2020
#define CALENDAR_LAST_YEAR 2050

const char *rollup_strerror(int err)
{
    switch (err) {
    case ROLLUP_OK: return "success";
    case ROLLUP_ERR_SQL: return "SQLite error in the rollup tables";
    case ROLLUP_ERR_NAME: return "a name that is not in the record tables";
    case ROLLUP_ERR_MISSING: return "the rollup holds no such record to remove";
    case ROLLUP_ERR_ARG: return "invalid argument";
    default: return "unknown rollup error";
    }
}


int rollup_row_from_record(const struct record *r, struct rollup_row *out)
{
    const struct record_activity_info *info = record_activity_info(r->activity);
    memset(out, 0, sizeof *out);
    if (!info || r->action >= ACTION_COUNT || r->zone >= ZONE_COUNT || r->actor >= ACTOR_COUNT ||
        r->result >= info->result_count)
        return ROLLUP_ERR_NAME;
    out->start_min = r->start_min;
    out->clock_unset = r->clock_unset;
    out->activity = info->name;
    out->result = record_result_name(r->activity, r->result);
    out->action = record_action_name(r->action);
    out->zone = record_zone_name(r->zone);
    out->actor = record_actor_name(r->actor);
    out->quantity = r->quantity;
    out->duration_min = r->duration_min;
    out->side = r->side;
    return ROLLUP_OK;
}

/* ---- statement cache on the connection -------------------------------- */

static sqlite3_stmt *cached_stmt(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    while ((s = sqlite3_next_stmt(db, s)) != NULL) {
        const char *text = sqlite3_sql(s);
        if (text && strcmp(text, sql) == 0 && !sqlite3_stmt_busy(s))
            return s;
    }
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK)
        return NULL;
    return s;
}

void rollup_release(sqlite3 *db)
{
    sqlite3_stmt *s, *next;
    size_t tag = strlen(ROLLUP_TAG);
    if (!db)
        return;
    for (s = sqlite3_next_stmt(db, NULL); s; s = next) {
        const char *text = sqlite3_sql(s);
        next = sqlite3_next_stmt(db, s);
        if (text && strncmp(text, ROLLUP_TAG, tag) == 0)
            sqlite3_finalize(s);
    }
}

static int name_known(const char *activity, const char *result, const char *action,
                      const char *zone, const char *actor, int *is_admin)
{
    const struct record_activity_info *info = record_activity_by_name(activity);
    int i, ok;
    *is_admin = 0;
    if (!info)
        return 0;
    if (record_category(info->code) == CAT_ADMIN) {
        *is_admin = 1;
        return 1;
    }
    for (ok = 0, i = 0; i < info->result_count && !ok; i++)
        ok = strcmp(record_result_name(info->code, (uint8_t)i), result) == 0;
    if (!ok)
        return 0;
    for (ok = 0, i = 0; i < ACTION_COUNT && !ok; i++)
        ok = strcmp(record_action_name((uint8_t)i), action) == 0;
    if (!ok)
        return 0;
    for (ok = 0, i = 0; i < ZONE_COUNT && !ok; i++)
        ok = strcmp(record_zone_name((uint8_t)i), zone) == 0;
    if (!ok)
        return 0;
    for (ok = 0, i = 0; i < ACTOR_COUNT && !ok; i++)
        ok = strcmp(record_actor_name((uint8_t)i), actor) == 0;
    return ok;
}

/* Binds the key columns; table 1 (undated) has no day. Names point into
 * record.c's tables or the caller's row, both alive for the step, so
 * SQLITE_STATIC saves a copy per call. */
static void bind_key(sqlite3_stmt *s, const struct rollup_row *row, int table)
{
    sqlite3_bind_text(s, P_ACTIVITY, row->activity, -1, SQLITE_STATIC);
    if (!table)
        sqlite3_bind_int64(s, P_DAY, cal_local_day(row->start_min));
    sqlite3_bind_text(s, P_ZONE, row->zone, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, P_ACTOR, row->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, P_RESULT, row->result, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, P_ACTION, row->action, -1, SQLITE_STATIC);
}

/* Steps a cached statement once, then resets it and drops the bindings,
 * so no pointer into the caller's row outlives this call. */
static int step_once(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? ROLLUP_OK : ROLLUP_ERR_SQL;
}

int rollup_apply(sqlite3 *db, const struct rollup_row *row, int sign)
{
    sqlite3_stmt *s;
    int table, is_admin, i, rc;

    if (!db || !row || (sign != 1 && sign != -1) || !row->activity || !row->result ||
        !row->action || !row->zone || !row->actor)
        return ROLLUP_ERR_ARG;
    if (!name_known(row->activity, row->result, row->action, row->zone, row->actor, &is_admin))
        return ROLLUP_ERR_NAME;
    if (is_admin)
        return ROLLUP_OK;

    table = row->clock_unset ? 1 : 0;
    s = cached_stmt(db, apply_sql[table][sign > 0 ? OP_ADD : OP_SUB]);
    if (!s)
        return ROLLUP_ERR_SQL;
    bind_key(s, row, table);
    sqlite3_bind_int64(s, P_QUANTITY, row->quantity);
    sqlite3_bind_int64(s, P_DURATION, row->duration_min);
    for (i = 0; i < 5; i++)
        sqlite3_bind_int(s, P_SIDE0 + i, (row->side >> i) & 1);
    rc = step_once(s);
    if (rc != ROLLUP_OK || sign > 0)
        return rc;
    /* sqlite3_changes still reports the UPDATE: reset does not change it. */
    if (sqlite3_changes(db) != 1)
        return ROLLUP_ERR_MISSING;

    /* Keep no zero rows: the table must equal what rollup_rebuild makes. */
    s = cached_stmt(db, apply_sql[table][OP_DROP_EMPTY]);
    if (!s)
        return ROLLUP_ERR_SQL;
    bind_key(s, row, table);
    return step_once(s);
}

/* ---- schema ----------------------------------------------------------- */

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        errbuf_fail(err, errlen, ROLLUP_ERR_SQL, "%s: %s", what, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return ROLLUP_ERR_SQL;
    }
    return ROLLUP_OK;
}

static int fill_calendar(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *count = NULL, *ins = NULL;
    int32_t day, last = cal_day_from_date(CALENDAR_LAST_YEAR, 12, 31);
    int rc = ROLLUP_OK, have = 0;

    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM calendar", -1, &count, NULL) != SQLITE_OK ||
        sqlite3_step(count) != SQLITE_ROW) {
        rc = errbuf_fail(err, errlen, ROLLUP_ERR_SQL, "cannot read the calendar table: %s",
                  sqlite3_errmsg(db));
        goto out;
    }
    have = sqlite3_column_int(count, 0);
    if (have > 0)
        goto out;
    if (sqlite3_prepare_v2(db, "INSERT INTO calendar VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                           -1, &ins, NULL) != SQLITE_OK) {
        rc = errbuf_fail(err, errlen, ROLLUP_ERR_SQL, "cannot fill the calendar table: %s",
                  sqlite3_errmsg(db));
        goto out;
    }
    for (day = cal_day_from_date(CALENDAR_FIRST_YEAR, 1, 1); day <= last; day++) {
        static const enum cal_kind kinds[5] = {CAL_ISO_WEEK, CAL_MONTH, CAL_QUARTER,
                                               CAL_TERTIAL, CAL_HALF_YEAR};
        char date[CAL_DATE_LEN], label[CAL_LABEL_MAX];
        struct cal_period p;
        int k;
        cal_format_date(day, date);
        sqlite3_bind_int64(ins, 1, day);
        sqlite3_bind_text(ins, 2, date, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(ins, 3, cal_weekday(day));
        for (k = 0; k < 5; k++) {
            cal_period_of(kinds[k], day, 0, 0, &p);
            cal_period_label(&p, label, sizeof label);
            sqlite3_bind_text(ins, 4 + k, label, -1, SQLITE_TRANSIENT);
        }
        sqlite3_bind_int(ins, 9, cal_date_from_day(day).year);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            rc = errbuf_fail(err, errlen, ROLLUP_ERR_SQL, "cannot fill the calendar table: %s",
                      sqlite3_errmsg(db));
            goto out;
        }
        sqlite3_reset(ins);
    }
out:
    sqlite3_finalize(count);
    sqlite3_finalize(ins);
    return rc;
}

int rollup_init(sqlite3 *db, char *err, size_t errlen)
{
    int rc;
    if (!db)
        return errbuf_fail(err, errlen, ROLLUP_ERR_ARG, "no database connection");
    /* A savepoint nests in the store's transaction or stands alone. */
    rc = exec(db, "SAVEPOINT rollup_init", err, errlen, "cannot start the rollup schema");
    if (rc != ROLLUP_OK)
        return rc;
    rc = exec(db, schema_sql, err, errlen, "cannot create the rollup tables");
    if (rc == ROLLUP_OK)
        rc = fill_calendar(db, err, errlen);
    if (rc == ROLLUP_OK)
        return exec(db, "RELEASE rollup_init", err, errlen, "cannot commit the rollup schema");
    sqlite3_exec(db, "ROLLBACK TO rollup_init; RELEASE rollup_init", NULL, NULL, NULL);
    return rc;
}

/* ---- SQL functions ----------------------------------------------------- */

static void fn_local_day(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    sqlite3_result_int64(ctx, cal_local_day(sqlite3_value_int64(argv[0])));
}

static void fn_date(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    char buf[CAL_DATE_LEN];
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    cal_format_date((int32_t)sqlite3_value_int64(argv[0]), buf);
    sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

static void fn_period(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    enum cal_kind kind;
    struct cal_period p;
    char label[CAL_LABEL_MAX];
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    if (cal_kind_from_name((const char *)sqlite3_value_text(argv[0]), &kind) != CAL_OK ||
        kind == CAL_PROMISE) {
        sqlite3_result_error(ctx, "lofte_period: kind is iso_week, month, quarter, tertial, "
                                  "half_year or year", -1);
        return;
    }
    cal_period_of(kind, (int32_t)sqlite3_value_int64(argv[1]), 0, 0, &p);
    cal_period_label(&p, label, sizeof label);
    sqlite3_result_text(ctx, label, -1, SQLITE_TRANSIENT);
}

int rollup_register_functions(sqlite3 *db)
{
    const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    if (sqlite3_create_function(db, "lofte_local_day", 1, flags, NULL, fn_local_day, NULL,
                                NULL) != SQLITE_OK ||
        sqlite3_create_function(db, "lofte_date", 1, flags, NULL, fn_date, NULL, NULL) !=
            SQLITE_OK ||
        sqlite3_create_function(db, "lofte_period", 2, flags, NULL, fn_period, NULL, NULL) !=
            SQLITE_OK)
        return ROLLUP_ERR_SQL;
    return ROLLUP_OK;
}

/* ---- rebuild and retention --------------------------------------------- */

static int64_t state_get(sqlite3 *db, const char *key, int64_t dflt)
{
    sqlite3_stmt *s = NULL;
    int64_t v = dflt;
    if (sqlite3_prepare_v2(db, "SELECT value FROM rollup_state WHERE key = ?1", -1, &s, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
            v = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    return v;
}

/* Runs `sql` with ?1 bound to an integer. */
static int exec_int(sqlite3 *db, const char *sql, int64_t a, char *err, size_t errlen,
                    const char *what)
{
    sqlite3_stmt *s = NULL;
    int rc = ROLLUP_OK;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        rc = errbuf_fail(err, errlen, ROLLUP_ERR_SQL, "%s: %s", what, sqlite3_errmsg(db));
    } else {
        sqlite3_bind_int64(s, 1, a);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = errbuf_fail(err, errlen, ROLLUP_ERR_SQL, "%s: %s", what, sqlite3_errmsg(db));
    }
    sqlite3_finalize(s);
    return rc;
}

/* What counts, from the records table: valid, not admin. */
#define RECORDS_COUNTED "voided_by IS NULL AND activity NOT LIKE 'admin.%'"

int rollup_rebuild(sqlite3 *db, char *err, size_t errlen)
{
    int rc;
    int64_t cut;

    if ((rc = rollup_init(db, err, errlen)) != ROLLUP_OK)
        return rc;
    if (rollup_register_functions(db) != ROLLUP_OK)
        return errbuf_fail(err, errlen, ROLLUP_ERR_SQL, "cannot register lofte's SQL functions: %s",
                    sqlite3_errmsg(db));
    cut = state_get(db, "pruned_before_day", INT32_MIN);
    if ((rc = exec(db, "SAVEPOINT rollup_rebuild", err, errlen, "cannot start the rebuild")))
        return rc;
    rc = exec_int(db, "DELETE FROM daily WHERE day >= ?1", cut, err, errlen,
                  "cannot clear the daily table");
    if (!rc)
        rc = exec(db, "DELETE FROM undated", err, errlen, "cannot clear the undated table");
    if (!rc)
        rc = exec_int(db,
                      "INSERT INTO daily(" KEY_DAILY ", " SUMS_COLS ") "
                      "SELECT activity, lofte_local_day(start_min) AS d, zone, actor, result, "
                      "action, " SUMS_SELECT " FROM records "
                      "WHERE " RECORDS_COUNTED " AND clock_unset = 0 "
                      "AND lofte_local_day(start_min) >= ?1 "
                      "GROUP BY activity, d, zone, actor, result, action",
                      cut, err, errlen, "cannot rebuild the daily table");
    if (!rc)
        rc = exec(db,
                  "INSERT INTO undated(" KEY_UNDATED ", " SUMS_COLS ") "
                  "SELECT activity, zone, actor, result, action, " SUMS_SELECT " FROM records "
                  "WHERE " RECORDS_COUNTED " AND clock_unset = 1 "
                  "GROUP BY activity, zone, actor, result, action",
                  err, errlen, "cannot rebuild the undated table");
    if (!rc)
        return exec(db, "RELEASE rollup_rebuild", err, errlen, "cannot commit the rebuild");
    sqlite3_exec(db, "ROLLBACK TO rollup_rebuild; RELEASE rollup_rebuild", NULL, NULL, NULL);
    return rc;
}

int retention_prune(sqlite3 *db, int32_t older_than_day, int32_t reported_through_day,
                    int64_t *deleted, char *err, size_t errlen)
{
    /* Only what is both old and reported may go. */
    int32_t cut = older_than_day < reported_through_day + 1 ? older_than_day
                                                           : reported_through_day + 1;
    int64_t cut_min = cal_day_start_utc_min(cut);
    int rc;

    if (deleted)
        *deleted = 0;
    if ((rc = rollup_init(db, err, errlen)) != ROLLUP_OK)
        return rc;
    if ((rc = exec(db, "SAVEPOINT retention_prune", err, errlen, "cannot start pruning")))
        return rc;
    /* Watermark first: the WHERE true keeps SQLite's parser from reading
     * ON CONFLICT as a join constraint of the SELECT. */
    rc = exec_int(db,
                  "INSERT INTO retention(device, counter_max) "
                  "SELECT device, max(counter) FROM records "
                  "WHERE clock_unset = 0 AND start_min < ?1 GROUP BY device "
                  "ON CONFLICT(device) DO UPDATE SET "
                  "counter_max = max(counter_max, excluded.counter_max)",
                  cut_min, err, errlen, "cannot record the pruned counters");
    if (!rc)
        rc = exec_int(db, "DELETE FROM records WHERE clock_unset = 0 AND start_min < ?1",
                      cut_min, err, errlen, "cannot delete old records");
    if (!rc && deleted)
        *deleted = sqlite3_changes(db);
    if (!rc)
        rc = exec_int(db,
                      "INSERT INTO rollup_state(key, value) VALUES('pruned_before_day', ?1) "
                      "ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
                      cut, err, errlen, "cannot record the pruning day");
    if (!rc)
        return exec(db, "RELEASE retention_prune", err, errlen, "cannot commit pruning");
    sqlite3_exec(db, "ROLLBACK TO retention_prune; RELEASE retention_prune", NULL, NULL, NULL);
    return rc;
}

int retention_was_pruned(sqlite3 *db, int64_t device, int64_t counter)
{
    /* called for every ingested row: prepared once per connection, like
     * rollup_apply's statements (preparing cost a fifth of a row's work) */
    sqlite3_stmt *s = cached_stmt(
        db, ROLLUP_TAG "SELECT counter_max >= ?2 FROM retention WHERE device = ?1");
    int rc;
    if (!s) {
        /* No retention table: nothing was ever pruned on this database. */
        return sqlite3_errcode(db) == SQLITE_ERROR ? 0 : ROLLUP_ERR_SQL;
    }
    sqlite3_bind_int64(s, 1, device);
    sqlite3_bind_int64(s, 2, counter);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        rc = sqlite3_column_int(s, 0) ? 1 : 0;
    else
        rc = rc == SQLITE_DONE ? 0 : ROLLUP_ERR_SQL;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc;
}
