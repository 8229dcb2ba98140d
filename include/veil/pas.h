/*
 * The proxy attestation service (PAS): a small certificate authority that
 * issues a runtime's TLS certificate only after verifying evidence of what
 * the runtime is.  docs/attestation.md describes the flow and formats.
 *
 *   POST /v1/attestation/start   -> a fresh nonce (single use, expires)
 *   POST /v1/attestation/finish  nonce + evidence + CSR -> certificate
 *   GET  /v1/ca                  the CA certificate (the policy's
 *                                proxy_service_cert)
 *
 * Verification of a finish request, in order: the nonce was issued here,
 * is unused (it is consumed now, whatever the outcome) and unexpired; the
 * evidence format is known and its signature verifies; the evidence names
 * the same nonce and the SHA-256 of exactly the CSR sent; its measurement
 * is in the reference list for its platform; the CSR's self-signature
 * verifies.  The certificate then has a random 128-bit serial, the CSR's
 * key and subject alternative names, the measurement extension
 * (veil/attest.h), and expires at the earliest of the not-after the CSR
 * requests (the policy's enclave_cert_expiry) and now + max_validity_s.
 *
 * Evidence formats sit behind one interface, one file each
 * (evidence_software.c; Nitro later).  The SOFTWARE format is signed by a
 * device key enrolled with the PAS; it attests which binary a local host
 * launched, and gives NO confidentiality against the machine's operator,
 * who holds the device key and can read the runtime's memory.
 *
 * All state (CA key and certificate, enrolled devices) lives in a state
 * directory; errors are JSON {"error": {"status", "code", "message"}} with
 * the matching HTTP status.
 */
#ifndef VEIL_PAS_H
#define VEIL_PAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "veil/attest.h"
#include "veil/error.h"
#include "veil/hash.h"

/* Defaults for veil_pas_config fields left 0. */
#define VEIL_PAS_DEFAULT_MAX_VALIDITY_S 86400u /* one day */
#define VEIL_PAS_DEFAULT_NONCE_LIFETIME_MS 60000u
#define VEIL_PAS_DEFAULT_MAX_NONCES 1024u
/* Largest request body accepted, in bytes. */
#define VEIL_PAS_MAX_BODY (1u << 20)
/* Nonce length in bytes (hex on the wire). */
#define VEIL_PAS_NONCE_LEN 32
/* Device names: 1..64 of [A-Za-z0-9._-], not starting with '.'. */
#define VEIL_PAS_DEVICE_NAME_MAX 64

typedef struct veil_pas veil_pas;

/* One accepted measurement. */
typedef struct veil_pas_reference {
    char platform[VEIL_ATTEST_PLATFORM_MAX + 1];
    uint8_t measurement[VEIL_ATTEST_MEASUREMENT_MAX];
    size_t len;
} veil_pas_reference;

typedef struct veil_pas_config {
    const char *state_dir;   /* required: CA and enrolled devices */
    const char *ca_cert_pem; /* optional: use this CA (with ca_key_pem) instead of the */
    const char *ca_key_pem;  /* state directory's; it is then not written there */
    uint64_t max_validity_s;
    uint64_t nonce_lifetime_ms;
    size_t max_nonces; /* outstanding (issued, not yet expired) nonces */
    const veil_pas_reference *references;
    size_t reference_count;
    /* Clocks (NULL: the system's).  Tests set them to move time. */
    int64_t (*now_unix)(void *user);
    uint64_t (*now_ms)(void *user); /* monotonic */
    void *clock_user;
} veil_pas_config;

/* Loads the CA from the state directory, creating the directory, an EC
 * P-256 key and a self-signed CA certificate on first start. */
VEIL_NODISCARD veil_error *veil_pas_new(const veil_pas_config *config, veil_pas **out);
void veil_pas_free(veil_pas *pas);
X509 *veil_pas_ca_cert(const veil_pas *pas);

/* Issues a nonce (64 lowercase hex digits and a NUL).  VEIL_EBUSY when
 * max_nonces are outstanding. */
VEIL_NODISCARD veil_error *veil_pas_nonce_new(veil_pas *pas, char out[2 * VEIL_PAS_NONCE_LEN + 1]);

/* Verifies evidence for a CSR (DER) and issues its certificate (PEM, free()
 * it).  Codes: VEIL_EATTEST (unknown nonce, verification failed, unknown
 * measurement), VEIL_EEXIST (nonce already used), VEIL_ETIMEOUT (nonce
 * expired), VEIL_EUNSUPPORTED (format), VEIL_EMALFORMED (evidence, CSR). */
