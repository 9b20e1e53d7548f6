/* test_record.c -- the activity record codec (proto/record.c). */
#include "proto_err.h"
#include "record.h"
#include "testutil.h"
#include "vectors.h"

static struct record stop_record(uint8_t activity)
{
    struct record r;
    memset(&r, 0, sizeof r);
    r.activity = activity;
    r.start_min = VEC_START_MIN;
    r.quantity = 3;
    r.duration_min = 20;
    r.zone = ZONE_SKOGHALL_CENTRE;
    r.actor = ACTOR_POLICE;
    r.cell = RECORD_CELL_NONE;
    if (activity == ACT_ADMIN_VOID || activity == ACT_ADMIN_HEARTBEAT) {
        r.quantity = r.duration_min = 0;
        r.zone = 0;
        if (activity == ACT_ADMIN_VOID)
            r.void_counter = 99;
    }
    return r;
}

static void assert_round_trip(const struct record *in)
{
    uint8_t buf[RECORD_MAX_LEN];
    size_t n = 0;
    struct record out;
    cr_assert_eq(record_encode(in, buf, sizeof buf, &n), PROTO_OK, "encode activity 0x%02x",
                 in->activity);
    cr_assert_leq(n, RECORD_MAX_LEN);
    cr_assert_eq(record_decode(buf, n, &out), PROTO_OK, "decode activity 0x%02x", in->activity);
    cr_assert_eq(memcmp(in, &out, sizeof out), 0, "round trip changed activity 0x%02x",
                 in->activity);
}

Test(record, round_trips_every_activity_with_every_result_and_action)
{
    size_t i;
    const struct record_activity_info *info;
    for (i = 0; (info = record_activity_at(i)) != NULL; i++) {
        uint8_t res, act;
        for (res = 0; res < info->result_count; res++) {
            for (act = 0; act < ACTION_COUNT; act++) {
                struct record r = stop_record(info->code);
                r.result = res;
                if (record_category(info->code) != CAT_ADMIN)
                    r.action = act;
                assert_round_trip(&r);
            }
        }
    }
    cr_assert_eq(i, 30, "the activity table lists 30 activities");
}

Test(record, round_trips_boundary_values)
{
    static const uint32_t times[] = {0, 1, 0x00FFFFFFu, 0xFFFFFFFEu, 0xFFFFFFFFu};
    static const uint16_t quantities[] = {0, 1, 37, RECORD_QUANTITY_MAX};
    static const uint16_t durations[] = {0, 1, 255, 256, RECORD_DURATION_MAX};
    static const uint16_t cells[] = {0, 0x00FF, 0xFF00, 0xFFFE, RECORD_CELL_NONE};
    static const uint16_t operations[] = {0, 1, 0x8000, 0xFFFF};
    size_t t, q, d, c, o;
    for (t = 0; t < 5; t++)
        for (q = 0; q < 4; q++)
            for (d = 0; d < 5; d++)
                for (c = 0; c < 5; c++)
                    for (o = 0; o < 4; o++) {
                        struct record r = stop_record(ACT_VEHICLE_MOPED_CLASS2);
                        r.start_min = times[t];
                        r.quantity = quantities[q];
                        r.duration_min = durations[d];
                        r.cell = cells[c];
                        r.operation = operations[o];
                        r.side = (uint8_t)(t * 7 & SIDE_ALL);
                        r.clock_unset = (uint8_t)(o & 1);
                        r.zone = (uint8_t)(ZONE_COUNT - 1);
                        r.actor = (uint8_t)(ACTOR_COUNT - 1);
                        assert_round_trip(&r);
                    }
}

Test(record, optional_fields_cost_two_bytes_each)
{
    uint8_t buf[RECORD_MAX_LEN];
    size_t n;
    struct record r = stop_record(ACT_GUARD_HARBOUR);
    cr_assert_eq(record_encode(&r, buf, sizeof buf, &n), PROTO_OK);
    cr_assert_eq(n, 13);
    r.cell = 0x0102;
    cr_assert_eq(record_encode(&r, buf, sizeof buf, &n), PROTO_OK);
    cr_assert_eq(n, 15);
    r.operation = 7;
    cr_assert_eq(record_encode(&r, buf, sizeof buf, &n), PROTO_OK);
    cr_assert_eq(n, 17);
    cr_assert_eq(n, RECORD_MAX_LEN);
}

