#!/usr/bin/env bash
# The policy's "execution_strategy": "JIT" through a real instance: a PAS,
# veil-host with the local isolation backend, the runtime under its seccomp
# filter and its AOT compile worker (docs/aot.md, "In the runtime").
#   1. a cold cache: the worker compiles the program, the runtime loads the
#      object it passes back and the program prints the right sum;
#   2. the same program again: answered from the cache, nothing compiled;
#   3. a new instance on the same cache: a hit from the first request;
#   4. an instance whose worker finds no compiler, and one started without
#      a worker: the runtime follows the fallback rule (a warning, then the
#      interpreter, same output);
#   5. a policy without JIT: no worker at all.
#
# usage: trust_jit_test.sh VEIL VEIL_PAS VEIL_HOST VEIL_RUNTIME APP_WASM CACHE_DIR
# CACHE_DIR is emptied first (a per-test directory under the build tree).
set -euo pipefail
veil="$1" pas_bin="$2" host_bin="$3" runtime="$4" app_wasm="$5" cache="$6"
for f in "$veil" "$pas_bin" "$host_bin" "$runtime" "$app_wasm"; do
    [[ -e "$f" ]] || { echo "missing $f"; exit 1; }
done
rm -rf "$cache"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"

source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../../../scripts/lib/harness.sh"
harness_workdir veil-jit

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout owner.key \
    -out owner.crt -subj "/CN=owner" -days 2 2>/dev/null
"$host_bin" device-key --out dev.key --public-out dev.pub >/dev/null
measurement="$("$host_bin" measure --runtime "$runtime")"
"$pas_bin" enrol-device --state pas --name lab-1 --public-key dev.pub >/dev/null
"$pas_bin" serve --state pas --listen 127.0.0.1:0 --port-file pas.port \
    --reference "linux:$measurement" >pas.log 2>&1 &
pids+=($!)
pas_port="$(wait_port pas.port $!)"

cat >policy.json <<JSON
{
  "identities": [
    {"certificate": "$(pem_json owner.crt)", "id": 0, "may_shutdown": true,
     "file_rights": [{"file_name": "/program/", "rights": 537404996},
                     {"file_name": "stdout", "rights": 24582},
                     {"file_name": "stderr", "rights": 24582}]}
  ],
  "programs": [
    {"program_file_name": "/program/app.wasm", "id": 0,
     "file_rights": [{"file_name": "stdout", "rights": 534084},
                     {"file_name": "stderr", "rights": 534084}]}
  ],
  "file_hashes": [],
  "veracruz_server_url": "127.0.0.1:3011",
  "proxy_attestation_server_url": "127.0.0.1:$pas_port",
  "proxy_service_cert": "$(pem_json pas/ca-cert.pem)",
  "runtime_manager_hash_linux": "$measurement",
  "runtime_manager_hash_nitro": null,
  "enclave_cert_expiry": {"year": 2030, "month": 1, "day": 1, "hour": 0, "minute": 0},
  "ciphersuite": "TLS1_3_CHACHA20_POLY1305_SHA256",
  "execution_strategy": "JIT",
  "max_memory_mib": 256,
  "enable_clock": false,
  "debug": false,
  "max_execution_fuel": 1000000000
}
JSON

# start_host NAME [ENV=VALUE | --HOST-OPTION]...: port in $port, pid in
# $host_pid.  Leak checking is off as in trust_e2e_test.sh (LeakSanitizer
# cannot run under the seccomp filter).
start_host() {
    local name="$1" envs=() opts=()
    shift
    for a in "$@"; do
        if [[ "$a" == --* ]]; then opts+=("$a"); else envs+=("$a"); fi
    done
    env ${envs[@]+"${envs[@]}"} VEIL_LOG=info VEIL_AOT_CACHE_DIR="$cache" \
        ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" "$host_bin" run --policy "$policy" \
        --pas "http://127.0.0.1:$pas_port" --listen 127.0.0.1:0 --port-file "$name.port" \
        --runtime "$runtime" --device-name lab-1 --device-key dev.key ${opts[@]+"${opts[@]}"} \
        >"$name.log" 2>&1 &
    host_pid=$!
    pids+=("$host_pid")
    port="$(wait_port "$name.port" "$host_pid")"
}

client() {
    "$veil" client --policy "$policy" --cert owner.crt --key owner.key \
        --server "127.0.0.1:$port" --timeout 300000 "$@"
}

# run_app LOG: executes the program, checks its output
run_app() {
    client execute /program/app.wasm --stdout >stdout.txt 2>exec.txt ||
        { cat exec.txt; fail "executing the program failed"; }
    grep -q "exited with code 0" exec.txt || { cat exec.txt; fail "the program did not exit 0"; }
    grep -qx "jit_app: sum 386266260" stdout.txt || { cat stdout.txt; fail "wrong program output"; }
}

