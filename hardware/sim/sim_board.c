/* sim_board.c -- struct board for the simulator: flash with real flash
 * semantics and scheduled power cuts, a radio that hands frames to a
 * channel, a clock that restarts at every power-on (see sim_board.h).
 *
 * The flash is strict on purpose: everything a real NOR/MCU flash refuses
 * (a write that would set a bit, an unaligned word) is refused here too, so
 * firmware that passes the simulator does not rely on luck. A power cut
 * tears the operation it hits at random, from a per-board xorshift stream:
 * the same seed and the same calls give the same flash, byte for byte.
 */
#include "sim_board.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "airtime.h"

const char *board_strerror(int err)
{
    switch (err) {
    case BOARD_OK: return "ok";
    case BOARD_ERR_RANGE: return "address or length outside the device";
    case BOARD_ERR_ALIGN: return "flash address or length not word aligned";
    case BOARD_ERR_WRITE: return "flash write would set a bit back to 1";
    case BOARD_ERR_POWER: return "power cut";
    case BOARD_ERR_BUSY: return "radio still transmitting";
    }
    return "unknown board error";
}

/* xorshift64*: small, deterministic, good enough for tearing and jitter. */
static uint64_t xorshift(uint64_t *state)
{
    uint64_t x = *state ? *state : 0x9E3779B97F4A7C15ULL;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t rng_next(struct sim_board *b)
{
    return xorshift(&b->rng);
}

static uint64_t tear_next(struct sim_board *b)
{
    return xorshift(&b->tear_rng);
}

static uint32_t flash_size(const struct sim_board *b)
{
    return b->flash_ops.page_size * b->flash_ops.page_count;
}

static int range_ok(const struct sim_board *b, uint32_t addr, uint32_t len)
{
    return addr <= flash_size(b) && len <= flash_size(b) - addr;
}

/* Count one flash operation; 1 if the power is to be cut during it. */
static int op_cut(struct sim_board *b)
{
    b->flash_ops_done++;
    return b->cut_at_op > 0 && b->flash_ops_done == b->cut_at_op;
}

static void power_cut(struct sim_board *b)
{
    b->powered = 0;
    b->cut_at_op = 0;
    b->rx_count = 0;
    b->listen_until_ms = 0;
}

/* How much of an interrupted operation got done: a quarter of the time
 * nothing, a quarter everything, else a random part of n units. */
static uint32_t torn_amount(struct sim_board *b, uint32_t n)
{
    uint64_t r = tear_next(b);
    switch (r & 3u) {
    case 0: return 0;
    case 1: return n;
    default: return (uint32_t)((r >> 2) % (n + 1u));
    }
}

static int sim_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    struct sim_board *b = ctx;
    if (!b->powered)
        return BOARD_ERR_POWER;
    if (!range_ok(b, addr, len))
        return BOARD_ERR_RANGE;
    memcpy(buf, b->flash + addr, len);
    return BOARD_OK;
}

static int sim_write(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    struct sim_board *b = ctx;
    const uint8_t *src = buf;
    uint8_t *dst;
    uint32_t i, words, done;

    if (!b->powered)
        return BOARD_ERR_POWER;
    if (!range_ok(b, addr, len))
        return BOARD_ERR_RANGE;
    if (addr % 4u != 0 || len % 4u != 0)
        return BOARD_ERR_ALIGN;
    dst = b->flash + addr;
    for (i = 0; i < len; i++)
        if ((dst[i] & src[i]) != src[i])
            return BOARD_ERR_WRITE;
    if (!op_cut(b)) {
        for (i = 0; i < len; i++)
            dst[i] &= src[i];
        return BOARD_OK;
    }
    /* Torn: a prefix of whole words, then the word in flight with a random
     * subset of the bits it was to clear. */
    words = len / 4u;
    done = words ? (uint32_t)(tear_next(b) % words) : 0;
    for (i = 0; i < done * 4u; i++)
        dst[i] &= src[i];
    if (done < words) {
        uint32_t mode = torn_amount(b, 2);  /* 0 none, 2 all, 1 random bits */
        uint64_t mask = tear_next(b);
        for (i = done * 4u; i < done * 4u + 4u; i++) {
            uint8_t keep = mode == 0 ? 0xFF : mode == 2 ? 0x00 : (uint8_t)(mask >> (8 * (i % 4u)));
            dst[i] &= (uint8_t)(src[i] | keep);
        }
    }
    power_cut(b);
    return BOARD_ERR_POWER;
}

