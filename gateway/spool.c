/* spool.c -- the gateway's durable outbox in SQLite (see spool.h).
 *
 * Design note. The two tables that must agree (outbox, devices) live in one
 * file and change in one transaction. The connection runs with
 * synchronous=FULL, so a COMMIT returns only after the WAL is on disk: the
 * gateway acks a device after spool_commit and never before. Deleting
 * delivered rows is the one write that may be lost on power loss without
 * harm (the rows are simply sent again and the collector ignores them), so
 * those commits run with synchronous=NORMAL.
 *
 * What was sent upstream and when lives in a TEMP table (memory only): after
 * a restart nothing is "in flight", so everything unacknowledged is resent,
 * which is what a restart must do anyway.
 *
 * Dominant operations: one INSERT per accepted frame plus one device UPSERT,
 * grouped per burst; one SELECT of due rows per send; one DELETE per
 * acknowledged row, the acknowledged rows of a whole wake-up in one
 * transaction. All statements are prepared once at open, transaction
 * control included; free space is read at most once a second.
 */
#define _POSIX_C_SOURCE 200809L /* statvfs, clock_gettime, gmtime_r, fchmod, O_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "errbuf.h"
#include "proto_err.h"
#include "spool.h"

/* 'LOSP': set in every spool file so a stray database is never taken for one. */
#define SPOOL_APPLICATION_ID 0x4C4F5350
/* Bytes the WAL is truncated to after a checkpoint (PRAGMA journal_size_limit). */
#define SPOOL_WAL_LIMIT "1048576"
/* Free space is read from the file system at most this often. */
#define SPOOL_SPACE_CHECK_MS 1000
/* Bump, and add a migration in spool_schema(), when the schema changes. */
/* 2: outbox.frame (the sealed radio frame, for the collector's check). */
#define SPOOL_SCHEMA_VERSION 2

enum {
    ST_PUT,
    ST_SAVE_DEV,
    ST_LOAD_DEVS,
    ST_UNSENT,
    ST_MARK_SENT,
    ST_DEL_OUTBOX,
    ST_DEL_INFLIGHT,
    ST_DEPTH,
    ST_OLDEST,
    ST_SAVE_KEY,
    ST_BEGIN_IMMEDIATE,
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SYNC_NORMAL,
    ST_SYNC_FULL,
    ST_FORGET_SENT,
    ST_COUNT
};

