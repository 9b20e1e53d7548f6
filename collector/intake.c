/* intake.c -- ROUTER socket, batches in, ACKs out (see intake.h).
 *
 * Design note. The order is the whole point of the module: decode, check,
 * store_put_checked into the group's transaction (intake_batch), then
 * store_commit, and only then the ACKs (intake_flush). Any failure before
 * the commit returns sends REFUSED for every batch of the group (or
 * nothing) and the gateways keep the rows. A crash between commit and ACK
 * means the gateways resend rows the store already has: they come back as
 * duplicates and are acknowledged again, stored once.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "clog.h"
#include "intake.h"
#include "proto_err.h"
#include "upstream.h"
#include "zap.h"
#include "notify.h"

/* Group commit (intake.h): at most this many batches, gathered for at
 * most INTAKE_GROUP_MS, and committed as soon as no batch arrived for
 * INTAKE_GROUP_IDLE_MS. Gateways keep up to 1024 rows (16 batches of 64)
 * on the wire, so one gateway's window fits a group; acks cannot leave
 * before the next whole second anyway (docs/protocol.md §3.1). */
#define INTAKE_GROUP_BATCHES 32
#define INTAKE_GROUP_MS 20
#define INTAKE_GROUP_IDLE_MS 2

/* A batch stored in the open group, waiting for its commit to be answered. */
struct intake_pending {
    zmq_msg_t id;                            /* the gateway's ROUTER identity */
    const struct zap_gateway *g;
    size_t nkept, nwithheld;
    uint64_t ids[UPSTREAM_BATCH_MAX];        /* kept rows: acked after the commit */
    uint64_t withheld[UPSTREAM_BATCH_MAX];   /* unknown device: refused */
    uint32_t device[UPSTREAM_BATCH_MAX], counter[UPSTREAM_BATCH_MAX];
    uint8_t outcome[UPSTREAM_BATCH_MAX];     /* enum store_outcome of kept row k */
};

struct intake {
    void *ctx, *router;
    struct zap *zap;
    struct zap_allowed allowed;
    struct keystore keys;        /* device keys; count 0 unless verify */
    int verify;
    int64_t *gateway_ids;        /* parallel to allowed.gw; 0 = not yet in the store */
    int64_t *last_batch_ms;      /* parallel to allowed.gw; 0 = none yet */
    int stopped;                 /* the last batch could not be stored */
    char stop_reason[640];       /* room for "database error: " and a 512-byte sentence */
    struct store *store;
    char endpoint[256];
    struct intake_stats stats;
    int full_logged;             /* the disk-full condition was announced */
    struct spool_row rows[UPSTREAM_BATCH_MAX];
    enum store_outcome outcomes[UPSTREAM_BATCH_MAX];
    const char *unverified[UPSTREAM_BATCH_MAX];  /* per row: why not verified, or NULL */
    struct spool_row kept[UPSTREAM_BATCH_MAX];   /* the rows handed to the store */
    const char *kept_unverified[UPSTREAM_BATCH_MAX];
    uint64_t withheld[UPSTREAM_BATCH_MAX];       /* row ids refused: unknown device */
    /* the group being gathered: batches stored in the open transaction
     * (txn_open) and not yet answered */
    struct intake_pending group[INTAKE_GROUP_BATCHES];
    size_t ngroup;
    int txn_open;
    int64_t last_unknown_log_ms;
    struct upstream_reply reply;
    uint8_t out[UPSTREAM_REPLY_MAX_LEN];
};

const char *intake_strerror(int err)
{
    switch (err) {
    case INTAKE_OK: return "success";
    case INTAKE_ERR_CONFIG: return "intake misconfigured";
    case INTAKE_ERR_KEY: return "collector secret key file missing or malformed";
    case INTAKE_ERR_KEY_MODE: return "collector secret key file is readable by others";
    case INTAKE_ERR_ALLOWED: return "allowed-gateways file unusable";
    case INTAKE_ERR_ZMQ: return "ZeroMQ error in the intake";
    case INTAKE_ERR_DEVICE_KEYS: return "device key file unusable";
    default: return "unknown intake error";
    }
}

