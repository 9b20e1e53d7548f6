/* qemu_board.c -- the mps2-an386 board for the firmware (qemu_board.h). */
#include "qemu_board.h"

#include <string.h>

#include "ssd1681.h"

/* SysTick registers (Armv7-M ARM B3.3.2): control/status, reload, current. */
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SYST_CSR_ENABLE 0x1u
#define SYST_CSR_TICKINT 0x2u
#define SYST_CSR_CLKSOURCE 0x4u  /* the processor clock */
/* AN386 (and QEMU's mps2 model): the processor runs at 25 MHz. */
#define QEMU_CPU_HZ 25000000u

static volatile uint32_t systick_ms;  /* written only by the SysTick handler */
static uint64_t slept_ms;             /* time jumped over by sleeps */
static uint32_t systick_hi;           /* wraps of systick_ms seen */
static uint32_t systick_last;

void qemu_board_systick(void)
{
    systick_ms = systick_ms + 1u;
}

void qemu_board_clock_start(void)
{
    SYST_RVR = QEMU_CPU_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
}

uint64_t qemu_board_time_ms(void)
{
    uint32_t t = systick_ms;  /* one aligned word: read atomically */
    if (t < systick_last)
        systick_hi++;
    systick_last = t;
    return ((uint64_t)systick_hi << 32 | t) + slept_ms;
}

void qemu_board_sleep_until(uint64_t t_ms)
{
    uint64_t now = qemu_board_time_ms();
    if (t_ms > now)
        slept_ms += t_ms - now;
}

/* --- semihosting ------------------------------------------------------- */

/* A semihosting call: BKPT 0xAB with the operation in r0 and its argument
 * in r1; the host's answer comes back in r0. */
static uint32_t semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

#define SYS_WRITE0 0x04u
#define SYS_EXIT 0x18u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define ADP_STOPPED_RUNTIME_ERROR 0x20023u  /* QEMU exits with status 1 */

void qemu_board_puts(const char *s)
{
    semihost(SYS_WRITE0, s);
}

void qemu_board_put_u32(uint32_t v)
{
    char buf[11], *p = buf + sizeof buf - 1;
    *p = 0;
    do {
        *--p = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    qemu_board_puts(p);
}

void qemu_board_exit(int status)
{
    semihost(SYS_EXIT, (const void *)(uintptr_t)(status == 0 ? ADP_STOPPED_APPLICATION_EXIT
                                                               : ADP_STOPPED_RUNTIME_ERROR));
    for (;;)
        ;
}

void qemu_board_fatal(const char *why)
{
    qemu_board_puts("FATAL: ");
    qemu_board_puts(why);
    qemu_board_puts("\n");
    qemu_board_exit(1);
}

/* mbedTLS's exit (fw_crypto.h): report it instead of resetting. */
void fw_fatal(int code)
{
    (void)code;
    qemu_board_fatal("mbedTLS found its memory pool corrupted");
}

/* --- random ------------------------------------------------------------- */

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void board_random(void *ctx, uint8_t *buf, size_t len)
{
    struct qemu_board *qb = ctx;
    size_t i;
    for (i = 0; i < len; i++)
        buf[i] = (uint8_t)(xorshift(&qb->rng) >> 24);
}

static uint64_t board_now(void *ctx)
{
    struct qemu_board *qb = ctx;
    return qemu_board_time_ms() - qb->boot_ms;
}

/* --- flash -------------------------------------------------------------- */

#define FLASH_LEN (QEMU_FLASH_PAGES * QEMU_FLASH_PAGE_SIZE)

static int range_ok(uint32_t addr, uint32_t len)
{
    return addr <= FLASH_LEN && len <= FLASH_LEN - addr;
}

static int flash_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    struct qemu_board *qb = ctx;
    if (!qb->powered)
        return BOARD_ERR_POWER;
    if (!range_ok(addr, len))
        return BOARD_ERR_RANGE;
    memcpy(buf, qb->flash + addr, len);
    return BOARD_OK;
}

/* 1 if this operation is the one the power cut was armed for. */
static int cut_now(struct qemu_board *qb)
{
    qb->flash_ops_done++;
    return qb->cut_at_op != 0 && qb->flash_ops_done == qb->cut_at_op;
}

static void power_cut(struct qemu_board *qb)
{
    qb->powered = 0;
    qb->cut_at_op = 0;
}

/* 0: nothing, n: all, or a random amount in between. */
static uint32_t torn_amount(struct qemu_board *qb, uint32_t n)
{
    uint64_t r = xorshift(&qb->tear_rng);
    switch (r & 3u) {
    case 0: return 0;
    case 1: return n;
    default: return (uint32_t)((r >> 2) % (n + 1u));
    }
}

/* Program one word as the NVMC does: only clears bits; skipped (costing
 * nothing of nWRITE) when its value would not change. */
