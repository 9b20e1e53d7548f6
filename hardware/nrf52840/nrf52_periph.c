/* nrf52_periph.c -- clock, RNG, WDT, SAADC, UART, GPIO, SPIM (see header). */
#include "nrf52_periph.h"

#include <string.h>

#include "board.h"
#include "nrf52_buttons.h"
#include "nrf52_regs.h"

#define POLL_MAX 1000000u

static int wait_event(const struct mmio *bus, uint32_t addr)
{
    uint32_t i;
    for (i = 0; i < POLL_MAX; i++)
        if (mmio_rd(bus, addr)) {
            mmio_wr(bus, addr, 0);
            return 0;
        }
    return -1;
}

/* --- clock ------------------------------------------------------------ */

int nrf52_clock_init(struct nrf52_clock *c, const struct mmio *bus)
{
    memset(c, 0, sizeof *c);
    c->bus = bus;
    mmio_wr(bus, NRF_CLOCK + CLOCK_LFCLKSRC, 1);
    mmio_wr(bus, NRF_CLOCK + CLOCK_EVENTS_LFCLKSTARTED, 0);
    mmio_wr(bus, NRF_CLOCK + CLOCK_TASKS_LFCLKSTART, 1);
    if (wait_event(bus, NRF_CLOCK + CLOCK_EVENTS_LFCLKSTARTED))
        return -1;
    mmio_wr(bus, NRF_RTC1 + RTC_PRESCALER, 0);
    mmio_wr(bus, NRF_RTC1 + RTC_EVTENSET, RTC_INT_COMPARE0);
    mmio_wr(bus, NRF_RTC1 + RTC_INTENSET, RTC_INT_COMPARE0);
    mmio_wr(bus, NRF_RTC1 + RTC_TASKS_START, 1);
    return 0;
}

uint64_t nrf52_clock_ticks(struct nrf52_clock *c)
{
    uint32_t now = mmio_rd(c->bus, NRF_RTC1 + RTC_COUNTER) & 0xFFFFFFu;
    if (now < c->last)
        c->high += 1u << 24;
    c->last = now;
    return c->high + now;
}

uint64_t nrf52_clock_ms(struct nrf52_clock *c)
{
    /* exact: 1000 / 32768 = 125 / 4096 */
    return nrf52_clock_ticks(c) * 125u / 4096u;
}

void nrf52_clock_arm(struct nrf52_clock *c, uint64_t wake_ms)
{
    uint64_t now = nrf52_clock_ticks(c), at = (wake_ms * 4096u + 124u) / 125u, d;
    d = at > now ? at - now : 0;
    if (d < 2)
        d = 2;
    if (d > NRF52_CLOCK_MAX_SLEEP_TICKS)
        d = NRF52_CLOCK_MAX_SLEEP_TICKS;
    mmio_wr(c->bus, NRF_RTC1 + RTC_EVENTS_COMPARE0, 0);
    mmio_wr(c->bus, NRF_RTC1 + RTC_CC0, (uint32_t)((c->last + d) & 0xFFFFFFu));
}

/* --- RNG -------------------------------------------------------------- */

int nrf52_rng_fill(const struct mmio *bus, uint8_t *buf, size_t len)
{
    size_t i;
    mmio_wr(bus, NRF_RNG + RNG_CONFIG, 1);  /* bias correction: uniform bytes */
    mmio_wr(bus, NRF_RNG + RNG_EVENTS_VALRDY, 0);
    mmio_wr(bus, NRF_RNG + RNG_TASKS_START, 1);
    for (i = 0; i < len; i++) {
        if (wait_event(bus, NRF_RNG + RNG_EVENTS_VALRDY)) {
            mmio_wr(bus, NRF_RNG + RNG_TASKS_STOP, 1);
            memset(buf, 0, len);
            return -1;
        }
        buf[i] = (uint8_t)mmio_rd(bus, NRF_RNG + RNG_VALUE);
    }
    mmio_wr(bus, NRF_RNG + RNG_TASKS_STOP, 1);
    return 0;
}

