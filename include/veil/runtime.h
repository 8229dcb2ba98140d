/*
 * The runtime service: the trusted program that holds a global policy,
 * proves what it is and serves the policy's principals over TLS 1.3 that
 * ends here (docs/protocol.md, docs/attestation.md).
 *
 * Life of a runtime:
 *   veil_runtime_new(policy bytes)  parse and check the policy (its hash is
 *                                   the SHA-256 of these exact bytes), build
 *                                   the in-memory file system with the
 *                                   policy's file hashes, generate the TLS key
 *   veil_runtime_csr()              a CSR for that key naming the instance
 *                                   and the policy's enclave_cert_expiry
 *   veil_runtime_set_certificate()  the PAS's certificate for that key; the
 *                                   TLS context is built (the policy's
 *                                   ciphersuite, client certificates required)
 *   veil_runtime_serve_connection() one thread per client connection
 *   veil_runtime_free()             ends every session and frees
 *
 * A client certificate must equal (DER) one of the policy's identity
 * certificates; anything else fails the handshake and the reason is
 * logged.  Every operation is checked against the principal's rights in
 * the file system; programs run under their own rights with the policy's
 * limits, one execution at a time (a second one is answered "busy"), while
 * other sessions keep reading and writing.
 *
 * veil_runtime_run_channel() drives all of this over the host channel (the
 * only descriptor a sandboxed runtime has).
 */
#ifndef VEIL_RUNTIME_H
#define VEIL_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veil/error.h"

/* Most concurrent client sessions; further connections are closed. */
#define VEIL_RUNTIME_DEFAULT_MAX_SESSIONS 64
/* Most bytes of a program's stdout (and of its stderr) kept per run. */
#define VEIL_RUNTIME_DEFAULT_MAX_OUTPUT (16u << 20)

typedef struct veil_runtime veil_runtime;

typedef struct veil_runtime_options {
    unsigned max_sessions;   /* 0: VEIL_RUNTIME_DEFAULT_MAX_SESSIONS */
    uint64_t fs_max_bytes;   /* file-system budget; 0: the file system's default */
    size_t max_output_bytes; /* 0: VEIL_RUNTIME_DEFAULT_MAX_OUTPUT */
    const char *platform;    /* measurement platform for messages; NULL: "linux" */
} veil_runtime_options;

VEIL_NODISCARD veil_error *veil_runtime_new(const uint8_t *policy, size_t policy_len,
                                            const veil_runtime_options *options,
                                            veil_runtime **out);
/* Ends every session (waiting for their threads) and frees. */
void veil_runtime_free(veil_runtime *rt);

/* The CSR (DER, free() it) for the runtime's TLS key. */
VEIL_NODISCARD veil_error *veil_runtime_csr(veil_runtime *rt, uint8_t **der, size_t *len);
/* Installs the certificate (DER) the PAS issued and its CA (DER).  Fails
 * when the certificate is not for the runtime's key or not signed by that
 * CA, or when the policy's ciphersuite is not available. */
VEIL_NODISCARD veil_error *veil_runtime_set_certificate(veil_runtime *rt, const uint8_t *leaf,
                                                        size_t leaf_len, const uint8_t *ca,
                                                        size_t ca_len);

/* Serves one client connection (a connected stream socket; the runtime
 * takes ownership) in a thread of its own.  Busy (too many sessions) or
 * shutting down: the connection is closed at once. */
VEIL_NODISCARD veil_error *veil_runtime_serve_connection(veil_runtime *rt, int fd);

/* Readable (an eventfd) once a principal has shut the instance down. */
int veil_runtime_shutdown_fd(const veil_runtime *rt);
/* Who shut it down ("identity 0"), or NULL. */
const char *veil_runtime_shutdown_by(veil_runtime *rt, char *buf, size_t size);

/* The whole life of a runtime over a host channel (fd): receive the
 * policy, attest through the host, serve until a principal shuts the
 * instance down or the host says stop.  Errors are also reported to the
 * host (HOST_ERROR). */
VEIL_NODISCARD veil_error *veil_runtime_run_channel(int channel_fd,
                                                    const veil_runtime_options *options);

#endif
