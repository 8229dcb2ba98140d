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

#define PROG "veil-runtime"

static void usage(FILE *out) {
    fprintf(out, "usage: veil-runtime --channel-fd FD [--max-sessions N] [--fs-max-mib MIB] "
                 "[--verbose]\n\n"
                 "The Veil runtime.  It is started by veil-host, which passes the host channel\n"
                 "as descriptor FD; it receives the global policy over it, is attested through\n"
                 "the host, and serves TLS 1.3 client connections the host hands it.\n");
}

int main(int argc, char **argv) {
    veil_log_init_from_env();
    /* A client vanishing mid-write must not kill the runtime. */
    signal(SIGPIPE, SIG_IGN);
    static const struct option longopts[] = {
        {"channel-fd", required_argument, NULL, 'c'},
        {"max-sessions", required_argument, NULL, 's'},
        {"fs-max-mib", required_argument, NULL, 'm'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t fd = UINT64_MAX, sessions = 0, fs_mib = 0;
    veil_error *err = NULL;
    int c;
    while (err == NULL && (c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            err = veil_parse_u64(optarg, 1 << 20, "--channel-fd", &fd);
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
    if (fd == UINT64_MAX || optind < argc)
        return veil_cli_usage_error(PROG,
                                    "--channel-fd is required (veil-host starts the runtime)");
    veil_runtime_options options = {.max_sessions = (unsigned)sessions,
                                    .fs_max_bytes = fs_mib << 20};
    return veil_cli_report(PROG, veil_runtime_run_channel((int)fd, &options));
}
