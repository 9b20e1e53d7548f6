/* main.c -- lofte-collector: gateways' records in, one SQLite database out.
 *
 * Design note. A thin main: parse options from one table (which also prints
 * --help, so the two cannot drift), open the store, open the intake, loop
 * until SIGTERM or SIGINT, close. A signal only sets a flag: the batch in
 * hand is finished (committed and acknowledged, or refused) before the
 * loop looks at it, so a stop never leaves a half-stored batch.
 *
 * Exit status: 0 after a signal, 1 when the intake failed at run time,
 * 2 for bad options or a start-up failure (key file, database, endpoint).
 */
#define _DEFAULT_SOURCE /* getopt_long */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clog.h"
#include "cstatus.h"
#include "intake.h"
#include "metrics.h"
#include "notify.h"
#include "store.h"
#include "version.h"

enum { OPT_DB, OPT_BIND, OPT_SECRET_KEY_FILE, OPT_ALLOWED_GATEWAYS, OPT_STATE_DIR, OPT_METRICS,
       OPT_LOG_LEVEL, OPT_HELP, OPT_COUNT };

static const struct {
    const char *name;
    const char *arg;        /* NULL: a flag without argument */
    const char *def;        /* default, NULL: required (or a flag) */
    const char *help;
} options[OPT_COUNT] = {
    [OPT_DB] = {"db", "PATH", "lofte-collector.db", "the collector database (SQLite, created if missing)"},
    [OPT_BIND] = {"bind", "ENDPOINT", INTAKE_DEFAULT_BIND, "where gateways connect (ZeroMQ endpoint)"},
    [OPT_SECRET_KEY_FILE] = {"secret-key-file", "PATH", NULL,
                             "the collector's CURVE key pair, mode 0600 (lofte-curve-keygen)"},
    [OPT_ALLOWED_GATEWAYS] = {"allowed-gateways", "PATH", NULL,
                              "gateways let in: \"<Z85 public key> <name>\" per line"},
    [OPT_STATE_DIR] = {"state-dir", "DIR", "/var/lib/lofte/collector",
                       "where status.json and status.txt are written every 2 s"},
    [OPT_METRICS] = {"metrics", "ENDPOINT", "",
                     "serve Prometheus metrics, e.g. tcp://127.0.0.1:9811; empty: off"},
    [OPT_LOG_LEVEL] = {"log-level", "LEVEL", "info", "error, warn, info or debug"},
    [OPT_HELP] = {"help", NULL, NULL, "print this text"},
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The loop: batches, and every CSTATUS_PERIOD_MS the status files and the
 * metrics (rendered here, never on the HTTP thread). A batch in hand is
 * always finished before the stop flag is looked at. */
static int run(struct intake *in, struct cstatus *cs)
{
    while (!stop_requested) {
        struct timespec mono;
        int64_t t;
        int rc = intake_step(in, 250);
        clock_gettime(CLOCK_MONOTONIC, &mono);
        notify_watchdog((int64_t)mono.tv_sec * 1000 + mono.tv_nsec / 1000000);
        t = now_ms();
        if (rc < 0) {
            clog_msg(CLOG_ERROR, "intake: poll failed: %s", intake_strerror(rc));
            return rc;
        }
        if (t - cs->written_ms >= CSTATUS_PERIOD_MS)
            cstatus_write(cs, in, t);
    }
    return INTAKE_OK;
}

static void usage(FILE *f)
{
    int i;
    fprintf(f, "usage: lofte-collector --secret-key-file PATH --allowed-gateways PATH [options]\n"
               "       lofte-collector status [STATE_DIR]\n\n");
    for (i = 0; i < OPT_COUNT; i++) {
        char left[48];
        snprintf(left, sizeof left, "--%s%s%s", options[i].name, options[i].arg ? " " : "",
                 options[i].arg ? options[i].arg : "");
        fprintf(f, "  %-28s %s", left, options[i].help);
        if (options[i].def)
            fprintf(f, " [%s]", options[i].def);
        else if (options[i].arg)
            fprintf(f, " (required)");
        fprintf(f, "\n");
    }
}

int main(int argc, char **argv)
{
    struct option longopts[OPT_COUNT + 1];
    const char *val[OPT_COUNT];
    struct intake_config icfg;
    struct sigaction sa;
    struct store *st = NULL;
    struct intake *in = NULL;
    struct cstatus cs;
    char err[512];
    int i, c, level, rc;

    if (version_requested(argc, argv, "lofte-collector"))
        return 0;
    if (argc >= 2 && strcmp(argv[1], "status") == 0) {
        if (argc > 3) {
            fprintf(stderr, "usage: lofte-collector status [STATE_DIR]\n");
            return CSTATUS_USAGE;
        }
        return cstatus_show(argc == 3 ? argv[2] : options[OPT_STATE_DIR].def);
    }
    memset(&cs, 0, sizeof cs);
    memset(longopts, 0, sizeof longopts);
    for (i = 0; i < OPT_COUNT; i++) {
        longopts[i].name = options[i].name;
        longopts[i].has_arg = options[i].arg ? required_argument : no_argument;
        longopts[i].val = 256 + i;
        val[i] = options[i].def;
    }
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c < 256 || c >= 256 + OPT_COUNT) {
            usage(stderr);
            return 2;
        }
        val[c - 256] = optarg ? optarg : "";
    }
    if (val[OPT_HELP]) {
        usage(stdout);
        return 0;
    }
    if (optind != argc) {
        fprintf(stderr, "lofte-collector: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    for (i = 0; i < OPT_COUNT; i++) {
        if (options[i].arg && !val[i]) {
            fprintf(stderr, "lofte-collector: --%s is required\n", options[i].name);
            usage(stderr);
            return 2;
        }
    }
    if ((level = clog_level_parse(val[OPT_LOG_LEVEL])) < 0) {
        fprintf(stderr, "lofte-collector: --log-level must be error, warn, info or debug\n");
        return 2;
    }
    clog_set_level(level);

    /* no SA_RESTART: the signal must interrupt zmq_poll so the loop sees it */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if ((rc = store_open(&st, val[OPT_DB], NULL, err, sizeof err)) != STORE_OK) {
        clog_msg(CLOG_ERROR, "%s", err);
        return 2;
    }
    icfg.bind = val[OPT_BIND];
    icfg.secret_key_file = val[OPT_SECRET_KEY_FILE];
    icfg.allowed_gateways_file = val[OPT_ALLOWED_GATEWAYS];
    if ((rc = intake_open(&in, &icfg, st, err, sizeof err)) != INTAKE_OK) {
        clog_msg(CLOG_ERROR, "%s", err);
        store_close(st);
        return 2;
    }
    cs.state_dir = val[OPT_STATE_DIR];
    cs.db_path = val[OPT_DB];
    cs.started_ms = now_ms();
    if (val[OPT_METRICS][0] &&
        metrics_open(&cs.metrics, val[OPT_METRICS], err, sizeof err) != METRICS_OK) {
        clog_msg(CLOG_ERROR, "%s", err);
        intake_close(in);
        store_close(st);
        return 2;
    }
    cstatus_write(&cs, in, cs.started_ms);
    clog_msg(CLOG_INFO, "lofte-collector: storing into %s", val[OPT_DB]);
    notify_ready("storing");
    rc = run(in, &cs);
    notify_stopping();
    cstatus_write(&cs, in, now_ms());
    {
        const struct intake_stats *s = intake_stats(in);
        clog_msg(CLOG_INFO, "lofte-collector: stopping; %llu batches, %llu records new, "
             "%llu duplicates, %llu refused (disk full), %llu refused (database error)",
             (unsigned long long)s->batches, (unsigned long long)s->rows_inserted,
             (unsigned long long)s->rows_duplicate, (unsigned long long)s->refused_full,
             (unsigned long long)s->refused_error);
    }
    intake_close(in);
    store_close(st);
    metrics_close(cs.metrics);
    return rc == INTAKE_OK ? 0 : 1;
}
