/* test_counter.c -- the frame counter and the state log it is stored in
 * (sensors/counter.c, sensors/statelog.c), on a simulated board. */
#include <criterion/criterion.h>
#include <string.h>

#include "counter.h"
#include "sim_board.h"
#include "statelog.h"

/* Small pages: 6 entries per page, so the log switches pages every few
 * reservations and the torn-switch cases come up often. */
#define PAGE 112u
#define PAGES 4u
#define PA 1u
#define PB 2u

static uint64_t now;
static struct sim_board sb;

static void board_up(uint64_t seed)
{
    cr_assert_eq(sim_board_init(&sb, 0, &now, PAGE, PAGES, seed), BOARD_OK);
}

static void board_down(void)
{
    sim_board_free(&sb);
}

TestSuite(counter, .fini = board_down);
TestSuite(statelog, .fini = board_down);

Test(counter, the_first_counter_is_one_and_they_count_up)
{
    struct statelog sl;
    struct counter c;
    uint32_t i, got;
    board_up(1);
    cr_assert_eq(statelog_format(&sl, &sb.board, PA, PB), STATELOG_OK);
    counter_open(&c, &sl);
    for (i = 1; i <= 200; i++) {
        cr_assert_eq(counter_take(&c, &got), COUNTER_OK);
        cr_assert_eq(got, i);
    }
}

Test(counter, writes_a_reservation_once_per_64_counters)
{
    struct statelog sl;
    struct counter c;
    uint32_t i, got;
    board_up(2);
    cr_assert_eq(statelog_format(&sl, &sb.board, PA, PB), STATELOG_OK);
    counter_open(&c, &sl);
    sl.entries_written = 0;
    for (i = 1; i <= 640; i++) {
        cr_assert_eq(counter_take(&c, &got), COUNTER_OK);
        cr_assert_gt(sl.v.reserved_until, got, "reservation covers every counter handed out");
    }
    cr_assert_eq(sl.entries_written, 10);
}

Test(counter, continues_after_a_reboot_from_the_reservation_skipping_at_most_63)
{
    struct statelog sl;
    struct counter c;
    uint32_t i, got, last = 0;
    board_up(3);
    cr_assert_eq(statelog_format(&sl, &sb.board, PA, PB), STATELOG_OK);
    for (i = 0; i < 50; i++) {
        uint32_t n = 1 + (i * 37) % 150, k;
        cr_assert_eq(statelog_open(&sl, &sb.board, PA, PB), STATELOG_OK);
        counter_open(&c, &sl);
        cr_assert_gt(counter_peek(&c), last, "reboot %u reuses", i);
        if (last)
            cr_assert_leq(counter_peek(&c) - last, 64, "reboot %u skips too many", i);
        for (k = 0; k < n; k++) {
            cr_assert_eq(counter_take(&c, &got), COUNTER_OK);
            cr_assert_gt(got, last);
            last = got;
        }
    }
}

/* The scripted run: take counters, rebooting (cleanly) now and then. */
static void take_many(uint32_t *last_taken, uint32_t *next_at_cut)
{
    struct statelog sl;
    struct counter c;
    uint32_t got;
    int round, i;
    for (round = 0; round < 4; round++) {
        if (statelog_open(&sl, &sb.board, PA, PB) != STATELOG_OK)
            return;
        counter_open(&c, &sl);
        for (i = 0; i < 90; i++) {
            *next_at_cut = counter_peek(&c);
            if (counter_take(&c, &got) != COUNTER_OK)
                return;
            *last_taken = got;
        }
    }
}

Test(counter, never_reuses_a_counter_when_power_is_cut_at_any_flash_operation)
{
    long n, total;
    struct statelog sl;
    struct counter c;
    uint32_t last = 0, next_at_cut = 0, got;

    /* count the operations of a clean run */
    board_up(4);
    cr_assert_eq(statelog_format(&sl, &sb.board, PA, PB), STATELOG_OK);
    n = sb.flash_ops_done;
    take_many(&last, &next_at_cut);
    total = sb.flash_ops_done - n;
    cr_assert_gt(total, 8, "the run must switch pages several times (%ld ops)", total);
    board_down();

    for (n = 1; n <= total; n++) {
        last = next_at_cut = 0;
        board_up(100 + (uint64_t)n);
        cr_assert_eq(statelog_format(&sl, &sb.board, PA, PB), STATELOG_OK);
        sim_board_cut_power_at(&sb, n);
        take_many(&last, &next_at_cut);
        cr_assert_eq(sb.powered, 0, "cut %ld did not happen", n);
        sim_board_power_on(&sb);
        cr_assert_eq(statelog_open(&sl, &sb.board, PA, PB), STATELOG_OK, "cut %ld", n);
        counter_open(&c, &sl);
        cr_assert_gt(counter_peek(&c), last, "cut at op %ld: counter %u reused", n, last);
        cr_assert_geq(counter_peek(&c), next_at_cut, "cut at op %ld", n);
        cr_assert_leq(counter_peek(&c) - next_at_cut, 64, "cut at op %ld skips %u", n,
                      counter_peek(&c) - next_at_cut);
        /* and it keeps working */
        cr_assert_eq(counter_take(&c, &got), COUNTER_OK);
        cr_assert_eq(statelog_open(&sl, &sb.board, PA, PB), STATELOG_OK);
        cr_assert_gt(sl.v.reserved_until, got);
        board_down();
    }
    board_up(5);  /* for .fini */
}

