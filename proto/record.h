/* record.h -- one activity of the citizen promise, as the handheld logs it.
 *
 * A record is one stop, one check, or one session of an activity (docs/domain.md
 * §2). It is the plaintext inside an uplink radio frame, so every byte costs
 * air time: a full stop record is 17 bytes at most, 13 without the optional
 * grid cell and operation code. The byte layout is in docs/protocol.md §2.
 *
 * Privacy by construction (docs/domain.md §3): there is no field that can hold a
 * name, personal number, plate, VIN, case number, position finer than a
 * ~100 m cell, measured value (alcohol is a band), substance or free text.
 * Every field is a small enumeration or a count. If you are about to add a
 * field, read §3 first, then bump RECORD_VERSION and add a test vector.
 *
 * The device pseudonym and frame counter are not in the record: they travel
 * in the radio frame header (authenticated), see radio.h.
 */
#ifndef LOFTE_RECORD_H
#define LOFTE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define RECORD_VERSION 1

/* Sizes on the wire; the only place these numbers are written. */
#define RECORD_COMMON_LEN 8     /* version, activity, result/action, flags, time */
#define RECORD_ACTIVITY_LEN 13  /* activity body without optional fields */
#define RECORD_OPTIONAL_LEN 2   /* each of: grid cell, operation code */
#define RECORD_VOID_LEN 12
#define RECORD_HEARTBEAT_LEN 14
#define RECORD_MIN_LEN RECORD_VOID_LEN /* the shortest record of all */
#define RECORD_MAX_LEN (RECORD_ACTIVITY_LEN + 2 * RECORD_OPTIONAL_LEN)

/* Time: minutes since 2020-01-01T00:00:00Z (UTC), the lofte epoch. */
#define LOFTE_EPOCH_UNIX 1577836800L

#define RECORD_QUANTITY_MAX 4095   /* 12 bits on the wire */
#define RECORD_DURATION_MAX 1440   /* one day, in minutes */
#define RECORD_CELL_NONE 0xFFFFu   /* struct value for "no grid cell" */

/* Activity code = category << 4 | subtype. */
enum record_category {
    CAT_ALCOHOL = 1,
    CAT_DRUGS = 2,
    CAT_VEHICLE = 3,
    CAT_TRAFFIC = 4,
    CAT_PRESENCE = 5,
    CAT_YOUTH = 6,
    CAT_PREVENTION = 7,
    CAT_GUARD = 8,
    CAT_ADMIN = 9
};

enum record_activity {
    ACT_ALCOHOL_SCREENING = 0x11,        /* screening breath test on road */
    ACT_ALCOHOL_HARBOUR_CHECK = 0x12,    /* sobriety check at harbour */
    ACT_DRUGS_EYE_EXAM = 0x21,
    ACT_VEHICLE_MOPED_CLASS1 = 0x31,
    ACT_VEHICLE_MOPED_CLASS2 = 0x32,
    ACT_VEHICLE_A_TRAKTOR = 0x33,
    ACT_VEHICLE_EPA_TRAKTOR = 0x34,
    ACT_VEHICLE_MOPEDBIL = 0x35,
    ACT_VEHICLE_OTHER = 0x36,
    ACT_TRAFFIC_CHECKPOINT = 0x41,       /* a checkpoint session */
    ACT_TRAFFIC_OPERATION = 0x42,        /* a targeted operation */
    ACT_PRESENCE_FOOT_PATROL = 0x51,
    ACT_PRESENCE_MOBILE_OFFICE = 0x52,
    ACT_PRESENCE_LOCAL_OFFICE = 0x53,
    ACT_YOUTH_OUTREACH = 0x61,
    ACT_YOUTH_PREVENTIVE_TALK = 0x62,
    ACT_YOUTH_DRUG_SALES = 0x63,         /* sent delayed, docs/domain.md §3 */
    ACT_YOUTH_PREMISES_INSPECTION = 0x64,
    ACT_PREVENTION_CAMPAIGN_SCHOOL = 0x71,
    ACT_PREVENTION_CAMPAIGN_PARENTS = 0x72,
    ACT_PREVENTION_CAMPAIGN_ASSOCIATIONS = 0x73,
    ACT_PREVENTION_CAMPAIGN_PUBLIC = 0x74,
    ACT_PREVENTION_SAFETY_WALK = 0x75,
    ACT_PREVENTION_SITUATION_MEETING = 0x76,
    ACT_PREVENTION_CASE_COLLAB = 0x77,
    ACT_GUARD_HARBOUR = 0x81,
    ACT_GUARD_SCHOOL = 0x82,
    ACT_GUARD_HOTSPOT = 0x83,
    ACT_ADMIN_HEARTBEAT = 0x91,
    ACT_ADMIN_VOID = 0x92
};

