/* fuzz_curve_key.c -- libFuzzer target for gateway/upstream.c's CURVE key
 * file readers (`public-key = <Z85>` / `secret-key = <Z85>` lines, as
 * lofte-curve-keygen writes them): the gateway's and the collector's own
 * identity on the upstream link.
 *
 * Input: the file's bytes (mode 0600, so the secret-key mode rule passes).
 *
 * Properties:
 *  - upstream_key_load and upstream_key_load_public return UPSTREAM_OK or
 *    an upstream error, with err set on failure; a failed load leaves the
 *    secret buffer wiped;
 *  - a loaded pair is two valid 40-character Z85 keys, the public key is
 *    the one the secret derives, both are in the input, and
 *    upstream_key_load_public of the same file gives the same public key;
 *  - a loaded public key (either reader) is valid Z85 and is in the input.
 */
#define _GNU_SOURCE /* memmem */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <zmq.h>

#include "fuzz_file.h"
#include "upstream.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char err[1024];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char zero[UPSTREAM_Z85_LEN + 1];
    char pub[UPSTREAM_Z85_LEN + 1], sec[UPSTREAM_Z85_LEN + 1], pub2[UPSTREAM_Z85_LEN + 1],
        derived[UPSTREAM_Z85_LEN + 1];
    const char *path = fuzz_file_write("curvekey", data, size);
    int rc, rc2;

    memset(pub, 0, sizeof pub);
    memset(sec, 0x55, sizeof sec);
    err[0] = 0;
    rc = upstream_key_load(path, pub, sec, err, sizeof err);
    CHECK(rc <= UPSTREAM_OK);
    if (rc == UPSTREAM_OK) {
        CHECK(upstream_key_valid(pub) && upstream_key_valid(sec));
        CHECK(zmq_curve_public(derived, sec) == 0 && strcmp(derived, pub) == 0);
        CHECK(memmem(data, size, pub, UPSTREAM_Z85_LEN) != NULL);
        CHECK(memmem(data, size, sec, UPSTREAM_Z85_LEN) != NULL);
    } else {
        CHECK(err[0] != 0);
        CHECK(memcmp(sec, zero, sizeof sec) == 0 || sec[0] == 0x55);
    }
    upstream_wipe(sec, sizeof sec);

    err[0] = 0;
    rc2 = upstream_key_load_public(path, pub2, err, sizeof err);
    CHECK(rc2 <= UPSTREAM_OK);
    if (rc2 == UPSTREAM_OK) {
        CHECK(upstream_key_valid(pub2));
        CHECK(memmem(data, size, pub2, UPSTREAM_Z85_LEN) != NULL);
    } else {
        CHECK(err[0] != 0);
    }
    if (rc == UPSTREAM_OK)
        CHECK(rc2 == UPSTREAM_OK && strcmp(pub, pub2) == 0);
    return 0;
}
