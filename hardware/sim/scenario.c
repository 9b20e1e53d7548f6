/* scenario.c -- generate the officers' log for a date range.
 *
 * Table-driven: each row of `plans` is one kind of activity with its rate,
 * season, days, hours, actor and value ranges. Every local day of the range
 * is visited once; each plan rolls its dice for that day. Follow-up events
 * (the screening tests at a checkpoint, the vehicles at an operation) are
 * produced by the plan that creates the session, so the counts hang
 * together the way they would in a real log.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scenario.h"

/* --- deterministic randomness ------------------------------------------ */

static uint64_t rng;

static uint32_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 2685821657736338717ULL) >> 32);
}

static int between(int lo, int hi) /* inclusive */
{
    return lo + (int)(rnd() % (uint32_t)(hi - lo + 1));
}

static int chance(double p)
{
    return rnd() < (uint32_t)(p * 4294967295.0);
}

/* --- calendar in Europe/Stockholm --------------------------------------- */

struct day {
    int64_t midnight;   /* Unix seconds of local 00:00 */
    int month;          /* 1..12 */
    int wday;           /* 1 = Monday .. 7 = Sunday */
    int mday;
};

static int64_t local_time(int year, int mon, int mday, int hour, int min)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = mday;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_isdst = -1; /* let the zone rules decide: DST is the point */
    return (int64_t)mktime(&tm);
}

