/* Test helper: makes self-signed certificates in memory. */
#ifndef VEIL_TESTCERT_H
#define VEIL_TESTCERT_H

/* key_type: "ec" (P-256), "rsa" (2048) or "ed25519".  Returns a malloc'd PEM
 * certificate (and, when key_pem is non-NULL, the PEM private key). */
char *testcert_make(const char *key_type, const char *common_name, char **key_pem);

#endif
