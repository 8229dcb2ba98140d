#!/usr/bin/env bash
# Decoder bench for the detector (issue 7): everything below is measured in
# this run, and the ratios are between numbers of this run.
#
#   bench/decode/run.sh [--no-cold] [--runs N] [BUILD_DIR]
#
# 1. Third-party build time: a cold build of mbedtls (wasm32-wasi) and
#    FFmpeg's H.264 decoder (wasm32-wasi and native) into an empty temporary
#    cache (skipped with --no-cold: it takes minutes), then the cached case
#    (what every configure after the first pays).
# 2. Decoding speed of vtest_cbp_768x576_100f.h264, native vs Node's WASI
#    (the same C and FFmpeg configuration), plain and from an encrypted clip
#    (decryption + decoding), best of N runs (default 3).
# BUILD_DIR defaults to build/release (./scripts/build.sh release).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cold=1
runs=3
while [[ $# -gt 0 && "$1" == --* ]]; do
    case "$1" in
    --no-cold) cold=0 ;;
    --runs) runs="$2"; shift ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
build="${1:-$root/build/release}"
video="$root/../shared/testdata/video"
clip="$video/vtest_cbp_768x576_100f.h264"
native="$build/apps/detector/detector-decode"
wasm="$build/apps/detector/detector_decode_wasm.wasm"
runner="$root/tests/tools/node-wasi-run.mjs"
veil="$build/src/veil/veil"
for f in "$native" "$wasm" "$veil" "$clip"; do
    [[ -e "$f" ]] || { echo "run.sh: missing $f (build with ./scripts/build.sh release)" >&2; exit 1; }
done
tp="$root/scripts/third_party"
# The compiler names are part of the cache key: use exactly what CMake passes.
wasm_cc="$(sed -n 's/^VEIL_WASM_CC:FILEPATH=//p' "$build/CMakeCache.txt")"
wasm_ar="$(sed -n 's/^VEIL_WASM_AR:FILEPATH=//p' "$build/CMakeCache.txt")"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

echo "== machine: $(nproc) cores, $(uname -m); node $(node --version); $(clang --version | head -n1)"
echo
echo "== third-party builds"
if ((cold)); then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    # Share the downloaded, verified sources; everything else starts empty.
    mkdir -p "$tmp/src"
    ln -s "${VEIL_CACHE_DIR:-$HOME/.cache/veil}/src/"* "$tmp/src/" 2>/dev/null || true
    total0=$(now)
    for step in "build-mbedtls.sh" "build-ffmpeg.sh wasm32-wasi" "build-ffmpeg.sh native"; do
        t0=$(now)
        # shellcheck disable=SC2086
        VEIL_CACHE_DIR="$tmp" VEIL_WASM_CC="$wasm_cc" VEIL_WASM_AR="$wasm_ar" "$tp"/$step >/dev/null 2>&1
        printf '  cold   %-28s %7s s\n' "$step" "$(secs "$t0" "$(now)")"
    done
    cold_total=$(secs "$total0" "$(now)")
    printf '  cold   %-28s %7s s\n' "all three" "$cold_total"
fi
t0=$(now)
for step in "build-mbedtls.sh" "build-ffmpeg.sh wasm32-wasi" "build-ffmpeg.sh native"; do
    # shellcheck disable=SC2086
    VEIL_WASM_CC="$wasm_cc" VEIL_WASM_AR="$wasm_ar" "$tp"/$step >/dev/null
done
cached_total=$(secs "$t0" "$(now)")
printf '  cached %-28s %7s s\n' "all three (scripts)" "$cached_total"
t0=$(now)
cmake "$build" >/dev/null
printf '  cached %-28s %7s s\n' "cmake re-configure" "$(secs "$t0" "$(now)")"
if ((cold)); then
    echo "  ratio cold/cached (scripts): $(awk -v a="$cold_total" -v b="$cached_total" 'BEGIN { printf "%.0f", a / b }')x"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work" ${tmp:-}' EXIT
"$veil" clip keygen -o "$work/master.key"
"$veil" clip encrypt --master-key "$work/master.key" --clip-id bench "$clip" "$work/bench.clip" >/dev/null
"$veil" clip key --master-key "$work/master.key" --clip-id bench -o "$work/bench.key"

# best_fps CMD...: runs the bench mode N times, prints the best pictures/s.
best_fps() {
    local best=0 fps
    for ((i = 0; i < runs; i++)); do
        fps=$("$@" | awk '/pictures_per_second/ { print $6 }')
        best=$(awk -v a="$best" -v b="$fps" 'BEGIN { print (b > a) ? b : a }')
    done
    echo "$best"
}
node_run() { node --no-warnings --experimental-wasi-unstable-preview1 "$runner" --dir "$video" --dir "$work" "$wasm" "$@"; }

echo
echo "== decoding $(basename "$clip") (100 pictures 768x576), best of $runs"
n_plain=$(best_fps "$native" bench "$clip")
w_plain=$(best_fps node_run bench "$clip")
n_clip=$(best_fps "$native" bench --clip-key "$work/bench.key" "$work/bench.clip")
w_clip=$(best_fps node_run bench --clip-key "$work/bench.key" "$work/bench.clip")
printf '  %-34s %9s %9s %8s\n' "" "native" "node-wasm" "ratio"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '  %-34s %9s %9s %7sx\n' "decode (pictures/s)" "$n_plain" "$w_plain" "$(ratio "$n_plain" "$w_plain")"
printf '  %-34s %9s %9s %7sx\n' "decrypt + decode (pictures/s)" "$n_clip" "$w_clip" "$(ratio "$n_clip" "$w_clip")"
echo "  (ratio = native / node-wasm; the clip is 10 fps, so real time is 10 pictures/s)"
