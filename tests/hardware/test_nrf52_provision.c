#define _DEFAULT_SOURCE /* open_memstream */
/* test_nrf52_provision.c -- the provisioned store image boots the firmware
 * on the NVMC model with the right identity; parsing refuses bad lines. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "handheld.h"
#include "identity.h"
#include "nrf52_layout.h"
#include "nrf52_model.h"
#include "nrf52_nvmc.h"
#include "provision.h"
#include "sim_board.h"

static uint8_t img[NRF52_STORE_PAGES * HANDHELD_FLASH_PAGE_SIZE];
static struct nrf52_model m;
static struct nrf52_nvmc n;

static int fw_read(void *c, uint32_t a, void *b, uint32_t l) { (void)c; return nrf52_nvmc_read(&n, a, b, l); }
static int fw_write(void *c, uint32_t a, const void *b, uint32_t l) { (void)c; return nrf52_nvmc_write(&n, a, b, l); }
static int fw_erase(void *c, uint32_t p) { (void)c; return nrf52_nvmc_erase(&n, p); }

Test(nrf52_provision, parses_the_keygen_line_and_refuses_anything_else)
{
    uint8_t key[16];
    uint32_t d = 0;
    cr_assert_eq(provision_parse("5eed1234 000102030405060708090a0b0c0d0e0f\n", &d, key), PROVISION_OK);
    cr_assert_eq(d, 0x5eed1234u);
    cr_assert_eq(key[15], 0x0f);
    cr_assert_eq(provision_parse("5EED1234 000102030405060708090A0B0C0D0E0F", &d, key), PROVISION_OK);
    cr_assert_eq(provision_parse("5eed1234 000102030405060708090a0b0c0d0e0\n", &d, key), PROVISION_ERR_LINE);
    cr_assert_eq(provision_parse("5eed1234 000102030405060708090a0b0c0d0e0f00\n", &d, key), PROVISION_ERR_LINE);
    cr_assert_eq(provision_parse("5eed123  000102030405060708090a0b0c0d0e0f\n", &d, key), PROVISION_ERR_LINE);
    cr_assert_eq(provision_parse("00000000 000102030405060708090a0b0c0d0e0f\n", &d, key), PROVISION_ERR_DEVICE);
    cr_assert_eq(provision_parse("ffffffff 000102030405060708090a0b0c0d0e0f\n", &d, key), PROVISION_ERR_DEVICE);
    cr_assert_str_eq(provision_strerror(PROVISION_ERR_LINE),
                     "provisioning file is not one `<device> <key>` line of hex");
}

Test(nrf52_provision, the_image_flashed_at_the_store_boots_with_its_identity)
{
    static const uint8_t key[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
    static struct handheld h;
    static struct sim_board sb;
    static struct board_flash ops;
    struct handheld_config cfg;
    struct identity id;
    uint64_t clock = 0;
    uint32_t i;

    cr_assert_eq(provision_image(0x0badf00du, key, img, HANDHELD_FLASH_PAGE_SIZE,
                                 NRF52_STORE_PAGES), PROVISION_OK);
    /* "flash" it: the model's store starts as the image */
    nrf52_model_init(&m, NRF52_STORE_BASE, NRF52_STORE_PAGES);
    for (i = 0; i < sizeof img / 4; i++)
        memcpy(&m.flash[i], img + 4 * i, 4);
    nrf52_nvmc_init(&n, &m.bus, NRF52_STORE_BASE, NRF52_STORE_PAGES);
    cr_assert_eq(sim_board_init(&sb, 0, &clock, HANDHELD_FLASH_PAGE_SIZE, HANDHELD_FLASH_PAGES, 1),
                 BOARD_OK);
    ops.page_size = NRF52_NVMC_PAGE, ops.page_count = NRF52_STORE_PAGES;
    ops.read = fw_read, ops.write = fw_write, ops.erase = fw_erase;
    sb.board.flash = &ops;
    cr_assert_eq(identity_read(&sb.board, HANDHELD_PAGE_IDENTITY, &id), IDENTITY_OK);
    cr_assert_eq(id.device, 0x0badf00du);
    cr_assert_arr_eq(id.key, key, 16);
    handheld_config_default(&cfg);
    cr_assert_eq(handheld_boot(&h, &sb.board, &cfg), HANDHELD_OK);
    cr_assert_eq(handheld_queue_depth(&h), 0);
    cr_assert_eq(m.violations, 0, "%s", m.violation);
    sim_board_free(&sb);
}

Test(nrf52_provision, the_hex_file_carries_every_byte_at_its_address)
{
    static const uint8_t key[16] = {1};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(provision_image(0x12345678u, key, img, HANDHELD_FLASH_PAGE_SIZE,
                                 NRF52_STORE_PAGES), PROVISION_OK);
    cr_assert_eq(provision_write_hex(f, img, sizeof img, NRF52_STORE_BASE), PROVISION_OK);
    fclose(f);
    cr_assert(strncmp(buf, ":02000004000EEC\n", 16) == 0, "upper address 0x000E first: %.16s", buf);
    /* the identity page's first record: magic "LFID" (0x4C464944, little
     * endian), then the device, little endian */
    cr_assert(strncmp(buf + 16, ":102000004449464C78563412", 25) == 0, "%.44s", buf + 16);
    cr_assert_not_null(strstr(buf, ":00000001FF\n"), "end record");
    cr_assert_eq(len, 2 * 16 + (sizeof img / 16) * 44 + 12,
                 "one extended-address record per 64 KiB, 44 characters per data record");
    free(buf);
}
