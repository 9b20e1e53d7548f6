/* upstream.c -- messages, key files and the gateway's end of the
 * gateway -> collector link (see upstream.h, docs/upstream.md).
 *
 * Design note. The link is a loop around the spool, not a queue of its own:
 * the spool says which rows are due (never sent on this connection, or sent
 * longer than ack_timeout_ms ago without an ACK), the link sends them in
 * batches and records when, and an ACK deletes them. So the only state that
 * matters survives a crash by construction, and a reconnect is handled by
 * forgetting what was sent (spool_forget_sent): everything unacknowledged is
 * sent again, and the collector ignores what it already has.
 *
 * Connection state comes from a ZeroMQ socket monitor: HANDSHAKE_SUCCEEDED
 * is the moment the collector can hear us (CURVE done, ZAP said yes);
 * HANDSHAKE_FAILED_AUTH is the collector refusing our key, which an operator
 * must see at once rather than as a silently growing spool.
 *
 * A typical batch is 64 rows of ~50 bytes (3 KB); at most inflight_max rows
 * are unacknowledged at once, so a collector that is slow to commit slows
 * the link instead of filling memory on either side.
 */
#define _POSIX_C_SOURCE 200809L /* statvfs, clock_gettime, gmtime_r, fchmod, O_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "errbuf.h"
#include "proto_err.h"
#include "upstream.h"

/* ---- byte order: written byte by byte, never memcpy'd structs ---------- */

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)(v >> 32));
    wr32(p + 4, (uint32_t)v);
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t rd64(const uint8_t *p)
{
    return ((uint64_t)rd32(p) << 32) | rd32(p + 4);
}

/* ---- 1. messages -------------------------------------------------------- */

/* Offsets inside one BATCH item; the diagram is docs/upstream.md §3.2. */
enum {
    IT_ROW_ID = 0,
    IT_DEVICE = 8,
    IT_COUNTER = 12,
    IT_RX_TIME = 16,
    IT_FREQ = 24,
    IT_RSSI = 28,
    IT_SNR = 30,
    IT_SF = 31,
    IT_BW = 32,
    IT_STATION = 34,
    IT_RECORD_LEN = 36,
    IT_RECORD = 37
    /* version 2: then the frame length (u8) at IT_RECORD + n, the frame after it */
};
/* The header's constant and the offsets must agree (C99 has no static_assert). */
typedef char upstream_item_len_matches[(IT_RECORD + 1 == UPSTREAM_ITEM_FIXED_LEN &&
                                        IT_RECORD == UPSTREAM_ITEM_V1_FIXED_LEN) ? 1 : -1];

static int upstream_item_check(const struct spool_row *r)
{
    if (r->id == 0 || r->device == 0 || r->device == UINT32_MAX || r->counter == 0 ||
        r->rx.station == 0 || r->record_len < RECORD_MIN_LEN || r->record_len > RECORD_MAX_LEN)
        return PROTO_ERR_OUT_OF_RANGE;
    if (r->frame_len != 0 &&
        (r->frame_len < RADIO_UPLINK_MIN_LEN || r->frame_len > RADIO_UPLINK_MAX_LEN))
        return PROTO_ERR_OUT_OF_RANGE;
    return PROTO_OK;
}

int upstream_batch_encode(const struct spool_row *rows, size_t n, uint8_t *out, size_t cap,
                          size_t *len)
{
    size_t i, need = UPSTREAM_HDR_LEN, pos;
    if (n == 0 || n > UPSTREAM_BATCH_MAX)
        return PROTO_ERR_OUT_OF_RANGE;
    for (i = 0; i < n; i++) {
        int rc = upstream_item_check(&rows[i]);
        if (rc)
            return rc;
        need += UPSTREAM_ITEM_FIXED_LEN + rows[i].record_len + rows[i].frame_len;
    }
    if (need > cap)
        return PROTO_ERR_BUFFER;
    out[0] = UPSTREAM_VERSION;
    out[1] = UPSTREAM_BATCH;
    wr16(out + 2, (uint16_t)n);
    pos = UPSTREAM_HDR_LEN;
    for (i = 0; i < n; i++) {
        const struct spool_row *r = &rows[i];
        uint8_t *p = out + pos;
        wr64(p + IT_ROW_ID, r->id);
        wr32(p + IT_DEVICE, r->device);
        wr32(p + IT_COUNTER, r->counter);
        wr64(p + IT_RX_TIME, r->rx.rx_time_ms);
        wr32(p + IT_FREQ, r->rx.freq_hz);
        wr16(p + IT_RSSI, (uint16_t)r->rx.rssi_dBm);
        p[IT_SNR] = (uint8_t)r->rx.snr_qdB;
        p[IT_SF] = r->rx.sf;
        wr16(p + IT_BW, r->rx.bw_kHz);
        wr16(p + IT_STATION, r->rx.station);
        p[IT_RECORD_LEN] = r->record_len;
        memcpy(p + IT_RECORD, r->record, r->record_len);
        p[IT_RECORD + r->record_len] = r->frame_len;
        memcpy(p + IT_RECORD + r->record_len + 1, r->frame, r->frame_len);
        pos += UPSTREAM_ITEM_FIXED_LEN + r->record_len + r->frame_len;
    }
    *len = pos;
    return PROTO_OK;
}

