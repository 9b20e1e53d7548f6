/* test_keystore.c -- the per-device key file (gateway/keystore.h).
 *
 * Every test works in its own temporary directory. Whenever a call fails,
 * its message is also checked for the keys of the file: a key must never
 * reach an error message (and from there the journal).
 */
#define _DEFAULT_SOURCE /* mkdtemp */

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keystore.h"
#include "radio.h"
#include "station.h"
#include "testutil.h"
#include "vectors.h"

#define KEY_A "000102030405060708090a0b0c0d0e0f" /* docs/protocol.md §10 */
#define KEY_B "ffeeddccbbaa99887766554433221100"
#define KEY_C "00112233445566778899aabbccddeeff"

static char dir[64], path[128], err[1024];
static struct station st;
static struct station_device devs[16];

static void setup(void)
{
    strcpy(dir, "/tmp/lofte-gwserial-ks-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/keys", dir);
    station_init(&st, 7, devs, 16);
    err[0] = 0;
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(keystore, .init = setup, .fini = teardown);

static void write_file(const char *p, const char *text, mode_t mode)
{
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    cr_assert_eq(fchmod(fd, mode), 0);
    close(fd);
}

/* No key of these tests, in either case, in the message. */
static void assert_no_key(const char *msg)
{
    static const char *const keys[] = {KEY_A, KEY_B, KEY_C, "FFEEDDCCBBAA99887766554433221100"};
    size_t i;
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_assert_null(strstr(msg, keys[i]), "a key leaked into: %s", msg);
    /* nor a long part of one */
    cr_assert_null(strstr(msg, "0405060708090a0b"), "part of a key leaked into: %s", msg);
    cr_assert_null(strstr(msg, "bbaa998877665544"), "part of a key leaked into: %s", msg);
}

static int load(void)
{
    int r = keystore_load(path, &st, NULL, err, sizeof err);
    if (r != KEYSTORE_OK)
        assert_no_key(err);
    return r;
}

/* --- reading ---------------------------------------------------------------------- */

Test(keystore, loads_a_good_file_with_comments_blank_lines_and_either_case)
{
    size_t n = 0;
    uint8_t want[RADIO_KEY_LEN];
    struct station_device *d;
    write_file(path,
               "# gateway 7 keys\n"
               "\n"
               "8c3d91f4 " KEY_A "   # the protocol vector's device\n"
               "  0000ABCD FFEEDDCCBBAA99887766554433221100\n"
               "\t12345678\t" KEY_C "#tight comment\r\n"
               "   \n"
               "# end\n",
               0600);
    cr_assert_eq(keystore_load(path, &st, &n, err, sizeof err), KEYSTORE_OK, "%s", err);
    cr_assert_eq(n, 3);
    cr_assert_eq(st.count, 3);
    d = station_find(&st, 0x8c3d91f4u);
    cr_assert_not_null(d);
    hex2bin(KEY_A, want, sizeof want);
    cr_assert_arr_eq(d->key, want, RADIO_KEY_LEN);
    d = station_find(&st, 0x0000abcdu);
    cr_assert_not_null(d);
    hex2bin(KEY_B, want, sizeof want);
    cr_assert_arr_eq(d->key, want, RADIO_KEY_LEN);
    cr_assert_not_null(station_find(&st, 0x12345678u));
}

Test(keystore, a_loaded_key_opens_the_protocol_vector_frame)
{
    uint8_t frame[64];
    size_t len = hex2bin(VEC_UPLINK, frame, sizeof frame);
    struct station_device *d = NULL;
    uint32_t counter = 0;
    struct record rec;
    write_file(path, "8c3d91f4 " VEC_KEY "\n", 0600);
    cr_assert_eq(load(), KEYSTORE_OK, "%s", err);
    /* the station rebuilds the counter from its reference; start it near */
    station_find(&st, VEC_DEVICE)->ref = 0x00012300u;
    cr_assert_eq(station_open(&st, frame, len, &d, &counter, &rec), STATION_NEW);
    cr_assert_eq(counter, VEC_COUNTER);
}

Test(keystore, refuses_a_file_group_or_others_may_read_or_write_naming_the_mode_and_the_fix)
{
    static const mode_t modes[] = {0644, 0640, 0620, 0604, 0602, 0660, 0666, 0610};
    size_t i;
    for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        char mode_text[8];
        write_file(path, "8c3d91f4 " KEY_A "\n", modes[i]);
        cr_assert_eq(load(), KEYSTORE_ERR_MODE, "mode %04o", (unsigned)modes[i]);
        snprintf(mode_text, sizeof mode_text, "%04o", (unsigned)modes[i]);
        cr_assert(strstr(err, mode_text), "names the mode %s: %s", mode_text, err);
        cr_assert(strstr(err, path), "names the file: %s", err);
        cr_assert(strstr(err, "chmod 600"), "says how to fix it: %s", err);
        cr_assert_eq(st.count, 0);
    }
    write_file(path, "8c3d91f4 " KEY_A "\n", 0400);
    cr_assert_eq(load(), KEYSTORE_OK, "read-only for the owner is fine: %s", err);
}

