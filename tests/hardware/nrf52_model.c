/* nrf52_model.c -- NVMC and GPIO at register level (see the header). */
#include "nrf52_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nrf52_buttons.h"
#include "nrf52_nvmc.h"
#include "nrf52_regs.h"

static void violate(struct nrf52_model *m, const char *fmt, ...)
{
    va_list ap;
    if (m->violations++ == 0) {
        va_start(ap, fmt);
        vsnprintf(m->violation, sizeof m->violation, fmt, ap);
        va_end(ap);
    }
}

static int flash_index(const struct nrf52_model *m, uint32_t addr, uint32_t *i)
{
    if (addr < m->flash_base || addr - m->flash_base >= m->pages * 4096u)
        return 0;
    *i = (addr - m->flash_base) / 4u;
    return 1;
}

static uint32_t *slot(struct nrf52_model *m, uint32_t addr)
{
    unsigned i;
    for (i = 0; i < m->nstore; i++)
        if (m->store[i].addr == addr)
            return &m->store[i].value;
    if (m->nstore == sizeof m->store / sizeof m->store[0])
        return NULL;
    m->store[m->nstore].addr = addr;
    m->store[m->nstore].value = 0;
    return &m->store[m->nstore++].value;
}

static int pin_bit(uint8_t pin, int port)
{
    return pin != 0xFFu && pin / 32u == (unsigned)port;
}

/* GPIO outputs changed: the wired chip's NSS and NRESET follow them. */
static void spim_pins_out(struct nrf52_model *m, uint32_t before0, uint32_t before1)
{
    const struct spi_bus *d = m->spim_dev;
    uint32_t before[2] = {before0, before1};
    int port;
    if (!d)
        return;
    for (port = 0; port < 2; port++) {
        uint32_t changed = before[port] ^ m->gpio_out[port];
        if (pin_bit(m->spim_cs, port) && (changed >> (m->spim_cs & 31u) & 1u))
            d->select(d->ctx, !(m->gpio_out[port] >> (m->spim_cs & 31u) & 1u));
        if (pin_bit(m->spim_reset, port) && (changed >> (m->spim_reset & 31u) & 1u))
            d->pin_write(d->ctx, SPI_PIN_RESET, (int)(m->gpio_out[port] >> (m->spim_reset & 31u) & 1u));
        if (m->spim_dc && pin_bit(m->spim_dc, port) && (changed >> (m->spim_dc & 31u) & 1u))
            d->pin_write(d->ctx, SPI_PIN_DC, (int)(m->gpio_out[port] >> (m->spim_dc & 31u) & 1u));
    }
}

static uint32_t gpio_in(struct nrf52_model *m, int port)
{
    const struct spi_bus *d = m->spim_dev;
    uint32_t v = m->gpio_in[port];
    if (!d)
        return v;
    if (pin_bit(m->spim_busy, port)) {
        v &= ~(1u << (m->spim_busy & 31u));
        v |= (uint32_t)(d->pin_read(d->ctx, SPI_PIN_BUSY) != 0) << (m->spim_busy & 31u);
    }
    if (pin_bit(m->spim_irq, port)) {
        v &= ~(1u << (m->spim_irq & 31u));
        v |= (uint32_t)(d->pin_read(d->ctx, SPI_PIN_IRQ) != 0) << (m->spim_irq & 31u);
    }
    return v;
}

