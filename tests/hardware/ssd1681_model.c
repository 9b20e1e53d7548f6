/* ssd1681_model.c -- the SSD1681 controller as the tests see it (see the
 * header for the rules it enforces and what is inferred). */
#include "ssd1681_model.h"

#include <stdio.h>
#include <string.h>

#define INIT_OUTPUT 1u
#define INIT_ENTRY 2u
#define INIT_XWIN 4u
#define INIT_YWIN 8u
#define INIT_ALL 15u

static void error(struct ssd1681_model *m, const char *what, uint8_t cmd)
{
    if (!m->errors)
        snprintf(m->first_error, sizeof m->first_error, "%s (command 0x%02X, after %lu commands)",
                 what, cmd, m->commands);
    m->errors++;
}

static int busy(const struct ssd1681_model *m)
{
    return m->stuck_busy || m->now_us < m->busy_until_us;
}

static void defaults(struct ssd1681_model *m)
{
    /* the datasheet's reset values that matter here */
    m->entry = 0x03;
    m->ctrl2 = 0xFF;
    m->ctrl2_set = 0;
    m->init_seen = 0;
    m->xs = 0, m->xe = 0x18;
    m->ys = 0, m->ye = 0xC7;
    m->xc = 0, m->yc = 0;
    m->mux = 0xC7;
    m->have_cmd = 0;
}

/* One RAM byte at the counters, then move them per the data entry mode. */
static void ram_byte(struct ssd1681_model *m, uint8_t v)
{
    int xinc = m->entry & 1, yinc = (m->entry >> 1) & 1, y_first = (m->entry >> 2) & 1;
    if (m->xc >= MODEL_ROW || m->yc >= MODEL_H) {
        error(m, "RAM write outside the 25 x 200 RAM", m->cmd);
    } else if (m->cmd == 0x24) {
        m->bw[m->yc][m->xc] = v;
    } else {
        m->red[m->yc][m->xc] = v;
    }
    if (!y_first) {
        if (m->xc == m->xe) {
            m->xc = m->xs;
            m->yc = m->yc == m->ye ? m->ys : (uint16_t)(m->yc + (yinc ? 1 : -1));
        } else {
            m->xc = (uint8_t)(m->xc + (xinc ? 1 : -1));
        }
    } else {
        if (m->yc == m->ye) {
            m->yc = m->ys;
            m->xc = m->xc == m->xe ? m->xs : (uint8_t)(m->xc + (xinc ? 1 : -1));
        } else {
            m->yc = (uint16_t)(m->yc + (yinc ? 1 : -1));
        }
    }
}

static void activate(struct ssd1681_model *m)
{
    int x, y, mode2 = (m->ctrl2 >> 3) & 1;
    if (!m->ctrl2_set) {
        error(m, "master activation before display update control 2", 0x20);
        return;
    }
    if (!((m->ctrl2 >> 2) & 1)) /* no display step: nothing changes on the glass */
        return;
    if (!(m->ctrl2 & 0x80) || !(m->ctrl2 & 0x40))
        error(m, "display without clock and analog enabled", 0x20);
    for (y = 0; y < MODEL_H; y++)
        for (x = 0; x < MODEL_ROW; x++) {
            uint8_t now_ink = (uint8_t)~m->bw[y][x], old_ink = (uint8_t)~m->red[y][x];
            uint8_t *g = &m->glass[y * MODEL_ROW + x];
            if (!mode2)
                *g = now_ink;
            else /* only the pixels whose new and previous image differ */
                *g = (uint8_t)((*g & ~(now_ink ^ old_ink)) | (now_ink & (now_ink ^ old_ink)));
        }
    if (mode2)
        m->partial++;
    else
        m->full++;
    m->busy_until_us = m->now_us + (mode2 ? MODEL_PARTIAL_BUSY_US : MODEL_FULL_BUSY_US);
}

static void command_byte(struct ssd1681_model *m, uint8_t c)
{
    m->commands++;
    if (m->log_len < sizeof m->log)
        m->log[m->log_len++] = c;
    if (!m->hw_reset) {
        error(m, "command before a hardware reset", c);
        return;
    }
    if (m->asleep) {
        error(m, "command in deep sleep (only RES# wakes it)", c);
        return;
    }
    if (!m->sw_reset && c != 0x12) {
        error(m, "the first command after RES# is not SW reset", c);
        return;
    }
    m->cmd = c;
    m->have_cmd = 1;
    m->nparam = 0;
    switch (c) {
    case 0x12:
        defaults(m);
        m->sw_reset = 1;
        m->have_cmd = 0;
        m->busy_until_us = m->now_us + MODEL_SWRESET_BUSY_US;
        break;
    case 0x20:
        m->have_cmd = 0;
        activate(m);
        break;
    case 0x24:
    case 0x26:
        if ((m->init_seen & INIT_ALL) != INIT_ALL)
            error(m, "RAM write before driver output, data entry and RAM windows were set", c);
        break;
    case 0x01: case 0x10: case 0x11: case 0x18: case 0x22: case 0x3C: case 0x44: case 0x45:
    case 0x4E: case 0x4F: case 0x21:
        break;
    default:
        error(m, "a command the driver has no reason to send", c);
        break;
    }
}

