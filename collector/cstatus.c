/* cstatus.c -- the collector's status files and metrics (see cstatus.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clog.h"
#include "cstatus.h"
#include "metrics.h"
#include "statefile.h"
#include "zap.h"

/* The database's bytes on disk: the file and its write-ahead log. */
static long long db_bytes(const char *path)
{
    char wal[4200];
    struct stat st;
    long long n = 0;
    if (stat(path, &st) == 0)
        n += (long long)st.st_size;
    snprintf(wal, sizeof wal, "%s-wal", path);
    if (stat(wal, &st) == 0)
        n += (long long)st.st_size;
    return n;
}

/* A JSON string of text we wrote ourselves or checked (gateway names are
 * [A-Za-z0-9._-], zap.c; error sentences may hold a path): escape " and \ */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if ((unsigned char)*s < 0x20)
            fputc(' ', f);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void write_json(const struct cstatus *cs, const struct intake *in, FILE *f, int64_t now)
{
    const struct intake_stats *s = intake_stats(in);
    const struct zap_allowed *a = intake_allowed(in);
    const struct zap_stats *z = intake_zap_stats(in);
    const char *why = "";
    int stopped = intake_stopped(in, &why);
    size_t k;

    fprintf(f, "{\n  \"time_ms\": %lld,\n  \"uptime_s\": %lld,\n  \"endpoint\": ",
            (long long)now, (long long)((now - cs->started_ms) / 1000));
    json_str(f, intake_endpoint(in));
    fprintf(f, ",\n  \"intake\": {\"stopped\": %s, \"reason\": ", stopped ? "true" : "false");
    json_str(f, stopped ? why : "");
    fprintf(f, ", \"batches\": %llu, \"rows_new\": %llu, \"rows_duplicate\": %llu, "
               "\"rows_conflict\": %llu, \"rows_quarantined\": %llu, \"malformed\": %llu, "
               "\"refused_full\": %llu, \"refused_error\": %llu, \"acks_sent\": %llu, "
               "\"replies_lost\": %llu},\n",
            (unsigned long long)s->batches, (unsigned long long)s->rows_inserted,
            (unsigned long long)s->rows_duplicate, (unsigned long long)s->rows_conflict,
            (unsigned long long)s->rows_quarantined, (unsigned long long)s->malformed,
            (unsigned long long)s->refused_full, (unsigned long long)s->refused_error,
            (unsigned long long)s->acks_sent, (unsigned long long)s->replies_lost);
    fprintf(f, "  \"auth\": {\"allowed\": %llu, \"denied\": %llu, \"malformed\": %llu},\n",
            (unsigned long long)z->allowed, (unsigned long long)z->denied,
            (unsigned long long)z->malformed);
    fprintf(f, "  \"database\": {\"path\": ");
    json_str(f, cs->db_path);
    fprintf(f, ", \"bytes\": %lld},\n  \"gateways\": [", db_bytes(cs->db_path));
    for (k = 0; k < a->count; k++) {
        fprintf(f, "%s\n    {\"name\": ", k ? "," : "");
        json_str(f, a->gw[k].name);
        fprintf(f, ", \"public_key\": ");
        json_str(f, a->gw[k].public_z85);
        fprintf(f, ", \"last_batch_ms\": %lld}", (long long)intake_gateway_last_batch_ms(in, k));
    }
    fprintf(f, "\n  ]\n}\n");
}

