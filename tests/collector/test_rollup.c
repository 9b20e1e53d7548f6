/* test_rollup.c -- the daily aggregates follow ingest exactly: new records
 * add, duplicates do not, voids subtract, undated records stay out of the
 * days, and the incremental tables equal a rebuild from the records. */
#include <criterion/criterion.h>
#include <string.h>

#include "fixture.h"
#include "rollup.h"

static int64_t daily_records(sqlite3 *db, const char *activity, const char *date)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(sum(records), 0) FROM daily WHERE activity = '%s' AND day = %d",
             activity, fx_day(date));
    return fx_int(db, sql);
}

/* Both tables as they are now equal what rollup_rebuild makes. */
static void assert_rebuild_agrees(sqlite3 *db)
{
    char err[256];
    fx_exec(db, "CREATE TEMP TABLE inc_daily AS SELECT * FROM daily");
    fx_exec(db, "CREATE TEMP TABLE inc_undated AS SELECT * FROM undated");
    cr_assert_eq(rollup_rebuild(db, err, sizeof err), ROLLUP_OK, "%s", err);
    cr_assert_eq(fx_int(db, "SELECT count(*) FROM (SELECT * FROM daily EXCEPT "
                            "SELECT * FROM inc_daily)"), 0, "rows only in the rebuild");
    cr_assert_eq(fx_int(db, "SELECT count(*) FROM (SELECT * FROM inc_daily EXCEPT "
                            "SELECT * FROM daily)"), 0, "rows only in the incremental table");
    cr_assert_eq(fx_int(db, "SELECT count(*) FROM (SELECT * FROM undated EXCEPT "
                            "SELECT * FROM inc_undated)"), 0);
    cr_assert_eq(fx_int(db, "SELECT count(*) FROM (SELECT * FROM inc_undated EXCEPT "
                            "SELECT * FROM undated)"), 0);
    fx_exec(db, "DROP TABLE inc_daily; DROP TABLE inc_undated");
}

Test(rollup, adds_each_new_record_to_its_local_day)
{
    sqlite3 *db = fx_open(NULL);
    struct fx_rec r = {.device = 1, .counter = 1, .activity = "traffic.checkpoint",
                       .utc = "2023-05-01T08:00", .quantity = 37, .duration_min = 90};
    fx_insert(db, &r);
    r.counter = 2;
    r.utc = "2023-05-01T21:59"; /* 23:59 local, same day */
    fx_insert(db, &r);
    r.counter = 3;
    r.utc = "2023-05-01T22:00"; /* 00:00 local, the next day */
    fx_insert(db, &r);
    cr_assert_eq(daily_records(db, "traffic.checkpoint", "2023-05-01"), 2);
    cr_assert_eq(daily_records(db, "traffic.checkpoint", "2023-05-02"), 1);
    cr_assert_eq(fx_int(db, "SELECT sum(quantity) FROM daily"), 111);
    cr_assert_eq(fx_int(db, "SELECT sum(duration_min) FROM daily"), 270);
    fx_close(db);
}

Test(rollup, does_not_count_a_duplicate_twice)
{
    sqlite3 *db = fx_open(NULL);
    struct fx_rec r = {.device = 7, .counter = 42, .activity = "guard.school",
                       .utc = "2024-02-29T12:00"};
    cr_assert_eq(fx_insert(db, &r), 1);
    cr_assert_eq(fx_insert(db, &r), 0, "a replayed frame is a duplicate");
    cr_assert_eq(daily_records(db, "guard.school", "2024-02-29"), 1);
    fx_close(db);
}