/* Strictest action taken, in increasing order of severity. */
enum record_action {
    ACTION_NONE = 0,
    ACTION_ADVICE = 1,        /* advice or warning */
    ACTION_FINE = 2,          /* ordningsbot */
    ACTION_REPORT = 3,        /* anmälan */
    ACTION_DEPRIVATION = 4,   /* arrest, taken for a sample */
    ACTION_COUNT
};

/* Side actions: a bit set, any combination. */
#define SIDE_GUARDIAN_CONTACTED 0x01u
#define SIDE_CONCERN_REPORT 0x02u     /* orosanmälan */
#define SIDE_VEHICLE_MEASURE 0x04u
#define SIDE_LICENCE_SEIZED 0x08u
#define SIDE_SEIZURE 0x10u
#define SIDE_ALL 0x1Fu

enum record_actor {
    ACTOR_POLICE = 0,
    ACTOR_MUNICIPAL_GUARD = 1,
    ACTOR_MUNICIPAL_STAFF = 2,
    ACTOR_JOINT = 3,
    ACTOR_RESCUE_SERVICE = 4,
    ACTOR_HOUSING_COMPANY = 5,
    ACTOR_COUNT
};

/* Zones of the Hammarö deployment (docs/domain.md §2). A deployment elsewhere
 * ships its own table under the same numbers' rules: 0 means unspecified. */
enum record_zone {
    ZONE_UNSPECIFIED = 0,
    ZONE_SKOGHALL_CENTRE = 1,
    ZONE_HARBOUR_LILLANGSHAMNEN = 2,
    ZONE_HARBOUR_SORVIKSHAMNEN = 3,
    ZONE_HARBOUR_VASTRA_SOON = 4,
    ZONE_HARBOUR_MORUDDEN = 5,
    ZONE_SCHOOL_HAMMARLUNDEN = 6,
    ZONE_SCHOOL_MORMOSKOLAN = 7,
    ZONE_SCHOOL_GOTETORPSSKOLAN = 8,
    ZONE_SCHOOL_BARSTADSKOLAN = 9,
    ZONE_SCHOOL_LILLANGSSKOLAN = 10,
    ZONE_SCHOOL_UTBILDNINGSCENTER = 11,
    ZONE_MAIN_ROADS = 12,
    ZONE_OTHER = 13,
    ZONE_COUNT
};

struct record {
    uint8_t activity;       /* enum record_activity */
    uint8_t result;         /* meaning depends on category, see record_result_name */
    uint8_t action;         /* enum record_action */
    uint8_t side;           /* SIDE_* bits */
    uint8_t clock_unset;    /* 1: start_min counts minutes since device boot */
    uint32_t start_min;     /* minutes since LOFTE_EPOCH (or boot, see above) */
    uint16_t quantity;      /* people, vehicles or visitors; 0..4095 */
    uint16_t duration_min;  /* 0..1440 */
    uint8_t zone;           /* enum record_zone */
    uint8_t actor;          /* enum record_actor */
    uint16_t cell;          /* ~100 m grid cell, row << 8 | col, or RECORD_CELL_NONE */
    uint16_t operation;     /* random operation code, 0 = none */
    /* admin.void only: counter of the earlier record it cancels */
    uint32_t void_counter;
    /* admin.heartbeat only: the device's queue, so the station can close
     * counter gaps and the operator can see a backlog */
    uint32_t oldest_unacked;  /* lowest counter still queued, 0 = queue empty */
    uint16_t queue_depth;
};

struct record_activity_info {
    uint8_t code;
    const char *name;        /* "alcohol.screening" */
    uint8_t result_count;    /* valid results are 0 .. result_count-1 */
};

/* Serialise r into out[0..cap). On success *len is the byte count.
 * Fails with PROTO_ERR_UNKNOWN_ACTIVITY, _OUT_OF_RANGE or _BUFFER;
 * out is then unspecified. */
int record_encode(const struct record *r, uint8_t *out, size_t cap, size_t *len);

/* Parse exactly len bytes into *r (fully overwritten, unused fields zero).
 * Any length other than the one the activity implies is an error. */
int record_decode(const uint8_t *in, size_t len, struct record *r);

/* Table lookups; NULL or "?" when the value is not defined. */
const struct record_activity_info *record_activity_info(uint8_t code);
const struct record_activity_info *record_activity_by_name(const char *name);
const struct record_activity_info *record_activity_at(size_t index); /* NULL past end */
const char *record_result_name(uint8_t activity, uint8_t result);
const char *record_action_name(uint8_t action);
const char *record_actor_name(uint8_t actor);
const char *record_zone_name(uint8_t zone);

static inline uint8_t record_category(uint8_t activity) { return (uint8_t)(activity >> 4); }

#endif
