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
 *   --no-station      no station: records stay in the device's queue
 *
 * The station: gateway/station.c in this process, behind the simulated
 * EU868 channel (hardware/sim/channel.h, no loss), as lofte-sim's
 * in-process mode has it. After each key, simulated time runs on in
 * 100 ms steps until the device's queue is empty (at least ten seconds, at
 * most 15 minutes: the EU868 duty cycle may hold a frame a few minutes),
 * so the record goes out, the station verifies and acknowledges it: the
 * status screen shows 0 waiting and the time of the last ack, and the
 * device's clock is set from the boot heartbeat's ack. Simulated time
 * starts at the real time now and runs ahead of it.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "handheld.h"
#include "png.h"
#include "sim_board.h"
#include "station.h"
#include "terminal.h"
#include "ui.h"
#include "version.h"

#define DEVICE_ID 0x5e1f0001u
#define DOWNLINK_FREQ_HZ 869525000u
#define RADIO_STEP_MS 100u
#define RADIO_RUN_MS 10000u         /* at least, after each key */
#define RADIO_RUN_MAX_MS 900000u    /* at most: the duty cycle may hold a frame minutes */

static uint64_t sim_now;

/* The station at the desk: verify, keep, acknowledge (as field.c's). */
struct desk {
    struct channel ch;
    struct station st;
    struct station_device devs[1];
    int rx;
    unsigned long stored, duplicates, rejected;
};

static void desk_rx(void *ctx, const uint8_t *frame, size_t len,
                    const struct channel_rx_meta *meta)
{
    struct desk *dk = ctx;
    struct station_device *d;
    struct record rec;
    uint32_t counter;
    uint8_t ack[RADIO_ACK_LEN];
    size_t an;
    int64_t start_s;
    struct board_radio_params p;
    int v = station_open(&dk->st, frame, len, &d, &counter, &rec);
    if (v < 0) {
        dk->rejected++;
        return;
    }
    if (v == STATION_NEW) {
        station_mark_held(d, counter);
        station_heartbeat(d, counter, &rec);
        if (rec.activity != ACT_ADMIN_HEARTBEAT)
            dk->stored++;
    } else {
        dk->duplicates++;
    }
    if (station_make_ack(&dk->st, d, station_ack_second((int64_t)meta->end_ms), ack, sizeof ack,
                         &an, &start_s) != 0)
        return;
    p.freq_hz = DOWNLINK_FREQ_HZ;
    p.sf = meta->sf;
    p.bw_kHz = meta->bw_kHz;
    p.power_dBm = 14;
    channel_downlink(&dk->ch, dk->rx, ack, an, &p, (uint64_t)start_s * 1000u, NULL);
}

static int desk_open(struct desk *dk, struct sim_board *sb, const uint8_t *key)
{
    struct channel_config cc;
    struct channel_receiver r;
    channel_config_default(&cc);
    cc.bit_error_p = 0;
    cc.dup_p = 0;
    cc.downlink_loss_p = 0;
    memset(&r, 0, sizeof r);
    r.on_rx = desk_rx;
    r.ctx = dk;
    station_init(&dk->st, 1, dk->devs, 1);
    return channel_init(&dk->ch, &cc) != CHANNEL_OK || channel_attach(&dk->ch, sb) != CHANNEL_OK ||
           channel_add_receiver(&dk->ch, &r, &dk->rx) != CHANNEL_OK ||
           station_add_device(&dk->st, DEVICE_ID, key) != 0;
}

/* Let simulated time run for ms, and on until the queue is empty (at most
 * RADIO_RUN_MAX_MS) when drain is set: the firmware transmits when its
 * duty-cycle budget allows (1 % of the air: an SF12 frame of 1.5 s costs
 * 2.5 min), listens, gets its ack; the screen follows (ui_poll). */
static void run_for(struct handheld *h, struct ui *u, struct desk *dk, uint64_t ms, int drain)
{
    uint64_t end = sim_now + ms, last = sim_now + RADIO_RUN_MAX_MS;
    while (sim_now < end || (drain && dk && handheld_queue_depth(h) && sim_now < last)) {
        sim_now += RADIO_STEP_MS;
        if (dk)
            channel_advance(&dk->ch, sim_now);
        handheld_tick(h);
    }
    ui_poll(u);
}

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
    static struct desk desk;
    struct desk *dk = &desk;
    const char *script = NULL, *png = NULL, *each = NULL;
    uint8_t key[RADIO_KEY_LEN];
    struct termios saved, raw;
    int interactive, quiet = 0, i, shots = 0, steps = 0;
    if (version_requested(argc, argv, "lofte-handheld"))
        return 0;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--keys") && i + 1 < argc)
            script = argv[++i];
        else if (!strcmp(argv[i], "--png") && i + 1 < argc)
            png = argv[++i];
        else if (!strcmp(argv[i], "--png-each") && i + 1 < argc)
            each = argv[++i];
        else if (!strcmp(argv[i], "--quiet"))
            quiet = 1;
        else if (!strcmp(argv[i], "--no-station"))
            dk = NULL;
        else {
            int help = !strcmp(argv[i], "--help");
            fprintf(help ? stdout : stderr,
                    "usage: lofte-handheld [--keys SCRIPT] [--png FILE] [--png-each DIR] "
                    "[--no-station] [--quiet]\n"
                    "keys: n NEXT, o OK, b BACK, h HOME, p PREV, w/W +1 min/h, s PNG, q quit\n");
            return help ? 0 : 2;
        }
    }
    for (i = 0; i < RADIO_KEY_LEN; i++)
        key[i] = (uint8_t)(0xA0 + i);
    sim_now = (uint64_t)time(NULL) * 1000u;
    if (sim_board_init(&sb, 0, &sim_now, HANDHELD_FLASH_PAGE_SIZE, HANDHELD_FLASH_PAGES, 1) ||
        handheld_provision(&sb.board, DEVICE_ID, key) || (dk && desk_open(dk, &sb, key)) ||
        handheld_boot(&h, &sb.board, NULL)) {
        fprintf(stderr, "lofte-handheld: the simulated board would not boot\n");
        return 1;
    }
    sim_board_attach_ui(&sb, 2, 87);
    ui_init(&u, &h, &sb.board);
    run_for(&h, &u, dk, RADIO_RUN_MS, 1); /* the boot heartbeat's ack sets the clock */
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
            run_for(&h, &u, dk, c == 'w' ? 60000u : 3600000u, 0);
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
        run_for(&h, &u, dk, RADIO_RUN_MS, 1);
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
    if (dk)
        fprintf(stderr, "lofte-handheld: the station stored %lu records (%lu duplicates, %lu "
                        "rejected); %zu still waiting on the device\n",
                dk->stored, dk->duplicates, dk->rejected, handheld_queue_depth(&h));
    sim_board_free(&sb);
    return 0;
}