/* --- WDT -------------------------------------------------------------- */

void nrf52_wdt_start(const struct mmio *bus, uint32_t timeout_s)
{
    if (timeout_s < 1)
        timeout_s = 1;
    if (timeout_s > 131071u)
        timeout_s = 131071u;
    mmio_wr(bus, NRF_WDT + WDT_CONFIG, 1u);  /* run in sleep; pause under a debugger */
    mmio_wr(bus, NRF_WDT + WDT_CRV, timeout_s * NRF52_RTC_HZ - 1u);
    mmio_wr(bus, NRF_WDT + WDT_RREN, 1u);    /* RR[0] only */
    mmio_wr(bus, NRF_WDT + WDT_TASKS_START, 1);
}

void nrf52_wdt_feed(const struct mmio *bus)
{
    mmio_wr(bus, NRF_WDT + WDT_RR0, WDT_RELOAD);
}

/* --- SAADC ------------------------------------------------------------ */

int nrf52_saadc_battery_mV(struct nrf52_saadc *s)
{
    const struct mmio *b = s->bus;
    int err;
    int32_t raw, mv;
    mmio_wr(b, NRF_SAADC + SAADC_ENABLE, 1);
    mmio_wr(b, NRF_SAADC + SAADC_RESOLUTION, 2);              /* 12 bit */
    mmio_wr(b, NRF_SAADC + SAADC_CH0_PSELP, s->psel);
    mmio_wr(b, NRF_SAADC + SAADC_CH0_PSELN, 0);
    /* gain 1/6 (0 << 8), internal reference (0 << 12), TACQ 40 µs (5 << 16) */
    mmio_wr(b, NRF_SAADC + SAADC_CH0_CONFIG, 5u << 16);
    mmio_wr(b, NRF_SAADC + SAADC_RESULT_PTR, (uint32_t)(uintptr_t)&s->result);
    mmio_wr(b, NRF_SAADC + SAADC_RESULT_MAXCNT, 1);
    mmio_wr(b, NRF_SAADC + SAADC_EVENTS_END, 0);
    mmio_wr(b, NRF_SAADC + SAADC_TASKS_START, 1);
    mmio_wr(b, NRF_SAADC + SAADC_TASKS_SAMPLE, 1);
    err = wait_event(b, NRF_SAADC + SAADC_EVENTS_END);
    mmio_wr(b, NRF_SAADC + SAADC_TASKS_STOP, 1);
    (void)wait_event(b, NRF_SAADC + SAADC_EVENTS_STOPPED);
    mmio_wr(b, NRF_SAADC + SAADC_ENABLE, 0);                  /* its bias current off */
    if (err)
        return -1;
    raw = s->result < 0 ? 0 : s->result;                      /* single-ended: noise below 0 */
    mv = raw * 3600 / 4096;
    return (int)(mv * s->div_num / (s->div_den ? s->div_den : 1));
}

/* --- GPIO ------------------------------------------------------------- */

static uint32_t port(uint8_t pin)
{
    return pin < 32 ? NRF52_GPIO_P0 : NRF52_GPIO_P1;
}

void nrf52_gpio_write(const struct mmio *bus, uint8_t pin, int level)
{
    mmio_wr(bus, port(pin) + (level ? GPIO_OUTSET : GPIO_OUTCLR), 1u << (pin & 31u));
}

void nrf52_gpio_output(const struct mmio *bus, uint8_t pin, int level)
{
    nrf52_gpio_write(bus, pin, level);                          /* level before direction */
    mmio_wr(bus, port(pin) + GPIO_PIN_CNF + 4u * (pin & 31u), 1u | 1u << 1);  /* out, input off */
}

void nrf52_gpio_input(const struct mmio *bus, uint8_t pin, int pull_up)
{
    mmio_wr(bus, port(pin) + GPIO_PIN_CNF + 4u * (pin & 31u), pull_up ? 3u << 2 : 0u);
}

