/* identity.c -- the provisioning page (layout in identity.h). */
#include "identity.h"

#include <string.h>

#include "nvflash.h"

#define IDENTITY_MAGIC 0x4C464944u  /* "LFID" */
#define IDENTITY_TAG 0x1D1Du
#define IDENTITY_BODY_WORDS 6       /* magic, device, key */

const char *identity_strerror(int err)
{
    switch (err) {
    case IDENTITY_OK: return "ok";
    case IDENTITY_ERR_FLASH: return "flash refused an identity read, write or erase";
    case IDENTITY_ERR_NONE: return "no committed identity in flash";
    case IDENTITY_ERR_DEVICE: return "device pseudonym 0 and 0xFFFFFFFF are reserved";
    }
    return "unknown identity error";
}

static void identity_body(const struct identity *id, uint32_t body[IDENTITY_BODY_WORDS])
{
    body[0] = IDENTITY_MAGIC;
    body[1] = id->device;
    memcpy(&body[2], id->key, RADIO_KEY_LEN);
}

int identity_write(const struct board *b, uint32_t page, const struct identity *id)
{
    uint32_t body[IDENTITY_BODY_WORDS], commit;
    uint32_t addr = nvflash_page_addr(b, page);
    int err;

    if (id->device == 0 || id->device == 0xFFFFFFFFu)
        return IDENTITY_ERR_DEVICE;
    identity_body(id, body);
    commit = nvflash_commit(IDENTITY_TAG, body, sizeof body);
    err = nvflash_erase(b, page) || nvflash_write(b, addr, body, sizeof body) ||
          nvflash_write(b, addr + sizeof body, &commit, sizeof commit);
    memset(body, 0, sizeof body);  /* the key does not linger on the stack */
    return err ? IDENTITY_ERR_FLASH : IDENTITY_OK;
}

int identity_read(const struct board *b, uint32_t page, struct identity *id)
{
    uint32_t words[IDENTITY_BODY_WORDS + 1];
    int err = nvflash_read(b, nvflash_page_addr(b, page), words, sizeof words);

    memset(id, 0, sizeof *id);
    if (err)
        return IDENTITY_ERR_FLASH;
    if (words[0] != IDENTITY_MAGIC ||
        words[IDENTITY_BODY_WORDS] !=
            nvflash_commit(IDENTITY_TAG, words, IDENTITY_BODY_WORDS * sizeof(uint32_t)))
        return IDENTITY_ERR_NONE;
    if (words[1] == 0 || words[1] == 0xFFFFFFFFu)
        return IDENTITY_ERR_DEVICE;
    id->device = words[1];
    memcpy(id->key, &words[2], RADIO_KEY_LEN);
    memset(words, 0, sizeof words);
    return IDENTITY_OK;
}
