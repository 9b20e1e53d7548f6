#!/bin/sh
# run.sh QEMU IMAGE.elf -- run the mps2-an386 image, deterministically
# (-icount shift=0: one instruction per emulated nanosecond), print what it
# prints, and pass only if it ended with "N passed, 0 failed" and exit 0.
set -u
qemu=$1 elf=$2
out=$(timeout 280 "$qemu" -M mps2-an386 -icount shift=0 \
        -semihosting-config enable=on,target=native -nographic -monitor none \
        -kernel "$elf" 2>&1)
rc=$?
printf '%s\n' "$out"
last=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
[ $rc -eq 0 ] && [ -n "$last" ] && printf '%s\n' "$last" | grep -q ' 0 failed$'
