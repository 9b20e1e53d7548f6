/* bench_intake.c -- what durable, acknowledged delivery over the upstream
 * link costs, next to the plain SQLite inserts it ends in.
 *
 * usage: bench_intake [N] [--batch B] [--devices D] [--dir DIR]
 *   N        rows (default 100000)
 *   --devices the rows are spread over this many handhelds (default 64;
 *            a national roll-out has thousands: every device is another
 *            leaf page of the (device, counter) indexes a commit touches)
 *   --batch  rows per BATCH and per baseline transaction (default 64, the
 *            link's default; 1..256)
 *   --dir    where the temporary directory goes (default $TMPDIR or /tmp);
 *            it must be a real disk for the figures to mean anything
 *   --keep   leave the directory and its databases for a look (sqlite3's
 *            dbstat shows what each table and index holds)
 *
 * Three rows, the same N rows each time, in one run:
 *
 *  - link: the real gateway side (a spool file filled with the N rows
 *    before the clock starts, then upstream_open and an upstream_service
 *    loop) sending to the real collector side (store_open + intake_open,
 *    intake_step in a second thread) over tcp://127.0.0.1 with CURVE and
 *    the ZAP allow-list. The clock runs from upstream_open (so it includes
 *    connecting and the handshake) until every row has been acknowledged
 *    and deleted from the spool: each ACK is sent only after the
 *    collector's synchronous=FULL commit. Then the collector database is
 *    checked to hold exactly N records and the spool to be empty.
 *  - store: store_put_batch + store_commit of the same batches in this
 *    thread, no network and no spool: what the collector's database work
 *    alone costs (records, receptions, rollups, one fsync per batch).
 *  - baseline: a plain SQLite table with the columns of collector/store.c's
 *    `records` (same UNIQUE(device, counter), same decoded values, WAL,
 *    synchronous=FULL), one prepared INSERT per row, one transaction per
 *    batch. No receptions, no rollups, no voids.
 *
 * Each stage also prints the bytes its thread wrote (Linux
 * /proc/thread-self/io: write_bytes, the pages it dirtied for the disk,
 * WAL and checkpoints included; wchar, what it passed to write()) per
 * record; the link's figure is the collector thread's alone, not the
 * gateway's spool.
 *
 * It prints figures; it is not a test (never registered with ctest). One
 * fsync per batch dominates every row, so the figures say more about the
 * disk holding --dir than about this code: compare rows, not machines.
 *
 * The baseline's schema is a copy of collector/store.c's records table:
 * change both together.
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw, clock_gettime, gmtime_r */

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/vfs.h>
#endif

#include <sqlite3.h>

#include "clog.h"
#include "intake.h"
#include "record.h"
#include "spool.h"
#include "store.h"
#include "upstream.h"

#ifndef LOFTE_BENCH_SANITIZED
#define LOFTE_BENCH_SANITIZED 0
#endif

#define DEFAULT_N 100000L
#define DEFAULT_BATCH 64
#define FILL_TXN_ROWS 5000      /* spool_put rows per setup transaction */
#define DEFAULT_DEVICES 64      /* rows are spread over this many devices */
#define STALL_SECONDS 30.0      /* no acknowledgement for this long: give up */
#define GATEWAY_NAME "bench-gw"

static char tdir[512];
static long n_rows = DEFAULT_N;
static int batch = DEFAULT_BATCH;
static long devices = DEFAULT_DEVICES;
static int keep;
static struct spool_row *rows;

/* ---- small helpers --------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Unix ms as collector/store.c writes it: 2024-09-14T20:31:02.123Z */
static void utc_ms(int64_t unix_ms, char out[32])
{
    time_t t = (time_t)(unix_ms / 1000);
    struct tm tm;
    char s[24];
    gmtime_r(&t, &tm);
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03dZ", s, (int)(unix_ms % 1000));
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* atexit: also runs when fail() exits half way. */
static void cleanup(void)
{
    if (tdir[0] && keep)
        printf("kept %s\n", tdir);
    else if (tdir[0])
        nftw(tdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    tdir[0] = '\0';
}

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "bench_intake: %s%s%s\n", what, detail && *detail ? ": " : "",
            detail ? detail : "");
    exit(1);
}

