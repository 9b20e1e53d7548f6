/* test_outbox.c -- the persistent record queue (sensors/outbox.c) on a
 * simulated board, without the rest of the firmware. Frames here are
 * arbitrary bytes of a legal length: the outbox never looks inside. */
#include <criterion/criterion.h>
#include <string.h>

#include "outbox.h"
#include "sim_board.h"

/* 3 slots per page, 5 pages: small enough to wrap often. */
#define PAGE (OUTBOX_HEADER_LEN + 3 * OUTBOX_SLOT_LEN)
#define FIRST 1u
#define NPAGES 5u

static uint64_t now;
static struct sim_board sb;
static struct outbox ob;

static void board_up(uint64_t seed)
{
    cr_assert_eq(sim_board_init(&sb, 0, &now, PAGE, FIRST + NPAGES, seed), BOARD_OK);
    cr_assert_eq(outbox_format(&sb.board, FIRST, NPAGES), OUTBOX_OK);
}

static void board_down(void)
{
    sim_board_free(&sb);
}

TestSuite(outbox, .fini = board_down);

/* The frame of counter c: length and bytes derived from c. */
static size_t frame_of(uint32_t c, uint8_t *f)
{
    size_t len = RADIO_UPLINK_MIN_LEN + c % (OUTBOX_FRAME_MAX - RADIO_UPLINK_MIN_LEN + 1), i;
    for (i = 0; i < len; i++)
        f[i] = (uint8_t)(c * 131u + i * 7u);
    return len;
}

static int push(uint32_t c)
{
    uint8_t f[OUTBOX_FRAME_MAX];
    size_t len = frame_of(c, f);
    return outbox_push(&ob, c, OUTBOX_HOLD_NONE, 0, f, len, NULL);
}

/* The queue holds exactly counters lo..hi (inclusive), in order, with
 * their frames intact. */
static void assert_holds(uint32_t lo, uint32_t hi)
{
    size_t i;
    cr_assert_eq(outbox_depth(&ob), hi >= lo ? hi - lo + 1 : 0, "depth %zu, want %u..%u",
                 outbox_depth(&ob), lo, hi);
    for (i = 0; i < outbox_depth(&ob); i++) {
        uint8_t want[OUTBOX_FRAME_MAX], got[OUTBOX_FRAME_MAX];
        size_t wl = frame_of(lo + (uint32_t)i, want), gl;
        cr_assert_eq(ob.entries[i].counter, lo + i);
        cr_assert_eq(outbox_read(&ob, &ob.entries[i], got, sizeof got, &gl), OUTBOX_OK);
        cr_assert_eq(gl, wl);
        cr_assert_eq(memcmp(got, want, wl), 0, "frame of %u changed", lo + (uint32_t)i);
    }
}

Test(outbox, a_fresh_queue_is_empty_and_keeps_records_in_order)
{
    uint32_t c;
    board_up(1);
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    assert_holds(1, 0);
    for (c = 1; c <= 7; c++)
        cr_assert_eq(push(c), OUTBOX_OK);
    assert_holds(1, 7);
}

Test(outbox, records_survive_a_reopen_with_identical_frames)
{
    uint32_t c;
    board_up(2);
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    for (c = 1; c <= 10; c++)
        cr_assert_eq(push(c), OUTBOX_OK);
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    assert_holds(1, 10);
    cr_assert_eq(push(11), OUTBOX_OK);
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    assert_holds(1, 11);
}

Test(outbox, freeing_removes_exactly_the_acked_records_and_erases_only_empty_pages)
{
    uint32_t c;
    long erased;
    board_up(3);
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    for (c = 1; c <= 9; c++)
        cr_assert_eq(push(c), OUTBOX_OK);
    erased = ob.pages_erased;
    cr_assert_eq(outbox_free_upto(&ob, 2), OUTBOX_OK);
    assert_holds(3, 9);
    cr_assert_eq(ob.pages_erased, erased, "page 0 still holds counter 3");
    cr_assert_eq(outbox_free_upto(&ob, 4), OUTBOX_OK);
    assert_holds(5, 9);
    cr_assert_eq(ob.pages_erased, erased + 1, "page 0 (1..3) had no live slot left");
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    assert_holds(5, 9);
}

Test(outbox, records_at_or_below_the_persisted_ack_count_as_freed_at_open)
{
    uint32_t c;
    board_up(4);
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    for (c = 1; c <= 8; c++)
        cr_assert_eq(push(c), OUTBOX_OK);
    /* the ack was persisted, then the power went before any state word */
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 5), OUTBOX_OK);
    assert_holds(6, 8);
}

