/* nrf52_regs.h -- the nRF52840 register addresses lofte's drivers use.
 *
 * From Nordic's nRF52840 Product Specification v1.7 (each block's
 * "Registers" table); one place for the numbers, each driver's header says
 * what it does with them. Offsets are added to the instance's base.
 */
#ifndef LOFTE_NRF52_REGS_H
#define LOFTE_NRF52_REGS_H

/* §5.4 CLOCK */
#define NRF_CLOCK 0x40000000u
#define CLOCK_TASKS_HFCLKSTART 0x000u
#define CLOCK_TASKS_LFCLKSTART 0x008u
#define CLOCK_EVENTS_HFCLKSTARTED 0x100u
#define CLOCK_EVENTS_LFCLKSTARTED 0x104u
#define CLOCK_LFCLKSRC 0x518u          /* 1: LFXO, the 32.768 kHz crystal */

/* §6.22 RTC (RTC1: the system clock) */
#define NRF_RTC1 0x40011000u
#define RTC_TASKS_START 0x000u
#define RTC_EVENTS_OVRFLW 0x104u
#define RTC_EVENTS_COMPARE0 0x140u
#define RTC_INTENSET 0x304u
#define RTC_EVTENSET 0x344u
#define RTC_COUNTER 0x504u             /* 24 bits */
#define RTC_PRESCALER 0x508u
#define RTC_CC0 0x540u
#define RTC_INT_COMPARE0 (1u << 16)
#define RTC_INT_OVRFLW (1u << 1)

/* §6.21 RNG */
#define NRF_RNG 0x4000D000u
#define RNG_TASKS_START 0x000u
#define RNG_TASKS_STOP 0x004u
#define RNG_EVENTS_VALRDY 0x100u
#define RNG_CONFIG 0x504u              /* bit 0: bias correction */
#define RNG_VALUE 0x508u

/* §6.36 WDT */
#define NRF_WDT 0x40010000u
#define WDT_TASKS_START 0x000u
#define WDT_RUNSTATUS 0x400u
#define WDT_CRV 0x504u
#define WDT_RREN 0x508u
#define WDT_CONFIG 0x50Cu              /* bit 0 run in sleep, bit 3 run while halted by debugger */
#define WDT_RR0 0x600u
#define WDT_RELOAD 0x6E524635u

/* §6.23 SAADC */
#define NRF_SAADC 0x40007000u
#define SAADC_TASKS_START 0x000u
#define SAADC_TASKS_SAMPLE 0x004u
#define SAADC_TASKS_STOP 0x008u
#define SAADC_EVENTS_END 0x104u
#define SAADC_EVENTS_STOPPED 0x114u
#define SAADC_ENABLE 0x500u
#define SAADC_CH0_PSELP 0x510u
#define SAADC_CH0_PSELN 0x514u
#define SAADC_CH0_CONFIG 0x518u
#define SAADC_RESOLUTION 0x5F0u        /* 2: 12 bit */
#define SAADC_RESULT_PTR 0x62Cu
#define SAADC_RESULT_MAXCNT 0x630u

/* §6.25 SPIM (SPIM2: 8 MHz, no pin sharing with TWI) */
#define NRF_SPIM2 0x40023000u
#define NRF_SPIM1 0x40004000u          /* the e-paper's (TWI1's address space) */
#define SPIM_TASKS_START 0x010u
#define SPIM_EVENTS_END 0x118u
#define SPIM_ENABLE 0x500u             /* 7: enabled */
#define SPIM_PSEL_SCK 0x508u
#define SPIM_PSEL_MOSI 0x50Cu
#define SPIM_PSEL_MISO 0x510u
#define SPIM_FREQUENCY 0x524u          /* 0x80000000: 8 Mbps */
#define SPIM_RXD_PTR 0x534u
#define SPIM_RXD_MAXCNT 0x538u
#define SPIM_TXD_PTR 0x544u
#define SPIM_TXD_MAXCNT 0x548u
#define SPIM_CONFIG 0x554u             /* 0: MSB first, CPHA 0, CPOL 0 (SPI mode 0) */
#define SPIM_ORC 0x5C0u

/* §6.33 UART (the byte-register UART, instance 0) */
#define NRF_UART0 0x40002000u
#define UART_TASKS_STARTRX 0x000u
#define UART_TASKS_STARTTX 0x008u
#define UART_EVENTS_RXDRDY 0x108u
#define UART_EVENTS_TXDRDY 0x11Cu
#define UART_EVENTS_ERROR 0x124u
#define UART_INTENSET 0x304u
#define UART_ERRORSRC 0x480u
#define UART_ENABLE 0x500u             /* 4: enabled */
#define UART_PSEL_TXD 0x50Cu
#define UART_PSEL_RXD 0x514u
#define UART_RXD 0x518u
#define UART_TXD 0x51Cu
#define UART_BAUDRATE 0x524u           /* 0x01D7E000: 115200 */
#define UART_INT_RXDRDY (1u << 2)

/* §6.9 GPIO (P0, P1: PIN_CNF, OUTSET/OUTCLR/IN) */
#define GPIO_OUTSET 0x508u
#define GPIO_OUTCLR 0x50Cu
#define GPIO_IN 0x510u
#define GPIO_PIN_CNF 0x700u

/* §6.10 GPIOTE: DIO1 as event 0 (IN[0]), buttons through PORT (DETECT) */
#define NRF_GPIOTE 0x40006000u
#define GPIOTE_EVENTS_IN0 0x100u
#define GPIOTE_EVENTS_PORT 0x17Cu
#define GPIOTE_INTENSET 0x304u
#define GPIOTE_CONFIG0 0x510u

/* Armv7-M system registers (ARM DDI 0403E): DWT cycle counter for delays,
 * VTOR for the vector table, NVIC enable. */
#define ARM_DEMCR 0xE000EDFCu
#define ARM_DWT_CTRL 0xE0001000u
#define ARM_DWT_CYCCNT 0xE0001004u
#define ARM_VTOR 0xE000ED08u
#define ARM_NVIC_ISER0 0xE000E100u
#define ARM_NVIC_ICPR0 0xE000E280u

/* IRQ numbers (§4.2.4 "Peripherals with shared ID" / instantiation table) */
#define NRF_IRQ_UART0 2
#define NRF_IRQ_GPIOTE 6
#define NRF_IRQ_RTC1 17

#endif
