/* clog.h -- the collector's log: one line per event on stderr, with a UTC
 * timestamp and a level, for journald or a terminal.
 *
 * Design note. Modules log what an operator must act on (a full disk, a
 * refused gateway) and count everything else; the level filter is global
 * because the collector is one process with one operator. Secret keys are
 * never passed here: callers log public keys and names only.
 */
#ifndef LOFTE_CLOG_H
#define LOFTE_CLOG_H

enum clog_level {
    CLOG_ERROR = 0,  /* the collector cannot do its job (disk full, database broken) */
    CLOG_WARN = 1,   /* something refused or malformed; the collector carries on */
    CLOG_INFO = 2,   /* start, stop, a gateway connected */
    CLOG_DEBUG = 3   /* every batch */
};

void clog_set_level(int level);
int clog_enabled(int level);
/* "error", "warn", "info", "debug" -> level; -1 for anything else. */
int clog_level_parse(const char *name);
void clog_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
