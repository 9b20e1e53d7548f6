/* test_handheld_powercut.c -- the handheld's reason to exist: a power cut at
 * any flash operation loses no stored record, reuses no counter, duplicates
 * nothing, and the device carries on.
 *
 * Method: a scripted day (boot, log, send, acks that free some, a full
 * queue, a void, a reboot, more logging) is run once to count its flash
 * operations; then, for every n, the same script runs again on a fresh
 * device with the power cut at operation n (the operation torn at random,
 * sim_board.h). The device is powered on and booted (with a second cut in
 * the boot's own repairs for some n), and then:
 *   - every record handheld_log reported stored, and not covered by an ack
 *     that reached the device, is in the queue, byte for byte;
 *   - nothing else is, except possibly the one record whose logging the
 *     cut interrupted; no counter appears twice;
 *   - nothing covered by the ack the device had persisted came back;
 *   - the next counter is above every counter handed out before the cut,
 *     by at most 64;
 *   - with the station in reach the queue drains, the station holds every
 *     stored record, and it never saw two different frames under one
 *     counter.
 * Same board seed for every n, so each run is identical up to its cut; the
 * tear itself comes from the board's separate tear stream, which is varied
 * so that each operation is torn several ways.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "rig.h"

#define MAXREC 256

struct expect {
    size_t n;
    uint32_t counter[MAXREC];
    struct record rec[MAXREC];
    int in_flight;               /* a log call was cut: pending may be stored */
    struct record pending;
};

static struct rig r;
static struct expect ex;

static void rig_down(void)
{
    rig_free(&r);
}

TestSuite(powercut, .fini = rig_down);

static const uint8_t activities[] = {
    ACT_ALCOHOL_SCREENING, ACT_VEHICLE_A_TRAKTOR, ACT_YOUTH_DRUG_SALES, ACT_PRESENCE_FOOT_PATROL,
    ACT_GUARD_HARBOUR,     ACT_TRAFFIC_CHECKPOINT, ACT_DRUGS_EYE_EXAM, ACT_YOUTH_OUTREACH,
};

static void expect_result(int err, uint32_t c, const struct record *rec)
{
    ex.pending = *rec;
    if (err == HANDHELD_OK) {
        cr_assert_lt(ex.n, MAXREC);
        ex.counter[ex.n] = c;
        ex.rec[ex.n++] = *rec;
        ex.in_flight = 0;
    } else {
        /* FULL stores nothing; FLASH means the cut came during the call */
        ex.in_flight = err == HANDHELD_ERR_FLASH;
    }
}

static int plog(int k)
{
    struct record rec = rig_record(activities[k % (int)sizeof activities]);
    uint32_t c;
    int err;
    rec.quantity = (uint16_t)k;
    err = handheld_log(&r.h, &rec, &c);
    expect_result(err, c, &rec);
    return err;
}

static int pvoid(uint32_t which)
{
    struct record rec;
    uint32_t c;
    int err;
    memset(&rec, 0, sizeof rec);
    rec.activity = ACT_ADMIN_VOID;
    rec.cell = RECORD_CELL_NONE;
    /* what handheld_void will log: its time is read from the same clock at
     * the same (simulated) instant */
    rec.void_counter = which;
    rec.start_min = devclock_record_minutes(&r.h.clock, r.sb.board.now_ms(r.sb.board.ctx),
                                            &rec.clock_unset);
    err = handheld_void(&r.h, which, &c);
    ex.pending = rec;
    ex.in_flight = err == HANDHELD_ERR_FLASH;
    if (err == HANDHELD_OK) {
        ex.counter[ex.n] = c;
        ex.rec[ex.n++] = rec;
    }
    return err;
}

#define STEP(x)                                                                              \
    do {                                                                                     \
        x;                                                                                   \
        if (!r.sb.powered)                                                                   \
            return;                                                                          \
    } while (0)

