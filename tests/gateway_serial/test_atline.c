/* test_atline.c -- the AT line parser (gateway/atline.h) against
 * recorded-style transcripts of both grammars (docs/modems.md), fed whole,
 * one byte at a time, split mid-line at random, and many lines per chunk:
 * the events and the rejection counts must not depend on the chunking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "atline.h"

/* RUI3 4.x, echo on for the first command, an RX between an echo and its
 * status, a busy error with its preamble, payloads that must be refused. */
static const char rui3_transcript[] =
    "AT+VER=?\r\n"
    "AT+VER=RUI_4.0.6_RAK3172-E\r\n"
    "\r\nOK\r\n"
    "AT+P2P=868100000:9:125:0:8:14\r\n"
    "+EVT:RXP2P:-30:13:1234\r\n"            /* between the echo and its status */
    "\r\nOK\r\n"
    "\r\n"
    "+EVT:RXP2P:-112:-7:0011AAbbCCdd\r\n"    /* mixed case hex */
    "P2P_RX_ON already\r\n"
    "\r\nAT_BUSY_ERROR\r\n"
    "+EVT:RXP2P:-49:-7:MOZART\r\n"          /* not hex */
    "+EVT:RXP2P:-49:-7:123\r\n"             /* odd digits */
    "+EVT:RXP2P:-49:-7:\r\n"                /* empty */
    "+EVT:RXP2P:-4x9:-7:1234\r\n"           /* bad rssi */
    "+EVT:RXP2P, RSSI -37, SNR 11\r\n"      /* v1.0.x format */
    "+EVT:RXP2P RECEIVE ERROR\r\n"
    "+EVT:RXP2P RECEIVE TIMEOUT\r\n"
    "AT+PSEND=112233\r\n"
    "\r\nOK\r\n"
    "+EVT:TXP2P DONE\r\n"
    "\r\nAT_PARAM_ERROR\r\n"
    "RAKwireless RAK3172-E Example\r\n"
    "------------------------------------------------------\r\n"
    "Current Work Mode: LoRa P2P.\r\n"
    "what is this\r\n"
    "+EVT:RXP2P:-30:13:ab\x01\x02\r\n"      /* line noise */
    "+EVT:RXP2P:-60:5:0102\n";              /* LF only */

static const char wio_transcript[] =
    "+AT: OK\r\n"
    "+VER: 4.0.11\r\n"
    "+INFO: Input timeout\r\n"
    "+MODE: TEST\r\n"
    "+TEST: RFCFG F:868100000, SF9, BW125K, TXPR:8, RXPR:8, POW:14dBm, CRC:ON, IQ:OFF, "
    "NET:OFF\r\n"
    "+TEST: RXLRPKT\r\n"
    "+TEST: LEN:4, RSSI:-49, SNR:12\r\n"
    "+TEST: RX \"54455854\"\r\n"
    "+TEST: LEN:5, RSSI:-49, SNR:12\r\n"
    "+TEST: RX \"54455854\"\r\n"            /* length mismatch */
    "+TEST: RX \"54455854\"\r\n"            /* no LEN before it */
    "+TEST: LEN:2, RSSI:-80, SNR:-7.25\r\n"
    "+TEST: RX \"ZZ11\"\r\n"                /* not hex */
    "+MODE: ERROR(-12)\r\n"
    "   \r\n"
    "+TEST: TXLRPKT \"AABB\"\r\n"
    "+TEST: TX DONE\r\n"
    "+TEST: LEN:2, RSSI:-80, SNR:3\r\n"
    "+LOG: chatter between LEN and RX\r\n"  /* breaks the pair */
    "+TEST: RX \"AABB\"\r\n"
    "+TEST: LEN:2, RSSI:-101, SNR:-10.5\r\n"
    "+TEST: RX \"a1b2\"\r\n"
    "garbage\r\n";

struct seen {
    int ev[128], rej[128], len[128], rssi[128], snr[128];
    char text[128][ATLINE_VALUE_MAX];
    int n;
};

/* Feed in chunks: mode 0 whole, 1 one byte at a time, 2 random cuts. */
static void feed(enum atline_grammar g, const char *t, size_t n, int mode, unsigned seed,
                 struct seen *s, struct atline *a)
{
    size_t off = 0;
    srand(seed);
    atline_init(a, g);
    memset(s, 0, sizeof *s);
    while (off < n) {
        size_t k = mode == 0 ? n - off : mode == 1 ? 1 : 1 + (size_t)rand() % 40;
        size_t pos = 0;
        struct atline_msg m;
        if (k > n - off)
            k = n - off;
        while (atline_next(a, (const uint8_t *)t + off, k, &pos, &m)) {
            cr_assert_lt(s->n, 128);
            s->ev[s->n] = m.ev;
            s->rej[s->n] = m.reject;
            s->len[s->n] = m.len;
            s->rssi[s->n] = m.rssi_dBm;
            s->snr[s->n] = m.snr_qdB;
            snprintf(s->text[s->n], sizeof s->text[0], "%s", m.text);
            s->n++;
        }
        off += k;
    }
}

