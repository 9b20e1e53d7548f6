/* main_modem.c -- the "lofte modem" image: the station's receiver on a
 * RAK4631, speaking docs/protocol.md §7 on UART1 (P0.16 TX, P0.15 RX) to a
 * USB-serial adapter (3.3 V) on the gateway host.
 *
 * Why a UART and not the nRF52840's own USB (CDC-ACM): a USB device stack
 * (USBD peripheral, enumeration, descriptors, the CDC class, its
 * power-events) is a body of work of its own, written from the USB 2.0 and
 * CDC specifications with no vendor SDK, and on the bench a USB-serial
 * bridge is one known quantity less; the gateway sees a tty either way and
 * names it with a udev rule (hardware/README.md).
 *
 * The logic is sx126x_modem.c, tested on the host against the chip model;
 * this file only moves bytes and sleeps.
 */
#include <stdint.h>

#include "fw_crypto.h"
#include "nrf52_board.h"
#include "sx126x_modem.h"

#define WDT_TIMEOUT_S 10u

static struct nrf52_board board;
static struct nrf52_uart uart;
static struct sx126x_modem modem;

static int uart_write(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    return nrf52_uart_write(&uart, buf, len);
}

int main(void)
{
    struct sx126x_modem_config cfg;
    struct sx126x_modem_io io = {NULL, uart_write};
    uint8_t in[8];

    fw_crypto_init();
    (void)nrf52_board_init(&board, WDT_TIMEOUT_S);
    nrf52_uart_init(&uart, &mmio_direct, board_pins.uart_tx, board_pins.uart_rx);
    sx126x_modem_config_default(&cfg);
    (void)sx126x_modem_start(&modem, &board.radio.chip, &cfg, &io, nrf52_board_now(&board));
    for (;;) {
        uint64_t now = nrf52_board_now(&board), next;
        size_t n;
        while ((n = nrf52_uart_read(&uart, in, sizeof in)) > 0)
            sx126x_modem_feed(&modem, in, n, now);
        next = sx126x_modem_poll(&modem, now);
        nrf52_board_sleep(&board, next);
    }
}
