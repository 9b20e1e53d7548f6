/* startup_nrf52840.c -- reset and exception entry of lofte's nRF52840 images.
 *
 * References: Armv7-M Architecture Reference Manual (ARM DDI 0403E) B1.5.2
 * (vector table: initial SP, reset vector, exceptions), B3.2.5 (VTOR),
 * B3.2.7 (SCR.SEVONPEND), B3.2.20 (CPACR: FPU access); nRF52840 Product
 * Specification v1.7 §4.2.4 / the instantiation table (48 peripheral IDs,
 * IRQ numbers in nrf52_regs.h).
 *
 * The bootloader (and MBR/SoftDevice, which forward to 0x26000) jumps to
 * Reset_Handler with its own VTOR; we point VTOR at our table ourselves
 * (inferred to be needed with the SoftDevice disabled; harmless if not).
 *
 * No interrupt handler does work: peripherals raise their interrupt lines
 * with the NVIC enables off, and SCR.SEVONPEND makes a newly pending
 * interrupt wake WFE; the main loop then looks at the events. So the
 * whole firmware runs in thread mode, with no shared state with ISRs.
 *
 * Built with -fno-tree-loop-distribute-patterns: GCC would otherwise turn
 * the copy and zero loops into memcpy/memset calls before .data exists.
 */
#include <stdint.h>

extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[], __stack_top[], __vectors_start[];

int main(void);
void Reset_Handler(void);
void Default_Handler(void);

#define CPACR (*(volatile uint32_t *)0xE000ED88u)
#define VTOR (*(volatile uint32_t *)0xE000ED08u)
#define SCR (*(volatile uint32_t *)0xE000ED10u)
#define AIRCR (*(volatile uint32_t *)0xE000ED0Cu)

/* An unexpected exception or fault: reset (the watchdog would, later). */
void Default_Handler(void)
{
    AIRCR = 0x05FA0004u;  /* VECTKEY | SYSRESETREQ */
    for (;;)
        ;
}

void Reset_Handler(void)
{
    uint32_t *s, *d;
    CPACR |= 0xFu << 20;  /* CP10, CP11: the FPU (-mfloat-abi=hard) */
    VTOR = (uint32_t)(uintptr_t)__vectors_start;
    SCR |= 1u << 4;       /* SEVONPEND */
    __asm volatile("dsb\n\tisb" ::: "memory");
    for (s = __data_load, d = __data_start; d < __data_end;)
        *d++ = *s++;
    for (d = __bss_start; d < __bss_end;)
        *d++ = 0;
    (void)main();
    Default_Handler();
}

typedef void (*vector_fn)(void);
__attribute__((section(".vectors"), used)) static const vector_fn vectors[16 + 48] = {
    (vector_fn)(uintptr_t)__stack_top,
    Reset_Handler,
    [2 ... 6] = Default_Handler,     /* NMI, HardFault, MemManage, BusFault, UsageFault */
    [11] = Default_Handler,          /* SVCall */
    [12] = Default_Handler,          /* DebugMonitor */
    [14 ... 15] = Default_Handler,   /* PendSV, SysTick */
    [16 ... 63] = Default_Handler,   /* peripherals: never enabled in the NVIC */
};
