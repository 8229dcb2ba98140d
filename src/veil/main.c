/* `veil`: the command line for cameras, owners and admins.  A thin
 * dispatcher; each subcommand is a file of its own over libveil. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "veil/log.h"

#include "commands_gen.h"
#include "commands.inc"

static void usage(FILE *out) {
    fprintf(out, "usage: veil [--verbose] COMMAND [ARGS...]\n\n"
                 "Veil: object detection on end-to-end encrypted camera clips inside an attested\n"
                 "WebAssembly runtime.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'veil COMMAND --help' for a command's options.\n"
                 "Set VEIL_LOG=error|warn|info|debug|trace to choose how much is logged.\n");
}

int main(int argc, char **argv) {
    veil_log_init_from_env();
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return VEIL_EXIT_OK;
        } else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
            veil_log_set_level(VEIL_LOG_DEBUG);
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("veil %s\n", VEIL_VERSION);
            return VEIL_EXIT_OK;
        } else {
            return veil_cli_usage_error("veil", "unknown option '%s'", argv[i]);
        }
    }
    if (i >= argc) {
        usage(stderr);
        return VEIL_EXIT_USAGE;
    }
    for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
        if (strcmp(argv[i], commands[c].name) == 0)
            return commands[c].run(argc - i, argv + i);
    return veil_cli_usage_error("veil", "unknown command '%s'", argv[i]);
}
