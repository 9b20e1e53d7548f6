/* upstream.h -- the gateway -> collector link (docs/upstream.md).
 *
 * Design note. Three things live here because both ends need exactly one
 * copy of each (the collector compiles this file too, as Mosquitto's broker
 * compiles its client's packet code):
 *
 *   1. the message codec: BATCH (gateway -> collector), ACK and REFUSED
 *      (collector -> gateway); binary, versioned, big-endian, assembled byte
 *      by byte, every length checked. Pure functions, caller's buffers.
 *   2. CURVE key files: generation, loading (secret files must be mode 0600,
 *      else refused), never a secret in a log or an error sentence.
 *   3. the gateway's end of the link: a ZeroMQ DEALER that connects to the
 *      collector's ROUTER over CURVE, sends spooled rows in batches and
 *      deletes them from the spool when the collector acknowledges them.
 *
 * Delivery is at least once: a batch is resent after a reconnect, a
 * restart, a failover to another collector (several endpoints: the link
 * moves on when one stops answering), or when no ACK came within
 * ack_timeout_ms. The collector is
 * idempotent on (device, counter) and acks only what it has committed, so
 * "at least once" here is "exactly once" in its database.
 *
 * The link never blocks the gateway: sends are non-blocking (ZMQ_IMMEDIATE,
 * so nothing queues while the collector is away) and a row that could not
 * be sent is simply due again on the next call.
 *
 * Only upstream.c (and the collector's intake.c and zap.c) include zmq.h.
 */
#ifndef LOFTE_UPSTREAM_H
#define LOFTE_UPSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "spool.h"

/* ---- 1. messages (docs/upstream.md §3) ---------------------------------
 * Checklist when you change a layout: bump UPSTREAM_VERSION, change the
 * diagrams and the hex example in docs/upstream.md, and the test vector in
 * tests/link/test_codec.c. */
#define UPSTREAM_VERSION 2
/* Version 1 items had no frame; a collector still decodes them (§9). */
#define UPSTREAM_VERSION_NO_FRAME 1
/* ACK and REFUSED did not change with version 2: they stay version 1, so a
 * version 1 gateway still understands an upgraded collector. */
#define UPSTREAM_REPLY_VERSION 1

enum upstream_msg_type {
    UPSTREAM_BATCH = 1,    /* gateway -> collector: spooled records */
    UPSTREAM_ACK = 2,      /* collector -> gateway: these rows are committed */
    UPSTREAM_REFUSED = 3   /* collector -> gateway: these rows were not stored */
};

enum upstream_refusal {
    UPSTREAM_REFUSED_STORAGE_FULL = 1,   /* collector disk full: keep them, try later */
    UPSTREAM_REFUSED_STORAGE_ERROR = 2,  /* collector database failed: keep them */
    UPSTREAM_REFUSED_MALFORMED = 3,      /* the batch did not decode (no ids listed) */
    UPSTREAM_REFUSED_UNKNOWN_DEVICE = 4, /* the collector holds no key for these rows'
                                          * device: keep them until it does */
    UPSTREAM_REFUSED_COUNT
};

#define UPSTREAM_HDR_LEN 4          /* version, type, count u16 */
#define UPSTREAM_REFUSED_HDR_LEN 6  /* ... reason u8, reserved u8 */
#define UPSTREAM_ITEM_FIXED_LEN 38  /* an item without its record and frame bytes */
#define UPSTREAM_ITEM_V1_FIXED_LEN 37 /* version 1: no frame length byte */
#define UPSTREAM_ID_LEN 8           /* a row id in ACK and REFUSED */
#define UPSTREAM_BATCH_MAX 256      /* rows per BATCH, ids per ACK/REFUSED */
#define UPSTREAM_BATCH_MAX_LEN \
    (UPSTREAM_HDR_LEN + \
     UPSTREAM_BATCH_MAX * (UPSTREAM_ITEM_FIXED_LEN + RECORD_MAX_LEN + RADIO_UPLINK_MAX_LEN))
