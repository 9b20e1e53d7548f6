/* nrf52_buttons.h -- the handheld's push buttons on nRF52840 GPIOs, debounced.
 *
 * Chip: nRF52840. From the Product Specification v1.7 §6.9 "GPIO":
 *   P0 at 0x50000000, P1 at 0x50000300; IN at +0x510; PIN_CNF[n] at
 *   +0x700 + 4n: DIR bit 0 (0 input), INPUT bit 1 (0 connect), PULL bits
 *   3:2 (3 pull-up), SENSE bits 17:16 (3 low: DETECT, and through GPIOTE's
 *   PORT event a wake-up from WFE, §6.10).
 *
 * Buttons are active low with the internal pull-up (the T-Echo's and the
 * WisBlock base's user buttons close to GND; check each board). A change is
 * accepted when the pin has read the same for NRF52_BUTTONS_DEBOUNCE_MS
 * (contacts bounce for a few ms; gloves press slowly): the scanner is
 * polled, from the main loop, at least every few ms while any button is
 * down or bouncing, and SENSE wakes the CPU for the first edge.
 *
 * Events: a press when a button's debounced level goes down, a release when
 * it goes up; a long press once after NRF52_BUTTONS_LONG_MS held. The UI
 * wires these to its own meaning; the scanner knows only indices.
 *
 * Not verified on hardware: the bounce time of the boards' buttons.
 */
#ifndef LOFTE_NRF52_BUTTONS_H
#define LOFTE_NRF52_BUTTONS_H

#include <stdint.h>

#include "board.h"
#include "mmio.h"

#define NRF52_BUTTONS_MAX 8
#define NRF52_BUTTONS_DEBOUNCE_MS 20u
#define NRF52_BUTTONS_LONG_MS 1500u

#define NRF52_GPIO_P0 0x50000000u
#define NRF52_GPIO_P1 0x50000300u
#define NRF52_GPIO_IN 0x510u
#define NRF52_GPIO_PIN_CNF 0x700u

/* A pin as the boards write it: port * 32 + pin, e.g. P1.10 = 42. */
#define NRF52_PIN(port, pin) ((uint8_t)((port) * 32u + (pin)))

enum nrf52_button_event_kind {
    NRF52_BUTTON_PRESS = 1,
    NRF52_BUTTON_RELEASE = 2,
    NRF52_BUTTON_LONG = 3
};

struct nrf52_button_event {
    uint8_t button;           /* index into the pins given to init */
    uint8_t kind;             /* enum nrf52_button_event_kind */
};

struct nrf52_buttons {
    const struct mmio *bus;
    uint8_t n;
    uint8_t pin[NRF52_BUTTONS_MAX];
    uint8_t down;             /* debounced state, bit per button */
    uint8_t raw;              /* last raw reading */
    uint8_t long_sent;
    uint64_t raw_since_ms[NRF52_BUTTONS_MAX];
    uint64_t down_since_ms[NRF52_BUTTONS_MAX];
};

/* What board.h's buttons part reports (struct board_buttons): a press on
 * release before the long-press time, a long press once while held (its
 * release reports nothing). nrf52_buttons_classify turns the scanner's
 * press / release / long events into those and queues them for poll;
 * a full queue drops the newest (the officer presses again). */
#define NRF52_BUTTON_QUEUE 8

struct nrf52_button_queue {
    struct board_button_event ev[NRF52_BUTTON_QUEUE];
    uint8_t head, n;
    uint8_t long_seen;        /* bit per button: its long press was reported */
    uint32_t dropped;
};

void nrf52_button_queue_init(struct nrf52_button_queue *q);
void nrf52_buttons_classify(struct nrf52_button_queue *q, const struct nrf52_button_event *ev,
                            unsigned n);
/* The oldest queued event: 1 and *out, or 0 when there is none. */
int nrf52_button_queue_take(struct nrf52_button_queue *q, struct board_button_event *out);

/* Configure the pins (input, pull-up, sense low) and start all released. */
void nrf52_buttons_init(struct nrf52_buttons *b, const struct mmio *bus, const uint8_t *pins,
                        uint8_t n, uint64_t now_ms);

/* Read the pins; returns how many events went to ev (at most cap). */
unsigned nrf52_buttons_poll(struct nrf52_buttons *b, uint64_t now_ms,
                            struct nrf52_button_event *ev, unsigned cap);

/* 1 while any button is down or bouncing: keep polling every few ms. */
int nrf52_buttons_active(const struct nrf52_buttons *b);

#endif
