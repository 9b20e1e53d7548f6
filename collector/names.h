/* names.h -- what the board reads instead of codes: Swedish (and English)
 * names of activities and zones, for the follow-up report.
 *
 * Design note. proto/record.h names every code once, in snake_case, for
 * machines and analysts (`alcohol.screening`, `school_mormoskolan`); a
 * municipal board reads "Sållningsprov (utandning)" and "Mörmoskolan". The
 * display names live here, beside the report, not in the wire format's
 * table: changing a word of Swedish must never touch what a device sends.
 * Checklist: when record.h gains an activity or a zone, add its names here;
 * tests/collector/test_names.c fails until every code has both.
 */
#ifndef LOFTE_NAMES_H
#define LOFTE_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* NULL for a code without a name (an activity code not in record.h). */
const char *names_activity(uint8_t activity, int swedish);
const char *names_zone(uint8_t zone, int swedish);

/* "Mopeder klass I, Mopeder klass II, A-traktorer" for a filter: the names
 * of the codes whose bit is set, joined with ", ", cut with "…" when out is
 * too small. activity_bits: 256 bits, one per activity code; zone_mask: one
 * bit per zone code (0: every zone, empty string). */
void names_activities(const uint8_t activity_bits[32], int swedish, char *out, size_t cap);
void names_zones(uint32_t zone_mask, int swedish, char *out, size_t cap);

#endif
