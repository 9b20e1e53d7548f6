/* test_upstream.c -- gateway (spool + upstream) and collector (intake +
 * store) in one process, over real CURVE-secured ZeroMQ sockets on
 * tcp://127.0.0.1 and real SQLite files. Both ends are stepped from one
 * thread, so each test decides exactly when the collector runs, stops, or
 * restarts. link_upstream runs it on SQLite, link_upstream_pg on the
 * PostgreSQL test server (storedb.h). */
#define _XOPEN_SOURCE 700
#include "clog.h"
#include "intake.h"
#include "linkutil.h"
#include "store.h"
#include "storedb.h"

#define DEV 0x0badcafeu

static char pub_col[41], pub_a[41], pub_b[41], pub_bad[41];
static struct store *cst;
static struct intake *cin;
static char endpoint[256];
static int events[16];

struct gw {
    struct spool *spool;
    struct upstream *up;
};

static void on_event(void *ctx, int ev, const char *detail)
{
    (void)ctx;
    (void)detail;
    if (ev > 0 && ev < 16)
        events[ev]++;
}

static void setup(void)
{
    const char *pubs[2], *names[2] = {"gw-a", "gw-b"};
    tdir_make();
    clog_set_level(CLOG_ERROR); /* keep the test output readable */
    make_keys("collector", pub_col);
    make_keys("gw-a", pub_a);
    make_keys("gw-b", pub_b);
    make_keys("intruder", pub_bad);
    pubs[0] = pub_a;
    pubs[1] = pub_b;
    write_allowed("allowed", pubs, names, 2);
}

static void teardown(void)
{
    storedb_drop();
    tdir_remove();
}

TestSuite(link, .init = setup, .fini = teardown, .timeout = 30);

static void collector_start(const char *bind, const struct store_options *opt)
{
    struct intake_config cfg = {bind, tpath("collector.key"), tpath("allowed"), NULL, 0};
    char err[512];
    cr_assert_eq(store_open(&cst, storedb_target(), opt, err, sizeof err), STORE_OK, "%s",
                 err);
    cr_assert_eq(intake_open(&cin, &cfg, cst, err, sizeof err), INTAKE_OK, "%s", err);
    snprintf(endpoint, sizeof endpoint, "%s", intake_endpoint(cin));
}

static void collector_stop(void)
{
    intake_close(cin);
    store_close(cst);
    cin = NULL;
    cst = NULL;
}

/* A second collector on the same database (failover tests). */
static struct store *cst2;
static struct intake *cin2;
static char endpoint2[256];
static int cin_paused; /* 1: the first collector is alive but does not answer */

static void collector2_start(void)
{
    struct intake_config cfg = {"tcp://127.0.0.1:*", tpath("collector.key"), tpath("allowed"),
                                NULL, 0};
    char err[512];
    cr_assert_eq(store_open(&cst2, storedb_target(), NULL, err, sizeof err), STORE_OK, "%s",
                 err);
    cr_assert_eq(intake_open(&cin2, &cfg, cst2, err, sizeof err), INTAKE_OK, "%s", err);
    snprintf(endpoint2, sizeof endpoint2, "%s", intake_endpoint(cin2));
}

static void collector2_stop(void)
{
    intake_close(cin2);
    store_close(cst2);
    cin2 = NULL;
    cst2 = NULL;
}

static void gw_open_at(struct gw *g, const char *spool_name, const char *key,
                       const char *col_key, int batch_max, const char *where, int failover_ms);

static void gw_open(struct gw *g, const char *spool_name, const char *key, const char *col_key,
                    int batch_max)
{
    gw_open_at(g, spool_name, key, col_key, batch_max, endpoint, 0);
}

static void gw_open_at(struct gw *g, const char *spool_name, const char *key,
                       const char *col_key, int batch_max, const char *where, int failover_ms)
{
    struct spool_options sopt = {0, 0};
    struct upstream_config cfg;
    char err[512];
    if (!g->spool)
        cr_assert_eq(spool_open(&g->spool, tpath(spool_name), &sopt, err, sizeof err), SPOOL_OK,
                     "%s", err);
    memset(&cfg, 0, sizeof cfg);
    cfg.endpoint = where;
    cfg.failover_ms = failover_ms;
    cfg.key_file = tpath(key);
    cfg.collector_key = col_key;
    cfg.ack_timeout_ms = 400;
    cfg.batch_max = batch_max;
    cfg.inflight_max = 2 * batch_max;
    cfg.on_event = on_event;
    cr_assert_eq(upstream_open(&g->up, &cfg, g->spool, err, sizeof err), UPSTREAM_OK, "%s", err);
}

