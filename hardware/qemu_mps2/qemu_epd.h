/* qemu_epd.h -- an SSD1681 e-paper controller for the QEMU image: the
 * real driver (hardware/ssd1681/) runs on the target against it, and the
 * UI check reads what the glass shows.
 *
 * QEMU's mps2-an386 has no e-paper, so this is a command-level model of
 * the SSD1681 (datasheet sections as in hardware/ssd1681/ssd1681.c)
 * behind a struct spi_bus. It holds the driver to the rules a driver can
 * break, and counts every break in errors (the run fails on any):
 *   - nothing before a hardware reset (RES# low, then high), and 0x12 SW
 *     reset first after it;
 *   - no byte while BUSY is high (after RES#, 0x12 and 0x20), none
 *     outside CS# low; D/C# says command or data;
 *   - RAM writes (0x24, 0x26) only after 0x01, 0x11, 0x44 and 0x45 since
 *     the reset, and only with the data entry mode the driver uses (0x03:
 *     X then Y, both incrementing; another mode is counted as an error
 *     rather than modelled); bytes land at the address counters (0x4E,
 *     0x4F) and move inside the window (0x44, 0x45), wrapping;
 *   - 0x20 needs 0x22 first; with 0x22's display bit it renders: display
 *     mode 1 puts B/W RAM on the glass, display mode 2 only the pixels
 *     where B/W and RED RAM differ.
 * Time passes only through the bus's delay_us, and it moves the board's
 * clock too: a full refresh blocks the firmware for its ~2 s as on the
 * board. Inferred (not measured): the BUSY durations below, from the
 * datasheet's typical update times. The host tests have a fuller model
 * (tests/hardware/ssd1681_model.c, with stdio for its messages); this one
 * is the part the firmware's path needs, without stdio.
 */
#ifndef LOFTE_QEMU_EPD_H
#define LOFTE_QEMU_EPD_H

#include <stdint.h>

#include "spi.h"

#define QEMU_EPD_W 200
#define QEMU_EPD_H 200
#define QEMU_EPD_ROW 25
#define QEMU_EPD_BYTES (QEMU_EPD_ROW * QEMU_EPD_H)
#define QEMU_EPD_RESET_BUSY_US 2000u
#define QEMU_EPD_SWRESET_BUSY_US 3000u
#define QEMU_EPD_FULL_BUSY_US 2000000u
#define QEMU_EPD_PARTIAL_BUSY_US 300000u

struct qemu_epd {
    struct spi_bus bus;           /* hand this to the driver */
    uint64_t now_us, busy_until_us;
    uint32_t sub_ms_us;           /* delay not yet moved onto the board clock */
    int cs, dc, in_reset, hw_reset, sw_reset;
    unsigned init_seen;           /* bit per 0x01, 0x11, 0x44, 0x45 */
    int ctrl2_set;
    uint8_t cmd;
    int have_cmd;
    unsigned nparam;
    uint8_t param[4];
    uint8_t ctrl2, entry;
    uint8_t xs, xe, xc;
    uint16_t ys, ye, yc;
    int asleep;
    uint8_t bw[QEMU_EPD_BYTES], red[QEMU_EPD_BYTES];
    uint8_t glass[QEMU_EPD_BYTES]; /* board.h layout, 1 = ink */
    unsigned long full, partial, commands, errors;
    const char *first_error;
};

void qemu_epd_init(struct qemu_epd *m);

#endif
