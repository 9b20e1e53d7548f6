/* bench_report.c -- report time from the rollups beside the naive GROUP BY.
 *
 * Design note. The claim of collector/rollup.h is that a report costs the
 * same whether the database holds a thousand records or ten million,
 * because it reads per-day aggregates kept at ingest. This program checks
 * the claim: for each N it builds a database of N records the way the
 * collector ingests them (one transaction, one prepared INSERT, rollup_apply
 * per record, a few voids), then evaluates the shipped Hammarö targets over
 * the whole promise twice -- from the rollups (EVAL_ROLLUPS, what
 * lofte-report does) and with a plain GROUP BY over the raw records
 * (EVAL_NAIVE) -- in the same run, checks that both give the same numbers,
 * and prints a table. It prints figures; it is not a test.
 *
 * The records are shaped like a municipality's, not uniform noise: each
 * activity has its actors, zones, a mostly-"nothing found" result and
 * plausible quantities, so the daily table has the few hundred distinct
 * rows a day that real data would give. Spread over 2023..2025, 10 million
 * records is ~9,000 a day: a national deployment (docs/domain.md §6).
 *
 *   bench_report [N ...] [--dir DIR] [--keep]
 *     N       record counts to build (default 1000000 10000000)
 *     --dir   where the databases go (default $TMPDIR or /tmp)
 *     --keep  leave the databases behind (they are large)
 *
 * The records schema is a copy of collector/store.c's columns that matter
 * here (as in tests/collector/fixture.h): change all three together.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "calendar.h"
#include "evaluate.h"
#include "record.h"
#include "rollup.h"
#include "targets.h"

#ifndef LOFTE_BENCH_TARGETS
#define LOFTE_BENCH_TARGETS "collector/targets/hammaro-2023-2025.targets"
#endif
#ifndef LOFTE_BENCH_SANITIZED
#define LOFTE_BENCH_SANITIZED 0
#endif

#define RECORDS_SCHEMA                                                               \
    "CREATE TABLE records(device INTEGER, counter INTEGER, activity TEXT, "          \
    "category TEXT, result TEXT, action TEXT, guardian_contacted INTEGER, "          \
    "concern_report INTEGER, vehicle_measure INTEGER, licence_seized INTEGER, "      \
    "seizure INTEGER, clock_unset INTEGER, start_min INTEGER, start_utc TEXT, "      \
    "quantity INTEGER, duration_min INTEGER, zone TEXT, actor TEXT, cell INTEGER, "  \
    "operation INTEGER, void_counter INTEGER, voided_by INTEGER, "                   \
    "received_at INTEGER, UNIQUE(device, counter))"

#define DEVICES 4096

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/* How often each activity occurs (per mille), its zones and its actor. */
struct shape {
    uint8_t activity;
    int weight;
    uint8_t zone_first, zone_count;   /* a run of record.h zone codes */
    uint8_t actor;
    uint16_t quantity_max;
};

