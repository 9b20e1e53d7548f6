/* fuzz_key.c -- the one AES key that fuzz_radio_open opens frames with and
 * make_seeds seals its seed frames with.
 *
 * Kept in one place so the two cannot drift apart: with a different key
 * every seed frame would fail its tag and the fuzzer would never get past
 * CCM to record_decode. It is the key of the test vectors in
 * docs/protocol.md §8, so a vector frame is also a valid fuzz input.
 */
#include <stdint.h>

#include "radio.h"

extern const uint8_t fuzz_key[RADIO_KEY_LEN];

const uint8_t fuzz_key[RADIO_KEY_LEN] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                         0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
