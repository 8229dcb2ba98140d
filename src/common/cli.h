/* Shared edge code for Veil's programs: how errors become messages and exit
 * statuses. */
#ifndef VEIL_CLI_H
#define VEIL_CLI_H

#include "veil/error.h"

/* Exit statuses used by every Veil program. */
enum {
    VEIL_EXIT_OK = 0,
    VEIL_EXIT_FAILURE = 1, /* the operation failed; the message says why */
    VEIL_EXIT_USAGE = 2,   /* bad command line */
};

/* Prints "PROG: error (CODE): MESSAGE" to stderr, frees err and returns the
 * exit status for it (VEIL_EXIT_USAGE for VEIL_EINVAL, else failure). */
int veil_cli_report(const char *prog, veil_error *err);

/* Prints "PROG: MESSAGE" and a hint to run --help; returns VEIL_EXIT_USAGE. */
int veil_cli_usage_error(const char *prog, const char *fmt, ...) VEIL_PRINTF(2, 3);

#endif