static const struct shape shapes[] = {
    {ACT_ALCOHOL_SCREENING, 250, ZONE_MAIN_ROADS, 1, ACTOR_POLICE, 60},
    {ACT_ALCOHOL_HARBOUR_CHECK, 40, ZONE_HARBOUR_LILLANGSHAMNEN, 4, ACTOR_POLICE, 10},
    {ACT_DRUGS_EYE_EXAM, 30, ZONE_MAIN_ROADS, 1, ACTOR_POLICE, 2},
    {ACT_VEHICLE_MOPED_CLASS1, 30, ZONE_SKOGHALL_CENTRE, 1, ACTOR_POLICE, 3},
    {ACT_VEHICLE_MOPED_CLASS2, 30, ZONE_SKOGHALL_CENTRE, 1, ACTOR_POLICE, 3},
    {ACT_VEHICLE_A_TRAKTOR, 30, ZONE_MAIN_ROADS, 1, ACTOR_POLICE, 2},
    {ACT_VEHICLE_EPA_TRAKTOR, 10, ZONE_MAIN_ROADS, 1, ACTOR_POLICE, 2},
    {ACT_VEHICLE_MOPEDBIL, 10, ZONE_MAIN_ROADS, 1, ACTOR_POLICE, 2},
    {ACT_VEHICLE_OTHER, 10, ZONE_MAIN_ROADS, 1, ACTOR_POLICE, 2},
    {ACT_TRAFFIC_CHECKPOINT, 30, ZONE_MAIN_ROADS, 1, ACTOR_POLICE, 80},
    {ACT_TRAFFIC_OPERATION, 10, ZONE_SKOGHALL_CENTRE, 1, ACTOR_POLICE, 30},
    {ACT_PRESENCE_FOOT_PATROL, 100, ZONE_SKOGHALL_CENTRE, 11, ACTOR_POLICE, 40},
    {ACT_PRESENCE_MOBILE_OFFICE, 20, ZONE_SKOGHALL_CENTRE, 1, ACTOR_POLICE, 30},
    {ACT_PRESENCE_LOCAL_OFFICE, 10, ZONE_SKOGHALL_CENTRE, 1, ACTOR_POLICE, 20},
    {ACT_YOUTH_OUTREACH, 50, ZONE_SKOGHALL_CENTRE, 11, ACTOR_POLICE, 15},
    {ACT_YOUTH_PREVENTIVE_TALK, 30, ZONE_SCHOOL_HAMMARLUNDEN, 6, ACTOR_JOINT, 3},
    {ACT_YOUTH_DRUG_SALES, 10, ZONE_SKOGHALL_CENTRE, 1, ACTOR_POLICE, 2},
    {ACT_YOUTH_PREMISES_INSPECTION, 10, ZONE_SKOGHALL_CENTRE, 1, ACTOR_POLICE, 1},
    {ACT_PREVENTION_CAMPAIGN_SCHOOL, 10, ZONE_SCHOOL_HAMMARLUNDEN, 6, ACTOR_JOINT, 200},
    {ACT_PREVENTION_CAMPAIGN_PARENTS, 5, ZONE_SCHOOL_HAMMARLUNDEN, 6, ACTOR_JOINT, 80},
    {ACT_PREVENTION_CAMPAIGN_ASSOCIATIONS, 5, ZONE_SKOGHALL_CENTRE, 1, ACTOR_JOINT, 40},
    {ACT_PREVENTION_CAMPAIGN_PUBLIC, 5, ZONE_SKOGHALL_CENTRE, 1, ACTOR_MUNICIPAL_STAFF, 300},
    {ACT_PREVENTION_SAFETY_WALK, 5, ZONE_SKOGHALL_CENTRE, 12, ACTOR_JOINT, 20},
    {ACT_PREVENTION_SITUATION_MEETING, 5, ZONE_OTHER, 1, ACTOR_JOINT, 12},
    {ACT_PREVENTION_CASE_COLLAB, 10, ZONE_OTHER, 1, ACTOR_JOINT, 4},
    {ACT_GUARD_HARBOUR, 80, ZONE_HARBOUR_LILLANGSHAMNEN, 4, ACTOR_MUNICIPAL_GUARD, 5},
    {ACT_GUARD_SCHOOL, 90, ZONE_SCHOOL_HAMMARLUNDEN, 6, ACTOR_MUNICIPAL_GUARD, 5},
    {ACT_GUARD_HOTSPOT, 25, ZONE_SKOGHALL_CENTRE, 1, ACTOR_MUNICIPAL_GUARD, 5},
};
#define SHAPES (sizeof shapes / sizeof shapes[0])

static int fail_sql(sqlite3 *db, const char *what)
{
    fprintf(stderr, "bench_report: %s: %s\n", what, sqlite3_errmsg(db));
    return 1;
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail_sql(db, sql);
}

struct built {
    double seconds;
    long long voids, daily_rows;
    double mib;
};

