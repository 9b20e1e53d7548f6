/* sx126x.h -- Semtech SX1261/SX1262 LoRa transceiver over SPI (hardware/spi.h).
 *
 * Chip: SX1262 (the RAK4631's and the T-Echo's radio); the SX1261 differs
 * only in its PA (SetPaConfig deviceSel, max +15 dBm), which this driver
 * selects from cfg.sx1261.
 *
 * Written from Semtech's "SX1261/2 Data Sheet" rev 2.1 (DS.SX1261-2.W.APP,
 * December 2021); sections cited where each thing is done:
 *   §8.3   BUSY: high while the chip processes a command; wait for it low
 *          before asserting NSS for the next one
 *   §8.1   reset: NRESET low for at least 100 µs
 *   §9     operating modes: STDBY_RC, STDBY_XOSC, FS, TX, RX, SLEEP
 *   §9.2.1 image calibration bands (863-870 MHz: 0xD7, 0xDB, Table 9-2)
 *   §11    commands interface: opcode, parameters; status byte on every
 *          byte clocked back
 *   §13    the commands (opcodes Table 11-1..11-9; LoRa parameters §13.4)
 *   §13.3.5 SetDIO2AsRfSwitchCtrl, §13.3.6 SetDIO3AsTcxoCtrl
 *   §13.1.14 SetPaConfig (Table 13-21: optimal settings per output power)
 *   §13.5.3 GetPacketStatus (RssiPkt = -x/2 dBm, SnrPkt = x/4 dB signed)
 *   §15.2  TX clamping (register 0x08D8), §15.4 inverted IQ (register 0x0736)
 *
 * What this driver assumes and has NOT been verified on hardware (no
 * SX1262 on this bench yet; see hardware/README.md's bench checklist):
 *   - the TCXO start-up delay (cfg.tcxo_delay_us) is long enough for the
 *     module's TCXO; 5 ms is a common published value for the RAK4631;
 *   - a full Calibrate (0x7F) after SetDIO3AsTcxoCtrl clears the XOSC start
 *     error the chip flags at power-on when its TCXO was not yet powered
 *     (our reading of §13.3.6's note);
 *   - output powers below a Table 13-21 row follow the SetTxParams value
 *     dB for dB (the table gives only the four rows at +22 in SetTxParams);
 *   - in continuous RX, each packet's start is read from GetRxBufferStatus,
 *     never assumed to be the RX base address;
 *   - BUSY timeouts: 10 ms per ordinary command, 50 ms after reset or a
 *     calibration (the datasheet's typical figures are below 4 ms).
 *
 * Not done: GFSK, CAD, RX duty cycle, cold sleep; the handheld uses warm
 * sleep so the configuration survives.
 *
 * Usage: sx126x_init() once; then sx126x_transmit() or sx126x_receive();
 * when DIO1 rises (the board routes it to an interrupt that wakes the CPU),
 * sx126x_service() reads and clears the IRQ flags and says what happened.
 * No heap; struct sx126x is small and caller-owned.
 */
#ifndef LOFTE_SX126X_H
#define LOFTE_SX126X_H

#include <stddef.h>
#include <stdint.h>

#include "spi.h"

enum sx126x_err {
    SX126X_OK = 0,
    SX126X_ERR_BUSY_TIMEOUT = -1,  /* BUSY stayed high: chip hung or not powered */
    SX126X_ERR_BUS = -2,           /* the SPI bus refused a transfer */
    SX126X_ERR_PARAMS = -3,        /* sf, bandwidth, cr, length or power out of range */
    SX126X_ERR_STATE = -4,         /* e.g. transmit while a transmission is on air */
    SX126X_ERR_CHIP = -5,          /* the status byte reports a command error */
    SX126X_ERR_DEVICE = -6         /* GetDeviceErrors after init: a calibration or the
                                      TCXO failed */
};

const char *sx126x_strerror(int err);