/* The order of this table follows the enum above: change both together. */
static const char *const spool_sql[ST_COUNT] = {
    [ST_PUT] =
        "INSERT INTO outbox(device, counter, record, rx_time_ms, freq_hz, rssi_dBm,"
        " snr_qdB, sf, bw_kHz, station, spooled_at_ms, frame)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        " ON CONFLICT(device, counter) DO NOTHING",
    [ST_SAVE_DEV] =
        "INSERT INTO devices(device, ref, acked, last_ack_time, held) VALUES(?1, ?2, ?3, ?4, ?5)"
        " ON CONFLICT(device) DO UPDATE SET ref = excluded.ref, acked = excluded.acked,"
        " last_ack_time = excluded.last_ack_time, held = excluded.held",
    [ST_LOAD_DEVS] =
        "SELECT d.device, d.ref, d.acked, d.last_ack_time, d.held, k.key_check, k.reuse_floor"
        " FROM devices d LEFT JOIN device_keys k ON k.device = d.device ORDER BY d.device",
    [ST_UNSENT] =
        "SELECT o.id, o.device, o.counter, o.record, o.rx_time_ms, o.freq_hz, o.rssi_dBm,"
        " o.snr_qdB, o.sf, o.bw_kHz, o.station, o.spooled_at_ms, f.id IS NOT NULL, o.frame"
        " FROM outbox o LEFT JOIN temp.inflight f ON f.id = o.id"
        " WHERE f.id IS NULL OR f.sent_at_ms <= ?1 ORDER BY o.id LIMIT ?2",
    /* The link's bookkeeping works on runs of consecutive ids (?1..?2): a
     * batch is rows in id order, so a whole batch is usually one run, one
     * statement instead of one per row. Every id inside a run is one the
     * caller listed, so a range names exactly those rows. */
    [ST_MARK_SENT] = "INSERT OR REPLACE INTO temp.inflight(id, sent_at_ms)"
                     " SELECT id, ?3 FROM outbox WHERE id BETWEEN ?1 AND ?2",
    [ST_DEL_OUTBOX] = "DELETE FROM outbox WHERE id BETWEEN ?1 AND ?2",
    [ST_DEL_INFLIGHT] = "DELETE FROM temp.inflight WHERE id BETWEEN ?1 AND ?2",
    [ST_DEPTH] = "SELECT count(*) FROM outbox",
    [ST_OLDEST] = "SELECT min(spooled_at_ms) FROM outbox",
    [ST_SAVE_KEY] =
        "INSERT INTO device_keys(device, key_check, reuse_floor) VALUES(?1, ?2, ?3)"
        " ON CONFLICT(device) DO UPDATE SET key_check = excluded.key_check,"
        " reuse_floor = excluded.reuse_floor"
        /* saved with every state, changed only by a re-key: no write then */
        " WHERE key_check IS NOT excluded.key_check OR reuse_floor IS NOT excluded.reuse_floor",
    /* Transaction control is prepared too: sqlite3_exec would parse the
     * text on every call (a few thousand instructions each, several per
     * commit). */
    [ST_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
    [ST_BEGIN] = "BEGIN",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
    [ST_SYNC_FULL] = "PRAGMA synchronous = FULL",
    [ST_FORGET_SENT] = "DELETE FROM temp.inflight",
};

struct spool {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    char *path;             /* for statvfs */
    struct spool_options opt;
    int in_txn;             /* spool_begin .. commit/rollback */
    int txn_stored;         /* a NEW row was put in the open transaction */
    uint64_t generation;
    int64_t space_checked_ms; /* monotonic ms of the last statvfs, 0 = never */
    int space_rc;           /* its verdict, SPOOL_OK or an error ... */
    char space_err[512];    /* ... and its sentence */
};

const char *spool_errname(int err)
{
    switch (err) {
    case SPOOL_OK: return "ok";
    case SPOOL_NEW: return "new";
    case SPOOL_DUPLICATE: return "duplicate";
    case SPOOL_ERR_OPEN: return "open";
    case SPOOL_ERR_SCHEMA: return "schema";
    case SPOOL_ERR_FULL: return "full";
    case SPOOL_ERR_IO: return "io";
    case SPOOL_ERR_BAD_ROW: return "bad_row";
    case SPOOL_ERR_TXN: return "txn";
    default: return "unknown";
    }
}

const char *spool_strerror(int err)
{
    switch (err) {
    case SPOOL_OK: return "success";
    case SPOOL_NEW: return "record stored";
    case SPOOL_DUPLICATE: return "record already in the spool";
    case SPOOL_ERR_OPEN: return "cannot open the spool file";
    case SPOOL_ERR_SCHEMA: return "spool written by a newer lofte";
    case SPOOL_ERR_FULL: return "spool disk full: intake must stop";
    case SPOOL_ERR_IO: return "spool database error";
    case SPOOL_ERR_BAD_ROW: return "invalid spool row";
    case SPOOL_ERR_TXN: return "spool transaction misuse";
    default: return "unknown spool error";
    }
}

static int64_t spool_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* SQLite reports a full disk as SQLITE_FULL, or, when the write that hit it
 * was the WAL's, sometimes as an I/O error with errno ENOSPC (EDQUOT for a
 * quota, EFBIG for a file size limit, RLIMIT_FSIZE). All must
 * reach the gateway as SPOOL_ERR_FULL: one stops intake, the other would
 * look like a broken disk. */
static int spool_code(sqlite3 *db, int rc)
{
    if ((rc & 0xFF) == SQLITE_FULL)
        return SPOOL_ERR_FULL;
    if ((rc & 0xFF) == SQLITE_IOERR && (sqlite3_system_errno(db) == ENOSPC ||
                                        sqlite3_system_errno(db) == EDQUOT ||
                                        sqlite3_system_errno(db) == EFBIG))
        return SPOOL_ERR_FULL;
    return SPOOL_ERR_IO;
}

