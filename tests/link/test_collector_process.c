/* test_collector_process.c -- the real lofte-collector binary, killed with
 * SIGKILL in the middle of a stream and started again: every record the
 * gateway spooled is in its database exactly once. And with the device
 * keys, a listed gateway that invents records is not believed. */
#define _XOPEN_SOURCE 700
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "linkutil.h"
#include "radio.h"

#define DEV 0x5eedf00du

static char pub_col[41], pub_gw[41], pub_rogue[41], endpoint[64];
/* extra arguments for the next collector_spawn (NULL-terminated) */
static const char *extra_args[8];

static void setup(void)
{
    const char *pubs[2], *names[2] = {"hammaro-station", "rogue-station"};
    tdir_make();
    make_keys("collector", pub_col);
    make_keys("gw", pub_gw);
    make_keys("rogue", pub_rogue);
    pubs[0] = pub_gw;
    pubs[1] = pub_rogue;
    write_allowed("allowed", pubs, names, 2);
    memset(extra_args, 0, sizeof extra_args);
}

static void teardown(void)
{
    tdir_remove();
}

TestSuite(collector_process, .init = setup, .fini = teardown, .timeout = 45);

/* A port nobody uses right now (the kernel's choice), for a fixed --bind
 * the restarted collector can take again. */
static int free_port(void)
{
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    int s = socket(AF_INET, SOCK_STREAM, 0), port;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &al), 0);
    port = ntohs(a.sin_port);
    close(s);
    return port;
}

