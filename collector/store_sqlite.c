/* store.c -- the collector's SQLite database (see store.h).
 *
 * Design note. One received batch is one transaction: BEGIN IMMEDIATE,
 * per row an INSERT .. ON CONFLICT DO NOTHING into records (the row count
 * says inserted or duplicate), the void bookkeeping, an INSERT into
 * receptions, then COMMIT with synchronous=FULL. Everything is prepared
 * once. The schema's comments are inside the CREATE statements so that
 * SQLite keeps them and `.schema` shows them to the analyst.
 *
 * Decoding happens here, with proto/'s record_decode: the gateway sends the
 * record's wire bytes (the one definition of the format) and the store
 * turns them into named columns, keeping the bytes too (`wire`) so a later
 * version can re-derive any column.
 */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errbuf.h"
#include "calendar.h"
#include "clog.h"
#include "proto_err.h"
#include "rollup.h"
#include "store.h"
#include "store_backend.h"

static const struct store_ops store_sqlite_ops;
struct sqlite_store;
static void sqlite_store_close(struct sqlite_store *st);
static void sqlite_store_rollback(struct sqlite_store *st);

/* 'LOCS': marks a lofte collector store. */
#define STORE_APPLICATION_ID 0x4C4F4353
/* Bump, and add a migration in store_schema(), when the schema changes. */
/* 2: unverified_records. Every CREATE is IF NOT EXISTS, so running the
 * schema again is the migration from 1.
 * 3: receptions UNIQUE(record, gateway) instead of (gateway, device,
 * counter); the table is rebuilt (store_migrate_receptions). */
#define STORE_SCHEMA_VERSION 3

/* The receptions table, also built by the migration from schema 2. Its
 * unique key leads with the record's id (records.id), which grows with
 * every new record: a commit appends to one index leaf instead of
 * touching one leaf per device, as UNIQUE(gateway, device, counter) did
 * (docs/performance.md, "Bytes written per record"). */
#define STORE_RECEPTIONS_COLUMNS \
    "(\n" \
    "  -- one row per gateway that relayed a record: the same radio frame may reach several\n" \
    "  id INTEGER PRIMARY KEY,\n" \
    "  record INTEGER NOT NULL,         -- records.id of the record it carried\n" \
    "  gateway INTEGER NOT NULL REFERENCES gateways(id),\n" \
    "  station INTEGER NOT NULL,        -- the station id the gateway acknowledges with\n" \
    "  device INTEGER NOT NULL,         -- with counter: the record, records(device, counter)\n" \
    "  counter INTEGER NOT NULL,\n" \
    "  rx_time_ms INTEGER NOT NULL,     -- Unix ms when the frame ended on air; 0 = unknown\n" \
    "  rx_utc TEXT,                     -- the same, ISO 8601; NULL when unknown\n" \
    "  rssi_dBm INTEGER NOT NULL,\n" \
    "  snr_dB REAL NOT NULL,\n" \
    "  freq_hz INTEGER NOT NULL,\n" \
    "  sf INTEGER NOT NULL,             -- LoRa spreading factor 7..12\n" \
    "  bw_kHz INTEGER NOT NULL,\n" \
    "  received_at TEXT NOT NULL,       -- UTC when the collector committed it\n" \
    "  UNIQUE(record, gateway)\n" \
    ");\n"

/* Schema 2 -> 3: receptions keyed by the record's id. The views that read
 * receptions are dropped and made again by store_open (store_views). Every
 * reception has its record (retention deletes both together), so the
 * join keeps them all; the counts are checked after the copy. */
static const char store_migrate_receptions_sql[] =
    "DROP VIEW IF EXISTS reception_quality;\n"
    "CREATE TABLE receptions_v3" STORE_RECEPTIONS_COLUMNS
    "INSERT INTO receptions_v3(id, record, gateway, station, device, counter, rx_time_ms,"
    " rx_utc, rssi_dBm, snr_dB, freq_hz, sf, bw_kHz, received_at)"
    " SELECT x.id, r.id, x.gateway, x.station, x.device, x.counter, x.rx_time_ms, x.rx_utc,"
    " x.rssi_dBm, x.snr_dB, x.freq_hz, x.sf, x.bw_kHz, x.received_at"
    " FROM receptions x JOIN records r ON r.device = x.device AND r.counter = x.counter;\n";
static const char store_migrate_receptions_swap_sql[] =
    "DROP TABLE receptions;\n"
    "ALTER TABLE receptions_v3 RENAME TO receptions;\n";