int upstream_batch_decode(const uint8_t *in, size_t len, struct spool_row *rows, size_t cap,
                          size_t *n)
{
    size_t i, count, pos = UPSTREAM_HDR_LEN, fixed;
    *n = 0;
    if (len < 1)
        return PROTO_ERR_TRUNCATED;
    if (in[0] != UPSTREAM_VERSION && in[0] != UPSTREAM_VERSION_NO_FRAME)
        return PROTO_ERR_BAD_VERSION;
    fixed = in[0] == UPSTREAM_VERSION ? UPSTREAM_ITEM_FIXED_LEN : UPSTREAM_ITEM_V1_FIXED_LEN;
    if (len < UPSTREAM_HDR_LEN)
        return PROTO_ERR_TRUNCATED;
    if (in[1] != UPSTREAM_BATCH)
        return PROTO_ERR_BAD_TYPE;
    count = rd16(in + 2);
    if (count == 0 || count > UPSTREAM_BATCH_MAX)
        return PROTO_ERR_OUT_OF_RANGE;
    if (count > cap)
        return PROTO_ERR_BUFFER;
    for (i = 0; i < count; i++) {
        struct spool_row *r = &rows[i];
        const uint8_t *p = in + pos;
        int rc;
        if (len - pos < fixed)
            return PROTO_ERR_TRUNCATED;
        memset(r, 0, sizeof *r);
        r->id = rd64(p + IT_ROW_ID);
        r->device = rd32(p + IT_DEVICE);
        r->counter = rd32(p + IT_COUNTER);
        r->rx.rx_time_ms = rd64(p + IT_RX_TIME);
        r->rx.freq_hz = rd32(p + IT_FREQ);
        r->rx.rssi_dBm = (int16_t)rd16(p + IT_RSSI);
        r->rx.snr_qdB = (int8_t)p[IT_SNR];
        r->rx.sf = p[IT_SF];
        r->rx.bw_kHz = rd16(p + IT_BW);
        r->rx.station = rd16(p + IT_STATION);
        r->record_len = p[IT_RECORD_LEN];
        if ((rc = upstream_item_check(r)) != PROTO_OK)
            return rc;
        if (len - pos - fixed < r->record_len)
            return PROTO_ERR_TRUNCATED;
        memcpy(r->record, p + IT_RECORD, r->record_len);
        if (fixed == UPSTREAM_ITEM_FIXED_LEN) {
            r->frame_len = p[IT_RECORD + r->record_len];
            if ((rc = upstream_item_check(r)) != PROTO_OK)
                return rc;
            if (len - pos - fixed - r->record_len < r->frame_len)
                return PROTO_ERR_TRUNCATED;
            memcpy(r->frame, p + IT_RECORD + r->record_len + 1, r->frame_len);
        }
        pos += fixed + r->record_len + r->frame_len;
    }
    if (pos != len)
        return PROTO_ERR_TOO_LONG;
    *n = count;
    return PROTO_OK;
}

static size_t upstream_reply_hdr_len(uint8_t type)
{
    return type == UPSTREAM_REFUSED ? UPSTREAM_REFUSED_HDR_LEN : UPSTREAM_HDR_LEN;
}

int upstream_reply_encode(const struct upstream_reply *r, uint8_t *out, size_t cap, size_t *len)
{
    size_t i, hdr, need;
    if (r->type != UPSTREAM_ACK && r->type != UPSTREAM_REFUSED)
        return PROTO_ERR_BAD_TYPE;
    if (r->count > UPSTREAM_BATCH_MAX || (r->type == UPSTREAM_ACK && r->count == 0))
        return PROTO_ERR_OUT_OF_RANGE;
    if (r->type == UPSTREAM_REFUSED &&
        (r->reason == 0 || r->reason >= UPSTREAM_REFUSED_COUNT))
        return PROTO_ERR_OUT_OF_RANGE;
    hdr = upstream_reply_hdr_len(r->type);
    need = hdr + (size_t)r->count * UPSTREAM_ID_LEN;
    if (need > cap)
        return PROTO_ERR_BUFFER;
    out[0] = UPSTREAM_REPLY_VERSION;
    out[1] = r->type;
    wr16(out + 2, r->count);
    if (r->type == UPSTREAM_REFUSED) {
        out[4] = r->reason;
        out[5] = 0; /* reserved */
    }
    for (i = 0; i < r->count; i++) {
        if (r->ids[i] == 0)
            return PROTO_ERR_OUT_OF_RANGE;
        wr64(out + hdr + i * UPSTREAM_ID_LEN, r->ids[i]);
    }
    *len = need;
    return PROTO_OK;
}

