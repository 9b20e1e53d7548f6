/* metrics.h -- Prometheus text-format metrics over HTTP (libmicrohttpd).
 *
 * Design note. The daemons are single-threaded loops whose state must not
 * be read from another thread. So the loop renders its metrics into text
 * itself (metrics_text_*), at most every couple of seconds, and hands the
 * finished text to metrics_publish(); the HTTP server, running on
 * libmicrohttpd's own thread, only ever copies the last published text out
 * under a mutex. A scrape therefore never blocks the loop for longer than a
 * memcpy, and sees values at most one publish period old (Prometheus
 * scrapes every 15 s or more).
 *
 * The server answers GET /metrics (Content-Type text/plain; version=0.0.4,
 * the text exposition format) and 404 for every other path, 405 for any
 * other method. It binds only the address given: `tcp://127.0.0.1:9810`.
 *
 * Only metrics.c includes microhttpd.h.
 */
#ifndef LOFTE_METRICS_H
#define LOFTE_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum metrics_err {
    METRICS_OK = 0,
    METRICS_ERR_ENDPOINT = -1,  /* not tcp://<IPv4 or [IPv6]>:<port> */
    METRICS_ERR_START = -2,     /* the HTTP server could not start (port in use?) */
    METRICS_ERR_NOMEM = -3
};

struct metrics;

/* Parse "tcp://ADDR:PORT" (ADDR an IPv4 literal, an [IPv6] literal, or a star
 * for every address) and start serving. */
int metrics_open(struct metrics **m, const char *endpoint, char *err, size_t errlen);
/* The port actually bound (useful when the endpoint said port 0). */
uint16_t metrics_port(const struct metrics *m);
/* Replace what scrapes see. The text is copied. */
int metrics_publish(struct metrics *m, const char *text, size_t len);
void metrics_close(struct metrics *m);

/* A growing text buffer for rendering, with the exposition format's
 * HELP/TYPE lines and label escaping. Allocation failures are sticky:
 * metrics_text_failed() tells, and the text is then not published. */
struct metrics_text {
    char *buf;
    size_t len, cap;
    int failed;
};

void metrics_text_init(struct metrics_text *t);
void metrics_text_free(struct metrics_text *t);
/* "# HELP name help\n# TYPE name type\n"; type is "counter" or "gauge". */
void metrics_text_family(struct metrics_text *t, const char *name, const char *type,
                         const char *help);
/* One sample: name{label="value",...} value. labels: NULL-terminated
 * pairs {"reason", "bad_tag", NULL}; values are escaped (\\, \", \n). */
void metrics_text_sample(struct metrics_text *t, const char *name, const char *const *labels,
                         double value);
int metrics_text_failed(const struct metrics_text *t);

#endif
