/* test_ssd1681.c -- the e-paper driver (hardware/ssd1681/) against a model
 * of the controller (ssd1681_model.h): command order, BUSY, RAM window and
 * counters, and the glass equal to the interface's framebuffer pixel for
 * pixel after full and partial refreshes. */
#include <criterion/criterion.h>
#include <string.h>

#include "handheld.h"
#include "sim_board.h"
#include "ssd1681.h"
#include "ssd1681_model.h"
#include "ui.h"

static struct ssd1681_model m;
static struct ssd1681 epd;

static void pattern(uint8_t *fb, unsigned seed)
{
    size_t i;
    for (i = 0; i < SSD1681_RAM_BYTES; i++)
        fb[i] = (uint8_t)(i * 7u + seed * 13u + (i / 25u) * 3u);
}

static long first_difference(const uint8_t *a, const uint8_t *b)
{
    long i;
    for (i = 0; i < SSD1681_RAM_BYTES; i++)
        if (a[i] != b[i])
            return i;
    return -1;
}

static int index_of(uint8_t cmd)
{
    unsigned i;
    for (i = 0; i < m.log_len; i++)
        if (m.log[i] == cmd)
            return (int)i;
    return -1;
}

Test(ssd1681, resets_and_initialises_before_the_first_ram_write)
{
    static uint8_t fb[SSD1681_RAM_BYTES];
    ssd1681_model_init(&m);
    ssd1681_init(&epd, &m.bus, 20);
    pattern(fb, 1);
    cr_assert_eq(ssd1681_refresh(&epd, fb, BOARD_REFRESH_PARTIAL), 0);
    cr_assert_eq(m.errors, 0, "%s", m.first_error);
    cr_assert_eq(m.log[0], 0x12, "SW reset first after RES#");
    cr_assert_lt(index_of(0x01), index_of(0x24));
    cr_assert_lt(index_of(0x11), index_of(0x24));
    cr_assert_lt(index_of(0x44), index_of(0x24));
    cr_assert_lt(index_of(0x45), index_of(0x24));
    cr_assert_eq(m.mux, 199, "200 gate lines");
    cr_assert_eq(m.entry, 0x03);
    cr_assert_eq(m.full, 1, "the first update is full, whatever was asked");
    cr_assert_eq(m.partial, 0);
    cr_assert_eq(first_difference(m.glass, fb), -1);
    cr_assert_eq(memcmp(m.bw, m.red, sizeof m.bw), 0, "RED RAM holds the base of the next partial");
}

Test(ssd1681, a_full_refresh_comes_after_every_n_partials)
{
    static uint8_t fb[SSD1681_RAM_BYTES];
    unsigned i;
    ssd1681_model_init(&m);
    ssd1681_init(&epd, &m.bus, 4);
    for (i = 0; i < 12; i++) {
        pattern(fb, i);
        cr_assert_eq(ssd1681_refresh(&epd, fb, BOARD_REFRESH_PARTIAL), 0);
        cr_assert_eq(first_difference(m.glass, fb), -1, "update %u", i);
    }
    /* 1: full (first), 2-5 partial, 6 full, 7-10 partial, 11 full, 12 partial */
    cr_assert_eq(m.full, 3);
    cr_assert_eq(m.partial, 9);
    cr_assert_eq(epd.full_refreshes, 3);
    cr_assert_eq(m.errors, 0, "%s", m.first_error);
}

Test(ssd1681, a_panel_that_stays_busy_is_an_error_not_a_hang)
{
    static uint8_t fb[SSD1681_RAM_BYTES];
    ssd1681_model_init(&m);
    m.stuck_busy = 1;
    ssd1681_init(&epd, &m.bus, 4);
    cr_assert_eq(ssd1681_refresh(&epd, fb, BOARD_REFRESH_FULL), BOARD_ERR_BUSY);
    cr_assert_lt(m.now_us, 1000000u, "gave up within the reset timeout");
    cr_assert_eq(m.commands, 0, "nothing sent while BUSY");
    m.stuck_busy = 0;
    cr_assert_eq(ssd1681_refresh(&epd, fb, BOARD_REFRESH_PARTIAL), 0, "it resets and recovers");
    cr_assert_eq(m.full, 1);
    cr_assert_eq(m.errors, 0, "%s", m.first_error);
}