static pid_t collector_spawn(void)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int log = open(tpath("collector.log"), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (log >= 0)
            dup2(log, 2);
        const char *argv[24] = {"lofte-collector", "--db", tpath("collector.db"), "--bind",
                                endpoint, "--secret-key-file", tpath("collector.key"),
                                "--allowed-gateways", tpath("allowed"), "--log-level", "info"};
        int i, k = 11;
        for (i = 0; extra_args[i] && k < 23; i++)
            argv[k++] = extra_args[i];
        argv[k] = NULL;
        execv(LOFTE_COLLECTOR_BIN, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static int collector_wait(pid_t pid)
{
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    return status;
}

static void pump_until(struct upstream *u, struct spool *s, int64_t delivered_at_least,
                       int until_empty, int timeout_ms)
{
    int64_t deadline = mono_now_ms() + timeout_ms;
    char err[512];
    while (mono_now_ms() < deadline) {
        cr_assert_eq(upstream_service(u, NULL, NULL, 0, 5, err, sizeof err), UPSTREAM_OK, "%s",
                     err);
        if (until_empty && spool_depth(s) == 0)
            return;
        if (!until_empty && (int64_t)upstream_stats(u)->rows_delivered >= delivered_at_least)
            return;
    }
    cr_assert(0, "timed out: %llu delivered, %lld still spooled",
            (unsigned long long)upstream_stats(u)->rows_delivered, (long long)spool_depth(s));
}

Test(collector_process, stores_every_record_exactly_once_across_a_kill_9)
{
    struct spool_options sopt = {0, 0};
    struct upstream_config cfg;
    struct spool *s;
    struct upstream *u;
    char err[512];
    pid_t pid;
    int status;

    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", free_port());
    cr_assert_eq(spool_open(&s, tpath("gw.spool"), &sopt, err, sizeof err), SPOOL_OK, "%s", err);
    spool_fill(s, DEV, 1, 1500, 3);
    memset(&cfg, 0, sizeof cfg);
    cfg.endpoint = endpoint;
    cfg.key_file = tpath("gw.key");
    cfg.collector_key = pub_col;
    cfg.ack_timeout_ms = 500;
    cfg.batch_max = 10;
    cfg.inflight_max = 30;
    cr_assert_eq(upstream_open(&u, &cfg, s, err, sizeof err), UPSTREAM_OK, "%s", err);

    pid = collector_spawn();
    pump_until(u, s, 200, 0, 15000);
    cr_assert_gt(spool_depth(s), 0, "the stream ended before the kill");
    kill(pid, SIGKILL);
    status = collector_wait(pid);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    spool_fill(s, DEV, 1501, 1600, 3); /* records keep coming while it is down */
    {
        int64_t end = mono_now_ms() + 300;
        while (mono_now_ms() < end)
            upstream_service(u, NULL, NULL, 0, 10, err, sizeof err);
    }

    pid = collector_spawn();
    pump_until(u, s, 0, 1, 30000);
    kill(pid, SIGTERM);
    status = collector_wait(pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "lofte-collector did not exit cleanly on SIGTERM (status %d)", status);

    upstream_close(u);
    spool_close(s);
    cr_assert_eq(sql_int(tpath("collector.db"), "SELECT count(*) FROM records"), 1600);
    cr_assert_eq(sql_int(tpath("collector.db"), "SELECT count(DISTINCT counter) FROM records"),
                 1600);
    cr_assert_eq(sql_int(tpath("collector.db"), "SELECT max(counter) FROM records"), 1600);
    cr_assert_eq(sql_int(tpath("collector.db"), "SELECT count(*) FROM receptions"), 1600);
    cr_assert_eq(sql_int(tpath("collector.db"),
                         "SELECT count(*) FROM gateways WHERE name = 'hammaro-station'"), 1);
}

Test(collector_process, refuses_to_start_with_a_secret_key_others_can_read)
{
    char log[2048] = "";
    FILE *f;
    int status;
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", free_port());
    cr_assert_eq(chmod(tpath("collector.key"), 0644), 0);
    status = collector_wait(collector_spawn());
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "status %d", status);
    f = fopen(tpath("collector.log"), "r");
    cr_assert_not_null(f);
    log[fread(log, 1, sizeof log - 1, f)] = 0;
    fclose(f);
    cr_assert_neq(strstr(log, "0644"), NULL, "log: %s", log);
    /* item 21: a refusal to start says who refuses, as every lofte program */
    cr_assert(strncmp(log, "lofte-collector: ", 17) == 0, "log: %s", log);
    /* the key file is checked before anything is created */
    cr_assert_eq(access(tpath("collector.db"), F_OK), -1, "a database was created");
}

/* ---- the collector's own check of device tags ------------------------- */

static const uint8_t dev_key[RADIO_KEY_LEN] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static void write_device_keys(void)
{
    FILE *f = fopen(tpath("device-keys"), "w");
    int i;
    cr_assert_not_null(f);
    fprintf(f, "# the handhelds of the test\n%08x ", DEV);
    for (i = 0; i < RADIO_KEY_LEN; i++)
        fprintf(f, "%02x", dev_key[i]);
    fprintf(f, "\n");
    fclose(f);
    cr_assert_eq(chmod(tpath("device-keys"), 0600), 0);
}

/* Spool one row; key NULL: no frame at all, else sealed under key. */
static void spool_one(struct spool *s, uint32_t device, uint32_t counter, const struct record *r,
                      const uint8_t *key)
{
    struct spool_rx rx = rx_at(3, -97);
    struct spool_row row;
    uint8_t frame[RADIO_UPLINK_MAX_LEN];
    size_t flen;
    char err[256];
    cr_assert_eq(spool_row_fill(&row, device, counter, r, &rx), 0);
    if (key) {
        cr_assert_eq(radio_uplink_seal(key, device, counter, r, frame, sizeof frame, &flen), 0);
        cr_assert_eq(spool_row_set_frame(&row, frame, flen), 0);
    }
    cr_assert_eq(spool_put(s, &row, err, sizeof err), SPOOL_NEW, "%s", err);
}

static struct upstream *gateway_link(struct spool *s, const char *keybase)
{
    struct upstream_config cfg;
    struct upstream *u;
    char err[512], key[64];
    snprintf(key, sizeof key, "%s.key", keybase);
    memset(&cfg, 0, sizeof cfg);
    cfg.endpoint = endpoint;
    cfg.key_file = tpath(key);
    cfg.collector_key = pub_col;
    cfg.ack_timeout_ms = 300;
    cr_assert_eq(upstream_open(&u, &cfg, s, err, sizeof err), UPSTREAM_OK, "%s", err);
    return u;
}

/* Service the link until n replies (ACKs and REFUSEDs) came back. */
static void pump_replies(struct upstream *u, uint64_t acks, uint64_t refused)
{
    int64_t deadline = mono_now_ms() + 15000;
    char err[512];
    while (mono_now_ms() < deadline) {
        const struct upstream_stats *st = upstream_stats(u);
        cr_assert_eq(upstream_service(u, NULL, NULL, 0, 5, err, sizeof err), UPSTREAM_OK, "%s",
                     err);
        if (st->acks >= acks && st->refusals[UPSTREAM_REFUSED_UNKNOWN_DEVICE] >= refused)
            return;
    }
    cr_assert(0, "timed out waiting for %llu acks and %llu refusals",
              (unsigned long long)acks, (unsigned long long)refused);
}

Test(collector_process, refuses_a_record_a_listed_gateway_invents_and_stores_the_genuine_one)
{
    struct spool *rs, *gs;
    struct upstream *rogue, *honest;
    struct record genuine = rec_guard(5), invented = rec_guard(5);
    uint8_t wrong_key[RADIO_KEY_LEN];
    char err[512];
    pid_t pid;
    int status;

    write_device_keys();
    memset(wrong_key, 0x5a, sizeof wrong_key);
    invented.quantity = 49; /* a big count the device never logged */
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", free_port());
    cr_assert_eq(spool_open(&rs, tpath("rogue.spool"), NULL, err, sizeof err), SPOOL_OK, "%s",
                 err);
    cr_assert_eq(spool_open(&gs, tpath("gw.spool"), NULL, err, sizeof err), SPOOL_OK, "%s", err);
    /* The rogue station holds a CURVE key on the list but not the device's
     * key: it claims (DEV, 5) with a frame under another key, (DEV, 6)
     * with no frame, and a record of a device nobody provisioned. */
    cr_assert_eq(spool_begin(rs, err, sizeof err), SPOOL_OK, "%s", err);
    spool_one(rs, DEV, 5, &invented, wrong_key);
    spool_one(rs, DEV, 6, &invented, NULL);
    spool_one(rs, 0x0badbeefu, 1, &invented, wrong_key);
    cr_assert_eq(spool_commit(rs, err, sizeof err), SPOOL_OK, "%s", err);

    extra_args[0] = "--device-keys";
    extra_args[1] = tpath("device-keys");
    pid = collector_spawn();
    rogue = gateway_link(rs, "rogue");
    pump_replies(rogue, 1, 1);
    /* the invented rows are acknowledged (kept as evidence), the unknown
     * device's row is refused and stays with its gateway */
    cr_assert_eq(spool_depth(rs), 1);

    /* later, the genuine record of (DEV, 5) arrives through the honest station */
    cr_assert_eq(spool_begin(gs, err, sizeof err), SPOOL_OK, "%s", err);
    spool_one(gs, DEV, 5, &genuine, dev_key);
    cr_assert_eq(spool_commit(gs, err, sizeof err), SPOOL_OK, "%s", err);
    honest = gateway_link(gs, "gw");
    pump_replies(honest, 1, 0);
    cr_assert_eq(spool_depth(gs), 0);

    kill(pid, SIGTERM);
    status = collector_wait(pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
    upstream_close(rogue);
    upstream_close(honest);
    spool_close(rs);
    spool_close(gs);

    cr_assert_eq(sql_int(tpath("collector.db"), "SELECT count(*) FROM records"), 1);
    cr_assert_eq(sql_int(tpath("collector.db"),
                         "SELECT quantity FROM records WHERE counter = 5"), genuine.quantity);
    cr_assert_eq(sql_int(tpath("collector.db"),
                         "SELECT count(*) FROM receptions x JOIN gateways g ON g.id = x.gateway"
                         " WHERE g.name = 'rogue-station'"), 0);
    cr_assert_eq(sql_int(tpath("collector.db"),
                         "SELECT count(*) FROM unverified_records WHERE reason = 'bad_tag'"
                         " AND counter = 5"), 1);
    cr_assert_eq(sql_int(tpath("collector.db"),
                         "SELECT count(*) FROM unverified_records WHERE reason = 'no_frame'"
                         " AND counter = 6"), 1);
    cr_assert_eq(sql_int(tpath("collector.db"),
                         "SELECT count(*) FROM unverified_records WHERE device = 195935983"), 0);
}

Test(collector_process, trusts_the_gateways_without_device_keys_and_says_so)
{
    struct spool *rs;
    struct upstream *rogue;
    struct record invented = rec_guard(5);
    char err[512], log[4096] = "";
    FILE *f;
    pid_t pid;

    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", free_port());
    cr_assert_eq(spool_open(&rs, tpath("rogue.spool"), NULL, err, sizeof err), SPOOL_OK, "%s",
                 err);
    cr_assert_eq(spool_begin(rs, err, sizeof err), SPOOL_OK, "%s", err);
    spool_one(rs, DEV, 5, &invented, NULL);
    cr_assert_eq(spool_commit(rs, err, sizeof err), SPOOL_OK, "%s", err);
    pid = collector_spawn();
    rogue = gateway_link(rs, "rogue");
    pump_replies(rogue, 1, 0);
    kill(pid, SIGTERM);
    collector_wait(pid);
    upstream_close(rogue);
    spool_close(rs);
    cr_assert_eq(sql_int(tpath("collector.db"), "SELECT count(*) FROM records"), 1);
    f = fopen(tpath("collector.log"), "r");
    cr_assert_not_null(f);
    log[fread(log, 1, sizeof log - 1, f)] = 0;
    fclose(f);
    cr_assert_neq(strstr(log, "NOT verified"), NULL, "log: %s", log);
}

Test(collector_process, refuses_verification_without_a_device_key_file)
{
    int status;
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", free_port());
    extra_args[0] = "--verify-devices";
    extra_args[1] = "on";
    status = collector_wait(collector_spawn());
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "status %d", status);
    cr_assert_eq(access(tpath("collector.db"), F_OK), -1, "a database was created");
}

static void read_log(char *buf, size_t cap)
{
    FILE *f = fopen(tpath("collector.log"), "r");
    buf[0] = 0;
    if (!f)
        return;
    buf[fread(buf, 1, cap - 1, f)] = 0;
    fclose(f);
}

Test(collector_process, warns_when_its_allowed_gateways_file_lists_nobody)
{
    char log[4096];
    int64_t deadline = mono_now_ms() + 10000;
    pid_t pid;
    write_allowed("allowed", NULL, NULL, 0); /* comment line only */
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", free_port());
    pid = collector_spawn();
    do {
        struct timespec pause = {0, 20000000};
        nanosleep(&pause, NULL);
        read_log(log, sizeof log);
    } while (!strstr(log, "storing into") && mono_now_ms() < deadline);
    kill(pid, SIGTERM);
    collector_wait(pid);
    cr_assert_neq(strstr(log, "lists no gateway"), NULL, "log: %s", log);
}
