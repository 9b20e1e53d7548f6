/* outbox.c -- the record queue as a log of slots over flash pages (layout
 * and power-cut argument in outbox.h).
 *
 * Ordering rules that make it safe, in one place:
 *   - a page's magic is written only after its erase returned;
 *   - a page's seq is written before its first slot;
 *   - a slot's body before its commit word, its commit before it is
 *     reported stored, its state word only after the caller persisted an
 *     ack covering it;
 *   - a page is erased only when it has no live slot and is not the head;
 *   - RAM positions (head page, used slots) move *before* the write they
 *     describe, so a failed write is never written over.
 */
#include "outbox.h"

#include <string.h>

#include "nvflash.h"

#define OUTBOX_MAGIC 0x4C464F42u  /* "LFOB" */
#define OUTBOX_TAG 0x0B0Bu
#define OUTBOX_FREED 0x00000000u

enum page_state {
    PAGE_DIRTY = 0,      /* must be erased before use */
    PAGE_FORMATTED = 1,  /* erased, magic written, no seq: ready to be the head */
    PAGE_USED = 2        /* has a seq; slots from 0 to used-1 written */
};

/* slot word offsets */
#define W_COUNTER 0
#define W_HOLD 1
#define W_META 2
#define W_FRAME 3
#define W_COMMIT OUTBOX_BODY_WORDS
#define W_STATE (OUTBOX_BODY_WORDS + 1)

const char *outbox_strerror(int err)
{
    switch (err) {
    case OUTBOX_OK: return "ok";
    case OUTBOX_ERR_FLASH: return "flash refused a queue read, write or erase";
    case OUTBOX_ERR_FULL: return "record queue full";
    case OUTBOX_ERR_LAYOUT: return "queue flash area too small or too large";
    case OUTBOX_ERR_FRAME: return "frame length outside the uplink range";
    case OUTBOX_ERR_CORRUPT: return "queued frame no longer matches its commit word";
    }
    return "unknown outbox error";
}

uint32_t outbox_slots_per_page(uint32_t page_size)
{
    if (page_size < OUTBOX_HEADER_LEN + OUTBOX_SLOT_LEN)
        return 0;
    return (page_size - OUTBOX_HEADER_LEN) / OUTBOX_SLOT_LEN;
}

size_t outbox_capacity(const struct outbox *ob)
{
    return (size_t)(ob->npages - 1) * ob->spp + 1;
}

static uint32_t page_addr(const struct outbox *ob, uint32_t qpage)
{
    return nvflash_page_addr(ob->board, ob->first_page + qpage);
}

static uint32_t slot_addr(const struct outbox *ob, uint32_t slot)
{
    return page_addr(ob, slot / ob->spp) + OUTBOX_HEADER_LEN + (slot % ob->spp) * OUTBOX_SLOT_LEN;
}

static int layout_ok(const struct board *b, uint32_t first_page, uint32_t npages)
{
    uint32_t spp = outbox_slots_per_page(b->flash->page_size);
    return spp > 0 && spp <= 0xFFFFu && npages >= 2 && npages <= OUTBOX_MAX_PAGES &&
           npages * spp <= OUTBOX_MAX_SLOTS && first_page + npages <= b->flash->page_count;
}

static int setup(struct outbox *ob, const struct board *b, uint32_t first_page,
                 uint32_t npages)
{
    memset(ob, 0, sizeof *ob);
    ob->board = b;
    ob->first_page = first_page;
    ob->npages = npages;
    ob->spp = outbox_slots_per_page(b->flash->page_size);
    ob->head = -1;
    return layout_ok(b, first_page, npages) ? OUTBOX_OK : OUTBOX_ERR_LAYOUT;
}

