#!/usr/bin/env bash
# Fetches a Debian source package into the Veil cache and prints the path of
# its unpacked tree on stdout (everything else goes to stderr).
#
#   scripts/third_party/fetch-source.sh SOURCE_PACKAGE [CACHE_DIR]
#
# Trust chain: apt checks the .dsc against the signed Sources index of the
# configured Debian archive; this script then checks the .dsc's own SHA-256
# against that index once more and every file the .dsc lists against the
# .dsc's Checksums-Sha256, before dpkg-source unpacks it (applying Debian's
# patches).  A verified tree is marked with .veil-verified and reused.
# deb-src entries are added by enable-deb-src.sh (run by scripts/setup.sh)
# when apt has none.
set -euo pipefail
pkg="${1:?usage: fetch-source.sh SOURCE_PACKAGE [CACHE_DIR]}"
cache="${2:-${VEIL_CACHE_DIR:-$HOME/.cache/veil}}"
log() { echo "fetch-source($pkg): $*" >&2; }
die() { log "error: $*"; exit 1; }

# Prints apt's source URIs for the package: 'URL' FILE SIZE SHA256:HEX
print_uris() { apt-get source --print-uris -qq --only-source "$pkg" 2>/dev/null; }

uris="$(print_uris || true)"
if [[ -z "$uris" ]]; then
    "$(dirname "${BASH_SOURCE[0]}")/enable-deb-src.sh"
    uris="$(print_uris || true)"
fi
[[ -n "$uris" ]] || die "apt knows no source package '$pkg' (is its deb-src archive reachable?)"

dsc_line="$(grep -E "\.dsc' " <<<"$uris" | head -n1)"
[[ -n "$dsc_line" ]] || die "apt listed no .dsc for '$pkg'"
dsc="$(awk '{print $2}' <<<"$dsc_line")"
dsc_sha="$(awk '{print $4}' <<<"$dsc_line" | sed -n 's/^SHA256://p')"
[[ -n "$dsc_sha" ]] || die "apt gave no SHA-256 for $dsc"
version="${dsc#"${pkg}"_}"
version="${version%.dsc}"
dir="$cache/src/${pkg}_${version}"

if [[ -f "$dir/tree/.veil-verified" ]]; then
    echo "$dir/tree"
    exit 0
fi

log "downloading $pkg $version"
rm -rf "$dir"
mkdir -p "$dir/dl"
chmod 0777 "$dir/dl" # apt's unprivileged _apt downloader writes here
(cd "$dir/dl" && apt-get source --download-only -qq --only-source "$pkg" >&2) ||
    die "apt-get source --download-only $pkg failed"

cd "$dir/dl"
got="$(sha256sum "$dsc" | awk '{print $1}')"
[[ "$got" == "$dsc_sha" ]] || die "$dsc: SHA-256 $got does not match the archive index ($dsc_sha)"
# Checksums-Sha256 lines of the .dsc: " HEX SIZE FILE"
mapfile -t files < <(awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 } on && NF == 3 { print $1 " " $3 }' "$dsc")
((${#files[@]} > 0)) || die "$dsc lists no Checksums-Sha256"
for entry in "${files[@]}"; do
    want="${entry%% *}"
    file="${entry#* }"
    [[ -f "$file" ]] || die "$file (listed in $dsc) was not downloaded"
    got="$(sha256sum "$file" | awk '{print $1}')"
    [[ "$got" == "$want" ]] || die "$file: SHA-256 $got does not match $dsc ($want)"
done
log "verified $dsc and ${#files[@]} files against it"

dpkg-source --no-copy -x "$dsc" "$dir/tree" >&2 || die "dpkg-source -x $dsc failed"
echo "$pkg $version" >"$dir/tree/.veil-verified"
echo "$dir/tree"
