/* gen_cases.c -- random cases from the C codec, as JSON lines, for the
 * independent reference implementation (tests/reference/lofte_ref.py) to
 * reproduce byte for byte. Two implementations that agree on thousands of
 * random records, one of them written from docs/protocol.md alone, are the
 * evidence that the document says what the code does.
 *
 * usage: gen_cases COUNT [SEED]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modem.h"
#include "proto_err.h"
#include "radio.h"
#include "serial_frame.h"

static uint64_t rng_state;

static uint32_t rnd(void)
{
    /* xorshift64*: deterministic for a seed, good enough to pick test values */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}

static uint32_t pick(uint32_t n) { return rnd() % n; }

static void put_hex(const char *name, const uint8_t *b, size_t n)
{
    size_t i;
    printf("\"%s\":\"", name);
    for (i = 0; i < n; i++)
        printf("%02x", b[i]);
    printf("\"");
}

static struct record random_record(void)
{
    const struct record_activity_info *info;
    struct record r;
    size_t count = 0;
    while (record_activity_at(count))
        count++;
    memset(&r, 0, sizeof r);
    info = record_activity_at(pick((uint32_t)count));
    r.activity = info->code;
    r.result = (uint8_t)pick(info->result_count);
    r.clock_unset = (uint8_t)(pick(8) == 0);
    r.start_min = pick(4) ? 2000000u + pick(1500000u) : rnd();
    r.cell = RECORD_CELL_NONE;
    if (r.activity == ACT_ADMIN_VOID) {
        r.void_counter = 1 + pick(0xFFFFFFFEu);
    } else if (r.activity == ACT_ADMIN_HEARTBEAT) {
        r.oldest_unacked = pick(2) ? rnd() : 0;
        r.queue_depth = (uint16_t)pick(1200);
    } else {
        r.action = (uint8_t)pick(ACTION_COUNT);
        r.side = (uint8_t)pick(SIDE_ALL + 1);
        r.quantity = (uint16_t)pick(RECORD_QUANTITY_MAX + 1);
        r.duration_min = (uint16_t)pick(RECORD_DURATION_MAX + 1);
        r.zone = (uint8_t)pick(ZONE_COUNT);
        r.actor = (uint8_t)pick(ACTOR_COUNT);
        if (pick(2))
            r.cell = (uint16_t)pick(0xFFFF);
        if (pick(2))
            r.operation = (uint16_t)(1 + pick(0xFFFF));
    }
    return r;
}

static void print_record(const struct record *r)
{
    printf("\"record\":{\"activity\":%u,\"result\":%u,\"action\":%u,\"side\":%u,"
           "\"clock_unset\":%u,\"start_min\":%" PRIu32 ",\"quantity\":%u,"
           "\"duration_min\":%u,\"zone\":%u,\"actor\":%u,",
           r->activity, r->result, r->action, r->side, r->clock_unset, r->start_min,
           r->quantity, r->duration_min, r->zone, r->actor);
    if (r->cell == RECORD_CELL_NONE)
        printf("\"cell\":null,");
    else
        printf("\"cell\":%u,", r->cell);
    if (r->operation == 0)
        printf("\"operation\":null,");
    else
        printf("\"operation\":%u,", r->operation);
    printf("\"void_counter\":%" PRIu32 ",\"oldest_unacked\":%" PRIu32 ",\"queue_depth\":%u}",
           r->void_counter, r->oldest_unacked, r->queue_depth);
}

static void random_key(uint8_t key[RADIO_KEY_LEN])
{
    size_t i;
    for (i = 0; i < RADIO_KEY_LEN; i++)
        key[i] = (uint8_t)rnd();
}

static uint32_t random_device(void)
{
    uint32_t d;
    do
        d = rnd();
    while (d == 0 || d == 0xFFFFFFFFu);
    return d;
}