static const char store_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS gateways(\n"
    "  -- one row per gateway (station daemon) that has fed this collector\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE,       -- its name in the allowed-gateways file\n"
    "  public_key TEXT NOT NULL,        -- its CURVE public key (Z85)\n"
    "  first_seen TEXT NOT NULL,        -- UTC, ISO 8601\n"
    "  last_seen TEXT NOT NULL          -- UTC, last batch received\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS records(\n"
    "  -- one row per activity logged on a handheld (docs/protocol.md section 2), exactly once\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  device INTEGER NOT NULL,         -- the handheld's random pseudonym; printf('%08x', device)\n"
    "                                   -- shows it as logs, views and the key file do\n"
    "  counter INTEGER NOT NULL,        -- the device's record number\n"
    "  activity TEXT NOT NULL,          -- e.g. 'alcohol.screening', 'presence.foot_patrol'\n"
    "  category TEXT NOT NULL,          -- e.g. 'alcohol', 'presence'; 'admin' for heartbeats and voids\n"
    "  result TEXT NOT NULL,            -- e.g. 'negative', 'completed'; meaning depends on category\n"
    "  action TEXT NOT NULL,            -- strictest action: none, advice, fine, report, deprivation_of_liberty\n"
    "  guardian_contacted INTEGER NOT NULL, -- side actions, 0 or 1 each\n"
    "  concern_report INTEGER NOT NULL,     -- (orosanmaelan)\n"
    "  vehicle_measure INTEGER NOT NULL,\n"
    "  licence_seized INTEGER NOT NULL,\n"
    "  seizure INTEGER NOT NULL,\n"
    "  clock_unset INTEGER NOT NULL,    -- 1: device had no clock; start_min counts from its boot\n"
    "  start_min INTEGER NOT NULL,      -- minutes since 2020-01-01T00:00Z (or since boot, see clock_unset)\n"
    "  start_utc TEXT,                  -- 'YYYY-MM-DDTHH:MMZ'; NULL when clock_unset\n"
    "  quantity INTEGER,                -- people, vehicles or visitors; NULL for admin records\n"
    "  duration_min INTEGER,            -- minutes; NULL for admin records\n"
    "  zone TEXT,                       -- e.g. 'skoghall_centre'; NULL for admin records\n"
    "  actor TEXT,                      -- police, municipal_guard, ...; NULL for admin records\n"
    "  cell INTEGER,                    -- ~100 m grid cell, row * 256 + column; NULL if not given\n"
    "  operation INTEGER,               -- operation code grouping records; NULL if none\n"
    "  void_counter INTEGER,            -- admin.void only: counter of the record it cancels\n"
    "  voided_by INTEGER,               -- counter of the admin.void that cancelled this record; NULL = counts\n"
    "  oldest_unacked INTEGER,          -- admin.heartbeat only: oldest counter queued on the device, 0 = none\n"
    "  queue_depth INTEGER,             -- admin.heartbeat only: records queued on the device\n"
    "  received_at TEXT NOT NULL,       -- UTC when the collector first committed it\n"
    "  wire BLOB NOT NULL,              -- the record's bytes as logged (docs/protocol.md section 2)\n"
    "  UNIQUE(device, counter)\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS records_void_target ON records(device, void_counter)\n"
    "  WHERE void_counter IS NOT NULL;\n"
    "CREATE TABLE IF NOT EXISTS receptions" STORE_RECEPTIONS_COLUMNS
    "CREATE TABLE IF NOT EXISTS rejected_records(\n"
    "  -- authentic records this collector cannot decode (a device newer than the collector?):\n"
    "  -- kept for a later version, never counted\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  gateway INTEGER NOT NULL REFERENCES gateways(id),\n"
    "  device INTEGER NOT NULL,\n"
    "  counter INTEGER NOT NULL,\n"
    "  reason TEXT NOT NULL,            -- the decoder's reason, e.g. 'unknown_activity'\n"
    "  wire BLOB NOT NULL,\n"
    "  received_at TEXT NOT NULL,\n"
    "  UNIQUE(device, counter)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS unverified_records(\n"
    "  -- rows a gateway sent whose device tag this collector could not verify with its\n"
    "  -- device keys (docs/upstream.md section 6): kept as evidence, never counted, and\n"
    "  -- never in the way of the genuine record of the same (device, counter)\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  gateway INTEGER NOT NULL REFERENCES gateways(id),\n"
    "  device INTEGER NOT NULL,\n"
    "  counter INTEGER NOT NULL,\n"
    "  reason TEXT NOT NULL,            -- no_frame, frame_mismatch, bad_tag, record_mismatch\n"
    "  wire BLOB NOT NULL,              -- the record bytes the gateway claimed\n"
    "  frame BLOB,                      -- the sealed radio frame it sent with them, if any\n"
    "  received_at TEXT NOT NULL\n"
    ");\n";

/* Views for analysts (docs/reports.md "Views"): the questions asked most,
 * answered without knowing how voids, heartbeats and undated records are
 * kept. Views cannot be written through, and `sqlite3 -readonly` or
 * `lofte-report --sql` keep the session read-only. When a view changes,
 * change docs/reports.md with it. */
static const char store_views[] =
    "DROP VIEW IF EXISTS activity_records;\n" /* until schema 2 its device was an integer */
    "CREATE VIEW activity_records AS\n"
    "  -- every activity that counts: no heartbeats or voids, nothing voided, dated;\n"
    "  -- device as 8 hex digits, as in every view, log and status file\n"
    "  SELECT printf('%08x', device) AS device, counter, activity, category, result, action, guardian_contacted,\n"
    "         concern_report, vehicle_measure, licence_seized, seizure, start_utc,\n"
    "         quantity, duration_min, zone, actor, cell, operation\n"
    "  FROM records WHERE category <> 'admin' AND voided_by IS NULL AND clock_unset = 0;\n"
    "CREATE VIEW IF NOT EXISTS daily_activity AS\n"
    "  -- per Europe/Stockholm day, from the rollups (survives retention)\n"
    "  SELECT c.date, c.weekday, c.iso_week, c.month, c.quarter, c.tertial, c.half_year,\n"
    "         c.year, d.activity, d.zone, d.actor, d.result, d.action, d.records,\n"
    "         d.quantity, d.duration_min\n"
    "  FROM daily d JOIN calendar c ON c.day = d.day;\n"
    "CREATE VIEW IF NOT EXISTS weekly_activity AS\n"
    "  SELECT iso_week, activity, sum(records) AS records, sum(quantity) AS quantity,\n"
    "         sum(duration_min) AS duration_min\n"
    "  FROM daily_activity GROUP BY iso_week, activity;\n"
    "CREATE VIEW IF NOT EXISTS monthly_activity AS\n"
    "  SELECT month, activity, sum(records) AS records, sum(quantity) AS quantity,\n"
    "         sum(duration_min) AS duration_min\n"
    "  FROM daily_activity GROUP BY month, activity;\n"
    "CREATE VIEW IF NOT EXISTS device_health AS\n"
    "  -- per handheld: last heartbeat, its queue then, records received\n"
    "  SELECT printf('%08x', r.device) AS device, max(r.received_at) AS last_heard,\n"
    "         (SELECT h.queue_depth FROM records h WHERE h.device = r.device\n"
    "           AND h.activity = 'admin.heartbeat' ORDER BY h.counter DESC LIMIT 1)\n"
    "           AS last_queue_depth,\n"
    "         sum(r.category <> 'admin') AS records, max(r.counter) AS last_counter\n"
    "  FROM records r GROUP BY r.device;\n"
    "CREATE VIEW IF NOT EXISTS reception_quality AS\n"
    "  -- per gateway and handheld: how well the station hears it\n"
    "  SELECT g.name AS gateway, printf('%08x', x.device) AS device, count(*) AS frames,\n"
    "         round(avg(x.rssi_dBm), 1) AS mean_rssi_dBm, round(avg(x.snr_dB), 1) AS mean_snr_dB,\n"
    "         min(x.rssi_dBm) AS worst_rssi_dBm\n"
    "  FROM receptions x JOIN gateways g ON g.id = x.gateway GROUP BY g.name, x.device;\n";

enum {
    ST_GW_UPSERT,
    ST_GW_SEEN,
    ST_REC_INSERT,
    ST_REC_WIRE,
    ST_VOID_APPLY,
    ST_VOID_RESOLVE,
    ST_VOID_TARGET,
    ST_RX_INSERT,
    ST_REJECT,
    ST_UNVERIFIED,
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_COUNT
};

/* Indexed by the enum above: change both together. Parameter numbers are
 * named in comments where a statement has many. */
static const char *const store_sql[ST_COUNT] = {
    [ST_GW_UPSERT] =
        "INSERT INTO gateways(name, public_key, first_seen, last_seen) VALUES(?1, ?2, ?3, ?3)"
        " ON CONFLICT(name) DO UPDATE SET public_key = excluded.public_key,"
        " last_seen = excluded.last_seen RETURNING id",
    [ST_GW_SEEN] = "UPDATE gateways SET last_seen = ?2 WHERE id = ?1",
    [ST_REC_INSERT] =
        "INSERT INTO records(device, counter, activity, category, result, action,"
        " guardian_contacted, concern_report, vehicle_measure, licence_seized, seizure,"
        " clock_unset, start_min, start_utc, quantity, duration_min, zone, actor, cell,"
        " operation, void_counter, oldest_unacked, queue_depth, received_at, wire)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
        " ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)"
        " ON CONFLICT(device, counter) DO NOTHING",
    [ST_REC_WIRE] = "SELECT wire, id FROM records WHERE device = ?1 AND counter = ?2",
    /* a new void (?3 = its counter) cancels its earlier target ?2; the
     * lowest void counter wins, so arrival order does not matter */
    [ST_VOID_APPLY] =
        "UPDATE records SET voided_by = ?3 WHERE device = ?1 AND counter = ?2"
        " AND activity <> 'admin.void' AND (voided_by IS NULL OR voided_by > ?3)",
    /* a new record ?2 looks for a void that arrived before it; INDEXED BY:
     * without statistics the planner would walk every later record of the
     * device through the (device, counter) index instead */
    [ST_VOID_RESOLVE] =
        "UPDATE records SET voided_by = (SELECT min(v.counter) FROM records v"
        "  INDEXED BY records_void_target"
        "  WHERE v.device = ?1 AND v.void_counter = ?2 AND v.activity = 'admin.void'"
        "  AND v.counter > ?2)"
        " WHERE device = ?1 AND counter = ?2 AND EXISTS (SELECT 1 FROM records v"
        "  INDEXED BY records_void_target"
        "  WHERE v.device = ?1 AND v.void_counter = ?2 AND v.activity = 'admin.void'"
        "  AND v.counter > ?2)",
    /* the target of a void, if it still counts: its fields leave the rollups */
    [ST_VOID_TARGET] =
        "SELECT start_min, clock_unset, activity, result, action, zone, actor, quantity,"
        " duration_min, guardian_contacted, concern_report, vehicle_measure, licence_seized,"
        " seizure FROM records WHERE device = ?1 AND counter = ?2"
        " AND category <> 'admin' AND voided_by IS NULL",
    [ST_RX_INSERT] =
        "INSERT INTO receptions(gateway, station, device, counter, rx_time_ms, rx_utc,"
        " rssi_dBm, snr_dB, freq_hz, sf, bw_kHz, received_at, record)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        " ON CONFLICT(record, gateway) DO NOTHING",
    [ST_REJECT] =
        "INSERT INTO rejected_records(gateway, device, counter, reason, wire, received_at)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(device, counter) DO NOTHING",
    [ST_UNVERIFIED] =
        "INSERT INTO unverified_records(gateway, device, counter, reason, wire, frame,"
        " received_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    /* transaction control too: sqlite3_exec would parse the text on every
     * batch. IMMEDIATE: take the write lock now; a busy file fails before
     * any row. */
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
};

struct sqlite_store {
    struct store base; /* first: store.c dispatches through base.ops */
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    char *path;
    int in_txn;
    int group;      /* the open transaction was begun by store_begin */
};

/* A full disk may surface as SQLITE_FULL or as an I/O error with ENOSPC;
 * both are STORE_ERR_FULL, which the intake reports as such. */
static int store_fail(struct sqlite_store *st, int rc, char *err, size_t errlen, const char *what)
{
    int sys = sqlite3_system_errno(st->db);
    int code = ((rc & 0xFF) == SQLITE_FULL ||
                ((rc & 0xFF) == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT)))
                   ? STORE_ERR_FULL : STORE_ERR_IO;
    errbuf_say(err, errlen, "collector database %s: %s: %s", st->path, what,
              sqlite3_errmsg(st->db));
    return code;
}

