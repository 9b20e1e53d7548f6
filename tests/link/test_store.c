/* test_store.c -- the collector's database: exactly once, receptions,
 * voids in either order, heartbeats, quarantine, and a full disk.
 *
 * One suite for both backends (storedb.h): link_store runs it on SQLite,
 * link_store_pg on the PostgreSQL test server. The few tests about one
 * backend's files or roles say so and are skipped on the other. */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE /* setgroups */
#include <grp.h>
#include <sys/wait.h>

#include "linkutil.h"
#include "store.h"
#include "storedb.h"

#define DEV 0x11223344u

static struct store *st;
static int64_t gw_a, gw_b;

static void setup(void)
{
    char err[256];
    tdir_make();
    cr_assert_eq(store_open(&st, storedb_target(), NULL, err, sizeof err), STORE_OK, "%s",
                 err);
    cr_assert_str_eq(store_backend_name(st), storedb_is_pg() ? "postgresql" : "sqlite");
    cr_assert_eq(store_gateway(st, "gw-a", "0000000000000000000000000000000000000000", &gw_a,
                               err, sizeof err), STORE_OK, "%s", err);
    cr_assert_eq(store_gateway(st, "gw-b", "1111111111111111111111111111111111111111", &gw_b,
                               err, sizeof err), STORE_OK, "%s", err);
}

static void teardown(void)
{
    store_close(st);
    storedb_drop();
    tdir_remove();
}

TestSuite(store, .init = setup, .fini = teardown);

/* Store and commit one batch of rows; outcomes into out. */
static void put(int64_t gw, const struct spool_row *rows, size_t n, enum store_outcome *out)
{
    char err[256];
    cr_assert_eq(store_put_batch(st, gw, rows, n, wall_ms(), out, err, sizeof err), STORE_OK,
                 "%s", err);
    cr_assert_eq(store_commit(st, err, sizeof err), STORE_OK, "%s", err);
}

static struct spool_row row_rec(uint32_t counter, const struct record *r, uint16_t station)
{
    struct spool_rx rx = rx_at(station, (int16_t)(-90 - station));
    struct spool_row row = row_of(DEV, counter, r, &rx);
    row.id = counter;
    return row;
}

static struct spool_row guard_row(uint32_t counter, uint16_t station)
{
    struct record r = rec_guard(counter);
    return row_rec(counter, &r, station);
}

static struct spool_row void_row(uint32_t counter, uint32_t target)
{
    struct record r;
    memset(&r, 0, sizeof r);
    r.activity = ACT_ADMIN_VOID;
    r.start_min = 2400000u + counter;
    r.void_counter = target;
    r.cell = RECORD_CELL_NONE;
    return row_rec(counter, &r, 1);
}

static long long q(const char *sql)
{
    return storedb_int(sql);
}

Test(store, stores_a_record_once_and_each_gateways_reception_of_it)
{
    struct spool_row a = guard_row(7, 1), b = guard_row(7, 2);
    enum store_outcome o[1];
    put(gw_a, &a, 1, o);
    cr_assert_eq(o[0], STORE_INSERTED);
    put(gw_a, &a, 1, o); /* a resend after a lost ACK */
    cr_assert_eq(o[0], STORE_DUPLICATE);
    put(gw_b, &b, 1, o); /* the same frame, heard by a second gateway */
    cr_assert_eq(o[0], STORE_DUPLICATE);
    cr_assert_eq(q("SELECT count(*) FROM records"), 1);
    cr_assert_eq(q("SELECT count(*) FROM receptions"), 2);
    cr_assert_eq(q("SELECT count(DISTINCT gateway) FROM receptions"), 2);
    cr_assert_eq(q("SELECT rssi_dBm FROM receptions r JOIN gateways g ON g.id = r.gateway"
                   " WHERE g.name = 'gw-b'"), -92);
}

/* Every reception of a record points at it by id (schema 3), also when
 * the record came first from another gateway or in another batch. */
