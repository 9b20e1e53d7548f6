/* atmodem.h -- the gateway's driver for AT-command LoRa modems (RAK3172
 * with RUI3 in P2P mode, Seeed Wio-E5 in TEST mode), behind modemdrv.h.
 *
 * Not verified on hardware: written from the vendors' AT manuals, firmware
 * sources and release notes, and tested against the emulators in
 * hardware/sim/at_modem.c. docs/modems.md lists the sources, what is
 * inferred, and the time budget of an ack.
 *
 * Design note. A single-channel AT modem is a radio behind a text console:
 * one command at a time, each answered by a status (RUI3 "OK"/"AT_..."
 * lines, Wio-E5 "+NAME: ..." replies), with unsolicited lines (receptions,
 * TX done, boot banners) between them. The driver is a small sequencer:
 *
 *   SETUP  AT, version (refused if unsupported), mode, radio settings of
 *          the uplink (frequency, SF, BW, CR, preamble, power, sync word,
 *          IQ normal), continuous receive.  Run at every port open, after a
 *          boot banner, when the keep-alive finds the module out of mode,
 *          and after a command timed out (a module that stopped answering).
 *   RX     receptions become modem_rx messages; every keepalive_ms one
 *          query proves the module alive and still in P2P/TEST mode.
 *   ACK    the modem cannot schedule a TX: the gateway holds each ack
 *          until lead time before its tx_at_ms, then stops receiving,
 *          retunes to the downlink (869.525 MHz, inverted IQ, §3.1), waits
 *          until the send command's own latency before tx_at_ms, sends,
 *          waits for TX done, and returns to the uplink and receive.
 *
 * Times: an AT modem gives no reception time. rx_time_ms is the gateway's
 * clock when the line's last byte arrived, less the time the line(s) took
 * on the wire at the port's baud rate (10 bits a character); the firmware's
 * own delay between RX done and printing is not documented and taken as 0.
 * Command latencies are measured (time from the command's last byte
 * written to its status) and the retune lead and the send's lead follow
 * from the largest recent ones.
 *
 * Counters mirror modemlink's (struct modemlink_stats) so the status page
 * reads one struct; what only AT modems have is in struct atmodem_stats.
 */
#ifndef LOFTE_GW_ATMODEM_H
#define LOFTE_GW_ATMODEM_H

#include <stddef.h>
#include <stdint.h>

#include "atline.h"
#include "modem.h"
#include "modemlink.h"
#include "port.h"

#define ATMODEM_CMD_MAX 620             /* longest command, with CR LF */
#define ATMODEM_SCRIPT_MAX 12           /* commands in one sequence */
#define ATMODEM_ACK_QUEUE 8             /* acks held for their time */
#define ATMODEM_CMD_TIMEOUT_MS 2000     /* a status must come by then */
#define ATMODEM_BOOT_TIMEOUT_MS 6000    /* AT+NWM restarts the module */
#define ATMODEM_KEEPALIVE_MS 10000
#define ATMODEM_LATE_MAX_MS 250         /* an ack starting later than this is not sent */
#define ATMODEM_STATUS_PERIOD_MS 5000   /* synthesized STATUS, like §7.2's modem */
#define ATMODEM_FW_MAX 64

enum atmodem_err {
    ATMODEM_OK = 0,
    ATMODEM_ERR_ARG = -1,
    ATMODEM_ERR_DOWN = -2,      /* port closed or module not set up: TX not queued */
    ATMODEM_ERR_FULL = -3,      /* ack queue full */
    ATMODEM_ERR_FIRMWARE = -4,  /* the module's firmware is not one this driver speaks */
    ATMODEM_ERR_COUNT_ = 5
};

const char *atmodem_strerror(int err);

enum atmodem_phase {
    ATMODEM_CLOSED = 0,
    ATMODEM_SETUP,
    ATMODEM_RX,
    ATMODEM_ACK,
    ATMODEM_REFUSED             /* unsupported firmware: waits for a replug */
};

/* The radio settings one sequence applies. */
struct atmodem_radio {
    uint32_t freq_hz;
    uint8_t sf;
    uint16_t bw_kHz;
    uint8_t cr;                 /* 4/cr, 5..8 */
    uint16_t preamble;
    int8_t power_dBm;
    int iq_inverted;
    int crc_on;
};

struct atmodem_config {
    struct port_config port;
    enum atline_grammar grammar;
    struct atmodem_radio uplink;    /* what the modem listens on */
    uint32_t cmd_timeout_ms;        /* 0 = ATMODEM_CMD_TIMEOUT_MS */
    uint32_t keepalive_ms;          /* 0 = ATMODEM_KEEPALIVE_MS */
};

struct atmodem_stats {
    uint64_t commands, timeouts, errors, busy;
    uint64_t setups, setups_done, reboots_seen, firmware_refused;
    uint64_t rx_crc_errors, rx_timeouts;
    uint64_t acks_sent, acks_late, acks_failed;
    int64_t last_retune_ms, max_retune_ms;    /* stop RX .. send command written */
    int64_t last_send_latency_ms;             /* send command written .. its status */
    int64_t last_back_to_rx_ms;               /* TX done .. receiving again */
    int64_t last_start_error_ms;              /* send written + latency - tx_at (estimate) */
};

