/* nrf52_layout.h -- where things live in the nRF52840's 1 MiB of flash on
 * boards with the Adafruit nRF52 UF2 bootloader (RAK4631, T-Echo).
 *
 * The Adafruit bootloader (github.com/adafruit/Adafruit_nRF52_Bootloader,
 * README and its linker scripts, as published) is built in two layouts:
 *
 *   with SoftDevice S140 6.1.1 (what both boards ship):
 *     0x00000000  MBR (4 KiB)            }  Nordic's SoftDevice S140 v6
 *     0x00001000  SoftDevice S140        }  (0x26000 = 152 KiB in all)
 *     0x00026000  application  <- lofte's images start here
 *     0x000F4000  bootloader (48 KiB, to 0x100000), its settings at 0xFF000
 *                 and the MBR's parameter page at 0xFE000
 *   without a SoftDevice ("_nosd" builds):
 *     0x00000000  MBR, 0x00001000 application
 *
 * lofte does not use Bluetooth and never enables the SoftDevice, but keeps
 * it: a board re-flashed with another firmware (Meshtastic, the vendor's)
 * needs it, and the shipped bootloader checks for it. So: application at
 * 0x26000. The top of the application area, just under the bootloader,
 * holds lofte's own flash store (struct board_flash, sensors/handheld.h's
 * map): HANDHELD_FLASH_PAGES = 18 pages of 4 KiB, 0xE2000..0xF4000, its
 * page 0 the identity page lofte-provision writes. The linker scripts end
 * the application's flash at NRF52_STORE_BASE, so an image can never
 * overlap the store, and re-flashing the application (UF2 or openocd's
 * `program`, which erase only the pages they write) keeps the identity.
 *
 * RAM: 256 KiB at 0x20000000. The MBR keeps a few bytes at its start
 * (inferred from Nordic's MBR documentation: 8 bytes); the images start at
 * NRF52_RAM_BASE and are held to 32 KiB by their linker scripts (the
 * budget of docs/firmware.md).
 *
 * Not verified on hardware: that the shipped bootloaders on our boards are
 * the S140 6.1.1 layout (check INFO_UF2.TXT on the board's USB drive:
 * "SoftDevice: S140 6.1.1"), and that they accept UF2 blocks at 0xE2000.
 */
#ifndef LOFTE_NRF52_LAYOUT_H
#define LOFTE_NRF52_LAYOUT_H

#define NRF52_APP_BASE 0x00026000u       /* with SoftDevice S140 v6 */
#define NRF52_APP_BASE_NOSD 0x00001000u  /* bootloader built without one */
#define NRF52_STORE_BASE 0x000E2000u     /* lofte's flash store, 18 x 4 KiB */
#define NRF52_STORE_PAGES 18u
#define NRF52_BOOTLOADER_BASE 0x000F4000u
#define NRF52_RAM_BASE 0x20002000u
#define NRF52_RAM_SIZE (32u * 1024u)
#define NRF52_UF2_FAMILY 0xADA52840u

#endif
