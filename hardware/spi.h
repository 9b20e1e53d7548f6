/* spi.h -- the SPI bus and control pins a peripheral driver talks through.
 *
 * Chip drivers that sit on SPI (the SX126x radio, the SSD1681 e-paper
 * controller) are portable C written against this struct, so the same
 * driver runs over the nRF52840's SPIM peripheral on a board and over a
 * command-level model of the chip in the host tests. A board fills it in.
 *
 * The bus is half a transaction at a time: the driver asserts chip select,
 * calls transfer() one or more times, then releases chip select. Control
 * pins that are not SPI proper (reset, BUSY, DC, DIO1) are named pins the
 * board maps to GPIOs; a pin the board does not wire reads as 0 and writes
 * are ignored.
 */
#ifndef LOFTE_SPI_H
#define LOFTE_SPI_H

#include <stddef.h>
#include <stdint.h>

enum spi_pin {
    SPI_PIN_RESET = 0,   /* output, active low: chip reset */
    SPI_PIN_BUSY,        /* input: SX126x BUSY, SSD1681 BUSY (high = busy) */
    SPI_PIN_DC,          /* output: SSD1681 data (1) / command (0) */
    SPI_PIN_IRQ,         /* input: SX126x DIO1 */
    SPI_PIN_COUNT
};

struct spi_bus {
    void *ctx;
    /* Assert (1) or release (0) chip select. */
    void (*select)(void *ctx, int on);
    /* Clock len bytes: tx may be NULL (send 0x00), rx may be NULL (discard).
     * Returns 0, or a negative board error. */
    int (*transfer)(void *ctx, const uint8_t *tx, uint8_t *rx, size_t len);
    void (*pin_write)(void *ctx, enum spi_pin pin, int level);
    int (*pin_read)(void *ctx, enum spi_pin pin);
    /* Busy-wait at least us microseconds (reset pulses, BUSY timeouts). */
    void (*delay_us)(void *ctx, uint32_t us);
};

#endif
