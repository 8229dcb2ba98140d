#!/usr/bin/env bash
# Runs a decoder command that prints FFmpeg framemd5 output and compares it
# line by line with the reference (all but the #software line, which names
# the decoder build).
#   framemd5_check.sh REFERENCE.framemd5 COMMAND [ARGS...]
set -uo pipefail
ref="$1"
shift
[[ -f "$ref" ]] || { echo "skipped: no reference $ref"; exit 77; }
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
if ! "$@" >"$out"; then
    echo "FAILED: decoder exited with an error: $*"
    exit 1
fi
want=$(grep -vc '^#' "$ref")
if ! diff <(grep -v '^#software' "$ref") <(grep -v '^#software' "$out") >"$out.diff"; then
    head -n 20 "$out.diff"
    rm -f "$out.diff"
    echo "FAILED: decoded pictures differ from $ref"
    exit 1
fi
rm -f "$out.diff"
echo "$want pictures match $(basename "$ref")"
