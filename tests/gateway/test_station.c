/* test_station.c -- the station's counter, duplicate and ack rules. */
#include <mbedtls/ccm.h>

#include "proto_err.h"
#include "station.h"
#include "testutil.h"
#include "vectors.h"

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

/* --- a station with no state for a device whose counter passed 65535
 * (docs/protocol.md §5.2's search), and the cases §3, §5.1 and §5.4 name */

static size_t heartbeat_frame(uint32_t counter, uint32_t oldest_unacked, uint8_t *frame)
{
    struct record hb;
    memset(&hb, 0, sizeof hb);
    hb.activity = ACT_ADMIN_HEARTBEAT;
    hb.cell = RECORD_CELL_NONE;
    hb.oldest_unacked = oldest_unacked;
    return seal(counter, &hb, frame);
}

/* The gateway's full path for one frame, heartbeat rule included. */
static int deliver_frame(const uint8_t *frame, size_t n, uint32_t *counter)
{
    struct station_device *d;
    struct record rec;
    int v = station_open(&st, frame, n, &d, counter, &rec);
    if (v == STATION_NEW) {
        station_mark_held(d, *counter);
        station_heartbeat(d, *counter, &rec);
    }
    return v;
}

Test(station, a_fresh_station_hears_a_device_at_counter_70000)
{
    struct station_device *d = station_find(&st, DEV);
    uint8_t frame[RADIO_UPLINK_MAX_LEN];
    uint32_t c = 0;
    size_t n = heartbeat_frame(70000, 0, frame);
    cr_assert_eq(d->ref, 0, "no stored state");
    cr_assert_eq(deliver_frame(frame, n, &c), STATION_NEW);
    cr_assert_eq(c, 70000);
    cr_assert_eq(d->ref, 70000);
    cr_assert_eq(d->acked, 70000, "the heartbeat vouched for 1..69999 and holds itself");
    cr_assert_eq(deliver(70001), STATION_NEW, "the window works from the learnt reference");
    cr_assert_eq(deliver(70003), STATION_NEW);
    cr_assert_eq(deliver(70002), STATION_NEW);
    cr_assert_eq(d->acked, 70003);
    cr_assert_eq(deliver(70001), STATION_DUPLICATE);
}

Test(station, still_rejects_forgeries_of_a_device_it_has_no_state_for)
{
    struct station_device *d = station_find(&st, DEV);
    uint8_t frame[RADIO_UPLINK_MAX_LEN], other[RADIO_KEY_LEN];
    struct record rec;
    uint32_t c;
    size_t n = stop_frame(70000, frame);
    frame[n - 1] ^= 0x01;
    cr_assert_eq(station_open(&st, frame, n, &d, &c, &rec), PROTO_ERR_BAD_TAG);
    frame[n - 1] ^= 0x01;
    frame[RADIO_UPLINK_HDR_LEN] ^= 0x40; /* ciphertext */
    cr_assert_eq(station_open(&st, frame, n, &d, &c, &rec), PROTO_ERR_BAD_TAG);
    /* the right device and counter under another key */
    memcpy(other, key, sizeof other);
    other[0] ^= 1;
    {
        struct record r;
        memset(&r, 0, sizeof r);
        r.activity = ACT_GUARD_HARBOUR;
        r.quantity = 1;
        r.cell = RECORD_CELL_NONE;
        cr_assert_eq(radio_uplink_seal(other, DEV, 70000, &r, frame, sizeof frame, &n), PROTO_OK);
    }
    cr_assert_eq(station_open(&st, frame, n, &d, &c, &rec), PROTO_ERR_BAD_TAG);
    cr_assert_eq(d->ref, 0, "a forgery must not move the counter reference");
    cr_assert_eq(d->acked, 0);
}

