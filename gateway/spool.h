/* spool.h -- the gateway's durable outbox: every accepted record, on disk,
 * until the collector says it has committed it.
 *
 * Design note. The spool is one SQLite file (WAL mode) with two tables that
 * change together: `outbox`, the records not yet acknowledged by the
 * collector, and `devices`, the station's per-device counter state (ref,
 * acked, last ack time, held bitmap; station.h). A record and the device
 * state that says "held" are written in ONE transaction, committed with
 * synchronous=FULL, and only then may the gateway ack the device: so a
 * SIGKILL or power cut at any instant leaves either both or neither, and a
 * restart reopens no replay window (docs/protocol.md §5.3).
 *
 * The gateway's path for a burst of frames (several per transaction, so one
 * fsync covers them all):
 *
 *   spool_begin()                      checks free space, BEGIN IMMEDIATE
 *   for each authentic frame:
 *     spool_put()                      NEW, or DUPLICATE (already spooled)
 *     station_mark_held(), station_make_ack()
 *     spool_save_device()              state after the ack's last_ack_time
 *   spool_commit()                     durable; now send the acks
 *
 * On any error inside the transaction the caller calls spool_rollback() and
 * then spool_load_devices() to put its in-memory station back to the state
 * on disk (station_mark_held already moved it), sends no ack, and drops the
 * frames: the devices keep them and send them again.
 *
 * Typical sizes: a few thousand devices (a 128-byte bitmap each), a few
 * records per device per day; the outbox is empty while the collector is
 * reachable and holds days of records (tens of thousands of rows, ~100 B
 * each) when it is not. Rows are deleted when the collector acknowledges
 * them; a device's later retransmission of such a record is recognised by
 * the persisted station state instead (and, beyond its window, by the
 * collector's UNIQUE(device, counter)).
 *
 * Row ids are AUTOINCREMENT: an id is never reused, even after its row was
 * deleted, so a late acknowledgement can only ever name the row it meant.
 *
 * Only spool.c includes sqlite3.h.
 */
#ifndef LOFTE_SPOOL_H
#define LOFTE_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "station.h"

enum spool_verdict {
    SPOOL_NEW = 1,        /* stored now */
    SPOOL_DUPLICATE = 2   /* (device, counter) already in the outbox: ack again */
};

enum spool_err {
    SPOOL_OK = 0,
    SPOOL_ERR_OPEN = -300,    /* cannot open or create the file, or it is not a spool */
    SPOOL_ERR_SCHEMA = -301,  /* written by a newer lofte; refusing to guess */
    SPOOL_ERR_FULL = -302,    /* disk (or the configured size cap) is full: stop intake */
    SPOOL_ERR_IO = -303,      /* any other SQLite or file system failure */
    SPOOL_ERR_BAD_ROW = -304, /* a record that does not decode, device 0, counter 0 */
    SPOOL_ERR_TXN = -305      /* called inside/outside a transaction against the rules */
};

/* How a frame was heard: copied from the modem's RX message (modem.h). */
struct spool_rx {
    uint64_t rx_time_ms;  /* Unix ms when the frame ended on air, 0 = unknown */
    uint32_t freq_hz;
    int16_t rssi_dBm;
    int8_t snr_qdB;       /* SNR in quarter dB */
    uint8_t sf;           /* spreading factor 7..12 */
    uint16_t bw_kHz;
    uint16_t station;     /* the hearing gateway's station id (acks' station field) */
};

/* One outbox row: what the gateway carries upstream (docs/upstream.md §3). */
struct spool_row {
    uint64_t id;            /* row id, assigned by spool_put; never reused */
    uint32_t device;        /* pseudonym, 1..0xFFFFFFFE */
    uint32_t counter;       /* full 32-bit frame counter, 1.. */
    struct spool_rx rx;
    int64_t spooled_at_ms;  /* Unix ms of the commit that stored it (local only) */
    uint8_t was_sent;       /* spool_unsent: sent before, not acknowledged in time */
    uint8_t record_len;     /* RECORD_MIN_LEN..RECORD_MAX_LEN */
    uint8_t record[RECORD_MAX_LEN]; /* record_encode() bytes, the one format */
    /* The sealed radio frame the record came in, exactly as heard
     * (docs/protocol.md §3), so that the collector can check the device's
     * tag itself (docs/upstream.md §3.2). 0: not kept (a row spooled by a
     * gateway before spool schema 2). */
    uint8_t frame_len;      /* 0 or RADIO_UPLINK_MIN_LEN..RADIO_UPLINK_MAX_LEN */
    uint8_t frame[RADIO_UPLINK_MAX_LEN];
};