/* The scripted day. Stops where the power goes. */
static void script(void)
{
    int k = 0, i, err = 0;
    STEP(rig_boot(&r));
    STEP(rig_run_for(&r, 20000));
    for (i = 0; i < 5; i++)
        STEP(plog(k++));
    STEP(rig_run_for(&r, 60000));
    r.station_on = 0;  /* out of reach: records pile up, retries go unanswered */
    for (i = 0; i < 6; i++)
        STEP(plog(k++));
    STEP(rig_run_for(&r, 60000));
    r.station_on = 1;
    STEP(rig_run_for(&r, 4 * 60000));
    r.station_on = 0;
    for (i = 0; i < 40 && err != HANDHELD_ERR_FULL; i++)
        STEP(err = plog(k++));
    r.station_on = 1;
    STEP(rig_run_for(&r, 12 * 60000));
    STEP(pvoid(ex.counter[1]));
    STEP(rig_power_on(&r));       /* a clean power cycle */
    STEP(rig_boot(&r));
    for (i = 0; i < 10; i++)
        STEP(plog(k++));
    STEP(rig_run_for(&r, 15 * 60000));
}

static void setup(uint32_t page_size, uint32_t pages, uint64_t seed, uint32_t loss_permille)
{
    rig_free(&r); /* whatever the last run left */
    rig_init(&r, page_size, pages, seed);
    r.loss_permille = loss_permille;
    r.cfg.uplink.sf = 7;
    r.cfg.rx_window_ms = 2000;
    r.cfg.retry_base_ms = 20000;
    r.cfg.retry_max_ms = 120000;
    r.cfg.drug_sales_delay_s = 300;
    r.cfg.heartbeat_idle_s = 1800;
    cr_assert_eq(rig_provision(&r), HANDHELD_OK);
    memset(&ex, 0, sizeof ex);
}

/* splitmix64's finaliser: unrelated tear streams from consecutive k */
static uint64_t mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return (x ^ (x >> 31)) | 1u;
}

static int stored_index(uint32_t c)
{
    size_t j;
    for (j = 0; j < ex.n; j++)
        if (ex.counter[j] == c)
            return (int)j;
    return -1;
}

static void check_after_cut(long n, uint32_t next_at_cut, uint32_t acked_persisted)
{
    const struct outbox *ob = &r.h.outbox;
    size_t i, j;
    int extra = 0;
    uint32_t first = counter_peek(&r.h.counter), seen_max = 0;

    for (i = 0; i < ob->count; i++) {
        struct record got;
        uint32_t c = ob->entries[i].counter;
        int at = stored_index(c);
        cr_assert_eq(rig_open_entry(&r, &ob->entries[i], &got), 0,
                     "cut %ld: queued record %u unreadable", n, c);
        if (i > 0)
            cr_assert_gt(c, ob->entries[i - 1].counter, "cut %ld: counter %u twice", n, c);
        cr_assert_gt(c, acked_persisted, "cut %ld: acked record %u came back", n, c);
        if (at >= 0) {
            cr_assert(rig_same_record(&got, &ex.rec[at]), "cut %ld: record %u changed", n, c);
        } else {
            cr_assert(ex.in_flight && !extra, "cut %ld: record %u was never stored", n, c);
            cr_assert_eq(got.activity, ex.pending.activity, "cut %ld", n);
            cr_assert_eq(got.quantity, ex.pending.quantity, "cut %ld", n);
            extra = 1;
        }
    }
    for (j = 0; j < ex.n; j++) {
        uint32_t c = ex.counter[j];
        int present = 0;
        for (i = 0; i < ob->count && !present; i++)
            present = ob->entries[i].counter == c;
        if (c > r.acked_delivered)
            cr_assert(present, "cut %ld: stored record %u lost", n, c);
        if (c <= acked_persisted)
            cr_assert(!present, "cut %ld: record %u freed before the cut is back", n, c);
    }
    /* counters: fresh, and not too many skipped */
    for (i = 0; i < r.ntx; i++)
        if (r.tx[i].opened && r.tx[i].counter > seen_max)
            seen_max = r.tx[i].counter;
    for (j = 0; j < ex.n; j++)
        if (ex.counter[j] > seen_max)
            seen_max = ex.counter[j];
    cr_assert_gt(first, seen_max, "cut %ld: counter %u already used", n, first);
    cr_assert_geq(first, next_at_cut, "cut %ld", n);
    cr_assert_leq(first - next_at_cut, 64, "cut %ld: skipped %u counters", n, first - next_at_cut);
}