static int count_ev(const struct seen *s, int ev)
{
    int i, c = 0;
    for (i = 0; i < s->n; i++)
        c += s->ev[i] == ev;
    return c;
}

static void same_under_every_chunking(enum atline_grammar g, const char *t)
{
    struct seen whole, other;
    struct atline a0, a1;
    size_t n = strlen(t);
    int mode;
    unsigned seed;
    feed(g, t, n, 0, 0, &whole, &a0);
    for (mode = 1; mode <= 2; mode++)
        for (seed = 1; seed <= (mode == 1 ? 1u : 50u); seed++) {
            feed(g, t, n, mode, seed, &other, &a1);
            cr_assert_eq(other.n, whole.n, "mode %d seed %u: %d lines, not %d", mode, seed,
                         other.n, whole.n);
            cr_assert_eq(memcmp(other.ev, whole.ev, sizeof whole.ev), 0);
            cr_assert_eq(memcmp(other.rej, whole.rej, sizeof whole.rej), 0);
            cr_assert_eq(memcmp(other.len, whole.len, sizeof whole.len), 0);
            cr_assert_eq(memcmp(&a1.stats, &a0.stats, sizeof a0.stats), 0);
        }
}

Test(atline, gives_the_same_rui3_events_under_every_chunking)
{
    same_under_every_chunking(ATLINE_RUI3, rui3_transcript);
}

Test(atline, gives_the_same_wioe5_events_under_every_chunking)
{
    same_under_every_chunking(ATLINE_WIOE5, wio_transcript);
}

Test(atline, reads_a_rui3_transcript_and_counts_every_rejection_by_reason)
{
    struct seen s;
    struct atline a;
    int i, first_rx = -1;
    feed(ATLINE_RUI3, rui3_transcript, strlen(rui3_transcript), 0, 0, &s, &a);
    cr_assert_eq(count_ev(&s, ATLINE_RX), 3);
    cr_assert_eq(count_ev(&s, ATLINE_OK), 3);
    cr_assert_eq(count_ev(&s, ATLINE_BUSY), 1);
    cr_assert_eq(count_ev(&s, ATLINE_ERROR), 1);
    cr_assert_eq(count_ev(&s, ATLINE_TX_DONE), 1);
    cr_assert_eq(count_ev(&s, ATLINE_RX_CRC_ERROR), 1);
    cr_assert_eq(count_ev(&s, ATLINE_RX_TIMEOUT), 1);
    cr_assert_eq(count_ev(&s, ATLINE_BOOT), 1);
    /* the version is a value line; our echo of the query is not */
    for (i = 0; i < s.n; i++)
        if (s.ev[i] == ATLINE_VALUE)
            break;
    cr_assert_str_eq(s.text[i], "RUI_4.0.6_RAK3172-E");
    for (i = 0; i < s.n && first_rx < 0; i++)
        if (s.ev[i] == ATLINE_RX)
            first_rx = i;
    cr_assert_eq(s.len[first_rx], 2);
    cr_assert_eq(s.rssi[first_rx], -30);
    cr_assert_eq(s.snr[first_rx], 13 * 4);
    cr_assert_eq(a.stats.rejected[ATLINE_REJ_BAD_HEX], 1);
    cr_assert_eq(a.stats.rejected[ATLINE_REJ_ODD_HEX], 1);
    cr_assert_eq(a.stats.rejected[ATLINE_REJ_EMPTY], 1);
    cr_assert_eq(a.stats.rejected[ATLINE_REJ_BAD_NUMBER], 1);
    cr_assert_eq(a.stats.rejected[ATLINE_REJ_LEGACY], 1);
    cr_assert_eq(a.stats.rejected[ATLINE_REJ_UNKNOWN], 1);
    cr_assert_eq(a.stats.rejected[ATLINE_REJ_BINARY], 1);
    cr_assert_gt(a.stats.blank, 0);
    /* the echoed query is an echo; an echoed set command reads as a value
     * line (RUI3 answers queries as "AT+NAME=value"), which the driver
     * takes only as the answer to its own query of that name */
    cr_assert_eq(a.stats.echo, 1);
    cr_assert_eq(count_ev(&s, ATLINE_VALUE), 3);
}

