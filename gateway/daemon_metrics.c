/* daemon_metrics.c -- the gateway's Prometheus metrics (metrics.h).
 *
 * Rendered by the daemon's own loop, from the same counters the status
 * files show, right after those files are written (daemon_write_status,
 * every DAEMON_STATUS_PERIOD_MS): the HTTP thread only copies the last
 * text out, it never reads the daemon's state. A scrape therefore sees
 * the values of status.json at most one period old.
 *
 * Names follow the Prometheus conventions: a _total suffix for counters,
 * base units (seconds, Unix time in seconds). Per-reason families list
 * every reason, zeros included, so a rate() query never sees a series
 * appear from nothing. Devices are labelled by pseudonym (8 hex digits),
 * the only identifier the gateway has; no key and no record content.
 */
#include <stdio.h>

#include "daemon.h"
#include "metrics.h"
#include "proto_err.h"

static void sample1(struct metrics_text *t, const char *name, const char *label,
                    const char *value, double v)
{
    const char *labels[] = {label, value, NULL};
    metrics_text_sample(t, name, label ? labels : NULL, v);
}

static void gauge(struct metrics_text *t, const char *name, const char *help, double v)
{
    metrics_text_family(t, name, "gauge", help);
    metrics_text_sample(t, name, NULL, v);
}

/* A per-reason table indexed by -proto_err (slot 0, success, is skipped). */
static void proto_reasons(struct metrics_text *t, const char *name, const char *help,
                          const uint64_t *slots)
{
    int i;
    metrics_text_family(t, name, "counter", help);
    for (i = 1; i < PROTO_ERR_COUNT; i++)
        sample1(t, name, "reason", proto_errname(-i), (double)slots[i]);
}

