/* linkutil.h -- helpers for the link tests: a temporary directory per
 * test, CURVE key files, allowed-gateways files, spool rows, a clock, and
 * SQL counts on real database files.
 *
 * Every test runs in its own Criterion process with its own directory
 * under /tmp, removed at the end; sockets use tcp://127.0.0.1 with ports
 * the kernel picks, so tests may run in parallel.
 */
#ifndef LOFTE_LINKUTIL_H
#define LOFTE_LINKUTIL_H

#include <criterion/criterion.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"
#include "upstream.h"

static char tdir[64];

static inline void tdir_make(void)
{
    strcpy(tdir, "/tmp/lofte-link-XXXXXX");
    cr_assert_not_null(mkdtemp(tdir), "mkdtemp");
}

static inline int tdir_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static inline void tdir_remove(void)
{
    if (tdir[0])
        nftw(tdir, tdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* tdir + "/" + name, in a rotating static buffer (a few live at once). */
static inline const char *tpath(const char *name)
{
    static char bufs[8][256];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, 256, "%s/%s", tdir, name);
    return b;
}

static inline int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int64_t mono_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Make base.key/base.pub in tdir; returns the public key. */
static inline void make_keys(const char *base, char pub[UPSTREAM_Z85_LEN + 1])
{
    char err[256];
    cr_assert_eq(upstream_key_generate(tpath(base), pub, err, sizeof err), UPSTREAM_OK, "%s", err);
}

/* Write an allowed-gateways file from (public key, name) pairs. */
static inline void write_allowed(const char *file, const char *const *pubs,
                                 const char *const *names, size_t n)
{
    FILE *f = fopen(tpath(file), "w");
    size_t i;
    cr_assert_not_null(f);
    fprintf(f, "# test allow-list\n");
    for (i = 0; i < n; i++)
        fprintf(f, "%s %s\n", pubs[i], names[i]);
    fclose(f);
}

/* A guard round: record content varies with the counter, so a copy under
 * the same counter is the same bytes and a different counter differs. */
static inline struct record rec_guard(uint32_t counter)
{
    struct record r;
    memset(&r, 0, sizeof r);
    r.activity = ACT_GUARD_HARBOUR;
    r.result = 0;
    r.start_min = 2400000u + counter;
    r.quantity = (uint16_t)(counter % 50);
    r.duration_min = 30;
    r.zone = ZONE_HARBOUR_LILLANGSHAMNEN;
    r.actor = ACTOR_MUNICIPAL_GUARD;
    r.cell = RECORD_CELL_NONE;
    return r;
}

static inline struct spool_rx rx_at(uint16_t station, int16_t rssi)
{
    struct spool_rx rx;
    rx.rx_time_ms = 1726345801234ULL;
    rx.freq_hz = 868100000u;
    rx.rssi_dBm = rssi;
    rx.snr_qdB = -29;
    rx.sf = 9;
    rx.bw_kHz = 125;
    rx.station = station;
    return rx;
}

static inline struct spool_row row_of(uint32_t device, uint32_t counter, const struct record *r,
                                      const struct spool_rx *rx)
{
    struct spool_row row;
    cr_assert_eq(spool_row_fill(&row, device, counter, r, rx), 0);
    return row;
}

/* Put counters first..last of device into the spool, one transaction. */
static inline void spool_fill(struct spool *s, uint32_t device, uint32_t first, uint32_t last,
                              uint16_t station)
{
    char err[256];
    uint32_t c;
    struct spool_rx rx = rx_at(station, -97);
    cr_assert_eq(spool_begin(s, err, sizeof err), SPOOL_OK, "%s", err);
    for (c = first; c <= last; c++) {
        struct record r = rec_guard(c);
        struct spool_row row = row_of(device, c, &r, &rx);
        cr_assert_eq(spool_put(s, &row, err, sizeof err), SPOOL_NEW, "%s", err);
    }
    cr_assert_eq(spool_commit(s, err, sizeof err), SPOOL_OK, "%s", err);
}

/* One integer from a query on a database file (opened read-only). */
static inline long long sql_int(const char *db, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *q;
    long long v = -1;
    cr_assert_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 2000);
    cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &q, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(h));
    if (sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(h);
    return v;
}

#endif
