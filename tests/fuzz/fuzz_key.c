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

/* fuzz_modem_station's station knows two devices: DEVICE with fuzz_key and
 * this one, so the fuzzer can mix two devices' frames and a seed's frames
 * for one device can be mutated into the other's (a wrong-key frame). */
extern const uint32_t fuzz_device2;
extern const uint8_t fuzz_key2[RADIO_KEY_LEN];

const uint32_t fuzz_device2 = 0x1234ABCDu;
const uint8_t fuzz_key2[RADIO_KEY_LEN] = {0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87,
                                          0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f};