Test(store, keys_each_reception_by_its_records_id)
{
    if (storedb_is_pg())
        cr_skip_test("SQLite's schema 3 (receptions keyed by records.id); PostgreSQL keeps "
                     "(gateway, device, counter)");
    struct spool_row rows[3] = {guard_row(7, 1), guard_row(8, 1), guard_row(9, 1)};
    struct spool_row b = guard_row(8, 2);
    enum store_outcome o[3];
    put(gw_a, rows, 3, o);
    put(gw_b, &b, 1, o);
    put(gw_b, &b, 1, o); /* resent: no second reception */
    cr_assert_eq(q("SELECT count(*) FROM receptions"), 4);
    cr_assert_eq(q("SELECT count(*) FROM receptions x JOIN records r ON r.id = x.record"
                   " AND r.device = x.device AND r.counter = x.counter"), 4);
    cr_assert_eq(q("SELECT count(*) FROM receptions x JOIN records r ON r.id = x.record"
                   " WHERE r.counter = 8"), 2);
}

/* A schema-2 database (receptions UNIQUE(gateway, device, counter), no
 * record column) is rebuilt on open, every reception kept and keyed. */
Test(store, migrates_receptions_of_a_schema_2_database_and_keeps_every_one)
{
    if (storedb_is_pg())
        cr_skip_test("SQLite's schema 3 (receptions keyed by records.id); PostgreSQL keeps "
                     "(gateway, device, counter)");
    struct spool_row rows[2] = {guard_row(7, 1), guard_row(8, 1)};
    struct spool_row b = guard_row(8, 2);
    enum store_outcome o[2];
    char err[256];
    sqlite3 *h;
    put(gw_a, rows, 2, o);
    put(gw_b, &b, 1, o);
    store_close(st);
    st = NULL;
    /* turn it back into schema 2, as an older collector wrote it */
    cr_assert_eq(sqlite3_open(tpath("collector.db"), &h), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(h,
        "BEGIN; DROP VIEW reception_quality;"
        "CREATE TABLE old(id INTEGER PRIMARY KEY, gateway INTEGER NOT NULL REFERENCES"
        " gateways(id), station INTEGER NOT NULL, device INTEGER NOT NULL, counter INTEGER NOT"
        " NULL, rx_time_ms INTEGER NOT NULL, rx_utc TEXT, rssi_dBm INTEGER NOT NULL, snr_dB REAL"
        " NOT NULL, freq_hz INTEGER NOT NULL, sf INTEGER NOT NULL, bw_kHz INTEGER NOT NULL,"
        " received_at TEXT NOT NULL, UNIQUE(gateway, device, counter));"
        "INSERT INTO old SELECT id, gateway, station, device, counter, rx_time_ms, rx_utc,"
        " rssi_dBm, snr_dB, freq_hz, sf, bw_kHz, received_at FROM receptions;"
        "DROP TABLE receptions; ALTER TABLE old RENAME TO receptions;"
        "PRAGMA user_version = 2; COMMIT;", NULL, NULL, NULL), SQLITE_OK, "%s",
        sqlite3_errmsg(h));
    sqlite3_close(h);
    cr_assert_eq(q("SELECT count(*) FROM pragma_table_info('receptions') WHERE name = 'record'"),
                 0);

    cr_assert_eq(store_open(&st, tpath("collector.db"), NULL, err, sizeof err), STORE_OK, "%s",
                 err);
    cr_assert_eq(q("PRAGMA user_version"), 3);
    cr_assert_eq(q("SELECT count(*) FROM receptions"), 3);
    cr_assert_eq(q("SELECT count(*) FROM receptions x JOIN records r ON r.id = x.record"
                   " AND r.device = x.device AND r.counter = x.counter"), 3);
    cr_assert_eq(q("SELECT count(*) FROM reception_quality"), 2, "the view is back");
    /* and it goes on working: a resend is no new reception, a new one is */
    put(gw_b, &b, 1, o);
    cr_assert_eq(o[0], STORE_DUPLICATE);
    b = guard_row(7, 2);
    put(gw_b, &b, 1, o);
    cr_assert_eq(q("SELECT count(*) FROM receptions"), 4);
}

