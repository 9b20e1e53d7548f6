/* ui_draw.c -- a view (ui.h) as pixels on the 200 x 200 panel.
 *
 *   y   0..17   status line, white on black (8x16)
 *   y  18..37   title (8x16), underlined
 *   y  40..183  six menu rows of 24 px (12x24); the highlighted row is
 *               white on black, so it reads from any angle in the rain;
 *               with a big counter: the number 64 px tall (16x32 at 2x)
 *               at y 40, then rows from y 108
 *   y 184..199  note (receipt) if any, else the hint (8x16)
 *
 * Rows scroll so that the highlighted one is visible; a "▼"/"▲" at the
 * right edge says there is more below/above.
 */
#include <string.h>

#include "font.h"
#include "ui.h"

#define ROW_H 24
#define ROWS_TOP 40
#define BIG_ROWS_TOP 108
#define BOTTOM_Y 184

static void line(const struct font_fb *fb, int y, const char *s, int inverse)
{
    if (inverse)
        font_fill(fb, 0, y, UI_WIDTH, 18, 1);
    font_draw(fb, &font_small, 2, y + 1, s, 1, !inverse);
}

void ui_draw(const struct ui_view *v, uint8_t *bits)
{
    struct font_fb fb;
    int top = ROWS_TOP, rows = UI_VISIBLE_ROWS, first = 0, i;
    fb.bits = bits;
    fb.width = UI_WIDTH;
    fb.height = UI_HEIGHT;
    memset(bits, 0, UI_FB_BYTES);

    line(&fb, 0, v->status, 1);
    font_draw(&fb, &font_small, 2, 19, v->title, 1, 1);
    font_fill(&fb, 0, 37, UI_WIDTH, 1, 1);

    if (v->big[0]) {
        int w = (int)font_strlen(v->big) * font_large.width * 2;
        font_draw(&fb, &font_large, (UI_WIDTH - w) / 2, ROWS_TOP, v->big, 2, 1);
        top = BIG_ROWS_TOP;
        rows = (BOTTOM_Y - BIG_ROWS_TOP) / ROW_H;
    }
    if (v->count > rows && v->cursor >= rows)
        first = v->cursor - rows + 1;
    for (i = 0; i < rows && first + i < v->count; i++) {
        const struct ui_item *it = &v->item[first + i];
        int y = top + i * ROW_H;
        int sel = first + i == v->cursor && it->kind != UI_ITEM_INFO;
        if (sel)
            font_fill(&fb, 0, y, UI_WIDTH, ROW_H, 1);
        font_draw(&fb, &font_medium, 4, y, it->text, 1, !sel);
    }
    if (first > 0)
        font_draw(&fb, &font_small, UI_WIDTH - 8, top, "▲", 1, first == v->cursor ? 0 : 1);
    if (first + rows < v->count)
        font_draw(&fb, &font_small, UI_WIDTH - 8, top + (rows - 1) * ROW_H + 8, "▼", 1,
                  first + rows - 1 == v->cursor ? 0 : 1);
    font_fill(&fb, 0, BOTTOM_Y - 1, UI_WIDTH, 1, 1);
    font_draw(&fb, &font_small, 2, BOTTOM_Y, v->note[0] ? v->note : v->hint, 1, 1);
}
