/* atline.c -- line reassembly and the RUI3 / Wio-E5 line grammars (see
 * atline.h; sources and inferences in docs/modems.md).
 *
 * Parsing is by prefix, most specific first, and every number goes through
 * one strict reader (optional sign, digits, for SNR an optional fraction),
 * never atoi: "-3x" is a bad number, not -3.
 */
#include <string.h>

#include "atline.h"

const char *atline_reject_name(int reason)
{
    static const char *const names[ATLINE_REJ_COUNT_] = {
        "none",      "overlong",  "bad_hex",    "odd_hex", "empty_payload", "too_big",
        "len_mismatch", "orphan", "bad_number", "legacy_format", "binary", "unknown",
    };
    if (reason < 0 || reason >= ATLINE_REJ_COUNT_)
        return "unknown_reason";
    return names[reason];
}

const char *atline_event_name(int ev)
{
    static const char *const names[ATLINE_EVENT_COUNT_] = {
        "none", "ok", "error", "busy", "value", "rx", "rx_timeout", "rx_crc_error",
        "tx_done", "boot",
    };
    if (ev < 0 || ev >= ATLINE_EVENT_COUNT_)
        return "unknown_event";
    return names[ev];
}

void atline_reset(struct atline *a)
{
    a->len = 0;
    a->overlong = 0;
    a->binary = 0;
    a->have_len = 0;
}

void atline_init(struct atline *a, enum atline_grammar g)
{
    memset(a, 0, sizeof *a);
    a->grammar = g;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int atline_hex_decode(const char *hex, size_t digits, uint8_t *out, size_t cap, size_t *len)
{
    size_t i;
    if (digits == 0)
        return ATLINE_REJ_EMPTY;
    for (i = 0; i < digits; i++)
        if (hexval(hex[i]) < 0)
            return ATLINE_REJ_BAD_HEX;
    if (digits % 2)
        return ATLINE_REJ_ODD_HEX;
    if (digits / 2 > cap)
        return ATLINE_REJ_TOO_BIG;
    for (i = 0; i < digits / 2; i++)
        out[i] = (uint8_t)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
    *len = digits / 2;
    return 0;
}

/* A signed decimal at s[0..n): digits, an optional fraction when allowed.
 * Value in quarter units when quarters, else whole units. -1 if not a
 * number in [lo, hi]. */
static int parse_num(const char *s, size_t n, int quarters, long lo, long hi, long *v)
{
    size_t i = 0;
    long whole = 0, frac_num = 0, frac_den = 1;
    int neg = 0, digits = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
        if (whole > 100000)
            return -1;
        whole = whole * 10 + (s[i] - '0');
    }
    if (!digits)
        return -1;
    if (i < n && s[i] == '.' && quarters) {
        int fd = 0;
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, fd++)
            if (fd < 4) {
                frac_num = frac_num * 10 + (s[i] - '0');
                frac_den *= 10;
            }
        if (!fd)
            return -1;
    }
    if (i != n)
        return -1;
    if (quarters) {
        /* round to the nearest quarter dB, away from zero on a tie */
        long q = whole * 4 + (frac_num * 4 * 2 + frac_den) / (2 * frac_den);
        *v = neg ? -q : q;
    } else {
        *v = neg ? -whole : whole;
    }
    return (*v < lo || *v > hi) ? -1 : 0;
}

static int starts(const char *line, size_t len, const char *prefix)
{
    size_t p = strlen(prefix);
    return len >= p && memcmp(line, prefix, p) == 0;
}

static void keep_text(struct atline_msg *m, const char *s, size_t n)
{
    if (n >= sizeof m->text)
        n = sizeof m->text - 1;
    memcpy(m->text, s, n);
    m->text[n] = 0;
}

static void keep_name(struct atline_msg *m, const char *s, size_t n)
{
    if (n >= sizeof m->name)
        n = sizeof m->name - 1;
    memcpy(m->name, s, n);
    m->name[n] = 0;
}

static void refused_line(struct atline_msg *m, enum atline_reject why);

static void reject(struct atline_msg *m, int reason)
{
    m->ev = ATLINE_NONE;
    m->reject = (enum atline_reject)reason;
}

/* --- RUI3 ------------------------------------------------------------------ */

