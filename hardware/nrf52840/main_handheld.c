/* main_handheld.c -- the handheld image for an nRF52840 + SX1262 board.
 *
 * Boot the firmware (sensors/handheld.c) on the board port and run its
 * tick whenever it asks, the radio's DIO1 rises or a button moves, sleeping
 * in between (WFE, nrf52_board_sleep).
 *
 * With the officer's interface (LOFTE_BOARD_UI: the T-Echo image), the
 * buttons are scanned and debounced every loop and the UI (sensors/ui.h)
 * takes their events between radio events: ui_poll handles the keys,
 * logs what they mean through handheld_log / handheld_void, and redraws
 * the e-paper when the screen changed; it asks to be called again at the
 * next whole minute (the clock on the status line). The handheld's own
 * tick runs right after, so a record logged by a key goes on air in the
 * same loop.
 *
 * Without it (the RAK4631 image: the UI is drawn for a 200 x 200 panel
 * and at least two buttons, and the RAK4631's WisBlock base has neither,
 * docs/handheld.md) the image is headless: it boots, sends its
 * heartbeats, takes acks and keeps the clock, and logs nothing.
 *
 * A device that is not provisioned (or whose flash failed) blinks its LED
 * once a second and does nothing else; its panel stays as it was.
 */
#include <stdint.h>

#include "fw_crypto.h"
#include "handheld.h"
#include "nrf52_board.h"
#if defined(LOFTE_BOARD_UI)
#include "ui.h"
#endif

#define WDT_TIMEOUT_S 30u
#define BUTTON_POLL_MS 5u

static struct nrf52_board board;
static struct handheld hh;
#if defined(LOFTE_BOARD_UI)
static struct ui ui;
#endif

int main(void)
{
    struct handheld_config cfg;
    uint64_t next;
    int err;

    fw_crypto_init();
    (void)nrf52_board_init(&board, WDT_TIMEOUT_S);
    handheld_config_default(&cfg);
    err = handheld_boot(&hh, &board.board, &cfg);
#if defined(LOFTE_BOARD_UI)
    if (!err)
        ui_init(&ui, &hh, &board.board);  /* the home screen, a full refresh */
#endif
    for (;;) {
        int active = nrf52_board_scan_buttons(&board);
        uint64_t now = nrf52_board_now(&board);
        if (err) {
            /* not provisioned or flash failed: blink once a second */
            if (board_pins.led != NRF52_PIN_NONE)
                nrf52_gpio_write(&mmio_direct, board_pins.led, (int)((now / 500u) & 1u));
            nrf52_board_sleep(&board, now + 500u);
            continue;
        }
#if defined(LOFTE_BOARD_UI)
        {
            uint64_t screen = ui_poll(&ui);
            next = handheld_tick(&hh);
            if (screen < next)
                next = screen;
        }
#else
        next = handheld_tick(&hh);
#endif
        if (active && next > now + BUTTON_POLL_MS)
            next = now + BUTTON_POLL_MS;
        nrf52_board_sleep(&board, next);
    }
}
