/* report.h -- lofte-report: the follow-up of a promise, and analysts' SQL.
 *
 * Design note. Two jobs behind one command line (docs/reports.md):
 *
 *  1. The follow-up: load a targets file, evaluate it from the rollups
 *     (evaluate.h) and write it as a terminal table, CSV (one row per target
 *     and period, and per zone), JSON (everything), or one self-contained
 *     HTML file for the municipal board: inline CSS and SVG, no script, no
 *     external asset, A4 print layout with a page per promise item. --public
 *     replaces counts of records or people below a threshold by "<N" in
 *     every format, so that no individual can be singled out.
 *
 *  2. --sql: one read-only SELECT of an analyst's, printed as a table, CSV
 *     or JSON. The connection is opened SQLITE_OPEN_READONLY, has
 *     PRAGMA query_only, an authorizer that refuses ATTACH and pragma
 *     writes, and a progress handler that stops the query at a deadline with
 *     a sentence instead of hanging the terminal.
 *
 * The writers never fail half-way silently: every format is written to a
 * FILE* and the caller checks ferror; --out writes a temporary file and
 * renames it, so a board member never opens half a report.
 *
 * The keyword table in report.c drives both the parser and --help.
 */
#ifndef LOFTE_REPORT_H
#define LOFTE_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "evaluate.h"
#include "targets.h"

enum report_err {
    REPORT_OK = 0,
    REPORT_ERR_USAGE = -1,     /* a command line that does not parse */
    REPORT_ERR_IO = -2,        /* cannot write the output */
    REPORT_ERR_DB = -3,        /* cannot open the database */
    REPORT_ERR_TARGETS = -4,   /* the targets file is wrong (file:line in the message) */
    REPORT_ERR_EVAL = -5,      /* evaluation failed */
    REPORT_ERR_SQL = -6,       /* an analyst's query failed or was refused */
    REPORT_ERR_TIMEOUT = -7,   /* an analyst's query ran past its deadline */
    REPORT_ERR_NOMEM = -8
};
const char *report_strerror(int err);

/* REPORT_CSV_SV: the CSV for a spreadsheet in a Swedish locale (';',
 * decimal comma, UTF-8 BOM; docs/reports.md). */
enum report_format { REPORT_TABLE = 0, REPORT_CSV, REPORT_JSON, REPORT_HTML, REPORT_CSV_SV };

#define REPORT_MIN_COUNT_DEFAULT 5
#define REPORT_SQL_TIMEOUT_DEFAULT 10.0   /* seconds */
#define REPORT_SQL_TABLE_ROWS_MAX 10000   /* table format buffers rows to align them */
/* --sql bounds besides the deadline. A single function call (randomblob,
 * zeroblob, replace, group_concat) runs without the progress handler, so
 * its size is what bounds its time: 16 MiB is ~0.1 s of randomblob, far
 * above any value in the database (records are 12..17 bytes). The heap
 * limit bounds what a query may hold in memory at once. */
#define REPORT_SQL_LENGTH_MAX (16 * 1024 * 1024)
#define REPORT_SQL_HEAP_MAX (256LL * 1024 * 1024)

struct report_options {
    enum report_format format;
    int public_mode;           /* suppress counts below min_count */
    int min_count;
    const char *targets_path;  /* shown in the report's header */
    time_t generated;          /* shown in the footer; 0 = not shown */
};

/* Write an evaluated follow-up. Returns REPORT_OK or REPORT_ERR_IO. */
int report_write(FILE *out, const struct eval_result *r, const struct target_set *ts,
                 const struct report_options *o);

/* How a value appears under the options: "<5" when suppressed, else the
 * number ("12", "56.7"). buf holds at least 32 bytes. Returns 1 when the
 * value was suppressed. */
int report_format_value(const struct report_options *o, int is_count, double v, char *buf,
                        size_t n);

/* The command line. */
struct report_config {
    const char *db_path;
    const char *targets_path;
    const char *out_path;       /* NULL: stdout */
    const char *sql;
    int32_t from, to;           /* local days */
    int has_from, has_to;
    enum report_format format;
    int public_mode;
    int min_count;
    double sql_timeout_s;
    int help;
};

int report_config_parse(int argc, char **argv, struct report_config *cfg, char *err,
                        size_t errlen);
void report_usage(FILE *out);
/* Do what cfg says. `now` decides "today" (the default --to). */
int report_run(const struct report_config *cfg, time_t now, char *err, size_t errlen);

/* Run one read-only statement of an analyst's on the database at db_path
 * and print its rows (REPORT_TABLE, REPORT_CSV or REPORT_JSON). Refuses
 * writes, ATTACH and more than one statement; stops after timeout_s. */
int report_sql(const char *db_path, const char *sql, enum report_format format,
               double timeout_s, FILE *out, char *err, size_t errlen);

#endif