static void gw_close(struct gw *g)
{
    upstream_close(g->up);
    spool_close(g->spool);
    g->up = NULL;
    g->spool = NULL;
}

/* Step every gateway and the collector (when running) until done() or
 * timeout_ms; returns done()'s last value. */
static int pump(struct gw *g, size_t ng, int (*done)(struct gw *, size_t), int timeout_ms)
{
    int64_t deadline = mono_now_ms() + timeout_ms;
    char err[512];
    size_t i;
    while (mono_now_ms() < deadline) {
        for (i = 0; i < ng; i++)
            cr_assert_eq(upstream_service(g[i].up, NULL, NULL, 0, 1, err, sizeof err),
                         UPSTREAM_OK, "%s", err);
        if (cin && !cin_paused)
            cr_assert_geq(intake_step(cin, 1), 0);
        if (cin2)
            cr_assert_geq(intake_step(cin2, 1), 0);
        if (done && done(g, ng))
            return 1;
    }
    return done ? done(g, ng) : 0;
}

static int all_delivered(struct gw *g, size_t ng)
{
    size_t i;
    for (i = 0; i < ng; i++)
        if (spool_depth(g[i].spool) != 0)
            return 0;
    return 1;
}

static long long cq(const char *sql)
{
    return storedb_int(sql);
}

Test(link, delivers_every_record_and_deletes_it_only_when_acknowledged)
{
    struct gw g = {0};
    collector_start("tcp://127.0.0.1:*", NULL);
    gw_open(&g, "a.spool", "gw-a.key", pub_col, 32);
    spool_fill(g.spool, DEV, 1, 200, 1);
    cr_assert(pump(&g, 1, all_delivered, 10000), "spool still holds %lld rows",
              (long long)spool_depth(g.spool));
    cr_assert_eq(upstream_stats(g.up)->rows_delivered, 200);
    cr_assert_eq(intake_stats(cin)->rows_inserted, 200);
    cr_assert_eq(events[UPSTREAM_EV_CONNECTED], 1);
    gw_close(&g);
    collector_stop();
    cr_assert_eq(cq("SELECT count(*) FROM records"), 200);
    cr_assert_eq(cq("SELECT count(*) FROM receptions"), 200);
    cr_assert_eq(cq("SELECT count(*) FROM gateways WHERE name = 'gw-a'"), 1);
}

/* ZMQ_MAXMSGSIZE counts the CURVE-encrypted frame: a full batch and its
 * ACK of 256 ids must still fit (they once ended the link for good). */
Test(link, delivers_full_batches_of_256_rows_with_their_acks_under_curve)
{
    struct gw g = {0};
    collector_start("tcp://127.0.0.1:*", NULL);
    gw_open(&g, "a.spool", "gw-a.key", pub_col, UPSTREAM_BATCH_MAX);
    spool_fill(g.spool, DEV, 1, 4 * UPSTREAM_BATCH_MAX, 1);
    cr_assert(pump(&g, 1, all_delivered, 15000), "spool still holds %lld rows",
              (long long)spool_depth(g.spool));
    cr_assert_eq(upstream_stats(g.up)->rows_resent, 0);
    gw_close(&g);
    collector_stop();
    cr_assert_eq(cq("SELECT count(*) FROM records"), 4 * UPSTREAM_BATCH_MAX);
}

static int refused_twice(struct gw *g, size_t ng)
{
    (void)ng;
    return upstream_stats(g->up)->refusals[UPSTREAM_REFUSED_STORAGE_FULL] >= 2;
}

