/* ui_text.c -- the tables of ui_text.h. One row per string, Swedish then
 * English, so a missing translation is a compile error (the row's second
 * initializer), not an empty label. */
#include "ui_text.h"

#include <stddef.h>

#include "record.h"

static const char *const strs[UI_S_COUNT][UI_LANG_COUNT] = {
    [UI_S_ALL_ACTIVITIES] = {"Alla aktiviteter", "All activities"},
    [UI_S_CHECKPOINT_START] = {"Kontrollpunkt", "Checkpoint"},
    [UI_S_ZONE] = {"Zon", "Zone"},
    [UI_S_UNDO] = {"Ångra", "Undo"},
    [UI_S_STATUS] = {"Status", "Status"},
    [UI_S_SETTINGS] = {"Inställningar", "Settings"},
    [UI_S_LANGUAGE] = {"Språk", "Language"},
    [UI_S_ROLE] = {"Roll", "Role"},
    [UI_S_CONTINUE] = {"Fortsätt", "Continue"},
    [UI_S_END] = {"Avsluta", "End"},
    [UI_S_MINUS_ONE] = {"Ta bort en (−1)", "Remove one (−1)"},
    [UI_S_DISCARD] = {"Avbryt, logga ej", "Cancel, no log"},
    [UI_S_EYE_EXAM] = {"Ögonundersökning", "Eye examination"},
    [UI_S_NEGATIVE] = {"negativa", "negative"},
    [UI_S_POSITIVE] = {"Positiva", "Positive"},
    [UI_S_PEOPLE] = {"personer", "people"},
    [UI_S_VEHICLES] = {"fordon", "vehicles"},
    [UI_S_TIME] = {"Tid", "Time"},
    [UI_S_SAVED] = {"Sparad", "Saved"},
    [UI_S_HELD] = {"hålls", "held"},
    [UI_S_VOIDED] = {"makulerar", "voids"},
    [UI_S_VOID_Q] = {"Makulera", "Void"},
    [UI_S_NO_KEEP] = {"Nej, behåll", "No, keep it"},
    [UI_S_YES_VOID] = {"Ja, makulera", "Yes, void it"},
    [UI_S_QUEUE_FULL] = {"KÖN ÄR FULL", "QUEUE IS FULL"},
    [UI_S_ON_PAPER] = {"Skriv på papper:", "Keep it on paper:"},
    [UI_S_NOT_SAVED] = {"EJ SPARAD", "NOT SAVED"},
    [UI_S_ERROR] = {"Fel", "Error"},
    [UI_S_ONE_SESSION] = {"Avsluta först:", "End this first:"},
    [UI_S_WAITING] = {"Väntar", "Waiting"},
    [UI_S_LAST_ACK] = {"Kvitto", "Last ack"},
    [UI_S_NEVER] = {"aldrig", "never"},
    [UI_S_AGO_MIN] = {"min sedan", "min ago"},
    [UI_S_CLOCK_SET] = {"Klocka satt", "Clock set"},
    [UI_S_CLOCK_UNSET] = {"Klocka EJ satt", "Clock NOT set"},
    [UI_S_BATTERY] = {"Batteri", "Battery"},
    [UI_S_UNKNOWN] = {"okänt", "unknown"},
    [UI_S_AIRTIME] = {"Sändtid", "Airtime"},
    [UI_S_LEFT] = {"kvar", "left"},
    [UI_S_HINT_LIST] = {"▼ nästa ● välj ◀håll", "▼ next ● pick ◀hold"},
    [UI_S_HINT_TALLY] = {"▼ +1 ● avsluta ◀håll", "▼ +1 ● end ◀hold"},
    [UI_S_HINT_CHECKPOINT] = {"▼ negativ ● positiv", "▼ negative ● positive"},
    [UI_S_HINT_MESSAGE] = {"● ok", "● ok"},
    [UI_S_CHOOSE_RESULT] = {"Resultat", "Result"},
    [UI_S_CHOOSE_ACTION] = {"Åtgärd", "Action"},
    [UI_S_CHOOSE_BAND] = {"Positiv: nivå", "Positive: level"},
    [UI_S_CATEGORY] = {"Kategori", "Category"},
    [UI_S_RUNNING] = {"pågår", "running"},
    [UI_S_SENT_LATER] = {"sänds senare", "sent later"},
    [UI_S_QUEUE_SHORT] = {"Kö", "Q"},
    [UI_S_CLOCK_SHORT] = {"KLOCKA?", "CLOCK?"},
    [UI_S_FULL_SHORT] = {"KÖ FULL: PAPPER", "QUEUE FULL: PAPER"},
};

const char *ui_text(enum ui_lang lang, enum ui_str s)
{
    if ((unsigned)lang >= UI_LANG_COUNT || (unsigned)s >= UI_S_COUNT)
        return "?";
    return strs[s][lang];
}

