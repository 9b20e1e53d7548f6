/* test_handheld.c -- the handheld firmware (sensors/handheld.c) on a
 * simulated board, next to a toy station (rig.h): retries and acks, the
 * clock, the full queue, delayed drug-sales records, heartbeats, voids. */
#include <criterion/criterion.h>
#include <string.h>

#include "airtime.h"
#include "rig.h"

static struct rig r;

static void rig_down(void)
{
    rig_free(&r);
}

TestSuite(handheld, .fini = rig_down);

/* A provisioned handheld with the default flash; cfg tweaks go between
 * init() and boot(). */
static void init(uint64_t seed)
{
    rig_init(&r, HANDHELD_FLASH_PAGE_SIZE, HANDHELD_FLASH_PAGES, seed);
    cr_assert_eq(rig_provision(&r), HANDHELD_OK);
}

static void boot(void)
{
    cr_assert_eq(rig_boot(&r), HANDHELD_OK);
}

static uint32_t log_one(uint8_t activity, struct record *out)
{
    struct record rec = rig_record(activity);
    uint32_t c;
    cr_assert_eq(handheld_log(&r.h, &rec, &c), HANDHELD_OK);
    if (out)
        *out = rec;
    return c;
}

/* Power cycle without a flash operation in flight. */
static void reboot(void)
{
    rig_power_on(&r);
    boot();
}

static long count_heartbeats(uint64_t from_ms)
{
    size_t i;
    long n = 0;
    for (i = 0; i < r.ntx; i++)
        if (r.tx[i].opened && r.tx[i].at_ms >= from_ms &&
            r.tx[i].rec.activity == ACT_ADMIN_HEARTBEAT)
            n++;
    return n;
}

/* --- retries and acks ------------------------------------------------------ */

Test(handheld, retries_a_record_with_growing_intervals_until_acked_and_then_frees_it)
{
    uint32_t c;
    long first;
    size_t i, k = 0;
    uint64_t at[8];
    struct handheld_stats st;

    init(1);
    boot();
    rig_run_for(&r, 60000);
    cr_assert(handheld_clock_known(&r.h), "the boot heartbeat was answered");
    r.drop_uplinks = 3;
    c = log_one(ACT_ALCOHOL_SCREENING, NULL);
    rig_run_for(&r, 30 * 60000);
    cr_assert_eq(rig_sends_of(&r, c, &first), 4, "three lost, the fourth acked");
    for (i = (size_t)first; i < r.ntx; i++) {
        if (!r.tx[i].opened || r.tx[i].counter != c)
            continue;
        cr_assert_eq(r.tx[i].len, r.tx[first].len);
        cr_assert_eq(memcmp(r.tx[i].frame, r.tx[first].frame, r.tx[i].len), 0,
                     "a retransmission is the same bytes (same nonce, same ciphertext)");
        at[k++] = r.tx[i].at_ms;
    }
    for (i = 1; i < k; i++) {
        uint64_t gap = at[i] - at[i - 1], want = 30000u << (i - 1);
        cr_assert_geq(gap, want, "retry %zu after %llu ms", i, (unsigned long long)gap);
        cr_assert_leq(gap, want + want / 4 + 1000, "retry %zu after %llu ms", i,
                      (unsigned long long)gap);
    }
    cr_assert_eq(handheld_queue_depth(&r.h), 0);
    handheld_stats(&r.h, &st);
    cr_assert_geq(st.retries, 3);
    rig_run_for(&r, 2 * 3600000u);
    cr_assert_eq(rig_sends_of(&r, c, NULL), 4, "never sent again once acked");
    cr_assert_eq(r.nonce_reuse, 0);
    cr_assert_eq(r.uplinks_unopened, 0);
}

