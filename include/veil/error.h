/*
 * Errors are values.
 *
 * Every fallible function in libveil returns a `veil_error *`: NULL means
 * success, anything else is an owned error object carrying a code (what kind
 * of failure, so the edge can turn it into an exit status, an HTTP status or
 * a WASI errno) and a human message that names the file, field, principal,
 * right or offset involved.  Callers either handle the error and free it, or
 * add context with veil_error_wrap() and return it upwards.  The library
 * never prints and never exits; programs print errors at their edge.
 *
 * Allocation failure while creating an error yields a static "out of memory"
 * error, which veil_error_free() accepts like any other.
 */
#ifndef VEIL_ERROR_H
#define VEIL_ERROR_H

#include <stdarg.h>

#define VEIL_NODISCARD __attribute__((warn_unused_result))
#define VEIL_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))

typedef enum veil_code {
    VEIL_OK = 0,
    VEIL_EINVAL,       /* a caller-supplied argument or setting is invalid */
    VEIL_EMALFORMED,   /* untrusted bytes do not parse (module, policy, clip, frame) */
    VEIL_ENOENT,       /* no such file, key, principal or object */
    VEIL_EEXIST,       /* already exists */
    VEIL_EPERM,        /* principal lacks the right */
    VEIL_EIO,          /* operating-system I/O failure */
    VEIL_ENOMEM,       /* allocation failed */
    VEIL_ELIMIT,       /* a configured limit would be exceeded */
    VEIL_EHASH,        /* content does not match its expected hash */
    VEIL_ECRYPTO,      /* authentication or signature failure, wrong key */
    VEIL_EUNSUPPORTED, /* well-formed but not supported */
    VEIL_EBUSY,        /* resource busy, try again */
    VEIL_ETRAP,        /* a WebAssembly program trapped */
    VEIL_EPROTO,       /* peer violated the protocol */
    VEIL_EATTEST,      /* attestation evidence or certificate check failed */
    VEIL_ETIMEOUT,     /* deadline passed */
    VEIL_EINTERNAL,    /* a bug in Veil */
} veil_code;

typedef struct veil_error veil_error;

/* Creates an error; the message is formatted like printf. */
VEIL_NODISCARD veil_error *veil_error_new(veil_code code, const char *fmt, ...) VEIL_PRINTF(2, 3);
VEIL_NODISCARD veil_error *veil_error_newv(veil_code code, const char *fmt, va_list ap)
    VEIL_PRINTF(2, 0);

/* Prefixes context to an error's message ("context: old message") and returns
 * it.  Passing NULL returns NULL, so it can wrap a call directly. */
VEIL_NODISCARD veil_error *veil_error_wrap(veil_error *err, const char *fmt, ...) VEIL_PRINTF(2, 3);

/* Creates an error from errno (code VEIL_ENOENT, VEIL_EPERM or VEIL_EIO) with
 * "context: strerror(errnum)" as its message. */
VEIL_NODISCARD veil_error *veil_error_errno(int errnum, const char *fmt, ...) VEIL_PRINTF(2, 3);

veil_code veil_error_code(const veil_error *err);
const char *veil_error_message(const veil_error *err);
/* Short stable name of a code, e.g. "permission-denied". */
const char *veil_code_name(veil_code code);
void veil_error_free(veil_error *err);

/* Propagates an error: evaluates expr and returns its error if non-NULL. */
#define VEIL_TRY(expr)                                                                             \
    do {                                                                                           \
        veil_error *veil_try_err_ = (expr);                                                        \
        if (veil_try_err_ != NULL)                                                                 \
            return veil_try_err_;                                                                  \
    } while (0)

/* Returns a new error when cond is false. */
#define VEIL_ENSURE(cond, code, ...)                                                               \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return veil_error_new((code), __VA_ARGS__);                                            \
    } while (0)

#endif
