/* nvflash.h -- the few rules every flash structure of the handheld shares.
 *
 * The handheld keeps three structures in flash (identity.h, statelog.h,
 * outbox.h). All of them must survive a power cut at any instant, on a
 * medium where a write can only clear bits and a cut may leave the word in
 * flight, or the page being erased, half done (board.h). They all use the
 * same two tools, so they live here once:
 *
 *   - A *commit word*, written last, after the body it seals:
 *
 *         commit = tag << 16 | crc16(body)
 *
 *     A torn commit write leaves some of its zero bits still at one, so it
 *     can never equal the intended value; a torn body write never gets a
 *     commit at all. The CRC also ties the commit to this body, so an old
 *     commit word cannot bless new contents, and the tag (one per structure)
 *     keeps a slot of one structure from passing as another's.
 *   - Access wrappers that turn a board error into one code and remember the
 *     board's own reason (so the caller can tell a power cut from a bug).
 *
 * Words in flash are stored in the MCU's own byte order: these bytes never
 * leave the device, so unlike the wire formats they need no fixed order.
 */
#ifndef LOFTE_NVFLASH_H
#define LOFTE_NVFLASH_H

#include <stddef.h>
#include <stdint.h>

#include "board.h"

#define NVFLASH_ERASED 0xFFFFFFFFu

/* Flash access through the board. Each returns 0 or the board's negative
 * code (enum board_err); BOARD_ERR_POWER means the power is going away. */
int nvflash_read(const struct board *b, uint32_t addr, void *buf, uint32_t len);
int nvflash_write(const struct board *b, uint32_t addr, const void *buf, uint32_t len);
int nvflash_erase(const struct board *b, uint32_t page);

/* Address of byte 0 of a page. */
static inline uint32_t nvflash_page_addr(const struct board *b, uint32_t page)
{
    return page * b->flash->page_size;
}

/* 1 if the bytes are all 0xFF (erased), else 0. */
int nvflash_is_erased(const void *buf, size_t len);

/* 1 if every byte of the flash range reads 0xFF; 0 if not; negative board
 * code if the read failed. */
int nvflash_range_erased(const struct board *b, uint32_t addr, uint32_t len);

/* The commit word sealing body[0..len) for a structure tagged tag. */
uint32_t nvflash_commit(uint16_t tag, const void *body, size_t len);

#endif
