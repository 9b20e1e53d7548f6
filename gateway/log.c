/* log.c -- level-prefixed lines on stderr (see log.h for the design);
 * every program's, the collector's included (collector/clog.h).
 *
 * State is three globals (level, prefix mode, fd): the gateway is one
 * thread, and logging must work before any configuration has been read.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "errbuf.h"
#include "log.h"

/* A message larger than this (all its lines) is cut; config_check's list
 * of every problem is the largest thing logged, a few lines. */
#define LOG_MESSAGE_MAX 8192

static enum log_level log_level_now = LOG_LEVEL_INFO;
static enum log_prefix log_prefix_mode = LOG_PREFIX_AUTO;
static int log_fd = 2;

const char *log_strerror(int err)
{
    static const char *const text[LOG_ERR_COUNT_] = {
        "no error",
        "unknown log level (use error, warn, info or debug)",
    };
    if (err > 0 || err <= -LOG_ERR_COUNT_)
        return "unknown log error";
    return text[-err];
}

void log_set_level(enum log_level level)
{
    log_level_now = level;
}

enum log_level log_get_level(void)
{
    return log_level_now;
}

int log_enabled(enum log_level level)
{
    return level <= log_level_now;
}

void log_set_prefix(enum log_prefix mode)
{
    log_prefix_mode = mode;
}

void log_set_fd(int fd)
{
    log_fd = fd;
}

/* Checklist: the names here, enum log_level, and the log_level choices in
 * config.c's option table must list the same four levels. */
static const struct {
    const char *name;
    enum log_level level;
} log_names[] = {
    {"error", LOG_LEVEL_ERROR},
    {"warn", LOG_LEVEL_WARN},
    {"info", LOG_LEVEL_INFO},
    {"debug", LOG_LEVEL_DEBUG},
};

int log_level_parse(const char *name, enum log_level *level)
{
    size_t i;
    for (i = 0; i < sizeof log_names / sizeof log_names[0]; i++) {
        if (strcmp(name, log_names[i].name) == 0) {
            *level = log_names[i].level;
            return LOG_OK;
        }
    }
    return LOG_ERR_LEVEL;
}

const char *log_level_name(enum log_level level)
{
    size_t i;
    for (i = 0; i < sizeof log_names / sizeof log_names[0]; i++)
        if (log_names[i].level == level)
            return log_names[i].name;
    return "unknown";
}

/* Write all of buf, retrying short writes; a log line that cannot be
 * written is dropped (there is nowhere left to report it). */
static void write_all(const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(log_fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        buf += w;
        n -= (size_t)w;
    }
}

enum line_form { FORM_JOURNAL, FORM_PLAIN, FORM_TERMINAL };

/* One line, prefixed, in one write. */
static void emit_line(enum log_level level, enum line_form form, const char *text, size_t n)
{
    char line[LOG_LINE_MAX + 48], stamp[32] = "";
    const char *name = level == LOG_LEVEL_WARN ? "warning" : log_level_name(level);
    int plen;
    size_t room;

    if (form == FORM_TERMINAL) {
        /* the journal stamps its lines itself; a person at a terminal
         * gets the time here, in UTC like the records */
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    }
    if (form == FORM_JOURNAL)
        plen = snprintf(line, sizeof line, "<%d>", (int)level);
    else
        plen = snprintf(line, sizeof line, "%s%s: ", stamp, name);
    if (plen < 0)
        return;
    room = LOG_LINE_MAX + (form == FORM_TERMINAL ? strlen(stamp) : 0) - (size_t)plen;
    if (n > room) {
        memcpy(line + plen, text, room - 3);
        memcpy(line + plen + room - 3, "...", 3);
        n = room;
    } else {
        memcpy(line + plen, text, n);
    }
    line[(size_t)plen + n] = '\n';
    write_all(line, (size_t)plen + n + 1);
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
    char msg[LOG_MESSAGE_MAX];
    const char *p, *end;
    enum line_form form;
    int e = errno; /* callers may log between a failure and its errno use */

    if (!log_enabled(level))
        return;
    if (log_prefix_mode == LOG_PREFIX_AUTO)
        form = isatty(log_fd) ? FORM_TERMINAL : FORM_JOURNAL;
    else
        form = log_prefix_mode == LOG_PREFIX_JOURNAL ? FORM_JOURNAL : FORM_PLAIN;
    if (vsnprintf(msg, sizeof msg, fmt, ap) < 0) {
        errno = e;
        return;
    }
    /* each line on its own, with its own prefix; a final newline ends the
     * message rather than starting an empty line */
    for (p = msg; *p;) {
        end = strchr(p, '\n');
        if (!end)
            end = p + strlen(p);
        emit_line(level, form, p, (size_t)(end - p));
        p = *end ? end + 1 : end;
    }
    errno = e;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}

#define LOG_AT(fn, level)                                                    \
    void fn(const char *fmt, ...)                                            \
    {                                                                        \
        va_list ap;                                                          \
        va_start(ap, fmt);                                                   \
        log_vmsg(level, fmt, ap);                                            \
        va_end(ap);                                                          \
    }

LOG_AT(log_error, LOG_LEVEL_ERROR)
LOG_AT(log_warn, LOG_LEVEL_WARN)
LOG_AT(log_info, LOG_LEVEL_INFO)
LOG_AT(log_debug, LOG_LEVEL_DEBUG)

void log_fill(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    errbuf_vsay(err, errlen, fmt, ap); /* keeps errno as it was */
    va_end(ap);
}

int log_limit_pass(struct log_limit *l, int64_t now_ms, int64_t period_ms, uint64_t *held_back)
{
    if (l->last_ms && now_ms - l->last_ms < period_ms) {
        l->held++;
        return 0;
    }
    *held_back = l->held;
    l->held = 0;
    l->last_ms = now_ms ? now_ms : 1;
    return 1;
}