static int spool_fail(struct spool *s, int rc, char *err, size_t errlen, const char *what)
{
    int code = spool_code(s->db, rc);
    errbuf_say(err, errlen, "spool %s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
    return code;
}

static int spool_exec(struct spool *s, const char *sql, char *err, size_t errlen)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return spool_fail(s, rc, err, errlen, sql);
    return SPOOL_OK;
}

/* Run a prepared statement that returns no rows (transaction control,
 * a pragma that sets). */
static int spool_step(struct spool *s, int which, char *err, size_t errlen)
{
    sqlite3_stmt *q = s->st[which];
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return spool_fail(s, rc, err, errlen, sqlite3_sql(q));
    return SPOOL_OK;
}

/* ROLLBACK when SQLite still holds a transaction; harmless otherwise. */
static void spool_end_txn(struct spool *s)
{
    if (!sqlite3_get_autocommit(s->db))
        spool_step(s, ST_ROLLBACK, NULL, 0);
}

static int spool_pragma_int(struct spool *s, const char *sql, int64_t *v)
{
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *v = sqlite3_column_int64(q, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    return rc;
}

/* Create the schema on a new file; accept our own; refuse a newer one. */
static int spool_schema(struct spool *s, char *err, size_t errlen)
{
    int64_t app = 0, ver = 0;
    char sql[2048];
    int rc, len;
    if ((rc = spool_pragma_int(s, "PRAGMA application_id", &app)) != SQLITE_OK ||
        (rc = spool_pragma_int(s, "PRAGMA user_version", &ver)) != SQLITE_OK) {
        errbuf_say(err, errlen, "spool %s: cannot read it: %s", s->path, sqlite3_errmsg(s->db));
        return SPOOL_ERR_OPEN;
    }
    if (app != 0 && app != SPOOL_APPLICATION_ID) {
        errbuf_say(err, errlen, "spool %s: this SQLite file is not a lofte spool", s->path);
        return SPOOL_ERR_OPEN;
    }
    if (ver > SPOOL_SCHEMA_VERSION) {
        errbuf_say(err, errlen, "spool %s: schema version %lld is newer than this gateway's %d",
                  s->path, (long long)ver, SPOOL_SCHEMA_VERSION);
        return SPOOL_ERR_SCHEMA;
    }
    if (ver == SPOOL_SCHEMA_VERSION)
        return SPOOL_OK;
    if (ver == 1) {
        /* rows spooled before keep frame NULL: sent without one */
        return spool_exec(s, "BEGIN IMMEDIATE; ALTER TABLE outbox ADD COLUMN frame BLOB;"
                          " PRAGMA user_version = 2; COMMIT;", err, errlen);
    }
    /* Units in the column names, as everywhere in lofte. */
    len = snprintf(sql, sizeof sql,
        "BEGIN IMMEDIATE;"
        "CREATE TABLE IF NOT EXISTS outbox("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " device INTEGER NOT NULL, counter INTEGER NOT NULL,"
        " record BLOB NOT NULL,"
        " rx_time_ms INTEGER NOT NULL, freq_hz INTEGER NOT NULL, rssi_dBm INTEGER NOT NULL,"
        " snr_qdB INTEGER NOT NULL, sf INTEGER NOT NULL, bw_kHz INTEGER NOT NULL,"
        " station INTEGER NOT NULL, spooled_at_ms INTEGER NOT NULL,"
        " frame BLOB,"
        " UNIQUE(device, counter));"
        "CREATE TABLE IF NOT EXISTS devices("
        " device INTEGER PRIMARY KEY, ref INTEGER NOT NULL, acked INTEGER NOT NULL,"
        " last_ack_time INTEGER NOT NULL, held BLOB NOT NULL);"
        "PRAGMA application_id = %d;"
        "PRAGMA user_version = %d;"
        "COMMIT;", SPOOL_APPLICATION_ID, SPOOL_SCHEMA_VERSION);
    if (len < 0 || (size_t)len >= sizeof sql)
        return SPOOL_ERR_OPEN; /* a programmer's mistake: the buffer above is too small */
    return spool_exec(s, sql, err, errlen);
}

int spool_open(struct spool **out, const char *path, const struct spool_options *opt,
               char *err, size_t errlen)
{
    struct spool *s;
    int rc, i;

    *out = NULL;
    s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        errbuf_say(err, errlen, "spool %s: out of memory", path);
        return SPOOL_ERR_OPEN;
    }
    if (opt) {
        s->opt = *opt;
    } else {
        s->opt.min_free_bytes = SPOOL_DEFAULT_MIN_FREE_BYTES;
        s->opt.max_bytes = 0;
    }
    /* SQLite would create the file 0644 (umask permitting) and gives its
     * -wal and -shm the database's mode: create it ourselves, 0640, so
     * none of the three is world-readable. An empty file is a new database
     * to SQLite. An existing file keeps the mode its owner gave it. */
    {
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
        if (fd >= 0)
            close(fd);
    }
    rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        errbuf_say(err, errlen, "spool %s: cannot open: %s", path,
                  s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        spool_close(s);
        return SPOOL_ERR_OPEN;
    }
    sqlite3_extended_result_codes(s->db, 1);
    /* Wait rather than fail if an operator's sqlite3 shell holds a lock. */
    sqlite3_busy_timeout(s->db, 2000);
    /* WAL: readers never block the writer and a commit is one append + fsync.
     * FULL: that fsync happens before COMMIT returns (acks depend on it). */
    if ((rc = spool_exec(s, "PRAGMA journal_mode = WAL", err, errlen)) != SPOOL_OK ||
        (rc = spool_exec(s, "PRAGMA synchronous = FULL", err, errlen)) != SPOOL_OK ||
        (rc = spool_exec(s, "PRAGMA temp_store = MEMORY", err, errlen)) != SPOOL_OK ||
        /* After each checkpoint that resets the WAL, cut the file back to
         * this size: a WAL that grew during a backlog otherwise keeps its
         * size for ever, and on a full disk that is the space the next
         * commit needs. */
        (rc = spool_exec(s, "PRAGMA journal_size_limit = " SPOOL_WAL_LIMIT, err, errlen)) !=
            SPOOL_OK ||
        (rc = spool_schema(s, err, errlen)) != SPOOL_OK ||
        /* Which key each device's state belongs to (station.h key_check):
         * its own table, created by any gateway that knows it, ignored by
         * one that does not, so it needs no schema version of its own. */
        (rc = spool_exec(s, "CREATE TABLE IF NOT EXISTS device_keys("
                            " device INTEGER PRIMARY KEY, key_check BLOB NOT NULL,"
                            " reuse_floor INTEGER NOT NULL DEFAULT 0)", err, errlen)) != SPOOL_OK ||
        (rc = spool_exec(s, "CREATE TEMP TABLE inflight(id INTEGER PRIMARY KEY,"
                            " sent_at_ms INTEGER NOT NULL)", err, errlen)) != SPOOL_OK) {
        spool_close(s);
        return rc == SPOOL_ERR_SCHEMA ? rc : SPOOL_ERR_OPEN;
    }
    if (s->opt.max_bytes > 0) {
        int64_t page = 4096, pages;
        char sql[64];
        spool_pragma_int(s, "PRAGMA page_size", &page);
        pages = s->opt.max_bytes / (page > 0 ? page : 4096);
        snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)(pages > 1 ? pages : 1));
        if ((rc = spool_exec(s, sql, err, errlen)) != SPOOL_OK) {
            spool_close(s);
            return SPOOL_ERR_OPEN;
        }
    }
    for (i = 0; i < ST_COUNT; i++) {
        rc = sqlite3_prepare_v3(s->db, spool_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
        if (rc != SQLITE_OK) {
            errbuf_say(err, errlen, "spool %s: cannot prepare a statement: %s", path,
                      sqlite3_errmsg(s->db));
            spool_close(s);
            return SPOOL_ERR_OPEN;
        }
    }
    *out = s;
    return SPOOL_OK;
}

