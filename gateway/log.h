/* log.h -- every program's log lines, on stderr: the gateway's, the
 * collector's (collector/clog.h is a set of aliases for these) and the
 * tools'. One module, so one format.
 *
 * Design note. The daemons run under systemd (dist/systemd/), whose
 * journal reads a line's priority from an sd-daemon prefix: "<3>" error,
 * "<4>" warning, "<6>" info, "<7>" debug (sd-daemon(3)). So when stderr is
 * not a terminal every line starts with that prefix and nothing else (the
 * journal adds the time and the unit; a file a script redirects into gets
 * the same lines, which `journalctl`-like tools and people both read); on
 * a terminal an operator reads "2026-12-02T13:47:56Z error: ..." instead
 * (UTC, like the records: a person at a terminal has no journal to stamp
 * the lines). LOG_PREFIX_PLAIN forces "error: ..." without the time (tests). The level enum's values ARE the syslog priorities,
 * so the prefix is the number and there is no second table to keep in step.
 *
 * One message may span lines (config_check lists every problem at once);
 * each line gets its own prefix, or the journal would file the continuation
 * lines at the default priority. A line is written with one write(2), so
 * lines from the gateway and a helper it starts do not interleave mid-line.
 *
 * Modules below the daemon return errors instead of logging (docs/style.md);
 * modemlink, which owns the modem's connect/disconnect story, is the one
 * module that logs by itself. Never pass a key to these functions.
 */
#ifndef LOFTE_GW_LOG_H
#define LOFTE_GW_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level {
    LOG_LEVEL_ERROR = 3,    /* = syslog LOG_ERR: the prefix is "<3>" */
    LOG_LEVEL_WARN = 4,     /* LOG_WARNING */
    LOG_LEVEL_INFO = 6,     /* LOG_INFO */
    LOG_LEVEL_DEBUG = 7     /* LOG_DEBUG */
};

enum log_err {
    LOG_OK = 0,
    LOG_ERR_LEVEL = -1,     /* not one of error|warn|info|debug */
    LOG_ERR_COUNT_ = 2
};

const char *log_strerror(int err);

/* How lines start: AUTO decides per line by isatty(fd) (a daemon's stderr
 * can be redirected while it runs); JOURNAL forces "<N>", PLAIN "level: ". */
enum log_prefix {
    LOG_PREFIX_AUTO = 0,
    LOG_PREFIX_JOURNAL,
    LOG_PREFIX_PLAIN
};

/* Messages above this level are dropped. Default: info. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
int log_enabled(enum log_level level);

void log_set_prefix(enum log_prefix mode);

/* Where lines go; default 2 (stderr). For tests. */
void log_set_fd(int fd);

/* "error", "warn", "info", "debug" <-> level. Parse returns LOG_OK or
 * LOG_ERR_LEVEL; name never returns NULL. */
int log_level_parse(const char *name, enum log_level *level);
const char *log_level_name(enum log_level level);

#if defined(__GNUC__)
#define LOG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define LOG_PRINTF(f, a)
#endif

/* printf-style; a trailing newline is optional. Lines longer than
 * LOG_LINE_MAX are cut (and end in "..."), never split. */
#define LOG_LINE_MAX 2048
void log_msg(enum log_level level, const char *fmt, ...) LOG_PRINTF(2, 3);
void log_error(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);

/* Fill a caller's error buffer (err may be NULL, errlen 0): every gateway
 * module reports failures this way, as one sentence the daemon then logs.
 * Lives here so the modules share one definition of "a message for the
 * operator". */
/* Rate limit for a message that can repeat quickly (a link that fails on
 * every retry): the first one passes, repeats within period_ms of the last
 * one that passed are counted instead, and the next one to pass says how
 * many were held back. Zero-initialise one per message kind. */
struct log_limit {
    int64_t last_ms;         /* when one last passed; 0 = never */
    uint64_t held;           /* held back since */
};

/* 1: log it now (*held_back = how many were held back before it); 0: hold. */
int log_limit_pass(struct log_limit *l, int64_t now_ms, int64_t period_ms, uint64_t *held_back);

void log_fill(char *err, size_t errlen, const char *fmt, ...) LOG_PRINTF(3, 4);

#endif
