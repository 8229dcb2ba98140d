#!/usr/bin/env bash
# Throughput of streaming a file into a runtime instance and back out over
# loopback (PAS + host + runtime + `veil client`), next to OpenSSL's own
# s_server/s_client moving the same bytes with the same TLS 1.3
# ciphersuite on the same machine: the ceiling for one TLS connection.
#
# usage: bench/trust_throughput.sh [BUILD_DIR] [MIB]
#   BUILD_DIR  a build tree (default build/release: ./scripts/build.sh release)
#   MIB        file size in MiB (default 256)
# Prints MB/s (10^6 bytes per second, as the proof of concept's 65 MB/s in,
# 50 MB/s out).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build/release}" && pwd)"
mib="${2:-256}"
veil="$build/src/veil/veil"
pas_bin="$build/src/veil-pas/veil-pas"
host_bin="$build/src/veil-host/veil-host"
runtime="$build/src/veil-runtime/veil-runtime"
for f in "$veil" "$pas_bin" "$host_bin" "$runtime"; do
    [[ -x "$f" ]] || { echo "missing $f (build first: ./scripts/build.sh release)"; exit 1; }
done
suite_openssl=TLS_CHACHA20_POLY1305_SHA256

source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../scripts/lib/harness.sh"
harness_log_lines=40
harness_workdir veil-bench

# Waits (at most 30 s) until something listens on 127.0.0.1:$1, without
# connecting (s_server -naccept 1 serves one connection only).
wait_listen() {
    local hex
    hex="$(printf '%04X' "$1")"
    for _ in $(seq 1 300); do
        awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" { found = 1 } END { exit !found }' \
            /proc/net/tcp && return 0
        sleep 0.1
    done
    echo "nothing listens on port $1"
    exit 1
}
now() { date +%s.%N; }
rate() { awk -v b="$1" -v s="$2" -v e="$3" 'BEGIN { printf "%.1f MB/s (%.2f s)", b / (e - s) / 1e6, e - s }'; }

bytes=$((mib * 1024 * 1024))
head -c "$bytes" /dev/urandom >blob
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout id.key \
    -out id.crt -subj /CN=bench -days 1 2>/dev/null
"$host_bin" device-key --out dev.key --public-out dev.pub >/dev/null
measurement="$("$host_bin" measure --runtime "$runtime")"
"$pas_bin" enrol-device --state pas --name bench --public-key dev.pub >/dev/null
"$pas_bin" serve --state pas --listen 127.0.0.1:0 --port-file pas.port \
    --reference "linux:$measurement" >pas.log 2>&1 &
pids+=($!)
pas_port="$(wait_port pas.port $!)"
cat >policy.json <<JSON
{
  "identities": [{"certificate": "$(pem_json id.crt)", "id": 0, "may_shutdown": true,
                  "file_rights": [{"file_name": "/bench/", "rights": 550470}]}],
  "programs": [{"program_file_name": "/program/none.wasm", "id": 0, "file_rights": []}],
  "veracruz_server_url": "127.0.0.1:3011",
  "proxy_attestation_server_url": "127.0.0.1:$pas_port",
  "proxy_service_cert": "$(pem_json pas/ca-cert.pem)",
  "runtime_manager_hash_linux": "$measurement",
  "enclave_cert_expiry": {"year": 2030, "month": 1, "day": 1, "hour": 0, "minute": 0},
  "ciphersuite": "TLS1_3_CHACHA20_POLY1305_SHA256",
  "execution_strategy": "Interpretation",
  "max_memory_mib": 1024,
  "enable_clock": false,
  "debug": false
}
JSON
"$host_bin" run --policy policy.json --pas "http://127.0.0.1:$pas_port" --listen 127.0.0.1:0 \
    --port-file host.port --runtime "$runtime" --device-name bench --device-key dev.key \
    --runtime-arg --fs-max-mib --runtime-arg $((mib * 2 + 64)) >host.log 2>&1 &
host_pid=$!
pids+=("$host_pid")
port="$(wait_port host.port "$host_pid")"
client() {
    "$veil" client --policy policy.json --cert id.crt --key id.key --server "127.0.0.1:$port" "$@"
}

echo "file: $mib MiB; machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r)"
# Three rounds each way (the machine may be shared): every round is shown.
for round in 1 2 3; do
    s=$(now); client write /bench/blob blob 2>/dev/null; e=$(now)
    echo "veil   in  (client -> runtime) round $round: $(rate "$bytes" "$s" "$e")"
done
for round in 1 2 3; do
    s=$(now); client read /bench/blob back 2>/dev/null; e=$(now)
    echo "veil   out (runtime -> client) round $round: $(rate "$bytes" "$s" "$e")"
    cmp blob back || { echo "read back differs"; exit 1; }
done
client shutdown 2>/dev/null

# The ceiling: OpenSSL alone, same suite, same loopback.  s_server ends a
# connection when its stdin ends, so the receiving server reads a FIFO
# that a sleep holds open (both are ended by the cleanup); the sending side
# serves the file with -WWW.
oport=$((20000 + RANDOM % 20000))
mkfifo hold
sleep 600 >hold 2>/dev/null &
pids+=($!)
openssl s_server -accept "127.0.0.1:$oport" -cert id.crt -key id.key -tls1_3 \
    -ciphersuites "$suite_openssl" -quiet -naccept 1 <hold >received 2>/dev/null &
pids+=($!)
wait_listen "$oport"
s=$(now)
openssl s_client -connect "127.0.0.1:$oport" -tls1_3 -ciphersuites "$suite_openssl" -quiet -nocommands \
    -no_ign_eof <blob >/dev/null 2>&1
for _ in $(seq 1 600); do [[ $(stat -c %s received) -ge $bytes ]] && break; sleep 0.01; done
e=$(now)
echo "openssl in  (s_client -> s_server): $(rate "$bytes" "$s" "$e")"
mkdir www
mv blob www/blob
oport=$((oport + 1))
(cd www && openssl s_server -accept "127.0.0.1:$oport" -cert ../id.crt -key ../id.key -tls1_3 \
    -ciphersuites "$suite_openssl" -WWW -naccept 1 >/dev/null 2>&1) &
pids+=($!)
wait_listen "$oport"
s=$(now)
printf 'GET /blob HTTP/1.0\r\n\r\n' | openssl s_client -connect "127.0.0.1:$oport" -tls1_3 \
    -ciphersuites "$suite_openssl" -quiet -ign_eof 2>/dev/null | wc -c >/dev/null
e=$(now)
echo "openssl out (s_server -> s_client): $(rate "$bytes" "$s" "$e")"
# Raw AEAD speed of one core for the policy's suite: what any TLS stream
# on this machine is bounded by.
speed="$(openssl speed -seconds 2 -bytes 16384 -evp chacha20-poly1305 2>/dev/null |
    awk '/^ChaCha20-Poly1305/ { v = $NF } END { sub(/k$/, "", v); printf "%.1f", v * 1000 / 1e6 }')"
echo "openssl speed chacha20-poly1305 (16 KiB records, one core): $speed MB/s"
echo "proof of concept (paper): 65 MB/s in, 50 MB/s out"
