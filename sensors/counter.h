/* counter.h -- the uplink frame counter, never reused (docs/protocol.md §5.1).
 *
 * Each record takes the next 32-bit counter when it is logged; the counter
 * is the CCM nonce's only varying part, so handing one out twice under the
 * same key would be a catastrophe (two plaintexts under one keystream, and
 * a forgeable tag). The rule, across power loss at any instant:
 *
 *   before handing out c, make sure the stored reservation R > c; when it
 *   is not, persist R = c + COUNTER_RESERVE first. After power-on, continue
 *   from the stored R.
 *
 * So one flash write (a statelog entry) per 64 counters, and a power cut
 * skips at most 64 counters (63 after the last one handed out, plus the one
 * whose reservation was being written if the cut came right after it),
 * never repeats one. The station closes such gaps through the heartbeat
 * (§5.4).
 */
#ifndef LOFTE_COUNTER_H
#define LOFTE_COUNTER_H

#include <stdint.h>

#include "statelog.h"

#define COUNTER_RESERVE 64u

enum counter_err {
    COUNTER_OK = 0,
    COUNTER_ERR_FLASH = -1,      /* reservation could not be persisted */
    COUNTER_ERR_EXHAUSTED = -2   /* all 2^32 - 1 counters used: re-key the device */
};

const char *counter_strerror(int err);

struct counter {
    struct statelog *log;        /* holds the reservation; shared with the ack state */
    uint32_t next;               /* next counter to hand out */
};

/* Continue from the reservation stored in log (already opened). */
void counter_open(struct counter *c, struct statelog *log);

/* Hand out the next counter. Writes flash only when the reservation is
 * used up. On error *out is 0 and no counter was handed out. */
int counter_take(struct counter *c, uint32_t *out);

/* The counter counter_take would hand out next (without reserving it). */
static inline uint32_t counter_peek(const struct counter *c)
{
    return c->next;
}

#endif
