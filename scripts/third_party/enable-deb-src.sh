#!/usr/bin/env bash
# Makes apt able to fetch Debian source packages (`apt-get source`), which
# the third-party builds need (scripts/third_party/fetch-source.sh).
#
# When /etc/apt has no deb-src entry at all, writes
# /etc/apt/sources.list.d/veil-deb-src.sources mirroring every configured
# `deb` entry (same archive, suites, components and signing key) as
# `deb-src`, and runs apt-get update.  Does nothing (and touches no network)
# when a deb-src entry exists already.  Called by scripts/setup.sh and, as a
# fallback, by fetch-source.sh.
set -euo pipefail
out=/etc/apt/sources.list.d/veil-deb-src.sources
log() { echo "enable-deb-src: $*" >&2; }
die() {
    log "error: $*"
    exit 1
}

has_deb_src() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -e "$f" ]] && grep -qE '^[[:space:]]*deb-src[[:space:]]' "$f" && return 0
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -e "$f" ]] && grep -qE '^Types:.*(^|[[:space:]])deb-src([[:space:]]|$)' "$f" && return 0
    done
    return 1
}

if has_deb_src; then
    exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
log "no deb-src entries configured: writing $out and running apt-get update"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
# deb822 files: copy each stanza whose Types include deb, as Types: deb-src.
for f in /etc/apt/sources.list.d/*.sources; do
    [[ -e "$f" && "$f" != "$out" ]] || continue
    awk 'BEGIN { RS = ""; ORS = "\n\n" }
         /(^|\n)Types:[^\n]*(^| )deb( |\n|$)/ {
             gsub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f" >>"$tmp"
done
# One-line format: deb [OPTIONS] URI SUITE COMPONENT...
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -e "$f" ]] || continue
    grep -E '^deb[[:space:]]' "$f" |
        awk '{ i = 2
               signed = ""
               if ($2 ~ /^\[/) {
                   while (i <= NF) {
                       if ($i ~ /signed-by=/) { s = $i; sub(/.*signed-by=/, "", s); sub(/\]$/, "", s); signed = s }
                       if ($i ~ /\]$/) { i++; break }
                       i++
                   }
               }
               print "Types: deb-src"; print "URIs: " $i; print "Suites: " $(i + 1)
               c = ""; for (j = i + 2; j <= NF; j++) c = c " " $j
               print "Components:" c
               if (signed != "") print "Signed-By: " signed
               print "" }' >>"$tmp" || true
done
[[ -s "$tmp" ]] || die "found no deb entries in /etc/apt to mirror as deb-src"
$sudo install -m 0644 "$tmp" "$out"
$sudo apt-get update -qq >&2 || die "apt-get update failed"