static int sim_erase(void *ctx, uint32_t page)
{
    struct sim_board *b = ctx;
    uint8_t *p;

    if (!b->powered)
        return BOARD_ERR_POWER;
    if (page >= b->flash_ops.page_count)
        return BOARD_ERR_RANGE;
    p = b->flash + (size_t)page * b->flash_ops.page_size;
    if (!op_cut(b)) {
        memset(p, 0xFF, b->flash_ops.page_size);
        return BOARD_OK;
    }
    memset(p, 0xFF, torn_amount(b, b->flash_ops.page_size));
    power_cut(b);
    return BOARD_ERR_POWER;
}

static uint64_t sim_now(void *ctx)
{
    const struct sim_board *b = ctx;
    uint64_t t = *b->sim_now_ms;
    return t > b->boot_ms ? t - b->boot_ms : 0;
}

static void sim_random(void *ctx, uint8_t *buf, size_t len)
{
    struct sim_board *b = ctx;
    size_t i;
    uint64_t r = 0;
    for (i = 0; i < len; i++) {
        if (i % 8 == 0)
            r = rng_next(b);
        buf[i] = (uint8_t)(r >> (8 * (i % 8)));
    }
}

static int sim_send(void *ctx, const uint8_t *frame, size_t len,
                    const struct board_radio_params *p)
{
    struct sim_board *b = ctx;
    if (!b->powered)
        return BOARD_ERR_POWER;
    if (len == 0 || len > SIM_FRAME_MAX)
        return BOARD_ERR_RANGE;
    if (b->on_send)
        b->on_send(b->channel, b, frame, len, p, *b->sim_now_ms);
    return BOARD_OK;
}

static void sim_listen(void *ctx, uint64_t close_ms)
{
    struct sim_board *b = ctx;
    if (b->powered)
        b->listen_until_ms = b->boot_ms + close_ms;
}

static size_t sim_receive(void *ctx, uint8_t *buf, size_t cap, struct board_rx_meta *meta)
{
    struct sim_board *b = ctx;
    size_t n;
    if (!b->powered || b->rx_count == 0)
        return 0;
    n = b->rx[0].len < cap ? b->rx[0].len : cap;
    memcpy(buf, b->rx[0].frame, n);
    if (meta)
        *meta = b->rx[0].meta;
    b->rx_count--;
    memmove(&b->rx[0], &b->rx[1], b->rx_count * sizeof b->rx[0]);
    return n;
}

int sim_board_init(struct sim_board *b, int index, const uint64_t *sim_now_ms,
                   uint32_t page_size, uint32_t page_count, uint64_t seed)
{
    memset(b, 0, sizeof *b);
    if (page_size == 0 || page_size % 4u != 0 || page_count == 0 ||
        (uint64_t)page_size * page_count > 0x7FFFFFFFu)
        return BOARD_ERR_RANGE;
    b->flash = malloc((size_t)page_size * page_count);
    if (!b->flash)
        return BOARD_ERR_RANGE;
    memset(b->flash, 0xFF, (size_t)page_size * page_count);
    b->index = index;
    b->sim_now_ms = sim_now_ms;
    b->boot_ms = *sim_now_ms;
    b->powered = 1;
    /* splitmix64 of the seed: nearby seeds give unrelated streams, and the
     * xorshift state is never 0 */
    seed += 0x9E3779B97F4A7C15ULL;
    seed = (seed ^ (seed >> 30)) * 0xBF58476D1CE4E5B9ULL;
    seed = (seed ^ (seed >> 27)) * 0x94D049BB133111EBULL;
    b->rng = (seed ^ (seed >> 31)) | 1u;
    b->tear_rng = b->rng * 0xD1B54A32D192ED03ULL | 1u;

    b->flash_ops.page_size = page_size;
    b->flash_ops.page_count = page_count;
    b->flash_ops.read = sim_read;
    b->flash_ops.write = sim_write;
    b->flash_ops.erase = sim_erase;
    b->radio_ops.send = sim_send;
    b->radio_ops.listen = sim_listen;
    b->radio_ops.receive = sim_receive;
    b->board.ctx = b;
    b->board.radio = &b->radio_ops;
    b->board.flash = &b->flash_ops;
    b->board.now_ms = sim_now;
    b->board.random = sim_random;
    return BOARD_OK;
}

