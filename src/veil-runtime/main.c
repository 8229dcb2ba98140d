/* veil-runtime: the trusted runtime, started by veil-host inside an
 * isolation backend with one descriptor, the host channel.  A thin edge
 * over lib/trusted/runtime (veil/runtime.h). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "veil/log.h"
#include "veil/runtime.h"
#include "veil/str.h"
#include "veil/wasm.h"

#define PROG "veil-runtime"

static void usage(FILE *out) {
    fprintf(out, "usage: veil-runtime --channel-fd FD [--aot-worker-fd FD] [--max-sessions N]\n"
                 "                    [--fs-max-mib MIB] [--verbose]\n"
                 "       veil-runtime --aot-worker-serve FD\n\n"
                 "The Veil runtime.  It is started by veil-host, which passes the host channel\n"
                 "as descriptor FD; it receives the global policy over it, is attested through\n"
                 "the host, and serves TLS 1.3 client connections the host hands it.\n"
                 "With --aot-worker-fd, the JIT (AOT) strategy compiles through the compile\n"
                 "worker connected at that descriptor; without it, it has no compiler (a JIT\n"
                 "policy falls back to the interpreter).\n"
                 "--aot-worker-serve makes this process that worker (docs/aot.md).\n");
}

int main(int argc, char **argv) {
    veil_log_init_from_env();
    /* A client vanishing mid-write must not kill the runtime. */
    signal(SIGPIPE, SIG_IGN);
    static const struct option longopts[] = {
        {"channel-fd", required_argument, NULL, 'c'},
        {"aot-worker-fd", required_argument, NULL, 'w'},
        {"aot-worker-serve", required_argument, NULL, 'W'},
        {"max-sessions", required_argument, NULL, 's'},
        {"fs-max-mib", required_argument, NULL, 'm'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t fd = UINT64_MAX, worker_fd = UINT64_MAX, serve_fd = UINT64_MAX, sessions = 0,
             fs_mib = 0;
    veil_error *err = NULL;
    int c;
    while (err == NULL && (c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            err = veil_parse_u64(optarg, 1 << 20, "--channel-fd", &fd);
            break;
        case 'w':
            err = veil_parse_u64(optarg, 1 << 20, "--aot-worker-fd", &worker_fd);
            break;
        case 'W':
            err = veil_parse_u64(optarg, 1 << 20, "--aot-worker-serve", &serve_fd);
            break;
        case 's':
            err = veil_parse_u64(optarg, 4096, "--max-sessions", &sessions);
            break;
        case 'm':
            err = veil_parse_u64(optarg, UINT64_C(1) << 24, "--fs-max-mib", &fs_mib);
            break;
        case 'v':
            veil_log_set_level(VEIL_LOG_DEBUG);
            break;
        case 'h':
            usage(stdout);
            return VEIL_EXIT_OK;
        default:
            return veil_cli_usage_error(PROG, "unknown option");
        }
    }
    if (err != NULL)
        return veil_cli_report(PROG, err);
    if (serve_fd != UINT64_MAX) {
        if (fd != UINT64_MAX || worker_fd != UINT64_MAX || optind < argc)
            return veil_cli_usage_error(PROG, "--aot-worker-serve takes no other options");
        /* Writes only where compiling needs them; without Landlock the
         * seccomp filter still keeps the worker off the network. */
        char what[512];
        err = veil_wasm_aot_worker_confine(what, sizeof what);
        if (err == NULL)
            VEIL_INFO("aot-worker", "%s", what);
        else if (veil_error_code(err) == VEIL_EUNSUPPORTED)
            VEIL_WARN("aot-worker", "%s", veil_error_message(err));
        else
            return veil_cli_report("veil-runtime (AOT compile worker)", err);
        veil_error_free(err);
        return veil_cli_report("veil-runtime (AOT compile worker)",
                               veil_wasm_aot_worker_serve((int)serve_fd));
    }
    if (fd == UINT64_MAX || optind < argc)
        return veil_cli_usage_error(PROG,
                                    "--channel-fd is required (veil-host starts the runtime)");
    /* The runtime runs in a sandbox that may not start processes or write
     * files: the JIT (AOT) strategy compiles through the worker, or not at
     * all (docs/aot.md, "In the runtime"). */
    err = worker_fd != UINT64_MAX
              ? veil_wasm_aot_use_worker((int)worker_fd)
              : veil_wasm_aot_no_compiler("veil-runtime was started without an AOT compile "
                                          "worker (--aot-worker-fd) and does not run a compiler "
                                          "itself");
    if (err != NULL)
        return veil_cli_report(PROG, err);
    veil_runtime_options options = {.max_sessions = (unsigned)sessions,
                                    .fs_max_bytes = fs_mib << 20};
    return veil_cli_report(PROG, veil_runtime_run_channel((int)fd, &options));
}
