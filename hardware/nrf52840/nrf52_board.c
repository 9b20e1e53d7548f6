/* nrf52_board.c -- the nRF52840 + SX1262 board port (see the header). */
#include "nrf52_board.h"

#include <stddef.h>
#include <string.h>

#include "nrf52_layout.h"
#include "nrf52_regs.h"

#if defined(LOFTE_BOARD_RAK4631)
#include "rak4631.h"
#elif defined(LOFTE_BOARD_T_ECHO)
#include "t_echo.h"
#else
#error "define LOFTE_BOARD_RAK4631 or LOFTE_BOARD_T_ECHO"
#endif

static const struct mmio *bus = &mmio_direct;

static struct nrf52_board *of(void *ctx)
{
    return ctx;
}

static int fl_read(void *ctx, uint32_t a, void *buf, uint32_t len)
{
    return nrf52_nvmc_read(&of(ctx)->nvmc, a, buf, len);
}

static int fl_write(void *ctx, uint32_t a, const void *buf, uint32_t len)
{
    return nrf52_nvmc_write(&of(ctx)->nvmc, a, buf, len);
}

static int fl_erase(void *ctx, uint32_t page)
{
    return nrf52_nvmc_erase(&of(ctx)->nvmc, page);
}

static int rd_send(void *ctx, const uint8_t *f, size_t len, const struct board_radio_params *p)
{
    struct nrf52_board *b = of(ctx);
    if (b->radio_err)
        return BOARD_ERR_BUSY;
    return sx126x_radio_send(&b->radio, f, len, p);
}

static void rd_listen(void *ctx, const struct board_radio_params *p, uint64_t close_ms)
{
    struct nrf52_board *b = of(ctx);
    if (!b->radio_err)
        sx126x_radio_listen(&b->radio, p, close_ms);
}

static size_t rd_receive(void *ctx, uint8_t *buf, size_t cap, struct board_rx_meta *meta)
{
    struct nrf52_board *b = of(ctx);
    return b->radio_err ? 0 : sx126x_radio_receive(&b->radio, buf, cap, meta);
}

static uint64_t now_ms(void *ctx)
{
    return nrf52_clock_ms(&of(ctx)->clock);
}

static void random_bytes(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)nrf52_rng_fill(bus, buf, len);  /* failure zeroes: pseudonyms come from provisioning */
}

uint64_t nrf52_board_now(struct nrf52_board *b)
{
    return nrf52_clock_ms(&b->clock);
}

/* DIO1 rose (GPIOTE IN[0]): hand its time to the radio. */
static void latch_dio1(struct nrf52_board *b)
{
    if (mmio_rd(bus, NRF_GPIOTE + GPIOTE_EVENTS_IN0)) {
        mmio_wr(bus, NRF_GPIOTE + GPIOTE_EVENTS_IN0, 0);
        sx126x_radio_irq_at(&b->radio, nrf52_board_now(b));
    }
}

int nrf52_board_scan_buttons(struct nrf52_board *b)
{
    struct nrf52_button_event ev[4];
    unsigned n = nrf52_buttons_poll(&b->buttons, nrf52_board_now(b), ev, 4);
#if defined(LOFTE_BOARD_UI)
    nrf52_buttons_classify(&b->button_queue, ev, n);
#else
    (void)n;  /* a board without the interface: the buttons mean nothing */
#endif
    return nrf52_buttons_active(&b->buttons);
}

#if defined(LOFTE_BOARD_UI)
/* Partials between full refreshes: the UI's own rhythm (sensors/ui.h,
 * UI_FULL_EVERY = 20); the driver's limit is only the backstop. */
#define EPD_FULL_EVERY 20u

static struct nrf52_board *of_epd(void *spim)
{
    return (struct nrf52_board *)(void *)((char *)spim - offsetof(struct nrf52_board, epd_spim));
}

/* The e-paper bus's delay (reset pulses, BUSY polling every 1 ms during a
 * refresh): wait, and meanwhile keep the radio's interrupt time, the
 * buttons (a press during a 2 s refresh is queued, not lost: the scanner
 * reads levels) and the watchdog alive. */
static void epd_delay(void *ctx, uint32_t us)
{
    struct nrf52_board *b = of_epd(ctx);
    nrf52_delay_us(bus, us);
    latch_dio1(b);
    (void)nrf52_board_scan_buttons(b);
    nrf52_wdt_feed(bus);
}

static int display_refresh(void *ctx, const uint8_t *fb, enum board_refresh mode)
{
    return ssd1681_refresh(&of(ctx)->epd, fb, mode);
}

static int buttons_poll(void *ctx, struct board_button_event *ev)
{
    return nrf52_button_queue_take(&of(ctx)->button_queue, ev);
}

static int battery_percent(void *ctx)
{
    return nrf52_battery_percent(nrf52_saadc_battery_mV(&of(ctx)->battery));
}