/* Build a database of n records at path, as the collector would. */
static int build(const char *path, long long n, struct built *out)
{
    sqlite3 *db;
    sqlite3_stmt *ins = NULL, *voidq = NULL;
    uint32_t *counter = calloc(DEVICES, sizeof *counter);
    uint64_t s = 0x5eed ^ (uint64_t)n;
    int total_weight = 0;
    size_t k;
    long long i;
    double t0;
    int32_t first = cal_day_from_date(2023, 1, 1), days = cal_day_from_date(2025, 12, 31) - first + 1;
    char err[256];

    if (!counter)
        return 1;
    remove(path);
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return fail_sql(db, "open");
    /* A benchmark database: no journal, no fsync; the collector's own
     * settings are store.c's business, and equal for both evaluators. */
    if (exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
                 "PRAGMA cache_size = -524288; PRAGMA temp_store = MEMORY; "
                 "PRAGMA locking_mode = EXCLUSIVE") ||
        exec(db, RECORDS_SCHEMA))
        return 1;
    if (rollup_init(db, err, sizeof err) != ROLLUP_OK) {
        fprintf(stderr, "bench_report: %s\n", err);
        return 1;
    }
    if (sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO records(device, counter, activity, category, "
                           "result, action, guardian_contacted, concern_report, vehicle_measure, "
                           "licence_seized, seizure, clock_unset, start_min, quantity, "
                           "duration_min, zone, actor, void_counter, received_at) VALUES(?1, ?2, "
                           "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, ?12, ?13, ?14, ?15, ?16, 0, 0)",
                           -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "UPDATE records SET voided_by = ?3 WHERE device = ?1 AND counter = ?2 "
                           "AND voided_by IS NULL RETURNING activity, result, action, zone, "
                           "actor, start_min, quantity, duration_min",
                           -1, &voidq, NULL) != SQLITE_OK)
        return fail_sql(db, "prepare");
    for (k = 0; k < SHAPES; k++)
        total_weight += shapes[k].weight;

    out->voids = 0;
    t0 = now_s();
    if (exec(db, "BEGIN"))
        return 1;
    for (i = 0; i < n; i++) {
        struct rollup_row row;
        const struct shape *sh = &shapes[0];
        const struct record_activity_info *info;
        uint32_t dev = (uint32_t)(rnd(&s) % DEVICES);
        int w = (int)(rnd(&s) % (uint64_t)total_weight), b;
        uint64_t r = rnd(&s);
        char category[16];

        if (r % 1000 == 0 && counter[dev] > 1) {
            /* A void of one of this device's earlier records. */
            uint32_t target = 1 + (uint32_t)(rnd(&s) % counter[dev]);
            sqlite3_bind_int64(voidq, 1, dev);
            sqlite3_bind_int64(voidq, 2, target);
            sqlite3_bind_int64(voidq, 3, ++counter[dev]);
            if (sqlite3_step(voidq) == SQLITE_ROW) {
                memset(&row, 0, sizeof row);
                row.activity = (const char *)sqlite3_column_text(voidq, 0);
                row.result = (const char *)sqlite3_column_text(voidq, 1);
                row.action = (const char *)sqlite3_column_text(voidq, 2);
                row.zone = (const char *)sqlite3_column_text(voidq, 3);
                row.actor = (const char *)sqlite3_column_text(voidq, 4);
                row.start_min = (uint32_t)sqlite3_column_int64(voidq, 5);
                row.quantity = (uint32_t)sqlite3_column_int64(voidq, 6);
                row.duration_min = (uint32_t)sqlite3_column_int64(voidq, 7);
                if (rollup_apply(db, &row, -1) != ROLLUP_OK)
                    return fail_sql(db, "rollup_apply(-1)");
                out->voids++;
            }
            /* RETURNING rows are produced before the update completes:
             * step until done so the UPDATE is whole. */
            while (sqlite3_step(voidq) == SQLITE_ROW)
                ;
            sqlite3_reset(voidq);
            continue;
        }
        for (k = 0; k < SHAPES; k++) {
            if (w < shapes[k].weight) {
                sh = &shapes[k];
                break;
            }
            w -= shapes[k].weight;
        }
        info = record_activity_info(sh->activity);
        memset(&row, 0, sizeof row);
        row.activity = info->name;
        /* Mostly "nothing found"; otherwise any result, and an action to
         * go with it. */
        b = (r >> 8) % 100 < 92 ? 0 : (int)((r >> 16) % info->result_count);
        row.result = record_result_name(sh->activity, (uint8_t)b);
        row.action = record_action_name(b == 0 ? ((r >> 24) % 20 == 0 ? ACTION_ADVICE : ACTION_NONE)
                                               : (uint8_t)(1 + (r >> 24) % (ACTION_COUNT - 1)));
        row.zone = record_zone_name((uint8_t)(sh->zone_first + (r >> 32) % sh->zone_count));
        row.actor = record_actor_name(sh->actor);
        /* Daytime, local: 07:00..22:59 of a random day. */
        row.start_min = (uint32_t)(cal_day_start_utc_min(first + (int32_t)(rnd(&s) % (uint64_t)days)) +
                                   420 + (int64_t)(rnd(&s) % 960));
        row.quantity = 1 + (uint32_t)(rnd(&s) % sh->quantity_max);
        row.duration_min = 5 + (uint32_t)(rnd(&s) % 180);
        row.side = (r >> 40) % 100 == 0 ? (uint8_t)((r >> 48) % 32) : 0;
        snprintf(category, sizeof category, "%.*s", (int)(strchr(row.activity, '.') - row.activity),
                 row.activity);

        sqlite3_bind_int64(ins, 1, dev);
        sqlite3_bind_int64(ins, 2, ++counter[dev]);
        sqlite3_bind_text(ins, 3, row.activity, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, category, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 5, row.result, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 6, row.action, -1, SQLITE_STATIC);
        for (b = 0; b < 5; b++)
            sqlite3_bind_int(ins, 7 + b, (row.side >> b) & 1);
        sqlite3_bind_int64(ins, 12, row.start_min);
        sqlite3_bind_int64(ins, 13, row.quantity);
        sqlite3_bind_int64(ins, 14, row.duration_min);
        sqlite3_bind_text(ins, 15, row.zone, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 16, row.actor, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            return fail_sql(db, "insert");
        sqlite3_reset(ins);
        if (sqlite3_changes(db) == 1 && rollup_apply(db, &row, +1) != ROLLUP_OK)
            return fail_sql(db, "rollup_apply(+1)");
        if (i % 1000000 == 999999) {
            fprintf(stderr, "\r  building %s: %lld of %lld records", path, i + 1, n);
            fflush(stderr);
        }
    }
    if (exec(db, "COMMIT"))
        return 1;
    out->seconds = now_s() - t0;
    if (n >= 1000000)
        fputc('\n', stderr);
    sqlite3_finalize(ins);
    sqlite3_finalize(voidq);
    {
        sqlite3_stmt *q;
        sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM daily), "
                               "(SELECT page_count * page_size FROM pragma_page_count, "
                               "pragma_page_size)", -1, &q, NULL);
        sqlite3_step(q);
        out->daily_rows = sqlite3_column_int64(q, 0);
        out->mib = (double)sqlite3_column_int64(q, 1) / (1024.0 * 1024.0);
        sqlite3_finalize(q);
    }
    rollup_release(db);
    sqlite3_close(db);
    free(counter);
    return 0;
}

