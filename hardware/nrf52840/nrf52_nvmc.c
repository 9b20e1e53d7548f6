/* nrf52_nvmc.c -- NVMC page erase and word write (PS v1.7 §4.3; see header). */
#include "nrf52_nvmc.h"

#include <string.h>

static int wait_ready(const struct nrf52_nvmc *n)
{
    uint32_t i;
    for (i = 0; i < NRF52_NVMC_POLL_MAX; i++)
        if (mmio_rd(n->bus, NRF52_NVMC_BASE + NRF52_NVMC_READY) & 1u)
            return BOARD_OK;
    return BOARD_ERR_BUSY;
}

static void config(const struct nrf52_nvmc *n, uint32_t mode)
{
    mmio_wr(n->bus, NRF52_NVMC_BASE + NRF52_NVMC_CONFIG, mode);
}

void nrf52_nvmc_init(struct nrf52_nvmc *n, const struct mmio *bus, uint32_t region,
                     uint32_t page_count)
{
    memset(n, 0, sizeof *n);
    n->bus = bus;
    n->region = region;
    n->page_count = page_count;
}

static int in_range(const struct nrf52_nvmc *n, uint32_t addr, uint32_t len)
{
    uint32_t size = n->page_count * NRF52_NVMC_PAGE;
    return addr <= size && len <= size - addr;
}

int nrf52_nvmc_read(struct nrf52_nvmc *n, uint32_t addr, void *buf, uint32_t len)
{
    uint8_t *out = buf;
    uint32_t i;
    if (!in_range(n, addr, len))
        return BOARD_ERR_RANGE;
    /* word loads only: the model (and a future QSPI-mapped part) sees
     * aligned 32-bit accesses, and little-endian bytes come out of them */
    for (i = 0; i < len;) {
        uint32_t a = addr + i, w = mmio_rd(n->bus, n->region + (a & ~3u));
        uint32_t k;
        for (k = a & 3u; k < 4u && i < len; k++, i++)
            out[i] = (uint8_t)(w >> (8u * k));
    }
    return BOARD_OK;
}

static uint32_t word_of(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int nrf52_nvmc_write(struct nrf52_nvmc *n, uint32_t addr, const void *buf, uint32_t len)
{
    const uint8_t *in = buf;
    uint32_t i;
    int err = BOARD_OK;

    if (!in_range(n, addr, len))
        return BOARD_ERR_RANGE;
    if ((addr | len) & 3u)
        return BOARD_ERR_ALIGN;
    /* check every word first: a refused write changes nothing */
    for (i = 0; i < len; i += 4)
        if (word_of(in + i) & ~mmio_rd(n->bus, n->region + addr + i))
            return BOARD_ERR_WRITE;
    if ((err = wait_ready(n)) != 0)
        return err;
    config(n, NRF52_NVMC_CONFIG_WEN);
    for (i = 0; i < len && !err; i += 4) {
        uint32_t a = n->region + addr + i, v = word_of(in + i);
        if (mmio_rd(n->bus, a) == v) {
            n->skipped++;
            continue;  /* costs none of the word's nWRITE */
        }
        mmio_wr(n->bus, a, v);
        n->writes++;
        err = wait_ready(n);
    }
    config(n, NRF52_NVMC_CONFIG_REN);
    return err;
}

int nrf52_nvmc_erase(struct nrf52_nvmc *n, uint32_t page)
{
    int err;
    if (page >= n->page_count)
        return BOARD_ERR_RANGE;
    if ((err = wait_ready(n)) != 0)
        return err;
    config(n, NRF52_NVMC_CONFIG_EEN);
    mmio_wr(n->bus, NRF52_NVMC_BASE + NRF52_NVMC_ERASEPAGE, n->region + page * NRF52_NVMC_PAGE);
    n->erases++;
    err = wait_ready(n);
    config(n, NRF52_NVMC_CONFIG_REN);
    return err;
}
