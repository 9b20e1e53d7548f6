/* board.h -- the hardware interface the handheld firmware runs on.
 *
 * The firmware in sensors/ reaches the world only through this struct: a
 * LoRa radio, flash storage with real flash semantics, a monotonic clock
 * and a random source. A board (hardware/sim/ for this machine, a real MCU
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
    /* Open the receiver for downlinks on p (frequency, SF, bandwidth; power
     * unused) until close_ms (board clock); close_ms at or before now closes
     * it. A downlink is always LoRa with inverted IQ and no payload CRC
     * (docs/protocol.md §3.1): the board applies those itself, so a real
     * radio (SX126x) is reconfigured from uplink to ack settings here. */
    void (*listen)(void *ctx, const struct board_radio_params *p, uint64_t close_ms);
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

struct board {
    void *ctx;
    const struct board_radio *radio;
    const struct board_flash *flash;
    uint64_t (*now_ms)(void *ctx);                       /* monotonic, since boot */
    void (*random)(void *ctx, uint8_t *buf, size_t len); /* unpredictable bytes */
};

#endif
