#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds Veil with
# AddressSanitizer and UndefinedBehaviorSanitizer, and runs every test with
# CTest.  Extra arguments go to ctest (e.g. -R policy, -L unit).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh" asan
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
cd "$root/build/asan"
ctest --output-on-failure -j "$(nproc)" "$@"
