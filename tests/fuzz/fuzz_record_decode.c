/* fuzz_record_decode.c -- libFuzzer target for proto/record.c.
 *
 * The input is a record plaintext as it comes out of CCM. Properties:
 *  - record_decode never reads past len and fails with a proto_err code;
 *  - a record it accepts encodes back to exactly the input bytes: the
 *    decoder accepts only what the encoder writes (reserved bits zero,
 *    optional fields present only when set), so no record has two
 *    encodings and nothing in the bytes is silently dropped;
 *  - the name lookups give a real name for every field of an accepted
 *    record ("?" would mean the tables and the checks disagree), and are
 *    safe (never NULL, no read out of a table) for any byte value at all.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto_err.h"
#include "record.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Named and not "?": the value is one the tables define. */
static int named(const char *s)
{
    return s != NULL && strcmp(s, "?") != 0;
}

/* For arbitrary values the answer may be "?", but never NULL. The strlen
 * makes ASan read the whole string, which catches a pointer fetched from
 * past the end of a name table. */
static void lookup_any(uint8_t activity, uint8_t result, uint8_t action, uint8_t actor,
                       uint8_t zone)
{
    const char *s;
    const struct record_activity_info *info;

    CHECK((s = record_result_name(activity, result)) != NULL && strlen(s) > 0);
    CHECK((s = record_action_name(action)) != NULL && strlen(s) > 0);
    CHECK((s = record_actor_name(actor)) != NULL && strlen(s) > 0);
    CHECK((s = record_zone_name(zone)) != NULL && strlen(s) > 0);
    info = record_activity_info(activity);
    if (info) {
        CHECK(info->code == activity && info->name != NULL);
        CHECK(record_activity_by_name(info->name) == info);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct record r;
    uint8_t out[RECORD_MAX_LEN];
    size_t len = 0;
    int rc = record_decode(data, size, &r);

    CHECK(rc <= PROTO_OK && rc > -PROTO_ERR_COUNT);
    CHECK(proto_errname(rc) != NULL && proto_strerror(rc) != NULL);

    /* Raw byte values at the places they occupy on the wire, so the
     * lookups also see every out-of-table value. */
    if (size >= 13)
        lookup_any(data[1], (uint8_t)(data[2] >> 4), (uint8_t)(data[2] & 0x0F),
                   (uint8_t)(data[12] >> 4), data[11]);
    else if (size >= 3)
        lookup_any(data[1], (uint8_t)(data[2] >> 4), (uint8_t)(data[2] & 0x0F), data[2],
                   data[1]);

    if (rc != PROTO_OK)
        return 0;

    CHECK(size <= RECORD_MAX_LEN);
    CHECK(record_encode(&r, out, sizeof out, &len) == PROTO_OK);
    CHECK(len == size && memcmp(out, data, size) == 0);

    CHECK(record_activity_info(r.activity) != NULL);
    CHECK(named(record_result_name(r.activity, r.result)));
    CHECK(named(record_action_name(r.action)));
    CHECK(named(record_actor_name(r.actor)));
    CHECK(named(record_zone_name(r.zone)));
    lookup_any(r.activity, r.result, r.action, r.actor, r.zone);
    return 0;
}
