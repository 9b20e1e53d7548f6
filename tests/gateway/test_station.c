/* test_station.c -- the station's counter, duplicate and ack rules. */
#include "proto_err.h"
#include "station.h"
#include "testutil.h"

#define DEV 0x11223344u

static struct station_device table[8];
static struct station st;
static uint8_t key[RADIO_KEY_LEN];

static void setup(void)
{
    size_t i;
    for (i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(0xA0 + i);
    station_init(&st, 3, table, 8);
    cr_assert_eq(station_add_device(&st, DEV, key), PROTO_OK);
}

TestSuite(station, .init = setup);

static size_t seal(uint32_t counter, struct record *r, uint8_t *frame)
{
    size_t n;
    cr_assert_eq(radio_uplink_seal(key, DEV, counter, r, frame, RADIO_UPLINK_MAX_LEN, &n),
                 PROTO_OK);
    return n;
}

static size_t stop_frame(uint32_t counter, uint8_t *frame)
{
    struct record r;
    memset(&r, 0, sizeof r);
    r.activity = ACT_GUARD_HARBOUR;
    r.start_min = 2400000u + counter;
    r.quantity = 1;
    r.cell = RECORD_CELL_NONE;
    return seal(counter, &r, frame);
}

/* The gateway's path for one frame: open, store if new, mark held. */
static int deliver(uint32_t counter)
{
    uint8_t frame[RADIO_UPLINK_MAX_LEN];
    size_t n = stop_frame(counter, frame);
    struct station_device *d;
    struct record rec;
    uint32_t c;
    int v = station_open(&st, frame, n, &d, &c, &rec);
    if (v > 0) {
        cr_assert_eq(c, counter);
        station_mark_held(d, c);
    }
    return v;
}

Test(station, stores_a_record_once_and_calls_its_retransmission_a_duplicate)
{
    cr_assert_eq(deliver(1), STATION_NEW);
    cr_assert_eq(deliver(1), STATION_DUPLICATE);
    cr_assert_eq(station_find(&st, DEV)->acked, 1);
}

Test(station, advances_the_cumulative_ack_only_over_contiguous_counters)
{
    struct station_device *d = station_find(&st, DEV);
    cr_assert_eq(deliver(1), STATION_NEW);
    cr_assert_eq(deliver(3), STATION_NEW);
    cr_assert_eq(deliver(4), STATION_NEW);
    cr_assert_eq(d->acked, 1, "2 is missing");
    cr_assert_eq(deliver(3), STATION_DUPLICATE, "held above the ack");
    cr_assert_eq(deliver(2), STATION_NEW);
    cr_assert_eq(d->acked, 4);
}

Test(station, rejects_a_forged_frame_without_moving_any_state)
{
    uint8_t frame[RADIO_UPLINK_MAX_LEN];
    size_t n = stop_frame(5000, frame);
    struct station_device *d;
    struct record rec;
    uint32_t c;
    frame[n - 1] ^= 0x80;
    cr_assert_eq(station_open(&st, frame, n, &d, &c, &rec), PROTO_ERR_BAD_TAG);
    cr_assert_eq(d->ref, 0, "a forgery must not move the counter reference");
    cr_assert_eq(d->acked, 0);
}

Test(station, names_an_unknown_device_and_a_wrong_frame_type)
{
    uint8_t frame[RADIO_UPLINK_MAX_LEN], ackf[RADIO_ACK_LEN];
    size_t n = stop_frame(1, frame), an;
    struct station_device *d;
    struct record rec;
    uint32_t c;
    struct radio_ack a = {DEV, 1, 100, 1};
    frame[1] ^= 1; /* another pseudonym */
    cr_assert_eq(station_open(&st, frame, n, &d, &c, &rec), STATION_ERR_UNKNOWN_DEVICE);
    cr_assert_null(d);
    cr_assert_eq(radio_ack_seal(key, &a, ackf, sizeof ackf, &an), PROTO_OK);
    cr_assert_eq(station_open(&st, ackf, an, &d, &c, &rec), STATION_ERR_NOT_UPLINK);
    cr_assert_str_eq(station_errname(STATION_ERR_UNKNOWN_DEVICE), "unknown_device");
    cr_assert_str_eq(station_errname(PROTO_ERR_BAD_TAG), "bad_tag");
}

Test(station, a_heartbeat_closes_gaps_of_skipped_counters)
{
    struct station_device *d = station_find(&st, DEV);
    uint8_t frame[RADIO_UPLINK_MAX_LEN];
    struct record hb, rec;
    uint32_t c;
    size_t n;
    cr_assert_eq(deliver(1), STATION_NEW);
    cr_assert_eq(deliver(2), STATION_NEW);
    /* power cut: the device skipped 3..64 and continues at 65 */
    cr_assert_eq(deliver(66), STATION_NEW);
    memset(&hb, 0, sizeof hb);
    hb.activity = ACT_ADMIN_HEARTBEAT;
    hb.cell = RECORD_CELL_NONE;
    hb.oldest_unacked = 66; /* it still holds 66, nothing below */
    n = seal(65 + 2, &hb, frame);
    cr_assert_eq(station_open(&st, frame, n, &d, &c, &rec), STATION_NEW);
    station_mark_held(d, c);
    station_heartbeat(d, c, &rec);
    cr_assert_eq(d->acked, 67, "65 vouched absent, 66 and 67 held");
}

Test(station, a_heartbeat_with_an_empty_queue_vouches_for_everything_before_it)
{
    struct station_device *d = station_find(&st, DEV);
    uint8_t frame[RADIO_UPLINK_MAX_LEN];
    struct record hb, rec;
    uint32_t c;
    size_t n;
    memset(&hb, 0, sizeof hb);
    hb.activity = ACT_ADMIN_HEARTBEAT;
    hb.cell = RECORD_CELL_NONE;
    n = seal(129, &hb, frame);
    cr_assert_eq(station_open(&st, frame, n, &d, &c, &rec), STATION_NEW);
    station_mark_held(d, c);
    cr_assert_eq(d->acked, 0);
    station_heartbeat(d, c, &rec);
    cr_assert_eq(d->acked, 129);
}

Test(station, a_counter_beyond_the_window_is_accepted_and_acked_once_resent)
{
    struct station_device *d = station_find(&st, DEV);
    uint32_t far = STATION_WINDOW + 10;
    cr_assert_eq(deliver(far), STATION_NEW, "never refuse an authentic record");
    cr_assert_eq(d->acked, 0);
    {
        uint32_t c;
        for (c = 1; c < far; c++)
            cr_assert_eq(deliver(c), STATION_NEW);
    }
    cr_assert_eq(d->acked, far - 1, "the far one was not remembered");
    cr_assert_eq(deliver(far), STATION_NEW, "its resend is stored (the store dedups) and held");
    cr_assert_eq(d->acked, far);
}

Test(station, keeps_ack_times_strictly_increasing_so_the_nonce_never_repeats)
{
    struct station_device *d = station_find(&st, DEV);
    uint8_t a1[RADIO_ACK_LEN], a2[RADIO_ACK_LEN], a3[RADIO_ACK_LEN];
    size_t n;
    struct radio_ack got;
    int64_t now = LOFTE_EPOCH_UNIX + 1000000, sent;
    cr_assert_eq(deliver(1), STATION_NEW);
    cr_assert_eq(station_make_ack(&st, d, now, a1, sizeof a1, &n, &sent), PROTO_OK);
    cr_assert_eq(sent, now);
    cr_assert_eq(station_make_ack(&st, d, now, a2, sizeof a2, &n, &sent), PROTO_OK);
    cr_assert_eq(sent, now + 1, "the caller must send it a second later");
    cr_assert_eq(station_make_ack(&st, d, now - 3600, a3, sizeof a3, &n, &sent), PROTO_OK,
                 "a clock stepped back");
    cr_assert_eq(radio_ack_open(key, a1, n, &got), PROTO_OK);
    cr_assert_eq(got.station_time, 1000000);
    cr_assert_eq(got.station, 3);
    cr_assert_eq(got.acked, 1);
    cr_assert_eq(radio_ack_open(key, a2, n, &got), PROTO_OK);
    cr_assert_eq(got.station_time, 1000001);
    cr_assert_eq(radio_ack_open(key, a3, n, &got), PROTO_OK);
    cr_assert_eq(got.station_time, 1000002);
}

Test(station, schedules_the_ack_on_the_first_whole_second_after_the_rx_delay)
{
    cr_assert_eq(station_ack_second(1700000000000LL), 1700000001LL);
    cr_assert_eq(station_ack_second(1700000000001LL), 1700000002LL);
    cr_assert_eq(station_ack_second(1700000000999LL), 1700000002LL);
}

/* The naive reference: a plain set of held counters; acked is the largest
 * k with 1..k all held or vouched for. Compared with the windowed state
 * over random arrivals with duplicates, reordering and heartbeats. */
Test(station, agrees_with_a_naive_set_over_random_arrival_orders)
{
    enum { N = 3000 };
    static uint8_t held[N + 2];
    struct station_device *d = station_find(&st, DEV);
    uint32_t floor = 0, k = 0, i;
    uint64_t rng = 42;
    for (i = 0; i < 20000; i++) {
        uint32_t c;
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        /* mostly near the ack (retries, reordering), sometimes far ahead */
        c = (rng % 10 == 0) ? 1 + (uint32_t)(rng >> 20) % N
                            : d->acked + 1 + (uint32_t)(rng >> 20) % 40;
        if (c > N)
            continue;
        deliver(c);
        /* the specified forgetting: a counter more than a window ahead of
         * the ack is not remembered (the device resends it) */
        if (c <= k + STATION_WINDOW)
            held[c] = 1;
        if (rng % 997 == 0 && d->acked < N - 50) {
            /* a heartbeat vouching that nothing below acked+5 is left */
            struct record hb, rec;
            struct station_device *dd;
            uint8_t frame[RADIO_UPLINK_MAX_LEN];
            uint32_t hc = N + 1 + i, got;
            size_t n;
            memset(&hb, 0, sizeof hb);
            hb.activity = ACT_ADMIN_HEARTBEAT;
            hb.cell = RECORD_CELL_NONE;
            hb.oldest_unacked = d->acked + 5;
            n = seal(hc, &hb, frame);
            cr_assert_gt(station_open(&st, frame, n, &dd, &got, &rec), 0);
            station_heartbeat(dd, got, &rec);
            if (d->acked + 4 > floor)
                floor = hb.oldest_unacked - 1;
        }
        for (k = 0; k < N && (k + 1 <= floor || held[k + 1]); k++)
            ;
        cr_assert_eq(d->acked, k, "step %u: windowed %u, naive %u", i, d->acked, k);
    }
}