Test(station, hears_a_device_whose_counter_starts_a_block_though_the_window_rebuilds_0)
{
    struct station_device *d;
    uint8_t frame[RADIO_UPLINK_MAX_LEN];
    struct record rec;
    uint32_t c;
    size_t n = stop_frame(0x10000u, frame); /* ctr_low 0: the window's candidate is 0 */
    cr_assert_eq(station_open(&st, frame, n, &d, &c, &rec), STATION_NEW);
    cr_assert_eq(c, 0x10000u);
    /* a forged frame whose low 16 bits rebuild 0 is a forgery like any other */
    frame[n - 2] ^= 0x10;
    station_find(&st, DEV)->ref = 0;
    cr_assert_eq(station_open(&st, frame, n, &d, &c, &rec), PROTO_ERR_BAD_TAG);
}

Test(station, gives_up_past_the_search_bound_and_says_bad_tag)
{
    struct station_device *d;
    uint8_t frame[RADIO_UPLINK_MAX_LEN];
    struct record rec;
    uint32_t c, last = (RADIO_COUNTER_SEARCH_BLOCKS + 1u) * 0x10000u - 1u;
    size_t n = stop_frame(last, frame);
    cr_assert_eq(station_open(&st, frame, n, &d, &c, &rec), STATION_NEW, "the last one heard");
    cr_assert_eq(c, last);
    station_find(&st, DEV)->ref = 0;
    n = stop_frame(last + 1, frame);
    cr_assert_eq(station_open(&st, frame, n, &d, &c, &rec), PROTO_ERR_BAD_TAG,
                 "documented limit: re-key such a device or seed the station");
}

Test(station, counts_what_the_search_found_and_what_it_cost)
{
    struct station_device *d;
    uint8_t frame[RADIO_UPLINK_MAX_LEN];
    struct record rec;
    uint32_t c;
    size_t n = stop_frame(3 * 0x10000u + 5, frame);
    cr_assert_eq(station_open(&st, frame, n, &d, &c, &rec), STATION_NEW);
    cr_assert_eq(st.searched, 1, "one frame found outside the window");
    cr_assert_eq(st.search_tries, 3, "three tag checks beyond the window's one");
    n = stop_frame(3 * 0x10000u + 6, frame);
    cr_assert_eq(station_open(&st, frame, n, &d, &c, &rec), STATION_NEW);
    cr_assert_eq(st.searched, 1, "inside the window now: no search");
    frame[n - 1] ^= 1;
    cr_assert_eq(station_open(&st, frame, n, &d, &c, &rec), PROTO_ERR_BAD_TAG);
    cr_assert_eq(st.search_tries, 3 + RADIO_COUNTER_SEARCH_BLOCKS,
                 "a forgery costs every block of the search");
}

Test(station, a_heartbeat_far_above_acked_applies_its_floor_and_holds_itself)
{
    struct station_device *d = station_find(&st, DEV);
    uint8_t frame[RADIO_UPLINK_MAX_LEN];
    uint32_t c;
    size_t n;
    cr_assert_eq(deliver(1), STATION_NEW);
    /* the device's records 2..5099 were acked by another station */
    n = heartbeat_frame(5101, 5100, frame);
    cr_assert_eq(deliver_frame(frame, n, &c), STATION_NEW);
    cr_assert_eq(d->acked, 5099, "floor = oldest_unacked - 1, though 5101 - 1 > the window");
    cr_assert_eq(deliver(5100), STATION_NEW);
    cr_assert_eq(d->acked, 5101, "the heartbeat itself was held from the floor on");
}

Test(station, calls_an_ack_header_not_uplink_at_every_length)
{
    uint8_t frame[40];
    struct station_device *d;
    struct record rec;
    uint32_t c;
    size_t n;
    memset(frame, 0x5A, sizeof frame);
    frame[0] = 0x12;
    for (n = 1; n <= sizeof frame; n++)
        cr_assert_eq(station_open(&st, frame, n, &d, &c, &rec), STATION_ERR_NOT_UPLINK,
                     "%zu bytes", n);
    frame[0] = 0x13;
    for (n = 1; n <= sizeof frame; n++)
        cr_assert_eq(station_open(&st, frame, n, &d, &c, &rec), PROTO_ERR_BAD_TYPE,
                     "%zu bytes", n);
    frame[0] = 0x22;
    cr_assert_eq(station_open(&st, frame, 23, &d, &c, &rec), PROTO_ERR_BAD_VERSION);
}

