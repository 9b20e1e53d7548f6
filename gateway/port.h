/* port.h -- the serial port to the station's receiver modem.
 *
 * Design note. One port per gateway, one modem behind it, 115200 8N1 by
 * default: about 11 kB/s at most, a few hundred bytes a minute in practice
 * (docs/protocol.md §7). What dominates is not throughput but the port's
 * life: USB adapters get pulled, re-enumerate under a new /dev/ttyUSBn, and
 * come back. So:
 *
 *   - The port is named by a path that survives re-enumeration, usually a
 *     /dev/serial/by-id/... symlink; every (re)open resolves it with
 *     realpath(), so a replug that moved the device is found again.
 *   - Two drivers behind one struct of function pointers (the seam, as
 *     LoRaMac-node's radio driver): libserialport for real adapters, and
 *     plain termios, because libserialport 0.1.1 looks ports up in sysfs
 *     and cannot open a pseudo terminal (the simulated modem,
 *     hardware/sim/modem_pty.h). AUTO picks termios for anything under
 *     /dev/pts/ or unknown to libserialport, libserialport otherwise. Both
 *     give a nonblocking fd, so the daemon polls either the same way.
 *   - A pulled adapter shows as POLLHUP/POLLERR, read() returning 0, or
 *     EIO/ENXIO/ENODEV. The port then closes itself and reopens with
 *     exponential backoff, PORT_RETRY_MIN_MS doubling to PORT_RETRY_MAX_MS.
 *     The cap keeps "modem back" to "reading again" under 2 s; the floor
 *     and port_next_retry_ms() keep the caller's poll loop from spinning.
 *   - After every open the input is flushed: bytes that waited in the
 *     adapter (or pty) from before are stale, and the COBS framing would
 *     resync anyway, but only after counting them as a bad frame.
 *   - An flock() on the open fd keeps a second gateway off the same port
 *     with a clear message (TIOCEXCL would outlive our close on a pty whose
 *     other side keeps a slave fd, and block our own reopen).
 *
 * Time: callers pass now_ms from a monotonic clock; this module never
 * reads a clock, so tests drive the backoff exactly. Only this module
 * includes libserialport.h (docs/style.md).
 */
#ifndef LOFTE_GW_PORT_H
#define LOFTE_GW_PORT_H

#include <stddef.h>
#include <stdint.h>

#define PORT_PATH_MAX 1024
#define PORT_RETRY_MIN_MS 100
#define PORT_RETRY_MAX_MS 1600   /* worst case from replug to reopen; keep < 2 s */

enum port_err {
    PORT_OK = 0,
    PORT_ERR_ARG = -1,        /* bad configuration: empty or long path, baud, flow, driver */
    PORT_ERR_NOT_FOUND = -2,  /* the path or its target does not exist (not plugged in) */
    PORT_ERR_OPEN = -3,       /* open refused: permission, locked by another program, not a tty */
    PORT_ERR_SETUP = -4,      /* baud rate, 8N1 or flow control refused by the driver */
    PORT_ERR_GONE = -5,       /* the adapter went away (hangup, EIO, ENXIO); port closed */
    PORT_ERR_IO = -6,         /* another read or write error; port closed */
    PORT_ERR_CLOSED = -7,     /* not open now (waiting to reopen) */
    PORT_ERR_LIST = -8,       /* the system's list of ports could not be read */
    PORT_ERR_COUNT_ = 9
};

const char *port_strerror(int err);

/* Checklist: these orders are the choice lists of config.c's "flow" and
 * "port_driver" options; change both together. */
enum port_flow {
    PORT_FLOW_NONE = 0,
    PORT_FLOW_RTSCTS = 1,
    PORT_FLOW_XONXOFF = 2
};

enum port_driver {
    PORT_DRIVER_AUTO = 0,
    PORT_DRIVER_LIBSERIALPORT = 1,
    PORT_DRIVER_TERMIOS = 2
};

struct port_config {
    const char *path;         /* copied by port_init */
    uint32_t baud;            /* one of the rates port_baud_supported() accepts */
    enum port_flow flow;
    enum port_driver driver;
};

/* path, 115200, no flow control, AUTO. */
void port_config_default(struct port_config *cfg, const char *path);