struct spool_options {
    /* spool_begin refuses (SPOOL_ERR_FULL) when the file system holding the
     * spool has less free space than this: the gateway stops taking records
     * while SQLite can still delete delivered rows. 0 disables the check. */
    int64_t min_free_bytes;
    /* Cap on the database size (PRAGMA max_page_count); 0 = no cap. */
    int64_t max_bytes;
};

#define SPOOL_DEFAULT_MIN_FREE_BYTES (64LL * 1024 * 1024)

struct spool;

/* A sentence for a code (spool_err, or SPOOL_NEW/DUPLICATE); never NULL. */
const char *spool_strerror(int err);
const char *spool_errname(int err);

/* Open or create the spool at path (opt NULL: defaults). Fails with
 * SPOOL_ERR_OPEN or SPOOL_ERR_SCHEMA and a sentence in err. */
int spool_open(struct spool **out, const char *path, const struct spool_options *opt,
               char *err, size_t errlen);
void spool_close(struct spool *s);

/* Start a write transaction. SPOOL_ERR_FULL when free space is below the
 * threshold (nothing was started); SPOOL_ERR_TXN when one is open. */
int spool_begin(struct spool *s, char *err, size_t errlen);
/* Commit with synchronous=FULL: on SPOOL_OK everything put and saved since
 * spool_begin survives power loss. On failure the transaction is rolled
 * back (call spool_load_devices to resync) and nothing may be acked. */
int spool_commit(struct spool *s, char *err, size_t errlen);
/* Abandon the open transaction, if any. Always safe to call. */
void spool_rollback(struct spool *s);

/* Fill row from a decoded record (record_encode) and its reception; id and
 * spooled_at_ms are left 0. Fails with a proto_err when the record does not
 * encode. */
int spool_row_fill(struct spool_row *row, uint32_t device, uint32_t counter,
                   const struct record *rec, const struct spool_rx *rx);
/* Keep the sealed frame the row's record was opened from (after
 * spool_row_fill). PROTO_ERR_OUT_OF_RANGE for a length no uplink has. */
int spool_row_set_frame(struct spool_row *row, const uint8_t *frame, size_t len);

/* Store row (its id and spooled_at_ms are ignored). Returns SPOOL_NEW,
 * SPOOL_DUPLICATE (already held: nothing written), SPOOL_ERR_FULL (the
 * caller must roll back, stop intake and not ack), or another error. May
 * be called outside a transaction (it then commits by itself). */
int spool_put(struct spool *s, const struct spool_row *row, char *err, size_t errlen);

/* Persist one device's counter state (never its key: its key check and
 * reuse floor, station.h). Call it in the same transaction as the
 * spool_put that changed it. */
int spool_save_device(struct spool *s, const struct station_device *d, char *err, size_t errlen);

/* Call fn for every persisted device state (key all zero: the key store
 * owns keys). A nonzero return from fn stops the walk and is returned. */
typedef int (*spool_device_fn)(void *ctx, const struct station_device *state);
int spool_load_devices(struct spool *s, spool_device_fn fn, void *ctx, char *err, size_t errlen);

/* Up to cap rows due for (re)sending, oldest first: rows never sent since
 * this spool was opened (or since spool_forget_sent), and rows sent at or
 * before now_ms - resend_after_ms without an acknowledgement. *n is the
 * count. SPOOL_ERR_TXN inside a transaction: uncommitted rows must never
 * leave the gateway. */
int spool_unsent(struct spool *s, int64_t now_ms, int64_t resend_after_ms,
                 struct spool_row *rows, size_t cap, size_t *n, char *err, size_t errlen);
/* These rows were handed to the link at now_ms (kept in memory only: after a
 * restart every row is due again). */
int spool_mark_sent(struct spool *s, const uint64_t *ids, size_t n, int64_t now_ms,
                    char *err, size_t errlen);
/* The link was re-established: every unacknowledged row is due now. */
void spool_forget_sent(struct spool *s);
/* The collector committed these rows: delete them. Unknown ids (already
 * deleted: a repeated ack) are ignored; *deleted (may be NULL) counts the
 * rows removed. */
int spool_mark_delivered(struct spool *s, const uint64_t *ids, size_t n, size_t *deleted,
                         char *err, size_t errlen);

/* Rows awaiting the collector's acknowledgement; negative spool_err on error. */
int64_t spool_depth(struct spool *s);
/* Age of the oldest such row at now_ms (0 when empty); negative on error. */
int64_t spool_oldest_age_ms(struct spool *s, int64_t now_ms);
/* Bumped by every commit that stored a new row: cheap "anything new?". */
uint64_t spool_generation(const struct spool *s);
/* SPOOL_OK, or SPOOL_ERR_FULL when free space is below the threshold. */
int spool_check_space(struct spool *s, char *err, size_t errlen);

#endif
