# Shared by the third-party build scripts (sourced, not run).
#
# A build lives in $VEIL_CACHE_DIR/<name>-<version>-<target>-<key>/ where key
# is a hash of everything that shapes the result: the build script, this file,
# extra inputs (config headers), the compiler's version and the flags.  A
# finished build contains .veil-complete; anything else is rebuilt from
# scratch.  An flock per build directory keeps concurrent configures (asan
# and release trees) from building the same thing twice.
set -euo pipefail
tp_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tp_cache="${VEIL_CACHE_DIR:-$HOME/.cache/veil}"

tp_log() { echo "third-party: $*" >&2; }
tp_die() {
    tp_log "error: $*"
    exit 1
}

# tp_key STRING FILE... : 12 hex digits over the string and the files' contents.
tp_key() {
    local s="$1"
    shift
    { printf '%s\n' "$s"; cat "$tp_here/common.sh" "$@"; } | sha256sum | cut -c1-12
}

# tp_jobs: parallel jobs for make (the machine is shared: at most nproc).
tp_jobs() { nproc 2>/dev/null || echo 2; }
