/* test_sx126x.c -- the SX126x driver against the command-level model
 * (sx126x_model.h): init sequence, TX, RX with timeout, packet status,
 * the ack's settings after an uplink, BUSY, sleep. */
#include <criterion/criterion.h>
#include <string.h>

#include "airtime.h"
#include "sx126x.h"
#include "sx126x_model.h"
#include "sx126x_radio.h"

static struct sx126x_model m;
static struct sx126x r;

static const struct sx126x_config rak4631 = {
    .sx1261 = 0, .tcxo = 1, .tcxo_voltage = 0x02, .tcxo_delay_us = 5000,
    .dio2_rf_switch = 1, .dcdc = 1};

struct txlog {
    int n;
    uint8_t frame[256];
    size_t len;
    struct sx126x_model_air air;
    uint64_t start_us;
};
static struct txlog txl;

static void on_tx(void *ctx, const uint8_t *frame, size_t len, const struct sx126x_model_air *air,
                  uint64_t start_us)
{
    struct txlog *t = ctx;
    t->n++;
    memcpy(t->frame, frame, len);
    t->len = len;
    t->air = *air;
    t->start_us = start_us;
}

static void setup(void)
{
    memset(&txl, 0, sizeof txl);
    sx126x_model_init(&m, 1);
    m.on_tx = on_tx;
    m.on_tx_ctx = &txl;
    cr_assert_eq(sx126x_init(&r, &m.bus, &rak4631), SX126X_OK);
    cr_assert_eq(m.violations, 0, "%s", m.violation);
}

/* Let time pass and service the chip until an event. */
static enum sx126x_event wait_event(struct sx126x_packet *pkt, uint64_t max_us)
{
    enum sx126x_event ev = SX126X_EV_NONE;
    uint64_t end = m.now_us + max_us;
    while (m.now_us < end) {
        cr_assert_eq(sx126x_service(&r, pkt, &ev), SX126X_OK);
        if (ev != SX126X_EV_NONE)
            return ev;
        sx126x_model_advance(&m, m.now_us + 1000);
    }
    return ev;
}

Test(sx126x, init_follows_the_datasheet_order_and_configures_tcxo_switch_and_868_image,
     .init = setup)
{
    cr_assert_eq(m.mode, SX126X_MODE_STBY_RC);
    cr_assert(m.tcxo_set);
    cr_assert_eq(m.tcxo_voltage, 0x02, "1.8 V");
    cr_assert_eq(m.tcxo_delay, 320, "5 ms in 15.625 us steps");
    cr_assert(m.calibrated, "calibration ran with the TCXO powered");
    cr_assert_eq(m.dev_errors, 0, "XOSC start error cleared");
    cr_assert(m.image_cal_868);
    cr_assert(m.dio2_switch);
    cr_assert_eq(m.regulator, 1);
    cr_assert_eq(m.packet_type, 1, "LoRa");
    cr_assert_eq(m.reg_clamp & 0x1E, 0x1E, "TX clamping fix (§15.2)");
    cr_assert(sx126x_model_before(&m, SX126X_OP_SET_DIO3_AS_TCXO, SX126X_OP_CALIBRATE));
    cr_assert(sx126x_model_before(&m, SX126X_OP_SET_PACKET_TYPE, SX126X_OP_CALIBRATE_IMAGE) ||
              sx126x_model_count(&m, SX126X_OP_CALIBRATE_IMAGE) == 1);
    cr_assert_eq(m.irq_mask & SX126X_IRQ_USED, SX126X_IRQ_USED);
    cr_assert_eq(m.dio1_mask, SX126X_IRQ_USED);
}

Test(sx126x, init_fails_clearly_when_the_tcxo_is_not_configured_on_a_tcxo_board)
{
    struct sx126x_config no_tcxo = rak4631;
    sx126x_model_init(&m, 1);
    no_tcxo.tcxo = 0;
    cr_assert_eq(sx126x_init(&r, &m.bus, &no_tcxo), SX126X_ERR_DEVICE);
    cr_assert_str_eq(sx126x_strerror(SX126X_ERR_DEVICE),
                     "radio self-test failed (calibration, PLL or TCXO)");
}

