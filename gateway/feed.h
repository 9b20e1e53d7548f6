/* feed.h -- the gateway's live feed: decoded records and gateway events as
 * JSON on a ZeroMQ PUB socket, for dashboards and the operator's terminal
 * (docs/upstream.md §7, "Live feed").
 *
 * Design note. The feed is lossy by design and that is the point: PUB drops
 * messages for a subscriber that is slow, absent or reconnecting, and never
 * slows the gateway. Nothing may depend on it for counting; the collector
 * is the record of truth. Each message is two frames: a topic ("record" or
 * "event", so a subscriber can filter with ZMQ_SUBSCRIBE) and one JSON
 * object in UTF-8. The JSON is formatted by pure functions (feed_*_json) so
 * tools and tests can check it without a socket.
 *
 * Privacy: a record carries no personal data (docs/protocol.md §2), but the
 * feed is plaintext and unauthenticated: bind it to localhost or the
 * station's own network, never to the Internet.
 *
 * The hold: a youth.drug_sales record is published only once its hold has
 * passed, counted from when it was logged (start_min; from its arrival when
 * the device had no clock): FEED_HOLD_DEFAULT_S, the handheld's own delay
 * (docs/protocol.md §5.5), so that the feed never shows such a record
 * earlier than the device would have sent it, whatever the device's
 * configuration. Held records wait in memory (at most FEED_HOLD_MAX; beyond
 * it the oldest is dropped, counted, never published early) and go out on
 * a later feed call or feed_service. A restart forgets them: the feed is
 * lossy, the collector is the record of truth.
 *
 * Duplicates (a copy of a record the gateway already holds) are published
 * too, with "duplicate": true: monitoring judges the radio link by them.
 *
 * Only feed.c includes zmq.h.
 */
#ifndef LOFTE_FEED_H
#define LOFTE_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "spool.h"

enum feed_err {
    FEED_OK = 0,
    FEED_ERR_CONFIG = -400,   /* no endpoint */
    FEED_ERR_ZMQ = -401,      /* ZeroMQ refused the endpoint or an option */
    FEED_ERR_BUFFER = -402    /* the JSON does not fit the caller's buffer */
};

#define FEED_TOPIC_RECORD "record"
#define FEED_TOPIC_EVENT "event"
#define FEED_JSON_MAX 1024   /* every message fits: the largest record is ~700 bytes */
#define FEED_HOLD_DEFAULT_S (6 * 3600)  /* as the handheld's drug_sales_delay_s */
#define FEED_HOLD_MAX 512

const char *feed_strerror(int err);

struct feed_stats {
    uint64_t published;
    uint64_t dropped;         /* PUB refused (high-water mark): expected, not an error */
    uint64_t held;            /* records waiting for their hold to pass, now */
    uint64_t hold_dropped;    /* held records dropped because FEED_HOLD_MAX were waiting */
};

struct feed;

/* Bind a PUB socket on endpoint ("tcp://127.0.0.1:7711"; "tcp://127.0.0.1:*"
 * picks a free port, see feed_endpoint). */
int feed_open(struct feed **out, const char *endpoint, char *err, size_t errlen);
void feed_close(struct feed *f);
/* The endpoint actually bound (with the port ZeroMQ chose). */
const char *feed_endpoint(const struct feed *f);

/* Publish one decoded record; duplicate says whether it was already held
 * (a retransmission, or another copy heard again). Never blocks. Returns
 * FEED_OK also when the message was dropped (counted in stats). */
int feed_record(struct feed *f, uint32_t device, uint32_t counter, const struct record *r,
                const struct spool_rx *rx, int duplicate);
/* The same at a given Unix ms (feed_record: the wall clock). */
int feed_record_at(struct feed *f, int64_t now_ms, uint32_t device, uint32_t counter,
                   const struct record *r, const struct spool_rx *rx, int duplicate);
/* Publish the held records whose hold has passed at now_ms. */
void feed_service(struct feed *f, int64_t now_ms);
/* Change the hold of youth.drug_sales records (seconds, 0: none). */
void feed_set_hold(struct feed *f, uint32_t hold_s);
/* Publish a gateway event: a snake_case name and a human sentence. */
int feed_event(struct feed *f, const char *event, const char *detail);

const struct feed_stats *feed_stats(const struct feed *f);

/* The JSON of one record or event, NUL-terminated; time_ms is the Unix ms
 * of publication. *len (may be NULL) is the length without the NUL.
 * FEED_ERR_BUFFER when cap is too small. */
int feed_record_json(char *out, size_t cap, size_t *len, int64_t time_ms, uint32_t device,
                     uint32_t counter, const struct record *r, const struct spool_rx *rx,
                     int duplicate);
int feed_event_json(char *out, size_t cap, size_t *len, int64_t time_ms, const char *event,
                    const char *detail);

#endif
