/* devclock.h -- the handheld's idea of the time of day.
 *
 * The board has only a monotonic millisecond clock that restarts at 0 on
 * every power-on. Real time comes from the station: each accepted ack
 * carries station_time, seconds since the lofte epoch (docs/protocol.md
 * §6.3); the device keeps the offset between the two. Until the first ack
 * after a power-on the clock is unknown, and records carry clock_unset = 1
 * with start_min counted in minutes since boot (§2.1).
 *
 * Accuracy: the ack's own air time (a few hundred ms) is added; drift of the
 * MCU's oscillator between acks is corrected by the next ack. Both are far
 * below the record's minute resolution.
 */
#ifndef LOFTE_DEVCLOCK_H
#define LOFTE_DEVCLOCK_H

#include <stdint.h>

struct devclock {
    int known;
    uint64_t epoch_ms_at_boot;   /* lofte-epoch ms when the board clock read 0 */
};

void devclock_init(struct devclock *c);

/* An accepted ack, received at board time now_ms, said station_time_s; its
 * transmission took ack_airtime_ms. */
void devclock_set(struct devclock *c, uint64_t now_ms, uint32_t station_time_s,
                  uint32_t ack_airtime_ms);

/* Minutes for a record's start_min, and its clock_unset flag. */
uint32_t devclock_record_minutes(const struct devclock *c, uint64_t now_ms,
                                 uint8_t *clock_unset);

/* Lofte-epoch seconds now; 0 if the clock is unknown. */
uint32_t devclock_epoch_s(const struct devclock *c, uint64_t now_ms);

/* Board time (ms) at which the lofte-epoch second epoch_s begins; 0 if the
 * clock is unknown or that moment was before boot. */
uint64_t devclock_board_ms(const struct devclock *c, uint32_t epoch_s);

#endif
