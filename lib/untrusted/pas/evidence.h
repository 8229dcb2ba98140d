/*
 * Evidence formats of the proxy attestation service: one small interface,
 * one file per format (evidence_software.c, ...), like OpenSSH's sandbox
 * files.  A format turns evidence bytes into verified claims; everything
 * after that (nonce, CSR hash, reference values, issuance) is common code
 * in service.c, so a format cannot forget a check.
 */
#ifndef VEIL_PAS_EVIDENCE_H
#define VEIL_PAS_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "veil/attest.h"
#include "veil/error.h"
#include "veil/hash.h"

/* What verified evidence says. */
typedef struct veil_pas_claims {
    char platform[VEIL_ATTEST_PLATFORM_MAX + 1]; /* names the reference list to use */
    uint8_t nonce[64];
    size_t nonce_len;
    uint8_t measurement[VEIL_ATTEST_MEASUREMENT_MAX];
    size_t measurement_len;
    uint8_t csr_sha256[VEIL_SHA256_LEN]; /* the user data the evidence binds */
    char signer[96];                     /* who vouched, for logs ("device lab-1") */
} veil_pas_claims;

typedef struct veil_pas_evidence_format {
    const char *name; /* "software" */
    /* Parses evidence and verifies its signature; VEIL_EMALFORMED for bytes
     * that do not parse, VEIL_EATTEST when the signature does not verify. */
    veil_error *(*verify)(const char *state_dir, const uint8_t *evidence, size_t len,
                          veil_pas_claims *out);
} veil_pas_evidence_format;

extern const veil_pas_evidence_format veil_pas_format_software;

/* Device keys are Ed25519 or EC P-256 (VEIL_EUNSUPPORTED otherwise;
 * `who` names the key in the message). */
veil_error *veil_pas_device_key_check(EVP_PKEY *key, const char *who);

/* The format of that name, or NULL. */
const veil_pas_evidence_format *veil_pas_format_find(const char *name);

#endif
