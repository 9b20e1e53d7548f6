# serial.cmake -- the gateway's modem side: serial port, modem link, key
# store, configuration, log (lofte_gwserial), and lofte-keygen.
# Included by gateway/CMakeLists.txt; the link side is link.cmake.
#
# Only port.c includes libserialport.h, but the library is PUBLIC so
# anything linking lofte_gwserial links. config.c's table is read by optable.c (lofte_optable).

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(LIBSERIALPORT QUIET IMPORTED_TARGET libserialport)
endif()
if(TARGET PkgConfig::LIBSERIALPORT)
  set(LOFTE_SERIALPORT_LIB PkgConfig::LIBSERIALPORT)
else()
  find_library(LOFTE_SERIALPORT_LIB serialport REQUIRED)
endif()

# lofte_keystore: the device key file (and the log it reports through), a
# library of its own because the collector reads the same file to verify
# device tags (collector/verify.h) and needs neither serial port nor INI.
add_library(lofte_keystore STATIC
  ${CMAKE_CURRENT_LIST_DIR}/keystore.c)
target_include_directories(lofte_keystore PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_compile_options(lofte_keystore PRIVATE -Wall -Wextra -Werror)
target_link_libraries(lofte_keystore PUBLIC lofte_proto lofte_station lofte_errbuf lofte_log)

add_library(lofte_gwserial STATIC
  ${CMAKE_CURRENT_LIST_DIR}/port.c
  ${CMAKE_CURRENT_LIST_DIR}/modemlink.c
  ${CMAKE_CURRENT_LIST_DIR}/modemdrv.c
  ${CMAKE_CURRENT_LIST_DIR}/atmodem.c
  ${CMAKE_CURRENT_LIST_DIR}/atline.c
  ${CMAKE_CURRENT_LIST_DIR}/rui3.c
  ${CMAKE_CURRENT_LIST_DIR}/wioe5.c
  ${CMAKE_CURRENT_LIST_DIR}/config.c)
target_include_directories(lofte_gwserial PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_compile_options(lofte_gwserial PRIVATE -Wall -Wextra -Werror)
target_link_libraries(lofte_gwserial PUBLIC lofte_keystore lofte_proto lofte_station lofte_errbuf lofte_optable lofte_log
                      ${LOFTE_SERIALPORT_LIB})

add_executable(lofte-keygen ${CMAKE_CURRENT_LIST_DIR}/keygen_main.c)
target_link_libraries(lofte-keygen PRIVATE lofte_gwserial lofte_version)
install(TARGETS lofte-keygen RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
target_compile_options(lofte-keygen PRIVATE -Wall -Wextra -Werror)
