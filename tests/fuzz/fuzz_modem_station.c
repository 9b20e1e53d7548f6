/* fuzz_modem_station.c -- libFuzzer target for the gateway's modem message
 * layer with real keys: serial bytes from the modem (serial_frame.c,
 * modem.c), each RX's frame verified by the station (gateway/station.c)
 * whose keys come from a key file read with keystore_read, as
 * lofte-gateway loads them, then held and acknowledged as gateway/daemon.c
 * does (mark held, heartbeat, seal an ack).
 *
 * Input: bytes as they come from the modem's serial port. Seeds
 * (make_seeds.c) are RX messages with frames sealed under the key file's
 * keys, so the fuzzer starts past the COBS, CRC, message and CCM checks
 * and mutates the counters, records and message fields behind them.
 *
 * Properties:
 *  - station_open returns STATION_NEW, STATION_DUPLICATE or a negative
 *    reason; an accepted frame names a device of the key file, and its
 *    record passes record_validate;
 *  - one (device, counter) inside the window is NEW at most once in a
 *    session: a resend is a duplicate (beyond the window the store
 *    deduplicates, station.h);
 *  - acked never goes backwards;
 *  - every ack planned as gateway/daemon.c plans it (station_plan_ack)
 *    seals to RADIO_ACK_LEN bytes, opens with that device's key and says
 *    this station, this device and its acked counter; its station_time
 *    grows strictly per device (the ack nonce never repeats).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_file.h"
#include "keystore.h"
#include "modem.h"
#include "proto_err.h"
#include "radio.h"
#include "record.h"
#include "serial_frame.h"
#include "station.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)
#define STATION_ID 7
#define MAX_NEW 4096

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const uint8_t fuzz_key[RADIO_KEY_LEN]; /* fuzz_key.c */
extern const uint32_t fuzz_device2;
extern const uint8_t fuzz_key2[RADIO_KEY_LEN];

static struct keystore ks;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char text[4 * KEYSTORE_LINE_MAX + 64], err[512];
    int n;
    (void)argc, (void)argv;
    n = snprintf(text, sizeof text, "# the fuzzer's station\n");
    n += keystore_format_line(0x8C3D91F4u, fuzz_key, text + n, sizeof text - (size_t)n);
    n += keystore_format_line(fuzz_device2, fuzz_key2, text + n, sizeof text - (size_t)n);
    if (keystore_read(&ks, fuzz_file_write("modemstation", (const uint8_t *)text, (size_t)n), err,
                      sizeof err) != KEYSTORE_OK || ks.count != 2) {
        fprintf(stderr, "fuzz_modem_station: %s\n", err);
        abort();
    }
    return 0;
}

struct seen {
    uint32_t device, counter;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct station_device devs[4];
    static struct seen fresh[MAX_NEW];
    static uint32_t last_time[4];
    size_t nfresh = 0, i, k;
    struct station st;
    struct serial_reader r;

    station_init(&st, STATION_ID, devs, sizeof devs / sizeof devs[0]);
    for (k = 0; k < ks.count; k++)
        CHECK(station_add_device(&st, ks.entries[k].device, ks.entries[k].key) == 0);
    memset(last_time, 0, sizeof last_time);
    serial_reader_init(&r);

    for (i = 0; i < size; i++) {
        const uint8_t *payload;
        size_t len, an;
        struct modem_msg m;
        struct station_device *dev = NULL;
        struct record rec;
        struct radio_ack ack;
        uint8_t out[RADIO_ACK_LEN + 8];
        uint32_t counter = 0, acked_before;
        int64_t sent_s = 0;
        int v;

        if (serial_reader_push(&r, data[i], &payload, &len) != 1)
            continue;
        if (modem_decode(payload, len, &m) != PROTO_OK || m.type != MODEM_RX)
            continue;
        v = station_open(&st, m.u.rx.frame, m.u.rx.len, &dev, &counter, &rec);
        CHECK(v == STATION_NEW || v == STATION_DUPLICATE || v < 0);
        if (v < 0)
            continue;
        CHECK(dev != NULL && keystore_find(&ks, dev->device) != NULL);
        {
            uint8_t enc[64];
            size_t en;
            CHECK(record_encode(&rec, enc, sizeof enc, &en) == PROTO_OK);
        }
        acked_before = dev->acked;
        if (v == STATION_NEW) {
            for (k = 0; k < nfresh; k++)
                CHECK(fresh[k].device != dev->device || fresh[k].counter != counter);
            /* only a counter the window could hold is remembered; one
             * beyond it is NEW again on resend by design (station.h: the
             * store deduplicates it) */
            if (nfresh < MAX_NEW && counter - acked_before <= STATION_WINDOW) {
                fresh[nfresh].device = dev->device;
                fresh[nfresh++].counter = counter;
            }
            station_mark_held(dev, counter);
            station_heartbeat(dev, counter, &rec);
        }
        CHECK(dev->acked >= acked_before);

        /* as gateway/daemon.c: plan by the gateway's clock (here the
         * modem's own stamp when it is a time at all), skip or seal */
        {
            struct station_ack_plan plan;
            int64_t now = m.u.rx.rx_time_ms < (uint64_t)INT64_MAX / 4 ? (int64_t)m.u.rx.rx_time_ms
                                                                       : 1726345801234LL;
            if (station_plan_ack(dev, m.u.rx.rx_time_ms, now, STATION_CLOCK_SYSTEM, &plan) !=
                STATION_ACK_SEND)
                continue; /* no second left in the window: nothing sent */
            if (station_make_ack(&st, dev, plan.station_s, out, sizeof out, &an, &sent_s) != 0)
                continue; /* a time outside the epoch's range: no ack, nothing sent */
        }
        CHECK(an == RADIO_ACK_LEN);
        CHECK(radio_ack_open(keystore_find(&ks, dev->device)->key, out, an, &ack) == PROTO_OK);
        CHECK(ack.device == dev->device && ack.station == STATION_ID);
        CHECK(ack.acked == dev->acked);
        k = (size_t)(dev - devs);
        CHECK(ack.station_time > last_time[k]);
        last_time[k] = ack.station_time;
    }
    return 0;
}
