/* storedb.h -- the database a store test runs against: an SQLite file in
 * the test's directory, or, when LOFTE_TEST_STORE=pg (the *_pg CTest
 * entries, started after the pg fixture: scripts/pg.sh), a schema of its
 * own in the test server's database, so that tests run in parallel and
 * every test starts empty. The same tests, the same assertions: only
 * these helpers know the backend.
 *
 *   storedb_target()   what to give store_open (path or URI)
 *   storedb_int(sql)   the first column of the first row as an integer
 *                      (a boolean is 0 or 1; -1 when there is no row)
 *   storedb_exec(sql)  run a statement (as the owner)
 *   storedb_drop()     remove the test's schema (teardown)
 */
#ifndef LOFTE_STOREDB_H
#define LOFTE_STOREDB_H

#include <libpq-fe.h>

#include "linkutil.h"

static char storedb_schema[48];
static char storedb_uri[1024];
static PGconn *storedb_conn;

static inline int storedb_is_pg(void)
{
    const char *b = getenv("LOFTE_TEST_STORE");
    return b && strcmp(b, "pg") == 0;
}

static inline PGconn *storedb_pg(void)
{
    const char *base = getenv("LOFTE_TEST_PG_URI");
    if (storedb_conn)
        return storedb_conn;
    cr_assert(base && *base, "LOFTE_TEST_STORE=pg needs LOFTE_TEST_PG_URI (scripts/pg.sh env)");
    if (!storedb_schema[0]) {
        PGconn *c = PQconnectdb(base);
        PGresult *r;
        char sql[96];
        cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
        snprintf(storedb_schema, sizeof storedb_schema, "t_%ld_%ld", (long)getpid(),
                 (long)(wall_ms() % 1000000));
        snprintf(sql, sizeof sql, "CREATE SCHEMA %s", storedb_schema);
        r = PQexec(c, sql);
        cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
        snprintf(storedb_uri, sizeof storedb_uri, "%s%coptions=-csearch_path%%3D%s", base,
                 strchr(base, '?') ? '&' : '?', storedb_schema);
    }
    storedb_conn = PQconnectdb(storedb_uri);
    cr_assert_eq(PQstatus(storedb_conn), CONNECTION_OK, "%s", PQerrorMessage(storedb_conn));
    return storedb_conn;
}

static inline const char *storedb_target(void)
{
    if (!storedb_is_pg())
        return tpath("collector.db");
    storedb_pg();
    return storedb_uri;
}

static inline long long storedb_int(const char *sql)
{
    PGresult *r;
    long long v = -1;
    if (!storedb_is_pg())
        return sql_int(tpath("collector.db"), sql);
    r = PQexec(storedb_pg(), sql);
    cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s: %s", sql,
                 PQerrorMessage(storedb_pg()));
    if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) {
        const char *s = PQgetvalue(r, 0, 0);
        v = strcmp(s, "t") == 0 ? 1 : strcmp(s, "f") == 0 ? 0 : atoll(s);
    }
    PQclear(r);
    return v;
}

static inline void storedb_exec(const char *sql)
{
    if (!storedb_is_pg()) {
        sqlite3 *h;
        cr_assert_eq(sqlite3_open(tpath("collector.db"), &h), SQLITE_OK);
        cr_assert_eq(sqlite3_exec(h, sql, 0, 0, 0), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(h));
        sqlite3_close(h);
        return;
    }
    {
        PGresult *r = PQexec(storedb_pg(), sql);
        cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
                  "%s: %s", sql, PQerrorMessage(storedb_pg()));
        PQclear(r);
    }
}

static inline void storedb_drop(void)
{
    if (storedb_conn) {
        char sql[160];
        snprintf(sql, sizeof sql, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS %s CASCADE", storedb_schema);
        PQclear(PQexec(storedb_conn, sql));
        PQfinish(storedb_conn);
        storedb_conn = NULL;
    }
}

#endif
