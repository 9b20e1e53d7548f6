/* test_report.c -- lofte-report's outputs, --public suppression, the
 * read-only --sql, the command line, and the HTML rendered by headless
 * Chromium (Debian package `chromium`; the test skips, saying so, when it
 * is not installed). */
#define _POSIX_C_SOURCE 200809L /* popen, getpid */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "report.h"

#define CHROMIUM "/usr/bin/chromium"

static char db_path[512];

/* A database file with known records: March 2023 has 3 checkpoints (a
 * small count), April 9; plus random background. */
static void make_db(void)
{
    sqlite3 *db;
    int i;
    snprintf(db_path, sizeof db_path, "%s/report-%d.db", LOFTE_TEST_TMP, (int)getpid());
    remove(db_path);
    db = fx_open(db_path);
    fx_random(db, 5, 3000, fx_day("2023-01-01"), fx_day("2024-09-30"));
    for (i = 0; i < 12; i++) {
        struct fx_rec r = {.device = 77, .counter = i + 1, .activity = "traffic.checkpoint",
                           .utc = i < 3 ? "2023-03-10T10:00" : "2023-04-10T10:00",
                           .zone = "main_roads"};
        fx_insert(db, &r);
    }
    fx_close(db);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n;
    char *buf;
    cr_assert(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    cr_assert(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    const char *p = hay;
    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += strlen(needle);
    }
    return n;
}

/* Run lofte-report's logic with these arguments; returns the output text
 * (caller frees) or NULL on failure with err filled. */
static char *run(int *rc, char *err, size_t errlen, const char *const *args)
{
    char *argv[32], out[600];
    int argc = 0, i;
    struct report_config cfg;
    snprintf(out, sizeof out, "%s/out-%d.txt", LOFTE_TEST_TMP, (int)getpid());
    argv[argc++] = "lofte-report";
    argv[argc++] = "--db";
    argv[argc++] = db_path;
    argv[argc++] = "--out";
    argv[argc++] = out;
    for (i = 0; args[i]; i++)
        argv[argc++] = (char *)args[i];
    /* the shipped file from the source tree, unless the test names one: the
     * compiled-in default is where `cmake --install` puts it */
    for (i = 0; args[i] && strcmp(args[i], "--targets") != 0; i++)
        ;
    if (!args[i]) {
        argv[argc++] = "--targets";
        argv[argc++] = LOFTE_TARGETS_FILE;
    }
    argv[argc] = NULL;
    *rc = report_config_parse(argc, argv, &cfg, err, errlen);
    if (*rc != REPORT_OK)
        return NULL;
    *rc = report_run(&cfg, (time_t)1727690400 /* 2024-09-30T10:00Z */, err, errlen);
    if (*rc != REPORT_OK)
        return NULL;
    return slurp(out);
}

static char *run_ok(const char *const *args)
{
    char err[1024];
    int rc;
    char *text = run(&rc, err, sizeof err, args);
    cr_assert_eq(rc, REPORT_OK, "%s", err);
    return text;
}

Test(report, formats_values_and_suppresses_small_counts_in_public)
{
    struct report_options o = {.public_mode = 0, .min_count = 5};
    char buf[32];
    cr_assert_eq(report_format_value(&o, 1, 3, buf, sizeof buf), 0);
    cr_assert_str_eq(buf, "3");
    o.public_mode = 1;
    cr_assert_eq(report_format_value(&o, 1, 3, buf, sizeof buf), 1);
    cr_assert_str_eq(buf, "<5");
    cr_assert_eq(report_format_value(&o, 1, 0, buf, sizeof buf), 0, "zero singles nobody out");
    cr_assert_str_eq(buf, "0");
    cr_assert_eq(report_format_value(&o, 1, 5, buf, sizeof buf), 0);
    cr_assert_eq(report_format_value(&o, 0, 3, buf, sizeof buf), 0, "minutes are not people");
    cr_assert_eq(report_format_value(&o, 0, 2.54, buf, sizeof buf), 0);
    cr_assert_str_eq(buf, "2.5");
}

Test(report, prints_a_table_with_every_target, .init = make_db)
{
    const char *args[] = {"--to", "2024-09-30", NULL};
    char *t = run_ok(args);
    cr_assert(strstr(t, "Hammarö citizen promise"), "%s", t);
    cr_assert(strstr(t, "as of 2024-09-30"));
    cr_assert(strstr(t, "met/elapsed"));
    cr_assert(strstr(t, "local-office-weekly"));
    cr_assert(strstr(t, "talks-and-drug-sales"));
    cr_assert(strstr(t, "report only"));
    cr_assert_eq(count_of(t, "\n"), 4 + 1 + 13, "title, range, undated, blank, header, 13 rows");
    free(t);
}

Test(report, writes_csv_with_one_row_per_period_and_zone, .init = make_db)
{
    const char *args[] = {"--to", "2023-12-31", "--format", "csv", NULL};
    char *t = run_ok(args);
    /* 2023 has: 52 weeks (x3 weekly targets but harbours: 22, schools: 38,
     * without their 14 holiday weeks), 12 months (x5 monthly targets), 2
     * half-years x (1 + 6 zones), years x3, 3 tertials:
     * 1 header + 52 + 38 + 22 + 60 + 14 + 3 + 3. */
    cr_assert_eq(count_of(t, "\r\n"), 1 + 52 + 38 + 22 + 60 + 14 + 3 + 3, "%s", t);
    cr_assert(strncmp(t, "target,items,label,label_sv,metric,period_kind,period,start,end,"
                         "complete,zone,value,rule,target_value,pro_rata,fraction,met,on_pace\r\n",
                      129) == 0, "%.200s", t);
    cr_assert(strstr(t, "checkpoints,3,Alcohol and drug checkpoints,"
                        "Kontrollplatser alkohol och droger,count,month,2023-03,"
                        "2023-03-01,2023-03-31,yes,,"), "%s", t);
    cr_assert(strstr(t, ",\"2,8\","), "a field with a comma is quoted");
    cr_assert(strstr(t, ",school_mormoskolan,"));
    free(t);
}

/* Item 19: a label that looks like a formula is shown, never evaluated
 * (OWASP, CSV injection). */
Test(report, neutralises_cells_a_spreadsheet_would_take_for_formulas, .init = make_db)
{
    char buf[4096], err[512];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    cr_assert(f);
    cr_assert_eq(report_sql(db_path,
                            "SELECT '=1+1' AS a, '+SUM(A1)' AS b, '-2+3' AS c, '@cmd' AS d, "
                            "char(9) || '=x' AS e, char(13) || '=y' AS g, 'a=b' AS h, -5 AS n, "
                            "2.5 AS x",
                            REPORT_CSV, 5, f, err, sizeof err), REPORT_OK, "%s", err);
    fclose(f);
    cr_assert(strstr(buf, "\"'=1+1\",\"'+SUM(A1)\",\"'-2+3\",\"'@cmd\",\"'\t=x\",\"'\r=y\","
                          "a=b,-5,2.5\r\n"), "%s", buf);
}

Test(report, writes_csv_sv_with_semicolons_decimal_commas_and_a_bom, .init = make_db)
{
    const char *args[] = {"--to", "2023-12-31", "--format", "csv-sv", NULL};
    char buf[4096], err[512], *t;
    FILE *f = fmemopen(buf, sizeof buf, "w");
    cr_assert(f);
    cr_assert_eq(report_sql(db_path, "SELECT 2.5 AS x, 'a;b' AS y, '=2;3' AS z", REPORT_CSV_SV, 5,
                            f, err, sizeof err), REPORT_OK, "%s", err);
    fclose(f);
    cr_assert_str_eq(buf, "\xEF\xBB\xBFx;y;z\r\n2,5;\"a;b\";\"'=2;3\"\r\n");

    t = run_ok(args);
    {
        const char *head = "\xEF\xBB\xBFtarget;items;label;label_sv;metric;";
        cr_assert(strncmp(t, head, strlen(head)) == 0, "%.80s", t);
    }
    cr_assert(strstr(t, ";2 + 8;"), "items are not a decimal number 2,8: %.400s", t);
    cr_assert(strstr(t, ";1,0000;"), "fractions with a decimal comma: %.400s", t);
    cr_assert_null(strstr(t, ";1.0000;"), "a decimal point in csv-sv: %.400s", t);
    free(t);
}

Test(report, suppresses_small_counts_in_every_public_format, .init = make_db)
{
    const char *csv[] = {"--to", "2023-12-31", "--format", "csv", "--public", NULL};
    const char *json[] = {"--to", "2023-12-31", "--format", "json", "--public", NULL};
    const char *html[] = {"--to", "2023-12-31", "--format", "html", "--public",
                          "--min-count", "10", NULL};
    const char *plain[] = {"--to", "2023-12-31", "--format", "json", NULL};
    char *t, *m, *p;
    /* The checkpoints of March: 3 of ours plus the random ones. */
    t = run_ok(plain);
    m = strstr(t, "\"period\": \"2023-03\"");
    cr_assert(m);
    cr_assert(strstr(t, "\"public\": false"));
    free(t);

    t = run_ok(csv);
    p = strstr(t, "checkpoints,3,Alcohol and drug checkpoints,Kontrollplatser alkohol och droger,"
                  "count,month,2023-03,");
    cr_assert(p);
    cr_assert(strncmp(strstr(p, "yes,,") + 5, "<5,", 3) == 0, "%.120s", p);
    free(t);

    t = run_ok(json);
    cr_assert(strstr(t, "\"public\": true"));
    cr_assert(strstr(t, "\"value\": null, \"suppressed\": true, \"value_text\": \"<5\""));
    free(t);

    t = run_ok(html);
    cr_assert(strstr(t, "counts below 10 are shown as &lt;10"));
    cr_assert(strstr(t, "&lt;10") || strstr(t, "<10"));
    free(t);
}

Test(report, writes_json_that_a_json_parser_accepts, .init = make_db)
{
    const char *args[] = {"--to", "2024-09-30", "--format", "json", NULL};
    char out[600], cmd[800];
    char *t = run_ok(args);
    cr_assert(strstr(t, "\"generator\": \"lofte-report\""));
    cr_assert(strstr(t, "\"id\": \"campaigns-per-school\""));
    cr_assert(strstr(t, "\"zones\": [{\"zone\": \"school_hammarlunden\""));
    free(t);
    if (access("/usr/bin/python3", X_OK) != 0)
        cr_skip_test("python3 is not installed: the JSON was not parsed");
    snprintf(out, sizeof out, "%s/out-%d.txt", LOFTE_TEST_TMP, (int)getpid());
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
             "assert len(d[\"targets\"]) == 13' %s", out);
    cr_assert_eq(system(cmd), 0, "python3 could not parse the JSON report");
}

