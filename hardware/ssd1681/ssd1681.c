/* ssd1681.c -- the SSD1681 e-paper controller, from its datasheet.
 *
 * Chip: Solomon Systech SSD1681, 200 source x 200 gate active-matrix EPD
 * driver with 2 x 200 x 200 bits of display RAM ("B/W RAM" and "RED RAM"),
 * 4-wire SPI (CS#, D/C#, SCL, SDA), RES# and BUSY pins. Written from the
 * SSD1681 datasheet (Solomon Systech, rev 0.13), sections:
 *   - Pin description: BUSY high while the chip works; the host must not
 *     send a command then. D/C# low = command byte, high = data byte.
 *     RES# low resets the chip.
 *   - MCU serial interface (4-wire SPI): bytes MSB first while CS# is low;
 *     the D/C# level of each byte says command or data.
 *   - Command table:
 *       0x01 Driver Output Control: A[7:0]+B[0] = MUX (gates) - 1 = 199,
 *            C = GD/SM/TB = 0 (gate 0 first);
 *       0x11 Data Entry Mode: A[1:0] ID (bit 0: X increments, bit 1: Y
 *            increments), A[2] AM (0: the X counter moves first); we use
 *            0x03, X then Y, both incrementing (the reset default);
 *       0x12 SW Reset: registers to their defaults, BUSY high meanwhile;
 *       0x18 Temperature Sensor Control: 0x80 = internal sensor;
 *       0x20 Master Activation: run the update sequence set by 0x22; BUSY
 *            high until it is done;
 *       0x22 Display Update Control 2: which steps 0x20 runs, one bit
 *            each (7 clock on, 6 analog on, 5 load temperature, 4 load
 *            LUT, 3 display mode 2, 2 display, 1 analog off, 0 clock
 *            off): 0xF7 = everything with display mode 1 (full), 0xFF =
 *            the same with display mode 2 (partial);
 *       0x24 Write RAM (B/W): the new image, at the address counters;
 *       0x26 Write RAM (RED): on a black/white panel, display mode 2
 *            drives only the pixels where B/W RAM and RED RAM differ, so
 *            RED RAM must hold the image now on the glass;
 *       0x3C Border Waveform Control: 0x05 = border follows LUT 1 (white)
 *            on a full refresh; 0x80 = border held at VCOM on a partial,
 *            so it does not flicker;
 *       0x44 / 0x45 Set RAM X / Y address start and end: X in bytes (8
 *            pixels), 0..24; Y in gate lines, 0..199 (9 bits, two bytes);
 *       0x4E / 0x4F Set RAM X / Y address counter: where the next RAM
 *            byte goes; the counters then move per 0x11 inside the window;
 *       0x10 Deep Sleep Mode: 0x01 = mode 1, RAM kept, wakes only by a
 *            hardware reset.
 *   - RAM content: a B/W RAM bit 0 is black, 1 white (the inverse of our
 *     framebuffer's 1 = ink), MSB leftmost.
 *
 * Inferred, not read in the datasheet (vendor application notes for the
 * GDEY0154D67 panel and common practice): RES# held low 10 ms then 10 ms
 * before the first command; writing the new image into RED RAM after a
 * partial update (so the next partial compares against what the glass
 * shows) rather than a copy kept in MCU RAM; 0xFF rather than 0xFC for the
 * partial (0xFC leaves clock and analog on between partials: faster, more
 * current; a handheld on battery updates rarely); the typical update
 * times (~2 s full, ~0.3 s partial) behind the timeouts.
 *
 * Not verified on hardware: everything. The host tests run it against a
 * command-level model of the controller (tests/hardware/ssd1681_model.c):
 * order, BUSY, RAM windows and counters, and the image on the glass.
 * Whether the T-Echo's panel is mounted so that gate 0 is the top row
 * (else 0x01's TB bit or 0x11's Y direction flips it) is not known here.
 */
#include "ssd1681.h"

#include <stddef.h>

