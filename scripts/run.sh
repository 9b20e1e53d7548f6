#!/bin/sh
# The demo (README "Run"): a simulated Hammarö deployment end to end.
#
# Installs what is missing, builds, starts a collector (SQLite file), a
# gateway on the simulator's pseudo-terminal modem, and the simulator with
# the Hammarö scenario over 2023-01-01 .. 2024-09-30 in simulated time; then
# prints the follow-up report and writes its HTML beside it.
#
#   scripts/run.sh [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--seed N] [--loss P]
#
# Everything it makes lands in ./demo (removed at the start of each run).
set -eu
cd "$(dirname "$0")/.."
FROM=2023-01-01
TO=2024-10-01      # the day after the last simulated day
SEED=2024
LOSS=0.1
while [ $# -gt 0 ]; do
  case "$1" in
    --from) FROM=$2; shift 2 ;;
    --to) TO=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --loss) LOSS=$2; shift 2 ;;
    *) echo "usage: scripts/run.sh [--from D] [--to D] [--seed N] [--loss P]" >&2; exit 2 ;;
  esac
done

scripts/deps.sh
BUILD=build/run
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release -DLOFTE_SANITIZE=OFF \
      -DLOFTE_FUZZ=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" >/dev/null
B=$(pwd)/$BUILD
D=$(pwd)/demo
rm -rf "$D" && mkdir -p "$D/gateway"
PORT=$((20000 + $$ % 10000))

pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
pub() { sed -n 's/^public-key = //p' "$1"; }

echo "lofte demo: keys"
"$B/collector/lofte-curve-keygen" "$D/collector" >/dev/null
"$B/collector/lofte-curve-keygen" "$D/gateway/gateway" >/dev/null
echo "$(pub "$D/gateway/gateway.pub") station-1" > "$D/allowed-gateways"

echo "lofte demo: collector on tcp://127.0.0.1:$PORT, database demo/collector.db"
"$B/collector/lofte-collector" --db "$D/collector.db" --bind "tcp://127.0.0.1:$PORT" \
    --secret-key-file "$D/collector.key" --allowed-gateways "$D/allowed-gateways" \
    --log-level warn 2>"$D/collector.log" &
pids="$pids $!"

echo "lofte demo: simulator, $FROM .. $TO (seed $SEED, ${LOSS} radio loss)"
"$B/hardware/lofte-sim" --from "$FROM" --to "$TO" --seed "$SEED" --loss "$LOSS" \
    --modem "$D/modem" --keys "$D/keys" --truth "$D/ground-truth.jsonl" \
    --start-delay-ms 1500 2>&1 | sed -u 's/^/  /' &
simpid=$!
pids="$pids $simpid"
i=0
while [ ! -e "$D/keys" ] || [ ! -L "$D/modem" ]; do
  i=$((i + 1)); [ $i -gt 100 ] && { echo "simulator did not start" >&2; exit 1; }
  sleep 0.1
done

echo "lofte demo: gateway on the simulator's modem (status: demo/gateway/status.txt)"
"$B/gateway/lofte-gateway" --port "$D/modem" --keys "$D/keys" --station-id 1 \
    --spool "$D/gateway/spool.db" --collector "tcp://127.0.0.1:$PORT" \
    --collector-public-key "$(pub "$D/collector.pub")" \
    --secret-key-file "$D/gateway/gateway.key" --state-dir "$D/gateway" \
    --log-level warn 2>"$D/gateway.log" &
pids="$pids $!"

wait "$simpid"
# the last records still travel gateway -> collector: wait for the spool
i=0
until grep -q '"depth": 0' "$D/gateway/status.json" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 300 ] && { echo "the gateway's spool did not drain" >&2; exit 1; }
  sleep 0.2
done
sleep 2.5
echo
"$B/gateway/lofte-gateway" status "$D/gateway" | head -8 | sed 's/^/  /'
echo
LAST=$(date -d "$TO - 1 day" +%Y-%m-%d)
"$B/collector/lofte-report" --db "$D/collector.db" --targets collector/targets/hammaro-2023-2025.targets --from "$FROM" --to "$LAST" \
    --format table | tee "$D/followup.txt"
"$B/collector/lofte-report" --db "$D/collector.db" --targets collector/targets/hammaro-2023-2025.targets --from "$FROM" --to "$LAST" \
    --format html --out "$D/followup.html"
echo
echo "lofte demo: follow-up report in demo/followup.txt and demo/followup.html"
echo "            ground truth in demo/ground-truth.jsonl, data in demo/collector.db"