Test(report, runs_read_only_sql_in_every_text_format, .init = make_db)
{
    char buf[8192], err[512];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    cr_assert(f);
    cr_assert_eq(report_sql(db_path, "SELECT iso_week, count(*) AS n FROM calendar "
                                     "WHERE date BETWEEN '2020-12-31' AND '2021-01-03' "
                                     "GROUP BY iso_week",
                            REPORT_TABLE, 5, f, err, sizeof err),
                 REPORT_OK, "%s", err);
    fclose(f);
    cr_assert(strstr(buf, "iso_week  n\n--------  -\n2020-W53  4\n(1 row)\n"), "%s", buf);

    f = fmemopen(buf, sizeof buf, "w");
    cr_assert_eq(report_sql(db_path, "SELECT lofte_period('month', lofte_local_day(?1 + 0)) "
                                     "AS m, NULL AS empty, 'a,b' AS t",
                            REPORT_CSV, 5, f, err, sizeof err),
                 REPORT_OK, "%s", err);
    fclose(f);
    cr_assert(strstr(buf, "m,empty,t\r\n"), "%s", buf);
    cr_assert(strstr(buf, ",,\"a,b\"\r\n"), "%s", buf);

    f = fmemopen(buf, sizeof buf, "w");
    cr_assert_eq(report_sql(db_path, "SELECT 1 AS one, 2.5 AS half, 'x\"y' AS q",
                            REPORT_JSON, 5, f, err, sizeof err),
                 REPORT_OK, "%s", err);
    fclose(f);
    cr_assert(strstr(buf, "{\"one\": 1, \"half\": 2.5, \"q\": \"x\\\"y\"}"), "%s", buf);
}

