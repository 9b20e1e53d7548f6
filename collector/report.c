/* report.c -- write a follow-up as table, CSV, JSON or HTML; run --sql.
 *
 * Design note: see report.h. The four writers share the value formatting
 * (report_format_value, the one place where --public suppression happens)
 * and walk the same eval_result; each is a plain sequence of fprintf calls,
 * so what a format prints can be read top to bottom. The HTML is built for
 * paper first: the municipal board reads it printed. Sections (summary,
 * one per promise item, method) start on a new A4 page, targets are never
 * split across pages, colours print (print-color-adjust) and every verdict
 * is also a word and a symbol, so a grey-scale copy still reads.
 *
 * Charts are inline SVG drawn here: a progress bar (periods met of elapsed),
 * a pace bar (current period against pro rata), a strip of periods
 * (met/not met/in progress) and the weekly series. One hidden <svg> at the
 * top of the body holds the shared hatch patterns.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime for the --sql deadline */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "errbuf.h"
#include "calendar.h"
#include "evaluate.h"
#include "record.h"
#include "names.h"
#include "pgread.h"
#include "report.h"
#include "rollup.h"
#include "targets.h"

#ifndef LOFTE_DEFAULT_TARGETS
#define LOFTE_DEFAULT_TARGETS NULL
#endif

const char *report_strerror(int err)
{
    switch (err) {
    case REPORT_OK: return "success";
    case REPORT_ERR_USAGE: return "invalid command line";
    case REPORT_ERR_IO: return "cannot write the report";
    case REPORT_ERR_DB: return "cannot open the database";
    case REPORT_ERR_TARGETS: return "invalid targets file";
    case REPORT_ERR_EVAL: return "cannot evaluate the targets";
    case REPORT_ERR_SQL: return "the query failed";
    case REPORT_ERR_TIMEOUT: return "the query ran past its time limit";
    case REPORT_ERR_NOMEM: return "out of memory";
    default: return "unknown report error";
    }
}


/* ---- shared formatting --------------------------------------------------- */

static void fmt_num(double v, char *buf, size_t n)
{
    if (fabs(v - floor(v + 0.5)) < 1e-9)
        snprintf(buf, n, "%.0f", v);
    else
        snprintf(buf, n, "%.1f", v);
}

/* A report shows the targets file by its name: the path is this
 * machine's business, not the board's. */
static const char *file_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

/* The HTML report is read in Swedish: "0,4", not "0.4". The numbers this
 * file formats have no thousands separator, so '.' is only ever decimal. */
static void sv_decimal(char *s)
{
    for (; *s; s++)
        if (*s == '.')
            *s = ',';
}

int report_format_value(const struct report_options *o, int is_count, double v, char *buf,
                        size_t n)
{
    /* Zero is shown: "no checkpoint this month" singles nobody out. */
    if (o->public_mode && is_count && v > 0 && v < o->min_count) {
        snprintf(buf, n, "<%d", o->min_count);
        return 1;
    }
    fmt_num(v, buf, n);
    return 0;
}

static int period_is_count(const struct target *t)
{
    /* A per-zone period value is a number of zones, not of records. */
    return eval_metric_is_count(t) && !t->per_zone;
}

static void items_text(uint16_t items, char *buf, size_t n)
{
    int i;
    size_t used = 0;
    buf[0] = 0;
    for (i = 1; i <= TARGET_ITEM_MAX; i++)
        if ((items >> i) & 1u) {
            int w = snprintf(buf + used, n - used, "%s%d", used ? "," : "", i);
            if (w < 0 || (size_t)w >= n - used)
                return;
            used += (size_t)w;
        }
}

static const char *verdict_word(int v)
{
    return v == EVAL_YES ? "yes" : v == EVAL_NO ? "no" : "";
}

static const struct eval_period *last_complete(const struct eval_target *et)
{
    size_t i = et->nperiods;
    while (i-- > 0)
        if (et->periods[i].complete)
            return &et->periods[i];
    return NULL;
}

static const char *title_of(const struct target_set *ts)
{
    return ts->promise[0] ? ts->promise : "lofte follow-up";
}

/* ---- terminal table ------------------------------------------------------- */

#define TABLE_COLS 6

static void write_table(FILE *f, const struct eval_result *r, const struct target_set *ts,
                        const struct report_options *o)
{
    static const char *const head[TABLE_COLS] = {"item", "target", "rule", "met/elapsed",
                                                 "last complete", "current (pace)"};
    char from[CAL_DATE_LEN], to[CAL_DATE_LEN];
    char (*cell)[TABLE_COLS][128];
    size_t width[TABLE_COLS], i, c;

    cal_format_date(r->from_day, from);
    cal_format_date(r->to_day, to);
    fprintf(f, "%s\n", title_of(ts));
    fprintf(f, "Follow-up %s .. %s, as of %s; targets: %s\n", from, to, to,
            file_name(o->targets_path ? o->targets_path : ts->source));
    if (o->public_mode)
        fprintf(f, "Public report: counts of records or people below %d are shown as <%d.\n",
                o->min_count, o->min_count);
    fprintf(f, "Undated records (device clock not set; in no period): %lld\n\n",
            (long long)r->undated_total);

    /* Cells first, then widths: the columns fit whatever the labels. */
    cell = calloc(r->ntargets ? r->ntargets : 1, sizeof *cell);
    if (!cell) {
        fprintf(f, "(out of memory)\n");
        return;
    }
    for (i = 0; i < r->ntargets; i++) {
        const struct eval_target *et = &r->targets[i];
        const struct target *t = et->target;
        const struct eval_period *last = last_complete(et);
        char v[32], pr[32], unit[48], per_zone[48] = "";

        items_text(t->items, cell[i][0], sizeof cell[i][0]);
        snprintf(cell[i][1], sizeof cell[i][1], "%s", t->id);
        if (t->metric == METRIC_ACTIVE_PERIODS)
            snprintf(unit, sizeof unit, "%s(%s)", targets_metric_name(t->metric),
                     cal_kind_name(t->unit));
        else
            snprintf(unit, sizeof unit, "%s", targets_metric_name(t->metric));
        if (t->cmp == CMP_REPORT_ONLY) {
            snprintf(cell[i][2], sizeof cell[i][2], "%s per %s, report only", unit,
                     cal_kind_name(t->period));
            snprintf(cell[i][3], sizeof cell[i][3], "-");
        } else {
            fmt_num(t->value, v, sizeof v);
            snprintf(cell[i][2], sizeof cell[i][2], "%s %s %s%s per %s", unit,
                     targets_cmp_text(t->cmp), v, t->per_zone ? " in each zone" : "",
                     cal_kind_name(t->period));
            if (et->periods_elapsed)
                snprintf(cell[i][3], sizeof cell[i][3], "%d/%d %3.0f%%", et->periods_met,
                         et->periods_elapsed, 100.0 * et->periods_met / et->periods_elapsed);
            else
                snprintf(cell[i][3], sizeof cell[i][3], "0/0");
        }
        if (t->per_zone && et->nperiods)
            snprintf(per_zone, sizeof per_zone, " of %zu zones", et->periods[0].nzones);
        if (last) {
            report_format_value(o, period_is_count(t), last->value, v, sizeof v);
            snprintf(cell[i][4], sizeof cell[i][4], "%s: %s%s%s", last->label, v, per_zone,
                     last->met == EVAL_YES ? " met" : last->met == EVAL_NO ? " NOT met" : "");
        } else {
            snprintf(cell[i][4], sizeof cell[i][4], "-");
        }
        if (et->current >= 0) {
            const struct eval_period *cp = &et->periods[et->current];
            report_format_value(o, period_is_count(t), cp->value, v, sizeof v);
            if (t->cmp == CMP_REPORT_ONLY) {
                snprintf(cell[i][5], sizeof cell[i][5], "%s: %s so far", cp->label, v);
            } else if (t->per_zone) {
                snprintf(cell[i][5], sizeof cell[i][5], "%s: %s%s met (%.0f%% elapsed) %s",
                         cp->label, v, per_zone, 100.0 * cp->fraction,
                         cp->on_pace == EVAL_YES ? "on pace" : "BEHIND");
            } else {
                fmt_num(cp->pro_rata, pr, sizeof pr);
                snprintf(cell[i][5], sizeof cell[i][5], "%s: %s, pro rata %s (%.0f%% elapsed) %s",
                         cp->label, v, pr, 100.0 * cp->fraction,
                         cp->on_pace == EVAL_YES ? "on pace" : "BEHIND");
            }
        } else {
            snprintf(cell[i][5], sizeof cell[i][5], "-");
        }
    }
    for (c = 0; c < TABLE_COLS; c++) {
        width[c] = strlen(head[c]);
        for (i = 0; i < r->ntargets; i++)
            if (strlen(cell[i][c]) > width[c])
                width[c] = strlen(cell[i][c]);
    }
    for (c = 0; c < TABLE_COLS; c++)
        fprintf(f, "%-*s%s", c == TABLE_COLS - 1 ? 0 : (int)width[c], head[c],
                c == TABLE_COLS - 1 ? "\n" : "  ");
    for (i = 0; i < r->ntargets; i++)
        for (c = 0; c < TABLE_COLS; c++)
            fprintf(f, "%-*s%s", c == TABLE_COLS - 1 ? 0 : (int)width[c], cell[i][c],
                    c == TABLE_COLS - 1 ? "\n" : "  ");
    free(cell);
}

/* ---- CSV ------------------------------------------------------------------ */

/* Two dialects (docs/reports.md): "csv" is RFC 4180 (comma, decimal point),
 * "csv-sv" is what a spreadsheet in a Swedish locale reads without an
 * import dialog (semicolon, decimal comma, a UTF-8 byte order mark so that
 * å, ä and ö survive Excel). */
struct csv {
    FILE *f;
    char sep;
    int decimal_comma;
};

static struct csv csv_of(FILE *f, enum report_format fmt)
{
    struct csv c;
    c.f = f;
    c.sep = fmt == REPORT_CSV_SV ? ';' : ',';
    c.decimal_comma = fmt == REPORT_CSV_SV;
    if (fmt == REPORT_CSV_SV)
        fputs("\xEF\xBB\xBF", f);
    return c;
}

