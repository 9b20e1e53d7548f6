/* port.c -- the modem's serial port: two drivers, hangup detection,
 * reopen with backoff (see port.h for the design).
 *
 * What is common to both drivers lives in port_open(): resolving the
 * symlink, the lock, the input flush, the backoff. A driver only opens the
 * device with 8N1 at the configured rate and flow control, and moves
 * bytes without blocking.
 */
#define _DEFAULT_SOURCE /* cfmakeraw, cfsetspeed, flock, realpath, B230400+ */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <termios.h>
#include <unistd.h>

#include <libserialport.h>

#include "log.h"
#include "port.h"

#define PORT_BY_ID_DIR "/dev/serial/by-id"

const char *port_strerror(int err)
{
    static const char *const text[PORT_ERR_COUNT_] = {
        "no error",
        "invalid serial port setting",
        "serial port not found (not plugged in?)",
        "serial port could not be opened",
        "serial port refused its settings (baud rate, 8N1, flow control)",
        "serial port went away (adapter unplugged?)",
        "serial port read or write failed",
        "serial port is closed",
        "serial ports could not be listed",
    };
    if (err > 0 || err <= -PORT_ERR_COUNT_)
        return "unknown port error";
    return text[-err];
}

void port_config_default(struct port_config *cfg, const char *path)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->path = path;
    cfg->baud = 115200;
    cfg->flow = PORT_FLOW_NONE;
    cfg->driver = PORT_DRIVER_AUTO;
}

/* The rates a termios speed_t exists for on Linux; libserialport takes any
 * int, but a rate termios cannot set would work with one driver only. */
static const struct {
    uint32_t baud;
    speed_t speed;
} port_bauds[] = {
    {1200, B1200},       {2400, B2400},       {4800, B4800},       {9600, B9600},
    {19200, B19200},     {38400, B38400},     {57600, B57600},     {115200, B115200},
    {230400, B230400},   {460800, B460800},   {500000, B500000},   {576000, B576000},
    {921600, B921600},   {1000000, B1000000}, {1152000, B1152000}, {1500000, B1500000},
    {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000}, {3500000, B3500000},
    {4000000, B4000000},
};

static int baud_speed(uint32_t baud, speed_t *speed)
{
    size_t i;
    for (i = 0; i < sizeof port_bauds / sizeof port_bauds[0]; i++) {
        if (port_bauds[i].baud == baud) {
            if (speed)
                *speed = port_bauds[i].speed;
            return 1;
        }
    }
    return 0;
}

int port_baud_supported(uint32_t baud)
{
    return baud_speed(baud, NULL);
}

/* errno of a failed read or write -> GONE (the device is no more) or IO. */
static int errno_code(int e)
{
    return (e == EIO || e == ENXIO || e == ENODEV || e == EBADF) ? PORT_ERR_GONE : PORT_ERR_IO;
}

static int io_fail(const struct port *p, const char *what, int e, char *err, size_t errlen)
{
    int code = errno_code(e);
    log_fill(err, errlen, "%s %s: %s%s", what, p->dev, strerror(e),
             code == PORT_ERR_GONE ? " (adapter unplugged?)" : "");
    return code;
}

/* --- termios driver -------------------------------------------------------
 * For pseudo terminals and anything libserialport does not know. */

static int tio_open(struct port *p, const char *dev, char *err, size_t errlen)
{
    struct termios t;
    speed_t speed = B115200;
    int fd, e;

    fd = open(dev, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        e = errno;
        log_fill(err, errlen, "cannot open %s: %s", dev, strerror(e));
        return e == ENOENT || e == ENXIO || e == ENODEV ? PORT_ERR_NOT_FOUND : PORT_ERR_OPEN;
    }
    if (!isatty(fd)) {
        log_fill(err, errlen, "%s is not a serial port (not a terminal device)", dev);
        close(fd);
        return PORT_ERR_OPEN;
    }
    (void)baud_speed(p->cfg.baud, &speed); /* port_init checked it is there */
    if (tcgetattr(fd, &t) != 0)
        goto setup_fail;
    cfmakeraw(&t);
    /* CLOCAL: no modem-control hangups, CREAD: receive. 8N1. */
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB | CRTSCTS);
    t.c_cflag |= CS8;
    t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
    if (p->cfg.flow == PORT_FLOW_RTSCTS)
        t.c_cflag |= CRTSCTS;
    else if (p->cfg.flow == PORT_FLOW_XONXOFF)
        t.c_iflag |= IXON | IXOFF;
    /* the fd is nonblocking; these only matter to someone who clears that */
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (cfsetspeed(&t, speed) != 0 || tcsetattr(fd, TCSANOW, &t) != 0)
        goto setup_fail;
    p->fd = fd;
    return PORT_OK;