Test(outbox, a_full_queue_refuses_without_touching_flash_and_keeps_everything)
{
    uint32_t c = 0;
    long ops;
    board_up(5);
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    while (outbox_has_room(&ob))
        cr_assert_eq(push(++c), OUTBOX_OK);
    cr_assert_eq(c, NPAGES * 3, "an empty queue takes every slot");
    ops = sb.flash_ops_done;
    cr_assert_eq(push(c + 1), OUTBOX_ERR_FULL);
    cr_assert_eq(sb.flash_ops_done, ops);
    assert_holds(1, c);
    /* freeing one record of the oldest page frees no page: still full */
    cr_assert_eq(outbox_free_upto(&ob, 1), OUTBOX_OK);
    cr_assert_eq(push(c + 1), OUTBOX_ERR_FULL);
    cr_assert_eq(outbox_free_upto(&ob, 3), OUTBOX_OK);
    cr_assert_eq(push(c + 1), OUTBOX_OK);
    assert_holds(4, c + 1);
}

Test(outbox, wraps_around_its_pages_for_ever)
{
    uint32_t c = 0, acked = 0;
    int round;
    board_up(6);
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    for (round = 0; round < 40; round++) {
        int k, n = 1 + (round * 5) % 11;
        for (k = 0; k < n && outbox_has_room(&ob); k++)
            cr_assert_eq(push(++c), OUTBOX_OK);
        acked += (uint32_t)(c - acked) * 2 / 3;
        cr_assert_eq(outbox_free_upto(&ob, acked), OUTBOX_OK);
        if (round % 3 == 0)
            cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, acked), OUTBOX_OK);
        assert_holds(acked + 1, c);
    }
    cr_assert_gt(c, 5 * NPAGES * 3, "went round several times");
    cr_assert_geq(outbox_capacity(&ob), (NPAGES - 1) * 3 + 1);
}

Test(outbox, a_torn_slot_is_ignored_and_never_written_over)
{
    uint8_t f[OUTBOX_FRAME_MAX];
    size_t len = frame_of(3, f);
    board_up(7);
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    cr_assert_eq(push(1), OUTBOX_OK);
    cr_assert_eq(push(2), OUTBOX_OK);
    /* cut during the body write; make sure it left some bits */
    sb.rng = 12345;
    sim_board_cut_power_at(&sb, 1);
    cr_assert_eq(outbox_push(&ob, 3, OUTBOX_HOLD_NONE, 0, f, len, NULL), OUTBOX_ERR_FLASH);
    sim_board_power_on(&sb);
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    assert_holds(1, 2);
    cr_assert_eq(push(4), OUTBOX_OK, "the next slot is used; a write over the torn one "
                                     "would fail with BOARD_ERR_WRITE");
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    cr_assert_eq(outbox_depth(&ob), 3);
    cr_assert_eq(ob.entries[2].counter, 4);
}

Test(outbox, a_torn_erase_is_detected_by_the_missing_magic_and_repeated)
{
    uint32_t c;
    uint8_t *page1;
    board_up(8);
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    for (c = 1; c <= 6; c++)
        cr_assert_eq(push(c), OUTBOX_OK);
    /* pages 0 and 1 are full; ack 3 and free page 0, but tear its erase
     * after 8 bytes: the header is gone, the slots' old bits remain */
    cr_assert_eq(outbox_free_upto(&ob, 3), OUTBOX_OK);
    page1 = sb.flash + (FIRST + 0) * PAGE;
    memset(page1 + OUTBOX_HEADER_LEN, 0x00, OUTBOX_SLOT_LEN); /* garbage where slot 0 was */
    memset(page1, 0xFF, 8);
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 3), OUTBOX_OK);
    assert_holds(4, 6);
    cr_assert_geq(ob.pages_erased, 1, "the half-erased page was erased again");
    for (c = 7; c <= 15; c++)
        cr_assert_eq(push(c), OUTBOX_OK, "and the queue wraps into it (%u)", c);
    assert_holds(4, 15);
}

Test(outbox, a_formatted_page_with_stray_bits_after_its_header_is_erased_again)
{
    uint32_t c;
    board_up(13);
    /* an erase that a weaker flash left incomplete behind an intact magic */
    sb.flash[(FIRST + 2) * PAGE + OUTBOX_HEADER_LEN + 5] = 0x7F;
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    cr_assert_eq(ob.pages_erased, 1);
    for (c = 1; c <= NPAGES * 3; c++)
        cr_assert_eq(push(c), OUTBOX_OK, "slot %u", c);
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    assert_holds(1, NPAGES * 3);
}

