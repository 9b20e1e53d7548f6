# mbedtls.cmake -- mbedTLS for the MCU, from Debian's own source package.
#
# `apt-get source mbedtls` (needs a deb-src line and dpkg-dev) unpacks the
# source of the very version the host links (libmbedtls-dev) into the build
# tree, never into the repository; it is fetched once per build directory.
# Only the files AES-CCM needs are compiled, with lofte_mbedtls_config.h.
# mbedTLS is Apache-2.0 (its LICENSE file in the unpacked source; see
# docs/firmware.md).
set(LOFTE_MBEDTLS_DIR "" CACHE PATH
    "an unpacked mbedTLS 2.28 source tree (empty: apt-get source into the build tree)")
if(NOT LOFTE_MBEDTLS_DIR)
  set(_src ${CMAKE_BINARY_DIR}/mbedtls-source)
  file(GLOB _found LIST_DIRECTORIES true ${_src}/mbedtls-2.*)
  if(NOT _found)
    file(MAKE_DIRECTORY ${_src})
    message(STATUS "lofte: apt-get source mbedtls into ${_src}")
    execute_process(COMMAND apt-get source mbedtls
                    WORKING_DIRECTORY ${_src}
                    RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_VARIABLE _err)
    file(GLOB _found LIST_DIRECTORIES true ${_src}/mbedtls-2.*)
    if(NOT _rc EQUAL 0 OR NOT _found)
      message(FATAL_ERROR "apt-get source mbedtls failed (a deb-src line and dpkg-dev "
                          "are needed; scripts/firmware.sh sets them up): ${_err}")
    endif()
  endif()
  list(GET _found 0 _dir)
  set(LOFTE_MBEDTLS_DIR ${_dir})
endif()
message(STATUS "lofte: mbedTLS source ${LOFTE_MBEDTLS_DIR}")

add_library(lofte_mbedtls_fw STATIC
  ${LOFTE_MBEDTLS_DIR}/library/aes.c
  ${LOFTE_MBEDTLS_DIR}/library/ccm.c
  ${LOFTE_MBEDTLS_DIR}/library/cipher.c
  ${LOFTE_MBEDTLS_DIR}/library/cipher_wrap.c
  ${LOFTE_MBEDTLS_DIR}/library/platform.c
  ${LOFTE_MBEDTLS_DIR}/library/platform_util.c
  ${LOFTE_MBEDTLS_DIR}/library/memory_buffer_alloc.c)
target_include_directories(lofte_mbedtls_fw SYSTEM PUBLIC ${LOFTE_MBEDTLS_DIR}/include
                                                         ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_definitions(lofte_mbedtls_fw PUBLIC
  MBEDTLS_CONFIG_FILE="lofte_mbedtls_config.h")
# Third-party code: its own warnings are not ours to fix (-Werror off).
target_compile_options(lofte_mbedtls_fw PRIVATE -Wno-error -w)