struct named {
    uint8_t code;
    const char *name[UI_LANG_COUNT];
};

static const struct named activities[] = {
    {ACT_ALCOHOL_SCREENING, {"Utandningsprov", "Breath test"}},
    {ACT_ALCOHOL_HARBOUR_CHECK, {"Nykterhet hamn", "Harbour sobriety"}},
    {ACT_DRUGS_EYE_EXAM, {"Ögonundersökning", "Eye examination"}},
    {ACT_VEHICLE_MOPED_CLASS1, {"Moped klass I", "Moped class I"}},
    {ACT_VEHICLE_MOPED_CLASS2, {"Moped klass II", "Moped class II"}},
    {ACT_VEHICLE_A_TRAKTOR, {"A-traktor", "A-tractor"}},
    {ACT_VEHICLE_EPA_TRAKTOR, {"EPA-traktor", "EPA tractor"}},
    {ACT_VEHICLE_MOPEDBIL, {"Mopedbil", "Moped car"}},
    {ACT_VEHICLE_OTHER, {"Annat fordon", "Other vehicle"}},
    {ACT_TRAFFIC_CHECKPOINT, {"Kontrollpunkt", "Checkpoint"}},
    {ACT_TRAFFIC_OPERATION, {"Trafikinsats", "Traffic op."}},
    {ACT_PRESENCE_FOOT_PATROL, {"Fotpatrull", "Foot patrol"}},
    {ACT_PRESENCE_MOBILE_OFFICE, {"Mobilt kontor", "Mobile office"}},
    {ACT_PRESENCE_LOCAL_OFFICE, {"Polisstation", "Local office"}},
    {ACT_YOUTH_OUTREACH, {"Uppsökande ungd.", "Youth outreach"}},
    {ACT_YOUTH_PREVENTIVE_TALK, {"Förebygg. samtal", "Preventive talk"}},
    {ACT_YOUTH_DRUG_SALES, {"Narkotikaförs.", "Drug sales"}},
    {ACT_YOUTH_PREMISES_INSPECTION, {"Krogtillsyn", "Premises check"}},
    {ACT_PREVENTION_CAMPAIGN_SCHOOL, {"Info skola", "Campaign school"}},
    {ACT_PREVENTION_CAMPAIGN_PARENTS, {"Info föräldrar", "Campaign parents"}},
    {ACT_PREVENTION_CAMPAIGN_ASSOCIATIONS, {"Info föreningar", "Campaign assoc."}},
    {ACT_PREVENTION_CAMPAIGN_PUBLIC, {"Info allmänhet", "Campaign public"}},
    {ACT_PREVENTION_SAFETY_WALK, {"Trygghetsvandr.", "Safety walk"}},
    {ACT_PREVENTION_SITUATION_MEETING, {"Lägesbild möte", "Situation mtg."}},
    {ACT_PREVENTION_CASE_COLLAB, {"Samverkan soc.", "Case collab."}},
    {ACT_GUARD_HARBOUR, {"Vaktrunda hamn", "Harbour round"}},
    {ACT_GUARD_SCHOOL, {"Vaktrunda skola", "School round"}},
    {ACT_GUARD_HOTSPOT, {"Vaktrunda annan", "Hot spot round"}},
    {ACT_ADMIN_HEARTBEAT, {"Livstecken", "Heartbeat"}},
    {ACT_ADMIN_VOID, {"Makulering", "Void"}},
};

static const char *lookup(const struct named *t, size_t n, uint8_t code, enum ui_lang lang)
{
    size_t i;
    if ((unsigned)lang >= UI_LANG_COUNT)
        return "?";
    for (i = 0; i < n; i++)
        if (t[i].code == code)
            return t[i].name[lang];
    return "?";
}

const char *ui_text_activity(enum ui_lang lang, uint8_t activity)
{
    return lookup(activities, sizeof activities / sizeof activities[0], activity, lang);
}

static const struct named categories[] = {
    {CAT_ALCOHOL, {"Alkohol", "Alcohol"}},
    {CAT_DRUGS, {"Narkotika", "Drugs"}},
    {CAT_VEHICLE, {"Fordon", "Vehicles"}},
    {CAT_TRAFFIC, {"Trafik", "Traffic"}},
    {CAT_PRESENCE, {"Närvaro", "Presence"}},
    {CAT_YOUTH, {"Ungdom", "Youth"}},
    {CAT_PREVENTION, {"Förebyggande", "Prevention"}},
    {CAT_GUARD, {"Vakt", "Guard"}},
};

const char *ui_text_category(enum ui_lang lang, uint8_t category)
{
    return lookup(categories, sizeof categories / sizeof categories[0], category, lang);
}

