/* test_airtime.c -- the Semtech time-on-air formula (proto/airtime.c). */
#include "airtime.h"
#include "radio.h"
#include "testutil.h"

Test(airtime, reproduces_the_figures_of_the_domain_brief)
{
    /* docs/domain.md §5: 125 kHz, CR 4/5, 8-symbol preamble, CRC on */
    cr_assert_eq(airtime_us(7, 125, 5, 20), 56576);
    cr_assert_eq(airtime_us(12, 125, 5, 20), 1318912);
    cr_assert_eq(airtime_us(7, 125, 5, 40), 82176);
    cr_assert_eq(airtime_us(12, 125, 5, 40), 1974272);
}

Test(airtime, gives_the_protocol_documents_figures_for_lofte_frames)
{
    /* docs/protocol.md §9 */
    cr_assert_eq(airtime_us(7, 125, 5, RADIO_UPLINK_MAX_LEN) / 100, 719);
    cr_assert_eq(airtime_us(9, 125, 5, RADIO_UPLINK_MAX_LEN) / 100, 2467);
    cr_assert_eq(airtime_us(12, 125, 5, RADIO_UPLINK_MAX_LEN) / 100, 18104);
    cr_assert_eq(airtime_us(9, 125, 5, RADIO_ACK_LEN) / 100, 2058);
}

Test(airtime, grows_with_payload_and_spreading_factor)
{
    uint8_t sf;
    uint16_t len;
    for (sf = 7; sf <= 12; sf++)
        for (len = 1; len <= 255; len++) {
            cr_assert_geq(airtime_us(sf, 125, 5, len), airtime_us(sf, 125, 5, len - 1));
            if (sf > 7)
                cr_assert_gt(airtime_us(sf, 125, 5, len), airtime_us(sf - 1, 125, 5, len));
        }
    cr_assert_lt(airtime_us(7, 250, 5, 20), airtime_us(7, 125, 5, 20));
}

Test(airtime, refuses_parameters_outside_lora)
{
    cr_assert_eq(airtime_us(6, 125, 5, 20), 0);
    cr_assert_eq(airtime_us(13, 125, 5, 20), 0);
    cr_assert_eq(airtime_us(7, 200, 5, 20), 0);
    cr_assert_eq(airtime_us(7, 125, 4, 20), 0);
    cr_assert_eq(airtime_us(7, 125, 9, 20), 0);
}
