# firmware.cmake -- the nRF52840 images (firmware/CMakeLists.txt includes
# this after defining lofte_firmware_image):
#   lofte-rak4631   the handheld on a RAK4631
#   lofte-t-echo    the handheld on a LilyGO T-Echo
#   lofte-modem-rak4631  the station's receiver modem on a RAK4631 (UART1)
# Each: .elf, .hex (openocd), .bin and .uf2 at 0x26000 (the Adafruit UF2
# bootloader with SoftDevice S140 v6; hardware/boards/nrf52_layout.h).
set(NRF_DIR ${LOFTE_ROOT}/hardware/nrf52840)
set(SX_DIR ${LOFTE_ROOT}/hardware/sx126x)
set(BOARDS_DIR ${LOFTE_ROOT}/hardware/boards)

add_library(lofte_nrf52_fw STATIC ${NRF_DIR}/mmio.c ${NRF_DIR}/nrf52_nvmc.c
            ${NRF_DIR}/nrf52_buttons.c ${NRF_DIR}/nrf52_periph.c)
target_include_directories(lofte_nrf52_fw PUBLIC ${NRF_DIR} ${BOARDS_DIR})
target_compile_options(lofte_nrf52_fw PRIVATE -pedantic)
target_link_libraries(lofte_nrf52_fw PUBLIC lofte_board_fw)

add_library(lofte_sx126x_fw STATIC ${SX_DIR}/sx126x.c ${SX_DIR}/sx126x_radio.c
            ${SX_DIR}/sx126x_modem.c)
target_include_directories(lofte_sx126x_fw PUBLIC ${SX_DIR})
target_compile_options(lofte_sx126x_fw PRIVATE -pedantic)
target_link_libraries(lofte_sx126x_fw PUBLIC lofte_board_fw lofte_proto_fw)

set_source_files_properties(${NRF_DIR}/startup_nrf52840.c PROPERTIES
  COMPILE_OPTIONS -fno-tree-loop-distribute-patterns)

# The SSD1681 e-paper driver (hardware/ssd1681/), for images with the UI.
add_library(lofte_ssd1681_fw STATIC ${LOFTE_ROOT}/hardware/ssd1681/ssd1681.c)
target_include_directories(lofte_ssd1681_fw PUBLIC ${LOFTE_ROOT}/hardware/ssd1681)
target_compile_options(lofte_ssd1681_fw PRIVATE -pedantic)
target_link_libraries(lofte_ssd1681_fw PUBLIC lofte_board_fw)

# lofte_nrf52_image(name board main [UI]): UI builds the officer's
# interface in (LOFTE_BOARD_UI: the e-paper, the buttons' events, the
# battery gauge, sensors/ui.c in the main loop).
function(lofte_nrf52_image name board main)
  cmake_parse_arguments(NI "UI" "" "" ${ARGN})
  set(libs lofte_nrf52_fw lofte_sx126x_fw)
  if(NI_UI)
    list(APPEND libs lofte_ssd1681_fw)
  endif()
  lofte_firmware_image(NAME ${name}
    SOURCES ${NRF_DIR}/startup_nrf52840.c ${NRF_DIR}/nrf52_board.c ${NRF_DIR}/${main}
    LINKER_SCRIPT ${NRF_DIR}/nrf52840.ld
    FLASH_BASE 0x26000
    LIBRARIES ${libs})
  target_compile_definitions(${name}.elf PRIVATE LOFTE_BOARD_${board})
  if(NI_UI)
    target_compile_definitions(${name}.elf PRIVATE LOFTE_BOARD_UI)
  endif()
  target_include_directories(${name}.elf PRIVATE ${NRF_DIR} ${BOARDS_DIR} ${LOFTE_ROOT}/firmware)
endfunction()

# The RAK4631 image is headless (docs/handheld.md "On the device"): its
# base has one user button and no 200 x 200 panel.
lofte_nrf52_image(lofte-rak4631 RAK4631 main_handheld.c)
lofte_nrf52_image(lofte-t-echo T_ECHO main_handheld.c UI)
lofte_nrf52_image(lofte-modem-rak4631 RAK4631 main_modem.c)
