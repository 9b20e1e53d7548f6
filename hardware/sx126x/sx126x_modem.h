/* sx126x_modem.h -- the station's receiver modem ("lofte modem" firmware) on
 * an SX126x: continuous RX on the uplink channel, acks at the requested
 * time, docs/protocol.md §7 on a serial line.
 *
 * Portable logic: the board gives it the chip, a clock (ms since boot) and
 * a way to queue bytes for its UART; the main loop feeds it received UART
 * bytes and calls sx126x_modem_poll() when DIO1 rises, when bytes arrive
 * and at the time poll() asked for.
 *
 *   radio RxDone --> RX message --> UART --> gateway
 *   gateway --> UART --> TX message --> (at tx_at_ms) SetTx --> TxDone --> TX_DONE
 *   every 5 s: STATUS
 *
 * Time: §7 speaks Unix ms, and this modem has no Unix clock. It reports
 * rx_time_ms = 0 ("unknown"), so the gateway dates each uplink by when it
 * read the RX message; and it learns the offset from Unix time to its own
 * clock from the acks: the gateway asks for an ack at
 * tx_at = 1000 x ceil((rx_end + 1000) / 1000) (§3.1), so each TX that
 * answers the RX written at local time w bounds the offset to
 * (tx_at - 2000 - EPS - w, tx_at - 1000 - w], EPS the line and gateway
 * latency (100 ms, inferred). The modem intersects these intervals, widened
 * by 50 ppm of elapsed time for the two clocks' drift (the RTC runs from
 * the 32.768 kHz crystal, ±20 ppm), and starts acks at tx_at minus the top
 * of the interval (the offset if the line had no latency), so an ack is
 * early by the true latency plus what is not yet learned, never late: the
 * first at 1 s after the RX message went out (the earliest §3.1 allows),
 * later ones converging towards tx_at as uplinks at different sub-second
 * phases narrow the interval (figures: tests/hardware/test_sx126x_modem.c).
 * Inconsistent bounds (a TX for an older uplink) restart the interval.
 * A TIME message in §7 would make this exact; see hardware/README.md.
 *
 * Refusals, as §7.2 defines them: tx_at passed -> too late; another TX
 * waiting or on air, more than 60 s ahead, or parameters the radio cannot
 * do -> busy; inside the off time after the last TX (duty_permille, 10 %
 * for 869.4-869.65 MHz) -> duty cycle.
 */
#ifndef LOFTE_SX126X_MODEM_H
#define LOFTE_SX126X_MODEM_H

#include <stddef.h>
#include <stdint.h>

#include "modem.h"
#include "serial_frame.h"
#include "sx126x.h"

#define SX126X_MODEM_EPS_MS 100
#define SX126X_MODEM_DRIFT_PPM 50
#define SX126X_MODEM_TX_AHEAD_MS 60000u

struct sx126x_modem_io {
    void *ctx;
    /* Queue bytes for the UART. 0, or negative when they did not fit (the
     * message is dropped and counted; the gateway resyncs at the next 0x00). */
    int (*write)(void *ctx, const uint8_t *buf, size_t len);
};

struct sx126x_modem_config {
    uint32_t uplink_freq_hz;      /* 868.1 MHz */
    uint8_t sf;                   /* 9 */
    uint16_t bw_kHz;              /* 125 */
    uint16_t duty_permille;       /* 100 = 10 %; 0 = no limit */
    uint32_t status_every_ms;     /* 5000 (§7.2) */
    int8_t max_power_dBm;         /* refuse above (busy): 14 for EU868 g3 ERP with a 0 dBi antenna */
};

void sx126x_modem_config_default(struct sx126x_modem_config *c);

struct sx126x_modem_stats {
    uint32_t rx_frames, rx_crc_errors, tx_frames;
    uint32_t tx_too_late, tx_busy, tx_duty_cycle;
    uint32_t serial_bad;          /* frames the serial reader rejected */
    uint32_t msg_rejected;        /* good frames that did not decode as a TX */
    uint32_t write_failed;        /* messages the UART queue could not take */
    uint32_t radio_errors;        /* sx126x calls that failed */
};

struct sx126x_modem {
    struct sx126x *chip;
    struct sx126x_modem_config cfg;
    struct sx126x_modem_io io;
    struct serial_reader rd;

    int tx_pending, tx_on_air;
    struct modem_tx tx;
    uint64_t tx_local_ms;         /* when the pending TX starts, board clock */
    uint64_t band_free_ms;        /* duty cycle: earliest next start */
    uint64_t next_status_ms;

    /* Unix ms = board ms + offset, offset in [off_lo, off_hi] */
    int off_known;
    int64_t off_lo, off_hi;
    uint64_t off_at_ms;
    int rx_unanswered;            /* an RX message went out and no TX answered it yet */
    uint64_t last_rx_ms;          /* when it was written */

    struct sx126x_modem_stats stats;
};

/* Start continuous RX on the uplink channel. The chip must be initialised. */
int sx126x_modem_start(struct sx126x_modem *m, struct sx126x *chip,
                       const struct sx126x_modem_config *cfg, const struct sx126x_modem_io *io,
                       uint64_t now_ms);

/* Bytes that arrived on the UART. */
void sx126x_modem_feed(struct sx126x_modem *m, const uint8_t *bytes, size_t n, uint64_t now_ms);

/* Service the radio (RxDone, TxDone), start a due TX, send a due STATUS.
 * Returns the board time it wants to be called again at the latest. */
uint64_t sx126x_modem_poll(struct sx126x_modem *m, uint64_t now_ms);

/* The offset acks are timed by (Unix ms - board ms); 0 if none yet. */
int sx126x_modem_offset(const struct sx126x_modem *m, int64_t *offset_ms);

#endif
