/* main.c -- lofte-gateway: a thin main over daemon.c.
 *
 *   lofte-gateway --config /etc/lofte/gateway.ini [--option value ...]
 *   lofte-gateway --list-ports
 *   lofte-gateway status [STATE_DIR]
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "port.h"
#include "version.h"

#define STATUS_STALE_S 10 /* the daemon rewrites status every 2 s */

/* `lofte-gateway status` exit codes (gateway/README.md, lofte-gateway(8)),
 * the same as `lofte-collector status`'s (collector/cstatus.h). */
enum {
    STATUS_OK = 0,          /* running, modem and collector up, taking records */
    STATUS_NOT_RUNNING = 1, /* no status file, or one older than STATUS_STALE_S */
    STATUS_USAGE = 2,       /* `status` with more than a state directory */
    STATUS_DEGRADED = 3     /* running, but a link is down or intake stopped */
};

static volatile sig_atomic_t stop_flag, reload_flag;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_flag = 1;
    else
        stop_flag = 1;
}

static void print_port(void *ctx, const struct port_info *p)
{
    (void)ctx;
    printf("%-16s %-40s", p->name, p->description ? p->description : "");
    if (p->usb_vid >= 0)
        printf(" USB %04x:%04x", p->usb_vid, p->usb_pid);
    if (p->manufacturer && *p->manufacturer)
        printf(" %s", p->manufacturer);
    if (p->serial && *p->serial)
        printf(" serial %s", p->serial);
    if (p->by_id && *p->by_id)
        printf("\n                 %s", p->by_id);
    printf("\n");
}

/* A `"key": false` in status.json (the daemon writes each key once). */
static int json_false(const char *json, const char *key)
{
    const char *p = strstr(json, key);
    return p && strncmp(p + strlen(key), ": false", 7) == 0;
}

/* `status`: print what the running daemon last wrote, and say so when it
 * is stale (the daemon is not running, or is stuck). Exit codes, for
 * monitoring: STATUS_OK, STATUS_NOT_RUNNING (no status, or a stale one),
 * STATUS_DEGRADED (running, but the modem or the collector link is down, or
 * intake stopped). */
static int show_status(const char *dir)
{
    char path[4200], buf[4096], json[65536];
    struct stat st;
    FILE *f;
    size_t n;
    long age;
    int degraded = 0;
    snprintf(path, sizeof path, "%s/status.txt", dir);
    f = fopen(path, "r");
    if (!f || fstat(fileno(f), &st) != 0) {
        fprintf(stderr, "lofte-gateway: no status in %s: is the gateway running with "
                        "state_dir = %s?\n", dir, dir);
        if (f)
            fclose(f);
        return STATUS_NOT_RUNNING;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(f);
    age = (long)(time(NULL) - st.st_mtime);
    if (age > STATUS_STALE_S) {
        printf("\nWARNING: this status is %ld s old: the gateway is not running or is stuck.\n",
               age);
        return STATUS_NOT_RUNNING;
    }
    snprintf(path, sizeof path, "%s/status.json", dir);
    if ((f = fopen(path, "r")) != NULL) {
        n = fread(json, 1, sizeof json - 1, f);
        json[n] = 0;
        fclose(f);
        if (json_false(json, "\"up\"")) {
            printf("\nWARNING: the modem link is down.\n");
            degraded = 1;
        }
        if (json_false(json, "\"connected\"")) {
            printf("\nWARNING: the collector is unreachable: records wait in the spool.\n");
            degraded = 1;
        }
        if (strstr(json, "\"intake_stopped\": true")) {
            printf("\nWARNING: intake is stopped: records are neither stored nor acked.\n");
            degraded = 1;
        }
    }
    return degraded ? STATUS_DEGRADED : STATUS_OK;
}

int main(int argc, char **argv)
{
    static struct config cfg;
    static struct daemon d;
    char err[4096];
    struct sigaction sa;
    int rc;

    if (version_requested(argc, argv, "lofte-gateway"))
        return 0;
    if (argc >= 2 && strcmp(argv[1], "status") == 0) {
        if (argc > 3) {
            fprintf(stderr, "lofte-gateway: usage: lofte-gateway status [STATE_DIR]\n");
            return STATUS_USAGE;
        }
        return show_status(argc == 3 ? argv[2] : "/var/lib/lofte");
    }
    if (config_load(&cfg, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "lofte-gateway: %s\n", err);
        return 2;
    }
    if (cfg.action == CONFIG_HELP) {
        config_usage(stdout, argv[0]);
        printf("\n  %s status [STATE_DIR]   print the running gateway's status\n", argv[0]);
        return 0;
    }
    if (cfg.action == CONFIG_LIST_PORTS) {
        /* port_list returns how many it listed: only a negative is an error */
        int n = port_list(print_port, NULL, err, sizeof err);
        if (n < 0) {
            fprintf(stderr, "lofte-gateway: %s\n", err);
            return 1;
        }
        if (n == 0)
            printf("no serial ports found\n");
        return 0;
    }
    log_set_level(cfg.log_level);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL); /* reload: keys and log level (daemon_reload) */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    /* A file size limit (ulimit -f, a quota-like cap) must fail the write
     * -- the spool then stops intake and says why -- not kill the daemon. */
    sigaction(SIGXFSZ, &sa, NULL);

    if (daemon_open(&d, &cfg, &stop_flag, err, sizeof err) != 0) {
        log_error("%s", err);
        daemon_close(&d);
        return 1;
    }
    d.reload = &reload_flag;
    if (cfg.metrics[0]) {
        /* after daemon_open: scrapes only ever see a fully opened daemon */
        if (metrics_open(&d.metrics, cfg.metrics, err, sizeof err) != METRICS_OK) {
            log_error("%s (metrics from %s)", err, config_origin(&cfg, "metrics"));
            daemon_close(&d);
            return 1;
        }
        daemon_publish_metrics(&d, d.started_ms);
        log_info("metrics: GET /metrics on %s (port %u)", cfg.metrics,
                 (unsigned)metrics_port(d.metrics));
    }
    log_info("lofte-gateway station %u running: modem %s, collector %s", cfg.station_id,
             cfg.port, cfg.collector);
    notify_ready("receiving");
    rc = daemon_run(&d, err, sizeof err);
    notify_stopping();
    {
        struct metrics *m = d.metrics;
        daemon_close(&d); /* d is wiped: the server is closed after it */
        metrics_close(m);
    }
    if (rc != 0) {
        log_error("%s", err);
        return 1;
    }
    log_info("stopped");
    return 0;
}