#define UPSTREAM_REPLY_MAX_LEN (UPSTREAM_REFUSED_HDR_LEN + UPSTREAM_BATCH_MAX * UPSTREAM_ID_LEN)
/* libzmq applies ZMQ_MAXMSGSIZE to the frame as CURVE carries it, which is
 * larger than the message by CURVE's MESSAGE command overhead (33 bytes in
 * libzmq 4.3: command name, nonce, MAC, flags). A limit set to the bare
 * message size kills the connection for good at the largest batch; allow
 * this margin on both ends. */
#define UPSTREAM_CURVE_MARGIN 64

/* A decoded collector reply. */
struct upstream_reply {
    uint8_t type;           /* UPSTREAM_ACK or UPSTREAM_REFUSED */
    uint8_t reason;         /* enum upstream_refusal, REFUSED only */
    uint16_t count;
    uint64_t ids[UPSTREAM_BATCH_MAX];
};

/* Encode n (1..UPSTREAM_BATCH_MAX) rows; PROTO_ERR_BUFFER when cap is too
 * small, PROTO_ERR_OUT_OF_RANGE for an impossible row (id 0, device 0 or
 * 0xFFFFFFFF, counter 0, station 0, record length outside 12..17, frame
 * length neither 0 nor 27..32). */
int upstream_batch_encode(const struct spool_row *rows, size_t n, uint8_t *out, size_t cap,
                          size_t *len);
/* Decode a BATCH (version 2, or 1: frame_len 0) into rows[0..cap); *n is
 * the count. The frame, like the record, is copied, not checked: the
 * collector checks it against its own device keys. Returns a proto_err
 * (truncated, too_long, bad_version, bad_type, out_of_range) for any
 * message that is not exactly a valid batch. The record bytes are copied,
 * not decoded: the receiver decides what an undecodable record means.
 * spooled_at_ms is 0 (it does not travel). */
int upstream_batch_decode(const uint8_t *in, size_t len, struct spool_row *rows, size_t cap,
                          size_t *n);
/* ACK (reason ignored) or REFUSED; count 1..UPSTREAM_BATCH_MAX for an ACK,
 * 0..UPSTREAM_BATCH_MAX for REFUSED. */
int upstream_reply_encode(const struct upstream_reply *r, uint8_t *out, size_t cap, size_t *len);
int upstream_reply_decode(const uint8_t *in, size_t len, struct upstream_reply *r);
const char *upstream_refusal_name(int reason);

/* ---- 2. CURVE key files (docs/upstream.md §5) ---------------------------- */
#define UPSTREAM_Z85_LEN 40         /* a 32-byte CURVE key in Z85 text */

/* Write a new key pair: base.key (both keys, mode 0600, created exclusively:
 * an existing file is never overwritten) and base.pub (public key, 0644).
 * public_z85 receives the public key. */
int upstream_key_generate(const char *base, char public_z85[UPSTREAM_Z85_LEN + 1],
                          char *err, size_t errlen);
/* Read a .key file. Refused with UPSTREAM_ERR_KEY_MODE when the group or
 * others may read or write it, UPSTREAM_ERR_KEY when it does not hold a
 * matching public/secret pair. The caller wipes secret_z85 after use. */
int upstream_key_load(const char *path, char public_z85[UPSTREAM_Z85_LEN + 1],
                      char secret_z85[UPSTREAM_Z85_LEN + 1], char *err, size_t errlen);
/* Read the public key from a .pub or .key file (no mode rule). */
int upstream_key_load_public(const char *path, char public_z85[UPSTREAM_Z85_LEN + 1],
                             char *err, size_t errlen);
/* 1 if s is 40 characters of valid Z85 (a CURVE key), else 0. */
int upstream_key_valid(const char *s);
/* Overwrite a secret in a way the compiler may not drop. */
void upstream_wipe(void *p, size_t n);

/* ---- 3. the gateway's link ----------------------------------------------- */
enum upstream_err {
    UPSTREAM_OK = 0,
    UPSTREAM_ERR_CONFIG = -200,    /* an option is missing or impossible */
    UPSTREAM_ERR_KEY = -201,       /* a key file is missing, unreadable or malformed */
    UPSTREAM_ERR_KEY_MODE = -202,  /* a secret key file is readable by others */
    UPSTREAM_ERR_ZMQ = -203,       /* ZeroMQ refused (endpoint, socket option) */
    UPSTREAM_ERR_SPOOL = -204      /* the spool failed; the sentence says how */
    /* and every proto_err, from the codec */
};

