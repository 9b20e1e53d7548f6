/* lofte_mbedtls_config.h -- mbedTLS 2.28 (Debian's source package, fetched
 * at build time by firmware/mbedtls.cmake) configured for the handheld:
 * only what proto/radio.c uses, AES-128 in CCM mode, and no heap.
 *
 * - MBEDTLS_AES_ROM_TABLES: the AES tables are const, in flash, not built
 *   in RAM at first use; MBEDTLS_AES_FEWER_TABLES keeps one table of four
 *   (2 KiB instead of 8 KiB of flash, a few rotations per round more).
 * - No heap: mbedtls_ccm_setkey -> mbedtls_cipher_setup allocates the AES
 *   context (280 B) with mbedtls_calloc. MBEDTLS_MEMORY_BUFFER_ALLOC_C serves
 *   that from a static pool (firmware/fw_crypto.c, fw_crypto_init), so
 *   newlib's malloc/_sbrk are never linked (firmware/check_nm.sh checks).
 * - MBEDTLS_PLATFORM_NO_STD_FUNCTIONS: no fprintf/exit from the C library.
 *   memory_buffer_alloc calls mbedtls_exit only when it finds its own pool
 *   corrupted (a double free): that goes to fw_fatal (fw_crypto.h), which
 *   resets the MCU.
 *
 * Checklist: proto/ must be compiled with this same file (the CCM context's
 * layout depends on it); firmware/CMakeLists.txt passes it to both.
 */
#ifndef LOFTE_MBEDTLS_CONFIG_H
#define LOFTE_MBEDTLS_CONFIG_H

#define MBEDTLS_HAVE_ASM
#define MBEDTLS_NO_PLATFORM_ENTROPY

#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_CCM_C
#define MBEDTLS_CIPHER_C

#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
/* Never called in practice (see above); declared in fw_crypto.h. */
void fw_fatal(int code);
#define MBEDTLS_PLATFORM_EXIT_MACRO fw_fatal

#include "mbedtls/check_config.h"

#endif
