/* startup.c -- reset and exception entry of the mps2-an386 image
 * (Cortex-M4F as QEMU's mps2-an386 models the AN386 FPGA image).
 *
 * References: Armv7-M Architecture Reference Manual (ARM DDI 0403E):
 * B1.5.2-B1.5.3 (the vector table: word 0 the initial main stack pointer,
 * word 1 the reset vector, then the exception handlers; Thumb bit set),
 * B3.2.20 (CPACR: CP10/CP11 full access to enable the FPU), B3.3 (SysTick).
 * Cortex-M4 Technical Reference Manual (ARM DDI 0439B) 2.3 and 7.1 (the
 * FPU is present on the M4F; lazy stacking is left at its reset value).
 * AN386 application note (ARM DAI 0386): the interrupt map; the image uses
 * no peripheral interrupt, only SysTick.
 *
 * Reset: enable the FPU (the image is built with -mfloat-abi=hard), copy
 * .data from flash, zero .bss and the harness area, paint the stack below
 * the current stack pointer with STACK_PAINT so that startup_stack_used()
 * can find the deepest word ever written, then call main().
 *
 * Built with -fno-tree-loop-distribute-patterns: GCC would otherwise turn
 * the copy and zero loops into calls of memcpy/memset.
 */
#include <stdint.h>

#include "qemu_board.h"

#define STACK_PAINT 0xC5AC5AC5u
#define CPACR (*(volatile uint32_t *)0xE000ED88u)

extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[], __harness_start[], __harness_end[];
extern uint32_t __stack_top[];

int main(void);
void Reset_Handler(void);
void Default_Handler(void);
void HardFault_Handler(void);

/* Fault: the emulator's run ends with a failure, not a hang. */
void Default_Handler(void)
{
    qemu_board_fatal("unexpected exception");
}

void HardFault_Handler(void)
{
    qemu_board_fatal("hard fault");
}

void Reset_Handler(void)
{
    uint32_t *s, *d, *sp;

    CPACR |= 0xFu << 20;  /* CP10, CP11: full access */
    __asm volatile("dsb\n\tisb" ::: "memory");
    for (s = __data_load, d = __data_start; d < __data_end;)
        *d++ = *s++;
    for (d = __bss_start; d < __bss_end;)
        *d++ = 0;
    for (d = __harness_start; d < __harness_end;)
        *d++ = 0;
    __asm volatile("mov %0, sp" : "=r"(sp));
    for (d = __bss_end; d < sp - 16;)
        *d++ = STACK_PAINT;
    qemu_board_exit(main());
}

uint32_t startup_stack_used(void)
{
    const uint32_t *p = __bss_end;
    while (p < __stack_top && *p == STACK_PAINT)
        p++;
    return (uint32_t)((const uint8_t *)__stack_top - (const uint8_t *)p);
}

uint32_t startup_stack_size(void)
{
    return (uint32_t)((const uint8_t *)__stack_top - (const uint8_t *)__bss_end);
}

/* Armv7-M vector table: 16 system entries, then the AN386's 32 external
 * interrupts, all to Default_Handler (none is enabled). */
typedef void (*vector_fn)(void);
__attribute__((section(".vectors"), used)) static const vector_fn vectors[16 + 32] = {
    (vector_fn)(uintptr_t)__stack_top,
    Reset_Handler,
    Default_Handler,    /* NMI */
    HardFault_Handler,
    Default_Handler,    /* MemManage */
    Default_Handler,    /* BusFault */
    Default_Handler,    /* UsageFault */
    0, 0, 0, 0,         /* reserved */
    Default_Handler,    /* SVCall */
    Default_Handler,    /* DebugMonitor */
    0,                  /* reserved */
    Default_Handler,    /* PendSV */
    qemu_board_systick, /* SysTick */
    [16 ... 47] = Default_Handler,
};
