/* nrf52_model.h -- register-level models of nRF52840 peripherals for host
 * tests, behind the mmio seam (hardware/nrf52840/mmio.h).
 *
 * NVMC (Product Specification v1.7 §4.3): a flash region of whole 4 KiB
 * pages at a flash address; READY reads 0 for a few reads after each write
 * (tWRITE) or erase (tERASEPAGE), and a write or ERASEPAGE while READY is 0
 * is a violation; a store into flash with CONFIG != Wen is a violation (the
 * chip ignores it; our driver must never do it), ERASEPAGE with CONFIG !=
 * Een too; a store that would set a 0 bit to 1 only clears (the physics:
 * new = old & value) and is a violation; each word counts its writes since
 * its page's erase, more than nWRITE = 2 is a violation; erases per page are
 * counted (endurance). ERASEPAGE with an address that is not a page start
 * inside the region is a violation.
 *
 * GPIO (§6.9): IN of P0 and P1 set by the test; PIN_CNF, OUTSET/OUTCLR kept.
 *
 * The small peripherals (nrf52_periph.h), each as far as its driver uses it:
 * CLOCK: LFCLKSTARTED after LFCLKSTART (never, with lfxo_dead); RTC1:
 * COUNTER is what the test sets (24 bits), CC0 kept; RNG: VALRDY after
 * START, VALUE a fixed sequence, reading VALUE without VALRDY is a
 * violation; WDT: CRV/RREN/CONFIG only before START (writes after it are
 * ignored by the chip: a violation here), RR0 counts reloads with the
 * right value; SAADC: END after START + SAMPLE with RESULT.PTR pointing at
 * the buffer the test registered (EasyDMA), the sample the test set; UART:
 * RXD pops the FIFO the test fills (RXDRDY while not empty), TXD appends
 * to a log; DWT CYCCNT advances 64 per read. Anything else plainly stores.
 *
 * SPIM2 (§6.25) can be wired to a chip model's struct spi_bus: START
 * clocks TXD.MAXCNT bytes from the buffer TXD.PTR points at into the chip
 * and its answers into RXD.PTR's buffer (EasyDMA: the pointers must be the
 * driver's RAM bounce buffers the test registered, and both counts equal),
 * then raises END; the chip's NSS and NRESET follow the GPIO outputs of
 * the pins named, its BUSY and DIO1 show in IN, and each CYCCNT read lets
 * 1 µs pass in the chip (64 cycles at 64 MHz).
 */
#ifndef LOFTE_NRF52_MODEL_H
#define LOFTE_NRF52_MODEL_H

#include <stdint.h>

#include "mmio.h"
#include "spi.h"

#define NRF52_MODEL_PAGES 32u
#define NRF52_MODEL_WORDS (NRF52_MODEL_PAGES * 1024u)
#define NRF52_MODEL_WRITE_READS 2   /* READY low this many reads after a write */
#define NRF52_MODEL_ERASE_READS 50  /* ... after an erase */

struct nrf52_model {
    struct mmio bus;
    uint32_t flash_base;          /* flash address of the region */
    uint32_t pages;
    uint32_t flash[NRF52_MODEL_WORDS];
    uint8_t nwrite[NRF52_MODEL_WORDS];
    uint32_t erases[NRF52_MODEL_PAGES];
    uint32_t config;
    int busy_reads;
    uint32_t writes, max_nwrite;

    uint32_t gpio_in[2];
    uint32_t pin_cnf[2][32];

    uint32_t gpio_out[2];
    int lfxo_dead;
    uint32_t lfclk_started;
    uint32_t rtc_counter;
    uint32_t rng_next;
    int rng_running, rng_valrdy;
    int wdt_started;
    uint32_t wdt_reloads;
    int16_t saadc_sample;
    void *saadc_buffer;            /* where the driver's RESULT.PTR must point */
    int saadc_started, saadc_end;
    uint8_t uart_rx[64];
    unsigned uart_rx_n;
    uint8_t uart_tx[256];
    unsigned uart_tx_n;
    uint32_t cyccnt;
    const struct spi_bus *spim_dev;
    uint32_t spim_base;           /* the instance the chip is wired to; 0: SPIM2 */
    uint8_t spim_cs, spim_reset, spim_busy, spim_irq;
    uint8_t spim_dc;              /* 0: none (P0.00 is never a control pin here) */
    const void *spim_tx_buf;
    void *spim_rx_buf;
    uint32_t spim_transfers;
    struct { uint32_t addr, value; } store[128];
    unsigned nstore;

    unsigned violations;
    char violation[160];
};

/* Flash of pages (<= NRF52_MODEL_PAGES) at base, erased; GPIO all high. */
void nrf52_model_init(struct nrf52_model *m, uint32_t base, uint32_t pages);

#endif