static void data_byte(struct ssd1681_model *m, uint8_t v)
{
    if (!m->have_cmd) {
        error(m, "data without a command", 0);
        return;
    }
    if (m->cmd == 0x24 || m->cmd == 0x26) {
        ram_byte(m, v);
        return;
    }
    if (m->nparam < sizeof m->param)
        m->param[m->nparam] = v;
    m->nparam++;
    switch (m->cmd) {
    case 0x01:
        if (m->nparam == 2)
            m->mux = (uint16_t)(m->param[0] | (m->param[1] & 1) << 8);
        if (m->nparam == 3)
            m->init_seen |= INIT_OUTPUT;
        break;
    case 0x11:
        m->entry = v & 7;
        m->init_seen |= INIT_ENTRY;
        break;
    case 0x44:
        if (m->nparam == 1)
            m->xs = v & 0x3F;
        else if (m->nparam == 2) {
            m->xe = v & 0x3F;
            m->init_seen |= INIT_XWIN;
        }
        break;
    case 0x45:
        if (m->nparam == 2)
            m->ys = (uint16_t)(m->param[0] | (m->param[1] & 1) << 8);
        else if (m->nparam == 4) {
            m->ye = (uint16_t)(m->param[2] | (m->param[3] & 1) << 8);
            m->init_seen |= INIT_YWIN;
        }
        break;
    case 0x4E:
        m->xc = v & 0x3F;
        break;
    case 0x4F:
        if (m->nparam == 1)
            m->yc = v;
        else if (m->nparam == 2)
            m->yc = (uint16_t)(m->param[0] | (m->param[1] & 1) << 8);
        break;
    case 0x22:
        m->ctrl2 = v;
        m->ctrl2_set = 1;
        break;
    case 0x3C: m->border = v; break;
    case 0x18: m->temp = v; break;
    case 0x10:
        if (v & 3)
            m->asleep = 1;
        break;
    default:
        break;
    }
    if (m->nparam > 4)
        error(m, "too many parameters", m->cmd);
}

static void sel(void *ctx, int on)
{
    ((struct ssd1681_model *)ctx)->cs = on;
}

static int transfer(void *ctx, const uint8_t *tx, uint8_t *rx, size_t len)
{
    struct ssd1681_model *m = ctx;
    size_t i;
    for (i = 0; i < len; i++) {
        uint8_t v = tx ? tx[i] : 0;
        if (rx)
            rx[i] = 0;
        if (!m->cs) {
            error(m, "a byte with CS# high", v);
            continue;
        }
        if (m->in_reset) {
            error(m, "a byte while RES# is low", v);
            continue;
        }
        if (busy(m)) {
            error(m, m->dc ? "a data byte while BUSY" : "a command while BUSY", v);
            continue;
        }
        if (m->dc)
            data_byte(m, v);
        else
            command_byte(m, v);
    }
    return 0;
}

static void pin_write(void *ctx, enum spi_pin pin, int level)
{
    struct ssd1681_model *m = ctx;
    if (pin == SPI_PIN_DC) {
        m->dc = level;
    } else if (pin == SPI_PIN_RESET) {
        if (!level) {
            m->in_reset = 1;
        } else if (m->in_reset) {
            /* RES# released: registers to defaults, RAM kept, BUSY a while */
            m->in_reset = 0;
            m->hw_reset = 1;
            m->sw_reset = 0;
            m->asleep = 0;
            defaults(m);
            m->busy_until_us = m->now_us + MODEL_RESET_BUSY_US;
        }
    }
}

static int pin_read(void *ctx, enum spi_pin pin)
{
    struct ssd1681_model *m = ctx;
    return pin == SPI_PIN_BUSY ? busy(m) : 0;
}

static void delay_us(void *ctx, uint32_t us)
{
    ((struct ssd1681_model *)ctx)->now_us += us;
}

void ssd1681_model_init(struct ssd1681_model *m)
{
    memset(m, 0, sizeof *m);
    m->bus.ctx = m;
    m->bus.select = sel;
    m->bus.transfer = transfer;
    m->bus.pin_write = pin_write;
    m->bus.pin_read = pin_read;
    m->bus.delay_us = delay_us;
    /* power-on RAM content is undefined: not all white */
    memset(m->bw, 0x5A, sizeof m->bw);
    memset(m->red, 0xA5, sizeof m->red);
    defaults(m);
}
