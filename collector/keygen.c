/* keygen.c -- lofte-curve-keygen: make a CURVE key pair for a gateway or a
 * collector (docs/upstream.md §5).
 *
 *   lofte-curve-keygen /etc/lofte/hammaro-station
 *     -> /etc/lofte/hammaro-station.key  (public + secret, mode 0600)
 *        /etc/lofte/hammaro-station.pub  (public only, 0644)
 *
 * Existing files are never overwritten. The public key and the line for
 * the collector's allowed-gateways file are printed; the secret never is.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "upstream.h"
#include "version.h"

int main(int argc, char **argv)
{
    char pub[UPSTREAM_Z85_LEN + 1], err[512];
    const char *base, *name;
    if (version_requested(argc, argv, "lofte-curve-keygen"))
        return 0;
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: lofte-curve-keygen BASE   (writes BASE.key, mode 0600, and BASE.pub)\n");
        return 2;
    }
    base = argv[1];
    if (upstream_key_generate(base, pub, err, sizeof err) != UPSTREAM_OK) {
        fprintf(stderr, "lofte-curve-keygen: %s\n", err);
        return 1;
    }
    name = strrchr(base, '/');
    name = name ? name + 1 : base;
    printf("wrote %s.key (secret, mode 0600) and %s.pub\n", base, base);
    printf("public key: %s\n", pub);
    printf("allowed-gateways line: %s %s\n", pub, name);
    return 0;
}
