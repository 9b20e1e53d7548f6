#!/bin/sh
# The firmware check (called by scripts/test.sh; docs/firmware.md): install
# the Cortex-M toolchain and QEMU if missing, fetch mbedTLS's Debian source
# into the build tree, cross-build every board's image and the QEMU image,
# run the firmware's CTest tests (the nm check of each image, each .uf2
# against its .bin, the QEMU mps2-an386 run ending "N passed, 0 failed"),
# then print one table: board, text, data, bss, stack high-water, flash
# left, RAM left. Exits non-zero if any of it failed.
#
#   scripts/firmware.sh              LOFTE_FW_BUILD=build/fw-arm by default
set -eu
cd "$(dirname "$0")/.."
BUILD=${LOFTE_FW_BUILD:-build/fw-arm}
FW_PACKAGES="gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm dpkg-dev"

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
missing=""
for p in $FW_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $p"
done
# apt-get source needs a deb-src entry for the archive the deb entries use.
if ! grep -rqsE '^(deb-src |Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "lofte: adding deb-src entries beside the deb ones (for apt-get source mbedtls)"
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
      $SUDO tee /etc/apt/sources.list.d/lofte-debian-src.sources >/dev/null
  else
    grep -hE '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
      $SUDO tee /etc/apt/sources.list.d/lofte-debian-src.list >/dev/null
  fi
  missing="$missing"   # an apt-get update follows either way
  $SUDO apt-get update -qq
fi
if [ -n "$missing" ]; then
  echo "lofte: installing$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    $missing >/dev/null
fi

cmake -S firmware -B "$BUILD" -G Ninja >/dev/null
cmake --build "$BUILD"
status=0
ctest --test-dir "$BUILD" --output-on-failure > "$BUILD/ctest.log" 2>&1 || status=$?
cat "$BUILD/ctest.log"

# The QEMU run's own output (ctest keeps it) for the stack figure.
qemu_log="$BUILD/qemu.log"
hardware/qemu_mps2/run.sh qemu-system-arm "$BUILD/qemu_mps2/lofte-qemu-mps2.elf" \
  > "$qemu_log" 2>&1 || true

python3 - "$BUILD" "$qemu_log" <<'PY'
import os, re, subprocess, sys
build, qemu_log = sys.argv[1], sys.argv[2]
images = [l.strip() for l in open(os.path.join(build, "images.txt")) if l.strip()]
stack = {}
m = re.search(r"stack high-water: (\d+) of (\d+) bytes", open(qemu_log).read())
if m:
    stack["lofte-qemu-mps2"] = int(m.group(1))

def find(name):
    for root, _, files in os.walk(build):
        if name in files:
            return os.path.join(root, name)
    return None

def regions(mapfile):
    out, on = {}, False
    for line in open(mapfile):
        if line.startswith("Memory Configuration"):
            on = True
        elif line.startswith("Linker script and memory map"):
            break
        elif on:
            f = line.split()
            if len(f) >= 3 and f[1].startswith("0x"):
                out[f[0].upper()] = int(f[2], 16)
    return out

def code_by_part(mapfile):
    """Bytes of .text (code and constants) per part: firmware (proto,
    sensors, mbedTLS, fw_crypto, libc/libgcc), board, harness."""
    parts, on, pending = {"firmware": 0, "board": 0, "harness": 0}, False, None
    for line in open(mapfile):
        if line.startswith("Linker script and memory map"):
            on = True
            continue
        if not on:
            continue
        if re.match(r"^\S", line):
            out_sec = line.split()[0]
            continue
        m = re.match(r"^ (\.\S+)\s*$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^ (\.\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)", line)
        if not m:
            pending = None
            continue
        sec = m.group(1) or pending
        pending = None
        if not sec or not (sec.startswith(".text") or sec.startswith(".rodata") or
                           sec.startswith(".vectors")):
            continue
        size, obj = int(m.group(3), 16), m.group(4)
        if "main.c" in obj or "station" in obj or "uidrv" in obj or "qemu_epd" in obj:
            parts["harness"] += size   # incl. the QEMU image's thumb and e-paper model
        elif ("qemu_board" in obj or "startup" in obj or "/hardware/" in obj or
              "board" in obj.split("(")[0].split("/")[-1] or "nrf52" in obj or
              "sx126x" in obj or "ssd1681" in obj):
            parts["board"] += size     # chip drivers and board glue
        else:
            parts["firmware"] += size
    return parts

rows, notes = [], []
for img in images:
    elf, mp = find(img + ".elf"), find(img + ".map")
    if not elf or not mp:
        rows.append((img, "not built", "", "", "", "", ""))
        continue
    sec = {}
    for line in subprocess.run(["arm-none-eabi-size", "-A", elf], capture_output=True,
                               text=True).stdout.splitlines()[2:]:
        f = line.split()
        if len(f) >= 2 and f[1].isdigit():
            sec[f[0]] = int(f[1])
    text = sum(v for k, v in sec.items() if k in (".text", ".ARM.exidx", ".rodata", ".vectors"))
    data = sec.get(".data", 0)
    bss = sum(v for k, v in sec.items() if k in (".bss", ".noinit"))
    reg = regions(mp)
    fl, ram = reg.get("FLASH"), reg.get("RAM")
    hw = stack.get(img)
    rows.append((img, text, data, bss, hw if hw is not None else "not run",
                 fl - text - data if fl else "?",
                 ram - data - bss - (hw or 0) if ram else "?"))
    if img == "lofte-qemu-mps2":
        p = code_by_part(mp)
        notes.append("  (%s: text is firmware %d B [proto, sensors with the UI and its glyphs,"
                     " mbedTLS, libc] + board %d B [incl. the SSD1681 driver] + test harness,"
                     " station, thumb and e-paper model %d B)"
                     % (img, p["firmware"], p["board"], p["harness"]))
    elif img in ("lofte-t-echo", "lofte-rak4631"):
        p = code_by_part(mp)
        notes.append("  (%s: text is firmware %d B + board drivers %d B)"
                     % (img, p["firmware"], p["board"]))
hdr = ("board", "text", "data", "bss", "stack high-water", "flash left", "RAM left")
w = [max(len(str(r[i])) for r in rows + [hdr]) for i in range(len(hdr))]
print("\nfirmware sizes (bytes)")
for r in [hdr] + rows:
    print("  " + "  ".join(str(v).rjust(w[i]) if i else str(v).ljust(w[i])
                           for i, v in enumerate(r)))
for n in notes:
    print(n)
PY
grep -E '^[0-9]+ passed, [0-9]+ failed$' "$qemu_log" | sed 's/^/qemu mps2-an386: /' || true
exit $status