int upstream_reply_decode(const uint8_t *in, size_t len, struct upstream_reply *r)
{
    size_t i, hdr, need;
    memset(r, 0, sizeof *r);
    if (len < 1)
        return PROTO_ERR_TRUNCATED;
    if (in[0] != UPSTREAM_REPLY_VERSION)
        return PROTO_ERR_BAD_VERSION;
    if (len < UPSTREAM_HDR_LEN)
        return PROTO_ERR_TRUNCATED;
    if (in[1] != UPSTREAM_ACK && in[1] != UPSTREAM_REFUSED)
        return PROTO_ERR_BAD_TYPE;
    hdr = upstream_reply_hdr_len(in[1]);
    if (len < hdr)
        return PROTO_ERR_TRUNCATED; /* a REFUSED without reason and reserved bytes */
    r->type = in[1];
    r->count = rd16(in + 2);
    if (r->count > UPSTREAM_BATCH_MAX || (r->type == UPSTREAM_ACK && r->count == 0))
        return PROTO_ERR_OUT_OF_RANGE;
    need = hdr + (size_t)r->count * UPSTREAM_ID_LEN;
    if (len < need)
        return PROTO_ERR_TRUNCATED;
    if (len > need)
        return PROTO_ERR_TOO_LONG;
    if (r->type == UPSTREAM_REFUSED) {
        r->reason = in[4];
        if (in[5] != 0)
            return PROTO_ERR_RESERVED;
        if (r->reason == 0 || r->reason >= UPSTREAM_REFUSED_COUNT)
            return PROTO_ERR_OUT_OF_RANGE;
    }
    for (i = 0; i < r->count; i++) {
        r->ids[i] = rd64(in + hdr + i * UPSTREAM_ID_LEN);
        if (r->ids[i] == 0)
            return PROTO_ERR_OUT_OF_RANGE;
    }
    return PROTO_OK;
}

const char *upstream_refusal_name(int reason)
{
    switch (reason) {
    case UPSTREAM_REFUSED_STORAGE_FULL: return "storage_full";
    case UPSTREAM_REFUSED_STORAGE_ERROR: return "storage_error";
    case UPSTREAM_REFUSED_MALFORMED: return "malformed";
    case UPSTREAM_REFUSED_UNKNOWN_DEVICE: return "unknown_device";
    default: return "unknown";
    }
}

/* ---- errors --------------------------------------------------------------- */

const char *upstream_errname(int err)
{
    switch (err) {
    case UPSTREAM_OK: return "ok";
    case UPSTREAM_ERR_CONFIG: return "config";
    case UPSTREAM_ERR_KEY: return "key";
    case UPSTREAM_ERR_KEY_MODE: return "key_mode";
    case UPSTREAM_ERR_ZMQ: return "zmq";
    case UPSTREAM_ERR_SPOOL: return "spool";
    default: return proto_errname(err);
    }
}

const char *upstream_strerror(int err)
{
    switch (err) {
    case UPSTREAM_OK: return "success";
    case UPSTREAM_ERR_CONFIG: return "upstream link misconfigured";
    case UPSTREAM_ERR_KEY: return "CURVE key file missing or malformed";
    case UPSTREAM_ERR_KEY_MODE: return "secret key file is readable by other users";
    case UPSTREAM_ERR_ZMQ: return "ZeroMQ error";
    case UPSTREAM_ERR_SPOOL: return "spool error";
    default: return proto_strerror(err);
    }
}

const char *upstream_event_name(int ev)
{
    switch (ev) {
    case UPSTREAM_EV_CONNECTED: return "upstream_connected";
    case UPSTREAM_EV_DISCONNECTED: return "upstream_disconnected";
    case UPSTREAM_EV_AUTH_FAILED: return "upstream_auth_failed";
    case UPSTREAM_EV_HANDSHAKE_FAILED: return "upstream_handshake_failed";
    case UPSTREAM_EV_REFUSED: return "upstream_refused";
    case UPSTREAM_EV_ACK_TIMEOUT: return "upstream_ack_timeout";
    case UPSTREAM_EV_BAD_REPLY: return "upstream_bad_reply";
    case UPSTREAM_EV_SPOOL_ERROR: return "upstream_spool_error";
    case UPSTREAM_EV_FAILOVER: return "upstream_failover";
    default: return "upstream_unknown";
    }
}


/* ---- 2. key files ------------------------------------------------------- */

/* The key file format (docs/upstream.md §5):
 *   # comment lines
 *   public-key = <40 Z85 characters>
 *   secret-key = <40 Z85 characters>      (.key files only) */
#define KEY_FILE_MAX 4096

static const char z85_alphabet[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

void upstream_wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n--)
        *v++ = 0;
}

int upstream_key_valid(const char *s)
{
    size_t i;
    for (i = 0; i < UPSTREAM_Z85_LEN; i++)
        if (!s[i] || !strchr(z85_alphabet, s[i]))
            return 0;
    return s[UPSTREAM_Z85_LEN] == 0;
}

/* Find "name = value" at the start of a line; copy a valid key to out. */
static int key_field(const char *text, const char *name, char out[UPSTREAM_Z85_LEN + 1])
{
    size_t nl = strlen(name);
    const char *line = text;
    while (line && *line) {
        const char *next = strchr(line, '\n');
        size_t ll = next ? (size_t)(next - line) : strlen(line);
        if (ll > nl && strncmp(line, name, nl) == 0) {
            const char *p = line + nl, *end = line + ll;
            while (p < end && (*p == ' ' || *p == '\t'))
                p++;
            if (p < end && *p == '=') {
                p++;
                while (p < end && (*p == ' ' || *p == '\t'))
                    p++;
                while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
                    end--;
                if (end - p == UPSTREAM_Z85_LEN) {
                    memcpy(out, p, UPSTREAM_Z85_LEN);
                    out[UPSTREAM_Z85_LEN] = 0;
                    if (upstream_key_valid(out))
                        return 0;
                }
                upstream_wipe(out, UPSTREAM_Z85_LEN + 1);
                return -1;
            }
        }
        line = next ? next + 1 : NULL;
    }
    return -1;
}