/* Seal arbitrary plaintext as an uplink, as a newer device would. */
static size_t seal_raw(uint32_t counter, const uint8_t *plain, size_t pn, uint8_t *frame)
{
    mbedtls_ccm_context ctx;
    uint8_t nonce[RADIO_NONCE_LEN] = {0x01};
    nonce[1] = (uint8_t)(DEV >> 24), nonce[2] = (uint8_t)(DEV >> 16);
    nonce[3] = (uint8_t)(DEV >> 8), nonce[4] = (uint8_t)DEV;
    nonce[5] = (uint8_t)(counter >> 24), nonce[6] = (uint8_t)(counter >> 16);
    nonce[7] = (uint8_t)(counter >> 8), nonce[8] = (uint8_t)counter;
    frame[0] = 0x11;
    memcpy(frame + 1, nonce + 1, 4);
    frame[5] = nonce[7], frame[6] = nonce[8];
    mbedtls_ccm_init(&ctx);
    cr_assert_eq(mbedtls_ccm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, key, 128), 0);
    cr_assert_eq(mbedtls_ccm_encrypt_and_tag(&ctx, pn, nonce, sizeof nonce, frame, 7, plain,
                                             frame + 7, frame + 7 + pn, RADIO_TAG_LEN),
                 0);
    mbedtls_ccm_free(&ctx);
    return 7 + pn + RADIO_TAG_LEN;
}

Test(station, an_authentic_frame_whose_record_does_not_decode_moves_nothing)
{
    struct station_device *d = station_find(&st, DEV);
    uint8_t frame[RADIO_UPLINK_MAX_LEN], plain[RECORD_MAX_LEN];
    struct station_device *dd;
    struct record rec;
    uint32_t c;
    size_t pn = hex2bin("011100c00025c48e02505f0c012a171f2e", plain, sizeof plain), n;
    cr_assert_eq(deliver(1), STATION_NEW);
    n = seal_raw(2, plain, pn, frame); /* byte 12's low nibble set: reserved */
    cr_assert_eq(station_open(&st, frame, n, &dd, &c, &rec), PROTO_ERR_RESERVED);
    n = seal_raw(70000, plain, pn, frame);
    cr_assert_eq(station_open(&st, frame, n, &dd, &c, &rec), PROTO_ERR_RESERVED,
                 "found by the search, rejected for its record");
    cr_assert_eq(d->ref, 1, "the reference stays");
    cr_assert_eq(d->acked, 1);
}

/* §10.4: the ack to the RX vector, timed by §3.1 and sealed by the station. */
Test(station, answers_the_rx_vector_with_the_documented_ack)
{
    struct station_device table2[1];
    struct station st2;
    struct station_device *d;
    uint8_t vkey[RADIO_KEY_LEN], frame[RADIO_ACK_LEN];
    size_t n;
    int64_t sent;
    hex2bin(VEC_KEY, vkey, sizeof vkey);
    station_init(&st2, VEC_STATION, table2, 1);
    cr_assert_eq(station_add_device(&st2, VEC_DEVICE, vkey), PROTO_OK);
    d = station_find(&st2, VEC_DEVICE);
    d->acked = d->ref = VEC_COUNTER;
    cr_assert_eq(station_ack_second(1726345801234LL) * 1000, (int64_t)VEC_RX_ACK_TX_AT_MS);
    cr_assert_eq(station_make_ack(&st2, d, station_ack_second(1726345801234LL), frame,
                                  sizeof frame, &n, &sent), PROTO_OK);
    cr_assert_eq(sent - LOFTE_EPOCH_UNIX, VEC_RX_ACK_TIME);
    assert_bytes_hex(frame, n, VEC_RX_ACK);
}
