/* migrate.h -- copy an SQLite collector database into PostgreSQL
 * (lofte-migrate; docs/postgresql.md "Moving from SQLite").
 *
 * Design note. The target is made by the PostgreSQL store itself
 * (store_open: the schema at this version), and must hold no records: a
 * migration fills an empty database, it does not merge two. Every table
 * the store and the rollups keep is copied with COPY, in one transaction,
 * ids included (so receptions still point at their gateways), the
 * identity sequences moved past them, and then every table's row count,
 * the rollups' sums and the voided records are compared on both sides
 * inside that transaction: it commits only if they agree. The SQLite file
 * is opened read-only and never changed; stop its collector first. */
#ifndef LOFTE_MIGRATE_H
#define LOFTE_MIGRATE_H

#include <stddef.h>
#include <stdio.h>

enum migrate_err {
    MIGRATE_OK = 0,
    MIGRATE_ERR_SOURCE = -1,   /* the SQLite file: missing, not a collector database, too old */
    MIGRATE_ERR_TARGET = -2,   /* PostgreSQL: cannot connect, create, or not empty */
    MIGRATE_ERR_COPY = -3,     /* a table failed to copy: nothing committed */
    MIGRATE_ERR_VERIFY = -4    /* counts differ after the copy: nothing committed */
};

/* Copy sqlite_path into the PostgreSQL database at uri; report, per table,
 * the rows copied on `log` (may be NULL). */
int migrate_run(const char *sqlite_path, const char *uri, FILE *log, char *err, size_t errlen);

#endif
