/* retention_main.c -- lofte-retention: thin out the collector's database.
 *
 *   lofte-retention --db FILE --keep-days N --reported-through YYYY-MM-DD [--dry-run]
 *
 * Deletes the record-level rows (records, voids and heartbeats included, and
 * their receptions) whose Europe/Stockholm day is both older than today - N
 * and not after the reported-through day, so that only periods already
 * reported are thinned. The per-day aggregates (daily, undated) stay, so
 * every report figure stays the same; undated records are never deleted.
 * The work is rollup.h's retention_prune plus the receptions, which belong
 * to the store (collector/store.c) rather than to the rollups.
 *
 * One transaction: all or nothing. --dry-run runs the very same transaction
 * and rolls it back, so the numbers it prints are exactly what a real run
 * would delete.
 *
 * Before deleting it refuses a file that is not a collector database, a
 * schema version it does not know, and a database whose daily aggregates
 * do not hold the records it is about to delete (records stored before the
 * rollups existed, say): deleting is the one thing that cannot be undone.
 *
 * A separate program rather than a lofte-report mode: lofte-report opens
 * the database read-only and docs/reports.md promises it never writes.
 * Exit status: 0 done, 1 failed (a sentence on standard error), 2 bad
 * command line.
 */
#define _POSIX_C_SOURCE 200809L /* stat */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "calendar.h"
#include "rollup.h"
#include "version.h"

/* The collector store's identity (keep in step with collector/store.c):
 * PRAGMA application_id 'LOCS' and the schema version it writes. */
#define STORE_APPLICATION_ID 0x4C4F4353
#define STORE_SCHEMA_VERSION 3 /* 3 keyed receptions by record; 2 added unverified_records; 1 and 2 are read too */

#define KEEP_DAYS_MAX 36500

enum opt_id { O_DB, O_KEEP_DAYS, O_REPORTED_THROUGH, O_DRY_RUN, O_HELP, O_COUNT };

/* The one table of options: the parser and --help both read it. */
static const struct {
    const char *name;
    const char *arg; /* NULL: a flag */
    const char *help;
} options[O_COUNT] = {
    {"--db", "FILE", "the collector's SQLite database (opened read-write); required"},
    {"--keep-days", "N", "keep every record of the last N days (0..36500); required"},
    {"--reported-through", "YYYY-MM-DD",
     "last day of the periods already reported; nothing after it is deleted; required"},
    {"--dry-run", NULL, "count what would be deleted, change nothing"},
    {"--help", NULL, "print this help"},
};

struct config {
    const char *db_path;
    long keep_days;
    int32_t reported_through;
    int dry_run, help;
};

static int say(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static void usage(FILE *out)
{
    int i;
    fprintf(out, "usage: lofte-retention --db FILE --keep-days N --reported-through YYYY-MM-DD"
                 " [--dry-run]\n"
                 "Delete old, already reported records (and their receptions) from the lofte\n"
                 "collector's database, keeping the per-day totals that reports read.\n\n");
    for (i = 0; i < O_COUNT; i++) {
        char left[48];
        snprintf(left, sizeof left, "%s%s%s", options[i].name, options[i].arg ? " " : "",
                 options[i].arg ? options[i].arg : "");
        fprintf(out, "  %-32s %s\n", left, options[i].help);
    }
    fprintf(out, "\nA record goes when its local day is before today - N AND not after the\n"
                 "reported-through day. Example:\n"
                 "  lofte-retention --db lofte.db --keep-days 365 --reported-through 2024-12-31"
                 " --dry-run\n");
}

static int parse(int argc, char **argv, int32_t today, struct config *cfg, char *err,
                 size_t errlen)
{
    int i, seen[O_COUNT] = {0};

    memset(cfg, 0, sizeof *cfg);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL, *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        char *end;
        int o;
        for (o = 0; o < O_COUNT; o++)
            if (strlen(options[o].name) == nl && strncmp(a, options[o].name, nl) == 0)
                break;
        if (o == O_COUNT)
            return say(err, errlen, "unknown option '%s' (see --help)", a);
        if (seen[o]++)
            return say(err, errlen, "%s is given twice", options[o].name);
        if (options[o].arg) {
            if (eq)
                v = eq + 1;
            else if (i + 1 < argc)
                v = argv[++i];
            else
                return say(err, errlen, "%s needs a value (%s)", options[o].name,
                           options[o].arg);
        } else if (eq) {
            return say(err, errlen, "%s takes no value", options[o].name);
        }
        switch (o) {
        case O_DB: cfg->db_path = v; break;
        case O_DRY_RUN: cfg->dry_run = 1; break;
        case O_HELP: cfg->help = 1; break;
        case O_KEEP_DAYS:
            errno = 0;
            cfg->keep_days = strtol(v, &end, 10);
            if (errno || end == v || *end || cfg->keep_days < 0 ||
                cfg->keep_days > KEEP_DAYS_MAX)
                return say(err, errlen, "--keep-days '%s' is not a whole number of days "
                           "0..%d", v, KEEP_DAYS_MAX);
            break;
        case O_REPORTED_THROUGH:
            if (cal_parse_date(v, &cfg->reported_through) != CAL_OK)
                return say(err, errlen, "--reported-through '%s' is not a date YYYY-MM-DD", v);
            break;
        default: break;
        }
    }
    if (cfg->help)
        return 0;
    if (!cfg->db_path)
        return say(err, errlen, "--db FILE is required (see --help)");
    if (!seen[O_KEEP_DAYS])
        return say(err, errlen, "--keep-days N is required: how many recent days keep "
                   "their records");
    if (!seen[O_REPORTED_THROUGH])
        return say(err, errlen, "--reported-through YYYY-MM-DD is required: the last day of "
                   "the periods already reported");
    if (cfg->reported_through >= today) {
        char t[CAL_DATE_LEN], r[CAL_DATE_LEN];
        cal_format_date(today, t);
        cal_format_date(cfg->reported_through, r);
        return say(err, errlen, "--reported-through %s is not before today (%s): a period "
                   "is reported after it has ended", r, t);
    }
    return 0;
}

