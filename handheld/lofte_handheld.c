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
 *   --modem PATH      no station in this process: a simulated receiver
 *                     modem on a pseudo terminal at PATH (a symlink, as
 *                     lofte-sim --modem), for a real lofte-gateway to read
 *   --device-keys FILE  with --modem: the device's pseudonym and key for
 *                     the gateway's --keys and the collector's
 *                     --device-keys (mode 0600, written before the radio
 *                     starts)
 *   --drain-s N       with --modem and --keys: the first key waits for the
 *                     first ack (the device's clock), and after the script
 *                     the program runs on until the queue is empty; each
 *                     wait at most N s (300)
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
 *
 * With --modem the station is a real lofte-gateway on the other end of
 * the pty (docs/handheld.md "Try it with a real gateway"), so the handheld
 * runs in real time: its clock is the wall clock, each loop turn (20 ms, or
 * a key) moves it to the wall clock's now, and the channel, the modem and
 * the firmware follow. An ack the gateway schedules for a whole second
 * (docs/protocol.md §3.1) then lands in the handheld's listen window as it
 * would on the air, and the EU868 duty cycle costs real seconds (about
 * 22 s between two frames at SF9). 'w' waits a real minute. Each run is a
 * new device: a random pseudonym and key (the flash is the process's, so a
 * second run with the same key would repeat counters the gateway already
 * holds); the gateway reads its key file at start, so start the gateway
 * after lofte-handheld, as with lofte-sim.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "handheld.h"
#include "modem_pty.h"
#include "png.h"
#include "sim_board.h"
#include "station.h"
#include "terminal.h"
#include "ui.h"
#include "version.h"
#include "sim_station.h"

#define DEVICE_ID 0x5e1f0001u
#define RADIO_STEP_MS 100u
#define RADIO_RUN_MS 10000u         /* at least, after each key */
#define RADIO_RUN_MAX_MS 900000u    /* at most: the duty cycle may hold a frame minutes */
#define LIVE_STEP_MS 20             /* real time: a loop turn at least this often */
#define LIVE_KEY_MS 300u            /* real time run after each scripted key */
#define LIVE_DRAIN_S 300u           /* after the script, the queue may take this long */

static uint64_t sim_now;
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* The station at the desk: verify, keep, acknowledge (as field.c's). */
struct desk {
    struct channel ch;
    struct station st;
    struct station_device devs[1];
    int rx;
    unsigned long stored, duplicates, rejected;
};

/* The station keeps no records: it counts the ones it would store. */
static int desk_store(void *ctx, const struct station_device *d, uint32_t counter,
                      const struct record *rec)
{
    struct desk *dk = ctx;
    (void)d, (void)counter;
    if (rec->activity != ACT_ADMIN_HEARTBEAT)
        dk->stored++;
    return 0;
}

static void desk_rx(void *ctx, const uint8_t *frame, size_t len,
                    const struct channel_rx_meta *meta)
{
    struct desk *dk = ctx;
    int v = sim_station_rx(&dk->st, &dk->ch, dk->rx, frame, len, meta, desk_store, dk);
    if (v < 0)
        dk->rejected++;
    else if (v == STATION_DUPLICATE)
        dk->duplicates++;
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

/* --- a real gateway behind a simulated modem (--modem) ------------------------ */

struct wire {
    struct channel ch;
    struct modem_pty m;
    int rx;
};

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A fresh pseudonym and key from the system's random source: never 0 or
 * ffffffff (reserved, docs/protocol.md §3). */
static int fresh_identity(uint32_t *id, uint8_t *key)
{
    uint8_t b[4 + RADIO_KEY_LEN];
    size_t got = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    while (got < sizeof b) {
        ssize_t n = read(fd, b + got, sizeof b - got);
        if (n <= 0 && errno != EINTR)
            break;
        if (n > 0)
            got += (size_t)n;
    }
    close(fd);
    if (got != sizeof b)
        return -1;
    *id = ((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]);
    if (*id == 0 || *id == 0xffffffffu)
        *id = 0x5e1f0002u;
    memcpy(key, b + 4, RADIO_KEY_LEN);
    memset(b, 0, sizeof b);
    return 0;
}

/* The key file the gateway (--keys) and collector (--device-keys) read
 * (gateway/keystore.h): created 0600, never wider; the key is written
 * there and nowhere else. */
static int write_key_file(const char *path, uint32_t id, const uint8_t *key)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *out;
    int i;
    if (fd < 0 || fchmod(fd, 0600) != 0) {
        fprintf(stderr, "lofte-handheld: cannot write the key file %s: %s\n", path,
                strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    out = fdopen(fd, "w");
    if (!out) {
        close(fd);
        return -1;
    }
    fprintf(out, "# lofte device key: pseudonym key (hex). A simulated handheld "
                 "(lofte-handheld), this run only.\n%08x ", id);
    for (i = 0; i < RADIO_KEY_LEN; i++)
        fprintf(out, "%02x", key[i]);
    fprintf(out, "\n");
    if (fclose(out) != 0) {
        fprintf(stderr, "lofte-handheld: cannot write the key file %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    return 0;
}

static int wire_open(struct wire *w, struct sim_board *sb, const char *link)
{
    struct channel_config cc;
    struct modem_pty_config mc;
    channel_config_default(&cc);
    cc.bit_error_p = 0;
    cc.dup_p = 0;
    cc.downlink_loss_p = 0;
    modem_pty_config_default(&mc, link);
    mc.unix_offset_ms = 0; /* the handheld's clock is the wall clock */
    if (channel_init(&w->ch, &cc) != CHANNEL_OK || channel_attach(&w->ch, sb) != CHANNEL_OK) {
        fprintf(stderr, "lofte-handheld: the simulated channel would not start\n");
        return -1;
    }
    if (modem_pty_open(&w->m, &mc, sim_now) != MODEM_PTY_OK) {
        fprintf(stderr, "lofte-handheld: modem %s: %s\n", link, w->m.err);
        return -1;
    }
    if (modem_pty_attach_channel(&w->m, &w->ch, 0.0, &w->rx) != MODEM_PTY_OK) {
        fprintf(stderr, "lofte-handheld: the modem would not join the channel\n");
        modem_pty_close(&w->m);
        return -1;
    }
    return 0;
}

/* One turn in real time: wait up to LIVE_STEP_MS for the gateway (or a
 * key, when key_fd >= 0), bring the handheld's clock to the wall clock,
 * let the channel deliver, hand the gateway's TX to the modem, run the
 * firmware and the screen. 1 when a key is ready. */
static int live_step(struct wire *w, struct handheld *h, struct ui *u, int key_fd)
{
    struct pollfd p[2];
    struct modem_tx tx[8];
    size_t n, k;
    int np = 0, key = 0;
    uint64_t now;
    p[np].fd = w->m.master;
    p[np].events = POLLIN;
    p[np++].revents = 0;
    if (key_fd >= 0) {
        p[np].fd = key_fd;
        p[np].events = POLLIN;
        p[np++].revents = 0;
    }
    if (poll(p, (nfds_t)np, LIVE_STEP_MS) > 0 && key_fd >= 0 && p[np - 1].revents)
        key = 1;
    now = wall_ms();
    if (now > sim_now)
        sim_now = now;
    channel_advance(&w->ch, sim_now);
    do {
        n = 0;
        modem_pty_poll(&w->m, 0, tx, 8, &n);
        for (k = 0; k < n; k++)
            modem_pty_transmit(&w->m, &tx[k], sim_now, NULL);
    } while (n == 8);
    modem_pty_advance(&w->m, sim_now);
    channel_advance(&w->ch, sim_now);
    handheld_tick(h);
    ui_poll(u);
    return key;
}

/* Real time for ms, and on (at most drain_ms more) until the queue is
 * empty when drain_ms is not 0. */
static void live_for(struct wire *w, struct handheld *h, struct ui *u, uint64_t ms,
                     uint64_t drain_ms)
{
    uint64_t start = wall_ms();
    while (!stop_requested) {
        uint64_t t = wall_ms() - start;
        if (t >= ms && (!drain_ms || !handheld_queue_depth(h) || t >= ms + drain_ms))
            break;
        live_step(w, h, u, -1);
    }
}

static void draw(const struct sim_board *sb, int interactive, int quiet)
{
    if (quiet)
        return;
    if (interactive)
        fputs("\033[H\033[2J", stdout);
    terminal_draw(stdout, sb->screen, SIM_SCREEN_W, SIM_SCREEN_H);
    if (interactive)
        puts("n next/+1  o ok  b back(long)  h home(long)  w +1 min  s png  q quit");
    fflush(stdout);
}

/* What the officer reads at the end, as text (sensors/ui.h struct
 * ui_view): for scripts and tests. */
static void print_view(const struct ui *u)
{
    const struct ui_view *v = ui_view(u);
    int i;
    fprintf(stderr, "lofte-handheld: screen \"%s\", status line \"%s\"", v->title, v->status);
    for (i = 0; i < v->count; i++)
        fprintf(stderr, " | %s", v->item[i].text);
    fprintf(stderr, "\n");
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
    static struct wire wire;
    struct desk *dk = &desk;
    struct wire *wr = NULL;
    const char *script = NULL, *png = NULL, *each = NULL, *modem = NULL, *keyfile = NULL;
    uint8_t key[RADIO_KEY_LEN];
    uint32_t device = DEVICE_ID;
    unsigned long drain_s = LIVE_DRAIN_S;
    struct termios saved, raw;
    struct sigaction sa;
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
        else if (!strcmp(argv[i], "--modem") && i + 1 < argc)
            modem = argv[++i];
        else if (!strcmp(argv[i], "--device-keys") && i + 1 < argc)
            keyfile = argv[++i];
        else if (!strcmp(argv[i], "--drain-s") && i + 1 < argc) {
            char *end;
            errno = 0;
            drain_s = strtoul(argv[++i], &end, 10);
            if (errno || *end || !argv[i][0] || argv[i][0] == '-' || drain_s > 86400) {
                fprintf(stderr, "lofte-handheld: --drain-s %s: seconds, 0..86400\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--quiet"))
            quiet = 1;
        else if (!strcmp(argv[i], "--no-station"))
            dk = NULL;
        else {
            int help = !strcmp(argv[i], "--help");
            fprintf(help ? stdout : stderr,
                    "usage: lofte-handheld [--keys SCRIPT] [--png FILE] [--png-each DIR] "
                    "[--no-station | --modem PATH --device-keys FILE [--drain-s N]] "
                    "[--quiet]\n"
                    "keys: n NEXT, o OK, b BACK, h HOME, p PREV, w/W +1 min/h, s PNG, q quit\n"
                    "--modem PATH: a simulated receiver modem on a pty for a real "
                    "lofte-gateway, in real time\n");
            return help ? 0 : 2;
        }
    }
    if (modem && (!keyfile || !dk)) {
        fprintf(stderr, "lofte-handheld: %s\n",
                !dk ? "--modem and --no-station exclude each other"
                    : "--modem needs --device-keys FILE: the gateway must know the device's key");
        return 2;
    }
    if (keyfile && !modem) {
        fprintf(stderr, "lofte-handheld: --device-keys is for --modem (the in-process station "
                        "knows the key)\n");
        return 2;
    }
    if (modem) {
        dk = NULL;
        wr = &wire;
        if (fresh_identity(&device, key) != 0) {
            fprintf(stderr, "lofte-handheld: no random source for the device's key: %s\n",
                    strerror(errno));
            return 1;
        }
        if (write_key_file(keyfile, device, key) != 0)
            return 1;
    } else {
        for (i = 0; i < RADIO_KEY_LEN; i++)
            key[i] = (uint8_t)(0xA0 + i);
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a blocking read returns, the loop ends */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sim_now = wr ? wall_ms() : (uint64_t)time(NULL) * 1000u;
    if (sim_board_init(&sb, 0, &sim_now, HANDHELD_FLASH_PAGE_SIZE, HANDHELD_FLASH_PAGES, 1) ||
        handheld_provision(&sb.board, device, key) || (dk && desk_open(dk, &sb, key)) ||
        (wr && wire_open(wr, &sb, modem) != 0) || handheld_boot(&h, &sb.board, NULL)) {
        fprintf(stderr, "lofte-handheld: the simulated board would not boot\n");
        return 1;
    }
    memset(key, 0, sizeof key);
    if (wr)
        fprintf(stderr, "lofte-handheld: device %08x, modem at %s -> %s, its key in %s; "
                        "start lofte-gateway --port %s --keys %s\n",
                device, modem, modem_pty_slave_path(&wr->m), keyfile, modem, keyfile);
    sim_board_attach_ui(&sb, 2, 87);
    ui_init(&u, &h, &sb.board);
    if (!wr)
        run_for(&h, &u, dk, RADIO_RUN_MS, 1); /* the boot heartbeat's ack sets the clock */
    if (wr && script) {
        /* a script's records should carry the time: its first key waits
         * for the boot heartbeat's ack, which sets the device's clock (the
         * duty cycle the firmware assumes at boot holds that frame ~22 s) */
        uint64_t until = wall_ms() + (uint64_t)drain_s * 1000u;
        while (!stop_requested && !handheld_clock_known(&h) && wall_ms() < until)
            live_step(wr, &h, &u, -1);
        if (!handheld_clock_known(&h))
            fprintf(stderr, "lofte-handheld: no ack in %lu s (is a lofte-gateway reading %s, "
                            "with --keys %s?); the script's records go without a clock\n",
                    drain_s, modem, keyfile);
    }
    interactive = !script && isatty(0);
    if (interactive) {
        tcgetattr(0, &saved);
        raw = saved;
        raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
        tcsetattr(0, TCSANOW, &raw);
    }
    for (;;) {
        int c;
        draw(&sb, interactive, quiet);
        if (stop_requested)
            break;
        if (script) {
            c = *script ? *script++ : 'q';
        } else if (wr) {
            /* the radio runs on while nobody presses: the screen follows
             * each ack as it lands */
            long seen = sb.refresh_partial + sb.refresh_full;
            unsigned char ch;
            while (!stop_requested && !live_step(wr, &h, &u, 0))
                if (sb.refresh_partial + sb.refresh_full != seen) {
                    seen = sb.refresh_partial + sb.refresh_full;
                    draw(&sb, interactive, quiet);
                }
            c = stop_requested || read(0, &ch, 1) != 1 ? 'q' : ch;
        } else {
            c = getchar();
            if (c == EOF)
                c = 'q';
        }
        if (c == 'q')
            break;
        if (c == 'w' || c == 'W') {
            if (wr)
                live_for(wr, &h, &u, c == 'w' ? 60000u : 3600000u, 0);
            else
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
        if (wr)
            live_for(wr, &h, &u, script ? LIVE_KEY_MS : 0, 0);
        else
            run_for(&h, &u, dk, RADIO_RUN_MS, 1);
        if (each) {
            char name[512];
            snprintf(name, sizeof name, "%s/%03d.png", each, ++steps);
            if (png_write_mono(name, sb.screen, SIM_SCREEN_W, SIM_SCREEN_H, 2))
                perror(name);
        }
    }
    /* a script is done when its records are at the gateway, or drain_s
     * says it waited long enough */
    if (wr && script && !stop_requested)
        live_for(wr, &h, &u, 0, (uint64_t)drain_s * 1000u);
    if (interactive)
        tcsetattr(0, TCSANOW, &saved);
    ui_poll(&u);
    if (png && png_write_mono(png, sb.screen, SIM_SCREEN_W, SIM_SCREEN_H, 2)) {
        perror(png);
        return 1;
    }
    print_view(&u);
    if (dk)
        fprintf(stderr, "lofte-handheld: the station stored %lu records (%lu duplicates, %lu "
                        "rejected); %zu still waiting on the device\n",
                dk->stored, dk->duplicates, dk->rejected, handheld_queue_depth(&h));
    if (wr) {
        fprintf(stderr, "lofte-handheld: the modem passed %llu receptions to the gateway, "
                        "%llu acks went on air; %zu still waiting on the device\n",
                (unsigned long long)wr->m.stats.rx_written,
                (unsigned long long)wr->m.stats.tx_status[MODEM_TX_SENT],
                handheld_queue_depth(&h));
        modem_pty_close(&wr->m);
    }
    sim_board_free(&sb);
    return 0;
}
