/* The host's PAS client (pas_client.c): internal to the host library. */
#ifndef VEIL_HOST_PAS_CLIENT_H
#define VEIL_HOST_PAS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "veil/error.h"
#include "veil/pas.h"

typedef struct veil_host_pas_certs {
    uint8_t *leaf; /* DER */
    size_t leaf_len;
    uint8_t *ca; /* DER */
    size_t ca_len;
} veil_host_pas_certs;

/* POST /v1/attestation/start. */
veil_error *veil_host_pas_nonce(const char *pas_url, uint8_t nonce[VEIL_PAS_NONCE_LEN]);
/* POST /v1/attestation/finish; the PAS's refusals come back with their
 * message and a matching code (403: VEIL_EATTEST, 409: VEIL_EEXIST...). */
veil_error *veil_host_pas_finish(const char *pas_url, const uint8_t nonce[VEIL_PAS_NONCE_LEN],
                                 const char *format, const uint8_t *evidence, size_t evidence_len,
                                 const uint8_t *csr, size_t csr_len, veil_host_pas_certs *out);
void veil_host_pas_certs_free(veil_host_pas_certs *certs);

#endif
