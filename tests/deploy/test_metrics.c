/* test_metrics.c -- the metrics endpoint over a real TCP socket: what a
 * Prometheus scrape gets, what other paths and methods get, which endpoints
 * are refused, and the text format's escaping. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics.h"

/* One HTTP/1.0 request to 127.0.0.1:port; the whole answer into buf. */
static size_t http(uint16_t port, const char *request, char *buf, size_t cap)
{
    struct sockaddr_in a;
    size_t got = 0;
    ssize_t n;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(write(fd, request, strlen(request)), (ssize_t)strlen(request));
    while (got + 1 < cap && (n = read(fd, buf + got, cap - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    close(fd);
    return got;
}

static struct metrics *open_local(void)
{
    struct metrics *m;
    char err[256];
    cr_assert_eq(metrics_open(&m, "tcp://127.0.0.1:0", err, sizeof err), METRICS_OK, "%s", err);
    cr_assert_neq(metrics_port(m), 0);
    return m;
}

Test(metrics, a_scrape_gets_the_last_published_text_as_prometheus_text)
{
    struct metrics *m = open_local();
    char buf[8192];
    const char *v1 = "lofte_up 1\n", *v2 = "lofte_up 0\n";
    cr_assert_eq(metrics_publish(m, v1, strlen(v1)), METRICS_OK);
    cr_assert_eq(metrics_publish(m, v2, strlen(v2)), METRICS_OK);
    http(metrics_port(m), "GET /metrics HTTP/1.0\r\n\r\n", buf, sizeof buf);
    cr_assert(strstr(buf, "HTTP/1.0 200") || strstr(buf, "HTTP/1.1 200"), "%s", buf);
    cr_assert(strstr(buf, "text/plain; version=0.0.4"), "%s", buf);
    cr_assert(strstr(buf, "\r\n\r\nlofte_up 0\n"), "%s", buf);
    cr_assert_null(strstr(buf, "lofte_up 1"));
    metrics_close(m);
}

Test(metrics, other_paths_are_not_found_and_other_methods_not_allowed)
{
    struct metrics *m = open_local();
    char buf[4096];
    metrics_publish(m, "x 1\n", 4);
    http(metrics_port(m), "GET / HTTP/1.0\r\n\r\n", buf, sizeof buf);
    cr_assert(strstr(buf, " 404 "), "%s", buf);
    cr_assert_null(strstr(buf, "x 1"));
    http(metrics_port(m), "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", buf, sizeof buf);
    cr_assert(strstr(buf, " 405 "), "%s", buf);
    metrics_close(m);
}

Test(metrics, refuses_endpoints_it_cannot_bind_exactly)
{
    struct metrics *m = NULL;
    char err[256];
    const char *bad[] = {"127.0.0.1:9810", "http://127.0.0.1:9810", "tcp://127.0.0.1",
                         "tcp://127.0.0.1:99999", "tcp://localhost:9810", "tcp://:9810",
                         "tcp://127.0.0.1:12ab"};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(metrics_open(&m, bad[i], err, sizeof err), METRICS_ERR_ENDPOINT, "%s", bad[i]);
        cr_assert_null(m);
        cr_assert(strstr(err, "metrics endpoint"), "%s", err);
    }
}

Test(metrics, a_port_in_use_is_a_clear_start_error)
{
    struct metrics *a = open_local(), *b = NULL;
    char ep[64], err[256];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%u", (unsigned)metrics_port(a));
    cr_assert_eq(metrics_open(&b, ep, err, sizeof err), METRICS_ERR_START);
    cr_assert(strstr(err, ep), "%s", err);
    metrics_close(a);
}

Test(metrics, text_has_help_and_type_lines_and_escapes_label_values)
{
    struct metrics_text t;
    const char *labels[] = {"reason", "bad\"tag\\x\ny", "gw", "1", NULL};
    metrics_text_init(&t);
    metrics_text_family(&t, "lofte_frames_rejected_total", "counter", "frames refused, by reason");
    metrics_text_sample(&t, "lofte_frames_rejected_total", labels, 3);
    metrics_text_sample(&t, "lofte_spool_oldest_age_seconds", NULL, 1.5);
    cr_assert_not(metrics_text_failed(&t));
    cr_assert_str_eq(t.buf, "# HELP lofte_frames_rejected_total frames refused, by reason\n"
                            "# TYPE lofte_frames_rejected_total counter\n"
                            "lofte_frames_rejected_total{reason=\"bad\\\"tag\\\\x\\ny\",gw=\"1\"} 3\n"
                            "lofte_spool_oldest_age_seconds 1.5\n");
    metrics_text_free(&t);
}

Test(metrics, text_grows_past_its_first_buffer)
{
    struct metrics_text t;
    char name[32];
    int i;
    metrics_text_init(&t);
    for (i = 0; i < 2000; i++) {
        snprintf(name, sizeof name, "m_%d", i);
        metrics_text_sample(&t, name, NULL, i);
    }
    cr_assert_not(metrics_text_failed(&t));
    cr_assert(strstr(t.buf, "m_1999 1999\n"));
    cr_assert_eq(strlen(t.buf), t.len);
    metrics_text_free(&t);
}