Test(outbox, refuses_frames_of_impossible_length_and_layouts_it_cannot_hold)
{
    uint8_t f[64] = {0};
    board_up(9);
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    cr_assert_eq(outbox_push(&ob, 1, 0, 0, f, RADIO_UPLINK_MIN_LEN - 1, NULL), OUTBOX_ERR_FRAME);
    cr_assert_eq(outbox_push(&ob, 1, 0, 0, f, OUTBOX_FRAME_MAX + 1, NULL), OUTBOX_ERR_FRAME);
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, 1, 0), OUTBOX_ERR_LAYOUT);
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES + 1, 0), OUTBOX_ERR_LAYOUT);
    cr_assert_eq(outbox_slots_per_page(OUTBOX_HEADER_LEN + OUTBOX_SLOT_LEN - 4), 0);
    cr_assert_eq(outbox_slots_per_page(4096), 78);
}

/* --- power cut at every operation ---------------------------------------- */

struct truth {
    uint32_t pushed_ok;    /* counters 1..pushed_ok were reported stored */
    uint32_t in_flight;    /* the push the cut interrupted, 0 if none */
    uint32_t acked_done;   /* frees that returned OK */
    uint32_t acked_asked;  /* highest free asked for */
};

/* A run that fills, frees, wraps and reopens; stops at the power cut. */
static void script(struct truth *t)
{
    uint32_t c = 0;
    int round;
    memset(t, 0, sizeof *t);
    if (outbox_open(&ob, &sb.board, FIRST, NPAGES, 0) != OUTBOX_OK)
        return;
    for (round = 0; round < 12; round++) {
        int k, n = 2 + (round * 7) % 9;
        uint32_t a;
        for (k = 0; k < n && outbox_has_room(&ob); k++) {
            t->in_flight = c + 1;
            if (push(c + 1) != OUTBOX_OK)
                return;
            t->in_flight = 0;
            t->pushed_ok = ++c;
        }
        a = t->acked_done + (c - t->acked_done) / 2 + (round % 2);
        if (a > c)
            a = c;
        t->acked_asked = a;
        if (outbox_free_upto(&ob, a) != OUTBOX_OK)
            return;
        t->acked_done = a;
        if (round % 4 == 3 && outbox_open(&ob, &sb.board, FIRST, NPAGES, t->acked_done) != OUTBOX_OK)
            return;
    }
}

Test(outbox, a_power_cut_at_any_operation_loses_no_stored_record_and_duplicates_none)
{
    struct truth t;
    long n, total, start;

    board_up(10);
    start = sb.flash_ops_done;
    script(&t);
    total = sb.flash_ops_done - start;
    cr_assert_gt(t.pushed_ok, 3 * NPAGES * 3, "the script wraps (%u pushed)", t.pushed_ok);
    board_down();

    for (n = 1; n <= total; n++) {
        size_t i;
        board_up(1000 + (uint64_t)n);
        sim_board_cut_power_at(&sb, n);
        script(&t);
        cr_assert_eq(sb.powered, 0, "cut %ld never came", n);
        sim_board_power_on(&sb);
        /* the caller passes the ack it persisted: at least acked_done */
        if (outbox_open(&ob, &sb.board, FIRST, NPAGES, t.acked_done) != OUTBOX_OK) {
            /* a cut while open() repairs: only a second boot can tell */
            cr_assert_fail("open after cut %ld failed", n);
        }
        for (i = 0; i < outbox_depth(&ob); i++) {
            uint32_t c = ob.entries[i].counter;
            uint8_t want[OUTBOX_FRAME_MAX], got[OUTBOX_FRAME_MAX];
            size_t wl = frame_of(c, want), gl;
            cr_assert(c <= t.pushed_ok || c == t.in_flight, "cut %ld: unknown counter %u", n, c);
            cr_assert_gt(c, t.acked_done, "cut %ld: freed %u came back", n, c);
            if (i > 0)
                cr_assert_gt(c, ob.entries[i - 1].counter, "cut %ld: %u twice or out of order", n, c);
            cr_assert_eq(outbox_read(&ob, &ob.entries[i], got, sizeof got, &gl), OUTBOX_OK);
            cr_assert(gl == wl && memcmp(got, want, wl) == 0, "cut %ld: frame %u", n, c);
        }
        /* everything stored and not (possibly) freed is there */
        {
            uint32_t c, lo = t.acked_asked + 1;
            size_t at = 0;
            for (c = lo; c <= t.pushed_ok; c++) {
                while (at < outbox_depth(&ob) && ob.entries[at].counter < c)
                    at++;
                cr_assert(at < outbox_depth(&ob) && ob.entries[at].counter == c,
                          "cut %ld: stored record %u lost", n, c);
            }
        }
        /* and the queue goes on working: fill it, empty it, reopen */
        {
            uint32_t c = t.pushed_ok + 2;
            while (outbox_has_room(&ob))
                cr_assert_eq(push(c++), OUTBOX_OK, "cut %ld", n);
            cr_assert_geq(outbox_depth(&ob), (NPAGES - 1) * 3, "cut %ld: capacity", n);
            cr_assert_eq(outbox_free_upto(&ob, c), OUTBOX_OK);
            cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, c), OUTBOX_OK);
            cr_assert_eq(outbox_depth(&ob), 0);
        }
        board_down();
    }
    board_up(11);
}

