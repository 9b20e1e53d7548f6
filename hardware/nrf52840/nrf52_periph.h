/* nrf52_periph.h -- the small nRF52840 peripherals the boards need: the
 * RTC-based clock, the hardware RNG, the watchdog, the SAADC battery
 * reading, the UART, the SPIM bus and GPIO pins. Each behind the mmio seam
 * (mmio.h) so the host tests run this code against register models.
 *
 * Chip: nRF52840; Product Specification v1.7 sections per function below,
 * register addresses in nrf52_regs.h.
 *
 * Not verified on hardware (the bench checklist in hardware/README.md):
 * LFXO start-up on each board (both boards fit the 32.768 kHz crystal,
 * per their published variant files); the battery dividers (RAK4631 VBAT
 * x 1.73 on AIN3, T-Echo x 2 on AIN2, as the boards' vendors and
 * Meshtastic publish them); SPIM at 8 MHz with the SX1262 (its maximum is
 * 16 MHz, datasheet §8.2); UART at 115200 8N1 without flow control.
 */
#ifndef LOFTE_NRF52_PERIPH_H
#define LOFTE_NRF52_PERIPH_H

#include <stddef.h>
#include <stdint.h>

#include "mmio.h"
#include "spi.h"

/* --- clock: RTC1 from the 32.768 kHz crystal (§5.4, §6.22) ------------
 * COUNTER is 24 bits at 32,768 Hz: it wraps every 512 s. The clock extends
 * it to 64 bits on every read, so it must be read at least once per
 * 512 s; nrf52_clock_arm never sleeps longer than 256 s, so it is. */
#define NRF52_RTC_HZ 32768u
#define NRF52_CLOCK_MAX_SLEEP_TICKS (1u << 23)

struct nrf52_clock {
    const struct mmio *bus;
    uint32_t last;            /* COUNTER at the last read */
    uint64_t high;            /* ticks above the 24-bit counter */
};

/* 0, or -1 if the crystal did not start (LFCLKSTARTED never came). */
int nrf52_clock_init(struct nrf52_clock *c, const struct mmio *bus);
uint64_t nrf52_clock_ticks(struct nrf52_clock *c);
uint64_t nrf52_clock_ms(struct nrf52_clock *c);
/* Arm COMPARE0 to wake the CPU at board time wake_ms (or within 256 s).
 * The RTC needs CC at least 2 ticks ahead of COUNTER (§6.22.7). */
void nrf52_clock_arm(struct nrf52_clock *c, uint64_t wake_ms);

/* --- RNG (§6.21): bias-corrected bytes -------------------------------- */
/* 0, or -1 if VALRDY never came (the buffer is then zeroed). */
int nrf52_rng_fill(const struct mmio *bus, uint8_t *buf, size_t len);

/* --- WDT (§6.36) ------------------------------------------------------ */
/* Start with a timeout of timeout_s (1..131071), running while the CPU
 * sleeps, paused while a debugger halts it. Once started it cannot be
 * stopped: only a reset does. */
void nrf52_wdt_start(const struct mmio *bus, uint32_t timeout_s);
void nrf52_wdt_feed(const struct mmio *bus);

/* --- SAADC battery voltage (§6.23) ------------------------------------
 * One 12-bit sample of an analog input (psel: AIN0 = 1 .. AIN7 = 8) with
 * gain 1/6 and the internal 0.6 V reference (full scale 3.6 V), 40 µs
 * acquisition for the high-impedance dividers, times the board's divider
 * num/den. */
struct nrf52_saadc {
    const struct mmio *bus;
    uint8_t psel;
    uint16_t div_num, div_den; /* VBAT = pin voltage * num / den */
    int16_t result;            /* EasyDMA target: must be in RAM */
};

/* Battery millivolts, or -1 if the conversion did not end. */
int nrf52_saadc_battery_mV(struct nrf52_saadc *s);

/* --- UART (§6.33), 115200 8N1, byte registers, no flow control --------
 * The byte-register UART rather than UARTE: UARTE receives by EasyDMA into
 * RAM buffers and needs ENDRX/STARTRX juggling and a timeout flush to hand
 * over a partial frame; the UART hands over each byte, and at 115200 a
 * byte takes 87 µs against a loop that serves it in microseconds. Its RX
 * FIFO holds only 6 bytes (§6.33.5), so a blocking write (a 58-byte RX
 * message takes 5 ms) keeps draining it into rx[] while it waits for each
 * TXDRDY; read() hands those bytes over first. */
