/* nrf52_buttons.c -- GPIO button scanner with debounce (see the header). */
#include "nrf52_buttons.h"

#include <string.h>

static uint32_t port_base(uint8_t pin)
{
    return pin < 32 ? NRF52_GPIO_P0 : NRF52_GPIO_P1;
}

void nrf52_buttons_init(struct nrf52_buttons *b, const struct mmio *bus, const uint8_t *pins,
                        uint8_t n, uint64_t now_ms)
{
    uint8_t i;
    memset(b, 0, sizeof *b);
    b->bus = bus;
    b->n = n > NRF52_BUTTONS_MAX ? NRF52_BUTTONS_MAX : n;
    for (i = 0; i < b->n; i++) {
        b->pin[i] = pins[i];
        /* input, connected, pull-up (3 << 2), sense low (3 << 16) */
        mmio_wr(bus, port_base(pins[i]) + NRF52_GPIO_PIN_CNF + 4u * (pins[i] & 31u),
                3u << 2 | 3u << 16);
        b->raw_since_ms[i] = now_ms;
    }
}

unsigned nrf52_buttons_poll(struct nrf52_buttons *b, uint64_t now_ms,
                            struct nrf52_button_event *ev, unsigned cap)
{
    uint32_t in0 = mmio_rd(b->bus, NRF52_GPIO_P0 + NRF52_GPIO_IN);
    uint32_t in1 = mmio_rd(b->bus, NRF52_GPIO_P1 + NRF52_GPIO_IN);
    unsigned k = 0;
    uint8_t i;

    for (i = 0; i < b->n; i++) {
        uint8_t bit = (uint8_t)(1u << i), p = b->pin[i];
        uint32_t in = p < 32 ? in0 : in1;
        uint8_t low = (in >> (p & 31u) & 1u) == 0;  /* active low */
        if (low != ((b->raw & bit) != 0)) {
            b->raw = (uint8_t)(b->raw ^ bit);
            b->raw_since_ms[i] = now_ms;
        }
        if (now_ms - b->raw_since_ms[i] >= NRF52_BUTTONS_DEBOUNCE_MS &&
            ((b->raw ^ b->down) & bit) && k < cap) {
            b->down = (uint8_t)(b->down ^ bit);
            ev[k].button = i;
            ev[k].kind = (b->down & bit) ? NRF52_BUTTON_PRESS : NRF52_BUTTON_RELEASE;
            k++;
            if (b->down & bit) {
                b->down_since_ms[i] = now_ms;
                b->long_sent = (uint8_t)(b->long_sent & ~bit);
            }
        }
        if ((b->down & bit) && !(b->long_sent & bit) &&
            now_ms - b->down_since_ms[i] >= NRF52_BUTTONS_LONG_MS && k < cap) {
            b->long_sent = (uint8_t)(b->long_sent | bit);
            ev[k].button = i;
            ev[k].kind = NRF52_BUTTON_LONG;
            k++;
        }
    }
    return k;
}

int nrf52_buttons_active(const struct nrf52_buttons *b)
{
    return b->down != 0 || b->raw != b->down;
}

void nrf52_button_queue_init(struct nrf52_button_queue *q)
{
    memset(q, 0, sizeof *q);
}

static void queue_put(struct nrf52_button_queue *q, uint8_t button, uint8_t kind)
{
    struct board_button_event *e;
    if (q->n == NRF52_BUTTON_QUEUE) {
        q->dropped++;
        return;
    }
    e = &q->ev[(q->head + q->n) % NRF52_BUTTON_QUEUE];
    e->button = button;
    e->kind = kind;
    q->n++;
}

void nrf52_buttons_classify(struct nrf52_button_queue *q, const struct nrf52_button_event *ev,
                            unsigned n)
{
    unsigned i;
    for (i = 0; i < n; i++) {
        uint8_t bit = (uint8_t)(1u << (ev[i].button & 7u));
        switch (ev[i].kind) {
        case NRF52_BUTTON_PRESS:
            q->long_seen = (uint8_t)(q->long_seen & ~bit);
            break;
        case NRF52_BUTTON_LONG:
            q->long_seen = (uint8_t)(q->long_seen | bit);
            queue_put(q, ev[i].button, BOARD_BUTTON_LONG);
            break;
        case NRF52_BUTTON_RELEASE:
            if (!(q->long_seen & bit))
                queue_put(q, ev[i].button, BOARD_BUTTON_PRESS);
            q->long_seen = (uint8_t)(q->long_seen & ~bit);
            break;
        default:
            break;
        }
    }
}

int nrf52_button_queue_take(struct nrf52_button_queue *q, struct board_button_event *out)
{
    if (q->n == 0)
        return 0;
    *out = q->ev[q->head];
    q->head = (uint8_t)((q->head + 1u) % NRF52_BUTTON_QUEUE);
    q->n--;
    return 1;
}