Test(handheld, a_replayed_ack_frees_nothing_new_and_cannot_set_the_clock)
{
    uint8_t replay[RADIO_ACK_LEN];
    struct handheld_stats st;
    uint32_t c, last;
    uint64_t boot_epoch;

    init(2);
    boot();
    rig_run_for(&r, 60000);
    cr_assert(r.have_last_ack);
    memcpy(replay, r.last_ack, sizeof replay);  /* acked = the boot heartbeat */
    rig_run_for(&r, 3600000);                   /* an hour on: the station's clock moved */
    last = r.h.state.v.last_ack_time;
    boot_epoch = r.h.clock.epoch_ms_at_boot;
    c = log_one(ACT_VEHICLE_A_TRAKTOR, NULL);
    rig_inject_next(&r, replay, sizeof replay);
    rig_run_for(&r, 10000);
    handheld_stats(&r.h, &st);
    cr_assert_eq(st.acks_old, 1, "the replay was delivered and recognised as old");
    cr_assert_eq(st.acks_rejected, 0, "its tag is genuine");
    cr_assert_eq(handheld_queue_depth(&r.h), 1, "it covers only what was acked before");
    cr_assert_eq(r.h.state.v.last_ack_time, last);
    cr_assert_eq(r.h.clock.epoch_ms_at_boot, boot_epoch, "the clock did not move");
    rig_run_for(&r, 5 * 60000);
    cr_assert_eq(handheld_queue_depth(&r.h), 0, "the retry got a fresh ack");
    cr_assert(r.held[c]);
}

Test(handheld, an_ack_sets_the_clock_and_records_after_it_carry_real_time)
{
    struct record a, b;
    uint32_t cb;
    size_t i;

    init(4);
    r.station_on = 0;
    boot();
    rig_run_for(&r, 90000);
    cr_assert(!handheld_clock_known(&r.h));
    log_one(ACT_PRESENCE_FOOT_PATROL, &a);
    cr_assert_eq(a.clock_unset, 1);
    cr_assert_eq(a.start_min, 1, "minutes since boot");
    r.station_on = 1;
    rig_run_for(&r, 10 * 60000);
    cr_assert(handheld_clock_known(&r.h));
    cb = log_one(ACT_PRESENCE_FOOT_PATROL, &b);
    cr_assert_eq(b.clock_unset, 0);
    cr_assert_geq(b.start_min, rig_station_time(&r) / 60 - 1);
    cr_assert_leq(b.start_min, rig_station_time(&r) / 60);
    rig_run_for(&r, 60000);
    for (i = 0; i < r.ntx; i++)
        if (r.tx[i].opened && r.tx[i].counter == cb)
            cr_assert(rig_same_record(&r.tx[i].rec, &b), "what went on air is what was logged");
    cr_assert_eq(handheld_queue_depth(&r.h), 0);
}

Test(handheld, an_older_ack_from_a_lagging_station_frees_what_it_covers_but_leaves_the_clock)
{
    uint8_t ack[RADIO_ACK_LEN];
    struct handheld_stats st;
    uint32_t c, last;
    uint64_t boot_epoch;
    struct record rec;

    init(3);
    boot();
    rig_run_for(&r, 60000);
    last = r.h.state.v.last_ack_time;
    boot_epoch = r.h.clock.epoch_ms_at_boot;
    cr_assert_gt(last, RIG_EPOCH_S);
    c = log_one(ACT_DRUGS_EYE_EXAM, NULL);
    rig_seal_ack(&r, c, last - 600, ack);  /* ten minutes behind, but it holds c */
    rig_inject_next(&r, ack, sizeof ack);
    rig_run_for(&r, 10000);
    handheld_stats(&r.h, &st);
    cr_assert_eq(st.acks_old, 1);
    cr_assert_eq(handheld_queue_depth(&r.h), 0, "an authentic ack is honoured (§6.3)");
    cr_assert_eq(r.h.state.v.last_ack_time, last);
    cr_assert_eq(r.h.clock.epoch_ms_at_boot, boot_epoch, "not set back");
    log_one(ACT_DRUGS_EYE_EXAM, &rec);
    cr_assert_eq(rec.clock_unset, 0);
    cr_assert_geq(rec.start_min, last / 60);
    reboot();
    cr_assert_eq(handheld_queue_depth(&r.h), 1, "the freeing was persisted; the new one stays");
}

