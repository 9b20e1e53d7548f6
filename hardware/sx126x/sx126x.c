/* sx126x.c -- SX1261/2 driver (datasheet rev 2.1; sections and what is
 * inferred in sx126x.h).
 *
 * Every command is one NSS-framed transaction, and before each the driver
 * waits for BUSY low (§8.3.1): the chip ignores, or worse half-takes, a
 * command clocked in while BUSY is high. Configuration commands are sent
 * in STDBY_RC only, and the LoRa configuration follows the datasheet's
 * order (§14.2, §14.3): packet type first, then frequency, PA and TX
 * parameters, buffer base, modulation, packet parameters, IRQ routing,
 * sync word, and last SetTx / SetRx.
 */
#include "sx126x.h"

#include <string.h>

#define BUSY_POLL_US 10u
#define BUSY_TIMEOUT_US 10000u
#define BUSY_TIMEOUT_LONG_US 50000u
#define RESET_PULSE_US 200u       /* §8.1: at least 100 µs */

#define TX_BASE 0x00u
#define RX_BASE 0x00u             /* half duplex: both use the whole buffer */

const char *sx126x_strerror(int err)
{
    switch (err) {
    case SX126X_OK: return "ok";
    case SX126X_ERR_BUSY_TIMEOUT: return "radio BUSY stayed high (chip hung or unpowered)";
    case SX126X_ERR_BUS: return "SPI transfer to the radio failed";
    case SX126X_ERR_PARAMS: return "radio parameters out of range";
    case SX126X_ERR_STATE: return "radio is busy transmitting";
    case SX126X_ERR_CHIP: return "radio reported a command error";
    case SX126X_ERR_DEVICE: return "radio self-test failed (calibration, PLL or TCXO)";
    }
    return "unknown radio error";
}

void sx126x_lora_uplink(struct sx126x_lora *p, uint32_t freq_hz, uint8_t sf, uint16_t bw_kHz,
                        int8_t power_dBm)
{
    memset(p, 0, sizeof *p);
    p->freq_hz = freq_hz;
    p->sf = sf;
    p->bw_kHz = bw_kHz;
    p->cr = 5;
    p->preamble = 8;
    p->crc_on = 1;
    p->iq_inverted = 0;
    p->sync_word = SX126X_SYNC_PRIVATE;
    p->power_dBm = power_dBm;
}

void sx126x_lora_downlink(struct sx126x_lora *p, uint32_t freq_hz, uint8_t sf, uint16_t bw_kHz,
                          int8_t power_dBm)
{
    /* docs/protocol.md §3.1: the ack differs from an uplink only in its
     * frequency and inverted IQ; its CRC is on, as the ack's time on air in
     * §9 assumes (in explicit-header mode the receiver takes the CRC's
     * presence from the header, so a listener's own setting does not
     * matter; the sender's does) */
    sx126x_lora_uplink(p, freq_hz, sf, bw_kHz, power_dBm);
    p->iq_inverted = 1;
}

uint32_t sx126x_freq_word(uint32_t freq_hz)
{
    /* 2^25 / 32e6 = 2^20 / 1e6: exact in 64 bits */
    return (uint32_t)((((uint64_t)freq_hz << 25) + 16000000u) / 32000000u);
}

static int wait_busy(struct sx126x *r, uint32_t timeout_us)
{
    uint32_t waited = 0;
    while (r->bus->pin_read(r->bus->ctx, SPI_PIN_BUSY)) {
        if (waited >= timeout_us) {
            r->stats.busy_timeouts++;
            return SX126X_ERR_BUSY_TIMEOUT;
        }
        r->bus->delay_us(r->bus->ctx, BUSY_POLL_US);
        waited += BUSY_POLL_US;
    }
    return SX126X_OK;
}

/* One transaction: head (opcode and parameters) out, then n bytes of data
 * out (tx) or in (rx); either may be NULL. The first byte clocked back
 * after the opcode is the status (§11). */