Test(link, acknowledges_nothing_while_the_collector_disk_is_full_and_catches_up_after)
{
    struct gw g = {0};
    struct store_options tiny = {1}; /* no growth beyond the schema */
    if (storedb_is_pg())
        cr_skip_test("SQLite's size cap (PostgreSQL has no per-database one)");
    collector_start("tcp://127.0.0.1:*", NULL);
    collector_stop();
    collector_start(endpoint, &tiny);
    gw_open(&g, "a.spool", "gw-a.key", pub_col, 50);
    spool_fill(g.spool, DEV, 1, 100, 1);
    cr_assert(pump(&g, 1, refused_twice, 10000), "the collector did not refuse");
    /* not committed, so not acknowledged: the gateway still has it all */
    cr_assert_eq(spool_depth(g.spool), 100);
    cr_assert_eq(upstream_stats(g.up)->rows_delivered, 0);
    cr_assert_eq(intake_stats(cin)->acks_sent, 0);
    cr_assert_eq(cq("SELECT count(*) FROM records"), 0);
    /* and the connection was kept */
    cr_assert_eq(upstream_stats(g.up)->connects, 1);
    cr_assert_eq(upstream_stats(g.up)->connected, 1);

    collector_stop();
    collector_start(endpoint, NULL); /* space again */
    cr_assert(pump(&g, 1, all_delivered, 10000));
    gw_close(&g);
    collector_stop();
    cr_assert_eq(cq("SELECT count(*) FROM records"), 100);
}

static int collector_has_100(struct gw *g, size_t ng)
{
    (void)g;
    (void)ng;
    return intake_stats(cin)->rows_inserted >= 100;
}

Test(link, stores_every_record_exactly_once_across_a_collector_restart_mid_stream)
{
    struct gw g = {0};
    collector_start("tcp://127.0.0.1:*", NULL);
    gw_open(&g, "a.spool", "gw-a.key", pub_col, 20);
    spool_fill(g.spool, DEV, 1, 300, 1);
    cr_assert(pump(&g, 1, collector_has_100, 10000));
    cr_assert_gt(spool_depth(g.spool), 0, "not mid-stream any more");

    collector_stop(); /* with batches in flight and ACKs unsent */
    spool_fill(g.spool, DEV, 301, 400, 1); /* the radio side carries on */
    pump(&g, 1, NULL, 300);
    cr_assert_eq(upstream_stats(g.up)->connected, 0);

    collector_start(endpoint, NULL);
    cr_assert(pump(&g, 1, all_delivered, 15000), "spool still holds %lld rows",
              (long long)spool_depth(g.spool));
    cr_assert_geq(upstream_stats(g.up)->connects, 2);
    gw_close(&g);
    collector_stop();
    cr_assert_eq(cq("SELECT count(*) FROM records"), 400);
    cr_assert_eq(cq("SELECT count(DISTINCT counter) FROM records"), 400);
    cr_assert_eq(cq("SELECT min(counter) FROM records"), 1);
    cr_assert_eq(cq("SELECT max(counter) FROM records"), 400);
    cr_assert_eq(cq("SELECT count(*) FROM receptions"), 400);
}

Test(link, resends_what_was_unacknowledged_when_the_gateway_restarts_and_stores_it_once)
{
    struct gw g = {0};
    char err[512];
    collector_start("tcp://127.0.0.1:*", NULL);
    gw_open(&g, "a.spool", "gw-a.key", pub_col, 25);
    spool_fill(g.spool, DEV, 1, 50, 1);
    /* step by hand: stop the gateway right after the collector committed
     * the last batch, before the gateway can read its ACK */
    {
        int64_t deadline = mono_now_ms() + 10000;
        while (intake_stats(cin)->rows_inserted < 50 && mono_now_ms() < deadline) {
            cr_assert_eq(upstream_service(g.up, NULL, NULL, 0, 1, err, sizeof err), UPSTREAM_OK);
            intake_step(cin, 1);
        }
    }
    cr_assert_eq(intake_stats(cin)->rows_inserted, 50);
    cr_assert_gt(spool_depth(g.spool), 0);
    gw_close(&g); /* the gateway "crashes" */

    gw_open(&g, "a.spool", "gw-a.key", pub_col, 25);
    cr_assert(pump(&g, 1, all_delivered, 10000));
    cr_assert_geq(intake_stats(cin)->rows_duplicate, 1, "nothing was resent");
    cr_assert_eq(intake_stats(cin)->rows_inserted, 50);
    gw_close(&g);
    collector_stop();
    cr_assert_eq(cq("SELECT count(*) FROM records"), 50);
}

