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
# For tests: LOFTE_DEMO_DIR puts it elsewhere, LOFTE_DEMO_BUILD names a tree
# that is already built (no configure, no build).
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

START=$(date +%s)
. scripts/build_progress.sh
scripts/deps.sh
D=${LOFTE_DEMO_DIR:-$(pwd)/demo}
rm -rf "$D" && mkdir -p "$D/gateway"
if [ -n "${LOFTE_DEMO_BUILD:-}" ]; then
  B=$(cd "$LOFTE_DEMO_BUILD" && pwd)
else
  BUILD=build/run
  echo "lofte demo: building in $BUILD (release, clang; the log is $D/build.log)"
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release \
        -DLOFTE_SANITIZE=OFF -DLOFTE_FUZZ=OFF >/dev/null
  build_progress "$BUILD" "$D/build.log" lofte-sim lofte-gateway lofte-collector \
      lofte-curve-keygen lofte-report
  B=$(pwd)/$BUILD
fi
PORT=$((20000 + $$ % 10000))

# Every background process is started directly (no pipeline), so $! is its
# pid: the simulator writes into a fifo that a sed, started first, reads.
# Background processes of a script ignore SIGINT, so Ctrl-C reaches only
# this shell: its trap stops them by pid and exits.
pids=""
cleaned=0
cleanup() {
  [ "$cleaned" = 1 ] && return
  cleaned=1
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -f "$D/.sim-output"
}
trap cleanup EXIT
trap 'echo; echo "lofte demo: interrupted: simulator, gateway and collector stopped" >&2; cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
pub() { sed -n 's/^public-key = //p' "$1"; }

echo "lofte demo: keys"
"$B/collector/lofte-curve-keygen" "$D/collector" >/dev/null
"$B/collector/lofte-curve-keygen" "$D/gateway/gateway" >/dev/null
echo "$(pub "$D/gateway/gateway.pub") station-1" > "$D/allowed-gateways"

echo "lofte demo: simulator, $FROM .. $TO (seed $SEED, ${LOSS} radio loss)"
mkfifo "$D/.sim-output"
sed -u 's/^/  /' < "$D/.sim-output" &
pids="$pids $!"
"$B/hardware/lofte-sim" --from "$FROM" --to "$TO" --seed "$SEED" --loss "$LOSS" \
    --modem "$D/modem" --keys "$D/keys" --truth "$D/ground-truth.jsonl" \
    --start-delay-ms 1500 > "$D/.sim-output" 2>&1 &
simpid=$!
pids="$simpid $pids"
i=0
while [ ! -e "$D/keys" ] || [ ! -L "$D/modem" ]; do
  i=$((i + 1)); [ $i -gt 100 ] && { echo "lofte demo: the simulator did not start" >&2; exit 1; }
  sleep 0.1
done

# The collector checks every record's device tag itself (docs/architecture.md,
# the trust per hop), so it starts once the simulator has written the keys.
echo "lofte demo: collector on tcp://127.0.0.1:$PORT, database demo/collector.db"
"$B/collector/lofte-collector" --db "$D/collector.db" --bind "tcp://127.0.0.1:$PORT" \
    --secret-key-file "$D/collector.key" --allowed-gateways "$D/allowed-gateways" \
    --device-keys "$D/keys" --log-level info 2>"$D/collector.log" &
pids="$pids $!"

echo "lofte demo: gateway on the simulator's modem (status: demo/gateway/status.txt, log: demo/gateway.log)"
"$B/gateway/lofte-gateway" --port "$D/modem" --keys "$D/keys" --station-id 1 \
    --spool "$D/gateway/spool.db" --collector "tcp://127.0.0.1:$PORT" \
    --collector-public-key "$(pub "$D/collector.pub")" \
    --secret-key-file "$D/gateway/gateway.key" --state-dir "$D/gateway" \
    --station-clock modem \
    --log-level info 2>"$D/gateway.log" &
pids="$pids $!"

simrc=0
wait "$simpid" || simrc=$?
if [ "$simrc" != 0 ]; then
  echo "lofte demo: the simulator failed (exit $simrc)" >&2
  exit 1
fi
# the last records still travel gateway -> collector: wait for the spool
echo "lofte demo: simulation done; the gateway hands its last records to the collector"
i=0
until grep -q '"depth": 0' "$D/gateway/status.json" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 300 ] && { echo "lofte demo: the gateway's spool did not drain" >&2; exit 1; }
  sleep 0.2
done
sleep 2.5
echo
echo "lofte demo: the gateway's status (lofte-gateway status demo/gateway)"
# the modem was the simulator's pseudo terminal, gone with it: say so
# rather than show the modem DOWN as if something had broken
"$B/gateway/lofte-gateway" status "$D/gateway" | head -8 | grep -v '^modem ' | sed 's/^/  /'
echo "  (modem: the simulator's virtual modem, closed when the simulation ended)"
echo
LAST=$(date -d "$TO - 1 day" +%Y-%m-%d)
"$B/collector/lofte-report" --db "$D/collector.db" --targets collector/targets/hammaro-2023-2025.targets --from "$FROM" --to "$LAST" \
    --format table | tee "$D/followup.txt"
"$B/collector/lofte-report" --db "$D/collector.db" --targets collector/targets/hammaro-2023-2025.targets --from "$FROM" --to "$LAST" \
    --format html --out "$D/followup.html"
echo
echo "lofte demo: follow-up report in demo/followup.txt and demo/followup.html"
echo "            ground truth in demo/ground-truth.jsonl, data in demo/collector.db,"
echo "            logs in demo/gateway.log and demo/collector.log"
echo
python3 scripts/demo_summary.py "$D" $(( $(date +%s) - START ))
