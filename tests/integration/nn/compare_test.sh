#!/usr/bin/env bash
# The NanoDet engine against TensorFlow.js (compare.mjs): installs the
# reference's npm packages once (setup.sh, cached), then compares the native
# nn-detect and the wasm build on every test photo.
#   compare_test.sh NODE NN_DETECT NN_DETECT_WASM PROGRAM_DATA TESTDATA WORK CACHE
# Exit: 0 pass, 1 fail, 77 test material absent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node="$1" native="$2" wasm="$3" model="$4" testdata="$5" work="$6" cache="$7"
if [[ ! -d "$testdata/images" ]]; then
    echo "test material $testdata/images is absent: skipping"
    exit 77
fi
"$here/setup.sh" "$cache/nn-reference-modules" "$cache"
rm -rf "$work"
mkdir -p "$work"
exec "$node" --no-warnings "$here/compare.mjs" --modules "$cache/nn-reference-modules" \
    --nn-detect "$native" --wasm "$wasm" --model "$model" --images "$testdata/images" \
    --work "$work" --cache "$cache"
