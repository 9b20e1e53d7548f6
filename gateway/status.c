/* status.c -- what the station's operator sees: is the modem link up, is
 * the collector reachable, how deep is the spool, which devices are silent.
 *
 * The daemon writes two files into its state directory every two seconds,
 * each by write-to-temporary-then-rename (statefile.h) so a reader never
 * sees half of one: status.json for tools, status.txt for `lofte-gateway status`. The
 * files hold no key and no record content: device pseudonyms, counters and
 * radio figures only.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "proto_err.h"
#include "statefile.h"

#define SILENT_AFTER_MS (24LL * 3600 * 1000) /* a handheld heartbeats every 12 h */

static void fmt_age(char *out, size_t cap, int64_t ms)
{
    if (ms < 0)
        snprintf(out, cap, "never");
    else if (ms < 120000)
        snprintf(out, cap, "%llds", (long long)(ms / 1000));
    else if (ms < 7200000)
        snprintf(out, cap, "%lldmin", (long long)(ms / 60000));
    else if (ms < 172800000)
        snprintf(out, cap, "%lldh", (long long)(ms / 3600000));
    else
        snprintf(out, cap, "%lldd", (long long)(ms / 86400000));
}

/* The port's first open is not a reopen. */
static uint64_t reopens(const struct modemlink_stats *ms)
{
    return ms->opens > 1 ? ms->opens - 1 : 0;
}

/* Nonzero slots of a per-reason table as "name": n pairs (slot i is -proto_err). */
static void json_reasons(FILE *f, const uint64_t *slots)
{
    size_t i;
    int first = 1;
    for (i = 1; i < PROTO_ERR_COUNT; i++) {
        if (!slots[i])
            continue;
        fprintf(f, "%s\"%s\": %llu", first ? "" : ", ", proto_errname(-(int)i),
                (unsigned long long)slots[i]);
        first = 0;
    }
}

/* The modem driver: type, firmware, state, radio counts, rejected lines
 * (AT modems) by reason. */
static void write_driver_json(struct daemon *d, FILE *f, int64_t now)
{
    struct modemdrv_info mi;
    int i, first = 1;
    modemdrv_info(&d->ml, &mi);
    fprintf(f,
            "  \"modem_driver\": {\"type\": \"%s\", \"firmware\": \"", mi.type);
    for (i = 0; mi.firmware[i]; i++) /* the module's text: only plain characters */
        if (mi.firmware[i] >= 0x20 && mi.firmware[i] < 0x7f && mi.firmware[i] != '"' &&
            mi.firmware[i] != '\\')
            fputc(mi.firmware[i], f);
    fprintf(f, "\", \"state\": \"%s\", \"radio_rx\": %llu, \"radio_tx\": %llu, "
               "\"rejected_lines\": {", mi.state, (unsigned long long)mi.rx,
            (unsigned long long)mi.tx);
    for (i = 1; mi.line_rejects && i < ATLINE_REJ_COUNT_; i++) {
        if (!mi.line_rejects[i])
            continue;
        fprintf(f, "%s\"%s\": %llu", first ? "" : ", ", atline_reject_name(i),
                (unsigned long long)mi.line_rejects[i]);
        first = 0;
    }
    fprintf(f, "}");
    if (mi.uplink_set) /* what the module was set to hear, and when it last did */
        fprintf(f, ", \"uplink\": {\"freq_hz\": %lu, \"sf\": %u, \"bw_kHz\": %u}, "
                   "\"last_rx_age_ms\": %lld", (unsigned long)mi.uplink_freq_hz, mi.uplink_sf,
                mi.uplink_bw_kHz, (long long)(mi.last_rx_ms < 0 ? -1 : now - mi.last_rx_ms));
    fprintf(f, "}");
    if (mi.at)
        fprintf(f, ",\n  \"modem_at\": {\"setups\": %llu, \"reboots_seen\": %llu, "
                   "\"timeouts\": %llu, \"busy\": %llu, \"acks_late\": %llu, "
                   "\"acks_failed\": %llu, \"last_retune_ms\": %lld, "
                   "\"last_send_latency_ms\": %lld}",
                (unsigned long long)mi.at->setups, (unsigned long long)mi.at->reboots_seen,
                (unsigned long long)mi.at->timeouts, (unsigned long long)mi.at->busy,
                (unsigned long long)mi.at->acks_late, (unsigned long long)mi.at->acks_failed,
                (long long)mi.at->last_retune_ms, (long long)mi.at->last_send_latency_ms);
    fprintf(f, ",\n");
}