static int set_int(void *s, int opt, int v)
{
    return zmq_setsockopt(s, opt, &v, sizeof v);
}

int intake_open(struct intake **out, const struct intake_config *cfg, struct store *st,
                char *err, size_t errlen)
{
    char pub[UPSTREAM_Z85_LEN + 1], sec[UPSTREAM_Z85_LEN + 1];
    const char *bind = cfg->bind ? cfg->bind : INTAKE_DEFAULT_BIND;
    /* an authenticated peer still may not flood us */
    int64_t maxmsg = UPSTREAM_BATCH_MAX_LEN + UPSTREAM_CURVE_MARGIN;
    struct intake *in;
    size_t elen;
    int rc;

    *out = NULL;
    if (!cfg->secret_key_file || !cfg->allowed_gateways_file) {
        snprintf(err, errlen, "intake: a secret key file and an allowed-gateways file are "
                 "required");
        return INTAKE_ERR_CONFIG;
    }
    rc = upstream_key_load(cfg->secret_key_file, pub, sec, err, errlen);
    if (rc == UPSTREAM_ERR_KEY_MODE)
        return INTAKE_ERR_KEY_MODE;
    if (rc)
        return INTAKE_ERR_KEY;
    in = calloc(1, sizeof *in);
    if (!in) {
        upstream_wipe(sec, sizeof sec);
        snprintf(err, errlen, "intake: out of memory");
        return INTAKE_ERR_CONFIG;
    }
    in->store = st;
    if (zap_allowed_load(cfg->allowed_gateways_file, &in->allowed, err, errlen) != ZAP_OK) {
        upstream_wipe(sec, sizeof sec);
        intake_close(in);
        return INTAKE_ERR_ALLOWED;
    }
    if (in->allowed.count == 0)
        clog_msg(CLOG_WARN, "intake: the allowed-gateways file %s lists no gateway: none can "
                 "connect until it does", cfg->allowed_gateways_file);
    in->verify = cfg->verify == 0 ? cfg->device_keys_file != NULL : cfg->verify > 0;
    if (in->verify && !cfg->device_keys_file) {
        upstream_wipe(sec, sizeof sec);
        snprintf(err, errlen, "intake: verifying device tags needs a device key file");
        intake_close(in);
        return INTAKE_ERR_DEVICE_KEYS;
    }
    if (in->verify && keystore_read(&in->keys, cfg->device_keys_file, err, errlen) != 0) {
        upstream_wipe(sec, sizeof sec);
        intake_close(in);
        return INTAKE_ERR_DEVICE_KEYS;
    }
    if (in->verify && in->keys.count == 0)
        clog_msg(CLOG_WARN, "intake: the device key file %s lists no device: every record "
                 "will be refused as unknown_device", cfg->device_keys_file);
    if (!in->verify)
        clog_msg(CLOG_WARN, "intake: device tags are NOT verified: every allowed gateway is "
                 "trusted with every record it sends (give --device-keys)");
    in->gateway_ids = calloc(in->allowed.count + 1, sizeof *in->gateway_ids);
    in->last_batch_ms = calloc(in->allowed.count + 1, sizeof *in->last_batch_ms);
    in->ctx = zmq_ctx_new();
    /* The ZAP handler first: without one, libzmq lets every CURVE client in. */
    if (!in->gateway_ids || !in->last_batch_ms || !in->ctx ||
        zap_open(&in->zap, in->ctx, &in->allowed, err, errlen) != ZAP_OK) {
        upstream_wipe(sec, sizeof sec);
        if (!in->gateway_ids || !in->last_batch_ms || !in->ctx)
            snprintf(err, errlen, "intake: cannot create a ZeroMQ context");
        intake_close(in);
        return INTAKE_ERR_ZMQ;
    }
    in->router = zmq_socket(in->ctx, ZMQ_ROUTER);
    rc = in->router ? 0 : -1;
    /* LINGER: give a last ACK half a second to leave on shutdown; a lost
     * one only costs a resend. MANDATORY: a reply to a vanished gateway
     * fails visibly (counted) instead of vanishing. */
    if (!rc) rc = set_int(in->router, ZMQ_LINGER, 500);
    if (!rc) rc = set_int(in->router, ZMQ_ROUTER_MANDATORY, 1);
    if (!rc) rc = set_int(in->router, ZMQ_HEARTBEAT_IVL, 2000);
    if (!rc) rc = set_int(in->router, ZMQ_HEARTBEAT_TIMEOUT, 6000);
    if (!rc) rc = zmq_setsockopt(in->router, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (!rc) rc = set_int(in->router, ZMQ_CURVE_SERVER, 1);
    if (!rc) rc = zmq_setsockopt(in->router, ZMQ_CURVE_SECRETKEY, sec, UPSTREAM_Z85_LEN);
    if (!rc) rc = zmq_setsockopt(in->router, ZMQ_CURVE_PUBLICKEY, pub, UPSTREAM_Z85_LEN);
    if (!rc) rc = zmq_setsockopt(in->router, ZMQ_ZAP_DOMAIN, "lofte", 5);
    upstream_wipe(sec, sizeof sec);
    if (!rc) rc = zmq_bind(in->router, bind);
    elen = sizeof in->endpoint;
    if (!rc) rc = zmq_getsockopt(in->router, ZMQ_LAST_ENDPOINT, in->endpoint, &elen);
    if (rc) {
        snprintf(err, errlen, "intake: cannot bind %s: %s", bind, zmq_strerror(zmq_errno()));
        intake_close(in);
        return INTAKE_ERR_ZMQ;
    }
    clog_msg(CLOG_INFO, "intake: listening on %s, public key %s, %zu allowed gateways, "
             "%zu device keys", in->endpoint, pub, in->allowed.count, in->keys.count);
    *out = in;
    return INTAKE_OK;
}

static void intake_group_clear(struct intake *in);

void intake_close(struct intake *in)
{
    if (!in)
        return;
    intake_group_clear(in);
    if (in->router)
        zmq_close(in->router);
    zap_close(in->zap);
    if (in->ctx)
        zmq_ctx_term(in->ctx);
    zap_allowed_free(&in->allowed);
    keystore_free(&in->keys);
    free(in->gateway_ids);
    free(in->last_batch_ms);
    free(in);
}

void intake_attach_store(struct intake *in, struct store *st)
{
    in->store = st;
}

int intake_verifies(const struct intake *in)
{
    return in->verify;
}

const char *intake_endpoint(const struct intake *in)
{
    return in->endpoint;
}

const struct intake_stats *intake_stats(const struct intake *in)
{
    return &in->stats;
}

int intake_reload_allowed(struct intake *in, const char *path, char *err, size_t errlen)
{
    struct zap_allowed fresh;
    int64_t *ids, *last;
    size_t i, k;
    memset(&fresh, 0, sizeof fresh);
    if (zap_allowed_load(path, &fresh, err, errlen) != ZAP_OK)
        return INTAKE_ERR_ALLOWED;
    ids = calloc(fresh.count + 1, sizeof *ids);
    last = calloc(fresh.count + 1, sizeof *last);
    if (!ids || !last) {
        free(ids);
        free(last);
        zap_allowed_free(&fresh);
        snprintf(err, errlen, "intake: out of memory reloading %s", path);
        return INTAKE_ERR_CONFIG;
    }
    /* a gateway listed before under the same name and key keeps its store
     * id and last batch time; any other is registered on its first batch */
    for (i = 0; i < fresh.count; i++)
        for (k = 0; k < in->allowed.count; k++)
            if (strcmp(fresh.gw[i].name, in->allowed.gw[k].name) == 0 &&
                memcmp(fresh.gw[i].key, in->allowed.gw[k].key, ZAP_KEY_LEN) == 0) {
                ids[i] = in->gateway_ids[k];
                last[i] = in->last_batch_ms[k];
            }
    /* the ZAP handler holds &in->allowed: it sees the new list from its
     * next request on (same thread, so never half of one) */
    zap_allowed_free(&in->allowed);
    in->allowed = fresh;
    free(in->gateway_ids);
    free(in->last_batch_ms);
    in->gateway_ids = ids;
    in->last_batch_ms = last;
    return INTAKE_OK;
}

const struct zap_allowed *intake_allowed(const struct intake *in)
{
    return &in->allowed;
}

const struct zap_stats *intake_zap_stats(const struct intake *in)
{
    return zap_stats(in->zap);
}

int64_t intake_gateway_last_batch_ms(const struct intake *in, size_t k)
{
    return k < in->allowed.count ? in->last_batch_ms[k] : 0;
}

int intake_stopped(const struct intake *in, const char **why)
{
    if (why)
        *why = in->stop_reason;
    return in->stopped;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void intake_send(struct intake *in, zmq_msg_t *id, const struct upstream_reply *r)
{
    size_t len;
    if (upstream_reply_encode(r, in->out, sizeof in->out, &len) != PROTO_OK)
        return; /* cannot happen: counts and ids come from a decoded batch */
    if (zmq_send(in->router, zmq_msg_data(id), zmq_msg_size(id), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(in->router, in->out, len, ZMQ_DONTWAIT) < 0) {
        /* gone or congested: it will resend, we will ack again */
        in->stats.replies_lost++;
        return;
    }
    if (r->type == UPSTREAM_ACK)
        in->stats.acks_sent++;
}

static void intake_refuse_ids(struct intake *in, zmq_msg_t *id, int reason, const uint64_t *ids,
                              size_t n)
{
    in->reply.type = UPSTREAM_REFUSED;
    in->reply.reason = (uint8_t)reason;
    in->reply.count = (uint16_t)n;
    memcpy(in->reply.ids, ids, n * sizeof *ids);
    intake_send(in, id, &in->reply);
}

static void intake_refuse(struct intake *in, zmq_msg_t *id, int reason, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        in->withheld[i] = in->rows[i].id;
    intake_refuse_ids(in, id, reason, in->withheld, n);
}

/* Check every row's device tag (verify.h) and split the batch: rows to
 * store (verified, or kept as unverified evidence) into in->kept, rows of
 * a device without a key into in->withheld, refused so that the gateway
 * keeps them until the collector is given the key. Returns the kept count. */
static size_t intake_verify(struct intake *in, const struct zap_gateway *g, size_t n,
                            size_t *nwithheld)
{
    size_t i, k = 0, w = 0;
    for (i = 0; i < n; i++) {
        const struct spool_row *r = &in->rows[i];
        int v = in->verify ? verify_row(&in->keys, r) : VERIFY_OK;
        if (v == VERIFY_UNKNOWN_DEVICE) {
            int64_t t = now_ms();
            in->stats.unverified[v]++;
            in->withheld[w++] = r->id;
            /* a gateway resends these every few seconds: once a minute */
            if (t - in->last_unknown_log_ms > 60000) {
                clog_msg(CLOG_WARN, "intake: no key for device %08x (record %08x/%lu from "
                         "%s): NOT stored; the gateway keeps it until this device is in "
                         "the device key file (%llu such rows so far)",
                         (unsigned)r->device, (unsigned)r->device, (unsigned long)r->counter,
                         g->name, (unsigned long long)in->stats.unverified[v]);
                in->last_unknown_log_ms = t;
            }
            continue;
        }
        if (v != VERIFY_OK) {
            in->stats.unverified[v]++;
            clog_msg(CLOG_WARN, "intake: record %08x/%lu from %s is not the device's (%s): "
                     "kept in unverified_records, not counted", (unsigned)r->device,
                     (unsigned long)r->counter, g->name, verify_name(v));
        } else if (in->verify) {
            in->stats.rows_verified++;
        }
        in->kept[k] = *r;
        in->kept_unverified[k] = v == VERIFY_OK ? NULL : verify_name(v);
        k++;
    }
    *nwithheld = w;
    return k;
}

/* The store's id of an authenticated gateway, registering it on first sight. */
static int intake_gateway_id(struct intake *in, const struct zap_gateway *g, int64_t *id,
                             char *err, size_t errlen)
{
    size_t k = (size_t)(g - in->allowed.gw);
    int rc;
    if (in->gateway_ids[k]) {
        *id = in->gateway_ids[k];
        return STORE_OK;
    }
    rc = store_gateway(in->store, g->name, g->public_z85, id, err, errlen);
    if (rc == STORE_OK)
        in->gateway_ids[k] = *id;
    return rc;
}

static void intake_group_clear(struct intake *in)
{
    size_t i;
    for (i = 0; i < in->ngroup; i++)
        zmq_msg_close(&in->group[i].id);
    in->ngroup = 0;
}

/* Every batch of the group is refused: the store failed (rc), and the
 * whole transaction, if one was open, is already rolled back. */
static void intake_group_failed(struct intake *in, int rc, const char *err)
{
    int reason = rc == STORE_ERR_FULL ? UPSTREAM_REFUSED_STORAGE_FULL
                                      : UPSTREAM_REFUSED_STORAGE_ERROR;
    size_t i, rows = 0;
    in->stopped = 1; /* lofte-collector status: intake stopped, and why */
    snprintf(in->stop_reason, sizeof in->stop_reason, "%s: %s",
             rc == STORE_ERR_FULL ? "disk full" : "database error", err);
    /* a gateway registered inside the group is gone with it: look every
     * id up again (one upsert per gateway) */
    memset(in->gateway_ids, 0, in->allowed.count * sizeof *in->gateway_ids);
    for (i = 0; i < in->ngroup; i++) {
        struct intake_pending *p = &in->group[i];
        /* the withheld rows too: nothing of a failed batch is answered
         * as if it had been looked at */
        memcpy(p->ids + p->nkept, p->withheld, p->nwithheld * sizeof *p->ids);
        rows += p->nkept + p->nwithheld;
        if (rc == STORE_ERR_FULL)
            in->stats.refused_full++;
        else
            in->stats.refused_error++;
        intake_refuse_ids(in, &p->id, reason, p->ids, p->nkept + p->nwithheld);
    }
    if (rc == STORE_ERR_FULL) {
        /* loud, but once per episode and then every 100th batch: the
         * gateways resend every few seconds */
        if (!in->full_logged || in->stats.refused_full % 100 < in->ngroup)
            clog_msg(CLOG_ERROR, "intake: DISK FULL, NOT storing or acknowledging records "
                     "(%llu batches refused so far; gateways keep them and resend): %s",
                     (unsigned long long)in->stats.refused_full, err);
        in->full_logged = 1;
    } else {
        clog_msg(CLOG_ERROR, "intake: cannot store a group of %zu batches (%zu rows, first "
                 "from %s), NOT acknowledged: %s", in->ngroup, rows,
                 in->ngroup ? in->group[0].g->name : "?", err);
    }
    intake_group_clear(in);
}

/* Commit the open group, then, and only then, acknowledge each of its
 * batches (and refuse their rows of unknown devices). */
static void intake_flush(struct intake *in)
{
    char err[512];
    size_t i, k;
    int rc = STORE_OK;

    if (!in->ngroup)
        return;
    if (in->txn_open) {
        in->txn_open = 0;
        rc = store_commit(in->store, err, sizeof err);
    }
    if (rc != STORE_OK) {
        intake_group_failed(in, rc, err);
        return;
    }
    if (in->full_logged) {
        clog_msg(CLOG_WARN, "intake: storing again after a full disk");
        in->full_logged = 0;
    }
    /* committed: from here on the ACKs may leave */
    in->stopped = 0;
    in->stop_reason[0] = 0;
    for (i = 0; i < in->ngroup; i++) {
        struct intake_pending *p = &in->group[i];
        in->stats.batches++;
        in->last_batch_ms[p->g - in->allowed.gw] = now_ms();
        for (k = 0; k < p->nkept; k++) {
            switch (p->outcome[k]) {
            case STORE_INSERTED: in->stats.rows_inserted++; break;
            case STORE_DUPLICATE: in->stats.rows_duplicate++; break;
            case STORE_UNVERIFIED: break; /* counted by reason in intake_verify */
            case STORE_QUARANTINED:
                in->stats.rows_quarantined++;
                clog_msg(CLOG_WARN, "intake: record %08lx/%lu from %s does not decode; kept "
                         "in rejected_records", (unsigned long)p->device[k],
                         (unsigned long)p->counter[k], p->g->name);
                break;
            case STORE_CONFLICT:
                in->stats.rows_conflict++;
                clog_msg(CLOG_WARN, "intake: record %08lx/%lu from %s differs from the copy "
                         "already stored; the first is kept", (unsigned long)p->device[k],
                         (unsigned long)p->counter[k], p->g->name);
                break;
            }
        }
        clog_msg(CLOG_DEBUG, "intake: batch of %zu rows from %s committed (%zu withheld, "
                 "group of %zu)", p->nkept, p->g->name, p->nwithheld, in->ngroup);
        if (p->nkept) {
            in->reply.type = UPSTREAM_ACK;
            in->reply.reason = 0;
            in->reply.count = (uint16_t)p->nkept;
            memcpy(in->reply.ids, p->ids, p->nkept * sizeof *p->ids);
            intake_send(in, &p->id, &in->reply);
        }
        if (p->nwithheld)
            intake_refuse_ids(in, &p->id, UPSTREAM_REFUSED_UNKNOWN_DEVICE, p->withheld,
                              p->nwithheld);
    }
    in->stats.groups++;
    intake_group_clear(in);
}

/* One BATCH from one gateway: decode, check, and store it into the open
 * group (opening one if needed). Its ACK waits for intake_flush. */
static void intake_batch(struct intake *in, zmq_msg_t *id, zmq_msg_t *body)
{
    const char *user = zmq_msg_gets(body, "User-Id");
    const struct zap_gateway *g = zap_allowed_by_name(&in->allowed, user);
    struct intake_pending *p;
    char err[512];
    size_t n = 0, i, nkept, nwithheld = 0;
    int64_t gw = 0;
    int rc;

    if (!g) {
        in->stats.unknown_sender++;
        clog_msg(CLOG_WARN, "intake: a message without an authenticated gateway name; dropped");
        return;
    }
    rc = upstream_batch_decode(zmq_msg_data(body), zmq_msg_size(body), in->rows,
                               UPSTREAM_BATCH_MAX, &n);
    if (rc != PROTO_OK) {
        in->stats.malformed++;
        clog_msg(CLOG_WARN, "intake: gateway %s sent a %zu-byte message that is not a batch: %s",
             g->name, zmq_msg_size(body), proto_errname(rc));
        intake_refuse(in, id, UPSTREAM_REFUSED_MALFORMED, 0);
        return;
    }
    nkept = intake_verify(in, g, n, &nwithheld);
    if (in->ngroup == INTAKE_GROUP_BATCHES)
        intake_flush(in); /* cannot happen: intake_step stops gathering there */
    p = &in->group[in->ngroup++];
    zmq_msg_init(&p->id);
    zmq_msg_copy(&p->id, id);
    p->g = g;
    p->nkept = nkept;
    p->nwithheld = nwithheld;
    memcpy(p->withheld, in->withheld, nwithheld * sizeof *p->withheld);
    for (i = 0; i < nkept; i++) {
        p->ids[i] = in->kept[i].id;
        p->device[i] = in->kept[i].device;
        p->counter[i] = in->kept[i].counter;
    }
    /* begin first: a gateway seen for the first time is then registered
     * inside the group, and rolled back with it (intake_group_failed) */
    if (nkept && !in->txn_open && store_can_group(in->store)) {
        rc = store_begin(in->store, err, sizeof err);
        in->txn_open = rc == STORE_OK;
    }
    if (rc == STORE_OK)
        rc = intake_gateway_id(in, g, &gw, err, sizeof err);
    if (rc == STORE_OK && nkept)
        rc = store_put_checked(in->store, gw, in->kept, in->kept_unverified, nkept, now_ms(),
                               in->outcomes, err, sizeof err);
    if (rc != STORE_OK) {
        /* roll back the whole group (a failed put already did) and
         * refuse all of it */
        if (in->txn_open)
            store_rollback(in->store);
        in->txn_open = 0;
        intake_group_failed(in, rc, err);
        return;
    }
    for (i = 0; i < nkept; i++)
        p->outcome[i] = (uint8_t)in->outcomes[i];
    if (!store_can_group(in->store)) {
        /* a backend of one batch per transaction (store.h): the put
         * opened it; commit and acknowledge this batch now */
        in->txn_open = nkept > 0;
        intake_flush(in);
    }
}

/* Receive and handle one message; 0 when none was pending. */
static int intake_one(struct intake *in)
{
    zmq_msg_t id, body;
    int more = 0;
    size_t ms = sizeof more;
    zmq_msg_init(&id);
    if (zmq_msg_recv(&id, in->router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&id);
        return 0;
    }
    zmq_getsockopt(in->router, ZMQ_RCVMORE, &more, &ms);
    zmq_msg_init(&body);
    if (!more || zmq_msg_recv(&body, in->router, 0) < 0) {
        in->stats.malformed++;
    } else {
        zmq_getsockopt(in->router, ZMQ_RCVMORE, &more, &ms);
        if (!more) {
            intake_batch(in, &id, &body);
        } else {
            /* a batch is one frame: drop the rest of a multipart message */
            in->stats.malformed++;
            while (more) {
                zmq_msg_t extra;
                zmq_msg_init(&extra);
                if (zmq_msg_recv(&extra, in->router, 0) < 0)
                    more = 0;
                else
                    zmq_getsockopt(in->router, ZMQ_RCVMORE, &more, &ms);
                zmq_msg_close(&extra);
            }
        }
    }
    zmq_msg_close(&body);
    zmq_msg_close(&id);
    return 1;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int intake_poll(struct intake *in, int timeout_ms)
{
    zmq_pollitem_t items[2];
    memset(items, 0, sizeof items);
    items[0].socket = in->router;
    items[0].events = ZMQ_POLLIN;
    items[1].socket = zap_socket(in->zap);
    items[1].events = ZMQ_POLLIN;
    return zmq_poll(items, 2, timeout_ms);
}

int intake_step(struct intake *in, int timeout_ms)
{
    int rc, handled = 0;
    int64_t first = 0;
    rc = intake_poll(in, timeout_ms);
    if (rc < 0)
        return zmq_errno() == EINTR ? 0 : INTAKE_ERR_ZMQ;
    zap_handle(in->zap);
    /* Gather a group: every batch already waiting, and those that follow
     * within INTAKE_GROUP_IDLE_MS of each other, for at most
     * INTAKE_GROUP_MS and INTAKE_GROUP_BATCHES; then one commit. */
    while (handled < INTAKE_GROUP_BATCHES) {
        if (intake_one(in)) {
            handled++;
            if (in->ngroup && !first)
                first = mono_ms();
            zap_handle(in->zap); /* a handshake waiting on us is never starved */
            continue;
        }
        if (!in->ngroup)
            break;
        {
            int64_t left = INTAKE_GROUP_MS - (mono_ms() - first);
            if (left <= 0)
                break;
            rc = intake_poll(in, (int)(left < INTAKE_GROUP_IDLE_MS ? left
                                                                   : INTAKE_GROUP_IDLE_MS));
            if (rc <= 0)
                break; /* quiet (or EINTR): commit what we have */
            zap_handle(in->zap);
        }
    }
    intake_flush(in);
    return handled;
}

int intake_run(struct intake *in, volatile sig_atomic_t *stop)
{
    while (!*stop) {
        struct timespec ts;
        int rc = intake_step(in, 250);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        notify_watchdog((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
        if (rc < 0) {
            clog_msg(CLOG_ERROR, "intake: poll failed: %s", zmq_strerror(zmq_errno()));
            return rc;
        }
    }
    return INTAKE_OK;
}
