/* ssd1681.h -- driver for the Solomon Systech SSD1681 e-paper controller
 * (the T-Echo's 1.54" 200 x 200 black/white panel), over hardware/spi.h.
 *
 * It puts the interface's framebuffer (board.h: 1 bit a pixel, rows top to
 * bottom, MSB leftmost, 1 = ink) on the glass with a full refresh (display
 * mode 1: the whole panel flashes, ghosts cleared, ~2 s) or a partial one
 * (display mode 2: only pixels that changed are driven, ~0.3 s). It
 * forces a full refresh on the first update after init (the controller's
 * "previous image" RAM is unknown then) and after full_every partials in a
 * row, whatever the caller asked, against ghosting.
 *
 * Datasheet sections and what is inferred: see ssd1681.c. Portable C99,
 * no heap, no stdio: built for the board and for the host tests
 * (tests/hardware/ssd1681_model.c, a model of the controller).
 */
#ifndef LOFTE_SSD1681_H
#define LOFTE_SSD1681_H

#include <stdint.h>

#include "board.h"
#include "spi.h"

#define SSD1681_WIDTH 200
#define SSD1681_HEIGHT 200
#define SSD1681_ROW_BYTES (SSD1681_WIDTH / 8)
#define SSD1681_RAM_BYTES (SSD1681_ROW_BYTES * SSD1681_HEIGHT)

/* BUSY timeouts, generous against the datasheet's typical update times. */
#define SSD1681_RESET_TIMEOUT_US 100000u
#define SSD1681_FULL_TIMEOUT_US 10000000u
#define SSD1681_PARTIAL_TIMEOUT_US 5000000u
#define SSD1681_BUSY_POLL_US 1000u

struct ssd1681 {
    const struct spi_bus *bus;
    uint16_t full_every;        /* partials between full refreshes, >= 1 */
    uint16_t partials;          /* partials since the last full refresh */
    int ready;                  /* reset and initialised */
    uint32_t full_refreshes, partial_refreshes;
    int last_err;               /* of the last refresh: 0 or a board_err */
};

/* Bind to a bus; nothing is sent until the first refresh. */
void ssd1681_init(struct ssd1681 *d, const struct spi_bus *bus, uint16_t full_every);

/* Hardware reset, software reset and the init sequence (done by the first
 * refresh; callable to re-initialise after an error). 0 or BOARD_ERR_BUSY
 * (BUSY never fell) or the bus's error. */
int ssd1681_reset(struct ssd1681 *d);

/* Put fb (SSD1681_RAM_BYTES, board.h layout) on the glass. mode is the
 * caller's wish: a partial may be made full (first update, or after
 * full_every partials). Blocks until BUSY falls. 0 or a board_err. */
int ssd1681_refresh(struct ssd1681 *d, const uint8_t *fb, enum board_refresh mode);

/* Enter deep sleep (0x10): the panel keeps its image without power; the
 * next refresh resets the controller first. */
int ssd1681_sleep(struct ssd1681 *d);

#endif
