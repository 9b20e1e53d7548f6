/* identity.h -- who this handheld is: its pseudonym and its radio key.
 *
 * One flash page, written once at provisioning (after every other structure
 * is in place, so a device whose provisioning was cut reads as not
 * provisioned rather than half set up):
 *
 *   word  0        1          2..5           6
 *        +--------+----------+--------------+-------------------------+
 *        | magic  | device   | key (16 B)   | commit (written last)   |
 *        +--------+----------+--------------+-------------------------+
 *
 * The key never leaves this page except into RAM for sealing.
 */
#ifndef LOFTE_IDENTITY_H
#define LOFTE_IDENTITY_H

#include <stdint.h>

#include "board.h"
#include "radio.h"

enum identity_err {
    IDENTITY_OK = 0,
    IDENTITY_ERR_FLASH = -1,   /* the board refused a read, write or erase */
    IDENTITY_ERR_NONE = -2,    /* no committed identity on the page */
    IDENTITY_ERR_DEVICE = -3   /* pseudonym 0 or 0xFFFFFFFF (reserved by the protocol) */
};

const char *identity_strerror(int err);

struct identity {
    uint32_t device;
    uint8_t key[RADIO_KEY_LEN];
};

/* Erase the page and write the identity, commit word last. */
int identity_write(const struct board *b, uint32_t page, const struct identity *id);

/* Read a committed identity; IDENTITY_ERR_NONE if absent or torn. */
int identity_read(const struct board *b, uint32_t page, struct identity *id);

#endif
