/* intake.h -- the collector's end of the upstream link: a ZeroMQ ROUTER
 * (bind, CURVE server) that takes BATCH messages from gateways, stores them
 * and acknowledges what it has committed (docs/upstream.md).
 *
 * Design note. One thread, one loop: zmq_poll over the ROUTER and the ZAP
 * handler's socket; each BATCH is decoded (upstream.h's codec, the same
 * code the gateway encodes with) and checked. Group commit: the batches
 * that arrive together (all that are waiting, then more as long as they
 * keep coming within 2 ms of each other, for at most 20 ms and 32 batches,
 * from any number of gateways) are stored in ONE transaction (store_begin,
 * store_put_checked per batch, store_commit: one fsync for all), and only
 * after store_commit returned is each batch answered with an ACK listing
 * every row id of it. If the store cannot store or commit (disk full, I/O
 * error) the whole group is rolled back and EVERY batch of it is answered
 * REFUSED with the reason; the intake logs it loudly, keeps the
 * connections and keeps trying with every batch the gateways resend: no
 * record is acknowledged that is not on disk, none is stored in part, and
 * none is lost, since the gateways keep them. The wait costs no ack
 * latency that matters: a gateway's acks to handhelds leave only at the
 * next whole second (docs/protocol.md §3.1).
 *
 * The sender of a batch is the authenticated gateway (the ZAP user id on
 * the message, see zap.h), never a field in the message.
 *
 * A batch is at most 256 rows; a commit (one fsync, and the WAL pages of
 * every index leaf it touched) dominates its cost, hence the groups.
 * Only intake.c and zap.c include zmq.h.
 */
#ifndef LOFTE_INTAKE_H
#define LOFTE_INTAKE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "verify.h"

#define INTAKE_DEFAULT_BIND "tcp://127.0.0.1:7710"

enum intake_err {
    INTAKE_OK = 0,
    INTAKE_ERR_CONFIG = -600,    /* a required option is missing */
    INTAKE_ERR_KEY = -601,       /* the secret key file is missing or malformed */
    INTAKE_ERR_KEY_MODE = -602,  /* the secret key file is readable by others: refused */
    INTAKE_ERR_ALLOWED = -603,   /* the allowed-gateways file is unusable */
    INTAKE_ERR_ZMQ = -604,       /* cannot bind the endpoint or the ZAP handler */
    INTAKE_ERR_DEVICE_KEYS = -605 /* the device key file is unusable, or verification is
                                   * asked for without one */
};

const char *intake_strerror(int err);

struct intake_config {
    const char *bind;                   /* NULL: INTAKE_DEFAULT_BIND; "tcp://127.0.0.1:*" picks a port */
    const char *secret_key_file;        /* the collector's .key file, mode 0600 */
    const char *allowed_gateways_file;  /* "<Z85 public key> <name>" per line */
    /* The handhelds' keys, in the gateway's key file format (keystore.h).
     * With it the collector checks every record's device tag itself
     * (verify.h); NULL: it trusts the allowed gateways. */
    const char *device_keys_file;
    int verify;                         /* 0: on iff device_keys_file; 1: on; -1: off */
};

struct intake_stats {
    uint64_t batches;            /* decoded and committed */
    uint64_t groups;             /* commits: batches / groups is the group size */
    uint64_t rows_inserted;
    uint64_t rows_duplicate;
    uint64_t rows_conflict;      /* same (device, counter), other bytes: logged */
    uint64_t rows_quarantined;   /* undecodable records, kept in rejected_records */
    uint64_t malformed;          /* messages that are not a valid BATCH */
    uint64_t refused_full;       /* batches not stored: disk full */
    uint64_t refused_error;      /* batches not stored: other database error */
    uint64_t acks_sent;
    uint64_t replies_lost;       /* the gateway went away before its reply */
    uint64_t unknown_sender;     /* no ZAP user id on a message (cannot happen with ZAP) */
    /* rows whose device tag did not verify, by reason (verify.h); [0] unused.
     * unknown_device rows are refused (the gateway keeps them), the others
     * are acknowledged and kept in unverified_records. */
    uint64_t unverified[VERIFY_RESULT_COUNT];
    uint64_t rows_verified;
};

struct intake;

/* Load keys and the allow-list, start the ZAP handler, bind. The store must
 * outlive the intake; st may be NULL here (so that every key file is checked
 * before a database is created) and be given with intake_attach_store
 * before the first intake_step. Errors come with a sentence (never a key)
 * in err. */
int intake_open(struct intake **out, const struct intake_config *cfg, struct store *st,
                char *err, size_t errlen);
void intake_attach_store(struct intake *in, struct store *st);
/* 1 when records are verified against device keys. */
int intake_verifies(const struct intake *in);
/* Close the sockets (pending replies are dropped after a short linger). */
void intake_close(struct intake *in);
/* The endpoint actually bound, with the port ZeroMQ chose for ":*". */
const char *intake_endpoint(const struct intake *in);

/* Wait up to timeout_ms for work, then handle every pending authentication
 * request and gather one group of batches (at most 32, 20 ms), commit it
 * and answer each batch of it. A group is always committed (or refused)
 * and answered before it returns. Returns the number of messages handled, or INTAKE_ERR_ZMQ if polling failed (EINTR is not a
 * failure: it returns 0 so the caller can look at its signal flag). */
int intake_step(struct intake *in, int timeout_ms);
/* intake_step until *stop becomes nonzero (set from a signal handler). */
int intake_run(struct intake *in, volatile sig_atomic_t *stop);

const struct intake_stats *intake_stats(const struct intake *in);

/* SIGHUP: read the allowed-gateways file again and let the new list decide
 * the next handshakes (connected gateways keep their session while still
 * listed; a batch from one no longer listed is dropped unacknowledged, so
 * it stays in its spool). Called between batches, from the loop. A file
 * that does not load (err says why, by line) keeps the old list. */
int intake_reload_allowed(struct intake *in, const char *path, char *err, size_t errlen);

/* For status and metrics (collector/cstatus.c). */
struct zap_allowed;
struct zap_stats;
const struct zap_allowed *intake_allowed(const struct intake *in);
const struct zap_stats *intake_zap_stats(const struct intake *in);
/* Unix ms of gateway k's (allowed->gw[k]) last committed batch; 0 = none
 * since the start. */
int64_t intake_gateway_last_batch_ms(const struct intake *in, size_t k);
/* Nonzero while the store refuses batches (disk full, database error):
 * records are neither stored nor acked; why says why. Cleared by the next
 * batch that commits. */
int intake_stopped(const struct intake *in, const char **why);

#endif