/* Read a whole small file; with secret set, refuse unless only the owner
 * may read or write it (checked on the open descriptor, not the path). */
static int key_read(const char *path, int secret, char *buf, size_t cap, char *err, size_t errlen)
{
    struct stat st;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        errbuf_say(err, errlen, "cannot open key file %s: %s", path, strerror(errno));
        return UPSTREAM_ERR_KEY;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        errbuf_say(err, errlen, "key file %s is not a regular file", path);
        close(fd);
        return UPSTREAM_ERR_KEY;
    }
    if (secret && (st.st_mode & 077) != 0) {
        errbuf_say(err, errlen,
            "secret key file %s has mode %04o: group or others may access it; "
            "refusing to use it (chmod 600 %s, and consider the key compromised)",
            path, (unsigned)(st.st_mode & 07777), path);
        close(fd);
        return UPSTREAM_ERR_KEY_MODE;
    }
    while (got + 1 < cap) {
        ssize_t r = read(fd, buf + got, cap - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            errbuf_say(err, errlen, "cannot read key file %s: %s", path, strerror(errno));
            close(fd);
            upstream_wipe(buf, cap);
            return UPSTREAM_ERR_KEY;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = 0;
    return UPSTREAM_OK;
}

int upstream_key_load(const char *path, char public_z85[UPSTREAM_Z85_LEN + 1],
                      char secret_z85[UPSTREAM_Z85_LEN + 1], char *err, size_t errlen)
{
    char buf[KEY_FILE_MAX], derived[UPSTREAM_Z85_LEN + 1];
    int rc = key_read(path, 1, buf, sizeof buf, err, errlen);
    if (rc)
        return rc;
    rc = UPSTREAM_OK;
    if (key_field(buf, "public-key", public_z85) != 0 ||
        key_field(buf, "secret-key", secret_z85) != 0) {
        errbuf_say(err, errlen, "key file %s lacks a valid public-key or secret-key line", path);
        rc = UPSTREAM_ERR_KEY;
    } else if (zmq_curve_public(derived, secret_z85) != 0 ||
               strcmp(derived, public_z85) != 0) {
        errbuf_say(err, errlen, "key file %s: its public key does not belong to its secret key", path);
        rc = UPSTREAM_ERR_KEY;
    }
    upstream_wipe(buf, sizeof buf);
    if (rc)
        upstream_wipe(secret_z85, UPSTREAM_Z85_LEN + 1);
    return rc;
}

int upstream_key_load_public(const char *path, char public_z85[UPSTREAM_Z85_LEN + 1],
                             char *err, size_t errlen)
{
    char buf[KEY_FILE_MAX];
    int rc = key_read(path, 0, buf, sizeof buf, err, errlen);
    if (rc)
        return rc;
    if (key_field(buf, "public-key", public_z85) != 0) {
        errbuf_say(err, errlen, "key file %s lacks a valid public-key line", path);
        rc = UPSTREAM_ERR_KEY;
    }
    upstream_wipe(buf, sizeof buf); /* it may have been a .key file */
    return rc;
}

static int key_write(const char *path, mode_t mode, const char *text, char *err, size_t errlen)
{
    size_t len = strlen(text), done = 0;
    /* O_EXCL: a key is never silently replaced; O_NOFOLLOW: nor written
     * through a symlink someone planted. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        errbuf_say(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return UPSTREAM_ERR_KEY;
    }
    /* the umask may only have narrowed it, but be explicit */
    if (fchmod(fd, mode) != 0)
        goto fail;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            goto fail;
        done += (size_t)w;
    }
    if (fsync(fd) != 0)
        goto fail;
    close(fd);
    return UPSTREAM_OK;
fail:
    errbuf_say(err, errlen, "cannot write %s: %s", path, strerror(errno));
    close(fd);
    unlink(path);
    return UPSTREAM_ERR_KEY;
}

int upstream_key_generate(const char *base, char public_z85[UPSTREAM_Z85_LEN + 1],
                          char *err, size_t errlen)
{
    char secret[UPSTREAM_Z85_LEN + 1], path[4096], text[512];
    int rc;
    if (zmq_curve_keypair(public_z85, secret) != 0) {
        errbuf_say(err, errlen, "cannot generate a CURVE key pair: %s (libzmq without CURVE?)",
            zmq_strerror(zmq_errno()));
        return UPSTREAM_ERR_KEY;
    }
    if ((size_t)snprintf(path, sizeof path, "%s.key", base) >= sizeof path) {
        errbuf_say(err, errlen, "key file name too long");
        upstream_wipe(secret, sizeof secret);
        return UPSTREAM_ERR_CONFIG;
    }
    snprintf(text, sizeof text,
             "# lofte CURVE key pair. SECRET: keep mode 0600, never copy it off this host.\n"
             "public-key = %s\n"
             "secret-key = %s\n", public_z85, secret);
    rc = key_write(path, 0600, text, err, errlen);
    upstream_wipe(text, sizeof text);
    upstream_wipe(secret, sizeof secret);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "%s.pub", base);
    snprintf(text, sizeof text, "# lofte CURVE public key: give it to the other end.\n"
                                "public-key = %s\n", public_z85);
    rc = key_write(path, 0644, text, err, errlen);
    if (rc) {
        snprintf(path, sizeof path, "%s.key", base);
        unlink(path); /* no half-made pair */
    }
    return rc;
}

