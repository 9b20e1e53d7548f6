/* statelog.c -- two-page log of the handheld's growing-only state (the
 * layout and the power-cut argument are in statelog.h). */
#include "statelog.h"

#include <string.h>

#include "nvflash.h"

#define STATELOG_MAGIC 0x4C465354u  /* "LFST" */
#define STATELOG_TAG 0x57A7u

const char *statelog_strerror(int err)
{
    switch (err) {
    case STATELOG_OK: return "ok";
    case STATELOG_ERR_FLASH: return "flash refused a state read, write or erase";
    case STATELOG_ERR_EMPTY: return "no committed state in flash";
    case STATELOG_ERR_LAYOUT: return "state page too small";
    }
    return "unknown state log error";
}

static uint32_t max_u32(uint32_t a, uint32_t b)
{
    return a > b ? a : b;
}

static void merge(struct statelog_values *into, const struct statelog_values *v)
{
    into->reserved_until = max_u32(into->reserved_until, v->reserved_until);
    into->last_ack_time = max_u32(into->last_ack_time, v->last_ack_time);
    into->acked = max_u32(into->acked, v->acked);
    if (v->settings_seq > into->settings_seq) {
        into->settings_seq = v->settings_seq;
        into->settings = v->settings;
        into->recent = v->recent;
    }
}

static int layout_ok(const struct board *b)
{
    return b->flash->page_size >= STATELOG_HEADER_LEN + 2 * STATELOG_ENTRY_LEN;
}

/* Append one entry at write_off, body then commit. write_off moves first,
 * so a failed write is never written over. */
#define BODY_WORDS 6
#define COMMIT_WORD 7

static int append(struct statelog *sl, const struct statelog_values *v)
{
    uint32_t e[BODY_WORDS + 1];
    uint32_t addr = nvflash_page_addr(sl->board, sl->page[sl->cur]) + sl->write_off;

    e[0] = v->reserved_until;
    e[1] = v->last_ack_time;
    e[2] = v->acked;
    e[3] = v->settings_seq;
    e[4] = v->settings;
    e[5] = v->recent;
    e[6] = nvflash_commit(STATELOG_TAG, e, BODY_WORDS * sizeof(uint32_t));
    sl->write_off += STATELOG_ENTRY_LEN;
    /* word 6 stays erased: room for one more field without a new layout */
    if (nvflash_write(sl->board, addr, e, BODY_WORDS * sizeof(uint32_t)) ||
        nvflash_write(sl->board, addr + COMMIT_WORD * sizeof(uint32_t), &e[6], sizeof e[6]))
        return STATELOG_ERR_FLASH;
    sl->entries_written++;
    return STATELOG_OK;
}

/* Erase page[idx], then give it generation gen. The header goes in one
 * write after the erase returned: present means the erase completed. */
static int start_page(struct statelog *sl, int idx, uint32_t gen)
{
    uint32_t h[3];
    h[0] = STATELOG_MAGIC;
    h[1] = gen;
    h[2] = ~gen;
    if (nvflash_erase(sl->board, sl->page[idx]) ||
        nvflash_write(sl->board, nvflash_page_addr(sl->board, sl->page[idx]), h, sizeof h))
        return STATELOG_ERR_FLASH;
    sl->cur = idx;
    sl->gen = gen;
    sl->write_off = STATELOG_HEADER_LEN;
    return STATELOG_OK;
}

int statelog_format(struct statelog *sl, const struct board *b, uint32_t page_a,
                    uint32_t page_b)
{
    struct statelog_values init = {1, 0, 0, 0, 0, 0};
    int err;

    memset(sl, 0, sizeof *sl);
    sl->board = b;
    sl->page[0] = page_a;
    sl->page[1] = page_b;
    if (!layout_ok(b))
        return STATELOG_ERR_LAYOUT;
    if (nvflash_erase(b, page_b))
        return STATELOG_ERR_FLASH;
    err = start_page(sl, 0, 1);
    if (!err)
        err = append(sl, &init);
    if (!err)
        sl->v = init;
    return err;
}

int statelog_open(struct statelog *sl, const struct board *b, uint32_t page_a,
                  uint32_t page_b)
{
    int i, found = 0, have_cur = 0;

    memset(sl, 0, sizeof *sl);
    sl->board = b;
    sl->page[0] = page_a;
    sl->page[1] = page_b;
    if (!layout_ok(b))
        return STATELOG_ERR_LAYOUT;

    for (i = 0; i < 2; i++) {
        uint32_t base = nvflash_page_addr(b, sl->page[i]);
        uint32_t h[4], e[STATELOG_ENTRY_LEN / 4], off, end = STATELOG_HEADER_LEN;
        int header_ok;

        if (nvflash_read(b, base, h, sizeof h))
            return STATELOG_ERR_FLASH;
        header_ok = h[0] == STATELOG_MAGIC && h[2] == ~h[1] && h[1] != 0;
        for (off = STATELOG_HEADER_LEN; off + STATELOG_ENTRY_LEN <= b->flash->page_size;
             off += STATELOG_ENTRY_LEN) {
            if (nvflash_read(b, base + off, e, sizeof e))
                return STATELOG_ERR_FLASH;
            if (nvflash_is_erased(e, sizeof e))
                continue;
            /* Appends go after the last written entry, torn ones included:
             * a torn entry's bits cannot be written over. */
            end = off + STATELOG_ENTRY_LEN;
            if (e[COMMIT_WORD] == nvflash_commit(STATELOG_TAG, e, BODY_WORDS * sizeof(uint32_t))) {
                struct statelog_values v;
                v.reserved_until = e[0];
                v.last_ack_time = e[1];
                v.acked = e[2];
                v.settings_seq = e[3];
                v.settings = e[4];
                v.recent = e[5];
                merge(&sl->v, &v);
                found = 1;
            }
        }
        if (header_ok && (!have_cur || h[1] > sl->gen)) {
            have_cur = 1;
            sl->cur = i;
            sl->gen = h[1];
            sl->write_off = end;
        }
    }
    if (!found)
        return STATELOG_ERR_EMPTY;
    if (!have_cur) {
        /* Committed entries but no intact header: this code never leaves
         * flash so (a switch only erases the page that is not current), so
         * the flash has decayed. Appending would mean erasing a page that
         * may hold the only copy; refuse, the device must be re-keyed. */
        return STATELOG_ERR_EMPTY;
    }
    if (sl->v.reserved_until == 0)
        sl->v.reserved_until = 1;  /* counter 0 is never handed out */
    return STATELOG_OK;
}

int statelog_write(struct statelog *sl, const struct statelog_values *v)
{
    struct statelog_values nv = sl->v;
    int err;

    merge(&nv, v);
    if (sl->write_off + STATELOG_ENTRY_LEN > sl->board->flash->page_size) {
        /* Full: move to the other page. The full page keeps the state until
         * the new page holds a committed entry (and long after). */
        err = start_page(sl, 1 - sl->cur, sl->gen + 1);
        if (err)
            return err;
    }
    err = append(sl, &nv);
    if (err)
        return err;
    sl->v = nv;
    return STATELOG_OK;
}
