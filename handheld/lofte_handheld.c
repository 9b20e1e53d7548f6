/* lofte-handheld -- one handheld in a terminal: the real firmware
 * (sensors/handheld.c) and interface (sensors/ui.c) on the simulated board,
 * the 200 x 200 panel drawn at real resolution with quadrant blocks.
 *
 * usage: lofte-handheld [--keys SCRIPT] [--png FILE] [--png-each DIR] [--quiet]
 *   keys (interactive, or in SCRIPT):
 *     n / j / space   button 0 press: NEXT (a tally: +1)
 *     o / Enter       button 1 press: OK
 *     b / Backspace   button 0 long press: BACK (a session's menu)
 *     h               button 1 long press: HOME (on home: status)
 *     p / k           PREV (as a third button would)
 *     w               one simulated minute passes;  W: an hour
 *     s               save the screen (--png FILE, numbered)
 *     q               quit
 *   --png FILE        the screen at the end (or at each 's') as PNG
 *   --png-each DIR    the screen after every key as DIR/NNN.png
 *
 * Not yet connected: the station. Records stay in the device's queue
 * (the status screen counts them); the field simulator (lofte-sim) runs
 * devices against the station and a real gateway.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "handheld.h"
#include "png.h"
#include "sim_board.h"
#include "terminal.h"
#include "ui.h"

static uint64_t sim_now = 1000;

static int key_event(char c, struct sim_board *sb)
{
    switch (c) {
    case 'n': case 'j': case ' ': return sim_board_press(sb, 0, BOARD_BUTTON_PRESS);
    case 'o': case '\n': case '\r': return sim_board_press(sb, 1, BOARD_BUTTON_PRESS);
    case 'b': case 127: case 8: return sim_board_press(sb, 0, BOARD_BUTTON_LONG);
    case 'h': return sim_board_press(sb, 1, BOARD_BUTTON_LONG);
    default: return 1;
    }
}

int main(int argc, char **argv)
{
    static struct sim_board sb;
    static struct handheld h;
    static struct ui u;
    const char *script = NULL, *png = NULL, *each = NULL;
    uint8_t key[RADIO_KEY_LEN];
    struct termios saved, raw;
    int interactive, quiet = 0, i, shots = 0, steps = 0;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--keys") && i + 1 < argc)
            script = argv[++i];
        else if (!strcmp(argv[i], "--png") && i + 1 < argc)
            png = argv[++i];
        else if (!strcmp(argv[i], "--png-each") && i + 1 < argc)
            each = argv[++i];
        else if (!strcmp(argv[i], "--quiet"))
            quiet = 1;
        else {
            fprintf(stderr, "usage: lofte-handheld [--keys SCRIPT] [--png FILE] "
                            "[--png-each DIR] [--quiet]\n");
            return 2;
        }
    }
    for (i = 0; i < RADIO_KEY_LEN; i++)
        key[i] = (uint8_t)(0xA0 + i);
    if (sim_board_init(&sb, 0, &sim_now, HANDHELD_FLASH_PAGE_SIZE, HANDHELD_FLASH_PAGES, 1) ||
        handheld_provision(&sb.board, 0x5e1f0001u, key) || handheld_boot(&h, &sb.board, NULL)) {
        fprintf(stderr, "lofte-handheld: the simulated board would not boot\n");
        return 1;
    }
    sim_board_attach_ui(&sb, 2, 87);
    ui_init(&u, &h, &sb.board);
    interactive = !script && isatty(0);
    if (interactive) {
        tcgetattr(0, &saved);
        raw = saved;
        raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
        tcsetattr(0, TCSANOW, &raw);
    }
    for (;;) {
        int c;
        if (!quiet) {
            if (interactive)
                fputs("\033[H\033[2J", stdout);
            terminal_draw(stdout, sb.screen, SIM_SCREEN_W, SIM_SCREEN_H);
            if (interactive)
                puts("n next/+1  o ok  b back(long)  h home(long)  w +1 min  s png  q quit");
            fflush(stdout);
        }
        if (script) {
            c = *script ? *script++ : 'q';
        } else {
            c = getchar();
            if (c == EOF)
                c = 'q';
        }
        if (c == 'q')
            break;
        if (c == 'w' || c == 'W') {
            sim_now += c == 'w' ? 60000u : 3600000u;
        } else if (c == 'p' || c == 'k') {
            ui_key(&u, UI_KEY_PREV);
        } else if (c == 's' && png) {
            char name[512];
            snprintf(name, sizeof name, "%s.%d.png", png, ++shots);
            if (png_write_mono(name, sb.screen, SIM_SCREEN_W, SIM_SCREEN_H, 2))
                perror(name);
        } else if (key_event((char)c, &sb) != 0) {
            continue;
        }
        handheld_tick(&h);
        ui_poll(&u);
        if (each) {
            char name[512];
            snprintf(name, sizeof name, "%s/%03d.png", each, ++steps);
            if (png_write_mono(name, sb.screen, SIM_SCREEN_W, SIM_SCREEN_H, 2))
                perror(name);
        }
    }
    if (interactive)
        tcsetattr(0, TCSANOW, &saved);
    if (png && png_write_mono(png, sb.screen, SIM_SCREEN_W, SIM_SCREEN_H, 2)) {
        perror(png);
        return 1;
    }
    sim_board_free(&sb);
    return 0;
}
