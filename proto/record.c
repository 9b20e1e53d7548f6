/* record.c -- encode and decode the activity record (docs/protocol.md §2).
 *
 * Layout, big-endian, byte offsets:
 *
 *   0        1          2                3        4..7
 *  +--------+----------+--------+-------+--------+----------------+
 *  |version | activity | result | action| flags  |  start_min u32 |   common, 8 B
 *  +--------+----------+--------+-------+--------+----------------+
 *                        hi nibble lo nibble
 *  flags: b0 guardian  b1 concern  b2 vehicle measure  b3 licence seized
 *         b4 seizure   b5 clock unset  b6 has cell  b7 has operation
 *
 *  activity (all categories but admin):
 *   8..10                        11     12            [13..14] [15..16]
 *  +-----------------------------+------+-------------+--------+---------+
 *  | quantity:12 | duration:12   | zone | actor | 0   |  cell  |operation|
 *  +-----------------------------+------+-------------+--------+---------+
 *  admin.void:      8..11 void_counter u32                        (12 B)
 *  admin.heartbeat: 8..11 oldest_unacked u32, 12..13 queue_depth   (14 B)
 */
#include <string.h>

#include "bytes.h"
#include "proto_err.h"
#include "record.h"

#define FLAG_SIDE_MASK 0x1Fu
#define FLAG_CLOCK_UNSET 0x20u
#define FLAG_HAS_CELL 0x40u
#define FLAG_HAS_OPERATION 0x80u

static const struct record_activity_info activity_table[] = {
    {ACT_ALCOHOL_SCREENING, "alcohol.screening", 6},
    {ACT_ALCOHOL_HARBOUR_CHECK, "alcohol.harbour_check", 6},
    {ACT_DRUGS_EYE_EXAM, "drugs.eye_exam", 2},
    {ACT_VEHICLE_MOPED_CLASS1, "vehicle.moped_class1", 5},
    {ACT_VEHICLE_MOPED_CLASS2, "vehicle.moped_class2", 5},
    {ACT_VEHICLE_A_TRAKTOR, "vehicle.a_traktor", 5},
    {ACT_VEHICLE_EPA_TRAKTOR, "vehicle.epa_traktor", 5},
    {ACT_VEHICLE_MOPEDBIL, "vehicle.mopedbil", 5},
    {ACT_VEHICLE_OTHER, "vehicle.other", 5},
    {ACT_TRAFFIC_CHECKPOINT, "traffic.checkpoint", 3},
    {ACT_TRAFFIC_OPERATION, "traffic.operation", 3},
    {ACT_PRESENCE_FOOT_PATROL, "presence.foot_patrol", 3},
    {ACT_PRESENCE_MOBILE_OFFICE, "presence.mobile_office", 3},
    {ACT_PRESENCE_LOCAL_OFFICE, "presence.local_office", 3},
    {ACT_YOUTH_OUTREACH, "youth.outreach", 3},
    {ACT_YOUTH_PREVENTIVE_TALK, "youth.preventive_talk", 3},
    {ACT_YOUTH_DRUG_SALES, "youth.drug_sales", 3},
    {ACT_YOUTH_PREMISES_INSPECTION, "youth.premises_inspection", 3},
    {ACT_PREVENTION_CAMPAIGN_SCHOOL, "prevention.campaign_school", 3},
    {ACT_PREVENTION_CAMPAIGN_PARENTS, "prevention.campaign_parents", 3},
    {ACT_PREVENTION_CAMPAIGN_ASSOCIATIONS, "prevention.campaign_associations", 3},
    {ACT_PREVENTION_CAMPAIGN_PUBLIC, "prevention.campaign_public", 3},
    {ACT_PREVENTION_SAFETY_WALK, "prevention.safety_walk", 3},
    {ACT_PREVENTION_SITUATION_MEETING, "prevention.situation_meeting", 3},
    {ACT_PREVENTION_CASE_COLLAB, "prevention.case_collab", 3},
    {ACT_GUARD_HARBOUR, "guard.harbour", 4},
    {ACT_GUARD_SCHOOL, "guard.school", 4},
    {ACT_GUARD_HOTSPOT, "guard.hotspot", 4},
    {ACT_ADMIN_HEARTBEAT, "admin.heartbeat", 1},
    {ACT_ADMIN_VOID, "admin.void", 1},
};
#define ACTIVITY_COUNT (sizeof activity_table / sizeof activity_table[0])

/* Result names by category; index = result code. */
static const char *const results_alcohol[] = {
    "negative", "screening_positive", "evidential_below_limit",
    "drunk_driving", "gross_drunk_driving", "refused_blood_sample"};
static const char *const results_drugs[] = {"no_signs", "signs_sample_taken"};
static const char *const results_vehicle[] = {
    "no_remark", "defect", "trimmed", "no_licence", "insurance_registration"};
