/* qemu_epd.c -- the SSD1681 model of the QEMU image (qemu_epd.h). */
#include "qemu_epd.h"

#include <string.h>

#include "qemu_board.h"

static void fail(struct qemu_epd *m, const char *why)
{
    if (!m->errors)
        m->first_error = why;
    m->errors++;
}

static int busy(const struct qemu_epd *m)
{
    return m->now_us < m->busy_until_us;
}

static void select_cb(void *ctx, int on)
{
    struct qemu_epd *m = ctx;
    m->cs = on;
    if (!on)
        m->have_cmd = 0;
}

static void render(struct qemu_epd *m)
{
    size_t i;
    if (!m->ctrl2_set) {
        fail(m, "0x20 before 0x22");
        return;
    }
    if (m->ctrl2 & 0x04u) {
        if (m->ctrl2 & 0x08u) {       /* display mode 2: where B/W and RED differ */
            for (i = 0; i < QEMU_EPD_BYTES; i++) {
                uint8_t diff = (uint8_t)(m->bw[i] ^ m->red[i]);
                m->glass[i] = (uint8_t)((m->glass[i] & ~diff) | (~m->bw[i] & diff));
            }
            m->partial++;
            m->busy_until_us = m->now_us + QEMU_EPD_PARTIAL_BUSY_US;
        } else {                      /* display mode 1: the whole B/W RAM */
            for (i = 0; i < QEMU_EPD_BYTES; i++)
                m->glass[i] = (uint8_t)~m->bw[i];
            m->full++;
            m->busy_until_us = m->now_us + QEMU_EPD_FULL_BUSY_US;
        }
    }
}

static void ram_byte(struct qemu_epd *m, uint8_t *ram, uint8_t v)
{
    if (m->init_seen != 0xFu) {
        fail(m, "RAM written before 0x01, 0x11, 0x44 and 0x45");
        return;
    }
    if (m->entry != 0x03u) {
        fail(m, "data entry mode other than 0x03 (not modelled)");
        return;
    }
    if (m->xc >= QEMU_EPD_ROW || m->yc >= QEMU_EPD_H) {
        fail(m, "RAM address outside the panel");
        return;
    }
    ram[m->yc * QEMU_EPD_ROW + m->xc] = v;
    if (m->xc >= m->xe) {             /* X moves first, then Y, inside the window */
        m->xc = m->xs;
        m->yc = m->yc >= m->ye ? m->ys : (uint16_t)(m->yc + 1u);
    } else {
        m->xc++;
    }
}

static void command(struct qemu_epd *m, uint8_t c)
{
    m->commands++;
    m->cmd = c;
    m->have_cmd = 1;
    m->nparam = 0;
    if (!m->hw_reset) {
        fail(m, "command before a hardware reset");
        return;
    }
    if (!m->sw_reset && c != 0x12) {
        fail(m, "first command after RES# is not 0x12");
        return;
    }
    switch (c) {
    case 0x12:
        m->sw_reset = 1;
        m->init_seen = 0;
        m->ctrl2_set = 0;
        m->entry = 0x03;
        m->busy_until_us = m->now_us + QEMU_EPD_SWRESET_BUSY_US;
        break;
    case 0x20: render(m); break;
    case 0x24: case 0x26: case 0x4E: case 0x4F: case 0x01: case 0x11: case 0x44: case 0x45:
    case 0x22: case 0x3C: case 0x18: case 0x10:
        break;
    default: fail(m, "unknown command"); break;
    }
}

static void data(struct qemu_epd *m, uint8_t v)
{
    if (!m->have_cmd) {
        fail(m, "data byte without a command");
        return;
    }
    if (m->nparam < sizeof m->param)
        m->param[m->nparam] = v;
    m->nparam++;
    switch (m->cmd) {
    case 0x24: ram_byte(m, m->bw, v); return;
    case 0x26: ram_byte(m, m->red, v); return;
    case 0x01: if (m->nparam == 3) m->init_seen |= 1u; return;
    case 0x11: m->entry = v; m->init_seen |= 2u; return;
    case 0x44:
        if (m->nparam == 2) {
            m->xs = m->param[0], m->xe = m->param[1], m->xc = m->xs;
            m->init_seen |= 4u;
        }
        return;
    case 0x45:
        if (m->nparam == 4) {
            m->ys = (uint16_t)(m->param[0] | (m->param[1] & 1u) << 8);
            m->ye = (uint16_t)(m->param[2] | (m->param[3] & 1u) << 8);
            m->yc = m->ys;
            m->init_seen |= 8u;
        }
        return;
    case 0x4E: m->xc = v; return;
    case 0x4F:
        if (m->nparam == 2)
            m->yc = (uint16_t)(m->param[0] | (m->param[1] & 1u) << 8);
        return;
    case 0x22: m->ctrl2 = v, m->ctrl2_set = 1; return;
    case 0x10: m->asleep = v != 0; return;
    default: return;
    }
}

static int transfer_cb(void *ctx, const uint8_t *tx, uint8_t *rx, size_t len)
{
    struct qemu_epd *m = ctx;
    size_t i;
    for (i = 0; i < len; i++) {
        uint8_t v = tx ? tx[i] : 0;
        if (rx)
            rx[i] = 0;  /* the panel's SDA is write-only here */
        if (!m->cs) {
            fail(m, "byte outside CS# low");
            continue;
        }
        if (m->in_reset) {
            fail(m, "byte while RES# is low");
            continue;
        }
        if (busy(m)) {
            fail(m, "byte while BUSY is high");
            continue;
        }
        if (m->asleep) {
            fail(m, "byte in deep sleep (only RES# wakes it)");
            continue;
        }
        if (m->dc)
            data(m, v);
        else
            command(m, v);
    }
    return 0;
}

static void pin_write_cb(void *ctx, enum spi_pin pin, int level)
{
    struct qemu_epd *m = ctx;
    if (pin == SPI_PIN_DC) {
        m->dc = level;
    } else if (pin == SPI_PIN_RESET) {
        if (!level) {
            m->in_reset = 1;
        } else if (m->in_reset) {
            m->in_reset = 0;
            m->hw_reset = 1;
            m->sw_reset = 0;
            m->asleep = 0;
            m->have_cmd = 0;
            m->busy_until_us = m->now_us + QEMU_EPD_RESET_BUSY_US;
        }
    }
}

static int pin_read_cb(void *ctx, enum spi_pin pin)
{
    struct qemu_epd *m = ctx;
    return pin == SPI_PIN_BUSY ? busy(m) : 0;
}

/* Time passes for the panel and, in whole milliseconds, for the board:
 * the firmware is blocked while it waits. */
static void delay_cb(void *ctx, uint32_t us)
{
    struct qemu_epd *m = ctx;
    m->now_us += us;
    m->sub_ms_us += us;
    if (m->sub_ms_us >= 1000u) {
        qemu_board_sleep_until(qemu_board_time_ms() + m->sub_ms_us / 1000u);
        m->sub_ms_us %= 1000u;
    }
}

void qemu_epd_init(struct qemu_epd *m)
{
    memset(m, 0, sizeof *m);
    m->bus.ctx = m;
    m->bus.select = select_cb;
    m->bus.transfer = transfer_cb;
    m->bus.pin_write = pin_write_cb;
    m->bus.pin_read = pin_read_cb;
    m->bus.delay_us = delay_cb;
    m->entry = 0x03;
}