Test(outbox, a_second_cut_while_open_repairs_is_harmless)
{
    struct truth t;
    long n, m;
    for (n = 5; n <= 120; n += 7) {
        for (m = 1; m <= 3; m++) {
            board_up(5000 + (uint64_t)(n * 10 + m));
            sim_board_cut_power_at(&sb, n);
            script(&t);
            cr_assert_eq(sb.powered, 0, "cut %ld never came", n);
            sim_board_power_on(&sb);
            sim_board_cut_power_at(&sb, m);
            (void)outbox_open(&ob, &sb.board, FIRST, NPAGES, t.acked_done);
            sim_board_cut_power_at(&sb, 0); /* if open() repaired nothing */
            sim_board_power_on(&sb);
            cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, t.acked_done), OUTBOX_OK);
            {
                uint32_t c;
                size_t at = 0;
                for (c = t.acked_asked + 1; c <= t.pushed_ok; c++) {
                    while (at < outbox_depth(&ob) && ob.entries[at].counter < c)
                        at++;
                    cr_assert(at < outbox_depth(&ob) && ob.entries[at].counter == c,
                              "cuts %ld,%ld: stored record %u lost", n, m, c);
                }
            }
            while (outbox_has_room(&ob))
                cr_assert_eq(push(t.pushed_ok + 100 + (uint32_t)outbox_depth(&ob)), OUTBOX_OK);
            board_down();
        }
    }
    board_up(12);
}

/* The RAM index keeps no hold value and no length (outbox.h): both come
 * back from flash, checked like the frame, also after a reopen. */
Test(outbox, reads_each_records_hold_and_length_back_from_flash_and_refuses_a_changed_slot)
{
    uint8_t f[OUTBOX_FRAME_MAX];
    uint32_t c, hold;
    size_t len, got_len;
    board_up(13);
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    for (c = 1; c <= 4; c++) {
        len = frame_of(c, f);
        cr_assert_eq(outbox_push(&ob, c, c % 2 ? OUTBOX_HOLD_EPOCH : OUTBOX_HOLD_BOOT,
                                 1000u * c + 7u, f, len, NULL),
                     OUTBOX_OK);
    }
    cr_assert_eq(outbox_open(&ob, &sb.board, FIRST, NPAGES, 0), OUTBOX_OK);
    cr_assert_eq(outbox_depth(&ob), 4);
    for (c = 1; c <= 4; c++) {
        const struct outbox_entry *e = &ob.entries[c - 1];
        cr_assert_eq(e->hold_kind, c % 2 ? OUTBOX_HOLD_EPOCH : OUTBOX_HOLD_BOOT);
        cr_assert_eq(outbox_hold(&ob, e, &hold), OUTBOX_OK);
        cr_assert_eq(hold, 1000u * c + 7u);
        cr_assert_eq(outbox_read(&ob, e, f, sizeof f, &got_len), OUTBOX_OK);
        cr_assert_eq(got_len, frame_of(c, f));
    }
    /* a bit of record 2's hold word decays: its commit no longer seals it */
    sb.flash[(FIRST + 0) * PAGE + OUTBOX_HEADER_LEN + OUTBOX_SLOT_LEN + 4] &= 0xFE;
    cr_assert_eq(outbox_hold(&ob, &ob.entries[1], &hold), OUTBOX_ERR_CORRUPT);
    cr_assert_eq(hold, 0);
    cr_assert_eq(outbox_read(&ob, &ob.entries[1], f, sizeof f, &got_len), OUTBOX_ERR_CORRUPT);
}
