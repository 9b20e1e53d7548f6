/* png.c -- see png.h. */
#include "png.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
    p[3] = (uint8_t)v;
}

/* length, type, data, CRC-32 over type and data (PNG §5.3) */
static int chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len)
{
    uint8_t b[4];
    uLong crc = crc32(0L, (const Bytef *)type, 4);
    if (len)
        crc = crc32(crc, data, len);
    be32(b, len);
    if (fwrite(b, 1, 4, f) != 4 || fwrite(type, 1, 4, f) != 4 ||
        (len && fwrite(data, 1, len, f) != len))
        return -1;
    be32(b, (uint32_t)crc);
    return fwrite(b, 1, 4, f) == 4 ? 0 : -1;
}

int png_write_mono(const char *path, const uint8_t *fb, int width, int height, int scale)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    int w, h, stride, x, y, ok;
    uint8_t ihdr[13], *raw, *z;
    uLongf zlen;
    size_t rawlen;
    FILE *f;
    if (scale < 1 || width <= 0 || height <= 0 || width % 8) {
        errno = EINVAL;
        return -1;
    }
    w = width * scale, h = height * scale, stride = (w + 7) / 8;
    rawlen = (size_t)h * (size_t)(stride + 1);
    raw = calloc(rawlen, 1);
    zlen = compressBound((uLong)rawlen);
    z = malloc(zlen);
    if (!raw || !z) {
        free(raw);
        free(z);
        errno = ENOMEM;
        return -1;
    }
    for (y = 0; y < h; y++) {
        uint8_t *row = raw + (size_t)y * (size_t)(stride + 1);
        row[0] = 0; /* filter type None */
        for (x = 0; x < w; x++) {
            int sx = x / scale, sy = y / scale;
            int ink = (fb[sy * (width / 8) + sx / 8] >> (7 - sx % 8)) & 1;
            if (!ink) /* white: gray value 1 */
                row[1 + x / 8] |= (uint8_t)(0x80u >> (x % 8));
        }
    }
    if (compress2(z, &zlen, raw, (uLong)rawlen, 9) != Z_OK) {
        free(raw);
        free(z);
        errno = ENOMEM;
        return -1;
    }
    be32(ihdr, (uint32_t)w);
    be32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 1;  /* bit depth */
    ihdr[9] = 0;  /* grayscale */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering */
    ihdr[12] = 0; /* no interlace */
    f = fopen(path, "wb");
    ok = f && fwrite(sig, 1, 8, f) == 8 && chunk(f, "IHDR", ihdr, 13) == 0 &&
         chunk(f, "IDAT", z, (uint32_t)zlen) == 0 && chunk(f, "IEND", NULL, 0) == 0;
    if (f && fclose(f) != 0)
        ok = 0;
    free(raw);
    free(z);
    return ok ? 0 : -1;
}
