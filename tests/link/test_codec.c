/* test_codec.c -- upstream messages (docs/upstream.md §3) and CURVE key
 * files (§5): the documented hex examples, every truncation, every
 * rejection, and the key-file mode rule. */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw */
#include "linkutil.h"
#include "proto_err.h"

/* docs/upstream.md §3.5: record R1 of docs/protocol.md §10.1 in its sealed
 * frame of §10.2, as heard in §10.4, spool row 42. Checklist: change with
 * the document. */
#define VEC_FRAME "118c3d91f42345abb23158edb7b2e92dfa6b1f5e1e238c3a39f9e09766e912c8"
#define VEC_BATCH                                                                 \
    "02010001"                                                                    \
    "000000000000002a8c3d91f40001234500000191f23a6e1233be27a0ff9fe309007d000711" \
    "011100c00025c48e02505f0c002a171f2e"                                          \
    "20" VEC_FRAME
/* the same row from a version 1 gateway: no frame */
#define VEC_BATCH_V1                                                              \
    "01010001"                                                                    \
    "000000000000002a8c3d91f40001234500000191f23a6e1233be27a0ff9fe309007d000711" \
    "011100c00025c48e02505f0c002a171f2e"
#define VEC_ACK "01020002000000000000002a000000000000002b"
#define VEC_REFUSED "010300010100000000000000002a"

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2, i;
    cr_assert_leq(n, cap);
    for (i = 0; i < n; i++) {
        unsigned v;
        cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void tohex(const uint8_t *b, size_t n, char *out)
{
    size_t i;
    for (i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
    out[2 * n] = 0;
}

static struct spool_row vector_row(void)
{
    struct spool_row r;
    uint8_t rec[RECORD_MAX_LEN];
    memset(&r, 0, sizeof r);
    r.id = 42;
    r.device = 0x8c3d91f4u;
    r.counter = 0x00012345u;
    r.rx = rx_at(7, -97);
    r.record_len = (uint8_t)unhex("011100c00025c48e02505f0c002a171f2e", rec, sizeof rec);
    memcpy(r.record, rec, r.record_len);
    r.frame_len = (uint8_t)unhex(VEC_FRAME, r.frame, sizeof r.frame);
    return r;
}

Test(codec, encodes_a_batch_exactly_as_the_document_shows)
{
    struct spool_row r = vector_row();
    uint8_t out[UPSTREAM_BATCH_MAX_LEN];
    char hex[2 * sizeof out + 1];
    size_t len;
    cr_assert_eq(upstream_batch_encode(&r, 1, out, sizeof out, &len), PROTO_OK);
    tohex(out, len, hex);
    cr_assert_str_eq(hex, VEC_BATCH);
}

Test(codec, decodes_the_documented_batch_field_by_field)
{
    uint8_t in[128];
    struct spool_row rows[2];
    size_t n, len = unhex(VEC_BATCH, in, sizeof in);
    struct record rec;
    cr_assert_eq(upstream_batch_decode(in, len, rows, 2, &n), PROTO_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(rows[0].id, 42);
    cr_assert_eq(rows[0].device, 0x8c3d91f4u);
    cr_assert_eq(rows[0].counter, 0x12345u);
    cr_assert_eq(rows[0].rx.rx_time_ms, 1726345801234ULL);
    cr_assert_eq(rows[0].rx.freq_hz, 868100000u);
    cr_assert_eq(rows[0].rx.rssi_dBm, -97);
    cr_assert_eq(rows[0].rx.snr_qdB, -29);
    cr_assert_eq(rows[0].rx.sf, 9);
    cr_assert_eq(rows[0].rx.bw_kHz, 125);
    cr_assert_eq(rows[0].rx.station, 7);
    cr_assert_eq(record_decode(rows[0].record, rows[0].record_len, &rec), PROTO_OK);
    cr_assert_eq(rec.activity, ACT_ALCOHOL_SCREENING);
    cr_assert_eq(rows[0].frame_len, 32);
    cr_assert_eq(memcmp(rows[0].frame, vector_row().frame, 32), 0);
}

Test(codec, still_decodes_a_version_1_batch_without_its_frame)
{
    uint8_t in[128];
    struct spool_row rows[1];
    size_t n, len = unhex(VEC_BATCH_V1, in, sizeof in);
    cr_assert_eq(upstream_batch_decode(in, len, rows, 1, &n), PROTO_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(rows[0].counter, 0x12345u);
    cr_assert_eq(rows[0].record_len, 17);
    cr_assert_eq(rows[0].frame_len, 0);
}

Test(codec, refuses_a_frame_length_no_uplink_has)
{
    struct spool_row r = vector_row();
    uint8_t out[UPSTREAM_BATCH_MAX_LEN], in[128];
    struct spool_row rows[1];
    size_t len, n;
    r.frame_len = 26;
    cr_assert_eq(upstream_batch_encode(&r, 1, out, sizeof out, &len), PROTO_ERR_OUT_OF_RANGE);
    len = unhex(VEC_BATCH, in, sizeof in);
    in[4 + 37 + 17] = 33; /* the frame length byte */
    cr_assert_eq(upstream_batch_decode(in, len, rows, 1, &n), PROTO_ERR_OUT_OF_RANGE);
}

Test(codec, round_trips_a_full_batch_of_every_record_length)
{
    static struct spool_row in[UPSTREAM_BATCH_MAX], out[UPSTREAM_BATCH_MAX];
    static uint8_t buf[UPSTREAM_BATCH_MAX_LEN];
    size_t i, n, len;
    for (i = 0; i < UPSTREAM_BATCH_MAX; i++) {
        in[i] = vector_row();
        in[i].id = 1000 + i;
        in[i].counter = (uint32_t)(i + 1);
        in[i].rx.rssi_dBm = (int16_t)(-140 + (int)i);
        in[i].rx.snr_qdB = (int8_t)(i - 128);
        in[i].record_len = (uint8_t)(RECORD_MIN_LEN + i % (RECORD_MAX_LEN - RECORD_MIN_LEN + 1));
    }
    /* the largest batch fits the documented maximum exactly */
    for (i = 0; i < UPSTREAM_BATCH_MAX; i++)
        in[i].record_len = RECORD_MAX_LEN;
    cr_assert_eq(upstream_batch_encode(in, UPSTREAM_BATCH_MAX, buf, sizeof buf, &len), PROTO_OK);
    cr_assert_eq(len, UPSTREAM_BATCH_MAX_LEN);
    cr_assert_eq(upstream_batch_encode(in, UPSTREAM_BATCH_MAX, buf, len - 1, &len),
                 PROTO_ERR_BUFFER);
    for (i = 0; i < UPSTREAM_BATCH_MAX; i++)
        in[i].record_len = (uint8_t)(RECORD_MIN_LEN + i % (RECORD_MAX_LEN - RECORD_MIN_LEN + 1));
    cr_assert_eq(upstream_batch_encode(in, UPSTREAM_BATCH_MAX, buf, sizeof buf, &len), PROTO_OK);
    cr_assert_eq(upstream_batch_decode(buf, len, out, UPSTREAM_BATCH_MAX, &n), PROTO_OK);
    cr_assert_eq(n, UPSTREAM_BATCH_MAX);
    for (i = 0; i < n; i++) {
        cr_assert_eq(out[i].id, in[i].id);
        cr_assert_eq(out[i].counter, in[i].counter);
        cr_assert_eq(out[i].rx.rssi_dBm, in[i].rx.rssi_dBm);
        cr_assert_eq(out[i].rx.snr_qdB, in[i].rx.snr_qdB);
        cr_assert_eq(out[i].record_len, in[i].record_len);
        cr_assert_eq(memcmp(out[i].record, in[i].record, in[i].record_len), 0);
    }
}

Test(codec, rejects_every_truncation_and_one_byte_too_many)
{
    uint8_t in[128];
    struct spool_row rows[2];
    size_t n, k, len = unhex(VEC_BATCH, in, sizeof in);
    for (k = 0; k < len; k++)
        cr_assert_eq(upstream_batch_decode(in, k, rows, 2, &n), PROTO_ERR_TRUNCATED,
                     "length %zu", k);
    in[len] = 0;
    cr_assert_eq(upstream_batch_decode(in, len + 1, rows, 2, &n), PROTO_ERR_TOO_LONG);
    cr_assert_eq(n, 0);
}

Test(codec, rejects_a_batch_whose_header_or_fields_are_impossible)
{
    uint8_t in[128], m[128];
    struct spool_row rows[2];
    size_t n, len = unhex(VEC_BATCH, in, sizeof in);
    struct {
        size_t at;
        uint8_t value;
        int want;
    } cases[] = {
        {0, 3, PROTO_ERR_BAD_VERSION},     /* version 3 */
        {1, 2, PROTO_ERR_BAD_TYPE},        /* an ACK is not a batch */
        {3, 0, PROTO_ERR_OUT_OF_RANGE},    /* count 0 */
        {4 + 7, 0, PROTO_ERR_OUT_OF_RANGE}, /* row id 0 */
        {4 + 36, 11, PROTO_ERR_OUT_OF_RANGE}, /* record shorter than any */
        {4 + 36, 18, PROTO_ERR_OUT_OF_RANGE}, /* record longer than any */
        {4 + 35, 0, PROTO_ERR_OUT_OF_RANGE}, /* station 0 */
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(m, in, len);
        m[cases[i].at] = cases[i].value;
        cr_assert_eq(upstream_batch_decode(m, len, rows, 2, &n), cases[i].want, "case %zu", i);
    }
    /* count 2 with one item: truncated */
    memcpy(m, in, len);
    m[3] = 2;
    cr_assert_eq(upstream_batch_decode(m, len, rows, 2, &n), PROTO_ERR_TRUNCATED);
    /* more rows than the caller has room for */
    cr_assert_eq(upstream_batch_decode(m, len, rows, 1, &n), PROTO_ERR_BUFFER);
}

Test(codec, encodes_and_decodes_the_documented_ack_and_refusal)
{
    struct upstream_reply r, d;
    uint8_t out[UPSTREAM_REPLY_MAX_LEN];
    char hex[2 * sizeof out + 1];
    size_t len;
    memset(&r, 0, sizeof r);
    r.type = UPSTREAM_ACK;
    r.count = 2;
    r.ids[0] = 42;
    r.ids[1] = 43;
    cr_assert_eq(upstream_reply_encode(&r, out, sizeof out, &len), PROTO_OK);
    tohex(out, len, hex);
    cr_assert_str_eq(hex, VEC_ACK);
    cr_assert_eq(upstream_reply_decode(out, len, &d), PROTO_OK);
    cr_assert_eq(d.type, UPSTREAM_ACK);
    cr_assert_eq(d.count, 2);
    cr_assert_eq(d.ids[1], 43);

    memset(&r, 0, sizeof r);
    r.type = UPSTREAM_REFUSED;
    r.reason = UPSTREAM_REFUSED_STORAGE_FULL;
    r.count = 1;
    r.ids[0] = 42;
    cr_assert_eq(upstream_reply_encode(&r, out, sizeof out, &len), PROTO_OK);
    tohex(out, len, hex);
    cr_assert_str_eq(hex, VEC_REFUSED);
    cr_assert_eq(upstream_reply_decode(out, len, &d), PROTO_OK);
    cr_assert_eq(d.reason, UPSTREAM_REFUSED_STORAGE_FULL);
}

Test(codec, rejects_replies_that_are_short_long_or_impossible)
{
    uint8_t in[64], m[64];
    struct upstream_reply d;
    size_t k, len = unhex(VEC_ACK, in, sizeof in), rlen;
    for (k = 0; k < len; k++)
        cr_assert_eq(upstream_reply_decode(in, k, &d), PROTO_ERR_TRUNCATED, "length %zu", k);
    in[len] = 0;
    cr_assert_eq(upstream_reply_decode(in, len + 1, &d), PROTO_ERR_TOO_LONG);
    memcpy(m, in, len);
    m[3] = 0; /* an ACK of nothing */
    cr_assert_eq(upstream_reply_decode(m, 4, &d), PROTO_ERR_OUT_OF_RANGE);
    memcpy(m, in, len);
    m[1] = UPSTREAM_BATCH;
    cr_assert_eq(upstream_reply_decode(m, len, &d), PROTO_ERR_BAD_TYPE);
    memcpy(m, in, len);
    m[11] = 0; /* row id 0 */
    cr_assert_eq(upstream_reply_decode(m, len, &d), PROTO_ERR_OUT_OF_RANGE);

    rlen = unhex(VEC_REFUSED, m, sizeof m);
    m[5] = 1; /* reserved byte */
    cr_assert_eq(upstream_reply_decode(m, rlen, &d), PROTO_ERR_RESERVED);
    m[5] = 0;
    m[4] = 9; /* no such reason */
    cr_assert_eq(upstream_reply_decode(m, rlen, &d), PROTO_ERR_OUT_OF_RANGE);
    /* a refusal of a malformed batch lists no ids */
    m[4] = UPSTREAM_REFUSED_MALFORMED;
    m[3] = 0;
    cr_assert_eq(upstream_reply_decode(m, 6, &d), PROTO_OK);
    cr_assert_eq(d.count, 0);
}

static void keys_setup(void)
{
    tdir_make();
}

static void keys_teardown(void)
{
    tdir_remove();
}

TestSuite(keys, .init = keys_setup, .fini = keys_teardown);

Test(keys, generates_a_pair_whose_secret_file_only_its_owner_can_read)
{
    char pub[41], pub2[41], sec[41], err[256];
    struct stat st;
    make_keys("gw", pub);
    cr_assert(upstream_key_valid(pub));
    cr_assert_eq(stat(tpath("gw.key"), &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    cr_assert_eq(stat(tpath("gw.pub"), &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0644);
    cr_assert_eq(upstream_key_load(tpath("gw.key"), pub2, sec, err, sizeof err), UPSTREAM_OK,
                 "%s", err);
    cr_assert_str_eq(pub2, pub);
    cr_assert(upstream_key_valid(sec));
    cr_assert_eq(upstream_key_load_public(tpath("gw.pub"), pub2, err, sizeof err), UPSTREAM_OK);
    cr_assert_str_eq(pub2, pub);
    /* never overwritten */
    cr_assert_eq(upstream_key_generate(tpath("gw"), pub2, err, sizeof err), UPSTREAM_ERR_KEY);
    cr_assert_eq(upstream_key_load_public(tpath("gw.pub"), pub2, err, sizeof err), UPSTREAM_OK);
    cr_assert_str_eq(pub2, pub);
}

Test(keys, refuses_a_secret_key_file_others_can_read_and_does_not_quote_it)
{
    char pub[41], pub2[41], sec[41], err[256], text[512];
    FILE *f;
    make_keys("c", pub);
    f = fopen(tpath("c.key"), "r");
    cr_assert_not_null(f);
    text[fread(text, 1, sizeof text - 1, f)] = 0;
    fclose(f);
    cr_assert_eq(chmod(tpath("c.key"), 0644), 0);
    cr_assert_eq(upstream_key_load(tpath("c.key"), pub2, sec, err, sizeof err),
                 UPSTREAM_ERR_KEY_MODE);
    cr_assert_neq(strstr(err, "0644"), NULL, "%s", err);
    cr_assert_eq(strstr(err, strstr(text, "secret-key = ") + 13), NULL);
    cr_assert_eq(chmod(tpath("c.key"), 0640), 0);
    cr_assert_eq(upstream_key_load(tpath("c.key"), pub2, sec, err, sizeof err),
                 UPSTREAM_ERR_KEY_MODE);
}

Test(keys, refuses_a_key_file_whose_keys_do_not_belong_together)
{
    char a[41], b[41], pub[41], sec[41], err[256];
    char line[200];
    FILE *f;
    make_keys("a", a);
    make_keys("b", b);
    /* a's secret with b's public key */
    f = fopen(tpath("a.key"), "r");
    cr_assert_not_null(f);
    while (fgets(line, sizeof line, f) && strncmp(line, "secret-key", 10) != 0)
        ;
    fclose(f);
    f = fopen(tpath("mixed.key"), "w");
    fprintf(f, "public-key = %s\n%s", b, line);
    fclose(f);
    chmod(tpath("mixed.key"), 0600);
    cr_assert_eq(upstream_key_load(tpath("mixed.key"), pub, sec, err, sizeof err),
                 UPSTREAM_ERR_KEY);
    f = fopen(tpath("junk.key"), "w");
    fprintf(f, "public-key = short\n");
    fclose(f);
    chmod(tpath("junk.key"), 0600);
    cr_assert_eq(upstream_key_load(tpath("junk.key"), pub, sec, err, sizeof err),
                 UPSTREAM_ERR_KEY);
    cr_assert_eq(upstream_key_load(tpath("missing.key"), pub, sec, err, sizeof err),
                 UPSTREAM_ERR_KEY);
}