/* ---- 3. the link ------------------------------------------------------- */

#define UPSTREAM_MONITOR_ENDPOINT "inproc://lofte-upstream-monitor"
/* Acknowledged ids gathered before one delete (four full ACKs). */
#define UPSTREAM_DELIVER_MAX (4 * UPSTREAM_BATCH_MAX)
#define UPSTREAM_ENDPOINTS_MAX 8

struct upstream {
    void *ctx, *sock, *mon;
    struct spool *spool;
    const char *endpoint;       /* eps[cur]: the one connected to */
    char *eps[UPSTREAM_ENDPOINTS_MAX];
    size_t neps, cur;
    int64_t good_ms;            /* last time the collector answered (or had nothing to) */
    int ack_timeout_ms, batch_max, inflight_max, failover_ms;
    upstream_event_fn on_event;
    void *event_ctx;
    struct upstream_stats stats;
    size_t inflight;            /* rows sent on this connection, not yet acked */
    uint64_t seen_generation;   /* spool_generation at our last look */
    int64_t next_look_ms;       /* when rows may next come due by timeout */
    int dirty;                  /* something changed: look at the spool now */
    struct spool_row rows[UPSTREAM_BATCH_MAX];
    uint64_t ids[UPSTREAM_BATCH_MAX];
    /* Row ids the collector acknowledged, deleted together once the
     * replies waiting now are read: one transaction for them all. */
    uint64_t delivered[UPSTREAM_DELIVER_MAX];
    size_t ndelivered;
    uint8_t buf[UPSTREAM_BATCH_MAX_LEN];
    struct upstream_reply reply;
};

/* Link timing runs on the monotonic clock: a stepped wall clock must not
 * make every row look overdue, or none. */
static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void upstream_emit(struct upstream *u, int ev, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    if (!u->on_event)
        return;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    u->on_event(u->event_ctx, ev, detail);
}

static int set_int(void *s, int opt, int v)
{
    return zmq_setsockopt(s, opt, &v, sizeof v);
}

/* "tcp://a:7710, tcp://b:7710" -> eps[] (spaces around commas allowed). */
static int upstream_split_endpoints(struct upstream *u, const char *list, char *err,
                                    size_t errlen)
{
    const char *p = list;
    while (*p) {
        size_t n;
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        n = strcspn(p, ", \t");
        if (!n)
            break;
        if (u->neps == UPSTREAM_ENDPOINTS_MAX) {
            errbuf_say(err, errlen, "upstream: more than %d collector endpoints",
                       UPSTREAM_ENDPOINTS_MAX);
            return -1;
        }
        if (!(u->eps[u->neps] = strndup(p, n))) {
            errbuf_say(err, errlen, "upstream: out of memory");
            return -1;
        }
        u->neps++;
        p += n;
    }
    return u->neps ? 0 : -1;
}

