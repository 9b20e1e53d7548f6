/* proto_err.h -- why a lofte wire decoder said no.
 *
 * Every function in proto/ returns PROTO_OK (0) or one of these negative
 * codes. Daemons count rejections by this code, so when you add one, add its
 * sentence to proto_strerror() and its row to the table in docs/protocol.md.
 */
#ifndef LOFTE_PROTO_ERR_H
#define LOFTE_PROTO_ERR_H

enum proto_err {
    PROTO_OK = 0,
    PROTO_ERR_TRUNCATED = -1,      /* fewer bytes than the format needs */
    PROTO_ERR_TOO_LONG = -2,       /* more bytes than the format allows */
    PROTO_ERR_BAD_VERSION = -3,    /* first byte names a version we do not speak */
    PROTO_ERR_BAD_TYPE = -4,       /* frame or message type unknown */
    PROTO_ERR_BAD_CRC = -5,        /* serial CRC-16 mismatch */
    PROTO_ERR_BAD_COBS = -6,       /* COBS code points past the frame end */
    PROTO_ERR_BAD_TAG = -7,        /* AES-CCM authentication failed */
    PROTO_ERR_UNKNOWN_ACTIVITY = -8, /* activity code not in the table */
    PROTO_ERR_OUT_OF_RANGE = -9,   /* a field holds an impossible value */
    PROTO_ERR_RESERVED = -10,      /* a reserved bit or byte is not zero */
    PROTO_ERR_BUFFER = -11,        /* caller's output buffer too small */
    PROTO_ERR_CRYPTO = -12,        /* the cipher library refused (key setup) */
    PROTO_ERR_STALE = -13          /* full counter given disagrees with the header's low 16 bits */
};

#define PROTO_ERR_COUNT 14 /* number of codes including PROTO_OK */

/* A short English sentence for a code; never NULL. */
const char *proto_strerror(int err);

/* A stable snake_case name for counters and logs ("bad_tag"); never NULL. */
const char *proto_errname(int err);

#endif
