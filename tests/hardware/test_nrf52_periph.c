/* test_nrf52_periph.c -- clock, RNG, WDT, SAADC, UART and GPIO drivers
 * against the register-level model (nrf52_model.h). */
#include <criterion/criterion.h>
#include <string.h>

#include "nrf52_buttons.h"
#include "nrf52_model.h"
#include "nrf52_periph.h"
#include "nrf52_regs.h"

static struct nrf52_model m;

static void setup(void)
{
    nrf52_model_init(&m, 0x000E2000u, 1);
}

TestSuite(nrf52_periph, .init = setup);

static uint32_t reg(uint32_t addr)
{
    return m.bus.read(m.bus.ctx, addr);
}

Test(nrf52_periph, the_clock_runs_from_the_crystal_and_counts_ms_across_counter_wraps)
{
    struct nrf52_clock c;
    cr_assert_eq(nrf52_clock_init(&c, &m.bus), 0);
    cr_assert_eq(reg(NRF_CLOCK + CLOCK_LFCLKSRC), 1, "LFXO");
    cr_assert_eq(reg(NRF_RTC1 + RTC_PRESCALER), 0, "32768 Hz");
    m.rtc_counter = 32768;
    cr_assert_eq(nrf52_clock_ms(&c), 1000);
    m.rtc_counter = 0xFFFFFFu;
    cr_assert_eq(nrf52_clock_ms(&c), 511999, "just before the 512 s wrap");
    m.rtc_counter = 32768;  /* wrapped */
    cr_assert_eq(nrf52_clock_ms(&c), 512000 + 1000);
    cr_assert_eq(m.violations, 0, "%s", m.violation);
}

Test(nrf52_periph, the_clock_says_when_the_crystal_does_not_start)
{
    struct nrf52_clock c;
    m.lfxo_dead = 1;
    cr_assert_eq(nrf52_clock_init(&c, &m.bus), -1);
}

Test(nrf52_periph, arming_a_wake_up_keeps_cc_two_ticks_ahead_and_at_most_256_s)
{
    struct nrf52_clock c;
    cr_assert_eq(nrf52_clock_init(&c, &m.bus), 0);
    m.rtc_counter = 65536;  /* 2 s */
    nrf52_clock_arm(&c, nrf52_clock_ms(&c) + 1000);
    cr_assert_eq(reg(NRF_RTC1 + RTC_CC0), 65536 + 32768);
    nrf52_clock_arm(&c, 0);  /* already past */
    cr_assert_eq(reg(NRF_RTC1 + RTC_CC0), 65538);
    nrf52_clock_arm(&c, 10u * 3600u * 1000u);
    cr_assert_eq(reg(NRF_RTC1 + RTC_CC0), 65536 + (1u << 23));
    m.rtc_counter = 0xFFFFF0u;
    nrf52_clock_arm(&c, nrf52_clock_ms(&c) + 10);
    cr_assert_lt(reg(NRF_RTC1 + RTC_CC0), 0x1000000u, "CC wraps with the counter");
}

Test(nrf52_periph, the_rng_waits_for_each_value_with_bias_correction)
{
    uint8_t b[8], z[8] = {0};
    cr_assert_eq(nrf52_rng_fill(&m.bus, b, sizeof b), 0);
    cr_assert_eq(reg(NRF_RNG + RNG_CONFIG), 1);
    cr_assert_arr_neq(b, z, 8);
    cr_assert_eq(m.violations, 0, "%s", m.violation);
}

Test(nrf52_periph, the_watchdog_is_configured_before_it_starts_and_fed_with_the_magic)
{
    nrf52_wdt_start(&m.bus, 30);
    cr_assert_eq(reg(NRF_WDT + WDT_CRV), 30u * 32768u - 1u);
    cr_assert_eq(reg(NRF_WDT + WDT_RREN), 1);
    cr_assert_eq(reg(NRF_WDT + WDT_CONFIG), 1, "runs while sleeping");
    cr_assert(m.wdt_started);
    nrf52_wdt_feed(&m.bus);
    cr_assert_eq(m.wdt_reloads, 1);
    cr_assert_eq(m.violations, 0, "%s", m.violation);
    nrf52_wdt_start(&m.bus, 30);
    cr_assert_gt(m.violations, 0, "the model sees a second configuration");
}