/* Erase a page and write its magic: afterwards it is FORMATTED. */
static int reclaim(struct outbox *ob, uint32_t qpage)
{
    uint32_t magic = OUTBOX_MAGIC;
    struct outbox_page *p = &ob->pages[qpage];

    p->state = PAGE_DIRTY;
    p->seq = 0;
    p->used = 0;
    p->live = 0;
    if (nvflash_erase(ob->board, ob->first_page + qpage) ||
        nvflash_write(ob->board, page_addr(ob, qpage), &magic, sizeof magic))
        return OUTBOX_ERR_FLASH;
    p->state = PAGE_FORMATTED;
    ob->pages_erased++;
    return OUTBOX_OK;
}

int outbox_format(const struct board *b, uint32_t first_page, uint32_t npages)
{
    uint32_t i, magic = OUTBOX_MAGIC;
    if (!layout_ok(b, first_page, npages))
        return OUTBOX_ERR_LAYOUT;
    for (i = 0; i < npages; i++)
        if (nvflash_erase(b, first_page + i) ||
            nvflash_write(b, nvflash_page_addr(b, first_page + i), &magic, sizeof magic))
            return OUTBOX_ERR_FLASH;
    return OUTBOX_OK;
}

/* Classify a page by its header (and, for an unused one, by checking that
 * nothing was written after the header). */
static int classify(struct outbox *ob, uint32_t qpage)
{
    uint32_t h[4];
    struct outbox_page *p = &ob->pages[qpage];
    int erased;

    if (nvflash_read(ob->board, page_addr(ob, qpage), h, sizeof h))
        return OUTBOX_ERR_FLASH;
    p->state = PAGE_DIRTY;
    if (h[0] != OUTBOX_MAGIC || h[3] != NVFLASH_ERASED)
        return OUTBOX_OK;
    if (h[1] == NVFLASH_ERASED && h[2] == NVFLASH_ERASED) {
        erased = nvflash_range_erased(ob->board, page_addr(ob, qpage) + OUTBOX_HEADER_LEN,
                                      ob->board->flash->page_size - OUTBOX_HEADER_LEN);
        if (erased < 0)
            return OUTBOX_ERR_FLASH;
        if (erased)
            p->state = PAGE_FORMATTED;
        return OUTBOX_OK;
    }
    if (h[2] == ~h[1] && h[1] != 0 && h[1] != NVFLASH_ERASED) {
        p->state = PAGE_USED;
        p->seq = h[1];
    }
    return OUTBOX_OK;
}

/* 1 if a slot's commit word seals its body and the body is one this code
 * writes; whether it is still live is the caller's to judge. */
static int slot_committed(const uint32_t w[OUTBOX_SLOT_WORDS])
{
    uint32_t len = w[W_META] & 0xFFu;
    if (w[W_COMMIT] != nvflash_commit(OUTBOX_TAG, w, OUTBOX_BODY_WORDS * sizeof(uint32_t)))
        return 0;
    return w[W_COUNTER] != 0 && len >= RADIO_UPLINK_MIN_LEN && len <= OUTBOX_FRAME_MAX &&
           (w[W_META] >> 16) == 0;
}

/* Scan a USED page's slots, appending its live records to entries[]. */
static int scan_page(struct outbox *ob, uint32_t qpage, uint32_t acked)
{
    struct outbox_page *p = &ob->pages[qpage];
    uint32_t i, w[OUTBOX_SLOT_WORDS];

    p->used = 0;
    p->live = 0;
    for (i = 0; i < ob->spp; i++) {
        uint32_t slot = qpage * ob->spp + i;
        if (nvflash_read(ob->board, slot_addr(ob, slot), w, sizeof w))
            return OUTBOX_ERR_FLASH;
        if (nvflash_is_erased(w, sizeof w))
            continue;
        /* Appends go after the last slot that is not erased: the bits of a
         * torn slot can never be written over. */
        p->used = (uint16_t)(i + 1);
        if (!slot_committed(w)) {
            ob->dead_slots++;
            continue;
        }
        if (w[W_STATE] != NVFLASH_ERASED || w[W_COUNTER] <= acked)
            continue;  /* freed */
        {
            struct outbox_entry *e = &ob->entries[ob->count++];
            memset(e, 0, sizeof *e);
            e->counter = w[W_COUNTER];
            e->hold_kind = (uint8_t)(w[W_META] >> 8);
            e->slot = (uint16_t)slot;
            p->live++;
        }
    }
    return OUTBOX_OK;
}