static int store_exec(struct sqlite_store *st, const char *sql, char *err, size_t errlen)
{
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? STORE_OK : store_fail(st, rc, err, errlen, "cannot execute");
}

static int store_pragma_int(struct sqlite_store *st, const char *sql, int64_t *v)
{
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return rc;
    if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        *v = sqlite3_column_int64(q, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    return rc;
}

/* Schema 2 (or 1) -> 3, inside store_schema's transaction: a crash or a
 * failure leaves schema 2 as it was. */
static int store_migrate_receptions(struct sqlite_store *st, char *err, size_t errlen)
{
    int64_t before = -1, after = -2;
    int rc;
    if (store_pragma_int(st, "SELECT count(*) FROM receptions", &before) != SQLITE_OK)
        return store_fail(st, sqlite3_errcode(st->db), err, errlen, "cannot count receptions");
    if ((rc = store_exec(st, store_migrate_receptions_sql, err, errlen)) != STORE_OK)
        return rc;
    if (store_pragma_int(st, "SELECT count(*) FROM receptions_v3", &after) != SQLITE_OK)
        return store_fail(st, sqlite3_errcode(st->db), err, errlen, "cannot count receptions");
    if (after != before) {
        errbuf_say(err, errlen, "collector database %s: %lld of %lld receptions have no record; "
                   "not migrated to schema 3, nothing changed", st->path,
                   (long long)(before - after), (long long)before);
        return STORE_ERR_OPEN;
    }
    if ((rc = store_exec(st, store_migrate_receptions_swap_sql, err, errlen)) != STORE_OK)
        return rc;
    clog_msg(CLOG_INFO, "store: %s migrated to schema 3 (%lld receptions keyed by record)",
             st->path, (long long)after);
    return STORE_OK;
}

static int store_schema(struct sqlite_store *st, char *err, size_t errlen)
{
    int64_t app = 0, ver = 0;
    char sql[128];
    int rc;
    if (store_pragma_int(st, "PRAGMA application_id", &app) != SQLITE_OK ||
        store_pragma_int(st, "PRAGMA user_version", &ver) != SQLITE_OK) {
        errbuf_say(err, errlen, "collector database %s: cannot read it: %s", st->path,
                  sqlite3_errmsg(st->db));
        return STORE_ERR_OPEN;
    }
    if (app != 0 && app != STORE_APPLICATION_ID) {
        errbuf_say(err, errlen, "%s is an SQLite file but not a lofte collector database",
                  st->path);
        return STORE_ERR_OPEN;
    }
    if (ver > STORE_SCHEMA_VERSION) {
        errbuf_say(err, errlen, "collector database %s has schema version %lld, newer than "
                  "this collector's %d", st->path, (long long)ver, STORE_SCHEMA_VERSION);
        return STORE_ERR_SCHEMA;
    }
    if (ver == STORE_SCHEMA_VERSION)
        return STORE_OK;
    if ((rc = store_exec(st, "BEGIN IMMEDIATE", err, errlen)) != STORE_OK)
        return rc;
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d;",
             STORE_APPLICATION_ID, STORE_SCHEMA_VERSION);
    if (ver >= 1 && ver < 3 && (rc = store_migrate_receptions(st, err, errlen)) != STORE_OK) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    if ((rc = store_exec(st, store_schema_sql, err, errlen)) != STORE_OK ||
        (rc = store_exec(st, sql, err, errlen)) != STORE_OK) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return store_exec(st, "COMMIT", err, errlen);
}