Test(report, refuses_writes_pragmas_attach_and_second_statements, .init = make_db)
{
    static const struct {
        const char *sql;
        const char *says;
    } cases[] = {
        {"DELETE FROM records", "read-only"},
        {"INSERT INTO daily SELECT * FROM daily", "read-only"},
        {"PRAGMA query_only = 0", "not authorized"},
        {"ATTACH DATABASE '/tmp/x.db' AS x", "not authorized"},
        {"SELECT 1; DELETE FROM records", "only one statement"},
        {"CREATE TEMP TABLE t(x)", "read-only"},
        {"SELEC 1", "does not compile"},
        {"   ", "empty"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[256], err[512];
        FILE *f = fmemopen(buf, sizeof buf, "w");
        int rc = report_sql(db_path, cases[i].sql, REPORT_TABLE, 5, f, err, sizeof err);
        fclose(f);
        cr_assert_eq(rc, REPORT_ERR_SQL, "'%s' must be refused (rc %d: %s)", cases[i].sql, rc, err);
        cr_assert(strstr(err, cases[i].says), "'%s': %s", cases[i].sql, err);
    }
}

Test(report, stops_a_runaway_query_at_its_deadline, .init = make_db)
{
    char buf[256], err[512];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    int rc = report_sql(db_path,
                        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                        "SELECT count(*) FROM c",
                        REPORT_TABLE, 0.3, f, err, sizeof err);
    fclose(f);
    cr_assert_eq(rc, REPORT_ERR_TIMEOUT, "%s", err);
    cr_assert(strstr(err, "stopped after 0.3 s"), "%s", err);
}

/* The queries: one function call the progress handler cannot
 * interrupt, and values the size of the machine's memory. */
Test(report, refuses_values_beyond_its_length_limit_instead_of_running_them, .init = make_db)
{
    static const char *const queries[] = {
        "SELECT length(randomblob(900000000))",
        "SELECT length(zeroblob(900000000)), length(zeroblob(900000000)),"
        " length(zeroblob(900000000))",
        "SELECT length(replace(hex(zeroblob(10000000)), '0', 'ab'))",
    };
    size_t i;
    for (i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        char buf[256], err[512];
        FILE *f = fmemopen(buf, sizeof buf, "w");
        int rc = report_sql(db_path, queries[i], REPORT_TABLE, 1, f, err, sizeof err);
        fclose(f);
        cr_assert_eq(rc, REPORT_ERR_SQL, "'%s' must be refused (rc %d: %s)", queries[i], rc, err);
        cr_assert(strstr(err, "larger than --sql allows (16 MiB)"), "'%s': %s", queries[i], err);
    }
}

Test(report, runs_a_query_under_a_heap_limit_and_restores_it_after, .init = make_db)
{
    char buf[256], err[512];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    cr_assert_eq(report_sql(db_path, "PRAGMA hard_heap_limit", REPORT_CSV, 1, f, err, sizeof err),
                 REPORT_OK, "%s", err);
    fclose(f);
    cr_assert(strstr(buf, "268435456"), "the heap limit in force: %s", buf);
    cr_assert_eq(sqlite3_hard_heap_limit64(-1), 0);
}

Test(report, holds_row_output_to_the_deadline_too, .init = make_db)
{
    char err[512];
    FILE *f = fopen("/dev/null", "w");
    /* every row is a 16 MiB value written out: most of the time is spent
     * outside the virtual machine, where the progress handler is not called */
    int rc = report_sql(db_path,
                        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                        "SELECT hex(zeroblob(8000000)) FROM c",
                        REPORT_CSV, 0.3, f, err, sizeof err);
    fclose(f);
    cr_assert_eq(rc, REPORT_ERR_TIMEOUT, "%s", err);
}

Test(report, explains_every_command_line_mistake)
{
    static const struct {
        const char *args[8];
        const char *says;
    } cases[] = {
        {{"--format", "pdf"}, "not table, csv, csv-sv, json or html"},
        {{"--from", "2023-02-30"}, "not a date"},
        {{"--min-count", "3"}, "only applies with --public"},
        {{"--public", "--min-count", "0"}, "not a whole number"},
        {{"--sql", "SELECT 1", "--public"}, "cannot make safe"},
        {{"--sql", "SELECT 1", "--format", "html"}, "not html"},
        {{"--sql", "SELECT 1", "--from", "2023-01-01"}, "do not apply to --sql"},
        {{"--sql-timeout", "5"}, "only applies with --sql"},
        {{"--colour"}, "unknown option '--colour'"},
        {{"--to"}, "needs a value"},
        {{"--public=yes"}, "takes no value"},
        {{"--to", "2023-01-01", "--from", "2023-02-01"}, "before --from"},
        {{"--format", "csv", "--format", "json"}, "given twice"},
    };
    size_t i;
    struct report_config cfg;
    char err[512];
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[12];
        int argc = 0, j;
        argv[argc++] = "lofte-report";
        argv[argc++] = "--db";
        argv[argc++] = "x.db";
        for (j = 0; cases[i].args[j]; j++)
            argv[argc++] = (char *)cases[i].args[j];
        cr_assert_eq(report_config_parse(argc, argv, &cfg, err, sizeof err), REPORT_ERR_USAGE,
                     "case %zu", i);
        cr_assert(strstr(err, cases[i].says), "case %zu: %s", i, err);
    }
    {
        char *argv[] = {"lofte-report", "--format=json"};
        cr_assert_eq(report_config_parse(2, argv, &cfg, err, sizeof err), REPORT_ERR_USAGE);
        cr_assert(strstr(err, "--db FILE is required"), "%s", err);
    }
    {
        char *argv[] = {"lofte-report", "--db", "x.db", "--format=json", "--public",
                        "--min-count=7", "--to", "2024-02-29"};
        cr_assert_eq(report_config_parse(8, argv, &cfg, err, sizeof err), REPORT_OK, "%s", err);
        cr_assert(cfg.format == REPORT_JSON && cfg.public_mode && cfg.min_count == 7);
        cr_assert_eq(cfg.to, fx_day("2024-02-29"));
    }
}