/* tdir + "/" + name, in a rotating static buffer (a few live at once). */
static const char *tpath(const char *name)
{
    static char bufs[8][600];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", tdir, name);
    return b;
}

/* What this thread has written so far (Linux; zeros elsewhere). */
struct io_counts {
    unsigned long long wchar, write_bytes;
};

static struct io_counts thread_io(void)
{
    struct io_counts c = {0, 0};
    char line[128];
    FILE *f = fopen("/proc/thread-self/io", "r");
    if (!f)
        return c;
    while (fgets(line, sizeof line, f)) {
        sscanf(line, "wchar: %llu", &c.wchar);
        sscanf(line, "write_bytes: %llu", &c.write_bytes);
    }
    fclose(f);
    return c;
}

static struct io_counts io_since(struct io_counts a)
{
    struct io_counts b = thread_io();
    b.wchar -= a.wchar;
    b.write_bytes -= a.write_bytes;
    return b;
}

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

/* ---- the rows ---------------------------------------------------------- */

/* N distinct (device, counter) rows of four everyday activities spread
 * over a year, so the rollups see a realistic number of distinct days. */
static void make_rows(void)
{
    long i;
    rows = calloc((size_t)n_rows, sizeof *rows);
    if (!rows)
        fail("out of memory for the rows", NULL);
    for (i = 0; i < n_rows; i++) {
        struct record r;
        struct spool_rx rx;
        memset(&r, 0, sizeof r);
        r.start_min = 2103840u + (uint32_t)(i % 366) * 1440u + (uint32_t)(i * 7 % 1440);
        r.cell = RECORD_CELL_NONE;
        switch (i % 4) {
        case 0:
            r.activity = ACT_ALCOHOL_SCREENING;
            r.quantity = (uint16_t)(1 + i % 40);
            r.duration_min = (uint16_t)(60 + i % 60);
            r.zone = ZONE_MAIN_ROADS;
            r.actor = ACTOR_POLICE;
            r.cell = (uint16_t)(0x2A10 + i % 16);
            r.operation = 0x1F2E;
            break;
        case 1:
            r.activity = ACT_GUARD_HARBOUR;
            r.quantity = (uint16_t)(i % 50);
            r.duration_min = 30;
            r.zone = ZONE_HARBOUR_LILLANGSHAMNEN;
            r.actor = ACTOR_MUNICIPAL_GUARD;
            break;
        case 2:
            r.activity = ACT_PRESENCE_FOOT_PATROL;
            r.quantity = (uint16_t)(i % 12);
            r.duration_min = 90;
            r.zone = ZONE_SKOGHALL_CENTRE;
            r.actor = ACTOR_POLICE;
            break;
        default:
            r.activity = ACT_YOUTH_OUTREACH;
            r.quantity = (uint16_t)(i % 25);
            r.duration_min = 120;
            r.zone = ZONE_SKOGHALL_CENTRE;
            r.actor = ACTOR_MUNICIPAL_STAFF;
            r.side = (uint8_t)(i % 7 == 0 ? SIDE_GUARDIAN_CONTACTED : 0);
            break;
        }
        rx.rx_time_ms = 1726345801234ULL + (uint64_t)i * 1000u;
        rx.freq_hz = 868100000u;
        rx.rssi_dBm = (int16_t)(-90 - i % 30);
        rx.snr_qdB = -29;
        rx.sf = 9;
        rx.bw_kHz = 125;
        rx.station = 7;
        if (spool_row_fill(&rows[i], 0x8C000000u + (uint32_t)(i % devices),
                           (uint32_t)(i / devices + 1), &r, &rx) != 0)
            fail("spool_row_fill", "a generated record does not encode");
    }
}

/* ---- (a) the link: spool -> upstream -> intake -> store ----------------- */

static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static int stop_flag; /* both under stop_lock */
static int intake_rc;  /* an intake_step failure, from the intake thread */

static int stopping(void)
{
    int s;
    pthread_mutex_lock(&stop_lock);
    s = stop_flag || intake_rc < 0;
    pthread_mutex_unlock(&stop_lock);
    return s;
}

static int intake_failure(void)
{
    int rc;
    pthread_mutex_lock(&stop_lock);
    rc = intake_rc;
    pthread_mutex_unlock(&stop_lock);
    return rc;
}

