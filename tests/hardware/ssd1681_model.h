/* ssd1681_model.h -- a command-level model of the SSD1681 e-paper
 * controller behind a struct spi_bus, for host tests of the driver.
 *
 * It stands in for the chip we do not have on this machine, and follows
 * the datasheet's rules that a driver can break (hardware/ssd1681/
 * ssd1681.c lists the sections):
 *   - nothing is accepted before a hardware reset (RES# low, then high);
 *     the first command after it must be 0x12 SW reset;
 *   - a byte sent while BUSY is high is an error (BUSY is high for a while
 *     after RES#, 0x12 and 0x20; time passes only through delay_us);
 *   - a byte outside CS# low is an error; D/C# decides command or data;
 *   - RAM writes (0x24, 0x26) before 0x01, 0x11, 0x44 and 0x45 since the
 *     reset are an error, as is 0x20 before 0x22;
 *   - RAM bytes land at the address counters (0x4E, 0x4F), which move
 *     inside the window (0x44, 0x45) per the data entry mode (0x11: ID
 *     bits for the directions, AM for which counter moves first, wrapping
 *     from the window's end to its start); a byte outside the 25 x 200
 *     RAM is an error;
 *   - 0x20 with 0x22's "display" bit renders: display mode 1 (0x22 bit 3
 *     clear) puts the whole B/W RAM on the glass; display mode 2 drives
 *     only the pixels where B/W RAM and RED RAM differ, so a driver that
 *     does not keep RED RAM equal to the glass leaves wrong pixels.
 * The glass is kept as a framebuffer in board.h's layout (1 = ink).
 *
 * Inferred: the BUSY durations (model_*_us below, from the datasheet's
 * typical figures and vendor notes); what the real chip does on a broken
 * sequence (it may ignore it or misbehave: the model just records the
 * first error and counts them).
 */
#ifndef LOFTE_SSD1681_MODEL_H
#define LOFTE_SSD1681_MODEL_H

#include <stdint.h>

#include "spi.h"

#define MODEL_W 200
#define MODEL_H 200
#define MODEL_ROW 25
#define MODEL_RESET_BUSY_US 2000u
#define MODEL_SWRESET_BUSY_US 3000u
#define MODEL_FULL_BUSY_US 2000000u
#define MODEL_PARTIAL_BUSY_US 300000u

struct ssd1681_model {
    struct spi_bus bus;           /* hand this to the driver */
    uint64_t now_us;
    uint64_t busy_until_us;
    int stuck_busy;               /* test hook: BUSY never falls */
    int cs, dc, in_reset;
    int hw_reset, sw_reset;       /* seen since power-on / since RES# */
    unsigned init_seen;           /* bit per 0x01, 0x11, 0x44, 0x45 */
    int ctrl2_set;

    uint8_t cmd;                  /* the command whose data is coming */
    int have_cmd;
    unsigned nparam;
    uint8_t param[8];

    uint8_t ctrl2, entry, border, temp;
    uint16_t mux;
    uint8_t xs, xe;               /* RAM X window, bytes */
    uint16_t ys, ye;              /* RAM Y window, lines */
    uint8_t xc;                   /* counters */
    uint16_t yc;
    uint8_t bw[MODEL_H][MODEL_ROW];
    uint8_t red[MODEL_H][MODEL_ROW];
    uint8_t glass[MODEL_ROW * MODEL_H];   /* board.h layout, 1 = ink */
    int asleep;

    unsigned long full, partial, commands, errors;
    char first_error[160];
    uint8_t log[64];              /* the first commands since power-on */
    unsigned log_len;
};

void ssd1681_model_init(struct ssd1681_model *m);

#endif
