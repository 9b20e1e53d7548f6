/* sx126x_model.c -- the SX1262 at command level (what it checks: the header). */
#include "sx126x_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "airtime.h"

/* Typical BUSY times, µs. The datasheet gives Calibrate at about 3.5 ms
 * for all blocks; the rest are round figures of the same order as its
 * Table 8-? transition times (inferred: they only need to be non-zero so a
 * driver that does not wait is caught). */
#define BUSY_CMD_US 3u
#define BUSY_RESET_US 3500u
#define BUSY_CAL_US 3500u
#define BUSY_CAL_IMAGE_US 1000u
#define BUSY_TXRX_US 60u
#define BUSY_WAKE_US 340u

enum { OP_SLEEP = 0x84, OP_STBY = 0x80, OP_TX = 0x83, OP_RX = 0x82, OP_REG_MODE = 0x96,
       OP_CAL = 0x89, OP_CAL_IMG = 0x98, OP_PA = 0x95, OP_WREG = 0x0D, OP_RREG = 0x1D,
       OP_WBUF = 0x0E, OP_RBUF = 0x1E, OP_DIO_IRQ = 0x08, OP_GET_IRQ = 0x12, OP_CLR_IRQ = 0x02,
       OP_DIO2 = 0x9D, OP_DIO3 = 0x97, OP_FREQ = 0x86, OP_PKT_TYPE = 0x8A, OP_TX_PARAMS = 0x8E,
       OP_MOD = 0x8B, OP_PKT = 0x8C, OP_BASE = 0x8F, OP_STATUS = 0xC0, OP_RXBUF_ST = 0x13,
       OP_PKT_ST = 0x14, OP_DEV_ERR = 0x17, OP_CLR_DEV_ERR = 0x07 };

enum { ST_RC = 2, ST_XOSC = 3, ST_FS = 4, ST_RX = 5, ST_TX = 6 };

#define IRQ_TX_DONE 0x0001u
#define IRQ_RX_DONE 0x0002u
#define IRQ_CRC_ERR 0x0040u
#define IRQ_TIMEOUT 0x0200u

static void violate(struct sx126x_model *m, const char *fmt, ...)
{
    va_list ap;
    if (m->violations++ == 0) {
        va_start(ap, fmt);
        vsnprintf(m->violation, sizeof m->violation, fmt, ap);
        va_end(ap);
    }
    m->last_cmd_status = 5;  /* failure to execute */
}

static void raise_irq(struct sx126x_model *m, uint16_t bits)
{
    m->irq |= bits & m->irq_mask;
}

static void reset_state(struct sx126x_model *m)
{
    int has_tcxo = m->has_tcxo;
    struct spi_bus bus = m->bus;
    uint64_t now = m->now_us;
    unsigned v = m->violations;
    char first[sizeof m->violation];
    uint8_t log[SX126X_MODEL_LOG];
    size_t nlog = m->nlog;
    sx126x_model_tx_fn on_tx = m->on_tx;
    void *ctx = m->on_tx_ctx;

    memcpy(first, m->violation, sizeof first);
    memcpy(log, m->log, sizeof log);
    memset(m, 0, sizeof *m);
    m->bus = bus, m->has_tcxo = has_tcxo, m->now_us = now, m->violations = v;
    memcpy(m->violation, first, sizeof first);
    memcpy(m->log, log, sizeof log);
    m->nlog = nlog, m->on_tx = on_tx, m->on_tx_ctx = ctx;
    m->mode = ST_RC;
    m->packet_type = -1;
    m->reg_iq = 0x0D;                 /* reset value, bit 2 set (§15.4) */
    m->reg_sync[0] = 0x14, m->reg_sync[1] = 0x24;
    m->reg_clamp = 0xC8;              /* reset value (inferred) */
    m->dev_errors = has_tcxo ? 0x0020u : 0;  /* XOSC start error: no clock yet */
    m->busy_until_us = now + BUSY_RESET_US;
    m->last_cmd_status = 1;
}

