/* t_echo.h -- LilyGO T-Echo (nRF52840 + SX1262 + 1.54" e-paper + buttons +
 * battery), the ready-made field prototype.
 *
 * Pins from Meshtastic's published T-Echo variant file
 * (github.com/meshtastic/firmware, variants/nrf52840/t-echo/variant.h),
 * read and rewritten here as lofte's own table:
 *   SX1262: NSS P0.24, SCK P0.19, MOSI P0.22, MISO P0.23, BUSY P0.17,
 *   DIO1 P0.20, NRESET P0.25; DIO2 drives the module's RF switch; DIO3
 *   powers a 1.8 V TCXO (the file marks the TCXO "optional": some module
 *   batches have a crystal; init then reports the XOSC error, see the
 *   bench checklist);
 *   P0.12 powers every peripheral (radio, display, GPS): drive it high
 *   first;
 *   e-paper: CS P0.30, DC P0.28, RESET P0.02, BUSY P0.03, SCK P0.31,
 *   MOSI P0.29, backlight P1.11;
 *   buttons: P1.10 (the user button, active low, pull-up) and P0.18
 *   (labelled RESET, a GPIO under the shipped bootloader); the capacitive
 *   touch pad on P0.11 is left out (gloves);
 *   battery on P0.04 = AIN2, divider x 2; LEDs P0.13..P0.15, active low;
 *   32.768 kHz crystal fitted. No UART is brought out: no modem image.
 * The T-Echo image runs the officer's interface on these: the e-paper on
 * SPIM1, P1.10 as button 0 and P0.18 as button 1 (sensors/ui.h's
 * two-button map), the battery gauge on AIN2 (nrf52_board.c).
 * Not verified on our hardware.
 */
#ifndef LOFTE_BOARD_T_ECHO_H
#define LOFTE_BOARD_T_ECHO_H

#include "board_pins.h"

/* Defined here, included by the board port (nrf52_board.c) only. */

const struct board_pins board_pins = {
    .name = "t-echo",
    .lora_nss = NRF52_PIN(0, 24), .lora_sck = NRF52_PIN(0, 19),
    .lora_mosi = NRF52_PIN(0, 22), .lora_miso = NRF52_PIN(0, 23),
    .lora_busy = NRF52_PIN(0, 17), .lora_dio1 = NRF52_PIN(0, 20),
    .lora_reset = NRF52_PIN(0, 25), .lora_power = NRF52_PIN_NONE,
    .tcxo = 1, .tcxo_voltage = 0x02, .tcxo_delay_us = 5000,
    .dio2_rf_switch = 1, .dcdc = 1,
    .periph_power = NRF52_PIN(0, 12),
    .buttons = {NRF52_PIN(1, 10), NRF52_PIN(0, 18)}, .nbuttons = 2,
    .battery_psel = 3, .battery_num = 2, .battery_den = 1,     /* AIN2 */
    .uart_tx = NRF52_PIN_NONE, .uart_rx = NRF52_PIN_NONE,
    .led = NRF52_PIN(0, 14), .led_on = 0,
    .epd_cs = NRF52_PIN(0, 30), .epd_dc = NRF52_PIN(0, 28), .epd_reset = NRF52_PIN(0, 2),
    .epd_busy = NRF52_PIN(0, 3), .epd_sck = NRF52_PIN(0, 31), .epd_mosi = NRF52_PIN(0, 29),
    .epd_power = NRF52_PIN(1, 11),
};

#endif