Test(store, writes_readable_names_and_units)
{
    struct record r = rec_guard(3);
    struct spool_row row;
    enum store_outcome o[1];
    r.side = SIDE_CONCERN_REPORT;
    r.operation = 0x42;
    r.cell = 0x0102;
    row = row_rec(3, &r, 1);
    put(gw_a, &row, 1, o);
    cr_assert_eq(q("SELECT count(*) FROM records WHERE activity = 'guard.harbour'"
                   " AND category = 'guard' AND result = 'no_remark' AND action = 'none'"
                   " AND zone = 'harbour_lillangshamnen' AND actor = 'municipal_guard'"
                   " AND concern_report = 1 AND guardian_contacted = 0 AND seizure = 0"
                   " AND clock_unset = 0 AND start_utc = '2024-07-24T16:03Z'"
                   " AND quantity = 3 AND duration_min = 30 AND cell = 258 AND operation = 66"
                   " AND void_counter IS NULL AND voided_by IS NULL AND length(wire) = 17"),
                 1);
    cr_assert_eq(q("SELECT count(*) FROM receptions WHERE snr_dB = -7.25 AND freq_hz = 868100000"
                   " AND sf = 9 AND rx_utc = '2024-09-14T20:30:01.234Z' AND station = 1"), 1);
}

Test(store, marks_the_target_of_a_void_that_arrives_after_it)
{
    struct spool_row rows[2] = {guard_row(10, 1), void_row(11, 10)};
    enum store_outcome o[2];
    put(gw_a, rows, 2, o);
    cr_assert_eq(q("SELECT voided_by FROM records WHERE counter = 10"), 11);
    cr_assert_eq(q("SELECT void_counter FROM records WHERE counter = 11"), 10);
    cr_assert_eq(q("SELECT quantity IS NULL AND zone IS NULL FROM records WHERE counter = 11"), 1);
}

Test(store, gives_analysts_views_without_voided_records_or_heartbeats)
{
    struct spool_row rows[4] = {guard_row(40, 1), guard_row(41, 1), void_row(42, 40),
                                guard_row(43, 1)};
    enum store_outcome o[4];
    put(gw_a, rows, 4, o);
    cr_assert_eq(q("SELECT count(*) FROM activity_records"), 2, "41 and 43: 40 was voided");
    cr_assert_eq(q("SELECT sum(records) FROM daily_activity"), 2,
                 "the rollups, by local day, agree");
    cr_assert_eq(q("SELECT sum(records) FROM monthly_activity"), 2);
    cr_assert_eq(q("SELECT sum(records) FROM weekly_activity"), 2);
    cr_assert_eq(q("SELECT records FROM device_health"), 3, "three activities received");
    cr_assert_eq(q("SELECT frames FROM reception_quality"), 4);
}

Test(store, marks_the_target_of_a_void_that_arrived_before_it)
{
    struct spool_row v = void_row(21, 20), t = guard_row(20, 1), other = guard_row(19, 1);
    enum store_outcome o[1];
    put(gw_a, &v, 1, o);
    put(gw_a, &other, 1, o);
    put(gw_a, &t, 1, o);
    cr_assert_eq(q("SELECT voided_by FROM records WHERE counter = 20"), 21);
    cr_assert_eq(q("SELECT voided_by IS NULL FROM records WHERE counter = 19"), 1);
}

Test(store, lets_a_void_of_a_void_or_of_a_later_record_cancel_nothing)
{
    struct spool_row rows[4] = {guard_row(30, 1), void_row(31, 30), void_row(32, 31),
                                void_row(33, 40)};
    struct spool_row later = guard_row(40, 1);
    enum store_outcome o[4];
    put(gw_a, rows, 4, o);
    put(gw_a, &later, 1, o);
    cr_assert_eq(q("SELECT voided_by FROM records WHERE counter = 30"), 31);
    cr_assert_eq(q("SELECT voided_by IS NULL FROM records WHERE counter = 31"), 1);
    cr_assert_eq(q("SELECT voided_by IS NULL FROM records WHERE counter = 40"), 1);
}

Test(store, keeps_heartbeats_with_the_device_queue_they_report)
{
    struct record r;
    struct spool_row row;
    enum store_outcome o[1];
    memset(&r, 0, sizeof r);
    r.activity = ACT_ADMIN_HEARTBEAT;
    r.clock_unset = 1;
    r.start_min = 5;
    r.oldest_unacked = 3;
    r.queue_depth = 2;
    r.cell = RECORD_CELL_NONE;
    row = row_rec(6, &r, 1);
    put(gw_a, &row, 1, o);
    cr_assert_eq(o[0], STORE_INSERTED);
    cr_assert_eq(q("SELECT count(*) FROM records WHERE activity = 'admin.heartbeat'"
                   " AND category = 'admin' AND oldest_unacked = 3 AND queue_depth = 2"
                   " AND start_utc IS NULL AND clock_unset = 1"), 1);
}