static int64_t pragma_int(sqlite3 *db, const char *sql, int *ok)
{
    sqlite3_stmt *q = NULL;
    int64_t v = 0;
    *ok = sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK &&
          sqlite3_step(q) == SQLITE_ROW;
    if (*ok)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* A lofte collector database of the schema this program knows, with the
 * tables it is about to touch. */
static int check_schema(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    static const char *const tables[] = {"records", "receptions", "daily", "undated"};
    int ok1, ok2;
    size_t i;
    int64_t app = pragma_int(db, "PRAGMA application_id", &ok1);
    int64_t ver = pragma_int(db, "PRAGMA user_version", &ok2);

    if (!ok1 || !ok2)
        return say(err, errlen, "cannot read %s: %s", path, sqlite3_errmsg(db));
    if (app != STORE_APPLICATION_ID)
        return say(err, errlen, "%s is not a lofte collector database", path);
    if (ver < 1 || ver > STORE_SCHEMA_VERSION)
        return say(err, errlen, "%s has collector schema version %" PRId64 ", which this "
                   "lofte-retention does not know (it knows version %d): refusing to delete "
                   "anything", path, ver, STORE_SCHEMA_VERSION);
    for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        sqlite3_stmt *q = NULL;
        int found;
        if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' "
                               "AND name = ?1", -1, &q, NULL) != SQLITE_OK)
            return say(err, errlen, "cannot read the schema of %s: %s", path,
                       sqlite3_errmsg(db));
        sqlite3_bind_text(q, 1, tables[i], -1, SQLITE_STATIC);
        found = sqlite3_step(q) == SQLITE_ROW;
        sqlite3_finalize(q);
        if (!found)
            return say(err, errlen, "%s has no %s table; start lofte-collector on it once "
                       "(it creates the tables) before pruning", path, tables[i]);
    }
    return 0;
}

/* Every counted record about to go must already be in `daily`: per day,
 * daily's count must be at least the records' (more is fine: it keeps the
 * records an earlier run pruned). Otherwise deleting would lose them. */
static int check_rollups(sqlite3 *db, const char *path, int64_t cut_min, char *err,
                         size_t errlen)
{
    static const char sql[] =
        "SELECT r.d, r.n, coalesce((SELECT sum(records) FROM daily WHERE day = r.d), 0) AS m"
        " FROM (SELECT lofte_local_day(start_min) AS d, count(*) AS n FROM records"
        "       WHERE clock_unset = 0 AND start_min < ?1 AND voided_by IS NULL"
        "       AND activity NOT LIKE 'admin.%' GROUP BY d) r"
        " WHERE m < r.n ORDER BY r.d LIMIT 1";
    sqlite3_stmt *q = NULL;
    int rc;
    if (rollup_register_functions(db) != ROLLUP_OK ||
        sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        return say(err, errlen, "cannot check the daily totals of %s: %s", path,
                   sqlite3_errmsg(db));
    sqlite3_bind_int64(q, 1, cut_min);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        char d[CAL_DATE_LEN];
        cal_format_date((int32_t)sqlite3_column_int64(q, 0), d);
        say(err, errlen, "%s: the daily totals of %s count %lld records, the records table "
            "holds %lld: the rollups are incomplete, and pruning would lose records. "
            "Rebuild them (rollup_rebuild, rollup.h) first; nothing was deleted",
            path, d, (long long)sqlite3_column_int64(q, 2),
            (long long)sqlite3_column_int64(q, 1));
        sqlite3_finalize(q);
        return -1;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return say(err, errlen, "cannot check the daily totals of %s: %s", path,
                   sqlite3_errmsg(db));
    return 0;
}

static int exec_int(sqlite3 *db, const char *sql, int64_t a, int64_t *changes)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, a);
        rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(q);
    if (rc == SQLITE_OK && changes)
        *changes = sqlite3_changes(db);
    return rc;
}

