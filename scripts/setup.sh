#!/usr/bin/env bash
# Installs every Debian package Veil needs (the lists in scripts/packages/).
# Idempotent: when everything is installed already it changes nothing and
# does not touch the network.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

mapfile -t wanted < <(cat "$here"/packages/*.txt | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
# The third-party builds fetch Debian source packages: apt needs deb-src.
"$here/third_party/enable-deb-src.sh"
if ((${#missing[@]} == 0)); then
    echo "setup: all ${#wanted[@]} Debian packages are installed"
    exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
