/* keystore.h -- the gateway's file of per-device keys.
 *
 * Design note. One text file, one device per line:
 *
 *     # comment lines and blank lines are ignored
 *     8c3d91f4 000102030405060708090a0b0c0d0e0f   # optional comment
 *     ^^^^^^^^ ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
 *     device:  key: 32 hex digits, AES-128 (docs/protocol.md §4)
 *     8 hex digits, the pseudonym (§3; 0 and ffffffff are reserved)
 *
 * A few thousand lines at most (one per handheld of the station's area);
 * read once at start, appended to when a handheld is provisioned
 * (lofte-keygen). Text, so an operator can see which devices a gateway
 * knows and remove a lost handheld's line with an editor.
 *
 * The file is the only secret the gateway holds besides its CURVE key, so:
 *   - it is refused, with the fix in the message (chmod 600), when group or
 *     others may read or write it (st_mode & 077), and when it is not a
 *     regular file;
 *   - a malformed line refuses the whole file (a half-loaded store would
 *     silently drop devices), the message naming file:line and what is
 *     wrong, never the text of the line: a key pasted into the wrong
 *     column must not end up in the journal;
 *   - keys are wiped from every buffer this module frees.
 *
 * Writers (keystore_append, keystore_provision) hold an flock on the file
 * while they read, check and append, so two lofte-keygen runs cannot give
 * out one pseudonym twice; they append with O_APPEND and fsync before
 * returning, and a failed write is truncated away.
 */
#ifndef LOFTE_GW_KEYSTORE_H
#define LOFTE_GW_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "radio.h"
#include "station.h"

#define KEYSTORE_KEY_LEN RADIO_KEY_LEN
/* "8c3d91f4 " + 32 hex + "\n" + NUL */
#define KEYSTORE_LINE_MAX (8 + 1 + 2 * KEYSTORE_KEY_LEN + 2)

enum keystore_err {
    KEYSTORE_OK = 0,
    KEYSTORE_ERR_OPEN = -1,       /* cannot open, read or create the file */
    KEYSTORE_ERR_MODE = -2,       /* group or others may read or write it */
    KEYSTORE_ERR_NOT_FILE = -3,   /* not a regular file */
    KEYSTORE_ERR_SYNTAX = -4,     /* a malformed line (err: file:line and what) */
    KEYSTORE_ERR_DUPLICATE = -5,  /* one device on two lines, or appended twice */
    KEYSTORE_ERR_FULL = -6,       /* more devices than the station's table holds */
    KEYSTORE_ERR_IO = -7,         /* write, fsync or lock failed */
    KEYSTORE_ERR_ARG = -8,        /* reserved device (0, ffffffff) or bad argument */
    KEYSTORE_ERR_RANDOM = -9,     /* getrandom() failed */
    KEYSTORE_ERR_EXISTS = -10,    /* keystore_create: the file is already there */
    KEYSTORE_ERR_COUNT_ = 11
};

const char *keystore_strerror(int err);

struct keystore_entry {
    uint32_t device;
    uint8_t key[KEYSTORE_KEY_LEN];
    unsigned line;                /* 1-based line in the file */
};

/* A parsed file, in file order; heap, freed (and wiped) by keystore_free. */
struct keystore {
    struct keystore_entry *entries;
    size_t count, cap;
};

/* Read and check the whole file (mode, type, every line, duplicates).
 * On failure *ks is empty and err says why. */
int keystore_read(struct keystore *ks, const char *path, char *err, size_t errlen);
void keystore_free(struct keystore *ks);
const struct keystore_entry *keystore_find(const struct keystore *ks, uint32_t device);

/* Read the file and add every device to the station (station_add_device);
 * all or nothing: the station is not touched unless the whole file is
 * good and fits. *loaded (may be NULL) gets the number of devices. */
int keystore_load(const char *path, struct station *st, size_t *loaded, char *err,
                  size_t errlen);

/* Create an empty key file, mode 0600, refusing one that exists
 * (KEYSTORE_ERR_EXISTS); comment (may be NULL) goes in as "# comment". */
int keystore_create(const char *path, const char *comment, char *err, size_t errlen);

/* Append one device: the file is created 0600 if missing, otherwise it
 * must pass keystore_read's checks and not hold the device already. */
int keystore_append(const char *path, uint32_t device, const uint8_t key[KEYSTORE_KEY_LEN],
                    char *err, size_t errlen);

/* Draw a random key and a random pseudonym (getrandom; never 0, never
 * ffffffff, never one the file holds), append them as keystore_append
 * does, under the same lock as the check. */
int keystore_provision(const char *path, uint32_t *device, uint8_t key[KEYSTORE_KEY_LEN],
                       char *err, size_t errlen);

/* The one definition of a line: "%08x <32 hex>\n". Returns its length
 * (KEYSTORE_LINE_MAX - 1), or KEYSTORE_ERR_ARG if cap is too small. The
 * caller owns the secret in out and should wipe it. */
int keystore_format_line(uint32_t device, const uint8_t key[KEYSTORE_KEY_LEN], char *out,
                         size_t cap);

#endif
