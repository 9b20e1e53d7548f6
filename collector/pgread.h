/* pgread.h -- the analysis side's thin PostgreSQL layer: reports and --sql
 * on a PostgreSQL collector store (docs/postgresql.md).
 *
 * Design note. lofte-report's evaluation (evaluate.c) and its --sql
 * printer (report.c) are written against SQLite. Rather than a second SQL
 * dialect for each, the PostgreSQL side only reads: the rollups (daily,
 * undated, rollup_state: a few hundred rows a day even nationally, never
 * the records) or one analyst query's rows are copied, in one READ ONLY
 * REPEATABLE READ transaction (a consistent snapshot while collectors
 * write), into an in-memory SQLite database whose schema rollup_init()
 * makes, exactly as the SQLite store's. Everything after that is the
 * SQLite code path, so every format comes out the same on both backends.
 * The cost is the copy: the rollups of a year nationally are ~100 000 rows
 * (docs/performance.md). Only this module includes libpq-fe.h on the
 * analysis side. */
#ifndef LOFTE_PGREAD_H
#define LOFTE_PGREAD_H

#include <stddef.h>

#include <sqlite3.h>

/* 1 if db is a libpq URI (postgresql://... or postgres://...). */
int pgread_is_uri(const char *db);

/* Fill mem (an empty in-memory SQLite database) with the rollup tables of
 * the PostgreSQL store at uri. 0, or -1 with a sentence in err. */
int pgread_rollups(sqlite3 *mem, const char *uri, char *err, size_t errlen);

/* Run one analyst query on uri, read only (the session is READ ONLY; one
 * statement, by the extended protocol), with statement_timeout =
 * timeout_s, and keep its rows in mem's table `result` (columns c0..cN).
 * select_out gets "SELECT c0 AS "name0", ... FROM result" for the
 * printer. Returns 0; 1 when the server stopped it at the timeout; -1 with
 * a sentence in err. */
int pgread_query(sqlite3 *mem, const char *uri, const char *sql, double timeout_s,
                 char *select_out, size_t select_len, char *err, size_t errlen);

#endif
