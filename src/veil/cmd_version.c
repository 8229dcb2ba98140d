#include <stdio.h>

#include "cli.h"
#include "commands_gen.h"

const char veil_cmd_version_summary[] = "print the version";

int veil_cmd_version(int argc, char **argv) {
    (void)argv;
    if (argc > 1)
        return veil_cli_usage_error("veil version", "takes no arguments");
    printf("veil %s\n", VEIL_VERSION);
    return VEIL_EXIT_OK;
}
