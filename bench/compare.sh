#!/usr/bin/env bash
# Runs every bench kernel under every engine in one go and prints a table of
# times and ratios to native.
#
#   bench/compare.sh [--quick] [--runs N] [--kernels "conv fib"] [--no-build] [--build DIR] [--cpu]
#                    [--aot-variants]
#
# --cpu reports CPU time (user + sys of the process and its threads) instead
# of wall time: on a loaded shared machine wall time mostly measures waiting
# for a core.  Node's background compiler/GC threads count in its CPU time.
#
# Variants (columns): native clang -O2; Veil AOT and Veil interpreter
# (`veil run --strategy aot|interp`), each on the scalar and -msimd128
# builds; Debian wasm2c (scalar only: wabt 1.0.32 has no SIMD); Node (V8)
# with node:wasi on both builds.  A Veil column is skipped with a note when
# the veil binary does not offer it yet.
#
# --aot-variants adds columns for the AOT choices, all on the -msimd128
# build and each next to the default in the same run: explicit bounds
# checks instead of guard pages (VEIL_AOT_GUARD_PAGES=0), fuel metering
# compiled in (--fuel with a budget that never runs out), and gcc instead
# of clang for the generated C (VEIL_AOT_CC=gcc).
#
# Every run's output is checked against the native checksum, so a variant
# that computes something else shows "WRONG" instead of a time.  Times are
# wall-clock per process (start-up included: for AOT that is a cache hit,
# the compile happens in the first, untimed, checking run) and the table
# shows the minimum over the runs (the machine is shared; the minimum is the
# least disturbed).  Slow variants stop repeating after ~20 s.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build/release"
runs=5
kernels="conv matmul sha256 sort fib"
do_build=1
cpu_time=0
aot_variants=0
TIMEFORMAT='%3U %3S'
while (($#)); do
    case "$1" in
    --quick) runs=1 ;;
    --runs) runs="$2"; shift ;;
    --kernels) kernels="$2"; shift ;;
    --no-build) do_build=0 ;;
    --cpu) cpu_time=1 ;;
    --aot-variants) aot_variants=1 ;;
    --build) build="$2"; shift ;;
    -h | --help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

if ((do_build)); then
    "$root/scripts/build.sh" release >/dev/null
fi
bench="$build/bench/kernels"
veil="$build/src/veil/veil"
node_runner="$root/bench/harness/node_wasi.mjs"
[[ -x "$bench/bench_fib_native" ]] || { echo "run.sh: no bench programs in $bench (build first)" >&2; exit 1; }

notes=()
have_interp=0
have_aot=0
if [[ -x "$veil" ]] && "$veil" run --help >/dev/null 2>&1; then
    have_interp=1
    if "$veil" run --help 2>&1 | grep -q -- '--strategy'; then
        have_aot=1
    else
        notes+=("Veil AOT: skipped (veil run has no --strategy yet)")
    fi
else
    notes+=("Veil interp and AOT: skipped (no 'veil run' in $veil yet)")
fi
have_node=0
if command -v node >/dev/null; then have_node=1; else notes+=("Node: skipped (no node)"); fi

now_ns() { date +%s%N; }

