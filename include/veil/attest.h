/*
 * What an attested runtime certificate says, shared by the runtime (which
 * asks for it), the proxy attestation service (which issues it) and the
 * client (which checks it).  docs/attestation.md describes the whole flow.
 *
 * Veil's object identifiers live under one arc derived from a UUID
 * (ITU-T X.667: 2.25.<the UUID as one decimal integer>), generated once for
 * Veil, so no other organisation's arc is used:
 *
 *   UUID 81f0da7c-a746-4fe8-94c4-d453a9df0858
 *   2.25.172720994143657252873223060786109155416      Veil
 *        .1  runtime measurement (certificate extension, non-critical):
 *              RuntimeMeasurement ::= SEQUENCE {
 *                  platform     UTF8String,   -- "linux" (software), "nitro"
 *                  measurement  OCTET STRING  -- 32 or 48 bytes
 *              }
 *        .2  requested not-after (extension request in the runtime's CSR):
 *              GeneralizedTime "YYYYMMDDHHMMSSZ" -- the policy's
 *              enclave_cert_expiry; the PAS never issues beyond it
 *
 * Both values are short, so their DER uses only short-form lengths; the
 * decoders (bounded reader) insist on exact DER and reject anything else.
 */
#ifndef VEIL_ATTEST_H
#define VEIL_ATTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "veil/error.h"

#define VEIL_ATTEST_UUID "81f0da7c-a746-4fe8-94c4-d453a9df0858"
#define VEIL_ATTEST_OID_ARC "2.25.172720994143657252873223060786109155416"
#define VEIL_ATTEST_OID_MEASUREMENT VEIL_ATTEST_OID_ARC ".1"
#define VEIL_ATTEST_OID_NOT_AFTER VEIL_ATTEST_OID_ARC ".2"

/* Longest platform name and measurement carried. */
#define VEIL_ATTEST_PLATFORM_MAX 15
#define VEIL_ATTEST_MEASUREMENT_MAX 64

/* The platform of the local (software) backend: the measurement is the
 * SHA-256 of the runtime binary, compared with runtime_manager_hash_linux. */
#define VEIL_ATTEST_PLATFORM_LINUX "linux"
#define VEIL_ATTEST_PLATFORM_NITRO "nitro"

typedef struct veil_attest_measurement {
    char platform[VEIL_ATTEST_PLATFORM_MAX + 1];
    uint8_t value[VEIL_ATTEST_MEASUREMENT_MAX];
    size_t len;
} veil_attest_measurement;

/* Fills a measurement; fails for an empty or too long platform name (only
 * lowercase letters and digits) or a value that is not 32 or 48 bytes. */
VEIL_NODISCARD veil_error *veil_attest_measurement_set(veil_attest_measurement *m,
                                                       const char *platform, const uint8_t *value,
                                                       size_t len);

/* DER of a RuntimeMeasurement; free() *der. */
VEIL_NODISCARD veil_error *veil_attest_measurement_encode(const veil_attest_measurement *m,
                                                          uint8_t **der, size_t *len);
/* Parses exactly one DER RuntimeMeasurement (VEIL_EMALFORMED otherwise). */
VEIL_NODISCARD veil_error *veil_attest_measurement_decode(const uint8_t *der, size_t len,
                                                          veil_attest_measurement *out);

/* Adds the measurement extension to a certificate being built. */
VEIL_NODISCARD veil_error *veil_attest_cert_set_measurement(X509 *cert,
                                                            const veil_attest_measurement *m);
/* Reads the measurement extension: VEIL_EATTEST when the certificate has
 * none or more than one, VEIL_EMALFORMED when it does not decode. */
VEIL_NODISCARD veil_error *veil_attest_cert_measurement(const X509 *cert,
                                                        veil_attest_measurement *out);

/* DER GeneralizedTime of a Unix time (years 1970..9999). */
VEIL_NODISCARD veil_error *veil_attest_time_encode(int64_t unix_seconds, uint8_t out[17]);
/* Parses exactly one DER GeneralizedTime "YYYYMMDDHHMMSSZ". */
VEIL_NODISCARD veil_error *veil_attest_time_decode(const uint8_t *der, size_t len,
                                                   int64_t *unix_seconds);

/* What the runtime asks the PAS to certify. */
typedef struct veil_attest_csr_params {
    EVP_PKEY *key;           /* the runtime's TLS key (signs the CSR) */
    const char *common_name; /* subject CN */
    const char *host;        /* DNS name or IP address for the SAN, or NULL */
    const char *uri;         /* URI for the SAN naming the instance, or NULL */
    int64_t not_after_unix;  /* requested not-after; 0: none */
} veil_attest_csr_params;

/* Builds and signs a CSR; *der is its DER (free() it). */
VEIL_NODISCARD veil_error *veil_attest_csr_create(const veil_attest_csr_params *params,
                                                  uint8_t **der, size_t *len);
/* The requested not-after of a CSR: *present false when it asks for none. */
VEIL_NODISCARD veil_error *veil_attest_csr_not_after(X509_REQ *req, bool *present,
                                                     int64_t *unix_seconds);

/* Converts an OpenSSL time to Unix seconds. */
VEIL_NODISCARD veil_error *veil_attest_asn1_time_to_unix(const ASN1_TIME *t, int64_t *out);

#endif