static int sqlite_store_open(struct store **out, const char *path, const struct store_options *opt,
               char *err, size_t errlen)
{
    struct sqlite_store *st;
    int rc, i;
    *out = NULL;
    st = calloc(1, sizeof *st);
    if (st)
        st->base.ops = &store_sqlite_ops;
    if (!st || !(st->path = strdup(path))) {
        free(st);
        errbuf_say(err, errlen, "collector database %s: out of memory", path);
        return STORE_ERR_OPEN;
    }
    /* The database holds every record with zone, cell and time: owner and
     * group (the analysts) only. SQLite gives -wal and -shm the mode of the
     * database file, so creating it here, 0640, is enough; the umask may
     * take more away, never add. O_NOFOLLOW: not through a planted link. */
    {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
        struct stat sb;
        if (fd >= 0) {
            close(fd);
        } else if (errno != EEXIST) {
            errbuf_say(err, errlen, "cannot create collector database %s: %s", path,
                       strerror(errno));
            sqlite_store_close(st);
            return STORE_ERR_OPEN;
        } else if (stat(path, &sb) == 0 && (sb.st_mode & 0007)) {
            clog_msg(CLOG_WARN, "store: collector database %s is readable by others (mode "
                     "%04o); chmod o-rwx it and its -wal and -shm", path,
                     (unsigned)(sb.st_mode & 07777));
        }
    }
    rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        errbuf_say(err, errlen, "cannot open collector database %s: %s", path,
                  st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        sqlite_store_close(st);
        return STORE_ERR_OPEN;
    }
    sqlite3_extended_result_codes(st->db, 1);
    /* Keep -wal and -shm when the last connection closes: a reader that
     * may not write the directory (the analysts' `sqlite3 -readonly`)
     * cannot create them, and SQLite needs both to read a WAL database. */
    {
        int persist = 1;
        sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    }
    /* analysts' read transactions may briefly hold locks during a checkpoint */
    sqlite3_busy_timeout(st->db, 5000);
    /* WAL: analysts read while the intake writes. FULL: a COMMIT is on disk
     * when it returns, and an ACK follows only then. */
    if ((rc = store_exec(st, "PRAGMA journal_mode = WAL", err, errlen)) != STORE_OK ||
        (rc = store_exec(st, "PRAGMA synchronous = FULL", err, errlen)) != STORE_OK ||
        (rc = store_exec(st, "PRAGMA foreign_keys = ON", err, errlen)) != STORE_OK ||
        /* Checkpoint every 4000 WAL pages (16 MB) instead of 1000: a page
         * the intake dirties in commit after commit (the index leaf of a
         * busy device, the day's rollup) is copied into the database once
         * per checkpoint, so this takes about a quarter of the bytes
         * written per record away (docs/performance.md); the WAL file
         * stays about 16 MB. */
        (rc = store_exec(st, "PRAGMA wal_autocheckpoint = 4000", err, errlen)) != STORE_OK ||
        (rc = store_schema(st, err, errlen)) != STORE_OK) {
        sqlite_store_close(st);
        return rc == STORE_ERR_SCHEMA ? rc : STORE_ERR_OPEN;
    }
    if (opt && opt->max_bytes > 0) {
        int64_t page = 4096;
        char sql[64];
        store_pragma_int(st, "PRAGMA page_size", &page);
        snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld",
                 (long long)(opt->max_bytes / (page > 0 ? page : 4096) + 1));
        if ((rc = store_exec(st, sql, err, errlen)) != STORE_OK) {
            sqlite_store_close(st);
            return STORE_ERR_OPEN;
        }
    }
    for (i = 0; i < ST_COUNT; i++) {
        rc = sqlite3_prepare_v3(st->db, store_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->st[i],
                                NULL);
        if (rc != SQLITE_OK) {
            errbuf_say(err, errlen, "collector database %s: cannot prepare a statement: %s",
                      path, sqlite3_errmsg(st->db));
            sqlite_store_close(st);
            return STORE_ERR_OPEN;
        }
    }
    /* the per-day aggregates reports read (rollup.h): kept in step with
     * every insert and void, in the same transaction. IMMEDIATE: two
     * processes opening the file at once (two collectors, a collector and
     * lofte-report) would otherwise both drop and create the views, and
     * the second CREATE fail ("view already exists"). */
    if ((rc = store_exec(st, "BEGIN IMMEDIATE", err, errlen)) != STORE_OK ||
        rollup_init(st->db, err, errlen) != ROLLUP_OK ||
        (rc = store_exec(st, store_views, err, errlen)) != STORE_OK ||
        (rc = store_exec(st, "COMMIT", err, errlen)) != STORE_OK) {
        sqlite_store_close(st);
        return STORE_ERR_OPEN;
    }
    *out = &st->base;
    return STORE_OK;
}