Test(store, keeps_an_undecodable_record_apart_and_a_conflicting_copy_out)
{
    struct spool_row bad = guard_row(50, 1), good = guard_row(51, 1), liar = guard_row(51, 2);
    enum store_outcome o[1];
    bad.record[1] = 0x99; /* no such activity */
    put(gw_a, &bad, 1, o);
    cr_assert_eq(o[0], STORE_QUARANTINED);
    cr_assert_eq(q("SELECT count(*) FROM rejected_records WHERE reason = 'unknown_activity'"), 1);
    cr_assert_eq(q("SELECT count(*) FROM records"), 0);
    put(gw_a, &good, 1, o);
    liar.record[9] ^= 0x10; /* same device and counter, other content */
    put(gw_b, &liar, 1, o);
    cr_assert_eq(o[0], STORE_CONFLICT);
    cr_assert_eq(q("SELECT count(*) FROM records"), 1);
}

Test(store, says_full_and_keeps_every_committed_batch_when_the_disk_fills)
{
    struct store *small;
    struct spool_row rows[64];
    enum store_outcome o[64];
    char err[256];
    uint32_t c = 1000, committed = 0;
    int rc = STORE_OK;
    int64_t gw;
    size_t i;
    if (storedb_is_pg())
        cr_skip_test("SQLite's size cap; PostgreSQL's disk_full (53100) maps to the same code");
    store_close(st);
    st = NULL;
    /* the first open creates the schema; the second caps growth near it */
    cr_assert_eq(store_open(&small, tpath("small.db"), NULL, err, sizeof err), STORE_OK);
    cr_assert_eq(store_gateway(small, "gw-a", "0000000000000000000000000000000000000000", &gw,
                               err, sizeof err), STORE_OK);
    store_close(small);
    {
        /* the schema (and the rollups' calendar table) plus 200 KiB */
        struct stat sb;
        struct store_options opt;
        cr_assert_eq(stat(tpath("small.db"), &sb), 0);
        opt.max_bytes = (int64_t)sb.st_size + 200 * 1024;
        cr_assert_eq(store_open(&small, tpath("small.db"), &opt, err, sizeof err), STORE_OK);
    }
    while (rc == STORE_OK && c < 100000) {
        for (i = 0; i < 64; i++)
            rows[i] = guard_row(c + (uint32_t)i, 1);
        rc = store_put_batch(small, gw, rows, 64, wall_ms(), o, err, sizeof err);
        if (rc == STORE_OK)
            rc = store_commit(small, err, sizeof err);
        if (rc == STORE_OK) {
            committed += 64;
            c += 64;
        }
    }
    cr_assert_eq(rc, STORE_ERR_FULL, "%s: %s", store_strerror(rc), err);
    cr_assert_gt(committed, 0);
    store_close(small);
    cr_assert_eq(sql_int(tpath("small.db"), "SELECT count(*) FROM records"), committed);
    cr_assert_eq(sql_int(tpath("small.db"), "SELECT count(*) FROM receptions"), committed);
}

Test(store, refuses_a_database_written_by_a_newer_collector)
{
    struct store *s2;
    char err[256];
    storedb_exec(storedb_is_pg() ? "INSERT INTO schema_version(version) VALUES(99)"
                                 : "PRAGMA user_version = 99");
    cr_assert_eq(store_open(&s2, storedb_target(), NULL, err, sizeof err), STORE_ERR_SCHEMA);
    cr_assert_neq(strstr(err, "newer"), NULL, "%s", err);
}

/* ---- files: who may read the record of truth --------------------------- */

static int mode_of(const char *name)
{
    struct stat sb;
    cr_assert_eq(stat(tpath(name), &sb), 0, "%s is missing", name);
    return (int)(sb.st_mode & 0777);
}

