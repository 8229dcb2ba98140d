#!/usr/bin/env bash
# `veil clip` end to end: keygen, encrypt, info, key, decrypt (with the clip
# key and with the master key), each failure mode leaving no output file,
# the Ucam compatibility input, and an independent decryption of Veil's
# output with Node's crypto module.
#   clip_cli_test.sh VEIL TESTDATA_DIR NODE CLIP_VECTOR_MJS
set -uo pipefail
veil="$1" testdata="$2" node="$3" vector_mjs="$4"
[[ -f "$testdata/video/vtest_cbp_384x288_50f.h264" ]] || { echo "skipped: no test material"; exit 77; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAILED: $*"; }
# expect_fail TEXT OUTFILE CMD...: the command fails, says TEXT, leaves no OUTFILE
expect_fail() {
    local text="$1" out="$2"
    shift 2
    local msg
    if msg="$("$@" 2>&1)"; then bad "$* succeeded"; return; fi
    if [[ "$msg" != *"$text"* ]]; then bad "$*: expected '$text', got: $msg"; return; fi
    if [[ -n "$out" && -e "$out" ]] || compgen -G "$out.tmp-*" >/dev/null; then
        bad "$*: left output $out behind"; return
    fi
    ok "$* -> $text"
}
clip_src="$testdata/video/vtest_cbp_384x288_50f.h264"

"$veil" clip keygen -o master.key && [[ $(stat -c %a master.key) == 600 ]] && ok keygen || bad keygen
expect_fail "refusing to overwrite" "" "$veil" clip keygen -o master.key
[[ $("$veil" clip keygen | tr -d '\n' | wc -c) == 64 ]] && ok "keygen to stdout" || bad "keygen to stdout"

"$veil" clip encrypt --master-key master.key --clip-id door-1 --camera-id "front door" \
    --chunk-size 4096 --width 384 --height 288 --fps 10 "$clip_src" door-1.clip >enc.out &&
    grep -q "clip id: door-1" enc.out && ok encrypt || bad encrypt
"$veil" clip info door-1.clip >info.out && grep -q "384x288" info.out && grep -q "front door" info.out &&
    grep -q "verified:     no" info.out && ok info || bad info
"$veil" clip info --master-key master.key door-1.clip | grep -q "verified:     header and key" &&
    ok "info with key" || bad "info with key"
"$veil" clip key --master-key master.key --clip door-1.clip -o door-1.key && ok key || bad key
[[ "$("$veil" clip key --master-key master.key --clip-id door-1)" == "$(cat door-1.key)" ]] &&
    ok "key by clip id" || bad "key by clip id"
"$veil" clip decrypt --key door-1.key door-1.clip plain.h264 >/dev/null && cmp -s plain.h264 "$clip_src" &&
    ok "decrypt with clip key" || bad "decrypt with clip key"
rm -f plain.h264
"$veil" clip decrypt --master-key master.key door-1.clip plain.h264 >/dev/null && cmp -s plain.h264 "$clip_src" &&
    ok "decrypt with master key" || bad "decrypt with master key"
if [[ -n "$node" ]]; then
    "$node" "$vector_mjs" verify master.key door-1.clip "$clip_src" && ok "independent decryption (node)" ||
        bad "independent decryption (node)"
fi
cat "$clip_src" | "$veil" clip encrypt --master-key master.key --clip-id piped - piped.clip >/dev/null &&
    "$veil" clip decrypt --master-key master.key piped.clip piped.h264 >/dev/null && cmp -s piped.h264 "$clip_src" &&
    ok "encrypt from stdin" || bad "encrypt from stdin"

# Damage: every case fails with its own message and writes nothing.
"$veil" clip key --master-key master.key --clip-id door-2 -o door-2.key
expect_fail "wrong key for clip 'door-1'" out.h264 "$veil" clip decrypt --key door-2.key door-1.clip out.h264
size=$(stat -c %s door-1.clip)
head -c $((size - 100)) door-1.clip >cut.clip
expect_fail "failed authentication" out.h264 "$veil" clip decrypt --key door-1.key cut.clip out.h264
hlen=$(( $(grep -o 'header: *[0-9]*' info.out | grep -o '[0-9]*$') ))
head -c $((hlen + 3 * (4096 + 16))) door-1.clip >boundary.clip
expect_fail "is truncated" out.h264 "$veil" clip decrypt --key door-1.key boundary.clip out.h264
cp door-1.clip flipped.clip
printf '\x20' | dd of=flipped.clip bs=1 seek=$((hlen + 5000)) conv=notrunc 2>/dev/null
expect_fail "chunk 1 (offset" out.h264 "$veil" clip decrypt --key door-1.key flipped.clip out.h264
{ head -c $((hlen + 4112)) door-1.clip; tail -c +$((hlen + 2 * 4112 + 1)) door-1.clip; } >dropped.clip
expect_fail "is chunk 2: chunks 1..1 are missing" out.h264 "$veil" clip decrypt --key door-1.key dropped.clip out.h264
cp door-1.clip header.clip
printf 'X' | dd of=header.clip bs=1 seek=$((41 + 6 + 1)) conv=notrunc 2>/dev/null
expect_fail "header authentication failed" out.h264 "$veil" clip decrypt --key door-1.key header.clip out.h264
expect_fail "not a Veil clip" out.h264 "$veil" clip decrypt --key door-1.key "$clip_src" out.h264
expect_fail "exactly one of --key and --master-key" "" "$veil" clip decrypt door-1.clip out.h264
expect_fail "--master-key FILE is required" "" "$veil" clip encrypt "$clip_src" x.clip
expect_fail "a 32-byte key is 64 hex digits" out.h264 "$veil" clip decrypt --key info.out door-1.clip out.h264

# The Ucam / i-PoC format: only on request, with a warning.
u="$testdata/video/ucam-style-aes128ctr"
"$veil" clip decrypt --ucam-ctr --key "$u/key.bin" --iv "$u/iv.bin" "$u/vtest_cbp_384x288_50f.h264.aes128ctr" \
    ucam.h264 2>ucam.err && cmp -s ucam.h264 "$clip_src" && grep -q "not authenticated" ucam.err &&
    ok "ucam decrypt" || bad "ucam decrypt"
cat "$u/key.bin" "$u/iv.bin" >ucam-both.key
"$veil" clip decrypt --ucam-ctr --key ucam-both.key "$u/vtest_cbp_384x288_50f.h264.aes128ctr" ucam2.h264 2>/dev/null &&
    cmp -s ucam2.h264 "$clip_src" && ok "ucam key||iv file" || bad "ucam key||iv file"
expect_fail "not a Veil clip" out.h264 "$veil" clip decrypt --key door-1.key "$u/vtest_cbp_384x288_50f.h264.aes128ctr" out.h264

for sub in "" keygen encrypt key decrypt info; do
    "$veil" clip $sub --help | grep -q "usage: veil clip" && ok "clip $sub --help" || bad "clip $sub --help"
done

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
