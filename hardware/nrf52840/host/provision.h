/* provision.h -- a handheld's flash store as it leaves provisioning, built
 * on the host, so the key travels in a file flashed to one device only and
 * never in a firmware image shared between devices.
 *
 * The image is what handheld_provision() (sensors/handheld.c) writes to a
 * freshly erased store: the identity page (sensors/identity.h's layout,
 * commit word last), the two state pages and the queue pages formatted.
 * Built by running that very function on a board whose flash is a buffer,
 * so the format has one definition.
 *
 * It is flashed at NRF52_STORE_BASE (hardware/boards/nrf52_layout.h) as
 * .hex (openocd) or .uf2 (lofte-uf2 --base 0xE2000, the bootloader's USB
 * drive). hardware/README.md: provisioning, re-keying, retiring.
 */
#ifndef LOFTE_PROVISION_H
#define LOFTE_PROVISION_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "radio.h"

enum provision_err {
    PROVISION_OK = 0,
    PROVISION_ERR_LINE = -1,     /* not a `<8 hex> <32 hex>` line */
    PROVISION_ERR_DEVICE = -2,   /* pseudonym 0 or ffffffff */
    PROVISION_ERR_FORMAT = -3,   /* handheld_provision refused */
    PROVISION_ERR_WRITE = -4     /* output failed */
};

const char *provision_strerror(int err);

/* Parse lofte-keygen's `<device> <key>` line (lower or upper case hex). */
int provision_parse(const char *line, uint32_t *device, uint8_t key[RADIO_KEY_LEN]);

/* The store image: pages x page_size bytes into img (caller's buffer). */
int provision_image(uint32_t device, const uint8_t key[RADIO_KEY_LEN], uint8_t *img,
                    uint32_t page_size, uint32_t pages);

/* Intel HEX of len bytes at flash address base: 16-byte data records,
 * an extended linear address record at each 64 KiB, the end record. */
int provision_write_hex(FILE *f, const uint8_t *img, size_t len, uint32_t base);

/* UF2 (github.com/microsoft/uf2, README "File format") of the same bytes:
 * 256-byte payloads, family NRF52_UF2_FAMILY. firmware/uf2/lofte-uf2
 * writes application images; this one exists so a key file is written
 * 0600 by one process and never passes through a world-readable .bin. The
 * host test checks its output with `lofte-uf2 --check`, so the two agree. */
int provision_write_uf2(FILE *f, const uint8_t *img, size_t len, uint32_t base,
                        uint32_t family);

#endif
