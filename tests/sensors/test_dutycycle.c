/* test_dutycycle.c -- the EU868 budget (sensors/dutycycle.c) on its own. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "airtime.h"
#include "dutycycle.h"

#define G1 868100000u
#define HOUR 3600000u

Test(dutycycle, after_a_frame_the_band_is_closed_for_99_times_its_airtime)
{
    struct dutycycle dc;
    uint32_t t = airtime_us(9, 125, 5, 28); /* 226.3 ms */
    dutycycle_init(&dc);
    cr_assert_eq(dutycycle_wait_ms(&dc, G1, 1000, t), 0);
    dutycycle_note(&dc, G1, 1000, t);
    /* closed until start + T + 99 T (each rounded up to whole ms) */
    {
        int64_t closed = (t + 999) / 1000 + ((uint64_t)t * 99 + 999) / 1000;
        cr_assert_eq(closed, 227 + 22405);
        cr_assert_eq(dutycycle_wait_ms(&dc, G1, 1000, t), closed);
        cr_assert_eq(dutycycle_wait_ms(&dc, G1, 1000 + (uint64_t)closed - 1, t), 1);
        cr_assert_eq(dutycycle_wait_ms(&dc, G1, 1000 + (uint64_t)closed, t), 0);
    }
    cr_assert_eq(dc.band[1].airtime_us, t);
}

Test(dutycycle, other_bands_have_their_own_budget_and_share)
{
    struct dutycycle dc;
    uint32_t t = 100000; /* 100 ms */
    dutycycle_init(&dc);
    dutycycle_note(&dc, G1, 0, t);
    cr_assert_eq(dutycycle_wait_ms(&dc, 869525000u, 0, t), 0, "g3 untouched");
    dutycycle_note(&dc, 869525000u, 0, t);
    cr_assert_eq(dutycycle_wait_ms(&dc, 869525000u, 0, t), 100 + 900, "10 %%: 9 T off");
    dutycycle_note(&dc, 868900000u, 0, t);
    cr_assert_eq(dutycycle_wait_ms(&dc, 868900000u, 0, t), 100 + 99900, "0.1 %%: 999 T off");
}

Test(dutycycle, frequencies_outside_eu868_and_frames_beyond_the_share_are_refused)
{
    struct dutycycle dc;
    dutycycle_init(&dc);
    cr_assert_eq(dutycycle_band_of(915000000u), DUTYCYCLE_ERR_BAND);
    cr_assert_eq(dutycycle_band_of(869300000u), DUTYCYCLE_ERR_BAND, "gap between g2 and g3");
    cr_assert_eq(dutycycle_wait_ms(&dc, 915000000u, 0, 1000), DUTYCYCLE_ERR_BAND);
    cr_assert_eq(dutycycle_wait_ms(&dc, 868900000u, 0, 3600001u), DUTYCYCLE_ERR_TOO_LONG);
    cr_assert_eq(dutycycle_wait_ms(&dc, 868900000u, 0, 3600000u), 0);
    cr_assert_str_eq(dutycycle_band_at(dutycycle_band_of(G1))->name, "g1");
    cr_assert_null(dutycycle_band_at(DUTYCYCLE_BANDS));
}

/* Air time in the worst window of a schedule: the max over windows that
 * end where a transmission ends (enough, see dutycycle.h). */
struct tx {
    uint64_t at, us;
};

static uint64_t worst_hour_us(const struct tx *t, size_t n)
{
    size_t i, j;
    uint64_t worst = 0;
    for (j = 0; j < n; j++) {
        uint64_t end = t[j].at * 1000 + t[j].us, lo = end > (uint64_t)HOUR * 1000 ? end - (uint64_t)HOUR * 1000 : 0;
        uint64_t sum = 0;
        for (i = 0; i <= j; i++) {
            uint64_t s = t[i].at * 1000, e = s + t[i].us;
            if (e > lo)
                sum += e - (s > lo ? s : lo);
        }
        if (sum > worst)
            worst = sum;
    }
    return worst;
}

