# Shell helpers shared by the scripts that start Veil's services on
# 127.0.0.1 (scripts/demo-run.sh, the trust integration tests, the trust
# benchmark).  Source it, then call harness_workdir once.
#
#   harness_workdir PREFIX   make a temporary directory /tmp/PREFIX.XXXXXX,
#                            cd into it, and on exit kill and reap every PID
#                            in the array `pids` and remove the directory
#   fail MESSAGE...          print MESSAGE and the tail of every *.log of the
#                            work directory to stderr, exit 1
#                            ($harness_name prefixes the message, default
#                            "FAIL"; $harness_log_lines lines, default 40)
#   wait_port FILE PID       print the port a service wrote to FILE, waiting
#                            at most 60 s; fails when PID ends first
#   wait_exit PID            wait at most 60 s for PID to end; its exit
#                            status in $status
#   pem_json FILE            FILE's text as the inside of a JSON string

harness_workdir() {
    work="$(mktemp -d "/tmp/$1.XXXXXX")"
    pids=()
    trap harness_cleanup EXIT
    cd "$work"
}

harness_cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}

fail() {
    echo "${harness_name:-FAIL}: $*" >&2
    for log in *.log; do
        [[ -e "$log" ]] && { echo "--- $log" >&2; tail -n "${harness_log_lines:-40}" "$log" >&2; }
    done
    exit 1
}

wait_port() {
    for _ in $(seq 1 600); do
        [[ -s "$1" ]] && { cat "$1"; return 0; }
        kill -0 "$2" 2>/dev/null || fail "process $2 ended before writing $1"
        sleep 0.1
    done
    fail "no $1 after 60 s"
}

wait_exit() {
    for _ in $(seq 1 600); do
        if ! kill -0 "$1" 2>/dev/null; then
            status=0
            wait "$1" || status=$?
            return 0
        fi
        sleep 0.1
    done
    fail "process $1 still running after 60 s"
}

pem_json() { awk '{printf "%s\\n", $0}' "$1"; }