int upstream_open(struct upstream **out, const struct upstream_config *cfg, struct spool *spool,
                  char *err, size_t errlen)
{
    char pub[UPSTREAM_Z85_LEN + 1], sec[UPSTREAM_Z85_LEN + 1];
    struct upstream *u;
    int rc;
    int64_t maxmsg = UPSTREAM_REPLY_MAX_LEN + UPSTREAM_CURVE_MARGIN; /* an int64 option */

    *out = NULL;
    if (!cfg->endpoint || !cfg->key_file || !cfg->collector_key) {
        errbuf_say(err, errlen, "upstream: endpoint, key file and collector key are all required");
        return UPSTREAM_ERR_CONFIG;
    }
    if (!upstream_key_valid(cfg->collector_key)) {
        errbuf_say(err, errlen, "upstream: the collector key is not 40 characters of Z85");
        return UPSTREAM_ERR_CONFIG;
    }
    if (cfg->batch_max < 0 || cfg->batch_max > UPSTREAM_BATCH_MAX || cfg->ack_timeout_ms < 0 ||
        cfg->inflight_max < 0) {
        errbuf_say(err, errlen, "upstream: batch_max must be 1..%d, timeouts and limits positive",
            UPSTREAM_BATCH_MAX);
        return UPSTREAM_ERR_CONFIG;
    }
    if (cfg->failover_ms < 0) {
        errbuf_say(err, errlen, "upstream: failover_ms must be positive");
        return UPSTREAM_ERR_CONFIG;
    }
    rc = upstream_key_load(cfg->key_file, pub, sec, err, errlen);
    if (rc)
        return rc;
    u = calloc(1, sizeof *u);
    if (!u || upstream_split_endpoints(u, cfg->endpoint, err, errlen) != 0) {
        if (u && !u->neps)
            errbuf_say(err, errlen, "upstream: no collector endpoint in '%s'", cfg->endpoint);
        upstream_close(u);
        upstream_wipe(sec, sizeof sec);
        return UPSTREAM_ERR_CONFIG;
    }
    u->endpoint = u->eps[0];
    u->failover_ms = cfg->failover_ms ? cfg->failover_ms : 10000;
    u->good_ms = mono_ms();
    u->spool = spool;
    u->ack_timeout_ms = cfg->ack_timeout_ms ? cfg->ack_timeout_ms : 3000;
    u->batch_max = cfg->batch_max ? cfg->batch_max : 64;
    u->inflight_max = cfg->inflight_max ? cfg->inflight_max : 1024;
    u->on_event = cfg->on_event;
    u->event_ctx = cfg->event_ctx;
    u->dirty = 1;

    u->ctx = zmq_ctx_new();
    u->sock = u->ctx ? zmq_socket(u->ctx, ZMQ_DEALER) : NULL;
    rc = u->sock ? 0 : -1;
    /* LINGER 0: the spool holds everything; never hang on exit.
     * IMMEDIATE: queue only to a live connection, so rows are not parked
     * in a pipe while the collector is away (they stay due in the spool).
     * Heartbeats: notice a dead collector behind a silent network in
     * seconds, not at the next TCP timeout. */
    if (!rc) rc = set_int(u->sock, ZMQ_LINGER, 0);
    if (!rc) rc = set_int(u->sock, ZMQ_IMMEDIATE, 1);
    if (!rc) rc = set_int(u->sock, ZMQ_SNDHWM, 16);
    if (!rc) rc = set_int(u->sock, ZMQ_RECONNECT_IVL, 200);
    if (!rc) rc = set_int(u->sock, ZMQ_RECONNECT_IVL_MAX, 5000);
    if (!rc) rc = set_int(u->sock, ZMQ_HEARTBEAT_IVL, 2000);
    if (!rc) rc = set_int(u->sock, ZMQ_HEARTBEAT_TIMEOUT, 6000);
    if (!rc) rc = zmq_setsockopt(u->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (!rc) rc = zmq_setsockopt(u->sock, ZMQ_CURVE_SERVERKEY, cfg->collector_key, UPSTREAM_Z85_LEN);
    if (!rc) rc = zmq_setsockopt(u->sock, ZMQ_CURVE_PUBLICKEY, pub, UPSTREAM_Z85_LEN);
    if (!rc) rc = zmq_setsockopt(u->sock, ZMQ_CURVE_SECRETKEY, sec, UPSTREAM_Z85_LEN);
    upstream_wipe(sec, sizeof sec);
    /* The monitor must be listening before we connect, or the first
     * handshake's event is lost and we would never send. */
    if (!rc) rc = zmq_socket_monitor(u->sock, UPSTREAM_MONITOR_ENDPOINT,
                                     ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
                                     ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                                     ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                                     ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
    if (!rc) {
        u->mon = zmq_socket(u->ctx, ZMQ_PAIR);
        rc = u->mon ? 0 : -1;
    }
    if (!rc) rc = set_int(u->mon, ZMQ_LINGER, 0);
    if (!rc) rc = zmq_connect(u->mon, UPSTREAM_MONITOR_ENDPOINT);
    if (!rc) rc = zmq_connect(u->sock, u->endpoint);
    if (rc) {
        errbuf_say(err, errlen, "upstream: cannot set up the link to %s: %s", u->endpoint,
            zmq_strerror(zmq_errno()));
        upstream_close(u);
        return UPSTREAM_ERR_ZMQ;
    }
    *out = u;
    return UPSTREAM_OK;
}

void upstream_close(struct upstream *u)
{
    size_t i;
    if (!u)
        return;
    if (u->sock)
        zmq_socket_monitor(u->sock, NULL, 0);
    if (u->mon)
        zmq_close(u->mon);
    if (u->sock)
        zmq_close(u->sock);
    if (u->ctx)
        zmq_ctx_term(u->ctx);
    for (i = 0; i < u->neps; i++)
        free(u->eps[i]);
    free(u);
}

const struct upstream_stats *upstream_stats(const struct upstream *u)
{
    return &u->stats;
}

const char *upstream_endpoint(const struct upstream *u)
{
    return u->endpoint;
}

/* Failover (several endpoints). The collector "answers" while the link is
 * connected and either has nothing in flight or receives ACKs; a REFUSED
 * is no answer (that collector cannot store: another one may). After
 * failover_ms without an answer, disconnect, connect to the next endpoint,
 * and make everything unacknowledged due again: the collectors share one
 * idempotent store, so what the old one did commit is a duplicate there. */
static void upstream_failover(struct upstream *u)
{
    int64_t now = mono_ms();
    const char *old = u->endpoint;
    size_t next;
    if (u->neps < 2)
        return;
    if (u->stats.connected && u->inflight == 0) {
        u->good_ms = now;
        return;
    }
    if (now - u->good_ms < u->failover_ms)
        return;
    next = (u->cur + 1) % u->neps;
    zmq_disconnect(u->sock, old);
    if (zmq_connect(u->sock, u->eps[next]) != 0) {
        upstream_emit(u, UPSTREAM_EV_FAILOVER, "cannot connect to %s: %s; trying %s again",
                      u->eps[next], zmq_strerror(zmq_errno()), old);
        zmq_connect(u->sock, old);
        u->good_ms = now;
        return;
    }
    u->cur = next;
    u->endpoint = u->eps[next];
    u->stats.endpoint_index = (unsigned)next;
    u->stats.failovers++;
    u->stats.connected = 0;
    spool_forget_sent(u->spool);
    u->inflight = 0;
    u->dirty = 1;
    u->good_ms = now;
    upstream_emit(u, UPSTREAM_EV_FAILOVER,
                  "the collector at %s did not answer for %d ms; moving to %s, resending "
                  "what it did not acknowledge", old, u->failover_ms, u->endpoint);
}

/* Drain the socket monitor: connection state and handshake failures. */
static void upstream_monitor(struct upstream *u)
{
    for (;;) {
        zmq_msg_t m;
        uint16_t ev = 0;
        uint32_t value = 0;
        int more;
        size_t ms = sizeof more;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, u->mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            return;
        }
        /* frame 1: event u16 + value u32, in the host's order (a libzmq
         * in-process message, not a wire format); frame 2: the endpoint */
        if (zmq_msg_size(&m) >= 6) {
            const uint8_t *p = zmq_msg_data(&m);
            memcpy(&ev, p, sizeof ev);
            memcpy(&value, p + 2, sizeof value);
        }
        zmq_getsockopt(u->mon, ZMQ_RCVMORE, &more, &ms);
        zmq_msg_close(&m);
        {
            char where[256] = "";
            size_t i;
            while (more) {
                zmq_msg_init(&m);
                if (zmq_msg_recv(&m, u->mon, 0) < 0) {
                    more = 0;
                } else {
                    if (!where[0] && zmq_msg_size(&m) < sizeof where) {
                        memcpy(where, zmq_msg_data(&m), zmq_msg_size(&m));
                        where[zmq_msg_size(&m)] = 0;
                    }
                    zmq_getsockopt(u->mon, ZMQ_RCVMORE, &more, &ms);
                }
                zmq_msg_close(&m);
            }
            /* a late event of the endpoint the link failed over from */
            for (i = 0; i < u->neps; i++)
                if (i != u->cur && strcmp(where, u->eps[i]) == 0)
                    ev = 0;
        }
        switch (ev) {
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
            /* Whatever we sent before may have died with the old
             * connection: all of it is due again now. */
            spool_forget_sent(u->spool);
            u->inflight = 0;
            u->dirty = 1;
            u->stats.connected = 1;
            u->stats.connects++;
            u->good_ms = mono_ms();
            upstream_emit(u, UPSTREAM_EV_CONNECTED, "connected to the collector at %s",
                          u->endpoint);
            break;
        case ZMQ_EVENT_DISCONNECTED:
            if (u->stats.connected)
                upstream_emit(u, UPSTREAM_EV_DISCONNECTED,
                              "lost the collector at %s; reconnecting, records stay spooled",
                              u->endpoint);
            u->stats.connected = 0;
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
            u->stats.auth_failures++;
            upstream_emit(u, UPSTREAM_EV_AUTH_FAILED,
                          "the collector at %s refused this gateway's key (ZAP status %u): "
                          "is its public key in the collector's allowed-gateways file?",
                          u->endpoint, (unsigned)value);
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
            upstream_emit(u, UPSTREAM_EV_HANDSHAKE_FAILED,
                          "CURVE handshake with %s failed: wrong collector public key, "
                          "or not a lofte collector", u->endpoint);
            break;
        default:
            break;
        }
    }
}

/* Delete the acknowledged rows gathered so far, in one transaction. */
static void upstream_flush_delivered(struct upstream *u)
{
    char err[256];
    size_t deleted = 0;
    int rc;
    if (!u->ndelivered)
        return;
    rc = spool_mark_delivered(u->spool, u->delivered, u->ndelivered, &deleted, err, sizeof err);
    u->ndelivered = 0;
    if (rc != SPOOL_OK) {
        /* The rows stay and are sent again: a duplicate, never a loss. */
        upstream_emit(u, UPSTREAM_EV_SPOOL_ERROR, "%s", err);
        return;
    }
    u->stats.rows_delivered += deleted;
    u->inflight = deleted < u->inflight ? u->inflight - deleted : 0;
    u->dirty = 1;
}

static void upstream_handle_reply(struct upstream *u, const uint8_t *p, size_t n)
{
    struct upstream_reply *r = &u->reply;
    int rc = upstream_reply_decode(p, n, r);
    if (rc != PROTO_OK) {
        u->stats.bad_replies++;
        upstream_emit(u, UPSTREAM_EV_BAD_REPLY, "a %zu-byte reply from the collector is %s",
                      n, proto_errname(rc));
        return;
    }
    if (r->type == UPSTREAM_REFUSED) {
        u->stats.refusals[r->reason]++;
        /* Nothing to do but wait: the rows stay spooled and come due again
         * after the ack timeout. */
        upstream_emit(u, UPSTREAM_EV_REFUSED, "the collector refused %u rows: %s",
                      (unsigned)r->count, upstream_refusal_name(r->reason));
        return;
    }
    u->stats.acks++;
    if (u->ndelivered + r->count > UPSTREAM_DELIVER_MAX)
        upstream_flush_delivered(u);
    memcpy(u->delivered + u->ndelivered, r->ids, r->count * sizeof r->ids[0]);
    u->ndelivered += r->count;
    u->good_ms = mono_ms(); /* an answer: no failover (upstream_failover) */
}

static void upstream_drain_replies(struct upstream *u)
{
    for (;;) {
        zmq_msg_t m;
        int more = 0;
        size_t ms = sizeof more;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, u->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            break;
        }
        zmq_getsockopt(u->sock, ZMQ_RCVMORE, &more, &ms);
        if (!more) {
            upstream_handle_reply(u, zmq_msg_data(&m), zmq_msg_size(&m));
        } else {
            /* our replies are one frame: drop the whole multipart message */
            u->stats.bad_replies++;
            while (more) {
                zmq_msg_close(&m);
                zmq_msg_init(&m);
                if (zmq_msg_recv(&m, u->sock, 0) < 0)
                    break;
                zmq_getsockopt(u->sock, ZMQ_RCVMORE, &more, &ms);
            }
        }
        zmq_msg_close(&m);
    }
    upstream_flush_delivered(u);
}

