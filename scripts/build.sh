#!/usr/bin/env bash
# Configures and builds one flavour of Veil.
#   scripts/build.sh [release|asan] [cmake args...]
# release -> build/release (optimised); asan -> build/asan (ASan+UBSan, tests)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
flavour="${1:-release}"
shift || true
case "$flavour" in
release) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
asan) args=(-DCMAKE_BUILD_TYPE=Debug -DVEIL_SANITIZE=ON) ;;
*) echo "build.sh: unknown flavour '$flavour' (release or asan)" >&2; exit 2 ;;
esac
dir="$root/build/$flavour"
export CC="${CC:-clang}"
cmake -S "$root" -B "$dir" -G Ninja "${args[@]}" "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)"