static void sqlite_store_close(struct sqlite_store *st)
{
    int i;
    if (!st)
        return;
    for (i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(st->st[i]);
    if (st->db)
        rollup_release(st->db);
    if (st->db) {
        if (!sqlite3_get_autocommit(st->db))
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(st->db);
    }
    free(st->path);
    free(st);
}

static int sqlite_store_gateway(struct sqlite_store *st, const char *name, const char *public_z85, int64_t *id,
                  char *err, size_t errlen)
{
    sqlite3_stmt *q = st->st[ST_GW_UPSERT];
    struct timespec ts;
    char now[32];
    int rc;
    clock_gettime(CLOCK_REALTIME, &ts);
    store_utc_ms((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, now);
    sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, public_z85, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, now, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(q, 0);
        rc = sqlite3_step(q); /* RETURNING: finish the statement, which commits it */
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (rc != SQLITE_DONE)
        return store_fail(st, rc, err, errlen, "cannot record a gateway");
    return STORE_OK;
}

static int store_step(struct sqlite_store *st, sqlite3_stmt *q, char *err, size_t errlen,
                      const char *what)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(st, rc, err, errlen, what);
}

static void bind_name_or_null(sqlite3_stmt *q, int i, int present, const char *s)
{
    if (present)
        sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, i);
}

/* Insert one decoded record; *inserted says whether it was new. */
/* A void is about to cancel (device, counter): if that record is stored
 * and still counts, take it out of the rollups (the UPDATE that follows
 * marks it voided, in the same transaction). */
