/* scenario.h -- a plausible year of the Hammarö citizen promise, as stops.
 *
 * Generates, deterministically from a seed, what officers and guards log
 * over a date range: weekly mobile office, checkpoints with their screening
 * tests and the occasional positive, moped and A-traktor operations in
 * season, foot patrols, youth outreach, meetings, campaigns, safety walks,
 * guard rounds at harbours (May-Sep) and schools (term time), and now and
 * then a void of a mistaken entry. The rates are set so that most of the
 * illustrative targets of docs/domain.md §4 are met in most periods, and some
 * are not: a follow-up that is always green teaches nothing.
 *
 * Times are Unix seconds; weekdays, hours and seasons are reckoned in
 * Europe/Stockholm local time (the process's TZ is set by scenario_init).
 * Typical size: ~3,000 events per year for six devices.
 */
#ifndef LOFTE_SCENARIO_H
#define LOFTE_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

struct scenario_event {
    int64_t t;             /* Unix seconds when the officer presses "log" */
    int id;                /* unique, 0..count-1, stable across sorting */
    int device;            /* index of the handheld, 0..devices-1 */
    int void_of;           /* >= 0: void the event with this id instead */
    struct record rec;     /* every field but start_min and clock_unset */
};

struct scenario {
    struct scenario_event *ev;   /* sorted by t */
    size_t count, cap;
    int devices;                 /* police handhelds first, then guards */
    int police_devices;
};

/* Build the events for [from, to) (Unix seconds, local midnights are fine).
 * Returns 0, or -1 when memory runs out. devices >= 2: a third of them
 * (at least one) are municipal guards. */
int scenario_build(struct scenario *s, int64_t from, int64_t to, int devices, uint64_t seed);
void scenario_free(struct scenario *s);

/* Parse "YYYY-MM-DD" as local (Europe/Stockholm) midnight; -1 if malformed. */
int scenario_parse_date(const char *text, int64_t *t);

#endif
