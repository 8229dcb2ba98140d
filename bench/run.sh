#!/usr/bin/env bash
# Builds the optimised tree and runs the engine's benchmark: each kernel
# natively and in the interpreter, with the ratio interp / native.
# Arguments go to veil_bench (--scale N, --repeat N, --only NAME).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh" release >/dev/null
exec "$root/build/release/bench/veil_bench" "$@"
