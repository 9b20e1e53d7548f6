/* dutycycle.h -- the EU868 duty-cycle budget, per sub-band.
 *
 * ETSI EN 300 220 (and the LoRaWAN EU868 regional parameters) limit each
 * sub-band's share of air time: 1 % in most of them, so one device may use
 * 36 s of air per hour per sub-band. Two rules, both enforced:
 *
 *   1. time-off: after a transmission of T the band is closed for
 *      T * (1000 / permille - 1), i.e. 99 T at 1 % (the LoRaWAN rule);
 *   2. sliding hour: the air time of every one-hour window may not exceed
 *      the share. Rule 1 alone lets a window hold one frame more than its
 *      share (160 frames of 226 ms start in an hour at the 99 T pace: 36.2 s),
 *      so before each transmission the window ending with it is checked.
 *      Checking windows that end where a transmission ends suffices: sliding
 *      any other window's end up to the next such point loses no more at its
 *      start than it gains at its end.
 *
 * The window is kept as 64 one-minute buckets per band (air time in µs,
 * counted in the bucket where the transmission starts). A bucket that
 * overlaps the window's edge counts whole, one more bucket is counted on the
 * left for transmissions that began before it: conservative, at a cost of
 * about 3 % of the budget. 64 x 4 bytes per band (a ring up to the latest
 * booking's minute), no transmission history.
 *
 * Times are the board's milliseconds since boot. The budget lives in RAM and
 * is lost at power-off; the handheld therefore assumes at boot that a frame
 * just went out (dutycycle_assume).
 */
#ifndef LOFTE_DUTYCYCLE_H
#define LOFTE_DUTYCYCLE_H

#include <stdint.h>

#define DUTYCYCLE_BANDS 5
#define DUTYCYCLE_WINDOW_MS 3600000u
#define DUTYCYCLE_BUCKET_MS 60000u
#define DUTYCYCLE_BUCKETS 64

enum dutycycle_err {
    DUTYCYCLE_OK = 0,
    DUTYCYCLE_ERR_BAND = -1,     /* frequency outside every EU868 sub-band */
    DUTYCYCLE_ERR_TOO_LONG = -2  /* one transmission exceeds the band's hourly share */
};

const char *dutycycle_strerror(int err);

struct dutycycle_band {
    const char *name;            /* "g1" etc. (ETSI EN 300 220 sub-band) */
    uint32_t lo_hz, hi_hz;       /* channel centre frequencies within [lo, hi) */
    uint16_t permille;           /* share of air time: 10 = 1 % */
};

struct dutycycle_state {
    uint64_t free_at_ms;                        /* time-off ends */
    uint64_t airtime_us;                        /* total sent since boot (statistics) */
    uint32_t last_minute;                       /* minute of the latest booking */
    uint32_t bucket_us[DUTYCYCLE_BUCKETS];      /* minute m at m % 64, for the 64
                                                   minutes up to last_minute */
};

struct dutycycle {
    struct dutycycle_state band[DUTYCYCLE_BANDS];
};

/* The sub-band table; NULL past the end. */
const struct dutycycle_band *dutycycle_band_at(int i);

/* Index of the sub-band holding freq_hz, or DUTYCYCLE_ERR_BAND. */
int dutycycle_band_of(uint32_t freq_hz);

void dutycycle_init(struct dutycycle *dc);

/* Milliseconds to wait, from now_ms, before a transmission of airtime_us
 * may start at freq_hz (0: now). Negative dutycycle_err if it never may. */
int64_t dutycycle_wait_ms(const struct dutycycle *dc, uint32_t freq_hz, uint64_t now_ms,
                          uint32_t airtime_us);

/* Air time (µs) booked in the band of freq_hz in the last `minutes`
 * one-minute buckets up to and including now_ms's (at most
 * DUTYCYCLE_BUCKETS); 0 for a frequency outside every band. */
uint64_t dutycycle_recent_us(const struct dutycycle *dc, uint32_t freq_hz, uint64_t now_ms,
                             unsigned minutes);

/* Book a transmission that starts at now_ms. */
void dutycycle_note(struct dutycycle *dc, uint32_t freq_hz, uint64_t now_ms, uint32_t airtime_us);

/* Book a transmission that may have happened just before now_ms (before a
 * reboot), without counting it in the statistics. */
void dutycycle_assume(struct dutycycle *dc, uint32_t freq_hz, uint64_t now_ms,
                      uint32_t airtime_us);

#endif