Test(store, creates_its_database_and_wal_for_owner_and_group_only)
{
    struct spool_row r = guard_row(1, 1);
    enum store_outcome out[1];
    if (storedb_is_pg())
        cr_skip_test("SQLite's files; on PostgreSQL the roles decide (analyst_reads_but_cannot_write)");
    umask(022); /* the usual one: without care, files would be 0644 */
    store_close(st);
    tdir_remove();
    tdir_make();
    {
        char err[256];
        cr_assert_eq(store_open(&st, tpath("collector.db"), NULL, err, sizeof err), STORE_OK,
                     "%s", err);
        cr_assert_eq(store_gateway(st, "gw-a", "0000000000000000000000000000000000000000",
                                   &gw_a, err, sizeof err), STORE_OK, "%s", err);
    }
    put(gw_a, &r, 1, out);
    cr_assert_eq(mode_of("collector.db"), 0640, "database mode %o", mode_of("collector.db"));
    cr_assert_eq(mode_of("collector.db-wal"), 0640, "wal mode %o", mode_of("collector.db-wal"));
    cr_assert_eq(mode_of("collector.db-shm"), 0640, "shm mode %o", mode_of("collector.db-shm"));
}

/* docs/reports.md: analysts read with `sqlite3 -readonly`, as an account
 * that may read the files but not write them or their directory. */
Test(store, lets_a_read_only_account_open_a_cleanly_closed_database)
{
    static const char *const files[] = {"collector.db", "collector.db-wal", "collector.db-shm"};
    struct spool_row r = guard_row(1, 1);
    enum store_outcome out[1];
    size_t i;
    pid_t pid;
    int status;
    if (storedb_is_pg())
        cr_skip_test("SQLite's files; on PostgreSQL the roles decide (analyst_reads_but_cannot_write)");
    if (geteuid() != 0)
        cr_skip_test("needs root to become another user (nobody)");
    put(gw_a, &r, 1, out);
    store_close(st); /* a clean stop of the collector */
    st = NULL;
    cr_assert_eq(chmod(tdir, 0755), 0);
    for (i = 0; i < sizeof files / sizeof files[0]; i++)
        if (access(tpath(files[i]), F_OK) == 0)
            cr_assert_eq(chown(tpath(files[i]), (uid_t)-1, 65534), 0); /* group nogroup */
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        sqlite3 *h = NULL;
        sqlite3_stmt *q = NULL;
        int rc;
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(90);
        rc = sqlite3_open_v2(tpath("collector.db"), &h, SQLITE_OPEN_READONLY, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_prepare_v2(h, "SELECT count(*) FROM records", -1, &q, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) == 1 ? 0 : 91;
        if (rc)
            fprintf(stderr, "read-only open as nobody: %s\n", h ? sqlite3_errmsg(h) : "?");
        sqlite3_finalize(q);
        sqlite3_close(h);
        _exit(rc ? 1 : 0);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "a read-only account cannot read the database (status %d)", status);
}

/* Item 21: one spelling of a device id wherever a person reads it. */
Test(store, shows_device_ids_as_eight_hex_digits_in_every_view)
{
    struct spool_row r = guard_row(1, 1);
    enum store_outcome out[1];
    put(gw_a, &r, 1, out);
    cr_assert_eq(q("SELECT count(*) FROM activity_records WHERE device = '11223344'"), 1);
    cr_assert_eq(q("SELECT count(*) FROM device_health WHERE device = '11223344'"), 1);
    cr_assert_eq(q("SELECT count(*) FROM reception_quality WHERE device = '11223344'"), 1);
}

/* Every backend: the same view names and the same columns, in order. */
Test(store, gives_every_backend_the_same_views_with_the_same_columns)
{
    static const char *const cols[][2] = {
        {"activity_records", "device,counter,activity,category,result,action,"
                             "guardian_contacted,concern_report,vehicle_measure,licence_seized,"
                             "seizure,start_utc,quantity,duration_min,zone,actor,cell,operation"},
        {"daily_activity", "date,weekday,iso_week,month,quarter,tertial,half_year,year,"
                           "activity,zone,actor,result,action,records,quantity,duration_min"},
        {"weekly_activity", "iso_week,activity,records,quantity,duration_min"},
        {"monthly_activity", "month,activity,records,quantity,duration_min"},
        {"device_health", "device,last_heard,last_queue_depth,records,last_counter"},
        {"reception_quality", "gateway,device,frames,mean_rssi_dbm,mean_snr_db,worst_rssi_dbm"},
    };
    size_t i;
    for (i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        char sql[512];
        if (storedb_is_pg())
            snprintf(sql, sizeof sql, "SELECT string_agg(lower(column_name), ',' ORDER BY "
                     "ordinal_position) = '%s' FROM information_schema.columns WHERE "
                     "table_name = '%s' AND table_schema = current_schema()", cols[i][1],
                     cols[i][0]);
        else
            snprintf(sql, sizeof sql, "SELECT group_concat(lower(name), ',') = '%s' FROM "
                     "(SELECT name FROM pragma_table_info('%s') ORDER BY cid)", cols[i][1],
                     cols[i][0]);
        cr_assert_eq(q(sql), 1, "view %s: columns are not %s", cols[i][0], cols[i][1]);
    }
}

