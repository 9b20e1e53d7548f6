/* cstatus.h -- what the collector's operator and monitoring see: status
 * files in the state directory and the Prometheus metrics.
 *
 * Design note. As the gateway does (gateway/status.c), the collector's loop
 * writes status.json (for tools) and status.txt (for `lofte-collector
 * status`) every CSTATUS_PERIOD_MS, each replaced atomically
 * (statefile.h), and right after renders the same values as metrics text
 * for the HTTP thread to serve (metrics.h): one source for all three, read
 * only from the loop. The files hold counts, gateway names and public keys,
 * never a record or a secret key.
 *
 * `lofte-collector status [STATE_DIR]` exits like `lofte-gateway status`:
 * 0 running and storing, 1 not running (no status file, or one older than
 * CSTATUS_STALE_S), 2 usage, 3 running but the intake is stopped (the store
 * refuses batches: disk full or a database error).
 */
#ifndef LOFTE_CSTATUS_H
#define LOFTE_CSTATUS_H

#include <stdint.h>

#include "intake.h"

#define CSTATUS_PERIOD_MS 2000
#define CSTATUS_STALE_S 10

enum { CSTATUS_OK = 0, CSTATUS_NOT_RUNNING = 1, CSTATUS_USAGE = 2, CSTATUS_STOPPED = 3 };

struct metrics;

struct cstatus {
    const char *state_dir;      /* where the files go */
    const char *db_path;        /* for the database's size (with its -wal) */
    int64_t started_ms;
    int64_t written_ms;         /* last cstatus_write */
    struct metrics *metrics;    /* NULL: no metrics */
    int warned;                 /* a failed write was logged */
};

/* Write both files and publish the metrics; -1 if a file could not be
 * written (logged once, until a write succeeds again). */
int cstatus_write(struct cstatus *cs, const struct intake *in, int64_t now_ms);

/* `lofte-collector status DIR`: print status.txt, return the exit code. */
int cstatus_show(const char *dir);

#endif