static void write_json(struct daemon *d, FILE *f, int64_t now)
{
    const struct modemlink_stats *ms = modemdrv_stats(&d->ml);
    const struct upstream_stats *us = upstream_stats(d->up);
    struct modem_status st;
    int64_t st_age = -1;
    size_t i;
    int first = 1, have_st;

    fprintf(f, "{\n  \"time_ms\": %lld,\n  \"uptime_s\": %lld,\n  \"station_id\": %u,\n",
            (long long)now, (long long)((now - d->started_ms) / 1000), d->cfg.station_id);
    have_st = modemdrv_last_status(&d->ml, now, &st, &st_age) == 0;
    fprintf(f,
            "  \"modem\": {\"port\": \"%s\", \"open\": %s, \"up\": %s, \"last_status_age_ms\": "
            "%lld, \"frames_ok\": %llu, \"rx\": %llu, \"opens\": %llu, \"reopens\": %llu, "
            "\"hangups\": %llu, \"bad_frames\": {",
            d->cfg.port, modemdrv_is_open(&d->ml) ? "true" : "false",
            modemdrv_is_up(&d->ml, now) ? "true" : "false", (long long)st_age,
            (unsigned long long)ms->frames_ok, (unsigned long long)ms->rx,
            (unsigned long long)ms->opens, (unsigned long long)reopens(ms),
            (unsigned long long)ms->hangups);
    json_reasons(f, ms->bad_frames);
    fprintf(f, "}, \"bad_messages\": {");
    json_reasons(f, ms->bad_messages);
    fprintf(f, "}, \"wrong_direction\": %llu, \"clock_off\": %llu, \"clock_offset_ms\": %lld, "
               "\"last_status\": ",
            (unsigned long long)ms->wrong_direction, (unsigned long long)d->modem_clock_off,
            (long long)d->modem_offset_ms);
    if (have_st)
        fprintf(f, "{\"uptime_s\": %u, \"rx_frames\": %u, \"rx_crc_errors\": %u, "
                   "\"tx_frames\": %u}",
                st.uptime_s, st.rx_frames, st.rx_crc_errors, st.tx_frames);
    else
        fprintf(f, "null");
    fprintf(f, "},\n");
    write_driver_json(d, f, now);
    fprintf(f,
            "  \"collector\": {\"endpoint\": \"%s\", \"in_use\": \"%s\", \"connected\": %s, "
            "\"rows_delivered\": %llu, \"rows_resent\": %llu, \"auth_failures\": %llu, "
            "\"failovers\": %llu},\n",
            d->cfg.collector, upstream_endpoint(d->up), us->connected ? "true" : "false",
            (unsigned long long)us->rows_delivered, (unsigned long long)us->rows_resent,
            (unsigned long long)us->auth_failures, (unsigned long long)us->failovers);
    fprintf(f,
            "  \"spool\": {\"depth\": %lld, \"oldest_age_ms\": %lld, \"intake_stopped\": %s, "
            "\"reason\": \"%s\"},\n",
            (long long)spool_depth(d->spool), (long long)spool_oldest_age_ms(d->spool, now),
            d->intake_stopped ? "true" : "false", d->intake_stopped ? d->intake_reason : "");
    fprintf(f,
            "  \"frames\": {\"received\": %llu, \"stored\": %llu, \"duplicates\": %llu, "
            "\"acks_sent\": %llu, \"acks_skipped\": %llu, \"acks_batched\": %llu, "
            "\"acks_future\": %llu, \"not_stored\": %llu, \"spool_failures\": %llu, "
            "\"rejected\": {",
            (unsigned long long)d->rx_frames, (unsigned long long)d->accepted,
            (unsigned long long)d->duplicates, (unsigned long long)d->acks_sent,
            (unsigned long long)d->acks_skipped, (unsigned long long)d->acks_batched,
            (unsigned long long)d->acks_future, (unsigned long long)d->not_stored,
            (unsigned long long)d->spool_failures);
    first = 1;
    for (i = 0; i < DAEMON_REASONS; i++) {
        if (!d->rejected[i])
            continue;
        fprintf(f, "%s\"%s\": %llu", first ? "" : ", ", daemon_reason_name((int)i),
                (unsigned long long)d->rejected[i]);
        first = 0;
    }
    fprintf(f, "}},\n");
    /* docs/protocol.md §5.2: counters learnt above the window, and what the
     * search cost (forgeries' tag checks included) */
    fprintf(f, "  \"counter_search\": {\"found\": %llu, \"tag_checks\": %llu},\n",
            (unsigned long long)d->st.searched, (unsigned long long)d->st.search_tries);
    fprintf(f, "  \"devices\": [");
    for (i = 0; i < d->st.count; i++) {
        const struct daemon_device *v = &d->view[i];
        fprintf(f,
                "%s\n    {\"device\": \"%08x\", \"last_seen_ms\": %lld, \"rssi_dBm\": %d, "
                "\"snr_dB\": %.2f, \"last_counter\": %u, \"acked\": %u, \"frames\": %llu, "
                "\"records\": %llu, \"duplicates\": %llu}",
                i ? "," : "", d->devs[i].device, (long long)v->last_seen_ms, v->rssi_dBm,
                v->snr_qdB / 4.0, v->last_counter, d->devs[i].acked,
                (unsigned long long)v->frames, (unsigned long long)v->records,
                (unsigned long long)v->duplicates);
    }
    fprintf(f, "\n  ]\n}\n");
}

