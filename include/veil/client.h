/*
 * The client of a runtime instance: it connects with an identity's
 * certificate and key and ALWAYS verifies, before it sends anything:
 *
 *   1. the runtime's certificate chains to the policy's proxy_service_cert;
 *   2. it is valid now (not expired, not before its start);
 *   3. its measurement extension (veil/attest.h) names the platform and is
 *      equal to the policy's runtime_manager_hash_<platform>;
 *   4. it does not outlive the policy's enclave_cert_expiry;
 *   5. the runtime's policy hash equals the SHA-256 of the client's own
 *      policy bytes (asked over the verified connection).
 *
 * A failed check refuses the connection with VEIL_EATTEST and a message
 * saying which check failed and with what values.  Then one connection
 * serves any sequence of operations (docs/protocol.md); writes and reads
 * stream through callbacks, so files need not fit in memory.
 */
#ifndef VEIL_CLIENT_H
#define VEIL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "veil/attest.h"
#include "veil/error.h"
#include "veil/hash.h"

/* What the client expects of the runtime, taken from its policy. */
typedef struct veil_client_trust {
    X509 *pas_cert; /* proxy_service_cert (owned) */
    char platform[VEIL_ATTEST_PLATFORM_MAX + 1];
    uint8_t measurement[VEIL_ATTEST_MEASUREMENT_MAX]; /* runtime_manager_hash_<platform> */
    size_t measurement_len;
    uint8_t policy_hash[VEIL_SHA256_LEN]; /* SHA-256 of the policy bytes */
    char *ciphersuite;                    /* OpenSSL TLS 1.3 name, or NULL (owned) */
    int64_t not_after_max;                /* enclave_cert_expiry (Unix); 0: none */
    char *server;                         /* veracruz_server_url "host:port", or NULL (owned) */
} veil_client_trust;

/* Builds the expectations from a global policy's bytes for a platform
 * ("linux" or "nitro"); fails when the policy has no hash for it. */
VEIL_NODISCARD veil_error *veil_client_trust_from_policy(const uint8_t *policy, size_t len,
                                                         const char *platform,
                                                         veil_client_trust *out);
void veil_client_trust_free(veil_client_trust *trust);

/* Checks 1-4 on a runtime certificate (and the chain the runtime sent,
 * may be NULL) at time `now` (Unix seconds). */
VEIL_NODISCARD veil_error *veil_client_check_certificate(const veil_client_trust *trust, X509 *cert,
                                                         STACK_OF(X509) * chain, int64_t now);

typedef struct veil_client veil_client;

typedef struct veil_client_options {
    X509 *cert;          /* the identity's certificate */
    EVP_PKEY *key;       /* and its key */
    uint64_t timeout_ms; /* per socket read/write; 0: none */
} veil_client_options;

/* Connects to host:port, verifies (1-5) and returns a session. */
VEIL_NODISCARD veil_error *veil_client_connect(const char *host, uint16_t port,
                                               const veil_client_trust *trust,
                                               const veil_client_options *options,
                                               veil_client **out);
/* The same over a connected stream socket (owned by the client after the
 * call, also on failure). */
VEIL_NODISCARD veil_error *veil_client_connect_fd(int fd, const veil_client_trust *trust,
                                                  const veil_client_options *options,
                                                  veil_client **out);
/* Closes the connection (cleanly when possible) and frees. */
void veil_client_close(veil_client *client);

/* Byte sources and sinks for streaming.  A source sets *got = 0 at its
 * end; a sink consumes all it is given. */
typedef veil_error *(*veil_client_source)(void *user, uint8_t *buf, size_t cap, size_t *got);
typedef veil_error *(*veil_client_sink)(void *user, const uint8_t *data, size_t len);

/* Writes (or appends to) a file from a source.  size_hint: expected bytes
 * or 0.  A refusal that comes while the body is being sent stops sending. */
VEIL_NODISCARD veil_error *veil_client_write(veil_client *client, const char *path, bool append,
                                             veil_client_source source, void *user,
                                             uint64_t size_hint, uint64_t *written);
/* Reads a file (or "stdout"/"stderr" of the latest run) into a sink. */
VEIL_NODISCARD veil_error *veil_client_read(veil_client *client, const char *path,
                                            veil_client_sink sink, void *user, uint64_t *size);

typedef struct veil_client_entry {
    char *name;
    uint8_t filetype; /* WASI filetype: 3 directory, 4 regular file, 7 symbolic link */
    uint64_t size;
} veil_client_entry;
VEIL_NODISCARD veil_error *veil_client_list(veil_client *client, const char *path,
                                            veil_client_entry **entries, size_t *count);
void veil_client_entries_free(veil_client_entry *entries, size_t count);

/* Runs a program; stdout/stderr sinks may be NULL (then not requested). */
VEIL_NODISCARD veil_error *veil_client_execute(veil_client *client, const char *path,
                                               uint32_t *exit_code, veil_client_sink out,
                                               void *out_user, veil_client_sink err,
                                               void *err_user);
/* The runtime's policy hash (and, when bytes is non-NULL, the policy; free() it). */
VEIL_NODISCARD veil_error *veil_client_policy(veil_client *client, uint8_t hash[VEIL_SHA256_LEN],
                                              uint8_t **bytes, size_t *len);
/* Asks the instance to shut down (the principal needs the right). */
VEIL_NODISCARD veil_error *veil_client_shutdown(veil_client *client);

/* Ready-made sources and sinks over file descriptors. */
veil_error *veil_client_fd_source(void *fd_ptr, uint8_t *buf, size_t cap, size_t *got);
veil_error *veil_client_fd_sink(void *fd_ptr, const uint8_t *data, size_t len);

#endif
