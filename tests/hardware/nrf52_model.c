/* nrf52_model.c -- NVMC and GPIO at register level (see the header). */
#include "nrf52_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nrf52_buttons.h"
#include "nrf52_nvmc.h"

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
    case NRF52_GPIO_P0 + NRF52_GPIO_IN: return m->gpio_in[0];
    case NRF52_GPIO_P1 + NRF52_GPIO_IN: return m->gpio_in[1];
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
