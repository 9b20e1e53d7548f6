/* statelog.h -- the handheld's small persistent state: counter reservation,
 * the last station_time the clock was taken from, the cumulative ack, and
 * the officer's interface settings.
 *
 * Written rarely (once per 64 counters, once per accepted ack, once per
 * change of a setting), read once at boot. A log of 32-byte entries that
 * alternates between two pages:
 *
 *   page:  word 0    1     2      3          then entries from byte 16
 *         +-------+-----+------+------+
 *         | magic | gen | ~gen | FFFF |
 *         +-------+-----+------+------+
 *   entry: word 0          1           2       3             4         5        6      7
 *         +-------------+-----------+-------+-------------+----------+--------+------+--------+
 *         | reserved_   | last_ack_ | acked | settings_   | settings | recent | FFFF | commit |
 *         | until       | time      |       | seq         |          |        |      |        |
 *         +-------------+-----------+-------+-------------+----------+--------+------+--------+
 *
 * Why it is safe at any power cut:
 *   - an entry is body first, commit word last (nvflash.h), so a torn entry
 *     is never read;
 *   - every counter value only grows (reservations, ack times and the
 *     cumulative ack all move forward), so it is the field-wise maximum
 *     over every committed entry of both pages: no entry needs to know it
 *     is the last, and an old entry that survived a torn erase cannot pull
 *     a value back;
 *   - settings do not grow, so they carry a sequence number that does: the
 *     settings (and recent) of the committed entry with the highest
 *     settings_seq are the current ones, by the same argument;
 *   - when a page is full the *other* page is erased, given the next
 *     generation's header and the state; the full page is left alone until
 *     the following switch, so one valid copy exists at every instant.
 * The header (written only after an erase completed) tells which page to
 * append to; a page whose header is torn or missing is never appended to.
 *
 * Wear: 127 entries a page. With an entry per record (acks) and a few per
 * shift (settings), a page is erased every few days: the nRF52840's
 * 10,000 erase cycles last centuries.
 */
#ifndef LOFTE_STATELOG_H
#define LOFTE_STATELOG_H

#include <stdint.h>

#include "board.h"

#define STATELOG_HEADER_LEN 16
#define STATELOG_ENTRY_LEN 32

enum statelog_err {
    STATELOG_OK = 0,
    STATELOG_ERR_FLASH = -1,    /* the board refused a read, write or erase */
    STATELOG_ERR_EMPTY = -2,    /* no committed entry: never formatted */
    STATELOG_ERR_LAYOUT = -3    /* page too small for a header and two entries */
};

const char *statelog_strerror(int err);

struct statelog_values {
    uint32_t reserved_until;   /* counters below this may have been handed out */
    uint32_t last_ack_time;    /* newest station_time the clock was set from, 0 = none */
    uint32_t acked;            /* highest cumulative ack accepted (docs/protocol.md §6.1) */
    /* The interface's settings, opaque here (sensors/ui.c packs them).
     * Not a maximum: the entry with the highest settings_seq wins; 0 =
     * never saved. */
    uint32_t settings_seq;
    uint32_t settings;
    uint32_t recent;
};

struct statelog {
    const struct board *board;
    uint32_t page[2];
    int cur;                   /* index into page[] appended to */
    uint32_t gen;              /* generation of page[cur] */
    uint32_t write_off;        /* byte offset of the next entry in page[cur] */
    struct statelog_values v;  /* the current state */
    uint32_t entries_written;  /* since open, for tests */
};

/* Provisioning: erase both pages and write the initial state (reservation
 * 1, no ack). */
int statelog_format(struct statelog *sl, const struct board *b, uint32_t page_a,
                    uint32_t page_b);

/* Boot: find the state. STATELOG_ERR_EMPTY if no page holds a committed
 * entry (the device was never provisioned). */
int statelog_open(struct statelog *sl, const struct board *b, uint32_t page_a,
                  uint32_t page_b);

/* Persist new values. Each counter field becomes max(old, new), the
 * settings those of the higher settings_seq: callers pass the whole state
 * with the fields they change. On error sl->v is unchanged and
 * the flash holds either the old or (if the cut came after the commit) the
 * new state. */
int statelog_write(struct statelog *sl, const struct statelog_values *v);

#endif