static struct io_counts intake_io; /* the intake thread's writes, set when it ends */

static void *intake_thread(void *arg)
{
    struct intake *in = arg;
    struct io_counts io0 = thread_io();
    while (!stopping()) {
        int rc = intake_step(in, 20);
        if (rc < 0) {
            pthread_mutex_lock(&stop_lock);
            intake_rc = rc;
            pthread_mutex_unlock(&stop_lock);
        }
    }
    intake_io = io_since(io0);
    return NULL;
}

static unsigned long link_events[16];

static void on_event(void *ctx, int ev, const char *detail)
{
    (void)ctx;
    if (ev > 0 && ev < 16)
        link_events[ev]++;
    if (ev != UPSTREAM_EV_CONNECTED && ev != UPSTREAM_EV_ACK_TIMEOUT)
        fprintf(stderr, "bench_intake: link event %s: %s\n", upstream_event_name(ev), detail);
}

static long long sql_count(const char *db, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *q;
    long long v = -1;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        fail("cannot open for checking", db);
    sqlite3_busy_timeout(h, 2000);
    if (sqlite3_prepare_v2(h, sql, -1, &q, NULL) != SQLITE_OK)
        fail(sql, sqlite3_errmsg(h));
    if (sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(h);
    return v;
}

struct link_result {
    double seconds;          /* upstream_open .. spool empty */
    double connect_seconds;  /* upstream_open .. handshake done */
    double fill_seconds;     /* setup: spool_put of the N rows (not timed) */
    uint64_t batches, rows_sent, rows_resent, collector_batches, collector_groups;
    long long db_bytes, wal_bytes; /* the collector's files at the end */
};

static struct link_result run_link(void)
{
    char col_pub[UPSTREAM_Z85_LEN + 1], gw_pub[UPSTREAM_Z85_LEN + 1];
    char err[512], endpoint[256];
    struct spool_options sopt = {0, 0};
    struct upstream_config ucfg;
    struct intake_config icfg;
    struct link_result res;
    struct spool *spool;
    struct store *st;
    struct intake *in;
    struct upstream *up;
    const struct upstream_stats *us;
    pthread_t th;
    double t0, t1 = 0, last_progress, t;
    uint64_t delivered = 0;
    FILE *f;
    long i;
    int rc;

    memset(&res, 0, sizeof res);

    /* keys and the collector's allow-list (docs/upstream.md §5) */
    if (upstream_key_generate(tpath("collector"), col_pub, err, sizeof err) != UPSTREAM_OK)
        fail("upstream_key_generate (collector)", err);
    if (upstream_key_generate(tpath("gateway"), gw_pub, err, sizeof err) != UPSTREAM_OK)
        fail("upstream_key_generate (gateway)", err);
    if (!(f = fopen(tpath("allowed-gateways"), "w")))
        fail("cannot write the allowed-gateways file", strerror(errno));
    fprintf(f, "# bench_intake: <Z85 public key> <name>\n%s %s\n", gw_pub, GATEWAY_NAME);
    if (fclose(f) != 0 || chmod(tpath("allowed-gateways"), 0600) != 0)
        fail("cannot write the allowed-gateways file", strerror(errno));

    /* the gateway's spool, filled before the clock starts */
    if (spool_open(&spool, tpath("spool.db"), &sopt, err, sizeof err) != SPOOL_OK)
        fail("spool_open", err);
    t = now();
    for (i = 0; i < n_rows; i++) {
        if (i % FILL_TXN_ROWS == 0 && spool_begin(spool, err, sizeof err) != SPOOL_OK)
            fail("spool_begin", err);
        if ((rc = spool_put(spool, &rows[i], err, sizeof err)) != SPOOL_NEW)
            fail("spool_put", rc < 0 ? err : "a generated row is a duplicate");
        if ((i % FILL_TXN_ROWS == FILL_TXN_ROWS - 1 || i == n_rows - 1) &&
            spool_commit(spool, err, sizeof err) != SPOOL_OK)
            fail("spool_commit", err);
    }
    res.fill_seconds = now() - t;
    if (spool_depth(spool) != n_rows)
        fail("the spool does not hold the N rows after filling", NULL);

    /* the collector, in its own thread */
    if (store_open(&st, tpath("collector.db"), NULL, err, sizeof err) != STORE_OK)
        fail("store_open", err);
    icfg.bind = "tcp://127.0.0.1:*";
    icfg.secret_key_file = tpath("collector.key");
    icfg.allowed_gateways_file = tpath("allowed-gateways");
    icfg.device_keys_file = NULL; /* the bench measures intake, not the tag check */
    icfg.verify = -1;
    if (intake_open(&in, &icfg, st, err, sizeof err) != INTAKE_OK)
        fail("intake_open", err);
    snprintf(endpoint, sizeof endpoint, "%s", intake_endpoint(in));
    if (pthread_create(&th, NULL, intake_thread, in) != 0)
        fail("pthread_create", NULL);

    /* the gateway's link: the clock starts here */
    memset(&ucfg, 0, sizeof ucfg);
    ucfg.endpoint = endpoint;
    ucfg.key_file = tpath("gateway.key");
    ucfg.collector_key = col_pub;
    ucfg.batch_max = batch;
    ucfg.on_event = on_event;
    t0 = now();
    if (upstream_open(&up, &ucfg, spool, err, sizeof err) != UPSTREAM_OK)
        fail("upstream_open", err);
    us = upstream_stats(up);
    last_progress = t0;
    while (us->rows_delivered < (uint64_t)n_rows) {
        if (upstream_service(up, NULL, NULL, 0, 5, err, sizeof err) != UPSTREAM_OK)
            fail("upstream_service", err);
        t = now();
        if (us->connected && res.connect_seconds == 0)
            res.connect_seconds = t - t0;
        if (us->rows_delivered != delivered) {
            delivered = us->rows_delivered;
            last_progress = t;
        } else if (t - last_progress > STALL_SECONDS || intake_failure() < 0) {
            char d[320];
            snprintf(d, sizeof d, "%llu of %ld rows acknowledged after %.0f s, connected=%d, "
                     "%llu connects, intake rc %d%s",
                     (unsigned long long)delivered, n_rows, t - t0, us->connected,
                     (unsigned long long)us->connects, intake_failure(),
                     batch > 252 ? "; note: a BATCH or ACK of more than 252 rows plus "
                                   "CURVE's 33 bytes exceeds the peer's ZMQ_MAXMSGSIZE"
                                 : "");
            fail("the link stopped making progress", d);
        }
    }
    t1 = now();
    res.seconds = t1 - t0;
    res.batches = us->batches_sent;
    res.rows_sent = us->rows_sent;
    res.rows_resent = us->rows_resent;

    pthread_mutex_lock(&stop_lock);
    stop_flag = 1;
    pthread_mutex_unlock(&stop_lock);
    pthread_join(th, NULL);
    if (intake_rc < 0)
        fail("intake_step", intake_strerror(intake_rc));
    res.collector_batches = intake_stats(in)->batches;
    res.collector_groups = intake_stats(in)->groups;
    if (intake_stats(in)->rows_inserted != (uint64_t)n_rows)
        fprintf(stderr, "bench_intake: the intake inserted %llu rows, not %ld\n",
                (unsigned long long)intake_stats(in)->rows_inserted, n_rows);

    upstream_close(up);
    intake_close(in);
    res.wal_bytes = file_size(tpath("collector.db-wal"));
    store_close(st);
    res.db_bytes = file_size(tpath("collector.db"));
    if (spool_depth(spool) != 0)
        fail("the spool is not empty after every row was acknowledged", NULL);
    spool_close(spool);
    if (sql_count(tpath("collector.db"), "SELECT count(*) FROM records") != n_rows)
        fail("the collector database does not hold exactly N records", NULL);
    return res;
}

/* ---- (a') the collector's store alone ---------------------------------- */

static struct io_counts store_io, base_io;

static double run_store(void)
{
    struct io_counts io0;
    char err[512], pub[UPSTREAM_Z85_LEN + 1];
    enum store_outcome *out;
    struct store *st;
    int64_t gw;
    double t0;
    long i;

    out = calloc((size_t)batch, sizeof *out);
    if (!out)
        fail("out of memory", NULL);
    if (upstream_key_load_public(tpath("gateway.pub"), pub, err, sizeof err) != UPSTREAM_OK)
        fail("upstream_key_load_public", err);
    if (store_open(&st, tpath("store-only.db"), NULL, err, sizeof err) != STORE_OK)
        fail("store_open", err);
    if (store_gateway(st, GATEWAY_NAME, pub, &gw, err, sizeof err) != STORE_OK)
        fail("store_gateway", err);
    io0 = thread_io();
    t0 = now();
    for (i = 0; i < n_rows; i += batch) {
        size_t n = (size_t)(n_rows - i < batch ? n_rows - i : batch);
        if (store_put_batch(st, gw, &rows[i], n, wall_ms(), out, err, sizeof err) != STORE_OK)
            fail("store_put_batch", err);
        if (store_commit(st, err, sizeof err) != STORE_OK)
            fail("store_commit", err);
    }
    t0 = now() - t0;
    store_close(st);
    store_io = io_since(io0);
    free(out);
    if (sql_count(tpath("store-only.db"), "SELECT count(*) FROM records") != n_rows)
        fail("the store-only database does not hold exactly N records", NULL);
    return t0;
}

/* ---- (b) baseline: plain batched INSERTs -------------------------------- */

/* collector/store.c's records table, without its comments. */
static const char base_schema[] =
    "CREATE TABLE records(\n"
    "  id INTEGER PRIMARY KEY, device INTEGER NOT NULL, counter INTEGER NOT NULL,\n"
    "  activity TEXT NOT NULL, category TEXT NOT NULL, result TEXT NOT NULL,\n"
    "  action TEXT NOT NULL, guardian_contacted INTEGER NOT NULL,\n"
    "  concern_report INTEGER NOT NULL, vehicle_measure INTEGER NOT NULL,\n"
    "  licence_seized INTEGER NOT NULL, seizure INTEGER NOT NULL,\n"
    "  clock_unset INTEGER NOT NULL, start_min INTEGER NOT NULL, start_utc TEXT,\n"
    "  quantity INTEGER, duration_min INTEGER, zone TEXT, actor TEXT, cell INTEGER,\n"
    "  operation INTEGER, void_counter INTEGER, voided_by INTEGER,\n"
    "  oldest_unacked INTEGER, queue_depth INTEGER, received_at TEXT NOT NULL,\n"
    "  wire BLOB NOT NULL, UNIQUE(device, counter));\n"
    "CREATE INDEX records_void_target ON records(device, void_counter)\n"
    "  WHERE void_counter IS NOT NULL;\n";

static const char base_insert[] =
    "INSERT INTO records(device, counter, activity, category, result, action,"
    " guardian_contacted, concern_report, vehicle_measure, licence_seized, seizure,"
    " clock_unset, start_min, start_utc, quantity, duration_min, zone, actor, cell,"
    " operation, void_counter, oldest_unacked, queue_depth, received_at, wire)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
    " ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)"
    " ON CONFLICT(device, counter) DO NOTHING";

static void base_exec(sqlite3 *db, const char *sql)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail(sql, sqlite3_errmsg(db));
}

