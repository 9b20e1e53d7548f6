/* outbox.h -- the persistent queue of sealed records waiting for an ack.
 *
 * What it holds: for each record the officer logged, the uplink frame exactly
 * as it goes on air (sealed once, at logging: every retransmission is the
 * same bytes under the same counter, and nothing is ever encrypted twice
 * under one nonce), its counter, and a hold-until for delayed drug-sales
 * records. Typical size: about a thousand records in 15 pages of 4 KiB.
 * Operations: one append per logged record, a burst of frees per accepted
 * ack, a full scan at boot. Records leave in counter order (acks are
 * cumulative, docs/protocol.md §6.1), so the queue is a log that wraps
 * around its pages.
 *
 * Page (page_size bytes), slots of OUTBOX_SLOT_LEN = 52 bytes after a
 * 16-byte header (78 slots in a 4096-byte page):
 *
 *   header: word 0   1     2      3
 *          +-------+-----+------+------+
 *          | magic | seq | ~seq | FFFF |
 *          +-------+-----+------+------+
 *   magic: written right after the erase completed (a page without it is
 *          erased again before use: its erase may have been torn);
 *   seq:   written when the page becomes the head of the log; orders the
 *          pages, the highest is the head.
 *
 *   slot:  word 0        1       2       3..10           11        12
 *         +---------+--------+-------+---------------+--------+-------+
 *         | counter | hold   | meta  | frame, 32 B   | commit | state |
 *         +---------+--------+-------+---------------+--------+-------+
 *          meta = len | hold_kind << 8; frame padded with 0xFF
 *          \__________ body, one write ____________/  2nd write  3rd write
 *
 * A slot is live when its commit word seals its body (nvflash.h) and its
 * state word is still 0xFFFFFFFF. Any other non-erased slot is dead (torn
 * body or commit) or freed (state cleared, or counter <= the acked value
 * persisted by the caller), and is skipped; nothing is ever written over a
 * non-erased word. A page is erased only when none of its slots is live and
 * it is not the head; it is given its magic at once.
 *
 * Power cut at any operation, and what the next outbox_open sees:
 *   body or commit torn -> dead slot (the push had not returned: the record
 *                          was never reported stored);
 *   state word torn     -> freed or live; live only re-sends an acked record;
 *   erase torn          -> no magic (the prefix erased first is where it
 *                          lives) -> erased again;
 *   magic or seq torn   -> page erased again (it held no slot yet).
 * So no committed record is lost, none appears twice (each counter is
 * written to one slot only, once), and torn slots are ignored.
 *
 * RAM: one struct outbox_entry (16 B) per live record, OUTBOX_MAX_SLOTS of
 * them, in queue order, so the handheld never scans flash to find what to
 * send; what is needed only at boot or on the first ack (the hold value)
 * and when a frame is read anyway (its length) is read from flash.
 */
#ifndef LOFTE_OUTBOX_H
#define LOFTE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "radio.h"

#define OUTBOX_HEADER_LEN 16
#define OUTBOX_FRAME_MAX RADIO_UPLINK_MAX_LEN
#define OUTBOX_BODY_WORDS (3 + OUTBOX_FRAME_MAX / 4)
#define OUTBOX_SLOT_WORDS (OUTBOX_BODY_WORDS + 2)   /* + commit, state */
#define OUTBOX_SLOT_LEN (OUTBOX_SLOT_WORDS * 4)
/* Queue pages the RAM keeps books for. The host build allows 64 (tests
 * with small pages); the firmware build sets 16 (the boards' 15 queue
 * pages, firmware/CMakeLists.txt): 12 B a page of RAM. */
#ifndef OUTBOX_MAX_PAGES
#define OUTBOX_MAX_PAGES 64
#endif
/* The standard geometry's 15 queue pages of 78 slots (handheld.h): the
 * RAM index is sized for exactly that, since it is most of the RAM. */
#define OUTBOX_MAX_SLOTS 1170

/* hold_kind: how to read hold (drug-sales records, docs/protocol.md §5.5) */
#define OUTBOX_HOLD_NONE 0
#define OUTBOX_HOLD_EPOCH 1   /* hold = lofte-epoch second before which not to send */
#define OUTBOX_HOLD_BOOT 2    /* hold = seconds after (the last) boot: logged with no clock */

