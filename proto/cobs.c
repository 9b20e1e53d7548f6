/* cobs.c -- COBS encoder and decoder on caller-owned buffers. */
#include "cobs.h"
#include "proto_err.h"

int cobs_encode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    size_t code_at = 0, o = 1, i;
    uint8_t code = 1;

    if (cap < COBS_MAX_ENCODED(n))
        return PROTO_ERR_BUFFER;
    for (i = 0; i < n; i++) {
        if (in[i] == 0) {
            out[code_at] = code;
            code_at = o++;
            code = 1;
            continue;
        }
        out[o++] = in[i];
        if (++code == 0xFF && i + 1 < n) {
            /* a full run of 254 data bytes with more to come: the next block
             * starts a new code (no implied zero after it). At the very end
             * the run is closed below, so output stays canonical. */
            out[code_at] = code;
            code_at = o++;
            code = 1;
        }
    }
    out[code_at] = code;
    *len = o;
    return PROTO_OK;
}

int cobs_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    size_t i = 0, o = 0, k;
    uint8_t code;

    while (i < n) {
        code = in[i++];
        if (code == 0)
            return PROTO_ERR_BAD_COBS;
        if ((size_t)(code - 1) > n - i)
            return PROTO_ERR_BAD_COBS;
        if (o + (size_t)(code - 1) > cap)
            return PROTO_ERR_BUFFER;
        for (k = 1; k < code; k++) {
            if (in[i] == 0)
                return PROTO_ERR_BAD_COBS;
            out[o++] = in[i++];
        }
        /* a code below 0xFF implies a zero, except at the very end */
        if (code != 0xFF && i < n) {
            if (o >= cap)
                return PROTO_ERR_BUFFER;
            out[o++] = 0;
        }
    }
    *len = o;
    return PROTO_OK;
}