static const char *const results_session[] = {
    "completed", "interrupted", "completed_with_incident"};
static const char *const results_guard[] = {
    "no_remark", "damage_found", "contact_made", "police_called"};
static const char *const results_admin[] = {"none"};

static const char *const action_names[ACTION_COUNT] = {
    "none", "advice", "fine", "report", "deprivation_of_liberty"};
static const char *const actor_names[ACTOR_COUNT] = {
    "police", "municipal_guard", "municipal_staff", "joint",
    "rescue_service", "housing_company"};
static const char *const zone_names[ZONE_COUNT] = {
    "unspecified", "skoghall_centre", "harbour_lillangshamnen",
    "harbour_sorvikshamnen", "harbour_vastra_soon", "harbour_morudden",
    "school_hammarlunden", "school_mormoskolan", "school_gotetorpsskolan",
    "school_barstadskolan", "school_lillangsskolan",
    "school_utbildningscenter", "main_roads", "other"};

const struct record_activity_info *record_activity_info(uint8_t code)
{
    size_t i;
    for (i = 0; i < ACTIVITY_COUNT; i++)
        if (activity_table[i].code == code)
            return &activity_table[i];
    return NULL;
}

const struct record_activity_info *record_activity_by_name(const char *name)
{
    size_t i;
    for (i = 0; name && i < ACTIVITY_COUNT; i++)
        if (strcmp(activity_table[i].name, name) == 0)
            return &activity_table[i];
    return NULL;
}

const struct record_activity_info *record_activity_at(size_t index)
{
    return index < ACTIVITY_COUNT ? &activity_table[index] : NULL;
}

const char *record_result_name(uint8_t activity, uint8_t result)
{
    const struct record_activity_info *info = record_activity_info(activity);
    const char *const *names;
    if (!info || result >= info->result_count)
        return "?";
    switch (record_category(activity)) {
    case CAT_ALCOHOL: names = results_alcohol; break;
    case CAT_DRUGS: names = results_drugs; break;
    case CAT_VEHICLE: names = results_vehicle; break;
    case CAT_GUARD: names = results_guard; break;
    case CAT_ADMIN: names = results_admin; break;
    default: names = results_session; break;
    }
    return names[result];
}

const char *record_action_name(uint8_t action)
{
    return action < ACTION_COUNT ? action_names[action] : "?";
}

const char *record_actor_name(uint8_t actor)
{
    return actor < ACTOR_COUNT ? actor_names[actor] : "?";
}

const char *record_zone_name(uint8_t zone)
{
    return zone < ZONE_COUNT ? zone_names[zone] : "?";
}

/* Length the body of this activity needs on the wire, given its flags. */
static size_t record_wire_len(uint8_t activity, uint8_t flags)
{
    if (activity == ACT_ADMIN_VOID)
        return RECORD_VOID_LEN;
    if (activity == ACT_ADMIN_HEARTBEAT)
        return RECORD_HEARTBEAT_LEN;
    return RECORD_ACTIVITY_LEN +
           ((flags & FLAG_HAS_CELL) ? RECORD_OPTIONAL_LEN : 0) +
           ((flags & FLAG_HAS_OPERATION) ? RECORD_OPTIONAL_LEN : 0);
}

/* The checks shared by encoder and decoder, so the two cannot disagree on
 * what a valid record is. */
static int record_check(const struct record *r)
{
    const struct record_activity_info *info = record_activity_info(r->activity);
    if (!info)
        return PROTO_ERR_UNKNOWN_ACTIVITY;
    if (r->result >= info->result_count || r->action >= ACTION_COUNT ||
        (r->side & ~SIDE_ALL) != 0 || r->clock_unset > 1)
        return PROTO_ERR_OUT_OF_RANGE;
    /* A field the layout of this activity has no room for must be empty,
     * so that encoding never silently drops a value. */
    if (record_category(r->activity) == CAT_ADMIN) {
        if (r->action != ACTION_NONE || r->side != 0 || r->quantity != 0 ||
            r->duration_min != 0 || r->zone != 0 || r->actor != 0 ||
            r->cell != RECORD_CELL_NONE || r->operation != 0)
            return PROTO_ERR_OUT_OF_RANGE;
        if (r->activity == ACT_ADMIN_VOID)
            return (r->void_counter == 0 || r->oldest_unacked || r->queue_depth)
                       ? PROTO_ERR_OUT_OF_RANGE : PROTO_OK;
        return r->void_counter ? PROTO_ERR_OUT_OF_RANGE : PROTO_OK;
    }
    if (r->void_counter || r->oldest_unacked || r->queue_depth)
        return PROTO_ERR_OUT_OF_RANGE;
    if (r->quantity > RECORD_QUANTITY_MAX || r->duration_min > RECORD_DURATION_MAX ||
        r->zone >= ZONE_COUNT || r->actor >= ACTOR_COUNT)
        return PROTO_ERR_OUT_OF_RANGE;
    return PROTO_OK;
}