static int uplink_case(void)
{
    uint8_t key[RADIO_KEY_LEN], frame[RADIO_UPLINK_MAX_LEN];
    size_t n;
    uint32_t device = random_device(), counter = 1 + pick(0xFFFFFFFEu);
    struct record r = random_record(), back;
    int err;
    random_key(key);
    if (radio_uplink_seal(key, device, counter, &r, frame, sizeof frame, &n) != PROTO_OK)
        return 1;
    printf("{\"kind\":\"uplink\",");
    put_hex("key", key, sizeof key);
    printf(",\"device\":%" PRIu32 ",\"counter\":%" PRIu32 ",", device, counter);
    put_hex("frame", frame, n);
    printf(",");
    print_record(&r);
    printf("}\n");

    /* the same frame with one bit flipped: both sides must reject it */
    frame[pick((uint32_t)n)] ^= (uint8_t)(1u << pick(8));
    err = radio_uplink_open(key, counter, frame, n, &back);
    if (err == PROTO_OK)
        return 1;
    printf("{\"kind\":\"reject\",");
    put_hex("key", key, sizeof key);
    printf(",\"counter\":%" PRIu32 ",", counter);
    put_hex("frame", frame, n);
    printf(",\"reason\":\"%s\"}\n", proto_errname(err));
    return 0;
}

static int ack_case(void)
{
    uint8_t key[RADIO_KEY_LEN], frame[RADIO_ACK_LEN];
    size_t n;
    struct radio_ack a;
    random_key(key);
    a.device = random_device();
    a.station = (uint16_t)(1 + pick(0xFFFF));
    a.station_time = rnd();
    a.acked = pick(3) ? rnd() : 0;
    if (radio_ack_seal(key, &a, frame, sizeof frame, &n) != PROTO_OK)
        return 1;
    printf("{\"kind\":\"ack\",");
    put_hex("key", key, sizeof key);
    printf(",\"device\":%" PRIu32 ",\"station\":%u,\"station_time\":%" PRIu32
           ",\"acked\":%" PRIu32 ",",
           a.device, a.station, a.station_time, a.acked);
    put_hex("frame", frame, n);
    printf("}\n");
    return 0;
}

static int serial_case(void)
{
    struct modem_msg m;
    uint8_t payload[SERIAL_PAYLOAD_MAX], wire[SERIAL_WIRE_MAX];
    size_t pn, wn, i;
    memset(&m, 0, sizeof m);
    m.type = (uint8_t)(1 + pick(4));
    switch (m.type) {
    case MODEM_RX:
        m.u.rx.rx_time_ms = ((uint64_t)rnd() << 32) | rnd();
        m.u.rx.freq_hz = 863000000u + pick(7000000u);
        m.u.rx.rssi_dBm = (int16_t)(-140 + (int)pick(140));
        m.u.rx.snr_qdB = (int8_t)(-80 + (int)pick(120));
        m.u.rx.sf = (uint8_t)(7 + pick(6));
        m.u.rx.bw_kHz = (uint16_t)(125u << pick(3));
        m.u.rx.cr = (uint8_t)(5 + pick(4));
        m.u.rx.len = (uint8_t)(1 + pick(MODEM_FRAME_MAX));
        for (i = 0; i < m.u.rx.len; i++)
            m.u.rx.frame[i] = (uint8_t)(pick(4) ? rnd() : 0); /* zeros exercise COBS */
        break;
    case MODEM_TX:
        m.u.tx.seq = (uint16_t)rnd();
        m.u.tx.tx_at_ms = pick(2) ? 0 : ((uint64_t)rnd() << 16);
        m.u.tx.freq_hz = 869525000u;
        m.u.tx.sf = (uint8_t)(7 + pick(6));
        m.u.tx.bw_kHz = 125;
        m.u.tx.power_dBm = (int8_t)pick(28);
        m.u.tx.len = (uint8_t)(1 + pick(MODEM_FRAME_MAX));
        for (i = 0; i < m.u.tx.len; i++)
            m.u.tx.frame[i] = (uint8_t)rnd();
        break;
    case MODEM_TX_DONE:
        m.u.tx_done.seq = (uint16_t)rnd();
        m.u.tx_done.status = (uint8_t)pick(MODEM_TX_STATUS_COUNT);
        break;
    default:
        m.u.status.uptime_s = rnd();
        m.u.status.rx_frames = rnd();
        m.u.status.rx_crc_errors = rnd();
        m.u.status.tx_frames = rnd();
        break;
    }
    if (modem_encode(&m, payload, sizeof payload, &pn) != PROTO_OK ||
        serial_frame_encode(payload, pn, wire, sizeof wire, &wn) != PROTO_OK)
        return 1;
    printf("{\"kind\":\"serial\",");
    put_hex("payload", payload, pn);
    printf(",");
    put_hex("wire", wire, wn);
    printf("}\n");
    return 0;
}

