#!/usr/bin/env bash
# The demo itself, given a build directory: shows what Veil can do so far.
# Everything it makes lives in a temporary directory that is removed at the end.
set -euo pipefail
build="${1:?usage: demo-run.sh BUILD_DIR}"
veil="$(realpath "$build/src/veil/veil")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "== veil --help"
"$veil" --help

echo
echo "== certificates for the owner, the user proxy and the attestation service (openssl)"
for who in owner proxy pas; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -keyout "$who.key" -out "$who.pem" -subj "/CN=$who" 2>/dev/null
    echo "$who.pem: $(openssl x509 -in "$who.pem" -noout -subject)"
done
# The program the policy names: an empty WebAssembly module (magic and
# version) stands in for the detector; its SHA-256 goes into the policy.
printf '\0asm\1\0\0\0' > detector.wasm

echo
echo "== veil policy generate"
echo "(no runtime program yet: the veil binary's SHA-256 stands in for the runtime measurement)"
set -x
"$veil" policy generate \
    --certificate owner.pem --certificate proxy.pem \
    --capability '/user_input/:w,/output/:r,stdout:r,stderr:r,/program/:x' \
    --capability '/s3_app_input/:w' \
    --capability '/s3_app_input/:r,/user_input/:r,/output/:rw,stdout:w,stderr:w' \
    --program-binary /program/detector.wasm=detector.wasm \
    --server-url 127.0.0.1:3011 --pas-url 127.0.0.1:3010 --pas-cert pas.pem \
    --linux-runtime "$veil" --certificate-expiry "$(date -u -d '+30 days' '+%Y-%m-%dT%H:%MZ')" \
    --max-execution-time-ms 60000 --shutdown 0 --output policy.json
{ set +x; } 2>/dev/null

echo
echo "== veil policy check policy.json"
"$veil" policy check policy.json

echo
echo "== veil policy hash policy.json (must equal sha256sum)"
ours="$("$veil" policy hash policy.json)"
theirs="$(sha256sum policy.json | cut -d' ' -f1)"
echo "veil policy hash: $ours"
echo "sha256sum:        $theirs"
[[ "$ours" == "$theirs" ]] || { echo "demo: the hashes differ" >&2; exit 1; }

echo
echo "== veil policy explain policy.json"
"$veil" policy explain policy.json

echo
echo "== a policy with problems: every one is reported with its JSON path"
sed -e '0,/"debug": false/s//"debug": false, "colour": "red"/' \
    -e '0,/"rights": 24582/s//"rights": "r"/' \
    -e 's/"max_memory_mib": 256/"max_memory_mib": 0/' policy.json > broken.json
if "$veil" policy check broken.json; then
    echo "demo: broken.json was accepted" >&2
    exit 1
fi
echo
echo "demo: done"
