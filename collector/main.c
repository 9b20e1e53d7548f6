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

#include "clog.h"
#include "intake.h"
#include "notify.h"
#include "store.h"
#include "version.h"

enum { OPT_DB, OPT_BIND, OPT_SECRET_KEY_FILE, OPT_ALLOWED_GATEWAYS, OPT_DEVICE_KEYS,
       OPT_VERIFY_DEVICES, OPT_LOG_LEVEL, OPT_HELP, OPT_COUNT };

static const struct {
    const char *name;
    const char *arg;        /* NULL: a flag without argument */
    const char *def;        /* default, NULL: required (or a flag) */
    const char *help;
    int optional;           /* an option that may be left out although it has no default */
} options[OPT_COUNT] = {
    [OPT_DB] = {"db", "PATH|URI", "lofte-collector.db",
                "the collector database: an SQLite file (created if missing), or PostgreSQL as "
                "postgresql://owner@host/lofte (docs/postgresql.md)", 0},
    [OPT_BIND] = {"bind", "ENDPOINT", INTAKE_DEFAULT_BIND, "where gateways connect (ZeroMQ endpoint)", 0},
    [OPT_SECRET_KEY_FILE] = {"secret-key-file", "PATH", NULL,
                             "the collector's CURVE key pair, mode 0600 (lofte-curve-keygen)", 0},
    [OPT_ALLOWED_GATEWAYS] = {"allowed-gateways", "PATH", NULL,
                              "gateways let in: \"<Z85 public key> <name>\" per line", 0},
    [OPT_DEVICE_KEYS] = {"device-keys", "PATH", NULL,
                         "the handhelds' keys (lofte-keygen's key file, mode 0600): check every "
                         "record's device tag here too", 1},
    [OPT_VERIFY_DEVICES] = {"verify-devices", "on|off", NULL,
                            "check device tags [on with --device-keys, else off]", 1},
    [OPT_LOG_LEVEL] = {"log-level", "LEVEL", "info", "error, warn, info or debug", 0},
    [OPT_HELP] = {"help", NULL, NULL, "print this text", 0},
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *f)
{
    int i;
    fprintf(f, "usage: lofte-collector --secret-key-file PATH --allowed-gateways PATH [options]\n\n");
    for (i = 0; i < OPT_COUNT; i++) {
        char left[48];
        snprintf(left, sizeof left, "--%s%s%s", options[i].name, options[i].arg ? " " : "",
                 options[i].arg ? options[i].arg : "");
        fprintf(f, "  %-28s %s", left, options[i].help);
        if (options[i].def)
            fprintf(f, " [%s]", options[i].def);
        else if (options[i].arg && !options[i].optional)
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
    char err[512];
    int i, c, level, rc, verify = 0;

    if (version_requested(argc, argv, "lofte-collector"))
        return 0;
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
        if (options[i].arg && !options[i].optional && !val[i]) {
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
    if (val[OPT_VERIFY_DEVICES]) {
        if (strcmp(val[OPT_VERIFY_DEVICES], "on") == 0)
            verify = 1;
        else if (strcmp(val[OPT_VERIFY_DEVICES], "off") == 0)
            verify = -1;
        else {
            fprintf(stderr, "lofte-collector: --verify-devices must be on or off\n");
            return 2;
        }
    }

    /* no SA_RESTART: the signal must interrupt zmq_poll so the loop sees it */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Every key file is checked before the database is created: a
     * misconfigured start leaves nothing behind. */
    icfg.bind = val[OPT_BIND];
    icfg.secret_key_file = val[OPT_SECRET_KEY_FILE];
    icfg.allowed_gateways_file = val[OPT_ALLOWED_GATEWAYS];
    icfg.device_keys_file = val[OPT_DEVICE_KEYS];
    icfg.verify = verify;
    /* A refusal to start reads like every lofte program's (lofte-report,
     * lofte-retention, lofte-curve-keygen, the option errors above):
     * "lofte-collector: <reason>" on stderr, exit 2. The log's timestamped
     * lines are for a collector that runs. */
    if ((rc = intake_open(&in, &icfg, NULL, err, sizeof err)) != INTAKE_OK) {
        fprintf(stderr, "lofte-collector: %s\n", err);
        return 2;
    }
    if ((rc = store_open(&st, val[OPT_DB], NULL, err, sizeof err)) != STORE_OK) {
        fprintf(stderr, "lofte-collector: %s\n", err);
        intake_close(in);
        return 2;
    }
    intake_attach_store(in, st);
    clog_msg(CLOG_INFO, "lofte-collector: storing into %s; device tags %s", val[OPT_DB],
             intake_verifies(in) ? "verified" : "NOT verified");
    notify_ready("storing");
    rc = intake_run(in, &stop_requested);
    notify_stopping();
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
    return rc == INTAKE_OK ? 0 : 1;
}
