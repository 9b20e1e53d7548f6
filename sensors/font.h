/* font.h -- bitmap glyphs for the handheld's screen, and drawing text.
 *
 * The tables are generated at build time by tools/psf2c.py from Terminus
 * console fonts (SIL Open Font License 1.1; Debian's console-setup-linux):
 * only the characters listed in sensors/font_chars.txt, so a label that
 * uses a character outside that list fails the ui test that checks every
 * string (test_ui: every_string_can_be_drawn), not silently on the device.
 *
 * Three sizes, all bold, chosen for reading at arm's length on a 1.54"
 * 200 x 200 panel (about 130 dpi): 8x16 for the status line and hints,
 * 12x24 for menu rows (16 characters a row), 16x32 for the big counters.
 *
 * Text is UTF-8. Drawing never writes outside the framebuffer: glyphs are
 * clipped at its edges. Portable C99, no heap.
 */
#ifndef LOFTE_FONT_H
#define LOFTE_FONT_H

#include <stddef.h>
#include <stdint.h>

struct font {
    uint8_t width, height;      /* pixels per glyph cell */
    uint16_t count;             /* glyphs in the table */
    const uint32_t *codepoints; /* sorted ascending */
    const uint8_t *bits;        /* count * height rows of (width + 7) / 8 bytes */
};

extern const struct font font_small;   /* 8x16 */
extern const struct font font_medium;  /* 12x24 */
extern const struct font font_large;   /* 16x32 */

/* A framebuffer in board.h's layout (1 = ink, rows of width / 8 bytes). */
struct font_fb {
    uint8_t *bits;
    uint16_t width, height;
};

/* The glyph bitmap of code point cp, or NULL if the table lacks it. */
const uint8_t *font_glyph(const struct font *f, uint32_t cp);

/* Decode one UTF-8 character at *s (advancing it); malformed bytes decode
 * as U+FFFD one byte at a time. Returns 0 at the terminating NUL. */
uint32_t font_utf8_next(const char **s);

/* Characters (code points) in a UTF-8 string. */
size_t font_strlen(const char *s);

/* Does the table hold every character of s? 1 or 0; *missing gets the first
 * code point it lacks. */
int font_has_all(const struct font *f, const char *s, uint32_t *missing);

/* Draw s with its top-left corner at (x, y), magnified scale times (1 or 2)
 * in both directions; ink = 1 draws black on white, 0 white on black (for
 * a highlighted row whose background the caller filled). A character the
 * table lacks draws as an empty box. Returns the x after the last glyph. */
int font_draw(const struct font_fb *fb, const struct font *f, int x, int y, const char *s,
              int scale, int ink);

/* Set (ink 1) or clear (ink 0) a rectangle, clipped. */
void font_fill(const struct font_fb *fb, int x, int y, int w, int h, int ink);

#endif
