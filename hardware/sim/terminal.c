/* terminal.c -- see terminal.h. */
#include "terminal.h"

static int px(const uint8_t *fb, int width, int x, int y)
{
    return (fb[y * (width / 8) + x / 8] >> (7 - x % 8)) & 1;
}

void terminal_draw(FILE *out, const uint8_t *fb, int width, int height)
{
    /* index: top-left 1, top-right 2, bottom-left 4, bottom-right 8 */
    static const char *const quad[16] = {
        " ", "▘", "▝", "▀", "▖", "▌", "▞", "▛", "▗", "▚", "▐", "▜", "▄", "▙", "▟", "█"};
    int x, y;
    fputs("┌", out);
    for (x = 0; x < width / 2; x++)
        fputs("─", out);
    fputs("┐\n", out);
    for (y = 0; y < height; y += 2) {
        fputs("│", out);
        for (x = 0; x < width; x += 2) {
            int q = px(fb, width, x, y) | px(fb, width, x + 1, y) << 1 |
                    (y + 1 < height ? px(fb, width, x, y + 1) << 2 | px(fb, width, x + 1, y + 1) << 3
                                    : 0);
            fputs(quad[q], out);
        }
        fputs("│\n", out);
    }
    fputs("└", out);
    for (x = 0; x < width / 2; x++)
        fputs("─", out);
    fputs("┘\n", out);
}
