/* modem.h -- messages between the receiver modem and the gateway
 * (docs/protocol.md §7). Each message is the payload of one serial frame
 * (serial_frame.h).
 *
 *   0         1       2 ..
 *  +---------+------+----------------------------+
 *  | version | type | body (layout by type)      |
 *  +---------+------+----------------------------+
 *
 * RX (modem -> gateway), a radio frame heard, 21 + n bytes:
 *   rx_time_ms u64 | freq_hz u32 | rssi_dBm i16 | snr_qdB i8 | sf u8 |
 *   bw_kHz u16 | cr u8 | frame (n = 1..255)
 * TX (gateway -> modem), a radio frame to send, 21 + n bytes:
 *   seq u16 | tx_at_ms u64 | freq_hz u32 | sf u8 | bw_kHz u16 | power_dBm i8 |
 *   frame (n = 1..255)
 * TX_DONE (modem -> gateway), 5 bytes: seq u16 | status u8
 * STATUS (modem -> gateway), every few seconds, 18 bytes:
 *   uptime_s u32 | rx_frames u32 | rx_crc_errors u32 | tx_frames u32
 */
#ifndef LOFTE_MODEM_H
#define LOFTE_MODEM_H

#include <stddef.h>
#include <stdint.h>

#define MODEM_VERSION 1

enum modem_type {
    MODEM_RX = 1,
    MODEM_TX = 2,
    MODEM_TX_DONE = 3,
    MODEM_STATUS = 4
};

enum modem_tx_status {
    MODEM_TX_SENT = 0,
    MODEM_TX_TOO_LATE = 1,     /* tx_at_ms had passed */
    MODEM_TX_DUTY_CYCLE = 2,   /* the modem's own duty-cycle budget refused */
    MODEM_TX_BUSY = 3,         /* already transmitting */
    MODEM_TX_STATUS_COUNT
};

#define MODEM_FRAME_MAX 255                 /* largest LoRa payload */
#define MODEM_RX_FIXED_LEN 21
#define MODEM_TX_FIXED_LEN 21
#define MODEM_TX_DONE_LEN 5
#define MODEM_STATUS_LEN 18
#define MODEM_MSG_MAX (MODEM_RX_FIXED_LEN + MODEM_FRAME_MAX)

struct modem_rx {
    uint64_t rx_time_ms;    /* Unix time in ms when the frame ended, 0 = unknown */
    uint32_t freq_hz;
    int16_t rssi_dBm;
    int8_t snr_qdB;         /* SNR in quarter dB, as SX126x reports it */
    uint8_t sf;             /* spreading factor 7..12 */
    uint16_t bw_kHz;        /* 125, 250 or 500 */
    uint8_t cr;             /* coding rate 4/cr, cr = 5..8 */
    uint8_t len;
    uint8_t frame[MODEM_FRAME_MAX];
};

struct modem_tx {
    uint16_t seq;           /* echoed in TX_DONE */
    uint64_t tx_at_ms;      /* Unix time in ms to start sending, 0 = now */
    uint32_t freq_hz;
    uint8_t sf;
    uint16_t bw_kHz;
    int8_t power_dBm;
    uint8_t len;
    uint8_t frame[MODEM_FRAME_MAX];
};

struct modem_tx_done {
    uint16_t seq;
    uint8_t status;         /* enum modem_tx_status */
};

struct modem_status {
    uint32_t uptime_s;
    uint32_t rx_frames;
    uint32_t rx_crc_errors;
    uint32_t tx_frames;
};

struct modem_msg {
    uint8_t type;           /* enum modem_type */
    union {
        struct modem_rx rx;
        struct modem_tx tx;
        struct modem_tx_done tx_done;
        struct modem_status status;
    } u;
};

/* Payload of one serial frame, without CRC or COBS. */
int modem_encode(const struct modem_msg *m, uint8_t *out, size_t cap, size_t *len);
int modem_decode(const uint8_t *in, size_t len, struct modem_msg *m);

#endif
