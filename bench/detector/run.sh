#!/usr/bin/env bash
# Detector bench (issue 7): the whole program (decrypt, decode, YUV->RGB,
# NanoDet pre-process / inference / post-process, annotation) on an
# encrypted vtest_cbp_768x576_100f clip, native vs detector.wasm under
# Node's WASI, and with frame skipping (frame_step 5).  Each run prints the
# detector's own per-frame split; /usr/bin/time adds CPU time and peak RSS
# (CPU time is the number to compare on a shared machine: wall time grows
# with the load).  With --veil-run also detector_scalar_wasm.wasm under
# `veil run` (interpreter) on one frame (frame_step 100).  With --aot also
# detector.wasm under `veil run --strategy aot`: translate + compile into an
# empty cache (the program stops at once: no /program_data), start-up from
# the cache, and the frame_step 5 run next to the native one above.
#
#   bench/detector/run.sh [--veil-run] [--aot] [BUILD_DIR]     (default build/release)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
veil_run=0
aot=0
while [[ "${1:-}" == --* ]]; do
    case "$1" in
    --veil-run) veil_run=1 ;;
    --aot) aot=1 ;;
    *) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done
build="${1:-$root/build/release}"
video="$root/../shared/testdata/video/vtest_cbp_768x576_100f.h264"
det="$build/apps/detector"
veil="$build/src/veil/veil"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$veil" clip keygen -o "$work/master.key"
mkdir -p "$work/in" "$work/ui"
"$veil" clip encrypt --master-key "$work/master.key" --clip-id vtest --fps 25 "$video" \
    "$work/in/vtest.clip" >/dev/null
"$veil" clip key --master-key "$work/master.key" --clip "$work/in/vtest.clip" >"$work/ui/vtest.key"
program_data() { # DIR FRAME_STEP
    mkdir -p "$1"
    cp "$det/program_data"/* "$1/"
    echo "{\"frame_step\": $2}" >"$1/settings.json"
}
program_data "$work/pd1" 1
program_data "$work/pd5" 5
program_data "$work/pd100" 100

measure() { # NAME COMMAND...
    local name="$1"
    shift
    rm -rf "$work/out"
    mkdir -p "$work/out"
    echo "== $name"
    # A failing variant is reported and the others still run.
    /usr/bin/time -f "   cpu %U s user + %S s sys, wall %e s, peak RSS %M KiB" "$@" \
        >"$work/stdout" || echo "   (exit status $?)"
    grep -E "time:|peak memory|person" "$work/stdout" || true
}
native() { # PROGRAM_DATA
    echo "$det/detector" --program-data "$1" --user-input "$work/ui" --input "$work/in" \
        --output "$work/out"
}
node_wasm() { # PROGRAM_DATA
    echo node --no-warnings "$root/tests/tools/node-wasi-run.mjs" --dir "$1:/program_data" \
        --dir "$work/ui:/user_input" --dir "$work/in:/s3_app_input" --dir "$work/out:/output" \
        "$det/detector.wasm"
}

echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
measure "native, every frame" $(native "$work/pd1")
measure "node wasm (SIMD128), every frame" $(node_wasm "$work/pd1")
measure "native, frame_step 5" $(native "$work/pd5")
measure "node wasm (SIMD128), frame_step 5" $(node_wasm "$work/pd5")
if [[ $veil_run -eq 1 ]]; then
    measure "veil run (interpreter, scalar wasm), frame_step 100" "$veil" run \
        --dir "$work/pd100::/program_data" --dir "$work/ui::/user_input" \
        --dir "$work/in::/s3_app_input" --dir "$work/out::/output" \
        "$det/detector_scalar_wasm.wasm"
fi
if [[ $aot -eq 1 ]]; then
    export VEIL_AOT_CACHE_DIR="$work/aot-cache"
    measure "veil run --strategy aot: translate + compile (empty cache), no program_data" \
        "$veil" run --strategy aot "$det/detector.wasm"
    measure "veil run --strategy aot: start from the cache, no program_data" \
        "$veil" run --strategy aot "$det/detector.wasm"
    measure "veil run --strategy aot (SIMD128), frame_step 5" "$veil" run --strategy aot \
        --dir "$work/pd5::/program_data" --dir "$work/ui::/user_input" \
        --dir "$work/in::/s3_app_input" --dir "$work/out::/output" "$det/detector.wasm"
fi
