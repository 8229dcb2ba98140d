#!/usr/bin/env bash
# The end-to-end demo, given a build directory (see docs/demo.md):
#
#   camera  encrypts an H.264 clip with the owner's master key (clip format v1)
#   PAS     the proxy attestation service: a CA that certifies runtimes whose
#           measurement it knows, from evidence signed by an enrolled device
#   host    starts the runtime in the local isolation backend; the runtime
#           proves what it is to the PAS and serves TLS with that certificate
#   loader  provisions the detector and its model (hashes fixed by the policy)
#   proxy   the S3 user proxy: may only write the encrypted clip
#   owner   checks the runtime and its policy, sends the one per-clip key,
#           runs the detector and reads back the detections
#
# Everything runs on 127.0.0.1 in a temporary directory removed at the end.
# The video is OpenCV's sample vtest.avi (Debian's opencv-doc), cut and
# re-encoded to H.264 with Debian's ffmpeg: the product never reads ../shared.
set -euo pipefail
build="$(realpath "${1:?usage: demo-run.sh BUILD_DIR}")"
veil="$build/src/veil/veil"
pas_bin="$build/src/veil-pas/veil-pas"
host_bin="$build/src/veil-host/veil-host"
runtime="$build/src/veil-runtime/veil-runtime"
detector="$build/apps/detector/detector.wasm"
program_data="$build/apps/detector/program_data"
video="${VEIL_DEMO_VIDEO:-/usr/share/doc/opencv-doc/examples/data/vtest.avi}"
frames="${VEIL_DEMO_FRAMES:-25}"
frame_step="${VEIL_DEMO_FRAME_STEP:-12}"

for f in "$veil" "$pas_bin" "$host_bin" "$runtime" "$detector" "$program_data/nanodet.bin" "$video"; do
    [[ -e "$f" ]] || {
        echo "demo: missing $f (run ./scripts/demo.sh, which installs and builds everything)" >&2
        exit 1
    }
done

source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/harness.sh"
harness_name=demo
harness_log_lines=20
harness_workdir veil-demo

step() { printf '\n== %s\n' "$*"; }
step "the camera's clip: $frames frames of $(basename "$video"), H.264 (ffmpeg)"
ffmpeg -loglevel error -i "$video" -frames:v "$frames" -vf scale=384:288 -c:v libx264 \
    -profile:v baseline -pix_fmt yuv420p -bsf:v h264_mp4toannexb -f h264 street.h264
ls -l street.h264

step "the owner's master key, and the camera encrypts the clip (veil clip)"
"$veil" clip keygen -o master.key
"$veil" clip encrypt --master-key master.key --clip-id street --camera-id porch \
    --width 384 --height 288 --fps 10 street.h264 street.clip
"$veil" clip info street.clip

step "identities: the S3 proxy, the owner, the loader (openssl)"
for who in proxy owner loader; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -keyout "$who.key" -out "$who.crt" -subj "/CN=$who" 2>/dev/null
    echo "$who.crt: $(openssl x509 -in "$who.crt" -noout -subject)"
done

step "the proxy attestation service knows one device and one runtime measurement"
"$host_bin" device-key --out device.key --public-out device.pub
measurement="$("$host_bin" measure --runtime "$runtime")"
echo "runtime measurement (SHA-256 of veil-runtime): $measurement"
"$pas_bin" enrol-device --state pas --name demo-device --public-key device.pub
"$pas_bin" serve --state pas --listen 127.0.0.1:0 --port-file pas.port \
    --reference "linux:$measurement" >pas.log 2>&1 &
pids+=($!)
pas_port="$(wait_port pas.port $!)"
echo "veil-pas listening on 127.0.0.1:$pas_port"