Test(dutycycle, a_sender_as_fast_as_allowed_never_exceeds_one_percent_in_any_hour)
{
    static struct tx t[4000];
    struct dutycycle dc;
    size_t n = 0;
    uint64_t now = 0;
    unsigned seed = 7;
    dutycycle_init(&dc);
    /* mixed frame lengths and spreading factors, always sending at once */
    while (now < 5ull * HOUR && n < 4000) {
        uint8_t sf = (uint8_t)(7 + (seed = seed * 1103515245u + 12345u) % 6);
        uint32_t us = airtime_us(sf, 125, 5, (uint16_t)(23 + (seed >> 8) % 10));
        int64_t w = dutycycle_wait_ms(&dc, G1, now, us);
        cr_assert_geq(w, 0);
        now += (uint64_t)w;
        dutycycle_note(&dc, G1, now, us);
        t[n].at = now;
        t[n].us = us;
        n++;
    }
    cr_assert_gt(n, 200);
    cr_assert_leq(worst_hour_us(t, n), 36000000u, "worst hour %llu us",
                  (unsigned long long)worst_hour_us(t, n));
    /* and the budget is used, not wasted: > 95 % of 1 % over 5 hours */
    {
        uint64_t sum = 0;
        size_t i;
        for (i = 0; i < n; i++)
            sum += t[i].us;
        cr_assert_gt(sum, 5ull * 36000000u * 95 / 100, "used %llu us",
                     (unsigned long long)sum);
    }
}

Test(dutycycle, the_time_off_rule_alone_would_exceed_the_share_so_the_window_rule_binds)
{
    struct dutycycle dc;
    uint32_t us = airtime_us(9, 125, 5, 28);
    uint64_t now = 0;
    int i, waited_longer = 0;
    dutycycle_init(&dc);
    for (i = 0; i < 400; i++) {
        int64_t w = dutycycle_wait_ms(&dc, G1, now, us);
        uint64_t off_only = dc.band[1].free_at_ms > now ? dc.band[1].free_at_ms - now : 0;
        if ((uint64_t)w > off_only)
            waited_longer++;
        now += (uint64_t)w;
        dutycycle_note(&dc, G1, now, us);
    }
    cr_assert_gt(waited_longer, 0, "160 frames at the 99 T pace would be 36.2 s in an hour");
}

Test(dutycycle, the_last_minutes_air_time_is_what_was_booked_in_them_even_after_the_ring_wrapped)
{
    struct dutycycle dc;
    uint64_t m = DUTYCYCLE_BUCKET_MS;
    dutycycle_init(&dc);
    dutycycle_note(&dc, G1, 5 * m + 10, 1000);
    dutycycle_note(&dc, G1, 6 * m + 10, 2000);
    cr_assert_eq(dutycycle_recent_us(&dc, G1, 6 * m + 500, 60), 3000);
    cr_assert_eq(dutycycle_recent_us(&dc, G1, 6 * m + 500, 1), 2000, "this minute only");
    cr_assert_eq(dutycycle_recent_us(&dc, G1, 65 * m, 60), 2000, "minute 5 left the hour");
    cr_assert_eq(dutycycle_recent_us(&dc, 869525000u, 6 * m + 500, 60), 0, "another band");
    /* 64 minutes later the same ring slot holds the new minute, not both */
    dutycycle_note(&dc, G1, (6 + 64) * m + 10, 4000);
    cr_assert_eq(dutycycle_recent_us(&dc, G1, (6 + 64) * m + 500, 64), 4000);
    /* and a window ending there counts only the new booking */
    cr_assert_eq(dutycycle_wait_ms(&dc, G1, (6 + 64) * m + 2000, 36000000u - 4000u), 0,
                 "the hour's share less the new booking fits, to the microsecond");
    cr_assert_gt(dutycycle_wait_ms(&dc, G1, (6 + 64) * m + 2000, 36000000u - 3999u), 0);
    /* after a gap longer than the ring, nothing old is counted */
    dutycycle_note(&dc, G1, 500 * m, 1500);
    cr_assert_eq(dutycycle_recent_us(&dc, G1, 500 * m + 1, 64), 1500);
}
