/* main_handheld.c -- the handheld image for an nRF52840 + SX1262 board.
 *
 * Boot the firmware (sensors/handheld.c) on the board port and run its
 * tick whenever it asks, the radio's DIO1 rises or a button moves, sleeping
 * in between. Buttons are scanned and debounced here; what a press means
 * (a record, a void, a screen) is the UI's (another module, wired in
 * handheld_ui_event below once it exists), so this image logs nothing by
 * itself: it boots, sends its heartbeats, takes acks and keeps the clock.
 * A device that is not provisioned blinks its LED and does nothing else.
 */
#include <stdint.h>

#include "fw_crypto.h"
#include "handheld.h"
#include "nrf52_board.h"

#define WDT_TIMEOUT_S 30u
#define BUTTON_POLL_MS 5u

static struct nrf52_board board;
static struct handheld hh;

int main(void)
{
    struct handheld_config cfg;
    uint64_t next;
    int err;

    fw_crypto_init();
    (void)nrf52_board_init(&board, WDT_TIMEOUT_S);
    handheld_config_default(&cfg);
    err = handheld_boot(&hh, &board.board, &cfg);
    for (;;) {
        uint64_t now = nrf52_board_now(&board);
        struct nrf52_button_event ev[4];
        unsigned n = nrf52_buttons_poll(&board.buttons, now, ev, 4);
        (void)n;  /* the UI module takes these */
        if (err) {
            /* not provisioned or flash failed: blink once a second */
            if (board_pins.led != NRF52_PIN_NONE)
                nrf52_gpio_write(&mmio_direct, board_pins.led, (int)((now / 500u) & 1u));
            nrf52_board_sleep(&board, now + 500u);
            continue;
        }
        next = handheld_tick(&hh);
        if (nrf52_buttons_active(&board.buttons) && next > now + BUTTON_POLL_MS)
            next = now + BUTTON_POLL_MS;
        nrf52_board_sleep(&board, next);
    }
}
