/* pgread.c -- see pgread.h. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "pgread.h"
#include "rollup.h"

/* PostgreSQL type OIDs (pg_type.dat; stable across versions) */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_OID 26
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700

int pgread_is_uri(const char *db)
{
    return db && (strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0);
}

static int pg_say(PGconn *c, PGresult *r, char *err, size_t errlen, const char *what)
{
    const char *m = r ? PQresultErrorMessage(r) : NULL;
    size_t n;
    if (!m || !*m)
        m = PQerrorMessage(c);
    n = strlen(m);
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
        n--;
    errbuf_say(err, errlen, "%s: %.*s", what, (int)n, m);
    PQclear(r);
    return -1;
}

static PGconn *pg_connect(const char *uri, char *err, size_t errlen)
{
    PGconn *c = PQconnectdb(uri);
    PGresult *r;
    if (!c || PQstatus(c) != CONNECTION_OK) {
        pg_say(c, NULL, err, errlen, "cannot connect to the collector database");
        PQfinish(c);
        return NULL;
    }
    r = PQexec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        pg_say(c, r, err, errlen, "cannot begin a read-only transaction");
        PQfinish(c);
        return NULL;
    }
    PQclear(r);
    return c;
}

static int sqlite_say(sqlite3 *db, char *err, size_t errlen, const char *what)
{
    errbuf_say(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
    return -1;
}

/* Bind one PostgreSQL text value as the SQLite type its column has. */
static void bind_value(sqlite3_stmt *ins, int i, const PGresult *r, int row, int col)
{
    const char *v = PQgetvalue(r, row, col);
    if (PQgetisnull(r, row, col)) {
        sqlite3_bind_null(ins, i);
        return;
    }
    switch (PQftype(r, col)) {
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID:
        sqlite3_bind_int64(ins, i, strtoll(v, NULL, 10));
        break;
    case OID_BOOL:
        sqlite3_bind_int(ins, i, v[0] == 't');
        break;
    case OID_FLOAT4:
    case OID_FLOAT8:
    case OID_NUMERIC:
        sqlite3_bind_double(ins, i, strtod(v, NULL));
        break;
    case OID_BYTEA: {
        size_t n = 0;
        unsigned char *b = PQunescapeBytea((const unsigned char *)v, &n);
        if (b)
            sqlite3_bind_blob(ins, i, b, (int)n, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(ins, i);
        PQfreemem(b);
        break;
    }
    default:
        sqlite3_bind_text(ins, i, v, -1, SQLITE_TRANSIENT);
    }
}

/* Copy a result's rows with ins (one ? per column). */
static int copy_rows(sqlite3 *mem, const PGresult *r, sqlite3_stmt *ins, char *err,
                     size_t errlen)
{
    int row, col, cols = PQnfields(r);
    for (row = 0; row < PQntuples(r); row++) {
        for (col = 0; col < cols; col++)
            bind_value(ins, col + 1, r, row, col);
        if (sqlite3_step(ins) != SQLITE_DONE)
            return sqlite_say(mem, err, errlen, "cannot keep the rows");
        sqlite3_reset(ins);
    }
    return 0;
}

static int copy_table(PGconn *c, sqlite3 *mem, const char *table, const char *cols, int ncols,
                      char *err, size_t errlen)
{
    char sql[512], ins_sql[512], what[96];
    sqlite3_stmt *ins = NULL;
    PGresult *r;
    int rc, k;
    size_t n;
    snprintf(sql, sizeof sql, "SELECT %s FROM %s", cols, table);
    r = PQexec(c, sql);
    snprintf(what, sizeof what, "cannot read %s", table);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK)
        return pg_say(c, r, err, errlen, what);
    n = (size_t)snprintf(ins_sql, sizeof ins_sql, "INSERT INTO %s(%s) VALUES(?", table, cols);
    for (k = 1; k < ncols && n < sizeof ins_sql - 4; k++)
        n += (size_t)snprintf(ins_sql + n, sizeof ins_sql - n, ", ?");
    snprintf(ins_sql + n, sizeof ins_sql - n, ")");
    if (sqlite3_prepare_v2(mem, ins_sql, -1, &ins, NULL) != SQLITE_OK) {
        PQclear(r);
        return sqlite_say(mem, err, errlen, "cannot prepare the copy");
    }
    rc = copy_rows(mem, r, ins, err, errlen);
    sqlite3_finalize(ins);
    PQclear(r);
    return rc;
}

#define ROLLUP_SUMS                                                                 \
    "records, quantity, duration_min, guardian_contacted, concern_report, "         \
    "vehicle_measure, licence_seized, seizure"

int pgread_rollups(sqlite3 *mem, const char *uri, char *err, size_t errlen)
{
    PGconn *c;
    int rc = -1;
    if (rollup_init(mem, err, errlen) != ROLLUP_OK)
        return -1;
    if (!(c = pg_connect(uri, err, errlen)))
        return -1;
    if (sqlite3_exec(mem, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite_say(mem, err, errlen, "cannot begin");
    } else if (copy_table(c, mem, "daily",
                          "activity, day, zone, actor, result, action, " ROLLUP_SUMS, 14, err,
                          errlen) == 0 &&
               copy_table(c, mem, "undated",
                          "activity, zone, actor, result, action, " ROLLUP_SUMS, 13, err,
                          errlen) == 0 &&
               copy_table(c, mem, "rollup_state", "key, value", 2, err, errlen) == 0 &&
               copy_table(c, mem, "retention", "device, counter_max", 2, err, errlen) == 0) {
        rc = sqlite3_exec(mem, "COMMIT", NULL, NULL, NULL) == SQLITE_OK
                 ? 0
                 : sqlite_say(mem, err, errlen, "cannot commit");
    }
    PQfinish(c);
    return rc;
}

int pgread_query(sqlite3 *mem, const char *uri, const char *sql, double timeout_s,
                 char *select_out, size_t select_len, char *err, size_t errlen)
{
    PGconn *c;
    PGresult *r;
    char set[96], *create = NULL, *ins_sql = NULL;
    sqlite3_stmt *ins = NULL;
    int rc = -1, cols, k;
    size_t n, cap;
    if (!(c = pg_connect(uri, err, errlen)))
        return -1;
    /* the role's own timeout (scripts/pg.sh: 30 s) may be longer: ours wins */
    snprintf(set, sizeof set, "SET LOCAL statement_timeout = %ld", (long)(timeout_s * 1000 + 0.5));
    r = PQexec(c, set);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        pg_say(c, r, err, errlen, "cannot set the timeout");
        goto out;
    }
    PQclear(r);
    /* PQprepare: the extended protocol takes one statement, never two */
    r = PQprepare(c, "", sql, 0, NULL);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        pg_say(c, r, err, errlen, "the query does not compile");
        goto out;
    }
    PQclear(r);
    r = PQexecPrepared(c, "", 0, NULL, NULL, NULL, 0);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        if (state && strcmp(state, "57014") == 0) { /* query_canceled: the timeout */
            PQclear(r);
            rc = 1;
        } else if (state && strcmp(state, "25006") == 0) { /* read_only_sql_transaction */
            PQclear(r);
            errbuf_say(err, errlen, "--sql runs read-only queries; this statement would "
                       "change the database");
        } else if (r && PQresultStatus(r) == PGRES_COMMAND_OK) {
            PQclear(r);
            errbuf_say(err, errlen, "--sql prints a query's rows; this statement returns none");
        } else {
            pg_say(c, r, err, errlen, "the query failed");
        }
        goto out;
    }
    cols = PQnfields(r);
    cap = 64 + (size_t)cols * 16;
    create = malloc(cap);
    ins_sql = malloc(cap);
    if (!create || !ins_sql || cols == 0) {
        PQclear(r);
        errbuf_say(err, errlen, cols ? "out of memory" : "the query returns no columns");
        goto out;
    }
    n = (size_t)snprintf(create, cap, "CREATE TABLE result(");
    for (k = 0; k < cols; k++)
        n += (size_t)snprintf(create + n, cap - n, "%sc%d", k ? ", " : "", k);
    snprintf(create + n, cap - n, ")");
    n = (size_t)snprintf(ins_sql, cap, "INSERT INTO result VALUES(");
    for (k = 0; k < cols; k++)
        n += (size_t)snprintf(ins_sql + n, cap - n, "%s?", k ? ", " : "");
    snprintf(ins_sql + n, cap - n, ")");
    if (sqlite3_exec(mem, create, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(mem, ins_sql, -1, &ins, NULL) != SQLITE_OK) {
        PQclear(r);
        sqlite_say(mem, err, errlen, "cannot keep the rows");
        goto out;
    }
    sqlite3_exec(mem, "BEGIN", NULL, NULL, NULL);
    rc = copy_rows(mem, r, ins, err, errlen);
    sqlite3_exec(mem, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    /* the printer reads result with the query's own column names */
    n = (size_t)snprintf(select_out, select_len, "SELECT ");
    for (k = 0; k < cols && n < select_len; k++) {
        const char *name = PQfname(r, k), *p;
        n += (size_t)snprintf(select_out + n, select_len - n, "%sc%d AS \"", k ? ", " : "", k);
        for (p = name; *p && n + 2 < select_len; p++) {
            if (*p == '"')
                select_out[n++] = '"';
            select_out[n++] = *p;
        }
        if (n < select_len)
            n += (size_t)snprintf(select_out + n, select_len - n, "\"");
    }
    if (n < select_len)
        n += (size_t)snprintf(select_out + n, select_len - n, " FROM result");
    if (n >= select_len) {
        errbuf_say(err, errlen, "the query has too many columns to print");
        rc = -1;
    }
    PQclear(r);
out:
    sqlite3_finalize(ins);
    free(create);
    free(ins_sql);
    PQfinish(c);
    return rc;
}