/* Opcodes (§11, Tables 11-1..11-9). */
enum sx126x_opcode {
    SX126X_OP_SET_SLEEP = 0x84,
    SX126X_OP_SET_STANDBY = 0x80,
    SX126X_OP_SET_TX = 0x83,
    SX126X_OP_SET_RX = 0x82,
    SX126X_OP_SET_REGULATOR_MODE = 0x96,
    SX126X_OP_CALIBRATE = 0x89,
    SX126X_OP_CALIBRATE_IMAGE = 0x98,
    SX126X_OP_SET_PA_CONFIG = 0x95,
    SX126X_OP_WRITE_REGISTER = 0x0D,
    SX126X_OP_READ_REGISTER = 0x1D,
    SX126X_OP_WRITE_BUFFER = 0x0E,
    SX126X_OP_READ_BUFFER = 0x1E,
    SX126X_OP_SET_DIO_IRQ_PARAMS = 0x08,
    SX126X_OP_GET_IRQ_STATUS = 0x12,
    SX126X_OP_CLEAR_IRQ_STATUS = 0x02,
    SX126X_OP_SET_DIO2_AS_RF_SWITCH = 0x9D,
    SX126X_OP_SET_DIO3_AS_TCXO = 0x97,
    SX126X_OP_SET_RF_FREQUENCY = 0x86,
    SX126X_OP_SET_PACKET_TYPE = 0x8A,
    SX126X_OP_SET_TX_PARAMS = 0x8E,
    SX126X_OP_SET_MODULATION_PARAMS = 0x8B,
    SX126X_OP_SET_PACKET_PARAMS = 0x8C,
    SX126X_OP_SET_BUFFER_BASE = 0x8F,
    SX126X_OP_GET_STATUS = 0xC0,
    SX126X_OP_GET_RX_BUFFER_STATUS = 0x13,
    SX126X_OP_GET_PACKET_STATUS = 0x14,
    SX126X_OP_GET_DEVICE_ERRORS = 0x17,
    SX126X_OP_CLEAR_DEVICE_ERRORS = 0x07
};

/* IRQ bits (§13.3.1, Table 13-29). */
#define SX126X_IRQ_TX_DONE 0x0001u
#define SX126X_IRQ_RX_DONE 0x0002u
#define SX126X_IRQ_PREAMBLE 0x0004u
#define SX126X_IRQ_SYNC_WORD 0x0008u
#define SX126X_IRQ_HEADER_VALID 0x0010u
#define SX126X_IRQ_HEADER_ERR 0x0020u
#define SX126X_IRQ_CRC_ERR 0x0040u
#define SX126X_IRQ_TIMEOUT 0x0200u
/* What the driver routes to DIO1. */
#define SX126X_IRQ_USED (SX126X_IRQ_TX_DONE | SX126X_IRQ_RX_DONE | SX126X_IRQ_HEADER_ERR | \
                         SX126X_IRQ_CRC_ERR | SX126X_IRQ_TIMEOUT)

/* Registers (§12.1, Table 12-1) and the datasheet's fixes (§15). */
#define SX126X_REG_IQ_POLARITY 0x0736u  /* bit 2: 1 standard IQ, 0 inverted (§15.4) */
#define SX126X_REG_SYNC_WORD 0x0740u    /* two bytes, MSB first */
#define SX126X_REG_TX_CLAMP 0x08D8u     /* OR 0x1E on the SX1262 (§15.2) */

/* LoRa sync word 0x12 (private network, docs/protocol.md §3.1) as the two
 * register bytes (§6.1.1.1: 0x3444 public, 0x1424 private). */
#define SX126X_SYNC_PRIVATE 0x1424u

/* SetRx/SetTx timeouts count 15.625 µs steps (§13.1.4): 64 per ms. */
#define SX126X_TIMEOUT_STEPS_PER_MS 64u
#define SX126X_RX_CONTINUOUS 0xFFFFFFu

/* Chip modes as the status byte reports them (§13.5.1, bits 6:4). */
enum sx126x_chip_mode {
    SX126X_MODE_STBY_RC = 2,
    SX126X_MODE_STBY_XOSC = 3,
    SX126X_MODE_FS = 4,
    SX126X_MODE_RX = 5,
    SX126X_MODE_TX = 6
};

struct sx126x_config {
    int sx1261;               /* 1: SX1261 PA (low power); 0: SX1262 */
    int tcxo;                 /* 1: TCXO powered from DIO3 */
    uint8_t tcxo_voltage;     /* §13.3.6 code: 0x02 = 1.8 V */
    uint32_t tcxo_delay_us;   /* TCXO start-up, rounded up to 15.625 µs steps */
    int dio2_rf_switch;       /* 1: DIO2 drives the antenna switch (§13.3.5) */
    int dcdc;                 /* 1: DC-DC regulator (needs the module's inductor) */
};