/* Send due rows while the window allows. */
static int upstream_send_due(struct upstream *u, char *err, size_t errlen)
{
    while (u->stats.connected && u->inflight < (size_t)u->inflight_max) {
        int64_t now = mono_ms();
        size_t n = 0, i, len, resent = 0, room = (size_t)u->inflight_max - u->inflight;
        int rc;
        if (!u->dirty && spool_generation(u->spool) == u->seen_generation && now < u->next_look_ms)
            return UPSTREAM_OK;
        u->seen_generation = spool_generation(u->spool);
        u->dirty = 0;
        rc = spool_unsent(u->spool, now, u->ack_timeout_ms, u->rows,
                          room < (size_t)u->batch_max ? room : (size_t)u->batch_max, &n,
                          err, errlen);
        if (rc != SPOOL_OK) {
            upstream_emit(u, UPSTREAM_EV_SPOOL_ERROR, "%s", err ? err : spool_strerror(rc));
            return UPSTREAM_ERR_SPOOL;
        }
        if (n == 0) {
            /* nothing due; the oldest in-flight row may come due later */
            u->next_look_ms = now + u->ack_timeout_ms / 4 + 1;
            return UPSTREAM_OK;
        }
        rc = upstream_batch_encode(u->rows, n, u->buf, sizeof u->buf, &len);
        if (rc != PROTO_OK) {
            /* spool_put refuses rows like this; reaching here is a bug */
            errbuf_say(err, errlen, "upstream: cannot encode a batch: %s", proto_strerror(rc));
            upstream_emit(u, UPSTREAM_EV_SPOOL_ERROR, "cannot encode a batch: %s",
                          proto_strerror(rc));
            return rc;
        }
        if (zmq_send(u->sock, u->buf, len, ZMQ_DONTWAIT) < 0) {
            /* no live connection or the pipe is full: the rows stay due */
            u->dirty = 1;
            return UPSTREAM_OK;
        }
        for (i = 0; i < n; i++) {
            u->ids[i] = u->rows[i].id;
            resent += u->rows[i].was_sent;
        }
        rc = spool_mark_sent(u->spool, u->ids, n, now, err, errlen);
        if (rc != SPOOL_OK) {
            upstream_emit(u, UPSTREAM_EV_SPOOL_ERROR, "%s", err ? err : spool_strerror(rc));
            return UPSTREAM_ERR_SPOOL;
        }
        if (resent)
            upstream_emit(u, UPSTREAM_EV_ACK_TIMEOUT,
                          "resending %zu rows the collector did not acknowledge within %d ms",
                          resent, u->ack_timeout_ms);
        u->stats.batches_sent++;
        u->stats.rows_sent += n;
        u->stats.rows_resent += resent;
        u->inflight += n - resent; /* a resent row was already counted */
        u->dirty = 1;              /* there may be more due */
    }
    return UPSTREAM_OK;
}

