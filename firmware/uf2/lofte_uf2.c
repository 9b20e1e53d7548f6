/* lofte_uf2.c -- turn a raw flash image into a UF2 file, and check one.
 *
 * UF2 (Microsoft's USB Flashing Format, github.com/microsoft/uf2, README
 * "File format") is what the Adafruit nRF52 bootloader on the RAK4631 and
 * T-Echo takes when a file is copied onto the USB drive the board shows.
 * A file is a sequence of independent 512-byte blocks, little-endian words:
 *
 *   offset  size  field
 *        0     4  magicStart0  0x0A324655 ("UF2\n")
 *        4     4  magicStart1  0x9E5D5157
 *        8     4  flags        0x00002000: familyID present
 *       12     4  targetAddr   flash address of the payload
 *       16     4  payloadSize  256 here (the spec allows up to 476)
 *       20     4  blockNo      0 .. numBlocks-1
 *       24     4  numBlocks
 *       28     4  familyID     0xADA52840 for the nRF52840
 *       32   476  data         payload, then zero padding
 *      508     4  magicEnd     0x0AB16F30
 *
 * 256-byte payloads at 256-aligned addresses are what the spec recommends
 * for bootloaders that write flash page-wise.
 *
 *   lofte-uf2 --base 0x26000 [--family 0xADA52840] in.bin out.uf2
 *   lofte-uf2 --check --base 0x26000 [--family ...] in.bin file.uf2
 *       (exit 0 iff file.uf2 is exactly what in.bin converts to, block
 *        by block, every field checked)
 * Host tool: stdio, no heap beyond what it reads.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UF2_MAGIC0 0x0A324655u
#define UF2_MAGIC1 0x9E5D5157u
#define UF2_MAGIC_END 0x0AB16F30u
#define UF2_FLAG_FAMILY 0x00002000u
#define UF2_BLOCK 512
#define UF2_PAYLOAD 256
#define UF2_FAMILY_NRF52840 0xADA52840u
#define UF2_MAX_IMAGE (16u * 1024u * 1024u)

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Block n of the image (len bytes at base) into out[UF2_BLOCK]. */
static void uf2_block(const uint8_t *img, size_t len, uint32_t base, uint32_t family,
                      uint32_t n, uint32_t nblocks, uint8_t *out)
{
    size_t off = (size_t)n * UF2_PAYLOAD, k = len - off < UF2_PAYLOAD ? len - off : UF2_PAYLOAD;
    memset(out, 0, UF2_BLOCK);
    put32(out + 0, UF2_MAGIC0);
    put32(out + 4, UF2_MAGIC1);
    put32(out + 8, UF2_FLAG_FAMILY);
    put32(out + 12, base + (uint32_t)off);
    put32(out + 16, UF2_PAYLOAD);
    put32(out + 20, n);
    put32(out + 24, nblocks);
    put32(out + 28, family);
    memcpy(out + 32, img + off, k);
    put32(out + 508, UF2_MAGIC_END);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;
    if (!f) {
        fprintf(stderr, "lofte-uf2: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        fprintf(stderr, "lofte-uf2: %s: cannot size it\n", path);
        fclose(f);
        return NULL;
    }
    if ((unsigned long)n > UF2_MAX_IMAGE) {
        fprintf(stderr, "lofte-uf2: %s: %ld bytes, more than any flash\n", path, n);
        fclose(f);
        return NULL;
    }
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "lofte-uf2: %s: read failed\n", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int parse_u32(const char *s, uint32_t *v)
{
    char *end;
    unsigned long x;
    errno = 0;
    x = strtoul(s, &end, 0);
    if (errno || end == s || *end || x > 0xFFFFFFFFul)
        return -1;
    *v = (uint32_t)x;
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: lofte-uf2 [--check] --base ADDR [--family ID] in.bin out.uf2\n");
    return 2;
}

int main(int argc, char **argv)
{
    uint32_t base = 0, family = UF2_FAMILY_NRF52840, n, nblocks;
    int check = 0, have_base = 0, i;
    const char *in = NULL, *out = NULL;
    uint8_t *img, *uf2 = NULL, blk[UF2_BLOCK];
    size_t len, ulen = 0;
    FILE *f;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--check")) {
            check = 1;
        } else if (!strcmp(argv[i], "--base") && i + 1 < argc) {
            if (parse_u32(argv[++i], &base))
                return usage();
            have_base = 1;
        } else if (!strcmp(argv[i], "--family") && i + 1 < argc) {
            if (parse_u32(argv[++i], &family))
                return usage();
        } else if (!in) {
            in = argv[i];
        } else if (!out) {
            out = argv[i];
        } else {
            return usage();
        }
    }
    if (!in || !out || !have_base)
        return usage();
    if (base % UF2_PAYLOAD) {
        fprintf(stderr, "lofte-uf2: base 0x%08lx is not %d-aligned\n", (unsigned long)base,
                UF2_PAYLOAD);
        return 2;
    }
    img = read_file(in, &len);
    if (!img)
        return 1;
    if (len == 0) {
        fprintf(stderr, "lofte-uf2: %s is empty\n", in);
        free(img);
        return 1;
    }
    nblocks = (uint32_t)((len + UF2_PAYLOAD - 1) / UF2_PAYLOAD);

    if (check) {
        uf2 = read_file(out, &ulen);
        if (!uf2) {
            free(img);
            return 1;
        }
        if (ulen != (size_t)nblocks * UF2_BLOCK) {
            fprintf(stderr, "lofte-uf2: %s: %zu bytes, want %lu blocks of %d\n", out, ulen,
                    (unsigned long)nblocks, UF2_BLOCK);
            free(img);
            free(uf2);
            return 1;
        }
        for (n = 0; n < nblocks; n++) {
            const uint8_t *b = uf2 + (size_t)n * UF2_BLOCK;
            uf2_block(img, len, base, family, n, nblocks, blk);
            if (get32(b) != UF2_MAGIC0 || get32(b + 4) != UF2_MAGIC1 ||
                get32(b + 508) != UF2_MAGIC_END || get32(b + 28) != family ||
                get32(b + 12) != base + n * UF2_PAYLOAD || memcmp(b, blk, UF2_BLOCK)) {
                fprintf(stderr, "lofte-uf2: %s: block %lu differs\n", out, (unsigned long)n);
                free(img);
                free(uf2);
                return 1;
            }
        }
        printf("%s: %lu blocks at 0x%08lx, family 0x%08lx: ok\n", out, (unsigned long)nblocks,
               (unsigned long)base, (unsigned long)family);
        free(img);
        free(uf2);
        return 0;
    }

    f = fopen(out, "wb");
    if (!f) {
        fprintf(stderr, "lofte-uf2: %s: %s\n", out, strerror(errno));
        free(img);
        return 1;
    }
    for (n = 0; n < nblocks; n++) {
        uf2_block(img, len, base, family, n, nblocks, blk);
        if (fwrite(blk, 1, sizeof blk, f) != sizeof blk) {
            fprintf(stderr, "lofte-uf2: %s: write failed\n", out);
            fclose(f);
            free(img);
            return 1;
        }
    }
    free(img);
    if (fclose(f)) {
        fprintf(stderr, "lofte-uf2: %s: %s\n", out, strerror(errno));
        return 1;
    }
    return 0;
}
