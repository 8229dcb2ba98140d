#!/usr/bin/env bash
# Installs the reference side's npm packages (package.json + package-lock.json
# beside this script) into DEST, once: `npm ci` with npm's cache under the
# Veil cache; a stamp holding the lockfile's hash makes later runs instant.
#   setup.sh DEST [CACHE_DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="${1:?usage: setup.sh DEST [CACHE_DIR]}"
cache="${2:-${VEIL_CACHE_DIR:-$HOME/.cache/veil}}"
lock_hash="$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [[ -f "$dest/.veil-stamp" && "$(cat "$dest/.veil-stamp")" == "$lock_hash" ]]; then
    exit 0
fi
if ! command -v npm >/dev/null; then
    echo "setup: npm is not installed" >&2
    exit 1
fi
mkdir -p "$dest"
tmp="$(mktemp -d "$dest.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$tmp/"
(cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --prefer-offline \
    --cache "$cache/npm-cache" --loglevel=error)
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "$lock_hash" >"$dest/.veil-stamp"
echo "setup: npm packages installed in $dest"
