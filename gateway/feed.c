/* feed.c -- live feed of records and events on a ZeroMQ PUB socket
 * (see feed.h and docs/upstream.md §7).
 *
 * Design note. One JSON object per message, built with a bounded appender
 * that records overflow instead of writing past the buffer; every string
 * goes through one escaper, including our own table names, so a future
 * table entry with a quote cannot break a subscriber's parser. Sends use
 * ZMQ_DONTWAIT: a PUB socket drops at its high-water mark anyway, and the
 * gateway's radio path must never wait for a dashboard.
 */
#define _POSIX_C_SOURCE 200809L /* statvfs, clock_gettime, gmtime_r, fchmod, O_CLOEXEC */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "feed.h"

/* A youth.drug_sales record waiting for its hold (feed.h). */
struct feed_held {
    int64_t release_ms;
    uint32_t device, counter;
    struct record rec;
    struct spool_rx rx;
    int has_rx, duplicate;
};

struct feed {
    void *ctx, *sock;
    char endpoint[256];
    struct feed_stats stats;
    int64_t hold_ms;
    struct feed_held *held;      /* FEED_HOLD_MAX slots, in arrival order from head */
    size_t head, nheld;
};

const char *feed_strerror(int err)
{
    switch (err) {
    case FEED_OK: return "success";
    case FEED_ERR_CONFIG: return "live feed misconfigured";
    case FEED_ERR_ZMQ: return "ZeroMQ error on the live feed";
    case FEED_ERR_BUFFER: return "live feed message too long for its buffer";
    default: return "unknown feed error";
    }
}

/* ---- JSON ---------------------------------------------------------------- */

struct jbuf {
    char *p;
    size_t cap, len;
    int overflow;
};

static void jb_printf(struct jbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (b->overflow)
        return;
    va_start(ap, fmt);
    n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cap - b->len)
        b->overflow = 1;
    else
        b->len += (size_t)n;
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void jb_str(struct jbuf *b, const char *s)
{
    jb_printf(b, "\"");
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            jb_printf(b, "\\%c", c);
        else if (c < 0x20)
            jb_printf(b, "\\u%04x", c);
        else
            jb_printf(b, "%c", c);
    }
    jb_printf(b, "\"");
}

static void jb_key_str(struct jbuf *b, const char *key, const char *val)
{
    jb_printf(b, ",\"%s\":", key);
    jb_str(b, val);
}

static int jb_done(struct jbuf *b, size_t *len)
{
    if (b->overflow) {
        if (b->cap)
            b->p[0] = 0;
        return FEED_ERR_BUFFER;
    }
    if (len)
        *len = b->len;
    return FEED_OK;
}

int feed_event_json(char *out, size_t cap, size_t *len, int64_t time_ms, const char *event,
                    const char *detail)
{
    struct jbuf b = {out, cap, 0, cap == 0};
    jb_printf(&b, "{\"type\":\"event\",\"time_ms\":%lld", (long long)time_ms);
    jb_key_str(&b, "event", event);
    jb_key_str(&b, "detail", detail);
    jb_printf(&b, "}");
    return jb_done(&b, len);
}

