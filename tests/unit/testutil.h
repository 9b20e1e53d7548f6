/* testutil.h -- small helpers shared by the Criterion unit tests. */
#ifndef LOFTE_TESTUTIL_H
#define LOFTE_TESTUTIL_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Parse a hex string into out; returns the byte count (aborts the test on
 * a malformed string, which is a bug in the test itself). */
static inline size_t hex2bin(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2, i;
    cr_assert_eq(strlen(hex) % 2, 0, "odd hex string");
    cr_assert_leq(n, cap, "hex string longer than buffer");
    for (i = 0; i < n; i++) {
        unsigned v;
        cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static inline void bin2hex(const uint8_t *b, size_t n, char *out)
{
    size_t i;
    for (i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
    out[2 * n] = 0;
}

#define assert_bytes_hex(buf, n, hexstr)                                     \
    do {                                                                     \
        char got_[1024];                                                     \
        bin2hex((buf), (n), got_);                                           \
        cr_assert_str_eq(got_, (hexstr));                                    \
    } while (0)

#endif