static uint8_t *reg_ptr(struct sx126x_model *m, uint16_t addr)
{
    switch (addr) {
    case 0x0736: return &m->reg_iq;
    case 0x0740: return &m->reg_sync[0];
    case 0x0741: return &m->reg_sync[1];
    case 0x08D8: return &m->reg_clamp;
    }
    return NULL;
}

static uint8_t status_byte(const struct sx126x_model *m)
{
    int mode = m->mode == SX126X_MODEL_SLEEP ? 0 : m->mode;
    return (uint8_t)((mode & 7) << 4 | (m->last_cmd_status & 7) << 1);
}

void sx126x_model_advance(struct sx126x_model *m, uint64_t now_us)
{
    if (now_us > m->now_us)
        m->now_us = now_us;
    if (m->waking && m->now_us >= m->busy_until_us) {
        m->waking = 0;
        m->mode = ST_RC;
    }
    if (m->mode == ST_TX && m->now_us >= m->tx_end_us) {
        raise_irq(m, IRQ_TX_DONE);
        m->mode = ST_RC;              /* fallback mode STDBY_RC */
    }
    if (m->mode == ST_RX && m->rx_timeout_at_us && m->now_us >= m->rx_timeout_at_us) {
        raise_irq(m, IRQ_TIMEOUT);
        m->mode = ST_RC;
    }
}

static void exec(struct sx126x_model *m);

/* --- the bus ------------------------------------------------------------- */

static int busy(const struct sx126x_model *m)
{
    return m->reset_low || m->waking || m->now_us < m->busy_until_us;
}

static void bus_select(void *ctx, int on)
{
    struct sx126x_model *m = ctx;
    if (on && !m->selected) {
        if (m->reset_low)
            violate(m, "NSS asserted while NRESET is low");
        else if (m->mode == SX126X_MODEL_SLEEP) {
            /* falling NSS wakes the chip (§9.3); BUSY until ready */
            m->waking = 1;
            m->busy_until_us = m->now_us + BUSY_WAKE_US;
        } else if (busy(m))
            violate(m, "NSS asserted while BUSY is high");
        m->n = 0;
    }
    if (!on && m->selected && m->n > 0)
        exec(m);
    m->selected = on;
}

static uint8_t respond(struct sx126x_model *m, size_t i)
{
    uint8_t op = m->cmd[0];
    uint16_t addr;
    uint8_t *r;
    if (i == 0)
        return status_byte(m);  /* RFU on the opcode: the status, harmlessly */
    switch (op) {
    case OP_GET_IRQ:
        return i == 1 ? status_byte(m) : i == 2 ? (uint8_t)(m->irq >> 8) : i == 3 ? (uint8_t)m->irq : 0;
    case OP_RXBUF_ST:
        return i == 1 ? status_byte(m) : i == 2 ? m->rx_len : i == 3 ? m->rx_start : 0;
    case OP_PKT_ST:
        return i == 1 ? status_byte(m) : i == 2 ? m->rssi_pkt : i == 3 ? m->snr_pkt
                                     : i == 4 ? m->signal_rssi_pkt : 0;
    case OP_DEV_ERR:
        return i == 1 ? status_byte(m) : i == 2 ? (uint8_t)(m->dev_errors >> 8)
                                     : i == 3 ? (uint8_t)m->dev_errors : 0;
    case OP_RREG:
        if (i < 4)
            return status_byte(m);
        addr = (uint16_t)((m->cmd[1] << 8 | m->cmd[2]) + (i - 4));
        r = reg_ptr(m, addr);
        return r ? *r : 0;
    case OP_RBUF:
        if (i < 3)
            return status_byte(m);
        return m->buf[(uint8_t)(m->cmd[1] + (i - 3))];
    }
    return status_byte(m);
}

