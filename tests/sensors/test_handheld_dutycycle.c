/* test_handheld_dutycycle.c -- over many simulated hours, the handheld never
 * uses more than its share of air time in any sliding hour, judged from the
 * outside: from the board's own log of transmissions, not from the
 * firmware's books. */
#include <criterion/criterion.h>
#include <string.h>

#include "dutycycle.h"
#include "rig.h"

static struct rig r;

static void rig_down(void)
{
    rig_free(&r);
}

TestSuite(dutycycle_run, .fini = rig_down);

#define HOUR_US 3600000000ull

/* The largest air time (µs) of band b in any one-hour window. Windows that
 * end where a transmission ends, and windows that start where one starts,
 * are where the maximum lies; both are checked. */
static uint64_t worst_hour_us(int band, size_t *frames)
{
    size_t i, j;
    uint64_t worst = 0;
    *frames = 0;
    for (j = 0; j < r.ntx; j++) {
        uint64_t s = r.tx[j].at_ms * 1000ull, e = s + r.tx[j].airtime_us;
        uint64_t w[2][2], k;
        if (dutycycle_band_of(r.tx[j].p.freq_hz) != band)
            continue;
        (*frames)++;
        w[0][0] = e > HOUR_US ? e - HOUR_US : 0; /* ending at e */
        w[0][1] = e;
        w[1][0] = s;                              /* starting at s */
        w[1][1] = s + HOUR_US;
        for (k = 0; k < 2; k++) {
            uint64_t sum = 0;
            for (i = 0; i < r.ntx; i++) {
                uint64_t ts = r.tx[i].at_ms * 1000ull, te = ts + r.tx[i].airtime_us;
                if (dutycycle_band_of(r.tx[i].p.freq_hz) != band || te <= w[k][0] ||
                    ts >= w[k][1])
                    continue;
                sum += (te < w[k][1] ? te : w[k][1]) - (ts > w[k][0] ? ts : w[k][0]);
            }
            if (sum > worst)
                worst = sum;
        }
    }
    return worst;
}

static void long_run(uint8_t sf, int records, uint64_t hours, uint64_t seed)
{
    int i, b;
    uint32_t c[1024];
    struct handheld_stats st;
    uint64_t sum_us = 0;
    size_t k;

    rig_init(&r, HANDHELD_FLASH_PAGE_SIZE, HANDHELD_FLASH_PAGES, seed);
    r.cfg.uplink.sf = sf;
    r.loss_permille = 100; /* 10 % of uplinks and of acks lost: retries */
    cr_assert_eq(rig_provision(&r), HANDHELD_OK);
    cr_assert_eq(rig_boot(&r), HANDHELD_OK);
    for (i = 0; i < records; i++) {
        struct record rec = rig_record(ACT_ALCOHOL_SCREENING);
        rec.quantity = (uint16_t)i;
        cr_assert_eq(handheld_log(&r.h, &rec, &c[i]), HANDHELD_OK);
        rig_run_for(&r, 1000); /* one a second: far faster than the air allows */
    }
    rig_run_for(&r, hours * 3600000u);

    cr_assert_eq(handheld_queue_depth(&r.h), 0, "all delivered");
    for (i = 0; i < records; i++)
        cr_assert(r.held[c[i]], "station holds %u", c[i]);
    handheld_stats(&r.h, &st);
    cr_assert_gt(st.retries, 0, "losses forced retries");
    for (k = 0; k < r.ntx; k++)
        sum_us += r.tx[k].airtime_us;
    b = dutycycle_band_of(r.cfg.uplink.freq_hz);
    cr_assert_eq(st.airtime_us[b], sum_us, "the firmware's books match the board's log");
    for (b = 0; b < DUTYCYCLE_BANDS; b++) {
        size_t frames;
        uint64_t worst = worst_hour_us(b, &frames);
        uint64_t share = 3600000ull * dutycycle_band_at(b)->permille;
        cr_assert_leq(worst, share, "band %s: %llu us in one hour (%zu frames)",
                      dutycycle_band_at(b)->name, (unsigned long long)worst, frames);
        if (b == dutycycle_band_of(r.cfg.uplink.freq_hz))
            cr_assert_gt(worst, share * 9 / 10, "and the budget is used: %llu us",
                         (unsigned long long)worst);
    }
    cr_assert_eq(r.nonce_reuse, 0);
}

Test(dutycycle_run, a_thousand_records_at_sf9_never_exceed_one_percent_in_any_hour)
{
    long_run(9, 1000, 30, 1);
}

Test(dutycycle_run, long_sf12_frames_never_exceed_one_percent_in_any_hour)
{
    long_run(12, 150, 30, 2);
}