static void write_text(struct daemon *d, FILE *f, int64_t now)
{
    const struct modemlink_stats *ms = modemdrv_stats(&d->ml);
    const struct upstream_stats *us = upstream_stats(d->up);
    struct modem_status st;
    int64_t st_age = -1, oldest = spool_oldest_age_ms(d->spool, now);
    char age[32], when[32];
    size_t i;
    time_t tt = (time_t)(now / 1000);
    struct tm tm;
    int silent = 0, any = 0, have_st;

    localtime_r(&tt, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(f, "lofte gateway, station %u, at %s (up %llds)\n\n", d->cfg.station_id, when,
            (long long)((now - d->started_ms) / 1000));
    have_st = modemdrv_last_status(&d->ml, now, &st, &st_age) == 0;
    fmt_age(age, sizeof age, st_age);
    fprintf(f, "modem      %-4s  %s, ", modemdrv_is_up(&d->ml, now) ? "UP" : "DOWN", d->cfg.port);
    if (have_st)
        fprintf(f, "last STATUS %s ago (modem up %us, %u frames heard, %u CRC errors, %u sent)",
                age, st.uptime_s, st.rx_frames, st.rx_crc_errors, st.tx_frames);
    else
        fprintf(f, "no STATUS received yet");
    fprintf(f, ", %llu serial frames", (unsigned long long)ms->frames_ok);
    if (reopens(ms))
        fprintf(f, ", reopened %llu time%s", (unsigned long long)reopens(ms),
                reopens(ms) == 1 ? "" : "s");
    fprintf(f, "\n");
    if (d->modem_clock_off)
        fprintf(f, "           modem clock WRONG on %llu reception%s (more than %d ms off the "
                   "gateway's; last RX %+lld ms); acks carry the gateway's time\n",
                (unsigned long long)d->modem_clock_off, d->modem_clock_off == 1 ? "" : "s",
                STATION_MODEM_CLOCK_TOLERANCE_MS, (long long)d->modem_offset_ms);
    {
        struct modemdrv_info mi;
        modemdrv_info(&d->ml, &mi);
        fprintf(f, "           %s%s%s, %s, %llu received, %llu sent\n", mi.type,
                mi.firmware[0] ? " firmware " : "", mi.firmware, mi.state,
                (unsigned long long)mi.rx, (unsigned long long)mi.tx);
        /* a single-channel modem hears one channel and SF: "never" here
         * with handhelds waiting is a mismatch with them (docs/modems.md) */
        fmt_age(age, sizeof age, mi.last_rx_ms < 0 ? -1 : now - mi.last_rx_ms);
        if (mi.uplink_set)
            fprintf(f, "           listening on %lu.%03lu MHz SF%u %u kHz, last reception %s%s\n",
                    (unsigned long)(mi.uplink_freq_hz / 1000000u),
                    (unsigned long)(mi.uplink_freq_hz % 1000000u / 1000u), mi.uplink_sf,
                    mi.uplink_bw_kHz, age, mi.last_rx_ms < 0 ? "" : " ago");
    }
    fprintf(f, "collector  %-4s  %s, %llu records delivered\n", us->connected ? "UP" : "DOWN",
            d->cfg.collector, (unsigned long long)us->rows_delivered);
    fmt_age(age, sizeof age, oldest);
    fprintf(f, "spool      %lld waiting, oldest %s%s%s\n", (long long)spool_depth(d->spool),
            oldest >= 0 ? age : "-", d->intake_stopped ? "  INTAKE STOPPED: " : "",
            d->intake_stopped ? d->intake_reason : "");
    fprintf(f, "frames     %llu received, %llu stored, %llu duplicates, %llu acks sent\n",
            (unsigned long long)d->rx_frames, (unsigned long long)d->accepted,
            (unsigned long long)d->duplicates, (unsigned long long)d->acks_sent);
    fprintf(f, "rejected  ");
    for (i = 0; i < DAEMON_REASONS; i++)
        if (d->rejected[i]) {
            fprintf(f, " %s %llu", daemon_reason_name((int)i), (unsigned long long)d->rejected[i]);
            any = 1;
        }
    for (i = 1; i < PROTO_ERR_COUNT; i++)
        if (ms->bad_frames[i]) {
            fprintf(f, " serial_%s %llu", proto_errname(-(int)i),
                    (unsigned long long)ms->bad_frames[i]);
            any = 1;
        }
    for (i = 1; i < PROTO_ERR_COUNT; i++)
        if (ms->bad_messages[i]) {
            fprintf(f, " modem_%s %llu", proto_errname(-(int)i),
                    (unsigned long long)ms->bad_messages[i]);
            any = 1;
        }
    if (ms->wrong_direction) {
        fprintf(f, " modem_wrong_direction %llu", (unsigned long long)ms->wrong_direction);
        any = 1;
    }
    fprintf(f, "%s\n", any ? "" : " none");
    fprintf(f, "counters   %llu learnt by the search above the window (%llu extra tag checks)\n\n",
            (unsigned long long)d->st.searched, (unsigned long long)d->st.search_tries);
    fprintf(f, "device    last seen  RSSI dBm  SNR dB  last counter  acked    records\n");
    for (i = 0; i < d->st.count; i++) {
        const struct daemon_device *v = &d->view[i];
        int64_t a = v->last_seen_ms ? now - v->last_seen_ms : -1;
        fmt_age(age, sizeof age, a);
        if (a < 0 || a > SILENT_AFTER_MS)
            silent++;
        if (v->last_seen_ms)
            fprintf(f, "%08x  %9s  %8d  %6.2f  %12u  %7u  %7llu%s\n", d->devs[i].device, age,
                    v->rssi_dBm, v->snr_qdB / 4.0, v->last_counter, d->devs[i].acked,
                    (unsigned long long)v->records, a > SILENT_AFTER_MS ? "  SILENT" : "");
        else
            fprintf(f, "%08x  %9s  %8s  %6s  %12s  %7u  %7s  SILENT\n", d->devs[i].device, age,
                    "-", "-", "-", d->devs[i].acked, "-");
    }
    fprintf(f, "\n%zu devices, %d silent for more than a day (or never heard)\n", d->st.count,
            silent);
}

int daemon_write_status(struct daemon *d, int64_t now_ms)
{
    char tmp[CONFIG_PATH_MAX + 32];
    FILE *f;
    const char *dir = d->cfg.state_dir;
    d->status_written_ms = now_ms;
    if ((f = statefile_open_tmp(dir, "status.json", tmp, sizeof tmp)) == NULL)
        goto fail;
    write_json(d, f, now_ms);
    if (statefile_publish(f, tmp, dir, "status.json") != 0)
        goto fail;
    if ((f = statefile_open_tmp(dir, "status.txt", tmp, sizeof tmp)) == NULL)
        goto fail;
    write_text(d, f, now_ms);
    if (statefile_publish(f, tmp, dir, "status.txt") != 0)
        goto fail;
    daemon_publish_metrics(d, now_ms); /* the same values, for scrapes */
    return 0;
fail:
    log_warn("cannot write status into %s: %s", dir, strerror(errno));
    return -1;
}
