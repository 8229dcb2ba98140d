#!/usr/bin/env bash
# Builds FFmpeg's H.264 decoder and parser (libavcodec + libavutil, nothing
# else) from Debian's verified ffmpeg source package, once, into the Veil
# cache, and prints the install prefix (include/, lib/libavcodec.a,
# lib/libavutil.a).
#
#   scripts/third_party/build-ffmpeg.sh wasm32-wasi|native
#
# Both targets use the same configuration (no assembly, no threads), so the
# native detector decodes with exactly the code the wasm detector runs: a
# native run reproduces a wasm run, and the bench's native/wasm ratio
# measures the WebAssembly cost of identical C.  wasm32-wasi uses wasi-libc's
# emulated signal, mman and process-clock libraries.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
target="${1:?usage: build-ffmpeg.sh wasm32-wasi|native}"

common=(--disable-everything --enable-decoder=h264 --enable-parser=h264
    --disable-asm --disable-inline-asm --disable-x86asm
    --disable-pthreads --disable-w32threads --disable-os2threads
    --disable-programs --disable-doc --disable-network --disable-autodetect
    --disable-avdevice --disable-avformat --disable-avfilter --disable-swscale
    --disable-swresample --disable-postproc
    --enable-static --disable-shared --disable-debug)
wasi_defs="-D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_MMAN -D_WASI_EMULATED_PROCESS_CLOCKS"
case "$target" in
wasm32-wasi)
    cc="${VEIL_WASM_CC:-clang}"
    flags=(--enable-cross-compile --target-os=none --arch=wasm32 --cc="$cc --target=wasm32-wasi"
        --ar="${VEIL_WASM_AR:-llvm-ar}" --ranlib="${VEIL_WASM_RANLIB:-llvm-ranlib}"
        --nm="${VEIL_WASM_NM:-llvm-nm}" --extra-cflags="$wasi_defs -include $tp_here/ffmpeg-wasi-compat.h"
        --extra-ldflags="-lwasi-emulated-signal -lwasi-emulated-mman -lwasi-emulated-process-clocks")
    ;;
native)
    cc="${VEIL_NATIVE_CC:-clang}"
    flags=(--cc="$cc" --enable-pic)
    ;;
*) tp_die "unknown target '$target' (wasm32-wasi or native)" ;;
esac

src="$("$tp_here/fetch-source.sh" ffmpeg "$tp_cache")"
version="$(awk '{print $2}' "$src/.veil-verified")"
# The key hashes the flags without the checkout path (the compat header is
# hashed by content), so every worktree shares one build.
key="$(tp_key "$version $target $($cc --version | head -n1) ${common[*]} ${flags[*]//$tp_here/}" "$tp_here/build-ffmpeg.sh" "$tp_here/ffmpeg-wasi-compat.h")"
prefix="$tp_cache/ffmpeg-$version-$target-$key"

exec 9>"$prefix.lock"
flock 9
if [[ -f "$prefix/.veil-complete" ]]; then
    echo "$prefix"
    exit 0
fi
tp_log "building FFmpeg $version (h264 decoder+parser) for $target into $prefix"
start=$(date +%s)
rm -rf "$prefix"
mkdir -p "$prefix/build"
cd "$prefix/build"
if ! "$src/configure" --prefix="$prefix" "${common[@]}" "${flags[@]}" >configure.log 2>&1; then
    tail -n 30 configure.log >&2
    tail -n 30 ffbuild/config.log >&2 || true
    tp_die "FFmpeg configure for $target failed (log: $prefix/build/configure.log)"
fi
if ! make -j"$(tp_jobs)" >make.log 2>&1 || ! make install >>make.log 2>&1; then
    tail -n 40 make.log >&2
    tp_die "FFmpeg build for $target failed (log: $prefix/build/make.log)"
fi
cd "$prefix"
rm -rf "$prefix/build" "$prefix/share"
echo "FFmpeg $version $target built in $(($(date +%s) - start)) s" >"$prefix/.veil-complete"
tp_log "$(cat "$prefix/.veil-complete")"
echo "$prefix"
