#!/usr/bin/env bash
# End-to-end test of the trust path on 127.0.0.1: a PAS, a host running the
# runtime in the local isolation backend, and clients with different rights,
# as in the i-PoC:
#   identity 0 (the S3 proxy)  may only write /s3_app_input/
#   identity 1 (the owner)     writes /user_input/, executes /program/, reads
#                              /output/ and the programs' stdout/stderr, may
#                              shut the instance down
#   identity 2 (the loader)    writes /program/
# The program (compiled from C to wasm32-wasi) reads both inputs and writes
# /output/result.bin, which the owner reads back byte for byte.  Then every
# refusal the trust path promises, each checked by its message.
#
# usage: trust_e2e_test.sh VEIL VEIL_PAS VEIL_HOST VEIL_RUNTIME APP_WASM SPIN_WASM
# Ports are chosen by the kernel (port 0, reported through port files);
# every wait is bounded.
set -euo pipefail
veil="$1" pas_bin="$2" host_bin="$3" runtime="$4" app_wasm="$5" spin_wasm="$6"
for f in "$veil" "$pas_bin" "$host_bin" "$runtime" "$app_wasm" "$spin_wasm"; do
    [[ -e "$f" ]] || { echo "missing $f"; exit 1; }
done

source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../../../scripts/lib/harness.sh"
harness_log_lines=30
harness_workdir veil-e2e
checks=0

# expect_fail TEXT COMMAND...: the command must fail and say TEXT.
expect_fail() {
    local text="$1"
    shift
    if "$@" >out.txt 2>err.txt; then
        cat err.txt
        fail "expected a refusal containing '$text': $*"
    fi
    grep -qF -- "$text" err.txt || { cat err.txt; fail "'$text' not in the message"; }
    checks=$((checks + 1))
    echo "ok: $(grep -F -- "$text" err.txt | head -n 1)"
}

# ---- veil client's command line (no instance needed) ----------------------
"$veil" client --help | grep -q "usage: veil client" || fail "veil client --help"
usage_fail() { # usage_fail TEXT ARGS...: exit code 2 (usage) and TEXT on stderr
    local text="$1" rc=0
    shift
    "$veil" client "$@" >out.txt 2>err.txt || rc=$?
    [[ $rc == 2 ]] || { cat err.txt; fail "veil client $*: exit $rc, expected 2"; }
    grep -qF -- "$text" err.txt || { cat err.txt; fail "'$text' not in the message"; }
    checks=$((checks + 1))
    echo "ok: $(head -n 1 err.txt)"
}
usage_fail "--policy, --cert and --key are required" policy-hash
usage_fail "unknown option '--bogus'" --bogus
usage_fail "'frob' is not an operation" --policy p --cert c --key k frob
usage_fail "write needs REMOTE and LOCAL" --policy p --cert c --key k write /x
usage_fail "unknown execute option '--all'" --policy p --cert c --key k execute /x --all

# ---- identities, device, PAS --------------------------------------------
for who in proxy owner loader stranger; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$who.key" \
        -out "$who.crt" -subj "/CN=$who" -days 2 2>/dev/null
done
"$host_bin" device-key --out dev.key --public-out dev.pub >/dev/null
"$host_bin" device-key --out rogue.key --public-out rogue.pub >/dev/null
measurement="$("$host_bin" measure --runtime "$runtime")"
app_hash="$(sha256sum "$app_wasm" | cut -d' ' -f1)"
spin_hash="$(sha256sum "$spin_wasm" | cut -d' ' -f1)"

start_pas() { # start_pas NAME [extra options]: PAS state in NAME/, port in $pas_port
    local name="$1"
    shift
    "$pas_bin" enrol-device --state "$name" --name lab-1 --public-key dev.pub >/dev/null
    "$pas_bin" serve --state "$name" --listen 127.0.0.1:0 --port-file "$name.port" "$@" \
        >"$name.log" 2>&1 &
    pids+=($!)
    pas_port="$(wait_port "$name.port" $!)"
}
start_pas pas --reference "linux:$measurement"
pas1_port="$pas_port"
start_pas pas2 --reference "linux:$measurement"
pas2_port="$pas_port"
start_pas pas3 --reference "linux:0000000000000000000000000000000000000000000000000000000000000000"
pas3_port="$pas_port"