int outbox_open(struct outbox *ob, const struct board *b, uint32_t first_page,
                uint32_t npages, uint32_t acked)
{
    uint32_t order[OUTBOX_MAX_PAGES];
    uint32_t i, j, nused = 0;
    int err = setup(ob, b, first_page, npages);
    if (err)
        return err;

    for (i = 0; i < npages; i++) {
        err = classify(ob, i);
        if (err)
            return err;
        if (ob->pages[i].state == PAGE_USED) {
            /* insertion sort by seq: at most OUTBOX_MAX_PAGES, once per boot */
            for (j = nused; j > 0 && ob->pages[order[j - 1]].seq > ob->pages[i].seq; j--)
                order[j] = order[j - 1];
            order[j] = i;
            nused++;
        }
    }
    /* Oldest page first, so entries[] comes out oldest record first. */
    for (i = 0; i < nused; i++) {
        err = scan_page(ob, order[i], acked);
        if (err)
            return err;
    }
    if (nused > 0) {
        ob->head = (int)order[nused - 1];
        ob->max_seq = ob->pages[ob->head].seq;
    }
    /* Repairs: every page other than the head is left either holding live
     * records or formatted. A cut here only repeats the repair next boot. */
    for (i = 0; i < npages; i++) {
        const struct outbox_page *p = &ob->pages[i];
        if ((int)i == ob->head || p->state == PAGE_FORMATTED ||
            (p->state == PAGE_USED && p->live > 0))
            continue;
        err = reclaim(ob, i);
        if (err)
            return err;
    }
    return OUTBOX_OK;
}

static uint32_t next_page(const struct outbox *ob)
{
    return ob->head < 0 ? 0 : ((uint32_t)ob->head + 1) % ob->npages;
}

int outbox_has_room(const struct outbox *ob)
{
    const struct outbox_page *n;
    if (ob->head >= 0 && ob->pages[ob->head].used < ob->spp)
        return 1;
    n = &ob->pages[next_page(ob)];
    return n->state != PAGE_USED || n->live == 0;
}

/* Make the next page the head: erase it if needed, then write its seq. */
static int advance_head(struct outbox *ob)
{
    uint32_t n = next_page(ob), seqw[2];
    struct outbox_page *p = &ob->pages[n];
    int err;

    if (p->state != PAGE_FORMATTED) {
        err = reclaim(ob, n);
        if (err)
            return err;
    }
    seqw[0] = ob->max_seq + 1;
    seqw[1] = ~seqw[0];
    /* The page is head (and dirty, should the write tear) from here on. */
    ob->head = (int)n;
    ob->max_seq = seqw[0];
    p->state = PAGE_USED;
    p->seq = seqw[0];
    p->used = 0;
    p->live = 0;
    if (nvflash_write(ob->board, page_addr(ob, n) + 4, seqw, sizeof seqw)) {
        p->used = (uint16_t)ob->spp;  /* never write into it again this boot */
        return OUTBOX_ERR_FLASH;
    }
    return OUTBOX_OK;
}