Test(keystore, refuses_what_is_not_a_regular_file)
{
    char fifo[160];
    cr_assert_eq(keystore_load(dir, &st, NULL, err, sizeof err), KEYSTORE_ERR_NOT_FILE, "%s",
                 err);
    cr_assert(strstr(err, "not a regular file"), "%s", err);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert_eq(keystore_load(fifo, &st, NULL, err, sizeof err), KEYSTORE_ERR_NOT_FILE,
                 "a FIFO neither hangs nor passes: %s", err);
}

Test(keystore, a_missing_file_is_named_with_the_system_reason)
{
    snprintf(path, sizeof path, "%s/absent", dir);
    cr_assert_eq(load(), KEYSTORE_ERR_OPEN);
    cr_assert(strstr(err, path) && strstr(err, "No such file"), "%s", err);
}

Test(keystore, names_each_kind_of_malformed_line_by_file_and_line_without_the_key)
{
    static const struct {
        const char *line, *reason;
    } bad[] = {
        {"8c3d91f 000102030405060708090a0b0c0d0e0f", "device must be 8 hex digits, found 7"},
        {"8c3d91f4a " KEY_A, "device must be 8 hex digits, found 9"},
        {"8c3d91fg " KEY_A, "device has a character that is not a hex digit"},
        {"00000000 " KEY_A, "reserved"},
        {"ffffffff " KEY_A, "reserved"},
        {"8c3d91f4", "no key"},
        {"8c3d91f4   # no key, a comment", "no key"},
        {"8c3d91f4 000102030405060708090a0b0c0d0e", "key must be 32 hex digits, found 30"},
        {"8c3d91f4 " KEY_A "00", "key must be 32 hex digits, found 34"},
        {"8c3d91f4 000102030405060708090a0b0c0d0e0g", "key has a character"},
        {"8c3d91f4 " KEY_A " extra", "unexpected text after the key"},
        {"8c3d91f4 " KEY_A " " KEY_B, "unexpected text after the key"},
        {KEY_B " 8c3d91f4", "device must be 8 hex digits, found 32"}, /* columns swapped */
        {"8c3d91f4," KEY_B, "device must be 8 hex digits"},
        {"device=8c3d91f4 key=" KEY_B, "device must be 8 hex digits"},
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512], where[160];
        snprintf(text, sizeof text, "12345678 " KEY_C "\n# second line\n%s\n0000abcd " KEY_B
                 "\n", bad[i].line);
        write_file(path, text, 0600);
        cr_assert_eq(load(), KEYSTORE_ERR_SYNTAX, "line '%s'", bad[i].line);
        snprintf(where, sizeof where, "%s:3: ", path);
        cr_assert(strstr(err, where), "names file:line for '%s': %s", bad[i].line, err);
        cr_assert(strstr(err, bad[i].reason), "says '%s' for '%s': %s", bad[i].reason,
                  bad[i].line, err);
        cr_assert_eq(st.count, 0, "a bad file loads nothing");
    }
}

