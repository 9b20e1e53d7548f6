/* test_nrf52_buttons.c -- the button scanner against the GPIO model. */
#include <criterion/criterion.h>

#include "nrf52_buttons.h"
#include "nrf52_model.h"

static struct nrf52_model m;
static struct nrf52_buttons b;
static const uint8_t pins[2] = {NRF52_PIN(1, 10), NRF52_PIN(0, 11)};

static void setup(void)
{
    nrf52_model_init(&m, 0x000E0000u, 1);
    nrf52_buttons_init(&b, &m.bus, pins, 2, 0);
}

TestSuite(nrf52_buttons, .init = setup);

static void level(int port, int pin, int high)
{
    if (high)
        m.gpio_in[port] |= 1u << pin;
    else
        m.gpio_in[port] &= ~(1u << pin);
}

Test(nrf52_buttons, configures_inputs_with_pull_up_and_sense_low)
{
    cr_assert_eq(m.pin_cnf[1][10], 3u << 2 | 3u << 16);
    cr_assert_eq(m.pin_cnf[0][11], 3u << 2 | 3u << 16);
}

Test(nrf52_buttons, a_bouncing_press_is_one_press_after_the_debounce_time)
{
    struct nrf52_button_event ev[4];
    uint64_t t = 100;
    int i;
    for (i = 0; i < 6; i++, t += 2) {  /* 12 ms of contact bounce */
        level(1, 10, i & 1);
        cr_assert_eq(nrf52_buttons_poll(&b, t, ev, 4), 0);
    }
    level(1, 10, 0);
    cr_assert_eq(nrf52_buttons_poll(&b, t, ev, 4), 0);
    cr_assert(nrf52_buttons_active(&b), "still bouncing: keep polling");
    cr_assert_eq(nrf52_buttons_poll(&b, t + NRF52_BUTTONS_DEBOUNCE_MS - 1, ev, 4), 0);
    cr_assert_eq(nrf52_buttons_poll(&b, t + NRF52_BUTTONS_DEBOUNCE_MS, ev, 4), 1);
    cr_assert_eq(ev[0].button, 0);
    cr_assert_eq(ev[0].kind, NRF52_BUTTON_PRESS);
    cr_assert_eq(nrf52_buttons_poll(&b, t + 100, ev, 4), 0, "one press, once");
}

Test(nrf52_buttons, a_held_button_gives_one_long_press_then_a_release)
{
    struct nrf52_button_event ev[4];
    level(0, 11, 0);
    nrf52_buttons_poll(&b, 0, ev, 4);
    cr_assert_eq(nrf52_buttons_poll(&b, 20, ev, 4), 1);
    cr_assert_eq(ev[0].button, 1);
    cr_assert_eq(nrf52_buttons_poll(&b, 20 + NRF52_BUTTONS_LONG_MS - 1, ev, 4), 0);
    cr_assert_eq(nrf52_buttons_poll(&b, 20 + NRF52_BUTTONS_LONG_MS, ev, 4), 1);
    cr_assert_eq(ev[0].kind, NRF52_BUTTON_LONG);
    cr_assert_eq(nrf52_buttons_poll(&b, 5000, ev, 4), 0, "long press only once");
    level(0, 11, 1);
    nrf52_buttons_poll(&b, 5001, ev, 4);
    cr_assert_eq(nrf52_buttons_poll(&b, 5021, ev, 4), 1);
    cr_assert_eq(ev[0].kind, NRF52_BUTTON_RELEASE);
    cr_assert_not(nrf52_buttons_active(&b), "idle: the CPU may sleep until SENSE wakes it");
}

Test(nrf52_buttons, a_glitch_shorter_than_the_debounce_time_is_ignored)
{
    struct nrf52_button_event ev[4];
    level(1, 10, 0);
    cr_assert_eq(nrf52_buttons_poll(&b, 10, ev, 4), 0);
    level(1, 10, 1);
    cr_assert_eq(nrf52_buttons_poll(&b, 15, ev, 4), 0);
    cr_assert_eq(nrf52_buttons_poll(&b, 100, ev, 4), 0);
    cr_assert_eq(m.violations, 0, "%s", m.violation);
}
