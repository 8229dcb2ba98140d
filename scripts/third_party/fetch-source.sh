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
# deb-src lines are added to /etc/apt/sources.list.d/veil-deb-src.sources
# (mirroring the configured deb lines) when apt has none.
set -euo pipefail
pkg="${1:?usage: fetch-source.sh SOURCE_PACKAGE [CACHE_DIR]}"
cache="${2:-${VEIL_CACHE_DIR:-$HOME/.cache/veil}}"
log() { echo "fetch-source($pkg): $*" >&2; }
die() { log "error: $*"; exit 1; }

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi

# Prints apt's source URIs for the package: 'URL' FILE SIZE SHA256:HEX
print_uris() { apt-get source --print-uris -qq --only-source "$pkg" 2>/dev/null; }

enable_deb_src() {
    local out=/etc/apt/sources.list.d/veil-deb-src.sources
    log "no deb-src lines configured: writing $out and running apt-get update"
    local tmp
    tmp="$(mktemp)"
    # deb822 files: copy each stanza that has Types: deb as Types: deb-src.
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -e "$f" && "$f" != "$out" ]] || continue
        awk 'BEGIN { RS = ""; ORS = "\n\n" }
             /(^|\n)Types:[^\n]*(^| )deb( |\n|$)/ {
                 gsub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f" >>"$tmp"
    done
    # One-line format.
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -e "$f" ]] || continue
        grep -E '^deb[[:space:]]' "$f" | sed -E 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?/Types: deb-src\nURIs: /' |
            awk '/^URIs:/ { split($0, a, " "); print "URIs: " a[2]; s = ""; for (i = 4; i <= NF; i++) s = s " " a[i];
                            print "Suites: " a[3]; print "Components:" s; print ""; next } { print }' >>"$tmp" || true
    done
    [[ -s "$tmp" ]] || die "found no deb lines in /etc/apt to mirror as deb-src"
    $sudo install -m 0644 "$tmp" "$out"
    rm -f "$tmp"
    $sudo apt-get update -qq >&2 || die "apt-get update failed"
}

uris="$(print_uris || true)"
if [[ -z "$uris" ]]; then
    enable_deb_src
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