Test(keystore, refuses_a_device_listed_twice_naming_both_lines)
{
    char where[256];
    write_file(path,
               "12345678 " KEY_C "\n"
               "8c3d91f4 " KEY_A "\n"
               "0000abcd " KEY_B "\n"
               "# again:\n"
               "8c3d91f4 " KEY_B "\n"
               "12345678 " KEY_C "\n",
               0600);
    cr_assert_eq(load(), KEYSTORE_ERR_DUPLICATE);
    snprintf(where, sizeof where, "%s:5: device 8c3d91f4 is already on line 2", path);
    cr_assert(strstr(err, where), "the first repeat in file order: %s", err);
    cr_assert_eq(st.count, 0);
}

Test(keystore, a_full_station_table_refuses_the_file_whole)
{
    struct station small;
    struct station_device two[2];
    station_init(&small, 7, two, 2);
    write_file(path, "12345678 " KEY_C "\n8c3d91f4 " KEY_A "\n0000abcd " KEY_B "\n", 0600);
    cr_assert_eq(keystore_load(path, &small, NULL, err, sizeof err), KEYSTORE_ERR_FULL);
    cr_assert(strstr(err, "3 new devices") && strstr(err, "room for 2"), "%s", err);
    assert_no_key(err);
    cr_assert_eq(small.count, 0);
}

/* --- writing ------------------------------------------------------------------------ */

static mode_t mode_of(const char *p)
{
    struct stat s;
    cr_assert_eq(stat(p, &s), 0);
    return s.st_mode;
}

Test(keystore, append_creates_the_file_0600_whatever_the_umask_and_appends_after_it)
{
    uint8_t a[16], b[16];
    struct keystore ks;
    hex2bin(KEY_A, a, sizeof a);
    hex2bin(KEY_B, b, sizeof b);
    umask(0); /* would give 0600 anyway; 0077 below would take nothing we need */
    cr_assert_eq(keystore_append(path, 0x8c3d91f4u, a, err, sizeof err), KEYSTORE_OK, "%s", err);
    cr_assert_eq(mode_of(path), S_IFREG | 0600);
    umask(0277);
    cr_assert_eq(keystore_append(path, 0x0000abcdu, b, err, sizeof err), KEYSTORE_OK, "%s", err);
    cr_assert_eq(mode_of(path), S_IFREG | 0600, "appending keeps the mode");
    cr_assert_eq(keystore_read(&ks, path, err, sizeof err), KEYSTORE_OK, "%s", err);
    cr_assert_eq(ks.count, 2);
    cr_assert_eq(ks.entries[0].device, 0x8c3d91f4u);
    cr_assert_arr_eq(ks.entries[0].key, a, 16);
    cr_assert_eq(ks.entries[1].line, 2);
    keystore_free(&ks);

    snprintf(path, sizeof path, "%s/masked", dir);
    umask(0277);
    cr_assert_eq(keystore_append(path, 0x8c3d91f4u, a, err, sizeof err), KEYSTORE_OK, "%s", err);
    cr_assert_eq(mode_of(path), S_IFREG | 0600, "exactly 0600 even under umask 0277");
    umask(022);
}

Test(keystore, append_refuses_a_duplicate_a_reserved_device_and_an_open_file)
{
    uint8_t a[16];
    hex2bin(KEY_A, a, sizeof a);
    cr_assert_eq(keystore_append(path, 0x8c3d91f4u, a, err, sizeof err), KEYSTORE_OK, "%s", err);
    cr_assert_eq(keystore_append(path, 0x8c3d91f4u, a, err, sizeof err), KEYSTORE_ERR_DUPLICATE);
    cr_assert(strstr(err, "8c3d91f4") && strstr(err, "line 1"), "%s", err);
    assert_no_key(err);
    cr_assert_eq(keystore_append(path, 0, a, err, sizeof err), KEYSTORE_ERR_ARG);
    cr_assert_eq(keystore_append(path, 0xffffffffu, a, err, sizeof err), KEYSTORE_ERR_ARG);
    assert_no_key(err);
    cr_assert_eq(chmod(path, 0644), 0);
    cr_assert_eq(keystore_append(path, 0x0000abcdu, a, err, sizeof err), KEYSTORE_ERR_MODE);
    cr_assert(strstr(err, "chmod 600"), "%s", err);
    assert_no_key(err);
}

