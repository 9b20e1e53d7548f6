/* migrate.c -- see migrate.h. */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "migrate.h"
#include "store.h"

/* The SQLite store's schema version this copies (store_sqlite.c). */
#define MIGRATE_SQLITE_VERSION 3

/* In dependency order; calendar is the same on both sides (filled by
 * each store) and not copied. has_id: an identity column to move on. */
static const struct {
    const char *name;
    int has_id;
    const char *columns; /* NULL: every column, the same on both sides */
} migrate_tables[] = {
    {"gateways", 1, NULL},
    {"records", 1, NULL},
    /* SQLite's schema 3 keys receptions by records.id (its `record`
     * column, for fewer bytes written per record); PostgreSQL keys them by
     * (gateway, device, counter) and has no such column */
    {"receptions", 1, "id, gateway, station, device, counter, rx_time_ms, rx_utc, rssi_dBm,"
                      " snr_dB, freq_hz, sf, bw_kHz, received_at"},
    {"rejected_records", 1, NULL},
    {"unverified_records", 1, NULL},
    {"daily", 0, NULL},
    {"undated", 0, NULL},
    {"rollup_state", 0, NULL},
    {"retention", 0, NULL},
};
#define MIGRATE_NTABLES (sizeof migrate_tables / sizeof migrate_tables[0])

/* A growing buffer for one COPY line. */
struct line {
    char *b;
    size_t n, cap;
    int oom;
};

static void line_put(struct line *l, const char *s, size_t n)
{
    if (l->oom)
        return;
    if (l->n + n + 1 > l->cap) {
        size_t cap = (l->n + n + 1) * 2;
        char *nb = realloc(l->b, cap);
        if (!nb) {
            l->oom = 1;
            return;
        }
        l->b = nb;
        l->cap = cap;
    }
    memcpy(l->b + l->n, s, n);
    l->n += n;
}

/* COPY's text format: \N is NULL; backslash, tab, newline and CR escaped;
 * bytea as \\x and hex digits. */