int feed_record_json(char *out, size_t cap, size_t *len, int64_t time_ms, uint32_t device,
                     uint32_t counter, const struct record *r, const struct spool_rx *rx,
                     int duplicate)
{
    static const struct {
        unsigned bit;
        const char *name;
    } sides[] = {
        {SIDE_GUARDIAN_CONTACTED, "guardian_contacted"},
        {SIDE_CONCERN_REPORT, "concern_report"},
        {SIDE_VEHICLE_MEASURE, "vehicle_measure"},
        {SIDE_LICENCE_SEIZED, "licence_seized"},
        {SIDE_SEIZURE, "seizure"},
    };
    const struct record_activity_info *info = record_activity_info(r->activity);
    const char *act = info ? info->name : "?";
    char category[32];
    struct jbuf b = {out, cap, 0, cap == 0};
    size_t i, first = 1, clen = strcspn(act, ".");

    /* "alcohol.screening" -> "alcohol": the category is the name's prefix */
    if (clen >= sizeof category)
        clen = sizeof category - 1;
    memcpy(category, act, clen);
    category[clen] = 0;

    /* the device as 8 hex digits, as in the key file, logs and status */
    jb_printf(&b, "{\"type\":\"record\",\"time_ms\":%lld,\"device\":\"%08lx\",\"counter\":%lu,"
                  "\"duplicate\":%s",
              (long long)time_ms, (unsigned long)device, (unsigned long)counter,
              duplicate ? "true" : "false");
    jb_key_str(&b, "activity", act);
    jb_key_str(&b, "category", category);
    jb_key_str(&b, "result", record_result_name(r->activity, r->result));
    jb_key_str(&b, "action", record_action_name(r->action));
    jb_printf(&b, ",\"side\":[");
    for (i = 0; i < sizeof sides / sizeof sides[0]; i++) {
        if (r->side & sides[i].bit) {
            jb_printf(&b, first ? "" : ",");
            jb_str(&b, sides[i].name);
            first = 0;
        }
    }
    jb_printf(&b, "],\"clock_unset\":%s,\"start_min\":%lu", r->clock_unset ? "true" : "false",
              (unsigned long)r->start_min);
    if (r->clock_unset) {
        /* minutes since the device booted: not a date (protocol.md §2.1) */
        jb_printf(&b, ",\"start_utc\":null");
    } else {
        time_t t = (time_t)(LOFTE_EPOCH_UNIX + (int64_t)r->start_min * 60);
        struct tm tm;
        char iso[32];
        gmtime_r(&t, &tm);
        strftime(iso, sizeof iso, "%Y-%m-%dT%H:%MZ", &tm);
        jb_key_str(&b, "start_utc", iso);
    }
    if (r->activity == ACT_ADMIN_VOID) {
        jb_printf(&b, ",\"void_counter\":%lu", (unsigned long)r->void_counter);
    } else if (r->activity == ACT_ADMIN_HEARTBEAT) {
        jb_printf(&b, ",\"oldest_unacked\":%lu,\"queue_depth\":%u",
                  (unsigned long)r->oldest_unacked, (unsigned)r->queue_depth);
    } else {
        jb_printf(&b, ",\"quantity\":%u,\"duration_min\":%u", (unsigned)r->quantity,
                  (unsigned)r->duration_min);
        jb_key_str(&b, "zone", record_zone_name(r->zone));
        jb_key_str(&b, "actor", record_actor_name(r->actor));
        if (r->cell != RECORD_CELL_NONE)
            jb_printf(&b, ",\"cell\":%u", (unsigned)r->cell);
        else
            jb_printf(&b, ",\"cell\":null");
        if (r->operation)
            jb_printf(&b, ",\"operation\":%u", (unsigned)r->operation);
        else
            jb_printf(&b, ",\"operation\":null");
    }
    if (rx) {
        jb_printf(&b, ",\"rx\":{\"time_ms\":%llu,\"freq_hz\":%lu,\"rssi_dBm\":%d,"
                      "\"snr_dB\":%.2f,\"sf\":%u,\"bw_kHz\":%u,\"station\":%u}",
                  (unsigned long long)rx->rx_time_ms, (unsigned long)rx->freq_hz,
                  (int)rx->rssi_dBm, rx->snr_qdB / 4.0, (unsigned)rx->sf, (unsigned)rx->bw_kHz,
                  (unsigned)rx->station);
    }
    jb_printf(&b, "}");
    return jb_done(&b, len);
}

/* ---- socket -------------------------------------------------------------- */