/* "+EVT:RXP2P:<rssi>:<snr>:<hex>" (v3.2.0 on; rssi int16, snr int8 dB) */
static void rui3_rx(const char *s, size_t n, struct atline_msg *m)
{
    const char *c1 = memchr(s, ':', n), *c2;
    long rssi, snr;
    size_t len = 0;
    int r;
    if (!c1) {
        reject(m, ATLINE_REJ_BAD_NUMBER);
        return;
    }
    c2 = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - s));
    if (!c2) {
        reject(m, ATLINE_REJ_BAD_NUMBER);
        return;
    }
    if (parse_num(s, (size_t)(c1 - s), 0, -200, 50, &rssi) != 0 ||
        memchr(c1 + 1, '.', (size_t)(c2 - c1 - 1)) || /* RUI3 prints an int8 */
        parse_num(c1 + 1, (size_t)(c2 - c1 - 1), 1, -128, 127, &snr) != 0) {
        reject(m, ATLINE_REJ_BAD_NUMBER);
        return;
    }
    r = atline_hex_decode(c2 + 1, n - (size_t)(c2 + 1 - s), m->frame, sizeof m->frame, &len);
    if (r) {
        reject(m, r);
        return;
    }
    m->ev = ATLINE_RX;
    m->rssi_dBm = (int16_t)rssi;
    m->snr_qdB = (int8_t)snr;
    m->len = (uint8_t)len;
}

static void rui3_line(const char *s, size_t n, struct atline_msg *m)
{
    static const char *const busy = "AT_BUSY_ERROR";
    if (n == 2 && memcmp(s, "OK", 2) == 0) {
        m->ev = ATLINE_OK;
        return;
    }
    if (n == strlen(busy) && memcmp(s, busy, n) == 0) {
        m->ev = ATLINE_BUSY;
        keep_text(m, s, n);
        return;
    }
    if (starts(s, n, "AT_") || starts(s, n, "AT_COMMAND_NOT_FOUND")) {
        /* AT_ERROR, AT_PARAM_ERROR, AT_MODE_NO_SUPPORT, ... (atcmd.c's table) */
        m->ev = ATLINE_ERROR;
        keep_text(m, s, n);
        return;
    }
    if (starts(s, n, "+EVT:RXP2P:")) {
        rui3_rx(s + 11, n - 11, m);
        return;
    }
    if (starts(s, n, "+EVT:RXP2P RECEIVE TIMEOUT")) {
        m->ev = ATLINE_RX_TIMEOUT;
        return;
    }
    if (starts(s, n, "+EVT:RXP2P RECEIVE ERROR")) {
        m->ev = ATLINE_RX_CRC_ERROR;
        return;
    }
    if (starts(s, n, "+EVT:TXP2P DONE")) {
        m->ev = ATLINE_TX_DONE;
        return;
    }
    if (starts(s, n, "+EVT:RXP2P,") || starts(s, n, "+EVT:RXP2P ")) {
        /* v1.0.x two-line form "+EVT:RXP2P, RSSI -37, SNR 11" */
        reject(m, ATLINE_REJ_LEGACY);
        return;
    }
    if (starts(s, n, "P2P_RX_ON already") || starts(s, n, "RAKwireless") ||
        starts(s, n, "-----")) {
        /* the busy error's preamble and the boot banner's first lines */
        reject(m, ATLINE_REJ_NONE);
        return;
    }
    if (starts(s, n, "Current Work Mode:")) {
        m->ev = ATLINE_BOOT;
        keep_text(m, s, n);
        return;
    }
    if (starts(s, n, "AT+") && memchr(s, '=', n)) {
        /* "AT+VER=RUI_..." is a value; "AT+VER=?" is our own echo */
        const char *eq = memchr(s, '=', n);
        size_t vlen = n - (size_t)(eq + 1 - s);
        if (vlen == 1 && eq[1] == '?') {
            reject(m, ATLINE_REJ_NONE);
            return;
        }
        m->ev = ATLINE_VALUE;
        keep_name(m, s + 3, (size_t)(eq - s - 3));
        keep_text(m, eq + 1, vlen);
        return;
    }
    if (starts(s, n, "+EVT:")) {
        /* other events (FSK, LoRaWAN): not ours, but known to be harmless */
        reject(m, ATLINE_REJ_NONE);
        return;
    }
    reject(m, ATLINE_REJ_UNKNOWN);
}

/* --- Wio-E5 ---------------------------------------------------------------- */

