/* at_modem.c -- RUI3 (P2P) and Wio-E5 (TEST mode) AT modems on a pty.
 *
 * See at_modem.h. Grammar and behaviour from docs/modems.md; the points
 * the manuals leave open, and how this emulator fills them (inferred, not
 * verified on hardware):
 *   - RUI3: P2P settings (AT+P2P, AT+IQINVER, AT+SYNCWORD) and AT+PSEND
 *     during AT+PRECV=65534 answer AT_BUSY_ERROR (the manual says so of
 *     PRECV and, by a forum report, of PSEND); AT+PRECV=0 is accepted.
 *   - RUI3: AT+NWM=<the mode it is in> answers OK without a restart; a
 *     change restarts the module, which prints its banner and no OK.
 *   - RUI3: AT+PSEND's OK is printed when the frame starts on air.
 *   - Wio-E5: AT+TEST=RFCFG and AT+TEST=TXLRPKT end TEST-mode receive; a
 *     reset leaves no line and the module in LWOTAA mode; a TEST command
 *     outside TEST mode answers "+TEST: ERROR(-12)"; an unknown command
 *     "+AT: ERROR(-1)".
 *   - Both: one command at a time, in order; each one's effect and reply
 *     come cmd_latency_ms after its line (send_latency_ms for sends).
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "airtime.h"
#include "at_modem.h"

enum { P_LINE = 1, P_CMD, P_TXEND, P_BOOT };

int64_t at_modem_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void at_modem_config_default(struct at_modem_config *cfg, enum at_modem_kind kind,
                             const char *link_path)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->kind = kind;
    cfg->link_path = link_path;
    cfg->cmd_latency_ms = 10;
    cfg->send_latency_ms = 20;
    cfg->boot_ms = 300;
    cfg->tx_done_extra_ms = 2;
}

static int fail(struct at_modem *m, int code, const char *what)
{
    snprintf(m->err, sizeof m->err, "%s: %s", what, strerror(errno));
    return code;
}

/* --- the pty ---------------------------------------------------------------- */

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int pty_create(struct at_modem *m)
{
    struct termios t;
    const char *name;
    char tmp[AT_MODEM_PATH_MAX + 32];
    struct stat st;

    m->master = posix_openpt(O_RDWR | O_NOCTTY);
    if (m->master < 0)
        return fail(m, AT_MODEM_ERR_PTY, "posix_openpt");
    if (grantpt(m->master) || unlockpt(m->master) || !(name = ptsname(m->master)) ||
        strlen(name) >= sizeof m->slave_path)
        goto bad;
    strcpy(m->slave_path, name);
    /* our own slave fd keeps the pty alive while the gateway reopens it */
    m->slave_keep = open(m->slave_path, O_RDWR | O_NOCTTY);
    if (m->slave_keep < 0 || tcgetattr(m->slave_keep, &t) != 0)
        goto bad;
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    cfsetispeed(&t, m->cfg.kind == AT_MODEM_WIOE5 ? B9600 : B115200);
    cfsetospeed(&t, m->cfg.kind == AT_MODEM_WIOE5 ? B9600 : B115200);
    if (tcsetattr(m->slave_keep, TCSANOW, &t) != 0 ||
        fcntl(m->master, F_SETFL, fcntl(m->master, F_GETFL) | O_NONBLOCK) != 0)
        goto bad;
    fcntl(m->master, F_SETFD, FD_CLOEXEC);
    fcntl(m->slave_keep, F_SETFD, FD_CLOEXEC);
    if (lstat(m->link_path, &st) == 0 && !S_ISLNK(st.st_mode)) {
        snprintf(m->err, sizeof m->err, "%s exists and is not a symlink", m->link_path);
        close_fd(&m->slave_keep);
        close_fd(&m->master);
        return AT_MODEM_ERR_LINK;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", m->link_path, (long)getpid());
    unlink(tmp);
    if (symlink(m->slave_path, tmp) != 0 || rename(tmp, m->link_path) != 0) {
        unlink(tmp);
        fail(m, AT_MODEM_ERR_LINK, "symlink");
        close_fd(&m->slave_keep);
        close_fd(&m->master);
        return AT_MODEM_ERR_LINK;
    }
    return AT_MODEM_OK;
bad:
    fail(m, AT_MODEM_ERR_PTY, "pty setup");
    close_fd(&m->slave_keep);
    close_fd(&m->master);
    return AT_MODEM_ERR_PTY;
}

static void power_on(struct at_modem *m)
{
    m->p2p = 0;
    m->rx_on = m->rx_continuous = 0;
    m->rx_until_ms = 0;
    m->tx_busy = 0;
    m->booting = 0;
    m->in_len = 0;
    m->in_overlong = 0;
    memset(m->pend, 0, sizeof m->pend);
    m->uart_free_ms = 0;
    /* RUI3's P2P default 868000000:7:125:0:8:14; the Wio-E5's RFCFG default
     * 868 MHz SF12 (inferred from the spec's example) */
    m->radio.freq_hz = 868000000;
    m->radio.sf = m->cfg.kind == AT_MODEM_RUI3 ? 7 : 12;
    m->radio.bw_kHz = 125;
    m->radio.cr = 5;
    m->radio.preamble = 8;
    m->radio.power_dBm = 14;
    m->radio.iq_inverted = 0;
    m->radio.syncword = m->cfg.kind == AT_MODEM_RUI3 ? 0x1424 : 0x3444;
    m->radio.crc_on = 1;
}

int at_modem_open(struct at_modem *m, const struct at_modem_config *cfg)
{
    memset(m, 0, sizeof *m);
    m->master = m->slave_keep = -1;
    if (!cfg->link_path || strlen(cfg->link_path) >= sizeof m->link_path) {
        snprintf(m->err, sizeof m->err, "bad link path");
        return AT_MODEM_ERR_CONFIG;
    }
    m->cfg = *cfg;
    strcpy(m->link_path, cfg->link_path);
    m->cfg.link_path = m->link_path;
    snprintf(m->version, sizeof m->version, "%s",
             cfg->version ? cfg->version
                          : cfg->kind == AT_MODEM_RUI3 ? "RUI_4.1.0_RAK3172-E" : "4.0.11");
    m->cfg.version = m->version;
    power_on(m);
    return pty_create(m);
}

static void teardown(struct at_modem *m)
{
    char target[AT_MODEM_PATH_MAX];
    ssize_t n = readlink(m->link_path, target, sizeof target - 1);
    if (n >= 0) {
        target[n] = 0;
        if (strcmp(target, m->slave_path) == 0)
            unlink(m->link_path);
    }
    close_fd(&m->slave_keep);
    close_fd(&m->master);
    m->slave_path[0] = 0;
    m->out_len = 0;
}

void at_modem_close(struct at_modem *m)
{
    if (m->master >= 0)
        teardown(m);
}

int at_modem_unplug(struct at_modem *m)
{
    if (m->master >= 0)
        teardown(m);
    return AT_MODEM_OK;
}

int at_modem_replug(struct at_modem *m)
{
    if (m->master >= 0)
        return AT_MODEM_ERR_CONFIG;
    power_on(m);
    return pty_create(m);
}

int at_modem_master_fd(const struct at_modem *m)
{
    return m->master;
}

/* --- output ------------------------------------------------------------------ */

static void flush_out(struct at_modem *m)
{
    while (m->master >= 0 && m->out_len) {
        ssize_t w = write(m->master, m->out, m->out_len);
        if (w <= 0)
            return; /* EAGAIN: the gateway is not reading; keep it */
        memmove(m->out, m->out + w, m->out_len - (size_t)w);
        m->out_len -= (size_t)w;
        m->stats.bytes_out += (uint64_t)w;
    }
}

static void put(struct at_modem *m, const char *s, size_t n)
{
    if (m->master < 0)
        return;
    if (m->out_len + n > sizeof m->out) {
        m->stats.out_drops++;
        return;
    }
    memcpy(m->out + m->out_len, s, n);
    m->out_len += n;
}

/* RUI3 frames status lines as CR LF <status> CR LF; other lines end in
 * CR LF. The Wio-E5 ends every line in CR LF. */
static int schedule(struct at_modem *m, int kind, int64_t due, const char *text);

/* ms n characters take on the module's UART (8N1: 10 bits each) */
static int64_t wire_ms(const struct at_modem *m, size_t n)
{
    return (int64_t)(n * 10u * 1000u / (m->cfg.kind == AT_MODEM_WIOE5 ? 9600u : 115200u));
}

/* A line leaves the module's UART when the bytes before it and its own
 * are out: the pty would deliver it at once, so it is written then. */
static void emit(struct at_modem *m, const char *bytes)
{
    int64_t now = at_modem_now_ms();
    int64_t t = m->uart_free_ms > now ? m->uart_free_ms : now;
    m->uart_free_ms = t + wire_ms(m, strlen(bytes));
    if (schedule(m, P_LINE, m->uart_free_ms, bytes) != 0)
        m->stats.out_drops++;
}

static void line(struct at_modem *m, const char *text)
{
    char buf[AT_MODEM_LINE_MAX + 64];
    int n = snprintf(buf, sizeof buf, "%s\r\n", text);
    if (n < 0 || (size_t)n >= sizeof buf) { /* a line the module could not send whole */
        m->stats.out_drops++;
        return;
    }
    emit(m, buf);
}

static void status(struct at_modem *m, const char *text)
{
    char buf[AT_MODEM_LINE_MAX + 64];
    int n = snprintf(buf, sizeof buf, "\r\n%s\r\n", text);
    if (n < 0 || (size_t)n >= sizeof buf) {
        m->stats.out_drops++;
        return;
    }
    emit(m, buf);
}

int at_modem_inject(struct at_modem *m, const char *bytes, size_t n)
{
    if (m->master < 0)
        return AT_MODEM_ERR_UNPLUGGED;
    put(m, bytes, n);
    flush_out(m);
    return AT_MODEM_OK;
}

static int schedule(struct at_modem *m, int kind, int64_t due, const char *text)
{
    int i;
    for (i = 0; i < AT_MODEM_PENDING; i++)
        if (!m->pend[i].used) {
            m->pend[i].used = 1;
            m->pend[i].kind = kind;
            m->pend[i].due_ms = due;
            m->pend[i].seq = ++m->pend_seq;
            snprintf(m->pend[i].text, sizeof m->pend[i].text, "%s", text ? text : "");
            return 0;
        }
    return -1;
}

/* The time the last scheduled command finishes: commands run in order. */
static int64_t queue_end(const struct at_modem *m, int64_t now)
{
    int i;
    int64_t t = now;
    for (i = 0; i < AT_MODEM_PENDING; i++)
        if (m->pend[i].used && m->pend[i].kind == P_CMD && m->pend[i].due_ms > t)
            t = m->pend[i].due_ms;
    return t;
}

/* --- shared pieces ------------------------------------------------------------ */

static int hex_frame(const char *hex, size_t n, uint8_t *out, size_t *len)
{
    size_t i;
    if (n == 0 || n % 2 || n / 2 > 255)
        return -1;
    for (i = 0; i < n; i++) {
        char c = hex[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return -1;
    }
    for (i = 0; i < n / 2; i++) {
        char b[3] = {hex[2 * i], hex[2 * i + 1], 0};
        out[i] = (uint8_t)strtoul(b, NULL, 16);
    }
    *len = n / 2;
    return 0;
}

static void start_tx(struct at_modem *m, const uint8_t *frame, size_t len, int64_t now)
{
    struct at_modem_tx *t;
    uint32_t us = airtime_us(m->radio.sf, m->radio.bw_kHz, m->radio.cr, (uint16_t)len);
    if (m->ntx == AT_MODEM_TX_KEEP) {
        memmove(m->txq, m->txq + 1, (AT_MODEM_TX_KEEP - 1) * sizeof *m->txq);
        m->ntx--;
    }
    t = &m->txq[m->ntx++];
    t->start_ms = now;
    t->end_ms = now + (us + 999) / 1000;
    t->radio = m->radio;
    t->len = (uint8_t)len;
    memcpy(t->frame, frame, len);
    m->tx_busy = 1;
    m->stats.tx++;
    schedule(m, P_TXEND, t->end_ms + m->cfg.tx_done_extra_ms, NULL);
}

static int strict_ulong(const char *s, size_t n, unsigned long lo, unsigned long hi,
                        unsigned long *v)
{
    char buf[24], *end;
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    if (buf[0] < '0' || buf[0] > '9')
        return -1;
    errno = 0;
    *v = strtoul(buf, &end, 10);
    return (errno || *end || *v < lo || *v > hi) ? -1 : 0;
}

/* Split s at sep into up to max fields. */
static int split(char *s, char sep, char **f, int max)
{
    int n = 0;
    f[n++] = s;
    for (; *s && n <= max; s++)
        if (*s == sep) {
            *s = 0;
            if (n == max)
                return -1;
            f[n++] = s + 1;
        }
    return n;
}

/* --- RUI3 ------------------------------------------------------------------- */

static int rui3_version_at_least(const struct at_modem *m, int maj, int min, int pat)
{
    int a = 0, b = 0, c = 0;
    if (sscanf(m->version, "RUI_%d.%d.%d", &a, &b, &c) != 3)
        return 0;
    return a != maj ? a > maj : b != min ? b > min : c >= pat;
}

static void rui3_cmd(struct at_modem *m, char *cmd, int64_t now)
{
    char buf[AT_MODEM_LINE_MAX + 64];
    char *v = strchr(cmd, '=');
    if (m->cfg.echo)
        line(m, cmd);
    if (v)
        *v++ = 0;
    if (strcmp(cmd, "AT") == 0 && !v) {
        status(m, "OK");
    } else if (strcmp(cmd, "ATE") == 0 && !v) {
        m->cfg.echo = !m->cfg.echo;
        status(m, "OK");
    } else if (strcmp(cmd, "AT+VER") == 0 && v && strcmp(v, "?") == 0) {
        snprintf(buf, sizeof buf, "AT+VER=%s", m->version);
        line(m, buf);
        status(m, "OK");
    } else if (strcmp(cmd, "AT+NWM") == 0 && v) {
        if (strcmp(v, "?") == 0) {
            line(m, m->p2p ? "AT+NWM=0" : "AT+NWM=1");
            status(m, "OK");
        } else if (strcmp(v, "0") == 0 || strcmp(v, "1") == 0) {
            int want = v[0] == '0';
            if (want == m->p2p) {
                status(m, "OK");
            } else {
                /* the module restarts in the new mode */
                m->booting = 1;
                m->rx_on = m->rx_continuous = 0;
                schedule(m, P_BOOT, now + m->cfg.boot_ms, want ? "0" : "1");
            }
        } else {
            status(m, "AT_PARAM_ERROR");
        }
    } else if (strcmp(cmd, "AT+PRECV") == 0 && v) {
        unsigned long ms;
        if (!m->p2p) {
            status(m, "AT_MODE_NO_SUPPORT");
        } else if (strict_ulong(v, strlen(v), 0, 65535, &ms) != 0) {
            status(m, "AT_PARAM_ERROR");
        } else if (ms == 0) {
            m->rx_on = m->rx_continuous = 0;
            m->rx_until_ms = 0;
            status(m, "OK");
        } else if (m->rx_continuous) {
            line(m, "P2P_RX_ON already");
            status(m, "AT_BUSY_ERROR");
            m->stats.busy++;
        } else if (m->tx_busy) {
            status(m, "AT_BUSY_ERROR");
            m->stats.busy++;
        } else {
            m->rx_on = 1;
            m->rx_continuous = ms == 65534 ? 1 : ms == 65533 ? 2 : 0;
            m->rx_until_ms = ms < 65533 ? now + (int64_t)ms : 0;
            if (ms == 65533 && !rui3_version_at_least(m, 3, 4, 0)) {
                m->rx_on = 0;
                status(m, "AT_PARAM_ERROR");
            } else {
                status(m, "OK");
            }
        }
    } else if (strcmp(cmd, "AT+P2P") == 0 && v) {
        char *f[6];
        unsigned long freq, sf, bw, cr, pre, pw;
        if (strcmp(v, "?") == 0) {
            snprintf(buf, sizeof buf, "AT+P2P=%lu:%u:%u:%u:%u:%d",
                     (unsigned long)m->radio.freq_hz, m->radio.sf, m->radio.bw_kHz,
                     m->radio.cr - 5u, m->radio.preamble, m->radio.power_dBm);
            line(m, buf);
            status(m, "OK");
        } else if (!m->p2p) {
            status(m, "AT_MODE_NO_SUPPORT");
        } else if (m->rx_continuous == 1 || m->tx_busy) {
            status(m, "AT_BUSY_ERROR");
            m->stats.busy++;
        } else if (split(v, ':', f, 6) != 6 ||
                   strict_ulong(f[0], strlen(f[0]), 150000000, 960000000, &freq) ||
                   strict_ulong(f[1], strlen(f[1]), 5, 12, &sf) ||
                   strict_ulong(f[2], strlen(f[2]), 0, 500, &bw) ||
                   (bw != 125 && bw != 250 && bw != 500) ||
                   strict_ulong(f[3], strlen(f[3]), 0, 3, &cr) ||
                   strict_ulong(f[4], strlen(f[4]), 5, 65535, &pre) ||
                   strict_ulong(f[5], strlen(f[5]), 5, 22, &pw)) {
            status(m, "AT_PARAM_ERROR");
            m->stats.errors++;
        } else {
            m->radio.freq_hz = (uint32_t)freq;
            m->radio.sf = (uint8_t)sf;
            m->radio.bw_kHz = (uint16_t)bw;
            m->radio.cr = (uint8_t)(cr + 5);
            m->radio.preamble = (uint16_t)pre;
            m->radio.power_dBm = (int8_t)pw;
            status(m, "OK");
        }
    } else if ((strcmp(cmd, "AT+IQINVER") == 0 || strcmp(cmd, "AT+SYNCWORD") == 0) && v) {
        int iq = strcmp(cmd, "AT+IQINVER") == 0;
        unsigned long x;
        char *end;
        if (!rui3_version_at_least(m, 3, 5, 4)) {
            status(m, "AT_COMMAND_NOT_FOUND");
            m->stats.unknown++;
        } else if (strcmp(v, "?") == 0) {
            snprintf(buf, sizeof buf, iq ? "%s=%d" : "%s=%04X", cmd,
                     iq ? m->radio.iq_inverted : m->radio.syncword);
            line(m, buf);
            status(m, "OK");
        } else if (m->rx_continuous == 1 || m->tx_busy) {
            status(m, "AT_BUSY_ERROR");
            m->stats.busy++;
        } else if (iq ? strict_ulong(v, strlen(v), 0, 1, &x) != 0
                      : (strlen(v) == 0 || strlen(v) > 4 ||
                         (x = strtoul(v, &end, 16), *end != 0))) {
            status(m, "AT_PARAM_ERROR");
            m->stats.errors++;
        } else {
            if (iq)
                m->radio.iq_inverted = (int)x;
            else
                m->radio.syncword = (uint16_t)x;
            status(m, "OK");
        }
    } else if (strcmp(cmd, "AT+PSEND") == 0 && v) {
        uint8_t frame[255];
        size_t len;
        if (!m->p2p) {
            status(m, "AT_MODE_NO_SUPPORT");
        } else if (hex_frame(v, strlen(v), frame, &len) != 0) {
            status(m, "AT_PARAM_ERROR");
            m->stats.errors++;
        } else if (m->rx_continuous == 1 || m->tx_busy) {
            status(m, "AT_BUSY_ERROR");
            m->stats.busy++;
        } else {
            m->rx_on = 0; /* half duplex: 65533 goes back to RX after TX */
            start_tx(m, frame, len, now);
            status(m, "OK");
        }
    } else {
        status(m, "AT_COMMAND_NOT_FOUND");
        m->stats.unknown++;
    }
}

/* --- Wio-E5 ------------------------------------------------------------------ */

static int on_off(const char *s, int *v)
{
    if (strcmp(s, "ON") == 0 || strcmp(s, "on") == 0)
        *v = 1;
    else if (strcmp(s, "OFF") == 0 || strcmp(s, "off") == 0)
        *v = 0;
    else
        return -1;
    return 0;
}

static int wio_rfcfg(struct at_modem *m, char *args)
{
    char *f[9], *end;
    double mhz;
    unsigned long sf, bw, txpr, rxpr;
    long pw;
    int crc, iq, net;
    if (split(args, ',', f, 9) != 9)
        return -1;
    mhz = strtod(f[0], &end);
    if (*end || mhz < 150 || mhz > 960 || (f[1][0] != 'S' && f[1][0] != 's') ||
        (f[1][1] != 'F' && f[1][1] != 'f') ||
        strict_ulong(f[1] + 2, strlen(f[1] + 2), 7, 12, &sf) ||
        strict_ulong(f[2], strlen(f[2]), 125, 500, &bw) || (bw != 125 && bw != 250 && bw != 500) ||
        strict_ulong(f[3], strlen(f[3]), 1, 65535, &txpr) ||
        strict_ulong(f[4], strlen(f[4]), 1, 65535, &rxpr) || on_off(f[6], &crc) ||
        on_off(f[7], &iq) || on_off(f[8], &net))
        return -1;
    pw = strtol(f[5], &end, 10);
    if (*end || pw < -1 || pw > 22)
        return -1;
    m->radio.freq_hz = (uint32_t)(mhz * 1e6 + 0.5);
    m->radio.sf = (uint8_t)sf;
    m->radio.bw_kHz = (uint16_t)bw;
    m->radio.cr = 5;
    m->radio.preamble = (uint16_t)txpr;
    m->radio.power_dBm = (int8_t)pw;
    m->radio.crc_on = crc;
    m->radio.iq_inverted = iq;
    m->radio.syncword = net ? 0x3444 : 0x1424;
    return 0;
}

static void wio_cmd(struct at_modem *m, char *cmd, int64_t now)
{
    char buf[AT_MODEM_LINE_MAX + 64], name[16];
    char *v = strchr(cmd, '=');
    size_t nl;
    if (v)
        *v++ = 0;
    nl = strncmp(cmd, "AT+", 3) == 0 ? strlen(cmd + 3) : 0;
    snprintf(name, sizeof name, "%.*s", (int)(nl < 15 ? nl : 15), cmd + 3);
    if (strcmp(cmd, "AT") == 0 && !v) {
        line(m, "+AT: OK");
    } else if (strcmp(name, "VER") == 0 && (!v || strcmp(v, "?") == 0)) {
        snprintf(buf, sizeof buf, "+VER: %s", m->version);
        line(m, buf);
    } else if (strcmp(name, "LOG") == 0 && v) {
        snprintf(buf, sizeof buf, "+LOG: %s", v);
        line(m, buf);
    } else if (strcmp(name, "MODE") == 0) {
        if (!v || strcmp(v, "?") == 0) {
            line(m, m->p2p ? "+MODE: TEST" : "+MODE: LWOTAA");
        } else if (strcmp(v, "TEST") == 0) {
            m->p2p = 1;
            line(m, "+MODE: TEST");
        } else if (strcmp(v, "LWOTAA") == 0 || strcmp(v, "LWABP") == 0) {
            m->p2p = 0;
            m->rx_on = 0;
            snprintf(buf, sizeof buf, "+MODE: %s", v);
            line(m, buf);
        } else {
            line(m, "+MODE: ERROR(-1)");
        }
    } else if (strcmp(name, "TEST") == 0 && v) {
        if (!m->p2p) {
            line(m, "+TEST: ERROR(-12)");
            m->stats.errors++;
        } else if (strncmp(v, "RFCFG,", 6) == 0) {
            m->rx_on = 0;
            if (m->tx_busy || wio_rfcfg(m, v + 6) != 0) {
                line(m, "+TEST: ERROR(-1)");
                m->stats.errors++;
            } else {
                snprintf(buf, sizeof buf,
                         "+TEST: RFCFG F:%lu, SF%u, BW%uK, TXPR:%u, RXPR:%u, POW:%ddBm, "
                         "CRC:%s, IQ:%s, NET:%s",
                         (unsigned long)m->radio.freq_hz, m->radio.sf, m->radio.bw_kHz,
                         m->radio.preamble, m->radio.preamble, m->radio.power_dBm,
                         m->radio.crc_on ? "ON" : "OFF", m->radio.iq_inverted ? "ON" : "OFF",
                         m->radio.syncword == 0x3444 ? "ON" : "OFF");
                line(m, buf);
            }
        } else if (strcmp(v, "RXLRPKT") == 0) {
            if (m->tx_busy) {
                line(m, "+TEST: ERROR(-1)"); /* ⚠ inferred: no BUSY text documented */
                m->stats.busy++;
            } else {
                m->rx_on = 1;
                line(m, "+TEST: RXLRPKT");
            }
        } else if (strncmp(v, "TXLRPKT,", 8) == 0) {
            char *hex = v + 8;
            size_t n = strlen(hex), len;
            uint8_t frame[255];
            if (n < 2 || hex[0] != '"' || hex[n - 1] != '"' ||
                hex_frame(hex + 1, n - 2, frame, &len) != 0 || m->tx_busy) {
                line(m, "+TEST: ERROR(-1)");
                m->stats.errors++;
            } else {
                m->rx_on = 0;
                snprintf(buf, sizeof buf, "+TEST: TXLRPKT %s", hex);
                line(m, buf);
                start_tx(m, frame, len, now);
            }
        } else {
            line(m, "+TEST: ERROR(-1)");
            m->stats.errors++;
        }
    } else {
        line(m, "+AT: ERROR(-1)");
        m->stats.unknown++;
    }
}

/* --- the clock ---------------------------------------------------------------- */

static void run_due(struct at_modem *m, int64_t now)
{
    for (;;) {
        int i, best = -1;
        for (i = 0; i < AT_MODEM_PENDING; i++)
            if (m->pend[i].used && m->pend[i].due_ms <= now &&
                (best < 0 || m->pend[i].due_ms < m->pend[best].due_ms ||
                 (m->pend[i].due_ms == m->pend[best].due_ms &&
                  m->pend[i].seq < m->pend[best].seq)))
                best = i;
        if (best < 0)
            break;
        m->pend[best].used = 0;
        switch (m->pend[best].kind) {
        case P_LINE:
            put(m, m->pend[best].text, strlen(m->pend[best].text));
            break;
        case P_CMD: {
            /* a copy: what the command prints reuses the free slot */
            char cmd[sizeof m->pend[0].text];
            memcpy(cmd, m->pend[best].text, sizeof cmd);
            m->stats.commands++;
            if (m->booting)
                break; /* a restarting module hears nothing */
            if (m->cfg.kind == AT_MODEM_RUI3)
                rui3_cmd(m, cmd, m->pend[best].due_ms);
            else
                wio_cmd(m, cmd, m->pend[best].due_ms);
            break;
        }
        case P_TXEND:
            m->tx_busy = 0;
            if (m->cfg.kind == AT_MODEM_RUI3) {
                line(m, "+EVT:TXP2P DONE");
                if (m->rx_continuous == 2)
                    m->rx_on = 1;
            } else {
                line(m, "+TEST: TX DONE");
            }
            break;
        case P_BOOT: {
            char mode = m->pend[best].text[0];
            m->booting = 0;
            m->stats.reboots++;
            if (m->cfg.kind == AT_MODEM_RUI3) {
                m->p2p = mode == '0';
                line(m, "RAKwireless RAK3172-E Example");
                line(m, "------------------------------------------------------");
                line(m, m->p2p ? "Current Work Mode: LoRa P2P." : "Current Work Mode: LoRaWAN.");
            }
            break;
        }
        }
    }
    if (m->rx_until_ms && now >= m->rx_until_ms && m->rx_on) {
        m->rx_on = 0;
        m->rx_until_ms = 0;
        line(m, "+EVT:RXP2P RECEIVE TIMEOUT");
    }
    flush_out(m);
}

static void take_input(struct at_modem *m, const char *buf, size_t n, int64_t now)
{
    size_t i;
    for (i = 0; i < n; i++) {
        char c = buf[i];
        if (c == '\r' || c == '\n') {
            if (m->in_len && !m->in_overlong) {
                int64_t lat = m->cfg.kind == AT_MODEM_RUI3 && strncmp(m->in, "AT+PSEND=", 9) == 0
                                  ? m->cfg.send_latency_ms
                              : strncmp(m->in, "AT+TEST=TXLRPKT", 15) == 0 ? m->cfg.send_latency_ms
                                                                          : m->cfg.cmd_latency_ms;
                m->in[m->in_len] = 0;
                /* the gateway wrote it at once; on a real UART its last
                 * byte arrives the line's wire time later */
                lat += wire_ms(m, m->in_len + 2);
                if (schedule(m, P_CMD, queue_end(m, now) + lat, m->in) != 0)
                    m->stats.out_drops++;
            }
            m->in_len = 0;
            m->in_overlong = 0;
            continue;
        }
        if (m->in_len >= AT_MODEM_LINE_MAX) {
            m->in_overlong = 1; /* the firmware drops the whole line */
            continue;
        }
        m->in[m->in_len++] = c;
    }
}

int at_modem_poll(struct at_modem *m, int timeout_ms)
{
    char buf[1024];
    struct pollfd pfd;
    int64_t now = at_modem_now_ms();
    if (m->master < 0)
        return AT_MODEM_ERR_UNPLUGGED;
    for (;;) {
        ssize_t r = read(m->master, buf, sizeof buf);
        if (r > 0) {
            m->stats.bytes_in += (uint64_t)r;
            take_input(m, buf, (size_t)r, now);
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        break;
    }
    run_due(m, at_modem_now_ms());
    if (timeout_ms > 0) {
        int i;
        int64_t next = now + timeout_ms;
        for (i = 0; i < AT_MODEM_PENDING; i++)
            if (m->pend[i].used && m->pend[i].due_ms < next)
                next = m->pend[i].due_ms;
        pfd.fd = m->master;
        pfd.events = POLLIN | (m->out_len ? POLLOUT : 0);
        pfd.revents = 0;
        if (next > now)
            poll(&pfd, 1, (int)(next - now));
        return at_modem_poll(m, 0);
    }
    return AT_MODEM_OK;
}

int at_modem_receive(struct at_modem *m, const uint8_t *frame, size_t len, int16_t rssi_dBm,
                     int8_t snr_qdB, const struct at_modem_radio *s)
{
    char buf[2 * 255 + 64];
    size_t i, k;
    int snr = snr_qdB / 4;
    if (m->master < 0)
        return AT_MODEM_ERR_UNPLUGGED;
    if (len == 0 || len > 255)
        return AT_MODEM_ERR_CONFIG;
    if (!m->rx_on || m->tx_busy || m->booting || !m->p2p) {
        m->stats.unheard[AT_MODEM_UNHEARD_NOT_RX]++;
        return 0;
    }
    if (s->freq_hz != m->radio.freq_hz) {
        m->stats.unheard[AT_MODEM_UNHEARD_FREQ]++;
        return 0;
    }
    if (s->sf != m->radio.sf || s->bw_kHz != m->radio.bw_kHz) {
        m->stats.unheard[AT_MODEM_UNHEARD_SF_BW]++;
        return 0;
    }
    if (s->iq_inverted != m->radio.iq_inverted) {
        m->stats.unheard[AT_MODEM_UNHEARD_IQ]++;
        return 0;
    }
    if (s->syncword != m->radio.syncword) {
        m->stats.unheard[AT_MODEM_UNHEARD_SYNC]++;
        return 0;
    }
    if (m->cfg.kind == AT_MODEM_RUI3) {
        k = (size_t)snprintf(buf, sizeof buf, "+EVT:RXP2P:%d:%d:", rssi_dBm, snr);
        for (i = 0; i < len; i++)
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%02X", frame[i]);
        line(m, buf);
        if (m->rx_continuous == 0 && !m->rx_until_ms)
            m->rx_on = 0; /* 65535: one packet, then stop */
    } else {
        snprintf(buf, sizeof buf, "+TEST: LEN:%u, RSSI:%d, SNR:%d", (unsigned)len, rssi_dBm, snr);
        line(m, buf);
        k = (size_t)snprintf(buf, sizeof buf, "+TEST: RX \"");
        for (i = 0; i < len; i++)
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%02X", frame[i]);
        snprintf(buf + k, sizeof buf - k, "\"");
        line(m, buf);
    }
    m->stats.rx_printed++;
    flush_out(m);
    return 1;
}

int at_modem_take_tx(struct at_modem *m, struct at_modem_tx *tx)
{
    if (m->ntx == 0)
        return 0;
    *tx = m->txq[0];
    memmove(m->txq, m->txq + 1, (m->ntx - 1) * sizeof *m->txq);
    m->ntx--;
    return 1;
}

void at_modem_reboot(struct at_modem *m)
{
    int was_p2p_rui3 = m->cfg.kind == AT_MODEM_RUI3;
    power_on(m);
    /* RUI3 keeps NWM in flash: it comes back in the mode it was in (P2P),
     * but not receiving; the banner says so. The Wio-E5 forgets TEST mode. */
    if (was_p2p_rui3) {
        m->booting = 1;
        schedule(m, P_BOOT, at_modem_now_ms() + m->cfg.boot_ms, "0");
    }
}
