#!/bin/sh
# Install what lofte needs to build and test, from Debian 12's packages, but
# only what is missing (so a second run costs a dpkg query, not an apt run).
set -eu
PACKAGES="cmake ninja-build clang libclang-rt-14-dev pkg-config \
  libmbedtls-dev libcriterion-dev libserialport-dev libzmq3-dev libsqlite3-dev \
  postgresql libpq-dev \
  gcc sqlite3 python3 python3-cryptography chromium fonts-dejavu-core \
  console-setup-linux zlib1g-dev \
  libsystemd-dev libmicrohttpd-dev debhelper dpkg-dev lintian man-db"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "lofte: installing$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
