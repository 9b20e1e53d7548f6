/* main.c -- lofte-collector: gateways' records in, one SQLite database out.
 *
 *   lofte-collector --config /etc/lofte/collector.ini [--name VALUE ...]
 *   lofte-collector status [STATE_DIR]
 *
 * Design note. A thin main: options from one table (cconfig.c, on the
 * engine the gateway's config uses), open the store, open the intake, loop
 * until SIGTERM or SIGINT, close. A signal only sets a flag: the batch in
 * hand is finished (committed and acknowledged, or refused) before the
 * loop looks at it, so a stop never leaves a half-stored batch, and a
 * SIGHUP's reload happens between batches, never inside one.
 *
 * Exit status: 0 after a signal, 1 when the intake failed at run time,
 * 2 for bad options or a start-up failure (key file, database, endpoint).
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cconfig.h"
#include "clog.h"
#include "cstatus.h"
#include "intake.h"
#include "metrics.h"
#include "notify.h"
#include "store.h"
#include "version.h"
#include "zap.h"

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SIGHUP: the allowed-gateways file, and the config file's log level. A
 * file that does not load keeps what was in force, and says why. */
static void reload(struct intake *in, const struct cconfig *cfg)
{
    static struct cconfig fresh; /* ~30 kB: not on the stack */
    char err[4096];
    if (cfg->config_path[0]) {
        if (cconfig_reload(&fresh, cfg->config_path, err, sizeof err) != OPTABLE_OK)
            clog_msg(CLOG_ERROR, "reload: %s; keeping the log level in force", err);
        else if (fresh.log_level != log_get_level()) {
            log_set_level(fresh.log_level);
            clog_msg(CLOG_INFO, "reload: log level %s", log_level_name(fresh.log_level));
        }
    }
    if (intake_reload_allowed(in, cfg->allowed_gateways, err, sizeof err) != INTAKE_OK)
        clog_msg(CLOG_ERROR, "reload: %s; keeping the %zu gateways allowed before", err,
                 intake_allowed(in)->count);
    else
        clog_msg(CLOG_INFO, "reload: %zu allowed gateways from %s", intake_allowed(in)->count,
                 cfg->allowed_gateways);
}

/* The loop: batches, and every CSTATUS_PERIOD_MS the status files and the
 * metrics (rendered here, never on the HTTP thread). */
static int run(struct intake *in, struct cstatus *cs, const struct cconfig *cfg)
{
    while (!stop_requested) {
        struct timespec mono;
        int64_t t;
        int rc = intake_step(in, 250);
        clock_gettime(CLOCK_MONOTONIC, &mono);
        notify_watchdog((int64_t)mono.tv_sec * 1000 + mono.tv_nsec / 1000000);
        if (rc < 0) {
            clog_msg(CLOG_ERROR, "intake: poll failed: %s", intake_strerror(rc));
            return rc;
        }
        if (reload_requested) {
            reload_requested = 0;
            notify_reloading();
            reload(in, cfg);
            notify_ready("storing");
        }
        t = now_ms();
        if (t - cs->written_ms >= CSTATUS_PERIOD_MS)
            cstatus_write(cs, in, t);
    }
    return INTAKE_OK;
}

int main(int argc, char **argv)
{
    static struct cconfig cfg;
    struct intake_config icfg;
    struct sigaction sa;
    struct store *st = NULL;
    struct intake *in = NULL;
    struct cstatus cs;
    char err[4096];
    int rc;

    if (version_requested(argc, argv, "lofte-collector"))
        return 0;
    if (argc >= 2 && strcmp(argv[1], "status") == 0) {
        if (argc > 3) {
            fprintf(stderr, "lofte-collector: usage: lofte-collector status [STATE_DIR]\n");
            return CSTATUS_USAGE;
        }
        return cstatus_show(argc == 3 ? argv[2] : "/var/lib/lofte/collector");
    }
    if (cconfig_load(&cfg, argc, argv, err, sizeof err) != OPTABLE_OK) {
        fprintf(stderr, "lofte-collector: %s\n", err);
        return 2;
    }
    if (cfg.action == CCONFIG_HELP) {
        cconfig_usage(stdout, argv[0]);
        return 0;
    }
    log_set_level(cfg.log_level);

    /* no SA_RESTART: the signal must interrupt zmq_poll so the loop sees it */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    /* a file size limit must fail the commit (REFUSED, intake stopped), not
     * kill the daemon */
    sigaction(SIGXFSZ, &sa, NULL);

    /* Every key file is checked before the database is created: a
     * misconfigured start leaves nothing behind. A refusal to start reads
     * like every lofte program's: "lofte-collector: <reason>", exit 2. */
    icfg.bind = cfg.bind;
    icfg.secret_key_file = cfg.secret_key_file;
    icfg.allowed_gateways_file = cfg.allowed_gateways;
    icfg.device_keys_file = cfg.device_keys[0] ? cfg.device_keys : NULL;
    icfg.verify = cfg.verify_devices;
    if ((rc = intake_open(&in, &icfg, NULL, err, sizeof err)) != INTAKE_OK) {
        fprintf(stderr, "lofte-collector: %s\n", err);
        return 2;
    }
    if ((rc = store_open(&st, cfg.db, NULL, err, sizeof err)) != STORE_OK) {
        fprintf(stderr, "lofte-collector: %s (db from %s)\n", err, cconfig_origin(&cfg, "db"));
        intake_close(in);
        return 2;
    }
    intake_attach_store(in, st);
    memset(&cs, 0, sizeof cs);
    cs.state_dir = cfg.state_dir;
    cs.db_path = cfg.db;
    cs.started_ms = now_ms();
    if (cfg.metrics[0] && metrics_open(&cs.metrics, cfg.metrics, err, sizeof err) != METRICS_OK) {
        clog_msg(CLOG_ERROR, "%s (metrics from %s)", err, cconfig_origin(&cfg, "metrics"));
        intake_close(in);
        store_close(st);
        return 2;
    }
    cstatus_write(&cs, in, cs.started_ms);
    clog_msg(CLOG_INFO, "lofte-collector: storing into %s; device tags %s", cfg.db,
             intake_verifies(in) ? "verified" : "NOT verified");
    notify_ready("storing");
    rc = run(in, &cs, &cfg);
    notify_stopping();
    cstatus_write(&cs, in, now_ms());
    {
        const struct intake_stats *s = intake_stats(in);
        clog_msg(CLOG_INFO, "lofte-collector: stopping; %llu batches, %llu records new, "
             "%llu duplicates, %llu refused (disk full), %llu refused (database error); "
             "unverified: %llu unknown_device, %llu no_frame, %llu frame_mismatch, "
             "%llu bad_tag, %llu record_mismatch",
             (unsigned long long)s->batches, (unsigned long long)s->rows_inserted,
             (unsigned long long)s->rows_duplicate, (unsigned long long)s->refused_full,
             (unsigned long long)s->refused_error,
             (unsigned long long)s->unverified[VERIFY_UNKNOWN_DEVICE],
             (unsigned long long)s->unverified[VERIFY_NO_FRAME],
             (unsigned long long)s->unverified[VERIFY_FRAME_MISMATCH],
             (unsigned long long)s->unverified[VERIFY_BAD_TAG],
             (unsigned long long)s->unverified[VERIFY_RECORD_MISMATCH]);
    }
    intake_close(in);
    store_close(st);
    metrics_close(cs.metrics);
    return rc == INTAKE_OK ? 0 : 1;
}