const char *upstream_strerror(int err);
const char *upstream_errname(int err);

/* What the link tells its owner (to log and to publish on the feed). */
enum upstream_event {
    UPSTREAM_EV_CONNECTED = 1,     /* CURVE handshake done: resending everything unacked */
    UPSTREAM_EV_DISCONNECTED,      /* lost the collector; ZeroMQ reconnects by itself */
    UPSTREAM_EV_AUTH_FAILED,       /* the collector refused our key (not in its allow-list?) */
    UPSTREAM_EV_HANDSHAKE_FAILED,  /* wrong collector key, or not a lofte collector */
    UPSTREAM_EV_REFUSED,           /* the collector could not store a batch (detail: why) */
    UPSTREAM_EV_ACK_TIMEOUT,       /* no ACK in time: the rows are due again */
    UPSTREAM_EV_BAD_REPLY,         /* a reply that does not decode (counted, dropped) */
    UPSTREAM_EV_SPOOL_ERROR,       /* the spool failed (detail: the sentence) */
    UPSTREAM_EV_FAILOVER           /* moved to the next collector endpoint (detail: why) */
};

const char *upstream_event_name(int ev);

typedef void (*upstream_event_fn)(void *ctx, int event, const char *detail);

struct upstream_config {
    /* the collector, e.g. "tcp://collector:7710"; or several, separated by
     * commas ("tcp://a:7710, tcp://b:7710"): the link uses one at a time
     * and moves to the next when it stops answering (failover_ms) */
    const char *endpoint;
    const char *key_file;            /* this gateway's .key file (mode 0600) */
    const char *collector_key;       /* the collector's public key, Z85 (40 chars) */
    int ack_timeout_ms;              /* resend after this long without an ACK; 0: 3000 */
    int batch_max;                   /* rows per batch, 1..UPSTREAM_BATCH_MAX; 0: 64 */
    int inflight_max;                /* unacknowledged rows on the wire; 0: 1024 */
    int failover_ms;                 /* with several endpoints: move on after this long
                                      * unconnected, or with rows in flight and no ACK;
                                      * 0: 10000 */
    upstream_event_fn on_event;      /* may be NULL */
    void *event_ctx;
};

struct upstream_stats {
    uint64_t batches_sent;
    uint64_t rows_sent;              /* counting resends */
    uint64_t rows_resent;            /* after a timeout or a reconnect */
    uint64_t rows_delivered;         /* acknowledged and deleted from the spool */
    uint64_t acks;
    uint64_t refusals[UPSTREAM_REFUSED_COUNT];
    uint64_t bad_replies;
    uint64_t auth_failures;
    uint64_t connects;
    int connected;                   /* 1 while a handshake-complete connection exists */
    uint64_t failovers;              /* moves to the next endpoint */
    unsigned endpoint_index;         /* which endpoint (0-based) is in use */
};


struct upstream;

/* Create the link (connects in the background; returns at once). The spool
 * must outlive it. Fails with a code and a sentence (never a key) in err. */
int upstream_open(struct upstream **out, const struct upstream_config *cfg, struct spool *spool,
                  char *err, size_t errlen);
void upstream_close(struct upstream *u);

/* Do the link's work and wait: handle every reply and connection event,
 * send what is due, then wait up to timeout_ms for the collector or for one
 * of the caller's file descriptors (fds may be NULL when nfds is 0; ready[i]
 * is set to 1 for each fd readable on return, 0 otherwise). Call it only
 * between spool transactions (spool_unsent refuses inside one). Returns
 * UPSTREAM_OK, or an error for a broken spool or poll (reported through
 * on_event as well). */
int upstream_service(struct upstream *u, const int *fds, int *ready, size_t nfds, int timeout_ms,
                     char *err, size_t errlen);

const struct upstream_stats *upstream_stats(const struct upstream *u);
/* The endpoint the link uses now (one of cfg->endpoint's list). */
const char *upstream_endpoint(const struct upstream *u);

#endif
