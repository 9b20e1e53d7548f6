#!/bin/sh
# Every stage's benchmark in one run, and one table: stage, figure,
# baseline, ratio. Benchmarks print figures; they are never tests (the
# machines are shared and noisy). docs/performance.md keeps the latest.
#
#   scripts/bench.sh [--full]     (--full adds the 10-million-record report run)
set -eu
cd "$(dirname "$0")/.."
FULL=0
[ "${1:-}" = "--full" ] && FULL=1
scripts/deps.sh
BUILD=build/bench
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release \
      -DLOFTE_SANITIZE=OFF -DLOFTE_FUZZ=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" >/dev/null
B=$BUILD
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

echo "lofte bench on $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "(each stage's own output is in the lines above the table)"
echo

"$B/bench/bench_proto" 1 | tee "$OUT/proto"
echo
/usr/bin/python3 bench/bench_gateway.py "$B" 10000 10 | tee "$OUT/gateway"
echo
if [ -x "$B/bench/bench_intake" ]; then
  "$B/bench/bench_intake" 100000 | tee "$OUT/intake"
  echo
fi
if [ $FULL = 1 ]; then
  "$B/bench/bench_report" 1000000 10000000 | tee "$OUT/report"
else
  "$B/bench/bench_report" 1000000 | tee "$OUT/report"
fi
echo
start=$(date +%s.%N)
"$B/hardware/lofte-sim" --from 2023-01-01 --to 2024-10-01 --seed 7 --loss 0.3 --quiet \
    2>"$OUT/sim"
end=$(date +%s.%N)
cat "$OUT/sim"

# --- the table -------------------------------------------------------------
ops() { awk -v k="$2" 'index($0, k) == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/ && $i + 0 > 1000) { print $i; exit } }' "$1"; }
row() { printf '%-44s %18s %18s %8s\n' "$1" "$2" "$3" "$4"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

echo
row "stage" "figure" "baseline" "ratio"
row "--------------------------------------------" "------------------" "------------------" "--------"
seal=$(ops "$OUT/proto" "radio_uplink_seal"); raw_e=$(ops "$OUT/proto" "raw CCM encrypt")
open=$(ops "$OUT/proto" "radio_uplink_open"); raw_d=$(ops "$OUT/proto" "raw CCM auth_decrypt")
row "handheld: records sealed/s (codec + CCM)" "$seal" "$raw_e raw CCM" "$(ratio "$seal" "$raw_e")"
row "station: frames opened/s (CCM + codec)" "$open" "$raw_d raw CCM" "$(ratio "$open" "$raw_d")"
burst=$(awk '/^burst/ { print $(NF-1) }' "$OUT/gateway")
line=$(awk '/^line rate/ { print $(NF-1) }' "$OUT/gateway")
cpu=$(awk '/^line rate/ { print $NF }' "$OUT/gateway")
maxline=$(sed -n 's/.*line = \([0-9]*\) frames.*/\1/p' "$OUT/gateway")
row "gateway: frames/s, burst through a pty" "$burst" "$maxline line max" "$(ratio "$burst" "$maxline")"
row "gateway: CPU % of a core at 115200 baud" "$cpu %" "$line frames/s" "-"
if [ -f "$OUT/intake" ]; then
  link=$(ops "$OUT/intake" "link: spool")
  plain=$(ops "$OUT/intake" "baseline: plain")
  row "collector: records/s over ZeroMQ, durable ack" "$link" "$plain plain insert" "$(ratio "$link" "$plain")"
fi
awk '$1 ~ /^[0-9]+$/ && NF >= 9 { printf "%-44s %18s %18s %8s\n", "report: " $1 " records, ms from rollups", $6, $7 " ms naive", $8 }' "$OUT/report"
days=$(( ($(date -d 2024-10-01 +%s) - $(date -d 2023-01-01 +%s)) / 86400 ))
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
row "simulator: $days days, 6 handhelds, 30 % loss" "$secs s" "$days days" \
    "$(awk -v d="$days" -v s="$secs" 'BEGIN { printf "%.0fx", d * 86400 / s }')"