static void csv_end(struct csv *c, int last)
{
    if (last)
        fputs("\r\n", c->f);
    else
        fputc(c->sep, c->f);
}

/* A text cell. One that a spreadsheet would take for a formula (it starts
 * with = + - @, a tab or a carriage return: OWASP's CSV injection list) is
 * written with a leading ' and quoted, so it shows as the text it is; any
 * other cell is quoted (RFC 4180, quotes doubled) when it holds the
 * separator, a quote or a line break. */
static void csv_text(struct csv *c, const char *s, int last)
{
    int formula = s[0] && strchr("=+-@\t\r", s[0]) != NULL;
    const char special[] = {c->sep, '"', '\r', '\n', 0};
    if (formula || strpbrk(s, special)) {
        fputc('"', c->f);
        if (formula)
            fputc('\'', c->f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', c->f);
            fputc(*s, c->f);
        }
        fputc('"', c->f);
    } else {
        fputs(s, c->f);
    }
    csv_end(c, last);
}

/* A number this program formatted ("12", "0.4167", "-3"): never a formula,
 * so not neutralised; a decimal comma in csv-sv. Anything that is not a
 * plain number ("<5" in public reports) is text. */
static void csv_num(struct csv *c, const char *s, int last)
{
    const char *p = s + (*s == '-');
    int digits = 0, dot = 0;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p == '.' && !dot)
            dot = 1;
        else
            break;
    }
    if (*p || !digits) {
        csv_text(c, s, last);
        return;
    }
    for (; *s; s++)
        fputc(*s == '.' && c->decimal_comma ? ',' : *s, c->f);
    csv_end(c, last);
}

static void write_csv(FILE *f, enum report_format fmt, const struct eval_result *r,
                      const struct report_options *o)
{
    static const char *const head[] = {
        "target", "items", "label", "label_sv", "metric", "period_kind", "period", "start",
        "end", "complete", "zone", "value", "rule", "target_value", "pro_rata", "fraction",
        "met", "on_pace"};
    /* which columns hold numbers (csv_num), by index of head */
    static const unsigned char numeric[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 0};
    size_t i, j, k, nh = sizeof head / sizeof head[0];
    struct csv c = csv_of(f, fmt);

    for (k = 0; k < nh; k++)
        csv_text(&c, head[k], k == nh - 1);
    for (i = 0; i < r->ntargets; i++) {
        const struct eval_target *et = &r->targets[i];
        const struct target *t = et->target;
        char it[80], tv[32]; /* 14 items as "1 + 2 + ... + 14": 67 bytes */
        items_text(t->items, it, sizeof it);
        if (c.decimal_comma) {
            /* "2,8" is the number 2.8 to a Swedish spreadsheet: "2 + 8" */
            char sv[sizeof it];
            size_t n = 0;
            const char *q;
            for (q = it; *q && n + 4 < sizeof sv; q++) {
                if (*q == ',') {
                    memcpy(sv + n, " + ", 3);
                    n += 3;
                } else {
                    sv[n++] = *q;
                }
            }
            sv[n] = 0;
            memcpy(it, sv, n + 1);
        }
        fmt_num(t->value, tv, sizeof tv);
        for (j = 0; j < et->nperiods; j++) {
            const struct eval_period *p = &et->periods[j];
            char a[CAL_DATE_LEN], b[CAL_DATE_LEN], v[32], pr[32], fr[32];
            size_t z;
            cal_format_date(p->period.start_day, a);
            cal_format_date(p->period.end_day, b);
            for (z = 0; z <= p->nzones; z++) {
                /* Row z = 0 is the period; rows 1.. are its zones. */
                const struct eval_zone *ez = z ? &p->zones[z - 1] : NULL;
                const char *row[18];
                if (ez)
                    report_format_value(o, eval_metric_is_count(t), ez->value, v, sizeof v);
                else
                    report_format_value(o, period_is_count(t), p->value, v, sizeof v);
                fmt_num(p->pro_rata, pr, sizeof pr);
                snprintf(fr, sizeof fr, "%.4f", p->fraction);
                row[0] = t->id;
                row[1] = it;
                row[2] = t->label;
                row[3] = t->label_sv;
                row[4] = targets_metric_name(t->metric);
                row[5] = cal_kind_name(t->period);
                row[6] = p->label;
                row[7] = a;
                row[8] = b;
                row[9] = p->complete ? "yes" : "no";
                row[10] = ez ? record_zone_name(ez->zone) : "";
                row[11] = v;
                row[12] = t->cmp == CMP_REPORT_ONLY ? "report only" : targets_cmp_text(t->cmp);
                row[13] = t->cmp == CMP_REPORT_ONLY ? "" : (ez || !t->per_zone ? tv : "all zones");
                /* Pro rata is per zone: the per-zone period row has none. */
                row[14] = t->cmp == CMP_REPORT_ONLY || p->complete || (t->per_zone && !ez) ? "" : pr;
                row[15] = fr;
                row[16] = verdict_word(ez ? ez->met : p->met);
                row[17] = verdict_word(ez ? ez->on_pace : p->on_pace);
                for (k = 0; k < nh; k++) {
                    if (numeric[k])
                        csv_num(&c, row[k], k == nh - 1);
                    else
                        csv_text(&c, row[k], k == nh - 1);
                }
            }
        }
    }
}

/* ---- JSON ----------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f); /* UTF-8 passes through */
    }
    fputc('"', f);
}

static void json_value(FILE *f, const struct report_options *o, int is_count, double v)
{
    char buf[32];
    int hidden = report_format_value(o, is_count, v, buf, sizeof buf);
    if (hidden)
        fprintf(f, "\"value\": null, \"suppressed\": true, \"value_text\": ");
    else
        fprintf(f, "\"value\": %.10g, \"suppressed\": false, \"value_text\": ", v);
    json_str(f, buf);
}

static void json_verdict(FILE *f, const char *key, int v)
{
    fprintf(f, ", \"%s\": %s", key, v == EVAL_YES ? "true" : v == EVAL_NO ? "false" : "null");
}

static void write_json(FILE *f, const struct eval_result *r, const struct target_set *ts,
                       const struct report_options *o)
{
    char a[CAL_DATE_LEN], b[CAL_DATE_LEN], season[64];
    size_t i, j, z;
    int it;

    cal_format_date(r->from_day, a);
    cal_format_date(r->to_day, b);
    fprintf(f, "{\n  \"generator\": \"lofte-report\",\n  \"promise\": ");
    json_str(f, ts->promise);
    fprintf(f, ",\n  \"promise_sv\": ");
    json_str(f, ts->promise_sv);
    fprintf(f, ",\n  \"targets_file\": ");
    json_str(f, o->targets_path ? o->targets_path : ts->source);
    fprintf(f, ",\n  \"from\": \"%s\",\n  \"to\": \"%s\",\n  \"public\": %s,\n"
               "  \"min_count\": %d,\n  \"undated_records\": %lld,\n  \"targets\": [",
            a, b, o->public_mode ? "true" : "false", o->min_count, (long long)r->undated_total);
    for (i = 0; i < r->ntargets; i++) {
        const struct eval_target *et = &r->targets[i];
        const struct target *t = et->target;
        fprintf(f, "%s\n    {\"id\": ", i ? "," : "");
        json_str(f, t->id);
        fprintf(f, ", \"items\": [");
        for (it = 1, z = 0; it <= TARGET_ITEM_MAX; it++)
            if ((t->items >> it) & 1u)
                fprintf(f, "%s%d", z++ ? ", " : "", it);
        fprintf(f, "], \"label\": ");
        json_str(f, t->label);
        fprintf(f, ", \"label_sv\": ");
        json_str(f, t->label_sv);
        fprintf(f, ",\n     \"activity\": ");
        json_str(f, t->activity_text);
        fprintf(f, ", \"result\": ");
        json_str(f, t->result_text);
        fprintf(f, ", \"action\": ");
        json_str(f, t->action_text);
        fprintf(f, ", \"zone\": ");
        json_str(f, t->zone_text);
        fprintf(f, ", \"actor\": ");
        json_str(f, t->actor_text);
        cal_format_date(t->valid_from, a);
        cal_format_date(t->valid_to, b);
        targets_season_text(t->season, season, sizeof season);
        fprintf(f, ",\n     \"metric\": \"%s\", \"unit\": \"%s\", \"period\": \"%s\", "
                   "\"comparison\": ",
                targets_metric_name(t->metric), cal_kind_name(t->unit), cal_kind_name(t->period));
        if (t->cmp == CMP_REPORT_ONLY)
            fprintf(f, "null, \"target\": null, \"report_only\": true");
        else
            fprintf(f, "\"%s\", \"target\": %.10g, \"report_only\": false",
                    targets_cmp_text(t->cmp), t->value);
        fprintf(f, ", \"valid_from\": \"%s\", \"valid_to\": \"%s\", \"season\": ", a, b);
        if (season[0])
            json_str(f, season);
        else
            fputs("null", f);
        {
            char except[TARGET_EXCEPT_MAX * 28];
            targets_except_text(t, except, sizeof except);
            fputs(", \"except\": ", f);
            if (except[0])
                json_str(f, except);
            else
                fputs("null", f);
        }
        fprintf(f, ", \"per_zone\": %s,\n     \"periods_met\": %d, \"periods_elapsed\": %d, "
                   "\"undated_records\": %lld,\n     \"current\": ",
                t->per_zone ? "true" : "false", et->periods_met, et->periods_elapsed,
                (long long)et->undated);
        if (et->current >= 0) {
            const struct eval_period *c = &et->periods[et->current];
            fprintf(f, "{\"period\": \"%s\", ", c->label);
            json_value(f, o, period_is_count(t), c->value);
            fprintf(f, ", \"pro_rata\": %.10g, \"fraction\": %.6f", c->pro_rata, c->fraction);
            json_verdict(f, "on_pace", c->on_pace);
            fputc('}', f);
        } else {
            fputs("null", f);
        }
        fprintf(f, ",\n     \"periods\": [");
        for (j = 0; j < et->nperiods; j++) {
            const struct eval_period *p = &et->periods[j];
            cal_format_date(p->period.start_day, a);
            cal_format_date(p->period.end_day, b);
            fprintf(f, "%s\n       {\"period\": \"%s\", \"start\": \"%s\", \"end\": \"%s\", "
                       "\"complete\": %s, ",
                    j ? "," : "", p->label, a, b, p->complete ? "true" : "false");
            json_value(f, o, period_is_count(t), p->value);
            json_verdict(f, "met", p->met);
            json_verdict(f, "on_pace", p->on_pace);
            if (p->nzones) {
                fprintf(f, ", \"zones\": [");
                for (z = 0; z < p->nzones; z++) {
                    fprintf(f, "%s{\"zone\": \"%s\", ", z ? ", " : "",
                            record_zone_name(p->zones[z].zone));
                    json_value(f, o, eval_metric_is_count(t), p->zones[z].value);
                    json_verdict(f, "met", p->zones[z].met);
                    json_verdict(f, "on_pace", p->zones[z].on_pace);
                    fputc('}', f);
                }
                fputc(']', f);
            }
            fputc('}', f);
        }
        fprintf(f, "],\n     \"weekly\": [");
        for (j = 0; j < et->nweeks; j++) {
            const struct eval_week *w = &et->weeks[j];
            fprintf(f, "%s{\"week\": \"%04d-W%02d\", ", j ? ", " : "", w->iso_year, w->week);
            json_value(f, o, eval_metric_is_count(t), w->value);
            fprintf(f, ", \"in_season\": %s, \"complete\": %s}", w->in_season ? "true" : "false",
                    w->complete ? "true" : "false");
        }
        fprintf(f, "]}");
    }
    fprintf(f, "\n  ]\n}\n");
}