# time_variant KERNEL LABEL CMD... -> prints the minimum wall time in ms, or
# a word (WRONG, FAIL) when the output is not the native checksum (the
# reason goes to $tmp/notes: this runs in a subshell).
time_variant() {
    local kernel="$1" label="$2"
    shift 2
    local out best="" total_ns=0 t0 t1 ns i
    for ((i = 0; i <= runs; i++)); do
        t0=$(now_ns)
        if ! { time "$@" >"$tmp/out" 2>"$tmp/err"; } 2>"$tmp/cpu"; then
            echo "$kernel/$label failed: $(head -c 300 "$tmp/err" | tr '\n' ' ')" >>"$tmp/notes"
            echo FAIL
            return
        fi
        t1=$(now_ns)
        out=$(cat "$tmp/out")
        if [[ "$out" != "${expected[$kernel]}" ]]; then
            echo "$kernel/$label printed '$out', native printed '${expected[$kernel]}'" >>"$tmp/notes"
            echo WRONG
            return
        fi
        ns=$((t1 - t0))
        if ((cpu_time)); then
            # user + sys seconds with 3 decimals -> ns
            ns=$(awk '{ printf "%.0f", ($1 + $2) * 1e9 }' "$tmp/cpu")
        fi
        # Run 0 checks the result and warms caches (AOT compile); not timed.
        if ((i > 0)); then
            if [[ -z "$best" ]] || ((ns < best)); then best=$ns; fi
            total_ns=$((total_ns + ns))
            ((total_ns < 20000000000)) || break
        fi
    done
    echo $((best / 1000000))
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
declare -A expected
declare -A cell

columns=(native aot aot_simd interp interp_simd wasm2c node node_simd)
declare -A title=([native]="native" [aot]="AOT" [aot_simd]="AOT simd" [interp]="interp"
    [interp_simd]="interp simd" [wasm2c]="wasm2c" [node]="node" [node_simd]="node simd"
    [aot_checks]="simd checks" [aot_fuel]="simd fuel" [aot_gcc]="simd gcc")
if ((aot_variants && have_aot)); then
    columns=(native aot_simd aot_checks aot_fuel aot_gcc)
    command -v gcc >/dev/null || notes+=("AOT gcc: skipped (no gcc)")
fi

for k in $kernels; do
    native="$bench/bench_${k}_native"
    [[ -x "$native" ]] || { echo "run.sh: unknown kernel '$k'" >&2; exit 2; }
    expected[$k]=$("$native")
    echo "running $k ($(echo "${expected[$k]}" | cut -d' ' -f2))..." >&2
    cell[$k, native]=$(time_variant "$k" native "$native")
    if ((aot_variants && have_aot)); then
        simd="$bench/bench_${k}_simd.wasm"
        cell[$k, aot_simd]=$(time_variant "$k" aot_simd "$veil" run --strategy aot "$simd")
        cell[$k, aot_checks]=$(VEIL_AOT_GUARD_PAGES=0 time_variant "$k" aot_checks "$veil" run --strategy aot "$simd")
        cell[$k, aot_fuel]=$(time_variant "$k" aot_fuel "$veil" run --strategy aot --fuel 1000000000000000 "$simd")
        if command -v gcc >/dev/null; then
            cell[$k, aot_gcc]=$(VEIL_AOT_CC=gcc time_variant "$k" aot_gcc "$veil" run --strategy aot "$simd")
        fi
        continue
    fi
    if ((have_aot)); then
        cell[$k, aot]=$(time_variant "$k" aot "$veil" run --strategy aot "$bench/bench_$k.wasm")
        cell[$k, aot_simd]=$(time_variant "$k" aot_simd "$veil" run --strategy aot "$bench/bench_${k}_simd.wasm")
    fi
    if ((have_interp)); then
        cell[$k, interp]=$(time_variant "$k" interp "$veil" run --strategy interp "$bench/bench_$k.wasm")
        cell[$k, interp_simd]=$(time_variant "$k" interp_simd "$veil" run --strategy interp "$bench/bench_${k}_simd.wasm")
    fi
    if [[ -x "$bench/bench_${k}_wasm2c" ]]; then
        cell[$k, wasm2c]=$(time_variant "$k" wasm2c "$bench/bench_${k}_wasm2c")
    fi
    if ((have_node)); then
        cell[$k, node]=$(time_variant "$k" node node --single-threaded-gc --no-warnings "$node_runner" "$bench/bench_$k.wasm")
        cell[$k, node_simd]=$(time_variant "$k" node_simd node --single-threaded-gc --no-warnings "$node_runner" "$bench/bench_${k}_simd.wasm")
    fi
done

# Table: time in ms and ratio to native for every cell that ran.
printf '%-8s' kernel
for c in "${columns[@]}"; do printf ' %17s' "${title[$c]}"; done
printf '\n'
for k in $kernels; do
    printf '%-8s' "$k"
    base=${cell[$k, native]}
    for c in "${columns[@]}"; do
        v=${cell[$k, $c]:-}
        if [[ -z "$v" ]]; then
            printf ' %17s' "-"
        elif [[ "$v" =~ ^[0-9]+$ ]]; then
            if [[ "$c" == native ]]; then
                printf ' %17s' "${v} ms"
            else
                ratio=$(awk -v a="$v" -v b="$base" 'BEGIN { if (b == 0) b = 1; printf "%.2f", a / b }')
                printf ' %17s' "${v} ms ${ratio}x"
            fi
        else
            printf ' %17s' "$v"
        fi
    done
    printf '\n'
done
if ((cpu_time)); then what="CPU time (user+sys)"; else what="wall time"; fi
echo "(minimum $what over $runs timed run(s) after one checking run; ratio = variant / native)"
for n in "${notes[@]}"; do echo "note: $n"; done
if [[ -s "$tmp/notes" ]]; then sed 's/^/note: /' "$tmp/notes"; fi