stop_host() { # stop_host NAME
    client shutdown
    wait_exit "$host_pid"
    [[ $status == 0 ]] || fail "$1: the host ended with status $status"
}

# expect_log LOG PATTERN WHAT: the host's log (which has the runtime's and
# the worker's lines) must match the extended regular expression.
expect_log() {
    grep -qE -- "$2" "$1" || fail "$3: no line matching '$2' in $1"
}
# count_log LOG PATTERN: how many lines match.
count_log() { grep -cE -- "$2" "$1" || true; }

policy=policy.json # the policy start_host and client use

# ---- 1. a cold cache: compiled by the worker --------------------------------
start_host cold
expect_log cold.log "compile worker: process [0-9]+, seccomp: allowlist" "the worker's filter"
expect_log cold.log "isolation: seccomp: allowlist of [0-9]+ system calls installed .*no socket, connect, fork or file writes" \
    "the runtime's strict filter"
client write /program/app.wasm "$app_wasm"
run_app
expect_log cold.log "aot-worker\] info: [0-9a-f]{64}: compiled /program/app.wasm" "the worker's compile"
# Its writes confined to the cache (or a warning on a kernel without Landlock).
expect_log cold.log "aot-worker\] (info: file writes confined to $cache, |warn: .*Landlock is not available)" \
    "the worker's Landlock confinement"
expect_log cold.log "aot\] info: /program/app.wasm: compiled [0-9a-f]{16} by the compile worker" \
    "the runtime's load of the compiled program"
ls "$cache"/*.so >/dev/null 2>&1 || fail "no object in the cache $cache"
echo "ok: cold cache: the worker compiled the program, which printed the right sum"

# ---- 2. the same program again: a hit, nothing compiled ----------------------
run_app
[[ "$(count_log cold.log "aot-worker\] info: [0-9a-f]{64}: compiled")" == 1 ]] ||
    fail "the worker compiled the program a second time"
expect_log cold.log "aot\] info: /program/app.wasm: cache hit [0-9a-f]{16} by the compile worker" \
    "the second run's cache hit"
echo "ok: second run: a cache hit, nothing compiled"
worker_pid="$(grep -oE "compile worker: process [0-9]+" cold.log | grep -oE "[0-9]+$")"
stop_host cold
# The worker ends with its runtime (gone, or a zombie waiting for its new parent).
for _ in $(seq 1 50); do
    state="$(awk '{print $3}' "/proc/$worker_pid/stat" 2>/dev/null || true)"
    [[ -z "$state" || "$state" == Z ]] && break
    sleep 0.1
done
[[ -z "$state" || "$state" == Z ]] || fail "the compile worker $worker_pid outlived its runtime"
echo "ok: the compile worker ended with its runtime"

# ---- 3. a new instance on the same cache -------------------------------------
start_host warm
client write /program/app.wasm "$app_wasm"
run_app
expect_log warm.log "aot-worker\] info: [0-9a-f]{64}: cache hit" "the new worker's cache hit"
expect_log warm.log "aot\] info: /program/app.wasm: cache hit" "the new runtime's cache hit"
! grep -qE "aot-worker\] info: [0-9a-f]{64}: compiled" warm.log || fail "warm: compiled again"
echo "ok: new instance: the object came from the cache without compiling"
stop_host warm

# ---- 4. no compiler: the fallback rule ---------------------------------------
start_host nocc VEIL_AOT_CC=/nonexistent/cc
client write /program/app.wasm "$app_wasm"
run_app
expect_log nocc.log "execution_strategy JIT unavailable \(.*'/nonexistent/cc' is not an executable file\); interpreting" \
    "the fallback warning naming the compiler"
echo "ok: worker without a compiler: a warning naming it, then the interpreter, same output"
stop_host nocc

start_host noworker --no-aot-worker
client write /program/app.wasm "$app_wasm"
run_app
expect_log noworker.log "compile worker: none" "the isolation report"
expect_log noworker.log "execution_strategy JIT unavailable \(.*\); interpreting" "the fallback warning"
echo "ok: runtime without a worker: $(grep -o "execution_strategy JIT unavailable.*" noworker.log | head -n 1)"
stop_host noworker

# ---- 5. an interpreting policy: no worker ------------------------------------
sed 's/"execution_strategy": "JIT"/"execution_strategy": "Interpretation"/' policy.json >interp.json
policy=interp.json
start_host interp
client write /program/app.wasm "$app_wasm"
run_app
expect_log interp.log "compile worker: none" "the isolation report"
! grep -qE "veil\[(aot|aot-worker)\]|JIT unavailable" interp.log || fail "interp: AOT lines in the log"
echo "ok: a policy without JIT: no compile worker, the program interpreted"
stop_host interp
echo "PASS: JIT in the sandboxed runtime through its compile worker"
