/* test_nrf52_nvmc.c -- the NVMC driver against the register-level model
 * (nrf52_model.h), and the whole handheld firmware on it: its write pattern
 * must stay within nWRITE = 2 per word between erases. */
#include <criterion/criterion.h>
#include <string.h>

#include "handheld.h"
#include "nrf52_model.h"
#include "nrf52_nvmc.h"
#include "rig.h"

#define REGION 0x000E0000u  /* a page-aligned flash address (any; the model maps it) */

static struct nrf52_model m;
static struct nrf52_nvmc n;

static void setup(void)
{
    nrf52_model_init(&m, REGION, 18);
    nrf52_nvmc_init(&n, &m.bus, REGION, 18);
}

TestSuite(nrf52_nvmc, .init = setup);

Test(nrf52_nvmc, writes_words_that_read_back_and_leaves_flash_read_only)
{
    uint8_t in[16], out[16];
    int i;
    for (i = 0; i < 16; i++)
        in[i] = (uint8_t)(0x10 + i);
    cr_assert_eq(nrf52_nvmc_write(&n, 4096 + 8, in, 16), BOARD_OK);
    cr_assert_eq(m.violations, 0, "%s", m.violation);
    cr_assert_eq(m.flash[1024 + 2], 0x13121110u, "little-endian words");
    cr_assert_eq(nrf52_nvmc_read(&n, 4096 + 8, out, 16), BOARD_OK);
    cr_assert_arr_eq(out, in, 16);
    cr_assert_eq(nrf52_nvmc_read(&n, 4096 + 9, out, 3), BOARD_OK, "reads need no alignment");
    cr_assert_arr_eq(out, in + 1, 3);
    cr_assert_eq(m.config, NRF52_NVMC_CONFIG_REN);
    cr_assert_eq(m.writes, 4);
}

Test(nrf52_nvmc, refuses_to_set_a_bit_and_changes_nothing)
{
    uint32_t a[2] = {0x0000FFFFu, 0xFFFFFFFFu}, b[2] = {0x0000FFFFu, 0x00FF00FFu};
    cr_assert_eq(nrf52_nvmc_write(&n, 0, a, 8), BOARD_OK);
    /* second word could be cleared, but the first would need bits set */
    a[0] = 0xFFFF0000u;
    cr_assert_eq(nrf52_nvmc_write(&n, 0, a, 8), BOARD_ERR_WRITE);
    cr_assert_eq(m.flash[1], 0xFFFFFFFFu, "a refused write writes nothing");
    cr_assert_eq(nrf52_nvmc_write(&n, 0, b, 8), BOARD_OK, "clearing more bits is fine");
    cr_assert_eq(m.flash[1], 0x00FF00FFu);
    cr_assert_eq(m.violations, 0, "%s", m.violation);
}

Test(nrf52_nvmc, skips_unchanged_words_so_they_cost_no_nwrite)
{
    uint32_t w[4] = {1, 2, 3, 4};
    int i;
    for (i = 0; i < 5; i++)
        cr_assert_eq(nrf52_nvmc_write(&n, 64, w, sizeof w), BOARD_OK);
    cr_assert_eq(m.max_nwrite, 1);
    cr_assert_eq(n.skipped, 16);
    cr_assert_eq(m.violations, 0, "%s", m.violation);
}

Test(nrf52_nvmc, rejects_unaligned_and_out_of_range_without_touching_the_nvmc)
{
    uint32_t w = 0;
    cr_assert_eq(nrf52_nvmc_write(&n, 2, &w, 4), BOARD_ERR_ALIGN);
    cr_assert_eq(nrf52_nvmc_write(&n, 0, &w, 3), BOARD_ERR_ALIGN);
    cr_assert_eq(nrf52_nvmc_write(&n, 18 * 4096 - 4, &w, 8), BOARD_ERR_RANGE);
    cr_assert_eq(nrf52_nvmc_read(&n, 18 * 4096, &w, 1), BOARD_ERR_RANGE);
    cr_assert_eq(nrf52_nvmc_erase(&n, 18), BOARD_ERR_RANGE);
    cr_assert_eq(m.writes, 0);
    cr_assert_eq(m.violations, 0, "%s", m.violation);
}