/* ---- HTML ------------------------------------------------------------------ */

#define C_MET "#2e7d32"
#define C_MISS "#c62828"
#define C_BAR "#1f5fa8"
#define C_BEHIND "#e08a00"
#define C_OFF "#d6d6d6"
#define C_GRID "#9e9e9e"

static void html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static const char *const css =
    "@page{size:A4;margin:14mm 13mm 16mm 13mm}\n"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact;box-sizing:border-box}\n"
    "body{font:10pt/1.4 'DejaVu Sans','Liberation Sans',Arial,sans-serif;color:#111;"
    "max-width:190mm;margin:0 auto;padding:6mm 0}\n"
    "h1{font-size:18pt;margin:0 0 2mm}h2{font-size:14pt;margin:0 0 2mm;"
    "border-bottom:2px solid #1f5fa8;padding-bottom:1mm}\n"
    "h3{font-size:11.5pt;margin:0 0 1mm}.en{color:#555;font-weight:normal}\n"
    "p{margin:1mm 0}.meta{color:#444;font-size:9pt}.notice{border:1px solid #e08a00;"
    "background:#fff6e5;padding:2mm 3mm;margin:2mm 0;font-size:9pt}\n"
    "table{border-collapse:collapse;width:100%;font-size:8.8pt;margin:2mm 0}"
    "th,td{border-bottom:1px solid #ccc;padding:1mm 1.5mm;text-align:left;vertical-align:top}"
    "th{background:#eef2f7;font-weight:bold}td.num,th.num{text-align:right;"
    "font-variant-numeric:tabular-nums}\n"
    "tr{break-inside:avoid}.none{color:#777;font-style:italic}\n"
    ".ok{color:#2e7d32;font-weight:bold}.miss{color:#c62828;font-weight:bold}"
    ".behind{color:#b36b00;font-weight:bold}.na{color:#555}\n"
    "section{margin-bottom:6mm}section.item,section.notes{break-before:page}\n"
    ".target{border:1px solid #d0d7e2;border-radius:2mm;padding:3mm;margin:3mm 0;"
    "break-inside:avoid}\n"
    ".def{font-size:8.8pt;color:#333}.def code{font-size:8.5pt;background:#f2f2f2;"
    "padding:0 1mm}\n"
    ".kpis{display:flex;gap:4mm;margin:2mm 0}.kpi{flex:1;border-left:3px solid #1f5fa8;"
    "padding-left:2mm}.kpi .k{font-size:8pt;color:#555}.kpi .v{font-size:13pt;"
    "font-weight:bold}\n"
    "figure{margin:2mm 0}figcaption{font-size:8pt;color:#555}svg{display:block;width:100%;"
    "height:auto}svg text{font-family:'DejaVu Sans',Arial,sans-serif}\n"
    "svg.bar{width:46mm;display:inline-block;vertical-align:middle}"
    "table.summary{table-layout:fixed}table.summary svg.bar{width:100%;max-width:30mm}\n"
    ".legend span{display:inline-block;width:3mm;height:3mm;margin:0 1mm 0 3mm;"
    "vertical-align:middle}\n"
    "footer{margin-top:6mm;font-size:8pt;color:#666;border-top:1px solid #ccc;"
    "padding-top:2mm}\n"
    "@media screen{body{padding:8mm}section.item,section.notes{border-top:1px dashed #bbb;"
    "padding-top:6mm}}\n";

static void rule_html(FILE *f, const struct target *t)
{
    char v[32];
    const char *op = "";
    if (t->cmp == CMP_REPORT_ONLY) {
        fputs("endast redovisning / report only", f);
        return;
    }
    switch (t->cmp) {
    case CMP_GE: op = "&#8805;"; break;
    case CMP_LE: op = "&#8804;"; break;
    case CMP_GT: op = "&gt;"; break;
    case CMP_LT: op = "&lt;"; break;
    case CMP_EQ: op = "="; break;
    default: break;
    }
    fmt_num(t->value, v, sizeof v);
    sv_decimal(v);
    fprintf(f, "%s %s%s per %s / per %s", op, v, t->per_zone ? " i varje zon / in each zone" : "",
            cal_kind_noun(t->period, 0, 1), cal_kind_noun(t->period, 0, 0));
}

static void metric_html(FILE *f, const struct target *t)
{
    switch (t->metric) {
    case METRIC_COUNT: fputs("antal registreringar / number of records", f); break;
    case METRIC_QUANTITY: fputs("summa antal (personer, fordon, prov) / sum of quantity", f); break;
    case METRIC_DURATION: fputs("minuter / minutes", f); break;
    case METRIC_ACTIVE_DAYS: fputs("dagar med aktivitet / days with activity", f); break;
    case METRIC_ACTIVE_PERIODS:
        fprintf(f, "%s med aktivitet / %s with activity", cal_kind_noun(t->unit, 1, 1),
                cal_kind_noun(t->unit, 1, 0));
        break;
    default: break;
    }
}

/* A horizontal bar: share `part/whole` filled with `colour`. */
static void svg_progress(FILE *f, int part, int whole)
{
    double w = whole > 0 ? 200.0 * part / whole : 0;
    fprintf(f, "<svg class=\"bar\" viewBox=\"0 0 200 10\" role=\"img\" aria-label=\"%d av %d\">"
               "<rect width=\"200\" height=\"10\" fill=\"#e3e3e3\"/>"
               "<rect width=\"%.1f\" height=\"10\" fill=\"" C_MET "\"/></svg>",
            part, whole, w);
}

/* The running period: value against goal, with the pro-rata mark. */
static void svg_pace(FILE *f, const struct eval_period *c, int on_pace)
{
    double max = c->goal > c->value ? c->goal : c->value;
    double sx;
    if (max <= 0)
        max = 1;
    sx = 200.0 / (max * 1.08);
    fprintf(f, "<svg class=\"bar\" viewBox=\"0 0 200 12\" role=\"img\" aria-label=\"pace\">"
               "<rect width=\"200\" height=\"12\" fill=\"#eeeeee\"/>"
               "<rect y=\"1\" width=\"%.1f\" height=\"10\" fill=\"%s\"/>"
               "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"0\" y2=\"12\" stroke=\"#111\" "
               "stroke-width=\"1.6\"/>"
               "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"0\" y2=\"12\" stroke=\"#111\" "
               "stroke-dasharray=\"2,1.5\"/></svg>",
            c->value * sx, on_pace ? C_BAR : C_BEHIND, c->pro_rata * sx, c->pro_rata * sx,
            c->goal * sx, c->goal * sx);
}

/* One cell per period: green met, red not met, hatched running; values
 * written in the cell when there is room. Report-only targets get bars. */