static int bus_transfer(void *ctx, const uint8_t *tx, uint8_t *rx, size_t len)
{
    struct sx126x_model *m = ctx;
    size_t k;
    if (!m->selected) {
        violate(m, "SPI clocked without NSS");
        return 0;
    }
    if (m->waking || m->mode == SX126X_MODEL_SLEEP) {
        violate(m, "command clocked while the chip sleeps or wakes");
        return 0;
    }
    for (k = 0; k < len; k++) {
        uint8_t out = m->n < sizeof m->cmd ? respond(m, m->n) : 0;
        if (m->n < sizeof m->cmd)
            m->cmd[m->n] = tx ? tx[k] : 0;
        m->n++;
        if (rx)
            rx[k] = out;
    }
    return 0;
}

static void bus_pin_write(void *ctx, enum spi_pin pin, int level)
{
    struct sx126x_model *m = ctx;
    if (pin != SPI_PIN_RESET)
        return;
    if (!level)
        m->reset_low = 1;
    else if (m->reset_low) {
        m->reset_low = 0;
        reset_state(m);
    }
}

static int bus_pin_read(void *ctx, enum spi_pin pin)
{
    struct sx126x_model *m = ctx;
    sx126x_model_advance(m, m->now_us);
    if (pin == SPI_PIN_BUSY)
        return busy(m) || m->mode == SX126X_MODEL_SLEEP;  /* BUSY high in sleep (§8.3) */
    if (pin == SPI_PIN_IRQ)
        return (m->irq & m->dio1_mask) != 0;
    return 0;
}

static void bus_delay(void *ctx, uint32_t us)
{
    struct sx126x_model *m = ctx;
    sx126x_model_advance(m, m->now_us + us);
}

void sx126x_model_init(struct sx126x_model *m, int has_tcxo)
{
    memset(m, 0, sizeof *m);
    m->has_tcxo = has_tcxo;
    m->bus.ctx = m;
    m->bus.select = bus_select;
    m->bus.transfer = bus_transfer;
    m->bus.pin_write = bus_pin_write;
    m->bus.pin_read = bus_pin_read;
    m->bus.delay_us = bus_delay;
    reset_state(m);
    m->reset_low = 1;
}

/* --- commands ------------------------------------------------------------ */

static int need(struct sx126x_model *m, size_t n)
{
    if (m->n < n) {
        violate(m, "opcode 0x%02X with %zu bytes, needs %zu", m->cmd[0], m->n, n);
        return 0;
    }
    return 1;
}

static int in_stdby(const struct sx126x_model *m)
{
    return m->mode == ST_RC || m->mode == ST_XOSC;
}

static const struct { uint8_t code; uint16_t kHz; } bws[] = {{0x04, 125}, {0x05, 250}, {0x06, 500}};

static uint16_t bw_kHz(uint8_t code)
{
    unsigned i;
    for (i = 0; i < sizeof bws / sizeof bws[0]; i++)
        if (bws[i].code == code)
            return bws[i].kHz;
    return 0;
}

static uint32_t freq_hz_of(uint32_t word)
{
    return (uint32_t)(((uint64_t)word * 32000000u + (1u << 24)) >> 25);
}

static void air_now(const struct sx126x_model *m, struct sx126x_model_air *a)
{
    memset(a, 0, sizeof *a);
    a->freq_hz = freq_hz_of(m->freq_word);
    a->sf = m->sf;
    a->bw_kHz = bw_kHz(m->bw_code);
    a->cr = (uint8_t)(m->cr_code + 4);
    a->preamble = m->preamble;
    a->crc_on = m->crc_on;
    a->iq_inverted = m->iq_inverted;
    a->sync_word = (uint16_t)(m->reg_sync[0] << 8 | m->reg_sync[1]);
    a->power_dBm = m->tx_power;
    a->ldro = m->ldro;
}

