/* sx126x_model.h -- a command-level model of the Semtech SX1262 for host tests.
 *
 * It stands in for the chip we do not have on this machine, behind the same
 * struct spi_bus the driver (hardware/sx126x/sx126x.c) uses on a board, and
 * is written from the SX1261/2 datasheet rev 2.1, not from the driver:
 *
 *   - BUSY (§8.3): high after reset (calibration), after every command for
 *     a while (longer for Calibrate, CalibrateImage, SetTx/SetRx, wake-up);
 *     NSS asserted while BUSY is high is a violation;
 *   - modes (§9): SLEEP (woken by an NSS falling edge), STDBY_RC, TX, RX;
 *     configuration commands outside STDBY, Calibrate outside STDBY_RC,
 *     SetSleep outside STDBY, and any command but reads, IRQ handling and
 *     SetStandby while in TX or RX are violations (stricter than the chip,
 *     which may accept some; the driver must not rely on that);
 *   - order (§13.4.2, §14.2, §14.3): SetModulationParams / SetPacketParams
 *     before SetPacketType(LoRa); SetTx/SetRx before frequency, modulation,
 *     packet parameters (and for TX the PA and TX parameters) were set;
 *     TX or RX at a frequency the image was not calibrated for (§9.2.1: the
 *     power-on calibration covers 902-928 MHz) — all violations;
 *   - the 256-byte buffer (§7.2): TX takes payload_len bytes from the TX
 *     base address, wrapping; in RX each packet is written where the last
 *     ended, starting from the RX base address at SetRx (inferred for
 *     continuous RX); GetRxBufferStatus reports its start and length;
 *   - IRQ (§13.3): flags raised only when enabled in IrqMask, DIO1 high
 *     while a flag enabled in DIO1Mask is set, ClearIrqStatus clears;
 *   - status byte (§13.5.1): chip mode in bits 6:4, command status 3:1
 *     (5, failure to execute, after a violation);
 *   - GetPacketStatus (§13.5.3): RssiPkt = -2 x RSSI, SnrPkt = SNR x 4;
 *   - TCXO (§13.3.6): with has_tcxo, a Calibrate before SetDIO3AsTcxoCtrl
 *     fails (no reference clock: calibration error bits in GetDeviceErrors,
 *     inferred), and a reset flags XOSC_START_ERR (bit 5).
 *
 * Time on air is proto/airtime.h's (explicit header, CRC on): the same
 * figure the simulated channel uses. Packets enter by sx126x_model_deliver
 * (the test's air) and leave through on_tx at SetTx.
 */
#ifndef LOFTE_SX126X_MODEL_H
#define LOFTE_SX126X_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "spi.h"

#define SX126X_MODEL_SLEEP 0   /* chip-mode value for sleep (the status byte cannot say it) */
#define SX126X_MODEL_LOG 1024

struct sx126x_model_air {
    uint32_t freq_hz;
    uint8_t sf;
    uint16_t bw_kHz;
    uint8_t cr;               /* 5..8 */
    uint16_t preamble;
    uint8_t crc_on;
    uint8_t iq_inverted;
    uint16_t sync_word;
    int8_t power_dBm;         /* SetTxParams value as given */
    uint8_t ldro;
};

typedef void (*sx126x_model_tx_fn)(void *ctx, const uint8_t *frame, size_t len,
                                   const struct sx126x_model_air *air, uint64_t start_us);

struct sx126x_model {
    struct spi_bus bus;       /* hand &m->bus to the driver */
    int has_tcxo;             /* the board's reference is a TCXO on DIO3 */

    uint64_t now_us;
    uint64_t busy_until_us;
    int reset_low, selected, waking;
    uint8_t cmd[300];
    size_t n;

    int mode;                 /* enum sx126x_chip_mode or SX126X_MODEL_SLEEP */
    int packet_type;          /* -1 until SetPacketType */
    int freq_set, mod_set, pkt_set, pa_set, txp_set;
    uint32_t freq_word;
    uint8_t sf, bw_code, cr_code, ldro;
    uint16_t preamble;
    uint8_t header_implicit, payload_len, crc_on, iq_inverted;
    int8_t tx_power;
    uint8_t pa[4];
    uint8_t reg_iq, reg_sync[2], reg_clamp;
    int image_cal_868;        /* CalibrateImage(0xD7, 0xDB) done */
    int calibrated;
    int tcxo_set;
    uint8_t tcxo_voltage;
    uint32_t tcxo_delay;
    int dio2_switch;
    int regulator;            /* 0 LDO, 1 DC-DC */
    uint16_t dev_errors;

    uint8_t buf[256];
    uint8_t tx_base, rx_base, rx_ptr, rx_start, rx_len;
    uint16_t irq, irq_mask, dio1_mask;
    uint64_t tx_end_us, rx_timeout_at_us;
    int rx_continuous;
    uint8_t rssi_pkt, snr_pkt, signal_rssi_pkt;
    int last_cmd_status;

    /* what the tests look at */
    unsigned violations;
    char violation[200];      /* the first one */
    uint8_t log[SX126X_MODEL_LOG];
    size_t nlog;
    unsigned tx_count, rx_count, rx_mismatched;
    struct sx126x_model_air last_tx;

    sx126x_model_tx_fn on_tx;
    void *on_tx_ctx;
};

/* A chip in reset (NRESET low until the driver raises it). */
void sx126x_model_init(struct sx126x_model *m, int has_tcxo);

/* Let time pass to now_us: TxDone at the end of a transmission, Timeout at
 * the end of an RX window. Time never goes back. */
void sx126x_model_advance(struct sx126x_model *m, uint64_t now_us);

/* A packet that ended on air now. Returns 1 if the receiver took it (RX,
 * same frequency word, SF, bandwidth, IQ and sync word), 0 otherwise.
 * crc_ok 0 with a CRC-on packet raises CrcErr with RxDone. */
int sx126x_model_deliver(struct sx126x_model *m, const uint8_t *frame, size_t len,
                         const struct sx126x_model_air *air, int16_t rssi_dBm, int8_t snr_qdB,
                         int crc_ok);

/* Was opcode op logged before opcode later (both present)? */
int sx126x_model_before(const struct sx126x_model *m, uint8_t op, uint8_t later);
/* How many times opcode op was sent. */
unsigned sx126x_model_count(const struct sx126x_model *m, uint8_t op);

#endif
