/* What every isolation backend provides (internal to the host library). */
#ifndef VEIL_HOST_ISOLATION_H
#define VEIL_HOST_ISOLATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "veil/host.h"

typedef struct veil_isolation_ops {
    veil_error *(*evidence)(veil_isolation *iso, const uint8_t *nonce, size_t nonce_len,
                            const uint8_t *csr_der, size_t csr_len, const char **format,
                            uint8_t **evidence, size_t *evidence_len);
    void (*release)(veil_isolation *iso); /* backend data */
} veil_isolation_ops;

struct veil_isolation {
    const veil_isolation_ops *ops;
    int channel; /* host end */
    pid_t pid;   /* the runtime process (local), or -1 */
    bool reaped;
    veil_isolation_exit exit;
    veil_attest_measurement measurement;
    char **report;
    size_t report_count;
    void *backend; /* backend data */
};

/* Appends a line to the isolation report (and logs it at info level). */
void veil_isolation_note(veil_isolation *iso, const char *fmt, ...) VEIL_PRINTF(2, 3);

/* ---- the seccomp filter of the local backend (sandbox_seccomp.c) ---- */

/* Installs, in the calling process (a child about to exec the runtime), a
 * seccomp-bpf allowlist of what the runtime needs.  Async-signal-safe is
 * not required (called before exec in a single-threaded child) but it must
 * not log: it writes its outcome into msg. */
bool veil_sandbox_seccomp_install(char *msg, size_t msg_size);
/* The AOT compile worker's allowlist: the runtime's plus process creation
 * and file writes for the compiler, still no sockets (sandbox_seccomp.c). */
bool veil_sandbox_seccomp_install_worker(char *msg, size_t msg_size);

#endif
