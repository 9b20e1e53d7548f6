/* airtime.c -- the Semtech time-on-air formula in integer arithmetic.
 *
 *   Tsym      = 2^SF / BW
 *   Tpreamble = (Npreamble + 4.25) * Tsym
 *   Npayload  = 8 + max(ceil((8 PL - 4 SF + 28 + 16 CRC - 20 IH)
 *                            / (4 (SF - 2 DE))) * (CR + 4), 0)
 *
 * Symbol times are whole microseconds for 125/250/500 kHz, so the result is
 * exact; docs/domain.md §5's figures (20 B: 56.6 ms at SF7, 1319 ms at SF12)
 * are reproduced by tests/unit/test_airtime.c.
 */
#include "airtime.h"

uint32_t airtime_us(uint8_t sf, uint16_t bw_kHz, uint8_t cr, uint16_t len)
{
    uint32_t tsym_us, n_payload;
    int32_t num, den, blocks;
    int de;

    if (sf < 7 || sf > 12 || cr < 5 || cr > 8 ||
        (bw_kHz != 125 && bw_kHz != 250 && bw_kHz != 500))
        return 0;
    tsym_us = ((uint32_t)1 << sf) * 1000u / bw_kHz;
    de = tsym_us >= 16000u;
    num = 8 * (int32_t)len - 4 * sf + 28 + 16 /* CRC on */ - 0 /* explicit header */;
    den = 4 * (sf - 2 * de);
    blocks = num > 0 ? (num + den - 1) / den : 0;
    n_payload = 8u + (uint32_t)blocks * cr;
    /* (Npreamble + 4.25) * Tsym, kept exact by working in quarter symbols */
    return (4u * AIRTIME_PREAMBLE_SYMBOLS + 17u) * tsym_us / 4u + n_payload * tsym_us;
}
