/* test_fresh_station.c -- the real handheld firmware (sensors/ on the
 * simulated board) against the real station logic (gateway/station.c)
 * when the station has no state for a device whose counter has passed
 * 65535: a new or replaced station (docs/protocol.md §5.2's search, §5.4's
 * heartbeat). Lossless radio, one device: what is tested is the counter
 * rules, not the channel.
 *
 * The device is given the state a long service leaves in flash (counter
 * reservation 70000, everything below acked by an earlier station) through
 * statelog_write, which keeps every value at its maximum, as a real device
 * would have it.
 */
#include <stdlib.h>

#include "airtime.h"
#include "handheld.h"
#include "proto_err.h"
#include "sim_board.h"
#include "station.h"
#include "statelog.h"
#include "testutil.h"

#define DEV 0x5eed0001u
#define FIRST 70000u
#define MAX_STORED 256

static uint64_t now_ms = 1726345800000ULL; /* the simulator clock = Unix ms */
static struct sim_board sb;
static struct handheld h;
static uint8_t key[RADIO_KEY_LEN];
static struct station st;
static struct station_device devs[1];

static struct {
    int on;
    uint64_t at_ms;            /* when the ack has fully arrived */
    uint8_t frame[RADIO_ACK_LEN];
    size_t len;
} ack;

static uint32_t stored[MAX_STORED]; /* counters the station stored, first copy */
static size_t nstored;
static long rejected, answered_below_oldest;

static int was_stored(uint32_t c)
{
    size_t i;
    for (i = 0; i < nstored; i++)
        if (stored[i] == c)
            return 1;
    return 0;
}

/* The station: the gateway's path (station_open, store, mark held,
 * heartbeat, ack on the first whole second at least 1 s later). */
static void on_send(void *ch, struct sim_board *b, const uint8_t *frame, size_t len,
                    const struct board_radio_params *p, uint64_t t)
{
    struct station_device *d;
    struct record rec;
    uint32_t c;
    int64_t start_s;
    uint64_t end = t + (airtime_us(p->sf, p->bw_kHz, 5, (uint16_t)len) + 999u) / 1000u;
    int v = station_open(&st, frame, len, &d, &c, &rec);
    (void)ch, (void)b;
    if (v < 0) {
        rejected++;
        return;
    }
    if (v == STATION_NEW) {
        if (!was_stored(c) && nstored < MAX_STORED)
            stored[nstored++] = c;
        station_mark_held(d, c);
        station_heartbeat(d, c, &rec);
    }
    cr_assert_eq(station_make_ack(&st, d, station_ack_second((int64_t)end), ack.frame,
                                  sizeof ack.frame, &ack.len, &start_s),
                 PROTO_OK);
    ack.on = 1;
    ack.at_ms = (uint64_t)start_s * 1000u +
                (airtime_us(p->sf, p->bw_kHz, 5, RADIO_ACK_LEN) + 999u) / 1000u;
}

static void fresh_station(uint16_t id)
{
    station_init(&st, id, devs, 1);
    cr_assert_eq(station_add_device(&st, DEV, key), PROTO_OK);
}

