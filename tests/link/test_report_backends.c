/* test_report_backends.c -- lofte-report on PostgreSQL says what it says
 * on SQLite: the same records stored through both backends, then every
 * report format and --sql compared byte for byte; and --sql on PostgreSQL
 * runs as the read-only analyst role, under a timeout, one statement.
 * Needs the PostgreSQL test server (the link_report_backends entry, pg fixture). */
#define _XOPEN_SOURCE 700
#include "linkutil.h"
#include "report.h"
#include "store.h"
#include "storedb.h"

#define DEV 0x5eed0001u

static void setup(void)
{
    tdir_make();
}

static void teardown(void)
{
    storedb_drop();
    tdir_remove();
}

TestSuite(report_backends, .init = setup, .fini = teardown, .timeout = 60);

static struct spool_row mk(uint32_t c, uint8_t activity, uint32_t day_offset, int undated)
{
    struct record r = rec_guard(c);
    struct spool_rx rx = rx_at(1 + (uint16_t)(c % 2), (int16_t)(-80 - (int)(c % 17)));
    struct spool_row row;
    r.activity = activity;
    r.result = 0;
    r.quantity = (uint16_t)(1 + c % 4);
    r.start_min = 2400000u + day_offset * 1440u + c;
    if (undated) {
        r.clock_unset = 1;
        r.start_min = c;
    }
    row = row_of(DEV + c % 3, c, &r, &rx);
    row.id = c;
    return row;
}

/* The same batches into one store. */
static void fill(const char *db)
{
    struct spool_row rows[120];
    enum store_outcome o[120];
    struct store *st;
    char err[256];
    int64_t gw;
    uint32_t i;
    static const uint8_t acts[] = {ACT_ALCOHOL_SCREENING, ACT_PRESENCE_FOOT_PATROL,
                                   ACT_TRAFFIC_CHECKPOINT, ACT_YOUTH_OUTREACH};
    cr_assert_eq(store_open(&st, db, NULL, err, sizeof err), STORE_OK, "%s", err);
    cr_assert_eq(store_gateway(st, "gw-a", "0000000000000000000000000000000000000000", &gw, err,
                               sizeof err), STORE_OK, "%s", err);
    for (i = 0; i < 110; i++)
        rows[i] = mk(i + 1, acts[i % 4], i * 3, i % 37 == 5);
    {
        /* a void of record 4 (device DEV + 1) */
        struct record v;
        struct spool_rx rx = rx_at(1, -90);
        memset(&v, 0, sizeof v);
        v.activity = ACT_ADMIN_VOID;
        v.start_min = 2400000u;
        v.void_counter = 4;
        v.cell = RECORD_CELL_NONE;
        rows[110] = row_of(DEV + 1, 200, &v, &rx);
        rows[110].id = 200;
    }
    cr_assert_eq(store_put_batch(st, gw, rows, 111, 1700000000000, o, err, sizeof err),
                 STORE_OK, "%s", err);
    cr_assert_eq(store_commit(st, err, sizeof err), STORE_OK, "%s", err);
    store_close(st);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n;
    char *b;
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    b = calloc(1, (size_t)n + 1);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return b;
}

/* Run lofte-report's command line; returns its code, the output in *text. */
static int run(const char *db, const char *const *args, char **text, char *err, size_t errlen)
{
    char *argv[24];
    int argc = 0, rc;
    struct report_config cfg;
    const char *out = tpath("out.txt");
    argv[argc++] = "lofte-report";
    argv[argc++] = "--db";
    argv[argc++] = (char *)db;
    while (*args)
        argv[argc++] = (char *)*args++;
    argv[argc++] = "--out";
    argv[argc++] = (char *)out;
    argv[argc] = NULL;
    remove(out);
    rc = report_config_parse(argc, argv, &cfg, err, errlen);
    cr_assert_eq(rc, REPORT_OK, "%s", err);
    rc = report_run(&cfg, (time_t)1735000000, err, errlen);
    *text = rc == REPORT_OK ? slurp(out) : NULL;
    return rc;
}