Test(nrf52_periph, battery_voltage_through_the_boards_divider)
{
    struct nrf52_saadc s = {&m.bus, 4, 173, 100, 0};  /* RAK4631: AIN3, x1.73 */
    m.saadc_buffer = &s.result;
    m.saadc_sample = 2218;  /* 1.949 V at the pin */
    cr_assert_eq(nrf52_saadc_battery_mV(&s), 1949 * 173 / 100);
    cr_assert_eq(reg(NRF_SAADC + SAADC_CH0_PSELP), 4);
    cr_assert_eq(reg(NRF_SAADC + SAADC_RESOLUTION), 2);
    cr_assert_eq(reg(NRF_SAADC + SAADC_ENABLE), 0, "off between readings");
    m.saadc_sample = -3;
    cr_assert_eq(nrf52_saadc_battery_mV(&s), 0, "noise below ground reads 0");
    cr_assert_eq(m.violations, 0, "%s", m.violation);
}

Test(nrf52_periph, the_battery_gauge_follows_the_cell_curve_and_says_when_it_cannot_tell)
{
    cr_assert_eq(nrf52_battery_percent(-1), -1, "a failed reading is unknown, not empty");
    cr_assert_eq(nrf52_battery_percent(3000), 0);
    cr_assert_eq(nrf52_battery_percent(3300), 0);
    cr_assert_eq(nrf52_battery_percent(3800), 50);
    cr_assert_eq(nrf52_battery_percent(3850), 57, "between points: linear");
    cr_assert_eq(nrf52_battery_percent(4200), 100);
    cr_assert_eq(nrf52_battery_percent(4350), 100, "charging reads above 4.2 V");
    for (int mv = 3300; mv < 4200; mv += 10)
        cr_assert_leq(nrf52_battery_percent(mv), nrf52_battery_percent(mv + 10), "monotonic at %d", mv);
}

Test(nrf52_periph, the_uart_reads_the_fifo_and_writes_bytes)
{
    struct nrf52_uart u;
    uint8_t in[8];
    static const uint8_t out[3] = {0x00, 0x42, 0x00};
    nrf52_uart_init(&u, &m.bus, NRF52_PIN(0, 16), NRF52_PIN(0, 15));
    cr_assert_eq(reg(NRF_UART0 + UART_BAUDRATE), 0x01D7E000u, "115200");
    cr_assert_eq(reg(NRF_UART0 + UART_PSEL_TXD), 16);
    cr_assert_eq(reg(NRF_UART0 + UART_PSEL_RXD), 15);
    m.uart_rx[0] = 1, m.uart_rx[1] = 2, m.uart_rx[2] = 3;
    m.uart_rx_n = 3;
    cr_assert_eq(nrf52_uart_read(&u, in, 2), 2);
    cr_assert_eq(in[1], 2);
    cr_assert_eq(nrf52_uart_read(&u, in, 8), 1);
    cr_assert_eq(in[0], 3);
    cr_assert_eq(nrf52_uart_read(&u, in, 8), 0);
    cr_assert_eq(nrf52_uart_write(&u, out, 3), 0);
    cr_assert_eq(m.uart_tx_n, 3);
    cr_assert_arr_eq(m.uart_tx, out, 3);
    cr_assert(m.gpio_out[0] & (1u << 16), "TX idles high");
    cr_assert_eq(m.violations, 0, "%s", m.violation);
}