/* The value after "KEY:" in a ", "-separated list: pointer and length. */
static int field(const char *s, size_t n, const char *key, const char **v, size_t *vlen)
{
    size_t k = strlen(key), i;
    for (i = 0; i + k <= n; i++) {
        if (memcmp(s + i, key, k) == 0 && (i == 0 || s[i - 1] == ' ' || s[i - 1] == ',')) {
            size_t j = i + k;
            while (j < n && s[j] != ',')
                j++;
            *v = s + i + k;
            *vlen = j - (i + k);
            return 0;
        }
    }
    return -1;
}

/* "LEN:4, RSSI:-49, SNR:12" after "+TEST: " */
static void wio_len(struct atline *a, const char *s, size_t n, struct atline_msg *m)
{
    const char *v;
    size_t vl;
    long len, rssi, snr;
    if (a->have_len) {
        /* the previous LEN never got its RX line */
        a->stats.rejected[ATLINE_REJ_ORPHAN]++;
        a->have_len = 0;
    }
    if (field(s, n, "LEN:", &v, &vl) || parse_num(v, vl, 0, 0, 255, &len) ||
        field(s, n, "RSSI:", &v, &vl) || parse_num(v, vl, 0, -200, 50, &rssi) ||
        field(s, n, "SNR:", &v, &vl) || parse_num(v, vl, 1, -128, 127, &snr)) {
        reject(m, ATLINE_REJ_BAD_NUMBER);
        return;
    }
    a->have_len = 1;
    a->pend_len = (unsigned)len;
    a->pend_rssi = (int16_t)rssi;
    a->pend_snr = (int8_t)snr;
    reject(m, ATLINE_REJ_NONE); /* half an event: nothing yet */
}

/* "RX \"<hex>\"" after "+TEST: " */
static void wio_rx(struct atline *a, const char *s, size_t n, struct atline_msg *m)
{
    size_t len = 0;
    int r;
    if (!a->have_len) {
        reject(m, ATLINE_REJ_ORPHAN);
        return;
    }
    a->have_len = 0;
    if (n < 5 || s[3] != '"' || s[n - 1] != '"') {
        reject(m, ATLINE_REJ_BAD_HEX);
        return;
    }
    r = atline_hex_decode(s + 4, n - 5, m->frame, sizeof m->frame, &len);
    if (r) {
        reject(m, r);
        return;
    }
    if (len != a->pend_len) {
        reject(m, ATLINE_REJ_LEN_MISMATCH);
        return;
    }
    m->ev = ATLINE_RX;
    m->rssi_dBm = a->pend_rssi;
    m->snr_qdB = a->pend_snr;
    m->len = (uint8_t)len;
}

static int has_busy(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i + 4 <= n; i++)
        if ((s[i] | 0x20) == 'b' && (s[i + 1] | 0x20) == 'u' && (s[i + 2] | 0x20) == 's' &&
            (s[i + 3] | 0x20) == 'y')
            return 1;
    return 0;
}

static void wio_line(struct atline *a, const char *s, size_t n, struct atline_msg *m)
{
    const char *colon;
    size_t nl, tl;
    const char *t;

    if (n < 3 || s[0] != '+' || !(colon = memchr(s, ':', n))) {
        if (a->have_len) {
            a->stats.rejected[ATLINE_REJ_ORPHAN]++;
            a->have_len = 0;
        }
        reject(m, ATLINE_REJ_UNKNOWN);
        return;
    }
    nl = (size_t)(colon - s - 1);
    t = colon + 1;
    tl = n - (size_t)(t - s);
    if (tl && *t == ' ') {
        t++;
        tl--;
    }
    keep_name(m, s + 1, nl);
    if (nl == 4 && memcmp(s + 1, "TEST", 4) == 0) {
        if (starts(t, tl, "LEN:")) {
            wio_len(a, t, tl, m);
            return;
        }
        if (starts(t, tl, "RX ")) {
            wio_rx(a, t, tl, m);
            return;
        }
    }
    /* any other line between LEN and RX breaks the pair */
    if (a->have_len) {
        a->stats.rejected[ATLINE_REJ_ORPHAN]++;
        a->have_len = 0;
    }
    if ((nl == 4 && memcmp(s + 1, "INFO", 4) == 0) || (nl == 3 && memcmp(s + 1, "LOG", 3) == 0)) {
        a->stats.chatter++;
        reject(m, ATLINE_REJ_NONE);
        return;
    }
    if (nl == 4 && memcmp(s + 1, "TEST", 4) == 0 && tl == 7 && memcmp(t, "TX DONE", 7) == 0) {
        m->ev = ATLINE_TX_DONE;
        return;
    }
    keep_text(m, t, tl);
    if (starts(t, tl, "ERROR")) {
        m->ev = has_busy(t, tl) ? ATLINE_BUSY : ATLINE_ERROR;
        return;
    }
    if (has_busy(t, tl)) {
        m->ev = ATLINE_BUSY;
        return;
    }
    /* "+VER: 4.0.11", "+MODE: TEST", "+TEST: RFCFG ...", "+AT: OK": the
     * reply that ends the command of that name (the driver matches it) */
    m->ev = ATLINE_VALUE;
}