/* The values store.c binds for a decoded non-admin record (no admin rows
 * are generated here). */
static void base_bind(sqlite3_stmt *q, const struct spool_row *row, const struct record *r,
                      const char *received)
{
    const struct record_activity_info *info = record_activity_info(r->activity);
    const char *act = info ? info->name : "?";
    time_t t = (time_t)(LOFTE_EPOCH_UNIX + (int64_t)r->start_min * 60);
    struct tm tm;
    char start_utc[24];

    sqlite3_bind_int64(q, 1, row->device);
    sqlite3_bind_int64(q, 2, row->counter);
    sqlite3_bind_text(q, 3, act, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, act, (int)strcspn(act, "."), SQLITE_STATIC);
    sqlite3_bind_text(q, 5, record_result_name(r->activity, r->result), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, record_action_name(r->action), -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 7, !!(r->side & SIDE_GUARDIAN_CONTACTED));
    sqlite3_bind_int(q, 8, !!(r->side & SIDE_CONCERN_REPORT));
    sqlite3_bind_int(q, 9, !!(r->side & SIDE_VEHICLE_MEASURE));
    sqlite3_bind_int(q, 10, !!(r->side & SIDE_LICENCE_SEIZED));
    sqlite3_bind_int(q, 11, !!(r->side & SIDE_SEIZURE));
    sqlite3_bind_int(q, 12, r->clock_unset ? 1 : 0);
    sqlite3_bind_int64(q, 13, r->start_min);
    gmtime_r(&t, &tm);
    strftime(start_utc, sizeof start_utc, "%Y-%m-%dT%H:%MZ", &tm);
    sqlite3_bind_text(q, 14, start_utc, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 15, r->quantity);
    sqlite3_bind_int(q, 16, r->duration_min);
    sqlite3_bind_text(q, 17, record_zone_name(r->zone), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 18, record_actor_name(r->actor), -1, SQLITE_STATIC);
    if (r->cell != RECORD_CELL_NONE)
        sqlite3_bind_int(q, 19, r->cell);
    else
        sqlite3_bind_null(q, 19);
    if (r->operation)
        sqlite3_bind_int(q, 20, r->operation);
    else
        sqlite3_bind_null(q, 20);
    sqlite3_bind_null(q, 21);
    sqlite3_bind_null(q, 22);
    sqlite3_bind_null(q, 23);
    sqlite3_bind_text(q, 24, received, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 25, row->record, row->record_len, SQLITE_STATIC);
}