Test(ssd1681, after_deep_sleep_the_next_refresh_resets_first)
{
    static uint8_t fb[SSD1681_RAM_BYTES];
    ssd1681_model_init(&m);
    ssd1681_init(&epd, &m.bus, 4);
    pattern(fb, 3);
    cr_assert_eq(ssd1681_refresh(&epd, fb, BOARD_REFRESH_FULL), 0);
    cr_assert_eq(ssd1681_sleep(&epd), 0);
    cr_assert(m.asleep);
    pattern(fb, 4);
    cr_assert_eq(ssd1681_refresh(&epd, fb, BOARD_REFRESH_PARTIAL), 0);
    cr_assert_eq(m.errors, 0, "%s", m.first_error);
    cr_assert_eq(first_difference(m.glass, fb), -1);
}

/* --- the interface on the panel -------------------------------------------- */

static uint64_t sim_now;

static int epd_refresh(void *ctx, const uint8_t *fb, enum board_refresh mode)
{
    (void)ctx;
    return ssd1681_refresh(&epd, fb, mode);
}

Test(ssd1681, the_glass_shows_the_interfaces_framebuffer_after_full_and_partial_refreshes)
{
    static struct sim_board sb;
    static struct handheld h;
    static struct ui u;
    uint8_t key[RADIO_KEY_LEN] = {1, 2, 3};
    /* a checkpoint: open it, tally, a positive with band and action, the
     * menu, end; undo the last; status; settings and back */
    const char *keys = "nnnonnnnnnnnnnnnnnnooobnohnnnnnnoonnnnnnnonbhh";
    const char *k;
    unsigned checks = 0;

    ssd1681_model_init(&m);
    ssd1681_init(&epd, &m.bus, 5);
    sim_now = 1700000000000ull;
    cr_assert_eq(sim_board_init(&sb, 0, &sim_now, HANDHELD_FLASH_PAGE_SIZE, HANDHELD_FLASH_PAGES,
                                3), BOARD_OK);
    cr_assert_eq(handheld_provision(&sb.board, 0x1234u, key), HANDHELD_OK);
    cr_assert_eq(handheld_boot(&h, &sb.board, NULL), HANDHELD_OK);
    sim_board_attach_ui(&sb, 2, 70);
    sb.display_ops.refresh = epd_refresh; /* the SSD1681 instead of the simulated glass */
    ui_init(&u, &h, &sb.board);
    cr_assert_eq(first_difference(m.glass, u.fb), -1, "home after boot");
    for (k = keys; *k; k++) {
        long diff;
        ui_key(&u, *k == 'n' ? UI_KEY_NEXT : *k == 'o' ? UI_KEY_OK : *k == 'b' ? UI_KEY_BACK
                                                                      : UI_KEY_HOME);
        sim_now += 1500;
        diff = first_difference(m.glass, u.fb);
        cr_assert_eq(diff, -1, "after key %ld ('%c'): pixel row %ld, byte %ld differ",
                     (long)(k - keys), *k, diff / 25, diff % 25);
        cr_assert_eq(m.errors, 0, "%s", m.first_error);
        checks++;
    }
    cr_assert_eq(m.full + m.partial, u.refreshes, "one panel update per UI refresh");
    cr_assert_gt(m.partial, 20, "most updates are partial");
    cr_assert_geq(m.full, 1 + m.partial / 6, "a full one at least every 5 partials");
    cr_assert_gt(u.records, 2, "the keys logged records (the checkpoint, its negatives)");
    cr_assert_gt(checks, 40);
    sim_board_free(&sb);
}

/* --- the model itself: it must catch what a wrong driver would do ------------ */

static void bytes(int dc, const uint8_t *b, size_t n)
{
    m.bus.select(&m, 1);
    m.bus.pin_write(&m, SPI_PIN_DC, dc);
    m.bus.transfer(&m, b, NULL, n);
    m.bus.select(&m, 0);
}

static void cmd(uint8_t c, const uint8_t *data, size_t n)
{
    bytes(0, &c, 1);
    if (n)
        bytes(1, data, n);
}

static void settle(void)
{
    while (m.bus.pin_read(&m, SPI_PIN_BUSY))
        m.bus.delay_us(&m, 1000);
}

static void hw_reset(void)
{
    m.bus.pin_write(&m, SPI_PIN_RESET, 0);
    m.bus.pin_write(&m, SPI_PIN_RESET, 1);
}

static void init_all(uint8_t entry, uint8_t xs, uint8_t xe, uint16_t ys, uint16_t ye)
{
    const uint8_t out[3] = {199, 0, 0}, xw[2] = {xs, xe},
                  yw[4] = {(uint8_t)ys, (uint8_t)(ys >> 8), (uint8_t)ye, (uint8_t)(ye >> 8)};
    hw_reset();
    settle();
    cmd(0x12, NULL, 0);
    settle();
    cmd(0x01, out, 3);
    cmd(0x11, &entry, 1);
    cmd(0x44, xw, 2);
    cmd(0x45, yw, 4);
}