/* A board whose NRESET line is stuck low: BUSY never falls. */
static void stuck_reset(void *ctx, enum spi_pin pin, int level)
{
    (void)level;
    m.bus.pin_write(ctx, pin, 0);
}

Test(sx126x, init_reports_a_chip_that_never_leaves_busy)
{
    struct spi_bus bus;
    sx126x_model_init(&m, 1);
    bus = m.bus;
    bus.pin_write = stuck_reset;
    cr_assert_eq(sx126x_init(&r, &bus, &rak4631), SX126X_ERR_BUSY_TIMEOUT);
    cr_assert_eq(r.stats.busy_timeouts, 1);
    cr_assert_eq(m.nlog, 0, "no command clocked into a chip in reset");
}

Test(sx126x, transmits_an_uplink_with_crc_normal_iq_and_the_private_sync_word, .init = setup)
{
    struct sx126x_lora p;
    struct sx126x_packet pkt;
    uint8_t frame[28];
    uint32_t toa;
    int i;
    for (i = 0; i < 28; i++)
        frame[i] = (uint8_t)(i * 7 + 1);
    sx126x_lora_uplink(&p, 868100000u, 9, 125, 14);
    cr_assert_eq(sx126x_transmit(&r, &p, frame, sizeof frame), SX126X_OK);
    cr_assert_eq(m.violations, 0, "%s", m.violation);
    cr_assert_eq(txl.n, 1);
    cr_assert_eq(txl.len, 28);
    cr_assert_arr_eq(txl.frame, frame, 28);
    cr_assert_eq(txl.air.freq_hz, 868100000u);
    cr_assert_eq(txl.air.sf, 9);
    cr_assert_eq(txl.air.bw_kHz, 125);
    cr_assert_eq(txl.air.cr, 5);
    cr_assert_eq(txl.air.preamble, 8);
    cr_assert_eq(txl.air.crc_on, 1);
    cr_assert_eq(txl.air.iq_inverted, 0);
    cr_assert_eq(txl.air.sync_word, 0x1424);
    cr_assert_eq(txl.air.ldro, 0, "SF9: 4.1 ms symbols");
    cr_assert_eq(m.pa[0], 0x02);
    cr_assert_eq(m.pa[1], 0x02, "Table 13-21's +14 dBm row");
    cr_assert_eq(txl.air.power_dBm, 22);
    cr_assert_eq(m.reg_iq & 0x04, 0x04, "standard IQ: bit 2 set (§15.4)");
    cr_assert_eq(sx126x_transmit(&r, &p, frame, sizeof frame), SX126X_ERR_STATE,
                 "one frame on air at a time");
    toa = airtime_us(9, 125, 5, 28);
    sx126x_model_advance(&m, m.now_us + toa - 2000);
    cr_assert_eq(wait_event(&pkt, 1000), SX126X_EV_NONE, "no TxDone before the time on air");
    cr_assert_eq(wait_event(&pkt, 5000), SX126X_EV_TX_DONE);
    cr_assert_eq(r.state, SX126X_IDLE);
    cr_assert_eq(r.stats.tx_done, 1);
    cr_assert_eq(m.irq, 0, "flags cleared");
}

