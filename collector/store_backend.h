/* store_backend.h -- what a store backend provides (store.h's operations,
 * behind one table of function pointers). Only store.c and the backends
 * (store_sqlite.c, store_pg.c) include this.
 *
 * Design note. store.h's promises (exactly once on (device, counter),
 * voids in either order, one reception per gateway, rollups in the batch's
 * transaction, an ack only after store_commit, unverified rows kept apart)
 * are the backends' contract; tests/link/test_store.c checks them against
 * every backend with the same tests. A backend's struct begins with a
 * `struct store` whose ops point at its table; store.c dispatches. */
#ifndef LOFTE_STORE_BACKEND_H
#define LOFTE_STORE_BACKEND_H

#include "store.h"

struct store_ops {
    const char *name; /* "sqlite", "postgresql" */
    void (*close)(struct store *st);
    int (*gateway)(struct store *st, const char *name, const char *public_z85, int64_t *id,
                   char *err, size_t errlen);
    int (*put_checked)(struct store *st, int64_t gateway_id, const struct spool_row *rows,
                       const char *const *unverified, size_t n, int64_t received_ms,
                       enum store_outcome *outcomes, char *err, size_t errlen);
    /* a group: the put_checked calls until commit/rollback share one
     * transaction (collector/intake.c's group commit) */
    int (*begin)(struct store *st, char *err, size_t errlen);
    int (*commit)(struct store *st, char *err, size_t errlen);
    void (*rollback)(struct store *st);
};

struct store {
    const struct store_ops *ops;
};

int store_sqlite_open(struct store **out, const char *path, const struct store_options *opt,
                      char *err, size_t errlen);
/* conninfo: a libpq URI, postgresql://... or postgres://... */
int store_pg_open(struct store **out, const char *conninfo, const struct store_options *opt,
                  char *err, size_t errlen);

/* "2024-09-14T20:31:00.123Z" */
void store_utc_ms(int64_t unix_ms, char out[32]);

#endif