int nrf52_gpio_read(const struct mmio *bus, uint8_t pin)
{
    return (int)(mmio_rd(bus, port(pin) + GPIO_IN) >> (pin & 31u) & 1u);
}

/* --- UART ------------------------------------------------------------- */

void nrf52_uart_init(struct nrf52_uart *u, const struct mmio *bus, uint8_t tx_pin, uint8_t rx_pin)
{
    memset(u, 0, sizeof *u);
    u->bus = bus;
    nrf52_gpio_output(bus, tx_pin, 1);                          /* idle high */
    nrf52_gpio_input(bus, rx_pin, 1);
    mmio_wr(bus, NRF_UART0 + UART_PSEL_TXD, tx_pin);
    mmio_wr(bus, NRF_UART0 + UART_PSEL_RXD, rx_pin);
    mmio_wr(bus, NRF_UART0 + UART_BAUDRATE, 0x01D7E000u);       /* 115200 */
    mmio_wr(bus, NRF_UART0 + UART_ENABLE, 4);
    mmio_wr(bus, NRF_UART0 + UART_INTENSET, UART_INT_RXDRDY);   /* wakes WFE */
    mmio_wr(bus, NRF_UART0 + UART_TASKS_STARTRX, 1);
    mmio_wr(bus, NRF_UART0 + UART_TASKS_STARTTX, 1);
}

static void uart_errors(struct nrf52_uart *u)
{
    if (mmio_rd(u->bus, NRF_UART0 + UART_EVENTS_ERROR)) {
        uint32_t src = mmio_rd(u->bus, NRF_UART0 + UART_ERRORSRC);
        mmio_wr(u->bus, NRF_UART0 + UART_ERRORSRC, src);       /* write 1 to clear */
        mmio_wr(u->bus, NRF_UART0 + UART_EVENTS_ERROR, 0);
        u->overruns += src & 1u;
        u->framing_errors += (src >> 2) & 1u;
    }
}

/* Move what the FIFO holds into the ring. */
static void uart_drain(struct nrf52_uart *u)
{
    uart_errors(u);
    /* clear RXDRDY before reading RXD: the next byte raises it again */
    while (mmio_rd(u->bus, NRF_UART0 + UART_EVENTS_RXDRDY)) {
        uint8_t b;
        mmio_wr(u->bus, NRF_UART0 + UART_EVENTS_RXDRDY, 0);
        b = (uint8_t)mmio_rd(u->bus, NRF_UART0 + UART_RXD);
        if (u->rx_n == NRF52_UART_RX_RING) {
            u->ring_full++;  /* dropped: the framing resyncs at the next 0x00 */
            continue;
        }
        u->rx[(u->rx_head + u->rx_n) % NRF52_UART_RX_RING] = b;
        u->rx_n++;
    }
}

int nrf52_uart_write(struct nrf52_uart *u, const uint8_t *buf, size_t len)
{
    size_t i;
    uint32_t k;
    for (i = 0; i < len; i++) {
        mmio_wr(u->bus, NRF_UART0 + UART_TXD, buf[i]);
        for (k = 0; !mmio_rd(u->bus, NRF_UART0 + UART_EVENTS_TXDRDY); k++) {
            uart_drain(u);
            if (k == POLL_MAX)
                return -1;
        }
        mmio_wr(u->bus, NRF_UART0 + UART_EVENTS_TXDRDY, 0);
        uart_drain(u);
    }
    return 0;
}

size_t nrf52_uart_read(struct nrf52_uart *u, uint8_t *buf, size_t cap)
{
    size_t n = 0;
    uart_drain(u);
    while (n < cap && u->rx_n > 0) {
        buf[n++] = u->rx[u->rx_head];
        u->rx_head = (uint16_t)((u->rx_head + 1u) % NRF52_UART_RX_RING);
        u->rx_n--;
    }
    return n;
}