Test(nrf52_periph, bytes_arriving_during_a_write_are_kept_not_overrun)
{
    static struct nrf52_uart u;
    uint8_t out[58], in[16];
    int i;
    memset(out, 0x33, sizeof out);
    nrf52_uart_init(&u, &m.bus, NRF52_PIN(0, 16), NRF52_PIN(0, 15));
    for (i = 0; i < 10; i++)
        m.uart_rx[i] = (uint8_t)(0xA0 + i);
    m.uart_rx_n = 10;  /* more than the chip's 6-byte FIFO: the write must drain it */
    cr_assert_eq(nrf52_uart_write(&u, out, sizeof out), 0);
    cr_assert_eq(m.uart_rx_n, 0, "drained while writing");
    cr_assert_eq(nrf52_uart_read(&u, in, sizeof in), 10);
    cr_assert_eq(in[0], 0xA0);
    cr_assert_eq(in[9], 0xA9);
}

Test(nrf52_periph, spi_control_pins_map_onto_gpios)
{
    static struct nrf52_spim s;
    nrf52_spim_init(&s, &m.bus, NRF52_PIN(1, 11), NRF52_PIN(1, 12), NRF52_PIN(1, 13),
                    NRF52_PIN(1, 10), NRF52_PIN(1, 6), NRF52_PIN(1, 14), NRF52_PIN(1, 15));
    cr_assert(m.gpio_out[1] & (1u << 10), "NSS idles high");
    s.spi.select(s.spi.ctx, 1);
    cr_assert_not(m.gpio_out[1] & (1u << 10), "selected: low");
    s.spi.pin_write(s.spi.ctx, SPI_PIN_RESET, 0);
    cr_assert_not(m.gpio_out[1] & (1u << 6));
    m.gpio_in[1] = 1u << 14;
    cr_assert_eq(s.spi.pin_read(s.spi.ctx, SPI_PIN_BUSY), 1);
    cr_assert_eq(s.spi.pin_read(s.spi.ctx, SPI_PIN_IRQ), 0);
    cr_assert_eq(s.spi.pin_read(s.spi.ctx, SPI_PIN_DC), 0, "not wired: reads 0");
    cr_assert_eq(reg(NRF_SPIM2 + SPIM_ENABLE), 7);
    cr_assert_eq(reg(NRF_SPIM2 + SPIM_FREQUENCY), 0x80000000u);
}

/* --- the radio over SPIM: driver on driver on models -------------------- */

#include "sx126x.h"
#include "sx126x_model.h"

static int tx_seen;
static uint8_t tx_frame[256];

static void on_tx(void *ctx, const uint8_t *f, size_t len, const struct sx126x_model_air *a,
                  uint64_t start_us)
{
    (void)ctx, (void)a, (void)start_us;
    memcpy(tx_frame, f, len);
    tx_seen = (int)len;
}

Test(nrf52_periph, the_sx126x_driver_runs_over_spim_on_the_rak4631_pins)
{
    static struct nrf52_spim s;
    static struct sx126x_model chip;
    static struct sx126x r;
    static const struct sx126x_config cfg = {0, 1, 0x02, 5000, 1, 1};
    struct sx126x_lora p;
    uint8_t frame[150];
    int i;

    sx126x_model_init(&chip, 1);
    chip.on_tx = on_tx;
    m.spim_dev = &chip.bus;
    m.spim_cs = NRF52_PIN(1, 10), m.spim_reset = NRF52_PIN(1, 6);
    m.spim_busy = NRF52_PIN(1, 14), m.spim_irq = NRF52_PIN(1, 15);
    m.spim_tx_buf = s.txbuf, m.spim_rx_buf = s.rxbuf;
    nrf52_spim_init(&s, &m.bus, NRF52_PIN(1, 11), NRF52_PIN(1, 12), NRF52_PIN(1, 13),
                    NRF52_PIN(1, 10), NRF52_PIN(1, 6), NRF52_PIN(1, 14), NRF52_PIN(1, 15));
    cr_assert_eq(sx126x_init(&r, &s.spi, &cfg), SX126X_OK);
    for (i = 0; i < 150; i++)
        frame[i] = (uint8_t)(i ^ 0x5A);
    sx126x_lora_uplink(&p, 868100000u, 9, 125, 14);
    cr_assert_eq(sx126x_transmit(&r, &p, frame, sizeof frame), SX126X_OK);
    cr_assert_eq(tx_seen, 150, "a frame longer than the 64-byte bounce buffer");
    cr_assert_arr_eq(tx_frame, frame, 150);
    cr_assert_gt(m.spim_transfers, 20);
    cr_assert_eq(chip.violations, 0, "chip: %s", chip.violation);
    cr_assert_eq(m.violations, 0, "nrf52: %s", m.violation);
}