void spool_close(struct spool *s)
{
    int i;
    if (!s)
        return;
    for (i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    if (s->db) {
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(s->db);
    }
    free(s->path);
    free(s);
}

static int64_t spool_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* statvfs at most once a second (SPOOL_SPACE_CHECK_MS): the loop asks on
 * every turn and every transaction, and a disk does not fill faster than
 * the margin of min_free_bytes allows in a second; the write that does
 * hit a full disk fails as SPOOL_ERR_FULL anyway. */
int spool_check_space(struct spool *s, char *err, size_t errlen)
{
    struct statvfs v;
    int64_t avail, now;
    if (s->opt.min_free_bytes <= 0)
        return SPOOL_OK;
    now = spool_mono_ms();
    if (s->space_checked_ms && now - s->space_checked_ms < SPOOL_SPACE_CHECK_MS &&
        now >= s->space_checked_ms) {
        if (s->space_rc != SPOOL_OK)
            errbuf_say(err, errlen, "%s", s->space_err);
        return s->space_rc;
    }
    s->space_checked_ms = now;
    s->space_rc = SPOOL_OK;
    if (statvfs(s->path, &v) != 0) {
        errbuf_say(s->space_err, sizeof s->space_err, "spool %s: cannot read free space: %s",
                   s->path, strerror(errno));
        s->space_rc = SPOOL_ERR_IO;
    } else {
        avail = (int64_t)v.f_bavail * (int64_t)v.f_frsize;
        if (avail < s->opt.min_free_bytes) {
            errbuf_say(s->space_err, sizeof s->space_err,
                       "spool %s: only %lld bytes free, below the %lld-byte threshold: "
                       "stopping intake, devices keep their records",
                       s->path, (long long)avail, (long long)s->opt.min_free_bytes);
            s->space_rc = SPOOL_ERR_FULL;
        }
    }
    if (s->space_rc != SPOOL_OK)
        errbuf_say(err, errlen, "%s", s->space_err);
    return s->space_rc;
}

int spool_begin(struct spool *s, char *err, size_t errlen)
{
    int rc;
    if (s->in_txn) {
        errbuf_say(err, errlen, "spool %s: a transaction is already open", s->path);
        return SPOOL_ERR_TXN;
    }
    /* A transaction SQLite still holds although ours ended (a ROLLBACK that
     * failed after a write error) would make every BEGIN fail for ever. */
    spool_end_txn(s);
    if ((rc = spool_check_space(s, err, errlen)) != SPOOL_OK)
        return rc;
    /* IMMEDIATE: take the write lock now, not at the first INSERT, so a busy
     * file fails here, before any station state has moved. */
    if ((rc = spool_step(s, ST_BEGIN_IMMEDIATE, err, errlen)) != SPOOL_OK)
        return rc;
    s->in_txn = 1;
    s->txn_stored = 0;
    return SPOOL_OK;
}

int spool_commit(struct spool *s, char *err, size_t errlen)
{
    int rc;
    if (!s->in_txn) {
        errbuf_say(err, errlen, "spool %s: commit without a transaction", s->path);
        return SPOOL_ERR_TXN;
    }
    rc = spool_step(s, ST_COMMIT, err, errlen);
    if (rc != SPOOL_OK) {
        spool_rollback(s);
        return rc;
    }
    s->in_txn = 0;
    if (s->txn_stored)
        s->generation++;
    return SPOOL_OK;
}

void spool_rollback(struct spool *s)
{
    /* SQLite may already have rolled back by itself (SQLITE_FULL can do
     * that); a second ROLLBACK would only be an error. */
    spool_end_txn(s);
    s->in_txn = 0;
    s->txn_stored = 0;
    /* Give back what the WAL took: after a full disk its frames are mostly
     * checkpointed, and a WAL truncated to zero is room for the next
     * commit (or for the deletes that shrink the outbox). Harmless when it
     * cannot run. (A failure path: not worth a prepared statement.) */
    sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
}

int spool_row_fill(struct spool_row *row, uint32_t device, uint32_t counter,
                   const struct record *rec, const struct spool_rx *rx)
{
    size_t n;
    int rc;
    memset(row, 0, sizeof *row);
    rc = record_encode(rec, row->record, sizeof row->record, &n);
    if (rc != PROTO_OK)
        return rc;
    row->record_len = (uint8_t)n;
    row->device = device;
    row->counter = counter;
    row->rx = *rx;
    return PROTO_OK;
}

int spool_row_set_frame(struct spool_row *row, const uint8_t *frame, size_t len)
{
    if (len < RADIO_UPLINK_MIN_LEN || len > RADIO_UPLINK_MAX_LEN)
        return PROTO_ERR_OUT_OF_RANGE;
    memcpy(row->frame, frame, len);
    row->frame_len = (uint8_t)len;
    return PROTO_OK;
}

/* A row that would make the collector choke is refused here, at the door,
 * rather than resent for ever. */
static int spool_row_check(struct spool *s, const struct spool_row *row, char *err, size_t errlen)
{
    struct record r;
    if (row->device == 0 || row->device == UINT32_MAX || row->counter == 0) {
        errbuf_say(err, errlen, "spool %s: device %08x counter %u is not a valid record id",
                  s->path, (unsigned)row->device, (unsigned)row->counter);
        return SPOOL_ERR_BAD_ROW;
    }
    if (row->record_len > sizeof row->record ||
        record_decode(row->record, row->record_len, &r) != PROTO_OK) {
        errbuf_say(err, errlen, "spool %s: record of device %08x counter %u does not decode",
                  s->path, (unsigned)row->device, (unsigned)row->counter);
        return SPOOL_ERR_BAD_ROW;
    }
    return SPOOL_OK;
}

int spool_put(struct spool *s, const struct spool_row *row, char *err, size_t errlen)
{
    sqlite3_stmt *q = s->st[ST_PUT];
    int rc;
    if ((rc = spool_row_check(s, row, err, errlen)) != SPOOL_OK)
        return rc;
    sqlite3_bind_int64(q, 1, row->device);
    sqlite3_bind_int64(q, 2, row->counter);
    sqlite3_bind_blob(q, 3, row->record, row->record_len, SQLITE_STATIC);
    /* rx_time_ms is below 2^63 for the next 290 million years */
    sqlite3_bind_int64(q, 4, (sqlite3_int64)row->rx.rx_time_ms);
    sqlite3_bind_int64(q, 5, row->rx.freq_hz);
    sqlite3_bind_int(q, 6, row->rx.rssi_dBm);
    sqlite3_bind_int(q, 7, row->rx.snr_qdB);
    sqlite3_bind_int(q, 8, row->rx.sf);
    sqlite3_bind_int(q, 9, row->rx.bw_kHz);
    sqlite3_bind_int(q, 10, row->rx.station);
    sqlite3_bind_int64(q, 11, spool_now_ms());
    if (row->frame_len >= RADIO_UPLINK_MIN_LEN && row->frame_len <= RADIO_UPLINK_MAX_LEN)
        sqlite3_bind_blob(q, 12, row->frame, row->frame_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 12);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (rc != SQLITE_DONE)
        return spool_fail(s, rc, err, errlen, "cannot store a record");
    if (sqlite3_changes(s->db) == 0)
        return SPOOL_DUPLICATE;
    if (s->in_txn)
        s->txn_stored = 1;
    else
        s->generation++;
    return SPOOL_NEW;
}

int spool_save_device(struct spool *s, const struct station_device *d, char *err, size_t errlen)
{
    sqlite3_stmt *q = s->st[ST_SAVE_DEV];
    int rc;
    sqlite3_bind_int64(q, 1, d->device);
    sqlite3_bind_int64(q, 2, d->ref);
    sqlite3_bind_int64(q, 3, d->acked);
    sqlite3_bind_int64(q, 4, d->last_ack_time);
    sqlite3_bind_blob(q, 5, d->held, (int)sizeof d->held, SQLITE_STATIC);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (rc != SQLITE_DONE)
        return spool_fail(s, rc, err, errlen, "cannot save device state");
    q = s->st[ST_SAVE_KEY];
    sqlite3_bind_int64(q, 1, d->device);
    sqlite3_bind_blob(q, 2, d->key_check, (int)sizeof d->key_check, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, d->reuse_floor);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (rc != SQLITE_DONE)
        return spool_fail(s, rc, err, errlen, "cannot save device key check");
    return SPOOL_OK;
}

int spool_load_devices(struct spool *s, spool_device_fn fn, void *ctx, char *err, size_t errlen)
{
    sqlite3_stmt *q = s->st[ST_LOAD_DEVS];
    struct station_device d;
    int rc, ret = SPOOL_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const void *held = sqlite3_column_blob(q, 4);
        int held_len = sqlite3_column_bytes(q, 4);
        memset(&d, 0, sizeof d);
        d.device = (uint32_t)sqlite3_column_int64(q, 0);
        d.ref = (uint32_t)sqlite3_column_int64(q, 1);
        d.acked = (uint32_t)sqlite3_column_int64(q, 2);
        d.last_ack_time = (uint32_t)sqlite3_column_int64(q, 3);
        /* A bitmap of another size was written by a build with another
         * STATION_WINDOW; its bits would name the wrong counters. Dropping
         * them is safe: those records are resent by their devices and
         * deduplicated by the outbox or the collector. */
        if (held && held_len == (int)sizeof d.held)
            memcpy(d.held, held, sizeof d.held);
        /* no key check (state saved by an older gateway): all zero, and the
         * caller cannot tell whether the key changed */
        if (sqlite3_column_bytes(q, 5) == (int)sizeof d.key_check)
            memcpy(d.key_check, sqlite3_column_blob(q, 5), sizeof d.key_check);
        d.reuse_floor = (uint32_t)sqlite3_column_int64(q, 6);
        if ((ret = fn(ctx, &d)) != 0)
            break;
    }
    sqlite3_reset(q);
    if (ret == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
        return spool_fail(s, rc, err, errlen, "cannot load device state");
    return ret;
}

int spool_unsent(struct spool *s, int64_t now_ms, int64_t resend_after_ms,
                 struct spool_row *rows, size_t cap, size_t *n, char *err, size_t errlen)
{
    sqlite3_stmt *q = s->st[ST_UNSENT];
    int rc = SQLITE_DONE;
    *n = 0;
    if (s->in_txn) {
        /* Rows of an open transaction may still roll back, and a rolled-back
         * AUTOINCREMENT id is handed out again: never let one leave. */
        errbuf_say(err, errlen, "spool %s: cannot read unsent rows inside a transaction", s->path);
        return SPOOL_ERR_TXN;
    }
    sqlite3_bind_int64(q, 1, now_ms - resend_after_ms);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)cap);
    while (*n < cap && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct spool_row *r = &rows[*n];
        int len = sqlite3_column_bytes(q, 3);
        memset(r, 0, sizeof *r);
        r->id = (uint64_t)sqlite3_column_int64(q, 0);
        r->device = (uint32_t)sqlite3_column_int64(q, 1);
        r->counter = (uint32_t)sqlite3_column_int64(q, 2);
        if (len < RECORD_MIN_LEN || len > RECORD_MAX_LEN) {
            sqlite3_reset(q);
            errbuf_say(err, errlen, "spool %s: row %llu holds a record of %d bytes", s->path,
                      (unsigned long long)r->id, len);
            return SPOOL_ERR_BAD_ROW;
        }
        memcpy(r->record, sqlite3_column_blob(q, 3), (size_t)len);
        r->record_len = (uint8_t)len;
        r->rx.rx_time_ms = (uint64_t)sqlite3_column_int64(q, 4);
        r->rx.freq_hz = (uint32_t)sqlite3_column_int64(q, 5);
        r->rx.rssi_dBm = (int16_t)sqlite3_column_int(q, 6);
        r->rx.snr_qdB = (int8_t)sqlite3_column_int(q, 7);
        r->rx.sf = (uint8_t)sqlite3_column_int(q, 8);
        r->rx.bw_kHz = (uint16_t)sqlite3_column_int(q, 9);
        r->rx.station = (uint16_t)sqlite3_column_int(q, 10);
        r->spooled_at_ms = sqlite3_column_int64(q, 11);
        r->was_sent = (uint8_t)sqlite3_column_int(q, 12);
        {
            int flen = sqlite3_column_bytes(q, 13);
            if (flen >= RADIO_UPLINK_MIN_LEN && flen <= RADIO_UPLINK_MAX_LEN) {
                memcpy(r->frame, sqlite3_column_blob(q, 13), (size_t)flen);
                r->frame_len = (uint8_t)flen;
            }
        }
        (*n)++;
    }
    sqlite3_reset(q);
    if (*n < cap && rc != SQLITE_DONE)
        return spool_fail(s, rc, err, errlen, "cannot read unsent rows");
    return SPOOL_OK;
}

