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

/* board.h's buttons part: press on release, long once while held. */
static unsigned scan_into(struct nrf52_button_queue *q, uint64_t t)
{
    struct nrf52_button_event ev[4];
    unsigned n = nrf52_buttons_poll(&b, t, ev, 4);
    nrf52_buttons_classify(q, ev, n);
    return n;
}

Test(nrf52_buttons, a_short_press_is_one_board_press_reported_on_release)
{
    struct nrf52_button_queue q;
    struct board_button_event e;
    nrf52_button_queue_init(&q);
    level(1, 10, 0);
    scan_into(&q, 0);
    scan_into(&q, 20);
    cr_assert_eq(nrf52_button_queue_take(&q, &e), 0, "nothing while it is still down");
    level(1, 10, 1);
    scan_into(&q, 300);
    scan_into(&q, 320);
    cr_assert_eq(nrf52_button_queue_take(&q, &e), 1);
    cr_assert_eq(e.button, 0);
    cr_assert_eq(e.kind, BOARD_BUTTON_PRESS);
    cr_assert_eq(nrf52_button_queue_take(&q, &e), 0, "once");
}

Test(nrf52_buttons, a_hold_is_one_board_long_press_and_its_release_reports_nothing)
{
    struct nrf52_button_queue q;
    struct board_button_event e;
    nrf52_button_queue_init(&q);
    level(0, 11, 0);
    scan_into(&q, 0);
    scan_into(&q, 20);
    scan_into(&q, 20 + NRF52_BUTTONS_LONG_MS);
    cr_assert_eq(nrf52_button_queue_take(&q, &e), 1, "reported while still held");
    cr_assert_eq(e.button, 1);
    cr_assert_eq(e.kind, BOARD_BUTTON_LONG);
    level(0, 11, 1);
    scan_into(&q, 4000);
    scan_into(&q, 4020);
    cr_assert_eq(nrf52_button_queue_take(&q, &e), 0, "the release after a long press is silent");
    /* and the next short press of the same button is a press again */
    level(0, 11, 0);
    scan_into(&q, 5000);
    scan_into(&q, 5020);
    level(0, 11, 1);
    scan_into(&q, 5100);
    scan_into(&q, 5120);
    cr_assert_eq(nrf52_button_queue_take(&q, &e), 1);
    cr_assert_eq(e.kind, BOARD_BUTTON_PRESS);
}

Test(nrf52_buttons, a_full_queue_drops_the_newest_and_counts_it)
{
    struct nrf52_button_queue q;
    struct board_button_event e;
    struct nrf52_button_event rel = {1, NRF52_BUTTON_RELEASE};
    unsigned i;
    nrf52_button_queue_init(&q);
    for (i = 0; i < NRF52_BUTTON_QUEUE + 3; i++)
        nrf52_buttons_classify(&q, &rel, 1);
    cr_assert_eq(q.dropped, 3);
    for (i = 0; i < NRF52_BUTTON_QUEUE; i++)
        cr_assert_eq(nrf52_button_queue_take(&q, &e), 1);
    cr_assert_eq(nrf52_button_queue_take(&q, &e), 0);
}
