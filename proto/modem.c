/* modem.c -- encode and decode modem <-> gateway messages. */
#include <string.h>

#include "bytes.h"
#include "modem.h"
#include "proto_err.h"

static int radio_params_ok(uint8_t sf, uint16_t bw_kHz)
{
    return sf >= 7 && sf <= 12 && (bw_kHz == 125 || bw_kHz == 250 || bw_kHz == 500);
}

/* Checks shared by both directions so encoder and decoder agree. */
static int modem_check(const struct modem_msg *m)
{
    switch (m->type) {
    case MODEM_RX:
        if (!radio_params_ok(m->u.rx.sf, m->u.rx.bw_kHz) || m->u.rx.cr < 5 ||
            m->u.rx.cr > 8 || m->u.rx.len == 0)
            return PROTO_ERR_OUT_OF_RANGE;
        return PROTO_OK;
    case MODEM_TX:
        if (!radio_params_ok(m->u.tx.sf, m->u.tx.bw_kHz) || m->u.tx.len == 0)
            return PROTO_ERR_OUT_OF_RANGE;
        return PROTO_OK;
    case MODEM_TX_DONE:
        return m->u.tx_done.status < MODEM_TX_STATUS_COUNT ? PROTO_OK : PROTO_ERR_OUT_OF_RANGE;
    case MODEM_STATUS:
        return PROTO_OK;
    default:
        return PROTO_ERR_BAD_TYPE;
    }
}

static size_t modem_len(const struct modem_msg *m)
{
    switch (m->type) {
    case MODEM_RX: return MODEM_RX_FIXED_LEN + m->u.rx.len;
    case MODEM_TX: return MODEM_TX_FIXED_LEN + m->u.tx.len;
    case MODEM_TX_DONE: return MODEM_TX_DONE_LEN;
    default: return MODEM_STATUS_LEN;
    }
}

int modem_encode(const struct modem_msg *m, uint8_t *out, size_t cap, size_t *len)
{
    size_t n;
    int err = modem_check(m);
    if (err)
        return err;
    n = modem_len(m);
    if (cap < n)
        return PROTO_ERR_BUFFER;
    out[0] = MODEM_VERSION;
    out[1] = m->type;
    switch (m->type) {
    case MODEM_RX: {
        const struct modem_rx *rx = &m->u.rx;
        put_u64(out + 2, rx->rx_time_ms);
        put_u32(out + 10, rx->freq_hz);
        put_u16(out + 14, (uint16_t)rx->rssi_dBm);
        out[16] = (uint8_t)rx->snr_qdB;
        out[17] = rx->sf;
        put_u16(out + 18, rx->bw_kHz);
        out[20] = rx->cr;
        memcpy(out + MODEM_RX_FIXED_LEN, rx->frame, rx->len);
        break;
    }
    case MODEM_TX: {
        const struct modem_tx *tx = &m->u.tx;
        put_u16(out + 2, tx->seq);
        put_u64(out + 4, tx->tx_at_ms);
        put_u32(out + 12, tx->freq_hz);
        out[16] = tx->sf;
        put_u16(out + 17, tx->bw_kHz);
        out[19] = (uint8_t)tx->power_dBm;
        out[20] = 0; /* reserved */
        memcpy(out + MODEM_TX_FIXED_LEN, tx->frame, tx->len);
        break;
    }
    case MODEM_TX_DONE:
        put_u16(out + 2, m->u.tx_done.seq);
        out[4] = m->u.tx_done.status;
        break;
    default:
        put_u32(out + 2, m->u.status.uptime_s);
        put_u32(out + 6, m->u.status.rx_frames);
        put_u32(out + 10, m->u.status.rx_crc_errors);
        put_u32(out + 14, m->u.status.tx_frames);
        break;
    }
    *len = n;
    return PROTO_OK;
}

/* Frame bytes after a fixed part: 1..MODEM_FRAME_MAX of them. */
static int modem_frame_len(size_t len, size_t fixed, uint8_t *out_len)
{
    if (len <= fixed)
        return PROTO_ERR_TRUNCATED;
    if (len - fixed > MODEM_FRAME_MAX)
        return PROTO_ERR_TOO_LONG;
    *out_len = (uint8_t)(len - fixed);
    return PROTO_OK;
}

static int modem_fixed_len(size_t len, size_t want)
{
    if (len < want)
        return PROTO_ERR_TRUNCATED;
    return len > want ? PROTO_ERR_TOO_LONG : PROTO_OK;
}

int modem_decode(const uint8_t *in, size_t len, struct modem_msg *m)
{
    int err;
    memset(m, 0, sizeof *m);
    if (len < 1)
        return PROTO_ERR_TRUNCATED;
    if (in[0] != MODEM_VERSION)
        return PROTO_ERR_BAD_VERSION;
    if (len < 2)
        return PROTO_ERR_TRUNCATED;
    m->type = in[1];
    switch (m->type) {
    case MODEM_RX: {
        struct modem_rx *rx = &m->u.rx;
        if ((err = modem_frame_len(len, MODEM_RX_FIXED_LEN, &rx->len)) != 0)
            return err;
        rx->rx_time_ms = get_u64(in + 2);
        rx->freq_hz = get_u32(in + 10);
        rx->rssi_dBm = (int16_t)get_u16(in + 14);
        rx->snr_qdB = (int8_t)in[16];
        rx->sf = in[17];
        rx->bw_kHz = get_u16(in + 18);
        rx->cr = in[20];
        memcpy(rx->frame, in + MODEM_RX_FIXED_LEN, rx->len);
        break;
    }
    case MODEM_TX: {
        struct modem_tx *tx = &m->u.tx;
        if ((err = modem_frame_len(len, MODEM_TX_FIXED_LEN, &tx->len)) != 0)
            return err;
        if (in[20] != 0)
            return PROTO_ERR_RESERVED;
        tx->seq = get_u16(in + 2);
        tx->tx_at_ms = get_u64(in + 4);
        tx->freq_hz = get_u32(in + 12);
        tx->sf = in[16];
        tx->bw_kHz = get_u16(in + 17);
        tx->power_dBm = (int8_t)in[19];
        memcpy(tx->frame, in + MODEM_TX_FIXED_LEN, tx->len);
        break;
    }
    case MODEM_TX_DONE:
        if ((err = modem_fixed_len(len, MODEM_TX_DONE_LEN)) != 0)
            return err;
        m->u.tx_done.seq = get_u16(in + 2);
        m->u.tx_done.status = in[4];
        break;
    case MODEM_STATUS:
        if ((err = modem_fixed_len(len, MODEM_STATUS_LEN)) != 0)
            return err;
        m->u.status.uptime_s = get_u32(in + 2);
        m->u.status.rx_frames = get_u32(in + 6);
        m->u.status.rx_crc_errors = get_u32(in + 10);
        m->u.status.tx_frames = get_u32(in + 14);
        break;
    default:
        return PROTO_ERR_BAD_TYPE;
    }
    err = modem_check(m);
    if (err)
        memset(m, 0, sizeof *m);
    return err;
}