/* 1 if baud is a standard rate both drivers can set (1200 .. 4000000). */
int port_baud_supported(uint32_t baud);

struct port;
struct sp_port;

/* The seam: one implementation per way of talking to a tty. open() gets the
 * resolved device path and leaves p->fd (and p->sp) set on success. read()
 * and write() return PORT_OK with *n possibly 0 (nothing to read, or no
 * room to write now), PORT_ERR_GONE or PORT_ERR_IO; they never block. */
struct port_ops {
    const char *name;
    int (*open)(struct port *p, const char *dev, char *err, size_t errlen);
    int (*read)(struct port *p, uint8_t *buf, size_t cap, size_t *n, char *err,
                size_t errlen);
    int (*write)(struct port *p, const uint8_t *buf, size_t len, size_t *n, char *err,
                 size_t errlen);
    int (*fd)(const struct port *p);
    void (*close)(struct port *p);
};

extern const struct port_ops port_ops_termios;
extern const struct port_ops port_ops_libserialport;

struct port {
    struct port_config cfg;
    char path[PORT_PATH_MAX];     /* as configured (cfg.path points here) */
    char dev[PORT_PATH_MAX];      /* realpath() at the last open, "" if never */
    const struct port_ops *ops;   /* NULL while closed */
    int fd;                       /* -1 while closed */
    struct sp_port *sp;           /* libserialport driver only */
    int retry_pending;            /* closed, and port_tick should try again */
    int64_t retry_at_ms;          /* when */
    uint32_t backoff_ms;          /* wait before the next try after this one fails */
};

/* Check and copy cfg; the port starts closed with a retry due at once.
 * PORT_ERR_ARG (err says which setting) or PORT_OK. */
int port_init(struct port *p, const struct port_config *cfg, char *err, size_t errlen);

/* Try to open now. On failure returns the reason (err: a sentence naming
 * the path, with strerror) and schedules the next try by the backoff. */
int port_open(struct port *p, int64_t now_ms, char *err, size_t errlen);

/* If closed and the retry is due, try to open. Returns 1 if the port was
 * (re)opened now, 0 if nothing was due, or the failure of the attempt. */
int port_tick(struct port *p, int64_t now_ms, char *err, size_t errlen);

/* Milliseconds until port_tick has an attempt to make (0: due now), or -1
 * when none is pending (open, or closed for good). Use as a poll timeout. */
int port_next_retry_ms(const struct port *p, int64_t now_ms);

/* Nonblocking. On PORT_ERR_GONE or PORT_ERR_IO the port has been closed and
 * a reopen scheduled; PORT_ERR_CLOSED while closed. */
int port_read(struct port *p, uint8_t *buf, size_t cap, size_t *n, int64_t now_ms,
              char *err, size_t errlen);
int port_write(struct port *p, const uint8_t *buf, size_t len, size_t *n, int64_t now_ms,
               char *err, size_t errlen);

/* The caller saw a hangup the driver did not report (POLLHUP with nothing
 * to read): close now, reopen after PORT_RETRY_MIN_MS. */
void port_drop(struct port *p, int64_t now_ms);

/* Close for good: no reopen. Safe on a closed port. */
void port_close(struct port *p);

int port_is_open(const struct port *p);
int port_fd(const struct port *p);            /* -1 while closed */
const char *port_driver_name(const struct port *p); /* "termios", "libserialport", "closed" */

/* --list-ports: one call per port the system knows (libserialport's list,
 * plus the /dev/serial/by-id link to each where one exists). Strings are
 * "" when unknown and valid only during the call; vid/pid -1 if not USB. */
struct port_info {
    const char *name;             /* /dev/ttyUSB0 */
    const char *by_id;            /* /dev/serial/by-id/usb-... or "" */
    const char *description;
    const char *manufacturer;
    const char *product;
    const char *serial;
    int usb_vid, usb_pid;
};

typedef void (*port_list_fn)(void *ctx, const struct port_info *info);

/* Returns the number of ports listed (>= 0) or PORT_ERR_LIST. */
int port_list(port_list_fn fn, void *ctx, char *err, size_t errlen);

#endif