int upstream_service(struct upstream *u, const int *fds, int *ready, size_t nfds, int timeout_ms,
                     char *err, size_t errlen)
{
    zmq_pollitem_t items[2 + 16];
    size_t i;
    int rc;
    if (nfds > 16) {
        errbuf_say(err, errlen, "upstream: at most 16 file descriptors per wait");
        return UPSTREAM_ERR_CONFIG;
    }
    /* Replies and monitor events are read when the poll below reports
     * them (zmq_poll looks at what is queued before it waits), not on every
     * call: each empty receive costs libzmq a poll and a getpid. */
    upstream_failover(u);
    if ((rc = upstream_send_due(u, err, errlen)) != UPSTREAM_OK)
        return rc;
    /* With rows in flight, wake in time to resend them. */
    if (u->inflight && (timeout_ms < 0 || timeout_ms > u->ack_timeout_ms / 4 + 1))
        timeout_ms = u->ack_timeout_ms / 4 + 1;
    /* and, with somewhere to fail over to, in time to do so */
    if (u->neps > 1 && (timeout_ms < 0 || timeout_ms > u->failover_ms / 4 + 1))
        timeout_ms = u->failover_ms / 4 + 1;
    memset(items, 0, sizeof items);
    items[0].socket = u->sock;
    items[0].events = ZMQ_POLLIN;
    items[1].socket = u->mon;
    items[1].events = ZMQ_POLLIN;
    for (i = 0; i < nfds; i++) {
        items[2 + i].fd = fds[i];
        items[2 + i].events = ZMQ_POLLIN;
    }
    rc = zmq_poll(items, (int)(2 + nfds), timeout_ms);
    if (rc < 0 && zmq_errno() != EINTR) {
        errbuf_say(err, errlen, "upstream: poll failed: %s", zmq_strerror(zmq_errno()));
        return UPSTREAM_ERR_ZMQ;
    }
    for (i = 0; i < nfds; i++)
        ready[i] = rc > 0 && (items[2 + i].revents & ZMQ_POLLIN) ? 1 : 0;
    if (rc > 0 && (items[0].revents || items[1].revents)) {
        upstream_monitor(u);
        upstream_drain_replies(u);
        return upstream_send_due(u, err, errlen);
    }
    return UPSTREAM_OK;
}
