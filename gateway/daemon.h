/* daemon.h -- the gateway daemon: modem in, durable spool, acks out,
 * collector upstream.
 *
 * One thread, one poll loop (inside upstream_service, which also waits on
 * the modem's fd). Per wake-up:
 *   1. read the modem; for every RX: verify (station.c), and for a new
 *      record put it in the spool, all inside ONE spool transaction;
 *   2. commit (synchronous=FULL), and only then send the acks the frames
 *      earned and publish them on the live feed: an ack promises the device
 *      the record is durable, so it may never precede the commit;
 *   3. upstream_service sends due spool rows to the collector and deletes
 *      those the collector acknowledges after its own commit.
 * A full disk stops intake (nothing stored, nothing acked: devices keep
 * their records) and says so loudly until space returns.
 *
 * Typical load: a few frames a minute; the line's maximum at 115200 baud is
 * about 200 RX messages a second, which one transaction per wake-up absorbs.
 */
#ifndef LOFTE_DAEMON_H
#define LOFTE_DAEMON_H

#include <signal.h>
#include <stdint.h>

#include "config.h"
#include "feed.h"
#include "log.h"
#include "modemlink.h"
#include "spool.h"
#include "station.h"
#include "upstream.h"

#define DAEMON_MAX_DEVICES 4096
#define DAEMON_STATUS_PERIOD_MS 2000
/* A message that repeats (a failing link) is logged at most this often. */
#define DAEMON_REPEAT_LOG_MS 60000
#define DAEMON_UPSTREAM_EVENTS 10 /* UPSTREAM_EV_* are 1..9 */
/* Rejection reasons: proto_err codes by -code, then station's own. */
#define DAEMON_REASONS (PROTO_ERR_COUNT + 4)

struct daemon_device {           /* the operator's view of one handheld */
    int64_t last_seen_ms;        /* Unix ms of its last authentic frame, 0 = never */
    int16_t rssi_dBm;
    int8_t snr_qdB;
    uint32_t last_counter;
    uint64_t frames, records, duplicates;
};

/* A device with frames in the open transaction: what it earns once the
 * transaction commits (one ack for all its frames, their counts). */
struct daemon_batch_dev {
    size_t index;                /* into devs and view */
    uint64_t rx_time_ms;         /* of its latest uplink in the batch: the ack answers it */
    int64_t read_ms;             /* the gateway's clock when that uplink was read */
    uint8_t sf;
    uint64_t records, duplicates;
};

struct daemon_pending_ack {
    struct station_device *dev;
    struct modem_tx tx;
};

struct daemon {
    struct config cfg;
    struct station st;
    struct station_device *devs;
    struct daemon_device *view;  /* parallel to devs */
    struct modemlink ml;
    struct spool *spool;
    struct upstream *up;
    struct feed *feed;

    int opened;                  /* daemon_open finished */
    enum station_clock clock;    /* which clock station_time follows (§6.2) */
    int in_txn;                  /* a spool transaction is open this wake-up */
    int intake_stopped;          /* disk full or a failed write: not storing, not acking */
    char intake_reason[256];
    int64_t intake_logged_ms;
    int resync_needed;           /* in-memory state may differ from the spool: no acks */
    struct daemon_batch_dev *batch; /* devices with frames in the open transaction */
    size_t nbatch;
    size_t *batch_slot;          /* per device: 1 + its index in batch, 0 = none */
    uint64_t batch_frames;       /* authentic frames in the open transaction */
    struct daemon_pending_ack *acks;
    size_t nacks, acks_cap;
    struct {                     /* records stored in this transaction, for the feed */
        uint32_t device, counter;
        struct record rec;
        struct spool_rx rx;
    } *fresh;
    size_t nfresh;

    uint64_t rx_frames, accepted, duplicates, acks_sent, acks_skipped, not_stored;
    uint64_t acks_batched;       /* uplinks answered by the one ack of their batch */
    uint64_t spool_failures;     /* transactions rolled back after a spool error */
    uint64_t modem_clock_off;    /* RX stamped beyond the tolerance from our clock */
    int64_t modem_offset_ms;     /* of the last stamped RX: modem minus gateway clock */
    int64_t clock_logged_ms;
    struct log_limit upstream_limit[DAEMON_UPSTREAM_EVENTS];
    uint64_t acks_future;        /* acks carrying a persisted station_time ahead of our clock */
    uint64_t rejected[DAEMON_REASONS];
    int modem_was_up, collector_was_up;
    int64_t started_ms, status_written_ms, backlog_logged_ms;
    volatile sig_atomic_t *stop;
};

/* Open everything the configuration names: keys (refusing a key file that
 * others can read), spool (and the device states it holds), modem port,
 * upstream link, feed. Returns 0, or -1 with a sentence in err. */
int daemon_open(struct daemon *d, const struct config *cfg, volatile sig_atomic_t *stop,
                char *err, size_t errlen);

/* Run until *stop is set. Returns 0 after a clean stop, -1 on a fatal
 * error (err says which). */
int daemon_run(struct daemon *d, char *err, size_t errlen);

void daemon_close(struct daemon *d);

/* Write status.json and status.txt into the state directory (atomically,
 * by rename), as `lofte-gateway status` reads them. */
int daemon_write_status(struct daemon *d, int64_t now_ms);

/* Name of rejection slot i (proto_errname or station_errname). */
const char *daemon_reason_name(int i);

#endif
