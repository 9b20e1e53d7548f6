/* dutycycle.c -- time-off and sliding-hour budget per EU868 sub-band (the
 * two rules and why both are needed are in dutycycle.h). */
#include "dutycycle.h"

#include <string.h>

/* EU868 sub-bands as the LoRaWAN regional parameters list them from ETSI
 * EN 300 220. The handheld's uplinks (868.1/.3/.5 MHz) are in g1; acks come
 * down in g3, which the stations budget. */
static const struct dutycycle_band bands[DUTYCYCLE_BANDS] = {
    {"g", 863000000u, 868000000u, 10},
    {"g1", 868000000u, 868600000u, 10},
    {"g2", 868700000u, 869200000u, 1},
    {"g3", 869400000u, 869650000u, 100},
    {"g4", 869700000u, 870000000u, 10},
};

const char *dutycycle_strerror(int err)
{
    switch (err) {
    case DUTYCYCLE_OK: return "ok";
    case DUTYCYCLE_ERR_BAND: return "frequency outside the EU868 sub-bands";
    case DUTYCYCLE_ERR_TOO_LONG: return "transmission longer than the band's hourly share";
    }
    return "unknown duty-cycle error";
}

const struct dutycycle_band *dutycycle_band_at(int i)
{
    return i >= 0 && i < DUTYCYCLE_BANDS ? &bands[i] : NULL;
}

int dutycycle_band_of(uint32_t freq_hz)
{
    int i;
    for (i = 0; i < DUTYCYCLE_BANDS; i++)
        if (freq_hz >= bands[i].lo_hz && freq_hz < bands[i].hi_hz)
            return i;
    return DUTYCYCLE_ERR_BAND;
}

void dutycycle_init(struct dutycycle *dc)
{
    memset(dc, 0, sizeof *dc);
}

static uint64_t ms_of_us(uint32_t us)
{
    return ((uint64_t)us + 999u) / 1000u;
}

/* First bucket (minute) the window ending at end_ms must count: the one
 * holding its start, and one more for a transmission begun just before. */
static uint64_t first_minute(uint64_t end_ms)
{
    uint64_t start;
    if (end_ms < DUTYCYCLE_WINDOW_MS + DUTYCYCLE_BUCKET_MS)
        return 0;
    start = end_ms - DUTYCYCLE_WINDOW_MS;
    return start / DUTYCYCLE_BUCKET_MS - 1;
}

/* Does the ring hold minute m? The buckets are minutes last_minute - 63
 * .. last_minute (booking moves last_minute forward and clears what it
 * passes), so an older minute is gone and a later one has nothing yet. */
static int holds_minute(const struct dutycycle_state *s, uint64_t m)
{
    return m <= s->last_minute && m + DUTYCYCLE_BUCKETS > s->last_minute;
}

/* Air time (µs) booked in the window ending at end_ms. */
static uint64_t window_us(const struct dutycycle_state *s, uint64_t end_ms)
{
    uint64_t m, sum = 0, last = end_ms / DUTYCYCLE_BUCKET_MS;
    for (m = first_minute(end_ms); m <= last; m++)
        if (holds_minute(s, m))
            sum += s->bucket_us[m % DUTYCYCLE_BUCKETS];
    return sum;
}

uint64_t dutycycle_recent_us(const struct dutycycle *dc, uint32_t freq_hz, uint64_t now_ms,
                             unsigned minutes)
{
    int b = dutycycle_band_of(freq_hz);
    uint64_t m = now_ms / DUTYCYCLE_BUCKET_MS, k, sum = 0;
    if (b < 0)
        return 0;
    if (minutes > DUTYCYCLE_BUCKETS)
        minutes = DUTYCYCLE_BUCKETS;
    for (k = 0; k < minutes && k <= m; k++)
        if (holds_minute(&dc->band[b], m - k))
            sum += dc->band[b].bucket_us[(m - k) % DUTYCYCLE_BUCKETS];
    return sum;
}

int64_t dutycycle_wait_ms(const struct dutycycle *dc, uint32_t freq_hz, uint64_t now_ms,
                          uint32_t airtime_us)
{
    int b = dutycycle_band_of(freq_hz), step;
    const struct dutycycle_state *s;
    uint64_t budget_us, t, t_ms;

    if (b < 0)
        return DUTYCYCLE_ERR_BAND;
    s = &dc->band[b];
    budget_us = (uint64_t)DUTYCYCLE_WINDOW_MS * bands[b].permille; /* ms * permille = µs */
    if (airtime_us > budget_us)
        return DUTYCYCLE_ERR_TOO_LONG;
    t_ms = ms_of_us(airtime_us);
    t = now_ms > s->free_at_ms ? now_ms : s->free_at_ms;
    /* The window's sum only falls as t grows (no bookings in the future),
     * and it changes only when a bucket leaves on the left: try each such
     * moment. After DUTYCYCLE_BUCKETS of them every bucket has left. */
    for (step = 0; step <= DUTYCYCLE_BUCKETS; step++) {
        uint64_t lo;
        if (window_us(s, t + t_ms) + airtime_us <= budget_us)
            return (int64_t)(t - now_ms);
        lo = first_minute(t + t_ms);
        /* smallest t' with first_minute(t' + t_ms) = lo + 1 */
        t = (lo + 2) * DUTYCYCLE_BUCKET_MS + DUTYCYCLE_WINDOW_MS - t_ms;
    }
    return DUTYCYCLE_ERR_TOO_LONG;
}

static void book(struct dutycycle_state *s, uint16_t permille, uint64_t start_ms,
                 uint32_t airtime_us)
{
    uint64_t m = start_ms / DUTYCYCLE_BUCKET_MS;
    uint64_t off_ms =
        ((uint64_t)airtime_us * (1000u - permille) / permille + 999u) / 1000u;
    uint64_t free_at = start_ms + ms_of_us(airtime_us) + off_ms;

    if (m > s->last_minute) {
        /* clear the minutes passed over: they saw no transmission */
        uint64_t k = m - s->last_minute > DUTYCYCLE_BUCKETS ? m - DUTYCYCLE_BUCKETS
                                                             : s->last_minute;
        while (k < m)
            s->bucket_us[++k % DUTYCYCLE_BUCKETS] = 0;
        s->last_minute = (uint32_t)m;
    } else if (m < s->last_minute) {
        /* board time runs forward, so this does not happen; were it to,
         * booking it in the latest minute keeps it in every later window
         * (conservative) */
        m = s->last_minute;
    }
    s->bucket_us[m % DUTYCYCLE_BUCKETS] += airtime_us;
    if (free_at > s->free_at_ms)
        s->free_at_ms = free_at;
}

void dutycycle_note(struct dutycycle *dc, uint32_t freq_hz, uint64_t now_ms, uint32_t airtime_us)
{
    int b = dutycycle_band_of(freq_hz);
    if (b < 0)
        return;
    book(&dc->band[b], bands[b].permille, now_ms, airtime_us);
    dc->band[b].airtime_us += airtime_us;
}

void dutycycle_assume(struct dutycycle *dc, uint32_t freq_hz, uint64_t now_ms,
                      uint32_t airtime_us)
{
    int b = dutycycle_band_of(freq_hz);
    if (b < 0)
        return;
    book(&dc->band[b], bands[b].permille, now_ms, airtime_us);
}
