/* daemon.h -- the gateway daemon: modem in, durable spool, acks out,
 * collector upstream.
 *
 * One thread, one poll loop (inside upstream_service, which also waits on
 * the modem's fd). The frames read within a short bound form one GROUP,
 * whatever number of modem reads brought them:
 *   1. read the modem; for every RX: verify (station.c) and keep a new
 *      record in the open group (memory only: no transaction is open while
 *      the loop waits, so the upstream link may use the spool meanwhile);
 *   2. when the group is DAEMON_GROUP_MS old, holds DAEMON_GROUP_MAX
 *      frames, or an ack of it would otherwise come too close to its slot:
 *      one spool transaction stores the whole group and every device state
 *      it moved, commits (synchronous=FULL, one fsync), and only then the
 *      acks the frames earned are sent and the records published on the
 *      live feed: an ack promises the device the record is durable, so it
 *      may never precede the commit. A commit that fails acks nothing of
 *      the group and puts the station back to what the spool holds;
 *   3. upstream_service sends due spool rows to the collector and deletes
 *      those the collector acknowledges after its own commit.
 * Holding a group delays no ack: an ack starts on the first whole second
 * at least 1 s after its uplink (docs/protocol.md §3.1), so a group closed
 * within 100 ms still reaches the modem in time for that second; a frame
 * read late (its slot nearer than DAEMON_GROUP_MS + DAEMON_GROUP_TX_MARGIN_MS)
 * closes its group early.
 * With station_clock = modem (simulations and replays, whose modem clock
 * stands still while they wait for an ack) there is no hold: a group is
 * what one read brings.
 * A full disk stops intake (nothing stored, nothing acked: devices keep
 * their records) and says so loudly until space returns.
 *
 * Typical load: a few frames a minute (a group of one, committed 100 ms
 * after it was read); the line's maximum at 115200 baud is about 213 RX
 * messages a second: about 21 frames a group, ten commits a second.
 */
#ifndef LOFTE_DAEMON_H
#define LOFTE_DAEMON_H

#include <signal.h>
#include <stdint.h>

#include "config.h"
#include "feed.h"
#include "log.h"
#include "modemdrv.h"
#include "modemlink.h"
#include "spool.h"
#include "station.h"
#include "upstream.h"

struct metrics; /* metrics.h */

#define DAEMON_MAX_DEVICES 4096
#define DAEMON_STATUS_PERIOD_MS 2000
/* Group commit bounds (see above): the longest a read frame waits for its
 * commit, the most frames one commit covers, and the time an ack needs
 * after its group's commit to reach the modem before its slot (the serial
 * queue of a full group's acks at 115200 baud is below 50 ms). */
#define DAEMON_GROUP_MS 100
#define DAEMON_GROUP_MAX 256
#define DAEMON_GROUP_TX_MARGIN_MS 300
/* A group whose opening read brought fewer messages than this is on a slow
 * line: the modem need not be watched while it waits (daemon_run). */
#define DAEMON_GROUP_HOLD_READ 16
/* A committed group this large says the line is faster than a radio's
 * 213 frames/s (21 a group): the next group does not hold the modem. */
#define DAEMON_GROUP_FAST 64
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

/* A device with frames in the open group: what it earns once the group
 * commits (one ack for all its frames, their counts). */
struct daemon_batch_dev {
    size_t index;                /* into devs and view */
    uint64_t rx_time_ms;         /* of its latest uplink in the batch: the ack answers it */
    int64_t read_ms;             /* the gateway's clock when that uplink was read */
    uint8_t sf;
    uint64_t records, duplicates;
};

/* A new record of the open group, stored at the group's commit. */
struct daemon_group_row {
    size_t batch;                /* its device's entry in daemon.batch */
    struct spool_row row;
    struct record rec;           /* for the live feed */
    int stored;                  /* SPOOL_NEW at the commit (else already spooled) */
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
    struct modemdrv ml;          /* lofte, rui3 or wio-e5 (modemdrv.h) */
    struct spool *spool;
    struct upstream *up;
    struct feed *feed;

    int opened;                  /* daemon_open finished */
    enum station_clock clock;    /* which clock station_time follows (§6.2) */
    int intake_stopped;          /* disk full or a failed write: not storing, not acking */
    char intake_reason[256];
    int64_t intake_logged_ms;
    int resync_needed;           /* in-memory state may differ from the spool: no acks */
    struct daemon_batch_dev *batch; /* devices with frames in the open group */
    size_t nbatch;
    size_t *batch_slot;          /* per device: 1 + its index in batch, 0 = none */
    uint64_t batch_frames;       /* authentic frames in the open group */
    int64_t group_close_ms;      /* when the open group must commit (gateway clock) */
    int group_busy;              /* the group's opening read brought many frames */
    int line_fast;               /* the last group committed held DAEMON_GROUP_FAST frames */
    struct daemon_group_row *group; /* its new records, in arrival order */
    size_t ngroup, group_cap;
    struct daemon_pending_ack *acks;
    size_t nacks, acks_cap;

    uint64_t rx_frames, accepted, duplicates, acks_sent, acks_skipped, not_stored;
    uint64_t acks_batched;       /* uplinks answered by the one ack of their batch */
    uint64_t spool_failures;     /* groups rolled back after a spool error */
    uint64_t modem_clock_off;    /* RX stamped beyond the tolerance from our clock */
    int64_t modem_offset_ms;     /* of the last stamped RX: modem minus gateway clock */
    int64_t clock_logged_ms;
    struct log_limit upstream_limit[DAEMON_UPSTREAM_EVENTS];
    uint64_t acks_future;        /* acks carrying a persisted station_time ahead of our clock */
    uint64_t rejected[DAEMON_REASONS];
    int modem_was_up, collector_was_up;
    int64_t started_ms, status_written_ms, backlog_logged_ms;
    volatile sig_atomic_t *stop;
    struct metrics *metrics;     /* NULL: no --metrics; the caller opens and closes it */
    volatile sig_atomic_t *reload; /* set (by SIGHUP): daemon_reload at the next turn */
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

/* SIGHUP: re-read the key file (a broken one keeps the keys in force) and
 * the config file's log_level, between batches: no record in hand is
 * dropped, and counter state comes from the spool as at start. */
void daemon_reload(struct daemon *d);

/* Render the metrics (daemon_metrics.c) and hand them to d->metrics, if
 * any; called by daemon_write_status, so at most once per status period
 * and always from the loop. */
void daemon_publish_metrics(struct daemon *d, int64_t now_ms);

/* Name of rejection slot i (proto_errname or station_errname). */
const char *daemon_reason_name(int i);

#endif