step "the global policy (veil policy generate): who may do what where"
# The instance's port: a free one now (the policy names it, clients use it).
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cp "$detector" detector.wasm
mkdir -p model
cp "$program_data"/{nanodet.json,nanodet.bin,coco.names} model/
# Analyse every ${frame_step}th frame.  The policy asks for JIT: the runtime's
# compile worker compiles the detector once (over 2 minutes of clang on a cold
# cache, ~/.cache/veil/aot), later runs load it from the cache.
printf '{"frame_step": %d, "annotate": "new-class"}\n' "$frame_step" >model/settings.json
"$veil" policy generate \
    --certificate proxy.crt --certificate owner.crt --certificate loader.crt \
    --capability '/s3_app_input/:w' \
    --capability '/user_input/:w,/program/:x,/output/:r,stdout:r,stderr:r' \
    --capability '/program/:w,/program_data/:w' \
    --capability '/program_data/:r,/s3_app_input/:r,/user_input/:r,/output/:rw,stdout:w,stderr:w' \
    --program-binary /program/detector.wasm=detector.wasm \
    --hash /program_data/nanodet.json=model/nanodet.json \
    --hash /program_data/nanodet.bin=model/nanodet.bin \
    --hash /program_data/coco.names=model/coco.names \
    --hash /program_data/settings.json=model/settings.json \
    --server-url "127.0.0.1:$port" --pas-url "127.0.0.1:$pas_port" --pas-cert pas/ca-cert.pem \
    --linux-hash "$measurement" --execution-strategy JIT --max-memory-mib 512 \
    --certificate-expiry "$(date -u -d '+1 day' '+%Y-%m-%dT%H:%MZ')" --shutdown 1 \
    --output policy.json
"$veil" policy check policy.json
"$veil" policy explain policy.json

step "the host starts the runtime (local isolation backend); it attests to the PAS"
VEIL_LOG=info "$host_bin" run --policy policy.json --pas "http://127.0.0.1:$pas_port" \
    --listen "127.0.0.1:$port" --port-file host.port --runtime "$runtime" \
    --device-name demo-device --device-key device.key >host.log 2>&1 &
host_pid=$!
pids+=("$host_pid")
wait_port host.port "$host_pid" >/dev/null
echo "instance serving on 127.0.0.1:$port"

client() { # client WHO OPERATION...: every connection verifies the runtime first
    local who="$1"
    shift
    "$veil" client --policy policy.json --cert "$who.crt" --key "$who.key" \
        --timeout 600000 "$@"
}

step "the owner checks the instance: certificate from the PAS, measurement, policy hash"
echo "runtime's policy hash: $(client owner policy-hash)"
echo "sha256sum policy.json: $(sha256sum policy.json | cut -d' ' -f1)"

step "the loader provisions the detector and its model (hashes checked by the runtime)"
client loader write /program/detector.wasm detector.wasm \
    write /program_data/nanodet.json model/nanodet.json \
    write /program_data/nanodet.bin model/nanodet.bin \
    write /program_data/coco.names model/coco.names \
    write /program_data/settings.json model/settings.json
echo "provisioned $(du -sh model | cut -f1) of model and a $(du -h detector.wasm | cut -f1) program"

step "the S3 proxy streams the encrypted clip in; it may do nothing else"
client proxy write /s3_app_input/street.clip street.clip
if client proxy read /output/detections.json - >/dev/null 2>refusal.txt; then
    fail "the proxy could read the output"
fi
echo "refused as it should be: $(head -n 1 refusal.txt)"

step "the owner sends only this clip's key, runs the detector, reads the detections"
"$veil" clip key --master-key master.key --clip street.clip -o street.key
client owner write /user_input/street.key street.key
start=$(date +%s)
client owner execute /program/detector.wasm --stdout --stderr
echo "(the detector ran for $(($(date +%s) - start)) s inside the runtime)"
# How it ran: compiled (through the compile worker) or, with no compiler,
# interpreted after a warning (docs/aot.md).
grep -E "veil\[(aot|aot-worker)\] info: |execution_strategy JIT unavailable" host.log |
    sed 's/^/  /' || true
client owner list /output >outputs.txt
cat outputs.txt
client owner read /output/detections.json detections.json
jpeg="$(grep -o 'street.clip-frame[0-9]*\.jpg' outputs.txt | head -n 1 || true)"
[[ -n "$jpeg" ]] && client owner read "/output/$jpeg" "$jpeg" && ls -l "$jpeg"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for clip in d["clips"]:
    found = ", ".join("%s (best %.2f)" % (k, v["max_score"]) for k, v in clip["summary"].items())
    print("%s: %d frames analysed, found: %s" % (clip["name"], clip["frames_analysed"], found or "nothing"))
' detections.json
grep -q '"person"' detections.json || fail "no person found in the street scene"

step "the owner shuts the instance down"
client owner shutdown
for _ in $(seq 1 600); do kill -0 "$host_pid" 2>/dev/null || break; sleep 0.1; done
status=0
wait "$host_pid" || status=$?
tail -n 2 host.log
[[ $status == 0 ]] || fail "the host ended with status $status"

echo
echo "demo: done"