Test(rollup, removes_a_voided_record_and_only_once)
{
    sqlite3 *db = fx_open(NULL);
    struct fx_rec r = {.device = 1, .counter = 1, .activity = "youth.outreach",
                       .utc = "2023-06-10T10:00", .duration_min = 60, .side = SIDE_GUARDIAN_CONTACTED};
    fx_insert(db, &r);
    r.counter = 2;
    fx_insert(db, &r);
    cr_assert_eq(daily_records(db, "youth.outreach", "2023-06-10"), 2);
    cr_assert_eq(fx_int(db, "SELECT guardian_contacted FROM daily"), 2);
    cr_assert_eq(fx_void(db, 1, 3, 1, "2023-06-10T11:00"), 1);
    cr_assert_eq(daily_records(db, "youth.outreach", "2023-06-10"), 1);
    cr_assert_eq(fx_int(db, "SELECT duration_min FROM daily"), 60);
    cr_assert_eq(fx_void(db, 1, 4, 1, "2023-06-10T11:05"), 0, "already voided");
    cr_assert_eq(fx_void(db, 1, 5, 3, "2023-06-10T11:06"), 0, "a void of a void cancels nothing");
    cr_assert_eq(fx_void(db, 1, 6, 99, "2023-06-10T11:07"), 0, "unknown counter");
    cr_assert_eq(fx_void(db, 2, 1, 2, "2023-06-10T11:08"), 0, "another device's counter 2");
    cr_assert_eq(daily_records(db, "youth.outreach", "2023-06-10"), 1);
    cr_assert_eq(fx_void(db, 1, 7, 2, "2023-06-10T11:09"), 1);
    cr_assert_eq(fx_int(db, "SELECT count(*) FROM daily"), 0, "no zero rows are kept");
    assert_rebuild_agrees(db);
    fx_close(db);
}

Test(rollup, keeps_undated_records_out_of_every_day)
{
    sqlite3 *db = fx_open(NULL);
    struct fx_rec r = {.device = 1, .counter = 1, .activity = "alcohol.screening",
                       .start_min = 95, .clock_unset = 1, .quantity = 12};
    fx_insert(db, &r);
    cr_assert_eq(fx_int(db, "SELECT count(*) FROM daily"), 0);
    cr_assert_eq(fx_int(db, "SELECT records FROM undated"), 1);
    cr_assert_eq(fx_int(db, "SELECT quantity FROM undated"), 12);
    cr_assert_eq(fx_void(db, 1, 2, 1, "2023-01-01T00:00"), 1);
    cr_assert_eq(fx_int(db, "SELECT count(*) FROM undated"), 0);
    fx_close(db);
}

Test(rollup, ignores_heartbeats_and_voids_as_activities)
{
    sqlite3 *db = fx_open(NULL);
    struct rollup_row row = {.start_min = 1000, .activity = "admin.heartbeat", .result = "none",
                             .action = "none", .zone = "unspecified", .actor = "police"};
    cr_assert_eq(rollup_apply(db, &row, +1), ROLLUP_OK);
    cr_assert_eq(fx_int(db, "SELECT count(*) FROM daily"), 0);
    fx_close(db);
}

Test(rollup, refuses_unknown_names_bad_signs_and_missing_rows)
{
    sqlite3 *db = fx_open(NULL);
    struct rollup_row row = {.start_min = 1000, .activity = "alcohol.screening",
                             .result = "completed", .action = "none", .zone = "main_roads",
                             .actor = "police"};
    cr_assert_eq(rollup_apply(db, &row, +1), ROLLUP_ERR_NAME, "completed is not an alcohol result");
    row.result = "negative";
    row.zone = "atlantis";
    cr_assert_eq(rollup_apply(db, &row, +1), ROLLUP_ERR_NAME);
    row.zone = "main_roads";
    cr_assert_eq(rollup_apply(db, &row, 0), ROLLUP_ERR_ARG);
    cr_assert_eq(rollup_apply(db, &row, -1), ROLLUP_ERR_MISSING);
    cr_assert_eq(fx_int(db, "SELECT count(*) FROM daily"), 0, "nothing was written");
    cr_assert_str_eq(rollup_strerror(ROLLUP_ERR_MISSING), "the rollup holds no such record to remove");
    fx_close(db);
}

Test(rollup, fills_a_row_from_a_decoded_record)
{
    struct record r;
    struct rollup_row row;
    memset(&r, 0, sizeof r);
    r.activity = ACT_VEHICLE_A_TRAKTOR;
    r.result = 2;
    r.action = ACTION_FINE;
    r.zone = ZONE_MAIN_ROADS;
    r.actor = ACTOR_POLICE;
    r.quantity = 3;
    r.side = SIDE_VEHICLE_MEASURE;
    cr_assert_eq(rollup_row_from_record(&r, &row), ROLLUP_OK);
    cr_assert_str_eq(row.activity, "vehicle.a_traktor");
    cr_assert_str_eq(row.result, "trimmed");
    cr_assert_str_eq(row.action, "fine");
    cr_assert_str_eq(row.zone, "main_roads");
    r.result = 9;
    cr_assert_eq(rollup_row_from_record(&r, &row), ROLLUP_ERR_NAME);
}