# make_policy FILE PAS_CERT RUNTIME_HASH EXPIRY_YEAR
make_policy() {
    cat >"$1" <<EOF
{
  "identities": [
    {"certificate": "$(pem_json proxy.crt)", "id": 0,
     "file_rights": [{"file_name": "/s3_app_input/", "rights": 534084}]},
    {"certificate": "$(pem_json owner.crt)", "id": 1, "may_shutdown": true,
     "file_rights": [{"file_name": "/user_input/", "rights": 534084},
                     {"file_name": "/program/", "rights": 536879104},
                     {"file_name": "/output/", "rights": 24582},
                     {"file_name": "stdout", "rights": 24582},
                     {"file_name": "stderr", "rights": 24582}]},
    {"certificate": "$(pem_json loader.crt)", "id": 2,
     "file_rights": [{"file_name": "/program/", "rights": 534084}]}
  ],
  "programs": [
    {"program_file_name": "/program/app.wasm", "id": 0,
     "file_rights": [{"file_name": "/s3_app_input/", "rights": 24582},
                     {"file_name": "/user_input/", "rights": 24582},
                     {"file_name": "/output/", "rights": 550470},
                     {"file_name": "stdout", "rights": 534084},
                     {"file_name": "stderr", "rights": 534084}]},
    {"program_file_name": "/program/spin.wasm", "id": 1,
     "file_rights": [{"file_name": "stdout", "rights": 534084}]}
  ],
  "file_hashes": [{"file_path": "/program/app.wasm", "hash": "$app_hash"},
                  {"file_path": "/program/spin.wasm", "hash": "$spin_hash"}],
  "veracruz_server_url": "127.0.0.1:3011",
  "proxy_attestation_server_url": "127.0.0.1:$pas1_port",
  "proxy_service_cert": "$(pem_json "$2")",
  "runtime_manager_hash_linux": "$3",
  "runtime_manager_hash_nitro": null,
  "enclave_cert_expiry": {"year": $4, "month": 1, "day": 1, "hour": 0, "minute": 0},
  "ciphersuite": "TLS1_3_CHACHA20_POLY1305_SHA256",
  "execution_strategy": "Interpretation",
  "max_memory_mib": 512,
  "enable_clock": false,
  "debug": false,
  "max_execution_fuel": 200000000
}
EOF
}
make_policy policy.json pas/ca-cert.pem "$measurement" 2030

# start_host NAME POLICY PAS_PORT [DEVICE_KEY]: port in $host_port, pid in $host_pid.
# LeakSanitizer cannot run under the runtime's seccomp filter, so leak
# checking is off for the host and the runtime (unit tests cover the
# runtime in-process with it on).
start_host() {
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" "$host_bin" run --policy "$2" \
        --pas "http://127.0.0.1:$3" --listen 127.0.0.1:0 --port-file "$1.port" \
        --runtime "$runtime" --device-name lab-1 --device-key "${4:-dev.key}" >"$1.log" 2>&1 &
    host_pid=$!
    pids+=("$host_pid")
}

start_host host policy.json "$pas1_port"
port="$(wait_port host.port "$host_pid")"
main_host_pid="$host_pid"

client() { # client IDENTITY [--policy FILE] OPERATION...
    local who="$1"
    shift
    local policy=policy.json
    if [[ "${1:-}" == "--policy" ]]; then
        policy="$2"
        shift 2
    fi
    "$veil" client --policy "$policy" --cert "$who.crt" --key "$who.key" \
        --server "127.0.0.1:$port" --timeout 120000 "$@"
}

# ---- the i-PoC flow ------------------------------------------------------
head -c 3000000 /dev/urandom >clip.bin
head -c 32 /dev/urandom >key.bin
client loader write /program/app.wasm "$app_wasm" write /program/spin.wasm "$spin_wasm"
client proxy write /s3_app_input/clip.bin clip.bin
cat key.bin | client owner write /user_input/key.bin -
client owner execute /program/app.wasm --stdout >stdout.txt 2>exec.txt
grep -q "exited with code 0" exec.txt || { cat exec.txt; fail "the program did not exit 0"; }
grep -q "processed 3000000 bytes with a 32-byte key" stdout.txt || fail "no program output"
client owner read /output/result.bin result.bin read stdout stdout2.txt
perl -e 'local $/; open(C, "<", $ARGV[0]) or die; binmode C; my $c = <C>;
         open(K, "<", $ARGV[1]) or die; binmode K; my $k = <K>;
         my $r = ""; for my $i (0 .. length($c) - 1) {
             $r .= chr(ord(substr($c, $i, 1)) ^ ord(substr($k, $i % length($k), 1))) }
         binmode STDOUT; print $r' clip.bin key.bin >expected.bin
cmp result.bin expected.bin || fail "the result differs from the expected bytes"
cmp stdout.txt stdout2.txt || fail "stdout read back differs"
echo "ok: the owner read back /output/result.bin byte-identical (3000000 bytes)"
hash="$(client owner policy-hash)"
[[ "$hash" == "$(sha256sum policy.json | cut -d' ' -f1)" ]] || fail "policy hash $hash"

# ---- refusals --------------------------------------------------------------
# unknown client certificate
expect_fail "the runtime refused this client's certificate" client stranger policy-hash
grep -q "is not an identity of the policy" host.log || fail "the runtime did not log the refusal"
# principals without the right
expect_fail "principal 'identity 0': write '/user_input/key.bin'" \
    client proxy write /user_input/key.bin key.bin
