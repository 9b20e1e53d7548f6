#!/bin/sh
# Regenerate the screen images of docs/handheld.md with lofte-handheld:
# each is the key script (2 buttons, see docs/handheld.md) from a fresh
# device, then the screen as PNG at 2x.
# usage: scripts/handheld-screens.sh [BUILD_DIR]   (default build/dev)
set -e
build=${1:-build/dev}
bin=$build/handheld/lofte-handheld
out=docs/handheld
mkdir -p "$out"
shot() { "$bin" --quiet --keys "$2" --png "$out/$1.png"; }
shot home ""
shot home-receipt "oo"
shot result "o"
shot action "onnno"
shot categories "nnnno"
shot activities "nnnnoo"
shot zone "nnnnno"
shot checkpoint "nnnonnnnnnnnnnnnwwwwwwwwwwwwwwwwwwwwwww"
shot checkpoint-band "nnnonnnnnno"
shot checkpoint-menu "nnnonnnnnnb"
shot session "nnonnnnnnwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww"
shot session-menu "nnonnnnnnb"
shot session-end "nnonnnnnnwwwwwwwwwo"
shot undo "oonnnnnno"
shot undo-confirm "oonnnnnnoo"
shot status "h"
shot settings "nnnnnnno"
shot one-session "nnohnnnnonnnoo"
echo "screens in $out/"