setup_fail:
    e = errno;
    log_fill(err, errlen, "cannot set %s to %lu 8N1: %s", dev, (unsigned long)p->cfg.baud,
             strerror(e));
    close(fd);
    return PORT_ERR_SETUP;
}

static int tio_read(struct port *p, uint8_t *buf, size_t cap, size_t *n, char *err,
                    size_t errlen)
{
    for (;;) {
        ssize_t r = read(p->fd, buf, cap);
        if (r > 0) {
            *n = (size_t)r;
            return PORT_OK;
        }
        if (r == 0) {
            /* a nonblocking tty reads 0 only after a hangup */
            log_fill(err, errlen, "read from %s: end of file (adapter unplugged?)", p->dev);
            return PORT_ERR_GONE;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return PORT_OK;
        return io_fail(p, "read from", errno, err, errlen);
    }
}

static int tio_write(struct port *p, const uint8_t *buf, size_t len, size_t *n, char *err,
                     size_t errlen)
{
    for (;;) {
        ssize_t w = write(p->fd, buf, len);
        if (w >= 0) {
            *n = (size_t)w;
            return PORT_OK;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return PORT_OK;
        return io_fail(p, "write to", errno, err, errlen);
    }
}

static int tio_fd(const struct port *p)
{
    return p->fd;
}

static void tio_close(struct port *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

const struct port_ops port_ops_termios = {
    "termios", tio_open, tio_read, tio_write, tio_fd, tio_close,
};

/* --- libserialport driver -------------------------------------------------
 * For real adapters: it knows their USB identity and sets odd UART options
 * the way each OS wants. Reads and writes go through it too. */

/* libserialport keeps errno (sp_last_error_code) and an allocated sentence
 * (sp_last_error_message) for its last SP_ERR_FAIL. */
static int lsp_fail(const char *what, const char *dev, enum sp_return r, int code,
                    char *err, size_t errlen)
{
    int e = errno;
    if (r == SP_ERR_FAIL) {
        char *msg = sp_last_error_message();
        log_fill(err, errlen, "%s %s: %s", what, dev, msg ? msg : strerror(e));
        if (msg)
            sp_free_error_message(msg);
    } else {
        log_fill(err, errlen, "%s %s: libserialport says %s", what, dev,
                 r == SP_ERR_SUPP ? "not supported" : r == SP_ERR_MEM ? "out of memory"
                                                                       : "invalid argument");
    }
    errno = e;
    return code;
}

static int lsp_open(struct port *p, const char *dev, char *err, size_t errlen)
{
    static const enum sp_flowcontrol flows[] = {
        SP_FLOWCONTROL_NONE, SP_FLOWCONTROL_RTSCTS, SP_FLOWCONTROL_XONXOFF,
    };
    struct sp_port *sp;
    enum sp_return r;
    int fd, flags, code;

    r = sp_get_port_by_name(dev, &sp);
    if (r != SP_OK) {
        /* it looks ports up in sysfs: a pty or a plain file is unknown */
        code = lsp_fail("libserialport does not know", dev, r, PORT_ERR_OPEN, err, errlen);
        if (err && errlen > strlen(err) + 1)
            strncat(err, " (a pseudo terminal needs port_driver = termios)",
                    errlen - strlen(err) - 1);
        return code;
    }
    r = sp_open(sp, SP_MODE_READ_WRITE);
    if (r != SP_OK) {
        code = (r == SP_ERR_FAIL && (errno == ENOENT || errno == ENXIO || errno == ENODEV))
                   ? PORT_ERR_NOT_FOUND
                   : PORT_ERR_OPEN;
        lsp_fail("cannot open", dev, r, code, err, errlen);
        sp_free_port(sp);
        return code;
    }
    if ((r = sp_set_baudrate(sp, (int)p->cfg.baud)) != SP_OK ||
        (r = sp_set_bits(sp, 8)) != SP_OK || (r = sp_set_parity(sp, SP_PARITY_NONE)) != SP_OK ||
        (r = sp_set_stopbits(sp, 1)) != SP_OK ||
        (r = sp_set_flowcontrol(sp, flows[p->cfg.flow])) != SP_OK) {
        lsp_fail("cannot set baud rate, 8N1 and flow control on", dev, r, PORT_ERR_SETUP, err,
                 errlen);
        sp_close(sp);
        sp_free_port(sp);
        return PORT_ERR_SETUP;
    }
    if ((r = sp_get_port_handle(sp, &fd)) != SP_OK) {
        lsp_fail("no file descriptor for", dev, r, PORT_ERR_OPEN, err, errlen);
        sp_close(sp);
        sp_free_port(sp);
        return PORT_ERR_OPEN;
    }
    /* the poll loop needs a nonblocking fd whatever sp_open chose */
    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        log_fill(err, errlen, "cannot make %s nonblocking: %s", dev, strerror(errno));
        sp_close(sp);
        sp_free_port(sp);
        return PORT_ERR_OPEN;
    }
    p->sp = sp;
    p->fd = fd;
    return PORT_OK;
}

static int lsp_read(struct port *p, uint8_t *buf, size_t cap, size_t *n, char *err,
                    size_t errlen)
{
    int tries;
    /* sp_nonblocking_read returns 0 both for "no data" and for end of file
     * (it maps EAGAIN to 0). Tell them apart by poll: a hung-up tty is
     * readable (or HUP/ERR) and still reads 0. Read twice so bytes that
     * arrive between the read and the poll are not taken for a hangup. */
    for (tries = 0; tries < 2; tries++) {
        struct pollfd pfd;
        enum sp_return r = sp_nonblocking_read(p->sp, buf, cap);
        if (r > 0) {
            *n = (size_t)r;
            return PORT_OK;
        }
        if (r < 0) {
            int e = r == SP_ERR_FAIL ? sp_last_error_code() : EINVAL;
            if (e == EINTR)
                continue;
            return io_fail(p, "read from", e, err, errlen);
        }
        pfd.fd = p->fd;
        pfd.events = POLLIN;
        pfd.revents = 0;
        if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
            return PORT_OK;
        if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
            break;
    }
    log_fill(err, errlen, "read from %s: end of file (adapter unplugged?)", p->dev);
    return PORT_ERR_GONE;
}

static int lsp_write(struct port *p, const uint8_t *buf, size_t len, size_t *n, char *err,
                     size_t errlen)
{
    enum sp_return r = sp_nonblocking_write(p->sp, buf, len);
    if (r >= 0) {
        *n = (size_t)r;
        return PORT_OK;
    }
    return io_fail(p, "write to", r == SP_ERR_FAIL ? sp_last_error_code() : EINVAL, err,
                   errlen);
}

static int lsp_fd(const struct port *p)
{
    return p->fd;
}

static void lsp_close(struct port *p)
{
    if (p->sp) {
        sp_close(p->sp);
        sp_free_port(p->sp);
    }
    p->sp = NULL;
    p->fd = -1;
}

const struct port_ops port_ops_libserialport = {
    "libserialport", lsp_open, lsp_read, lsp_write, lsp_fd, lsp_close,
};

/* --- the port: driver choice, open, backoff -------------------------------- */

int port_init(struct port *p, const struct port_config *cfg, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->fd = -1;
    if (!cfg->path || !cfg->path[0]) {
        log_fill(err, errlen, "no serial port given");
        return PORT_ERR_ARG;
    }
    if (strlen(cfg->path) >= sizeof p->path) {
        log_fill(err, errlen, "serial port path is longer than %d bytes", PORT_PATH_MAX - 1);
        return PORT_ERR_ARG;
    }
    if (!port_baud_supported(cfg->baud)) {
        log_fill(err, errlen, "baud rate %lu is not a standard rate (1200 .. 4000000)",
                 (unsigned long)cfg->baud);
        return PORT_ERR_ARG;
    }
    if ((unsigned)cfg->flow > PORT_FLOW_XONXOFF || (unsigned)cfg->driver > PORT_DRIVER_TERMIOS) {
        log_fill(err, errlen, "unknown flow control or port driver");
        return PORT_ERR_ARG;
    }
    p->cfg = *cfg;
    strcpy(p->path, cfg->path);
    p->cfg.path = p->path;
    p->retry_pending = 1;
    p->retry_at_ms = INT64_MIN; /* due at once */
    p->backoff_ms = PORT_RETRY_MIN_MS;
    return PORT_OK;
}

static const struct port_ops *choose_driver(const struct port *p, const char *dev)
{
    struct sp_port *sp;
    if (p->cfg.driver == PORT_DRIVER_LIBSERIALPORT)
        return &port_ops_libserialport;
    if (p->cfg.driver == PORT_DRIVER_TERMIOS)
        return &port_ops_termios;
    if (strncmp(dev, "/dev/pts/", 9) == 0)
        return &port_ops_termios;
    if (sp_get_port_by_name(dev, &sp) != SP_OK)
        return &port_ops_termios;
    sp_free_port(sp);
    return &port_ops_libserialport;
}

/* Closed: the next try waits backoff_ms, and the one after twice that. */
static void schedule_retry(struct port *p, int64_t now_ms)
{
    p->retry_pending = 1;
    p->retry_at_ms = now_ms + p->backoff_ms;
    p->backoff_ms = p->backoff_ms * 2 > PORT_RETRY_MAX_MS ? PORT_RETRY_MAX_MS : p->backoff_ms * 2;
}

int port_open(struct port *p, int64_t now_ms, char *err, size_t errlen)
{
    char dev[PATH_MAX];
    const struct port_ops *ops;
    int code, e;

    if (p->ops)
        return PORT_OK;
    /* resolve every time: after a replug a by-id link may point elsewhere */
    if (!realpath(p->path, dev)) {
        e = errno;
        log_fill(err, errlen, "serial port %s: %s", p->path, strerror(e));
        code = (e == ENOENT || e == ENOTDIR) ? PORT_ERR_NOT_FOUND : PORT_ERR_OPEN;
        goto fail;
    }
    if (strlen(dev) >= sizeof p->dev) {
        log_fill(err, errlen, "serial port %s resolves to a path too long", p->path);
        code = PORT_ERR_ARG;
        goto fail;
    }
    strcpy(p->dev, dev);
    ops = choose_driver(p, dev);
    code = ops->open(p, dev, err, errlen);
    if (code != PORT_OK)
        goto fail;
    if (flock(ops->fd(p), LOCK_EX | LOCK_NB) != 0) {
        e = errno;
        if (e == EWOULDBLOCK)
            log_fill(err, errlen, "serial port %s is in use: another program holds its lock",
                     dev);
        else
            log_fill(err, errlen, "cannot lock serial port %s: %s", dev, strerror(e));
        ops->close(p);
        code = PORT_ERR_OPEN;
        goto fail;
    }
    /* bytes from before this open (a modem talking to nobody) are stale */
    if (tcflush(ops->fd(p), TCIFLUSH) != 0) {
        log_fill(err, errlen, "cannot flush input of %s: %s", dev, strerror(errno));
        ops->close(p);
        code = PORT_ERR_SETUP;
        goto fail;
    }
    p->ops = ops;
    p->retry_pending = 0;
    p->backoff_ms = PORT_RETRY_MIN_MS;
    return PORT_OK;
fail:
    schedule_retry(p, now_ms);
    return code;
}

int port_tick(struct port *p, int64_t now_ms, char *err, size_t errlen)
{
    int code;
    if (p->ops || !p->retry_pending || now_ms < p->retry_at_ms)
        return 0;
    code = port_open(p, now_ms, err, errlen);
    return code == PORT_OK ? 1 : code;
}

int port_next_retry_ms(const struct port *p, int64_t now_ms)
{
    int64_t left;
    if (p->ops || !p->retry_pending)
        return -1;
    if (p->retry_at_ms <= now_ms)
        return 0;
    left = p->retry_at_ms - now_ms;
    return left > INT_MAX ? INT_MAX : (int)left;
}

static void close_driver(struct port *p)
{
    if (p->ops)
        p->ops->close(p); /* closing the fd releases the flock */
    p->ops = NULL;
    p->fd = -1;
    p->sp = NULL;
}

void port_drop(struct port *p, int64_t now_ms)
{
    close_driver(p);
    p->backoff_ms = PORT_RETRY_MIN_MS;
    schedule_retry(p, now_ms);
}

void port_close(struct port *p)
{
    close_driver(p);
    p->retry_pending = 0;
}

int port_read(struct port *p, uint8_t *buf, size_t cap, size_t *n, int64_t now_ms, char *err,
              size_t errlen)
{
    int code;
    *n = 0;
    if (!p->ops) {
        log_fill(err, errlen, "serial port %s is closed", p->path);
        return PORT_ERR_CLOSED;
    }
    code = p->ops->read(p, buf, cap, n, err, errlen);
    if (code != PORT_OK)
        port_drop(p, now_ms);
    return code;
}

int port_write(struct port *p, const uint8_t *buf, size_t len, size_t *n, int64_t now_ms,
               char *err, size_t errlen)
{
    int code;
    *n = 0;
    if (!p->ops) {
        log_fill(err, errlen, "serial port %s is closed", p->path);
        return PORT_ERR_CLOSED;
    }
    code = p->ops->write(p, buf, len, n, err, errlen);
    if (code != PORT_OK)
        port_drop(p, now_ms);
    return code;
}

int port_is_open(const struct port *p)
{
    return p->ops != NULL;
}

int port_fd(const struct port *p)
{
    return p->ops ? p->ops->fd(p) : -1;
}

const char *port_driver_name(const struct port *p)
{
    return p->ops ? p->ops->name : "closed";
}

/* --- listing ----------------------------------------------------------------- */

/* The /dev/serial/by-id link whose target is dev, into out ("" if none):
 * the name an operator should configure, since ttyUSBn numbers move. */
static void find_by_id(const char *dev, char *out, size_t cap)
{
    DIR *d = opendir(PORT_BY_ID_DIR);
    struct dirent *de;
    char link[PATH_MAX], target[PATH_MAX], want[PATH_MAX];

    out[0] = 0;
    if (!d)
        return;
    if (!realpath(dev, want)) {
        closedir(d);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if ((size_t)snprintf(link, sizeof link, "%s/%s", PORT_BY_ID_DIR, de->d_name) >=
            sizeof link)
            continue;
        if (realpath(link, target) && strcmp(target, want) == 0 && strlen(link) < cap) {
            strcpy(out, link);
            break;
        }
    }
    closedir(d);
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

int port_list(port_list_fn fn, void *ctx, char *err, size_t errlen)
{
    struct sp_port **list;
    enum sp_return r = sp_list_ports(&list);
    int i;

    if (r != SP_OK)
        return lsp_fail("cannot list serial ports:", "libserialport", r, PORT_ERR_LIST, err,
                        errlen);
    for (i = 0; list[i]; i++) {
        struct port_info info;
        char by_id[PATH_MAX];
        const char *name = or_empty(sp_get_port_name(list[i]));

        memset(&info, 0, sizeof info);
        find_by_id(name, by_id, sizeof by_id);
        info.name = name;
        info.by_id = by_id;
        info.description = or_empty(sp_get_port_description(list[i]));
        info.usb_vid = info.usb_pid = -1;
        info.manufacturer = info.product = info.serial = "";
        if (sp_get_port_transport(list[i]) == SP_TRANSPORT_USB) {
            if (sp_get_port_usb_vid_pid(list[i], &info.usb_vid, &info.usb_pid) != SP_OK)
                info.usb_vid = info.usb_pid = -1;
            info.manufacturer = or_empty(sp_get_port_usb_manufacturer(list[i]));
            info.product = or_empty(sp_get_port_usb_product(list[i]));
            info.serial = or_empty(sp_get_port_usb_serial(list[i]));
        }
        fn(ctx, &info);
    }
    sp_free_port_list(list);
    return i;
}
