/* provision.c -- build a provisioned flash store on the host (provision.h). */
#include "provision.h"

#include <string.h>

#include "board.h"
#include "handheld.h"

const char *provision_strerror(int err)
{
    switch (err) {
    case PROVISION_OK: return "ok";
    case PROVISION_ERR_LINE: return "provisioning file is not one `<device> <key>` line of hex";
    case PROVISION_ERR_DEVICE: return "device pseudonym 0 and ffffffff are reserved";
    case PROVISION_ERR_FORMAT: return "the firmware's provisioning refused this store geometry";
    case PROVISION_ERR_WRITE: return "cannot write the output file";
    }
    return "unknown provisioning error";
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int provision_parse(const char *line, uint32_t *device, uint8_t key[RADIO_KEY_LEN])
{
    uint32_t d = 0;
    int i;
    for (i = 0; i < 8; i++) {
        int v = hexval(line[i]);
        if (v < 0)
            return PROVISION_ERR_LINE;
        d = d << 4 | (uint32_t)v;
    }
    if (line[8] != ' ')
        return PROVISION_ERR_LINE;
    for (i = 0; i < RADIO_KEY_LEN; i++) {
        int hi = hexval(line[9 + 2 * i]), lo = hi < 0 ? -1 : hexval(line[10 + 2 * i]);
        if (hi < 0 || lo < 0) {
            memset(key, 0, RADIO_KEY_LEN);
            return PROVISION_ERR_LINE;
        }
        key[i] = (uint8_t)(hi << 4 | lo);
    }
    line += 9 + 2 * RADIO_KEY_LEN;
    if (*line == '\r')
        line++;
    if (*line == '\n')
        line++;
    if (*line != 0) {
        memset(key, 0, RADIO_KEY_LEN);
        return PROVISION_ERR_LINE;
    }
    if (d == 0 || d == 0xFFFFFFFFu) {
        memset(key, 0, RADIO_KEY_LEN);
        return PROVISION_ERR_DEVICE;
    }
    *device = d;
    return PROVISION_OK;
}

/* A board whose flash is the caller's buffer, with the NVMC's rules. */
struct ram_flash {
    uint8_t *mem;
    uint32_t size;
};

static int rf_read(void *ctx, uint32_t a, void *buf, uint32_t len)
{
    struct ram_flash *f = ctx;
    if (a > f->size || len > f->size - a)
        return BOARD_ERR_RANGE;
    memcpy(buf, f->mem + a, len);
    return BOARD_OK;
}

static int rf_write(void *ctx, uint32_t a, const void *buf, uint32_t len)
{
    struct ram_flash *f = ctx;
    const uint8_t *in = buf;
    uint32_t i;
    if (a > f->size || len > f->size - a)
        return BOARD_ERR_RANGE;
    if ((a | len) & 3u)
        return BOARD_ERR_ALIGN;
    for (i = 0; i < len; i++)
        if (in[i] & ~f->mem[a + i])
            return BOARD_ERR_WRITE;
    for (i = 0; i < len; i++)
        f->mem[a + i] &= in[i];
    return BOARD_OK;
}

static struct board_flash rf_ops;

static int rf_erase(void *ctx, uint32_t page)
{
    struct ram_flash *f = ctx;
    if (page >= rf_ops.page_count)
        return BOARD_ERR_RANGE;
    memset(f->mem + page * rf_ops.page_size, 0xFF, rf_ops.page_size);
    return BOARD_OK;
}

int provision_image(uint32_t device, const uint8_t key[RADIO_KEY_LEN], uint8_t *img,
                    uint32_t page_size, uint32_t pages)
{
    struct ram_flash f;
    struct board b;
    int err;
    if (device == 0 || device == 0xFFFFFFFFu)
        return PROVISION_ERR_DEVICE;
    f.mem = img;
    f.size = page_size * pages;
    memset(img, 0xFF, f.size);
    rf_ops.page_size = page_size;
    rf_ops.page_count = pages;
    rf_ops.read = rf_read, rf_ops.write = rf_write, rf_ops.erase = rf_erase;
    memset(&b, 0, sizeof b);
    b.ctx = &f;
    b.flash = &rf_ops;
    err = handheld_provision(&b, device, key);
    return err == HANDHELD_OK ? PROVISION_OK : PROVISION_ERR_FORMAT;
}

static int hex_record(FILE *f, uint8_t type, uint16_t addr, const uint8_t *data, uint8_t n)
{
    unsigned sum = n + (addr >> 8) + (addr & 0xFFu) + type;
    uint8_t i;
    if (fprintf(f, ":%02X%04X%02X", n, addr, type) < 0)
        return -1;
    for (i = 0; i < n; i++) {
        sum += data[i];
        if (fprintf(f, "%02X", data[i]) < 0)
            return -1;
    }
    return fprintf(f, "%02X\n", (unsigned)(-(int)sum) & 0xFFu) < 0 ? -1 : 0;
}

int provision_write_hex(FILE *f, const uint8_t *img, size_t len, uint32_t base)
{
    size_t off;
    uint32_t upper = 0xFFFFFFFFu;
    for (off = 0; off < len; off += 16) {
        uint32_t a = base + (uint32_t)off;
        uint8_t n = (uint8_t)(len - off < 16 ? len - off : 16);
        if (a >> 16 != upper) {
            uint8_t ela[2] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16)};
            upper = a >> 16;
            if (hex_record(f, 0x04, 0, ela, 2))
                return PROVISION_ERR_WRITE;
        }
        if (hex_record(f, 0x00, (uint16_t)a, img + off, n))
            return PROVISION_ERR_WRITE;
    }
    return hex_record(f, 0x01, 0, NULL, 0) ? PROVISION_ERR_WRITE : PROVISION_OK;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

int provision_write_uf2(FILE *f, const uint8_t *img, size_t len, uint32_t base,
                        uint32_t family)
{
    uint8_t blk[512];
    uint32_t n, nblocks = (uint32_t)((len + 255u) / 256u);
    int err = PROVISION_OK;
    for (n = 0; n < nblocks && !err; n++) {
        size_t off = (size_t)n * 256u, k = len - off < 256u ? len - off : 256u;
        memset(blk, 0, sizeof blk);
        put32(blk + 0, 0x0A324655u);   /* magicStart0 "UF2\n" */
        put32(blk + 4, 0x9E5D5157u);   /* magicStart1 */
        put32(blk + 8, 0x00002000u);   /* familyID present */
        put32(blk + 12, base + (uint32_t)off);
        put32(blk + 16, 256u);
        put32(blk + 20, n);
        put32(blk + 24, nblocks);
        put32(blk + 28, family);
        memcpy(blk + 32, img + off, k);
        put32(blk + 508, 0x0AB16F30u); /* magicEnd */
        if (fwrite(blk, 1, sizeof blk, f) != sizeof blk)
            err = PROVISION_ERR_WRITE;
    }
    memset(blk, 0, sizeof blk);
    return err;
}
