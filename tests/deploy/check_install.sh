#!/bin/sh
# The installed tree, as `cmake --install` makes it, checked in a staging
# directory (DESTDIR): every program there and answering --version, every
# man page clean under `man --warnings`, the collector's config file in
# sysconfdir and accepted by the installed collector's own parser, the
# targets files, and both systemd units passing `systemd-analyze verify`
# (ExecStart= pointed into the staging tree, since nothing is installed on
# this machine).
#   check_install.sh BUILD_DIR
set -eu
B=$(cd "$1" && pwd)
S=$(mktemp -d /tmp/lofte-install-XXXXXX)
trap 'rm -rf "$S"' EXIT
fail() { echo "check_install: FAILED: $*" >&2; exit 1; }
cache() { sed -n "s/^$1:[A-Z]*=//p" "$B/CMakeCache.txt"; }
PREFIX=$(cache CMAKE_INSTALL_PREFIX)
UNITDIR=$(cache LOFTE_SYSTEMD_UNITDIR)
DESTDIR=$S cmake --install "$B" >/dev/null

for p in lofte-gateway lofte-collector lofte-report lofte-retention lofte-keygen \
         lofte-curve-keygen lofte-sim; do
    [ -x "$S$PREFIX/bin/$p" ] || fail "$p not installed in $PREFIX/bin"
    "$S$PREFIX/bin/$p" --version | grep -q "^$p (lofte) " || fail "$p --version"
done
n=0
for page in "$S$PREFIX"/share/man/man[18]/*; do
    w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null)
    [ -z "$w" ] || fail "$(basename "$page"): $w"
    n=$((n + 1))
done
[ "$n" -ge 7 ] || fail "only $n man pages"
ls "$S$PREFIX"/share/lofte/targets/*.targets >/dev/null 2>&1 || fail "no targets file"

# sysconfdir: /etc for prefix /usr, $PREFIX/etc otherwise (GNUInstallDirs)
ini=$(find "$S" -path '*/lofte/collector.ini' | head -1)
[ -n "$ini" ] || fail "collector.ini not installed"
# the installed collector reads it: with a database path it cannot open, it
# must get past the file (no file:line error) and fail on the database
out=$("$S$PREFIX/bin/lofte-collector" --config "$ini" --db /nonexistent/dir/c.db 2>&1) && fail "ran"
echo "$out" | grep -q "collector.ini:" && fail "the shipped collector.ini is refused: $out"

units=$(mktemp -d "$S/units-XXXXXX")
for u in lofte-gateway.service lofte-collector.service; do
    [ -r "$S$UNITDIR/$u" ] || fail "$u not in $UNITDIR"
    sed "s|$PREFIX/bin/|$S$PREFIX/bin/|g" "$S$UNITDIR/$u" > "$units/$u"
done
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify --man=no "$units"/*.service || fail "systemd-analyze verify"
else
    echo "check_install: no systemd-analyze here: units not verified"
fi
echo "check_install: ok ($n man pages, units verified, collector.ini accepted)"