static int xfer(struct sx126x *r, const uint8_t *head, size_t hn, const uint8_t *tx, uint8_t *rx,
                size_t n, uint32_t timeout_us)
{
    uint8_t back[10];
    int err = wait_busy(r, timeout_us);
    if (err)
        return err;
    if (hn > sizeof back)
        return SX126X_ERR_PARAMS;
    r->bus->select(r->bus->ctx, 1);
    err = r->bus->transfer(r->bus->ctx, head, back, hn);
    if (!err && n > 0)
        err = r->bus->transfer(r->bus->ctx, tx, rx, n);
    r->bus->select(r->bus->ctx, 0);
    if (err)
        return SX126X_ERR_BUS;
    if (hn > 1 && hn <= sizeof back)
        r->status = back[1];
    return SX126X_OK;
}

static int cmd(struct sx126x *r, uint8_t op, const uint8_t *args, size_t n)
{
    uint8_t head[10];
    head[0] = op;
    if (n > sizeof head - 1)
        return SX126X_ERR_PARAMS;
    if (n)
        memcpy(head + 1, args, n);
    return xfer(r, head, n + 1, NULL, NULL, 0, BUSY_TIMEOUT_US);
}

static int cmd1(struct sx126x *r, uint8_t op, uint8_t a)
{
    return cmd(r, op, &a, 1);
}

/* A read command: opcode, NOP for the status, then n answer bytes. */
static int get(struct sx126x *r, uint8_t op, uint8_t *out, size_t n)
{
    uint8_t head[2] = {op, 0};
    return xfer(r, head, 2, NULL, out, n, BUSY_TIMEOUT_US);
}

int sx126x_read_register(struct sx126x *r, uint16_t addr, uint8_t *val, size_t n)
{
    uint8_t head[4] = {SX126X_OP_READ_REGISTER, (uint8_t)(addr >> 8), (uint8_t)addr, 0};
    int err = xfer(r, head, 4, NULL, val, n, BUSY_TIMEOUT_US);
    r->status = 0;  /* the status came back on byte 3, not 1: not kept */
    return err;
}

int sx126x_write_register(struct sx126x *r, uint16_t addr, const uint8_t *val, size_t n)
{
    uint8_t head[3] = {SX126X_OP_WRITE_REGISTER, (uint8_t)(addr >> 8), (uint8_t)addr};
    return xfer(r, head, 3, val, NULL, n, BUSY_TIMEOUT_US);
}

static int reg_update(struct sx126x *r, uint16_t addr, uint8_t clear, uint8_t set)
{
    uint8_t v;
    int err = sx126x_read_register(r, addr, &v, 1);
    if (err)
        return err;
    v = (uint8_t)((v & ~clear) | set);
    return sx126x_write_register(r, addr, &v, 1);
}

/* Status command-status field (§13.5.1, bits 3:1): 3 timeout, 4 processing
 * error, 5 failure to execute. */
static int status_ok(const struct sx126x *r)
{
    unsigned s = (r->status >> 1) & 7u;
    return s != 3u && s != 4u && s != 5u;
}

static int standby_rc(struct sx126x *r)
{
    int err = cmd1(r, SX126X_OP_SET_STANDBY, 0x00);  /* STDBY_RC */
    if (!err)
        r->state = SX126X_IDLE;
    return err;
}

