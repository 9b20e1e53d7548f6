/* sx126x_radio.h -- struct board_radio (hardware/board.h) on an SX126x.
 *
 * The handheld's radio: send() puts an uplink on air with the uplink
 * settings of docs/protocol.md §3.1 (CRC on, normal IQ, sync word 0x12);
 * listen() asks for the ack's settings (its frequency, the uplink's SF and
 * bandwidth, CRC on, inverted IQ) until close_ms. The chip can do one at a
 * time, so a listen() that arrives while the uplink is still on air is kept
 * and started at TxDone: receive() (which the firmware calls from its tick,
 * and the board's main loop runs the tick when DIO1 wakes it) services the
 * chip, so RX starts within one wake-up of TxDone.
 *
 * The RX window becomes the chip's own RX timeout (15.625 µs steps), so
 * the radio goes back to standby by itself when the window closes even if
 * the CPU sleeps. Between windows the chip is put in warm sleep.
 *
 * receive()'s end_ms is the time receive() saw RxDone, not the chip's own
 * timestamp (it has none): the board's DIO1 interrupt should latch the
 * clock and hand it in through sx126x_radio_irq_at(); without that, the
 * ack's clock is late by the CPU's wake-up latency (microseconds on an
 * nRF52840 waking from WFE).
 */
#ifndef LOFTE_SX126X_RADIO_H
#define LOFTE_SX126X_RADIO_H

#include <stdint.h>

#include "board.h"
#include "sx126x.h"

struct sx126x_radio {
    struct sx126x chip;
    uint64_t (*now_ms)(void *ctx);
    void *clock_ctx;

    int listen_pending;           /* start RX at TxDone */
    struct board_radio_params listen_p;
    uint64_t listen_close_ms;
    uint64_t irq_ms;              /* the DIO1 edge's time, if the board latched it */
    int irq_latched;
    int last_err;                 /* the last sx126x error, for the status screen */
};

/* Set the clock; the chip must be sx126x_init()ed. */
void sx126x_radio_bind(struct sx126x_radio *r, uint64_t (*now_ms)(void *ctx), void *clock_ctx);

/* The three struct board_radio operations. struct board has one ctx for
 * radio, flash and clock, so a board wraps these in one-line functions
 * that find its struct sx126x_radio in its ctx. */
int sx126x_radio_send(struct sx126x_radio *r, const uint8_t *frame, size_t len,
                      const struct board_radio_params *p);
void sx126x_radio_listen(struct sx126x_radio *r, const struct board_radio_params *p,
                         uint64_t close_ms);
size_t sx126x_radio_receive(struct sx126x_radio *r, uint8_t *buf, size_t cap,
                            struct board_rx_meta *meta);

/* From the DIO1 interrupt handler: the board clock at the edge. */
void sx126x_radio_irq_at(struct sx126x_radio *r, uint64_t now_ms);

#endif
