/* fuzz_keystore.c -- libFuzzer target for gateway/keystore.c's reader of
 * the per-device key file (`<8 hex device> <32 hex key>` per line,
 * comments, blank lines), the file every gateway trusts its keys from.
 *
 * Input: the file's bytes. The file is mode 0600, so the mode rule passes
 * and the parser itself is what runs.
 *
 * Properties:
 *  - keystore_read returns KEYSTORE_OK or a keystore_err code; on failure
 *    the store is empty and err says why; on success err is not needed;
 *  - every entry's device is neither 0 nor ffffffff (reserved), appears
 *    once, keystore_find returns that entry and its line exists in the
 *    file;
 *  - an entry's device and key, written as keystore_format_line writes
 *    them, are in the input (hex compared lowered): nothing is made up.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_file.h"
#include "keystore.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char err[1024];
static char lowered[1 << 16];

static unsigned lines_in(const uint8_t *data, size_t size)
{
    unsigned n = 0;
    size_t i;
    for (i = 0; i < size; i++)
        n += data[i] == '\n';
    return n + (size && data[size - 1] != '\n');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct keystore ks;
    const char *path = fuzz_file_write("keystore", data, size);
    unsigned lines = lines_in(data, size);
    size_t i, j;
    int rc;

    memset(&ks, 0, sizeof ks);
    err[0] = 0;
    rc = keystore_read(&ks, path, err, sizeof err);
    CHECK(rc <= KEYSTORE_OK && rc > -KEYSTORE_ERR_COUNT_);
    if (rc != KEYSTORE_OK) {
        CHECK(ks.count == 0 && ks.entries == NULL);
        CHECK(err[0] != 0);
        keystore_free(&ks);
        return 0;
    }
    /* the text, lowered, NUL-free, to look the formatted lines up in */
    for (i = 0, j = 0; i < size && j + 1 < sizeof lowered; i++)
        lowered[j++] = data[i] ? (char)tolower(data[i]) : '\x01';
    lowered[j] = 0;
    for (i = 0; i < ks.count; i++) {
        const struct keystore_entry *e = &ks.entries[i];
        char line[KEYSTORE_LINE_MAX];
        CHECK(e->device != 0 && e->device != 0xFFFFFFFFu);
        CHECK(keystore_find(&ks, e->device) == e);
        CHECK(e->line >= 1 && e->line <= lines);
        for (j = 0; j < i; j++)
            CHECK(ks.entries[j].device != e->device);
        CHECK(keystore_format_line(e->device, e->key, line, sizeof line) ==
              KEYSTORE_LINE_MAX - 1);
        line[strcspn(line, "\n")] = 0;
        line[8] = 0; /* "<device>\0<key>" */
        if (size < sizeof lowered) {
            CHECK(strstr(lowered, line) != NULL);
            CHECK(strstr(lowered, line + 9) != NULL);
        }
    }
    keystore_free(&ks);
    return 0;
}