int sx126x_init(struct sx126x *r, const struct spi_bus *bus, const struct sx126x_config *cfg)
{
    uint8_t a[4], errs[2];
    uint32_t steps;
    int err;

    memset(r, 0, sizeof *r);
    r->bus = bus;
    r->cfg = *cfg;

    bus->select(bus->ctx, 0);
    bus->pin_write(bus->ctx, SPI_PIN_RESET, 0);
    bus->delay_us(bus->ctx, RESET_PULSE_US);
    bus->pin_write(bus->ctx, SPI_PIN_RESET, 1);
    /* after reset the chip calibrates itself with BUSY high (§8.1) */
    if ((err = wait_busy(r, BUSY_TIMEOUT_LONG_US)) != 0)
        return err;
    if ((err = standby_rc(r)) != 0)
        return err;
    if (cfg->tcxo) {
        /* delay in 15.625 µs steps, 24 bits (§13.3.6) */
        steps = (uint32_t)(((uint64_t)cfg->tcxo_delay_us * 64u + 999u) / 1000u);
        if (steps > 0xFFFFFFu)
            return SX126X_ERR_PARAMS;
        a[0] = cfg->tcxo_voltage & 0x07u;
        a[1] = (uint8_t)(steps >> 16), a[2] = (uint8_t)(steps >> 8), a[3] = (uint8_t)steps;
        if ((err = cmd(r, SX126X_OP_SET_DIO3_AS_TCXO, a, 4)) != 0)
            return err;
    }
    /* Calibrate all blocks (RC64k, RC13M, PLL, ADC pulse, ADC bulk N/P,
     * image): with a TCXO, the power-on calibration ran before the TCXO
     * had power (inferred from §13.3.6; verify on the bench). */
    if ((err = xfer(r, (const uint8_t[]){SX126X_OP_CALIBRATE, 0x7F}, 2, NULL, NULL, 0,
                    BUSY_TIMEOUT_US)) != 0)
        return err;
    if ((err = wait_busy(r, BUSY_TIMEOUT_LONG_US)) != 0)
        return err;
    if ((err = get(r, SX126X_OP_GET_DEVICE_ERRORS, errs, 2)) != 0)
        return err;
    /* OpError bits (§13.6.1): 0..5 calibration failures, 6 PLL lock,
     * 8 PA ramp; bit 5 (XOSC start) is expected once after a TCXO set-up */
    if (((uint16_t)(errs[0] << 8 | errs[1]) & 0x017Fu & ~0x0020u) != 0)
        return SX126X_ERR_DEVICE;
    if ((err = cmd(r, SX126X_OP_CLEAR_DEVICE_ERRORS, (const uint8_t[]){0, 0}, 2)) != 0)
        return err;
    if ((err = cmd1(r, SX126X_OP_SET_REGULATOR_MODE, cfg->dcdc ? 0x01 : 0x00)) != 0)
        return err;
    if (cfg->dio2_rf_switch && (err = cmd1(r, SX126X_OP_SET_DIO2_AS_RF_SWITCH, 0x01)) != 0)
        return err;
    if ((err = cmd1(r, SX126X_OP_SET_PACKET_TYPE, 0x01)) != 0)  /* LoRa */
        return err;
    /* 863-870 MHz band (§9.2.1, Table 9-2) */
    if ((err = xfer(r, (const uint8_t[]){SX126X_OP_CALIBRATE_IMAGE, 0xD7, 0xDB}, 3, NULL, NULL, 0,
                    BUSY_TIMEOUT_US)) != 0)
        return err;
    if ((err = wait_busy(r, BUSY_TIMEOUT_LONG_US)) != 0)
        return err;
    if ((err = cmd(r, SX126X_OP_SET_BUFFER_BASE, (const uint8_t[]){TX_BASE, RX_BASE}, 2)) != 0)
        return err;
    /* §15.2: better PA resistance to antenna mismatch, after each reset */
    if (!cfg->sx1261 && (err = reg_update(r, SX126X_REG_TX_CLAMP, 0, 0x1E)) != 0)
        return err;
    a[0] = (uint8_t)(SX126X_IRQ_USED >> 8), a[1] = (uint8_t)SX126X_IRQ_USED;
    {
        uint8_t irq[8] = {a[0], a[1], a[0], a[1], 0, 0, 0, 0};
        if ((err = cmd(r, SX126X_OP_SET_DIO_IRQ_PARAMS, irq, 8)) != 0)
            return err;
    }
    if ((err = cmd(r, SX126X_OP_CLEAR_IRQ_STATUS, (const uint8_t[]){0x03, 0xFF}, 2)) != 0)
        return err;
    return status_ok(r) ? SX126X_OK : SX126X_ERR_CHIP;
}

