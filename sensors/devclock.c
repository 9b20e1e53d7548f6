/* devclock.c -- board milliseconds to lofte-epoch time (see devclock.h). */
#include "devclock.h"

void devclock_init(struct devclock *c)
{
    c->known = 0;
    c->epoch_ms_at_boot = 0;
}

void devclock_set(struct devclock *c, uint64_t now_ms, uint32_t station_time_s,
                  uint32_t ack_airtime_ms)
{
    uint64_t epoch_now = (uint64_t)station_time_s * 1000u + ack_airtime_ms;
    /* A station clock earlier than our uptime would put the boot before the
     * epoch; clamp rather than wrap. */
    c->epoch_ms_at_boot = epoch_now > now_ms ? epoch_now - now_ms : 0;
    c->known = 1;
}

uint32_t devclock_record_minutes(const struct devclock *c, uint64_t now_ms,
                                 uint8_t *clock_unset)
{
    uint64_t min;
    if (c->known) {
        *clock_unset = 0;
        min = (c->epoch_ms_at_boot + now_ms) / 60000u;
    } else {
        *clock_unset = 1;
        min = now_ms / 60000u;
    }
    return min > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)min;
}

uint32_t devclock_epoch_s(const struct devclock *c, uint64_t now_ms)
{
    uint64_t s;
    if (!c->known)
        return 0;
    s = (c->epoch_ms_at_boot + now_ms) / 1000u;
    return s > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)s;
}

uint64_t devclock_board_ms(const struct devclock *c, uint32_t epoch_s)
{
    uint64_t at = (uint64_t)epoch_s * 1000u;
    if (!c->known || at <= c->epoch_ms_at_boot)
        return 0;
    return at - c->epoch_ms_at_boot;
}