static void spim_start(struct nrf52_model *m)
{
    uint32_t base = m->spim_base ? m->spim_base : NRF_SPIM2;
    uint32_t *en = slot(m, base + SPIM_ENABLE), *tp = slot(m, base + SPIM_TXD_PTR);
    uint32_t *rp = slot(m, base + SPIM_RXD_PTR), *tn = slot(m, base + SPIM_TXD_MAXCNT);
    uint32_t *rn = slot(m, base + SPIM_RXD_MAXCNT), *end = slot(m, base + SPIM_EVENTS_END);
    if (!m->spim_dev || !en || !tp || !rp || !tn || !rn || !end)
        return;
    if (*en != 7u) {
        violate(m, "SPIM START while not enabled");
        return;
    }
    if (*tp != (uint32_t)(uintptr_t)m->spim_tx_buf || *rp != (uint32_t)(uintptr_t)m->spim_rx_buf) {
        violate(m, "SPIM EasyDMA pointers are not the RAM bounce buffers");
        return;
    }
    if (*tn != *rn || *tn == 0 || *tn > 0xFFFFu) {
        violate(m, "SPIM TXD.MAXCNT %u and RXD.MAXCNT %u", *tn, *rn);
        return;
    }
    m->spim_dev->transfer(m->spim_dev->ctx, m->spim_tx_buf, m->spim_rx_buf, *tn);
    m->spim_transfers++;
    *end = 1;
}

static int periph_rd(struct nrf52_model *m, uint32_t addr, uint32_t *v)
{
    uint32_t *s;
    switch (addr) {
    case NRF_CLOCK + CLOCK_EVENTS_LFCLKSTARTED: *v = m->lfclk_started; return 1;
    case NRF_RTC1 + RTC_COUNTER: *v = m->rtc_counter & 0xFFFFFFu; return 1;
    case NRF_RNG + RNG_EVENTS_VALRDY:
        /* a new value is ready as soon as it is looked for (the chip
         * takes about 120 µs; the driver polls) */
        if (m->rng_running)
            m->rng_valrdy = 1;
        *v = (uint32_t)m->rng_valrdy;
        return 1;
    case NRF_RNG + RNG_VALUE:
        if (!m->rng_valrdy)
            violate(m, "RNG VALUE read without VALRDY");
        *v = (m->rng_next++ * 37u + 11u) & 0xFFu;
        m->rng_valrdy = 0;
        return 1;
    case NRF_SAADC + SAADC_EVENTS_END: *v = (uint32_t)m->saadc_end; return 1;
    case NRF_SAADC + SAADC_EVENTS_STOPPED: *v = 1; return 1;
    case NRF_UART0 + UART_EVENTS_RXDRDY: *v = m->uart_rx_n > 0; return 1;
    case NRF_UART0 + UART_EVENTS_TXDRDY: *v = 1; return 1;
    case NRF_UART0 + UART_EVENTS_ERROR: *v = 0; return 1;
    case NRF_UART0 + UART_RXD:
        if (m->uart_rx_n == 0) {
            violate(m, "UART RXD read with an empty FIFO");
            *v = 0;
            return 1;
        }
        *v = m->uart_rx[0];
        memmove(m->uart_rx, m->uart_rx + 1, --m->uart_rx_n);
        return 1;
    case ARM_DWT_CYCCNT:
        if (m->spim_dev)
            m->spim_dev->delay_us(m->spim_dev->ctx, 1);
        *v = m->cyccnt += 64u;
        return 1;
    case NRF52_GPIO_P0 + GPIO_IN: *v = gpio_in(m, 0); return 1;
    case NRF52_GPIO_P1 + GPIO_IN: *v = gpio_in(m, 1); return 1;
    }
    if ((addr >= 0x40000000u && addr < 0x50000000u) || addr >= 0xE0000000u) {
        s = slot(m, addr);
        *v = s ? *s : 0;
        return 1;
    }
    return 0;
}