enum outbox_err {
    OUTBOX_OK = 0,
    OUTBOX_ERR_FLASH = -1,    /* the board refused a read, write or erase */
    OUTBOX_ERR_FULL = -2,     /* no free slot: nothing was written */
    OUTBOX_ERR_LAYOUT = -3,   /* too few or too many pages, page too small */
    OUTBOX_ERR_FRAME = -4,    /* frame length outside RADIO_UPLINK_MIN_LEN..MAX_LEN */
    OUTBOX_ERR_CORRUPT = -5   /* a slot read back no longer matches its commit */
};

const char *outbox_strerror(int err);

/* 16 bytes per queued record: the RAM index is most of the handheld's RAM
 * (1,170 of them with the standard geometry, 18.7 KiB), so it holds only
 * what the send loop needs on every tick. The frame, its length and the
 * hold value stay in flash (outbox_read, outbox_hold). */
struct outbox_entry {
    uint32_t counter;
    /* Scheduling scratch owned by the caller (handheld.c): zero when the
     * entry is created, never read by the outbox, lost at power-off. */
    uint32_t due;             /* caller's time code for the next send */
    uint32_t not_before;      /* caller's time code of the hold's release */
    uint16_t slot;            /* page (queue-relative) * slots_per_page + index */
    uint8_t hold_kind;        /* OUTBOX_HOLD_*; the hold value is in flash */
    uint8_t tries;            /* caller's: transmissions so far (saturates) */
};

struct outbox_page {
    uint32_t seq;             /* 0 while not in use */
    uint16_t used;            /* slots written (or torn) from the start */
    uint16_t live;
    uint8_t state;            /* internal: formatted, used, dirty */
};

struct outbox {
    const struct board *board;
    uint32_t first_page;      /* flash page of queue page 0 */
    uint32_t npages;
    uint32_t spp;             /* slots per page */
    int head;                 /* queue page being filled, -1 before the first */
    uint32_t max_seq;
    struct outbox_page pages[OUTBOX_MAX_PAGES];
    struct outbox_entry entries[OUTBOX_MAX_SLOTS];   /* live, oldest first */
    size_t count;
    /* what outbox_open found and did, for tests and the status screen */
    uint32_t dead_slots, pages_erased;
};

/* Slots in one page of page_size bytes (0 if it cannot hold one). */
uint32_t outbox_slots_per_page(uint32_t page_size);

/* Records the queue can always take when empty, whatever its position:
 * the page holding the oldest record cannot be reused while that record
 * waits, so one page's worth is the price of wrapping. */
size_t outbox_capacity(const struct outbox *ob);

/* Provisioning: erase and format pages first_page .. first_page+npages-1. */
int outbox_format(const struct board *b, uint32_t first_page, uint32_t npages);

/* Boot: rebuild the queue from flash. Slots with counter <= acked count as
 * freed (the caller persisted the ack before freeing). Repairs as it goes:
 * erases pages left dirty by a cut, so it writes flash too. */
int outbox_open(struct outbox *ob, const struct board *b, uint32_t first_page,
                uint32_t npages, uint32_t acked);

/* 1 if outbox_push would find a slot (possibly after erasing a freed page). */
int outbox_has_room(const struct outbox *ob);

/* Append a sealed frame. Returns only after the commit word is written; on
 * OUTBOX_ERR_FULL nothing was written. *entry (if not NULL) points to the
 * new entry, valid until the next push or free. */
int outbox_push(struct outbox *ob, uint32_t counter, uint8_t hold_kind, uint32_t hold,
                const uint8_t *frame, size_t len, struct outbox_entry **entry);

/* Free every record with counter <= acked, erasing pages left without a
 * live slot. */
int outbox_free_upto(struct outbox *ob, uint32_t acked);

/* Read an entry's sealed frame back from flash (checked against its
 * commit word); *len is its length. */
int outbox_read(const struct outbox *ob, const struct outbox_entry *e, uint8_t *buf,
                size_t cap, size_t *len);

/* Read an entry's hold value (see hold_kind) back from flash, checked
 * against its commit word like outbox_read. */
int outbox_hold(const struct outbox *ob, const struct outbox_entry *e, uint32_t *hold);

static inline size_t outbox_depth(const struct outbox *ob)
{
    return ob->count;
}

#endif