Test(sx126x, receives_an_ack_with_inverted_iq_and_reports_rssi_and_snr, .init = setup)
{
    struct sx126x_lora p;
    struct sx126x_packet pkt;
    struct sx126x_model_air air;
    uint8_t ack[23];
    memset(ack, 0xA5, sizeof ack);
    sx126x_lora_downlink(&p, 869525000u, 9, 125, 0);
    cr_assert_eq(sx126x_receive(&r, &p, 4000), SX126X_OK);
    cr_assert_eq(m.violations, 0, "%s", m.violation);
    cr_assert_eq(m.mode, SX126X_MODE_RX);
    cr_assert_eq(m.reg_iq & 0x04, 0, "inverted IQ: bit 2 cleared (§15.4)");
    cr_assert_eq(m.iq_inverted, 1);
    cr_assert_eq(m.crc_on, 1, "the ack's CRC is on (docs/protocol.md §3.1)");
    memset(&air, 0, sizeof air);
    air.freq_hz = 869525000u, air.sf = 9, air.bw_kHz = 125, air.cr = 5, air.iq_inverted = 0;
    air.sync_word = 0x1424;
    cr_assert_eq(sx126x_model_deliver(&m, ack, sizeof ack, &air, -97, -29, 1), 0,
                 "an uplink (normal IQ) is not heard as an ack");
    air.iq_inverted = 1;
    air.freq_hz = 868100000u;
    cr_assert_eq(sx126x_model_deliver(&m, ack, sizeof ack, &air, -97, -29, 1), 0,
                 "nor anything on another frequency");
    air.freq_hz = 869525000u;
    cr_assert_eq(sx126x_model_deliver(&m, ack, sizeof ack, &air, -97, -29, 1), 1);
    cr_assert_eq(wait_event(&pkt, 1000), SX126X_EV_RX_DONE);
    cr_assert_eq(pkt.len, 23);
    cr_assert_arr_eq(pkt.frame, ack, 23);
    cr_assert_eq(pkt.rssi_dBm, -97);
    cr_assert_eq(pkt.snr_qdB, -29, "-7.25 dB in quarter dB");
    cr_assert_eq(r.state, SX126X_IDLE, "single RX ends with the packet");
    cr_assert_eq(m.violations, 0, "%s", m.violation);
}

Test(sx126x, an_rx_window_closes_by_the_chips_own_timeout, .init = setup)
{
    struct sx126x_lora p;
    struct sx126x_packet pkt;
    sx126x_lora_downlink(&p, 869525000u, 9, 125, 0);
    cr_assert_eq(sx126x_receive(&r, &p, 3000), SX126X_OK);
    sx126x_model_advance(&m, m.now_us + 2990000);
    cr_assert_eq(wait_event(&pkt, 5000), SX126X_EV_NONE);
    cr_assert_eq(wait_event(&pkt, 100000), SX126X_EV_RX_TIMEOUT);
    cr_assert_eq(r.stats.rx_timeouts, 1);
    cr_assert_eq(m.mode, SX126X_MODE_STBY_RC);
    cr_assert_eq(sx126x_receive(&r, &p, 262144), SX126X_ERR_PARAMS, "beyond 24 bits of steps");
}

Test(sx126x, counts_a_crc_error_and_returns_no_frame, .init = setup)
{
    struct sx126x_lora p;
    struct sx126x_packet pkt;
    struct sx126x_model_air air;
    uint8_t f[30] = {0};
    sx126x_lora_uplink(&p, 868100000u, 9, 125, 0);
    cr_assert_eq(sx126x_receive(&r, &p, 0), SX126X_OK);
    memset(&air, 0, sizeof air);
    air.freq_hz = 868100000u, air.sf = 9, air.bw_kHz = 125, air.cr = 5, air.crc_on = 1;
    air.sync_word = 0x1424;
    cr_assert_eq(sx126x_model_deliver(&m, f, sizeof f, &air, -110, -20, 0), 1);
    cr_assert_eq(wait_event(&pkt, 1000), SX126X_EV_RX_ERROR);
    cr_assert_eq(r.stats.crc_errors, 1);
    cr_assert_eq(r.stats.rx_done, 0);
    cr_assert_eq(m.mode, SX126X_MODE_RX, "continuous RX keeps listening");
}

