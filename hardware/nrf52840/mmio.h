/* mmio.h -- how the nRF52840 drivers touch peripheral registers and flash.
 *
 * Every register access of the drivers in hardware/nrf52840/ goes through this seam:
 * on the chip it is a volatile 32-bit load or store at the address; in the
 * host tests it is a register-level model of the peripheral (tests/hardware/
 * nrf52_*_model.c), so the very same driver code runs in both. The cost on
 * the chip is one indirect call per access, nothing next to an NVMC write
 * (41 µs) or a radio command.
 */
#ifndef LOFTE_MMIO_H
#define LOFTE_MMIO_H

#include <stdint.h>

struct mmio {
    void *ctx;
    uint32_t (*read)(void *ctx, uint32_t addr);
    void (*write)(void *ctx, uint32_t addr, uint32_t value);
};

/* The real bus (volatile access); only meaningful on the chip. */
extern const struct mmio mmio_direct;

static inline uint32_t mmio_rd(const struct mmio *m, uint32_t addr)
{
    return m->read(m->ctx, addr);
}

static inline void mmio_wr(const struct mmio *m, uint32_t addr, uint32_t v)
{
    m->write(m->ctx, addr, v);
}

#endif