/* Run one prepared statement (and a second one, which2 >= 0) per run of
 * consecutive ids, inside one transaction: the statements are prepared,
 * BEGIN and COMMIT too, so a batch costs a few steps and one commit. */
static int spool_each_id(struct spool *s, int which, int which2, const uint64_t *ids, size_t n,
                         int64_t value, size_t *changed, char *err, size_t errlen)
{
    size_t i, j;
    int rc;
    if (changed)
        *changed = 0;
    if (s->in_txn) {
        errbuf_say(err, errlen, "spool %s: link bookkeeping inside a record transaction", s->path);
        return SPOOL_ERR_TXN;
    }
    if (n == 0)
        return SPOOL_OK;
    if ((rc = spool_step(s, ST_BEGIN, err, errlen)) != SPOOL_OK)
        return rc;
    for (i = 0; i < n; i = j) {
        int w[2] = {which, which2}, k;
        /* ids[i..j) is a run: each one more than the one before */
        for (j = i + 1; j < n && ids[j - 1] < INT64_MAX && ids[j] == ids[j - 1] + 1; j++)
            ;
        for (k = 0; k < 2 && w[k] >= 0; k++) {
            sqlite3_stmt *q = s->st[w[k]];
            sqlite3_bind_int64(q, 1, (sqlite3_int64)ids[i]);
            sqlite3_bind_int64(q, 2, (sqlite3_int64)ids[j - 1]);
            if (sqlite3_bind_parameter_count(q) > 2)
                sqlite3_bind_int64(q, 3, value);
            rc = sqlite3_step(q);
            sqlite3_reset(q);
            if (rc != SQLITE_DONE) {
                rc = spool_fail(s, rc, err, errlen, "cannot update link state");
                spool_end_txn(s);
                return rc;
            }
            if (k == 0 && changed)
                *changed += (size_t)sqlite3_changes(s->db);
        }
    }
    if ((rc = spool_step(s, ST_COMMIT, err, errlen)) != SPOOL_OK) {
        spool_end_txn(s);
        return rc;
    }
    return SPOOL_OK;
}

