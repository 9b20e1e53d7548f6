/* keygen_main.c -- lofte-keygen: provision one handheld.
 *
 *   lofte-keygen --keys /etc/lofte/keys --out handheld-key.txt
 *   lofte-keygen /etc/lofte/keys --stdout | provisioning-tool
 *
 * Design note. Draws a random 128-bit key and a random 32-bit pseudonym
 * (keystore_provision: getrandom, never 0 or ffffffff, never one the store
 * holds), appends them to the gateway's key store, and hands the same
 * `<device> <key>` line to whoever loads the handheld: a new 0600 file
 * (--out), or stdout only when asked (--stdout), so a key never lands on a
 * terminal or in a shell log by accident. Otherwise it prints only the
 * pseudonym, which is not secret: `dev=$(lofte-keygen ...)`.
 *
 * Order, so a failure leaves nothing half done: the output file is created
 * first (an existing one is refused, never overwritten), then the store is
 * appended to, then the line is written to the output. Only the last step
 * can leave a key in the store that no handheld has; the message then
 * names the device to remove.
 *
 * Exit status: 0 done, 1 failed (message on stderr), 2 bad usage.
 */
#define _DEFAULT_SOURCE /* explicit_bzero */

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "keystore.h"
#include "log.h"
#include "version.h"

static void usage(FILE *f, const char *argv0)
{
    fprintf(f,
            "Usage: %s --keys FILE (--out FILE | --stdout)\n"
            "       %s FILE (--out FILE | --stdout)\n\n"
            "Create a handheld's random key and pseudonym, append them to the gateway's key\n"
            "file (created 0600 if missing), and give the handheld its copy.\n\n"
            "  -k, --keys FILE   the gateway's key file\n"
            "  -o, --out FILE    write the handheld's `<device> <key>` line to this new file\n"
            "                    (mode 0600; an existing file is refused)\n"
            "      --stdout      print that line on stdout instead (the key with it)\n"
            "  -h, --help        this help\n\n"
            "Prints the new device's pseudonym (8 hex digits) on stdout, or on stderr with\n"
            "--stdout. The key is never printed otherwise.\n",
            argv0, argv0);
}

int main(int argc, char **argv)
{
    if (version_requested(argc, argv, "lofte-keygen"))
        return 0;
    static const struct option longopts[] = {
        {"keys", required_argument, NULL, 'k'},
        {"out", required_argument, NULL, 'o'},
        {"stdout", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *keys = NULL, *out = NULL;
    int to_stdout = 0, r, code;
    uint32_t device = 0;
    uint8_t key[KEYSTORE_KEY_LEN];
    char err[1024], line[KEYSTORE_LINE_MAX];

    log_set_prefix(LOG_PREFIX_PLAIN); /* a command for people, not for the journal */
    opterr = 0;
    while ((r = getopt_long(argc, argv, ":k:o:h", longopts, NULL)) != -1) {
        switch (r) {
        case 'k': keys = optarg; break;
        case 'o': out = optarg; break;
        case 's': to_stdout = 1; break;
        case 'h': usage(stdout, argv[0]); return 0;
        case ':':
            log_error("option %s needs a value (see --help)", argv[optind - 1]);
            return 2;
        default:
            log_error("unknown option %s (see --help)", argv[optind - 1]);
            return 2;
        }
    }
    if (!keys && optind < argc)
        keys = argv[optind++];
    if (optind < argc) {
        log_error("unexpected argument '%s' (see --help)", argv[optind]);
        return 2;
    }
    if (!keys) {
        log_error("which key file? give --keys FILE (see --help)");
        return 2;
    }
    if (!out == !to_stdout) {
        log_error("say where the handheld's key goes: --out FILE or --stdout (one of them)");
        return 2;
    }

    if (out && (code = keystore_create(out, "lofte handheld key: load it into the handheld, "
                                            "then delete this file", err, sizeof err)) != 0) {
        log_error("%s", err);
        return 1;
    }
    if ((code = keystore_provision(keys, &device, key, err, sizeof err)) != 0) {
        log_error("%s", err);
        if (out)
            unlink(out);
        return 1;
    }
    if (out) {
        code = keystore_append(out, device, key, err, sizeof err);
    } else {
        keystore_format_line(device, key, line, sizeof line);
        code = fputs(line, stdout) < 0 || fflush(stdout) != 0;
        explicit_bzero(line, sizeof line);
        snprintf(err, sizeof err, "cannot write to stdout");
    }
    explicit_bzero(key, sizeof key);
    if (code != 0) {
        log_error("%s; device %08x is in %s but no handheld has its key: remove its line",
                  err, (unsigned)device, keys);
        if (out)
            unlink(out);
        return 1;
    }
    if (to_stdout)
        fprintf(stderr, "device %08x added to %s\n", (unsigned)device, keys);
    else
        printf("%08x\n", (unsigned)device);
    return 0;
}
