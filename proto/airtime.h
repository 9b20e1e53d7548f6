/* airtime.h -- LoRa time on air by the Semtech formula (SX1276 datasheet
 * §4.1.1.7, AN1200.13), in integer microseconds.
 *
 * The handheld needs it for its duty-cycle budget, the simulated channel
 * for collisions, the gateway for the downlink budget: one definition.
 * Explicit header, CRC on, low-data-rate optimisation when a symbol lasts
 * 16 ms or more (SF11 and SF12 at 125 kHz), as LoRaWAN in EU868 does.
 */
#ifndef LOFTE_AIRTIME_H
#define LOFTE_AIRTIME_H

#include <stdint.h>

#define AIRTIME_PREAMBLE_SYMBOLS 8

/* Time on air of a payload of len bytes; 0 if sf (7..12), bw_kHz (125,
 * 250, 500) or cr (5..8, meaning 4/5..4/8) is out of range. */
uint32_t airtime_us(uint8_t sf, uint16_t bw_kHz, uint8_t cr, uint16_t len);

#endif
