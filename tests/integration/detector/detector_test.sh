#!/usr/bin/env bash
# The detector end to end on real video (vtest_cbp_384x288_50f, encrypted
# with `veil clip`): the native build and detector.wasm under Node's WASI
# find the same objects (persons among them) and write detections.json and
# annotated JPEGs; a wrong key, a flipped bit in the final chunk, a
# truncated clip and a missing key each fail with a clear message and leave
# the output directory empty; the Ucam AES-128-CTR compatibility input
# decodes.  In veil-run mode instead: detector-scalar.wasm under
# `veil run` (Veil's interpreter) on two frames, against the native build.
#   detector_test.sh VEIL NODE NODE_RUNNER DETECTOR DETECTOR_WASM SCALAR_WASM
#                    PROGRAM_DATA TESTDATA WORK [veil-run]
# Exit: 0 pass, 1 fail, 77 test material absent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
veil="$1" node="$2" runner="$3" native="$4" wasm="$5" scalar="$6" program_data="$7"
testdata="$8" work="$9" mode="${10:-}"
video="$testdata/video"
if [[ ! -f "$video/vtest_cbp_384x288_50f.h264" ]]; then
    echo "test material $video is absent: skipping"
    exit 77
fi
rm -rf "$work"
mkdir -p "$work"
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# program_data with settings: analyse every 5th frame.
mkdir -p "$work/pd"
cp "$program_data"/nanodet.json "$program_data"/nanodet.bin "$program_data"/coco.names "$work/pd/"
echo '{"frame_step": 5, "annotate": "new-class", "jpeg_quality": 80}' >"$work/pd/settings.json"

# The owner's side: a master key, the encrypted clip, the clip's key.
"$veil" clip keygen -o "$work/master.key"
"$veil" clip keygen -o "$work/other-master.key"
mkdir -p "$work/in" "$work/ui"
"$veil" clip encrypt --master-key "$work/master.key" --clip-id street --camera-id cam-1 \
    --chunk-size 16384 --fps 25 --width 384 --height 288 \
    "$video/vtest_cbp_384x288_50f.h264" "$work/in/street.h264.clip" >/dev/null
"$veil" clip key --master-key "$work/master.key" --clip "$work/in/street.h264.clip" \
    >"$work/ui/street.h264.key"

# run_native NAME INPUT_DIR USER_INPUT_DIR [PROGRAM_DATA]: output in $work/out-NAME.
run_native() {
    mkdir -p "$work/out-$1"
    "$native" --program-data "${4:-$work/pd}" --user-input "$3" --input "$2" \
        --output "$work/out-$1" >"$work/$1.stdout" 2>"$work/$1.stderr"
}
run_wasm() {
    mkdir -p "$work/out-$1"
    "$node" --no-warnings "$runner" --dir "${4:-$work/pd}:/program_data" --dir "$3:/user_input" \
        --dir "$2:/s3_app_input" --dir "$work/out-$1:/output" "$wasm" \
        >"$work/$1.stdout" 2>"$work/$1.stderr"
}
# expect_refused NAME PATTERN: the run failed, said PATTERN, wrote nothing.
expect_refused() {
    local name="$1" pattern="$2" status="$3"
    if [[ "$status" -ne 1 ]]; then
        fail "$name: exit status $status, expected 1"
    fi
    if ! grep -q -- "$pattern" "$work/$name.stderr"; then
        fail "$name: stderr lacks '$pattern': $(cat "$work/$name.stderr")"
    fi
    if [[ -n "$(ls -A "$work/out-$name")" ]]; then
        fail "$name: output written: $(ls "$work/out-$name")"
    fi
    echo "$name: refused: $(head -1 "$work/$name.stderr")"
}