/* --- SPIM ------------------------------------------------------------- */

void nrf52_delay_us(const struct mmio *bus, uint32_t us)
{
    uint32_t start = mmio_rd(bus, ARM_DWT_CYCCNT), cycles = us * 64u;
    while (mmio_rd(bus, ARM_DWT_CYCCNT) - start < cycles)
        ;
}

static void spim_select(void *ctx, int on)
{
    struct nrf52_spim *s = ctx;
    nrf52_gpio_write(s->bus, s->cs, !on);  /* NSS active low */
}

static int spim_transfer(void *ctx, const uint8_t *tx, uint8_t *rx, size_t len)
{
    struct nrf52_spim *s = ctx;
    while (len > 0) {
        size_t k = len < NRF52_SPIM_CHUNK ? len : NRF52_SPIM_CHUNK;
        /* EasyDMA reads RAM only: tx may be a constant in flash */
        if (tx)
            memcpy(s->txbuf, tx, k);
        else
            memset(s->txbuf, 0, k);
        mmio_wr(s->bus, s->base + SPIM_TXD_PTR, (uint32_t)(uintptr_t)s->txbuf);
        mmio_wr(s->bus, s->base + SPIM_TXD_MAXCNT, (uint32_t)k);
        mmio_wr(s->bus, s->base + SPIM_RXD_PTR, (uint32_t)(uintptr_t)s->rxbuf);
        mmio_wr(s->bus, s->base + SPIM_RXD_MAXCNT, (uint32_t)k);
        mmio_wr(s->bus, s->base + SPIM_EVENTS_END, 0);
        mmio_wr(s->bus, s->base + SPIM_TASKS_START, 1);
        if (wait_event(s->bus, s->base + SPIM_EVENTS_END))
            return BOARD_ERR_BUSY;
        if (rx) {
            memcpy(rx, s->rxbuf, k);
            rx += k;
        }
        if (tx)
            tx += k;
        len -= k;
    }
    return 0;
}

static uint8_t spim_pin(const struct nrf52_spim *s, enum spi_pin p)
{
    switch (p) {
    case SPI_PIN_RESET: return s->reset;
    case SPI_PIN_BUSY: return s->busy;
    case SPI_PIN_DC: return s->dc;
    case SPI_PIN_IRQ: return s->irq;
    default: return NRF52_PIN_NONE;
    }
}

static void spim_pin_write(void *ctx, enum spi_pin p, int level)
{
    struct nrf52_spim *s = ctx;
    uint8_t pin = spim_pin(s, p);
    if (pin != NRF52_PIN_NONE)
        nrf52_gpio_write(s->bus, pin, level);
}

static int spim_pin_read(void *ctx, enum spi_pin p)
{
    struct nrf52_spim *s = ctx;
    uint8_t pin = spim_pin(s, p);
    return pin == NRF52_PIN_NONE ? 0 : nrf52_gpio_read(s->bus, pin);
}

static void spim_delay(void *ctx, uint32_t us)
{
    struct nrf52_spim *s = ctx;
    nrf52_delay_us(s->bus, us);
}

/* PSEL registers (§6.25.8): PIN bits 4:0, PORT bit 5, CONNECT bit 31
 * (1 = disconnected); our pin numbers are port * 32 + pin already. */
static uint32_t spim_psel(uint8_t pin)
{
    return pin == NRF52_PIN_NONE ? 0xFFFFFFFFu : pin;
}