Test(rollup, agrees_with_a_rebuild_on_random_ingest)
{
    sqlite3 *db = fx_open(NULL);
    fx_random(db, 20240229, 6000, fx_day("2022-12-01"), fx_day("2026-01-31"));
    cr_assert_gt(fx_int(db, "SELECT count(*) FROM records WHERE voided_by IS NOT NULL"), 10);
    cr_assert_gt(fx_int(db, "SELECT count(*) FROM undated"), 5);
    assert_rebuild_agrees(db);
    fx_close(db);
}

Test(rollup, keeps_its_statements_until_released)
{
    sqlite3 *db = fx_open(NULL);
    struct fx_rec r = {.device = 1, .counter = 1, .activity = "guard.school",
                       .utc = "2023-01-10T10:00"};
    fx_insert(db, &r);
    cr_assert_eq(sqlite3_close(db), SQLITE_BUSY, "rollup_apply's statements are still open");
    rollup_release(db);
    rollup_release(db);
    cr_assert_eq(sqlite3_close(db), SQLITE_OK);
}

Test(rollup, prunes_old_reported_records_but_keeps_their_days)
{
    sqlite3 *db = fx_open(NULL);
    char err[256];
    int64_t deleted = -1;
    struct fx_rec r = {.device = 5, .counter = 1, .activity = "guard.harbour",
                       .utc = "2023-06-01T10:00"};
    fx_insert(db, &r);
    r.counter = 2;
    r.utc = "2023-09-01T10:00";
    fx_insert(db, &r);
    r.counter = 3;
    r.utc = "2024-03-01T10:00";
    fx_insert(db, &r);
    r.counter = 4;
    r.clock_unset = 1;
    r.utc = NULL;
    r.start_min = 5;
    fx_insert(db, &r);

    /* Old enough: before 2024-01-01; reported: through 2023-06-30. */
    cr_assert_eq(retention_prune(db, fx_day("2024-01-01"), fx_day("2023-06-30"), &deleted, err,
                                 sizeof err),
                 ROLLUP_OK, "%s", err);
    cr_assert_eq(deleted, 1, "only June is both old and reported");
    cr_assert_eq(fx_int(db, "SELECT count(*) FROM records"), 3);
    cr_assert_eq(fx_int(db, "SELECT sum(records) FROM daily"), 3, "the days keep every record");
    cr_assert_eq(retention_was_pruned(db, 5, 1), 1);
    cr_assert_eq(retention_was_pruned(db, 5, 2), 0);
    cr_assert_eq(retention_was_pruned(db, 6, 1), 0);

    cr_assert_eq(retention_prune(db, fx_day("2024-01-01"), fx_day("2024-12-31"), &deleted, err,
                                 sizeof err),
                 ROLLUP_OK, "%s", err);
    cr_assert_eq(deleted, 1, "September now; March is too young; undated never");
    cr_assert_eq(fx_int(db, "SELECT count(*) FROM records"), 2);
    /* A rebuild must not lose the pruned days. */
    cr_assert_eq(rollup_rebuild(db, err, sizeof err), ROLLUP_OK, "%s", err);
    cr_assert_eq(fx_int(db, "SELECT sum(records) FROM daily"), 3);
    cr_assert_eq(fx_int(db, "SELECT sum(records) FROM undated"), 1);
    fx_close(db);
}

Test(rollup, ships_a_calendar_table_and_sql_functions_for_analysts)
{
    sqlite3 *db = fx_open(NULL);
    sqlite3_stmt *s;
    cr_assert_eq(rollup_register_functions(db), ROLLUP_OK);
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "SELECT (SELECT iso_week FROM calendar WHERE date = "
                                    "'2021-01-03'), (SELECT tertial FROM calendar WHERE date = "
                                    "'2024-05-01'), lofte_date(lofte_local_day(?1)), "
                                    "lofte_period('iso_week', lofte_local_day(?1)), "
                                    "(SELECT count(*) FROM calendar)",
                                    -1, &s, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_bind_int64(s, 1, fx_min("2020-12-31T23:30"));
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(s, 0), "2020-W53");
    cr_assert_str_eq((const char *)sqlite3_column_text(s, 1), "2024-T2");
    cr_assert_str_eq((const char *)sqlite3_column_text(s, 2), "2021-01-01");
    cr_assert_str_eq((const char *)sqlite3_column_text(s, 3), "2020-W53");
    cr_assert_eq(sqlite3_column_int(s, 4), cal_day_from_date(2051, 1, 1));
    sqlite3_finalize(s);
    fx_close(db);
}
