/* store.h -- the collector's database: every record once, every reception
 * of it, and the gateways that sent them (SQLite, WAL).
 *
 * Design note. The store is the record of truth for the follow-up of the
 * citizen promise, so it is written for two readers: the intake, which
 * needs exactly-once and durable acknowledgements, and an analyst with the
 * sqlite3 shell, who needs tables that explain themselves (names, not
 * codes; units in column names; `.schema` shows a comment on each table).
 * The schema is in docs/upstream.md §6 and in store.c.
 *
 * Exactly once: records are UNIQUE(device, counter) and inserted with
 * "ON CONFLICT DO NOTHING", so a batch resent after a lost ACK, or the same
 * radio frame relayed by two gateways, stores the record once; each
 * gateway's reception of it is a row in `receptions` (UNIQUE per gateway).
 * One batch, or a group of batches (store_begin), is one transaction,
 * committed with synchronous=FULL; the intake acknowledges a batch only
 * after store_commit of its transaction returned STORE_OK.
 *
 * Voids: an admin.void record cancels an earlier record of its device by
 * setting that record's voided_by to the void's counter. A void that
 * arrives before its target (radio order is not logging order) is resolved
 * when the target is inserted. A void of a void cancels nothing.
 *
 * Typical sizes: tens of thousands of records a year for one municipality,
 * a few million nationally (docs/domain.md §6); batches of up to 256 rows.
 * Rollups (rollup.h) are kept in step here, in the same transaction; targets,
 * views and reports are built on these tables (docs/reports.md). This API
 * stays about intake, so that another backend can stand behind it: two do,
 * SQLite (store_sqlite.c, the default) and PostgreSQL (store_pg.c, several
 * collectors sharing one database: docs/postgresql.md), chosen by
 * store_open's db argument; store_backend.h is their contract.
 */
#ifndef LOFTE_STORE_H
#define LOFTE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "spool.h"

enum store_outcome {
    STORE_INSERTED = 1,     /* new record */
    STORE_DUPLICATE = 2,    /* same (device, counter), same bytes: already stored */
    STORE_CONFLICT = 3,     /* same (device, counter), DIFFERENT bytes: first kept, logged */
    STORE_QUARANTINED = 4,  /* record bytes do not decode: kept in rejected_records */
    STORE_UNVERIFIED = 5    /* device tag not verified: kept in unverified_records only */
};

enum store_err {
    STORE_OK = 0,
    STORE_ERR_OPEN = -500,    /* cannot open or create, or not a lofte collector database */
    STORE_ERR_SCHEMA = -501,  /* written by a newer lofte */
    STORE_ERR_FULL = -502,    /* disk (or the configured cap) full: do not acknowledge */
    STORE_ERR_IO = -503,      /* any other SQLite failure: do not acknowledge */
    STORE_ERR_TXN = -504      /* put_batch inside a batch, commit outside one */
};

const char *store_strerror(int err);
const char *store_outcome_name(int outcome);

struct store_options {
    int64_t max_bytes;        /* cap on the database size (PRAGMA max_page_count); 0 = none */
};

struct store;

/* db: an SQLite file path, or a libpq URI (postgresql://... or
 * postgres://...) for the PostgreSQL store (docs/postgresql.md). */
int store_open(struct store **out, const char *db, const struct store_options *opt,
               char *err, size_t errlen);
/* 1 if db names a PostgreSQL database (a libpq URI), 0 for an SQLite path. */
int store_is_pg(const char *db);
/* "sqlite" or "postgresql" */
const char *store_backend_name(const struct store *st);
void store_close(struct store *st);

/* The gateways row for this authenticated gateway (created on first sight,
 * public key updated when it was re-keyed); commits by itself, unless
 * called inside a group (store_begin), which it then joins. */
int store_gateway(struct store *st, const char *name, const char *public_z85, int64_t *id,
                  char *err, size_t errlen);

/* Group commit: open one transaction for several batches (the intake puts
 * every batch that arrived within a few milliseconds into it, then commits
 * once and only then acknowledges them all). Between store_begin and
 * store_commit any number of store_put_batch/store_put_checked calls add to
 * the same transaction; if one of them fails, the WHOLE group is rolled
 * back (nothing of any of its batches is stored) and none may be acked.
 * STORE_ERR_TXN if a transaction is already open. store_gateway inside a
 * group is part of it: the id it returns is gone if the group is rolled
 * back. */
int store_begin(struct store *st, char *err, size_t errlen);
/* Whether this backend takes groups. The SQLite store does; the
 * PostgreSQL store keeps one batch per transaction (it retries a batch on
 * deadlock with other collectors, docs/postgresql.md), so the intake
 * commits its batches one by one there. */
int store_can_group(const struct store *st);

/* Store n rows from gateway gateway_id; outcomes[i] says what happened to
 * rows[i]. received_ms (Unix ms) stamps the batch. Outside store_begin it
 * begins a transaction of its own, which store_commit ends (a second put
 * before that commit is STORE_ERR_TXN). On error the transaction (the
 * batch, or the whole group) is already rolled back and nothing may be
 * acked; STORE_ERR_FULL says the disk is full. */
int store_put_batch(struct store *st, int64_t gateway_id, const struct spool_row *rows, size_t n,
                    int64_t received_ms, enum store_outcome *outcomes, char *err, size_t errlen);
/* store_put_batch, where unverified (NULL: none) names, per row, why the
 * collector could not verify its device tag (verify.h): such a row goes to
 * unverified_records, never to records or receptions, so it can neither
 * be counted nor pre-empt the genuine (device, counter). */
int store_put_checked(struct store *st, int64_t gateway_id, const struct spool_row *rows,
                      const char *const *unverified, size_t n, int64_t received_ms,
                      enum store_outcome *outcomes, char *err, size_t errlen);
/* Commit the batch or the group, synchronous=FULL. Only after STORE_OK may
 * any of it be acked. On failure all of it is rolled back. */
int store_commit(struct store *st, char *err, size_t errlen);
void store_rollback(struct store *st);

#endif
