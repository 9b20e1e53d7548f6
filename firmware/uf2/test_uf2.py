#!/usr/bin/env python3
"""test_uf2.py LOFTE_UF2 WORKDIR -- lofte-uf2 against Microsoft's UF2 spec,
checked by a second implementation (this one, in Python, from the spec's
block layout): every field of every block, the payload bytes, the zero
padding; and --check refusing a file with one byte changed."""
import os, struct, subprocess, sys

tool, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
bin_path, uf2_path = os.path.join(work, "t.bin"), os.path.join(work, "t.uf2")
image = bytes((i * 37 + 11) & 0xFF for i in range(1000))  # 3 full blocks + 232 B
open(bin_path, "wb").write(image)
base, family = 0x26000, 0xADA52840

subprocess.run([tool, "--base", hex(base), bin_path, uf2_path], check=True)
data = open(uf2_path, "rb").read()
nblocks = (len(image) + 255) // 256
assert len(data) == 512 * nblocks, len(data)
for n in range(nblocks):
    b = data[512 * n: 512 * (n + 1)]
    m0, m1, flags, addr, size, no, count, fam = struct.unpack("<8I", b[:32])
    (mend,) = struct.unpack("<I", b[508:])
    assert (m0, m1, mend) == (0x0A324655, 0x9E5D5157, 0x0AB16F30), n
    assert flags == 0x00002000 and fam == family, (n, flags, fam)
    assert addr == base + 256 * n and size == 256 and no == n and count == nblocks, n
    want = image[256 * n: 256 * (n + 1)]
    assert b[32:32 + len(want)] == want, n
    assert b[32 + len(want):508] == bytes(476 - len(want)), n

subprocess.run([tool, "--check", "--base", hex(base), bin_path, uf2_path], check=True)
bad = bytearray(data)
bad[512 + 40] ^= 1
open(uf2_path, "wb").write(bytes(bad))
r = subprocess.run([tool, "--check", "--base", hex(base), bin_path, uf2_path],
                   capture_output=True)
assert r.returncode != 0, "--check accepted a changed byte"
r = subprocess.run([tool, "--base", "0x26001", bin_path, uf2_path], capture_output=True)
assert r.returncode != 0, "an unaligned base was accepted"
print("lofte-uf2: %d blocks as the spec lays them out; a changed byte is refused" % nblocks)