static int ready_for_air(struct sx126x_model *m, int tx)
{
    uint32_t f = freq_hz_of(m->freq_word);
    if (!in_stdby(m) && m->mode != ST_FS) {
        violate(m, "SetTx/SetRx in mode %d", m->mode);
        return 0;
    }
    if (m->packet_type != 1 || !m->freq_set || !m->mod_set || !m->pkt_set ||
        (tx && (!m->pa_set || !m->txp_set))) {
        violate(m, "SetTx/SetRx before packet type, frequency, modulation, packet%s were set",
                tx ? ", PA and TX parameters" : "");
        return 0;
    }
    if (f >= 863000000u && f <= 870000000u && !m->image_cal_868) {
        violate(m, "on air at %u Hz without CalibrateImage for 863-870 MHz", f);
        return 0;
    }
    if (bw_kHz(m->bw_code) == 0 || m->sf < 5 || m->sf > 12 || m->cr_code < 1 || m->cr_code > 4) {
        violate(m, "modulation parameters out of range");
        return 0;
    }
    return 1;
}

static uint64_t steps_us(uint32_t steps)
{
    return ((uint64_t)steps * 15625u + 999u) / 1000u;
}

static void exec(struct sx126x_model *m)
{
    uint8_t op = m->cmd[0], *c = m->cmd;
    uint64_t busy_us = BUSY_CMD_US;
    size_t i;
    uint32_t t;

    if (m->nlog < SX126X_MODEL_LOG)
        m->log[m->nlog++] = op;
    m->last_cmd_status = 1;

    /* what TX and RX allow (reads, IRQ handling, standby) */
    if (m->mode == ST_TX || m->mode == ST_RX) {
        switch (op) {
        case OP_STATUS: case OP_GET_IRQ: case OP_CLR_IRQ: case OP_RXBUF_ST: case OP_PKT_ST:
        case OP_RBUF: case OP_RREG: case OP_DEV_ERR: case OP_STBY:
            break;
        default:
            violate(m, "opcode 0x%02X while in %s", op, m->mode == ST_TX ? "TX" : "RX");
            return;
        }
    }
    switch (op) {
    case OP_STBY:
        if (need(m, 2)) {
            m->mode = c[1] ? ST_XOSC : ST_RC;
            m->rx_timeout_at_us = 0;
        }
        break;
    case OP_SLEEP:
        if (!in_stdby(m)) {
            violate(m, "SetSleep outside STDBY");
            break;
        }
        if (need(m, 2))
            m->mode = SX126X_MODEL_SLEEP;
        busy_us = 0;
        break;
    case OP_REG_MODE:
        if (!in_stdby(m))
            violate(m, "SetRegulatorMode outside STDBY");
        else if (need(m, 2))
            m->regulator = c[1];
        break;
    case OP_DIO3:
        if (m->mode != ST_RC)
            violate(m, "SetDIO3AsTcxoCtrl outside STDBY_RC");
        else if (need(m, 5)) {
            m->tcxo_set = 1;
            m->tcxo_voltage = c[1];
            m->tcxo_delay = (uint32_t)c[2] << 16 | (uint32_t)c[3] << 8 | c[4];
        }
        break;
    case OP_CAL:
        if (m->mode != ST_RC) {
            violate(m, "Calibrate outside STDBY_RC");
            break;
        }
        if (!need(m, 2))
            break;
        if (m->has_tcxo && !m->tcxo_set)
            m->dev_errors |= 0x0003u | 0x0040u;  /* RC and PLL calibration, PLL lock */
        else
            m->calibrated = 1;
        if (c[1] & 0x40)
            m->image_cal_868 = 0;  /* image calibration at the default band (902-928) */
        busy_us = BUSY_CAL_US;
        break;
    case OP_CAL_IMG:
        if (!in_stdby(m))
            violate(m, "CalibrateImage outside STDBY");
        else if (need(m, 3)) {
            m->image_cal_868 = c[1] == 0xD7 && c[2] == 0xDB;
            busy_us = BUSY_CAL_IMAGE_US;
        }
        break;
    case OP_DEV_ERR: break;
    case OP_CLR_DEV_ERR:
        if (need(m, 3))
            m->dev_errors = 0;
        break;
    case OP_DIO2:
        if (!in_stdby(m))
            violate(m, "SetDIO2AsRfSwitchCtrl outside STDBY");
        else if (need(m, 2))
            m->dio2_switch = c[1] & 1;
        break;
    case OP_PKT_TYPE:
        if (!in_stdby(m))
            violate(m, "SetPacketType outside STDBY");
        else if (need(m, 2)) {
            m->packet_type = c[1];
            m->mod_set = m->pkt_set = 0;  /* parameters belong to a packet type */
        }
        break;
    case OP_FREQ:
        if (!in_stdby(m))
            violate(m, "SetRfFrequency outside STDBY");
        else if (need(m, 5)) {
            m->freq_word = (uint32_t)c[1] << 24 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 8 | c[4];
            m->freq_set = 1;
        }
        break;
    case OP_PA:
        if (!in_stdby(m))
            violate(m, "SetPaConfig outside STDBY");
        else if (need(m, 5)) {
            memcpy(m->pa, c + 1, 4);
            if (m->pa[2] != 0x00 || m->pa[3] != 0x01 || m->pa[1] > 0x07)
                violate(m, "SetPaConfig not an SX1262 setting (deviceSel 0, paLut 1, hpMax <= 7)");
            m->pa_set = 1;
        }
        break;
    case OP_TX_PARAMS:
        if (!in_stdby(m))
            violate(m, "SetTxParams outside STDBY");
        else if (need(m, 3)) {
            m->tx_power = (int8_t)c[1];
            if (m->tx_power < -9 || m->tx_power > 22 || c[2] > 7)
                violate(m, "SetTxParams power %d or ramp %u out of range", m->tx_power, c[2]);
            m->txp_set = 1;
        }
        break;
    case OP_MOD:
        if (m->packet_type != 1)
            violate(m, "SetModulationParams before SetPacketType(LoRa)");
        else if (!in_stdby(m))
            violate(m, "SetModulationParams outside STDBY");
        else if (need(m, 5)) {
            m->sf = c[1], m->bw_code = c[2], m->cr_code = c[3], m->ldro = c[4];
            m->mod_set = 1;
        }
        break;
    case OP_PKT:
        if (m->packet_type != 1)
            violate(m, "SetPacketParams before SetPacketType(LoRa)");
        else if (!in_stdby(m))
            violate(m, "SetPacketParams outside STDBY");
        else if (need(m, 7)) {
            m->preamble = (uint16_t)(c[1] << 8 | c[2]);
            m->header_implicit = c[3], m->payload_len = c[4], m->crc_on = c[5];
            m->iq_inverted = c[6];
            m->pkt_set = 1;
        }
        break;
    case OP_BASE:
        if (need(m, 3))
            m->tx_base = c[1], m->rx_base = c[2];
        break;
    case OP_DIO_IRQ:
        if (need(m, 9)) {
            m->irq_mask = (uint16_t)(c[1] << 8 | c[2]);
            m->dio1_mask = (uint16_t)(c[3] << 8 | c[4]);
        }
        break;
    case OP_CLR_IRQ:
        if (need(m, 3))
            m->irq &= (uint16_t)~(c[1] << 8 | c[2]);
        break;
    case OP_GET_IRQ: case OP_RXBUF_ST: case OP_PKT_ST: case OP_STATUS: case OP_RREG:
    case OP_RBUF:
        break;
    case OP_WREG:
        if (!need(m, 4))
            break;
        for (i = 3; i < m->n && i < sizeof m->cmd; i++) {
            uint16_t a = (uint16_t)((c[1] << 8 | c[2]) + (i - 3));
            uint8_t *r = reg_ptr(m, a);
            if (r)
                *r = c[i];
        }
        break;
    case OP_WBUF:
        if (!need(m, 3))
            break;
        for (i = 2; i < m->n && i < sizeof m->cmd; i++)
            m->buf[(uint8_t)(c[1] + (i - 2))] = c[i];
        break;
    case OP_TX: {
        uint8_t frame[256];
        if (!need(m, 4) || !ready_for_air(m, 1))
            break;
        if (m->header_implicit)
            violate(m, "implicit header: lofte frames use explicit headers");
        for (i = 0; i < m->payload_len; i++)
            frame[i] = m->buf[(uint8_t)(m->tx_base + i)];
        air_now(m, &m->last_tx);
        m->mode = ST_TX;
        t = airtime_us(m->sf, bw_kHz(m->bw_code), (uint8_t)(m->cr_code + 4), m->payload_len);
        m->tx_end_us = m->now_us + BUSY_TXRX_US + t;
        m->tx_count++;
        busy_us = BUSY_TXRX_US;
        if (m->on_tx)
            m->on_tx(m->on_tx_ctx, frame, m->payload_len, &m->last_tx, m->now_us + BUSY_TXRX_US);
        break;
    }
    case OP_RX:
        if (!need(m, 4) || !ready_for_air(m, 0))
            break;
        t = (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3];
        m->mode = ST_RX;
        m->rx_continuous = t == 0xFFFFFFu;
        m->rx_timeout_at_us = (t == 0 || t == 0xFFFFFFu) ? 0 : m->now_us + BUSY_TXRX_US + steps_us(t);
        m->rx_ptr = m->rx_base;
        busy_us = BUSY_TXRX_US;
        break;
    default:
        m->last_cmd_status = 4;
        violate(m, "unknown opcode 0x%02X", op);
    }
    m->busy_until_us = m->now_us + busy_us;
}

