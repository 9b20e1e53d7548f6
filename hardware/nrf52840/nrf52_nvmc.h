/* nrf52_nvmc.h -- struct board_flash on the nRF52840's internal flash (NVMC).
 *
 * Chip: nRF52840. Written from Nordic's nRF52840 Product Specification
 * v1.7, §4.3 "NVMC — Non-volatile memory controller":
 *   §4.3.1 writing: CONFIG.WEN = Wen, then a 32-bit store to a word-aligned
 *          flash address; only 1 -> 0; the same word at most nWRITE times
 *          between erases; READY = 0 while the write runs (tWRITE 41 µs)
 *   §4.3.2 erasing a page: CONFIG.WEN = Een, page address to ERASEPAGE,
 *          READY = 0 for tERASEPAGE (85 ms); 4 KiB pages
 *   §4.3.9 registers: READY 0x400, READYNEXT 0x408, CONFIG 0x504,
 *          ERASEPAGE 0x508, base 0x4001E000
 *   §4.3.10 electrical: nWRITE = 2 (writes of one word between erases),
 *          nENDURANCE 10,000 erase cycles
 *
 * What the driver guarantees: a write that would set a 0 bit back to 1 is
 * refused (BOARD_ERR_WRITE) before anything is written, so a refused write
 * changes nothing; words whose value would not change are skipped, so they
 * cost none of the word's nWRITE budget; CONFIG is back to read-only after
 * every operation, so a stray store cannot program flash. It does not count
 * writes per word (that would cost 2 bits of RAM per flash word): whether
 * the firmware's write pattern stays within nWRITE = 2 is checked in the
 * host test, which runs the handheld firmware over the NVMC model.
 *
 * Not verified on hardware: the READY polling bound (we poll up to
 * NRF52_NVMC_POLL_MAX reads; 85 ms at 64 MHz is far below it); that the
 * region chosen in the linker script (hardware/nrf52840/nrf52840.ld) is
 * clear of the UF2 bootloader and its settings page.
 *
 * The CPU stalls on flash reads (code fetch) while the NVMC writes or
 * erases; with no SoftDevice that is fine (no radio deadlines on the CPU:
 * the SX126x keeps its own).
 */
#ifndef LOFTE_NRF52_NVMC_H
#define LOFTE_NRF52_NVMC_H

#include <stdint.h>

#include "board.h"
#include "mmio.h"

#define NRF52_NVMC_BASE 0x4001E000u
#define NRF52_NVMC_READY 0x400u
#define NRF52_NVMC_READYNEXT 0x408u
#define NRF52_NVMC_CONFIG 0x504u
#define NRF52_NVMC_ERASEPAGE 0x508u
#define NRF52_NVMC_CONFIG_REN 0u
#define NRF52_NVMC_CONFIG_WEN 1u
#define NRF52_NVMC_CONFIG_EEN 2u
#define NRF52_NVMC_PAGE 4096u
#define NRF52_NVMC_NWRITE 2u
#define NRF52_NVMC_POLL_MAX 10000000u

struct nrf52_nvmc {
    const struct mmio *bus;
    uint32_t region;          /* flash address of the region's page 0 (page aligned) */
    uint32_t page_count;
    uint32_t erases, writes, skipped;  /* operations done; words skipped as unchanged */
};

/* A region of page_count 4 KiB pages at flash address region. */
void nrf52_nvmc_init(struct nrf52_nvmc *n, const struct mmio *bus, uint32_t region,
                     uint32_t page_count);

/* The board_flash operations on n (board wrappers call these). */
int nrf52_nvmc_read(struct nrf52_nvmc *n, uint32_t addr, void *buf, uint32_t len);
int nrf52_nvmc_write(struct nrf52_nvmc *n, uint32_t addr, const void *buf, uint32_t len);
int nrf52_nvmc_erase(struct nrf52_nvmc *n, uint32_t page);

#endif