/* A device provisioned long ago: counters below FIRST handed out and acked. */
static void setup(void)
{
    struct statelog sl;
    struct statelog_values v;
    size_t i;
    for (i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(0x30 + 7 * i);
    cr_assert_eq(sim_board_init(&sb, 0, &now_ms, HANDHELD_FLASH_PAGE_SIZE, HANDHELD_FLASH_PAGES,
                                99),
                 BOARD_OK);
    sb.on_send = on_send;
    cr_assert_eq(handheld_provision(&sb.board, DEV, key), HANDHELD_OK);
    cr_assert_eq(statelog_open(&sl, &sb.board, HANDHELD_PAGE_STATE_A, HANDHELD_PAGE_STATE_B),
                 STATELOG_OK);
    v = sl.v;
    v.reserved_until = FIRST;
    v.acked = FIRST - 1;
    v.last_ack_time = (uint32_t)(now_ms / 1000 - LOFTE_EPOCH_UNIX - 86400);
    cr_assert_eq(statelog_write(&sl, &v), STATELOG_OK);
    nstored = 0;
    rejected = answered_below_oldest = 0;
    ack.on = 0;
}

static void teardown(void)
{
    sim_board_free(&sb);
}

TestSuite(fresh_station, .init = setup, .fini = teardown);

static void run_for(uint64_t ms)
{
    uint64_t end = now_ms + ms;
    while (now_ms < end) {
        uint64_t wake = handheld_tick(&h) + sb.boot_ms; /* board time -> sim time */
        if (ack.on && ack.at_ms <= now_ms) {
            sim_board_deliver(&sb, ack.frame, ack.len, NULL, now_ms);
            ack.on = 0;
            continue;
        }
        if (ack.on && ack.at_ms < wake)
            wake = ack.at_ms;
        if (wake <= now_ms)
            wake = now_ms + 1;
        now_ms = wake < end ? wake : end;
    }
}

static uint32_t log_stop(void)
{
    struct record r;
    uint32_t c;
    memset(&r, 0, sizeof r);
    r.activity = ACT_PRESENCE_FOOT_PATROL;
    r.quantity = 1;
    r.duration_min = 30;
    r.cell = RECORD_CELL_NONE;
    cr_assert_eq(handheld_log(&h, &r, &c), HANDHELD_OK);
    return c;
}

Test(fresh_station, stores_and_acks_a_device_past_65535_from_its_first_frame)
{
    uint32_t c[3];
    size_t i;
    fresh_station(1);
    cr_assert_eq(handheld_boot(&h, &sb.board, NULL), HANDHELD_OK);
    run_for(60 * 1000);
    for (i = 0; i < 3; i++)
        c[i] = log_stop();
    cr_assert_geq(c[0], FIRST);
    run_for(10 * 60 * 1000);
    for (i = 0; i < 3; i++)
        cr_assert(was_stored(c[i]), "record %u stored", c[i]);
    cr_assert_eq(handheld_queue_depth(&h), 0, "every record acked and freed");
    cr_assert_geq(station_find(&st, DEV)->acked, c[2]);
    cr_assert_eq(rejected, 0, "no honest frame refused");
    cr_assert_geq(st.searched, 1, "the station learnt the counter by the search");
}

Test(fresh_station, a_replaced_station_gets_the_records_of_a_running_device)
{
    uint32_t c[3], before;
    size_t i;
    /* the old station knows the device */
    fresh_station(1);
    devs[0].ref = devs[0].acked = FIRST - 1;
    cr_assert_eq(handheld_boot(&h, &sb.board, NULL), HANDHELD_OK);
    run_for(60 * 1000);
    before = log_stop();
    run_for(10 * 60 * 1000);
    cr_assert_eq(handheld_queue_depth(&h), 0);
    cr_assert(was_stored(before));
    /* its disk is replaced; the device runs on, no reboot */
    fresh_station(2);
    nstored = 0;
    for (i = 0; i < 3; i++)
        c[i] = log_stop();
    run_for(30 * 60 * 1000);
    for (i = 0; i < 3; i++)
        cr_assert(was_stored(c[i]), "record %u stored", c[i]);
    cr_assert_eq(handheld_queue_depth(&h), 0, "every record acked and freed");
    cr_assert_geq(station_find(&st, DEV)->acked, c[2]);
    cr_assert_eq(rejected, 0);
}

Test(fresh_station, still_rejects_forgeries_while_it_has_no_state)
{
    uint8_t frame[RADIO_UPLINK_MAX_LEN], other[RADIO_KEY_LEN];
    struct board_radio_params p = {868100000u, 9, 125, 14};
    struct record r;
    size_t n;
    fresh_station(1);
    memset(&r, 0, sizeof r);
    r.activity = ACT_PRESENCE_FOOT_PATROL;
    r.quantity = 1;
    r.cell = RECORD_CELL_NONE;
    memcpy(other, key, sizeof other);
    other[3] ^= 0x20;
    cr_assert_eq(radio_uplink_seal(other, DEV, FIRST, &r, frame, sizeof frame, &n), PROTO_OK);
    on_send(NULL, &sb, frame, n, &p, now_ms);
    cr_assert_eq(radio_uplink_seal(key, DEV, FIRST, &r, frame, sizeof frame, &n), PROTO_OK);
    frame[n - 3] ^= 4;
    on_send(NULL, &sb, frame, n, &p, now_ms);
    cr_assert_eq(rejected, 2);
    cr_assert_eq(nstored, 0);
    cr_assert_eq(devs[0].ref, 0, "a forgery teaches the station nothing");
}
