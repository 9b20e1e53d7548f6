/* metrics.c -- see metrics.h. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "errbuf.h"
#include "metrics.h"

struct metrics {
    struct MHD_Daemon *mhd;
    pthread_mutex_t lock;
    char *text;       /* last published text, owned; NULL: nothing yet */
    size_t len;
    uint16_t port;
};

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_len, void **req_cls)
{
    struct metrics *m = cls;
    struct MHD_Response *resp;
    enum MHD_Result rc;
    unsigned status = MHD_HTTP_OK;
    char *copy = NULL;
    size_t len = 0;
    (void)version;
    (void)upload;
    (void)upload_len;
    (void)req_cls;

    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        copy = strdup("only GET\n");
    } else if (strcmp(url, "/metrics") != 0) {
        status = MHD_HTTP_NOT_FOUND;
        copy = strdup("not found: the metrics are at /metrics\n");
    } else {
        pthread_mutex_lock(&m->lock);
        if (m->text) {
            copy = malloc(m->len ? m->len : 1);
            if (copy) {
                memcpy(copy, m->text, m->len);
                len = m->len;
            }
        } else {
            copy = strdup("");
        }
        pthread_mutex_unlock(&m->lock);
    }
    if (!copy)
        return MHD_NO; /* out of memory: drop the connection */
    if (status != MHD_HTTP_OK)
        len = strlen(copy);
    resp = MHD_create_response_from_buffer(len, copy, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(copy);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/plain; version=0.0.4; charset=utf-8");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* tcp://127.0.0.1:9810, tcp://[::1]:9810, or tcp://ANY:9810 written with a star */
static int parse_endpoint(const char *ep, struct sockaddr_storage *ss, socklen_t *sslen,
                          char *err, size_t errlen)
{
    char host[64];
    const char *p, *colon;
    char *end;
    long port;
    size_t hlen;

    if (strncmp(ep, "tcp://", 6) != 0)
        return errbuf_fail(err, errlen, METRICS_ERR_ENDPOINT,
                           "metrics endpoint '%s' must start with tcp://", ep);
    p = ep + 6;
    colon = strrchr(p, ':');
    if (!colon || colon == p)
        return errbuf_fail(err, errlen, METRICS_ERR_ENDPOINT,
                           "metrics endpoint '%s' needs ADDRESS:PORT", ep);
    errno = 0;
    port = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || port < 0 || port > 65535)
        return errbuf_fail(err, errlen, METRICS_ERR_ENDPOINT,
                           "metrics endpoint '%s': port must be 0..65535", ep);
    hlen = (size_t)(colon - p);
    if (hlen >= sizeof host)
        return errbuf_fail(err, errlen, METRICS_ERR_ENDPOINT,
                           "metrics endpoint '%s': address too long", ep);
    memcpy(host, p, hlen);
    host[hlen] = '\0';
    memset(ss, 0, sizeof *ss);
    if (host[0] == '[' && host[hlen - 1] == ']') {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        host[hlen - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
            return errbuf_fail(err, errlen, METRICS_ERR_ENDPOINT,
                               "metrics endpoint '%s': not an IPv6 address", ep);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        *sslen = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        if (strcmp(host, "*") == 0)
            a->sin_addr.s_addr = htonl(INADDR_ANY);
        else if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            return errbuf_fail(err, errlen, METRICS_ERR_ENDPOINT,
                               "metrics endpoint '%s': '%s' is not an IPv4 address "
                               "(names are not resolved)", ep, host);
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        *sslen = sizeof *a;
    }
    return METRICS_OK;
}

int metrics_open(struct metrics **out, const char *endpoint, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    struct metrics *m;
    const union MHD_DaemonInfo *info;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    int rc;

    *out = NULL;
    if ((rc = parse_endpoint(endpoint, &ss, &sslen, err, errlen)) != METRICS_OK)
        return rc;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    m = calloc(1, sizeof *m);
    if (!m)
        return errbuf_fail(err, errlen, METRICS_ERR_NOMEM, "metrics: out of memory");
    pthread_mutex_init(&m->lock, NULL);
    m->mhd = MHD_start_daemon(flags, 0, NULL, NULL, answer, m, MHD_OPTION_SOCK_ADDR,
                              (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, 16u,
                              MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (!m->mhd) {
        pthread_mutex_destroy(&m->lock);
        free(m);
        return errbuf_fail(err, errlen, METRICS_ERR_START,
                           "metrics: cannot serve on %s (address in use or not local?)", endpoint);
    }
    info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_BIND_PORT);
    m->port = info ? info->port : 0;
    *out = m;
    return METRICS_OK;
}

uint16_t metrics_port(const struct metrics *m)
{
    return m->port;
}

int metrics_publish(struct metrics *m, const char *text, size_t len)
{
    char *copy = malloc(len ? len : 1), *old;
    if (!copy)
        return METRICS_ERR_NOMEM;
    memcpy(copy, text, len);
    pthread_mutex_lock(&m->lock);
    old = m->text;
    m->text = copy;
    m->len = len;
    pthread_mutex_unlock(&m->lock);
    free(old);
    return METRICS_OK;
}

void metrics_close(struct metrics *m)
{
    if (!m)
        return;
    MHD_stop_daemon(m->mhd);
    pthread_mutex_destroy(&m->lock);
    free(m->text);
    free(m);
}

/* --- rendering ---------------------------------------------------------- */

void metrics_text_init(struct metrics_text *t)
{
    memset(t, 0, sizeof *t);
}

void metrics_text_free(struct metrics_text *t)
{
    free(t->buf);
    memset(t, 0, sizeof *t);
}

static void put(struct metrics_text *t, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (t->failed)
        return;
    for (;;) {
        size_t room = t->cap - t->len;
        va_start(ap, fmt);
        n = vsnprintf(t->buf ? t->buf + t->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = 1;
            return;
        }
        if ((size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        {
            size_t cap = t->cap ? t->cap * 2 : 4096;
            char *b;
            while (cap - t->len <= (size_t)n)
                cap *= 2;
            b = realloc(t->buf, cap);
            if (!b) {
                t->failed = 1;
                return;
            }
            t->buf = b;
            t->cap = cap;
        }
    }
}

void metrics_text_family(struct metrics_text *t, const char *name, const char *type,
                         const char *help)
{
    put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The exposition format's label value escapes: backslash, quote, newline. */
static void put_label_value(struct metrics_text *t, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\')
            put(t, "\\\\");
        else if (*v == '"')
            put(t, "\\\"");
        else if (*v == '\n')
            put(t, "\\n");
        else
            put(t, "%c", *v);
    }
}

void metrics_text_sample(struct metrics_text *t, const char *name, const char *const *labels,
                         double value)
{
    put(t, "%s", name);
    if (labels && labels[0]) {
        size_t i;
        put(t, "{");
        for (i = 0; labels[i] && labels[i + 1]; i += 2) {
            put(t, "%s%s=\"", i ? "," : "", labels[i]);
            put_label_value(t, labels[i + 1]);
            put(t, "\"");
        }
        put(t, "}");
    }
    if (isnan(value))
        put(t, " NaN\n");
    else if (value == floor(value) && fabs(value) < 1e15)
        put(t, " %.0f\n", value);
    else
        put(t, " %.17g\n", value);
}

int metrics_text_failed(const struct metrics_text *t)
{
    return t->failed;
}
