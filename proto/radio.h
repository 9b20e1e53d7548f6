/* radio.h -- the frames that travel by LoRa (docs/protocol.md §3-§5).
 *
 * Uplink (handheld -> station), 27..32 bytes (28..32 for a stop record):
 *
 *   0      1..4        5..6          7 .. 7+n-1        last 8
 *  +-----+-----------+------------+-----------------+----------+
 *  | hdr | device u32| counter lo | AES-CCM(record) | tag (8)  |
 *  +-----+-----------+------------+-----------------+----------+
 *   hdr = version << 4 | type       (0x11 uplink, 0x12 ack)
 *
 * Ack (station -> handheld), 23 bytes:
 *
 *   0      1..4        5..6        7..10          11..14           15..22
 *  +-----+-----------+-----------+--------------+----------------+---------+
 *  | hdr | device u32| station   | station time | AES-CCM(acked) | tag (8) |
 *  +-----+-----------+-----------+--------------+----------------+---------+
 *
 * AES-128-CCM, 13-byte nonce, 8-byte tag; the clear header bytes before the
 * ciphertext are the associated data. Nonces:
 *   uplink: 0x01 | device(4) | counter(4, full 32 bits) | 00 00 00 00
 *   ack:    0x02 | device(4) | station time(4) | station(2) | 00 00
 * The direction byte keeps the two nonce spaces apart under one device key.
 */
#ifndef LOFTE_RADIO_H
#define LOFTE_RADIO_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define RADIO_VERSION 1
#define RADIO_TYPE_UPLINK 1
#define RADIO_TYPE_ACK 2

#define RADIO_KEY_LEN 16
#define RADIO_TAG_LEN 8
#define RADIO_NONCE_LEN 13
#define RADIO_UPLINK_HDR_LEN 7
#define RADIO_ACK_HDR_LEN 11
#define RADIO_ACK_BODY_LEN 4
#define RADIO_UPLINK_MIN_LEN (RADIO_UPLINK_HDR_LEN + RECORD_MIN_LEN + RADIO_TAG_LEN)
#define RADIO_UPLINK_MAX_LEN (RADIO_UPLINK_HDR_LEN + RECORD_MAX_LEN + RADIO_TAG_LEN)
#define RADIO_ACK_LEN (RADIO_ACK_HDR_LEN + RADIO_ACK_BODY_LEN + RADIO_TAG_LEN)

/* Half the 16-bit counter space: how far a frame's counter may lie from the
 * receiver's reference (highest accepted) before it is ambiguous. */
#define RADIO_COUNTER_WINDOW 32768u

/* How many 64 Ki blocks above the window a receiver tries when the window's
 * candidate fails (docs/protocol.md §5.2): a new or replaced station (ref 0)
 * then hears devices up to counter 17 * 65536 - 1 = 1,114,111, and one whose
 * state is old, up to 16 blocks past its window. Each block costs one more
 * tag check per frame that fails, and multiplies a forger's chance per
 * frame by at most 17 (2^-64 -> 2^-59.9). */
#define RADIO_COUNTER_SEARCH_BLOCKS 16u

/* The clear part of a frame, readable before the key is known (the key is
 * looked up by device). */
struct radio_header {
    uint8_t type;           /* RADIO_TYPE_* */
    uint32_t device;        /* random pseudonym, never 0 or 0xFFFFFFFF */
    uint16_t counter_low;   /* uplink: low 16 bits of the frame counter */
    uint16_t station;       /* ack: station id, never 0 */
    uint32_t station_time;  /* ack: seconds since LOFTE_EPOCH, UTC */
};

struct radio_ack {
    uint32_t device;
    uint16_t station;
    uint32_t station_time;  /* seconds since LOFTE_EPOCH; sets the device clock */
    uint32_t acked;         /* every uplink counter <= acked is held; 0 = none */
};

/* Parse the clear header and check the frame's total length for its type.
 * Does not verify anything cryptographic. */
int radio_peek(const uint8_t *frame, size_t len, struct radio_header *h);

/* Rebuild a full 32-bit counter from its low 16 bits: the value nearest to
 * reference (the highest counter accepted so far from this device) within
 * [reference - 32768, reference + 32767], never below 0 or above 2^32-1. */
uint32_t radio_counter_expand(uint32_t reference, uint16_t low);

/* The receiver's way to open an uplink when it knows only its reference
 * (docs/protocol.md §5.2): try the window's candidate
 * (radio_counter_expand; skipped when it is 0, which no device sends), then
 * the candidates 1 .. RADIO_COUNTER_SEARCH_BLOCKS blocks of 65536 above it
 * (never past 2^32 - 1), in that order, until a tag verifies. The tag binds
 * the full counter, so at most one candidate can verify for an honest frame.
 * Returns PROTO_OK with *counter and *rec; the record's reason (§2.9) when
 * a tag verified but the record does not decode (*counter is then set); a
 * header reason (§3) before any decryption; PROTO_ERR_BAD_TAG when no
 * candidate verifies. *tries is the number of tag checks spent (0 when the
 * header failed, else 1 .. 1 + RADIO_COUNTER_SEARCH_BLOCKS). */
int radio_uplink_find(const uint8_t key[RADIO_KEY_LEN], uint32_t reference,
                      const uint8_t *frame, size_t len, uint32_t *counter, struct record *rec,
                      unsigned *tries);

/* Encode rec and seal it as an uplink frame. counter must be >= 1 and never
 * used before with this key: the caller (the handheld's counter store) owns
 * that promise, which is what keeps CCM's nonce unique. */
int radio_uplink_seal(const uint8_t key[RADIO_KEY_LEN], uint32_t device, uint32_t counter,
                      const struct record *rec, uint8_t *out, size_t cap, size_t *len);

/* Verify and decrypt an uplink frame, then decode its record. counter is the
 * full counter (from radio_counter_expand); 0 is out_of_range (no device
 * sends it), and its low bits must match the header (else stale: a caller
 * bug). On any failure *rec is zeroed and nothing of the frame is trusted. */
int radio_uplink_open(const uint8_t key[RADIO_KEY_LEN], uint32_t counter,
                      const uint8_t *frame, size_t len, struct record *rec);

int radio_ack_seal(const uint8_t key[RADIO_KEY_LEN], const struct radio_ack *ack,
                   uint8_t *out, size_t cap, size_t *len);
int radio_ack_open(const uint8_t key[RADIO_KEY_LEN], const uint8_t *frame, size_t len,
                   struct radio_ack *ack);

#endif
