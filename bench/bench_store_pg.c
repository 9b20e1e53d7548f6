/* bench_store_pg.c -- intake records/s into the PostgreSQL store beside the
 * SQLite store and beside plain batched COPY into PostgreSQL: same rows,
 * same batch size, every batch one transaction committed durably
 * (synchronous=FULL on SQLite, synchronous_commit=on on PostgreSQL), as
 * the intake does before each ACK. Then the same through W writer
 * processes at once on PostgreSQL (several collectors, one database).
 *
 *   build/bench/bench/bench_store_pg URI [N, default 50000] [--batch B] [--writers W]
 *                                        [--dir DIR]
 *
 * URI: a PostgreSQL database the benchmark may create schemas in (as its
 * owner), e.g. the test server's (scripts/pg.sh env). The stages use
 * schemas of their own, dropped at the end. A figure, never a test. */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw, clock_gettime */
#include <errno.h>
#include <ftw.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clog.h"
#include "record.h"
#include "spool.h"
#include "store.h"

#ifndef LOFTE_BENCH_SANITIZED
#define LOFTE_BENCH_SANITIZED 0
#endif

#define DEVICES 64

static long n_rows = 50000;
static int batch = 64, writers = 2;
static struct spool_row *rows;
static const char *base_uri;
static char tdir[512];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "bench_store_pg: %s%s%s\n", what, detail && *detail ? ": " : "",
            detail ? detail : "");
    exit(1);
}

static void make_rows(void)
{
    long i;
    rows = calloc((size_t)n_rows, sizeof *rows);
    if (!rows)
        fail("out of memory", NULL);
    for (i = 0; i < n_rows; i++) {
        struct record r;
        struct spool_rx rx;
        memset(&r, 0, sizeof r);
        r.start_min = 2103840u + (uint32_t)(i % 366) * 1440u + (uint32_t)(i * 7 % 1440);
        r.cell = RECORD_CELL_NONE;
        r.activity = i % 2 ? ACT_ALCOHOL_SCREENING : ACT_PRESENCE_FOOT_PATROL;
        r.quantity = (uint16_t)(1 + i % 40);
        r.duration_min = (uint16_t)(60 + i % 60);
        r.zone = i % 2 ? ZONE_MAIN_ROADS : ZONE_SKOGHALL_CENTRE;
        r.actor = ACTOR_POLICE;
        memset(&rx, 0, sizeof rx);
        rx.rx_time_ms = 1726345801234ULL + (uint64_t)i * 1000u;
        rx.freq_hz = 868100000u;
        rx.rssi_dBm = (int16_t)(-90 - i % 30);
        rx.snr_qdB = -29;
        rx.sf = 9;
        rx.bw_kHz = 125;
        rx.station = 7;
        if (spool_row_fill(&rows[i], 0x8C000000u + (uint32_t)(i % DEVICES),
                           (uint32_t)(i / DEVICES + 1), &r, &rx) != 0)
            fail("spool_row_fill", "a generated record does not encode");
    }
}

static PGconn *pg(const char *uri)
{
    PGconn *c = PQconnectdb(uri);
    if (PQstatus(c) != CONNECTION_OK)
        fail("cannot connect", PQerrorMessage(c));
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    return c;
}

static void pg_do(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail(sql, PQerrorMessage(c));
    PQclear(r);
}

/* A fresh schema; returns the URI that works in it. */
static const char *schema(const char *name, char *uri, size_t n)
{
    PGconn *c = pg(base_uri);
    char sql[160];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", name, name);
    pg_do(c, sql);
    PQfinish(c);
    snprintf(uri, n, "%s%coptions=-csearch_path%%3D%s", base_uri, strchr(base_uri, '?') ? '&' : '?',
             name);
    return uri;
}

static void drop(const char *name)
{
    PGconn *c = pg(base_uri);
    char sql[96];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", name);
    pg_do(c, sql);
    PQfinish(c);
}

/* Rows [from, to) through the store at db, batch by batch, each committed. */
static void store_rows(const char *db, long from, long to, int w)
{
    enum store_outcome *out = calloc((size_t)batch, sizeof *out);
    char err[512], name[32];
    struct store *st;
    int64_t gw;
    long i;
    snprintf(name, sizeof name, "bench-gw-%d", w);
    if (!out)
        fail("out of memory", NULL);
    if (store_open(&st, db, NULL, err, sizeof err) != STORE_OK)
        fail("store_open", err);
    if (store_gateway(st, name, "0000000000000000000000000000000000000000", &gw, err,
                      sizeof err) != STORE_OK)
        fail("store_gateway", err);
    for (i = from; i < to; i += batch) {
        size_t n = (size_t)(to - i < batch ? to - i : batch);
        if (store_put_batch(st, gw, &rows[i], n, 1726345801234LL, out, err, sizeof err) !=
                STORE_OK ||
            store_commit(st, err, sizeof err) != STORE_OK)
            fail("store", err);
    }
    store_close(st);
    free(out);
}

static double run_store(const char *db)
{
    double t0 = now();
    store_rows(db, 0, n_rows, 0);
    return now() - t0;
}