static void interface_init(struct nrf52_board *b, const struct board_pins *p)
{
    struct nrf52_spim_wiring w;
    if (p->epd_power != NRF52_PIN_NONE)
        nrf52_gpio_output(bus, p->epd_power, 1);
    w.base = NRF_SPIM1, w.frequency = NRF52_SPIM_4MBPS;
    w.sck = p->epd_sck, w.mosi = p->epd_mosi, w.miso = NRF52_PIN_NONE, w.cs = p->epd_cs;
    w.dc = p->epd_dc, w.reset = p->epd_reset, w.busy = p->epd_busy, w.irq = NRF52_PIN_NONE;
    nrf52_spim_init_at(&b->epd_spim, bus, &w);
    b->epd_spim.spi.delay_us = epd_delay;
    ssd1681_init(&b->epd, &b->epd_spim.spi, EPD_FULL_EVERY);
    b->display_ops.width = SSD1681_WIDTH, b->display_ops.height = SSD1681_HEIGHT;
    b->display_ops.refresh = display_refresh;
    nrf52_button_queue_init(&b->button_queue);
    b->buttons_ops.count = p->nbuttons;
    b->buttons_ops.long_press_ms = NRF52_BUTTONS_LONG_MS;
    b->buttons_ops.poll = buttons_poll;
    b->board.display = &b->display_ops;
    b->board.buttons = &b->buttons_ops;
    b->board.battery_percent = battery_percent;
}
#endif

int nrf52_board_init(struct nrf52_board *b, uint32_t wdt_timeout_s)
{
    const struct board_pins *p = &board_pins;
    struct sx126x_config rc;

    memset(b, 0, sizeof *b);
    nrf52_wdt_start(bus, wdt_timeout_s);
    b->max_sleep_ms = wdt_timeout_s * 500u;
    if (p->periph_power != NRF52_PIN_NONE)
        nrf52_gpio_output(bus, p->periph_power, 1);
    if (p->lora_power != NRF52_PIN_NONE)
        nrf52_gpio_output(bus, p->lora_power, 1);
    if (p->led != NRF52_PIN_NONE)
        nrf52_gpio_output(bus, p->led, !p->led_on);
    (void)nrf52_clock_init(&b->clock, bus);  /* no crystal: the RTC never counts, the
                                                watchdog resets the board */
    nrf52_nvmc_init(&b->nvmc, bus, NRF52_STORE_BASE, NRF52_STORE_PAGES);
    b->flash_ops.page_size = NRF52_NVMC_PAGE;
    b->flash_ops.page_count = NRF52_STORE_PAGES;
    b->flash_ops.read = fl_read, b->flash_ops.write = fl_write, b->flash_ops.erase = fl_erase;
    b->radio_ops.send = rd_send, b->radio_ops.listen = rd_listen, b->radio_ops.receive = rd_receive;
    b->board.ctx = b;
    b->board.flash = &b->flash_ops;
    b->board.radio = &b->radio_ops;
    b->board.now_ms = now_ms;
    b->board.random = random_bytes;

    nrf52_buttons_init(&b->buttons, bus, p->buttons, p->nbuttons, nrf52_board_now(b));
    b->battery.bus = bus;
    b->battery.psel = p->battery_psel;
    b->battery.div_num = p->battery_num, b->battery.div_den = p->battery_den;

    /* DIO1 -> GPIOTE IN[0], rising edge (MODE 1 = event, POLARITY 1 = LoToHi) */
    nrf52_spim_init(&b->spim, bus, p->lora_sck, p->lora_mosi, p->lora_miso, p->lora_nss,
                    p->lora_reset, p->lora_busy, p->lora_dio1);
    mmio_wr(bus, NRF_GPIOTE + GPIOTE_CONFIG0, 1u | (uint32_t)p->lora_dio1 << 8 | 1u << 16);
    mmio_wr(bus, NRF_GPIOTE + GPIOTE_INTENSET, 1u | 1u << 31);   /* IN[0], PORT */

    memset(&rc, 0, sizeof rc);
    rc.tcxo = p->tcxo, rc.tcxo_voltage = p->tcxo_voltage, rc.tcxo_delay_us = p->tcxo_delay_us;
    rc.dio2_rf_switch = p->dio2_rf_switch, rc.dcdc = p->dcdc;
    b->radio_err = sx126x_init(&b->radio.chip, &b->spim.spi, &rc);
    sx126x_radio_bind(&b->radio, now_ms, b);
#if defined(LOFTE_BOARD_UI)
    interface_init(b, p);
#endif
    return b->radio_err;
}

void nrf52_board_sleep(struct nrf52_board *b, uint64_t wake_ms)
{
    uint32_t irqs = 1u << NRF_IRQ_RTC1 | 1u << NRF_IRQ_GPIOTE | 1u << NRF_IRQ_UART0;
    uint64_t now = nrf52_board_now(b);
    nrf52_wdt_feed(bus);
    if (wake_ms > now + b->max_sleep_ms)
        wake_ms = now + b->max_sleep_ms;
    /* forget old wake-ups, then look once more before sleeping: an event
     * after this look makes its interrupt pending, which ends the WFE */
    mmio_wr(bus, ARM_NVIC_ICPR0, irqs);
    nrf52_clock_arm(&b->clock, wake_ms);
    if (!mmio_rd(bus, NRF_GPIOTE + GPIOTE_EVENTS_IN0) &&
        !mmio_rd(bus, NRF_GPIOTE + GPIOTE_EVENTS_PORT) &&
        !mmio_rd(bus, NRF_UART0 + UART_EVENTS_RXDRDY) && nrf52_board_now(b) < wake_ms) {
        __asm volatile("sev\n\twfe\n\twfe" ::: "memory");  /* clear the event flag, then wait */
    }
    mmio_wr(bus, NRF_RTC1 + RTC_EVENTS_COMPARE0, 0);
    mmio_wr(bus, NRF_GPIOTE + GPIOTE_EVENTS_PORT, 0);
    latch_dio1(b);
}