static int periph_wr(struct nrf52_model *m, uint32_t addr, uint32_t v)
{
    uint32_t *s;
    switch (addr) {
    case NRF_CLOCK + CLOCK_TASKS_LFCLKSTART: m->lfclk_started = !m->lfxo_dead; return 1;
    case NRF_CLOCK + CLOCK_EVENTS_LFCLKSTARTED: m->lfclk_started = v; return 1;
    case NRF_RNG + RNG_TASKS_START: m->rng_running = 1; return 1;
    case NRF_RNG + RNG_TASKS_STOP: m->rng_running = 0; return 1;
    case NRF_RNG + RNG_EVENTS_VALRDY: return 1;  /* clearing the event keeps VALUE valid */
    case NRF_WDT + WDT_CRV: case NRF_WDT + WDT_RREN: case NRF_WDT + WDT_CONFIG:
        if (m->wdt_started)
            violate(m, "WDT configured after START (the chip ignores it)");
        break;
    case NRF_WDT + WDT_TASKS_START: m->wdt_started = 1; return 1;
    case NRF_WDT + WDT_RR0:
        if (v == WDT_RELOAD)
            m->wdt_reloads++;
        return 1;
    case NRF_SAADC + SAADC_TASKS_START: m->saadc_started = 1; return 1;
    case NRF_SAADC + SAADC_TASKS_SAMPLE: {
        uint32_t *ptr = slot(m, NRF_SAADC + SAADC_RESULT_PTR);
        if (!m->saadc_started || !ptr || *ptr != (uint32_t)(uintptr_t)m->saadc_buffer) {
            violate(m, "SAADC SAMPLE before START or with RESULT.PTR not at the buffer");
            return 1;
        }
        memcpy(m->saadc_buffer, &m->saadc_sample, sizeof m->saadc_sample);
        m->saadc_end = 1;
        return 1;
    }
    case NRF_SAADC + SAADC_TASKS_STOP: m->saadc_started = 0; return 1;
    case NRF_SAADC + SAADC_EVENTS_END: m->saadc_end = (int)v; return 1;
    case NRF_UART0 + UART_TXD:
        if (m->uart_tx_n < sizeof m->uart_tx)
            m->uart_tx[m->uart_tx_n++] = (uint8_t)v;
        return 1;
    case NRF_UART0 + UART_EVENTS_RXDRDY: return 1;  /* raised again while the FIFO holds bytes */
    case NRF52_GPIO_P0 + GPIO_OUTSET: case NRF52_GPIO_P0 + GPIO_OUTCLR:
    case NRF52_GPIO_P1 + GPIO_OUTSET: case NRF52_GPIO_P1 + GPIO_OUTCLR: {
        uint32_t b0 = m->gpio_out[0], b1 = m->gpio_out[1];
        int p = addr == NRF52_GPIO_P1 + GPIO_OUTSET || addr == NRF52_GPIO_P1 + GPIO_OUTCLR;
        if (addr == (p ? NRF52_GPIO_P1 : NRF52_GPIO_P0) + GPIO_OUTSET)
            m->gpio_out[p] |= v;
        else
            m->gpio_out[p] &= ~v;
        spim_pins_out(m, b0, b1);
        return 1;
    }
    case NRF_SPIM2 + SPIM_TASKS_START: case NRF_SPIM1 + SPIM_TASKS_START:
        if (addr - SPIM_TASKS_START == (m->spim_base ? m->spim_base : NRF_SPIM2))
            spim_start(m);
        else
            violate(m, "SPIM START on an instance no chip is wired to");
        return 1;
    }
    if ((addr >= 0x40000000u && addr < 0x50000000u) || addr >= 0xE0000000u) {
        if ((s = slot(m, addr)) != NULL)
            *s = v;
        return 1;
    }
    return 0;
}

static uint32_t rd(void *ctx, uint32_t addr)
{
    struct nrf52_model *m = ctx;
    uint32_t i;
    if (addr & 3u) {
        violate(m, "unaligned read at 0x%08X", addr);
        return 0;
    }
    if (flash_index(m, addr, &i))
        return m->flash[i];
    switch (addr) {
    case NRF52_NVMC_BASE + NRF52_NVMC_READY:
    case NRF52_NVMC_BASE + NRF52_NVMC_READYNEXT:
        if (m->busy_reads > 0) {
            m->busy_reads--;
            return 0;
        }
        return 1;
    case NRF52_NVMC_BASE + NRF52_NVMC_CONFIG: return m->config;
    }
    {
        uint32_t v;
        if (periph_rd(m, addr, &v))
            return v;
    }
    violate(m, "read of unmodelled address 0x%08X", addr);
    return 0;
}

