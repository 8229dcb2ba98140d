#include <stdio.h>

#include "commands.h"

int veil_cmd_version(int argc, char **argv) {
    (void)argc;
    (void)argv;
    printf("veil %s\n", VEIL_VERSION);
    return 0;
}