static int store_unroll_target(struct sqlite_store *st, int64_t device, int64_t counter, char *err,
                               size_t errlen)
{
    sqlite3_stmt *q = st->st[ST_VOID_TARGET];
    struct rollup_row rr;
    int rc, ok = ROLLUP_OK;
    sqlite3_bind_int64(q, 1, device);
    sqlite3_bind_int64(q, 2, counter);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        rr.start_min = (uint32_t)sqlite3_column_int64(q, 0);
        rr.clock_unset = sqlite3_column_int(q, 1);
        rr.activity = (const char *)sqlite3_column_text(q, 2);
        rr.result = (const char *)sqlite3_column_text(q, 3);
        rr.action = (const char *)sqlite3_column_text(q, 4);
        rr.zone = (const char *)sqlite3_column_text(q, 5);
        rr.actor = (const char *)sqlite3_column_text(q, 6);
        rr.quantity = (uint32_t)sqlite3_column_int64(q, 7);
        rr.duration_min = (uint32_t)sqlite3_column_int64(q, 8);
        rr.side = (uint8_t)((sqlite3_column_int(q, 9) ? SIDE_GUARDIAN_CONTACTED : 0) |
                            (sqlite3_column_int(q, 10) ? SIDE_CONCERN_REPORT : 0) |
                            (sqlite3_column_int(q, 11) ? SIDE_VEHICLE_MEASURE : 0) |
                            (sqlite3_column_int(q, 12) ? SIDE_LICENCE_SEIZED : 0) |
                            (sqlite3_column_int(q, 13) ? SIDE_SEIZURE : 0));
        ok = rollup_apply(st->db, &rr, -1);
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(st, rc, err, errlen, "cannot read a void's target");
    if (ok != ROLLUP_OK)
        return store_fail(st, sqlite3_extended_errcode(st->db), err, errlen,
                              "cannot update the rollups");
    return STORE_OK;
}

static int store_record(struct sqlite_store *st, const struct spool_row *row, const struct record *r,
                        const char *now, int *inserted, int64_t *record_id, char *err,
                        size_t errlen)
{
    sqlite3_stmt *q = st->st[ST_REC_INSERT];
    const struct record_activity_info *info = record_activity_info(r->activity);
    const char *act = info ? info->name : "?";
    int admin = record_category(r->activity) == CAT_ADMIN, rc;
    char start_utc[24];

    sqlite3_bind_int64(q, 1, row->device);
    sqlite3_bind_int64(q, 2, row->counter);
    sqlite3_bind_text(q, 3, act, -1, SQLITE_STATIC);
    /* the category is the activity name's prefix: "alcohol.screening" */
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
    if (r->clock_unset) {
        /* minutes since the device booted: not a date (protocol.md §2.1) */
        sqlite3_bind_null(q, 14);
    } else {
        time_t t = (time_t)(LOFTE_EPOCH_UNIX + (int64_t)r->start_min * 60);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(start_utc, sizeof start_utc, "%Y-%m-%dT%H:%MZ", &tm);
        sqlite3_bind_text(q, 14, start_utc, -1, SQLITE_STATIC);
    }
    if (admin) {
        sqlite3_bind_null(q, 15);
        sqlite3_bind_null(q, 16);
    } else {
        sqlite3_bind_int(q, 15, r->quantity);
        sqlite3_bind_int(q, 16, r->duration_min);
    }
    bind_name_or_null(q, 17, !admin, record_zone_name(r->zone));
    bind_name_or_null(q, 18, !admin, record_actor_name(r->actor));
    if (!admin && r->cell != RECORD_CELL_NONE)
        sqlite3_bind_int(q, 19, r->cell);
    else
        sqlite3_bind_null(q, 19);
    if (!admin && r->operation)
        sqlite3_bind_int(q, 20, r->operation);
    else
        sqlite3_bind_null(q, 20);
    if (r->activity == ACT_ADMIN_VOID)
        sqlite3_bind_int64(q, 21, r->void_counter);
    else
        sqlite3_bind_null(q, 21);
    if (r->activity == ACT_ADMIN_HEARTBEAT) {
        sqlite3_bind_int64(q, 22, r->oldest_unacked);
        sqlite3_bind_int(q, 23, r->queue_depth);
    } else {
        sqlite3_bind_null(q, 22);
        sqlite3_bind_null(q, 23);
    }
    sqlite3_bind_text(q, 24, now, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 25, row->record, row->record_len, SQLITE_STATIC);
    if ((rc = store_step(st, q, err, errlen, "cannot insert a record")) != STORE_OK)
        return rc;
    *inserted = sqlite3_changes(st->db) > 0;
    if (!*inserted)
        return STORE_OK;
    /* now: the rollup upserts below move last_insert_rowid */
    *record_id = sqlite3_last_insert_rowid(st->db);

    if (r->activity == ACT_ADMIN_VOID) {
        /* a void names an EARLIER record of its device (protocol.md §2.3) */
        if (r->void_counter >= row->counter)
            return STORE_OK;
        if ((rc = store_unroll_target(st, row->device, r->void_counter, err, errlen)) != 0)
            return rc;
        q = st->st[ST_VOID_APPLY];
        sqlite3_bind_int64(q, 1, row->device);
        sqlite3_bind_int64(q, 2, r->void_counter);
        sqlite3_bind_int64(q, 3, row->counter);
        return store_step(st, q, err, errlen, "cannot apply a void");
    }
    q = st->st[ST_VOID_RESOLVE];
    sqlite3_bind_int64(q, 1, row->device);
    sqlite3_bind_int64(q, 2, row->counter);
    if ((rc = store_step(st, q, err, errlen, "cannot resolve an earlier void")) != STORE_OK)
        return rc;
    if (sqlite3_changes(st->db) > 0 || admin)
        return STORE_OK; /* voided before it arrived, or not an activity: not counted */
    {
        struct rollup_row rr;
        if (rollup_row_from_record(r, &rr) != ROLLUP_OK ||
            rollup_apply(st->db, &rr, +1) != ROLLUP_OK)
            return store_fail(st, sqlite3_extended_errcode(st->db), err, errlen,
                              "cannot update the rollups");
    }
    return STORE_OK;
}

