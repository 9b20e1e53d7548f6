#!/bin/sh
# The one test command (README, .ci/run): install what is missing, build
# with clang and sanitizers, run every test under CTest (Criterion unit
# tests, the reference-implementation check, the fuzzers for a short while).
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
BUILD=${LOFTE_BUILD:-build/test}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_C_COMPILER=clang \
      -DLOFTE_SANITIZE=ON -DLOFTE_FUZZ=ON \
      -DLOFTE_FUZZ_SECONDS="${LOFTE_FUZZ_SECONDS:-20}" >/dev/null
cmake --build "$BUILD" -j "$(nproc)"
cd "$BUILD"
# Criterion prints its own synthesis per binary; show them all, then the
# CTest summary.
status=0
ctest --output-on-failure -j "$(nproc)" "$@" > ctest.log 2>&1 || status=$?
grep -h "Synthesis" Testing/Temporary/LastTest.log 2>/dev/null | sed 's/^/criterion: /' || true
cat ctest.log
cd - >/dev/null
# The Debian packages: built and lintian-checked every run; installed and
# run as a short chain from the installed files where that may change the
# machine (LOFTE_INSTALL_TEST=1: CI's fresh machine, .ci/run sets it).
if [ $status -eq 0 ]; then
  scripts/package.sh || status=$?
fi
if [ $status -eq 0 ] && [ "${LOFTE_INSTALL_TEST:-0}" = 1 ]; then
  scripts/installed-chain.sh || status=$?
fi
exit $status