static void svg_strip(FILE *f, const struct eval_target *et, const struct report_options *o)
{
    const struct target *t = et->target;
    static const char *const months_sv[12] = {"jan", "feb", "mar", "apr", "maj", "jun",
                                              "jul", "aug", "sep", "okt", "nov", "dec"};
    const int bars = t->cmp == CMP_REPORT_ONLY;
    const int monthly = t->period == CAL_MONTH;
    const double x0 = 2, x1 = 598, top = bars ? 11 : 2, h = 20;
    /* monthly strips name their months under the cells, the years below */
    const double year_y = top + h + (monthly ? 20 : 11), month_y = top + h + 9;
    double cw, max = 0;
    size_t i;
    int last_year = -1;

    if (et->nperiods == 0)
        return;
    cw = (x1 - x0) / (double)et->nperiods;
    for (i = 0; i < et->nperiods; i++)
        if (et->periods[i].value > max)
            max = et->periods[i].value;
    fprintf(f, "<svg viewBox=\"0 0 600 %d\" role=\"img\" aria-label=\"perioder\">",
            (int)(year_y + 3));
    for (i = 0; i < et->nperiods; i++) {
        const struct eval_period *p = &et->periods[i];
        double x = x0 + cw * (double)i;
        char v[32];
        const char *fill;
        int hidden = report_format_value(o, period_is_count(t), p->value, v, sizeof v);
        sv_decimal(v);
        fprintf(f, "<g><title>%s: %s%s</title>", p->label, v,
                p->met == EVAL_YES ? " (uppfyllt / met)"
                : p->met == EVAL_NO ? " (ej uppfyllt / not met)"
                : p->complete ? "" : " (pågår / in progress)");
        if (bars) {
            double bh = max > 0 ? h * p->value / max : 0;
            if (hidden)
                bh = h * 0.15;
            fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>",
                    x + cw * 0.1, top + h - bh, cw * 0.8, bh,
                    hidden ? "url(#hatch-grey)" : p->complete ? C_BAR : "url(#hatch-blue)");
            if (cw >= 14)
                fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"8\" text-anchor=\"middle\">"
                           "%s</text>",
                        x + cw / 2, top + h - bh - 2, v);
        } else {
            fill = !p->complete ? (p->on_pace == EVAL_YES ? "url(#hatch-blue)" : "url(#hatch-amber)")
                   : p->met == EVAL_YES ? C_MET : C_MISS;
            fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" "
                       "stroke=\"#fff\" stroke-width=\"0.6\"/>",
                    x, top, cw, h, fill);
            if (cw >= 18)
                fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"8\" text-anchor=\"middle\" "
                           "fill=\"%s\">%s</text>",
                        x + cw / 2, top + h / 2 + 3, p->complete ? "#fff" : "#111", v);
        }
        fputs("</g>", f);
        if (monthly && cw >= 6) {
            /* "jan" where there is room (about 14 units), else "j" */
            int m = cal_date_from_day(p->period.start_day).month;
            char initial[2] = {months_sv[m - 1][0], 0};
            fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"7\" fill=\"#555\" "
                       "text-anchor=\"middle\">%s</text>",
                    x + cw / 2, month_y, cw >= 14 ? months_sv[m - 1] : initial);
        }
        if (p->period.year != last_year) {
            fprintf(f, "<line x1=\"%.2f\" x2=\"%.2f\" y1=\"%.2f\" y2=\"%.2f\" stroke=\"#333\"/>"
                       "<text x=\"%.2f\" y=\"%.2f\" font-size=\"8\">%d</text>",
                    x, x, top, year_y - 7, x + 1, year_y, p->period.year);
            last_year = p->period.year;
        }
    }
    fputs("</svg>", f);
}

static double nice_max(double v)
{
    double base, m;
    if (v <= 1)
        return 1;
    base = pow(10, floor(log10(v)));
    for (m = 1; m <= 10; m = m == 1 ? 2 : m == 2 ? 5 : 10)
        if (m * base >= v)
            return m * base;
    return 10 * base;
}

static void svg_weekly(FILE *f, const struct eval_target *et, const struct report_options *o)
{
    const struct target *t = et->target;
    /* y0 leaves a band above the plot for the target's label: it never
     * sits on the bars */
    const double x0 = 34, x1 = 596, y0 = 16, y1 = 100;
    double max = 0, bw, line = -1;
    char v[32];
    size_t i;
    int is_count = eval_metric_is_count(t);

    if (et->nweeks == 0)
        return;
    for (i = 0; i < et->nweeks; i++)
        if (et->weeks[i].value > max)
            max = et->weeks[i].value;
    if (t->period == CAL_ISO_WEEK && t->cmp != CMP_REPORT_ONLY && !t->per_zone)
        line = t->value;
    if (line > max)
        max = line;
    max = nice_max(max);
    bw = (x1 - x0) / (double)et->nweeks;
    fprintf(f, "<svg viewBox=\"0 0 600 120\" role=\"img\" aria-label=\"per vecka\">");
    fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"" C_GRID "\"/>"
               "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>",
            x0, x1, y1, y1, x0, x1, y0, y0);
    fmt_num(max, v, sizeof v);
    sv_decimal(v);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"8\" text-anchor=\"end\">%s</text>"
               "<text x=\"%.1f\" y=\"%.1f\" font-size=\"8\" text-anchor=\"end\">0</text>",
            x0 - 3, y0 + 3, v, x0 - 3, y1 + 3);
    for (i = 0; i < et->nweeks; i++) {
        const struct eval_week *w = &et->weeks[i];
        double x = x0 + bw * (double)i, bh;
        int hidden = report_format_value(o, is_count, w->value, v, sizeof v);
        sv_decimal(v);
        const char *fill = !w->in_season ? C_OFF : !w->complete ? "url(#hatch-blue)" : C_BAR;
        bh = (y1 - y0) * (hidden ? (o->min_count / 2.0) : w->value) / max;
        if (hidden)
            fill = "url(#hatch-grey)";
        if (!w->in_season)
            fprintf(f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
                       "fill=\"#f1f1f1\"/>",
                    x, y0, bw, y1 - y0);
        fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\">"
                   "<title>%04d-W%02d: %s</title></rect>",
                x + bw * 0.12, y1 - bh, bw * 0.76 > 0.4 ? bw * 0.76 : 0.4, bh, fill, w->iso_year,
                w->week, v);
        /* Year labels at week 1, and at the first bar unless a week 1
         * follows closely (the two labels would overlap). */
        if (w->week == 1 || (i == 0 && (size_t)cal_iso_weeks_in_year(w->iso_year) - (size_t)w->week >= 8)) {
            fprintf(f, "<line x1=\"%.2f\" x2=\"%.2f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>"
                       "<text x=\"%.2f\" y=\"%.1f\" font-size=\"8\">%d</text>",
                    x, x, y1, y1 + 6, x + 1, y1 + 14, w->iso_year);
        } else if (w->week % 13 == 1 && bw * 13 > 30 && x < x1 - 14) {
            fprintf(f, "<line x1=\"%.2f\" x2=\"%.2f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"" C_GRID
                       "\"/><text x=\"%.2f\" y=\"%.1f\" font-size=\"7\" fill=\"#555\">v%d</text>",
                    x, x, y1, y1 + 4, x + 1, y1 + 12, w->week);
        }
    }
    if (line >= 0) {
        double y = y1 - (y1 - y0) * line / max;
        fmt_num(line, v, sizeof v);
        sv_decimal(v);
        /* The label is a legend in the band above the plot, right-aligned,
         * with a sample of the dashed line: bars can never be behind it. */
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.2f\" y2=\"%.2f\" stroke=\"" C_MISS "\" "
                   "stroke-dasharray=\"4,3\" stroke-width=\"1.2\"/>"
                   "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"7\" y2=\"7\" stroke=\"" C_MISS "\" "
                   "stroke-dasharray=\"4,3\" stroke-width=\"1.2\"/>"
                   "<text x=\"%.1f\" y=\"10\" font-size=\"8\" fill=\"" C_MISS "\" "
                   "text-anchor=\"end\">mål / target %s</text>",
                x0, x1, y, y, x1 - 90, x1 - 72, x1, v);
    }
    fputs("</svg>", f);
}

static void filter_html(FILE *f, const struct target *t)
{
    char season[64], a[CAL_DATE_LEN], b[CAL_DATE_LEN], names[600];
    char except[TARGET_EXCEPT_MAX * 28];
    fputs("<p class=\"def\">Mäter / Measures: <b>", f);
    metric_html(f, t);
    /* the board reads names; the codes stay in the title (hover) */
    names_activities(t->filter.activity, 1, names, sizeof names);
    fputs("</b> &middot; aktivitet / activity <span title=\"", f);
    html_text(f, t->activity_text);
    fputs("\">", f);
    html_text(f, names);
    fputs("</span>", f);
    if (t->zone_text[0]) {
        names_zones(t->filter.zone, 1, names, sizeof names);
        fputs(" &middot; zon / zone <span title=\"", f);
        html_text(f, t->zone_text);
        fputs("\">", f);
        html_text(f, names);
        fputs("</span>", f);
    }
    if (t->actor_text[0]) {
        fputs(" &middot; aktör / actor <code>", f);
        html_text(f, t->actor_text);
        fputs("</code>", f);
    }
    if (t->result_text[0]) {
        fputs(" &middot; resultat / result <code>", f);
        html_text(f, t->result_text);
        fputs("</code>", f);
    }
    if (t->action_text[0]) {
        fputs(" &middot; åtgärd / action <code>", f);
        html_text(f, t->action_text);
        fputs("</code>", f);
    }
    targets_season_text(t->season, season, sizeof season);
    if (season[0])
        fprintf(f, " &middot; säsong / season %s", season);
    targets_except_text(t, except, sizeof except);
    if (except[0] && t->nexcept <= 3) {
        fputs(" &middot; räknas inte / not counted (lov / holidays): ", f);
        html_text(f, except);
    } else if (except[0]) {
        /* a whole school year of holidays would fill the page: the count,
         * and the dates on hover and in the targets file */
        fputs(" &middot; <span title=\"", f);
        html_text(f, except);
        fprintf(f, "\">%d perioder räknas inte (lov, se målfilen) / %d periods not counted "
                   "(holidays, see the targets file)</span>", t->nexcept, t->nexcept);
    }
    cal_format_date(t->valid_from, a);
    cal_format_date(t->valid_to, b);
    fprintf(f, "<br>Mål / Target: <b>");
    rule_html(f, t);
    fprintf(f, "</b> &middot; gäller / valid %s &ndash; %s", a, b);
    if (t->note[0]) {
        fputs("<br>", f);
        html_text(f, t->note);
    }
    fputs("</p>\n", f);
}

static void current_html(FILE *f, const struct eval_target *et, const struct report_options *o)
{
    const struct target *t = et->target;
    const struct eval_period *c = &et->periods[et->current];
    char v[32], pr[32];
    report_format_value(o, period_is_count(t), c->value, v, sizeof v);
    sv_decimal(v);
    if (t->cmp == CMP_REPORT_ONLY) {
        fprintf(f, "%s: %s hittills / so far", c->label, v);
        return;
    }
    if (t->per_zone) {
        fmt_num(c->goal, pr, sizeof pr);
        sv_decimal(pr);
        fprintf(f, "%s: %s av / of %s zoner klara / zones done ", c->label, v, pr);
    } else {
        fmt_num(c->pro_rata, pr, sizeof pr);
        sv_decimal(pr);
        fprintf(f, "%s: %s mot / against %s pro rata (%.0f %%) ", c->label, v, pr,
                100.0 * c->fraction);
    }
    fprintf(f, "<span class=\"%s\">%s</span>", c->on_pace == EVAL_YES ? "ok" : "behind",
            c->on_pace == EVAL_YES ? "&#10003; i fas / on pace" : "&#9888; efter / behind");
}