static double run_baseline(void)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    char received[32];
    struct io_counts io0;
    double t0;
    long i, k;

    if (sqlite3_open_v2(tpath("baseline.db"), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK)
        fail("cannot open the baseline database", sqlite3_errmsg(db));
    base_exec(db, "PRAGMA journal_mode = WAL");
    base_exec(db, "PRAGMA synchronous = FULL");
    base_exec(db, base_schema);
    if (sqlite3_prepare_v3(db, base_insert, -1, SQLITE_PREPARE_PERSISTENT, &q, NULL) != SQLITE_OK)
        fail("baseline INSERT", sqlite3_errmsg(db));
    io0 = thread_io();
    t0 = now();
    for (i = 0; i < n_rows; i += batch) {
        utc_ms(wall_ms(), received);
        base_exec(db, "BEGIN IMMEDIATE");
        for (k = i; k < n_rows && k < i + batch; k++) {
            struct record r;
            if (record_decode(rows[k].record, rows[k].record_len, &r) != 0)
                fail("record_decode", "a generated record does not decode");
            base_bind(q, &rows[k], &r, received);
            if (sqlite3_step(q) != SQLITE_DONE)
                fail("baseline INSERT", sqlite3_errmsg(db));
            sqlite3_reset(q);
            sqlite3_clear_bindings(q);
        }
        base_exec(db, "COMMIT");
    }
    t0 = now() - t0;
    sqlite3_finalize(q);
    sqlite3_close(db);
    base_io = io_since(io0);
    if (sql_count(tpath("baseline.db"), "SELECT count(*) FROM records") != n_rows)
        fail("the baseline database does not hold exactly N records", NULL);
    return t0;
}

