/* test_names.c -- every activity and zone code has a name the board reads
 * (collector/names.h), in Swedish and in English. */
#include <criterion/criterion.h>
#include <string.h>

#include "names.h"
#include "record.h"

Test(names, gives_every_activity_a_swedish_and_an_english_name)
{
    const struct record_activity_info *info;
    size_t i;
    for (i = 0; (info = record_activity_at(i)) != NULL; i++) {
        cr_assert_not_null(names_activity(info->code, 1), "%s has no Swedish name", info->name);
        cr_assert_not_null(names_activity(info->code, 0), "%s has no English name", info->name);
    }
    cr_assert_gt(i, 20);
    cr_assert_null(names_activity(0xEE, 1), "a code record.h does not know has no name");
}

Test(names, gives_every_zone_a_swedish_and_an_english_name)
{
    int z;
    for (z = 0; z < ZONE_COUNT; z++) {
        cr_assert_not_null(names_zone((uint8_t)z, 1), "%s", record_zone_name((uint8_t)z));
        cr_assert_not_null(names_zone((uint8_t)z, 0), "%s", record_zone_name((uint8_t)z));
    }
    cr_assert_str_eq(names_zone(ZONE_SCHOOL_MORMOSKOLAN, 1), "Mörmoskolan");
    cr_assert_null(names_zone(ZONE_COUNT, 1));
}

Test(names, lists_the_names_of_a_filter_and_cuts_with_an_ellipsis)
{
    uint8_t bits[32];
    char out[256], small[20];
    memset(bits, 0, sizeof bits);
    bits[ACT_VEHICLE_MOPED_CLASS1 / 8] |= (uint8_t)(1u << (ACT_VEHICLE_MOPED_CLASS1 % 8));
    bits[ACT_VEHICLE_A_TRAKTOR / 8] |= (uint8_t)(1u << (ACT_VEHICLE_A_TRAKTOR % 8));
    names_activities(bits, 1, out, sizeof out);
    cr_assert_str_eq(out, "Moped klass I, A-traktor");
    names_zones((1u << ZONE_HARBOUR_MORUDDEN) | (1u << ZONE_MAIN_ROADS), 0, out, sizeof out);
    cr_assert_str_eq(out, "Mörudden harbour, Main roads");
    names_zones((1u << ZONE_HARBOUR_MORUDDEN) | (1u << ZONE_MAIN_ROADS), 1, small, sizeof small);
    cr_assert_str_eq(small, "Mörudden, \xE2\x80\xA6");
}