int scenario_parse_date(const char *text, int64_t *t)
{
    int y, m, d;
    char *end;
    if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return -1;
    for (y = 0; y < 10; y++) /* digits only: strtol would take "+2" or " 2" */
        if (y != 4 && y != 7 && (text[y] < '0' || text[y] > '9'))
            return -1;
    y = (int)strtol(text, &end, 10);
    if (end != text + 4)
        return -1;
    m = (int)strtol(text + 5, &end, 10);
    if (end != text + 7)
        return -1;
    d = (int)strtol(text + 8, &end, 10);
    if (*end != 0 || y < 2020 || y > 2099 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    {
        /* 2024-02-30 is not a day (mktime would make it 03-01) */
        static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (d > mdays[m - 1] + (m == 2 && leap))
            return -1;
    }
    setenv("TZ", "Europe/Stockholm", 1);
    tzset();
    *t = local_time(y, m, d, 0, 0);
    return 0;
}

/* --- the plans ----------------------------------------------------------- */

#define MONTHS_ALL 0x1FFEu
#define MONTH(m) (1u << (m))
#define MONTHS_APR_OCT (MONTH(4) | MONTH(5) | MONTH(6) | MONTH(7) | MONTH(8) | MONTH(9) | MONTH(10))
#define MONTHS_MAY_SEP (MONTH(5) | MONTH(6) | MONTH(7) | MONTH(8) | MONTH(9))
#define MONTHS_TERM (MONTHS_ALL & ~(MONTH(7)))  /* schools closed in July */
#define WEEKDAYS 0x3Eu        /* bit per wday 1..5 */
#define EVENINGS 0x70u        /* Thu, Fri, Sat: wday 4..6 */
#define ALL_DAYS 0xFEu

enum follow_up { FOLLOW_NONE, FOLLOW_CHECKPOINT, FOLLOW_OPERATION };

struct plan {
    uint8_t activity;
    uint8_t actor;              /* ACTOR_*; guards run on guard devices */
    double per_day;             /* expected sessions per eligible day */
    unsigned months;            /* bit per month 1..12 */
    unsigned days;              /* bit per wday 1..7 */
    int hour_lo, hour_hi;       /* local start hour range */
    int dur_lo, dur_hi;         /* minutes */
    int qty_lo, qty_hi;
    const uint8_t *zones;       /* zero-terminated list */
    enum follow_up follow;
};

static const uint8_t zones_centre[] = {ZONE_SKOGHALL_CENTRE, 0};
static const uint8_t zones_patrol[] = {ZONE_SKOGHALL_CENTRE, ZONE_HARBOUR_LILLANGSHAMNEN,
                                       ZONE_SCHOOL_HAMMARLUNDEN, ZONE_SCHOOL_MORMOSKOLAN,
                                       ZONE_HARBOUR_SORVIKSHAMNEN, 0};
static const uint8_t zones_roads[] = {ZONE_MAIN_ROADS, ZONE_SKOGHALL_CENTRE, 0};
static const uint8_t zones_harbours[] = {ZONE_HARBOUR_LILLANGSHAMNEN, ZONE_HARBOUR_SORVIKSHAMNEN,
                                         ZONE_HARBOUR_VASTRA_SOON, ZONE_HARBOUR_MORUDDEN, 0};
static const uint8_t zones_schools[] = {ZONE_SCHOOL_HAMMARLUNDEN, ZONE_SCHOOL_MORMOSKOLAN,
                                        ZONE_SCHOOL_GOTETORPSSKOLAN, ZONE_SCHOOL_BARSTADSKOLAN,
                                        ZONE_SCHOOL_LILLANGSSKOLAN,
                                        ZONE_SCHOOL_UTBILDNINGSCENTER, 0};
static const uint8_t zones_youth[] = {ZONE_SKOGHALL_CENTRE, ZONE_SCHOOL_HAMMARLUNDEN,
                                      ZONE_HARBOUR_LILLANGSHAMNEN, ZONE_OTHER, 0};
static const uint8_t zones_any[] = {ZONE_OTHER, ZONE_SKOGHALL_CENTRE, 0};

static const struct plan plans[] = {
    /* promise 5: the (mobile) police office, weekly on Tuesdays */
    {ACT_PRESENCE_MOBILE_OFFICE, ACTOR_POLICE, 0.93, MONTHS_ALL, 1u << 2, 13, 14, 120, 180, 5, 40,
     zones_centre, FOLLOW_NONE},
    {ACT_PRESENCE_LOCAL_OFFICE, ACTOR_POLICE, 0.05, MONTHS_ALL, WEEKDAYS, 10, 14, 60, 120, 1, 10,
     zones_centre, FOLLOW_NONE},
    /* promise 3: alcohol and drug checkpoints, with their screening tests */
    {ACT_TRAFFIC_CHECKPOINT, ACTOR_POLICE, 0.17, MONTHS_ALL, ALL_DAYS, 6, 22, 45, 150, 0, 0,
     zones_roads, FOLLOW_CHECKPOINT},
    {ACT_ALCOHOL_HARBOUR_CHECK, ACTOR_POLICE, 0.12, MONTHS_MAY_SEP, EVENINGS, 17, 22, 10, 40, 1, 6,
     zones_harbours, FOLLOW_NONE},
    /* promise 4: moped and A-traktor operations in season */
    {ACT_TRAFFIC_OPERATION, ACTOR_POLICE, 0.03, MONTHS_APR_OCT, ALL_DAYS, 15, 21, 90, 180, 0, 0,
     zones_roads, FOLLOW_OPERATION},
    /* promise 6: uniformed foot patrol */
    {ACT_PRESENCE_FOOT_PATROL, ACTOR_POLICE, 0.35, MONTHS_ALL, ALL_DAYS, 9, 22, 30, 150, 0, 30,
     zones_patrol, FOLLOW_NONE},
    /* promises 1, 2, 8: youth */
    {ACT_YOUTH_OUTREACH, ACTOR_POLICE, 0.40, MONTHS_ALL, EVENINGS, 18, 22, 60, 180, 2, 25,
     zones_youth, FOLLOW_NONE},
    {ACT_YOUTH_PREVENTIVE_TALK, ACTOR_JOINT, 0.07, MONTHS_ALL, WEEKDAYS, 9, 16, 30, 90, 1, 3,
     zones_any, FOLLOW_NONE},
    {ACT_YOUTH_DRUG_SALES, ACTOR_POLICE, 0.012, MONTHS_ALL, ALL_DAYS, 12, 23, 60, 240, 1, 4,
     zones_youth, FOLLOW_NONE},
    {ACT_YOUTH_PREMISES_INSPECTION, ACTOR_POLICE, 0.02, MONTHS_ALL, EVENINGS, 20, 23, 30, 60, 1, 1,
     zones_centre, FOLLOW_NONE},
    /* promises 7, 9, 10, 11, 13: prevention, mostly joint */
    {ACT_PREVENTION_CASE_COLLAB, ACTOR_JOINT, 0.10, MONTHS_ALL, WEEKDAYS, 9, 15, 30, 90, 1, 2,
     zones_any, FOLLOW_NONE},
    {ACT_PREVENTION_SITUATION_MEETING, ACTOR_JOINT, 0.06, MONTHS_ALL, WEEKDAYS, 9, 14, 60, 120,
     4, 12, zones_centre, FOLLOW_NONE},
    {ACT_PREVENTION_CAMPAIGN_SCHOOL, ACTOR_JOINT, 0.04, MONTHS_TERM, WEEKDAYS, 9, 14, 45, 90,
     20, 120, zones_schools, FOLLOW_NONE},
    {ACT_PREVENTION_CAMPAIGN_PARENTS, ACTOR_JOINT, 0.008, MONTHS_TERM, WEEKDAYS, 18, 19, 60, 90,
     10, 80, zones_schools, FOLLOW_NONE},
    {ACT_PREVENTION_CAMPAIGN_ASSOCIATIONS, ACTOR_JOINT, 0.005, MONTHS_ALL, WEEKDAYS, 18, 19, 60,
     90, 5, 40, zones_any, FOLLOW_NONE},
    {ACT_PREVENTION_CAMPAIGN_PUBLIC, ACTOR_MUNICIPAL_STAFF, 0.008, MONTHS_ALL, ALL_DAYS, 10, 15,
     120, 240, 20, 300, zones_centre, FOLLOW_NONE},
    {ACT_PREVENTION_SAFETY_WALK, ACTOR_JOINT, 0.04, MONTH(9) | MONTH(10) | MONTH(4), WEEKDAYS,
     18, 19, 60, 120, 6, 20, zones_patrol, FOLLOW_NONE},
    /* promise 12: the municipality's guards */
    {ACT_GUARD_HARBOUR, ACTOR_MUNICIPAL_GUARD, 0.75, MONTHS_MAY_SEP, ALL_DAYS, 19, 23, 20, 60, 0,
     8, zones_harbours, FOLLOW_NONE},
    {ACT_GUARD_SCHOOL, ACTOR_MUNICIPAL_GUARD, 1.10, MONTHS_TERM, ALL_DAYS, 18, 23, 15, 45, 0, 5,
     zones_schools, FOLLOW_NONE},
    {ACT_GUARD_HOTSPOT, ACTOR_MUNICIPAL_GUARD, 0.25, MONTHS_ALL, EVENINGS, 19, 23, 15, 60, 0, 10,
     zones_youth, FOLLOW_NONE},
};
#define PLAN_COUNT (sizeof plans / sizeof plans[0])

/* --- building ------------------------------------------------------------ */

static struct scenario_event *push(struct scenario *s)
{
    if (s->count == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        struct scenario_event *ev = realloc(s->ev, cap * sizeof *ev);
        if (!ev)
            return NULL;
        s->ev = ev;
        s->cap = cap;
    }
    memset(&s->ev[s->count], 0, sizeof s->ev[0]);
    s->ev[s->count].void_of = -1;
    s->ev[s->count].rec.cell = RECORD_CELL_NONE;
    return &s->ev[s->count++];
}

static uint8_t pick_zone(const uint8_t *zones)
{
    int n = 0;
    while (zones[n])
        n++;
    return zones[rnd() % (uint32_t)n];
}

/* Which device logs it: guards on guard devices, everyone else on police
 * devices (joint activities are logged by the police officer present). */
static int pick_device(const struct scenario *s, uint8_t actor)
{
    if (actor == ACTOR_MUNICIPAL_GUARD)
        return s->police_devices + (int)(rnd() % (uint32_t)(s->devices - s->police_devices));
    return (int)(rnd() % (uint32_t)s->police_devices);
}

static uint16_t pick_cell(void)
{
    /* Hammarö fits in a 120 x 120 grid of 100 m cells from its SW corner */
    return chance(0.4) ? (uint16_t)((between(20, 110) << 8) | between(10, 100)) : RECORD_CELL_NONE;
}

static int emit(struct scenario *s, int64_t t, int device, uint8_t activity, uint8_t result,
                uint8_t action, uint8_t side, int qty, int dur, uint8_t zone, uint8_t actor,
                uint16_t operation)
{
    struct scenario_event *e = push(s);
    if (!e)
        return -1;
    e->t = t;
    e->device = device;
    e->rec.activity = activity;
    e->rec.result = result;
    e->rec.action = action;
    e->rec.side = side;
    e->rec.quantity = (uint16_t)qty;
    e->rec.duration_min = (uint16_t)dur;
    e->rec.zone = zone;
    e->rec.actor = actor;
    e->rec.cell = pick_cell();
    e->rec.operation = operation;
    return 0;
}

/* Outcome of one stop in a category: mostly clean, sometimes not, with an
 * action and side actions that fit the result. */
static void outcome(uint8_t activity, uint8_t *result, uint8_t *action, uint8_t *side)
{
    *result = 0, *action = ACTION_NONE, *side = 0;
    switch (record_category(activity)) {
    case CAT_ALCOHOL: {
        static const uint8_t res[] = {1, 2, 3, 3, 4, 5};
        *result = res[rnd() % 6];
        *action = *result == 2 ? ACTION_ADVICE : *result >= 4 ? ACTION_DEPRIVATION : ACTION_REPORT;
        if (*result >= 3 && chance(0.5))
            *side |= SIDE_LICENCE_SEIZED;
        break;
    }
    case CAT_DRUGS:
        *result = 1;
        *action = ACTION_DEPRIVATION;
        break;
    case CAT_VEHICLE:
        *result = (uint8_t)between(1, 4);
        *action = *result == 1 ? ACTION_FINE : ACTION_REPORT;
        if (*result == 2)
            *side |= SIDE_VEHICLE_MEASURE;
        if (chance(0.3))
            *side |= SIDE_GUARDIAN_CONTACTED;
        break;
    case CAT_GUARD:
        *result = (uint8_t)between(1, 3);
        break;
    default:
        *result = chance(0.5) ? 2 : 1;
        if (activity == ACT_YOUTH_DRUG_SALES) {
            *result = 2;
            *action = ACTION_REPORT;
            *side = SIDE_SEIZURE | (chance(0.5) ? SIDE_CONCERN_REPORT : 0);
        }
        break;
    }
}

/* A checkpoint: the session, then screening tests in batches of negatives
 * and single records for each positive, an eye exam now and then. */
static int follow_checkpoint(struct scenario *s, int64_t t, int device, int dur, uint8_t zone)
{
    int tests = between(8, 45), positives = chance(0.35) ? between(1, 2) : 0, i;
    uint8_t r, a, sd;
    if (emit(s, t + 60 * dur, device, ACT_ALCOHOL_SCREENING, 0, ACTION_NONE, 0,
             tests - positives, dur, zone, ACTOR_POLICE, 0))
        return -1;
    for (i = 0; i < positives; i++) {
        outcome(ACT_ALCOHOL_SCREENING, &r, &a, &sd);
        if (emit(s, t + 60 * between(5, dur), device, ACT_ALCOHOL_SCREENING, r, a, sd, 1, 15,
                 zone, ACTOR_POLICE, 0))
            return -1;
    }
    if (chance(0.3)) {
        int signs = chance(0.4);
        if (signs)
            outcome(ACT_DRUGS_EYE_EXAM, &r, &a, &sd);
        else
            r = 0, a = ACTION_NONE, sd = 0;
        if (emit(s, t + 60 * between(5, dur), device, ACT_DRUGS_EYE_EXAM, r, a, sd, 1, 10, zone,
                 ACTOR_POLICE, 0))
            return -1;
    }
    return 0;
}

/* A moped/A-traktor operation: one record per vehicle, under one code. */
static int follow_operation(struct scenario *s, int64_t t, int device, int dur, uint8_t zone)
{
    static const uint8_t kinds[] = {ACT_VEHICLE_MOPED_CLASS1, ACT_VEHICLE_MOPED_CLASS2,
                                    ACT_VEHICLE_A_TRAKTOR, ACT_VEHICLE_A_TRAKTOR,
                                    ACT_VEHICLE_EPA_TRAKTOR, ACT_VEHICLE_MOPEDBIL,
                                    ACT_VEHICLE_OTHER};
    int vehicles = between(6, 22), i;
    uint16_t op = (uint16_t)between(1, 0xFFFF);
    for (i = 0; i < vehicles; i++) {
        uint8_t r = 0, a = ACTION_NONE, sd = 0, kind = kinds[rnd() % 7];
        if (chance(0.25))
            outcome(kind, &r, &a, &sd);
        if (emit(s, t + 60 * (i * dur / vehicles), device, kind, r, a, sd, 1, 8, zone,
                 ACTOR_POLICE, op))
            return -1;
    }
    return 0;
}

static int cmp_event(const void *a, const void *b)
{
    const struct scenario_event *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->device - y->device;
}

int scenario_build(struct scenario *s, int64_t from, int64_t to, int devices, uint64_t seed)
{
    int64_t t;
    size_t p, i, n;
    memset(s, 0, sizeof *s);
    rng = seed ? seed : 1;
    s->devices = devices < 2 ? 2 : devices;
    s->police_devices = s->devices - (s->devices / 3 ? s->devices / 3 : 1);
    setenv("TZ", "Europe/Stockholm", 1);
    tzset();

    for (t = from; t < to;) {
        struct tm tm;
        time_t tt = (time_t)t;
        struct day d;
        localtime_r(&tt, &tm);
        d.midnight = local_time(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, 0, 0);
        d.month = tm.tm_mon + 1;
        d.wday = tm.tm_wday == 0 ? 7 : tm.tm_wday;
        d.mday = tm.tm_mday;
        for (p = 0; p < PLAN_COUNT; p++) {
            const struct plan *pl = &plans[p];
            double expect = pl->per_day;
            if (!(pl->months & MONTH(d.month)) || !(pl->days & (1u << d.wday)))
                continue;
            while (expect > 0) {
                int64_t start;
                int dur, device;
                uint8_t zone, r, a, sd;
                if (!chance(expect > 1 ? 1.0 : expect))
                    break;
                expect -= 1;
                start = local_time(tm.tm_year + 1900, d.month, d.mday,
                                   between(pl->hour_lo, pl->hour_hi), between(0, 59));
                dur = between(pl->dur_lo, pl->dur_hi);
                device = pick_device(s, pl->actor);
                zone = pick_zone(pl->zones);
                r = 0, a = ACTION_NONE, sd = 0;
                if (pl->follow == FOLLOW_NONE && chance(0.08))
                    outcome(pl->activity, &r, &a, &sd);
                /* a session is logged when it ends, at some second */
                if (emit(s, start + 60 * dur + between(0, 59), device, pl->activity, r, a, sd,
                         between(pl->qty_lo, pl->qty_hi), dur, zone, pl->actor, 0))
                    return -1;
                if (pl->follow == FOLLOW_CHECKPOINT &&
                    follow_checkpoint(s, start, device, dur, zone))
                    return -1;
                if (pl->follow == FOLLOW_OPERATION &&
                    follow_operation(s, start, device, dur, zone))
                    return -1;
            }
        }
        /* next local midnight: 25 h later, floored to the day (DST-proof) */
        {
            time_t next = (time_t)(d.midnight + 25 * 3600);
            localtime_r(&next, &tm);
            t = local_time(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, 0, 0);
        }
    }

    /* Drop what ended after the range, sort, then add voids: about 1 % of
     * records are entered by mistake and cancelled within the hour. */
    for (i = 0, n = 0; i < s->count; i++)
        if (s->ev[i].t < to)
            s->ev[n++] = s->ev[i];
    s->count = n;
    qsort(s->ev, s->count, sizeof s->ev[0], cmp_event);
    n = s->count;
    for (i = 0; i < n; i++)
        s->ev[i].id = (int)i;
    for (i = 0; i < n; i++) {
        struct scenario_event *e;
        if (!chance(0.01))
            continue;
        e = push(s);
        if (!e)
            return -1;
        e->t = s->ev[i].t + 60 * between(2, 50);
        e->device = s->ev[i].device;
        e->id = (int)s->count - 1;
        e->void_of = s->ev[i].id;
        e->rec.activity = ACT_ADMIN_VOID;
        if (e->t >= to)
            s->count--;
    }
    qsort(s->ev, s->count, sizeof s->ev[0], cmp_event);
    return 0;
}

void scenario_free(struct scenario *s)
{
    free(s->ev);
    memset(s, 0, sizeof *s);
}
