/* zap.h -- who may feed this collector: the allowed-gateways file and the
 * ZeroMQ authentication (ZAP, RFC 27) handler that enforces it.
 *
 * Design note. Every gateway has its own CURVE key pair; the collector
 * lists the public keys it accepts, one per line with the gateway's name:
 *
 *   # allowed-gateways: <Z85 public key> <name>
 *   rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7 hammaro-station
 *
 * libzmq asks the handler about every CURVE client after the handshake has
 * proved the client holds the secret key for its public key; the handler
 * answers 200 with the gateway's name as the ZAP user id (which then rides
 * on every message as the "User-Id" property: the collector names the
 * sender from that, never from the message body) or 400.
 *
 * The handler must be bound (inproc://zeromq.zap.01) BEFORE the collector's
 * ROUTER binds: libzmq accepts every CURVE client when no handler exists.
 * It runs in the collector's one thread: the caller polls zap_socket() and
 * calls zap_handle(); libzmq holds the handshake meanwhile.
 *
 * Typical size: a handful to a few hundred gateways; a linear scan is fine.
 * Only zap.c (and intake.c) include zmq.h.
 */
#ifndef LOFTE_ZAP_H
#define LOFTE_ZAP_H

#include <stddef.h>
#include <stdint.h>

#define ZAP_NAME_MAX 63
#define ZAP_KEY_LEN 32           /* a CURVE public key, binary */
#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

enum zap_err {
    ZAP_OK = 0,
    ZAP_ERR_FILE = -700,       /* the allowed-gateways file cannot be read */
    ZAP_ERR_SYNTAX = -701,     /* a line is not "<40-char Z85 key> <name>" */
    ZAP_ERR_DUPLICATE = -702,  /* a key or a name appears twice */
    ZAP_ERR_MODE = -703,       /* the file is writable by others: anyone could add a key */
    ZAP_ERR_ZMQ = -704         /* cannot bind the handler */
};

const char *zap_strerror(int err);

struct zap_gateway {
    char name[ZAP_NAME_MAX + 1];
    char public_z85[41];
    uint8_t key[ZAP_KEY_LEN];
};

struct zap_allowed {
    struct zap_gateway *gw;
    size_t count;
};

/* Load the allowed-gateways file (an empty list is valid: nobody gets in). */
int zap_allowed_load(const char *path, struct zap_allowed *out, char *err, size_t errlen);
void zap_allowed_free(struct zap_allowed *a);
const struct zap_gateway *zap_allowed_by_key(const struct zap_allowed *a,
                                             const uint8_t key[ZAP_KEY_LEN]);
const struct zap_gateway *zap_allowed_by_name(const struct zap_allowed *a, const char *name);

struct zap_stats {
    uint64_t allowed;
    uint64_t denied;      /* unknown key, or not CURVE */
    uint64_t malformed;   /* a request that is not RFC 27 (answered 400 when possible) */
};

struct zap;

/* Bind the handler in zmq_ctx. `allowed` must outlive it. */
int zap_open(struct zap **out, void *zmq_ctx, const struct zap_allowed *allowed,
             char *err, size_t errlen);
void zap_close(struct zap *z);
/* The REP socket, for the caller's zmq_poll. */
void *zap_socket(struct zap *z);
/* Answer every pending request without blocking; returns how many. */
int zap_handle(struct zap *z);
const struct zap_stats *zap_stats(const struct zap *z);

#endif