Test(nrf52_nvmc, erases_one_whole_page_and_waits_for_ready)
{
    uint32_t w = 0;
    cr_assert_eq(nrf52_nvmc_write(&n, 4092, &w, 4), BOARD_OK);
    cr_assert_eq(nrf52_nvmc_write(&n, 4096, &w, 4), BOARD_OK);
    cr_assert_eq(nrf52_nvmc_erase(&n, 1), BOARD_OK);
    cr_assert_eq(m.flash[1024], 0xFFFFFFFFu);
    cr_assert_eq(m.flash[1023], 0, "the page before is untouched");
    cr_assert_eq(m.erases[1], 1);
    cr_assert_eq(m.busy_reads, 0, "the driver polled READY until the erase ended");
    cr_assert_eq(nrf52_nvmc_write(&n, 4096, &w, 4), BOARD_OK, "writable again after erase");
    cr_assert_eq(m.violations, 0, "%s", m.violation);
}

/* A driver that did not wait for READY: the model sees it. */
Test(nrf52_nvmc, the_model_catches_a_store_before_ready)
{
    m.config = NRF52_NVMC_CONFIG_WEN;
    m.bus.write(m.bus.ctx, REGION, 0);
    m.bus.write(m.bus.ctx, REGION + 4, 0);
    cr_assert_str_eq(m.violation, "flash store at 0x000E0004 while NVMC not READY");
}

Test(nrf52_nvmc, the_model_catches_a_third_write_of_one_word)
{
    int i;
    m.config = NRF52_NVMC_CONFIG_WEN;
    for (i = 0; i < 3; i++) {
        m.busy_reads = 0;
        m.bus.write(m.bus.ctx, REGION, 0xFFFFFFFFu << (i + 1));
    }
    cr_assert_str_eq(m.violation, "word 0x000E0000 written 3 times since its erase (nWRITE = 2)");
}

/* --- the handheld firmware on the NVMC ---------------------------------- */

static int fw_read(void *ctx, uint32_t a, void *b, uint32_t l)
{
    (void)ctx;
    return nrf52_nvmc_read(&n, a, b, l);
}
static int fw_write(void *ctx, uint32_t a, const void *b, uint32_t l)
{
    (void)ctx;
    return nrf52_nvmc_write(&n, a, b, l);
}
static int fw_erase(void *ctx, uint32_t p)
{
    (void)ctx;
    return nrf52_nvmc_erase(&n, p);
}

static struct rig r;

Test(nrf52_nvmc, the_handheld_firmware_stays_within_nwrite_through_logging_acks_and_reboots)
{
    static struct board_flash ops;
    uint32_t before;
    int i, k;
    ops.page_size = NRF52_NVMC_PAGE;
    ops.page_count = HANDHELD_FLASH_PAGES;
    ops.read = fw_read, ops.write = fw_write, ops.erase = fw_erase;
    rig_init(&r, HANDHELD_FLASH_PAGE_SIZE, HANDHELD_FLASH_PAGES, 42);
    r.sb.board.flash = &ops;   /* the firmware's flash is now the NVMC model */
    cr_assert_eq(rig_provision(&r), HANDHELD_OK);
    cr_assert_eq(rig_boot(&r), HANDHELD_OK);
    r.station_on = 1;
    r.loss_permille = 200;
    for (k = 0; k < 6; k++) {
        for (i = 0; i < 150; i++) {
            struct record rec = rig_record(ACT_PRESENCE_FOOT_PATROL);
            uint32_t c;
            int err = handheld_log(&r.h, &rec, &c);
            cr_assert(err == HANDHELD_OK || err == HANDHELD_ERR_FULL, "%d", err);
            rig_run_for(&r, 20000);
        }
        rig_run_for(&r, 3600u * 1000u);
        cr_assert_eq(rig_boot(&r), HANDHELD_OK, "reboot %d", k);
    }
    before = m.writes;
    cr_assert_gt(before, 1000, "the run wrote a lot (%u words)", before);
    cr_assert_gt(m.erases[HANDHELD_PAGE_QUEUE], 0, "the queue wrapped");
    cr_assert_eq(m.violations, 0, "%s", m.violation);
    cr_assert_leq(m.max_nwrite, NRF52_NVMC_NWRITE);
    cr_log_info("nvmc: %u word writes, %u skipped, max %u writes per word between erases",
                m.writes, n.skipped, m.max_nwrite);
    rig_free(&r);
}
