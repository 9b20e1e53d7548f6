/* fuzz_allowed_gateways.c -- libFuzzer target for collector/zap.c's reader
 * of the allowed-gateways file (`<Z85 public key> <name>` per line): the
 * list of who may put records into the collector.
 *
 * Input: the file's bytes (mode 0600, so the mode rule passes).
 *
 * Properties:
 *  - zap_allowed_load returns ZAP_OK or a zap_err code; on failure the
 *    list is empty and err says why;
 *  - every listed gateway has a valid 40-character Z85 key whose binary
 *    form it holds, a name of 1..ZAP_NAME_MAX allowed characters, both
 *    unique, and zap_allowed_by_key / _by_name find it;
 *  - the key and the whole name are in the input, the name running to the
 *    end of its line: nothing is cut short (at a NUL byte, at a buffer's
 *    end) or made up.
 */
#define _GNU_SOURCE /* memmem */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <zmq.h>

#include "fuzz_file.h"
#include "upstream.h"
#include "zap.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char err[1024];

static int name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
}

/* name occurs in data followed by blanks and a line end (or the end). */
static int name_ends_its_line(const uint8_t *data, size_t size, const char *name)
{
    size_t nl = strlen(name);
    const uint8_t *p = data, *end = data + size;
    while (p < end && (p = memmem(p, (size_t)(end - p), name, nl)) != NULL) {
        const uint8_t *q = p + nl;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q == end || *q == '\n')
            return 1;
        p++;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zap_allowed a;
    const char *path = fuzz_file_write("allowed", data, size);
    size_t i, j, n;
    int rc;

    err[0] = 0;
    rc = zap_allowed_load(path, &a, err, sizeof err);
    CHECK(rc == ZAP_OK || (rc <= ZAP_ERR_FILE && rc >= ZAP_ERR_ZMQ));
    if (rc != ZAP_OK) {
        CHECK(a.count == 0 && a.gw == NULL);
        CHECK(err[0] != 0);
        zap_allowed_free(&a);
        return 0;
    }
    for (i = 0; i < a.count; i++) {
        const struct zap_gateway *g = &a.gw[i];
        uint8_t key[ZAP_KEY_LEN];
        char z85[41];
        CHECK(strlen(g->public_z85) == UPSTREAM_Z85_LEN && upstream_key_valid(g->public_z85));
        CHECK(zmq_z85_decode(key, g->public_z85) != NULL);
        CHECK(memcmp(key, g->key, ZAP_KEY_LEN) == 0);
        CHECK(zmq_z85_encode(z85, g->key, ZAP_KEY_LEN) != NULL);
        CHECK(strcmp(z85, g->public_z85) == 0);
        n = strlen(g->name);
        CHECK(n >= 1 && n <= ZAP_NAME_MAX);
        for (j = 0; j < n; j++)
            CHECK(name_char(g->name[j]));
        CHECK(zap_allowed_by_key(&a, g->key) == g);
        CHECK(zap_allowed_by_name(&a, g->name) == g);
        for (j = 0; j < i; j++) {
            CHECK(memcmp(a.gw[j].key, g->key, ZAP_KEY_LEN) != 0);
            CHECK(strcmp(a.gw[j].name, g->name) != 0);
        }
        CHECK(memmem(data, size, g->public_z85, UPSTREAM_Z85_LEN) != NULL);
        CHECK(name_ends_its_line(data, size, g->name));
    }
    zap_allowed_free(&a);
    return 0;
}
