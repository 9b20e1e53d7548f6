/* verify.h -- the collector's own check of a record against its device's
 * key: the gateway that relays a record is not trusted to have opened it
 * honestly (docs/architecture.md, "Trust per hop").
 *
 * Design note. A gateway forwards, with each record, the sealed radio frame
 * it opened (docs/upstream.md §3.2). With the device keys (the gateway's
 * key file format, gateway/keystore.h, read by keystore_read) the collector
 * opens that frame itself with proto/'s radio_uplink_open, under the full
 * counter the gateway claims, and accepts the row only when
 *   - the frame is present, is an uplink of the row's device and counter,
 *   - its tag is the device's (AES-CCM under the device key, nonce from
 *     device and full counter), and
 *   - the record inside is byte for byte the record the row carries.
 * A gateway that holds no device key cannot make such a frame; one that
 * holds a device's key can, so the check narrows trust from "every listed
 * gateway" to "whoever holds this device's key", no further.
 *
 * Pure: no I/O, no allocation. One AES-CCM open per row: 0.5 µs on the
 * 2-core development machine (200,000 calls in a loop, gcc -O2), beside a
 * batch commit's fsync, which takes milliseconds.
 */
#ifndef LOFTE_VERIFY_H
#define LOFTE_VERIFY_H

#include "keystore.h"
#include "spool.h"

/* Why a row is not verified. Order is the order of the checks. */
enum verify_result {
    VERIFY_OK = 0,
    VERIFY_UNKNOWN_DEVICE = 1,   /* no key for the row's device: cannot judge it */
    VERIFY_NO_FRAME = 2,         /* the row carries no frame (a version 1 gateway) */
    VERIFY_FRAME_MISMATCH = 3,   /* the frame is not an uplink of this device and counter */
    VERIFY_BAD_TAG = 4,          /* the frame's tag is not the device's */
    VERIFY_RECORD_MISMATCH = 5,  /* authentic frame, but the row's record is another */
    VERIFY_RESULT_COUNT = 6
};

/* snake_case name of a result ("bad_tag"), for logs, counters and the
 * unverified_records table; never NULL. */
const char *verify_name(int result);

/* Check one row against the key store (see the design note). */
int verify_row(const struct keystore *keys, const struct spool_row *row);

#endif
