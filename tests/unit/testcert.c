#include "testcert.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static char *bio_text(BIO *bio) {
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    char *s = malloc((size_t)n + 1);
    memcpy(s, data, (size_t)n);
    s[n] = '\0';
    return s;
}

char *testcert_make(const char *key_type, const char *common_name, char **key_pem) {
    EVP_PKEY *key = NULL;
    if (strcmp(key_type, "ec") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    else if (strcmp(key_type, "rsa") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    else
        key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (key == NULL)
        abort();
    X509 *cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)common_name, -1, -1,
                               0);
    X509_set_issuer_name(cert, name);
    const EVP_MD *md = strcmp(key_type, "ed25519") == 0 ? NULL : EVP_sha256();
    if (X509_sign(cert, key, md) <= 0)
        abort();
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    char *pem = bio_text(bio);
    BIO_free(bio);
    if (key_pem != NULL) {
        bio = BIO_new(BIO_s_mem());
        PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
        *key_pem = bio_text(bio);
        BIO_free(bio);
    }
    X509_free(cert);
    EVP_PKEY_free(key);
    return pem;
}
