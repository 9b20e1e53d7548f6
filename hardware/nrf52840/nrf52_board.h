/* nrf52_board.h -- struct board on an nRF52840 + SX1262 board (target only).
 *
 * One port for every such board: a board is its pin table
 * (a header in hardware/boards/, chosen at build time by LOFTE_BOARD_*). This file
 * ties the drivers together: NVMC for the flash store at NRF52_STORE_BASE,
 * the SX126x behind SPIM2 as the radio, RTC1 as the clock, the RNG, the
 * watchdog, the buttons; and sleeps between events with WFE. Built with
 * LOFTE_BOARD_UI (the T-Echo's image), it also fills in board.h's
 * interface parts: the SSD1681 e-paper behind SPIM1 as the display, the
 * buttons as press / long-press events, the SAADC battery gauge.
 *
 * A refresh blocks (up to ~2 s for a full one, BUSY polled by the e-paper
 * bus's delay): that delay also latches the radio's DIO1 edge meanwhile,
 * so an ack arriving during a refresh keeps its true reception time (the
 * clock is set from it), and scans the buttons, so a press is queued.
 *
 * Waking: DIO1 is GPIOTE event 0 (rising edge), the buttons raise the
 * GPIOTE PORT event through SENSE, the UART raises RXDRDY, RTC1 COMPARE0
 * ends each sleep. With SCR.SEVONPEND (startup) their pending interrupts
 * wake WFE without any handler running.
 */
#ifndef LOFTE_NRF52_BOARD_H
#define LOFTE_NRF52_BOARD_H

#include "board.h"
#include "board_pins.h"
#include "nrf52_buttons.h"
#include "nrf52_nvmc.h"
#include "nrf52_periph.h"
#include "sx126x_radio.h"

#if defined(LOFTE_BOARD_UI)
#include "ssd1681.h"
#endif

struct nrf52_board {
    struct board board;
    struct board_flash flash_ops;
    struct board_radio radio_ops;
#if defined(LOFTE_BOARD_UI)
    /* the officer's interface (board.h): SSD1681 on SPIM1, the buttons
     * classified into board events, the battery gauge */
    struct board_display display_ops;
    struct board_buttons buttons_ops;
    struct nrf52_spim epd_spim;
    struct ssd1681 epd;
    struct nrf52_button_queue button_queue;
#endif
    struct nrf52_clock clock;
    struct nrf52_nvmc nvmc;
    struct nrf52_spim spim;
    struct sx126x_radio radio;
    struct nrf52_buttons buttons;
    struct nrf52_saadc battery;
    int radio_err;            /* sx126x_init's answer */
    uint32_t max_sleep_ms;    /* half the watchdog timeout: it runs while we sleep */
};

extern const struct board_pins board_pins;

/* Power the rails, start the clock, the radio, the store, the buttons and
 * the watchdog (timeout_s). Returns 0 or the sx126x error (the board
 * struct is still usable: its radio refuses to send). */
int nrf52_board_init(struct nrf52_board *b, uint32_t wdt_timeout_s);

/* Scan the buttons (debounce) and queue what they mean for the UI
 * (board.h: press on release, long press while held). Returns 1 while a
 * button is down or bouncing: poll again within a few ms. */
int nrf52_board_scan_buttons(struct nrf52_board *b);

/* Feed the watchdog, then sleep until board time wake_ms or an event
 * (DIO1, a button edge, a UART byte), but never longer than half the
 * watchdog timeout (the firmware may ask for hours: its 12 h heartbeat).
 * Latches DIO1's time for the radio. */
void nrf52_board_sleep(struct nrf52_board *b, uint64_t wake_ms);

uint64_t nrf52_board_now(struct nrf52_board *b);

#endif
