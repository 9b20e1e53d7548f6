/* nvflash.c -- flash access and commit words shared by identity, statelog
 * and outbox (see nvflash.h for why a commit word detects a torn write). */
#include "nvflash.h"

#include "crc16.h"

int nvflash_read(const struct board *b, uint32_t addr, void *buf, uint32_t len)
{
    return b->flash->read(b->ctx, addr, buf, len);
}

int nvflash_write(const struct board *b, uint32_t addr, const void *buf, uint32_t len)
{
    return b->flash->write(b->ctx, addr, buf, len);
}

int nvflash_erase(const struct board *b, uint32_t page)
{
    return b->flash->erase(b->ctx, page);
}

int nvflash_is_erased(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    size_t i;
    for (i = 0; i < len; i++)
        if (p[i] != 0xFF)
            return 0;
    return 1;
}

int nvflash_range_erased(const struct board *b, uint32_t addr, uint32_t len)
{
    uint8_t chunk[64];
    while (len > 0) {
        uint32_t n = len < sizeof chunk ? len : (uint32_t)sizeof chunk;
        int err = nvflash_read(b, addr, chunk, n);
        if (err)
            return err;
        if (!nvflash_is_erased(chunk, n))
            return 0;
        addr += n;
        len -= n;
    }
    return 1;
}

uint32_t nvflash_commit(uint16_t tag, const void *body, size_t len)
{
    return (uint32_t)tag << 16 | crc16((const uint8_t *)body, len);
}