static int expand_case(void)
{
    uint32_t ref = pick(2) ? pick(0x30000u) : rnd();
    uint16_t low = (uint16_t)rnd();
    printf("{\"kind\":\"expand\",\"ref\":%" PRIu32 ",\"low\":%u,\"counter\":%" PRIu32 "}\n", ref,
           low, radio_counter_expand(ref, low));
    return 0;
}

/* The receiver's search above the window (§5.2): a frame at a counter some
 * blocks above the reference's window (sometimes past the bound, sometimes
 * tampered), opened from that reference. */
static int find_case(void)
{
    uint8_t key[RADIO_KEY_LEN], frame[RADIO_UPLINK_MAX_LEN];
    size_t n;
    uint32_t device = random_device(), ref, counter, blocks;
    uint64_t c;
    struct record r = random_record(), back;
    unsigned tries;
    int err;
    random_key(key);
    switch (pick(4)) {
    case 0: ref = 0; break;                          /* a station with no state */
    case 1: ref = pick(0x40000u); break;
    case 2: ref = 0xFFFFFFFFu - pick(0x30000u); break; /* the top edge */
    default: ref = rnd(); break;
    }
    blocks = pick(RADIO_COUNTER_SEARCH_BLOCKS + 3);  /* 0 .. bound + 2 */
    c = (uint64_t)radio_counter_expand(ref, (uint16_t)rnd()) + (uint64_t)blocks * 0x10000u;
    if (c == 0 || c > 0xFFFFFFFFu)
        c = 1 + pick(0xFFFEu);
    counter = (uint32_t)c;
    if (radio_uplink_seal(key, device, counter, &r, frame, sizeof frame, &n) != PROTO_OK)
        return 1;
    if (pick(5) == 0)
        frame[RADIO_UPLINK_HDR_LEN + pick((uint32_t)(n - RADIO_UPLINK_HDR_LEN))] ^=
            (uint8_t)(1u << pick(8));
    err = radio_uplink_find(key, ref, frame, n, &counter, &back, &tries);
    printf("{\"kind\":\"find\",");
    put_hex("key", key, sizeof key);
    printf(",\"ref\":%" PRIu32 ",", ref);
    put_hex("frame", frame, n);
    if (err == PROTO_OK)
        printf(",\"result\":%" PRIu32 ",\"tries\":%u}\n", counter, tries);
    else
        printf(",\"result\":\"%s\",\"tries\":%u}\n", proto_errname(err), tries);
    return 0;
}

int main(int argc, char **argv)
{
    long count, i;
    int failed = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: gen_cases COUNT [SEED]\n");
        return 2;
    }
    count = strtol(argv[1], NULL, 10);
    rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) : 20230101u;
    if (rng_state == 0)
        rng_state = 1;
    for (i = 0; i < count; i++) {
        failed |= uplink_case();
        failed |= ack_case();
        failed |= serial_case();
        failed |= expand_case();
        failed |= find_case();
    }
    if (failed)
        fprintf(stderr, "gen_cases: the C codec refused a case it generated\n");
    return failed;
}