static void line_value(struct line *l, sqlite3_stmt *q, int col)
{
    static const char hex[] = "0123456789abcdef";
    switch (sqlite3_column_type(q, col)) {
    case SQLITE_NULL:
        line_put(l, "\\N", 2);
        break;
    case SQLITE_BLOB: {
        const unsigned char *p = sqlite3_column_blob(q, col);
        int i, n = sqlite3_column_bytes(q, col);
        line_put(l, "\\\\x", 3);
        for (i = 0; i < n; i++) {
            char h[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
            line_put(l, h, 2);
        }
        break;
    }
    default: {
        const char *s = (const char *)sqlite3_column_text(q, col);
        for (; s && *s; s++) {
            if (*s == '\\')
                line_put(l, "\\\\", 2);
            else if (*s == '\t')
                line_put(l, "\\t", 2);
            else if (*s == '\n')
                line_put(l, "\\n", 2);
            else if (*s == '\r')
                line_put(l, "\\r", 2);
            else
                line_put(l, s, 1);
        }
    }
    }
}

static int pg_ok(PGconn *c, PGresult *r, ExecStatusType want, char *err, size_t errlen,
                 const char *what)
{
    if (r && PQresultStatus(r) == want)
        return 1;
    errbuf_say(err, errlen, "%s: %s", what,
               r && *PQresultErrorMessage(r) ? PQresultErrorMessage(r) : PQerrorMessage(c));
    PQclear(r);
    return 0;
}

static int pg_exec(PGconn *c, const char *sql, char *err, size_t errlen, const char *what)
{
    PGresult *r = PQexec(c, sql);
    if (!pg_ok(c, r, PGRES_COMMAND_OK, err, errlen, what))
        return -1;
    PQclear(r);
    return 0;
}

static long long pg_int(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    long long v = -1;
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
        v = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static long long sq_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW &&
        sqlite3_column_type(q, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* COPY one table; *rows gets the count. */
static int copy_table(sqlite3 *db, PGconn *c, const char *table, const char *columns,
                      long long *rows, char *err, size_t errlen)
{
    char sql[320];
    struct line cols = {0}, l = {0};
    sqlite3_stmt *q = NULL;
    PGresult *r;
    int i, n, rc = MIGRATE_ERR_COPY, step;
    *rows = 0;
    snprintf(sql, sizeof sql, "SELECT %s FROM %s", columns ? columns : "*", table);
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        errbuf_say(err, errlen, "cannot read %s from the SQLite database: %s", table,
                   sqlite3_errmsg(db));
        return MIGRATE_ERR_SOURCE;
    }
    n = sqlite3_column_count(q);
    line_put(&cols, "COPY ", 5);
    line_put(&cols, table, strlen(table));
    line_put(&cols, "(", 1);
    for (i = 0; i < n; i++) {
        const char *name = sqlite3_column_name(q, i);
        if (i)
            line_put(&cols, ", ", 2);
        line_put(&cols, name, strlen(name)); /* unquoted: rssi_dBm is rssi_dbm there */
    }
    line_put(&cols, ") FROM STDIN", 12);
    line_put(&cols, "", 1);
    if (cols.oom) {
        errbuf_say(err, errlen, "out of memory");
        goto out;
    }
    r = PQexec(c, cols.b);
    if (!pg_ok(c, r, PGRES_COPY_IN, err, errlen, "cannot start the copy"))
        goto out;
    PQclear(r);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        l.n = 0;
        for (i = 0; i < n; i++) {
            if (i)
                line_put(&l, "\t", 1);
            line_value(&l, q, i);
        }
        line_put(&l, "\n", 1);
        if (l.oom || PQputCopyData(c, l.b, (int)l.n) != 1) {
            PQputCopyEnd(c, "lofte-migrate failed");
            errbuf_say(err, errlen, "cannot copy %s: %s", table,
                       l.oom ? "out of memory" : PQerrorMessage(c));
            while ((r = PQgetResult(c)))
                PQclear(r);
            goto out;
        }
        (*rows)++;
    }
    if (PQputCopyEnd(c, step == SQLITE_DONE ? NULL : "the SQLite database failed") != 1) {
        errbuf_say(err, errlen, "cannot copy %s: %s", table, PQerrorMessage(c));
        goto out;
    }
    r = PQgetResult(c);
    if (step != SQLITE_DONE) {
        PQclear(r);
        errbuf_say(err, errlen, "cannot read %s: %s", table, sqlite3_errmsg(db));
    } else if (pg_ok(c, r, PGRES_COMMAND_OK, err, errlen, "the copy failed")) {
        PQclear(r);
        rc = MIGRATE_OK;
    }
    while ((r = PQgetResult(c)))
        PQclear(r);
out:
    free(cols.b);
    free(l.b);
    sqlite3_finalize(q);
    return rc;
}

/* The figures compared on both sides after the copy. */
static const char *const migrate_checks[] = {
    "SELECT coalesce(sum(records), 0) FROM daily",
    "SELECT coalesce(sum(quantity), 0) FROM daily",
    "SELECT coalesce(sum(records), 0) FROM undated",
    "SELECT count(*) FROM records WHERE voided_by IS NOT NULL",
    "SELECT count(*) FROM activity_records",
    "SELECT count(DISTINCT device) FROM records",
    "SELECT coalesce(max(counter), 0) FROM records",
};

static int migrate_verify(sqlite3 *db, PGconn *c, FILE *log, char *err, size_t errlen)
{
    size_t i;
    char sql[96];
    for (i = 0; i < MIGRATE_NTABLES; i++) {
        long long a, b;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", migrate_tables[i].name);
        a = sq_int(db, sql);
        b = pg_int(c, sql);
        if (a != b || a < 0)
            return errbuf_fail(err, errlen, MIGRATE_ERR_VERIFY,
                               "%s: %lld rows in SQLite, %lld in PostgreSQL", migrate_tables[i].name,
                               a, b);
    }
    for (i = 0; i < sizeof migrate_checks / sizeof migrate_checks[0]; i++) {
        long long a = sq_int(db, migrate_checks[i]), b = pg_int(c, migrate_checks[i]);
        if (a != b || a < 0)
            return errbuf_fail(err, errlen, MIGRATE_ERR_VERIFY,
                               "'%s' is %lld in SQLite, %lld in PostgreSQL", migrate_checks[i],
                               a, b);
        if (log)
            fprintf(log, "lofte-migrate: verified %s = %lld\n", migrate_checks[i], a);
    }
    return MIGRATE_OK;
}

int migrate_run(const char *sqlite_path, const char *uri, FILE *log, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    PGconn *c = NULL;
    struct store *st = NULL;
    long long ver;
    size_t i;
    int rc;

    if (!store_is_pg(uri))
        return errbuf_fail(err, errlen, MIGRATE_ERR_TARGET,
                           "the target must be a postgresql:// URI, not '%s'", uri);
    if (sqlite3_open_v2(sqlite_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        rc = errbuf_fail(err, errlen, MIGRATE_ERR_SOURCE, "cannot open %s read-only: %s",
                         sqlite_path, db ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(db, 5000);
    ver = sq_int(db, "PRAGMA user_version");
    if (sq_int(db, "PRAGMA application_id") != 0x4C4F4353 || ver != MIGRATE_SQLITE_VERSION) {
        rc = errbuf_fail(err, errlen, MIGRATE_ERR_SOURCE,
                         "%s is not a lofte collector database at schema version %d (it is at "
                         "%lld): open it once with this lofte-collector first", sqlite_path,
                         MIGRATE_SQLITE_VERSION, ver);
        goto out;
    }
    /* the target's schema, by the store that will use it */
    if ((rc = store_open(&st, uri, NULL, err, errlen)) != STORE_OK) {
        rc = MIGRATE_ERR_TARGET;
        goto out;
    }
    store_close(st);
    c = PQconnectdb(uri);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        rc = errbuf_fail(err, errlen, MIGRATE_ERR_TARGET, "cannot connect: %s",
                         c ? PQerrorMessage(c) : "out of memory");
        goto out;
    }
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    if (pg_exec(c, "BEGIN ISOLATION LEVEL SERIALIZABLE", err, errlen, "cannot begin") != 0) {
        rc = MIGRATE_ERR_TARGET;
        goto out;
    }
    /* one snapshot of the source, too */
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    if (pg_int(c, "SELECT count(*) FROM records") != 0 ||
        pg_int(c, "SELECT count(*) FROM gateways") != 0 ||
        pg_int(c, "SELECT count(*) FROM daily") != 0) {
        rc = errbuf_fail(err, errlen, MIGRATE_ERR_TARGET,
                         "the PostgreSQL database already holds records, gateways or rollups: "
                         "a migration fills an empty one");
        goto out;
    }
    for (i = 0; i < MIGRATE_NTABLES; i++) {
        long long rows = 0;
        if ((rc = copy_table(db, c, migrate_tables[i].name, migrate_tables[i].columns, &rows,
                              err, errlen)) != MIGRATE_OK)
            goto out;
        if (migrate_tables[i].has_id) {
            char sql[256];
            snprintf(sql, sizeof sql,
                     "SELECT setval(pg_get_serial_sequence('%s', 'id'), "
                     "(SELECT coalesce(max(id), 0) + 1 FROM %s), false)",
                     migrate_tables[i].name, migrate_tables[i].name);
            if (pg_int(c, sql) < 1) {
                rc = errbuf_fail(err, errlen, MIGRATE_ERR_COPY, "cannot move the ids of %s on",
                                 migrate_tables[i].name);
                goto out;
            }
        }
        if (log)
            fprintf(log, "lofte-migrate: %s: %lld rows\n", migrate_tables[i].name, rows);
    }
    if ((rc = migrate_verify(db, c, log, err, errlen)) != MIGRATE_OK)
        goto out;
    if (pg_exec(c, "COMMIT", err, errlen, "cannot commit") != 0)
        rc = MIGRATE_ERR_COPY;
out:
    if (c && rc != MIGRATE_OK && PQstatus(c) == CONNECTION_OK)
        PQclear(PQexec(c, "ROLLBACK"));
    PQfinish(c);
    sqlite3_close(db);
    return rc;
}