/* The running period in a few words, for the summary table. */
static void current_short_html(FILE *f, const struct eval_target *et,
                               const struct report_options *o)
{
    const struct target *t = et->target;
    const struct eval_period *c = &et->periods[et->current];
    char v[32], pr[32];
    report_format_value(o, period_is_count(t), c->value, v, sizeof v);
    sv_decimal(v);
    if (t->cmp == CMP_REPORT_ONLY) {
        fprintf(f, "%s: %s", c->label, v);
        return;
    }
    fmt_num(t->per_zone ? c->goal : c->pro_rata, pr, sizeof pr);
    sv_decimal(pr);
    fprintf(f, "%s: %s%s%s<br><span class=\"%s\">%s</span>", c->label, v,
            t->per_zone ? " av / of " : " / ", pr,
            c->on_pace == EVAL_YES ? "ok" : "behind",
            c->on_pace == EVAL_YES ? "&#10003; i fas / on pace" : "&#9888; efter / behind");
}

static void zone_table(FILE *f, const struct eval_target *et, const struct report_options *o)
{
    const struct target *t = et->target;
    const struct eval_period *first;
    size_t j, z;
    if (!t->per_zone || et->nperiods == 0)
        return;
    first = &et->periods[0];
    fputs("<table><tr><th>Zon / Zone</th>", f);
    for (j = 0; j < et->nperiods; j++)
        fprintf(f, "<th class=\"num\">%s</th>", et->periods[j].label);
    fputs("</tr>\n", f);
    for (z = 0; z < first->nzones; z++) {
        fputs("<tr><td>", f);
        html_text(f, names_zone(first->zones[z].zone, 1));
        fputs("</td>", f);
        for (j = 0; j < et->nperiods; j++) {
            const struct eval_zone *ez = &et->periods[j].zones[z];
            char v[32];
            report_format_value(o, eval_metric_is_count(t), ez->value, v, sizeof v);
            sv_decimal(v);
            fprintf(f, "<td class=\"num\">%s <span class=\"%s\">%s</span></td>", v,
                    ez->met == EVAL_YES ? "ok" : ez->met == EVAL_NO ? "miss" : "na",
                    ez->met == EVAL_YES ? "&#10003;" : ez->met == EVAL_NO ? "&#10007;" : "&hellip;");
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void target_html(FILE *f, const struct eval_target *et, const struct report_options *o)
{
    const struct target *t = et->target;
    const struct eval_period *last = last_complete(et);
    char v[32];

    fputs("<div class=\"target\">\n<h3>", f);
    html_text(f, t->label_sv[0] ? t->label_sv : t->label);
    if (t->label_sv[0]) {
        fputs(" <span class=\"en\">/ ", f);
        html_text(f, t->label);
        fputs("</span>", f);
    }
    fputs("</h3>\n", f);
    filter_html(f, t);
    fputs("<div class=\"kpis\">", f);
    if (t->cmp != CMP_REPORT_ONLY) {
        fprintf(f, "<div class=\"kpi\"><div class=\"k\">Uppfyllda %s / %s met</div>"
                   "<div class=\"v\">%d av %d",
                cal_kind_noun(t->period, 1, 1), cal_kind_noun(t->period, 1, 0), et->periods_met,
                et->periods_elapsed);
        if (et->periods_elapsed)
            fprintf(f, " (%.0f %%)", 100.0 * et->periods_met / et->periods_elapsed);
        fputs("</div>", f);
        svg_progress(f, et->periods_met, et->periods_elapsed);
        fputs("</div>", f);
    }
    if (last) {
        report_format_value(o, period_is_count(t), last->value, v, sizeof v);
        sv_decimal(v);
        fprintf(f, "<div class=\"kpi\"><div class=\"k\">Senaste hela period / Last complete "
                   "period</div><div class=\"v\">%s: %s%s ",
                last->label, v, t->per_zone ? " zoner / zones" : "");
        if (last->met != EVAL_NA)
            fprintf(f, "<span class=\"%s\">%s</span>", last->met == EVAL_YES ? "ok" : "miss",
                    last->met == EVAL_YES ? "&#10003;" : "&#10007;");
        fputs("</div></div>", f);
    }
    if (et->current >= 0) {
        fputs("<div class=\"kpi\"><div class=\"k\">Pågående period / Current period</div>"
              "<div>", f);
        current_html(f, et, o);
        fputs("</div>", f);
        if (t->cmp != CMP_REPORT_ONLY && !t->per_zone)
            svg_pace(f, &et->periods[et->current], et->periods[et->current].on_pace == EVAL_YES);
        fputs("</div>", f);
    }
    fputs("</div>\n", f);
    if (et->nperiods) {
        fprintf(f, "<figure><figcaption>Per %s / per %s", cal_kind_noun(t->period, 0, 1),
                cal_kind_noun(t->period, 0, 0));
        if (t->cmp != CMP_REPORT_ONLY)
            fputs(" <span class=\"legend\"><span style=\"background:" C_MET "\"></span>uppfyllt "
                  "/ met<span style=\"background:" C_MISS "\"></span>ej uppfyllt / not met"
                  "<span style=\"background:#9bb8dc\"></span>pågår / in progress</span>", f);
        fputs("</figcaption>", f);
        svg_strip(f, et, o);
        fputs("</figure>\n", f);
    } else {
        fputs("<p class=\"none\">Ingen hel period i intervallet / no whole period in the "
              "range.</p>\n", f);
    }
    zone_table(f, et, o);
    if (et->nweeks) {
        fputs("<figure><figcaption>Per vecka / weekly: ", f);
        metric_html(f, t);
        fputs("</figcaption>", f);
        svg_weekly(f, et, o);
        fputs("</figure>\n", f);
    }
    if (et->undated)
        fprintf(f, "<p class=\"def\">%lld odaterade registreringar (enhetens klocka ej ställd) "
                   "räknas inte i någon period / undated records (device clock not set) are in "
                   "no period.</p>\n",
                (long long)et->undated);
    fputs("</div>\n", f);
}

static void summary_row(FILE *f, const struct eval_target *et, const struct report_options *o)
{
    const struct target *t = et->target;
    fputs("<td>", f);
    html_text(f, t->label_sv[0] ? t->label_sv : t->label);
    fputs("</td><td>", f);
    rule_html(f, t);
    fputs("</td><td>", f);
    if (t->cmp == CMP_REPORT_ONLY) {
        fputs("<span class=\"na\">&ndash;</span>", f);
    } else {
        fprintf(f, "%d/%d<br>", et->periods_met, et->periods_elapsed);
        svg_progress(f, et->periods_met, et->periods_elapsed);
    }
    fputs("</td><td>", f);
    if (et->current >= 0)
        current_short_html(f, et, o);
    else
        fputs("<span class=\"na\">&ndash;</span>", f);
    fputs("</td>", f);
}

static void write_html(FILE *f, const struct eval_result *r, const struct target_set *ts,
                       const struct report_options *o)
{
    char from[CAL_DATE_LEN], to[CAL_DATE_LEN];
    size_t i;
    int item;

    cal_format_date(r->from_day, from);
    cal_format_date(r->to_day, to);
    fputs("<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
    html_text(f, ts->promise_sv[0] ? ts->promise_sv : title_of(ts));
    fprintf(f, " &ndash; uppföljning %s</title>\n<style>\n%s</style>\n</head>\n<body>\n", to, css);
    /* Shared patterns; a zero-size svg, not display:none, or some engines
     * drop the references when printing. */
    fputs("<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>"
          "<pattern id=\"hatch-blue\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" "
          "patternTransform=\"rotate(45)\"><rect width=\"4\" height=\"4\" fill=\"#dbe6f5\"/>"
          "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"4\" stroke=\"" C_BAR "\" stroke-width=\"2\"/>"
          "</pattern>"
          "<pattern id=\"hatch-amber\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" "
          "patternTransform=\"rotate(45)\"><rect width=\"4\" height=\"4\" fill=\"#fde7c2\"/>"
          "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"4\" stroke=\"" C_BEHIND "\" stroke-width=\"2\"/>"
          "</pattern>"
          "<pattern id=\"hatch-grey\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" "
          "patternTransform=\"rotate(45)\"><rect width=\"4\" height=\"4\" fill=\"#eeeeee\"/>"
          "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"4\" stroke=\"#888\" stroke-width=\"1.5\"/>"
          "</pattern></defs></svg>\n", f);

    fputs("<header>\n<h1>", f);
    html_text(f, ts->promise_sv[0] ? ts->promise_sv : title_of(ts));
    fputs("</h1>\n<p class=\"meta\">", f);
    if (ts->promise_sv[0] && ts->promise[0]) {
        html_text(f, ts->promise);
        fputs("<br>", f);
    }
    fprintf(f, "Uppföljning / Follow-up %s &ndash; %s, läget per / as of %s. "
               "Målfil / targets file: <code>", from, to, to);
    html_text(f, file_name(o->targets_path ? o->targets_path : ts->source));
    fputs("</code>.</p>\n", f);
    if (o->public_mode)
        fprintf(f, "<p class=\"notice\">Offentlig version: antal under %d visas som &lt;%d så "
                   "att ingen enskild kan pekas ut. / Public version: counts below %d are shown "
                   "as &lt;%d so that no individual can be singled out.</p>\n",
                o->min_count, o->min_count, o->min_count, o->min_count);
    if (strstr(ts->promise, "llustrative") || strstr(ts->promise_sv, "llustrativ"))
        fputs("<p class=\"notice\">Målen är illustrativa, inte beslutade av polisen eller "
              "kommunen. / The targets are illustrative, not decided by the police or the "
              "municipality.</p>\n", f);
    fputs("</header>\n", f);

    /* Summary: every promise item, with or without targets. */
    fputs("<section class=\"summary\">\n<h2>Sammanfattning <span class=\"en\">/ Summary"
          "</span></h2>\n<table class=\"summary\"><colgroup><col style=\"width:4%\">"
          "<col style=\"width:27%\"><col style=\"width:22%\"><col style=\"width:15%\">"
          "<col style=\"width:14%\"><col style=\"width:18%\"></colgroup>\n<tr><th>#</th><th>Löftespunkt / Promise item</th>"
          "<th>Mål / Target</th><th>Regel / Rule</th><th>Uppfyllda / Periods met</th>"
          "<th>Pågående (pro rata) / Current</th></tr>\n", f);
    for (item = 1; item <= TARGET_ITEM_MAX; item++) {
        int n = 0, k = 0;
        for (i = 0; i < r->ntargets; i++)
            n += (r->targets[i].target->items >> item) & 1u;
        fprintf(f, "<tr><td rowspan=\"%d\">%d</td><td rowspan=\"%d\">", n ? n : 1, item,
                n ? n : 1);
        html_text(f, targets_item_title(item, 1));
        fprintf(f, "<br><span class=\"en\">%s (%s / %s)</span></td>", targets_item_title(item, 0),
                targets_item_who(item, 1), targets_item_who(item, 0));
        if (!n)
            fputs("<td colspan=\"4\" class=\"none\">Inget mål i målfilen / no target in the "
                  "targets file</td></tr>\n", f);
        for (i = 0; i < r->ntargets; i++) {
            if (!((r->targets[i].target->items >> item) & 1u))
                continue;
            if (k++)
                fputs("<tr>", f);
            summary_row(f, &r->targets[i], o);
            fputs("</tr>\n", f);
        }
    }
    fputs("</table>\n", f);
    fprintf(f, "<p class=\"meta\">Odaterade registreringar (enhetens klocka ej ställd), i ingen "
               "period / undated records (device clock not set), in no period: %lld.</p>\n",
            (long long)r->undated_total);
    fputs("</section>\n", f);

    /* One section per promise item that has targets. */
    for (item = 1; item <= TARGET_ITEM_MAX; item++) {
        int any = 0;
        for (i = 0; i < r->ntargets; i++)
            any |= (r->targets[i].target->items >> item) & 1u;
        if (!any)
            continue;
        fprintf(f, "<section class=\"item\" id=\"item-%d\">\n<h2>%d. ", item, item);
        html_text(f, targets_item_title(item, 1));
        fprintf(f, " <span class=\"en\">/ %s</span></h2>\n<p class=\"meta\">Ansvar / "
                   "responsible: %s / %s</p>\n",
                targets_item_title(item, 0), targets_item_who(item, 1), targets_item_who(item, 0));
        for (i = 0; i < r->ntargets; i++)
            if ((r->targets[i].target->items >> item) & 1u)
                target_html(f, &r->targets[i], o);
        fputs("</section>\n", f);
    }

    fputs("<section class=\"notes\">\n<h2>Så räknas det <span class=\"en\">/ How it is "
          "counted</span></h2>\n<ul>\n"
          "<li>Varje registrering är ett stopp, en kontroll eller ett pass, loggat av "
          "tjänstepersonen när det sker. Makulerade registreringar räknas inte. / Every record is "
          "one stop, check or session, logged when it happens. Voided records do not count.</li>\n"
          "<li>Perioder räknas i svensk tid (Europe/Stockholm); sommartid flyttar timmen, inte "
          "dagen. Veckor är ISO-veckor (måndag&ndash;söndag). / Periods are counted in "
          "Europe/Stockholm local time; summer time moves the hour, not the day. Weeks are ISO "
          "weeks.</li>\n"
          "<li>Bara hela perioder inom målets giltighetstid bedöms. Den pågående perioden bedöms "
          "inte utan jämförs med målet pro rata: målet gånger andel förfluten tid. / Only whole "
          "periods inside a target's validity are judged; the running period is compared with "
          "the target pro rata (target times share of the period elapsed).</li>\n"
          "<li>Säsong: bara dagar i säsongens månader räknas; en vecka hör till den månad där "
          "dess torsdag ligger. / Season: only days in the season's months count; a week "
          "belongs to the month of its Thursday.</li>\n"
          "<li>Registreringar från en enhet utan ställd klocka saknar datum och räknas separat. "
          "/ Records from a device whose clock was not set have no date and are counted "
          "separately.</li>\n", f);
    if (o->public_mode)
        fprintf(f, "<li>Antal under %d visas som &lt;%d. / Counts below %d are shown as "
                   "&lt;%d.</li>\n", o->min_count, o->min_count, o->min_count, o->min_count);
    fputs("</ul>\n</section>\n<footer>lofte-report", f);
    if (o->generated) {
        int64_t min = ((int64_t)o->generated - 1577836800LL) / 60;
        int lm = cal_local_minute_of_day(min);
        char d[CAL_DATE_LEN];
        cal_format_date(cal_local_day(min), d);
        fprintf(f, " &middot; skapad / generated %s %02d:%02d", d, lm / 60, lm % 60);
    }
    fputs("</footer>\n</body>\n</html>\n", f);
}

int report_write(FILE *out, const struct eval_result *r, const struct target_set *ts,
                 const struct report_options *o)
{
    switch (o->format) {
    case REPORT_TABLE: write_table(out, r, ts, o); break;
    case REPORT_CSV:
    case REPORT_CSV_SV: write_csv(out, o->format, r, o); break;
    case REPORT_JSON: write_json(out, r, ts, o); break;
    case REPORT_HTML: write_html(out, r, ts, o); break;
    default: return REPORT_ERR_USAGE;
    }
    return (fflush(out) != 0 || ferror(out)) ? REPORT_ERR_IO : REPORT_OK;
}

/* ---- --sql ----------------------------------------------------------------- */

/* the SELECT that reads a PostgreSQL query's copied rows: ~40 bytes a column */
#define REPORT_SQL_PG_SELECT_MAX 65536

struct deadline {
    struct timespec at;
    int hit;
};

static int past_deadline(void *arg)
{
    struct deadline *d = arg;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > d->at.tv_sec || (now.tv_sec == d->at.tv_sec && now.tv_nsec >= d->at.tv_nsec)) {
        d->hit = 1;
        return 1; /* non-zero interrupts the statement */
    }
    return 0;
}

static int sql_authorize(void *arg, int action, const char *a, const char *b, const char *db,
                         const char *trigger)
{
    (void)arg;
    (void)db;
    (void)trigger;
    switch (action) {
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
        return SQLITE_DENY;
    case SQLITE_PRAGMA:
        /* Reading pragmas (table_info(x)) is fine; setting the ones that
         * guard the connection is not. */
        if (b && a && (strcmp(a, "query_only") == 0 || strcmp(a, "writable_schema") == 0 ||
                       strcmp(a, "trusted_schema") == 0))
            return SQLITE_DENY;
        return SQLITE_OK;
    default:
        return SQLITE_OK;
    }
}

static void sql_cell_text(sqlite3_stmt *s, int c, char *buf, size_t n)
{
    switch (sqlite3_column_type(s, c)) {
    case SQLITE_NULL: snprintf(buf, n, "NULL"); break;
    case SQLITE_INTEGER: snprintf(buf, n, "%lld", (long long)sqlite3_column_int64(s, c)); break;
    case SQLITE_FLOAT: snprintf(buf, n, "%.10g", sqlite3_column_double(s, c)); break;
    case SQLITE_BLOB: snprintf(buf, n, "<blob %d bytes>", sqlite3_column_bytes(s, c)); break;
    default: snprintf(buf, n, "%s", (const char *)sqlite3_column_text(s, c)); break;
    }
}

/* Buffered rows for the aligned table. */
struct table_rows {
    char **cells;     /* rows * cols strings */
    size_t rows, cap;
};

static int sql_print(sqlite3 *db, sqlite3_stmt *s, enum report_format fmt, FILE *out,
                     struct deadline *dl, char *err, size_t errlen)
{
    int cols = sqlite3_column_count(s), c, step, rc = REPORT_OK;
    size_t row = 0, i;
    char cell[4096];
    struct table_rows tr = {0};
    struct csv csv = {NULL, ',', 0};
    size_t *width = calloc((size_t)(cols > 0 ? cols : 1), sizeof *width);

    if (!width)
        return errbuf_fail(err, errlen, REPORT_ERR_NOMEM, "out of memory");
    if (fmt == REPORT_CSV || fmt == REPORT_CSV_SV) {
        csv = csv_of(out, fmt);
        for (c = 0; c < cols; c++)
            csv_text(&csv, sqlite3_column_name(s, c), c == cols - 1);
    }
    if (fmt == REPORT_JSON)
        fputs("[", out);
    for (c = 0; c < cols; c++)
        width[c] = strlen(sqlite3_column_name(s, c));

    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        /* Between rows the virtual machine is not running, so its progress
         * handler is not called: formatting and writing a row (to a slow
         * pipe, say) are held to the deadline here. */
        if (past_deadline(dl))
            break;
        if (fmt == REPORT_CSV || fmt == REPORT_CSV_SV) {
            for (c = 0; c < cols; c++) {
                int type = sqlite3_column_type(s, c);
                if (type == SQLITE_NULL)
                    cell[0] = 0;
                else
                    sql_cell_text(s, c, cell, sizeof cell);
                /* only SQLite's numbers are numbers: a TEXT '-5' is text */
                if (type == SQLITE_INTEGER || type == SQLITE_FLOAT)
                    csv_num(&csv, cell, c == cols - 1);
                else
                    csv_text(&csv, cell, c == cols - 1);
            }
        } else if (fmt == REPORT_JSON) {
            fprintf(out, "%s\n  {", row ? "," : "");
            for (c = 0; c < cols; c++) {
                fprintf(out, "%s", c ? ", " : "");
                json_str(out, sqlite3_column_name(s, c));
                fputs(": ", out);
                switch (sqlite3_column_type(s, c)) {
                case SQLITE_NULL: fputs("null", out); break;
                case SQLITE_INTEGER:
                case SQLITE_FLOAT:
                    sql_cell_text(s, c, cell, sizeof cell);
                    fputs(cell, out);
                    break;
                default:
                    sql_cell_text(s, c, cell, sizeof cell);
                    json_str(out, cell);
                }
            }
            fputs("}", out);
        } else {
            if (tr.rows == REPORT_SQL_TABLE_ROWS_MAX) {
                rc = errbuf_fail(err, errlen, REPORT_ERR_SQL,
                          "the query returned more than %d rows; the table format aligns "
                          "columns in memory, so use --format csv or json, or add LIMIT",
                          REPORT_SQL_TABLE_ROWS_MAX);
                break;
            }
            if (tr.rows == tr.cap) {
                size_t ncap = tr.cap ? tr.cap * 2 : 64;
                char **nc = realloc(tr.cells, ncap * (size_t)cols * sizeof *nc);
                if (!nc) {
                    rc = errbuf_fail(err, errlen, REPORT_ERR_NOMEM, "out of memory");
                    break;
                }
                tr.cells = nc;
                tr.cap = ncap;
            }
            for (c = 0; c < cols; c++) {
                size_t l;
                sql_cell_text(s, c, cell, sizeof cell);
                l = strlen(cell);
                tr.cells[tr.rows * (size_t)cols + (size_t)c] = malloc(l + 1);
                if (tr.cells[tr.rows * (size_t)cols + (size_t)c])
                    memcpy(tr.cells[tr.rows * (size_t)cols + (size_t)c], cell, l + 1);
                if (l > width[c])
                    width[c] = l;
            }
            tr.rows++;
        }
        row++;
    }
    if (rc == REPORT_OK && step == SQLITE_TOOBIG)
        rc = errbuf_fail(err, errlen, REPORT_ERR_SQL,
                         "the query made a value larger than --sql allows (%d MiB): %s",
                         REPORT_SQL_LENGTH_MAX >> 20, sqlite3_errmsg(db));
    else if (rc == REPORT_OK && step == SQLITE_NOMEM)
        rc = errbuf_fail(err, errlen, REPORT_ERR_SQL,
                         "the query needs more memory than --sql allows (%lld MiB)",
                         REPORT_SQL_HEAP_MAX >> 20);
    else if (rc == REPORT_OK && step != SQLITE_ROW && step != SQLITE_DONE && !dl->hit)
        rc = errbuf_fail(err, errlen, REPORT_ERR_SQL, "the query failed: %s", sqlite3_errmsg(db));
    if (rc == REPORT_OK) {
        if (fmt == REPORT_JSON) {
            fputs(row ? "\n]\n" : "]\n", out);
        } else if (fmt == REPORT_TABLE) {
            /* The last column is not padded: no trailing blanks. */
            for (c = 0; c < cols; c++)
                fprintf(out, "%-*s%s", c == cols - 1 ? 0 : (int)width[c],
                        sqlite3_column_name(s, c), c == cols - 1 ? "\n" : "  ");
            for (c = 0; c < cols; c++) {
                for (i = 0; i < width[c]; i++)
                    fputc('-', out);
                fputs(c == cols - 1 ? "\n" : "  ", out);
            }
            for (i = 0; i < tr.rows; i++)
                for (c = 0; c < cols; c++) {
                    const char *v = tr.cells[i * (size_t)cols + (size_t)c];
                    fprintf(out, "%-*s%s", c == cols - 1 ? 0 : (int)width[c], v ? v : "?",
                            c == cols - 1 ? "\n" : "  ");
                }
            fprintf(out, "(%zu row%s)\n", tr.rows, tr.rows == 1 ? "" : "s");
        }
    }
    for (i = 0; i < tr.rows * (size_t)cols; i++)
        free(tr.cells[i]);
    free(tr.cells);
    free(width);
    return rc;
}

int report_sql(const char *db_path, const char *sql, enum report_format fmt, double timeout_s,
               FILE *out, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    struct deadline dl;
    const char *tail = NULL;
    sqlite3_int64 heap_before;
    char *pg_select = NULL;
    int rc = REPORT_OK;

    if (fmt == REPORT_HTML)
        return errbuf_fail(err, errlen, REPORT_ERR_USAGE, "--sql prints table, csv, csv-sv or json, not html");
    /* process-wide: restored before returning */
    heap_before = sqlite3_hard_heap_limit64(REPORT_SQL_HEAP_MAX);
    if (pgread_is_uri(db_path)) {
        /* PostgreSQL (pgread.h): the server runs the query read-only under
         * statement_timeout, its rows land in memory (within the heap
         * limit above), and the SQLite path below prints them */
        int t;
        if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
                SQLITE_OK ||
            !(pg_select = malloc(REPORT_SQL_PG_SELECT_MAX))) {
            rc = errbuf_fail(err, errlen, REPORT_ERR_NOMEM, "out of memory");
            goto out;
        }
        t = pgread_query(db, db_path, sql, timeout_s, pg_select, REPORT_SQL_PG_SELECT_MAX, err,
                         errlen);
        if (t == 1) {
            rc = errbuf_fail(err, errlen, REPORT_ERR_TIMEOUT,
                             "the query was stopped after %g s (--sql-timeout); narrow it, e.g. "
                             "query the daily table instead of records, or add a WHERE on day",
                             timeout_s);
            goto out;
        }
        if (t != 0) {
            rc = REPORT_ERR_SQL;
            goto out;
        }
        sql = pg_select;
    } else if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        rc = errbuf_fail(err, errlen, REPORT_ERR_DB, "cannot open %s read-only: %s", db_path,
                  db ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    /* Belt and braces: the file is read-only, the connection refuses
     * writes even to TEMP, and the authorizer refuses to undo either. */
    if (sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL) != SQLITE_OK ||
        rollup_register_functions(db) != ROLLUP_OK ||
        sqlite3_set_authorizer(db, sql_authorize, NULL) != SQLITE_OK) {
        rc = errbuf_fail(err, errlen, REPORT_ERR_DB, "cannot prepare a read-only connection to %s: %s",
                  db_path, sqlite3_errmsg(db));
        goto out;
    }
    /* no value above this size: randomblob(900000000) fails at once
     * instead of running for seconds where the deadline cannot see it */
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, REPORT_SQL_LENGTH_MAX);
    clock_gettime(CLOCK_MONOTONIC, &dl.at);
    dl.at.tv_sec += (time_t)timeout_s;
    dl.at.tv_nsec += (long)((timeout_s - floor(timeout_s)) * 1e9);
    if (dl.at.tv_nsec >= 1000000000L) {
        dl.at.tv_sec++;
        dl.at.tv_nsec -= 1000000000L;
    }
    dl.hit = 0;
    /* Checked every 1000 virtual machine instructions: microseconds apart. */
    sqlite3_progress_handler(db, 1000, past_deadline, &dl);

    if (sqlite3_prepare_v2(db, sql, -1, &s, &tail) != SQLITE_OK) {
        rc = errbuf_fail(err, errlen, REPORT_ERR_SQL, "the query does not compile: %s",
                  sqlite3_errmsg(db));
        goto out;
    }
    if (!s) {
        rc = errbuf_fail(err, errlen, REPORT_ERR_SQL, "the query is empty");
        goto out;
    }
    while (tail && (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' ||
                    *tail == ';'))
        tail++;
    if (tail && *tail) {
        rc = errbuf_fail(err, errlen, REPORT_ERR_SQL,
                  "only one statement per --sql; the text after the first ends with '%.40s'",
                  tail);
        goto out;
    }
    if (!sqlite3_stmt_readonly(s)) {
        rc = errbuf_fail(err, errlen, REPORT_ERR_SQL,
                  "--sql runs read-only queries; this statement would change the database");
        goto out;
    }
    rc = sql_print(db, s, fmt, out, &dl, err, errlen);
    if (dl.hit)
        rc = errbuf_fail(err, errlen, REPORT_ERR_TIMEOUT,
                  "the query was stopped after %g s (--sql-timeout); narrow it, e.g. query "
                  "the daily table instead of records, or add a WHERE on day",
                  timeout_s);
out:
    sqlite3_finalize(s);
    sqlite3_close(db);
    free(pg_select);
    sqlite3_hard_heap_limit64(heap_before);
    if (rc == REPORT_OK && (fflush(out) != 0 || ferror(out)))
        rc = errbuf_fail(err, errlen, REPORT_ERR_IO, "cannot write the query's output: %s",
                  strerror(errno));
    return rc;
}

