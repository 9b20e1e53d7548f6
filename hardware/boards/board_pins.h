/* board_pins.h -- what one nRF52840 + SX1262 board wires where.
 *
 * One board port (hardware/nrf52840/nrf52_board.c) serves every board;
 * a board is this table (rak4631.h, t_echo.h). Pins are NRF52_PIN(port,
 * pin) = port * 32 + pin; NRF52_PIN_NONE where a board has nothing.
 */
#ifndef LOFTE_BOARD_PINS_H
#define LOFTE_BOARD_PINS_H

#include <stdint.h>

#include "nrf52_buttons.h"
#include "nrf52_periph.h"

struct board_pins {
    const char *name;
    /* SX1262 on SPI */
    uint8_t lora_nss, lora_sck, lora_mosi, lora_miso, lora_busy, lora_dio1, lora_reset;
    uint8_t lora_power;           /* module power enable, high = on */
    uint8_t tcxo;                 /* 1: TCXO supplied from DIO3 */
    uint8_t tcxo_voltage;         /* SetDIO3AsTcxoCtrl code: 0x02 = 1.8 V */
    uint32_t tcxo_delay_us;
    uint8_t dio2_rf_switch;
    uint8_t dcdc;
    /* everything else */
    uint8_t periph_power;         /* rail for radio, display, GPS: high = on */
    uint8_t buttons[NRF52_BUTTONS_MAX];
    uint8_t nbuttons;
    uint8_t battery_psel;         /* SAADC PSELP: AIN0 = 1 .. AIN7 = 8 */
    uint16_t battery_num, battery_den;
    uint8_t uart_tx, uart_rx;     /* for the modem image and a debug line */
    uint8_t led;
    uint8_t led_on;               /* level that lights it */
    /* SSD1681 e-paper (for the UI's display driver) */
    uint8_t epd_cs, epd_dc, epd_reset, epd_busy, epd_sck, epd_mosi, epd_power;
};

#endif