struct atmodem_cmd {
    char text[ATMODEM_CMD_MAX];     /* without CR LF */
    char name[16];                  /* reply name (Wio-E5) / query name (RUI3) */
    int tag;                        /* what the sequencer does with its result */
    uint32_t timeout_ms;
};

struct atmodem_ack {
    int used;
    uint16_t seq;
    struct modem_tx tx;
};

struct atmodem {
    struct atmodem_config cfg;
    struct port port;
    struct atline lines;
    enum atmodem_phase phase;
    char firmware[ATMODEM_FW_MAX];  /* "RUI_4.0.6_RAK3172-E", "4.0.11"; "" unknown */
    char refused_why[200];      /* the grammar's sentence, as finished() built it */
    char value[ATLINE_VALUE_MAX];   /* RUI3: the query's value line, before its OK */

    struct atmodem_cmd script[ATMODEM_SCRIPT_MAX];
    int nscript, at;                /* sequence and the command now out */
    int waiting;                    /* a command written, status not yet in */
    int64_t sent_ms, hold_until_ms; /* written at; next command not before */
    int64_t setup_started_ms, ready_ms, last_good_ms, last_keepalive_ms, last_status_ms;
    int keepalive_due_restart;      /* keep-alive found the module out of mode */

    struct atmodem_ack acks[ATMODEM_ACK_QUEUE];
    int cur_ack;                    /* index in acks[] of the ack in progress, -1 none */
    int64_t retune_start_ms, send_written_ms, tx_done_ms;
    int64_t lat_cmd_ms, lat_send_ms;/* measured latencies (max of recent) */
    uint16_t next_seq;

    uint8_t out[2 * ATMODEM_CMD_MAX];
    size_t out_len;

    modemlink_msg_fn fn;            /* the caller's callback, for events from tick */
    void *fn_ctx;
    uint32_t tx_frames, rx_frames;
    int64_t last_rx_ms;             /* last reception handed on, -1 never: a module
                                     * set up but never hearing anything listens
                                     * where the handhelds do not send */
    struct modemlink_stats ls;      /* the counters modemlink also keeps */
    struct atmodem_stats st;
    struct modem_status last_status;
    int have_status;
};

int atmodem_open(struct atmodem *m, const struct atmodem_config *cfg, int64_t now_ms,
                 char *err, size_t errlen);
void atmodem_close(struct atmodem *m);
int atmodem_fd(const struct atmodem *m);
short atmodem_poll_events(const struct atmodem *m);
int atmodem_on_events(struct atmodem *m, short revents, int64_t now_ms, modemlink_msg_fn fn,
                      void *ctx);
/* Hold an ack for tx->tx_at_ms (0: as soon as possible). ATMODEM_OK,
 * _DOWN (not receiving now), _FULL. TX_DONE reports its outcome. */
int atmodem_send_tx(struct atmodem *m, const struct modem_tx *tx, int64_t now_ms,
                    uint16_t *seq);
void atmodem_tick(struct atmodem *m, int64_t now_ms);
int atmodem_timeout_ms(const struct atmodem *m, int64_t now_ms);
int atmodem_is_open(const struct atmodem *m);
int atmodem_is_up(const struct atmodem *m, int64_t now_ms);

/* Grammar specifics, in rui3.c and wioe5.c. */
struct atmodem_grammar {
    const char *name;               /* "rui3", "wio-e5" */
    uint32_t default_baud;
    /* 0 if the version reply names a firmware this driver speaks, else -1
     * with a sentence in why */
    int (*firmware_ok)(const char *version, char *why, size_t whylen);
    /* append the commands of each sequence to m->script */
    void (*setup)(struct atmodem *m);
    void (*to_downlink)(struct atmodem *m, const struct modem_tx *tx);
    void (*send)(struct atmodem *m, const struct modem_tx *tx);
    void (*to_uplink)(struct atmodem *m);
    void (*keepalive)(struct atmodem *m);
};

extern const struct atmodem_grammar atmodem_rui3, atmodem_wioe5;
const struct atmodem_grammar *atmodem_grammar_of(enum atline_grammar g);

/* Sequencer tags: what a command's result means (used by rui3.c/wioe5.c). */
enum atmodem_tag {
    ATMODEM_TAG_PLAIN = 0,      /* any success continues */
    ATMODEM_TAG_VERSION,        /* the reply is the firmware version */
    ATMODEM_TAG_MODE_QUERY,     /* the reply says whether P2P/TEST mode is on */
    ATMODEM_TAG_MODE_SET,       /* may reboot the module: ends on OK or banner */
    ATMODEM_TAG_RX_ON,          /* receiving from here on */
    ATMODEM_TAG_SEND,           /* the ack's send command */
    ATMODEM_TAG_OPTIONAL        /* a failure is ignored (e.g. quieting a log) */
};

/* Append one command; fmt is printf-like. */
void atmodem_push(struct atmodem *m, int tag, const char *name, uint32_t timeout_ms,
                  const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Hex of a frame into out (2*len+1 bytes). */
void atmodem_hex(const uint8_t *frame, size_t len, char *out);
/* The ack's radio settings (docs/protocol.md §3.1): the uplink's, with the
 * TX's frequency, SF, bandwidth and power, and inverted IQ; the CRC stays on. */
struct atmodem_radio atmodem_downlink_radio(const struct atmodem *m, const struct modem_tx *tx);

/* The mode-query reply's verdict, set by the grammar's parser of it. */
int atmodem_mode_is_on(enum atline_grammar g, const char *value);

#endif
