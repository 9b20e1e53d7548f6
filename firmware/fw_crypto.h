/* fw_crypto.h -- what the firmware image does before it seals a frame.
 *
 * mbedTLS allocates a CCM key's AES context with mbedtls_calloc
 * (lofte_mbedtls_config.h); fw_crypto_init gives it a static pool. Every
 * board's main calls it once, before handheld_boot. One key context lives
 * at a time (proto/radio.c sets a key, seals or opens, frees it), so
 * FW_CRYPTO_POOL_LEN holds it with room for the allocator's headers.
 */
#ifndef LOFTE_FW_CRYPTO_H
#define LOFTE_FW_CRYPTO_H

#define FW_CRYPTO_POOL_LEN 512

void fw_crypto_init(void);

/* mbedTLS's exit (its pool found corrupted): reset the MCU. A board may
 * define its own (the QEMU image reports and stops the emulator). */
void fw_fatal(int code);

#endif
