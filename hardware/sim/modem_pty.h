/* modem_pty.h -- a simulated station receiver modem on a real pseudo terminal.
 *
 * The gateway opens it exactly as it would open the USB-serial adapter of a
 * real modem: by a path (a stable symlink, e.g. /tmp/lofte-modem0, pointing
 * at the current /dev/pts/N), 115200 8N1 raw. On the line it speaks
 * docs/protocol.md §7, built from proto/ alone:
 *
 *   modem -> gateway   RX, TX_DONE, STATUS   modem_encode + serial_frame_encode
 *   gateway -> modem   TX                    serial_reader_push + modem_decode
 *
 * Radio side: as a channel receiver (modem_pty_attach_channel) it turns
 * every frame the channel hands over into an RX message, and counts the
 * channel's CRC errors for STATUS. A TX from the gateway is checked the way
 * a real modem would (too late, busy, duty cycle), put on the channel as a
 * downlink at its tx_at_ms, and answered with TX_DONE when its time on air
 * is over.
 *
 * Design decisions:
 *   - The modem keeps a slave fd of its own open for the pty's whole life.
 *     So the gateway may close and reopen the port as often as it likes: the
 *     master never sees the EIO/POLLHUP of "no slave open", and the termios
 *     settings (raw, set here at creation) persist. Bytes written while the
 *     gateway has the port closed wait in the pty, like in an adapter's
 *     FIFO; a gateway should tcflush() after opening (COBS resyncs anyway).
 *   - Writes are nonblocking. What the pty does not take waits in a bounded
 *     buffer; a message that does not fit there is dropped whole (never half
 *     a frame) and counted as an overflow drop, as a real UART would drop.
 *   - unplug() is a pulled USB adapter: master and our slave fd close, so the
 *     gateway's fd gets POLLHUP (read returns 0 or EIO, write EIO); the
 *     symlink goes; buffered output and scheduled TX are lost; the modem's
 *     own counters reset, since a bus-powered modem loses power. replug()
 *     creates a new pty and points the same symlink at it.
 *   - Times: the simulator's clock (sim ms) everywhere in this API;
 *     unix_offset_ms maps it to the Unix ms the wire carries.
 */
#ifndef LOFTE_MODEM_PTY_H
#define LOFTE_MODEM_PTY_H

#include <stddef.h>
#include <stdint.h>

#include "channel.h"
#include "modem.h"
#include "proto_err.h"
#include "serial_frame.h"

enum modem_pty_err {
    MODEM_PTY_OK = 0,
    MODEM_PTY_ERR_PTY = -1,       /* posix_openpt/grantpt/unlockpt/ptsname/termios failed */
    MODEM_PTY_ERR_LINK = -2,      /* the stable symlink could not be made */
    MODEM_PTY_ERR_IO = -3,        /* read, write or poll on the master failed */
    MODEM_PTY_ERR_UNPLUGGED = -4, /* no pty now: unplugged */
    MODEM_PTY_ERR_ENCODE = -5,    /* proto refused the message (a field out of range) */
    MODEM_PTY_ERR_OVERFLOW = -6,  /* output buffer full: message dropped, counted */
    MODEM_PTY_ERR_CONFIG = -7,    /* bad configuration or argument */
    MODEM_PTY_ERR_CHANNEL = -8,   /* the channel refused the downlink */
    MODEM_PTY_ERR_COUNT_ = 9
};

const char *modem_pty_strerror(int err);

#define MODEM_PTY_OUT_MAX 16384   /* upper bound of the output buffer */
#define MODEM_PTY_IN_CHUNK 1024   /* bytes read from the master at a time */
#define MODEM_PTY_TX_QUEUE 8      /* TX accepted and not yet done */
#define MODEM_PTY_PATH_MAX 256
#define MODEM_PTY_TX_AHEAD_MS 60000 /* a TX scheduled further ahead is refused (busy) */

struct modem_pty_config {
    const char *link_path;        /* stable name for the gateway, e.g. /tmp/lofte-modem0 */
    size_t out_limit;             /* bytes buffered while the gateway does not read */
    uint32_t status_period_ms;    /* STATUS from modem_pty_advance; 0 = only on demand */
    int64_t unix_offset_ms;       /* Unix ms = sim ms + this */
    uint16_t duty_permille;       /* TX duty-cycle budget, 100 = 10 %; 0 = unlimited */
};

/* Defaults: out_limit 4096 (a modem's UART buffer, a dozen RX messages),
 * STATUS every 5000 ms (§7.2), offset 0, 10 % duty cycle (869.4-869.65 MHz,
 * where lofte's acks go; the modem keeps one budget for all its TX). */
void modem_pty_config_default(struct modem_pty_config *cfg, const char *link_path);

/* The simulator's view; never reset (the modem's own STATUS counters are in
 * struct modem_pty.radio and reset on replug). */
