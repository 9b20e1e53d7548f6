/* test_verify.c -- the collector's own check of a forwarded record against
 * its device's key (collector/verify.h): each reason, with the frame of
 * docs/protocol.md §10.2 as the genuine case. */
#include <criterion/criterion.h>
#include <string.h>

#include "radio.h"
#include "verify.h"

static const uint8_t key[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
#define DEV 0x8c3d91f4u
#define CTR 0x00012345u

static struct keystore keys_with(uint32_t device)
{
    static struct keystore_entry e;
    struct keystore ks;
    e.device = device;
    memcpy(e.key, key, sizeof key);
    e.line = 1;
    ks.entries = &e;
    ks.count = ks.cap = 1;
    return ks;
}

static struct spool_row sealed_row(void)
{
    struct spool_row row;
    struct record r;
    size_t n;
    memset(&row, 0, sizeof row);
    memset(&r, 0, sizeof r);
    r.activity = ACT_GUARD_HARBOUR;
    r.start_min = 2400000u;
    r.quantity = 3;
    r.duration_min = 30;
    r.zone = ZONE_HARBOUR_LILLANGSHAMNEN;
    r.actor = ACTOR_MUNICIPAL_GUARD;
    r.cell = RECORD_CELL_NONE;
    row.device = DEV;
    row.counter = CTR;
    cr_assert_eq(record_encode(&r, row.record, sizeof row.record, &n), 0);
    row.record_len = (uint8_t)n;
    cr_assert_eq(radio_uplink_seal(key, DEV, CTR, &r, row.frame, sizeof row.frame, &n), 0);
    row.frame_len = (uint8_t)n;
    return row;
}

Test(verify, accepts_the_frame_the_device_sealed_with_the_record_inside)
{
    struct keystore ks = keys_with(DEV);
    struct spool_row row = sealed_row();
    cr_assert_eq(verify_row(&ks, &row), VERIFY_OK);
}

Test(verify, cannot_judge_a_device_it_has_no_key_for)
{
    struct keystore ks = keys_with(0x11111111u);
    struct spool_row row = sealed_row();
    cr_assert_eq(verify_row(&ks, &row), VERIFY_UNKNOWN_DEVICE);
    cr_assert_str_eq(verify_name(VERIFY_UNKNOWN_DEVICE), "unknown_device");
}

Test(verify, refuses_a_row_without_its_frame)
{
    struct keystore ks = keys_with(DEV);
    struct spool_row row = sealed_row();
    row.frame_len = 0;
    cr_assert_eq(verify_row(&ks, &row), VERIFY_NO_FRAME);
}

Test(verify, refuses_a_genuine_frame_claimed_for_another_counter_or_device)
{
    struct keystore ks = keys_with(DEV);
    struct spool_row row = sealed_row();
    row.counter = CTR + 1; /* low bits no longer those on air */
    cr_assert_eq(verify_row(&ks, &row), VERIFY_FRAME_MISMATCH);
    row = sealed_row();
    row.counter = CTR + 0x10000u; /* same low bits, another high half: another nonce */
    cr_assert_eq(verify_row(&ks, &row), VERIFY_BAD_TAG);
    row = sealed_row();
    row.frame[1] ^= 0x01; /* the header names another device */
    cr_assert_eq(verify_row(&ks, &row), VERIFY_FRAME_MISMATCH);
}

Test(verify, refuses_a_frame_sealed_under_another_key_or_altered)
{
    struct keystore ks = keys_with(DEV);
    struct spool_row row = sealed_row();
    size_t i;
    for (i = RADIO_UPLINK_HDR_LEN; i < row.frame_len; i++) {
        struct spool_row bad = row;
        bad.frame[i] ^= 0x40;
        cr_assert_eq(verify_row(&ks, &bad), VERIFY_BAD_TAG, "byte %zu", i);
    }
}

Test(verify, refuses_a_genuine_frame_carrying_another_record)
{
    struct keystore ks = keys_with(DEV);
    struct spool_row row = sealed_row();
    row.record[9] ^= 0x01; /* the gateway's copy says something else */
    cr_assert_eq(verify_row(&ks, &row), VERIFY_RECORD_MISMATCH);
}
