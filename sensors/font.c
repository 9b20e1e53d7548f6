/* font.c -- glyph lookup, UTF-8 and drawing into a 1-bit framebuffer. */
#include "font.h"

const uint8_t *font_glyph(const struct font *f, uint32_t cp)
{
    size_t lo = 0, hi = f->count;
    size_t row = (size_t)(f->width + 7) / 8u * f->height;
    while (lo < hi) { /* binary search over the sorted code points */
        size_t mid = lo + (hi - lo) / 2u;
        if (f->codepoints[mid] == cp)
            return f->bits + mid * row;
        if (f->codepoints[mid] < cp)
            lo = mid + 1u;
        else
            hi = mid;
    }
    return NULL;
}

uint32_t font_utf8_next(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    uint32_t cp;
    int n, i;
    if (p[0] == 0)
        return 0;
    if (p[0] < 0x80) {
        *s += 1;
        return p[0];
    }
    if ((p[0] & 0xE0) == 0xC0)
        cp = p[0] & 0x1Fu, n = 1;
    else if ((p[0] & 0xF0) == 0xE0)
        cp = p[0] & 0x0Fu, n = 2;
    else if ((p[0] & 0xF8) == 0xF0)
        cp = p[0] & 0x07u, n = 3;
    else {
        *s += 1;
        return 0xFFFDu;
    }
    for (i = 1; i <= n; i++) {
        if ((p[i] & 0xC0) != 0x80) { /* also stops at the NUL */
            *s += 1;
            return 0xFFFDu;
        }
        cp = cp << 6 | (p[i] & 0x3Fu);
    }
    *s += n + 1;
    return cp;
}

size_t font_strlen(const char *s)
{
    size_t n = 0;
    while (font_utf8_next(&s))
        n++;
    return n;
}

int font_has_all(const struct font *f, const char *s, uint32_t *missing)
{
    uint32_t cp;
    while ((cp = font_utf8_next(&s)) != 0) {
        if (!font_glyph(f, cp)) {
            if (missing)
                *missing = cp;
            return 0;
        }
    }
    return 1;
}

static void put(const struct font_fb *fb, int x, int y, int ink)
{
    uint8_t *byte;
    uint8_t mask;
    if (x < 0 || y < 0 || x >= fb->width || y >= fb->height)
        return;
    byte = &fb->bits[(size_t)y * (fb->width / 8u) + (size_t)x / 8u];
    mask = (uint8_t)(0x80u >> (x & 7));
    if (ink)
        *byte |= mask;
    else
        *byte &= (uint8_t)~mask;
}

void font_fill(const struct font_fb *fb, int x, int y, int w, int h, int ink)
{
    int i, j;
    for (j = y; j < y + h; j++)
        for (i = x; i < x + w; i++)
            put(fb, i, j, ink);
}

int font_draw(const struct font_fb *fb, const struct font *f, int x, int y, const char *s,
              int scale, int ink)
{
    int stride = (f->width + 7) / 8;
    uint32_t cp;
    if (scale < 1)
        scale = 1;
    while ((cp = font_utf8_next(&s)) != 0) {
        const uint8_t *g = font_glyph(f, cp);
        int r, c;
        for (r = 0; r < f->height; r++) {
            for (c = 0; c < f->width; c++) {
                int on;
                if (g)
                    on = (g[r * stride + c / 8] >> (7 - (c & 7))) & 1;
                else /* a box marks a character the table lacks */
                    on = r == 1 || r == f->height - 2 || c == 1 || c == f->width - 2;
                if (on)
                    font_fill(fb, x + c * scale, y + r * scale, scale, scale, ink);
            }
        }
        x += f->width * scale;
    }
    return x;
}