/* Best wall time of `runs` evaluations; the last result is kept. */
static double time_eval(sqlite3 *db, const struct target_set *ts, enum eval_source src, int runs,
                        struct eval_result **keep)
{
    double best = 1e30;
    int i;
    char err[512];
    int32_t from = cal_day_from_date(2023, 1, 1), to = cal_day_from_date(2025, 12, 31);
    for (i = 0; i < runs; i++) {
        struct eval_result *r = NULL;
        double t0 = now_s(), dt;
        if (evaluate(db, ts, from, to, src, &r, err, sizeof err) != EVAL_OK) {
            fprintf(stderr, "bench_report: %s\n", err);
            exit(1);
        }
        dt = now_s() - t0;
        if (dt < best)
            best = dt;
        eval_free(*keep);
        *keep = r;
    }
    return best;
}

int main(int argc, char **argv)
{
    long long ns[16];
    int count = 0, keep = 0, i;
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    struct target_set ts;
    char err[512];

    for (i = 1; i < argc; i++) {
        char *end;
        if (strcmp(argv[i], "--keep") == 0) {
            keep = 1;
        } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else {
            long long v;
            errno = 0;
            v = strtoll(argv[i], &end, 10);
            if (errno || *end || v < 1 || v > 1000000000LL || count == 16) {
                fprintf(stderr, "usage: bench_report [N ...] [--dir DIR] [--keep]\n"
                                "  N: records per database, 1..1e9 (default 1000000 10000000)\n");
                return 2;
            }
            ns[count++] = v;
        }
    }
    if (!count) {
        ns[count++] = 1000000;
        ns[count++] = 10000000;
    }
    if (targets_load(LOFTE_BENCH_TARGETS, &ts, err, sizeof err) != TARGETS_OK) {
        fprintf(stderr, "bench_report: %s\n", err);
        return 1;
    }
    if (LOFTE_BENCH_SANITIZED)
        printf("note: the library is built with sanitizers (LOFTE_SANITIZE=ON); build with "
               "-DLOFTE_SANITIZE=OFF -DCMAKE_BUILD_TYPE=Release for real figures\n");
    printf("%zu targets (%s) evaluated over 2023-01-01..2025-12-31\n\n", ts.count,
           LOFTE_BENCH_TARGETS);
    printf("%12s %9s %10s %8s %10s %12s %12s %8s %6s\n", "records", "build s", "ingest/s",
           "DB MiB", "daily rows", "rollups ms", "naive ms", "speedup", "agree");
    for (i = 0; i < count; i++) {
        char path[1024], why[512];
        struct built b;
        sqlite3 *db;
        struct eval_result *fast = NULL, *slow = NULL;
        double tf, tn;
        int same;
        snprintf(path, sizeof path, "%s/bench_report_%lld.db", dir, ns[i]);
        if (build(path, ns[i], &b) != 0)
            return 1;
        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
            return fail_sql(db, "open read-only");
        sqlite3_exec(db, "PRAGMA cache_size = -524288", NULL, NULL, NULL);
        /* Both from a warm cache: the first run of each reads the pages. */
        tf = time_eval(db, &ts, EVAL_ROLLUPS, 5, &fast);
        tn = time_eval(db, &ts, EVAL_NAIVE, ns[i] > 2000000 ? 2 : 3, &slow);
        same = eval_compare(fast, slow, why, sizeof why) == 0;
        printf("%12lld %9.1f %10.0f %8.0f %10lld %12.2f %12.1f %7.0fx %6s\n", ns[i], b.seconds,
               (double)ns[i] / b.seconds, b.mib, b.daily_rows, tf * 1e3, tn * 1e3, tn / tf,
               same ? "yes" : "NO");
        if (!same)
            printf("  first difference: %s\n", why);
        fflush(stdout);
        eval_free(fast);
        eval_free(slow);
        sqlite3_close(db);
        if (!keep)
            remove(path);
    }
    printf("\nrollups: what lofte-report reads (daily table, key ranges per activity);\n"
           "naive: GROUP BY over every valid record per target (tests' reference).\n"
           "build: one transaction, prepared INSERT + rollup_apply per record, 0.1%% voids.\n");
    targets_free(&ts);
    return 0;
}
