/* Subcommands of the `veil` program; each lives in cmd_<name>.c and gets
 * argv starting at its own name.  The table is generated (see
 * CMakeLists.txt). */
#ifndef VEIL_COMMANDS_H
#define VEIL_COMMANDS_H

typedef struct veil_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} veil_command;

#endif
