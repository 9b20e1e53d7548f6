/* lofte_provision.c -- lofte-provision: a handheld's provisioning file
 * (lofte-keygen's `<device> <key>` line) into the flash store image to
 * flash on that one device.
 *
 *   lofte-provision handheld-key.txt dev-5eed1234
 *     -> dev-5eed1234.hex  (openocd: program dev-5eed1234.hex verify reset exit)
 *        dev-5eed1234.uf2  (copy onto the board's USB drive)
 *
 * Both files hold the key: created 0600 with O_EXCL (an existing file is
 * refused, never overwritten), to be deleted once the device is flashed,
 * like the provisioning file itself. The key is wiped from memory before
 * exit. Exit status: 0 done, 1 failed (message on stderr), 2 bad usage.
 */
#define _DEFAULT_SOURCE /* explicit_bzero */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handheld.h"
#include "nrf52_layout.h"
#include "provision.h"

static uint8_t img[NRF52_STORE_PAGES * HANDHELD_FLASH_PAGE_SIZE];

static FILE *create_0600(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *f;
    if (fd < 0) {
        fprintf(stderr, "lofte-provision: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    f = fdopen(fd, "w");
    if (!f)
        close(fd);
    return f;
}

static int finish(FILE *f, const char *path, int err)
{
    if (fclose(f) != 0 && !err)
        err = PROVISION_ERR_WRITE;
    if (err) {
        fprintf(stderr, "lofte-provision: %s: %s\n", path, provision_strerror(err));
        unlink(path);
    }
    return err;
}

int main(int argc, char **argv)
{
    char line[128], hex[4096], uf2[4096];
    uint8_t key[RADIO_KEY_LEN];
    uint32_t device;
    FILE *in, *f;
    int err;

    if (argc != 3) {
        fprintf(stderr, "Usage: %s PROVISIONING-FILE OUT-PREFIX\n\n"
                        "Write OUT-PREFIX.hex and OUT-PREFIX.uf2: the handheld's flash store at "
                        "0x%05X\n(identity, state and queue as provisioning leaves them), mode "
                        "0600.\n", argv[0], NRF52_STORE_BASE);
        return 2;
    }
    snprintf(hex, sizeof hex, "%s.hex", argv[2]);
    snprintf(uf2, sizeof uf2, "%s.uf2", argv[2]);
    if (!(in = fopen(argv[1], "r"))) {
        fprintf(stderr, "lofte-provision: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    /* the first line that is not a comment (keystore files start with one) */
    do {
        if (!fgets(line, sizeof line, in))
            line[0] = 0;
    } while (line[0] == '#');
    fclose(in);
    err = provision_parse(line, &device, key);
    explicit_bzero(line, sizeof line);
    if (!err)
        err = provision_image(device, key, img, HANDHELD_FLASH_PAGE_SIZE, NRF52_STORE_PAGES);
    explicit_bzero(key, sizeof key);
    if (err) {
        fprintf(stderr, "lofte-provision: %s: %s\n", argv[1], provision_strerror(err));
        return 1;
    }
    if (!(f = create_0600(hex))) {
        explicit_bzero(img, sizeof img);
        return 1;
    }
    if ((err = finish(f, hex, provision_write_hex(f, img, sizeof img, NRF52_STORE_BASE))) == 0) {
        if (!(f = create_0600(uf2)))
            err = 1;
        else
            err = finish(f, uf2, provision_write_uf2(f, img, sizeof img, NRF52_STORE_BASE,
                                                     NRF52_UF2_FAMILY));
        if (err)
            unlink(hex);
    }
    explicit_bzero(img, sizeof img);
    if (err)
        return 1;
    printf("%08x: %s and %s hold its key; delete them once the device is flashed\n",
           (unsigned)device, hex, uf2);
    return 0;
}
