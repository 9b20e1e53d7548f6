/* rak4631.h -- RAKwireless RAK4631 WisBlock core (nRF52840 + SX1262) on a
 * RAK19007/RAK5005-O base.
 *
 * Radio pins: RAKwireless's RAK4631 datasheet (the table in
 * hardware/README.md): NSS P1.10, SCK P1.11, MOSI P1.12, MISO P1.13, BUSY
 * P1.14, DIO1 P1.15, NRESET P1.06, module power P1.05; DIO2 drives the
 * antenna switch, DIO3 the 1.8 V TCXO, the module has the DC-DC inductor.
 * Cross-checked against Meshtastic's published RAK4631 variant file
 * (variants/nrf52840/rak4631/variant.h), which also gives: UART1 on the
 * base's header TXD1 P0.16 / RXD1 P0.15, green LED P1.03 (active high),
 * battery on AIN3 (P0.05) through a divider read as x 1.73, and a user
 * button on WisBlock IO5 = P0.09 (on an IO or display module, not on the
 * bare base). Not verified on our hardware: the button and the divider.
 */
#ifndef LOFTE_BOARD_RAK4631_H
#define LOFTE_BOARD_RAK4631_H

#include "board_pins.h"

/* Defined here, included by the board port (nrf52_board.c) only. */

const struct board_pins board_pins = {
    .name = "rak4631",
    .lora_nss = NRF52_PIN(1, 10), .lora_sck = NRF52_PIN(1, 11),
    .lora_mosi = NRF52_PIN(1, 12), .lora_miso = NRF52_PIN(1, 13),
    .lora_busy = NRF52_PIN(1, 14), .lora_dio1 = NRF52_PIN(1, 15),
    .lora_reset = NRF52_PIN(1, 6), .lora_power = NRF52_PIN(1, 5),
    .tcxo = 1, .tcxo_voltage = 0x02, .tcxo_delay_us = 5000,
    .dio2_rf_switch = 1, .dcdc = 1,
    .periph_power = NRF52_PIN_NONE,
    .buttons = {NRF52_PIN(0, 9)}, .nbuttons = 1,
    .battery_psel = 4, .battery_num = 173, .battery_den = 100,  /* AIN3 */
    .uart_tx = NRF52_PIN(0, 16), .uart_rx = NRF52_PIN(0, 15),
    .led = NRF52_PIN(1, 3), .led_on = 1,
    /* RAK14000 e-paper module in the IO slot, per the same variant file.
     * Not used: the RAK4631 image is headless (the RAK14000 is a 212 x 104
     * SSD1680-family panel; the interface draws for 200 x 200 and needs
     * two buttons). Kept for whoever ports the interface to it. */
    .epd_cs = NRF52_PIN(0, 26), .epd_dc = NRF52_PIN(0, 17), .epd_reset = NRF52_PIN_NONE,
    .epd_busy = NRF52_PIN(0, 4), .epd_sck = NRF52_PIN(0, 3), .epd_mosi = NRF52_PIN(0, 30),
    .epd_power = NRF52_PIN_NONE,
};

#endif
