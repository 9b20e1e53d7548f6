#!/bin/sh
# Build lofte's Debian packages (debian/) from the files git tracks, in
# build/pkg/, so dpkg-buildpackage's output never lands outside the tree,
# then check them with lintian (errors fail; warnings are printed).
#   scripts/package.sh            -> build/pkg/lofte-*_<version>_<arch>.deb
set -eu
cd "$(dirname "$0")/.."
OUT=${LOFTE_PKG_DIR:-$(pwd)/build/pkg}
VERSION=$(dpkg-parsechangelog -S Version)
SRC="$OUT/lofte-$VERSION"
rm -rf "$OUT"
mkdir -p "$SRC"
# Tracked files plus what is staged or modified in the work tree, so a
# package can be tried before a commit.
git ls-files --cached --others --exclude-standard | while read -r f; do
    [ -f "$f" ] && printf '%s\n' "$f"
done | xargs -r cp --parents -t "$SRC"
echo "lofte: building Debian packages $VERSION in $OUT (a minute or two)"
(cd "$SRC" && dpkg-buildpackage -us -uc -b -j"$(nproc)" > "$OUT/build.log" 2>&1) || {
    tail -40 "$OUT/build.log"; echo "lofte: dpkg-buildpackage failed (log: $OUT/build.log)" >&2; exit 1; }
ls "$OUT"/*.deb
echo "lofte: lintian"
lintian --fail-on error "$OUT"/*.changes | tee "$OUT/lintian.log"
