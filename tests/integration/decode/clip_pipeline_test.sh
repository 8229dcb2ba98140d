#!/usr/bin/env bash
# The detector's input path in WebAssembly: a clip encrypted by `veil clip`
# is decrypted (lib/clip + mbedtls in wasm) and decoded (libavcodec in wasm)
# bit-exactly; a tampered clip and a wrong key stop it with a clear error.
#   clip_pipeline_test.sh VEIL NODE RUNNER.mjs DECODER.wasm TESTDATA_DIR
set -uo pipefail
veil="$1" node="$2" runner="$3" wasm="$4" testdata="$5"
src="$testdata/video/vtest_cbp_384x288_50f.h264"
[[ -f "$src" ]] || { echo "skipped: no test material"; exit 77; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
passed=0 failed=0
run_wasm() { "$node" --no-warnings --experimental-wasi-unstable-preview1 "$runner" --dir "$work" --dir "$testdata/video" "$wasm" "$@"; }
"$veil" clip keygen -o master.key
"$veil" clip encrypt --master-key master.key --clip-id pipeline --chunk-size 8192 "$src" c.clip >/dev/null
"$veil" clip key --master-key master.key --clip c.clip -o c.key
"$veil" clip key --master-key master.key --clip-id other -o other.key
if run_wasm framemd5 --clip-key "$work/c.key" "$work/c.clip" >out.md5 &&
    diff <(grep -v '^#software' "${src%.h264}.framemd5") <(grep -v '^#software' out.md5) >/dev/null; then
    passed=$((passed + 1)); echo "ok: encrypted clip decrypted and decoded bit-exactly in wasm"
else
    failed=$((failed + 1)); echo "FAILED: encrypted clip pipeline"
fi
cp c.clip t.clip
printf '\x55' | dd of=t.clip bs=1 seek=60000 conv=notrunc 2>/dev/null
if ! run_wasm framemd5 --clip-key "$work/c.key" "$work/t.clip" >/dev/null 2>err.txt &&
    grep -q "chunk 7 (offset .*) failed authentication" err.txt; then
    passed=$((passed + 1)); echo "ok: tampered clip: $(cat err.txt)"
else
    failed=$((failed + 1)); echo "FAILED: tampered clip: $(cat err.txt)"
fi
if ! run_wasm framemd5 --clip-key "$work/other.key" "$work/c.clip" >wrong.md5 2>err.txt &&
    grep -q "wrong key for clip 'pipeline'" err.txt && [[ ! -s wrong.md5 ]]; then
    passed=$((passed + 1)); echo "ok: wrong key: $(cat err.txt)"
else
    failed=$((failed + 1)); echo "FAILED: wrong key: $(cat err.txt)"
fi
echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