/* The rollups say what the records say, on every backend, through
 * inserts, duplicates and voids in either order. */
Test(store, keeps_the_rollups_equal_to_the_records_through_voids_and_duplicates)
{
    struct spool_row rows[6] = {guard_row(60, 1), guard_row(61, 1), void_row(62, 60),
                                void_row(64, 63), guard_row(65, 1), guard_row(61, 2)};
    struct spool_row late = guard_row(63, 1);
    enum store_outcome o[6];
    put(gw_a, rows, 6, o);
    put(gw_b, rows, 6, o); /* all of it again, from a second gateway */
    put(gw_a, &late, 1, o); /* the target of 64, after its void */
    cr_assert_eq(q("SELECT sum(records) FROM daily"), 2, "61 and 65 count");
    cr_assert_eq(q("SELECT sum(quantity) FROM daily"),
                 q("SELECT sum(quantity) FROM records WHERE category <> 'admin'"
                   " AND voided_by IS NULL"));
    cr_assert_eq(q("SELECT count(*) FROM daily WHERE records = 0"), 0, "no empty rows");
}

Test(store, keeps_undated_records_apart_and_takes_a_voided_one_out)
{
    struct record r = rec_guard(70);
    struct spool_row a, v;
    enum store_outcome o[1];
    r.clock_unset = 1;
    r.start_min = 12;
    a = row_rec(70, &r, 1);
    put(gw_a, &a, 1, o);
    cr_assert_eq(q("SELECT sum(records) FROM undated"), 1);
    cr_assert_eq(q("SELECT count(*) FROM daily"), 0);
    v = void_row(71, 70);
    put(gw_a, &v, 1, o);
    cr_assert_eq(q("SELECT count(*) FROM undated"), 0, "the voided record's row is gone");
}

Test(store, keeps_a_row_it_could_not_verify_apart_from_the_genuine_record)
{
    struct spool_row forged = guard_row(80, 1), genuine = guard_row(80, 2);
    const char *why[1] = {"bad_tag"};
    enum store_outcome o[1];
    char err[256];
    cr_assert_eq(store_put_checked(st, gw_a, &forged, why, 1, wall_ms(), o, err, sizeof err),
                 STORE_OK, "%s", err);
    cr_assert_eq(store_commit(st, err, sizeof err), STORE_OK, "%s", err);
    cr_assert_eq(o[0], STORE_UNVERIFIED);
    cr_assert_eq(q("SELECT count(*) FROM unverified_records WHERE reason = 'bad_tag'"), 1);
    cr_assert_eq(q("SELECT count(*) FROM records"), 0);
    put(gw_b, &genuine, 1, o);
    cr_assert_eq(o[0], STORE_INSERTED, "the forgery did not take its place");
}

Test(store, refuses_a_second_batch_before_the_first_is_committed)
{
    struct spool_row a = guard_row(90, 1);
    enum store_outcome o[1];
    char err[256];
    cr_assert_eq(store_put_batch(st, gw_a, &a, 1, wall_ms(), o, err, sizeof err), STORE_OK);
    cr_assert_eq(store_put_batch(st, gw_a, &a, 1, wall_ms(), o, err, sizeof err),
                 STORE_ERR_TXN);
    store_rollback(st);
    cr_assert_eq(q("SELECT count(*) FROM records"), 0, "rolled back, nothing stored");
    cr_assert_eq(store_commit(st, err, sizeof err), STORE_ERR_TXN);
}