Test(link, stores_a_frame_two_gateways_heard_once_with_two_receptions)
{
    struct gw g[2] = {{0}, {0}};
    collector_start("tcp://127.0.0.1:*", NULL);
    gw_open(&g[0], "a.spool", "gw-a.key", pub_col, 16);
    gw_open(&g[1], "b.spool", "gw-b.key", pub_col, 16);
    spool_fill(g[0].spool, DEV, 1, 40, 1);
    spool_fill(g[1].spool, DEV, 1, 50, 2); /* b also heard 41..50 */
    cr_assert(pump(g, 2, all_delivered, 10000));
    gw_close(&g[0]);
    gw_close(&g[1]);
    collector_stop();
    cr_assert_eq(cq("SELECT count(*) FROM records"), 50);
    cr_assert_eq(cq("SELECT count(*) FROM receptions"), 90);
    cr_assert_eq(cq("SELECT count(*) FROM gateways"), 2);
    cr_assert_eq(cq("SELECT count(*) FROM receptions r JOIN gateways g ON g.id = r.gateway"
                    " WHERE g.name = 'gw-b' AND r.station = 2"), 50);
}

static int all_connected(struct gw *g, size_t ng)
{
    size_t i;
    for (i = 0; i < ng; i++)
        if (!upstream_stats(g[i].up)->connected)
            return 0;
    return 1;
}

/* Both gateways connected (with nothing to send yet), then each sends
 * what its window allows while the collector is not stepped, so that
 * every batch waits at the collector when intake_step runs once. */
static void two_gateways_send_together(struct gw *g, uint32_t rows_each)
{
    char err[512];
    size_t i;
    cr_assert(pump(g, 2, all_connected, 10000), "the gateways did not connect");
    spool_fill(g[0].spool, DEV, 1, rows_each, 1);
    spool_fill(g[1].spool, DEV + 1, 1, rows_each, 2);
    for (i = 0; i < 2; i++)
        cr_assert_eq(upstream_service(g[i].up, NULL, NULL, 0, 0, err, sizeof err),
                     UPSTREAM_OK, "%s", err);
    for (i = 0; i < 2; i++)
        cr_assert_eq(upstream_stats(g[i].up)->rows_sent, rows_each);
    nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL); /* loopback: every batch arrives */
}

static int refused_both(struct gw *g, size_t ng)
{
    (void)ng;
    return upstream_stats(g[0].up)->refusals[UPSTREAM_REFUSED_STORAGE_ERROR] >= 1 &&
           upstream_stats(g[1].up)->refusals[UPSTREAM_REFUSED_STORAGE_ERROR] >= 1;
}

Test(link, commits_the_batches_of_several_gateways_in_one_group_then_acks_each)
{
    struct gw g[2] = {{0}, {0}};
    if (storedb_is_pg())
        cr_skip_test("the PostgreSQL store commits each batch alone (store_can_group)");
    collector_start("tcp://127.0.0.1:*", NULL);
    gw_open(&g[0], "a.spool", "gw-a.key", pub_col, 16);
    gw_open(&g[1], "b.spool", "gw-b.key", pub_col, 16);
    two_gateways_send_together(g, 32); /* two batches each, the whole window */
    cr_assert_eq(intake_stats(cin)->groups, 0);
    cr_assert_eq(intake_step(cin, 100), 4);
    /* one transaction for the four batches, then four acks */
    cr_assert_eq(intake_stats(cin)->groups, 1);
    cr_assert_eq(intake_stats(cin)->batches, 4);
    cr_assert_eq(intake_stats(cin)->acks_sent, 4);
    cr_assert_eq(intake_stats(cin)->rows_inserted, 64);
    cr_assert_eq(cq("SELECT count(*) FROM records"), 64);
    cr_assert_eq(cq("SELECT count(*) FROM gateways"), 2);
    cr_assert(pump(g, 2, all_delivered, 10000));
    gw_close(&g[0]);
    gw_close(&g[1]);
    collector_stop();
    cr_assert_eq(cq("SELECT count(*) FROM records"), 64);
    cr_assert_eq(cq("SELECT count(*) FROM receptions"), 64);
}

/* The database fails on the second batch of a group (a trigger that
 * aborts any reception after the 16th, in the group's transaction): the
 * first batch, already stored in that transaction, must not survive or be
 * acknowledged either. */