/* --- both ------------------------------------------------------------------ */

void atline_classify(struct atline *a, const char *line, size_t len, struct atline_msg *m)
{
    refused_line(m, ATLINE_REJ_NONE);
    a->stats.lines++;
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
        len--; /* Wio-E5 terminals pad lines with spaces */
    if (len == 0) {
        a->stats.blank++;
        return;
    }
    if ((line[0] == 'A' || line[0] == 'a') && len >= 2 && (line[1] == 'T' || line[1] == 't') &&
        !(len > 2 && line[2] == '_')) { /* "AT_ERROR" & co. are RUI3 statuses */
        /* Our own command echoed (echo on). RUI3 also answers a query with
         * "AT+NAME=value", which reads like the echo of a set command: it
         * is passed on as a value, and the driver takes a value only as
         * the reply to a query of that name it is waiting for. */
        if (a->grammar == ATLINE_RUI3 && len > 3 && line[2] == '+') {
            rui3_line(line, len, m);
            if (m->ev == ATLINE_VALUE)
                goto counted;
        }
        a->stats.echo++;
        m->ev = ATLINE_NONE;
        m->reject = ATLINE_REJ_NONE;
        return;
    }
    if (a->grammar == ATLINE_RUI3)
        rui3_line(line, len, m);
    else
        wio_line(a, line, len, m);
counted:
    if (m->ev != ATLINE_NONE)
        a->stats.events[m->ev]++;
    else if (m->reject != ATLINE_REJ_NONE)
        a->stats.rejected[m->reject]++;
}

/* A refused line's message: nothing in it but the reason (the caller's
 * struct is not read from before; every field it may look at is set). */
static void refused_line(struct atline_msg *m, enum atline_reject why)
{
    m->ev = ATLINE_NONE;
    m->reject = why;
    m->name[0] = 0;
    m->text[0] = 0;
    m->len = 0;
    m->rssi_dBm = 0;
    m->snr_qdB = 0;
}

int atline_next(struct atline *a, const uint8_t *buf, size_t n, size_t *pos,
                struct atline_msg *m)
{
    while (*pos < n) {
        uint8_t c = buf[(*pos)++];
        if (c == '\n') {
            if (a->overlong) {
                /* counted when it overflowed; resync here */
                a->overlong = 0;
                a->len = 0;
                a->binary = 0;
                continue;
            }
            if (a->binary) {
                a->stats.lines++;
                a->stats.rejected[ATLINE_REJ_BINARY]++;
                a->len = 0;
                a->binary = 0;
                refused_line(m, ATLINE_REJ_BINARY);
                return 1;
            }
            a->buf[a->len] = 0;
            atline_classify(a, a->buf, a->len, m);
            a->len = 0;
            return 1;
        }
        if (c == '\r' || a->overlong)
            continue;
        if (c < 0x20 || c > 0x7e) {
            a->binary = 1; /* keep counting length: the whole line goes */
        }
        if (a->len == ATLINE_MAX) {
            a->overlong = 1;
            a->stats.lines++;
            a->stats.rejected[ATLINE_REJ_OVERLONG]++;
            if (a->have_len) { /* the RX of a pending LEN was cut: it is gone */
                a->stats.rejected[ATLINE_REJ_ORPHAN]++;
                a->have_len = 0;
            }
            a->len = 0;
            refused_line(m, ATLINE_REJ_OVERLONG);
            return 1;
        }
        a->buf[a->len++] = (char)c;
    }
    return 0;
}
