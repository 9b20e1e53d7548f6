#!/bin/sh
# sensors/ is handheld firmware: no heap, no stdio, no OS headers, nothing
# that aborts. Fails naming each offending line.
dir=${1:?usage: check_sensors_portable.sh SENSORS_DIR}
bad=$(grep -nE '#include *<(stdio|stdlib|unistd|fcntl|time|pthread|malloc|sys/[a-z]+)\.h>|\b(malloc|calloc|realloc|free|printf|fprintf|puts|exit|abort|assert)\(' \
      "$dir"/*.c "$dir"/*.h)
if [ -n "$bad" ]; then
  echo "sensors/ must stay portable firmware; found:"
  echo "$bad"
  exit 1
fi
allowed='stddef.h|stdint.h|string.h'
other=$(grep -hoE '#include *<[^>]+>' "$dir"/*.c "$dir"/*.h | sort -u | grep -vE "<($allowed)>")
if [ -n "$other" ]; then
  echo "sensors/ includes headers outside the portable set ($allowed):"
  echo "$other"
  exit 1
fi
echo "sensors/ uses only: $(grep -hoE '#include *<[^>]+>' "$dir"/*.c "$dir"/*.h | sort -u | tr '\n' ' ')"