static void program_word(struct qemu_board *qb, uint32_t addr, const uint8_t *src)
{
    uint8_t *dst = qb->flash + addr;
    if (memcmp(src, dst, 4) == 0)
        return;
    qb->writes[addr / 4u]++;
    dst[0] &= src[0];
    dst[1] &= src[1];
    dst[2] &= src[2];
    dst[3] &= src[3];
}

static int flash_write(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    struct qemu_board *qb = ctx;
    const uint8_t *src = buf;
    uint8_t *dst;
    uint32_t i, done;

    if (!qb->powered)
        return BOARD_ERR_POWER;
    if (!range_ok(addr, len)) {
        qb->refused++;
        return BOARD_ERR_RANGE;
    }
    if (addr % 4u || len % 4u) {
        qb->refused++;
        return BOARD_ERR_ALIGN;
    }
    dst = qb->flash + addr;
    /* A 0 cannot be written back to 1, and a word may be written nWRITE
     * times between erases: checked for every word first, so a refused
     * write changes nothing. */
    for (i = 0; i < len; i++)
        if (src[i] & (uint8_t)~dst[i]) {
            qb->refused++;
            return BOARD_ERR_WRITE;
        }
    for (i = 0; i < len; i += 4u)
        if (memcmp(src + i, dst + i, 4) != 0 && qb->writes[(addr + i) / 4u] >= QEMU_FLASH_NWRITE) {
            qb->refused++;
            return BOARD_ERR_WRITE;
        }
    if (!cut_now(qb)) {
        for (i = 0; i < len; i += 4u)
            program_word(qb, addr + i, src + i);
        return BOARD_OK;
    }
    /* The cut: a prefix of the words done, the next one with some of its
     * cleared bits, the rest untouched. The word in flight counts against
     * nWRITE only if some bit of it changed: a write cut before it
     * programmed anything is taken as not having happened. That is an
     * inference (what an interrupted write does to a cell's budget is not
     * in the product specification); counting it too would make two cuts
     * that tear the same word invisibly a third write of it, since the
     * firmware cannot know a word that reads erased was ever written. */
    done = torn_amount(qb, len / 4u);
    for (i = 0; i < done * 4u; i += 4u)
        program_word(qb, addr + i, src + i);
    if (done < len / 4u) {
        uint32_t mode = torn_amount(qb, 2);  /* 0 none, 2 all, 1 some bits */
        uint64_t mask = xorshift(&qb->tear_rng);
        uint8_t before[4];
        memcpy(before, dst + done * 4u, 4);
        for (i = done * 4u; i < done * 4u + 4u; i++) {
            uint8_t keep = mode == 0 ? 0xFF : mode == 2 ? 0x00 : (uint8_t)(mask >> (8 * (i % 4u)));
            dst[i] &= (uint8_t)(src[i] | keep);
        }
        if (memcmp(before, dst + done * 4u, 4) != 0)
            qb->writes[(addr + done * 4u) / 4u]++;
    }
    power_cut(qb);
    return BOARD_ERR_POWER;
}

static int flash_erase(void *ctx, uint32_t page)
{
    struct qemu_board *qb = ctx;
    uint8_t *p;
    uint32_t n;
    if (!qb->powered)
        return BOARD_ERR_POWER;
    if (page >= QEMU_FLASH_PAGES) {
        qb->refused++;
        return BOARD_ERR_RANGE;
    }
    p = qb->flash + page * QEMU_FLASH_PAGE_SIZE;
    if (!cut_now(qb)) {
        memset(p, 0xFF, QEMU_FLASH_PAGE_SIZE);
        memset(qb->writes + page * (QEMU_FLASH_PAGE_SIZE / 4u), 0, QEMU_FLASH_PAGE_SIZE / 4u);
        return BOARD_OK;
    }
    /* the erased prefix is fresh; the rest keeps its contents and counts */
    n = torn_amount(qb, QEMU_FLASH_PAGE_SIZE);
    memset(p, 0xFF, n);
    memset(qb->writes + page * (QEMU_FLASH_PAGE_SIZE / 4u), 0, n / 4u);
    power_cut(qb);
    return BOARD_ERR_POWER;
}

/* --- radio -------------------------------------------------------------- */

static int radio_send(void *ctx, const uint8_t *frame, size_t len,
                      const struct board_radio_params *p)
{
    struct qemu_board *qb = ctx;
    if (!qb->powered)
        return BOARD_ERR_POWER;
    if (len == 0 || len > QEMU_FRAME_MAX)
        return BOARD_ERR_RANGE;
    if (qb->on_send)
        qb->on_send(qb->send_ctx, qb, frame, len, p, qemu_board_time_ms());
    return BOARD_OK;
}

static void radio_listen(void *ctx, const struct board_radio_params *p, uint64_t close_ms)
{
    struct qemu_board *qb = ctx;
    qb->listen_params = *p;
    qb->listen_until_ms = qb->boot_ms + close_ms;
}

