/* qemu_board.h -- struct board (hardware/board.h) on QEMU's mps2-an386, for
 * running the handheld firmware on a real Cortex-M4 instruction set in CI.
 *
 * QEMU has no nRF52840 model, so this board keeps the CPU and models the
 * rest, each faithful to what the real board's driver guarantees:
 *
 *   flash  a RAM array with the nRF52840 NVMC's rules (product
 *          specification v1.7, section 4.3 NVMC): 4 KiB pages, writes of
 *          aligned 32-bit words that may only clear bits, erase by page,
 *          each word written at most nWRITE = 2 times between erases
 *          (4.3.10; like the NVMC driver, a word whose value would not
 *          change is skipped and costs nothing); anything else is refused
 *          with the board.h error a driver returns, and counted in
 *          refused (the firmware should never cause one). A power cut can be armed at the n-th erase or write:
 *          that operation is left torn (a prefix of its words written, the
 *          word in flight with a pseudo-random subset of its cleared bits;
 *          an erase with a prefix of the page erased) and every later one
 *          fails with BOARD_ERR_POWER until qemu_board_power_on. How a real
 *          cell tears is inferred, not measured: any subset is allowed.
 *   clock  SysTick (Armv7-M ARM B3.3) interrupts every millisecond of the
 *          emulated CPU clock (AN386: 25 MHz) and counts board time. Where
 *          a real handheld sleeps (WFE) until its next event, this board
 *          jumps the clock forward instead (qemu_board_sleep_until): the
 *          firmware sees the same times, hours of field time cost no
 *          emulated time, and the run stays deterministic.
 *   radio  no RF: an uplink goes to a callback (the harness's in-image
 *          station, gateway/station.c); downlinks are delivered back with
 *          qemu_board_deliver while the firmware listens.
 *   random a xorshift generator, seeded per run: deterministic, which is
 *          what a test wants; the nRF52840's RNG peripheral is the real
 *          source on the boards.
 *   display the real SSD1681 driver (hardware/ssd1681/) over a model of
 *          the controller (qemu_epd.h), when qemu_board_attach_ui gives one;
 *   buttons a queue of board.h button events the harness scripts
 *          (qemu_board_press): what the board's scanner and classifier
 *          (nrf52_buttons, host-tested against a GPIO model) deliver;
 *   battery a fixed charge the harness sets;
 *   output semihosting SYS_WRITE0 and SYS_EXIT (Arm "Semihosting for
 *          AArch32 and AArch64", 2.0), run with
 *          -semihosting-config enable=on,target=native.
 */
#ifndef LOFTE_QEMU_BOARD_H
#define LOFTE_QEMU_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "board.h"

/* Places an object in the HARNESS region (mps2_an386.ld): RAM that only the
 * emulated run has, not counted in the firmware's 32 KiB. */
#define HARNESS __attribute__((section(".harness")))

#define QEMU_FLASH_PAGE_SIZE 4096u
#define QEMU_FLASH_PAGES 18u
#define QEMU_FLASH_NWRITE 2u
#define QEMU_RX_QUEUE 2
#define QEMU_FRAME_MAX 64

struct qemu_board;
typedef void (*qemu_send_fn)(void *ctx, struct qemu_board *qb, const uint8_t *frame, size_t len,
                             const struct board_radio_params *p, uint64_t at_ms);

struct qemu_rx {
    uint8_t frame[QEMU_FRAME_MAX];
    size_t len;
    struct board_rx_meta meta;
};

#define QEMU_BUTTON_QUEUE 8

struct ssd1681;

struct qemu_board {
    struct board board;
    struct board_flash flash_ops;
    struct board_radio radio_ops;
    /* the officer's interface, after qemu_board_attach_ui */
    struct board_display display_ops;
    struct board_buttons buttons_ops;
    struct ssd1681 *epd;
    struct board_button_event button[QEMU_BUTTON_QUEUE];
    uint8_t button_head, button_n;
    int battery_pct;
    long display_errors;       /* refreshes the driver reported failed */
    uint8_t *flash;            /* QEMU_FLASH_PAGES * QEMU_FLASH_PAGE_SIZE, in HARNESS */
    uint8_t *writes;           /* per flash word: writes since its erase, in HARNESS */
    long refused;              /* writes and erases refused by the flash rules */
    long flash_ops_done;       /* erases and writes that passed their checks */
    long cut_at_op;            /* cut at this op (1-based, absolute), 0: never */
    int powered;
    uint64_t boot_ms;          /* qemu_board_time_ms at the last power-on */
    uint64_t listen_until_ms;  /* time (not board time) the receiver closes */
    struct board_radio_params listen_params;
    struct qemu_rx rx[QEMU_RX_QUEUE];
    size_t rx_count;
    qemu_send_fn on_send;
    void *send_ctx;
    uint64_t rng, tear_rng;
};

/* Set up a board with erased flash, powered, clock at boot 0. */
/* flash: QEMU_FLASH_PAGES * QEMU_FLASH_PAGE_SIZE bytes; writes: one byte
 * per flash word. */
void qemu_board_init(struct qemu_board *qb, uint8_t *flash, uint8_t *writes, uint64_t seed,
                     qemu_send_fn on_send, void *send_ctx);

/* Time since reset of the emulated machine, ms (SysTick plus sleeps). */
uint64_t qemu_board_time_ms(void);
/* Sleep until time t (what WFE until the next wake-up does on a board). */
void qemu_board_sleep_until(uint64_t t_ms);
void qemu_board_systick(void);
void qemu_board_clock_start(void);

/* Give the board a display (the SSD1681 driver, bound to its bus) and
 * `buttons` buttons, battery at battery_pct. Survives power cuts. */
void qemu_board_attach_ui(struct qemu_board *qb, struct ssd1681 *epd, uint8_t buttons,
                          int battery_pct);
/* Queue a button event as the board's buttons would report it. 0, or -1
 * when the queue is full (the event is lost, as on the board). */
int qemu_board_press(struct qemu_board *qb, uint8_t button, uint8_t kind);

/* Power: cut at the n-th flash operation from now (n >= 1); power on again
 * (the board clock restarts at 0, the receiver is closed). */
void qemu_board_cut_at(struct qemu_board *qb, long n);
void qemu_board_power_on(struct qemu_board *qb);

/* Hand a downlink that ended at time end_ms to the board: taken only if the
 * receiver is open then. Returns 1 if taken. */
int qemu_board_deliver(struct qemu_board *qb, const uint8_t *frame, size_t len, uint64_t end_ms,
                       int16_t rssi_dBm, int8_t snr_qdB);

/* Output and exit, by semihosting. */
void qemu_board_puts(const char *s);
void qemu_board_put_u32(uint32_t v);
__attribute__((noreturn)) void qemu_board_exit(int status);
__attribute__((noreturn)) void qemu_board_fatal(const char *why);

/* startup.c: bytes of stack ever used since reset, and the stack's size. */
uint32_t startup_stack_used(void);
uint32_t startup_stack_size(void);

#endif