/* PostgreSQL: the analyst's role (scripts/pg.sh, docs/postgresql.md)
 * reads every table and view and can write none. */
Test(store, lets_the_analyst_role_read_but_not_write)
{
    const char *au = getenv("LOFTE_TEST_PG_ANALYST_URI");
    struct spool_row r = guard_row(1, 1);
    enum store_outcome out[1];
    char uri[1200];
    PGconn *c;
    PGresult *res;
    if (!storedb_is_pg())
        cr_skip_test("PostgreSQL's roles; SQLite's analysts: lets_a_read_only_account_...");
    cr_assert(au && *au, "LOFTE_TEST_PG_ANALYST_URI");
    put(gw_a, &r, 1, out);
    snprintf(uri, sizeof uri, "%s&options=-csearch_path%%3D%s", au, storedb_schema);
    c = PQconnectdb(uri);
    cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
    res = PQexec(c, "SELECT count(*) FROM activity_records");
    cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
    cr_assert_str_eq(PQgetvalue(res, 0, 0), "1");
    PQclear(res);
    res = PQexec(c, "DELETE FROM records");
    cr_assert_eq(PQresultStatus(res), PGRES_FATAL_ERROR, "the analyst deleted records");
    PQclear(res);
    res = PQexec(c, "SHOW statement_timeout");
    cr_assert_str_eq(PQgetvalue(res, 0, 0), "30s");
    PQclear(res);
    PQfinish(c);
    cr_assert_eq(q("SELECT count(*) FROM records"), 1);
}

/* ---- several collectors, one database ---------------------------------- */

#define RACE_WRITERS 4
#define RACE_RECORDS 400 /* per device, counters 1..400, all on one day */
#define RACE_VOIDS 40    /* counters 401..440 void 1..40 (of each device) */
#define RACE_BATCH 32

static struct spool_row race_row(uint32_t device, uint32_t c)
{
    struct record r;
    struct spool_rx rx = rx_at(1, -90);
    struct spool_row row;
    if (c > RACE_RECORDS) {
        memset(&r, 0, sizeof r);
        r.activity = ACT_ADMIN_VOID;
        r.start_min = 2400000u;
        r.void_counter = c - RACE_RECORDS;
        r.cell = RECORD_CELL_NONE;
    } else {
        r = rec_guard(c);
        r.start_min = 2400000u; /* one day, one rollup row: the contended one */
    }
    row = row_of(device, c, &r, &rx);
    row.id = c;
    return row;
}

/* The i-th row writer w sends. First the void race: even writers send
 * the targets of the voids (both devices), odd writers the voids, at the
 * same moment (the barrier), so a void and its target are inserted by two
 * collectors at once and neither sees the other's row uncommitted. Then
 * every record, each writer starting elsewhere and odd writers going down,
 * so inserts and duplicates of the one day's rollup row meet in every
 * order; then the other half of the voids and targets (duplicates now). */
static struct spool_row race_pick(int w, uint32_t i)
{
    const uint32_t rest = RACE_RECORDS - RACE_VOIDS;
    uint32_t device = i & 1 ? DEV : DEV + 1, k = i / 2, c;
    if (k < RACE_VOIDS)
        c = (w & 1) ? RACE_RECORDS + 1 + k : 1 + k;
    else if (k < RACE_VOIDS + rest) {
        uint32_t j = k - RACE_VOIDS;
        j = (w & 1) ? rest - 1 - j : j;
        c = RACE_VOIDS + 1 + (j + (uint32_t)w * rest / RACE_WRITERS) % rest;
    } else {
        k -= RACE_VOIDS + rest;
        c = (w & 1) ? 1 + k : RACE_RECORDS + 1 + k;
    }
    return race_row(device, c);
}

static int race_gate[2];

/* One writer: its own connection (its own collector), every row of both
 * devices, in batches. */