Test(handheld, refuses_counters_more_than_32767_above_the_last_ack_until_an_ack_arrives)
{
    struct statelog_values v;
    struct record rec;
    uint8_t ack[RADIO_ACK_LEN];
    uint32_t c = 0, last = 0;
    long delivered;
    int err;

    init(22);
    r.station_on = 0;
    boot();
    /* jump the reservation close to the limit, as many reboots would */
    v = r.h.state.v;
    v.reserved_until = 32700;
    cr_assert_eq(statelog_write(&r.h.state, &v), STATELOG_OK);
    reboot();
    cr_assert_eq(counter_peek(&r.h.counter), 32700);
    for (;;) {
        rec = rig_record(ACT_TRAFFIC_CHECKPOINT);
        err = handheld_log(&r.h, &rec, &c);
        if (err != HANDHELD_OK)
            break;
        last = c;
    }
    cr_assert_eq(err, HANDHELD_ERR_FULL);
    cr_assert_eq(last, 32767, "acked is 0: 32767 is the last counter allowed");
    cr_assert_eq(handheld_queue_depth(&r.h), 68, "queue itself far from full");
    /* an ack for the first ten lets ten more counters out */
    rig_seal_ack(&r, 32709, RIG_EPOCH_S + 5, ack);
    rig_inject_next(&r, ack, sizeof ack);
    r.station_on = 1;
    delivered = r.acks_delivered;
    while (r.acks_delivered == delivered)
        rig_run_for(&r, 500);
    r.station_on = 0;
    rec = rig_record(ACT_TRAFFIC_CHECKPOINT);
    cr_assert_eq(handheld_log(&r.h, &rec, &c), HANDHELD_OK);
    cr_assert_eq(c, 32768);
}

Test(handheld, acks_of_other_devices_and_forged_acks_are_not_accepted)
{
    uint8_t ack[RADIO_ACK_LEN];
    struct radio_ack a;
    uint8_t other_key[RADIO_KEY_LEN];
    size_t n;
    struct handheld_stats st;

    init(5);
    boot();
    rig_run_for(&r, 60000);
    log_one(ACT_GUARD_HARBOUR, NULL);
    a.device = 0x12345678u;
    a.station = RIG_STATION;
    a.station_time = rig_station_time(&r) + 100;
    a.acked = 100;
    cr_assert_eq(radio_ack_seal(r.key, &a, ack, sizeof ack, &n), 0);
    rig_inject_next(&r, ack, n);
    rig_run_for(&r, 10000);
    memset(other_key, 0x5a, sizeof other_key);
    a.device = RIG_DEVICE;
    cr_assert_eq(radio_ack_seal(other_key, &a, ack, sizeof ack, &n), 0);
    rig_inject_next(&r, ack, n);
    rig_run_for(&r, 60000);
    handheld_stats(&r.h, &st);
    cr_assert_eq(st.frames_ignored, 1, "another device's ack");
    cr_assert_eq(st.acks_rejected, 1, "a tag made with another key");
    cr_assert_eq(handheld_queue_depth(&r.h), 1);
}

Test(handheld, an_ack_beyond_the_last_counter_frees_only_what_exists)
{
    uint8_t ack[RADIO_ACK_LEN];
    uint32_t c3;

    init(6);
    boot();
    r.station_on = 0;
    log_one(ACT_YOUTH_OUTREACH, NULL);
    log_one(ACT_YOUTH_OUTREACH, NULL);
    r.station_on = 1;
    rig_seal_ack(&r, 5000, rig_station_time(&r) + 1, ack);
    rig_inject_next(&r, ack, sizeof ack);
    rig_run_for(&r, 40000);
    cr_assert_eq(handheld_queue_depth(&r.h), 0);
    cr_assert_lt(r.h.state.v.acked, counter_peek(&r.h.counter), "persisted ack clamped");
    r.station_on = 0;
    c3 = log_one(ACT_YOUTH_OUTREACH, NULL);
    reboot();
    cr_assert_eq(handheld_queue_depth(&r.h), 1, "a later record survives the boot");
    cr_assert_eq(r.h.outbox.entries[0].counter, c3);
}

Test(handheld, listens_for_the_receive_window_after_each_uplink)
{
    init(7);
    boot();
    r.station_on = 0;
    while (r.ntx == 0)
        rig_run_for(&r, 100);
    /* until an ack started at the end of the window has fully arrived */
    cr_assert_eq(r.sb.listen_until_ms,
                 r.tx[0].at_ms + (r.tx[0].airtime_us + 999) / 1000 + r.cfg.rx_window_ms +
                     (airtime_us(r.cfg.uplink.sf, r.cfg.uplink.bw_kHz, 5, RADIO_ACK_LEN) + 999) /
                         1000);
}

