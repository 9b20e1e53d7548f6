#!/bin/sh
# The one test command (README, .ci/run): install what is missing, build
# with clang and sanitizers, run every test under CTest (Criterion unit
# tests, the reference-implementation check, the fuzzers for a short while),
# and compile everything once more with gcc, warnings as errors (Debian's
# default compiler must build it too).
#
#   scripts/test.sh [ctest arguments, e.g. -R fuzz]
#
# LOFTE_BUILD (build/test), LOFTE_GCC_BUILD (build/test-gcc; "off" skips it),
# LOFTE_FUZZ_SECONDS (20 per fuzzer).
set -eu
cd "$(dirname "$0")/.."
. scripts/build_progress.sh
scripts/deps.sh
BUILD=${LOFTE_BUILD:-build/test}
GCC_BUILD=${LOFTE_GCC_BUILD:-build/test-gcc}
mkdir -p "$BUILD"

# gcc first: a compile error there is found in a minute, before the long
# test run. A release build without sanitizers and without fuzzers
# (libFuzzer is clang's); -Werror on every target, not only those that ask.
if [ "$GCC_BUILD" != off ]; then
  echo "lofte test: gcc build in $GCC_BUILD (-Werror)"
  mkdir -p "$GCC_BUILD"
  cmake -S . -B "$GCC_BUILD" -G Ninja -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_C_FLAGS=-Werror -DLOFTE_SANITIZE=OFF -DLOFTE_FUZZ=OFF >/dev/null
  build_progress "$GCC_BUILD" "$GCC_BUILD/build.log"
fi

echo "lofte test: clang build with AddressSanitizer and UBSan in $BUILD"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_C_COMPILER=clang \
      -DLOFTE_SANITIZE=ON -DLOFTE_FUZZ=ON \
      -DLOFTE_FUZZ_SECONDS="${LOFTE_FUZZ_SECONDS:-20}" >/dev/null
build_progress "$BUILD" "$BUILD/build.log"
cd "$BUILD"
# One line per finished test as it happens (the whole run takes minutes),
# the full output in ctest.log; then Criterion's synthesis per binary and
# CTest's summary.
echo "lofte test: running the tests (full output: $BUILD/ctest.log)"
status=0
{ rc=0; ctest --output-on-failure -j "$(nproc)" "$@" 2>&1 || rc=$?; echo "ctest-status $rc"; } |
  tee ctest.log | grep --line-buffered -E '^ *[0-9]+/[0-9]+ Test +#' | sed -u 's/^ */  /'
status=$(sed -n 's/^ctest-status //p' ctest.log)
grep -h "Synthesis" Testing/Temporary/LastTest.log 2>/dev/null | sed 's/^/criterion: /' || true
if [ "$status" != 0 ]; then
  # everything, the failing tests' own output included
  grep -v '^ctest-status' ctest.log
else
  sed -n '/tests passed/,$p' ctest.log | grep -v '^ctest-status'
fi
cd - >/dev/null
[ "$status" = 0 ] || exit "$status"
# Cortex-M4 images, the QEMU run, the size table (docs/firmware.md).
scripts/firmware.sh
# The Debian packages: built and lintian-checked every run; installed and
# run as a short chain from the installed files where that may change the
# machine (LOFTE_INSTALL_TEST=1: CI's fresh machine, .ci/run sets it).
scripts/package.sh
if [ "${LOFTE_INSTALL_TEST:-0}" = 1 ]; then
  if [ "$(id -u)" = 0 ]; then
    scripts/installed-chain.sh
  else
    echo "lofte test: installed chain skipped: it installs packages and needs root" >&2
  fi
fi