#define NRF52_UART_RX_RING 256

struct nrf52_uart {
    const struct mmio *bus;
    uint32_t overruns, framing_errors, ring_full;
    uint8_t rx[NRF52_UART_RX_RING];
    uint16_t rx_head, rx_n;
};

void nrf52_uart_init(struct nrf52_uart *u, const struct mmio *bus, uint8_t tx_pin, uint8_t rx_pin);
/* Blocking write: 87 µs a byte. 0, or -1 if TXDRDY never came. */
int nrf52_uart_write(struct nrf52_uart *u, const uint8_t *buf, size_t len);
/* The bytes waiting in the receive FIFO (up to 6, §6.33.5): returns how
 * many went to buf. */
size_t nrf52_uart_read(struct nrf52_uart *u, uint8_t *buf, size_t cap);

/* --- GPIO (§6.9): pins as NRF52_PIN(port, pin) ------------------------ */
void nrf52_gpio_output(const struct mmio *bus, uint8_t pin, int level);
void nrf52_gpio_input(const struct mmio *bus, uint8_t pin, int pull_up);
void nrf52_gpio_write(const struct mmio *bus, uint8_t pin, int level);
int nrf52_gpio_read(const struct mmio *bus, uint8_t pin);

/* --- SPIM (§6.25) as a struct spi_bus ---------------------------------
 * Any of the instances: SPIM2 for the radio, SPIM1 for the e-paper (it
 * shares its address space with TWI1, which no lofte image enables;
 * SPIM3 is avoided: anomaly 198 of the nRF52840 errata, its transmit data
 * corrupted when the CPU touches the same RAM block). A pin that is not
 * wired (an e-paper panel has no MISO) is NRF52_PIN_NONE and its PSEL is
 * left disconnected. */
/* EasyDMA bounce buffers (tx may be in flash). 32 B: an e-paper row (25 B)
 * is one chunk, a radio frame (up to 64 B after its command) three under
 * one chip select; two buses of them cost 128 B of RAM. */
#define NRF52_SPIM_CHUNK 32
#define NRF52_PIN_NONE 0xFFu
#define NRF52_SPIM_4MBPS 0x40000000u
#define NRF52_SPIM_8MBPS 0x80000000u

struct nrf52_spim {
    const struct mmio *bus;
    uint32_t base;                 /* NRF_SPIM1, NRF_SPIM2 (nrf52_regs.h) */
    uint8_t cs, dc, reset, busy, irq;  /* control pins; NRF52_PIN_NONE if absent */
    uint8_t txbuf[NRF52_SPIM_CHUNK];
    uint8_t rxbuf[NRF52_SPIM_CHUNK];
    struct spi_bus spi;            /* hand &s->spi to the chip driver */
};

struct nrf52_spim_wiring {
    uint32_t base, frequency;      /* instance; FREQUENCY register value */
    uint8_t sck, mosi, miso, cs;
    uint8_t dc, reset, busy, irq;  /* spi.h's named pins */
};

/* Mode 0, MSB first, on the instance and pins of w; cs idle high, DC and
 * reset high. */
void nrf52_spim_init_at(struct nrf52_spim *s, const struct mmio *bus,
                        const struct nrf52_spim_wiring *w);
/* The radio's bus: SPIM2 at 8 Mbps, no DC. */
void nrf52_spim_init(struct nrf52_spim *s, const struct mmio *bus, uint8_t sck, uint8_t mosi,
                     uint8_t miso, uint8_t cs, uint8_t reset, uint8_t busy, uint8_t irq);

/* --- battery charge -----------------------------------------------------
 * 0..100 % from a single Li-ion cell's voltage (piecewise linear over a
 * typical open-circuit curve, inferred: see nrf52_periph.c), -1 for a
 * failed reading (mV < 0). Under load the cell reads lower: the figure is
 * a gauge for the status line, not a fuel meter. */
int nrf52_battery_percent(int mV);

/* Busy-wait on the DWT cycle counter at 64 MHz (enabled by spim_init). */
void nrf52_delay_us(const struct mmio *bus, uint32_t us);

#endif