static int bw_code(uint16_t bw_kHz, uint8_t *code)
{
    switch (bw_kHz) {  /* §13.4.5.2 */
    case 125: *code = 0x04; return 1;
    case 250: *code = 0x05; return 1;
    case 500: *code = 0x06; return 1;
    }
    return 0;
}

static int check(const struct sx126x_lora *p, uint8_t *bw)
{
    return p->sf >= 7 && p->sf <= 12 && p->cr >= 5 && p->cr <= 8 && bw_code(p->bw_kHz, bw) &&
           p->preamble >= 1 && p->freq_hz >= 150000000u && p->freq_hz <= 960000000u;
}

/* The common part of §14.2/§14.3 after the packet type: frequency,
 * modulation, packet, IQ fix, sync word. */
static int configure(struct sx126x *r, const struct sx126x_lora *p, uint8_t bw, uint8_t len)
{
    uint32_t fw = sx126x_freq_word(p->freq_hz);
    uint8_t a[6];
    int err;
    /* LowDataRateOptimize when a symbol lasts 16.38 ms or more (§13.4.5.2):
     * 2^sf / bw >= 16.38 ms, i.e. SF11 and SF12 at 125 kHz, SF12 at 250 */
    uint8_t ldro = (uint32_t)(1u << p->sf) * 1000u / p->bw_kHz >= 16380u ? 1 : 0;

    a[0] = (uint8_t)(fw >> 24), a[1] = (uint8_t)(fw >> 16), a[2] = (uint8_t)(fw >> 8),
    a[3] = (uint8_t)fw;
    if ((err = cmd(r, SX126X_OP_SET_RF_FREQUENCY, a, 4)) != 0)
        return err;
    a[0] = p->sf, a[1] = bw, a[2] = (uint8_t)(p->cr - 4), a[3] = ldro;
    if ((err = cmd(r, SX126X_OP_SET_MODULATION_PARAMS, a, 4)) != 0)
        return err;
    a[0] = (uint8_t)(p->preamble >> 8), a[1] = (uint8_t)p->preamble;
    a[2] = 0x00;  /* explicit header */
    a[3] = len, a[4] = p->crc_on ? 1 : 0, a[5] = p->iq_inverted ? 1 : 0;
    if ((err = cmd(r, SX126X_OP_SET_PACKET_PARAMS, a, 6)) != 0)
        return err;
    /* §15.4: with inverted IQ bit 2 of 0x0736 must be 0, else 1 */
    if ((err = reg_update(r, SX126X_REG_IQ_POLARITY, 0x04, p->iq_inverted ? 0 : 0x04)) != 0)
        return err;
    a[0] = (uint8_t)(p->sync_word >> 8), a[1] = (uint8_t)p->sync_word;
    return sx126x_write_register(r, SX126X_REG_SYNC_WORD, a, 2);
}

/* Table 13-21 rows (paDutyCycle, hpMax) with SetTxParams at +22 dBm (SX1262)
 * or +14 (SX1261); lower powers lower the SetTxParams value (inferred). */