void nrf52_spim_init_at(struct nrf52_spim *s, const struct mmio *bus,
                        const struct nrf52_spim_wiring *w)
{
    memset(s, 0, sizeof *s);
    s->bus = bus;
    s->base = w->base;
    s->cs = w->cs, s->dc = w->dc, s->reset = w->reset, s->busy = w->busy, s->irq = w->irq;
    /* DWT cycle counter for delay_us: DEMCR.TRCENA, DWT_CTRL.CYCCNTENA */
    mmio_wr(bus, ARM_DEMCR, mmio_rd(bus, ARM_DEMCR) | 1u << 24);
    mmio_wr(bus, ARM_DWT_CTRL, mmio_rd(bus, ARM_DWT_CTRL) | 1u);
    nrf52_gpio_output(bus, w->cs, 1);
    nrf52_gpio_output(bus, w->sck, 0);
    nrf52_gpio_output(bus, w->mosi, 0);
    if (w->miso != NRF52_PIN_NONE)
        nrf52_gpio_input(bus, w->miso, 0);
    if (w->dc != NRF52_PIN_NONE)
        nrf52_gpio_output(bus, w->dc, 1);
    if (w->reset != NRF52_PIN_NONE)
        nrf52_gpio_output(bus, w->reset, 1);
    if (w->busy != NRF52_PIN_NONE)
        nrf52_gpio_input(bus, w->busy, 0);
    if (w->irq != NRF52_PIN_NONE)
        nrf52_gpio_input(bus, w->irq, 0);
    mmio_wr(bus, s->base + SPIM_PSEL_SCK, spim_psel(w->sck));
    mmio_wr(bus, s->base + SPIM_PSEL_MOSI, spim_psel(w->mosi));
    mmio_wr(bus, s->base + SPIM_PSEL_MISO, spim_psel(w->miso));
    mmio_wr(bus, s->base + SPIM_FREQUENCY, w->frequency);
    mmio_wr(bus, s->base + SPIM_CONFIG, 0);                  /* mode 0, MSB first */
    mmio_wr(bus, s->base + SPIM_ORC, 0);
    mmio_wr(bus, s->base + SPIM_ENABLE, 7);
    s->spi.ctx = s;
    s->spi.select = spim_select;
    s->spi.transfer = spim_transfer;
    s->spi.pin_write = spim_pin_write;
    s->spi.pin_read = spim_pin_read;
    s->spi.delay_us = spim_delay;
}

void nrf52_spim_init(struct nrf52_spim *s, const struct mmio *bus, uint8_t sck, uint8_t mosi,
                     uint8_t miso, uint8_t cs, uint8_t reset, uint8_t busy, uint8_t irq)
{
    struct nrf52_spim_wiring w;
    w.base = NRF_SPIM2, w.frequency = NRF52_SPIM_8MBPS;
    w.sck = sck, w.mosi = mosi, w.miso = miso, w.cs = cs;
    w.dc = NRF52_PIN_NONE, w.reset = reset, w.busy = busy, w.irq = irq;
    nrf52_spim_init_at(s, bus, &w);
}

/* --- battery charge ---------------------------------------------------- */

/* Open-circuit voltage of a single Li-ion/LiPo cell against its remaining
 * charge, read off the shape of typical published discharge curves at low
 * current (inferred, not measured on the boards' cells): steep above 4.0 V
 * and below 3.6 V, flat in between. */
static const struct {
    uint16_t mV;
    uint8_t pct;
} lipo_curve[] = {
    {3300, 0}, {3500, 5}, {3600, 10}, {3700, 25}, {3750, 40},
    {3800, 50}, {3900, 65}, {4000, 78}, {4100, 90}, {4200, 100}
};

int nrf52_battery_percent(int mV)
{
    size_t i, n = sizeof lipo_curve / sizeof lipo_curve[0];
    if (mV < 0)
        return -1;
    if (mV <= lipo_curve[0].mV)
        return 0;
    for (i = 1; i < n; i++) {
        if (mV <= lipo_curve[i].mV) {
            int m0 = lipo_curve[i - 1].mV, p0 = lipo_curve[i - 1].pct;
            int m1 = lipo_curve[i].mV, p1 = lipo_curve[i].pct;
            return p0 + (mV - m0) * (p1 - p0) / (m1 - m0);
        }
    }
    return 100;
}
