/* atline.h -- lines from an AT-command LoRa modem: bytes to lines, lines
 * to events. No I/O, no heap, no clock: the driver (atmodem.c) owns the
 * port and the timing, this module only reads text.
 *
 * Two grammars (docs/modems.md has the sources and what is inferred):
 *
 *   RUI3 (RAK3172 ...), P2P mode, firmware 4.x:
 *     status    "OK" | "AT_ERROR" | "AT_PARAM_ERROR" | "AT_BUSY_ERROR" | ...
 *     value     "AT+VER=RUI_4.0.6_RAK3172-E"        (reply to AT+VER=?)
 *     rx        "+EVT:RXP2P:" rssi ":" snr ":" hex
 *     events    "+EVT:RXP2P RECEIVE TIMEOUT" | "+EVT:RXP2P RECEIVE ERROR" |
 *               "+EVT:TXP2P DONE"
 *     reboot    "Current Work Mode: LoRa P2P."      (banner after AT+NWM / reset)
 *     legacy    "+EVT:RXP2P, RSSI -37, SNR 11"      (pre-RUI3 v1.0.x: refused)
 *
 *   Wio-E5 / LoRa-E5 stock AT firmware, TEST mode:
 *     reply     "+" NAME ": " text                  ("+VER: 4.0.11", "+MODE: TEST",
 *               "+TEST: RFCFG F:868100000, ...", "+TEST: RXLRPKT", "+AT: OK")
 *     error     "+" NAME ": ERROR(" n ")"
 *     rx        "+TEST: LEN:" n ", RSSI:" rssi ", SNR:" snr   then
 *               "+TEST: RX \"" hex "\""              (a pair: length checked)
 *     txdone    "+TEST: TX DONE"
 *     chatter   "+INFO: ..." | "+LOG: ..."
 *
 * Both: lines end in LF (CR before it is dropped), blank lines are
 * skipped, a line that starts "AT" is the modem echoing our command (echo
 * on) and is skipped. Unsolicited lines (receptions, TX done) can arrive
 * between a command and its status: they are events of their own and never
 * a command's reply.
 *
 * Every line that cannot be used is counted by reason (enum atline_reject)
 * and dropped whole: a line longer than ATLINE_MAX (the modems' own limit
 * is ~530 characters, a 255-byte reception is 510 hex digits plus its
 * prefix) is cut at the next LF and counted once.
 */
#ifndef LOFTE_GW_ATLINE_H
#define LOFTE_GW_ATLINE_H

#include <stddef.h>
#include <stdint.h>

#include "modem.h"

#define ATLINE_MAX 600          /* longest line kept, without CR LF */
#define ATLINE_VALUE_MAX 96     /* text kept from a value/reply line */

enum atline_grammar { ATLINE_RUI3 = 0, ATLINE_WIOE5 = 1 };

enum atline_event {
    ATLINE_NONE = 0,        /* nothing for the driver (blank, echo, chatter, rejected) */
    ATLINE_OK,              /* a command's final success (RUI3 OK; Wio-E5 reply to it) */
    ATLINE_ERROR,           /* a command's final failure (code/text in .text) */
    ATLINE_BUSY,            /* a command's final failure: the modem is busy */
    ATLINE_VALUE,           /* an intermediate value line (RUI3 "AT+X=v"; Wio-E5 reply) */
    ATLINE_RX,              /* a reception: .rssi_dBm, .snr_qdB, .frame/.len */
    ATLINE_RX_TIMEOUT,      /* a timed receive ended with nothing */
    ATLINE_RX_CRC_ERROR,    /* the radio heard a frame with a bad LoRa CRC */
    ATLINE_TX_DONE,         /* the last transmission ended */
    ATLINE_BOOT,            /* the module restarted (banner) */
    ATLINE_EVENT_COUNT_
};

enum atline_reject {
    ATLINE_REJ_NONE = 0,
    ATLINE_REJ_OVERLONG,    /* longer than ATLINE_MAX: dropped up to its LF */
    ATLINE_REJ_BAD_HEX,     /* payload with a non-hex character */
    ATLINE_REJ_ODD_HEX,     /* payload with an odd number of digits */
    ATLINE_REJ_EMPTY,       /* payload of no bytes */
    ATLINE_REJ_TOO_BIG,     /* payload over 255 bytes */
    ATLINE_REJ_LEN_MISMATCH,/* Wio-E5: LEN says n, the RX line holds another length */
    ATLINE_REJ_ORPHAN,      /* Wio-E5: RX without LEN, or LEN not followed by its RX */
    ATLINE_REJ_BAD_NUMBER,  /* rssi/snr/len that is not a number in range */
    ATLINE_REJ_LEGACY,      /* RUI3: pre-3.2 event format (spaces, two lines) */
    ATLINE_REJ_BINARY,      /* a control or non-ASCII byte in the line */
    ATLINE_REJ_UNKNOWN,     /* a line no rule of the grammar knows */
    ATLINE_REJ_COUNT_
};

const char *atline_reject_name(int reason);   /* "overlong", "bad_hex", ... */
const char *atline_event_name(int ev);

/* The result of one line. */
struct atline_msg {
    enum atline_event ev;
    enum atline_reject reject;      /* set when ev == ATLINE_NONE for a refused line */
    char name[16];                  /* Wio-E5 reply's NAME ("VER", "TEST"); RUI3 value's
                                       command ("VER") */
    char text[ATLINE_VALUE_MAX];    /* value, reply text or error code */
    int16_t rssi_dBm;
    int8_t snr_qdB;                 /* quarter dB, like proto's modem_rx */
    uint8_t len;
    uint8_t frame[MODEM_FRAME_MAX];
};

struct atline_stats {
    uint64_t lines;                         /* every line seen, blank ones too */
    uint64_t blank, echo, chatter;          /* skipped on purpose */
    uint64_t events[ATLINE_EVENT_COUNT_];   /* lines that became events, by event */
    uint64_t rejected[ATLINE_REJ_COUNT_];   /* lines dropped, by reason */
};

struct atline {
    enum atline_grammar grammar;
    char buf[ATLINE_MAX + 1];
    size_t len;
    int overlong;                   /* inside a line already counted as overlong */
    int binary;                     /* this line held a byte no modem prints */
    /* Wio-E5: a LEN line waiting for its RX line */
    int have_len;
    unsigned pend_len;
    int16_t pend_rssi;
    int8_t pend_snr;
    struct atline_stats stats;
};

void atline_init(struct atline *a, enum atline_grammar g);

/* Forget a half line and a pending LEN (a port reopened, a module reset);
 * the counters stay. */
void atline_reset(struct atline *a);

/* Consume bytes from buf[*pos .. n) up to and including the next complete
 * line and classify it into *m. Returns 1 with *m filled (m->ev may be
 * ATLINE_NONE for a skipped or refused line, counted), or 0 when buf is
 * used up with no complete line (the part is kept). Call in a loop:
 *
 *   size_t pos = 0; while (atline_next(a, buf, n, &pos, &m)) act(&m);
 */
int atline_next(struct atline *a, const uint8_t *buf, size_t n, size_t *pos,
                struct atline_msg *m);

/* Classify one complete line (no CR/LF). Used by atline_next; public for
 * tests and the fuzz target. */
void atline_classify(struct atline *a, const char *line, size_t len, struct atline_msg *m);

/* Hex text of exactly 2*len digits into out; 0 or an atline_reject code. */
int atline_hex_decode(const char *hex, size_t digits, uint8_t *out, size_t cap, size_t *len);

#endif