VEIL_NODISCARD veil_error *veil_pas_finish(veil_pas *pas, const char *nonce_hex, const char *format,
                                           const uint8_t *evidence, size_t evidence_len,
                                           const uint8_t *csr_der, size_t csr_len, char **cert_pem);

/* The HTTP API without the transport: handles one request and returns the
 * status and a JSON body (free() it). */
typedef struct veil_pas_reply {
    unsigned status;
    char *body;
} veil_pas_reply;
void veil_pas_handle(veil_pas *pas, const char *method, const char *url, const uint8_t *body,
                     size_t body_len, veil_pas_reply *out);
/* The HTTP status for an error code. */
unsigned veil_pas_http_status(veil_code code);

/* Serves the API over HTTP (libmicrohttpd, its own thread) on host:port;
 * port 0 picks a free one, reported in *bound_port. */
VEIL_NODISCARD veil_error *veil_pas_serve(veil_pas *pas, const char *host, uint16_t port,
                                          uint16_t *bound_port);
/* Stops serving (waits for requests in progress). */
void veil_pas_stop(veil_pas *pas);

/* ---- administration ---- */

/* Enrols a device's public key (PEM SubjectPublicKeyInfo; Ed25519 or EC
 * P-256) under a name: state_dir/devices/<name>.pem.  An existing name is
 * VEIL_EEXIST unless replace. */
VEIL_NODISCARD veil_error *veil_pas_enrol_device(const char *state_dir, const char *name,
                                                 const char *public_key_pem, size_t len,
                                                 bool replace);
/* The enrolled key of a device (VEIL_ENOENT when not enrolled). */
VEIL_NODISCARD veil_error *veil_pas_device_key(const char *state_dir, const char *name,
                                               EVP_PKEY **out);
VEIL_NODISCARD veil_error *veil_pas_device_name_check(const char *name);

/* Reference values: JSON {"reference_values": [{"platform": "linux",
 * "measurement": "<hex>", "description": "..."}]}.  free() *out. */
VEIL_NODISCARD veil_error *veil_pas_references_load(const char *path, veil_pas_reference **out,
                                                    size_t *count);
/* Parses "platform:hex" (the command-line form). */
VEIL_NODISCARD veil_error *veil_pas_reference_parse(const char *text, veil_pas_reference *out);

/* ---- the SOFTWARE evidence format (docs/attestation.md) ----
 *
 *   "VEILSWEV" u8 version (1)
 *   u8 device name length, device name
 *   u8 nonce length (16..64), nonce
 *   u8 measurement length (32), measurement  -- SHA-256 of the runtime binary
 *   u8 CSR hash length (32), SHA-256 of the CSR (DER)
 *   u16 signature length (1..512), signature by the device key over every
 *       byte before the signature length (Ed25519, or ECDSA P-256 SHA-256)
 *
 * Platform: "linux".  No confidentiality against the machine's operator. */
#define VEIL_PAS_SOFTWARE_MAGIC "VEILSWEV"
#define VEIL_PAS_SOFTWARE_VERSION 1

typedef struct veil_pas_software_evidence {
    char device[VEIL_PAS_DEVICE_NAME_MAX + 1];
    uint8_t nonce[64];
    size_t nonce_len;
    uint8_t measurement[VEIL_SHA256_LEN];
    uint8_t csr_sha256[VEIL_SHA256_LEN];
    const uint8_t *signed_bytes; /* into the input */
    size_t signed_len;
    const uint8_t *signature; /* into the input */
    size_t signature_len;
} veil_pas_software_evidence;

/* Parses (does not verify) software evidence. */
VEIL_NODISCARD veil_error *veil_pas_software_evidence_parse(const uint8_t *bytes, size_t len,
                                                            veil_pas_software_evidence *out);
/* Builds and signs software evidence with a device's private key (the
 * local host's side); free() *out. */
VEIL_NODISCARD veil_error *
veil_pas_software_evidence_build(const char *device, EVP_PKEY *device_key, const uint8_t *nonce,
                                 size_t nonce_len, const uint8_t measurement[VEIL_SHA256_LEN],
                                 const uint8_t csr_sha256[VEIL_SHA256_LEN], uint8_t **out,
                                 size_t *out_len);

#endif