int sx126x_model_deliver(struct sx126x_model *m, const uint8_t *frame, size_t len,
                         const struct sx126x_model_air *air, int16_t rssi_dBm, int8_t snr_qdB,
                         int crc_ok)
{
    struct sx126x_model_air me;
    size_t i;
    sx126x_model_advance(m, m->now_us);
    if (m->mode != ST_RX || len == 0 || len > 255)
        return 0;
    air_now(m, &me);
    if (me.freq_hz != air->freq_hz || me.sf != air->sf || me.bw_kHz != air->bw_kHz ||
        me.iq_inverted != air->iq_inverted || me.sync_word != air->sync_word) {
        m->rx_mismatched++;
        return 0;
    }
    /* explicit header: CR and CRC presence come from the packet's header */
    m->rx_start = m->rx_ptr;
    m->rx_len = (uint8_t)len;
    for (i = 0; i < len; i++)
        m->buf[(uint8_t)(m->rx_ptr + i)] = frame[i];
    m->rx_ptr = (uint8_t)(m->rx_ptr + len);
    m->rssi_pkt = (uint8_t)(-2 * rssi_dBm);
    m->snr_pkt = (uint8_t)snr_qdB;
    m->signal_rssi_pkt = (uint8_t)(-2 * rssi_dBm);
    raise_irq(m, (uint16_t)(IRQ_RX_DONE | (air->crc_on && !crc_ok ? IRQ_CRC_ERR : 0)));
    if (!m->rx_continuous) {
        m->mode = ST_RC;
        m->rx_timeout_at_us = 0;
    }
    m->rx_count++;
    return 1;
}

int sx126x_model_before(const struct sx126x_model *m, uint8_t op, uint8_t later)
{
    size_t i, first = SIZE_MAX;
    for (i = 0; i < m->nlog; i++) {
        if (m->log[i] == op && first == SIZE_MAX)
            first = i;
        if (m->log[i] == later)
            return first != SIZE_MAX;
    }
    return 0;
}

unsigned sx126x_model_count(const struct sx126x_model *m, uint8_t op)
{
    unsigned n = 0;
    size_t i;
    for (i = 0; i < m->nlog; i++)
        n += m->log[i] == op;
    return n;
}
