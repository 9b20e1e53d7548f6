/* cobs.h -- Consistent Overhead Byte Stuffing (Cheshire and Baker, 1999).
 *
 * Turns any bytes into bytes without 0x00, so 0x00 can end a frame on the
 * serial line: a reader that lost sync waits for the next 0x00 and is back.
 * Overhead: one byte per started run of 254 non-zero bytes, plus one.
 * The 0x00 delimiter itself is not written or expected by these functions.
 */
#ifndef LOFTE_COBS_H
#define LOFTE_COBS_H

#include <stddef.h>
#include <stdint.h>

/* Largest encoded size of n input bytes. */
#define COBS_MAX_ENCODED(n) ((n) + (n) / 254 + 1)

int cobs_encode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *len);

/* Decode; a 0x00 inside in[] or a code running past the end is
 * PROTO_ERR_BAD_COBS. */
int cobs_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *len);

#endif
