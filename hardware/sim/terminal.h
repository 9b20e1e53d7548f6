/* terminal.h -- the 200 x 200 panel in a terminal, at its real resolution:
 * each character cell shows 2 x 2 pixels with the Unicode quadrant block
 * characters (U+2596..U+259F, U+2580, U+2584, U+258C, U+2590, U+2588), so
 * the screen is 100 columns by 100 rows... of pixels halved: 100 x 100
 * cells. Host code. */
#ifndef LOFTE_TERMINAL_H
#define LOFTE_TERMINAL_H

#include <stdint.h>
#include <stdio.h>

/* Write the framebuffer (board.h layout) to out, framed. */
void terminal_draw(FILE *out, const uint8_t *fb, int width, int height);

#endif
