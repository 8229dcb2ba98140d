#!/usr/bin/env bash
# Builds mbedtls (AES-GCM, AES-CTR, HKDF, SHA-256 only; mbedtls-config.h) for
# wasm32-wasi with Debian's clang from Debian's verified source package, once,
# into the Veil cache, and prints the install prefix (include/, lib/).
#
#   scripts/third_party/build-mbedtls.sh
#
# Native builds link Debian's libmbedtls-dev (the same 2.28 release) instead.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

cc="${VEIL_WASM_CC:-clang}"
ar="${VEIL_WASM_AR:-llvm-ar}"
cflags=(--target=wasm32-wasi -O2 -DMBEDTLS_CONFIG_FILE='"veil-mbedtls-config.h"')

src="$("$tp_here/fetch-source.sh" mbedtls "$tp_cache")"
version="$(awk '{print $2}' "$src/.veil-verified")"
key="$(tp_key "$version $("$cc" --version | head -n1) ${cflags[*]}" "$tp_here/build-mbedtls.sh" "$tp_here/mbedtls-config.h")"
prefix="$tp_cache/mbedtls-$version-wasm32-wasi-$key"

exec 9>"$prefix.lock"
flock 9
if [[ -f "$prefix/.veil-complete" ]]; then
    echo "$prefix"
    exit 0
fi
tp_log "building mbedtls $version for wasm32-wasi into $prefix"
start=$(date +%s)
rm -rf "$prefix"
mkdir -p "$prefix/include" "$prefix/lib" "$prefix/obj"
cp -r "$src/include/mbedtls" "$src/include/psa" "$prefix/include/"
cp "$tp_here/mbedtls-config.h" "$prefix/include/veil-mbedtls-config.h"
objs=()
for c in "$src"/library/*.c; do
    o="$prefix/obj/$(basename "${c%.c}").o"
    "$cc" "${cflags[@]}" -I"$prefix/include" -I"$src/library" -c "$c" -o "$o" || tp_die "compiling $c failed"
    objs+=("$o")
done
"$ar" rcs "$prefix/lib/libmbedcrypto.a" "${objs[@]}"
rm -rf "$prefix/obj"
echo "mbedtls $version wasm32-wasi built in $(($(date +%s) - start)) s" >"$prefix/.veil-complete"
tp_log "$(cat "$prefix/.veil-complete")"
echo "$prefix"
