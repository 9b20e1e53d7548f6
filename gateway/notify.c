/* notify.c -- see notify.h. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "notify.h"

static int64_t watchdog_period_ms = -1; /* -1: not asked yet; 0: no watchdog */
static int64_t last_ping_ms = -1;
static int64_t last_status_ms = -1;

void notify_ready(const char *status)
{
    sd_notifyf(0, "READY=1\nSTATUS=%s", status ? status : "running");
}

void notify_watchdog(int64_t now_ms)
{
    if (watchdog_period_ms < 0) {
        uint64_t usec = 0;
        /* 0 when the unit has no WatchdogSec= or we are not its main PID */
        watchdog_period_ms = sd_watchdog_enabled(0, &usec) > 0 ? (int64_t)(usec / 1000) : 0;
    }
    if (watchdog_period_ms == 0)
        return;
    /* sd_watchdog_enabled(3): ping at half the period, so one late loop turn
     * does not get a healthy daemon killed. */
    if (last_ping_ms >= 0 && now_ms - last_ping_ms < watchdog_period_ms / 2)
        return;
    last_ping_ms = now_ms;
    sd_notify(0, "WATCHDOG=1");
}

void notify_status(const char *status, int64_t now_ms)
{
    if (last_status_ms >= 0 && now_ms - last_status_ms < 1000)
        return;
    last_status_ms = now_ms;
    sd_notifyf(0, "STATUS=%s", status);
}

void notify_stopping(void)
{
    sd_notify(0, "STOPPING=1");
}

void notify_reloading(void)
{
    sd_notify(0, "RELOADING=1");
}