static int pa_config(struct sx126x *r, int8_t dBm)
{
    static const struct { int8_t max; uint8_t duty, hp; } hp_rows[] = {
        {14, 0x02, 0x02}, {17, 0x02, 0x03}, {20, 0x03, 0x05}, {22, 0x04, 0x07}};
    uint8_t a[4];
    int8_t set;
    unsigned i;
    int err;

    if (r->cfg.sx1261) {
        if (dBm < -17 || dBm > 15)
            return SX126X_ERR_PARAMS;
        a[0] = dBm == 15 ? 0x06 : 0x04, a[1] = 0x00, a[2] = 0x01, a[3] = 0x01;
        set = dBm == 15 ? 14 : dBm;
    } else {
        if (dBm < -9 || dBm > 22)
            return SX126X_ERR_PARAMS;
        for (i = 0; hp_rows[i].max < dBm; i++)
            ;
        a[0] = hp_rows[i].duty, a[1] = hp_rows[i].hp, a[2] = 0x00, a[3] = 0x01;
        set = (int8_t)(22 - (hp_rows[i].max - dBm));
    }
    if ((err = cmd(r, SX126X_OP_SET_PA_CONFIG, a, 4)) != 0)
        return err;
    a[0] = (uint8_t)set, a[1] = 0x04;  /* ramp 200 µs */
    return cmd(r, SX126X_OP_SET_TX_PARAMS, a, 2);
}

static int wake(struct sx126x *r)
{
    int err;
    if (r->state != SX126X_SLEEP)
        return SX126X_OK;
    /* §9.3: a falling edge on NSS wakes the chip; BUSY falls when ready */
    r->bus->select(r->bus->ctx, 1);
    r->bus->delay_us(r->bus->ctx, 2);
    r->bus->select(r->bus->ctx, 0);
    if ((err = wait_busy(r, BUSY_TIMEOUT_LONG_US)) != 0)
        return err;
    r->state = SX126X_IDLE;
    return SX126X_OK;
}

int sx126x_transmit(struct sx126x *r, const struct sx126x_lora *p, const uint8_t *frame,
                    size_t len)
{
    uint8_t bw, head[2] = {SX126X_OP_WRITE_BUFFER, TX_BASE};
    int err;

    if (len == 0 || len > 255 || !check(p, &bw))
        return SX126X_ERR_PARAMS;
    if (r->state == SX126X_TX)
        return SX126X_ERR_STATE;
    if ((err = wake(r)) != 0 || (err = standby_rc(r)) != 0)
        return err;
    if ((err = pa_config(r, p->power_dBm)) != 0)
        return err;
    if ((err = xfer(r, head, 2, frame, NULL, len, BUSY_TIMEOUT_US)) != 0)
        return err;
    if ((err = configure(r, p, bw, (uint8_t)len)) != 0)
        return err;
    if ((err = cmd(r, SX126X_OP_CLEAR_IRQ_STATUS, (const uint8_t[]){0x03, 0xFF}, 2)) != 0)
        return err;
    /* no TX timeout: TxDone always comes after the packet's time on air */
    if ((err = cmd(r, SX126X_OP_SET_TX, (const uint8_t[]){0, 0, 0}, 3)) != 0)
        return err;
    r->state = SX126X_TX;
    return SX126X_OK;
}

int sx126x_receive(struct sx126x *r, const struct sx126x_lora *p, uint32_t timeout_ms)
{
    uint8_t bw, t[3];
    uint32_t steps;
    int err;

    if (!check(p, &bw) || timeout_ms > SX126X_RX_CONTINUOUS / SX126X_TIMEOUT_STEPS_PER_MS)
        return SX126X_ERR_PARAMS;
    if (r->state == SX126X_TX)
        return SX126X_ERR_STATE;
    if ((err = wake(r)) != 0 || (err = standby_rc(r)) != 0)
        return err;
    if ((err = configure(r, p, bw, 255)) != 0)
        return err;
    if ((err = cmd(r, SX126X_OP_CLEAR_IRQ_STATUS, (const uint8_t[]){0x03, 0xFF}, 2)) != 0)
        return err;
    steps = timeout_ms == 0 ? SX126X_RX_CONTINUOUS : timeout_ms * SX126X_TIMEOUT_STEPS_PER_MS;
    t[0] = (uint8_t)(steps >> 16), t[1] = (uint8_t)(steps >> 8), t[2] = (uint8_t)steps;
    if ((err = cmd(r, SX126X_OP_SET_RX, t, 3)) != 0)
        return err;
    r->state = SX126X_RX;
    r->rx_continuous = timeout_ms == 0;
    r->rx_params = *p;
    return SX126X_OK;
}

