#!/bin/sh
# proto/ is built into the handheld firmware: no heap, no stdio, no OS
# headers. Fails naming each offending line.
dir=${1:?usage: check_proto_portable.sh PROTO_DIR}
bad=$(grep -nE '#include *<(stdio|stdlib|unistd|fcntl|time|pthread|sys/[a-z]+)\.h>|\b(malloc|calloc|realloc|free|printf|fprintf|puts|exit|abort)\(' \
      "$dir"/*.c "$dir"/*.h)
if [ -n "$bad" ]; then
  echo "proto/ must stay portable; found:"
  echo "$bad"
  exit 1
fi
allowed='stddef.h|stdint.h|string.h|mbedtls/ccm.h'
other=$(grep -hoE '#include *<[^>]+>' "$dir"/*.c "$dir"/*.h | sort -u | grep -vE "<($allowed)>")
if [ -n "$other" ]; then
  echo "proto/ includes headers outside the portable set ($allowed):"
  echo "$other"
  exit 1
fi
echo "proto/ uses only: $(grep -hoE '#include *<[^>]+>' "$dir"/*.c "$dir"/*.h | sort -u | tr '\n' ' ')"
