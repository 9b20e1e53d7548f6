/* test_migrate.c -- lofte-migrate: an SQLite collector database copied into
 * PostgreSQL, verified, and the PostgreSQL store carrying on from it.
 * Needs the PostgreSQL test server (the link_migrate entry, pg fixture). */
#define _XOPEN_SOURCE 700
#include "linkutil.h"
#include "migrate.h"
#include "store.h"
#include "storedb.h"

#define DEV 0x77000001u

static void setup(void)
{
    tdir_make();
    if (!storedb_is_pg())
        cr_skip_test("needs PostgreSQL: set LOFTE_TEST_STORE=pg (CTest does)");
}

static void teardown(void)
{
    storedb_drop();
    tdir_remove();
}

TestSuite(migrate, .init = setup, .fini = teardown, .timeout = 60);

static struct spool_row guard(uint32_t device, uint32_t c)
{
    struct record r = rec_guard(c);
    struct spool_rx rx = rx_at(1, -90);
    struct spool_row row = row_of(device, c, &r, &rx);
    row.id = c;
    return row;
}

static void put(struct store *st, int64_t gw, struct spool_row *rows, const char *const *why,
                size_t n, enum store_outcome *o)
{
    char err[256];
    cr_assert_eq(store_put_checked(st, gw, rows, why, n, wall_ms(), o, err, sizeof err),
                 STORE_OK, "%s", err);
    cr_assert_eq(store_commit(st, err, sizeof err), STORE_OK, "%s", err);
}

/* An SQLite store with records of two devices heard by two gateways, a
 * void, an undecodable record and an unverified one. */
static void fill_sqlite(void)
{
    struct spool_row rows[64], v;
    enum store_outcome o[64];
    struct store *st;
    char err[256];
    int64_t a, b;
    const char *why[1] = {"bad_tag"};
    uint32_t i;
    struct record vr;
    struct spool_rx rx = rx_at(1, -90);
    cr_assert_eq(store_open(&st, tpath("collector.db"), NULL, err, sizeof err), STORE_OK);
    cr_assert_eq(store_gateway(st, "gw-a", "0000000000000000000000000000000000000000", &a, err,
                               sizeof err), STORE_OK);
    cr_assert_eq(store_gateway(st, "gw-b", "1111111111111111111111111111111111111111", &b, err,
                               sizeof err), STORE_OK);
    for (i = 0; i < 60; i++)
        rows[i] = guard(DEV + i % 2, 1 + i / 2);
    put(st, a, rows, NULL, 60, o);
    put(st, b, rows, NULL, 30, o);
    memset(&vr, 0, sizeof vr);
    vr.activity = ACT_ADMIN_VOID;
    vr.start_min = 2400100u;
    vr.void_counter = 3;
    vr.cell = RECORD_CELL_NONE;
    v = row_of(DEV, 100, &vr, &rx);
    put(st, a, &v, NULL, 1, o);
    rows[0] = guard(DEV, 101);
    rows[0].record[1] = 0x99; /* no such activity: quarantined */
    put(st, a, rows, NULL, 1, o);
    cr_assert_eq(o[0], STORE_QUARANTINED);
    rows[0] = guard(DEV, 102);
    put(st, b, rows, why, 1, o);
    cr_assert_eq(o[0], STORE_UNVERIFIED);
    store_close(st);
}

Test(migrate, copies_every_table_verifies_it_and_lets_the_store_carry_on)
{
    char err[1024];
    struct store *st;
    struct spool_row more[2];
    enum store_outcome o[2];
    int64_t gw;
    fill_sqlite();
    cr_assert_eq(migrate_run(tpath("collector.db"), storedb_target(), NULL, err, sizeof err),
                 MIGRATE_OK, "%s", err);
    cr_assert_eq(storedb_int("SELECT count(*) FROM records"), 61);
    cr_assert_eq(storedb_int("SELECT count(*) FROM receptions"), 61 + 30);
    cr_assert_eq(storedb_int("SELECT count(*) FROM gateways"), 2);
    cr_assert_eq(storedb_int("SELECT count(*) FROM rejected_records"), 1);
    cr_assert_eq(storedb_int("SELECT count(*) FROM unverified_records"), 1);
    cr_assert_eq(storedb_int("SELECT voided_by FROM records WHERE device = 1996488705"
                             " AND counter = 3"), 100);
    cr_assert_eq(storedb_int("SELECT sum(records) FROM daily"), 59);
    cr_assert_eq(storedb_int("SELECT count(*) FROM receptions x JOIN gateways g"
                             " ON g.id = x.gateway WHERE g.name = 'gw-b'"), 30);
    cr_assert_eq(storedb_int("SELECT length(wire) FROM records WHERE counter = 5 LIMIT 1"),
                 sql_int(tpath("collector.db"),
                         "SELECT length(wire) FROM records WHERE counter = 5 LIMIT 1"));

    /* the PostgreSQL store carries on: a resend is a duplicate, new ids do
     * not collide with the copied ones */
    cr_assert_eq(store_open(&st, storedb_target(), NULL, err, sizeof err), STORE_OK, "%s", err);
    cr_assert_eq(store_gateway(st, "gw-a", "0000000000000000000000000000000000000000", &gw, err,
                               sizeof err), STORE_OK, "%s", err);
    more[0] = guard(DEV, 7);
    more[1] = guard(DEV, 500);
    put(st, gw, more, NULL, 2, o);
    cr_assert_eq(o[0], STORE_DUPLICATE);
    cr_assert_eq(o[1], STORE_INSERTED);
    cr_assert_eq(store_gateway(st, "gw-c", "2222222222222222222222222222222222222222", &gw, err,
                               sizeof err), STORE_OK, "%s", err);
    cr_assert_gt(gw, 2, "the gateways' ids went on from the copied ones");
    store_close(st);
    cr_assert_eq(storedb_int("SELECT sum(records) FROM daily"), 60);
}

Test(migrate, refuses_a_database_that_already_holds_records_and_changes_nothing)
{
    char err[1024];
    fill_sqlite();
    cr_assert_eq(migrate_run(tpath("collector.db"), storedb_target(), NULL, err, sizeof err),
                 MIGRATE_OK, "%s", err);
    cr_assert_eq(migrate_run(tpath("collector.db"), storedb_target(), NULL, err, sizeof err),
                 MIGRATE_ERR_TARGET);
    cr_assert_neq(strstr(err, "empty"), NULL, "%s", err);
    cr_assert_eq(storedb_int("SELECT count(*) FROM records"), 61);
}

Test(migrate, refuses_a_file_that_is_not_a_collector_database)
{
    char err[1024];
    FILE *f = fopen(tpath("other.db"), "w");
    cr_assert_not_null(f);
    fclose(f);
    cr_assert_eq(migrate_run(tpath("other.db"), storedb_target(), NULL, err, sizeof err),
                 MIGRATE_ERR_SOURCE);
    cr_assert_eq(migrate_run(tpath("other.db"), tpath("x.db"), NULL, err, sizeof err),
                 MIGRATE_ERR_TARGET, "a file is not a PostgreSQL target");
}