static void wr(void *ctx, uint32_t addr, uint32_t v)
{
    struct nrf52_model *m = ctx;
    uint32_t i, p;
    if (addr & 3u) {
        violate(m, "unaligned write at 0x%08X (a hard fault on the chip)", addr);
        return;
    }
    if (flash_index(m, addr, &i)) {
        if (m->config != NRF52_NVMC_CONFIG_WEN) {
            violate(m, "flash store at 0x%08X with CONFIG %u, not Wen", addr, m->config);
            return;
        }
        if (m->busy_reads > 0)
            violate(m, "flash store at 0x%08X while NVMC not READY", addr);
        if (v & ~m->flash[i])
            violate(m, "flash store at 0x%08X would set bits 0x%08X back to 1", addr,
                    v & ~m->flash[i]);
        m->flash[i] &= v;
        if (++m->nwrite[i] > m->max_nwrite)
            m->max_nwrite = m->nwrite[i];
        if (m->nwrite[i] > NRF52_NVMC_NWRITE)
            violate(m, "word 0x%08X written %u times since its erase (nWRITE = %u)", addr,
                    m->nwrite[i], NRF52_NVMC_NWRITE);
        m->writes++;
        m->busy_reads = NRF52_MODEL_WRITE_READS;
        return;
    }
    if (addr >= NRF52_GPIO_P0 + NRF52_GPIO_PIN_CNF && addr < NRF52_GPIO_P0 + NRF52_GPIO_PIN_CNF + 128u) {
        m->pin_cnf[0][(addr - NRF52_GPIO_P0 - NRF52_GPIO_PIN_CNF) / 4u] = v;
        return;
    }
    if (addr >= NRF52_GPIO_P1 + NRF52_GPIO_PIN_CNF && addr < NRF52_GPIO_P1 + NRF52_GPIO_PIN_CNF + 128u) {
        m->pin_cnf[1][(addr - NRF52_GPIO_P1 - NRF52_GPIO_PIN_CNF) / 4u] = v;
        return;
    }
    switch (addr) {
    case NRF52_NVMC_BASE + NRF52_NVMC_CONFIG:
        if (m->busy_reads > 0)
            violate(m, "CONFIG changed while NVMC not READY");
        m->config = v & 3u;
        return;
    case NRF52_NVMC_BASE + NRF52_NVMC_ERASEPAGE:
        if (m->config != NRF52_NVMC_CONFIG_EEN) {
            violate(m, "ERASEPAGE with CONFIG %u, not Een", m->config);
            return;
        }
        if (m->busy_reads > 0)
            violate(m, "ERASEPAGE while NVMC not READY");
        if (!flash_index(m, v, &i) || (v - m->flash_base) % 4096u != 0) {
            violate(m, "ERASEPAGE 0x%08X is not a page of the region", v);
            return;
        }
        p = (v - m->flash_base) / 4096u;
        for (i = p * 1024u; i < (p + 1u) * 1024u; i++)
            m->flash[i] = 0xFFFFFFFFu, m->nwrite[i] = 0;
        m->erases[p]++;
        m->busy_reads = NRF52_MODEL_ERASE_READS;
        return;
    }
    if (periph_wr(m, addr, v))
        return;
    violate(m, "write of unmodelled address 0x%08X", addr);
}

void nrf52_model_init(struct nrf52_model *m, uint32_t base, uint32_t pages)
{
    memset(m, 0, sizeof *m);
    m->bus.ctx = m;
    m->bus.read = rd;
    m->bus.write = wr;
    m->flash_base = base;
    m->pages = pages > NRF52_MODEL_PAGES ? NRF52_MODEL_PAGES : pages;
    memset(m->flash, 0xFF, sizeof m->flash);
    m->gpio_in[0] = m->gpio_in[1] = 0xFFFFFFFFu;
}