Test(report, writes_out_files_whole_or_not_at_all, .init = make_db)
{
    char out[600], tmp[640], err[512];
    int rc;
    const char *bad[] = {"--targets", "/nonexistent.targets", NULL};
    snprintf(out, sizeof out, "%s/out-%d.txt", LOFTE_TEST_TMP, (int)getpid());
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    remove(out);
    cr_assert_null(run(&rc, err, sizeof err, bad));
    cr_assert_eq(rc, REPORT_ERR_TARGETS);
    cr_assert(strstr(err, "/nonexistent.targets: cannot open"), "%s", err);
    cr_assert_neq(access(out, F_OK), 0, "no output on failure");
    cr_assert_neq(access(tmp, F_OK), 0, "no temporary file left");
}

Test(report, explains_a_database_that_is_not_there)
{
    struct report_config cfg;
    char err[512];
    char *argv[] = {"lofte-report", "--db", "/nonexistent/lofte.db", "--targets",
                    LOFTE_TARGETS_FILE};
    cr_assert_eq(report_config_parse(5, argv, &cfg, err, sizeof err), REPORT_OK, "%s", err);
    cr_assert_eq(report_run(&cfg, (time_t)1727690400, err, sizeof err), REPORT_ERR_DB);
    cr_assert(strstr(err, "cannot open /nonexistent/lofte.db read-only"), "%s", err);
}

