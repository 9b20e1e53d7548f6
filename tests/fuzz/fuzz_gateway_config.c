/* fuzz_gateway_config.c -- libFuzzer target for gateway/config.c's INI
 * reader and config_check: what an operator (or a broken editor, or a
 * disk that returned garbage) puts in /etc/lofte/gateway.ini.
 *
 * Input: the file's bytes, as they are (NUL bytes, no final newline, any
 * line length).
 *
 * Properties (a broken one traps, so libFuzzer keeps the input):
 *  - config_load_file and config_check return CONFIG_OK or a config_err
 *    code, and err is empty exactly when they return CONFIG_OK;
 *  - every line of err that a file line caused names this file:line with
 *    a line number the file has;
 *  - a value taken from the file came from a line that exists, holds no
 *    NUL, no newline, and is no longer than its buffer allows;
 *  - a file that loads and checks cleanly gives typed values within the
 *    table's ranges (station_id 1..65535, a known baud rate, SF 0 or 7..12).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "fuzz_file.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config c;  /* ~80 kB: not on the stack */
static char err[16384];

static int is_config_err(int rc)
{
    return rc <= CONFIG_OK && rc > -CONFIG_ERR_COUNT_;
}

static unsigned lines_in(const uint8_t *data, size_t size)
{
    unsigned n = 0;
    size_t i;
    for (i = 0; i < size; i++)
        n += data[i] == '\n';
    return n + (size && data[size - 1] != '\n');
}

/* Every line of err that starts "path:" goes on "N: " with 1 <= N <= lines.
 * (Only at a line's start: a message may quote a value, and a value may
 * hold anything, the path included.) */
static void check_lines(const char *path, unsigned lines)
{
    size_t pl = strlen(path);
    const char *p = err;
    while (*p) {
        const char *eol = strchr(p, '\n');
        if (strncmp(p, path, pl) == 0 && p[pl] == ':') {
            unsigned long n = 0;
            const char *q = p + pl + 1;
            CHECK(*q >= '1' && *q <= '9');
            while (*q >= '0' && *q <= '9')
                n = n * 10 + (unsigned long)(*q++ - '0');
            CHECK(*q == ':');
            CHECK(n >= 1 && n <= lines);
        }
        if (!eol)
            break;
        p = eol + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file_write("gwconfig", data, size);
    unsigned lines = lines_in(data, size);
    size_t i;
    int rc;

    config_init(&c);
    rc = config_load_file(&c, path, err, sizeof err);
    CHECK(is_config_err(rc));
    CHECK((rc == CONFIG_OK) == (err[0] == 0));
    check_lines(path, lines);
    for (i = 0; i < CONFIG_MAX_OPTIONS; i++) {
        const struct config_value *v = &c.values[i];
        if (v->from != CONFIG_FROM_FILE)
            continue;
        CHECK(v->line >= 1 && v->line <= lines);
        CHECK(strchr(v->raw, '\n') == NULL);
        CHECK(strlen(v->raw) < sizeof v->raw);
        CHECK(strncmp(v->where, path, strlen(path)) == 0);
    }

    rc = config_check(&c, err, sizeof err);
    CHECK(is_config_err(rc));
    CHECK((rc == CONFIG_OK) == (err[0] == 0));
    check_lines(path, lines);
    if (rc == CONFIG_OK) {
        CHECK(c.station_id >= 1);
        CHECK(c.baud >= 1200 && c.baud <= 4000000);
        CHECK(c.ack_sf == 0 || (c.ack_sf >= 7 && c.ack_sf <= 12));
        CHECK(c.port[0] != 0 && c.collector[0] != 0);
        CHECK(strlen(c.collector_public_key) == CONFIG_Z85_KEY_LEN);
    }
    return 0;
}