Test(sx126x, continuous_rx_reads_each_packet_where_the_chip_put_it, .init = setup)
{
    struct sx126x_lora p;
    struct sx126x_packet pkt;
    struct sx126x_model_air air;
    uint8_t a[27], b[32];
    memset(a, 0x11, sizeof a);
    memset(b, 0x22, sizeof b);
    sx126x_lora_uplink(&p, 868100000u, 9, 125, 0);
    cr_assert_eq(sx126x_receive(&r, &p, 0), SX126X_OK);
    memset(&air, 0, sizeof air);
    air.freq_hz = 868100000u, air.sf = 9, air.bw_kHz = 125, air.cr = 5, air.crc_on = 1;
    air.sync_word = 0x1424;
    cr_assert_eq(sx126x_model_deliver(&m, a, sizeof a, &air, -100, 8, 1), 1);
    cr_assert_eq(wait_event(&pkt, 1000), SX126X_EV_RX_DONE);
    cr_assert_arr_eq(pkt.frame, a, sizeof a);
    cr_assert_eq(sx126x_model_deliver(&m, b, sizeof b, &air, -100, 8, 1), 1);
    cr_assert_eq(m.rx_start, 27, "the second packet starts after the first");
    cr_assert_eq(wait_event(&pkt, 1000), SX126X_EV_RX_DONE);
    cr_assert_eq(pkt.len, 32);
    cr_assert_arr_eq(pkt.frame, b, sizeof b);
    cr_assert_eq(m.mode, SX126X_MODE_RX);
    cr_assert_eq(m.violations, 0, "%s", m.violation);
}

Test(sx126x, sleeps_between_windows_and_wakes_on_the_next_command, .init = setup)
{
    struct sx126x_lora p;
    uint8_t f[5] = {1, 2, 3, 4, 5};
    cr_assert_eq(sx126x_sleep(&r), SX126X_OK);
    cr_assert_eq(m.mode, SX126X_MODEL_SLEEP);
    sx126x_lora_uplink(&p, 868300000u, 12, 125, 10);
    cr_assert_eq(sx126x_transmit(&r, &p, f, sizeof f), SX126X_OK);
    cr_assert_eq(m.violations, 0, "%s", m.violation);
    cr_assert_eq(txl.air.freq_hz, 868300000u);
    cr_assert_eq(txl.air.ldro, 1, "SF12 at 125 kHz: 32 ms symbols");
    cr_assert_eq(txl.air.power_dBm, 18, "+10 dBm: 4 dB under the +14 row");
}

Test(sx126x, refuses_parameters_out_of_range_before_touching_the_chip, .init = setup)
{
    struct sx126x_lora p;
    uint8_t f[1] = {0};
    size_t before = m.nlog;
    sx126x_lora_uplink(&p, 868100000u, 13, 125, 14);
    cr_assert_eq(sx126x_transmit(&r, &p, f, 1), SX126X_ERR_PARAMS);
    p.sf = 9, p.bw_kHz = 200;
    cr_assert_eq(sx126x_transmit(&r, &p, f, 1), SX126X_ERR_PARAMS);
    p.bw_kHz = 125, p.power_dBm = 23;
    cr_assert_eq(sx126x_transmit(&r, &p, f, 1), SX126X_ERR_PARAMS);
    p.power_dBm = 14;
    cr_assert_eq(sx126x_transmit(&r, &p, f, 0), SX126X_ERR_PARAMS);
    cr_assert_eq(m.tx_count, 0);
    cr_assert_geq(m.nlog, before);
}

Test(sx126x, the_frequency_word_is_exact_for_the_lofte_channels)
{
    /* §13.4.1: RfFreq = f * 2^25 / 32 MHz */
    cr_assert_eq(sx126x_freq_word(868100000u), 0x3641999Au);
    cr_assert_eq(sx126x_freq_word(869525000u), 0x36586666u);
}

/* --- the model catches drivers that break the rules -------------------- */

Test(sx126x_model, flags_a_command_clocked_while_busy)
{
    uint8_t op[2] = {SX126X_OP_SET_STANDBY, 0};
    sx126x_model_init(&m, 0);
    m.bus.pin_write(m.bus.ctx, SPI_PIN_RESET, 1);
    m.bus.select(m.bus.ctx, 1);  /* right after reset: BUSY high */
    m.bus.transfer(m.bus.ctx, op, NULL, 2);
    m.bus.select(m.bus.ctx, 0);
    cr_assert_gt(m.violations, 0);
    cr_assert_str_eq(m.violation, "NSS asserted while BUSY is high");
}

