#include "veil/error.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct veil_error {
    veil_code code;
    bool is_static;
    char *message;
};

static veil_error error_oom = {VEIL_ENOMEM, true, "out of memory"};

veil_error *veil_error_newv(veil_code code, const char *fmt, va_list ap) {
    veil_error *err = malloc(sizeof(*err));
    if (err == NULL)
        return &error_oom;
    err->code = code == VEIL_OK ? VEIL_EINTERNAL : code;
    err->is_static = false;
    if (vasprintf(&err->message, fmt, ap) < 0) {
        free(err);
        return &error_oom;
    }
    return err;
}

veil_error *veil_error_new(veil_code code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    veil_error *err = veil_error_newv(code, fmt, ap);
    va_end(ap);
    return err;
}

veil_error *veil_error_wrap(veil_error *err, const char *fmt, ...) {
    if (err == NULL || err->is_static)
        return err;
    char *prefix = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&prefix, fmt, ap);
    va_end(ap);
    if (n < 0)
        return err;
    char *joined = NULL;
    if (asprintf(&joined, "%s: %s", prefix, err->message) >= 0) {
        free(err->message);
        err->message = joined;
    }
    free(prefix);
    return err;
}

veil_error *veil_error_errno(int errnum, const char *fmt, ...) {
    veil_code code = VEIL_EIO;
    if (errnum == ENOENT || errnum == ENOTDIR)
        code = VEIL_ENOENT;
    else if (errnum == EACCES || errnum == EPERM)
        code = VEIL_EPERM;
    else if (errnum == EEXIST)
        code = VEIL_EEXIST;
    else if (errnum == ENOMEM)
        code = VEIL_ENOMEM;
    char *context = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&context, fmt, ap);
    va_end(ap);
    if (n < 0)
        return &error_oom;
    veil_error *err = veil_error_new(code, "%s: %s", context, strerror(errnum));
    free(context);
    return err;
}

veil_code veil_error_code(const veil_error *err) {
    return err == NULL ? VEIL_OK : err->code;
}

const char *veil_error_message(const veil_error *err) {
    return err == NULL ? "success" : err->message;
}

const char *veil_code_name(veil_code code) {
    switch (code) {
    case VEIL_OK:
        return "ok";
    case VEIL_EINVAL:
        return "invalid-argument";
    case VEIL_EMALFORMED:
        return "malformed";
    case VEIL_ENOENT:
        return "not-found";
    case VEIL_EEXIST:
        return "already-exists";
    case VEIL_EPERM:
        return "permission-denied";
    case VEIL_EIO:
        return "io-error";
    case VEIL_ENOMEM:
        return "out-of-memory";
    case VEIL_ELIMIT:
        return "limit-exceeded";
    case VEIL_EHASH:
        return "hash-mismatch";
    case VEIL_ECRYPTO:
        return "crypto-failure";
    case VEIL_EUNSUPPORTED:
        return "unsupported";
    case VEIL_EBUSY:
        return "busy";
    case VEIL_ETRAP:
        return "trap";
    case VEIL_EPROTO:
        return "protocol-error";
    case VEIL_EATTEST:
        return "attestation-failed";
    case VEIL_ETIMEOUT:
        return "timeout";
    case VEIL_EINTERNAL:
        return "internal-error";
    }
    return "unknown";
}

void veil_error_free(veil_error *err) {
    if (err == NULL || err->is_static)
        return;
    free(err->message);
    free(err);
}
