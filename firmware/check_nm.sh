#!/bin/sh
# check_nm.sh NM IMAGE.elf -- fail if the image links a heap or stdio.
# The firmware never allocates (docs/style.md) and has no console: malloc, free,
# _sbrk (what newlib's malloc grows the heap with) and the printf family
# must not be in the link. mbedTLS's allocations go to its static pool
# (firmware/fw_crypto.c), which names none of these.
set -eu
nm=$1 elf=$2
bad=$("$nm" "$elf" | awk '{print $NF}' |
      grep -E '^(_?malloc|_?free|_?calloc|_?realloc|_malloc_r|_free_r|_calloc_r|_realloc_r|_?sbrk|_sbrk_r|_?printf|_?vprintf|_?fprintf|_?sprintf|_?snprintf|_?vsnprintf|_printf_r|_vfprintf_r|_svfprintf_r|puts|_puts_r)$' || true)
if [ -n "$bad" ]; then
  echo "$elf links what the firmware must not:" $bad
  exit 1
fi
echo "$elf: no malloc, free, _sbrk or printf"