/* ---- command line ------------------------------------------------------------ */

enum opt_id {
    O_DB, O_TARGETS, O_FROM, O_TO, O_FORMAT, O_OUT, O_PUBLIC, O_MIN_COUNT, O_SQL,
    O_SQL_TIMEOUT, O_HELP, O_COUNT
};

/* The one table of options: the parser and --help both read it. */
static const struct {
    const char *name;
    const char *arg;   /* NULL: a flag */
    const char *help;
} options[O_COUNT] = {
    {"--db", "FILE|URI", "the collector's SQLite database (opened read-only), or its "
                         "PostgreSQL as postgresql://analyst@host/lofte; required"},
    {"--targets", "FILE", "targets file (docs/targets.md); default: the shipped Hammarö file"},
    {"--from", "YYYY-MM-DD", "first day of the range; default: the targets' first valid day"},
    {"--to", "YYYY-MM-DD", "as-of day, inclusive; default: today (Europe/Stockholm)"},
    {"--format", "FMT", "table (default), csv, csv-sv (';' and decimal comma), json or html"},
    {"--out", "FILE", "write there (atomically) instead of standard output"},
    {"--public", NULL, "suppress counts below --min-count, for publication"},
    {"--min-count", "N", "smallest count a public report shows (default 5)"},
    {"--sql", "\"SELECT ...\"", "run one read-only query and print its rows (table/csv/json)"},
    {"--sql-timeout", "SECONDS", "stop a --sql query after this long (default 10)"},
    {"--help", NULL, "print this help"},
};

