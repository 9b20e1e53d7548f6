/* fw_crypto.c -- the static pool behind mbedtls_calloc (fw_crypto.h). */
#include "fw_crypto.h"

#include <stdint.h>

#include "mbedtls/memory_buffer_alloc.h"

static unsigned char pool[FW_CRYPTO_POOL_LEN] __attribute__((aligned(8)));

void fw_crypto_init(void)
{
    mbedtls_memory_buffer_alloc_init(pool, sizeof pool);
}

/* Application Interrupt and Reset Control Register: writing VECTKEY with
 * SYSRESETREQ asks for a system reset (Armv7-M ARM, B3.2.6). */
#define SCB_AIRCR (*(volatile uint32_t *)0xE000ED0Cu)

__attribute__((weak, noreturn)) void fw_fatal(int code)
{
    (void)code;
    SCB_AIRCR = 0x05FA0004u;
    for (;;)
        ;
}