enum {
    CMD_DRIVER_OUTPUT = 0x01,
    CMD_DEEP_SLEEP = 0x10,
    CMD_DATA_ENTRY = 0x11,
    CMD_SW_RESET = 0x12,
    CMD_TEMP_SENSOR = 0x18,
    CMD_MASTER_ACTIVATION = 0x20,
    CMD_UPDATE_CONTROL_2 = 0x22,
    CMD_WRITE_RAM_BW = 0x24,
    CMD_WRITE_RAM_RED = 0x26,
    CMD_BORDER = 0x3C,
    CMD_RAM_X_WINDOW = 0x44,
    CMD_RAM_Y_WINDOW = 0x45,
    CMD_RAM_X_COUNTER = 0x4E,
    CMD_RAM_Y_COUNTER = 0x4F
};

#define UPDATE_FULL 0xF7u      /* display mode 1 */
#define UPDATE_PARTIAL 0xFFu   /* display mode 2 */
#define DATA_ENTRY_XY_INC 0x03u
#define BORDER_FULL 0x05u
#define BORDER_PARTIAL 0x80u
#define TEMP_INTERNAL 0x80u
#define RESET_LOW_US 10000u

void ssd1681_init(struct ssd1681 *d, const struct spi_bus *bus, uint16_t full_every)
{
    d->bus = bus;
    d->full_every = full_every ? full_every : 1;
    d->partials = 0;
    d->ready = 0;
    d->full_refreshes = d->partial_refreshes = 0;
    d->last_err = 0;
}

static int wait_idle(const struct ssd1681 *d, uint32_t timeout_us)
{
    uint32_t waited = 0;
    while (d->bus->pin_read(d->bus->ctx, SPI_PIN_BUSY)) {
        if (waited >= timeout_us)
            return BOARD_ERR_BUSY;
        d->bus->delay_us(d->bus->ctx, SSD1681_BUSY_POLL_US);
        waited += SSD1681_BUSY_POLL_US;
    }
    return 0;
}

/* Open a command: wait for BUSY to fall (the datasheet forbids commands
 * while it is high), assert CS#, the command byte with D/C# low, then D/C#
 * high for its data. The caller sends the data and calls end(). */
static int begin(const struct ssd1681 *d, uint8_t cmd)
{
    const struct spi_bus *b = d->bus;
    int err = wait_idle(d, SSD1681_RESET_TIMEOUT_US);
    if (err)
        return err;
    b->select(b->ctx, 1);
    b->pin_write(b->ctx, SPI_PIN_DC, 0);
    err = b->transfer(b->ctx, &cmd, NULL, 1);
    b->pin_write(b->ctx, SPI_PIN_DC, 1);
    if (err)
        b->select(b->ctx, 0);
    return err;
}

static void end(const struct ssd1681 *d)
{
    d->bus->select(d->bus->ctx, 0);
}

static int command(const struct ssd1681 *d, uint8_t cmd, const uint8_t *data, size_t n)
{
    int err = begin(d, cmd);
    if (err)
        return err;
    if (n)
        err = d->bus->transfer(d->bus->ctx, data, NULL, n);
    end(d);
    return err;
}

static int command1(const struct ssd1681 *d, uint8_t cmd, uint8_t a)
{
    return command(d, cmd, &a, 1);
}

