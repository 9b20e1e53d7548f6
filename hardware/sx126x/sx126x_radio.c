/* sx126x_radio.c -- the handheld's board_radio on an SX126x (see the header). */
#include "sx126x_radio.h"

#include <string.h>

int sx126x_radio_send(struct sx126x_radio *r, const uint8_t *frame, size_t len,
                      const struct board_radio_params *p)
{
    struct sx126x_lora l;
    int err;
    sx126x_lora_uplink(&l, p->freq_hz, p->sf, p->bw_kHz, p->power_dBm);
    err = sx126x_transmit(&r->chip, &l, frame, len);
    r->last_err = err;
    if (err == SX126X_OK)
        r->listen_pending = 0;  /* a listen belongs to the uplink before it; a
                                   refused send leaves the one waiting alone */
    if (err == SX126X_ERR_STATE)
        return BOARD_ERR_BUSY;
    return err ? BOARD_ERR_RANGE : BOARD_OK;
}

static void start_rx(struct sx126x_radio *r, uint64_t now)
{
    struct sx126x_lora l;
    uint64_t window;
    r->listen_pending = 0;
    if (r->listen_close_ms <= now) {
        r->last_err = sx126x_sleep(&r->chip);
        return;
    }
    window = r->listen_close_ms - now;
    if (window > 262143u)
        window = 262143u;
    sx126x_lora_downlink(&l, r->listen_p.freq_hz, r->listen_p.sf, r->listen_p.bw_kHz, 0);
    r->last_err = sx126x_receive(&r->chip, &l, (uint32_t)window);
}

void sx126x_radio_listen(struct sx126x_radio *r, const struct board_radio_params *p,
                         uint64_t close_ms)
{
    uint64_t now = r->now_ms(r->clock_ctx);
    r->listen_p = *p;
    r->listen_close_ms = close_ms;
    if (r->chip.state == SX126X_TX) {
        r->listen_pending = close_ms > now;
        return;
    }
    start_rx(r, now);
}

size_t sx126x_radio_receive(struct sx126x_radio *r, uint8_t *buf, size_t cap,
                            struct board_rx_meta *meta)
{
    struct sx126x_packet pkt;
    enum sx126x_event ev;
    int guard;

    /* at most a few events are pending: TxDone, then RxDone or Timeout */
    for (guard = 0; guard < 4; guard++) {
        uint64_t at = r->irq_latched ? r->irq_ms : r->now_ms(r->clock_ctx);
        r->irq_latched = 0;
        if ((r->last_err = sx126x_service(&r->chip, &pkt, &ev)) != 0 || ev == SX126X_EV_NONE)
            return 0;
        if (ev == SX126X_EV_TX_DONE) {
            if (r->listen_pending)
                start_rx(r, r->now_ms(r->clock_ctx));
            else
                r->last_err = sx126x_sleep(&r->chip);
            continue;
        }
        if (ev == SX126X_EV_RX_DONE) {
            size_t n = pkt.len < cap ? pkt.len : cap;
            memcpy(buf, pkt.frame, n);
            if (meta) {
                meta->rssi_dBm = pkt.rssi_dBm;
                meta->snr_qdB = pkt.snr_qdB;
                meta->end_ms = at;
            }
            /* single RX: the chip is in standby again; sleep unless the
             * firmware opens another window */
            r->last_err = sx126x_sleep(&r->chip);
            return n;
        }
        if (ev == SX126X_EV_RX_TIMEOUT || ev == SX126X_EV_RX_ERROR)
            r->last_err = sx126x_sleep(&r->chip);
    }
    return 0;
}

void sx126x_radio_bind(struct sx126x_radio *r, uint64_t (*now_ms)(void *ctx), void *clock_ctx)
{
    r->now_ms = now_ms;
    r->clock_ctx = clock_ctx;
    r->listen_pending = 0;
    r->irq_latched = 0;
}

void sx126x_radio_irq_at(struct sx126x_radio *r, uint64_t now_ms)
{
    r->irq_ms = now_ms;
    r->irq_latched = 1;
}
