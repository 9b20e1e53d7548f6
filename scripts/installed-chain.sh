#!/bin/sh
# Install the Debian packages built by scripts/package.sh on this machine
# and run a short chain from the installed files alone: the collector and
# the gateway started with the ExecStart= lines of their installed systemd
# units, as the packages' `lofte` user (systemd itself need not run), the
# simulator's handhelds on a pseudo-terminal modem, and the collector's
# records compared with the simulator's ground truth. Then purge, and check
# that the collector's database is kept.
#
# It changes the machine (packages, a system user, /etc/lofte): the test
# command runs it only where LOFTE_INSTALL_TEST=1 (CI sets it).
set -eu
cd "$(dirname "$0")/.."
PKG=${LOFTE_PKG_DIR:-$(pwd)/build/pkg}
[ "$(id -u)" -eq 0 ] || { echo "installed-chain: needs root (it installs packages)" >&2; exit 2; }
fail() { echo "installed-chain: FAILED: $*" >&2; exit 1; }

# From a clean slate: an earlier run's packages and files go first.
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq lofte-gateway lofte-collector lofte-tools \
    >/dev/null 2>&1 || true
rm -rf /var/lib/lofte /etc/lofte

echo "installed-chain: installing $(ls "$PKG"/lofte-*_*.deb | grep -v dbgsym | xargs -n1 basename | tr '\n' ' ')"
# --reinstall: a package of the same version already installed (an earlier
# build) would otherwise be kept, and the test would run the wrong binaries
DEBIAN_FRONTEND=noninteractive apt-get install --reinstall -y -qq --no-install-recommends \
    $(ls "$PKG"/lofte-*_*.deb | grep -v dbgsym) >/dev/null

# What the maintainer scripts must have made.
id lofte >/dev/null || fail "no lofte user"
for f in /etc/lofte/collector.key /etc/lofte/gateway.key /etc/lofte/keys; do
    [ "$(stat -c '%a %U' "$f")" = "600 lofte" ] || fail "$f is $(stat -c '%a %U' "$f"), not 600 lofte"
done
[ "$(stat -c '%a %U' /var/lib/lofte)" = "750 lofte" ] || fail "/var/lib/lofte not 750 lofte"
[ "$(stat -c '%a %U' /var/lib/lofte/collector)" = "750 lofte" ] || fail "/var/lib/lofte/collector not 750 lofte"
dpkg-query --control-show lofte-collector conffiles | grep -qx /etc/lofte/collector.ini ||
    fail "/etc/lofte/collector.ini is not a conffile of lofte-collector"
for p in lofte-gateway lofte-collector lofte-report lofte-retention lofte-keygen \
         lofte-curve-keygen lofte-sim; do
    "$p" --version | grep -q "^$p (lofte) " || fail "$p --version"
    man -w "$p" >/dev/null 2>&1 || fail "no man page for $p"
done
[ -r /usr/share/lofte/targets/hammaro-2023-2025.targets ] || fail "targets file not installed"

# ExecStart= of an installed unit, continuation lines joined.
execstart() {
    awk '/^ExecStart=/ { go = 1; sub(/^ExecStart=/, "") }
         go { cont = sub(/\\$/, ""); printf "%s ", $0; if (!cont) exit }' "/lib/systemd/system/$1"
}
# The units' UMask= too: what systemd would apply to the daemons' files.
umask "$(sed -n 's/^UMask=//p' /lib/systemd/system/lofte-gateway.service)"
PORT=$((20000 + $$ % 10000))
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
# Only for programs started with &: exec, so $! is the daemon itself (setpriv
# execs too; runuser would fork, and its exit status hide the daemon's).
as_lofte() { exec setpriv --reuid=lofte --regid=lofte --init-groups -- "$@"; }
pub() { sed -n 's/^public-key = //p' "$1"; }

# once: a second line with the same key would make the file invalid
grep -qF "$(pub /etc/lofte/gateway.pub) " /etc/lofte/allowed-gateways ||
    echo "$(pub /etc/lofte/gateway.pub) station-1" >> /etc/lofte/allowed-gateways
# This run's own directory and ports, so that nothing it writes meets the
# files of a real installation (or of another run on the same machine).
T=/var/lib/lofte/chain-$$
install -d -o lofte -g lofte -m 0750 "$T" "$T/cstate"
# the shipped collector.ini, with this run's ports and paths
CMPORT=$((PORT + 1)); GMPORT=$((PORT + 2)); FEEDPORT=$((PORT + 3))
sed -i -e "s|^bind = .*|bind = tcp://127.0.0.1:$PORT|" \
    -e "s|^metrics = .*|metrics = tcp://127.0.0.1:$CMPORT|" \
    -e "s|^db = .*|db = $T/collector.db|" -e "s|^state_dir = .*|state_dir = $T/cstate|" \
    /etc/lofte/collector.ini