Test(link, refuses_every_batch_of_a_group_when_one_fails_and_stores_none_of_it)
{
    struct gw g[2] = {{0}, {0}};
    sqlite3 *db;
    if (storedb_is_pg())
        cr_skip_test("a group is SQLite's; the PostgreSQL store commits each batch alone");
    collector_start("tcp://127.0.0.1:*", NULL);
    collector_stop();
    cr_assert_eq(sqlite3_open(tpath("collector.db"), &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "CREATE TRIGGER fail_second_batch BEFORE INSERT ON receptions"
                                  " WHEN (SELECT count(*) FROM receptions) >= 16"
                                  " BEGIN SELECT RAISE(ABORT, 'test: injected failure'); END",
                              NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
    collector_start(endpoint, NULL);
    gw_open(&g[0], "a.spool", "gw-a.key", pub_col, 16);
    gw_open(&g[1], "b.spool", "gw-b.key", pub_col, 16);
    two_gateways_send_together(g, 16); /* one batch each */
    cr_assert_eq(intake_step(cin, 100), 2);
    cr_assert_eq(intake_stats(cin)->refused_error, 2, "both batches of the group refused");
    cr_assert_eq(intake_stats(cin)->acks_sent, 0);
    cr_assert_eq(intake_stats(cin)->batches, 0);
    cr_assert_eq(intake_stats(cin)->groups, 0);
    cr_assert_eq(cq("SELECT count(*) FROM records"), 0);
    cr_assert_eq(cq("SELECT count(*) FROM receptions"), 0);
    cr_assert_eq(cq("SELECT count(*) FROM gateways"), 0, "registered inside the group");
    /* the gateways hear it and keep every row (the collector is not
     * stepped meanwhile: a resend must not be stored yet) */
    {
        struct intake *running = cin;
        cin = NULL;
        cr_assert(pump(g, 2, refused_both, 5000), "a gateway was not told");
        cin = running;
    }
    collector_stop();
    cr_assert_eq(spool_depth(g[0].spool), 16);
    cr_assert_eq(spool_depth(g[1].spool), 16);

    /* the database is repaired: everything arrives, once */
    cr_assert_eq(sqlite3_open(tpath("collector.db"), &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "DROP TRIGGER fail_second_batch", NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    collector_start(endpoint, NULL);
    cr_assert(pump(g, 2, all_delivered, 15000), "spools still hold %lld + %lld rows",
              (long long)spool_depth(g[0].spool), (long long)spool_depth(g[1].spool));
    gw_close(&g[0]);
    gw_close(&g[1]);
    collector_stop();
    cr_assert_eq(cq("SELECT count(*) FROM records"), 32);
    cr_assert_eq(cq("SELECT count(*) FROM receptions"), 32);
    cr_assert_eq(cq("SELECT count(*) FROM gateways"), 2);
}

static int auth_failed(struct gw *g, size_t ng)
{
    (void)ng;
    return upstream_stats(g->up)->auth_failures >= 1;
}

Test(link, refuses_a_gateway_whose_key_is_not_allowed_and_stores_nothing_from_it)
{
    struct gw g = {0};
    collector_start("tcp://127.0.0.1:*", NULL);
    gw_open(&g, "x.spool", "intruder.key", pub_col, 16);
    spool_fill(g.spool, DEV, 1, 20, 9);
    cr_assert(pump(&g, 1, auth_failed, 5000), "the collector let an unknown key in");
    pump(&g, 1, NULL, 200);
    cr_assert_eq(events[UPSTREAM_EV_AUTH_FAILED] >= 1, 1);
    cr_assert_eq(upstream_stats(g.up)->connected, 0);
    cr_assert_eq(upstream_stats(g.up)->rows_sent, 0);
    cr_assert_eq(intake_stats(cin)->batches, 0);
    cr_assert_eq(spool_depth(g.spool), 20);
    gw_close(&g);
    collector_stop();
    cr_assert_eq(cq("SELECT count(*) FROM records"), 0);
    cr_assert_eq(cq("SELECT count(*) FROM gateways"), 0);
}

Test(link, never_delivers_to_a_collector_with_another_key)
{
    struct gw g = {0};
    collector_start("tcp://127.0.0.1:*", NULL);
    gw_open(&g, "a.spool", "gw-a.key", pub_b, 16); /* not the collector's key */
    spool_fill(g.spool, DEV, 1, 10, 1);
    pump(&g, 1, NULL, 800);
    cr_assert_eq(upstream_stats(g.up)->connected, 0);
    cr_assert_eq(spool_depth(g.spool), 10);
    gw_close(&g);
    collector_stop();
    cr_assert_eq(cq("SELECT count(*) FROM records"), 0);
}

Test(link, refuses_a_collector_secret_key_file_others_can_read)
{
    struct intake_config cfg = {"tcp://127.0.0.1:*", tpath("collector.key"), tpath("allowed"), NULL, 0};
    struct intake *in = NULL;
    char err[512] = "";
    cr_assert_eq(store_open(&cst, storedb_target(), NULL, err, sizeof err), STORE_OK);
    cr_assert_eq(chmod(tpath("collector.key"), 0644), 0);
    cr_assert_eq(intake_open(&in, &cfg, cst, err, sizeof err), INTAKE_ERR_KEY_MODE);
    cr_assert_null(in);
    cr_assert_neq(strstr(err, "0644"), NULL, "%s", err);
    store_close(cst);
}

Test(link, refuses_an_allowed_gateways_file_anyone_may_write)
{
    struct intake_config cfg = {"tcp://127.0.0.1:*", tpath("collector.key"), tpath("allowed"), NULL, 0};
    struct intake *in = NULL;
    char err[512] = "";
    cr_assert_eq(store_open(&cst, storedb_target(), NULL, err, sizeof err), STORE_OK);
    cr_assert_eq(chmod(tpath("allowed"), 0666), 0);
    cr_assert_eq(intake_open(&in, &cfg, cst, err, sizeof err), INTAKE_ERR_ALLOWED);
    store_close(cst);
}

/* ---- failover: several collectors on one database ---------------------- */

static int first_has_100(struct gw *g, size_t ng)
{
    (void)g;
    (void)ng;
    return intake_stats(cin)->rows_inserted >= 100;
}

static int failed_over(struct gw *g, size_t ng)
{
    (void)ng;
    return upstream_stats(g->up)->failovers >= 1 && upstream_stats(g->up)->connected &&
           intake_stats(cin2)->rows_inserted >= 50;
}

Test(link, fails_over_to_the_next_collector_and_back_and_stores_every_record_once)
{
    struct gw g = {0};
    char both[600];
    uint64_t a_ins, b_ins;
    collector_start("tcp://127.0.0.1:*", NULL);
    collector2_start();
    snprintf(both, sizeof both, "%s, %s", endpoint, endpoint2);
    gw_open_at(&g, "a.spool", "gw-a.key", pub_col, 20, both, 1000);
    cr_assert_str_eq(upstream_endpoint(g.up), endpoint);
    spool_fill(g.spool, DEV, 1, 600, 1);
    cr_assert(pump(&g, 1, first_has_100, 10000));

    /* the first collector hangs: connected, batches arrive, no ACK */
    cin_paused = 1;
    cr_assert(pump(&g, 1, failed_over, 15000), "no failover (failovers %llu)",
              (unsigned long long)upstream_stats(g.up)->failovers);
    cr_assert_str_eq(upstream_endpoint(g.up), endpoint2);
    cr_assert_geq(events[UPSTREAM_EV_FAILOVER], 1);

    /* the second one dies; the first answers again, its backlog now stale */
    collector2_stop();
    cin_paused = 0;
    cr_assert(pump(&g, 1, all_delivered, 20000), "spool still holds %lld rows",
              (long long)spool_depth(g.spool));
    cr_assert_geq(upstream_stats(g.up)->failovers, 2);
    cr_assert_str_eq(upstream_endpoint(g.up), endpoint);
    gw_close(&g);
    a_ins = intake_stats(cin)->rows_inserted;
    collector_stop();
    b_ins = 0; /* counted before it stopped: the database says the rest */
    (void)b_ins;
    cr_assert_eq(cq("SELECT count(*) FROM records"), 600);
    cr_assert_eq(cq("SELECT count(DISTINCT counter) FROM records"), 600);
    cr_assert_eq(cq("SELECT count(*) FROM receptions"), 600, "one gateway: one reception each");
    cr_assert_eq(cq("SELECT sum(records) FROM daily"), 600, "counted once");
    cr_assert_lt(a_ins, 600, "the second collector stored nothing");
}

Test(link, keeps_one_endpoint_when_it_is_the_only_one)
{
    struct gw g = {0};
    collector_start("tcp://127.0.0.1:*", NULL);
    gw_open_at(&g, "a.spool", "gw-a.key", pub_col, 20, endpoint, 300);
    spool_fill(g.spool, DEV, 1, 50, 1);
    cin_paused = 1;
    pump(&g, 1, NULL, 1500);
    cr_assert_eq(upstream_stats(g.up)->failovers, 0, "nowhere to go, nothing to do");
    cin_paused = 0;
    cr_assert(pump(&g, 1, all_delivered, 10000));
    gw_close(&g);
    collector_stop();
    cr_assert_eq(cq("SELECT count(*) FROM records"), 50);
}
