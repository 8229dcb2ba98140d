/* PEM/X.509 helpers over OpenSSL: strict loading and DER comparison. */
#ifndef VEIL_X509_H
#define VEIL_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "veil/error.h"

/* Parses text holding exactly one PEM "CERTIFICATE" block (surrounding
 * whitespace allowed) whose public key is EC or RSA. */
VEIL_NODISCARD veil_error *veil_cert_from_pem(const char *pem, size_t len, X509 **out);
VEIL_NODISCARD veil_error *veil_cert_load_file(const char *path, X509 **out);
VEIL_NODISCARD veil_error *veil_cert_from_der(const uint8_t *der, size_t len, X509 **out);
/* DER encoding; free() *der. */
VEIL_NODISCARD veil_error *veil_cert_to_der(X509 *cert, uint8_t **der, size_t *len);
/* PEM text; free() *pem. */
VEIL_NODISCARD veil_error *veil_cert_to_pem(X509 *cert, char **pem);
/* True when both certificates have identical DER encodings. */
bool veil_cert_equal(X509 *a, X509 *b);
/* One-line subject, e.g. "CN=owner,O=Veil" (NUL-terminated, truncated). */
void veil_cert_subject(X509 *cert, char *buf, size_t size);
/* Key description, e.g. "EC P-256" or "RSA 2048". */
void veil_cert_key_description(X509 *cert, char *buf, size_t size);
/* SHA-256 of the DER encoding as 64 hex digits. */
VEIL_NODISCARD veil_error *veil_cert_fingerprint(X509 *cert, char out[65]);

#endif
