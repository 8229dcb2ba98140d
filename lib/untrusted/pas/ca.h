/* The PAS certificate authority (ca.c): internal to the PAS. */
#ifndef VEIL_PAS_CA_H
#define VEIL_PAS_CA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "veil/attest.h"
#include "veil/error.h"

typedef struct veil_pas_ca {
    X509 *cert;
    EVP_PKEY *key;
    bool created; /* made on this start */
} veil_pas_ca;

/* Uses the given PEM pair, or loads state_dir/ca-{cert,key}.pem, creating
 * them (key mode 0600) when absent. */
veil_error *veil_pas_ca_load(const char *state_dir, const char *cert_pem, const char *key_pem,
                             int64_t now, veil_pas_ca *out);
void veil_pas_ca_free(veil_pas_ca *ca);

/* Issues a certificate for a CSR whose evidence was verified (see ca.c for
 * what it contains).  *cert_pem: free() it. */
veil_error *veil_pas_ca_issue(const veil_pas_ca *ca, const uint8_t *csr_der, size_t csr_len,
                              const veil_attest_measurement *measurement, int64_t now,
                              uint64_t max_validity_s, char **cert_pem, int64_t *not_after);

#endif
