# arm-none-eabi.cmake -- cross toolchain for the handheld firmware: Debian's
# gcc-arm-none-eabi and libnewlib-arm-none-eabi, for a Cortex-M4 with FPU
# (nRF52840, and QEMU's mps2-an386 in CI).
#
#   cmake -S firmware -B build/fw-arm -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake
#
# -Os and --gc-sections keep flash small; newlib-nano (--specs=nano.specs)
# keeps memcpy/memset small. No syscalls are linked (nosys is not used):
# the firmware calls nothing of the C library that needs one, and the nm
# check (firmware/check_nm.sh) proves that no heap or stdio is linked.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_OBJCOPY arm-none-eabi-objcopy CACHE FILEPATH "objcopy")
set(CMAKE_SIZE arm-none-eabi-size CACHE FILEPATH "size")
set(CMAKE_NM arm-none-eabi-nm CACHE FILEPATH "nm")
# try_compile cannot link a bare-metal program without a linker script.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(LOFTE_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
set(CMAKE_C_FLAGS_INIT
    "${LOFTE_CPU_FLAGS} -Os -ffunction-sections -fdata-sections -Wall -Wextra -Werror")
set(CMAKE_ASM_FLAGS_INIT "${LOFTE_CPU_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "${LOFTE_CPU_FLAGS} --specs=nano.specs -nostartfiles -Wl,--gc-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