static void write_text(const struct cstatus *cs, const struct intake *in, FILE *f, int64_t now)
{
    const struct intake_stats *s = intake_stats(in);
    const struct zap_allowed *a = intake_allowed(in);
    const struct zap_stats *z = intake_zap_stats(in);
    const char *why = "";
    int stopped = intake_stopped(in, &why);
    time_t tt = (time_t)(now / 1000);
    struct tm tm;
    char when[32];
    size_t k;

    localtime_r(&tt, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(f, "lofte collector at %s (up %llds), listening on %s\n\n", when,
            (long long)((now - cs->started_ms) / 1000), intake_endpoint(in));
    fprintf(f, "intake     %s%s%s\n", stopped ? "STOPPED" : "storing", stopped ? ": " : "",
            stopped ? why : "");
    fprintf(f, "batches    %llu stored; refused %llu (disk full), %llu (database error), "
               "%llu malformed\n",
            (unsigned long long)s->batches, (unsigned long long)s->refused_full,
            (unsigned long long)s->refused_error, (unsigned long long)s->malformed);
    fprintf(f, "rows       %llu new, %llu duplicates, %llu conflicting, %llu quarantined\n",
            (unsigned long long)s->rows_inserted, (unsigned long long)s->rows_duplicate,
            (unsigned long long)s->rows_conflict, (unsigned long long)s->rows_quarantined);
    fprintf(f, "gateways   %llu handshakes let in, %llu refused\n",
            (unsigned long long)z->allowed, (unsigned long long)z->denied);
    fprintf(f, "database   %s, %lld bytes\n\n", cs->db_path, db_bytes(cs->db_path));
    fprintf(f, "gateway                           last batch\n");
    for (k = 0; k < a->count; k++) {
        int64_t t = intake_gateway_last_batch_ms(in, k);
        if (t)
            fprintf(f, "%-32s  %llds ago\n", a->gw[k].name, (long long)((now - t) / 1000));
        else
            fprintf(f, "%-32s  none since the start\n", a->gw[k].name);
    }
    fprintf(f, "\n%zu allowed gateways\n", a->count);
}

static void sample1(struct metrics_text *t, const char *name, const char *label,
                    const char *value, double v)
{
    const char *labels[] = {label, value, NULL};
    metrics_text_sample(t, name, label ? labels : NULL, v);
}

static void render(const struct cstatus *cs, const struct intake *in, struct metrics_text *t,
                   int64_t now)
{
    const struct intake_stats *s = intake_stats(in);
    const struct zap_allowed *a = intake_allowed(in);
    const struct zap_stats *z = intake_zap_stats(in);
    size_t k;

    metrics_text_family(t, "lofte_collector_uptime_seconds", "gauge",
                        "seconds since the daemon started");
    metrics_text_sample(t, "lofte_collector_uptime_seconds", NULL,
                        (double)((now - cs->started_ms) / 1000));
    metrics_text_family(t, "lofte_collector_batches_total", "counter",
                        "batches from gateways stored and acknowledged");
    metrics_text_sample(t, "lofte_collector_batches_total", NULL, (double)s->batches);
    metrics_text_family(t, "lofte_collector_batches_refused_total", "counter",
                        "batches answered REFUSED (not stored, the gateway keeps them), by reason");
    sample1(t, "lofte_collector_batches_refused_total", "reason", "storage_full",
            (double)s->refused_full);
    sample1(t, "lofte_collector_batches_refused_total", "reason", "storage_error",
            (double)s->refused_error);
    sample1(t, "lofte_collector_batches_refused_total", "reason", "malformed",
            (double)s->malformed);
    metrics_text_family(t, "lofte_collector_rows_total", "counter",
                        "rows of stored batches by outcome");
    sample1(t, "lofte_collector_rows_total", "outcome", "new", (double)s->rows_inserted);
    sample1(t, "lofte_collector_rows_total", "outcome", "duplicate", (double)s->rows_duplicate);
    sample1(t, "lofte_collector_rows_total", "outcome", "conflict", (double)s->rows_conflict);
    sample1(t, "lofte_collector_rows_total", "outcome", "quarantined",
            (double)s->rows_quarantined);
    metrics_text_family(t, "lofte_collector_replies_total", "counter",
                        "replies: acks sent, replies lost (the gateway was gone)");
    sample1(t, "lofte_collector_replies_total", "outcome", "ack", (double)s->acks_sent);
    sample1(t, "lofte_collector_replies_total", "outcome", "lost", (double)s->replies_lost);
    metrics_text_family(t, "lofte_collector_handshakes_total", "counter",
                        "CURVE handshakes by the ZAP handler's answer");
    sample1(t, "lofte_collector_handshakes_total", "outcome", "allowed", (double)z->allowed);
    sample1(t, "lofte_collector_handshakes_total", "outcome", "denied", (double)z->denied);
    sample1(t, "lofte_collector_handshakes_total", "outcome", "malformed", (double)z->malformed);
    metrics_text_family(t, "lofte_collector_intake_stopped", "gauge",
                        "1 while the store refuses batches (disk full, database error)");
    metrics_text_sample(t, "lofte_collector_intake_stopped", NULL,
                        intake_stopped(in, NULL) ? 1 : 0);
    metrics_text_family(t, "lofte_collector_database_bytes", "gauge",
                        "the database's size on disk, with its write-ahead log");
    metrics_text_sample(t, "lofte_collector_database_bytes", NULL, (double)db_bytes(cs->db_path));
    metrics_text_family(t, "lofte_collector_allowed_gateways", "gauge",
                        "gateways in the allowed-gateways file");
    metrics_text_sample(t, "lofte_collector_allowed_gateways", NULL, (double)a->count);
    metrics_text_family(t, "lofte_collector_gateway_last_batch_timestamp_seconds", "gauge",
                        "Unix time of the gateway's last stored batch (0 = none since the start)");
    for (k = 0; k < a->count; k++)
        sample1(t, "lofte_collector_gateway_last_batch_timestamp_seconds", "gateway",
                a->gw[k].name, (double)intake_gateway_last_batch_ms(in, k) / 1000.0);
}

int cstatus_write(struct cstatus *cs, const struct intake *in, int64_t now_ms)
{
    char tmp[4200];
    FILE *f;
    int rc = -1;
    cs->written_ms = now_ms;
    if ((f = statefile_open_tmp(cs->state_dir, "status.json", tmp, sizeof tmp)) != NULL) {
        write_json(cs, in, f, now_ms);
        if (statefile_publish(f, tmp, cs->state_dir, "status.json") == 0 &&
            (f = statefile_open_tmp(cs->state_dir, "status.txt", tmp, sizeof tmp)) != NULL) {
            write_text(cs, in, f, now_ms);
            rc = statefile_publish(f, tmp, cs->state_dir, "status.txt");
        }
    }
    if (rc != 0 && !cs->warned)
        clog_msg(CLOG_WARN, "cannot write status into %s: %s", cs->state_dir, strerror(errno));
    cs->warned = rc != 0;
    if (cs->metrics) {
        struct metrics_text t;
        metrics_text_init(&t);
        render(cs, in, &t, now_ms);
        if (!metrics_text_failed(&t))
            metrics_publish(cs->metrics, t.buf, t.len);
        metrics_text_free(&t);
    }
    return rc;
}

int cstatus_show(const char *dir)
{
    char path[4200], buf[4096], json[65536];
    struct stat st;
    FILE *f;
    size_t n;
    long age;
    snprintf(path, sizeof path, "%s/status.txt", dir);
    f = fopen(path, "r");
    if (!f || fstat(fileno(f), &st) != 0) {
        fprintf(stderr, "lofte-collector: no status in %s: is the collector running with "
                        "state_dir = %s?\n", dir, dir);
        if (f)
            fclose(f);
        return CSTATUS_NOT_RUNNING;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(f);
    age = (long)(time(NULL) - st.st_mtime);
    if (age > CSTATUS_STALE_S) {
        printf("\nWARNING: this status is %ld s old: the collector is not running or is "
               "stuck.\n", age);
        return CSTATUS_NOT_RUNNING;
    }
    snprintf(path, sizeof path, "%s/status.json", dir);
    if ((f = fopen(path, "r")) == NULL)
        return CSTATUS_NOT_RUNNING;
    n = fread(json, 1, sizeof json - 1, f);
    json[n] = 0;
    fclose(f);
    if (strstr(json, "\"stopped\": true")) {
        printf("\nWARNING: intake is stopped: batches are neither stored nor acknowledged "
               "(the gateways keep them).\n");
        return CSTATUS_STOPPED;
    }
    return CSTATUS_OK;
}
