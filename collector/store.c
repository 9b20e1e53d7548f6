/* store.c -- the store's one interface (store.h) over its backends:
 * SQLite (store_sqlite.c, the embedded default) and PostgreSQL
 * (store_pg.c, for deployments several collectors share). Which one is
 * chosen by the database argument alone: a libpq URI (postgresql://... or
 * postgres://...) is PostgreSQL, anything else is an SQLite file path. */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pgread.h"
#include "store.h"
#include "store_backend.h"

const char *store_strerror(int err)
{
    switch (err) {
    case STORE_OK: return "success";
    case STORE_ERR_OPEN: return "cannot open the collector database";
    case STORE_ERR_SCHEMA: return "collector database written by a newer lofte";
    case STORE_ERR_FULL: return "collector database disk full";
    case STORE_ERR_IO: return "collector database error";
    case STORE_ERR_TXN: return "collector database transaction misuse";
    default: return "unknown store error";
    }
}

const char *store_outcome_name(int outcome)
{
    switch (outcome) {
    case STORE_INSERTED: return "inserted";
    case STORE_DUPLICATE: return "duplicate";
    case STORE_CONFLICT: return "conflict";
    case STORE_QUARANTINED: return "quarantined";
    case STORE_UNVERIFIED: return "unverified";
    default: return "unknown";
    }
}

int store_is_pg(const char *db)
{
    return pgread_is_uri(db);
}

int store_open(struct store **out, const char *db, const struct store_options *opt, char *err,
               size_t errlen)
{
    if (store_is_pg(db))
        return store_pg_open(out, db, opt, err, errlen);
    return store_sqlite_open(out, db, opt, err, errlen);
}

const char *store_backend_name(const struct store *st)
{
    return st->ops->name;
}

void store_close(struct store *st)
{
    if (st)
        st->ops->close(st);
}

int store_gateway(struct store *st, const char *name, const char *public_z85, int64_t *id,
                  char *err, size_t errlen)
{
    return st->ops->gateway(st, name, public_z85, id, err, errlen);
}

int store_put_batch(struct store *st, int64_t gateway_id, const struct spool_row *rows, size_t n,
                    int64_t received_ms, enum store_outcome *outcomes, char *err, size_t errlen)
{
    return st->ops->put_checked(st, gateway_id, rows, NULL, n, received_ms, outcomes, err,
                                errlen);
}

int store_put_checked(struct store *st, int64_t gateway_id, const struct spool_row *rows,
                      const char *const *unverified, size_t n, int64_t received_ms,
                      enum store_outcome *outcomes, char *err, size_t errlen)
{
    return st->ops->put_checked(st, gateway_id, rows, unverified, n, received_ms, outcomes, err,
                                errlen);
}

int store_begin(struct store *st, char *err, size_t errlen)
{
    if (!st->ops->begin) /* a backend whose batches are transactions of their own */
        return STORE_ERR_TXN;
    return st->ops->begin(st, err, errlen);
}

int store_can_group(const struct store *st)
{
    return st->ops->begin != NULL;
}

int store_commit(struct store *st, char *err, size_t errlen)
{
    return st->ops->commit(st, err, errlen);
}

void store_rollback(struct store *st)
{
    st->ops->rollback(st);
}

void store_utc_ms(int64_t unix_ms, char out[32])
{
    time_t t = (time_t)(unix_ms / 1000);
    struct tm tm;
    char s[24];
    gmtime_r(&t, &tm);
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03dZ", s, (int)(unix_ms % 1000));
}