/* ---- main -------------------------------------------------------------- */

static void row(const char *stage, double seconds, double base_seconds)
{
    printf("%-46s %11.0f %9.2f %8.2fx\n", stage, (double)n_rows / seconds, seconds,
           base_seconds / seconds);
}

static void usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [N, default %ld] [--batch B, 1..%d, default %d] "
            "[--devices D, default %d] [--dir DIR] [--keep]\n",
            argv0, DEFAULT_N, UPSTREAM_BATCH_MAX, DEFAULT_BATCH, DEFAULT_DEVICES);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *dir = getenv("TMPDIR");
    struct link_result lk;
    double t_store, t_base;
    char name[80], *end;
    int i, have_n = 0;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
            long b = strtol(argv[++i], &end, 10);
            if (*end != '\0' || b < 1 || b > UPSTREAM_BATCH_MAX)
                usage(argv[0]);
            batch = (int)b;
        } else if (strcmp(argv[i], "--devices") == 0 && i + 1 < argc) {
            devices = strtol(argv[++i], &end, 10);
            if (*end != '\0' || devices < 1 || devices > 1000000L)
                usage(argv[0]);
        } else if (strcmp(argv[i], "--keep") == 0) {
            keep = 1;
        } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (!have_n && argv[i][0] != '-') {
            n_rows = strtol(argv[i], &end, 10);
            if (*end != '\0' || n_rows < 1 || n_rows > 100000000L)
                usage(argv[0]);
            have_n = 1;
        } else {
            usage(argv[0]);
        }
    }
    if (!dir || !*dir)
        dir = "/tmp";
    snprintf(tdir, sizeof tdir, "%s/lofte-bench-intake-XXXXXX", dir);
    if (!mkdtemp(tdir)) {
        tdir[0] = '\0';
        fail("cannot create a temporary directory", strerror(errno));
    }
    atexit(cleanup);
    clog_set_level(CLOG_WARN); /* the intake's start-up line is not a figure */

    printf("bench_intake: %ld rows from %ld devices, %d rows per batch/transaction, "
           "SQLite %s, %ld CPUs online (nproc)\n",
           n_rows, devices, batch, sqlite3_libversion(), sysconf(_SC_NPROCESSORS_ONLN));
    printf("files in %s (every commit is synchronous=FULL: one fsync per batch)\n", tdir);