Test(keystore, append_refuses_to_extend_a_malformed_file)
{
    uint8_t a[16];
    hex2bin(KEY_A, a, sizeof a);
    write_file(path, "12345678 " KEY_C "\nnonsense\n", 0600);
    cr_assert_eq(keystore_append(path, 0x8c3d91f4u, a, err, sizeof err), KEYSTORE_ERR_SYNTAX);
    assert_no_key(err);
    cr_assert(strstr(err, ":2: "), "%s", err);
}

Test(keystore, append_after_a_last_line_without_newline_starts_a_new_line)
{
    uint8_t b[16];
    struct keystore ks;
    hex2bin(KEY_B, b, sizeof b);
    write_file(path, "8c3d91f4 " KEY_A, 0600);
    cr_assert_eq(keystore_append(path, 0x0000abcdu, b, err, sizeof err), KEYSTORE_OK, "%s", err);
    cr_assert_eq(keystore_read(&ks, path, err, sizeof err), KEYSTORE_OK, "%s", err);
    cr_assert_eq(ks.count, 2);
    keystore_free(&ks);
}

Test(keystore, provision_draws_distinct_valid_pseudonyms_and_keys)
{
    enum { N = 40 };
    uint32_t dev[N];
    uint8_t key[N][16], zero[16] = {0};
    struct keystore ks;
    size_t i, j;
    for (i = 0; i < N; i++) {
        cr_assert_eq(keystore_provision(path, &dev[i], key[i], err, sizeof err), KEYSTORE_OK,
                     "%s", err);
        cr_assert(dev[i] != 0 && dev[i] != 0xffffffffu);
        cr_assert(memcmp(key[i], zero, 16) != 0);
    }
    for (i = 0; i < N; i++)
        for (j = i + 1; j < N; j++) {
            cr_assert_neq(dev[i], dev[j]);
            cr_assert(memcmp(key[i], key[j], 16) != 0);
        }
    cr_assert_eq(mode_of(path), S_IFREG | 0600);
    cr_assert_eq(keystore_read(&ks, path, err, sizeof err), KEYSTORE_OK, "%s", err);
    cr_assert_eq(ks.count, N);
    for (i = 0; i < N; i++) {
        const struct keystore_entry *e = keystore_find(&ks, dev[i]);
        cr_assert_not_null(e);
        cr_assert_arr_eq(e->key, key[i], 16);
    }
    keystore_free(&ks);
}

Test(keystore, create_makes_an_empty_0600_file_and_never_overwrites_one)
{
    struct keystore ks;
    cr_assert_eq(keystore_create(path, "for handheld 12", err, sizeof err), KEYSTORE_OK, "%s",
                 err);
    cr_assert_eq(mode_of(path), S_IFREG | 0600);
    cr_assert_eq(keystore_read(&ks, path, err, sizeof err), KEYSTORE_OK, "%s", err);
    cr_assert_eq(ks.count, 0, "the comment is a comment");
    keystore_free(&ks);
    cr_assert_eq(keystore_create(path, NULL, err, sizeof err), KEYSTORE_ERR_EXISTS);
    cr_assert(strstr(err, path), "%s", err);
}

Test(keystore, formats_the_one_line_format_the_reader_reads)
{
    uint8_t a[16];
    char line[KEYSTORE_LINE_MAX];
    hex2bin(KEY_A, a, sizeof a);
    cr_assert_eq(keystore_format_line(0x0000abcdu, a, line, sizeof line), KEYSTORE_LINE_MAX - 1);
    cr_assert_str_eq(line, "0000abcd " KEY_A "\n");
    cr_assert_eq(keystore_format_line(1, a, line, sizeof line - 1), KEYSTORE_ERR_ARG);
}