void report_usage(FILE *out)
{
    int i;
    fprintf(out, "usage: lofte-report --db FILE [options]\n"
                 "Follow-up of a citizen promise from the lofte collector's database.\n\n");
    for (i = 0; i < O_COUNT; i++) {
        char left[48];
        snprintf(left, sizeof left, "%s%s%s", options[i].name, options[i].arg ? " " : "",
                 options[i].arg ? options[i].arg : "");
        fprintf(out, "  %-28s %s\n", left, options[i].help);
    }
    fprintf(out, "\nExamples:\n"
                 "  lofte-report --db lofte.db --format html --out uppfoljning.html\n"
                 "  lofte-report --db lofte.db --public --format csv\n"
                 "  lofte-report --db lofte.db --sql \"SELECT * FROM daily LIMIT 10\"\n");
}

static int parse_format(const char *v, enum report_format *f)
{
    /* indexed by enum report_format */
    static const char *const names[] = {"table", "csv", "json", "html", "csv-sv"};
    int i;
    for (i = 0; i < 5; i++)
        if (strcmp(v, names[i]) == 0) {
            *f = (enum report_format)i;
            return 0;
        }
    return -1;
}

int report_config_parse(int argc, char **argv, struct report_config *cfg, char *err,
                        size_t errlen)
{
    int i, seen[O_COUNT] = {0};

    memset(cfg, 0, sizeof *cfg);
    cfg->targets_path = LOFTE_DEFAULT_TARGETS;
    cfg->min_count = REPORT_MIN_COUNT_DEFAULT;
    cfg->sql_timeout_s = REPORT_SQL_TIMEOUT_DEFAULT;
    cfg->format = REPORT_TABLE;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL, *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        int o;
        char *end;
        for (o = 0; o < O_COUNT; o++)
            if (strlen(options[o].name) == nl && strncmp(a, options[o].name, nl) == 0)
                break;
        if (o == O_COUNT)
            return errbuf_fail(err, errlen, REPORT_ERR_USAGE, "unknown option '%s' (see --help)", a);
        if (seen[o]++)
            return errbuf_fail(err, errlen, REPORT_ERR_USAGE, "%s is given twice", options[o].name);
        if (options[o].arg) {
            if (eq)
                v = eq + 1;
            else if (i + 1 < argc)
                v = argv[++i];
            else
                return errbuf_fail(err, errlen, REPORT_ERR_USAGE, "%s needs a value (%s)",
                            options[o].name, options[o].arg);
        } else if (eq) {
            return errbuf_fail(err, errlen, REPORT_ERR_USAGE, "%s takes no value", options[o].name);
        }
        switch (o) {
        case O_DB: cfg->db_path = v; break;
        case O_TARGETS: cfg->targets_path = v; break;
        case O_OUT: cfg->out_path = v; break;
        case O_SQL: cfg->sql = v; break;
        case O_PUBLIC: cfg->public_mode = 1; break;
        case O_HELP: cfg->help = 1; break;
        case O_FROM:
        case O_TO:
            if (cal_parse_date(v, o == O_FROM ? &cfg->from : &cfg->to) != CAL_OK)
                return errbuf_fail(err, errlen, REPORT_ERR_USAGE,
                            "%s '%s' is not a date YYYY-MM-DD", options[o].name, v);
            *(o == O_FROM ? &cfg->has_from : &cfg->has_to) = 1;
            break;
        case O_FORMAT:
            if (parse_format(v, &cfg->format) != 0)
                return errbuf_fail(err, errlen, REPORT_ERR_USAGE,
                            "--format '%s' is not table, csv, csv-sv, json or html", v);
            break;
        case O_MIN_COUNT: {
            long n;
            errno = 0;
            n = strtol(v, &end, 10);
            if (errno || end == v || *end || n < 1 || n > 1000)
                return errbuf_fail(err, errlen, REPORT_ERR_USAGE,
                            "--min-count '%s' is not a whole number 1..1000", v);
            cfg->min_count = (int)n;
            break;
        }
        case O_SQL_TIMEOUT:
            errno = 0;
            cfg->sql_timeout_s = strtod(v, &end);
            if (errno || end == v || *end || !(cfg->sql_timeout_s >= 0.01) ||
                cfg->sql_timeout_s > 86400)
                return errbuf_fail(err, errlen, REPORT_ERR_USAGE,
                            "--sql-timeout '%s' is not a number of seconds (0.01..86400)", v);
            break;
        default: break;
        }
    }
    /* config_check: the combinations. */
    if (cfg->help)
        return REPORT_OK;
    if (!cfg->db_path)
        return errbuf_fail(err, errlen, REPORT_ERR_USAGE, "--db FILE is required (see --help)");
    if (seen[O_MIN_COUNT] && !cfg->public_mode)
        return errbuf_fail(err, errlen, REPORT_ERR_USAGE, "--min-count only applies with --public");
    if (cfg->sql) {
        if (cfg->public_mode)
            return errbuf_fail(err, errlen, REPORT_ERR_USAGE,
                        "--sql returns raw rows, which --public cannot make safe to publish");
        if (cfg->format == REPORT_HTML)
            return errbuf_fail(err, errlen, REPORT_ERR_USAGE, "--sql prints table, csv, csv-sv or json, not html");
        if (seen[O_FROM] || seen[O_TO] || seen[O_TARGETS])
            return errbuf_fail(err, errlen, REPORT_ERR_USAGE,
                        "--from, --to and --targets do not apply to --sql (filter in the query)");
    } else if (seen[O_SQL_TIMEOUT]) {
        return errbuf_fail(err, errlen, REPORT_ERR_USAGE, "--sql-timeout only applies with --sql");
    }
    if (!cfg->sql && !cfg->targets_path)
        return errbuf_fail(err, errlen, REPORT_ERR_USAGE, "--targets FILE is required (this build has "
                    "no default targets file)");
    if (cfg->has_from && cfg->has_to && cfg->from > cfg->to)
        return errbuf_fail(err, errlen, REPORT_ERR_USAGE, "--to is before --from");
    return REPORT_OK;
}

