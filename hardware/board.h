/* board.h -- the hardware interface the handheld firmware runs on.
 *
 * The firmware in sensors/ reaches the world only through this struct: a
 * LoRa radio, flash storage with real flash semantics, a monotonic clock
 * and a random source; and, for the officer's interface (sensors/ui.h), a
 * monochrome display, a few buttons and the battery gauge. A board (hardware/sim/ for this machine, a real MCU
 * board elsewhere, see hardware/README.md) fills it in. As in LoRaMac-node,
 * the radio is a struct of function pointers so the portable logic never
 * names a chip.
 *
 * Flash semantics, which the firmware must respect and the simulated board
 * enforces: erased bytes read 0xFF; a write can only clear bits (1 -> 0);
 * writes are whole 32-bit words at word-aligned addresses; only an erase of
 * a whole page sets bits back to 1. A power cut may leave the word being
 * written, or the page being erased, in any state in between.
 */
#ifndef LOFTE_BOARD_H
#define LOFTE_BOARD_H

#include <stddef.h>
#include <stdint.h>

enum board_err {
    BOARD_OK = 0,
    BOARD_ERR_RANGE = -1,     /* address or length outside the device */
    BOARD_ERR_ALIGN = -2,     /* flash address or length not word aligned */
    BOARD_ERR_WRITE = -3,     /* flash write would set a 0 bit back to 1 */
    BOARD_ERR_POWER = -4,     /* power was cut: nothing more happens until reboot */
    BOARD_ERR_BUSY = -5       /* radio still transmitting */
};

const char *board_strerror(int err);

struct board_radio_params {
    uint32_t freq_hz;
    uint8_t sf;               /* 7..12 */
    uint16_t bw_kHz;          /* 125 */
    int8_t power_dBm;
};

struct board_rx_meta {
    int16_t rssi_dBm;
    int8_t snr_qdB;
    uint64_t end_ms;          /* board time the reception ended (the radio's
                                 RX-done interrupt): the ack's clock is set
                                 from it, not from when firmware got round
                                 to reading the frame */
};

struct board_radio {
    /* Put one frame on air. Returns at once; the frame occupies the air for
     * its time on air, which the firmware computes itself (airtime.h) for
     * its duty-cycle budget. */
    int (*send)(void *ctx, const uint8_t *frame, size_t len,
                const struct board_radio_params *p);
    /* Open the receiver for downlinks until close_ms (board clock). */
    void (*listen)(void *ctx, uint64_t close_ms);
    /* Take one received frame, if any: returns its length, 0 when none. */
    size_t (*receive)(void *ctx, uint8_t *buf, size_t cap, struct board_rx_meta *meta);
};

struct board_flash {
    uint32_t page_size;       /* bytes per erase page, a multiple of 4 */
    uint32_t page_count;
    int (*read)(void *ctx, uint32_t addr, void *buf, uint32_t len);
    int (*write)(void *ctx, uint32_t addr, const void *buf, uint32_t len);
    int (*erase)(void *ctx, uint32_t page);
};

/* The display: a monochrome framebuffer the firmware owns and draws into,
 * which refresh() puts on the glass. Layout: width * height pixels, rows top
 * to bottom, each row width / 8 bytes, the most significant bit leftmost;
 * a 1 bit is black (ink), 0 white (paper). width is a multiple of 8.
 *
 * E-paper has two ways to update: a partial refresh changes only what
 * differs, quickly (~0.3 s on the SSD1681) and without flashing, but
 * leaves faint ghosts that accumulate; a full refresh flashes the whole
 * panel black and white (~2 s) and clears them. The caller decides which
 * (sensors/ui.c: partial for counters, full now and then). refresh() may
 * block until the panel is done; it returns 0 or a negative board_err. */
enum board_refresh {
    BOARD_REFRESH_PARTIAL = 0,
    BOARD_REFRESH_FULL = 1
};

struct board_display {
    uint16_t width, height;   /* pixels: 200 x 200 on the T-Echo's 1.54" panel */
    int (*refresh)(void *ctx, const uint8_t *fb, enum board_refresh mode);
};

/* The buttons: the board debounces and classifies, the firmware sees
 * events. A press is reported when the button is released before
 * long_press_ms; a long press when it has been held that long (once, while
 * still held; its release reports nothing). Buttons are numbered
 * 0..count-1 in the board's own order; sensors/ui.h says what each does
 * for two, three or four buttons. */
enum board_button_kind {
    BOARD_BUTTON_PRESS = 1,
    BOARD_BUTTON_LONG = 2
};

struct board_button_event {
    uint8_t button;           /* 0 .. count-1 */
    uint8_t kind;             /* enum board_button_kind */
};

struct board_buttons {
    uint8_t count;            /* 2..4 */
    uint16_t long_press_ms;   /* how long a hold counts as a long press */
    /* Take the oldest pending event: 1 and *ev when there is one, else 0. */
    int (*poll)(void *ctx, struct board_button_event *ev);
};

struct board {
    void *ctx;
    const struct board_radio *radio;
    const struct board_flash *flash;
    uint64_t (*now_ms)(void *ctx);                       /* monotonic, since boot */
    void (*random)(void *ctx, uint8_t *buf, size_t len); /* unpredictable bytes */
    /* The officer's interface; NULL on a board without one. */
    const struct board_display *display;
    const struct board_buttons *buttons;
    /* Battery charge 0..100 %, or -1 when the board cannot tell; may be NULL. */
    int (*battery_percent)(void *ctx);
};

#endif
