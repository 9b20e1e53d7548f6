/* wioe5.c -- the commands for the Seeed Wio-E5 / LoRa-E5 (STM32WLE5JC)
 * with its stock AT firmware, in TEST mode.
 *
 * Sources (docs/modems.md §2): the LoRa-E5 AT Command Specification v1.0
 * as quoted in public tutorials and drivers, the RisingHF RHF76 manual the
 * command set descends from, and session transcripts. Not verified on
 * hardware; what is inferred is marked there.
 *
 *   AT+VER                         "+VER: 4.0.11"
 *   AT+MODE=TEST                   "+MODE: TEST"
 *   AT+TEST=RFCFG,<MHz>,SF<n>,<BW kHz>,<TX preamble>,<RX preamble>,<dBm>,
 *               <CRC ON|OFF>,<IQ ON|OFF>,<NET ON|OFF>
 *                                  "+TEST: RFCFG F:868100000, SF9, ..."
 *   AT+TEST=RXLRPKT                "+TEST: RXLRPKT", then receptions
 *   AT+TEST=TXLRPKT,"<hex>"        "+TEST: TXLRPKT \"<hex>\"", "+TEST: TX DONE"
 *
 * NET OFF selects the private sync word 0x12 (NET ON is LoRaWAN's 0x34):
 * inferred from the RHF76 manual's meaning of the public-network flag. The
 * TEST-mode coding rate is fixed at 4/5 (RFCFG has no field for it), which
 * is what §3.1 uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atmodem.h"

static int wioe5_firmware_ok(const char *v, char *why, size_t whylen)
{
    char *end;
    long maj = strtol(v, &end, 10);
    if (end == v || *end != '.') {
        snprintf(why, whylen, "firmware version '%s' is not the Wio-E5 AT firmware's "
                 "x.y.z", v);
        return -1;
    }
    /* RFCFG's CRC, IQ and NET fields (which an ack's inverted IQ needs) are
     * in the 4.x specification; older RHF firmware has a shorter RFCFG */
    if (maj < 4) {
        snprintf(why, whylen, "Wio-E5 AT firmware %s is too old: acks need RFCFG's IQ "
                 "field (firmware 4.0 or later)", v);
        return -1;
    }
    return 0;
}

static void wioe5_rfcfg(struct atmodem *m, const struct atmodem_radio *r)
{
    atmodem_push(m, ATMODEM_TAG_PLAIN, "TEST", 0,
                 "AT+TEST=RFCFG,%lu.%03lu,SF%u,%u,%u,%u,%d,%s,%s,OFF",
                 (unsigned long)(r->freq_hz / 1000000u),
                 (unsigned long)(r->freq_hz % 1000000u / 1000u), r->sf, r->bw_kHz,
                 r->preamble, r->preamble, r->power_dBm, r->crc_on ? "ON" : "OFF",
                 r->iq_inverted ? "ON" : "OFF");
}

static void wioe5_setup(struct atmodem *m)
{
    atmodem_push(m, ATMODEM_TAG_PLAIN, "AT", 0, "AT");
    atmodem_push(m, ATMODEM_TAG_VERSION, "VER", 0, "AT+VER");
    /* no AT+LOG=QUIET: its own reply is a +LOG line, which the parser
     * skips as chatter like every other +LOG line */
    atmodem_push(m, ATMODEM_TAG_PLAIN, "MODE", 0, "AT+MODE=TEST");
    wioe5_rfcfg(m, &m->cfg.uplink);
    atmodem_push(m, ATMODEM_TAG_RX_ON, "TEST", 0, "AT+TEST=RXLRPKT");
}

static void wioe5_to_downlink(struct atmodem *m, const struct modem_tx *tx)
{
    struct atmodem_radio r = atmodem_downlink_radio(m, tx);
    wioe5_rfcfg(m, &r);
}

static void wioe5_send(struct atmodem *m, const struct modem_tx *tx)
{
    char hex[2 * MODEM_FRAME_MAX + 1];
    atmodem_hex(tx->frame, tx->len, hex);
    atmodem_push(m, ATMODEM_TAG_SEND, "TEST", 0, "AT+TEST=TXLRPKT,\"%s\"", hex);
}

static void wioe5_to_uplink(struct atmodem *m)
{
    wioe5_rfcfg(m, &m->cfg.uplink);
    atmodem_push(m, ATMODEM_TAG_RX_ON, "TEST", 0, "AT+TEST=RXLRPKT");
}

static void wioe5_keepalive(struct atmodem *m)
{
    /* a query of the mode: a module that reset is back in LWOTAA; the
     * query may end TEST-mode receive (not documented), so re-arm it */
    atmodem_push(m, ATMODEM_TAG_MODE_QUERY, "MODE", 0, "AT+MODE");
    atmodem_push(m, ATMODEM_TAG_RX_ON, "TEST", 0, "AT+TEST=RXLRPKT");
}

const struct atmodem_grammar atmodem_wioe5 = {
    "wio-e5", 9600, wioe5_firmware_ok, wioe5_setup, wioe5_to_downlink, wioe5_send,
    wioe5_to_uplink, wioe5_keepalive,
};