static void cut_everywhere(uint32_t page_size, uint32_t pages, int wraps, uint64_t seed,
                           uint32_t loss_permille, int tears)
{
    long n, k, total, ops0;

    setup(page_size, pages, seed, loss_permille);
    ops0 = r.sb.flash_ops_done;
    script();
    total = r.sb.flash_ops_done - ops0;
    cr_assert(r.sb.powered);
    cr_assert_gt(ex.n, 30, "the script stores %zu records", ex.n);
    if (wraps) {
        cr_assert_gt(r.h.outbox.pages_erased, 0, "the queue wrapped");
        cr_assert_gt(r.h.state.gen, 2, "the state log switched pages");
    }
    cr_assert_eq(r.nonce_reuse, 0);
    rig_free(&r);

    for (k = 0; k < total * tears; k++) {
        uint32_t next_at_cut, acked_persisted;
        int err;

        n = 1 + k / tears;  /* each operation, torn `tears` ways */
        setup(page_size, pages, seed, loss_permille);
        r.sb.tear_rng = mix64((uint64_t)k); /* a different tear each time */
        rig_cut_at(&r, n);
        script();
        cr_assert(!r.sb.powered, "cut %ld of %ld never came", n, total);
        next_at_cut = counter_peek(&r.h.counter);
        acked_persisted = r.h.state.v.acked;

        rig_power_on(&r);
        rig_cut_at(&r, 1 + n % 3);  /* a second cut, if the boot repairs anything */
        err = rig_boot(&r);
        if (!r.sb.powered) {
            rig_power_on(&r);
            err = rig_boot(&r);
        }
        rig_cut_at(&r, 0);
        cr_assert_eq(err, HANDHELD_OK, "cut %ld: boot: %s", n, handheld_strerror(err));
        check_after_cut(n, next_at_cut, acked_persisted);

        /* the device carries on, and every stored record reaches the station */
        r.station_on = 1;
        rig_run_for(&r, 60 * 60000);
        cr_assert_eq(handheld_queue_depth(&r.h), 0, "cut %ld: queue does not drain", n);
        {
            size_t j;
            for (j = 0; j < ex.n; j++)
                cr_assert(r.held[ex.counter[j]], "cut %ld: station never got %u", n,
                          ex.counter[j]);
        }
        cr_assert_eq(r.nonce_reuse, 0, "cut %ld: two frames under one counter", n);
        cr_assert_eq(r.uplinks_unopened, 0, "cut %ld", n);
        cr_assert_eq(plog(1000), HANDHELD_OK, "cut %ld: logging works", n);
    }
    setup(page_size, pages, seed, loss_permille); /* for .fini */
}

Test(powercut, never_loses_a_record_or_reuses_a_counter_when_cut_at_any_flash_operation)
{
    /* 256-byte pages: 4 records per page, 24 in all, 15 state entries per
     * page: the script wraps the queue and switches state pages often */
    cut_everywhere(256, HANDHELD_PAGE_QUEUE + 6, 1, 42, 0, 4);
}

Test(powercut, never_loses_a_record_on_a_lossy_radio_whatever_the_timing)
{
    /* other seeds give other jitter, hence other operation sequences, and
     * other tears; lost frames and acks add retries and stale acks */
    uint64_t seed;
    for (seed = 100; seed < 104; seed++)
        cut_everywhere(256, HANDHELD_PAGE_QUEUE + 6, 1, seed, 150, 1);
}

Test(powercut, never_loses_a_record_with_the_target_flash_geometry)
{
    cut_everywhere(HANDHELD_FLASH_PAGE_SIZE, HANDHELD_FLASH_PAGES, 0, 42, 0, 2);
}