struct modem_pty_stats {
    uint64_t rx_written;          /* RX messages taken for the gateway */
    uint64_t tx_done_written;
    uint64_t status_written;
    uint64_t overflow_drops;      /* messages dropped: output buffer full */
    uint64_t overflow_bytes;
    uint64_t unplugged_drops;     /* messages or receptions while unplugged */
    uint64_t unplug_lost_bytes;   /* buffered output lost at unplug */
    uint64_t bytes_out, bytes_in;
    uint64_t tx_received;         /* good TX messages from the gateway */
    uint64_t bad_frames[PROTO_ERR_COUNT];   /* serial frames rejected, by -proto_err */
    uint64_t bad_messages[PROTO_ERR_COUNT]; /* good frames, message refused, by -proto_err */
    uint64_t wrong_direction;     /* decoded, but a modem->gateway type */
    uint64_t tx_status[MODEM_TX_STATUS_COUNT]; /* TX outcomes, by enum modem_tx_status */
    uint64_t unplugs, replugs;
};

struct modem_pty_tx {
    int used;
    uint16_t seq;
    uint64_t start_ms, end_ms;    /* sim time */
    uint64_t ticket;              /* the channel's name for the downlink */
    int on_channel;
};

struct modem_pty {
    struct modem_pty_config cfg;
    char link_path[MODEM_PTY_PATH_MAX];
    char slave_path[MODEM_PTY_PATH_MAX];
    int master;                   /* -1 while unplugged */
    int slave_keep;               /* our own slave fd, see the design note */

    uint8_t out[MODEM_PTY_OUT_MAX];
    size_t out_len;

    struct serial_reader reader;
    uint8_t in[MODEM_PTY_IN_CHUNK];
    size_t in_pos, in_len;        /* read from the master, not yet fed to the reader */

    struct channel *ch;           /* NULL: TX are only answered, not put on air */
    int rx_id;

    struct modem_pty_tx tx[MODEM_PTY_TX_QUEUE];
    uint64_t band_free_ms;        /* duty cycle: earliest next TX start */

    uint64_t powered_ms;          /* sim time of the last (re)plug: uptime 0 */
    uint64_t last_status_ms;
    struct modem_status radio;    /* what STATUS reports (uptime filled on send) */
    struct modem_pty_stats stats;

    char err[2 * MODEM_PTY_PATH_MAX]; /* last failure as a sentence, with strerror(errno) */
};

/* Create the pty (raw, 115200 8N1 as the slave's settings), keep a slave fd,
 * point cfg->link_path at it (replacing an old symlink there; refusing to
 * replace anything that is not a symlink). now_ms starts the uptime.
 * On failure m->err says why and nothing is left open. */
int modem_pty_open(struct modem_pty *m, const struct modem_pty_config *cfg, uint64_t now_ms);

/* Close everything and remove the symlink (if it still points at our pty). */
void modem_pty_close(struct modem_pty *m);

/* The /dev/pts/N behind the symlink now ("" while unplugged). */
const char *modem_pty_slave_path(const struct modem_pty *m);

/* Pulled USB adapter / plugged back in: see the design note. */
int modem_pty_unplug(struct modem_pty *m);
int modem_pty_replug(struct modem_pty *m, uint64_t now_ms);

/* Write one message to the gateway. _send_rx counts the frame as received
 * (STATUS rx_frames). Returns MODEM_PTY_OK once the bytes are written or
 * buffered; _OVERFLOW, _UNPLUGGED (dropped and counted), _ENCODE, _IO. */
int modem_pty_send_rx(struct modem_pty *m, const struct modem_rx *rx);
int modem_pty_send_tx_done(struct modem_pty *m, uint16_t seq, uint8_t status);
int modem_pty_send_status(struct modem_pty *m, uint64_t now_ms);

/* Wait up to timeout_ms (0: do not wait, -1: forever) for bytes from the
 * gateway, read all that is there, and return up to cap decoded TX messages
 * in out[0..*n). Bad frames and messages are counted by reason in m->stats
 * and skipped. Bytes beyond cap messages stay buffered for the next call,
 * so nothing is lost. Also writes out buffered output the pty now takes. */
int modem_pty_poll(struct modem_pty *m, int timeout_ms, struct modem_tx *out, size_t cap,
                   size_t *n);

/* Register as receiver of ch (callbacks below) with this loss probability;
 * TX then go on ch as downlinks from that receiver. */
int modem_pty_attach_channel(struct modem_pty *m, struct channel *ch, double loss_p,
                             int *rx_id);

/* Channel callbacks (ctx = the modem): RX message / CRC error count. */
void modem_pty_on_rx(void *modem, const uint8_t *frame, size_t len,
                     const struct channel_rx_meta *meta);
void modem_pty_on_crc_error(void *modem, const struct channel_rx_meta *meta);

/* Act on a TX from the gateway at sim time now_ms, as a modem would:
 * tx_at_ms in the past -> TX_DONE too late; overlapping a TX it already
 * holds, MODEM_PTY_TX_QUEUE of them, or more than MODEM_PTY_TX_AHEAD_MS
 * ahead -> busy; inside the duty-cycle
 * off time -> duty cycle; these are answered at once. Otherwise the frame
 * goes on the channel (if attached) at tx_at_ms (now if 0) and TX_DONE
 * "sent" follows from modem_pty_advance once its time on air is over.
 * *status (may be NULL) gets the outcome. */
int modem_pty_transmit(struct modem_pty *m, const struct modem_tx *tx, uint64_t now_ms,
                       uint8_t *status);

/* Time passes: TX_DONE for TX whose air time ended by now_ms (in order of
 * completion), STATUS when status_period_ms has passed since the last one,
 * buffered output flushed. Returns the first failure, having done the rest. */
int modem_pty_advance(struct modem_pty *m, uint64_t now_ms);

#endif