int outbox_push(struct outbox *ob, uint32_t counter, uint8_t hold_kind, uint32_t hold,
                const uint8_t *frame, size_t len, struct outbox_entry **entry)
{
    uint32_t w[OUTBOX_BODY_WORDS + 1], slot, addr;
    struct outbox_page *p;
    struct outbox_entry *e;
    int err;

    if (entry)
        *entry = NULL;
    if (len < RADIO_UPLINK_MIN_LEN || len > OUTBOX_FRAME_MAX)
        return OUTBOX_ERR_FRAME;
    if (!outbox_has_room(ob) || ob->count >= OUTBOX_MAX_SLOTS)
        return OUTBOX_ERR_FULL;
    if (ob->head < 0 || ob->pages[ob->head].used >= ob->spp) {
        err = advance_head(ob);
        if (err)
            return err;
    }
    p = &ob->pages[ob->head];
    slot = (uint32_t)ob->head * ob->spp + p->used;
    p->used++;

    memset(w, 0xFF, sizeof w);
    w[W_COUNTER] = counter;
    w[W_HOLD] = hold;
    w[W_META] = (uint32_t)len | (uint32_t)hold_kind << 8;
    memcpy(&w[W_FRAME], frame, len);
    w[W_COMMIT] = nvflash_commit(OUTBOX_TAG, w, OUTBOX_BODY_WORDS * sizeof(uint32_t));
    addr = slot_addr(ob, slot);
    if (nvflash_write(ob->board, addr, w, OUTBOX_BODY_WORDS * sizeof(uint32_t)) ||
        nvflash_write(ob->board, addr + W_COMMIT * 4, &w[W_COMMIT], sizeof w[W_COMMIT]))
        return OUTBOX_ERR_FLASH;

    p->live++;
    e = &ob->entries[ob->count++];
    memset(e, 0, sizeof *e);
    e->counter = counter;
    e->hold_kind = hold_kind;
    e->slot = (uint16_t)slot;
    if (entry)
        *entry = e;
    return OUTBOX_OK;
}

int outbox_free_upto(struct outbox *ob, uint32_t acked)
{
    size_t i, kept = 0;
    uint32_t q;
    int err = OUTBOX_OK;

    for (i = 0; i < ob->count; i++) {
        struct outbox_entry *e = &ob->entries[i];
        if (err == OUTBOX_OK && e->counter <= acked) {
            uint32_t freed = OUTBOX_FREED;
            if (nvflash_write(ob->board, slot_addr(ob, e->slot) + W_STATE * 4, &freed,
                              sizeof freed) == 0) {
                ob->pages[e->slot / ob->spp].live--;
                continue;
            }
            err = OUTBOX_ERR_FLASH;  /* keep the rest as they are */
        }
        if (kept != i)
            ob->entries[kept] = *e;
        kept++;
    }
    ob->count = kept;
    if (err)
        return err;
    for (q = 0; q < ob->npages; q++) {
        const struct outbox_page *p = &ob->pages[q];
        if ((int)q != ob->head && p->state == PAGE_USED && p->live == 0) {
            err = reclaim(ob, q);
            if (err)
                return err;
        }
    }
    return OUTBOX_OK;
}

/* Read an entry's slot body back and check it is still the one indexed. */
static int read_body(const struct outbox *ob, const struct outbox_entry *e,
                     uint32_t w[OUTBOX_BODY_WORDS + 1])
{
    uint32_t len;
    if (nvflash_read(ob->board, slot_addr(ob, e->slot), w, (OUTBOX_BODY_WORDS + 1) * 4u))
        return OUTBOX_ERR_FLASH;
    len = w[W_META] & 0xFFu;
    if (w[W_COMMIT] != nvflash_commit(OUTBOX_TAG, w, OUTBOX_BODY_WORDS * sizeof(uint32_t)) ||
        w[W_COUNTER] != e->counter || len < RADIO_UPLINK_MIN_LEN || len > OUTBOX_FRAME_MAX)
        return OUTBOX_ERR_CORRUPT;
    return OUTBOX_OK;
}

int outbox_read(const struct outbox *ob, const struct outbox_entry *e, uint8_t *buf,
                size_t cap, size_t *len)
{
    uint32_t w[OUTBOX_BODY_WORDS + 1], n;
    int err;

    *len = 0;
    err = read_body(ob, e, w);
    if (err)
        return err;
    n = w[W_META] & 0xFFu;
    if (cap < n)
        return OUTBOX_ERR_FRAME;
    memcpy(buf, &w[W_FRAME], n);
    *len = n;
    return OUTBOX_OK;
}

int outbox_hold(const struct outbox *ob, const struct outbox_entry *e, uint32_t *hold)
{
    uint32_t w[OUTBOX_BODY_WORDS + 1];
    int err = read_body(ob, e, w);
    *hold = err ? 0 : w[W_HOLD];
    return err;
}
