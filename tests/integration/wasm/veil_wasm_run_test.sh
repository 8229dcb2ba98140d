#!/bin/sh
# `veil wasm run` end to end on the engine's test modules
# (tests/unit/wasm/wat): results, traps with their reason on stderr and a
# non-zero exit, limits given before or after the call's arguments.
#   veil_wasm_run_test.sh VEIL FIXTURE_DIR
set -u
veil="$1"
dir="$2"
out="$(mktemp)"
err="$(mktemp)"
trap 'rm -f "$out" "$err"' EXIT
failures=0

# expect STATUS STDOUT STDERR-SUBSTRING -- ARGS...  (empty STDERR-SUBSTRING: no stderr)
expect() {
    want_status="$1" want_out="$2" want_err="$3"
    shift 4
    "$veil" wasm run "$@" >"$out" 2>"$err"
    status=$?
    if [ "$status" -ne "$want_status" ] || [ "$(cat "$out")" != "$want_out" ] ||
        { [ -z "$want_err" ] && [ -s "$err" ]; } ||
        { [ -n "$want_err" ] && ! grep -qF -- "$want_err" "$err"; }; then
        echo "FAIL: veil wasm run $*: status $status (want $want_status)," \
            "stdout '$(cat "$out")' (want '$want_out'), stderr '$(cat "$err")' (want '$want_err')"
        failures=$((failures + 1))
    fi
}

expect 0 "i32:3" "" -- "$dir/limits.wasm" --invoke div 7 2
expect 0 "i32:-3" "" -- "$dir/limits.wasm" --invoke div -7 2
expect 1 "" "integer divide by zero in function 5 (div)" -- "$dir/limits.wasm" --invoke div 7 0
expect 1 "" "out of fuel in function 1 (count)" -- "$dir/limits.wasm" --invoke count 100000 --fuel 1000
expect 0 "i32:100000" "" -- --fuel 100000000 "$dir/limits.wasm" --invoke count 100000
expect 1 "" "deadline exceeded in function 0 (spin)" -- "$dir/limits.wasm" --invoke spin --timeout-ms 50
expect 1 "" "call stack exhausted in function 4 (deep)" -- "$dir/limits.wasm" --invoke deep 0
expect 0 "i32:-1" "" -- --max-memory-mib 1 "$dir/limits.wasm" --invoke grow 16
expect 0 "i32:1" "" -- --max-memory-mib 1 "$dir/limits.wasm" --invoke grow 15
expect 1 "" "has no exported function \"_start\"" -- "$dir/bigmem.wasm"
expect 2 "" "takes 2 arguments, 1 given" -- "$dir/limits.wasm" --invoke div 7
expect 2 "" "unknown option" -- --bogus "$dir/limits.wasm"

[ "$failures" -eq 0 ] && echo "veil wasm run: all checks passed"
[ "$failures" -eq 0 ]