/* One LoRa setting: both directions use this. */
struct sx126x_lora {
    uint32_t freq_hz;
    uint8_t sf;               /* 7..12 */
    uint16_t bw_kHz;          /* 125, 250, 500 */
    uint8_t cr;               /* 5..8: 4/5..4/8 */
    uint16_t preamble;        /* symbols, 8 in lofte */
    uint8_t crc_on;
    uint8_t iq_inverted;
    uint16_t sync_word;       /* the two register bytes, e.g. SX126X_SYNC_PRIVATE */
    int8_t power_dBm;         /* TX only: -9..+22 (SX1262), -17..+15 (SX1261) */
};

/* docs/protocol.md §3.1: the uplink (CRC on, normal IQ) and the ack (CRC
 * off, inverted IQ) at the given frequency, SF, bandwidth and power. */
void sx126x_lora_uplink(struct sx126x_lora *p, uint32_t freq_hz, uint8_t sf, uint16_t bw_kHz,
                        int8_t power_dBm);
void sx126x_lora_downlink(struct sx126x_lora *p, uint32_t freq_hz, uint8_t sf, uint16_t bw_kHz,
                          int8_t power_dBm);

enum sx126x_state {
    SX126X_IDLE = 0,          /* STDBY_RC */
    SX126X_TX,
    SX126X_RX,
    SX126X_SLEEP
};

struct sx126x_stats {
    uint32_t tx_done;
    uint32_t rx_done;
    uint32_t crc_errors;      /* RxDone with CrcErr, or HeaderErr */
    uint32_t rx_timeouts;
    uint32_t busy_timeouts;
};

struct sx126x {
    const struct spi_bus *bus;
    struct sx126x_config cfg;
    enum sx126x_state state;
    int rx_continuous;
    struct sx126x_lora rx_params;   /* what the receiver listens for */
    uint8_t status;                 /* the last status byte clocked back */
    struct sx126x_stats stats;
};

/* Reset and configure the chip: STDBY_RC, TCXO on DIO3, full calibration,
 * regulator, RF switch on DIO2, LoRa, image calibration for 863-870 MHz,
 * buffer base addresses, sync word, TX clamping, IRQ routing to DIO1. */
int sx126x_init(struct sx126x *r, const struct spi_bus *bus, const struct sx126x_config *cfg);

/* Start a transmission of len (1..255) bytes; TxDone arrives on DIO1.
 * SX126X_ERR_STATE while one is on air. Stops a reception in progress. */
int sx126x_transmit(struct sx126x *r, const struct sx126x_lora *p, const uint8_t *frame,
                    size_t len);

/* Start receiving: timeout_ms 0 = continuous (stays in RX after each
 * packet), else single with that timeout (at most 262,143 ms). */
int sx126x_receive(struct sx126x *r, const struct sx126x_lora *p, uint32_t timeout_ms);

/* Back to STDBY_RC (ends RX; a TX in progress is cut). */
int sx126x_standby(struct sx126x *r);

/* Warm sleep (configuration retained); the next command wakes the chip. */
int sx126x_sleep(struct sx126x *r);

enum sx126x_event {
    SX126X_EV_NONE = 0,
    SX126X_EV_TX_DONE,
    SX126X_EV_RX_DONE,        /* a packet with good CRC (or none asked) */
    SX126X_EV_RX_ERROR,       /* CRC or header error: dropped, counted */
    SX126X_EV_RX_TIMEOUT
};

struct sx126x_packet {
    uint8_t len;
    uint8_t frame[255];
    int16_t rssi_dBm;         /* average over the packet */
    int8_t snr_qdB;           /* quarter dB, as the chip reports it */
    int16_t signal_rssi_dBm;  /* after despreading */
};

/* Read and clear the IRQ flags and act on them. On SX126X_EV_RX_DONE the
 * packet and its GetPacketStatus are in *pkt. Call when DIO1 is high (or
 * poll: with DIO1 low it reads nothing and returns SX126X_EV_NONE). At most
 * one event per call; call again while DIO1 stays high. */
int sx126x_service(struct sx126x *r, struct sx126x_packet *pkt, enum sx126x_event *ev);

/* Register access, public for the bench checklist and tests. */
int sx126x_read_register(struct sx126x *r, uint16_t addr, uint8_t *val, size_t n);
int sx126x_write_register(struct sx126x *r, uint16_t addr, const uint8_t *val, size_t n);

/* The RF frequency word of §13.4.1: freq_hz * 2^25 / 32 MHz, rounded. */
uint32_t sx126x_freq_word(uint32_t freq_hz);

#endif