static void render(struct daemon *d, struct metrics_text *t, int64_t now)
{
    const struct modemlink_stats *ms = modemdrv_stats(&d->ml);
    const struct upstream_stats *us = upstream_stats(d->up);
    int64_t oldest = spool_oldest_age_ms(d->spool, now);
    char dev[16];
    size_t i;

    metrics_text_family(t, "lofte_gateway_info", "gauge", "this gateway's station id");
    snprintf(dev, sizeof dev, "%u", d->cfg.station_id);
    sample1(t, "lofte_gateway_info", "station_id", dev, 1);
    gauge(t, "lofte_gateway_uptime_seconds", "seconds since the daemon started",
          (double)((now - d->started_ms) / 1000));

    metrics_text_family(t, "lofte_gateway_frames_total", "counter",
                        "uplink frames by outcome (received = every RX from the modem)");
    sample1(t, "lofte_gateway_frames_total", "outcome", "received", (double)d->rx_frames);
    sample1(t, "lofte_gateway_frames_total", "outcome", "stored", (double)d->accepted);
    sample1(t, "lofte_gateway_frames_total", "outcome", "duplicate", (double)d->duplicates);
    sample1(t, "lofte_gateway_frames_total", "outcome", "not_stored", (double)d->not_stored);
    metrics_text_family(t, "lofte_gateway_frames_rejected_total", "counter",
                        "uplink frames rejected, by reason");
    for (i = 1; i < DAEMON_REASONS; i++)
        sample1(t, "lofte_gateway_frames_rejected_total", "reason", daemon_reason_name((int)i),
                (double)d->rejected[i]);
    proto_reasons(t, "lofte_gateway_serial_bad_frames_total",
                  "serial frames from the modem rejected, by reason", ms->bad_frames);
    proto_reasons(t, "lofte_gateway_modem_bad_messages_total",
                  "good serial frames whose message was refused, by reason", ms->bad_messages);

    metrics_text_family(t, "lofte_gateway_acks_total", "counter",
                        "acks: sent to the modem, skipped, uplinks answered by a batch's one ack, "
                        "carrying a station time ahead of the clock");
    sample1(t, "lofte_gateway_acks_total", "outcome", "sent", (double)d->acks_sent);
    sample1(t, "lofte_gateway_acks_total", "outcome", "skipped", (double)d->acks_skipped);
    sample1(t, "lofte_gateway_acks_total", "outcome", "batched", (double)d->acks_batched);
    sample1(t, "lofte_gateway_acks_total", "outcome", "future", (double)d->acks_future);

    gauge(t, "lofte_gateway_spool_depth", "records in the spool not yet at the collector",
          (double)spool_depth(d->spool));
    gauge(t, "lofte_gateway_spool_oldest_age_seconds",
          "age of the oldest spooled record (0 when the spool is empty)",
          oldest > 0 ? (double)oldest / 1000.0 : 0);
    gauge(t, "lofte_gateway_intake_stopped",
          "1 while records are neither stored nor acked (disk full, failed write)",
          d->intake_stopped ? 1 : 0);
    metrics_text_family(t, "lofte_gateway_spool_failures_total", "counter",
                        "transactions rolled back after a spool error");
    metrics_text_sample(t, "lofte_gateway_spool_failures_total", NULL, (double)d->spool_failures);

    metrics_text_family(t, "lofte_gateway_link_up", "gauge",
                        "1 while the link is up: the modem (STATUS or RX heard), the collector "
                        "(CURVE handshake complete)");
    sample1(t, "lofte_gateway_link_up", "link", "modem", modemdrv_is_up(&d->ml, now) ? 1 : 0);
    sample1(t, "lofte_gateway_link_up", "link", "collector", us->connected ? 1 : 0);
    metrics_text_family(t, "lofte_gateway_modem_reopens_total", "counter",
                        "times the modem's port was opened again (replugs, hangups)");
    metrics_text_sample(t, "lofte_gateway_modem_reopens_total", NULL,
                        (double)(ms->opens > 1 ? ms->opens - 1 : 0));

    metrics_text_family(t, "lofte_gateway_upstream_rows_total", "counter",
                        "rows to the collector: delivered (acknowledged, removed from the "
                        "spool), resent");
    sample1(t, "lofte_gateway_upstream_rows_total", "outcome", "delivered",
            (double)us->rows_delivered);
    sample1(t, "lofte_gateway_upstream_rows_total", "outcome", "resent", (double)us->rows_resent);
    metrics_text_family(t, "lofte_gateway_upstream_auth_failures_total", "counter",
                        "CURVE handshakes the collector refused");
    metrics_text_sample(t, "lofte_gateway_upstream_auth_failures_total", NULL,
                        (double)us->auth_failures);

    metrics_text_family(t, "lofte_gateway_device_last_seen_timestamp_seconds", "gauge",
                        "Unix time of the device's last authentic frame (0 = never)");
    for (i = 0; i < d->st.count; i++) {
        snprintf(dev, sizeof dev, "%08x", d->devs[i].device);
        sample1(t, "lofte_gateway_device_last_seen_timestamp_seconds", "device", dev,
                (double)d->view[i].last_seen_ms / 1000.0);
    }
    metrics_text_family(t, "lofte_gateway_device_records_total", "counter",
                        "records stored from the device since the daemon started");
    for (i = 0; i < d->st.count; i++) {
        snprintf(dev, sizeof dev, "%08x", d->devs[i].device);
        sample1(t, "lofte_gateway_device_records_total", "device", dev,
                (double)d->view[i].records);
    }
    metrics_text_family(t, "lofte_gateway_device_acked_counter", "gauge",
                        "the highest counter acked to the device (persisted in the spool)");
    for (i = 0; i < d->st.count; i++) {
        snprintf(dev, sizeof dev, "%08x", d->devs[i].device);
        sample1(t, "lofte_gateway_device_acked_counter", "device", dev,
                (double)d->devs[i].acked);
    }
}

void daemon_publish_metrics(struct daemon *d, int64_t now_ms)
{
    struct metrics_text t;
    if (!d->metrics)
        return;
    metrics_text_init(&t);
    render(d, &t, now_ms);
    if (!metrics_text_failed(&t))
        metrics_publish(d->metrics, t.buf, t.len);
    metrics_text_free(&t);
}