static int run_followup(const struct report_config *cfg, time_t now, FILE *out, char *err,
                        size_t errlen)
{
    struct target_set ts;
    struct eval_result *r = NULL;
    struct report_options o;
    sqlite3 *db = NULL;
    int32_t from, to, last = INT32_MIN;
    size_t i;
    int rc;

    if (targets_load(cfg->targets_path, &ts, err, errlen) != TARGETS_OK)
        return REPORT_ERR_TARGETS;
    /* Defaults: the whole promise so far. */
    from = ts.targets[0].valid_from;
    for (i = 0; i < ts.count; i++) {
        if (ts.targets[i].valid_from < from)
            from = ts.targets[i].valid_from;
        if (ts.targets[i].valid_to > last)
            last = ts.targets[i].valid_to;
    }
    if (cfg->has_from)
        from = cfg->from;
    to = cfg->has_to ? cfg->to : cal_day_from_unix(now);
    if (!cfg->has_to && to > last)
        to = last; /* after the promise ended, the report is the final one */
    if (to < from) {
        char a[CAL_DATE_LEN], b[CAL_DATE_LEN];
        cal_format_date(from, a);
        cal_format_date(to, b);
        rc = errbuf_fail(err, errlen, REPORT_ERR_USAGE,
                  "the range would end (%s) before it starts (%s); give --from/--to", b, a);
        goto out;
    }
    if (pgread_is_uri(cfg->db_path)) {
        /* PostgreSQL: its rollups, copied into memory (pgread.h) */
        if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
                SQLITE_OK ||
            pgread_rollups(db, cfg->db_path, err, errlen) != 0) {
            if (!db)
                errbuf_say(err, errlen, "out of memory");
            rc = REPORT_ERR_DB;
            goto out;
        }
    } else if (sqlite3_open_v2(cfg->db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        rc = errbuf_fail(err, errlen, REPORT_ERR_DB, "cannot open %s read-only: %s", cfg->db_path,
                  db ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    if (evaluate(db, &ts, from, to, EVAL_ROLLUPS, &r, err, errlen) != EVAL_OK) {
        rc = REPORT_ERR_EVAL;
        goto out;
    }
    memset(&o, 0, sizeof o);
    o.format = cfg->format;
    o.public_mode = cfg->public_mode;
    o.min_count = cfg->min_count;
    o.targets_path = cfg->targets_path;
    o.generated = now;
    rc = report_write(out, r, &ts, &o);
    if (rc != REPORT_OK)
        errbuf_fail(err, errlen, rc, "cannot write the report: %s", strerror(errno));
out:
    eval_free(r);
    sqlite3_close(db);
    targets_free(&ts);
    return rc;
}

int report_run(const struct report_config *cfg, time_t now, char *err, size_t errlen)
{
    FILE *out = stdout;
    char tmp[4096];
    int rc;

    if (cfg->help) {
        report_usage(stdout);
        return REPORT_OK;
    }
    if (cfg->out_path) {
        if (snprintf(tmp, sizeof tmp, "%s.tmp", cfg->out_path) >= (int)sizeof tmp)
            return errbuf_fail(err, errlen, REPORT_ERR_USAGE, "--out path is too long");
        out = fopen(tmp, "wb");
        if (!out)
            return errbuf_fail(err, errlen, REPORT_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
    }
    if (cfg->sql)
        rc = report_sql(cfg->db_path, cfg->sql, cfg->format, cfg->sql_timeout_s, out, err, errlen);
    else
        rc = run_followup(cfg, now, out, err, errlen);
    if (cfg->out_path) {
        if (fclose(out) != 0 && rc == REPORT_OK)
            rc = errbuf_fail(err, errlen, REPORT_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
        if (rc == REPORT_OK && rename(tmp, cfg->out_path) != 0)
            rc = errbuf_fail(err, errlen, REPORT_ERR_IO, "cannot rename %s to %s: %s", tmp,
                      cfg->out_path, strerror(errno));
        if (rc != REPORT_OK)
            remove(tmp);
    }
    return rc;
}
