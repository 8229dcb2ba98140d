#include "cli.h"

#include <stdarg.h>
#include <stdio.h>

int veil_cli_report(const char *prog, veil_error *err) {
    if (err == NULL)
        return VEIL_EXIT_OK;
    veil_code code = veil_error_code(err);
    fprintf(stderr, "%s: error (%s): %s\n", prog, veil_code_name(code), veil_error_message(err));
    veil_error_free(err);
    return code == VEIL_EINVAL ? VEIL_EXIT_USAGE : VEIL_EXIT_FAILURE;
}

int veil_cli_usage_error(const char *prog, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
    va_end(ap);
    return VEIL_EXIT_USAGE;
}
