/* counter.c -- reserve-ahead frame counter (the rule is in counter.h). */
#include "counter.h"

const char *counter_strerror(int err)
{
    switch (err) {
    case COUNTER_OK: return "ok";
    case COUNTER_ERR_FLASH: return "counter reservation could not be written to flash";
    case COUNTER_ERR_EXHAUSTED: return "all frame counters used: the device must be re-keyed";
    }
    return "unknown counter error";
}

void counter_open(struct counter *c, struct statelog *log)
{
    c->log = log;
    c->next = log->v.reserved_until;  /* statelog_open never leaves it 0 */
}

int counter_take(struct counter *c, uint32_t *out)
{
    *out = 0;
    /* 0xFFFFFFFF is never handed out: a reservation above it cannot be
     * stored, and after it the 32-bit counter would wrap to 0 and repeat. */
    if (c->next == 0 || c->next == 0xFFFFFFFFu)
        return COUNTER_ERR_EXHAUSTED;
    if (c->log->v.reserved_until <= c->next) {
        struct statelog_values v = c->log->v;
        uint64_t r = (uint64_t)c->next + COUNTER_RESERVE;
        v.reserved_until = r > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)r;
        if (statelog_write(c->log, &v))
            return COUNTER_ERR_FLASH;
    }
    *out = c->next++;
    return COUNTER_OK;
}