#ifdef __linux__
    {
        struct statfs sf;
        if (statfs(tdir, &sf) == 0 && sf.f_type == 0x01021994) /* TMPFS_MAGIC */
            printf("NOTE: %s is on tmpfs: fsync costs nothing there, so these figures "
                   "say nothing about a disk (use --dir)\n", dir);
    }
#endif
    if (LOFTE_BENCH_SANITIZED)
        printf("NOTE: built with sanitizers: figures are not representative "
               "(configure with -DLOFTE_SANITIZE=OFF)\n");
    fflush(stdout);

    make_rows();
    lk = run_link();
    t_store = run_store();
    t_base = run_baseline();

    printf("\n%-46s %11s %9s %9s\n", "stage", "records/s", "seconds", "vs base");
    snprintf(name, sizeof name, "baseline: plain INSERT, %d rows/txn", batch);
    row(name, t_base, t_base);
    row("store_put_batch + store_commit (no link)", t_store, t_base);
    row("link: spool -> ZeroMQ/CURVE -> intake, acked", lk.seconds, t_base);

    printf("\n%-46s %14s %14s\n", "bytes written per record", "write_bytes", "wchar");
    printf("%-46s %14.0f %14.0f\n", "baseline (its thread)",
           (double)base_io.write_bytes / (double)n_rows, (double)base_io.wchar / (double)n_rows);
    printf("%-46s %14.0f %14.0f\n", "store alone, one commit per batch",
           (double)store_io.write_bytes / (double)n_rows, (double)store_io.wchar / (double)n_rows);
    printf("%-46s %14.0f %14.0f\n", "link: the collector's intake thread",
           (double)intake_io.write_bytes / (double)n_rows, (double)intake_io.wchar / (double)n_rows);
    printf("link: collector database %.1f MB + WAL %.1f MB at the end (%.0f bytes per record)\n",
           (double)lk.db_bytes / 1e6, (double)lk.wal_bytes / 1e6,
           (double)lk.db_bytes / (double)n_rows);

    printf("\nlink: %llu batches sent (%llu rows, %llu resent), %llu committed by the "
           "collector in %llu group commits;\n      handshake %.1f ms after upstream_open; spool fill before the "
           "clock %.2f s (%.0f rows/s, %d rows/txn)\n",
           (unsigned long long)lk.batches, (unsigned long long)lk.rows_sent,
           (unsigned long long)lk.rows_resent, (unsigned long long)lk.collector_batches,
           (unsigned long long)lk.collector_groups, lk.connect_seconds * 1e3, lk.fill_seconds, (double)n_rows / lk.fill_seconds,
           FILL_TXN_ROWS);
    if (link_events[UPSTREAM_EV_ACK_TIMEOUT])
        printf("      %lu ack timeouts: the collector fell more than 3 s behind\n",
               link_events[UPSTREAM_EV_ACK_TIMEOUT]);
    printf("vs base: baseline time / stage time (1.00x = as fast as plain INSERTs).\n");
    free(rows);
    return 0;
}
