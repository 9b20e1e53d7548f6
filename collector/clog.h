/* clog.h -- the collector's log calls, on the one log module of every
 * program (gateway/log.h): the same line format from the gateway, the
 * collector and the tools (see log.h: "<N>message" for journald when stderr
 * is not a terminal, "TIME level: message" on a terminal).
 *
 * Design note. The collector's modules were written against these names;
 * they stay as thin aliases so those modules need no change, but there is
 * one implementation, one level and one format. Modules log what an
 * operator must act on (a full disk, a refused gateway) and count
 * everything else. Secret keys are never passed here: callers log public
 * keys and names only.
 */
#ifndef LOFTE_CLOG_H
#define LOFTE_CLOG_H

#include "log.h"

enum clog_level {
    CLOG_ERROR = LOG_LEVEL_ERROR,  /* the collector cannot do its job (disk full, database broken) */
    CLOG_WARN = LOG_LEVEL_WARN,    /* something refused or malformed; the collector carries on */
    CLOG_INFO = LOG_LEVEL_INFO,    /* start, stop, a gateway connected */
    CLOG_DEBUG = LOG_LEVEL_DEBUG   /* every batch */
};

static inline void clog_set_level(int level)
{
    log_set_level((enum log_level)level);
}

static inline int clog_enabled(int level)
{
    return log_enabled((enum log_level)level);
}

#define clog_msg(level, ...) log_msg((enum log_level)(level), __VA_ARGS__)

#endif