Test(report, writes_one_self_contained_html_file, .init = make_db)
{
    const char *args[] = {"--to", "2024-09-30", "--format", "html", NULL};
    char *t = run_ok(args);
    cr_assert(strncmp(t, "<!DOCTYPE html>", 15) == 0);
    cr_assert(strstr(t, "@page{size:A4"), "print CSS for A4");
    cr_assert(strstr(t, "break-before:page"), "page breaks between sections");
    cr_assert_null(strstr(t, "<script"), "no script");
    cr_assert_null(strstr(t, "src="), "no external asset");
    cr_assert_null(strstr(t, "href="), "no link");
    cr_assert_null(strstr(t, "url(http"), "no remote CSS asset");
    cr_assert_null(strstr(t, "@import"));
    /* Summary bars + per target strip and weekly chart + one pattern svg. */
    cr_assert_geq(count_of(t, "<svg"), 1 + 13 * 2 + 11, "%d svg", count_of(t, "<svg"));
    cr_assert_eq(count_of(t, "<svg"), count_of(t, "</svg>"));
    cr_assert_eq(count_of(t, "<section class=\"item\""), 11, "items with targets: 1-6, 8-12");
    cr_assert(strstr(t, "Inget mål i målfilen"), "items without targets are listed");
    free(t);
}

