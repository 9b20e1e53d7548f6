/* verify.c -- the collector opens each forwarded frame itself (verify.h). */
#include <string.h>

#include "proto_err.h"
#include "radio.h"
#include "record.h"
#include "verify.h"

const char *verify_name(int result)
{
    switch (result) {
    case VERIFY_OK: return "verified";
    case VERIFY_UNKNOWN_DEVICE: return "unknown_device";
    case VERIFY_NO_FRAME: return "no_frame";
    case VERIFY_FRAME_MISMATCH: return "frame_mismatch";
    case VERIFY_BAD_TAG: return "bad_tag";
    case VERIFY_RECORD_MISMATCH: return "record_mismatch";
    default: return "unknown";
    }
}

int verify_row(const struct keystore *keys, const struct spool_row *row)
{
    const struct keystore_entry *k = keystore_find(keys, row->device);
    struct radio_header h;
    struct record opened, carried;
    uint8_t bytes[RECORD_MAX_LEN];
    size_t n;
    int rc;

    if (!k)
        return VERIFY_UNKNOWN_DEVICE;
    if (row->frame_len == 0)
        return VERIFY_NO_FRAME;
    if (radio_peek(row->frame, row->frame_len, &h) != PROTO_OK || h.type != RADIO_TYPE_UPLINK ||
        h.device != row->device || h.counter_low != (uint16_t)row->counter)
        return VERIFY_FRAME_MISMATCH;
    rc = radio_uplink_open(k->key, row->counter, row->frame, row->frame_len, &opened);
    if (rc == PROTO_ERR_BAD_TAG || rc == PROTO_ERR_STALE || rc == PROTO_ERR_CRYPTO)
        return VERIFY_BAD_TAG;
    if (rc != PROTO_OK) {
        /* Authentic, but the record inside does not decode (a device newer
         * than this collector). The row's record must not decode either:
         * then the store quarantines it, uncounted; a decodable one would be
         * a record the device never sent. */
        return record_decode(row->record, row->record_len, &carried) == PROTO_OK
                   ? VERIFY_RECORD_MISMATCH : VERIFY_OK;
    }
    /* The gateway spools record_encode() of what it opened: the same
     * function here gives the same bytes for the same record. */
    if (record_encode(&opened, bytes, sizeof bytes, &n) != PROTO_OK || n != row->record_len ||
        memcmp(bytes, row->record, n) != 0) {
        memset(bytes, 0, sizeof bytes);
        return VERIFY_RECORD_MISMATCH;
    }
    return VERIFY_OK;
}
