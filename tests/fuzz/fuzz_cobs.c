/* fuzz_cobs.c -- libFuzzer target for proto/cobs.c.
 *
 * The input is used twice: as COBS bytes off the wire (cobs_decode must
 * reject or decode without touching memory it was not given), and as raw
 * data (cobs_encode then cobs_decode must give it back, with no 0x00 in
 * between, since that 0x00 would end the serial frame early).
 *
 * Buffers come from malloc at their exact size, not from a larger stack
 * array, so AddressSanitizer flags a write even one byte past the capacity
 * the decoder was told.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cobs.h"
#include "proto_err.h"

/* A broken property is a crash, so libFuzzer saves the input. */
#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* malloc(0) may return NULL; one spare byte costs nothing and keeps the
 * NULL check meaningful. The capacity passed on is still exact. */
static uint8_t *alloc(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

static void check_decode(const uint8_t *data, size_t size)
{
    /* Each code byte stands for at most itself: decoded output is never
     * longer than the input, so size is enough capacity. */
    uint8_t *out = alloc(size);
    size_t len = 0, len2 = 0;
    int rc = cobs_decode(data, size, out, size, &len);

    CHECK(rc == PROTO_OK || rc == PROTO_ERR_BAD_COBS);
    if (rc == PROTO_OK && len > 0) {
        CHECK(len <= size);
        /* One byte less room must be refused, not overrun. */
        rc = cobs_decode(data, size, out, len - 1, &len2);
        CHECK(rc == PROTO_ERR_BUFFER);
    }
    free(out);
}

static void check_round_trip(const uint8_t *data, size_t size)
{
    size_t cap = COBS_MAX_ENCODED(size), enc_len = 0, dec_len = 0, i;
    uint8_t *enc = alloc(cap);
    uint8_t *dec = alloc(size);

    CHECK(cobs_encode(data, size, enc, cap, &enc_len) == PROTO_OK);
    CHECK(enc_len >= 1 && enc_len <= cap);
    for (i = 0; i < enc_len; i++)
        CHECK(enc[i] != 0x00);
    CHECK(cobs_decode(enc, enc_len, dec, size, &dec_len) == PROTO_OK);
    CHECK(dec_len == size);
    CHECK(size == 0 || memcmp(dec, data, size) == 0);
    free(dec);
    free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_decode(data, size);
    check_round_trip(data, size);
    return 0;
}