/* Item 20: what the municipal board reads. */
Test(report, writes_the_board_report_in_words_the_board_reads, .init = make_db)
{
    /* 13 September: the month and the tertial are running, with pro rata */
    const char *args[] = {"--to", "2024-09-13", "--format", "html", NULL};
    char *t = run_ok(args), *p;
    /* no path of this machine, only the file's name */
    cr_assert_null(strstr(t, "/targets/hammaro"), "the targets file's path is shown");
    cr_assert(strstr(t, "<code>hammaro-2023-2025.targets</code>"), "the file's name is not");
    /* activities and zones by their Swedish names, not their codes */
    cr_assert_null(strstr(t, "<code>traffic.checkpoint</code>"), "a raw activity code");
    cr_assert(strstr(t, "Kontrollplats"), "the checkpoint activity by name");
    cr_assert(strstr(t, "<td>Mörmoskolan</td>"), "zone rows by name");
    cr_assert_null(strstr(t, "<td>school_mormoskolan</td>"), "a raw zone code");
    /* decimal commas: no "digit.digit" in any text the board reads */
    for (p = t; (p = strstr(p, "pro rata")) != NULL; p++) {
        const char *q;
        for (q = p > t + 60 ? p - 60 : t; q < p + 60 && q[2]; q++)
            cr_assert(!(q[0] >= '0' && q[0] <= '9' && q[1] == '.' && q[2] >= '0' && q[2] <= '9'),
                      "an English decimal point near 'pro rata': %.120s", p - 60 > t ? p - 60 : t);
    }
    /* the summary's "value / pro rata" of a running month */
    cr_assert(strstr(t, "2024-09: "), "a running month in the summary");
    /* month names under monthly strips */
    cr_assert(strstr(t, ">jan</text>") && strstr(t, ">sep</text>"), "month names on the strips");
    /* the weekly target's label sits above the plot, not on its bars */
    p = strstr(t, "mål / target ");
    cr_assert(p, "a weekly target label");
    {
        const char *y = p;
        while (y > t && strncmp(y, " y=\"", 4) != 0)
            y--;
        cr_assert_leq(atof(y + 4), 12.0, "the label is drawn inside the plot: %.80s", y);
    }
    free(t);
}

Test(report, renders_its_html_charts_in_headless_chromium, .init = make_db, .timeout = 150)
{
    const char *args[] = {"--to", "2024-09-30", "--format", "html", NULL};
    char html[600], dom[600], png[600], profile[600], cmd[3000];
    char *t, *d;
    FILE *f;
    int want;
    const char *flags = "--headless --no-sandbox --disable-gpu --disable-background-networking "
                        "--disable-component-update --disable-sync --no-first-run";

    if (access(CHROMIUM, X_OK) != 0)
        cr_skip_test("headless Chromium is not installed (Debian: apt-get install chromium); "
                     "the HTML report was not rendered");
    t = run_ok(args);
    want = count_of(t, "<svg");
    snprintf(html, sizeof html, "%s/report-%d.html", LOFTE_TEST_TMP, (int)getpid());
    snprintf(dom, sizeof dom, "%s/report-%d.dom", LOFTE_TEST_TMP, (int)getpid());
    snprintf(png, sizeof png, "%s/report-%d.png", LOFTE_TEST_TMP, (int)getpid());
    snprintf(profile, sizeof profile, "%s/chromium-%d", LOFTE_TEST_TMP, (int)getpid());
    f = fopen(html, "wb");
    cr_assert(f);
    cr_assert_eq(fwrite(t, 1, strlen(t), f), strlen(t));
    fclose(f);
    free(t);

    snprintf(cmd, sizeof cmd, "timeout 60 " CHROMIUM " %s --user-data-dir=%s --dump-dom "
                              "file://%s > %s 2>/dev/null",
             flags, profile, html, dom);
    cr_assert_eq(system(cmd), 0, "chromium --dump-dom failed: %s", cmd);
    d = slurp(dom);
    cr_assert(strstr(d, "Sammanfattning"), "the DOM has the summary");
    cr_assert_eq(count_of(d, "<svg"), want, "every chart is in the rendered DOM");
    cr_assert(strstr(d, "<rect"), "the charts have bars");
    cr_assert(strstr(d, "</html>"));
    free(d);

    remove(png);
    snprintf(cmd, sizeof cmd, "timeout 60 " CHROMIUM " %s --user-data-dir=%s "
                              "--window-size=1000,1400 --screenshot=%s file://%s >/dev/null 2>&1",
             flags, profile, png, html);
    cr_assert_eq(system(cmd), 0, "chromium --screenshot failed: %s", cmd);
    f = fopen(png, "rb");
    cr_assert(f, "no screenshot");
    {
        unsigned char sig[8];
        cr_assert_eq(fread(sig, 1, 8, f), 8);
        cr_assert(sig[1] == 'P' && sig[2] == 'N' && sig[3] == 'G', "a PNG image");
        fseek(f, 0, SEEK_END);
        cr_assert_gt(ftell(f), 20000, "a screenshot with content, not a blank page");
    }
    fclose(f);
    snprintf(cmd, sizeof cmd, "rm -rf %s", profile);
    cr_assert_eq(system(cmd), 0);
}
