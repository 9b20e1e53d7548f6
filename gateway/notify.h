/* notify.h -- tell systemd how a daemon is doing (sd_notify(3)).
 *
 * The units are Type=notify with WatchdogSec=: systemd considers the
 * service started only when notify_ready() was called (the spool or the
 * database is open, the sockets bound), and restarts it when the main loop
 * stops calling notify_watchdog() for WatchdogSec. Outside systemd
 * (NOTIFY_SOCKET unset: a terminal, the tests, CI's direct start) every
 * call does nothing, so the daemons need no mode switch.
 *
 * Only notify.c includes systemd/sd-daemon.h.
 */
#ifndef LOFTE_NOTIFY_H
#define LOFTE_NOTIFY_H

#include <stdint.h>

/* READY=1 with a one-line STATUS= an operator sees in `systemctl status`. */
void notify_ready(const char *status);
/* WATCHDOG=1, at most twice per watchdog period (cheap to call every loop). */
void notify_watchdog(int64_t now_ms);
/* STATUS= only (e.g. "collector link down"); at most once per second. */
void notify_status(const char *status, int64_t now_ms);
void notify_stopping(void);
/* RELOADING=1 at the start of a SIGHUP reload; notify_ready() at its end
 * (systemctl reload waits for that, sd_notify(3)). */
void notify_reloading(void);

#endif
