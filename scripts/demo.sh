#!/usr/bin/env bash
# Installs what is missing, builds Veil (optimised) and runs the demo.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh" release
exec "$root/scripts/demo-run.sh" "$root/build/release"