main_checks() {
# 1. Native and wasm, same detections; persons found.
status=0
run_native native "$work/in" "$work/ui" || status=$?
[[ $status -eq 0 ]] || fail "native: exit $status: $(cat "$work/native.stderr")"
status=0
run_wasm wasm "$work/in" "$work/ui" || status=$?
[[ $status -eq 0 ]] || fail "wasm: exit $status: $(cat "$work/wasm.stderr")"
for b in native wasm; do
    grep -q "person" "$work/$b.stdout" || fail "$b: no person in the summary"
    "$node" "$here/detections.mjs" check "$work/out-$b/detections.json" "$work/out-$b" 50 10 \
        person || fail "$b: detections.json checks"
done
"$node" "$here/detections.mjs" same "$work/out-native/detections.json" \
    "$work/out-wasm/detections.json" || fail "native and wasm detections differ"
for f in "$work/out-native"/*.jpg; do
    cmp -s "$f" "$work/out-wasm/$(basename "$f")" || fail "$(basename "$f") differs native/wasm"
done
cat "$work/native.stdout"

# 2. Refusals: nothing may reach the output.
mkdir -p "$work/ui-wrong"
"$veil" clip key --master-key "$work/other-master.key" --clip "$work/in/street.h264.clip" \
    >"$work/ui-wrong/clip.key"
status=0
run_native wrong-key "$work/in" "$work/ui-wrong" || status=$?
expect_refused wrong-key "wrong key" "$status"
status=0
run_wasm wrong-key-wasm "$work/in" "$work/ui-wrong" || status=$?
expect_refused wrong-key-wasm "wrong key" "$status"

size=$(stat -c %s "$work/in/street.h264.clip")
mkdir -p "$work/in-flipped" "$work/in-cut"
cp "$work/in/street.h264.clip" "$work/in-flipped/"
# Flip one bit 10 bytes before the end: inside the final chunk, so every
# frame before it was decoded and analysed before the clip failed.
python3 - "$work/in-flipped/street.h264.clip" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[-10] ^= 0x04
open(p, 'wb').write(b)
PY
head -c $((size - 20000)) "$work/in/street.h264.clip" >"$work/in-cut/street.h264.clip"
status=0
run_native flipped "$work/in-flipped" "$work/ui" || status=$?
expect_refused flipped "failed authentication" "$status"
status=0
run_wasm flipped-wasm "$work/in-flipped" "$work/ui" || status=$?
expect_refused flipped-wasm "failed authentication" "$status"
status=0
run_native cut "$work/in-cut" "$work/ui" || status=$?
expect_refused cut "street.h264.clip" "$status"
mkdir -p "$work/ui-none"
status=0
run_native no-key "$work/in" "$work/ui-none" || status=$?
expect_refused no-key "no key for clip street.h264.clip" "$status"

# 3. Ucam / i-PoC input (unauthenticated AES-128-CTR): key file = key || counter block.
ucam="$video/ucam-style-aes128ctr"
if [[ -d "$ucam" ]]; then
    mkdir -p "$work/pd-ucam" "$work/in-ucam" "$work/ui-ucam"
    cp "$work/pd"/nanodet.* "$work/pd"/coco.names "$work/pd-ucam/"
    echo '{"frame_step": 25, "input_format": "ucam-aes128ctr"}' >"$work/pd-ucam/settings.json"
    cp "$ucam/vtest_cbp_384x288_50f.h264.aes128ctr" "$work/in-ucam/"
    cat "$ucam/key.bin" "$ucam/iv.bin" >"$work/ui-ucam/clip.key"
    status=0
    run_native ucam "$work/in-ucam" "$work/ui-ucam" "$work/pd-ucam" || status=$?
    [[ $status -eq 0 ]] || fail "ucam: exit $status: $(cat "$work/ucam.stderr")"
    grep -q "not authenticated" "$work/ucam.stderr" || fail "ucam: no warning"
    "$node" "$here/detections.mjs" check "$work/out-ucam/detections.json" "$work/out-ucam" 50 2 \
        person || fail "ucam: detections.json checks"
fi

}

# 4. Veil's own engine (interpreter; slow, so two frames only; optimised builds).
veil_run_checks() {
    mkdir -p "$work/pd-25"
    cp "$work/pd"/nanodet.* "$work/pd"/coco.names "$work/pd-25/"
    echo '{"frame_step": 25}' >"$work/pd-25/settings.json"
    status=0
    run_native native-25 "$work/in" "$work/ui" "$work/pd-25" || status=$?
    [[ $status -eq 0 ]] || fail "native-25: exit $status"
    mkdir -p "$work/out-veil"
    status=0
    "$veil" run --dir "$work/pd-25::/program_data" --dir "$work/ui::/user_input" \
        --dir "$work/in::/s3_app_input" --dir "$work/out-veil::/output" --write-back \
        "$scalar" >"$work/veil.stdout" 2>"$work/veil.stderr" || status=$?
    [[ $status -eq 0 ]] || fail "veil run: exit $status: $(cat "$work/veil.stderr")"
    "$node" "$here/detections.mjs" same "$work/out-native-25/detections.json" \
        "$work/out-veil/detections.json" || fail "native and veil run detections differ"
    cat "$work/veil.stdout"
}

if [[ "$mode" == "veil-run" ]]; then
    veil_run_checks
else
    main_checks
fi

if [[ $failures -ne 0 ]]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all detector checks passed"
