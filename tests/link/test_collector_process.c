/* test_collector_process.c -- the real lofte-collector binary, killed with
 * SIGKILL in the middle of a stream and started again: every record the
 * gateway spooled is in its database exactly once. */
#define _XOPEN_SOURCE 700
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "linkutil.h"

#define DEV 0x5eedf00du

static char pub_col[41], pub_gw[41], endpoint[64];

static void setup(void)
{
    const char *pubs[1], *names[1] = {"hammaro-station"};
    tdir_make();
    make_keys("collector", pub_col);
    make_keys("gw", pub_gw);
    pubs[0] = pub_gw;
    write_allowed("allowed", pubs, names, 1);
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
        execl(LOFTE_COLLECTOR_BIN, "lofte-collector", "--db", tpath("collector.db"), "--bind",
              endpoint, "--secret-key-file", tpath("collector.key"), "--allowed-gateways",
              tpath("allowed"), "--log-level", "info", (char *)NULL);
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
}