expect_fail "principal 'identity 0'" client proxy read /output/result.bin -
expect_fail "principal 'identity 0'" client proxy execute /program/app.wasm
expect_fail "principal 'identity 2'" client loader read /output/result.bin -
expect_fail "principal 'identity 1': write '/output/x'" \
    client owner write /output/x key.bin
# a program whose hash differs from file_hashes (the old one stays)
cp "$app_wasm" tampered.wasm
printf 'x' >>tampered.wasm
expect_fail "principal 'identity 2': write '/program/app.wasm': content has SHA-256" \
    client loader write /program/app.wasm tampered.wasm
# a client given a policy that differs by one byte
sed 's/"max_memory_mib": 512/"max_memory_mib": 513/' policy.json >policy-1byte.json
[[ "$(cmp -l policy.json policy-1byte.json | wc -l)" == 1 ]] || fail "policy variant differs by more"
expect_fail "check 5 (policy) failed: the runtime's policy hash" \
    client owner --policy policy-1byte.json policy-hash
# a runaway program is stopped; the instance keeps serving
expect_fail "program /program/spin.wasm was stopped: it used up its fuel" \
    client owner execute /program/spin.wasm
client owner read /output/result.bin again.bin
cmp again.bin expected.bin || fail "the instance did not keep serving after the runaway program"
echo "ok: the instance kept serving after the runaway program"
checks=$((checks + 1))
# a request that makes no sense: status 1 (not 2, which is the command line)
rc=0
client owner write stdout key.bin >out.txt 2>err.txt || rc=$?
grep -qF "write: invalid: stdout is the output of a program run" err.txt ||
    { cat err.txt; fail "writing stdout"; }
[[ $rc == 1 ]] || fail "writing stdout: exit $rc, expected 1"
echo "ok: $(head -n 1 err.txt) (exit 1)"
checks=$((checks + 1))
# shutdown by a principal without the right
expect_fail "identity 0 may not shut the instance down" client proxy shutdown

# ---- instances that clients must refuse ------------------------------------
# a runtime certified by another PAS than the policy's proxy_service_cert
start_host other-ca policy.json "$pas2_port"
port="$(wait_port other-ca.port "$host_pid")"
expect_fail "check 1 (chain) failed" client owner policy-hash
# the host stops its runtime on a signal and says how it ended
kill -TERM "$host_pid"
wait_exit "$host_pid"
[[ $status == 0 ]] || fail "the host ended with status $status after SIGTERM"
grep -q "stopped; the runtime exited with status 0" other-ca.log || fail "other-ca.log"
echo "ok: on SIGTERM the host stopped the runtime, which exited with status 0"
# a runtime whose measurement is not the policy's runtime_manager_hash_linux
make_policy wrong-hash.json pas/ca-cert.pem \
    "1111111111111111111111111111111111111111111111111111111111111111" 2030
start_host wrong-hash wrong-hash.json "$pas1_port"
port="$(wait_port wrong-hash.port "$host_pid")"
expect_fail "check 3 (measurement) failed: the runtime's measurement $measurement differs" \
    client owner --policy wrong-hash.json policy-hash
kill "$host_pid"

# ---- the PAS refuses -------------------------------------------------------
# evidence signed by a key other than the enrolled device's
start_host rogue policy.json "$pas1_port" rogue.key
wait_exit "$host_pid"
[[ $status != 0 ]] || fail "the host with a rogue device key succeeded"
grep -q "does not verify with the key enrolled for device 'lab-1'" rogue.log || fail "rogue.log"
echo "ok: $(grep -o "software evidence signature does not verify[^\"]*" rogue.log | head -n 1)"
checks=$((checks + 1))
# a measurement that is not in the PAS's reference values
start_host unknown policy.json "$pas3_port"
wait_exit "$host_pid"
[[ $status != 0 ]] || fail "the host with an unknown measurement succeeded"
grep -q "measurement $measurement (platform linux, signed by device 'lab-1') is not in the reference values" \
    unknown.log || fail "unknown.log"
echo "ok: the PAS refused an unknown measurement"
checks=$((checks + 1))
# a policy whose enclave_cert_expiry has passed
make_policy expired.json pas/ca-cert.pem "$measurement" 2020
start_host expired expired.json "$pas1_port"
wait_exit "$host_pid"
[[ $status != 0 ]] || fail "the host with an expired policy succeeded"
grep -q "which has passed (the policy's enclave_cert_expiry)" expired.log || fail "expired.log"
echo "ok: the PAS refused a certificate past the policy's expiry"
checks=$((checks + 1))

# ---- shutdown by the owner ---------------------------------------------------
port="$(cat host.port)"
client owner shutdown
wait_exit "$main_host_pid"
[[ $status == 0 ]] || fail "the host ended with status $status"
grep -q "identity 1 shut the instance down; the runtime exited with status 0" host.log ||
    fail "the host did not report the shutdown"
echo "ok: identity 1 shut the instance down; the runtime exited with status 0"
echo "PASS: end-to-end flow and $checks refusals"