/* --- display, buttons, battery ------------------------------------------ */

static int sim_refresh(void *ctx, const uint8_t *fb, enum board_refresh mode)
{
    struct sim_board *b = ctx;
    if (!b->powered)
        return BOARD_ERR_POWER;
    memcpy(b->screen, fb, SIM_SCREEN_BYTES);
    if (mode == BOARD_REFRESH_FULL)
        b->refresh_full++;
    else
        b->refresh_partial++;
    return BOARD_OK;
}

static int sim_button_poll(void *ctx, struct board_button_event *ev)
{
    struct sim_board *b = ctx;
    if (!b->powered || b->button_count == 0)
        return 0;
    *ev = b->button_queue[0];
    b->button_count--;
    memmove(&b->button_queue[0], &b->button_queue[1], b->button_count * sizeof *ev);
    return 1;
}

static int sim_battery(void *ctx)
{
    const struct sim_board *b = ctx;
    return b->battery_pct;
}

void sim_board_attach_ui(struct sim_board *b, uint8_t buttons, int battery_pct)
{
    b->display_ops.width = SIM_SCREEN_W;
    b->display_ops.height = SIM_SCREEN_H;
    b->display_ops.refresh = sim_refresh;
    b->button_ops.count = buttons < 2 ? 2 : buttons > 4 ? 4 : buttons;
    b->button_ops.long_press_ms = SIM_LONG_PRESS_MS;
    b->button_ops.poll = sim_button_poll;
    b->battery_pct = battery_pct;
    b->board.display = &b->display_ops;
    b->board.buttons = &b->button_ops;
    b->board.battery_percent = sim_battery;
}

int sim_board_press(struct sim_board *b, uint8_t button, uint8_t kind)
{
    if (b->button_count >= SIM_BUTTON_QUEUE || button >= b->button_ops.count) {
        b->buttons_dropped++;
        return -1;
    }
    b->button_queue[b->button_count].button = button;
    b->button_queue[b->button_count].kind = kind;
    b->button_count++;
    return 0;
}

void sim_board_free(struct sim_board *b)
{
    free(b->flash);
    b->flash = NULL;
}

void sim_board_cut_power_at(struct sim_board *b, long n)
{
    b->cut_at_op = n > 0 ? b->flash_ops_done + n : 0;
}

void sim_board_power_on(struct sim_board *b)
{
    /* A cut still armed (a reboot without one) stays armed: the cut counts
     * flash operations, not boots. */
    b->powered = 1;
    b->boot_ms = *b->sim_now_ms;
    b->rx_count = 0;
    b->listen_until_ms = 0;
}

int sim_board_deliver(struct sim_board *b, const uint8_t *frame, size_t len,
                      const struct board_rx_meta *meta, uint64_t now_ms)
{
    struct sim_rx_slot *s;
    if (!b->powered || now_ms > b->listen_until_ms || b->listen_until_ms == 0 ||
        b->rx_count >= SIM_RX_QUEUE || len == 0 || len > SIM_FRAME_MAX)
        return 0;
    s = &b->rx[b->rx_count++];
    memcpy(s->frame, frame, len);
    s->len = len;
    if (meta) {
        s->meta = *meta;
    } else {
        s->meta.rssi_dBm = -100;
        s->meta.snr_qdB = 0;
    }
    s->meta.end_ms = now_ms - b->boot_ms; /* the RX-done timestamp, board time */
    return 1;
}

int sim_board_save(const struct sim_board *b, const char *path)
{
    FILE *f = fopen(path, "wb");
    size_t n = (size_t)flash_size(b);
    int ok;
    if (!f)
        return BOARD_ERR_RANGE;
    ok = fwrite(b->flash, 1, n, f) == n;
    ok = (fclose(f) == 0) && ok;
    return ok ? BOARD_OK : BOARD_ERR_RANGE;
}

/* The file must hold exactly this board's flash; otherwise the flash is
 * left as it was. */
int sim_board_load(struct sim_board *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    size_t n = (size_t)flash_size(b);
    uint8_t *tmp = malloc(n);
    int ok = 0;
    if (f && tmp)
        ok = fread(tmp, 1, n, f) == n && fgetc(f) == EOF;
    if (ok)
        memcpy(b->flash, tmp, n);
    free(tmp);
    if (f)
        fclose(f);
    return ok ? BOARD_OK : BOARD_ERR_RANGE;
}