/* --- the full queue ------------------------------------------------------- */

Test(handheld, a_full_queue_refuses_new_records_keeps_the_old_ones_and_logs_again_after_an_ack)
{
    static uint32_t counters[OUTBOX_MAX_SLOTS];
    static struct record recs[OUTBOX_MAX_SLOTS];
    struct record rec;
    uint8_t ack[RADIO_ACK_LEN];
    size_t n = 0, i;
    uint32_t c;
    long delivered;
    int err;

    init(8);
    r.station_on = 0;
    boot();
    for (;;) {
        rec = rig_record((uint8_t)(n % 2 ? ACT_ALCOHOL_SCREENING : ACT_VEHICLE_MOPED_CLASS1));
        rec.quantity = (uint16_t)(n % 4096);
        err = handheld_log(&r.h, &rec, &c);
        if (err != HANDHELD_OK)
            break;
        counters[n] = c;
        recs[n++] = rec;
    }
    cr_assert_eq(err, HANDHELD_ERR_FULL);
    cr_assert_geq(n, 1000, "capacity %zu", n);
    cr_assert_eq(n, 15 * 78, "every slot of an empty queue");
    rec = rig_record(ACT_ALCOHOL_SCREENING);
    cr_assert_eq(handheld_log(&r.h, &rec, &c), HANDHELD_ERR_FULL, "and stays full");
    /* all of them, intact, in order */
    cr_assert_eq(handheld_queue_depth(&r.h), n);
    for (i = 0; i < n; i++) {
        struct record got;
        cr_assert_eq(r.h.outbox.entries[i].counter, counters[i]);
        cr_assert_eq(rig_open_entry(&r, &r.h.outbox.entries[i], &got), 0);
        cr_assert(rig_same_record(&got, &recs[i]), "record %zu", i);
    }
    /* an ack for the first 500 frees their pages */
    rig_seal_ack(&r, counters[499], RIG_EPOCH_S + 10, ack);
    rig_inject_next(&r, ack, sizeof ack);
    r.station_on = 1;
    delivered = r.acks_delivered;
    while (r.acks_delivered == delivered)
        rig_run_for(&r, 500);
    r.station_on = 0;
    cr_assert_eq(handheld_queue_depth(&r.h), n - 500);
    cr_assert_eq(r.h.outbox.entries[0].counter, counters[500]);
    rec = rig_record(ACT_ALCOHOL_SCREENING);
    cr_assert_eq(handheld_log(&r.h, &rec, &c), HANDHELD_OK);
    cr_assert_lt(c, counters[n - 1] + 64, "refusals consumed no counters "
                                          "(only the boot heartbeat took one)");
    for (i = 0; i < 6 * 78 - 1; i++) {
        rec = rig_record(ACT_ALCOHOL_SCREENING);
        cr_assert_eq(handheld_log(&r.h, &rec, &c), HANDHELD_OK, "after %zu", i);
    }
    reboot();
    cr_assert_eq(handheld_queue_depth(&r.h), n - 500 + 6 * 78);
    cr_assert_eq(r.h.outbox.entries[0].counter, counters[500]);
}

/* --- drug sales ------------------------------------------------------------ */

Test(handheld, drug_sales_records_are_not_sent_before_their_delay)
{
    uint32_t d, n;
    uint64_t t0;
    long first;

    init(9);
    r.cfg.drug_sales_delay_s = 600;
    boot();
    rig_run_for(&r, 60000);
    t0 = r.now;
    d = log_one(ACT_YOUTH_DRUG_SALES, NULL);
    n = log_one(ACT_YOUTH_OUTREACH, NULL);
    cr_assert_lt(d, n, "the counter is taken at logging: a later arrival, not a gap");
    rig_run_until(&r, t0 + 599000);
    cr_assert_eq(rig_sends_of(&r, d, NULL), 0);
    cr_assert_eq(rig_sends_of(&r, n, NULL), 1,
                 "the other record went out, and waits for the held one to be acked with it");
    cr_assert_eq(handheld_queue_depth(&r.h), 2);
    rig_run_until(&r, t0 + 700000);
    cr_assert_eq(rig_sends_of(&r, d, &first), 1);
    cr_assert_geq(r.tx[first].at_ms, t0 + 600000);
    cr_assert_eq(handheld_queue_depth(&r.h), 0, "one cumulative ack covered both");
}