/* Result sets, as docs/protocol.md table 2.5 numbers them. */
static const char *const res_alcohol[][UI_LANG_COUNT] = {
    {"Negativ", "Negative"},
    {"Sållning positiv", "Screening pos."},
    {"Under 0,10 mg/l", "Below 0.10 mg/l"},
    {"Rattfylleri", "Drunk driving"},
    {"Grovt rattfyll.", "Gross drunk dr."},
    {"Vägrat: blodprov", "Refused: blood"},
};
static const char *const res_drugs[][UI_LANG_COUNT] = {
    {"Inga tecken", "No signs"},
    {"Tecken: prov", "Signs: sample"},
};
static const char *const res_vehicle[][UI_LANG_COUNT] = {
    {"Utan anmärkning", "No remark"},
    {"Brist", "Defect"},
    {"Trimmad", "Trimmed"},
    {"Saknar behörigh.", "No licence"},
    {"Försäkr./regist.", "Insurance/reg."},
};
static const char *const res_session[][UI_LANG_COUNT] = {
    {"Genomförd", "Completed"},
    {"Avbruten", "Interrupted"},
    {"Med incident", "With incident"},
};
static const char *const res_guard[][UI_LANG_COUNT] = {
    {"Utan anmärkning", "No remark"},
    {"Skadegörelse", "Damage found"},
    {"Kontakt tagen", "Contact made"},
    {"Polis tillkallad", "Police called"},
};

const char *ui_text_result(enum ui_lang lang, uint8_t activity, uint8_t result)
{
    const struct record_activity_info *info = record_activity_info(activity);
    if (!info || result >= info->result_count || (unsigned)lang >= UI_LANG_COUNT)
        return "?";
    switch (record_category(activity)) {
    case CAT_ALCOHOL:
        return res_alcohol[result][lang];
    case CAT_DRUGS:
        return res_drugs[result][lang];
    case CAT_VEHICLE:
        return res_vehicle[result][lang];
    case CAT_GUARD:
        return res_guard[result][lang];
    case CAT_ADMIN:
        return "?";
    default:
        return res_session[result][lang];
    }
}

static const char *const actions[ACTION_COUNT][UI_LANG_COUNT] = {
    {"Ingen åtgärd", "No action"},
    {"Råd/varning", "Advice/warning"},
    {"Ordningsbot", "Fine"},
    {"Anmälan", "Report"},
    {"Frihetsberövad", "Detained"},
};

const char *ui_text_action(enum ui_lang lang, uint8_t action)
{
    if (action >= ACTION_COUNT || (unsigned)lang >= UI_LANG_COUNT)
        return "?";
    return actions[action][lang];
}

static const char *const sides[5][UI_LANG_COUNT] = {
    {"Vårdnadshavare", "Guardian told"},
    {"Orosanmälan", "Concern report"},
    {"Fordonsåtgärd", "Vehicle measure"},
    {"Körkort omhänd.", "Licence seized"},
    {"Beslag", "Seizure"},
};

const char *ui_text_side(enum ui_lang lang, unsigned bit)
{
    if (bit >= 5 || (unsigned)lang >= UI_LANG_COUNT)
        return "?";
    return sides[bit][lang];
}

static const char *const zones[ZONE_COUNT][UI_LANG_COUNT] = {
    {"Ospecificerad", "Unspecified"},
    {"Skoghall C", "Skoghall centre"},
    {"Lillängshamnen", "Lillängshamnen"},
    {"Sörvikshamnen", "Sörvikshamnen"},
    {"Västra Söön", "Västra Söön"},
    {"Mörudden", "Mörudden"},
    {"Hammarlunden", "Hammarlunden"},
    {"Mörmoskolan", "Mörmoskolan"},
    {"Götetorpsskolan", "Götetorpsskolan"},
    {"Bärstadskolan", "Bärstadskolan"},
    {"Lillängsskolan", "Lillängsskolan"},
    {"Utb.center", "Education ctr."},
    {"Huvudvägar", "Main roads"},
    {"Annan plats", "Elsewhere"},
};

const char *ui_text_zone(enum ui_lang lang, uint8_t zone)
{
    if (zone >= ZONE_COUNT || (unsigned)lang >= UI_LANG_COUNT)
        return "?";
    return zones[zone][lang];
}

static const char *const roles[UI_ROLE_COUNT][UI_LANG_COUNT] = {
    {"Polis", "Police"},
    {"Kommunvakt", "Municipal guard"},
    {"Kommunen", "Municipal staff"},
};

const char *ui_text_role(enum ui_lang lang, enum ui_role role)
{
    if ((unsigned)role >= UI_ROLE_COUNT || (unsigned)lang >= UI_LANG_COUNT)
        return "?";
    return roles[role][lang];
}

const char *ui_text_lang_name(enum ui_lang lang)
{
    return lang == UI_LANG_EN ? "English" : "Svenska";
}
