#!/bin/sh
# End-to-end tests of `veil run`: the i-PoC-style tree under a policy with
# the i-PoC program rights, hash checks, write-back, exit codes, errors.
#   veil_run_test.sh VEIL PROGRAM_DIR POLICY_TEMPLATE
set -eu
veil=$1
programs=$2
template=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# expect STATUS COMMAND... : runs COMMAND (stdout/stderr to $work/out, $work/err)
expect() {
    want=$1
    shift
    set +e
    "$@" >"$work/out" 2>"$work/err"
    got=$?
    set -e
    if [ "$got" != "$want" ]; then
        fail "exit $got (expected $want): $*"
        sed 's/^/  | /' "$work/err" >&2
    fi
}

contains() {
    if ! grep -q -- "$2" "$1"; then
        fail "$1 lacks '$2'"
        sed 's/^/  | /' "$1" >&2
    fi
}

# --- the i-PoC tree under the i-PoC program rights ---
tree=$work/tree
mkdir -p "$tree/program_data" "$tree/s3_app_input" "$tree/user_input" "$tree/output"
printf 'person\nbicycle\ncar\nmotorbike\n' >"$tree/program_data/coco.names"
head -c 200000 /dev/urandom >"$tree/s3_app_input/clip.bin"
head -c 32 /dev/urandom >"$tree/user_input/key"
names_hash=$(sha256sum "$tree/program_data/coco.names" | cut -d' ' -f1)
program_hash=$(sha256sum "$programs/wasi_ipoc_app.wasm" | cut -d' ' -f1)
sed -e "s/@NAMES_HASH@/$names_hash/" -e "s/@PROGRAM_HASH@/$program_hash/" "$template" >"$work/policy.json"
ipoc_dirs="--dir $tree/program_data::/program_data --dir $tree/s3_app_input::/s3_app_input
    --dir $tree/user_input::/user_input --dir $tree/output::/output"
# shellcheck disable=SC2086
expect 0 "$veil" run --policy "$work/policy.json" --principal "program /program/detector.wasm" \
    $ipoc_dirs --write-back "$programs/wasi_ipoc_app.wasm"
contains "$work/out" "ipoc_app: ok"
contains "$work/err" "ipoc_app: stderr works"
clip_bytes=$(wc -c <"$tree/s3_app_input/clip.bin" | tr -d ' ')
contains "$tree/output/result.json" "\"labels\": 4, \"clip_bytes\": $clip_bytes,"
contains "$tree/output/result.json" "\"key_bytes\": 32, \"data_files\": 1}"
contains "$tree/output/frames/frame_0001.txt" "frame 1: 4 labels"
[ ! -e "$tree/program_internal" ] || fail "program_internal was written back"

