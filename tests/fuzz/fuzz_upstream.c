/* fuzz_upstream.c -- libFuzzer target for the upstream message codec of
 * gateway/upstream.c (docs/upstream.md §3).
 *
 * The input is one message as it comes off the ZeroMQ socket: the
 * collector reads it with upstream_batch_decode, the gateway with
 * upstream_reply_decode; both decoders get every input. Properties:
 *  - neither decoder reads past len, and each fails with a proto_err code
 *    that has a name and a sentence;
 *  - a failed batch decode reports no rows (*n == 0);
 *  - a BATCH that decodes encodes back to exactly the input bytes (a
 *    version 1 one to its version 2 form, which decodes to the same rows), with
 *    spooled_at_ms 0 and was_sent 0 in every row (they do not travel): the
 *    decoder accepts only what the encoder writes, so no message has two
 *    encodings and nothing in the bytes is silently dropped. Too small a
 *    rows array or output buffer is refused with PROTO_ERR_BUFFER, not
 *    overrun;
 *  - likewise an ACK or REFUSED that decodes encodes back to the input, and
 *    its refusal reason has a name.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto_err.h"
#include "upstream.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_proto_rc(int rc)
{
    return rc <= PROTO_OK && rc > -PROTO_ERR_COUNT;
}

static void named_rc(int rc)
{
    const char *s;
    CHECK((s = upstream_errname(rc)) != NULL && strlen(s) > 0);
    CHECK((s = upstream_strerror(rc)) != NULL && strlen(s) > 0);
}

static void batch(const uint8_t *data, size_t size)
{
    static struct spool_row rows[UPSTREAM_BATCH_MAX];
    static uint8_t out[UPSTREAM_BATCH_MAX_LEN];
    size_t n = 12345, len = 0, n2 = 12345, i;
    int rc = upstream_batch_decode(data, size, rows, UPSTREAM_BATCH_MAX, &n);

    CHECK(is_proto_rc(rc));
    named_rc(rc);
    if (rc != PROTO_OK) {
        CHECK(n == 0);
        return;
    }
    CHECK(n >= 1 && n <= UPSTREAM_BATCH_MAX);
    CHECK(size <= UPSTREAM_BATCH_MAX_LEN);
    for (i = 0; i < n; i++) {
        CHECK(rows[i].spooled_at_ms == 0 && rows[i].was_sent == 0);
        CHECK(rows[i].record_len >= RECORD_MIN_LEN && rows[i].record_len <= RECORD_MAX_LEN);
    }
    CHECK(upstream_batch_encode(rows, n, out, sizeof out, &len) == PROTO_OK);
    if (data[0] == UPSTREAM_VERSION_NO_FRAME) {
        /* A version 1 batch (no frames) is still decoded; it encodes as
         * version 2, one frame-length byte (0) more per row, and that
         * decodes to the same rows. */
        static struct spool_row again[UPSTREAM_BATCH_MAX];
        CHECK(len == size + n && out[0] == UPSTREAM_VERSION);
        for (i = 0; i < n; i++)
            CHECK(rows[i].frame_len == 0);
        CHECK(upstream_batch_decode(out, len, again, UPSTREAM_BATCH_MAX, &n2) == PROTO_OK);
        CHECK(n2 == n && memcmp(again, rows, n * sizeof *rows) == 0);
        return;
    }
    CHECK(len == size && memcmp(out, data, size) == 0);

    /* One byte less room than the message needs: refused, not overrun. */
    CHECK(upstream_batch_encode(rows, n, out, size - 1, &len) == PROTO_ERR_BUFFER);
    /* One row less room than the batch holds: refused before any row. */
    CHECK(upstream_batch_decode(data, size, rows, n - 1, &n2) == PROTO_ERR_BUFFER);
    CHECK(n2 == 0);
}

static void reply(const uint8_t *data, size_t size)
{
    static struct upstream_reply r;
    uint8_t out[UPSTREAM_REPLY_MAX_LEN];
    size_t len = 0;
    const char *s;
    int rc = upstream_reply_decode(data, size, &r);

    CHECK(is_proto_rc(rc));
    named_rc(rc);
    if (rc != PROTO_OK)
        return;
    CHECK(r.type == UPSTREAM_ACK || r.type == UPSTREAM_REFUSED);
    CHECK(r.count <= UPSTREAM_BATCH_MAX);
    CHECK(size <= UPSTREAM_REPLY_MAX_LEN);
    if (r.type == UPSTREAM_REFUSED) {
        CHECK((s = upstream_refusal_name(r.reason)) != NULL && strcmp(s, "unknown") != 0);
    } else {
        CHECK(r.count >= 1);
    }
    CHECK(upstream_reply_encode(&r, out, sizeof out, &len) == PROTO_OK);
    CHECK(len == size && memcmp(out, data, size) == 0);
    CHECK(upstream_reply_encode(&r, out, size - 1, &len) == PROTO_ERR_BUFFER);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    batch(data, size);
    reply(data, size);
    /* Safe for any value, not just the codes the decoders return. */
    if (size >= 2) {
        CHECK(upstream_refusal_name(data[0]) != NULL);
        named_rc(-(int)data[1]);
    }
    return 0;
}