/* --- the e-paper over SPIM1: driver on driver on models ------------------ */

#include "ssd1681.h"
#include "ssd1681_model.h"

Test(nrf52_periph, the_ssd1681_driver_runs_over_spim1_on_the_t_echo_pins)
{
    static struct nrf52_spim s;
    static struct ssd1681_model panel;
    static struct ssd1681 d;
    static uint8_t fb[SSD1681_RAM_BYTES];
    /* t_echo.h: SCK P0.31, MOSI P0.29, CS P0.30, DC P0.28, RESET P0.02, BUSY P0.03 */
    const struct nrf52_spim_wiring w = {NRF_SPIM1, NRF52_SPIM_4MBPS, NRF52_PIN(0, 31),
                                        NRF52_PIN(0, 29), NRF52_PIN_NONE, NRF52_PIN(0, 30),
                                        NRF52_PIN(0, 28), NRF52_PIN(0, 2), NRF52_PIN(0, 3),
                                        NRF52_PIN_NONE};
    size_t i;

    ssd1681_model_init(&panel);
    m.spim_dev = &panel.bus, m.spim_base = NRF_SPIM1;
    m.spim_cs = NRF52_PIN(0, 30), m.spim_dc = NRF52_PIN(0, 28);
    m.spim_reset = NRF52_PIN(0, 2), m.spim_busy = NRF52_PIN(0, 3), m.spim_irq = NRF52_PIN_NONE;
    nrf52_spim_init_at(&s, &m.bus, &w);
    m.spim_tx_buf = s.txbuf, m.spim_rx_buf = s.rxbuf;
    cr_assert_eq(reg(NRF_SPIM1 + SPIM_PSEL_MISO), 0xFFFFFFFFu, "no MISO: disconnected");
    cr_assert_eq(reg(NRF_SPIM1 + SPIM_PSEL_SCK), NRF52_PIN(0, 31));
    cr_assert_eq(reg(NRF_SPIM1 + SPIM_FREQUENCY), NRF52_SPIM_4MBPS);
    cr_assert_eq(reg(NRF_SPIM1 + SPIM_ENABLE), 7);
    cr_assert_eq(reg(NRF_SPIM2 + SPIM_ENABLE), 0, "the radio's SPIM2 untouched");

    ssd1681_init(&d, &s.spi, 20);
    for (i = 0; i < sizeof fb; i++)
        fb[i] = (uint8_t)(i * 37u + i / 25u);
    cr_assert_eq(ssd1681_refresh(&d, fb, BOARD_REFRESH_FULL), 0);
    cr_assert_eq(panel.errors, 0, "%s", panel.first_error);
    cr_assert_eq(memcmp(panel.glass, fb, sizeof fb), 0, "the glass shows the framebuffer");
    for (i = 0; i < 500; i++)
        fb[1000 + i] ^= 0x5Au;
    cr_assert_eq(ssd1681_refresh(&d, fb, BOARD_REFRESH_PARTIAL), 0);
    cr_assert_eq(panel.errors, 0, "%s", panel.first_error);
    cr_assert_eq(panel.partial, 1);
    cr_assert_eq(memcmp(panel.glass, fb, sizeof fb), 0, "and after a partial refresh");
    cr_assert_eq(m.violations, 0, "%s", m.violation);
}