int sx126x_standby(struct sx126x *r)
{
    int err = wake(r);
    return err ? err : standby_rc(r);
}

int sx126x_sleep(struct sx126x *r)
{
    int err;
    if (r->state == SX126X_SLEEP)
        return SX126X_OK;
    if ((err = standby_rc(r)) != 0)
        return err;
    /* warm start (bit 2): configuration retained (§13.1.1) */
    if ((err = cmd1(r, SX126X_OP_SET_SLEEP, 0x04)) != 0)
        return err;
    r->state = SX126X_SLEEP;
    return SX126X_OK;
}

static int read_packet(struct sx126x *r, struct sx126x_packet *pkt)
{
    uint8_t st[3], head[3];
    int err;
    if ((err = get(r, SX126X_OP_GET_RX_BUFFER_STATUS, st, 2)) != 0)
        return err;
    pkt->len = st[0];
    head[0] = SX126X_OP_READ_BUFFER, head[1] = st[1], head[2] = 0;
    if (pkt->len > 0 && (err = xfer(r, head, 3, NULL, pkt->frame, pkt->len, BUSY_TIMEOUT_US)) != 0)
        return err;
    if ((err = get(r, SX126X_OP_GET_PACKET_STATUS, st, 3)) != 0)
        return err;
    pkt->rssi_dBm = (int16_t)(-(int)st[0] / 2);
    pkt->snr_qdB = (int8_t)st[1];
    pkt->signal_rssi_dBm = (int16_t)(-(int)st[2] / 2);
    return SX126X_OK;
}

int sx126x_service(struct sx126x *r, struct sx126x_packet *pkt, enum sx126x_event *ev)
{
    uint8_t f[2];
    uint16_t irq;
    int err;

    *ev = SX126X_EV_NONE;
    if (r->state == SX126X_SLEEP || !r->bus->pin_read(r->bus->ctx, SPI_PIN_IRQ))
        return SX126X_OK;
    if ((err = get(r, SX126X_OP_GET_IRQ_STATUS, f, 2)) != 0)
        return err;
    irq = (uint16_t)(f[0] << 8 | f[1]);
    if (irq == 0)
        return SX126X_OK;
    f[0] = (uint8_t)(irq >> 8), f[1] = (uint8_t)irq;
    /* clear before reading the packet: a packet arriving meanwhile (in
     * continuous RX) raises RxDone again instead of being lost */
    if ((err = cmd(r, SX126X_OP_CLEAR_IRQ_STATUS, f, 2)) != 0)
        return err;
    if (irq & SX126X_IRQ_TX_DONE) {
        r->state = SX126X_IDLE;  /* fallback mode STDBY_RC (§13.1.7 default) */
        r->stats.tx_done++;
        *ev = SX126X_EV_TX_DONE;
        return SX126X_OK;
    }
    if (!r->rx_continuous && (irq & (SX126X_IRQ_RX_DONE | SX126X_IRQ_TIMEOUT)))
        r->state = SX126X_IDLE;
    if (irq & (SX126X_IRQ_CRC_ERR | SX126X_IRQ_HEADER_ERR)) {
        /* a header error ends the packet without RxDone in single mode
         * too (inferred); either way the receiver is back in STDBY */
        if (!r->rx_continuous)
            r->state = SX126X_IDLE;
        r->stats.crc_errors++;
        *ev = SX126X_EV_RX_ERROR;
        return SX126X_OK;
    }
    if (irq & SX126X_IRQ_RX_DONE) {
        if ((err = read_packet(r, pkt)) != 0)
            return err;
        r->stats.rx_done++;
        *ev = SX126X_EV_RX_DONE;
        return SX126X_OK;
    }
    if (irq & SX126X_IRQ_TIMEOUT) {
        r->stats.rx_timeouts++;
        *ev = SX126X_EV_RX_TIMEOUT;
    }
    return SX126X_OK;
}