static int race_writer(int w)
{
    const uint32_t total = 2 * (RACE_RECORDS + RACE_VOIDS);
    struct spool_row rows[RACE_BATCH];
    enum store_outcome o[RACE_BATCH];
    struct store *s;
    char err[256], name[16], go;
    int64_t gw;
    uint32_t k = 0;
    snprintf(name, sizeof name, "race-%d", w);
    if (store_open(&s, storedb_target(), NULL, err, sizeof err) != STORE_OK ||
        store_gateway(s, name, "2222222222222222222222222222222222222222", &gw, err,
                      sizeof err) != STORE_OK) {
        fprintf(stderr, "writer %d: %s\n", w, err);
        return 1;
    }
    close(race_gate[1]);
    if (read(race_gate[0], &go, 1) != 0) /* EOF: every writer is ready */
        return 1;
    while (k < total) {
        size_t n = 0;
        while (n < RACE_BATCH && k < total)
            rows[n++] = race_pick(w, k++);
        if (store_put_batch(s, gw, rows, n, wall_ms(), o, err, sizeof err) != STORE_OK ||
            store_commit(s, err, sizeof err) != STORE_OK) {
            fprintf(stderr, "writer %d: %s\n", w, err);
            store_close(s);
            return 1;
        }
    }
    store_close(s);
    return 0;
}

Test(store, counts_every_record_once_when_collectors_race_on_the_same_day)
{
    pid_t pids[RACE_WRITERS];
    long long quantity = 0;
    int w, status;
    uint32_t c;
    cr_assert_eq(pipe(race_gate), 0);
    for (w = 0; w < RACE_WRITERS; w++) {
        pids[w] = fork();
        cr_assert_geq(pids[w], 0);
        if (pids[w] == 0)
            _exit(race_writer(w)); /* _exit: the parent's connection stays the parent's */
    }
    close(race_gate[0]);
    usleep(300 * 1000); /* let them all connect; a slow one only narrows the race */
    close(race_gate[1]);
    for (w = 0; w < RACE_WRITERS; w++) {
        cr_assert_eq(waitpid(pids[w], &status, 0), pids[w]);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed", w);
    }
    for (c = RACE_VOIDS + 1; c <= RACE_RECORDS; c++)
        quantity += 2 * (c % 50);
    cr_assert_eq(q("SELECT count(*) FROM records"), 2 * (RACE_RECORDS + RACE_VOIDS));
    cr_assert_eq(q("SELECT count(*) FROM receptions"),
                 RACE_WRITERS * 2 * (RACE_RECORDS + RACE_VOIDS), "one per writer and record");
    cr_assert_eq(q("SELECT count(*) FROM records WHERE voided_by IS NOT NULL"), 2 * RACE_VOIDS,
                 "a void lost to a race");
    cr_assert_eq(q("SELECT count(*) FROM daily"), 1, "one day, one key");
    cr_assert_eq(q("SELECT records FROM daily"), 2 * (RACE_RECORDS - RACE_VOIDS),
                 "double count or lost update");
    cr_assert_eq(q("SELECT quantity FROM daily"), quantity);
    cr_assert_eq(q("SELECT count(*) FROM activity_records"), 2 * (RACE_RECORDS - RACE_VOIDS));
}

/* Retention (rollup.h) pruned a record whose count stays in `daily`: a
 * late copy of it is a duplicate, not counted again; above the watermark
 * a record is new. Both backends honour the watermark at intake. */
Test(store, takes_a_late_copy_of_a_pruned_record_for_a_duplicate)
{
    struct spool_row a = guard_row(5, 1), b = guard_row(11, 1);
    enum store_outcome o[1];
    char sql[160];
    put(gw_a, &a, 1, o);
    cr_assert_eq(o[0], STORE_INSERTED);
    /* what lofte-retention leaves behind: no record row, the count kept */
    snprintf(sql, sizeof sql, "DELETE FROM receptions; DELETE FROM records");
    storedb_exec(sql);
    snprintf(sql, sizeof sql, "INSERT INTO retention(device, counter_max) VALUES(%u, 10)",
             (unsigned)DEV);
    storedb_exec(sql);
    storedb_exec("INSERT INTO rollup_state(key, value) VALUES('pruned_before_day', 99999)");
    put(gw_b, &a, 1, o);
    cr_assert_eq(o[0], STORE_DUPLICATE, "a pruned record came back as %s",
                 store_outcome_name(o[0]));
    cr_assert_eq(q("SELECT count(*) FROM records"), 0);
    cr_assert_eq(q("SELECT sum(records) FROM daily"), 1, "counted once, before the pruning");
    put(gw_a, &b, 1, o);
    cr_assert_eq(o[0], STORE_INSERTED, "above the watermark: new");
}