Test(counter, stops_before_wrapping_when_all_counters_are_used)
{
    struct statelog sl;
    struct counter c;
    struct statelog_values v = {0xFFFFFFF0u, 0, 0};
    uint32_t got, last = 0;
    int err;
    board_up(6);
    cr_assert_eq(statelog_format(&sl, &sb.board, PA, PB), STATELOG_OK);
    cr_assert_eq(statelog_write(&sl, &v), STATELOG_OK);
    counter_open(&c, &sl);
    while ((err = counter_take(&c, &got)) == COUNTER_OK)
        last = got;
    cr_assert_eq(err, COUNTER_ERR_EXHAUSTED);
    cr_assert_eq(last, 0xFFFFFFFEu);
    cr_assert_eq(got, 0);
    cr_assert_eq(counter_take(&c, &got), COUNTER_ERR_EXHAUSTED, "and stays stopped");
}

Test(statelog, an_unformatted_flash_has_no_state)
{
    struct statelog sl;
    board_up(7);
    cr_assert_eq(statelog_open(&sl, &sb.board, PA, PB), STATELOG_ERR_EMPTY);
}

Test(statelog, values_never_move_backwards)
{
    struct statelog sl;
    struct statelog_values v = {500, 1000, 40};
    board_up(8);
    cr_assert_eq(statelog_format(&sl, &sb.board, PA, PB), STATELOG_OK);
    cr_assert_eq(statelog_write(&sl, &v), STATELOG_OK);
    v.reserved_until = 100;
    v.last_ack_time = 2000;
    v.acked = 7;
    cr_assert_eq(statelog_write(&sl, &v), STATELOG_OK);
    cr_assert_eq(statelog_open(&sl, &sb.board, PA, PB), STATELOG_OK);
    cr_assert_eq(sl.v.reserved_until, 500);
    cr_assert_eq(sl.v.last_ack_time, 2000);
    cr_assert_eq(sl.v.acked, 40);
}

Test(statelog, survives_many_page_switches_and_reads_back_the_latest)
{
    struct statelog sl;
    struct statelog_values v = {1, 0, 0};
    uint32_t i;
    board_up(9);
    cr_assert_eq(statelog_format(&sl, &sb.board, PA, PB), STATELOG_OK);
    for (i = 1; i <= 100; i++) {
        v.last_ack_time = i * 10;
        v.acked = i;
        cr_assert_eq(statelog_write(&sl, &v), STATELOG_OK);
        if (i % 7 == 0) {
            cr_assert_eq(statelog_open(&sl, &sb.board, PA, PB), STATELOG_OK);
            cr_assert_eq(sl.v.acked, i);
        }
    }
    cr_assert_gt(sl.gen, 10, "switched pages many times");
    cr_assert_eq(statelog_open(&sl, &sb.board, PA, PB), STATELOG_OK);
    cr_assert_eq(sl.v.last_ack_time, 1000);
}

Test(statelog, a_torn_entry_is_ignored_and_never_written_over)
{
    struct statelog sl;
    struct statelog_values v = {200, 5, 3};
    uint32_t before;
    board_up(10);
    cr_assert_eq(statelog_format(&sl, &sb.board, PA, PB), STATELOG_OK);
    before = sl.write_off;
    /* cut during the commit word (op 2 of the append), then reboot */
    sim_board_cut_power_at(&sb, 2);
    cr_assert_eq(statelog_write(&sl, &v), STATELOG_ERR_FLASH);
    sim_board_power_on(&sb);
    cr_assert_eq(statelog_open(&sl, &sb.board, PA, PB), STATELOG_OK);
    cr_assert(sl.v.reserved_until == 1 || sl.v.reserved_until == 200,
              "either the old state or, if the commit completed, the new one");
    cr_assert_eq(sl.write_off, before + STATELOG_ENTRY_LEN, "appends go after the torn entry");
    cr_assert_eq(statelog_write(&sl, &v), STATELOG_OK);
    cr_assert_eq(statelog_open(&sl, &sb.board, PA, PB), STATELOG_OK);
    cr_assert_eq(sl.v.reserved_until, 200);
}
