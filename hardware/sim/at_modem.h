/* at_modem.h -- emulators of two AT-command LoRa modems on a real pseudo
 * terminal: RAKwireless RUI3 (RAK3172) in LoRa P2P mode and the Seeed
 * Wio-E5 stock AT firmware in TEST mode.
 *
 * Written from docs/modems.md (which has the sources); what the manuals do
 * not say and is inferred is marked there and in at_modem.c. The gateway
 * opens the pty by a stable symlink, exactly as it opens a USB-serial
 * adapter; the emulator answers in real time, each command after a
 * configurable latency, so the gateway's timing (an ack's retune and send
 * inside the handheld's window) is exercised and measured.
 *
 * Radio side: at_modem_receive() is a frame the radio hears. It is printed
 * only if the emulated radio is receiving on that frequency, SF, bandwidth
 * and IQ; otherwise it is counted as not heard, by reason. Transmissions
 * (AT+PSEND, AT+TEST=TXLRPKT) are kept, with the radio settings and the
 * real time they start on air, for the caller to take (at_modem_take_tx)
 * and, in the simulator, to put on the channel.
 *
 * Not modelled: the duty-cycle limits of the firmware (RUI3 has none in
 * P2P; the Wio-E5's TEST mode has none documented), LoRaWAN mode, FSK,
 * baud-rate changes (a pty has no line speed: wire times are the
 * gateway's arithmetic, the emulator writes at once).
 */
#ifndef LOFTE_AT_MODEM_H
#define LOFTE_AT_MODEM_H

#include <stddef.h>
#include <stdint.h>

#define AT_MODEM_PATH_MAX 256
#define AT_MODEM_OUT_MAX 8192
#define AT_MODEM_PENDING 64     /* replies and events scheduled, not yet written */
#define AT_MODEM_TX_KEEP 16     /* transmissions kept for the caller */
#define AT_MODEM_LINE_MAX 528   /* RHF/RUI command length limit */

enum at_modem_kind { AT_MODEM_RUI3 = 0, AT_MODEM_WIOE5 = 1 };

enum at_modem_err {
    AT_MODEM_OK = 0,
    AT_MODEM_ERR_PTY = -1,
    AT_MODEM_ERR_LINK = -2,
    AT_MODEM_ERR_IO = -3,
    AT_MODEM_ERR_CONFIG = -4,
    AT_MODEM_ERR_FULL = -5,
    AT_MODEM_ERR_UNPLUGGED = -6
};

struct at_modem_config {
    enum at_modem_kind kind;
    const char *link_path;
    const char *version;        /* NULL: RUI3 "RUI_4.1.0_RAK3172-E", Wio-E5 "4.0.11" */
    int echo;                   /* RUI3 ATE on: every command line is echoed */
    uint32_t cmd_latency_ms;    /* command received .. its status */
    uint32_t send_latency_ms;   /* send command received .. frame starts on air */
    uint32_t boot_ms;           /* AT+NWM=0 / reboot .. banner */
    uint32_t tx_done_extra_ms;  /* TX end .. TX DONE line */
};

void at_modem_config_default(struct at_modem_config *cfg, enum at_modem_kind kind,
                             const char *link_path);

/* The radio as the commands set it. */
struct at_modem_radio {
    uint32_t freq_hz;
    uint8_t sf;
    uint16_t bw_kHz;
    uint8_t cr;                 /* 4/cr */
    uint16_t preamble;
    int8_t power_dBm;
    int iq_inverted;
    uint16_t syncword;          /* SX126x register form: 0x1424 private, 0x3444 public */
    int crc_on;
};

struct at_modem_tx {
    int64_t start_ms;           /* real (CLOCK_REALTIME) ms the frame starts on air */
    int64_t end_ms;
    struct at_modem_radio radio;
    uint8_t len;
    uint8_t frame[255];
};

enum at_modem_unheard {
    AT_MODEM_UNHEARD_NOT_RX = 0,    /* not receiving (idle, transmitting, wrong mode) */
    AT_MODEM_UNHEARD_FREQ,
    AT_MODEM_UNHEARD_SF_BW,
    AT_MODEM_UNHEARD_IQ,
    AT_MODEM_UNHEARD_SYNC,
    AT_MODEM_UNHEARD_COUNT
};

struct at_modem_stats {
    uint64_t commands, errors, busy, unknown;
    uint64_t rx_printed, unheard[AT_MODEM_UNHEARD_COUNT];
    uint64_t tx, reboots;
    uint64_t bytes_in, bytes_out, out_drops;
};

struct at_modem_pending {
    int used;
    int64_t due_ms;
    int kind;                   /* internal: line, command, tx end, boot */
    uint64_t seq;               /* order among equal due times */
    char text[AT_MODEM_LINE_MAX + 64];
};

struct at_modem {
    struct at_modem_config cfg;
    char link_path[AT_MODEM_PATH_MAX];
    char slave_path[AT_MODEM_PATH_MAX];
    char version[64];
    int master, slave_keep;

    char in[AT_MODEM_LINE_MAX + 2];
    size_t in_len;
    int in_overlong;

    uint8_t out[AT_MODEM_OUT_MAX];
    size_t out_len;

    /* module state */
    int p2p;                    /* RUI3 NWM=0 / Wio-E5 MODE=TEST */
    int rx_on;                  /* receiving */
    int rx_continuous;          /* RUI3 65534 (refuses other PRECV and TX) */
    int64_t rx_until_ms;        /* RUI3 timed receive; 0 none */
    int tx_busy;                /* a frame on air */
    int booting;
    struct at_modem_radio radio;
    struct at_modem_pending pend[AT_MODEM_PENDING];
    uint64_t pend_seq;
    int64_t uart_free_ms;       /* the module's UART is busy sending until then */

    struct at_modem_tx txq[AT_MODEM_TX_KEEP];
    size_t ntx;
    struct at_modem_stats stats;
    char err[2 * AT_MODEM_PATH_MAX];
};

/* Create the pty and its symlink; the module is powered on (defaults: RUI3
 * in LoRaWAN mode NWM=1, Wio-E5 in LWOTAA), not receiving. */
int at_modem_open(struct at_modem *m, const struct at_modem_config *cfg);
void at_modem_close(struct at_modem *m);

/* Pulled and put back USB plug: a new pty under the same name, module
 * powered off and on (state back to defaults). */
int at_modem_unplug(struct at_modem *m);
int at_modem_replug(struct at_modem *m);

/* The module resets (watchdog, brown-out) while the USB link stays: RUI3
 * prints its banner after boot_ms, the Wio-E5 prints nothing (inferred). */
void at_modem_reboot(struct at_modem *m);

/* Read commands, act on them, write what is due. Waits up to timeout_ms
 * for input (0: not at all). */
int at_modem_poll(struct at_modem *m, int timeout_ms);

/* The radio hears a frame (sent with these settings). 1 printed, 0 not
 * heard (counted by reason), or an error. */
int at_modem_receive(struct at_modem *m, const uint8_t *frame, size_t len, int16_t rssi_dBm,
                     int8_t snr_qdB, const struct at_modem_radio *sent_with);

/* Oldest kept transmission: 1 and *tx, or 0 if none. */
int at_modem_take_tx(struct at_modem *m, struct at_modem_tx *tx);

/* Write raw bytes to the gateway (tests: noise, partial lines). */
int at_modem_inject(struct at_modem *m, const char *bytes, size_t n);

int at_modem_master_fd(const struct at_modem *m);
int64_t at_modem_now_ms(void);

#endif