Test(handheld, a_drug_sales_record_stays_held_across_a_reboot)
{
    uint32_t d;
    uint64_t t0;
    long first;

    init(10);
    r.cfg.drug_sales_delay_s = 600;
    boot();
    rig_run_for(&r, 60000);
    t0 = r.now;
    d = log_one(ACT_YOUTH_DRUG_SALES, NULL);
    rig_run_for(&r, 100000);
    reboot();
    rig_run_until(&r, t0 + 599000);
    cr_assert(handheld_clock_known(&r.h), "the boot heartbeat set the clock");
    cr_assert_eq(rig_sends_of(&r, d, NULL), 0);
    rig_run_until(&r, t0 + 700000);
    cr_assert_eq(rig_sends_of(&r, d, &first), 1);
    cr_assert_geq(r.tx[first].at_ms, t0 + 600000);
    cr_assert_eq(handheld_queue_depth(&r.h), 0);
}

Test(handheld, a_drug_sales_record_logged_without_a_clock_waits_the_full_delay_after_a_reboot)
{
    uint32_t d;
    uint64_t t1;
    long first;

    init(11);
    r.cfg.drug_sales_delay_s = 600;
    r.station_on = 0;
    boot();
    d = log_one(ACT_YOUTH_DRUG_SALES, NULL);
    rig_run_for(&r, 300000);
    reboot();
    t1 = r.now;
    r.station_on = 1;
    rig_run_until(&r, t1 + 599000);
    cr_assert_eq(rig_sends_of(&r, d, NULL), 0, "how long ago it was logged is unknown");
    rig_run_until(&r, t1 + 700000);
    cr_assert_eq(rig_sends_of(&r, d, &first), 1);
    cr_assert_geq(r.tx[first].at_ms, t1 + 600000);
}

/* --- heartbeats ------------------------------------------------------------ */

Test(handheld, the_boot_heartbeat_reports_the_oldest_unacked_record_and_the_queue_depth)
{
    uint32_t c1;
    size_t i;
    int seen = 0;
    uint64_t t;

    init(12);
    r.station_on = 0;
    boot();
    c1 = log_one(ACT_ALCOHOL_SCREENING, NULL);
    log_one(ACT_ALCOHOL_SCREENING, NULL);
    log_one(ACT_ALCOHOL_SCREENING, NULL);
    rig_run_for(&r, 1000);
    reboot();
    t = r.now;
    rig_run_for(&r, 60000);
    for (i = 0; i < r.ntx; i++) {
        const struct rig_tx *x = &r.tx[i];
        if (x->at_ms < t || !x->opened || x->rec.activity != ACT_ADMIN_HEARTBEAT)
            continue;
        cr_assert_eq(x->rec.oldest_unacked, c1);
        cr_assert_eq(x->rec.queue_depth, 3);
        cr_assert_eq(x->rec.clock_unset, 1);
        cr_assert_gt(x->counter, c1 + 2, "a fresh counter after the boot");
        seen++;
    }
    cr_assert_geq(seen, 1);
    cr_assert_geq(r.tx[0].at_ms, 20000, "the first uplink after boot waits out a frame's "
                                        "time-off: the budget was lost with the power");
}

Test(handheld, a_heartbeat_follows_a_long_idle_time)
{
    init(13);
    r.cfg.heartbeat_idle_s = 3600;
    boot();
    rig_run_for(&r, 2 * 3600000u + 120000u);
    cr_assert_eq(count_heartbeats(0), 3, "after boot, then after each idle hour");
    cr_assert_eq(r.nonce_reuse, 0);
}

Test(handheld, counters_skipped_by_reboots_are_closed_by_heartbeats_so_acks_move_on)
{
    uint32_t c;
    int i;

    init(14);
    boot();
    rig_run_for(&r, 60000);
    /* many reboots, each skipping the rest of a reservation */
    for (i = 0; i < 5; i++) {
        r.station_on = 0;
        log_one(ACT_ALCOHOL_SCREENING, NULL);
        reboot();
    }
    r.station_on = 1;
    c = log_one(ACT_ALCOHOL_SCREENING, NULL);
    rig_run_for(&r, 20 * 60000);
    cr_assert_eq(handheld_queue_depth(&r.h), 0);
    cr_assert_geq(r.st_acked, c);
}