int spool_mark_sent(struct spool *s, const uint64_t *ids, size_t n, int64_t now_ms,
                    char *err, size_t errlen)
{
    return spool_each_id(s, ST_MARK_SENT, -1, ids, n, now_ms, NULL, err, errlen);
}

void spool_forget_sent(struct spool *s)
{
    spool_step(s, ST_FORGET_SENT, NULL, 0);
}

int spool_mark_delivered(struct spool *s, const uint64_t *ids, size_t n, size_t *deleted,
                         char *err, size_t errlen)
{
    int rc;
    if (s->in_txn) {
        if (deleted)
            *deleted = 0;
        errbuf_say(err, errlen, "spool %s: acknowledgement inside a record transaction", s->path);
        return SPOOL_ERR_TXN;
    }
    /* Losing this commit to a power cut only means sending the rows again
     * (the collector ignores them), so it need not wait for the disk. The
     * next FULL commit makes it durable anyway: the WAL is one file. */
    spool_step(s, ST_SYNC_NORMAL, NULL, 0);
    rc = spool_each_id(s, ST_DEL_OUTBOX, ST_DEL_INFLIGHT, ids, n, 0, deleted, err, errlen);
    spool_step(s, ST_SYNC_FULL, NULL, 0);
    return rc;
}

/* One-value query; *v is if_null when the value is SQL NULL. */
static int spool_scalar(struct spool *s, int which, int64_t if_null, int64_t *v)
{
    sqlite3_stmt *q = s->st[which];
    int rc = sqlite3_step(q), ret = SPOOL_OK;
    *v = if_null;
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_type(q, 0) != SQLITE_NULL)
            *v = sqlite3_column_int64(q, 0);
    } else {
        ret = spool_code(s->db, rc);
    }
    sqlite3_reset(q);
    return ret;
}

int64_t spool_depth(struct spool *s)
{
    int64_t v;
    int rc = spool_scalar(s, ST_DEPTH, 0, &v);
    return rc == SPOOL_OK ? v : rc;
}

int64_t spool_oldest_age_ms(struct spool *s, int64_t now_ms)
{
    int64_t t;
    int rc = spool_scalar(s, ST_OLDEST, INT64_MIN, &t);
    if (rc != SPOOL_OK)
        return rc;
    if (t == INT64_MIN || now_ms <= t)
        return 0;
    return now_ms - t;
}

uint64_t spool_generation(const struct spool *s)
{
    return s->generation;
}
