/*
 * The host: the untrusted side of a runtime instance.
 *
 * It starts the runtime in an isolation backend, gives it the policy,
 * relays its attestation with the PAS, then listens on the instance's TCP
 * port and relays each client connection's bytes to the runtime untouched
 * (TLS ends inside the runtime).  It stops the runtime on shutdown or on a
 * signal and reports how it ended.
 *
 * Isolation backends sit behind one small interface, one file each
 * (isolation_local.c, isolation_nitro.c), like OpenSSH's sandbox files.
 * A backend launches the runtime with a channel to the host (a socket) and
 * produces the platform's evidence for the runtime's CSR.  Each step of
 * setting up isolation is recorded in a report (what was done and what this
 * machine does not allow), which the host logs.
 */
#ifndef VEIL_HOST_H
#define VEIL_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "veil/attest.h"
#include "veil/error.h"

typedef struct veil_isolation veil_isolation;

typedef struct veil_isolation_config {
    const char *runtime_path;        /* the runtime program to launch */
    const char *const *runtime_args; /* extra arguments (NULL-terminated, may be NULL) */
    uint64_t memory_limit_mib;       /* address-space limit of the runtime; 0: none */
    /* Local backend: also start the AOT compile worker beside the runtime
     * (the same binary with --aot-worker-serve; docs/aot.md). */
    bool aot_worker;
    /* Local backend: the enrolled device that signs software evidence. */
    const char *device_name;
    EVP_PKEY *device_key;
} veil_isolation_config;

typedef struct veil_isolation_backend {
    const char *name;        /* "local", "nitro" */
    const char *description; /* one line for --help */
    VEIL_NODISCARD veil_error *(*start)(const veil_isolation_config *config, veil_isolation **out);
} veil_isolation_backend;

extern const veil_isolation_backend veil_isolation_local;
extern const veil_isolation_backend veil_isolation_nitro;

/* The backend of that name, or NULL. */
const veil_isolation_backend *veil_isolation_backend_find(const char *name);
/* Backends in order, NULL after the last. */
const veil_isolation_backend *veil_isolation_backend_at(size_t index);

/* The host's end of the channel to the runtime (owned by the isolation). */
int veil_isolation_channel(veil_isolation *iso);
/* What the backend measured when it launched the runtime. */
const veil_attest_measurement *veil_isolation_measurement(const veil_isolation *iso);
/* Evidence for a CSR: the format name (static) and bytes (free() them). */
VEIL_NODISCARD veil_error *veil_isolation_evidence(veil_isolation *iso, const uint8_t *nonce,
                                                   size_t nonce_len, const uint8_t *csr_der,
                                                   size_t csr_len, const char **format,
                                                   uint8_t **evidence, size_t *evidence_len);
/* Isolation steps, one line each ("seccomp: ...", "network: ..."). */
size_t veil_isolation_report_count(const veil_isolation *iso);
const char *veil_isolation_report_line(const veil_isolation *iso, size_t index);

typedef struct veil_isolation_exit {
    bool exited;   /* exit() with status */
    int status;    /* exit status */
    bool signaled; /* killed by signal */
    int signal;
    bool killed_by_host; /* the host had to kill it after the grace period */
} veil_isolation_exit;

/* Waits at most timeout_ms for the runtime to end by itself; then kills it
 * and waits for that.  Idempotent. */
VEIL_NODISCARD veil_error *veil_isolation_wait(veil_isolation *iso, uint64_t timeout_ms,
                                               veil_isolation_exit *out);
/* True (and *out filled) when the runtime has ended. */
bool veil_isolation_poll(veil_isolation *iso, veil_isolation_exit *out);
/* "exited with status 0", "killed by signal 9 (Killed) after the grace period". */
void veil_isolation_exit_describe(const veil_isolation_exit *e, char *buf, size_t size);
/* Kills the runtime if it still runs and frees everything. */
void veil_isolation_free(veil_isolation *iso);

/* ---- the host ---- */

typedef struct veil_host_config {
    const veil_isolation_backend *backend;
    veil_isolation_config isolation;
    const uint8_t *policy; /* the global policy, bytes as given */
    size_t policy_len;
    const char *pas_url;      /* "http://host:port" of the PAS */
    const char *listen_host;  /* IPv4 address to listen on */
    uint16_t listen_port;     /* 0: any free port */
    const char *port_file;    /* written with the bound port once serving; may be NULL */
    uint64_t stop_timeout_ms; /* grace period before killing the runtime (default 5000) */
    int stop_signal_fd;       /* readable when the host must stop (a signalfd), or -1 */
} veil_host_config;

typedef struct veil_host_result {
    veil_isolation_exit exit;
    bool shutdown_requested; /* a principal asked the runtime to shut down */
    char shutdown_by[128];   /* who, as the runtime reported it */
    bool stopped_by_signal;  /* the host was told to stop */
} veil_host_result;

/* Runs an instance until it ends.  Errors: the runtime could not be
 * started or attested, or it ended unexpectedly.  The caller ignores
 * SIGPIPE: the relay splices into client sockets, and splice(2) raises it
 * when a client has gone (the relay then ends that connection). */
VEIL_NODISCARD veil_error *veil_host_run(const veil_host_config *config, veil_host_result *result);

/* SHA-256 of a file as launched (the local backend's measurement). */
VEIL_NODISCARD veil_error *veil_host_measure(const char *path, uint8_t out[32]);

#endif
