#!/bin/sh
# provision_check.sh PROVISION UF2TOOL DIR -- lofte-provision's outputs:
# mode 0600, refuses to overwrite, its .uf2 passes lofte-uf2 --check against
# the .hex's bytes, and a bad line is refused with a message.
set -eu
prov=$1 uf2=$2 dir=$3
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
umask 022
printf '# lofte handheld key\n5eed1234 000102030405060708090a0b0c0d0e0f\n' > dev.txt
"$prov" dev.txt dev > out.txt
for f in dev.hex dev.uf2; do
  mode=$(stat -c %a $f)
  [ "$mode" = 600 ] || { echo "$f has mode $mode, not 600"; exit 1; }
done
if "$prov" dev.txt dev 2> err.txt; then echo "overwrote an existing image"; exit 1; fi
grep -q "File exists" err.txt
# .hex back to bytes, then lofte-uf2 --check compares block for block
python3 - dev.hex dev.bin <<'PY'
import sys
mem = {}
upper = 0
for line in open(sys.argv[1]):
    b = bytes.fromhex(line.strip()[1:])
    assert sum(b) & 0xFF == 0, "checksum"
    n, addr, typ = b[0], b[1] << 8 | b[2], b[3]
    if typ == 4: upper = (b[4] << 8 | b[5]) << 16
    elif typ == 0:
        for i in range(n): mem[upper + addr + i] = b[4 + i]
    elif typ == 1: break
lo, hi = min(mem), max(mem) + 1
assert lo == 0xE2000 and hi == 0xF4000, (hex(lo), hex(hi))
open(sys.argv[2], "wb").write(bytes(mem[a] for a in range(lo, hi)))
PY
"$uf2" --check --base 0xE2000 dev.bin dev.uf2
printf '5eed1234 00010203\n' > bad.txt
if "$prov" bad.txt bad 2> err.txt; then echo "accepted a short key"; exit 1; fi
grep -q "not one" err.txt
[ ! -e bad.hex ] && [ ! -e bad.uf2 ]
echo ok