/* --- input checks ----------------------------------------------------------- */

/* A new or replaced station has no state for us (docs/protocol.md §5.2,
 * §5.4): its fresh ack stops below what another station acked. Only a
 * heartbeat lets it catch up; a replayed old ack must not cost one. */
Test(handheld, a_fresh_ack_below_our_oldest_record_asks_for_a_heartbeat_and_an_old_one_does_not)
{
    uint8_t ack[RADIO_ACK_LEN];
    uint32_t c, last;
    uint64_t t;

    init(17);
    boot();
    rig_run_for(&r, 60000);
    last = r.h.state.v.last_ack_time;
    cr_assert_gt(last, 0);
    log_one(ACT_PRESENCE_FOOT_PATROL, NULL);
    rig_run_for(&r, 60000);
    c = log_one(ACT_PRESENCE_FOOT_PATROL, NULL);
    cr_assert_gt(c, 2);

    rig_seal_ack(&r, 0, last - 600, ack);    /* authentic but old: acked 0 */
    rig_inject_next(&r, ack, sizeof ack);
    t = r.now;
    rig_run_for(&r, 60000);
    cr_assert_eq(count_heartbeats(t), 0, "an old ack is not a reason to spend a counter");
    cr_assert_eq(handheld_queue_depth(&r.h), 0, "the retry got the real ack");

    c = log_one(ACT_PRESENCE_FOOT_PATROL, NULL);
    rig_seal_ack(&r, 0, rig_station_time(&r) + 5, ack);  /* a fresh station: acked 0 */
    rig_inject_next(&r, ack, sizeof ack);
    t = r.now;
    rig_run_for(&r, 60000);
    cr_assert_eq(count_heartbeats(t), 1, "the fresh ack missing counters asks for one");
    cr_assert_eq(handheld_queue_depth(&r.h), 0);
    cr_assert(r.held[c]);
}

Test(handheld, invalid_records_are_refused_without_consuming_a_counter)
{
    struct record rec = rig_record(ACT_ALCOHOL_SCREENING);
    uint32_t c;

    init(15);
    boot();
    rec.zone = 99;
    cr_assert_eq(handheld_log(&r.h, &rec, &c), HANDHELD_ERR_RECORD);
    rec = rig_record(0x15); /* alcohol, no such subtype */
    cr_assert_eq(handheld_log(&r.h, &rec, &c), HANDHELD_ERR_RECORD);
    rec = rig_record(ACT_ADMIN_HEARTBEAT);
    cr_assert_eq(handheld_log(&r.h, &rec, &c), HANDHELD_ERR_RECORD, "the firmware's own");
    rec = rig_record(ACT_ALCOHOL_SCREENING);
    rec.duration_min = 1441;
    cr_assert_eq(handheld_log(&r.h, &rec, &c), HANDHELD_ERR_RECORD);
    cr_assert_eq(c, 0);
    cr_assert_eq(log_one(ACT_ALCOHOL_SCREENING, NULL), 1);
}

Test(handheld, a_void_names_an_earlier_record_of_this_device)
{
    uint32_t c, v, bad;
    struct record got;

    init(16);
    boot();
    c = log_one(ACT_VEHICLE_MOPEDBIL, NULL);
    cr_assert_eq(handheld_void(&r.h, c, &v), HANDHELD_OK);
    cr_assert_gt(v, c);
    cr_assert_eq(rig_open_entry(&r, &r.h.outbox.entries[1], &got), 0);
    cr_assert_eq(got.activity, ACT_ADMIN_VOID);
    cr_assert_eq(got.void_counter, c);
    cr_assert_eq(handheld_void(&r.h, 0, &bad), HANDHELD_ERR_RECORD);
    cr_assert_eq(handheld_void(&r.h, v + 1, &bad), HANDHELD_ERR_RECORD, "not handed out yet");
    cr_assert_eq(handheld_queue_depth(&r.h), 2);
}