static size_t radio_receive(void *ctx, uint8_t *buf, size_t cap, struct board_rx_meta *meta)
{
    struct qemu_board *qb = ctx;
    size_t n;
    if (!qb->powered || qb->rx_count == 0)
        return 0;
    n = qb->rx[0].len;
    if (n > cap)
        n = cap;
    memcpy(buf, qb->rx[0].frame, n);
    *meta = qb->rx[0].meta;
    memmove(&qb->rx[0], &qb->rx[1], (qb->rx_count - 1) * sizeof qb->rx[0]);
    qb->rx_count--;
    return n;
}

int qemu_board_deliver(struct qemu_board *qb, const uint8_t *frame, size_t len, uint64_t end_ms,
                       int16_t rssi_dBm, int8_t snr_qdB)
{
    struct qemu_rx *rx;
    if (!qb->powered || end_ms > qb->listen_until_ms || qb->rx_count == QEMU_RX_QUEUE ||
        len > QEMU_FRAME_MAX || end_ms < qb->boot_ms)
        return 0;
    rx = &qb->rx[qb->rx_count++];
    memcpy(rx->frame, frame, len);
    rx->len = len;
    rx->meta.rssi_dBm = rssi_dBm;
    rx->meta.snr_qdB = snr_qdB;
    rx->meta.end_ms = end_ms - qb->boot_ms;
    return 1;
}

/* --- power -------------------------------------------------------------- */

void qemu_board_cut_at(struct qemu_board *qb, long n)
{
    qb->cut_at_op = n > 0 ? qb->flash_ops_done + n : 0;
}

/* --- display, buttons, battery ------------------------------------------ */

static int display_refresh(void *ctx, const uint8_t *fb, enum board_refresh mode)
{
    struct qemu_board *qb = ctx;
    int err = ssd1681_refresh(qb->epd, fb, mode);
    if (err)
        qb->display_errors++;
    return err;
}

static int buttons_poll(void *ctx, struct board_button_event *ev)
{
    struct qemu_board *qb = ctx;
    if (!qb->button_n)
        return 0;
    *ev = qb->button[qb->button_head];
    qb->button_head = (uint8_t)((qb->button_head + 1u) % QEMU_BUTTON_QUEUE);
    qb->button_n--;
    return 1;
}

static int battery_percent(void *ctx)
{
    return ((struct qemu_board *)ctx)->battery_pct;
}

void qemu_board_attach_ui(struct qemu_board *qb, struct ssd1681 *epd, uint8_t buttons,
                          int battery_pct)
{
    qb->epd = epd;
    qb->display_ops.width = SSD1681_WIDTH;
    qb->display_ops.height = SSD1681_HEIGHT;
    qb->display_ops.refresh = display_refresh;
    qb->buttons_ops.count = buttons;
    qb->buttons_ops.long_press_ms = 1500;
    qb->buttons_ops.poll = buttons_poll;
    qb->battery_pct = battery_pct;
    qb->board.display = &qb->display_ops;
    qb->board.buttons = &qb->buttons_ops;
    qb->board.battery_percent = battery_percent;
}

int qemu_board_press(struct qemu_board *qb, uint8_t button, uint8_t kind)
{
    struct board_button_event *e;
    if (qb->button_n == QEMU_BUTTON_QUEUE)
        return -1;
    e = &qb->button[(qb->button_head + qb->button_n) % QEMU_BUTTON_QUEUE];
    e->button = button;
    e->kind = kind;
    qb->button_n++;
    return 0;
}

void qemu_board_power_on(struct qemu_board *qb)
{
    qb->button_head = qb->button_n = 0;
    qb->powered = 1;
    qb->cut_at_op = 0;
    qb->boot_ms = qemu_board_time_ms();
    qb->listen_until_ms = 0;
    qb->rx_count = 0;
}

void qemu_board_init(struct qemu_board *qb, uint8_t *flash, uint8_t *writes, uint64_t seed,
                     qemu_send_fn on_send, void *send_ctx)
{
    memset(qb, 0, sizeof *qb);
    qb->flash = flash;
    qb->writes = writes;
    memset(flash, 0xFF, FLASH_LEN);
    memset(writes, 0, FLASH_LEN / 4u);
    qb->flash_ops.page_size = QEMU_FLASH_PAGE_SIZE;
    qb->flash_ops.page_count = QEMU_FLASH_PAGES;
    qb->flash_ops.read = flash_read;
    qb->flash_ops.write = flash_write;
    qb->flash_ops.erase = flash_erase;
    qb->radio_ops.send = radio_send;
    qb->radio_ops.listen = radio_listen;
    qb->radio_ops.receive = radio_receive;
    qb->board.ctx = qb;
    qb->board.radio = &qb->radio_ops;
    qb->board.flash = &qb->flash_ops;
    qb->board.now_ms = board_now;
    qb->board.random = board_random;
    qb->on_send = on_send;
    qb->send_ctx = send_ctx;
    qb->rng = seed ? seed : 1u;
    qb->tear_rng = seed * 7919u + 1u;
    qemu_board_power_on(qb);
}
