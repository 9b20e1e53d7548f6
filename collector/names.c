/* names.c -- display names of activities and zones (see names.h). */
#include <string.h>

#include "names.h"
#include "record.h"

static const struct {
    uint8_t code;
    const char *sv, *en;
} activity_names[] = {
    {ACT_ALCOHOL_SCREENING, "Sållningsprov (utandning)", "Screening breath test"},
    {ACT_ALCOHOL_HARBOUR_CHECK, "Nykterhetskontroll i hamn", "Sobriety check at a harbour"},
    {ACT_DRUGS_EYE_EXAM, "Ögonundersökning (droger)", "Eye examination (drugs)"},
    {ACT_VEHICLE_MOPED_CLASS1, "Moped klass I", "Moped class I"},
    {ACT_VEHICLE_MOPED_CLASS2, "Moped klass II", "Moped class II"},
    {ACT_VEHICLE_A_TRAKTOR, "A-traktor", "A-traktor"},
    {ACT_VEHICLE_EPA_TRAKTOR, "EPA-traktor", "EPA-traktor"},
    {ACT_VEHICLE_MOPEDBIL, "Mopedbil", "Moped car"},
    {ACT_VEHICLE_OTHER, "Annat fordon", "Other vehicle"},
    {ACT_TRAFFIC_CHECKPOINT, "Kontrollplats", "Checkpoint"},
    {ACT_TRAFFIC_OPERATION, "Riktad trafikinsats", "Targeted traffic operation"},
    {ACT_PRESENCE_FOOT_PATROL, "Fotpatrullering", "Foot patrol"},
    {ACT_PRESENCE_MOBILE_OFFICE, "Mobilt poliskontor", "Mobile police office"},
    {ACT_PRESENCE_LOCAL_OFFICE, "Lokalt poliskontor", "Local police office"},
    {ACT_YOUTH_OUTREACH, "Uppsökande arbete bland unga", "Youth outreach"},
    {ACT_YOUTH_PREVENTIVE_TALK, "Förebyggande samtal", "Preventive talk"},
    {ACT_YOUTH_DRUG_SALES, "Insats mot narkotikaförsäljning", "Action against drug sales"},
    {ACT_YOUTH_PREMISES_INSPECTION, "Krogtillsyn", "Licensed premises inspection"},
    {ACT_PREVENTION_CAMPAIGN_SCHOOL, "Kampanj i skola", "Campaign at a school"},
    {ACT_PREVENTION_CAMPAIGN_PARENTS, "Kampanj för föräldrar", "Campaign for parents"},
    {ACT_PREVENTION_CAMPAIGN_ASSOCIATIONS, "Kampanj för föreningar", "Campaign for associations"},
    {ACT_PREVENTION_CAMPAIGN_PUBLIC, "Information till allmänheten", "Information to the public"},
    {ACT_PREVENTION_SAFETY_WALK, "Trygghetsvandring", "Safety walk"},
    {ACT_PREVENTION_SITUATION_MEETING, "Möte om lägesbild", "Situational picture meeting"},
    {ACT_PREVENTION_CASE_COLLAB, "Samverkan i ärende", "Case collaboration"},
    {ACT_GUARD_HARBOUR, "Väktarrond i hamn", "Guard round at a harbour"},
    {ACT_GUARD_SCHOOL, "Väktarrond vid skola", "Guard round at a school"},
    {ACT_GUARD_HOTSPOT, "Väktarrond, annan plats", "Guard round, other hot spot"},
    {ACT_ADMIN_HEARTBEAT, "Statusmeddelande", "Heartbeat"},
    {ACT_ADMIN_VOID, "Makulering", "Void"},
};

/* Indexed by zone code (record.h). */
static const struct {
    const char *sv, *en;
} zone_names[ZONE_COUNT] = {
    [ZONE_UNSPECIFIED] = {"Ej angiven plats", "Unspecified"},
    [ZONE_SKOGHALL_CENTRE] = {"Skoghall centrum", "Skoghall centre"},
    [ZONE_HARBOUR_LILLANGSHAMNEN] = {"Lillängshamnen", "Lillängshamnen harbour"},
    [ZONE_HARBOUR_SORVIKSHAMNEN] = {"Sörvikshamnen", "Sörvikshamnen harbour"},
    [ZONE_HARBOUR_VASTRA_SOON] = {"Västra Söön", "Västra Söön harbour"},
    [ZONE_HARBOUR_MORUDDEN] = {"Mörudden", "Mörudden harbour"},
    [ZONE_SCHOOL_HAMMARLUNDEN] = {"Hammarlunden", "Hammarlunden school"},
    [ZONE_SCHOOL_MORMOSKOLAN] = {"Mörmoskolan", "Mörmoskolan school"},
    [ZONE_SCHOOL_GOTETORPSSKOLAN] = {"Götetorpsskolan", "Götetorpsskolan school"},
    [ZONE_SCHOOL_BARSTADSKOLAN] = {"Bärstadskolan", "Bärstadskolan school"},
    [ZONE_SCHOOL_LILLANGSSKOLAN] = {"Lillängsskolan", "Lillängsskolan school"},
    [ZONE_SCHOOL_UTBILDNINGSCENTER] = {"Hammarö utbildningscenter", "Hammarö education centre"},
    [ZONE_MAIN_ROADS] = {"Huvudvägar", "Main roads"},
    [ZONE_OTHER] = {"Annan plats", "Other place"},
};

const char *names_activity(uint8_t activity, int swedish)
{
    size_t i;
    for (i = 0; i < sizeof activity_names / sizeof activity_names[0]; i++)
        if (activity_names[i].code == activity)
            return swedish ? activity_names[i].sv : activity_names[i].en;
    return NULL;
}

const char *names_zone(uint8_t zone, int swedish)
{
    if (zone >= ZONE_COUNT || !zone_names[zone].sv)
        return NULL;
    return swedish ? zone_names[zone].sv : zone_names[zone].en;
}

/* Append s (with ", " before all but the first) to out, or "…" once full. */
static void join(char *out, size_t cap, size_t *used, int *full, const char *s)
{
    size_t n = strlen(s), sep = *used ? 2 : 0;
    static const char ellipsis[] = "\xE2\x80\xA6"; /* … */
    if (*full)
        return;
    if (*used + sep + n + sizeof ellipsis > cap) {
        if (*used + sep + sizeof ellipsis <= cap) {
            memcpy(out + *used, ", ", sep);
            memcpy(out + *used + sep, ellipsis, sizeof ellipsis);
            *used += sep + sizeof ellipsis - 1;
        }
        *full = 1;
        return;
    }
    if (sep)
        memcpy(out + *used, ", ", 2);
    memcpy(out + *used + sep, s, n + 1);
    *used += sep + n;
}

void names_activities(const uint8_t activity_bits[32], int swedish, char *out, size_t cap)
{
    size_t i, used = 0;
    int full = 0;
    if (cap == 0)
        return;
    out[0] = 0;
    for (i = 0; i < sizeof activity_names / sizeof activity_names[0]; i++) {
        uint8_t c = activity_names[i].code;
        if ((activity_bits[c / 8] >> (c % 8)) & 1u)
            join(out, cap, &used, &full, swedish ? activity_names[i].sv : activity_names[i].en);
    }
}

void names_zones(uint32_t zone_mask, int swedish, char *out, size_t cap)
{
    size_t used = 0;
    int full = 0, z;
    if (cap == 0)
        return;
    out[0] = 0;
    for (z = 0; z < ZONE_COUNT; z++)
        if ((zone_mask >> z) & 1u)
            join(out, cap, &used, &full, names_zone((uint8_t)z, swedish));
}