Test(handheld, a_blank_device_is_not_provisioned_and_the_same_key_is_not_provisioned_twice)
{
    rig_init(&r, HANDHELD_FLASH_PAGE_SIZE, HANDHELD_FLASH_PAGES, 17);
    cr_assert_eq(rig_boot(&r), HANDHELD_ERR_NOT_PROVISIONED);
    cr_assert_eq(rig_provision(&r), HANDHELD_OK);
    cr_assert_eq(rig_provision(&r), HANDHELD_ERR_REKEY);
    boot();
}

Test(handheld, a_power_cut_during_provisioning_leaves_a_device_that_is_not_provisioned)
{
    long n;
    int err;
    for (n = 1; n < 60; n += 3) {
        rig_init(&r, 256, 12, 18 + (uint64_t)n);
        rig_cut_at(&r, n);
        err = rig_provision(&r);
        rig_cut_at(&r, 0); /* if provisioning took fewer operations */
        rig_power_on(&r);
        if (err != HANDHELD_OK) {
            /* not provisioned, unless the cut hit the identity's commit
             * word after it was complete */
            err = rig_boot(&r);
            cr_assert(err == HANDHELD_ERR_NOT_PROVISIONED || err == HANDHELD_OK, "cut %ld: %s",
                      n, handheld_strerror(err));
            if (err != HANDHELD_OK)
                cr_assert_eq(rig_provision(&r), HANDHELD_OK);
        }
        boot();
        cr_assert_eq(log_one(ACT_ALCOHOL_SCREENING, NULL), 1, "cut %ld", n);
        rig_free(&r);
    }
    rig_init(&r, 256, 12, 1);
}

Test(handheld, a_power_cut_while_provisioning_a_new_key_never_pairs_the_old_key_with_new_counters)
{
    static const uint8_t new_key[RADIO_KEY_LEN] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
    long n;
    int i, err;
    for (n = 1; n <= 30; n++) {
        uint32_t last = 0;
        rig_init(&r, 256, 12, 40 + (uint64_t)n);
        cr_assert_eq(rig_provision(&r), HANDHELD_OK);
        boot();
        for (i = 0; i < 20; i++)
            last = log_one(ACT_ALCOHOL_SCREENING, NULL);
        rig_cut_at(&r, n);
        err = handheld_provision(&r.sb.board, RIG_DEVICE + 1, new_key);
        rig_cut_at(&r, 0);
        rig_power_on(&r);
        err = rig_boot(&r);
        if (err == HANDHELD_OK && memcmp(r.h.id.key, r.key, RADIO_KEY_LEN) == 0)
            cr_assert_gt(counter_peek(&r.h.counter), last,
                         "cut %ld: the old key is back with counter %u", n,
                         counter_peek(&r.h.counter));
        else if (err == HANDHELD_OK)
            cr_assert_eq(r.h.id.device, RIG_DEVICE + 1, "cut %ld", n);
        else
            cr_assert_eq(err, HANDHELD_ERR_NOT_PROVISIONED, "cut %ld", n);
        rig_free(&r);
    }
    rig_init(&r, 256, 12, 1);
}

Test(handheld, refuses_flash_too_small_and_radio_settings_outside_eu868)
{
    rig_init(&r, HANDHELD_FLASH_PAGE_SIZE, HANDHELD_MIN_PAGES - 1, 19);
    cr_assert_eq(rig_provision(&r), HANDHELD_ERR_LAYOUT);
    rig_free(&r);
    init(20);
    r.cfg.uplink.freq_hz = 915000000u;
    cr_assert_eq(rig_boot(&r), HANDHELD_ERR_CONFIG);
    r.cfg.uplink.freq_hz = 868100000u;
    r.cfg.uplink.sf = 13;
    cr_assert_eq(rig_boot(&r), HANDHELD_ERR_CONFIG);
    r.cfg.uplink.sf = 12;
    boot();
}

Test(handheld, every_error_code_has_a_sentence)
{
    int e;
    for (e = HANDHELD_OK; e >= HANDHELD_ERR_REKEY; e--)
        cr_assert_str_neq(handheld_strerror(e), "unknown handheld error", "code %d", e);
    cr_assert_str_eq(handheld_strerror(-99), "unknown handheld error");
    rig_init(&r, 256, 8, 21);
}
