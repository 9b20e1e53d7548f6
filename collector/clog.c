/* clog.c -- the collector's stderr log (see clog.h). */
#define _POSIX_C_SOURCE 200809L /* gmtime_r, clock_gettime */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clog.h"

static int clog_threshold = CLOG_INFO;
static const char *const clog_names[] = {"error", "warn", "info", "debug"};

void clog_set_level(int level)
{
    clog_threshold = level;
}

int clog_enabled(int level)
{
    return level <= clog_threshold;
}

int clog_level_parse(const char *name)
{
    int i;
    for (i = 0; i < (int)(sizeof clog_names / sizeof clog_names[0]); i++)
        if (strcmp(name, clog_names[i]) == 0)
            return i;
    return -1;
}

void clog_msg(int level, const char *fmt, ...)
{
    char line[1024], stamp[32];
    struct timespec ts;
    struct tm tm;
    va_list ap;
    if (!clog_enabled(level))
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* one fprintf per line, so concurrent writers never interleave within it */
    fprintf(stderr, "%s.%03ldZ %-5s %s\n", stamp, ts.tv_nsec / 1000000L,
            clog_names[level < 0 ? 0 : level > CLOG_DEBUG ? CLOG_DEBUG : level], line);
}