cmd=$(execstart lofte-collector.service)
echo "installed-chain: collector: $cmd"
as_lofte $cmd 2>"$T/collector.log" &
collpid=$!
pids="$pids $collpid"

as_lofte lofte-sim --from 2024-03-04 --to 2024-03-18 --devices 4 --seed 7 \
    --modem "$T/modem" --keys "$T/keys" --truth "$T/truth.jsonl" --start-delay-ms 1500 \
    --quiet &
simpid=$!
pids="$pids $simpid"
i=0
while [ ! -e "$T/keys" ] || [ ! -L "$T/modem" ]; do
    i=$((i + 1)); [ $i -gt 100 ] && fail "the simulator did not start"
    sleep 0.1
done

# Z85 keys may hold '&', which sed's replacement would expand.
ckey=$(pub /etc/lofte/collector.pub | sed 's/[&]/\\&/g')
sed -e "s|^port = .*|port = $T/modem|" -e "s|^keys = .*|keys = $T/keys|" \
    -e "s|^collector = .*|collector = tcp://127.0.0.1:$PORT|" \
    -e "s|^collector_public_key = .*|collector_public_key = $ckey|" \
    -e "s|^metrics = .*|metrics = tcp://127.0.0.1:$GMPORT|" \
    -e "s|^feed = .*|feed = tcp://127.0.0.1:$FEEDPORT|" \
    -e "s|^spool = .*|spool = $T/spool.db|" -e "s|^state_dir = .*|state_dir = $T|" \
    /usr/share/doc/lofte-gateway/examples/gateway.ini > /etc/lofte/gateway.ini
chmod 0640 /etc/lofte/gateway.ini && chgrp lofte /etc/lofte/gateway.ini
cmd=$(execstart lofte-gateway.service)
echo "installed-chain: gateway: $cmd"
as_lofte $cmd 2>"$T/gateway.log" &
gwpid=$!
pids="$pids $gwpid"

wait "$simpid" || fail "the simulator failed"
i=0
until grep -q '"depth": 0' "$T/status.json" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 300 ] && fail "the gateway's spool did not drain"
    sleep 0.2
done
logged=$(grep -vc '"admin.heartbeat"' "$T/truth.jsonl" || true)
stored=$(lofte-report --db "$T/collector.db" --format csv --sql \
    "SELECT count(*) FROM records WHERE activity != 'admin.heartbeat'" | tail -1 | tr -d '\r')
echo "installed-chain: $logged records logged by the handhelds, $stored stored by the installed collector"
[ "$logged" -gt 0 ] && [ "$logged" = "$stored" ] || fail "counts differ"
[ "$(stat -c '%a' "$T/collector.db")" != 644 ] || fail "database is world-readable"

# Monitoring: both status commands say "up" (exit 0), both metrics
# endpoints serve what the chain did.
sleep 2.5 # one more status period: the collector's files are current
lofte-collector status "$T/cstate" >/dev/null || fail "lofte-collector status exits $?"
# the simulator has ended, so its modem is gone: up (0) until the gateway
# notices, then "link down" (3)
rc=0; out=$(lofte-gateway status "$T") || rc=$?
[ $rc = 0 ] || { [ $rc = 3 ] && echo "$out" | grep -q "modem link is down"; } ||
    fail "lofte-gateway status exits $rc"
scrape() { python3 -c 'import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read().decode())' "$1"; }
new=$(scrape "$CMPORT" | sed -n 's/^lofte_collector_rows_total{outcome="new"} //p')
[ "$new" -ge "$logged" ] || fail "collector metrics: $new rows new, $logged logged"
gstored=$(scrape "$GMPORT" | sed -n 's/^lofte_gateway_frames_total{outcome="stored"} //p')
[ "$gstored" -ge "$logged" ] || fail "gateway metrics: $gstored stored, $logged logged"
echo "installed-chain: metrics: collector $new rows new, gateway $gstored frames stored"
# SIGHUP (systemctl reload): the collector re-reads its lists and keeps running
kill -HUP "$collpid"; sleep 1
kill -0 "$collpid" || fail "the collector died on SIGHUP"
grep -q "reload: [0-9]* allowed gateways" "$T/collector.log" || fail "no reload logged"

kill -TERM "$gwpid"; wait "$gwpid" || fail "the gateway did not stop cleanly"
cleanup; pids=""
echo "installed-chain: purge"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq lofte-gateway lofte-collector lofte-tools >/dev/null
[ -e "$T/collector.db" ] || fail "purge deleted the collector's database"
[ ! -e /etc/lofte/collector.key ] || fail "purge left the collector's key"
rm -rf "$T"
echo "installed-chain: ok"
