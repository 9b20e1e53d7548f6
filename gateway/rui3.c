/* rui3.c -- the commands for RAKwireless RUI3 firmware in LoRa P2P mode
 * (RAK3172 and the other STM32WLE5 / nRF52840 RUI3 boards).
 *
 * Sources (docs/modems.md §1): RUI3 AT Command Manual (AT+VER, AT+NWM,
 * AT+P2P, AT+PRECV, AT+PSEND, AT+IQINVER, AT+SYNCWORD), the RUI3 release
 * notes (3.2.0 colon event format, 3.4.0 PRECV modes, 3.5.4 IQINVER and
 * SYNCWORD, 4.0.x P2P fix RUI-922) and the P2P service source (event
 * strings). Not verified on hardware.
 *
 *   AT+P2P=<freq Hz>:<SF>:<BW kHz>:<CR 0..3 = 4/5..4/8>:<preamble>:<power>
 *   AT+SYNCWORD=1424   the SX126x register value of LoRa sync word 0x12
 *   AT+IQINVER=0|1     normal for uplinks, inverted for acks (§3.1)
 *   AT+PRECV=65534     continuous receive; AT+PRECV=0 stops it (the only
 *                      other command continuous receive accepts)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atmodem.h"

/* "RUI_4.0.6_RAK3172-E" -> 4, 0, 6 */
static int rui3_version(const char *v, int *maj, int *min, int *pat)
{
    char *end;
    if (strncmp(v, "RUI_", 4) != 0)
        return -1;
    *maj = (int)strtol(v + 4, &end, 10);
    if (*end != '.')
        return -1;
    *min = (int)strtol(end + 1, &end, 10);
    if (*end != '.')
        return -1;
    *pat = (int)strtol(end + 1, &end, 10);
    /* "_RAK3172-E", or a suffix such as "-rc.14_RAK4631" */
    return (*end == '_' || *end == '-' || *end == 0) ? 0 : -1;
}

static int rui3_firmware_ok(const char *v, char *why, size_t whylen)
{
    int maj, min, pat;
    if (rui3_version(v, &maj, &min, &pat) != 0) {
        snprintf(why, whylen,
                 "firmware version '%s' is not RUI3 (RUI_x.y.z_board): the pre-RUI3 RAK3172 "
                 "firmware (v1.0.x) prints receptions in two lines and is not supported; "
                 "flash RUI3 4.0.1 or later", v);
        return -1;
    }
    /* 3.5.4 brought AT+IQINVER and AT+SYNCWORD; 3.5.4 and 4.0.0 have
     * "LoRa P2P do not work" (RUI-922), fixed after 4.0.0 */
    if (maj < 4 || (maj == 4 && min == 0 && pat < 1)) {
        snprintf(why, whylen,
                 "RUI3 %d.%d.%d is too old: acks need AT+IQINVER and AT+SYNCWORD (3.5.4) and "
                 "P2P is broken in 3.5.4 and 4.0.0 (RUI-922); update to 4.0.1 or later",
                 maj, min, pat);
        return -1;
    }
    return 0;
}

static void rui3_p2p(struct atmodem *m, const struct atmodem_radio *r)
{
    atmodem_push(m, ATMODEM_TAG_PLAIN, "P2P", 0, "AT+P2P=%lu:%u:%u:%u:%u:%d",
                 (unsigned long)r->freq_hz, r->sf, r->bw_kHz, (unsigned)(r->cr - 5),
                 r->preamble, r->power_dBm);
    atmodem_push(m, ATMODEM_TAG_PLAIN, "IQINVER", 0, "AT+IQINVER=%d", r->iq_inverted ? 1 : 0);
}

static void rui3_setup(struct atmodem *m)
{
    atmodem_push(m, ATMODEM_TAG_PLAIN, "", 0, "AT");
    atmodem_push(m, ATMODEM_TAG_VERSION, "VER", 0, "AT+VER=?");
    atmodem_push(m, ATMODEM_TAG_MODE_QUERY, "NWM", 0, "AT+NWM=?");
    /* a module left in continuous receive refuses P2P settings: stop it */
    atmodem_push(m, ATMODEM_TAG_PLAIN, "", 0, "AT+PRECV=0");
    rui3_p2p(m, &m->cfg.uplink);
    atmodem_push(m, ATMODEM_TAG_PLAIN, "SYNCWORD", 0, "AT+SYNCWORD=1424");
    atmodem_push(m, ATMODEM_TAG_RX_ON, "", 0, "AT+PRECV=65534");
}

static void rui3_to_downlink(struct atmodem *m, const struct modem_tx *tx)
{
    struct atmodem_radio r = atmodem_downlink_radio(m, tx);
    atmodem_push(m, ATMODEM_TAG_PLAIN, "", 0, "AT+PRECV=0");
    rui3_p2p(m, &r);
}

static void rui3_send(struct atmodem *m, const struct modem_tx *tx)
{
    char hex[2 * MODEM_FRAME_MAX + 1];
    atmodem_hex(tx->frame, tx->len, hex);
    atmodem_push(m, ATMODEM_TAG_SEND, "", 0, "AT+PSEND=%s", hex);
}

static void rui3_to_uplink(struct atmodem *m)
{
    rui3_p2p(m, &m->cfg.uplink);
    atmodem_push(m, ATMODEM_TAG_RX_ON, "", 0, "AT+PRECV=65534");
}

static void rui3_keepalive(struct atmodem *m)
{
    /* answered during continuous receive; a rebooted module says NWM=1 */
    atmodem_push(m, ATMODEM_TAG_MODE_QUERY, "NWM", 0, "AT+NWM=?");
}

const struct atmodem_grammar atmodem_rui3 = {
    "rui3", 115200, rui3_firmware_ok, rui3_setup, rui3_to_downlink, rui3_send, rui3_to_uplink,
    rui3_keepalive,
};