Test(sx126x_model, flags_tx_without_868_image_calibration_and_config_in_rx)
{
    uint8_t c[10];
    sx126x_model_init(&m, 0);
    m.bus.pin_write(m.bus.ctx, SPI_PIN_RESET, 1);
#define SEND(...) do { const uint8_t b_[] = {__VA_ARGS__}; \
        sx126x_model_advance(&m, m.now_us + 5000); m.bus.select(m.bus.ctx, 1); \
        m.bus.transfer(m.bus.ctx, b_, c, sizeof b_); m.bus.select(m.bus.ctx, 0); } while (0)
    SEND(SX126X_OP_SET_MODULATION_PARAMS, 9, 4, 1, 0);
    cr_assert_str_eq(m.violation, "SetModulationParams before SetPacketType(LoRa)");
    m.violations = 0;
    SEND(SX126X_OP_SET_PACKET_TYPE, 1);
    SEND(SX126X_OP_SET_RF_FREQUENCY, 0x36, 0x41, 0x99, 0x9A);
    SEND(SX126X_OP_SET_MODULATION_PARAMS, 9, 4, 1, 0);
    SEND(SX126X_OP_SET_PACKET_PARAMS, 0, 8, 0, 255, 1, 0);
    cr_assert_eq(m.violations, 0, "%s", m.violation);
    SEND(SX126X_OP_SET_RX, 0xFF, 0xFF, 0xFF);
    cr_assert_eq(m.violations, 1);
    cr_assert_str_eq(m.violation, "on air at 868100000 Hz without CalibrateImage for 863-870 MHz");
    SEND(SX126X_OP_CALIBRATE_IMAGE, 0xD7, 0xDB);
    SEND(SX126X_OP_SET_RX, 0xFF, 0xFF, 0xFF);
    cr_assert_eq(m.violations, 1);
    cr_assert_eq(m.mode, SX126X_MODE_RX);
    SEND(SX126X_OP_SET_RF_FREQUENCY, 0x36, 0x58, 0x66, 0x66);
    cr_assert_eq(m.violations, 2, "no reconfiguration while receiving");
#undef SEND
}

/* --- the handheld's board_radio on the driver ---------------------------- */

static uint64_t radio_clock(void *ctx)
{
    (void)ctx;
    return m.now_us / 1000u;
}

Test(sx126x_radio, a_listen_during_the_uplink_starts_rx_with_ack_settings_at_tx_done, .init = setup)
{
    static struct sx126x_radio hr;
    struct board_radio_params up = {868100000u, 9, 125, 14}, down = {869525000u, 9, 125, 0};
    uint8_t f[28] = {0}, buf[64];
    uint64_t close;
    hr.chip = r;
    sx126x_radio_bind(&hr, radio_clock, NULL);
    cr_assert_eq(sx126x_radio_send(&hr, f, sizeof f, &up), BOARD_OK);
    close = radio_clock(NULL) + 3500;
    sx126x_radio_listen(&hr, &down, close);
    cr_assert_eq(m.mode, SX126X_MODE_TX, "still sending: RX waits");
    cr_assert_eq(sx126x_radio_send(&hr, f, sizeof f, &up), BOARD_ERR_BUSY);
    while (m.mode == SX126X_MODE_TX)
        sx126x_model_advance(&m, m.now_us + 1000);
    cr_assert_eq(sx126x_radio_receive(&hr, buf, sizeof buf, NULL), 0);
    cr_assert_eq(m.mode, SX126X_MODE_RX, "TxDone started the ack window (mode %d)", m.mode);
    cr_assert_eq(txl.n, 1);
    cr_assert_eq(m.iq_inverted, 1);
    cr_assert_eq(m.crc_on, 1, "the ack's CRC is on (docs/protocol.md §3.1)");
    cr_assert_eq(m.freq_word, sx126x_freq_word(869525000u));
    /* the chip's own timeout ends the window at close (within a ms) */
    cr_assert_leq(m.rx_timeout_at_us / 1000u, close + 1);
    cr_assert_geq(m.rx_timeout_at_us / 1000u, close - 1);
    sx126x_radio_listen(&hr, &down, radio_clock(NULL));  /* the firmware closes it */
    cr_assert_eq(m.mode, SX126X_MODEL_SLEEP, "closed: warm sleep until the next uplink");
    cr_assert_eq(m.violations, 0, "%s", m.violation);
}