Test(record, rejects_values_outside_their_range)
{
    uint8_t buf[RECORD_MAX_LEN];
    size_t n;
    struct record r;
#define EXPECT_RANGE(field, value)                                                  \
    do {                                                                            \
        r = stop_record(ACT_ALCOHOL_SCREENING);                                     \
        r.field = (value);                                                          \
        cr_assert_eq(record_encode(&r, buf, sizeof buf, &n), PROTO_ERR_OUT_OF_RANGE, \
                     #field " = " #value);                                          \
    } while (0)
    EXPECT_RANGE(result, 6);
    EXPECT_RANGE(action, ACTION_COUNT);
    EXPECT_RANGE(side, 0x20);
    EXPECT_RANGE(clock_unset, 2);
    EXPECT_RANGE(quantity, RECORD_QUANTITY_MAX + 1);
    EXPECT_RANGE(duration_min, RECORD_DURATION_MAX + 1);
    EXPECT_RANGE(zone, ZONE_COUNT);
    EXPECT_RANGE(actor, ACTOR_COUNT);
    EXPECT_RANGE(void_counter, 1);
    EXPECT_RANGE(queue_depth, 1);
#undef EXPECT_RANGE
    r = stop_record(ACT_DRUGS_EYE_EXAM);
    r.result = 2;
    cr_assert_eq(record_encode(&r, buf, sizeof buf, &n), PROTO_ERR_OUT_OF_RANGE,
                 "drugs has two results");
}

Test(record, admin_records_refuse_fields_they_cannot_carry)
{
    uint8_t buf[RECORD_MAX_LEN];
    size_t n;
    struct record r = stop_record(ACT_ADMIN_HEARTBEAT);
    r.quantity = 1;
    cr_assert_eq(record_encode(&r, buf, sizeof buf, &n), PROTO_ERR_OUT_OF_RANGE);
    r = stop_record(ACT_ADMIN_HEARTBEAT);
    r.cell = 5;
    cr_assert_eq(record_encode(&r, buf, sizeof buf, &n), PROTO_ERR_OUT_OF_RANGE);
    r = stop_record(ACT_ADMIN_VOID);
    r.void_counter = 0;
    cr_assert_eq(record_encode(&r, buf, sizeof buf, &n), PROTO_ERR_OUT_OF_RANGE,
                 "a void must name the counter it cancels");
    r = stop_record(ACT_ADMIN_VOID);
    r.side = SIDE_SEIZURE;
    cr_assert_eq(record_encode(&r, buf, sizeof buf, &n), PROTO_ERR_OUT_OF_RANGE);
}

Test(record, rejects_every_unknown_activity_code)
{
    unsigned code;
    uint8_t buf[RECORD_MAX_LEN];
    size_t n;
    int unknown = 0;
    for (code = 0; code < 256; code++) {
        struct record r = stop_record((uint8_t)code);
        uint8_t wire[RECORD_ACTIVITY_LEN] = {RECORD_VERSION, (uint8_t)code};
        struct record out;
        if (record_activity_info((uint8_t)code))
            continue;
        unknown++;
        cr_assert_eq(record_encode(&r, buf, sizeof buf, &n), PROTO_ERR_UNKNOWN_ACTIVITY);
        cr_assert_eq(record_decode(wire, sizeof wire, &out), PROTO_ERR_UNKNOWN_ACTIVITY);
    }
    cr_assert_eq(unknown, 256 - 30);
}

Test(record, rejects_every_truncation_and_an_extra_byte)
{
    static const char *const vectors[] = {VEC_RECORD_SCREENING, VEC_RECORD_A_TRAKTOR,
                                          VEC_RECORD_VOID, VEC_RECORD_HEARTBEAT,
                                          VEC_RECORD_OUTREACH};
    size_t v, len;
    for (v = 0; v < 5; v++) {
        uint8_t buf[RECORD_MAX_LEN + 1];
        struct record out;
        size_t n = hex2bin(vectors[v], buf, sizeof buf);
        for (len = 0; len < n; len++)
            cr_assert_eq(record_decode(buf, len, &out), PROTO_ERR_TRUNCATED,
                         "vector %zu cut to %zu bytes", v, len);
        buf[n] = 0;
        cr_assert_eq(record_decode(buf, n + 1, &out), PROTO_ERR_TOO_LONG);
        cr_assert_eq(record_decode(buf, n, &out), PROTO_OK);
    }
}

Test(record, rejects_an_unknown_version)
{
    uint8_t buf[RECORD_MAX_LEN];
    struct record out;
    size_t n = hex2bin(VEC_RECORD_SCREENING, buf, sizeof buf);
    buf[0] = 2;
    cr_assert_eq(record_decode(buf, n, &out), PROTO_ERR_BAD_VERSION);
    buf[0] = 0;
    cr_assert_eq(record_decode(buf, 1, &out), PROTO_ERR_BAD_VERSION);
}

Test(record, rejects_reserved_bits_and_impossible_optional_values)
{
    uint8_t buf[RECORD_MAX_LEN];
    struct record out;
    size_t n = hex2bin(VEC_RECORD_SCREENING, buf, sizeof buf);
    buf[12] |= 0x01; /* low nibble of the actor byte */
    cr_assert_eq(record_decode(buf, n, &out), PROTO_ERR_RESERVED);
    n = hex2bin(VEC_RECORD_SCREENING, buf, sizeof buf);
    buf[13] = 0xFF, buf[14] = 0xFF; /* cell flagged present but "none" */
    cr_assert_eq(record_decode(buf, n, &out), PROTO_ERR_OUT_OF_RANGE);
    n = hex2bin(VEC_RECORD_SCREENING, buf, sizeof buf);
    buf[15] = 0, buf[16] = 0; /* operation flagged present but zero */
    cr_assert_eq(record_decode(buf, n, &out), PROTO_ERR_OUT_OF_RANGE);
    n = hex2bin(VEC_RECORD_VOID, buf, sizeof buf);
    buf[3] |= 0x40; /* an admin record cannot have a cell */
    cr_assert_eq(record_decode(buf, n, &out), PROTO_ERR_RESERVED);
    n = hex2bin(VEC_RECORD_SCREENING, buf, sizeof buf);
    buf[9] = (uint8_t)((buf[9] & 0xF0) | 0x0F); /* duration 0xF5F = 3935 min */
    cr_assert_eq(record_decode(buf, n, &out), PROTO_ERR_OUT_OF_RANGE);
}

Test(record, reproduces_the_documented_vectors)
{
    uint8_t buf[RECORD_MAX_LEN];
    size_t n;
    struct record r = stop_record(ACT_ALCOHOL_SCREENING);
    r.quantity = 37;
    r.duration_min = 95;
    r.zone = ZONE_MAIN_ROADS;
    r.cell = 0x2A17;
    r.operation = 0x1F2E;
    cr_assert_eq(record_encode(&r, buf, sizeof buf, &n), PROTO_OK);
    assert_bytes_hex(buf, n, VEC_RECORD_SCREENING);

    r = stop_record(ACT_VEHICLE_A_TRAKTOR);
    r.result = 2; /* trimmed */
    r.action = ACTION_REPORT;
    r.side = SIDE_VEHICLE_MEASURE | SIDE_GUARDIAN_CONTACTED;
    r.start_min = VEC_START_MIN - 600;
    r.quantity = 1;
    r.duration_min = 12;
    cr_assert_eq(record_encode(&r, buf, sizeof buf, &n), PROTO_OK);
    assert_bytes_hex(buf, n, VEC_RECORD_A_TRAKTOR);

    r = stop_record(ACT_ADMIN_VOID);
    r.start_min = VEC_START_MIN + 3;
    r.void_counter = VEC_COUNTER - 1;
    cr_assert_eq(record_encode(&r, buf, sizeof buf, &n), PROTO_OK);
    assert_bytes_hex(buf, n, VEC_RECORD_VOID);

    r = stop_record(ACT_ADMIN_HEARTBEAT);
    r.clock_unset = 1;
    r.start_min = 17;
    r.oldest_unacked = 0x00012340u;
    r.queue_depth = 6;
    cr_assert_eq(record_encode(&r, buf, sizeof buf, &n), PROTO_OK);
    assert_bytes_hex(buf, n, VEC_RECORD_HEARTBEAT);

    r = stop_record(ACT_YOUTH_OUTREACH);
    r.clock_unset = 1;
    r.start_min = 75;
    r.quantity = 6;
    r.duration_min = 90;
    r.actor = ACTOR_JOINT;
    r.operation = 0x0042; /* operation without cell: it takes bytes 13..14 */
    cr_assert_eq(record_encode(&r, buf, sizeof buf, &n), PROTO_OK);
    assert_bytes_hex(buf, n, VEC_RECORD_OUTREACH);
}

Test(record, encode_refuses_a_short_buffer_without_writing_past_it)
{
    uint8_t buf[RECORD_MAX_LEN + 4];
    size_t n;
    struct record r = stop_record(ACT_YOUTH_OUTREACH);
    r.cell = 1;
    memset(buf, 0xAA, sizeof buf);
    cr_assert_eq(record_encode(&r, buf, 14, &n), PROTO_ERR_BUFFER);
    cr_assert_eq(buf[14], 0xAA);
    cr_assert_eq(record_encode(&r, buf, 15, &n), PROTO_OK);
    cr_assert_eq(n, 15);
}

Test(record, names_every_table_value)
{
    const struct record_activity_info *info = record_activity_by_name("traffic.checkpoint");
    cr_assert_not_null(info);
    cr_assert_eq(info->code, ACT_TRAFFIC_CHECKPOINT);
    cr_assert_null(record_activity_by_name("traffic.nothing"));
    cr_assert_str_eq(record_result_name(ACT_ALCOHOL_SCREENING, 4), "gross_drunk_driving");
    cr_assert_str_eq(record_result_name(ACT_VEHICLE_A_TRAKTOR, 2), "trimmed");
    cr_assert_str_eq(record_result_name(ACT_GUARD_SCHOOL, 3), "police_called");
    cr_assert_str_eq(record_result_name(ACT_PRESENCE_FOOT_PATROL, 1), "interrupted");
    cr_assert_str_eq(record_result_name(ACT_DRUGS_EYE_EXAM, 2), "?");
    cr_assert_str_eq(record_action_name(ACTION_FINE), "fine");
    cr_assert_str_eq(record_actor_name(ACTOR_HOUSING_COMPANY), "housing_company");
    cr_assert_str_eq(record_zone_name(ZONE_HARBOUR_MORUDDEN), "harbour_morudden");
    cr_assert_str_eq(record_zone_name(ZONE_COUNT), "?");
}