# The policy's only program is the default principal.
rm -rf "$tree/output"/*
# shellcheck disable=SC2086
expect 0 "$veil" run --policy "$work/policy.json" $ipoc_dirs "$programs/wasi_ipoc_app.wasm"
[ ! -e "$tree/output/result.json" ] || fail "written back without --write-back"

# A JIT policy without a C compiler: the warning, then the interpreter
# (docs/aot.md, "Errors and fallback"); an explicit --strategy aot does not
# fall back.
sed 's/"Interpretation"/"JIT"/' "$work/policy.json" >"$work/policy-jit.json"
# shellcheck disable=SC2086
expect 0 env VEIL_AOT_CC=/nonexistent/veil-test-cc "$veil" run --policy "$work/policy-jit.json" \
    $ipoc_dirs "$programs/wasi_ipoc_app.wasm"
contains "$work/out" "ipoc_app: ok"
contains "$work/err" "execution_strategy JIT unavailable (.*veil-test-cc.*); interpreting"
# shellcheck disable=SC2086
expect 1 env VEIL_AOT_CC=/nonexistent/veil-test-cc "$veil" run --strategy aot \
    --policy "$work/policy-jit.json" $ipoc_dirs "$programs/wasi_ipoc_app.wasm"
contains "$work/err" "veil-test-cc"

# A data file that does not match its hash is refused before running.
printf 'evil\n' >>"$tree/program_data/coco.names"
# shellcheck disable=SC2086
expect 1 "$veil" run --policy "$work/policy.json" $ipoc_dirs "$programs/wasi_ipoc_app.wasm"
contains "$work/err" "/program_data/coco.names"
contains "$work/err" "hash"
# So is a program that is not the policy's.
printf 'person\nbicycle\ncar\nmotorbike\n' >"$tree/program_data/coco.names"
# shellcheck disable=SC2086
expect 1 "$veil" run --policy "$work/policy.json" $ipoc_dirs "$programs/wasi_file_io.wasm"
contains "$work/err" "not the policy's hash for /program/detector.wasm"
expect 1 "$veil" run --policy "$work/policy.json" --principal "program /other.wasm" \
    "$programs/wasi_ipoc_app.wasm"
contains "$work/err" "/other.wasm"

# --- no policy: full rights on the directories, arguments, environment ---
mkdir -p "$work/data"
expect 0 "$veil" run --dir "$work/data::/work" --env GREETING=hello --write-back \
    "$programs/wasi_file_io.wasm" -- /work one "two words"
contains "$work/out" "file_io: 4 arguments, greeting 'hello'"
contains "$work/out" "file_io: ok"
contains "$work/data/result.txt" "arg=two words"
contains "$work/data/lines.txt" "appended"
[ ! -e "$work/data/big.bin.missing" ] || fail "unexpected file"
# The default guest path is / + the directory's name.
expect 0 "$veil" run --dir "$work/data" "$programs/wasi_file_io.wasm" /data
# The program's exit code is veil's (file_io without arguments exits 100).
expect 100 "$veil" run "$programs/wasi_file_io.wasm"
contains "$work/err" "usage: file_io DIR"
# --trace shows the calls.
expect 0 "$veil" run --trace --dir "$work/data::/work" "$programs/wasi_file_io.wasm" /work
contains "$work/err" 'path_open('
contains "$work/err" '"lines.txt"'

# --- errors ---
expect 1 "$veil" run "$work/missing.wasm"
contains "$work/err" "missing.wasm"
expect 2 "$veil" run --dir "$work/data::relative" "$programs/wasi_file_io.wasm"
contains "$work/err" "expected HOSTDIR or HOSTDIR::/GUEST/PATH"
expect 1 "$veil" run --dir "$work/nope::/x" "$programs/wasi_file_io.wasm"
contains "$work/err" "nope"
expect 2 "$veil" run --bogus "$programs/wasi_file_io.wasm"
contains "$work/err" "unknown option '--bogus'"
expect 2 "$veil" run
contains "$work/err" "no program given"
printf 'not wasm' >"$work/bad.wasm"
expect 1 "$veil" run "$work/bad.wasm"
contains "$work/err" "bad.wasm"
expect 0 "$veil" run --help
contains "$work/out" "usage: veil run"
expect 2 "$veil" run --max-memory-mib 0 "$programs/wasi_file_io.wasm"
contains "$work/err" "at least 1"

# --- traps, limits, exit codes, linking (small modules from wat) ---
wat() {
    printf '%s\n' "$2" >"$work/$1.wat"
    wat2wasm "$work/$1.wat" -o "$work/$1.wasm"
}
wat trap '(module (memory (export "memory") 1) (func $boom (unreachable))
  (func (export "_start") (call $boom)))'
wat spin '(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))'
wat nostart '(module (memory (export "memory") 1) (func (export "main")))'
wat exit7 '(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1) (func (export "_start") (call $exit (i32.const 7))))'
wat badimport '(module (import "env" "f" (func)) (memory (export "memory") 1)
  (func (export "_start")))'
wat bigmem '(module (memory (export "memory") 100) (func (export "_start")))'
expect 1 "$veil" run "$work/trap.wasm"
contains "$work/err" "error (trap)"
contains "$work/err" "unreachable"
expect 1 "$veil" run --fuel 100000 "$work/spin.wasm"
contains "$work/err" "fuel"
expect 1 "$veil" run --timeout-ms 200 "$work/spin.wasm"
contains "$work/err" "error (trap)"
expect 1 "$veil" run "$work/nostart.wasm"
contains "$work/err" "no '_start'"
expect 7 "$veil" run "$work/exit7.wasm"
expect 1 "$veil" run "$work/badimport.wasm"
contains "$work/err" "env.f"
expect 1 "$veil" run --max-memory-mib 1 "$work/bigmem.wasm"
expect 0 "$veil" run --max-memory-mib 8 "$work/bigmem.wasm"

if [ "$failures" -ne 0 ]; then
    echo "veil_run_test: $failures failures" >&2
    exit 1
fi
echo "veil_run_test: all passed"