/* Retention (rollup.h: retention_prune, run by lofte-retention) deletes the
 * records of old, already reported days, and their receptions, but keeps
 * their counts in `daily`. A late copy of such a record (a spool resending
 * after a lost ACK, a second gateway's relay) then finds no row to conflict
 * with: inserted, it would be counted a second time in a day whose figures
 * are final. So it is a duplicate, neither stored, counted nor given a
 * reception, when its counter is at or below its device's pruned watermark
 * (retention_was_pruned) AND it is dated before the first day still kept
 * ('pruned_before_day'). The date condition matters: the watermark alone
 * would also swallow a record that was never pruned because it could not
 * have been (undated, or of a day not yet thinned) but arrives after a
 * later counter of its device was pruned. Costs one indexed lookup per row;
 * the date is read only for a counter under the watermark (rare). */
static int store_pruned(struct sqlite_store *st, const struct spool_row *row, const struct record *r,
                        int *pruned, char *err, size_t errlen)
{
    sqlite3_stmt *q = NULL;
    int rc;
    *pruned = 0;
    if (r->clock_unset)
        return STORE_OK; /* retention never prunes undated records */
    rc = retention_was_pruned(st->db, row->device, row->counter);
    if (rc < 0)
        return store_fail(st, sqlite3_extended_errcode(st->db), err, errlen,
                          "cannot read the retention watermark");
    if (rc == 0)
        return STORE_OK;
    rc = sqlite3_prepare_v2(st->db,
                            "SELECT value FROM rollup_state WHERE key = 'pruned_before_day'",
                            -1, &q, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        *pruned = cal_local_day(r->start_min) < sqlite3_column_int64(q, 0);
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return store_fail(st, rc, err, errlen, "cannot read the retention state");
    return STORE_OK;
}

/* Same (device, counter) already stored: the same bytes, or not? */
static int store_same_bytes(struct sqlite_store *st, const struct spool_row *row, int *same,
                            int64_t *record_id, char *err, size_t errlen)
{
    sqlite3_stmt *q = st->st[ST_REC_WIRE];
    int rc;
    sqlite3_bind_int64(q, 1, row->device);
    sqlite3_bind_int64(q, 2, row->counter);
    rc = sqlite3_step(q);
    *record_id = rc == SQLITE_ROW ? sqlite3_column_int64(q, 1) : 0;
    *same = rc == SQLITE_ROW && sqlite3_column_bytes(q, 0) == row->record_len &&
            memcmp(sqlite3_column_blob(q, 0), row->record, row->record_len) == 0;
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(st, rc, err, errlen, "cannot compare a duplicate");
    return STORE_OK;
}

static int store_reception(struct sqlite_store *st, int64_t gateway_id, const struct spool_row *row,
                           int64_t record_id, const char *now, char *err, size_t errlen)
{
    sqlite3_stmt *q = st->st[ST_RX_INSERT];
    char rx_utc[32];
    sqlite3_bind_int64(q, 1, gateway_id);
    sqlite3_bind_int(q, 2, row->rx.station);
    sqlite3_bind_int64(q, 3, row->device);
    sqlite3_bind_int64(q, 4, row->counter);
    sqlite3_bind_int64(q, 5, (sqlite3_int64)row->rx.rx_time_ms);
    if (row->rx.rx_time_ms && row->rx.rx_time_ms < (uint64_t)INT64_MAX) {
        store_utc_ms((int64_t)row->rx.rx_time_ms, rx_utc);
        sqlite3_bind_text(q, 6, rx_utc, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(q, 6);
    }
    sqlite3_bind_int(q, 7, row->rx.rssi_dBm);
    sqlite3_bind_double(q, 8, row->rx.snr_qdB / 4.0);
    sqlite3_bind_int64(q, 9, row->rx.freq_hz);
    sqlite3_bind_int(q, 10, row->rx.sf);
    sqlite3_bind_int(q, 11, row->rx.bw_kHz);
    sqlite3_bind_text(q, 12, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 13, record_id);
    return store_step(st, q, err, errlen, "cannot insert a reception");
}

static int store_reject(struct sqlite_store *st, int64_t gateway_id, const struct spool_row *row,
                        int reason, const char *now, char *err, size_t errlen)
{
    sqlite3_stmt *q = st->st[ST_REJECT];
    sqlite3_bind_int64(q, 1, gateway_id);
    sqlite3_bind_int64(q, 2, row->device);
    sqlite3_bind_int64(q, 3, row->counter);
    sqlite3_bind_text(q, 4, proto_errname(reason), -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 5, row->record, row->record_len, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, now, -1, SQLITE_STATIC);
    return store_step(st, q, err, errlen, "cannot keep an undecodable record");
}

static int store_unverified(struct sqlite_store *st, int64_t gateway_id, const struct spool_row *row,
                            const char *reason, const char *now, char *err, size_t errlen)
{
    sqlite3_stmt *q = st->st[ST_UNVERIFIED];
    sqlite3_bind_int64(q, 1, gateway_id);
    sqlite3_bind_int64(q, 2, row->device);
    sqlite3_bind_int64(q, 3, row->counter);
    sqlite3_bind_text(q, 4, reason, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 5, row->record, row->record_len, SQLITE_STATIC);
    if (row->frame_len)
        sqlite3_bind_blob(q, 6, row->frame, row->frame_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 6);
    sqlite3_bind_text(q, 7, now, -1, SQLITE_STATIC);
    return store_step(st, q, err, errlen, "cannot keep an unverified record");
}

static int sqlite_store_put_checked(struct sqlite_store *st, int64_t gateway_id, const struct spool_row *rows,
                      const char *const *unverified, size_t n, int64_t received_ms,
                      enum store_outcome *outcomes, char *err, size_t errlen)
{
    sqlite3_stmt *q;
    char now[32];
    size_t i;
    int rc;

    if (st->in_txn && !st->group) {
        errbuf_say(err, errlen, "collector database %s: a batch is already open", st->path);
        return STORE_ERR_TXN;
    }
    store_utc_ms(received_ms, now);
    if (!st->in_txn) {
        if ((rc = store_step(st, st->st[ST_BEGIN], err, errlen, "cannot begin")) != STORE_OK)
            return rc;
        st->in_txn = 1;
    }
    for (i = 0; i < n; i++) {
        const struct spool_row *row = &rows[i];
        struct record r;
        int inserted = 0, same = 1, pruned = 0, dec;
        int64_t record_id = 0;
        dec = record_decode(row->record, row->record_len, &r);
        if (unverified && unverified[i]) {
            /* not in records: it must not take the genuine record's place */
            outcomes[i] = STORE_UNVERIFIED;
            rc = store_unverified(st, gateway_id, row, unverified[i], now, err, errlen);
        } else if (dec != PROTO_OK) {
            outcomes[i] = STORE_QUARANTINED;
            rc = store_reject(st, gateway_id, row, dec, now, err, errlen);
        } else if ((rc = store_pruned(st, row, &r, &pruned, err, errlen)) == STORE_OK &&
                   pruned) {
            outcomes[i] = STORE_DUPLICATE; /* stored, counted and pruned before */
        } else if (rc == STORE_OK) {
            rc = store_record(st, row, &r, now, &inserted, &record_id, err, errlen);
            if (rc == STORE_OK && !inserted)
                rc = store_same_bytes(st, row, &same, &record_id, err, errlen);
            if (rc == STORE_OK)
                rc = store_reception(st, gateway_id, row, record_id, now, err, errlen);
            outcomes[i] = inserted ? STORE_INSERTED : same ? STORE_DUPLICATE : STORE_CONFLICT;
        }
        if (rc != STORE_OK) {
            sqlite_store_rollback(st);
            return rc;
        }
    }
    q = st->st[ST_GW_SEEN];
    sqlite3_bind_int64(q, 1, gateway_id);
    sqlite3_bind_text(q, 2, now, -1, SQLITE_STATIC);
    if ((rc = store_step(st, q, err, errlen, "cannot update the gateway")) != STORE_OK) {
        sqlite_store_rollback(st);
        return rc;
    }
    return STORE_OK;
}

static int sqlite_store_begin(struct sqlite_store *st, char *err, size_t errlen)
{
    int rc;
    if (st->in_txn) {
        errbuf_say(err, errlen, "collector database %s: a transaction is already open",
                   st->path);
        return STORE_ERR_TXN;
    }
    if ((rc = store_step(st, st->st[ST_BEGIN], err, errlen, "cannot begin")) != STORE_OK)
        return rc;
    st->in_txn = 1;
    st->group = 1;
    return STORE_OK;
}

static int sqlite_store_commit(struct sqlite_store *st, char *err, size_t errlen)
{
    int rc;
    if (!st->in_txn) {
        errbuf_say(err, errlen, "collector database %s: commit without a batch", st->path);
        return STORE_ERR_TXN;
    }
    rc = store_step(st, st->st[ST_COMMIT], err, errlen, "cannot commit");
    if (rc != STORE_OK)
        sqlite_store_rollback(st);
    st->in_txn = 0;
    st->group = 0;
    return rc;
}

static void sqlite_store_rollback(struct sqlite_store *st)
{
    /* SQLite may have rolled back by itself already (SQLITE_FULL can) */
    if (!sqlite3_get_autocommit(st->db)) {
        sqlite3_step(st->st[ST_ROLLBACK]);
        sqlite3_reset(st->st[ST_ROLLBACK]);
    }
    st->in_txn = 0;
    st->group = 0;
}

/* The operations store.c dispatches to (store_backend.h). */
static int sqlite_op_gateway(struct store *s, const char *name, const char *public_z85,
                             int64_t *id, char *err, size_t errlen)
{
    return sqlite_store_gateway((struct sqlite_store *)s, name, public_z85, id, err, errlen);
}

static int sqlite_op_put(struct store *s, int64_t gateway_id, const struct spool_row *rows,
                         const char *const *unverified, size_t n, int64_t received_ms,
                         enum store_outcome *outcomes, char *err, size_t errlen)
{
    return sqlite_store_put_checked((struct sqlite_store *)s, gateway_id, rows, unverified, n,
                                    received_ms, outcomes, err, errlen);
}

static int sqlite_op_begin(struct store *s, char *err, size_t errlen)
{
    return sqlite_store_begin((struct sqlite_store *)s, err, errlen);
}

static int sqlite_op_commit(struct store *s, char *err, size_t errlen)
{
    return sqlite_store_commit((struct sqlite_store *)s, err, errlen);
}

static void sqlite_op_rollback(struct store *s)
{
    sqlite_store_rollback((struct sqlite_store *)s);
}

static void sqlite_op_close(struct store *s)
{
    sqlite_store_close((struct sqlite_store *)s);
}

static const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_op_close,
    .gateway = sqlite_op_gateway,
    .put_checked = sqlite_op_put,
    .begin = sqlite_op_begin,
    .commit = sqlite_op_commit,
    .rollback = sqlite_op_rollback,
};

int store_sqlite_open(struct store **out, const char *path, const struct store_options *opt,
                      char *err, size_t errlen)
{
    return sqlite_store_open(out, path, opt, err, errlen);
}