int feed_open(struct feed **out, const char *endpoint, char *err, size_t errlen)
{
    struct feed *f;
    size_t elen;
    int rc = 0, zero = 0, hwm = 1000;
    *out = NULL;
    if (!endpoint || !*endpoint) {
        snprintf(err, errlen, "live feed: no endpoint configured");
        return FEED_ERR_CONFIG;
    }
    f = calloc(1, sizeof *f);
    if (f && !(f->held = calloc(FEED_HOLD_MAX, sizeof *f->held))) {
        free(f);
        f = NULL;
    }
    if (f)
        f->hold_ms = (int64_t)FEED_HOLD_DEFAULT_S * 1000;
    if (!f) {
        snprintf(err, errlen, "live feed: out of memory");
        return FEED_ERR_CONFIG;
    }
    f->ctx = zmq_ctx_new();
    f->sock = f->ctx ? zmq_socket(f->ctx, ZMQ_PUB) : NULL;
    rc = f->sock ? 0 : -1;
    if (!rc) rc = zmq_setsockopt(f->sock, ZMQ_LINGER, &zero, sizeof zero);
    if (!rc) rc = zmq_setsockopt(f->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    if (!rc) rc = zmq_bind(f->sock, endpoint);
    elen = sizeof f->endpoint;
    if (!rc) rc = zmq_getsockopt(f->sock, ZMQ_LAST_ENDPOINT, f->endpoint, &elen);
    if (rc) {
        snprintf(err, errlen, "live feed: cannot bind %s: %s", endpoint,
                 zmq_strerror(zmq_errno()));
        feed_close(f);
        return FEED_ERR_ZMQ;
    }
    *out = f;
    return FEED_OK;
}

void feed_close(struct feed *f)
{
    if (!f)
        return;
    if (f->sock)
        zmq_close(f->sock);
    if (f->ctx)
        zmq_ctx_term(f->ctx);
    free(f->held);
    free(f);
}

const char *feed_endpoint(const struct feed *f)
{
    return f->endpoint;
}

const struct feed_stats *feed_stats(const struct feed *f)
{
    return &f->stats;
}

static int64_t feed_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int feed_send(struct feed *f, const char *topic, const char *json, size_t len)
{
    if (zmq_send(f->sock, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(f->sock, json, len, ZMQ_DONTWAIT) < 0) {
        f->stats.dropped++;
        return FEED_OK;
    }
    f->stats.published++;
    return FEED_OK;
}

static int feed_publish(struct feed *f, int64_t now_ms, uint32_t device, uint32_t counter,
                        const struct record *r, const struct spool_rx *rx, int duplicate)
{
    char json[FEED_JSON_MAX];
    size_t len;
    int rc = feed_record_json(json, sizeof json, &len, now_ms, device, counter, r, rx,
                              duplicate);
    if (rc)
        return rc;
    return feed_send(f, FEED_TOPIC_RECORD, json, len);
}

void feed_set_hold(struct feed *f, uint32_t hold_s)
{
    f->hold_ms = (int64_t)hold_s * 1000;
}

void feed_service(struct feed *f, int64_t now_ms)
{
    /* Release times are not in arrival order (they count from logging), so
     * look at every held record; FEED_HOLD_MAX bounds the walk. */
    size_t i, kept = 0;
    for (i = 0; i < f->nheld; i++) {
        struct feed_held *h = &f->held[(f->head + i) % FEED_HOLD_MAX];
        if (h->release_ms <= now_ms)
            feed_publish(f, now_ms, h->device, h->counter, &h->rec, h->has_rx ? &h->rx : NULL,
                         h->duplicate);
        else
            f->held[(f->head + kept++) % FEED_HOLD_MAX] = *h;
    }
    f->nheld = kept;
    f->stats.held = kept;
}

int feed_record_at(struct feed *f, int64_t now_ms, uint32_t device, uint32_t counter,
                   const struct record *r, const struct spool_rx *rx, int duplicate)
{
    feed_service(f, now_ms);
    if (r->activity == ACT_YOUTH_DRUG_SALES && f->hold_ms > 0) {
        int64_t logged_ms = r->clock_unset
                                ? now_ms
                                : ((int64_t)LOFTE_EPOCH_UNIX + (int64_t)r->start_min * 60) * 1000;
        int64_t release = logged_ms + f->hold_ms;
        if (release > now_ms) {
            struct feed_held *h;
            if (f->nheld == FEED_HOLD_MAX) {
                /* drop the oldest arrival: the feed may lose, never leak early */
                f->head = (f->head + 1) % FEED_HOLD_MAX;
                f->nheld--;
                f->stats.hold_dropped++;
            }
            h = &f->held[(f->head + f->nheld) % FEED_HOLD_MAX];
            memset(h, 0, sizeof *h);
            h->release_ms = release;
            h->device = device;
            h->counter = counter;
            h->rec = *r;
            if (rx) {
                h->rx = *rx;
                h->has_rx = 1;
            }
            h->duplicate = duplicate;
            f->nheld++;
            f->stats.held = f->nheld;
            return FEED_OK;
        }
    }
    return feed_publish(f, now_ms, device, counter, r, rx, duplicate);
}

int feed_record(struct feed *f, uint32_t device, uint32_t counter, const struct record *r,
                const struct spool_rx *rx, int duplicate)
{
    return feed_record_at(f, feed_now_ms(), device, counter, r, rx, duplicate);
}

int feed_event(struct feed *f, const char *event, const char *detail)
{
    char json[FEED_JSON_MAX];
    size_t len;
    int rc;
    feed_service(f, feed_now_ms());
    rc = feed_event_json(json, sizeof json, &len, feed_now_ms(), event, detail);
    if (rc)
        return rc;
    return feed_send(f, FEED_TOPIC_EVENT, json, len);
}