static int exec_text(sqlite3 *db, const char *sql, const char *a, int64_t *changes)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, a, -1, SQLITE_STATIC);
        rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(q);
    if (rc == SQLITE_OK && changes)
        *changes = sqlite3_changes(db);
    return rc;
}

static int run(const struct config *cfg, int32_t today, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int32_t older_than = today - (int32_t)cfg->keep_days;
    int32_t cut = older_than < cfg->reported_through + 1 ? older_than : cfg->reported_through + 1;
    int64_t cut_min = cal_day_start_utc_min(cut), n_rx = 0, n_rec = 0, n_unv = 0;
    int ok_ver = 0;
    char cut_s[CAL_DATE_LEN], rerr[512];
    struct stat sb;
    int rc = -1;

    cal_format_date(cut, cut_s);
    /* READWRITE without CREATE: a mistyped path is an error, not a new file. */
    if (stat(cfg->db_path, &sb) != 0) {
        say(err, errlen, "cannot open %s: %s", cfg->db_path, strerror(errno));
        goto out;
    }
    if (sqlite3_open_v2(cfg->db_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        say(err, errlen, "cannot open %s read-write: %s", cfg->db_path,
            db ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    /* the collector may hold the write lock for a batch: wait for it */
    sqlite3_busy_timeout(db, 10000);
    if (check_schema(db, cfg->db_path, err, errlen) != 0)
        goto out;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        say(err, errlen, "cannot start a transaction on %s: %s", cfg->db_path,
            sqlite3_errmsg(db));
        goto out;
    }
    if (check_rollups(db, cfg->db_path, cut_min, err, errlen) != 0)
        goto rollback;
    /* Receptions first, while their records still say which ones go. The
     * same condition as retention_prune's DELETE on records. */
    if (exec_int(db,
                 "DELETE FROM receptions WHERE EXISTS (SELECT 1 FROM records r"
                 " WHERE r.device = receptions.device AND r.counter = receptions.counter"
                 " AND r.clock_unset = 0 AND r.start_min < ?1)",
                 cut_min, &n_rx) != SQLITE_OK) {
        say(err, errlen, "cannot delete old receptions from %s: %s; nothing was deleted",
            cfg->db_path, sqlite3_errmsg(db));
        goto rollback;
    }
    /* Rows the collector could not verify (docs/upstream.md §6.1) are kept
     * as evidence, never counted: they go by their arrival day. */
    if (pragma_int(db, "PRAGMA user_version", &ok_ver) >= 2 && ok_ver &&
        exec_text(db, "DELETE FROM unverified_records WHERE received_at < ?1", cut_s,
                  &n_unv) != SQLITE_OK) {
        say(err, errlen, "cannot delete old unverified rows from %s: %s; nothing was deleted",
            cfg->db_path, sqlite3_errmsg(db));
        goto rollback;
    }
    if (retention_prune(db, older_than, cfg->reported_through, &n_rec, rerr, sizeof rerr) !=
        ROLLUP_OK) {
        say(err, errlen, "%s: %s; nothing was deleted", cfg->db_path, rerr);
        goto rollback;
    }
    if (cfg->dry_run) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        printf("would delete %" PRId64 " records and %" PRId64 " receptions dated before %s "
               "(--dry-run: nothing was changed)\n", n_rec, n_rx, cut_s);
    } else {
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            say(err, errlen, "cannot commit the deletion in %s: %s; nothing was deleted",
                cfg->db_path, sqlite3_errmsg(db));
            goto rollback;
        }
        printf("deleted %" PRId64 " records and %" PRId64 " receptions dated before %s; "
               "the daily and undated totals are kept\n", n_rec, n_rx, cut_s);
        if (n_unv)
            printf("deleted %" PRId64 " unverified rows received before %s\n", n_unv, cut_s);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        say(err, errlen, "cannot write to standard output: %s", strerror(errno));
        goto out;
    }
    rc = 0;
    goto out;
rollback:
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
    if (db) {
        rollup_release(db);
        sqlite3_close(db);
    }
    return rc;
}

int main(int argc, char **argv)
{
    struct config cfg;
    char err[1024];
    int32_t today = cal_day_from_unix(time(NULL));

    if (version_requested(argc, argv, "lofte-retention"))
        return 0;
    if (parse(argc, argv, today, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "lofte-retention: %s\n", err);
        return 2;
    }
    if (cfg.help) {
        usage(stdout);
        return 0;
    }
    if (run(&cfg, today, err, sizeof err) != 0) {
        fprintf(stderr, "lofte-retention: %s\n", err);
        return 1;
    }
    return 0;
}
