#!/bin/sh
# Code built into the handheld (proto/, sensors/) has no heap, no stdio, no
# OS headers and nothing that aborts. Fails naming each offending line.
# usage: check_portable.sh DIR ALLOWED_HEADERS   (e.g. 'stddef.h|stdint.h')
dir=${1:?usage: check_portable.sh DIR ALLOWED_HEADERS}
allowed=${2:?usage: check_portable.sh DIR ALLOWED_HEADERS}
name=$(basename "$dir")
bad=$(grep -nE '#include *<(stdio|stdlib|unistd|fcntl|time|pthread|malloc|sys/[a-z]+)\.h>|\b(malloc|calloc|realloc|free|printf|fprintf|puts|exit|abort|assert)\(' \
      "$dir"/*.c "$dir"/*.h)
if [ -n "$bad" ]; then
  echo "$name/ must stay portable; found:"
  echo "$bad"
  exit 1
fi
other=$(grep -hoE '#include *<[^>]+>' "$dir"/*.c "$dir"/*.h | sort -u | grep -vE "<($allowed)>")
if [ -n "$other" ]; then
  echo "$name/ includes headers outside the portable set ($allowed):"
  echo "$other"
  exit 1
fi
echo "$name/ uses only: $(grep -hoE '#include *<[^>]+>' "$dir"/*.c "$dir"/*.h | sort -u | tr '\n' ' ')"
