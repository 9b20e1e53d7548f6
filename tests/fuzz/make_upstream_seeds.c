/* make_upstream_seeds.c -- writes the seed corpus of fuzz_upstream.
 *
 * usage: fuzz_make_upstream_seeds DIR
 * writes DIR/fuzz_upstream/<name>; the directory must exist (CMake creates
 * it, as for make_seeds.c).
 *
 * A program of its own because make_seeds links proto only, and these
 * seeds come from gateway/upstream.c's encoders: upstream_batch_encode for
 * BATCH messages (the rows carry records from proto's record_encode, as a
 * gateway's spool does), upstream_reply_encode for ACK and REFUSED. So the
 * seeds follow docs/upstream.md §3 when it changes. A few broken messages
 * follow the good ones (truncated, one byte too many, a reserved byte set)
 * so the decoders' error paths are covered from the first run. If an
 * encoder refuses a seed, that is reported and the build fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto_err.h"
#include "record.h"
#include "upstream.h"

/* Values of the docs/protocol.md §8 vectors and docs/upstream.md §3.4, so
 * seeds look like real traffic. */
#define DEVICE 0x8C3D91F4u
#define COUNTER 0x00012345u
#define STATION 7u
#define START_MIN 2475150u
#define ROW_ID 42u

static const char *out_dir;

static void must(int rc, const char *what)
{
    if (rc != PROTO_OK) {
        fprintf(stderr, "make_upstream_seeds: %s: %s\n", what, upstream_strerror(rc));
        exit(1);
    }
}

static void seed(const char *name, const uint8_t *b, size_t n)
{
    char path[1024];
    FILE *f;
    int w = snprintf(path, sizeof path, "%s/fuzz_upstream/%s", out_dir, name);

    if (w < 0 || (size_t)w >= sizeof path) {
        fprintf(stderr, "make_upstream_seeds: path too long for %s\n", name);
        exit(1);
    }
    f = fopen(path, "wb");
    if (!f || (n > 0 && fwrite(b, 1, n, f) != n) || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* A spool row as the gateway stores it: heard by STATION, record encoded
 * by proto. cell/operation pick the record's length (13, 15 or 17). */
static struct spool_row row(uint64_t id, uint32_t counter, const struct record *r)
{
    struct spool_row s;
    size_t n;
    memset(&s, 0, sizeof s);
    s.id = id;
    s.device = DEVICE;
    s.counter = counter;
    s.rx.rx_time_ms = 1726345801234ull;
    s.rx.freq_hz = 869525000u;
    s.rx.rssi_dBm = -97;
    s.rx.snr_qdB = -29;
    s.rx.sf = 9;
    s.rx.bw_kHz = 125;
    s.rx.station = STATION;
    must(record_encode(r, s.record, sizeof s.record, &n), "record_encode");
    s.record_len = (uint8_t)n;
    return s;
}

static struct record stop_record(uint8_t activity, uint16_t cell, uint16_t operation)
{
    struct record r;
    memset(&r, 0, sizeof r);
    r.activity = activity;
    r.start_min = START_MIN;
    r.quantity = 37;
    r.duration_min = 95;
    r.zone = ZONE_MAIN_ROADS;
    r.actor = ACTOR_POLICE;
    r.cell = cell;
    r.operation = operation;
    return r;
}

static struct record void_record(void)
{
    struct record r;
    memset(&r, 0, sizeof r);
    r.activity = ACT_ADMIN_VOID;
    r.start_min = START_MIN;
    r.cell = RECORD_CELL_NONE;
    r.void_counter = COUNTER - 1;
    return r;
}

static void batch_seeds(void)
{
    static struct spool_row rows[UPSTREAM_BATCH_MAX];
    static uint8_t buf[UPSTREAM_BATCH_MAX_LEN + 1];
    struct record r;
    size_t n, i;

    /* One row: the docs/upstream.md §3.4 example's shape (17-byte record). */
    r = stop_record(ACT_ALCOHOL_SCREENING, 0x2A17, 0x1F2E);
    rows[0] = row(ROW_ID, COUNTER, &r);
    must(upstream_batch_encode(rows, 1, buf, sizeof buf, &n), "batch_1");
    seed("batch_1", buf, n);

    /* A few rows of every record length: 17, 15, 13 and a 12-byte void,
     * with the rx fields at their extremes in the later rows. */
    r = stop_record(ACT_TRAFFIC_CHECKPOINT, 0x0102, 0);
    rows[1] = row(ROW_ID + 1, COUNTER + 1, &r);
    r = stop_record(ACT_GUARD_HARBOUR, RECORD_CELL_NONE, 0);
    rows[2] = row(ROW_ID + 2, COUNTER + 2, &r);
    rows[2].rx.rssi_dBm = -32768;
    rows[2].rx.snr_qdB = 127;
    rows[2].rx.station = 0xFFFF;
    r = void_record();
    rows[3] = row(ROW_ID + 5, COUNTER + 3, &r);
    rows[3].device = 0xFFFFFFFEu;
    rows[3].id = UINT64_MAX;
    rows[3].rx.rx_time_ms = 0;
    must(upstream_batch_encode(rows, 4, buf, sizeof buf, &n), "batch_4");
    seed("batch_4", buf, n);

    /* Broken: one byte short, one byte too many. */
    seed("batch_4_truncated", buf, n - 1);
    buf[n] = 0x00;
    seed("batch_4_trailing", buf, n + 1);

    /* The largest batch: UPSTREAM_BATCH_MAX rows, record lengths cycling. */
    for (i = 0; i < UPSTREAM_BATCH_MAX; i++) {
        r = stop_record(ACT_ALCOHOL_SCREENING, i % 3 == 0 ? RECORD_CELL_NONE : (uint16_t)i,
                        i % 3 == 2 ? (uint16_t)(i + 1) : 0);
        rows[i] = row(ROW_ID + i, COUNTER + (uint32_t)i, &r);
    }
    must(upstream_batch_encode(rows, UPSTREAM_BATCH_MAX, buf, sizeof buf, &n), "batch_max");
    seed("batch_max", buf, n);
}

static void reply_seeds(void)
{
    static struct upstream_reply rep;
    uint8_t buf[UPSTREAM_REPLY_MAX_LEN + 1];
    size_t n;

    memset(&rep, 0, sizeof rep);
    rep.type = UPSTREAM_ACK;
    rep.count = 2;
    rep.ids[0] = ROW_ID;
    rep.ids[1] = ROW_ID + 1;
    must(upstream_reply_encode(&rep, buf, sizeof buf, &n), "ack");
    seed("ack_2", buf, n);

    rep.type = UPSTREAM_REFUSED;
    rep.reason = UPSTREAM_REFUSED_STORAGE_FULL;
    rep.count = 3;
    rep.ids[2] = UINT64_MAX;
    must(upstream_reply_encode(&rep, buf, sizeof buf, &n), "refused");
    seed("refused_storage_full", buf, n);
    /* Broken: the reserved byte after the reason set. */
    buf[5] = 0x01;
    seed("refused_reserved", buf, n);

    rep.reason = UPSTREAM_REFUSED_MALFORMED;
    rep.count = 0; /* a batch that did not decode lists no ids */
    must(upstream_reply_encode(&rep, buf, sizeof buf, &n), "refused_malformed");
    seed("refused_malformed", buf, n);
    /* Broken: a REFUSED cut before its reason byte. */
    seed("refused_truncated", buf, n - 2);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    batch_seeds();
    reply_seeds();
    return 0;
}
