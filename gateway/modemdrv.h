/* modemdrv.h -- the seam between the daemon and its receiver modem: one
 * interface (a struct of function pointers), three drivers.
 *
 *   lofte    lofte's own serial protocol (docs/protocol.md §7): modemlink.c,
 *            unchanged behind this seam
 *   rui3     RAK3172 and other RUI3 boards, AT commands, LoRa P2P (atmodem.c + rui3.c)
 *   wio-e5   Seeed Wio-E5 / LoRa-E5, AT commands, TEST mode (atmodem.c + wioe5.c)
 *
 * Every driver gives the daemon the same things: a fd to poll, bytes in ->
 * proto's modem messages (RX with rssi/snr and the reception's end time,
 * TX_DONE, STATUS) through the callback, an ack to send at a time, up/down,
 * and modemlink's counters. The function names and signatures are
 * modemlink's, so the daemon's loop reads as it did.
 *
 * Receive settings of an AT modem. It hears one channel and one SF, so
 * the operator chooses them to match the handhelds ([radio] uplink_freq_hz
 * and uplink_sf in the config; the defaults are the handheld's own,
 * 868.1 MHz SF9, sensors/handheld.c handheld_config_default). Bandwidth
 * 125 kHz, CR 4/5 and preamble 8 are fixed by docs/protocol.md §3.1.
 * docs/modems.md says what a mismatch looks like and what more than one
 * modem on a gateway would change. The lofte modem has no message for
 * these (§7.2): it listens where its own firmware was built to.
 */
#ifndef LOFTE_GW_MODEMDRV_H
#define LOFTE_GW_MODEMDRV_H

#include <stddef.h>
#include <stdint.h>

#include "atmodem.h"
#include "config.h"
#include "modemlink.h"

#define MODEMDRV_UPLINK_FREQ_HZ 868100000u
#define MODEMDRV_UPLINK_SF 9
#define MODEMDRV_UPLINK_BW_KHZ 125
#define MODEMDRV_UPLINK_CR 5
#define MODEMDRV_PREAMBLE 8
#define MODEMDRV_POWER_DBM 14

struct modemdrv;

/* What the modem is to listen on (the config's [radio] uplink_*). */
struct modemdrv_uplink {
    uint32_t freq_hz;
    uint8_t sf;
};

/* What the status page and the feed show about the modem. */
struct modemdrv_info {
    const char *type;             /* "lofte", "rui3", "wio-e5" */
    const char *firmware;         /* version the module gave, "" if none (lofte: "") */
    const char *state;            /* "closed", "setup", "receiving", "sending ack", "refused" */
    uint64_t rx, tx;              /* receptions handed on, acks on air */
    const uint64_t *line_rejects; /* AT modems: rejected lines by atline_reject; else NULL */
    const struct atmodem_stats *at; /* AT modems: the sequencer's counters; else NULL */
    /* AT modems: the uplink set up in the module, and when it last handed
     * on a reception (-1 never); the lofte modem: uplink_set 0 */
    int uplink_set;
    uint32_t uplink_freq_hz;
    uint8_t uplink_sf;
    uint16_t uplink_bw_kHz;
    int64_t last_rx_ms;
};

struct modemdrv_ops {
    const char *name;
    uint32_t default_baud;
    void (*close)(struct modemdrv *d);
    int (*fd)(const struct modemdrv *d);
    short (*poll_events)(const struct modemdrv *d);
    int (*on_events)(struct modemdrv *d, short revents, int64_t now_ms, modemlink_msg_fn fn,
                     void *ctx);
    int (*send_tx)(struct modemdrv *d, const struct modem_tx *tx, int64_t now_ms,
                   uint16_t *seq);
    void (*tick)(struct modemdrv *d, int64_t now_ms);
    int (*timeout_ms)(const struct modemdrv *d, int64_t now_ms);
    int (*is_open)(const struct modemdrv *d);
    int (*is_up)(const struct modemdrv *d, int64_t now_ms);
    const struct modemlink_stats *(*stats)(const struct modemdrv *d);
    int (*last_status)(const struct modemdrv *d, int64_t now_ms, struct modem_status *st,
                       int64_t *age_ms);
    void (*info)(const struct modemdrv *d, struct modemdrv_info *out);
};

struct modemdrv {
    enum config_modem type;
    const struct modemdrv_ops *ops;
    union {
        struct modemlink lofte;
        struct atmodem at;
    } u;
};

/* The driver's default baud rate (lofte 115200, rui3 115200, wio-e5 9600). */
uint32_t modemdrv_default_baud(enum config_modem type);
const char *modemdrv_type_name(enum config_modem type);

/* Open the driver cfg->modem names on cfg->port. An unset baud (its origin
 * "default") is the driver's own. An AT modem listens on cfg->uplink_freq_hz
 * and cfg->uplink_sf; the lofte modem ignores them (a warning says so when
 * they were set). A port not there yet is retried, as modemlink does; -1
 * with err for settings that can never work. */
int modemdrv_open(struct modemdrv *d, const struct config *cfg, int64_t now_ms, char *err,
                  size_t errlen);

/* Open with explicit settings (tests, and modemdrv_open's work); up NULL
 * is the handheld's default uplink. */
int modemdrv_open_with(struct modemdrv *d, enum config_modem type, const struct port_config *pc,
                       const struct modemdrv_uplink *up, int64_t now_ms, char *err,
                       size_t errlen);

/* modemlink's API, for whichever driver is open. */
void modemdrv_close(struct modemdrv *d);
int modemdrv_fd(const struct modemdrv *d);
short modemdrv_poll_events(const struct modemdrv *d);
int modemdrv_on_events(struct modemdrv *d, short revents, int64_t now_ms, modemlink_msg_fn fn,
                       void *ctx);
int modemdrv_send_tx(struct modemdrv *d, const struct modem_tx *tx, int64_t now_ms,
                     uint16_t *seq);
void modemdrv_tick(struct modemdrv *d, int64_t now_ms);
int modemdrv_timeout_ms(const struct modemdrv *d, int64_t now_ms);
int modemdrv_is_open(const struct modemdrv *d);
int modemdrv_is_up(const struct modemdrv *d, int64_t now_ms);
const struct modemlink_stats *modemdrv_stats(const struct modemdrv *d);
int modemdrv_last_status(const struct modemdrv *d, int64_t now_ms, struct modem_status *st,
                         int64_t *age_ms);
void modemdrv_info(const struct modemdrv *d, struct modemdrv_info *out);

#endif