Test(atline, pairs_wioe5_len_and_rx_lines_and_drops_what_does_not_pair)
{
    struct seen s;
    struct atline a;
    int i, k = 0;
    feed(ATLINE_WIOE5, wio_transcript, strlen(wio_transcript), 0, 0, &s, &a);
    cr_assert_eq(count_ev(&s, ATLINE_RX), 2);
    for (i = 0; i < s.n; i++)
        if (s.ev[i] == ATLINE_RX) {
            if (k++ == 0) {
                cr_assert_eq(s.len[i], 4);
                cr_assert_eq(s.rssi[i], -49);
                cr_assert_eq(s.snr[i], 48);
            } else {
                cr_assert_eq(s.len[i], 2);
                cr_assert_eq(s.snr[i], -42); /* -10.5 dB in quarter dB */
            }
        }
    cr_assert_eq(a.stats.rejected[ATLINE_REJ_LEN_MISMATCH], 1);
    cr_assert_eq(a.stats.rejected[ATLINE_REJ_ORPHAN], 3); /* RX alone; LEN cut by LOG; its RX */
    cr_assert_eq(a.stats.rejected[ATLINE_REJ_BAD_HEX], 1);
    cr_assert_eq(a.stats.rejected[ATLINE_REJ_UNKNOWN], 1);
    cr_assert_eq(count_ev(&s, ATLINE_TX_DONE), 1);
    cr_assert_eq(count_ev(&s, ATLINE_ERROR), 1);
    cr_assert_eq(a.stats.chatter, 2);
    cr_assert_eq(a.stats.blank, 1);
}

Test(atline, cuts_an_overlong_line_counts_it_once_and_reads_the_next)
{
    static char t[4000];
    struct seen s;
    struct atline a;
    size_t n = 0;
    int i;
    n += (size_t)sprintf(t + n, "+EVT:RXP2P:-1:1:");
    for (i = 0; i < 1500; i++)
        t[n++] = 'A';
    n += (size_t)sprintf(t + n, "\r\n+EVT:RXP2P:-2:2:0A0B\r\n");
    feed(ATLINE_RUI3, t, n, 2, 7, &s, &a);
    cr_assert_eq(a.stats.rejected[ATLINE_REJ_OVERLONG], 1);
    cr_assert_eq(count_ev(&s, ATLINE_RX), 1);
    cr_assert_eq(s.len[s.n - 1], 2);
}

Test(atline, takes_a_255_byte_reception_and_refuses_256)
{
    static char t[2000];
    struct seen s;
    struct atline a;
    size_t n = 0;
    int i;
    n += (size_t)sprintf(t + n, "+EVT:RXP2P:-1:1:");
    for (i = 0; i < 255; i++)
        n += (size_t)sprintf(t + n, "%02X", i);
    n += (size_t)sprintf(t + n, "\r\n+EVT:RXP2P:-1:1:");
    for (i = 0; i < 256; i++)
        n += (size_t)sprintf(t + n, "%02X", i & 0xff);
    n += (size_t)sprintf(t + n, "\r\n");
    feed(ATLINE_RUI3, t, n, 0, 0, &s, &a);
    cr_assert_eq(count_ev(&s, ATLINE_RX), 1);
    cr_assert_eq(s.len[0], 255);
    cr_assert_eq(a.stats.rejected[ATLINE_REJ_TOO_BIG], 1);
}

Test(atline, refuses_numbers_out_of_range_and_half_numbers)
{
    static const char *bad[] = {
        "+EVT:RXP2P:-999:1:AA", "+EVT:RXP2P:-10:200:AA", "+EVT:RXP2P::1:AA",
        "+EVT:RXP2P:-10:1.5:AA", "+EVT:RXP2P:-10:-:AA", "+EVT:RXP2P:-10",
    };
    struct atline a;
    struct atline_msg m;
    size_t i;
    atline_init(&a, ATLINE_RUI3);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        atline_classify(&a, bad[i], strlen(bad[i]), &m);
        cr_assert_eq(m.ev, ATLINE_NONE, "%s", bad[i]);
        cr_assert_eq(m.reject, ATLINE_REJ_BAD_NUMBER, "%s: %s", bad[i],
                     atline_reject_name(m.reject));
    }
}

/* Found by fuzz_atline: the message of an overlong or binary line kept
 * whatever the caller's struct held before. */
Test(atline, sets_every_field_of_a_refused_lines_message)
{
    static char t[ATLINE_MAX + 8];
    struct atline a;
    struct atline_msg m;
    size_t pos = 0;
    memset(t, 'A', sizeof t);
    t[sizeof t - 1] = '\n';
    atline_init(&a, ATLINE_RUI3);
    memset(&m, 0xAA, sizeof m);
    cr_assert_eq(atline_next(&a, (const uint8_t *)t, sizeof t, &pos, &m), 1);
    cr_assert_eq(m.reject, ATLINE_REJ_OVERLONG);
    cr_assert_eq(m.len, 0);
    cr_assert_str_eq(m.text, "");
    cr_assert_eq(atline_next(&a, (const uint8_t *)t, sizeof t, &pos, &m), 0); /* its tail */
    memset(&m, 0xAA, sizeof m);
    pos = 0;
    cr_assert_eq(atline_next(&a, (const uint8_t *)"O\x01K\n", 4, &pos, &m), 1);
    cr_assert_eq(m.reject, ATLINE_REJ_BINARY);
    cr_assert_eq(m.len, 0);
    cr_assert_str_eq(m.name, "");
}