int record_encode(const struct record *r, uint8_t *out, size_t cap, size_t *len)
{
    uint8_t flags;
    size_t n, at;
    int err = record_check(r);
    if (err)
        return err;
    flags = (uint8_t)((r->side & FLAG_SIDE_MASK) | (r->clock_unset ? FLAG_CLOCK_UNSET : 0));
    if (record_category(r->activity) != CAT_ADMIN) {
        if (r->cell != RECORD_CELL_NONE)
            flags |= FLAG_HAS_CELL;
        if (r->operation != 0)
            flags |= FLAG_HAS_OPERATION;
    }
    n = record_wire_len(r->activity, flags);
    if (cap < n)
        return PROTO_ERR_BUFFER;

    out[0] = RECORD_VERSION;
    out[1] = r->activity;
    out[2] = (uint8_t)((r->result << 4) | r->action);
    out[3] = flags;
    put_u32(out + 4, r->start_min);
    if (r->activity == ACT_ADMIN_VOID) {
        put_u32(out + 8, r->void_counter);
    } else if (r->activity == ACT_ADMIN_HEARTBEAT) {
        put_u32(out + 8, r->oldest_unacked);
        put_u16(out + 12, r->queue_depth);
    } else {
        out[8] = (uint8_t)(r->quantity >> 4);
        out[9] = (uint8_t)(((r->quantity & 0x0F) << 4) | (r->duration_min >> 8));
        out[10] = (uint8_t)r->duration_min;
        out[11] = r->zone;
        out[12] = (uint8_t)(r->actor << 4);
        at = RECORD_ACTIVITY_LEN;
        if (flags & FLAG_HAS_CELL) {
            put_u16(out + at, r->cell);
            at += RECORD_OPTIONAL_LEN;
        }
        if (flags & FLAG_HAS_OPERATION)
            put_u16(out + at, r->operation);
    }
    *len = n;
    return PROTO_OK;
}

int record_decode(const uint8_t *in, size_t len, struct record *r)
{
    uint8_t flags;
    size_t need, at;

    memset(r, 0, sizeof *r);
    r->cell = RECORD_CELL_NONE;
    if (len < 1)
        return PROTO_ERR_TRUNCATED;
    if (in[0] != RECORD_VERSION)
        return PROTO_ERR_BAD_VERSION;
    if (len < RECORD_COMMON_LEN)
        return PROTO_ERR_TRUNCATED;
    if (!record_activity_info(in[1]))
        return PROTO_ERR_UNKNOWN_ACTIVITY;
    r->activity = in[1];
    flags = in[3];
    need = record_wire_len(r->activity, flags);
    if (len < need)
        return PROTO_ERR_TRUNCATED;
    if (len > need)
        return PROTO_ERR_TOO_LONG;

    r->result = (uint8_t)(in[2] >> 4);
    r->action = (uint8_t)(in[2] & 0x0F);
    r->side = (uint8_t)(flags & FLAG_SIDE_MASK);
    r->clock_unset = (flags & FLAG_CLOCK_UNSET) ? 1 : 0;
    r->start_min = get_u32(in + 4);
    if (r->activity == ACT_ADMIN_VOID || r->activity == ACT_ADMIN_HEARTBEAT) {
        /* cell and operation do not exist for admin records */
        if (flags & (FLAG_HAS_CELL | FLAG_HAS_OPERATION))
            return PROTO_ERR_RESERVED;
        if (r->activity == ACT_ADMIN_VOID) {
            r->void_counter = get_u32(in + 8);
        } else {
            r->oldest_unacked = get_u32(in + 8);
            r->queue_depth = get_u16(in + 12);
        }
    } else {
        if (in[12] & 0x0F)
            return PROTO_ERR_RESERVED;
        r->quantity = (uint16_t)((in[8] << 4) | (in[9] >> 4));
        r->duration_min = (uint16_t)(((in[9] & 0x0F) << 8) | in[10]);
        r->zone = in[11];
        r->actor = (uint8_t)(in[12] >> 4);
        at = RECORD_ACTIVITY_LEN;
        if (flags & FLAG_HAS_CELL) {
            r->cell = get_u16(in + at);
            at += RECORD_OPTIONAL_LEN;
            if (r->cell == RECORD_CELL_NONE)
                return PROTO_ERR_OUT_OF_RANGE;
        }
        if (flags & FLAG_HAS_OPERATION) {
            r->operation = get_u16(in + at);
            if (r->operation == 0)
                return PROTO_ERR_OUT_OF_RANGE;
        }
    }
    return record_check(r);
}
