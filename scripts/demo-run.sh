#!/usr/bin/env bash
# The demo itself, given a build directory: shows what Veil can do so far.
set -euo pipefail
build="${1:?usage: demo-run.sh BUILD_DIR}"
veil="$build/src/veil/veil"
echo "== veil --help"
"$veil" --help
