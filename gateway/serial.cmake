# serial.cmake -- the gateway's modem side: serial port, modem link, key
# store, configuration, log (lofte_gwserial), and lofte-keygen.
# Included by gateway/CMakeLists.txt; the link side is link.cmake.
#
# Only port.c includes libserialport.h and only config.c includes ini.h,
# but both libraries are PUBLIC so anything linking lofte_gwserial links.

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(LIBSERIALPORT QUIET IMPORTED_TARGET libserialport)
  pkg_check_modules(INIH QUIET IMPORTED_TARGET inih)
endif()
if(TARGET PkgConfig::LIBSERIALPORT)
  set(LOFTE_SERIALPORT_LIB PkgConfig::LIBSERIALPORT)
else()
  find_library(LOFTE_SERIALPORT_LIB serialport REQUIRED)
endif()
if(TARGET PkgConfig::INIH)
  set(LOFTE_INIH_LIB PkgConfig::INIH)
else()
  find_library(LOFTE_INIH_LIB inih REQUIRED)
endif()

add_library(lofte_gwserial STATIC
  ${CMAKE_CURRENT_LIST_DIR}/log.c
  ${CMAKE_CURRENT_LIST_DIR}/port.c
  ${CMAKE_CURRENT_LIST_DIR}/modemlink.c
  ${CMAKE_CURRENT_LIST_DIR}/modemdrv.c
  ${CMAKE_CURRENT_LIST_DIR}/atmodem.c
  ${CMAKE_CURRENT_LIST_DIR}/atline.c
  ${CMAKE_CURRENT_LIST_DIR}/rui3.c
  ${CMAKE_CURRENT_LIST_DIR}/wioe5.c
  ${CMAKE_CURRENT_LIST_DIR}/keystore.c
  ${CMAKE_CURRENT_LIST_DIR}/config.c)
target_include_directories(lofte_gwserial PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_compile_options(lofte_gwserial PRIVATE -Wall -Wextra -Werror)
target_link_libraries(lofte_gwserial PUBLIC lofte_proto lofte_station lofte_errbuf
                      ${LOFTE_SERIALPORT_LIB} ${LOFTE_INIH_LIB})

add_executable(lofte-keygen ${CMAKE_CURRENT_LIST_DIR}/keygen_main.c)
target_link_libraries(lofte-keygen PRIVATE lofte_gwserial)
target_compile_options(lofte-keygen PRIVATE -Wall -Wextra -Werror)