static char analyst[1400];

static void both(void)
{
    const char *au = getenv("LOFTE_TEST_PG_ANALYST_URI");
    if (!storedb_is_pg())
        cr_skip_test("compares with PostgreSQL: set LOFTE_TEST_STORE=pg (CTest does)");
    fill(tpath("collector.db"));
    fill(storedb_target());
    cr_assert(au && *au);
    snprintf(analyst, sizeof analyst, "%s&options=-csearch_path%%3D%s", au, storedb_schema);
}

Test(report_backends, writes_every_format_the_same_from_postgresql_as_from_sqlite)
{
    static const char *const formats[] = {"table", "csv", "csv-sv", "json", "html"};
    char err[512];
    size_t i;
    both();
    for (i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        const char *args[] = {"--targets", LOFTE_TEST_TARGETS, "--from", "2023-01-01", "--to",
                              "2025-06-30", "--format", formats[i], NULL};
        char *a = NULL, *b = NULL;
        cr_assert_eq(run(tpath("collector.db"), args, &a, err, sizeof err), REPORT_OK, "%s",
                     err);
        cr_assert_eq(run(analyst, args, &b, err, sizeof err), REPORT_OK, "%s: %s", formats[i],
                     err);
        cr_assert_gt(strlen(a), 200, "%s: a report, not an empty file", formats[i]);
        cr_assert_str_eq(b, a, "%s differs between the backends", formats[i]);
        free(a);
        free(b);
    }
}

Test(report_backends, answers_sql_on_the_views_the_same_from_both_backends)
{
    static const char *const queries[] = {
        "SELECT * FROM activity_records ORDER BY device, counter",
        "SELECT * FROM daily_activity ORDER BY date, activity, zone",
        "SELECT iso_week, activity, records, quantity FROM weekly_activity"
        " ORDER BY iso_week, activity",
        "SELECT device, records, last_counter FROM device_health ORDER BY device",
        "SELECT gateway, device, frames, mean_rssi_dBm AS rssi, worst_rssi_dBm AS worst"
        " FROM reception_quality ORDER BY device",
    };
    static const char *const formats[] = {"table", "csv", "json"};
    char err[512];
    size_t i, f;
    both();
    for (i = 0; i < sizeof queries / sizeof queries[0]; i++)
        for (f = 0; f < 3; f++) {
            const char *args[] = {"--sql", queries[i], "--format", formats[f], NULL};
            char *a = NULL, *b = NULL;
            cr_assert_eq(run(tpath("collector.db"), args, &a, err, sizeof err), REPORT_OK,
                         "%s", err);
            cr_assert_eq(run(analyst, args, &b, err, sizeof err), REPORT_OK, "%s: %s",
                         queries[i], err);
            cr_assert_str_eq(b, a, "%s (%s) differs", queries[i], formats[f]);
            free(a);
            free(b);
        }
}

Test(report_backends, runs_sql_on_postgresql_read_only_one_statement_and_in_time)
{
    const char *del[] = {"--sql", "DELETE FROM records", NULL};
    const char *two[] = {"--sql", "SELECT 1; SELECT 2", NULL};
    const char *slow[] = {"--sql", "SELECT pg_sleep(5)", "--sql-timeout", "0.5", NULL};
    char err[512], *t = NULL;
    both();
    cr_assert_eq(run(analyst, del, &t, err, sizeof err), REPORT_ERR_SQL);
    cr_assert_neq(strstr(err, "read-only"), NULL, "%s", err);
    /* even as the owner: the session is read only */
    cr_assert_eq(run(storedb_target(), del, &t, err, sizeof err), REPORT_ERR_SQL);
    cr_assert_eq(storedb_int("SELECT count(*) FROM records"), 111);
    cr_assert_eq(run(analyst, two, &t, err, sizeof err), REPORT_ERR_SQL);
    cr_assert_neq(strstr(err, "multiple commands"), NULL, "%s", err);
    cr_assert_eq(run(analyst, slow, &t, err, sizeof err), REPORT_ERR_TIMEOUT, "%s", err);
}