Test(ssd1681_model, refuses_a_command_while_busy_and_ram_before_init)
{
    const uint8_t v = 0;
    ssd1681_model_init(&m);
    cmd(0x12, NULL, 0);
    cr_assert_eq(m.errors, 1, "before RES#");
    ssd1681_model_init(&m);
    hw_reset();
    cmd(0x12, NULL, 0); /* BUSY still high after RES# */
    cr_assert_eq(m.errors, 1);
    cr_assert(strstr(m.first_error, "BUSY"), "%s", m.first_error);
    ssd1681_model_init(&m);
    hw_reset();
    settle();
    cmd(0x12, NULL, 0);
    settle();
    cmd(0x24, &v, 1);
    cr_assert_eq(m.errors, 1);
    cr_assert(strstr(m.first_error, "before driver output"), "%s", m.first_error);
}

Test(ssd1681_model, counters_move_per_data_entry_mode_inside_the_window)
{
    const uint8_t six[6] = {1, 2, 3, 4, 5, 6}, x0 = 0;
    const uint8_t y5[2] = {5, 0}, y0[2] = {0, 0};
    /* 0x01: X increments, Y decrements, X first; window x 0..1, y 5 down to 3 */
    ssd1681_model_init(&m);
    init_all(0x01, 0, 1, 5, 3);
    cmd(0x4E, &x0, 1);
    cmd(0x4F, y5, 2);
    cmd(0x24, six, 6);
    cr_assert_eq(m.errors, 0, "%s", m.first_error);
    cr_assert_eq(m.bw[5][0], 1);
    cr_assert_eq(m.bw[5][1], 2);
    cr_assert_eq(m.bw[4][0], 3);
    cr_assert_eq(m.bw[4][1], 4);
    cr_assert_eq(m.bw[3][0], 5);
    cr_assert_eq(m.bw[3][1], 6);
    /* 0x07: both increment, Y first (AM = 1); window x 0..1, y 0..2 */
    ssd1681_model_init(&m);
    init_all(0x07, 0, 1, 0, 2);
    cmd(0x4E, &x0, 1);
    cmd(0x4F, y0, 2);
    cmd(0x26, six, 6);
    cr_assert_eq(m.red[0][0], 1);
    cr_assert_eq(m.red[1][0], 2);
    cr_assert_eq(m.red[2][0], 3);
    cr_assert_eq(m.red[0][1], 4);
    cr_assert_eq(m.red[2][1], 6);
    /* and a write past the RAM is an error */
    {
        const uint8_t x30 = 30;
        cmd(0x4E, &x30, 1);
        cmd(0x24, six, 1);
        cr_assert_eq(m.errors, 1);
    }
}

Test(ssd1681_model, a_partial_update_drives_only_what_differs_from_red_ram)
{
    static uint8_t white[MODEL_ROW * MODEL_H], black[MODEL_ROW * MODEL_H];
    const uint8_t x0 = 0, y0[2] = {0, 0}, full = 0xF7, part = 0xFF;
    memset(white, 0xFF, sizeof white); /* RAM: 1 = white */
    memset(black, 0x00, sizeof black);
    ssd1681_model_init(&m);
    init_all(0x03, 0, 24, 0, 199);
    cmd(0x4E, &x0, 1);
    cmd(0x4F, y0, 2);
    cmd(0x24, white, sizeof white);
    cmd(0x22, &full, 1);
    cmd(0x20, NULL, 0);
    settle();
    cr_assert_eq(m.glass[0], 0x00, "a full update: white");
    /* new image black in B/W RAM, but RED RAM also black (a driver that
     * wrote the new image as the base): nothing differs, nothing changes */
    cmd(0x4E, &x0, 1);
    cmd(0x4F, y0, 2);
    cmd(0x24, black, sizeof black);
    cmd(0x4E, &x0, 1);
    cmd(0x4F, y0, 2);
    cmd(0x26, black, sizeof black);
    cmd(0x22, &part, 1);
    cmd(0x20, NULL, 0);
    settle();
    cr_assert_eq(m.partial, 1);
    cr_assert_eq(m.glass[0], 0x00, "stale base: the glass keeps the old image");
    cr_assert_eq(m.errors, 0, "%s", m.first_error);
}