/* W processes, each its own share of the rows, all at once. */
static double run_writers(const char *db)
{
    pid_t pid[16];
    double t0;
    int w, status;
    {
        /* the schema first, so that the clock measures intake only */
        struct store *st;
        char err[512];
        if (store_open(&st, db, NULL, err, sizeof err) != STORE_OK)
            fail("store_open", err);
        store_close(st);
    }
    t0 = now();
    for (w = 0; w < writers; w++) {
        long from = n_rows * w / writers, to = n_rows * (w + 1) / writers;
        /* whole batches of whole devices would be more realistic; shares
         * of the row sequence give every writer every device: the
         * contended case */
        pid[w] = fork();
        if (pid[w] < 0)
            fail("fork", strerror(errno));
        if (pid[w] == 0) {
            store_rows(db, from, to, w);
            _exit(0);
        }
    }
    for (w = 0; w < writers; w++)
        if (waitpid(pid[w], &status, 0) != pid[w] || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            fail("a writer failed", NULL);
    return now() - t0;
}

/* Baseline: the records columns, plain, COPY per batch, one transaction
 * each, nothing else (no uniqueness, receptions, rollups or voids). */
static double run_copy(const char *uri)
{
    PGconn *c = pg(uri);
    double t0;
    long i;
    char line[512];
    pg_do(c, "CREATE TABLE records(device bigint, counter bigint, activity text,"
             " start_min bigint, quantity integer, duration_min integer, zone text,"
             " received_at text, wire bytea)");
    t0 = now();
    for (i = 0; i < n_rows; i += batch) {
        long j, end = i + batch < n_rows ? i + batch : n_rows;
        PGresult *r;
        pg_do(c, "BEGIN");
        r = PQexec(c, "COPY records FROM STDIN");
        if (PQresultStatus(r) != PGRES_COPY_IN)
            fail("COPY", PQerrorMessage(c));
        PQclear(r);
        for (j = i; j < end; j++) {
            struct record rec;
            int n, k;
            record_decode(rows[j].record, rows[j].record_len, &rec);
            n = snprintf(line, sizeof line, "%u\t%u\t%s\t%u\t%u\t%u\t%s\t2024-09-14T20:30:01Z\t\\\\x",
                         rows[j].device, rows[j].counter,
                         record_activity_info(rec.activity)->name, rec.start_min, rec.quantity,
                         rec.duration_min, record_zone_name(rec.zone));
            for (k = 0; k < rows[j].record_len; k++)
                n += snprintf(line + n, sizeof line - (size_t)n, "%02x", rows[j].record[k]);
            line[n++] = '\n';
            if (PQputCopyData(c, line, n) != 1)
                fail("COPY", PQerrorMessage(c));
        }
        if (PQputCopyEnd(c, NULL) != 1)
            fail("COPY", PQerrorMessage(c));
        r = PQgetResult(c);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            fail("COPY", PQerrorMessage(c));
        PQclear(r);
        pg_do(c, "COMMIT");
    }
    t0 = now() - t0;
    PQfinish(c);
    return t0;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void row(const char *stage, double s, double base)
{
    printf("%-52s %11.0f %9.2f %8.2fx\n", stage, (double)n_rows / s, s, base / s);
}

int main(int argc, char **argv)
{
    const char *dir = "/var/tmp";
    char uri[3][1200], path[600], name[96];
    double t_copy, t_sqlite, t_pg, t_w;
    int i;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
            batch = atoi(argv[++i]);
        else if (strcmp(argv[i], "--writers") == 0 && i + 1 < argc)
            writers = atoi(argv[++i]);
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (!base_uri)
            base_uri = argv[i];
        else
            n_rows = atol(argv[i]);
    }
    if (!base_uri || n_rows < 1 || batch < 1 || batch > 256 || writers < 1 || writers > 16) {
        fprintf(stderr, "usage: %s URI [N] [--batch 1..256] [--writers 1..16] [--dir DIR]\n",
                argv[0]);
        return 2;
    }
    clog_set_level(CLOG_WARN);
    snprintf(tdir, sizeof tdir, "%s/lofte-bench-store-pg-XXXXXX", dir);
    if (!mkdtemp(tdir))
        fail("mkdtemp", strerror(errno));
    snprintf(path, sizeof path, "%s/store.db", tdir);
    printf("bench_store_pg: %ld rows over %d devices, %d rows per batch (one durable commit "
           "each), %ld CPUs online\n", n_rows, DEVICES, batch, sysconf(_SC_NPROCESSORS_ONLN));
    if (LOFTE_BENCH_SANITIZED)
        printf("NOTE: built with sanitizers: figures are not representative\n");
    make_rows();
    t_copy = run_copy(schema("bench_copy", uri[0], sizeof uri[0]));
    t_pg = run_store(schema("bench_store", uri[1], sizeof uri[1]));
    t_w = run_writers(schema("bench_writers", uri[2], sizeof uri[2]));
    t_sqlite = run_store(path);
    {
        PGconn *c = pg(uri[2]);
        PGresult *r = PQexec(c, "SELECT count(*), (SELECT sum(records) FROM daily) FROM records");
        if (PQresultStatus(r) != PGRES_TUPLES_OK || atol(PQgetvalue(r, 0, 0)) != n_rows ||
            atol(PQgetvalue(r, 0, 1)) != n_rows)
            fail("the writers' database does not hold each row once", PQgetvalue(r, 0, 0));
        PQclear(r);
        PQfinish(c);
    }
    printf("\n%-52s %11s %9s %9s\n", "stage", "records/s", "seconds", "vs COPY");
    row("PostgreSQL: plain COPY per batch (records only)", t_copy, t_copy);
    row("PostgreSQL store: store_put_batch + store_commit", t_pg, t_copy);
    snprintf(name, sizeof name, "PostgreSQL store, %d writer processes at once", writers);
    row(name, t_w, t_copy);
    row("SQLite store (synchronous=FULL), same rows", t_sqlite, t_copy);
    printf("server: %s\n", base_uri);
    drop("bench_copy");
    drop("bench_store");
    drop("bench_writers");
    nftw(tdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(rows);
    return 0;
}