int ssd1681_reset(struct ssd1681 *d)
{
    const struct spi_bus *b = d->bus;
    static const uint8_t output[3] = {(SSD1681_HEIGHT - 1) & 0xFF, (SSD1681_HEIGHT - 1) >> 8, 0};
    static const uint8_t xwin[2] = {0, SSD1681_ROW_BYTES - 1};
    static const uint8_t ywin[4] = {0, 0, (SSD1681_HEIGHT - 1) & 0xFF, (SSD1681_HEIGHT - 1) >> 8};
    int err;

    d->ready = 0;
    b->pin_write(b->ctx, SPI_PIN_RESET, 0);
    b->delay_us(b->ctx, RESET_LOW_US);
    b->pin_write(b->ctx, SPI_PIN_RESET, 1);
    b->delay_us(b->ctx, RESET_LOW_US);
    if ((err = wait_idle(d, SSD1681_RESET_TIMEOUT_US)) ||
        (err = command(d, CMD_SW_RESET, NULL, 0)) ||
        (err = wait_idle(d, SSD1681_RESET_TIMEOUT_US)) ||
        (err = command(d, CMD_DRIVER_OUTPUT, output, sizeof output)) ||
        (err = command1(d, CMD_DATA_ENTRY, DATA_ENTRY_XY_INC)) ||
        (err = command(d, CMD_RAM_X_WINDOW, xwin, sizeof xwin)) ||
        (err = command(d, CMD_RAM_Y_WINDOW, ywin, sizeof ywin)) ||
        (err = command1(d, CMD_BORDER, BORDER_FULL)) ||
        (err = command1(d, CMD_TEMP_SENSOR, TEMP_INTERNAL)))
        return err;
    d->ready = 1;
    d->partials = 0;
    return 0;
}

/* The whole image into one RAM (0x24 or 0x26), from the window's origin,
 * inverted (RAM 0 = black), a row per transfer. */
static int write_ram(const struct ssd1681 *d, uint8_t ram, const uint8_t *fb)
{
    const struct spi_bus *b = d->bus;
    static const uint8_t y0[2] = {0, 0};
    uint8_t row[SSD1681_ROW_BYTES];
    int err, y, x;
    if ((err = command1(d, CMD_RAM_X_COUNTER, 0)) ||
        (err = command(d, CMD_RAM_Y_COUNTER, y0, sizeof y0)) || (err = begin(d, ram)))
        return err;
    for (y = 0; y < SSD1681_HEIGHT && !err; y++) {
        for (x = 0; x < SSD1681_ROW_BYTES; x++)
            row[x] = (uint8_t)~fb[y * SSD1681_ROW_BYTES + x];
        err = b->transfer(b->ctx, row, NULL, sizeof row);
    }
    end(d);
    return err;
}

static int refresh(struct ssd1681 *d, const uint8_t *fb, int full)
{
    int err;
    if (full) {
        /* both RAMs: the new image is also the next partial's base */
        if ((err = command1(d, CMD_BORDER, BORDER_FULL)) ||
            (err = write_ram(d, CMD_WRITE_RAM_BW, fb)) ||
            (err = write_ram(d, CMD_WRITE_RAM_RED, fb)) ||
            (err = command1(d, CMD_UPDATE_CONTROL_2, UPDATE_FULL)) ||
            (err = command(d, CMD_MASTER_ACTIVATION, NULL, 0)) ||
            (err = wait_idle(d, SSD1681_FULL_TIMEOUT_US)))
            return err;
        d->partials = 0;
        d->full_refreshes++;
        return 0;
    }
    if ((err = command1(d, CMD_BORDER, BORDER_PARTIAL)) ||
        (err = write_ram(d, CMD_WRITE_RAM_BW, fb)) ||
        (err = command1(d, CMD_UPDATE_CONTROL_2, UPDATE_PARTIAL)) ||
        (err = command(d, CMD_MASTER_ACTIVATION, NULL, 0)) ||
        (err = wait_idle(d, SSD1681_PARTIAL_TIMEOUT_US)) ||
        (err = write_ram(d, CMD_WRITE_RAM_RED, fb)))
        return err;
    d->partials++;
    d->partial_refreshes++;
    return 0;
}

int ssd1681_refresh(struct ssd1681 *d, const uint8_t *fb, enum board_refresh mode)
{
    int full = mode == BOARD_REFRESH_FULL || !d->ready || d->partials >= d->full_every;
    int err = 0;
    if (!d->ready)
        err = ssd1681_reset(d);
    if (!err)
        err = refresh(d, fb, full);
    if (err)
        d->ready = 0; /* start over with a reset next time */
    d->last_err = err;
    return err;
}

int ssd1681_sleep(struct ssd1681 *d)
{
    int err = command1(d, CMD_DEEP_SLEEP, 0x01);
    d->ready = 0;
    return err;
}
