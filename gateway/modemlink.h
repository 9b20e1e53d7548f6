/* modemlink.h -- the gateway's conversation with its receiver modem
 * (docs/protocol.md §7) over the serial port (port.h).
 *
 * Design note. Bytes in: every byte read goes through proto's
 * serial_reader and every good frame through modem_decode; what passes is
 * handed to the caller's callback (RX, TX_DONE, STATUS), what fails is
 * counted by its proto reason, for the operator's status page. Nothing
 * from the line is trusted beyond what proto checked.
 *
 * Bytes out: modemlink_send_tx frames a TX (the ack to a handheld) into an
 * output buffer and writes what the port takes at once; the rest waits for
 * POLLOUT. The daemon's loop never blocks on the modem. A full buffer
 * refuses the whole TX (an ack can always be skipped: the handheld sends
 * again and the next ack is cumulative, §6.1); half a frame is never
 * queued.
 *
 * The link's life: the port reopens itself after a hangup (port.h);
 * modemlink resets its reader at each open, drops the output of a port
 * that is gone, and logs the port's transitions once each (lost, open
 * again, a reason it cannot reopen), which only it sees. "Up" means the
 * port is open and the modem said something good within link_timeout_ms:
 * it sends STATUS every 5 s even when idle (§7.2), so 15 s is three
 * missed STATUS, not one slow one. Up and down are the caller's to report
 * (modemlink_is_up); modemlink_timeout_ms wakes it when the link would go
 * down.
 *
 * The caller's poll loop, in full:
 *
 *   pfd.fd = modemlink_fd(ml);  pfd.events = modemlink_poll_events(ml);
 *   timeout = modemlink_timeout_ms(ml, now);           (-1: none pending)
 *   poll(...);  now = monotonic ms;
 *   if (pfd.revents) modemlink_on_events(ml, pfd.revents, now, on_msg, ctx);
 *   modemlink_tick(ml, now);
 *
 * A closed port has fd -1, which poll() ignores, and the timeout is then
 * the reopen backoff: no busy loop while the modem is unplugged.
 *
 * Sizes: the output buffer holds ~80 acks (23-byte frame, ~50 bytes on the
 * wire); the read chunk is one poll's worth at 115200 baud.
 */
#ifndef LOFTE_GW_MODEMLINK_H
#define LOFTE_GW_MODEMLINK_H

#include <stddef.h>
#include <stdint.h>

#include "modem.h"
#include "port.h"
#include "proto_err.h"
#include "serial_frame.h"

#define MODEMLINK_OUT_MAX 4096
#define MODEMLINK_READ_CHUNK 512
#define MODEMLINK_READ_BUDGET 64          /* chunks per call, so one port cannot starve the loop */
#define MODEMLINK_LINK_TIMEOUT_MS 15000   /* three STATUS periods (§7.2) */

enum modemlink_err {
    MODEMLINK_OK = 0,
    MODEMLINK_ERR_ARG = -1,     /* bad configuration (err says which setting) */
    MODEMLINK_ERR_DOWN = -2,    /* the port is closed now: TX not queued */
    MODEMLINK_ERR_FULL = -3,    /* output buffer full: TX not queued */
    MODEMLINK_ERR_ENCODE = -4,  /* proto refused the TX (sf, bandwidth, length out of range) */
    MODEMLINK_ERR_COUNT_ = 5
};

const char *modemlink_strerror(int err);

struct modemlink_config {
    struct port_config port;
    uint32_t link_timeout_ms;   /* 0 = MODEMLINK_LINK_TIMEOUT_MS */
};

/* Counters since modemlink_open; never reset (a reopen is counted, not
 * forgotten). Indexed by -proto_err, like modem_pty's, so
 * proto_errname(-i) names slot i. */
struct modemlink_stats {
    uint64_t bytes_in, bytes_out;
    uint64_t frames_ok;                       /* good serial frames (CRC ok) */
    uint64_t bad_frames[PROTO_ERR_COUNT];     /* serial frames rejected, by -proto_err */
    uint64_t bad_messages[PROTO_ERR_COUNT];   /* good frames, message refused, by -proto_err */
    uint64_t wrong_direction;                 /* a TX (gateway -> modem) arrived here:
                                                 §7.2 calls it bad_type; counted apart
                                                 because it means a looped-back line */
    uint64_t rx, tx_done, status;             /* good messages by type */
    uint64_t tx_queued;                       /* TX accepted by modemlink_send_tx */
    uint64_t tx_refused_full, tx_refused_down;
    uint64_t tx_lost;                         /* TX (whole or partly unwritten) lost with the port */
    uint64_t opens, hangups, open_failures;
};

/* Called for each good modem -> gateway message, in line order. msg is
 * valid during the call. The callback may call modemlink_send_tx. */
typedef void (*modemlink_msg_fn)(void *ctx, const struct modem_msg *msg, int64_t now_ms);

struct modemlink {
    struct modemlink_config cfg;
    struct port port;
    struct serial_reader reader;
    uint8_t out[MODEMLINK_OUT_MAX];
    size_t out_len;
    size_t out_frames;            /* TX frames (whole or partial) in out[] */
    uint16_t next_seq;
    int heard;                    /* a good message since the port opened */
    int64_t last_heard_ms;
    int have_status;
    struct modem_status last_status;
    int64_t last_status_ms;
    int was_up;                   /* up at the last tick: wake the caller when that ends */
    char last_open_err[256];      /* log a failing reopen once, not every backoff */
    struct modemlink_stats stats;
};

/* Check cfg and try to open the port. A port that is not there yet (modem
 * unplugged at start) is not an error: it is logged and retried by
 * modemlink_tick. Returns MODEMLINK_ERR_ARG (err says why) for settings
 * that can never work. */
int modemlink_open(struct modemlink *ml, const struct modemlink_config *cfg, int64_t now_ms,
                   char *err, size_t errlen);
void modemlink_close(struct modemlink *ml);

int modemlink_fd(const struct modemlink *ml);           /* -1 while the port is closed */
short modemlink_poll_events(const struct modemlink *ml); /* POLLIN, | POLLOUT if output waits */

/* Handle poll's revents for modemlink_fd: write pending output, read and
 * decode everything there (up to the read budget), notice a hangup.
 * Returns the number of good messages handed to fn. */
int modemlink_on_events(struct modemlink *ml, short revents, int64_t now_ms,
                        modemlink_msg_fn fn, void *ctx);

/* Frame and queue a TX; tx->seq is ignored: the link numbers TX itself and
 * returns the number used in *seq (may be NULL), which TX_DONE echoes.
 * MODEMLINK_OK, _DOWN, _FULL, _ENCODE. */
int modemlink_send_tx(struct modemlink *ml, const struct modem_tx *tx, int64_t now_ms,
                      uint16_t *seq);

/* Time-driven work: reopen the port when its backoff is due; notice a
 * hangup the caller's poll did not pass on. Call after every poll wakeup. */
void modemlink_tick(struct modemlink *ml, int64_t now_ms);

/* Poll timeout until modemlink_tick has something to do, or -1. */
int modemlink_timeout_ms(const struct modemlink *ml, int64_t now_ms);

int modemlink_is_open(const struct modemlink *ml);
int modemlink_is_up(const struct modemlink *ml, int64_t now_ms);
const struct modemlink_stats *modemlink_stats(const struct modemlink *ml);

/* The last STATUS and its age; MODEMLINK_ERR_DOWN if none since the port
 * last opened (a replugged modem's counters restart from zero). */
int modemlink_last_status(const struct modemlink *ml, int64_t now_ms, struct modem_status *st,
                          int64_t *age_ms);

#endif
