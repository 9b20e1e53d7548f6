/* test_retention.c -- lofte-retention on a real collector database: it
 * deletes old, already reported records and their receptions, every report
 * figure stays the same, younger or unreported rows stay, and a late copy of
 * a pruned record that arrives through the store is not counted again.
 *
 * The database is written by the collector's own store (store_put_batch),
 * in a temporary directory; the command is the built lofte-retention,
 * run as an operator would run it. */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw, popen, open_memstream */
#include <criterion/criterion.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"
#include "evaluate.h"
#include "record.h"
#include "report.h"
#include "rollup.h"
#include "spool.h"
#include "store.h"
#include "targets.h"

#define DEV 0x0A0B0C0Du

static char tdir[512], db_path[600];
static struct store *st;
static int64_t gw_a, gw_b;

static void setup(void)
{
    char err[256];
    snprintf(tdir, sizeof tdir, "%s/retention-XXXXXX", LOFTE_TEST_TMP);
    cr_assert_not_null(mkdtemp(tdir), "mkdtemp %s", tdir);
    snprintf(db_path, sizeof db_path, "%s/collector.db", tdir);
    cr_assert_eq(store_open(&st, db_path, NULL, err, sizeof err), STORE_OK, "%s", err);
    cr_assert_eq(store_gateway(st, "gw-a", "0000000000000000000000000000000000000000", &gw_a,
                               err, sizeof err), STORE_OK, "%s", err);
    cr_assert_eq(store_gateway(st, "gw-b", "1111111111111111111111111111111111111111", &gw_b,
                               err, sizeof err), STORE_OK, "%s", err);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void teardown(void)
{
    store_close(st);
    st = NULL;
    if (tdir[0])
        nftw(tdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(retention, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------- */

static int32_t day_of(const char *date)
{
    int32_t d;
    cr_assert_eq(cal_parse_date(date, &d), CAL_OK, "bad test date %s", date);
    return d;
}

/* "YYYY-MM-DDTHH:MM" UTC to lofte minutes. */
static uint32_t min_of(const char *utc)
{
    char date[11];
    int h = 0, m = 0;
    cr_assert(strlen(utc) == 16 && utc[10] == 'T', "bad test time %s", utc);
    memcpy(date, utc, 10);
    date[10] = 0;
    cr_assert_eq(sscanf(utc + 11, "%2d:%2d", &h, &m), 2);
    return (uint32_t)((int64_t)day_of(date) * 1440 + h * 60 + m);
}

static int32_t today(void)
{
    return cal_day_from_unix(time(NULL));
}

/* --keep-days that makes `date` the first day kept. */
static long keep_days_until(const char *date)
{
    long n = (long)(today() - day_of(date));
    cr_assert_geq(n, 0, "the test's cutoff %s lies in the future", date);
    return n;
}

static struct record rec_at(uint8_t activity, uint32_t start_min, uint16_t quantity)
{
    struct record r;
    memset(&r, 0, sizeof r);
    r.activity = activity;
    r.start_min = start_min;
    r.quantity = quantity;
    r.duration_min = 30;
    r.zone = ZONE_HARBOUR_MORUDDEN;
    r.actor = ACTOR_MUNICIPAL_GUARD;
    r.cell = RECORD_CELL_NONE;
    return r;
}

static struct record void_at(uint32_t start_min, uint32_t target)
{
    struct record r;
    memset(&r, 0, sizeof r);
    r.activity = ACT_ADMIN_VOID;
    r.start_min = start_min;
    r.void_counter = target;
    r.cell = RECORD_CELL_NONE;
    return r;
}

static struct spool_row row_of(uint32_t device, uint32_t counter, const struct record *r,
                               uint16_t station)
{
    struct spool_rx rx = {.rx_time_ms = 1726345801234ULL, .freq_hz = 868100000u,
                          .rssi_dBm = -97, .snr_qdB = -29, .sf = 9, .bw_kHz = 125,
                          .station = station};
    struct spool_row row;
    cr_assert_eq(spool_row_fill(&row, device, counter, r, &rx), 0);
    row.id = counter;
    return row;
}

/* Store and commit rows in batches of up to 256, as the intake does. */
static void put(int64_t gw, const struct spool_row *rows, size_t n, enum store_outcome *out)
{
    char err[256];
    enum store_outcome scratch[256];
    size_t i;
    for (i = 0; i < n; i += 256) {
        size_t k = n - i < 256 ? n - i : 256;
        cr_assert_eq(store_put_batch(st, gw, rows + i, k, 1726345802000LL,
                                     out ? out + i : scratch, err, sizeof err),
                     STORE_OK, "%s", err);
        cr_assert_eq(store_commit(st, err, sizeof err), STORE_OK, "%s", err);
    }
}

static enum store_outcome put_one(int64_t gw, const struct spool_row *row)
{
    enum store_outcome o;
    put(gw, row, 1, &o);
    return o;
}

static long long q(const char *fmt, ...)
{
    sqlite3 *h;
    sqlite3_stmt *s;
    char sql[1024];
    long long v = -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    cr_assert_eq(sqlite3_open_v2(db_path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 2000);
    cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(h));
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}

/* Run lofte-retention with args; its standard output and error in out. */
static int retention(char *out, size_t n, const char *fmt, ...)
{
    char args[1024], cmd[2048];
    size_t len = 0;
    FILE *p;
    int status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", LOFTE_RETENTION_BIN, args);
    p = popen(cmd, "r");
    cr_assert_not_null(p, "popen %s", cmd);
    len = fread(out, 1, n - 1, p);
    out[len] = 0;
    status = pclose(p);
    cr_assert(WIFEXITED(status), "%s did not exit", cmd);
    return WEXITSTATUS(status);
}

/* Every figure a report shows, as text: the Hammarö targets evaluated from
 * the rollups over the whole promise and written as JSON (periods, zones,
 * weekly series, undated counts), plus both rollup tables row by row. */
static char *figures(void)
{
    struct target_set ts;
    struct eval_result *r = NULL;
    struct report_options o;
    sqlite3 *h;
    sqlite3_stmt *s;
    char err[512], *buf = NULL;
    size_t len = 0;
    FILE *f;

    cr_assert_eq(targets_load(LOFTE_TARGETS_FILE, &ts, err, sizeof err), TARGETS_OK, "%s", err);
    cr_assert_eq(sqlite3_open_v2(db_path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    cr_assert_eq(evaluate(h, &ts, day_of("2023-01-01"), day_of("2025-12-31"), EVAL_ROLLUPS, &r,
                          err, sizeof err),
                 EVAL_OK, "%s", err);
    f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    memset(&o, 0, sizeof o);
    o.format = REPORT_JSON;
    o.min_count = REPORT_MIN_COUNT_DEFAULT;
    o.targets_path = "hammaro.targets";
    cr_assert_eq(report_write(f, r, &ts, &o), REPORT_OK);
    cr_assert_eq(sqlite3_prepare_v2(h,
                                    "SELECT 'daily', * FROM daily UNION ALL "
                                    "SELECT 'undated', activity, NULL, zone, actor, result, "
                                    "action, records, quantity, duration_min, "
                                    "guardian_contacted, concern_report, vehicle_measure, "
                                    "licence_seized, seizure FROM undated ORDER BY 1, 2, 3, 4, "
                                    "5, 6, 7",
                                    -1, &s, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(h));
    while (sqlite3_step(s) == SQLITE_ROW) {
        int i;
        for (i = 0; i < sqlite3_column_count(s); i++)
            fprintf(f, "%s|", sqlite3_column_text(s, i) ? (const char *)sqlite3_column_text(s, i)
                                                       : "");
        fputc('\n', f);
    }
    sqlite3_finalize(s);
    fclose(f);
    eval_free(r);
    targets_free(&ts);
    sqlite3_close(h);
    return buf;
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/* n records per device for 4 devices between two days, counters in time
 * order as a handheld logs them: every activity, zone and actor at random,
 * ~3 % voids of an earlier record, the first few of one device undated;
 * all through gateway a, every third again through gateway b. */
static void ingest_random(uint64_t seed, int n, const char *first, const char *last)
{
    int64_t t0 = cal_day_start_utc_min(day_of(first));
    int64_t span = (int64_t)(day_of(last) - day_of(first) + 1) * 1440;
    uint8_t acts[64];
    size_t nacts = 0, i, k = 0, nb = 0;
    struct spool_row *rows = calloc((size_t)n * 4, sizeof *rows);
    struct spool_row *again = calloc((size_t)n * 4, sizeof *again);
    const struct record_activity_info *info;
    uint32_t d;

    cr_assert(rows && again);
    for (i = 0; (info = record_activity_at(i)) != NULL; i++)
        if (record_category(info->code) != CAT_ADMIN && nacts < sizeof acts)
            acts[nacts++] = info->code;
    for (d = 0; d < 4; d++) {
        uint32_t c;
        for (c = 1; c <= (uint32_t)n; c++) {
            uint32_t at = (uint32_t)(t0 + span * (c - 1) / n + (int64_t)(xorshift(&seed) % 60));
            struct record r;
            if (c > 5 && xorshift(&seed) % 100 < 3) {
                r = void_at(at, c - 1 - (uint32_t)(xorshift(&seed) % 5));
            } else {
                uint8_t a = acts[xorshift(&seed) % nacts];
                r = rec_at(a, at, (uint16_t)(xorshift(&seed) % 40));
                r.result = (uint8_t)(xorshift(&seed) % record_activity_info(a)->result_count);
                r.action = (uint8_t)(xorshift(&seed) % ACTION_COUNT);
                r.side = (uint8_t)(xorshift(&seed) % 32);
                r.zone = (uint8_t)(xorshift(&seed) % ZONE_COUNT);
                r.actor = (uint8_t)(xorshift(&seed) % ACTOR_COUNT);
                r.duration_min = (uint16_t)(xorshift(&seed) % 240);
                if (d == 3 && c <= 4) {
                    r.clock_unset = 1; /* booted without a clock */
                    r.start_min = 10 * c;
                }
            }
            rows[k] = row_of(0x100 + d, c, &r, 1);
            if (k % 3 == 0)
                again[nb++] = row_of(0x100 + d, c, &r, 2);
            k++;
        }
    }
    put(gw_a, rows, k, NULL);
    put(gw_b, again, nb, NULL);
    free(rows);
    free(again);
}

/* ---- tests --------------------------------------------------------------- */

Test(retention, deletes_old_reported_records_and_leaves_every_report_figure_unchanged)
{
    char out[4096], expect[256], err[256], *before, *after;
    int64_t cut_min = cal_day_start_utc_min(day_of("2024-04-01"));
    long long n_rec, n_rx, n_undated, n_kept;
    sqlite3 *h;

    ingest_random(20240401, 1500, "2023-01-01", "2024-12-31");
    n_rec = q("SELECT count(*) FROM records WHERE clock_unset = 0 AND start_min < %lld",
              (long long)cut_min);
    n_rx = q("SELECT count(*) FROM receptions x JOIN records r USING(device, counter)"
             " WHERE r.clock_unset = 0 AND r.start_min < %lld", (long long)cut_min);
    n_undated = q("SELECT count(*) FROM records WHERE clock_unset = 1");
    n_kept = q("SELECT count(*) FROM records") - n_rec;
    cr_assert_gt(n_rec, 1000, "the test needs old records to prune");
    cr_assert_gt(n_rx, n_rec, "some records were heard by two gateways");
    cr_assert_gt(q("SELECT count(*) FROM records WHERE voided_by IS NOT NULL"), 20);
    cr_assert_eq(n_undated, 4);
    before = figures();

    /* Old enough: before 2024-07-01; reported: through 2024-03-31. */
    cr_assert_eq(retention(out, sizeof out,
                           "--db '%s' --keep-days %ld --reported-through 2024-03-31 --dry-run",
                           db_path, keep_days_until("2024-07-01")),
                 0, "%s", out);
    snprintf(expect, sizeof expect,
             "would delete %lld records and %lld receptions dated before 2024-04-01", n_rec,
             n_rx);
    cr_assert(strstr(out, expect), "expected \"%s\" in: %s", expect, out);
    cr_assert_eq(q("SELECT count(*) FROM records"), n_rec + n_kept, "a dry run changes nothing");

    cr_assert_eq(retention(out, sizeof out,
                           "--db '%s' --keep-days %ld --reported-through 2024-03-31",
                           db_path, keep_days_until("2024-07-01")),
                 0, "%s", out);
    snprintf(expect, sizeof expect,
             "deleted %lld records and %lld receptions dated before 2024-04-01", n_rec, n_rx);
    cr_assert(strstr(out, expect), "expected \"%s\" in: %s", expect, out);

    cr_assert_eq(q("SELECT count(*) FROM records"), n_kept);
    cr_assert_eq(q("SELECT count(*) FROM records WHERE clock_unset = 0 AND start_min < %lld",
                   (long long)cut_min), 0);
    cr_assert_eq(q("SELECT count(*) FROM records WHERE clock_unset = 1"), n_undated,
                 "undated records are never pruned");
    cr_assert_eq(q("SELECT count(*) FROM receptions x WHERE NOT EXISTS (SELECT 1 FROM records r"
                   " WHERE r.device = x.device AND r.counter = x.counter)"), 0,
                 "no reception is left without its record");
    cr_assert_eq(q("SELECT value FROM rollup_state WHERE key = 'pruned_before_day'"),
                 day_of("2024-04-01"));

    after = figures();
    cr_assert(strlen(before) > 10000, "the report has figures to compare");
    cr_assert_str_eq(after, before, "a report figure changed");

    /* A rebuild of the rollups from what is left keeps the pruned days. */
    cr_assert_eq(sqlite3_open(db_path, &h), SQLITE_OK);
    cr_assert_eq(rollup_rebuild(h, err, sizeof err), ROLLUP_OK, "%s", err);
    rollup_release(h);
    sqlite3_close(h);
    free(after);
    after = figures();
    cr_assert_str_eq(after, before, "a rebuild after pruning changed a figure");
    free(before);
    free(after);
}

Test(retention, keeps_records_younger_than_the_cutoff_or_after_the_reported_day)
{
    /* Local days: 22:59 UTC on 2023-12-31 is 23:59 local, the 31st;
     * 23:00 UTC is already 2024-01-01 local. */
    static const char *const when[] = {"2023-05-10T08:00", "2023-12-31T22:59",
                                       "2023-12-31T23:00", "2024-02-15T08:00",
                                       "2024-06-01T08:00"};
    struct spool_row rows[6];
    struct record r;
    char out[4096], *before, *after;
    uint32_t c;

    for (c = 1; c <= 5; c++) {
        r = rec_at(ACT_GUARD_HARBOUR, min_of(when[c - 1]), (uint16_t)c);
        rows[c - 1] = row_of(DEV, c, &r, 1);
    }
    r = rec_at(ACT_GUARD_HARBOUR, 77, 6);
    r.clock_unset = 1;
    rows[5] = row_of(DEV + 1, 1, &r, 1);
    put(gw_a, rows, 6, NULL);
    put(gw_b, rows, 6, NULL);
    before = figures();

    /* Old: before 2024-03-01. Reported: through 2023-12-31 only. */
    cr_assert_eq(retention(out, sizeof out, "--db=%s --keep-days=%ld --reported-through=2023-12-31",
                           db_path, keep_days_until("2024-03-01")),
                 0, "%s", out);
    cr_assert(strstr(out, "deleted 2 records and 4 receptions dated before 2024-01-01"), "%s",
              out);
    cr_assert_eq(q("SELECT group_concat(counter, '') FROM (SELECT counter FROM records"
                   " WHERE device = %u ORDER BY counter)", DEV), 345,
                 "2024-01-01 local (23:00 UTC the day before) is not reported yet");
    cr_assert_eq(q("SELECT count(*) FROM records WHERE clock_unset = 1"), 1);

    /* Reported through the end of 2024 now: the age limit decides. */
    cr_assert_eq(retention(out, sizeof out, "--db '%s' --keep-days %ld --reported-through 2024-12-31",
                           db_path, keep_days_until("2024-03-01")),
                 0, "%s", out);
    cr_assert(strstr(out, "deleted 2 records and 4 receptions"), "%s", out);
    cr_assert_eq(q("SELECT group_concat(counter, '') FROM records WHERE device = %u", DEV), 5,
                 "2024-06-01 is younger than the cutoff");
    cr_assert_eq(q("SELECT count(*) FROM records WHERE clock_unset = 1"), 1);
    cr_assert_eq(q("SELECT count(*) FROM receptions"), 4, "two records, two gateways each");

    /* Nothing more to do: the same run again deletes nothing. */
    cr_assert_eq(retention(out, sizeof out, "--db '%s' --keep-days %ld --reported-through 2024-12-31",
                           db_path, keep_days_until("2024-03-01")),
                 0, "%s", out);
    cr_assert(strstr(out, "deleted 0 records and 0 receptions"), "%s", out);

    after = figures();
    cr_assert_str_eq(after, before);
    free(before);
    free(after);
}

Test(retention, does_not_count_a_late_duplicate_of_a_pruned_record_again)
{
    struct record r1 = rec_at(ACT_GUARD_HARBOUR, min_of("2023-05-10T08:00"), 11);
    struct record r3 = rec_at(ACT_GUARD_HARBOUR, min_of("2023-06-01T08:00"), 13);
    struct record r5 = rec_at(ACT_GUARD_HARBOUR, min_of("2024-02-01T08:00"), 15);
    struct record r2 = rec_at(ACT_GUARD_HARBOUR, 120, 12), r8, v7;
    struct spool_row rows[3] = {row_of(DEV, 1, &r1, 1), row_of(DEV, 3, &r3, 1),
                                row_of(DEV, 5, &r5, 1)};
    char out[4096], *before, *after;

    put(gw_a, rows, 3, NULL);
    cr_assert_eq(retention(out, sizeof out, "--db '%s' --keep-days %ld --reported-through 2023-12-31",
                           db_path, keep_days_until("2024-03-01")),
                 0, "%s", out);
    cr_assert(strstr(out, "deleted 2 records"), "%s", out);
    before = figures();
    cr_assert_eq(q("SELECT sum(records) FROM daily"), 3);
    cr_assert_eq(q("SELECT sum(quantity) FROM daily"), 11 + 13 + 15);

    /* The collector is still running (the store stays open): a gateway
     * resends counter 1 after a lost ACK, another relays counter 3. */
    cr_assert_eq(put_one(gw_a, &rows[0]), STORE_DUPLICATE);
    cr_assert_eq(put_one(gw_b, &rows[1]), STORE_DUPLICATE);
    cr_assert_eq(q("SELECT count(*) FROM records"), 1, "a pruned record is not stored again");
    cr_assert_eq(q("SELECT count(*) FROM receptions"), 1, "nor given a reception");
    cr_assert_eq(q("SELECT sum(records) FROM daily"), 3, "nor counted again");
    cr_assert_eq(q("SELECT sum(quantity) FROM daily"), 11 + 13 + 15);
    after = figures();
    cr_assert_str_eq(after, before, "a report figure changed");
    free(after);

    /* A late void of a pruned record cancels nothing: reported is final. */
    v7 = void_at(min_of("2024-02-02T08:00"), 1);
    rows[0] = row_of(DEV, 7, &v7, 1);
    cr_assert_eq(put_one(gw_a, &rows[0]), STORE_INSERTED);
    cr_assert_eq(q("SELECT sum(records) FROM daily"), 3);

    /* Counter 2 never arrived before: undated, it cannot have been pruned,
     * so it is stored and counted although counter 3 was pruned. */
    r2.clock_unset = 1;
    rows[0] = row_of(DEV, 2, &r2, 1);
    cr_assert_eq(put_one(gw_a, &rows[0]), STORE_INSERTED);
    cr_assert_eq(q("SELECT sum(records) FROM undated"), 1);

    /* A new record of the device counts as always. */
    r8 = rec_at(ACT_GUARD_HARBOUR, min_of("2024-02-03T08:00"), 16);
    rows[0] = row_of(DEV, 8, &r8, 1);
    cr_assert_eq(put_one(gw_a, &rows[0]), STORE_INSERTED);
    cr_assert_eq(q("SELECT sum(records) FROM daily"), 4);
    free(before);
}

Test(retention, refuses_bad_options_and_databases_it_does_not_know)
{
    char out[4096], path[700];
    sqlite3 *h;

    cr_assert_eq(retention(out, sizeof out, "--db '%s' --reported-through 2023-12-31", db_path),
                 2);
    cr_assert(strstr(out, "--keep-days N is required"), "%s", out);
    cr_assert_eq(retention(out, sizeof out, "--db '%s' --keep-days -3 --reported-through "
                           "2023-12-31", db_path), 2);
    cr_assert(strstr(out, "is not a whole number of days"), "%s", out);
    cr_assert_eq(retention(out, sizeof out, "--db '%s' --keep-days 30 --reported-through "
                           "2023-02-30", db_path), 2);
    cr_assert(strstr(out, "is not a date YYYY-MM-DD"), "%s", out);
    cr_assert_eq(retention(out, sizeof out, "--db '%s' --keep-days 30 --reported-through "
                           "2999-01-01", db_path), 2);
    cr_assert(strstr(out, "is not before today"), "%s", out);
    cr_assert_eq(retention(out, sizeof out, "--help"), 0);
    cr_assert(strstr(out, "--reported-through YYYY-MM-DD"), "%s", out);

    snprintf(path, sizeof path, "%s/missing.db", tdir);
    cr_assert_eq(retention(out, sizeof out, "--db '%s' --keep-days 30 --reported-through "
                           "2023-12-31", path), 1);
    cr_assert(strstr(out, "cannot open"), "%s", out);
    cr_assert_eq(access(path, F_OK), -1, "a mistyped path does not create a file");

    snprintf(path, sizeof path, "%s/other.db", tdir);
    cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(h, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    cr_assert_eq(retention(out, sizeof out, "--db '%s' --keep-days 30 --reported-through "
                           "2023-12-31", path), 1);
    cr_assert(strstr(out, "is not a lofte collector database"), "%s", out);

    /* A collector database from a newer lofte: schema version 4. */
    cr_assert_eq(sqlite3_open(db_path, &h), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(h, "PRAGMA user_version = 4", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    cr_assert_eq(retention(out, sizeof out, "--db '%s' --keep-days 30 --reported-through "
                           "2023-12-31", db_path), 1);
    cr_assert(strstr(out, "schema version 4, which this lofte-retention does not know"), "%s",
              out);
}

Test(retention, refuses_to_prune_records_the_daily_totals_do_not_hold)
{
    struct record r = rec_at(ACT_GUARD_HARBOUR, min_of("2023-05-10T08:00"), 4);
    struct spool_row row = row_of(DEV, 1, &r, 1);
    char out[4096];
    sqlite3 *h;

    put(gw_a, &row, 1, NULL);
    /* As if the record had been stored before the rollups existed. */
    cr_assert_eq(sqlite3_open(db_path, &h), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(h, "DELETE FROM daily", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    cr_assert_eq(retention(out, sizeof out, "--db '%s' --keep-days 30 --reported-through "
                           "2023-12-31", db_path), 1);
    cr_assert(strstr(out, "the daily totals of 2023-05-10 count 0 records, the records table "
                          "holds 1"), "%s", out);
    cr_assert_eq(q("SELECT count(*) FROM records"), 1, "nothing was deleted");
}
