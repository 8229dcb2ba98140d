#!/usr/bin/env bash
# Runs the real `veil policy` binary: certificates made with the openssl CLI,
# generate -> check -> hash -> explain round trip, both merges, and the
# rejections `check` must report (every error, each with its JSON path).
#   policy_cli_test.sh VEIL_BINARY [TESTDATA_DIR]
set -euo pipefail
veil="$(realpath "$1")"
testdata="${2:-}"
command -v openssl >/dev/null || { echo "skipped: no openssl CLI"; exit 77; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect STATUS COMMAND...: runs the command, output in out.txt / err.txt.
expect() {
    local want="$1"; shift
    local got=0
    "$@" >out.txt 2>err.txt || got=$?
    [[ "$got" == "$want" ]] || { cat out.txt err.txt >&2; fail "'$*' exited $got, expected $want"; }
}
contains() { grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$1 lacks: $2"; }; }
mkcert() {
    openssl req -x509 -newkey "$2" ${3:+-pkeyopt "$3"} -nodes -keyout "$1.key" -out "$1.pem" \
        -days 30 -subj "/CN=$1" 2>/dev/null
}
# A PEM file as a JSON string body.
pem_json() { awk 'BEGIN { ORS = "\\n" } { print }' "$1" | sed 's/\\n$//'; }

mkcert owner ec ec_paramgen_curve:P-256
mkcert proxy ec ec_paramgen_curve:P-384
mkcert rsauser rsa rsa_keygen_bits:2048
mkcert pas ec ec_paramgen_curve:P-256
mkcert loader ec ec_paramgen_curve:P-256
printf '\0asm\1\0\0\0' > detector.wasm
printf 'person\ncar\n' > coco.names
head -c 4096 /dev/zero > runtime.bin
printf '%096d\n' 42 > pcr0.txt

# --help everywhere.
expect 0 "$veil" policy --help
contains out.txt "usage: veil policy COMMAND"
for cmd in check hash explain generate merge; do
    expect 0 "$veil" policy "$cmd" --help
    contains out.txt "usage: veil policy $cmd"
done
expect 2 "$veil" policy frobnicate
expect 2 "$veil" policy check

# generate -> check -> hash -> explain.
expect 0 "$veil" policy generate \
    -c owner.pem -c proxy.pem -c rsauser.pem \
    -p '/user_input/:w,/output/:r,stdout:r,stderr:r,/program/:x' \
    -p '/s3_app_input/:w' \
    -p 'output:rw' \
    -p '/s3_app_input/:r,/user_input/:r,/program_data/:r,/output/:rw,stdout:w,stderr:w' \
    -w /program/detector.wasm=detector.wasm --hash /program_data/coco.names=coco.names \
    -s 127.0.0.1:3011 -t 127.0.0.1:3010 --pas-cert pas.pem -l pcr0.txt -b runtime.bin \
    -x 'Fri, 01 Jan 2027 13:00:00 +0100' -e Interpretation -n -m 512 \
    --max-execution-time-ms 30000 --shutdown 0 -o policy.json
expect 0 "$veil" policy check policy.json
contains out.txt "policy.json: valid global policy: 3 identities, 1 program, 2 file hashes, Interpretation, 512 MiB, server 127.0.0.1:3011, runtime nitro+linux; sha256 $(sha256sum policy.json | cut -d' ' -f1)"
expect 0 "$veil" policy hash policy.json
[[ "$(cat out.txt)" == "$(sha256sum policy.json | cut -d' ' -f1)" ]] || fail "hash differs from sha256sum"
expect 0 "$veil" policy hash policy.json detector.wasm
diff out.txt <(sha256sum policy.json detector.wasm) || fail "multi-file hash differs from sha256sum"
contains policy.json "\"hash\": \"$(sha256sum detector.wasm | cut -d' ' -f1)\""
contains policy.json "\"runtime_manager_hash_linux\": \"$(sha256sum runtime.bin | cut -d' ' -f1)\""
contains policy.json '"file_name": "/output"'
expect 0 "$veil" policy explain policy.json
contains out.txt "identity 0  CN=owner (EC prime256v1"
contains out.txt "[may shut the instance down]"
contains out.txt "identity 1  CN=proxy (EC secp384r1"
contains out.txt "identity 2  CN=rsauser (RSA 2048"
contains out.txt "program /program/detector.wasm  (memory limit 512 MiB)"
contains out.txt "shutdown: identity 0"
contains out.txt "runtime certificate expires: 2027-01-01 12:00 UTC"
grep -Eq '^    /program +x +execute$' out.txt || { cat out.txt; fail "explain: owner's x on /program"; }
grep -Eq '^    /s3_app_input +w +write' out.txt || fail "explain: proxy's w on /s3_app_input"

# generate refuses bad input.
expect 2 "$veil" policy generate -c owner.pem -p '/a:r' -w detector.wasm -s h:1 -t h:2 -x 2027-01-01T00:00Z -b runtime.bin
contains err.txt "--pas-cert is required"
expect 2 "$veil" policy generate -c owner.pem -w detector.wasm -s h:1 -t h:2 --pas-cert pas.pem -x 2027-01-01T00:00Z -b runtime.bin
contains err.txt "0 --capability options for 1 certificates and 1 programs"
expect 2 "$veil" policy generate -c owner.pem -p '/a:r' -p '/b:q' -w detector.wasm -s h:1 -t h:2 --pas-cert pas.pem -x 2027-01-01T00:00Z -b runtime.bin
contains err.txt 'rights "q"'
expect 2 "$veil" policy generate -c owner.pem -p '/a:r' -p '/b:r' -w detector.wasm -s h:1 -t h:2 --pas-cert pas.pem -x 2023-02-30T00:00Z -b runtime.bin
contains err.txt "2023-02-30 is not a real date"
expect 1 "$veil" policy generate -c owner.pem -c owner.pem -p '/a:r' -p '/a:r' -p '/b:r' -w detector.wasm -s h:1 -t h:2 --pas-cert pas.pem -x 2027-01-01T00:00Z -b runtime.bin
contains err.txt '$.identities[1].certificate: the same certificate as $.identities[0]'

# check reports every problem, each with its JSON path.
sed -e '0,/"debug": false/s//"debug": false, "colour": "red"/' \
    -e '0,/"rights": 24582/s//"rights": "r"/' \
    -e 's/"max_memory_mib": 512/"max_memory_mib": 0/' \
    -e 's/"day": 1,/"day": 30, "month": 2,/' policy.json > broken.json
sed -i '0,/"month": 1,/s///' broken.json
expect 1 "$veil" policy check broken.json
contains err.txt "broken.json: 4 errors in global policy"
contains err.txt '$.colour: unknown key "colour"'
contains err.txt '.rights: expected an integer, got string'
contains err.txt '$.max_memory_mib: 0 is out of range'
contains err.txt '$.enclave_cert_expiry: 2027-02-30 is not a real date: February 2027 has 28 days'
sed '0,/"debug": false/s//"debug": false, "debug": true/' policy.json > dup.json
expect 1 "$veil" policy check dup.json
contains err.txt '$.debug: duplicate key'
sed 's/"rights": 534084/"rights": 1073741824/' policy.json > bit.json
expect 1 "$veil" policy check bit.json
contains err.txt 'has bits that are not WASI rights (bit 30'
sed 's/MII/MXX/' policy.json > pem.json
expect 1 "$veil" policy check pem.json
contains err.txt '$.identities[0].certificate: malformed PEM certificate'
sed 's/"hash": "\(.\)/"hash": "\1\1/' policy.json > hash.json
expect 1 "$veil" policy check hash.json
contains err.txt '$.file_hashes[0].hash: not a SHA-256: expected 64 hex digits, got 65 characters'
sed '/"ciphersuite"/d' policy.json > missing.json
expect 1 "$veil" policy check missing.json
contains err.txt '$: missing required key "ciphersuite"'
expect 1 "$veil" policy check no-such-file.json
contains err.txt "cannot open no-such-file.json"
expect 1 "$veil" policy check --kind function policy.json
contains err.txt "errors in function policy"

# function + user -> VaaS -> global, as CCFaaS and VaaS do.
cat > function.json <<JSON
{
    "function": "detector",
    "debug": false,
    "enable_clock": true,
    "execution_strategy": "JIT",
    "max_memory_mib": 1024,
    "max_execution_time_ms": 60000,
    "data_files": [
        {"data_file": "/program_data/coco.names", "pi_hash": "$(sha256sum coco.names | cut -d' ' -f1)"}
    ],
    "programs": [
        {
            "file_rights": [
                {"file_name": "/program_data/", "rights": 24582},
                {"file_name": "/s3_app_input/", "rights": 24582},
                {"file_name": "/output/", "rights": 550470},
                {"file_name": "stdout", "rights": 534084}
            ],
            "id": 0,
            "pi_hash": "$(sha256sum detector.wasm | cut -d' ' -f1)",
            "program_file_name": "/program/detector.wasm"
        }
    ],
    "file_rights": [
        {"file_name": "/program/", "rights": 534084},
        {"file_name": "/program_data/", "rights": 534084}
    ]
}
JSON
cat > user.json <<JSON
{
    "function": "detector",
    "instanceid": "camera-7",
    "identities": [
        {"certificate": "$(pem_json proxy.pem)",
         "file_rights": [{"file_name": "/s3_app_input/", "rights": 534084}]},
        {"certificate": "$(pem_json owner.pem)", "may_shutdown": true,
         "file_rights": [{"file_name": "/output/", "rights": 24582},
                         {"file_name": "/program/", "rights": 536879104}]}
    ]
}
JSON
expect 0 "$veil" policy check function.json user.json
contains out.txt 'function.json: valid function policy "detector": 1 program, 1 data file'
contains out.txt 'user.json: valid user policy for function "detector", instance "camera-7": 2 identities'
expect 0 "$veil" policy merge --function function.json --user user.json --loader-cert loader.pem -o vaas.json
expect 0 "$veil" policy check vaas.json
contains out.txt "vaas.json: valid vaas policy: 3 identities, 1 program, 2 file hashes, JIT, 1024 MiB"
expect 0 "$veil" policy merge --vaas vaas.json --server-url veil-instance:3011 --pas-url veil-pas:3010 \
    --pas-cert pas.pem --pcr-file pcr0.txt --expiry-days 30 -o global.json
expect 0 "$veil" policy check --kind global global.json
contains out.txt "global.json: valid global policy: 3 identities, 1 program, 2 file hashes"
expect 0 "$veil" policy explain global.json
contains out.txt "identity 2  CN=loader"
contains out.txt "shutdown: identity 1"
contains out.txt "time limit 60000 ms"
expect 2 "$veil" policy merge --function function.json
expect 1 "$veil" policy merge --function function.json --user user.json --loader-cert owner.pem
contains err.txt '$.identities[2].certificate: the same certificate as $.identities[1]'
expect 1 "$veil" policy merge --vaas vaas.json --server-url bad --pas-url veil-pas:3010 --pas-cert pas.pem --pcr-file pcr0.txt
contains err.txt '$.veracruz_server_url: "bad": expected host:port'

# The i-PoC's function policies, when the external test material is there.
if [[ -n "$testdata" && -d "$testdata/policies" ]]; then
    for f in "$testdata"/policies/*.json; do
        expect 0 "$veil" policy check --kind function "$f"
        contains out.txt "valid function policy"
        expect 0 "$veil" policy hash "$f"
        [[ "$(cat out.txt)" == "$(sha256sum "$f" | cut -d' ' -f1)" ]] || fail "hash of $f"
    done
fi
echo "policy CLI: all checks passed"
