#include "veil/x509.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "veil/hash.h"
#include "veil/str.h"

/* Takes the newest OpenSSL error off the queue and names it. */
static const char *openssl_reason(char *buf, size_t size) {
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) {
        veil_strlcpy(buf, "no further detail", size);
        return buf;
    }
    ERR_error_string_n(code, buf, size);
    return buf;
}

static veil_error *check_key_type(X509 *cert) {
    EVP_PKEY *key = X509_get0_pubkey(cert);
    if (key == NULL)
        return veil_error_new(VEIL_EMALFORMED, "certificate has no readable public key");
    int id = EVP_PKEY_get_base_id(key);
    if (id != EVP_PKEY_EC && id != EVP_PKEY_RSA)
        return veil_error_new(VEIL_EUNSUPPORTED,
                              "certificate key type %s is not supported (EC or RSA only)",
                              OBJ_nid2sn(id));
    return NULL;
}

static bool only_space(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i]))
            return false;
    return true;
}

veil_error *veil_cert_from_pem(const char *pem, size_t len, X509 **out) {
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    const char *b = memmem(pem, len, begin, sizeof(begin) - 1);
    if (b == NULL)
        return veil_error_new(VEIL_EMALFORMED, "not a PEM certificate (no '%s' line)", begin);
    if (!only_space(pem, (size_t)(b - pem)))
        return veil_error_new(VEIL_EMALFORMED, "unexpected text before the PEM certificate");
    const char *e = memmem(b, len - (size_t)(b - pem), end, sizeof(end) - 1);
    if (e == NULL)
        return veil_error_new(VEIL_EMALFORMED, "PEM certificate is not terminated ('%s' missing)",
                              end);
    const char *after = e + sizeof(end) - 1;
    if (!only_space(after, len - (size_t)(after - pem)))
        return veil_error_new(VEIL_EMALFORMED,
                              "unexpected text after the PEM certificate (exactly one expected)");
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory parsing a certificate");
    X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (cert == NULL) {
        char reason[256];
        return veil_error_new(VEIL_EMALFORMED, "malformed PEM certificate: %s",
                              openssl_reason(reason, sizeof(reason)));
    }
    veil_error *err = check_key_type(cert);
    if (err != NULL) {
        X509_free(cert);
        return err;
    }
    *out = cert;
    return NULL;
}

veil_error *veil_cert_load_file(const char *path, X509 **out) {
    uint8_t *data;
    size_t len;
    VEIL_TRY(veil_read_file(path, 1 << 20, &data, &len));
    veil_error *err = veil_cert_from_pem((const char *)data, len, out);
    free(data);
    return veil_error_wrap(err, "%s", path);
}

veil_error *veil_cert_from_der(const uint8_t *der, size_t len, X509 **out) {
    const unsigned char *p = der;
    X509 *cert = d2i_X509(NULL, &p, (long)len);
    if (cert == NULL) {
        char reason[256];
        return veil_error_new(VEIL_EMALFORMED, "malformed DER certificate: %s",
                              openssl_reason(reason, sizeof(reason)));
    }
    if (p != der + len) {
        X509_free(cert);
        return veil_error_new(VEIL_EMALFORMED, "trailing bytes after DER certificate");
    }
    *out = cert;
    return NULL;
}

veil_error *veil_cert_to_der(X509 *cert, uint8_t **der, size_t *len) {
    unsigned char *buf = NULL;
    int n = i2d_X509(cert, &buf);
    if (n <= 0)
        return veil_error_new(VEIL_EMALFORMED, "cannot DER-encode certificate");
    *der = malloc((size_t)n);
    if (*der == NULL) {
        OPENSSL_free(buf);
        return veil_error_new(VEIL_ENOMEM, "out of memory encoding a certificate");
    }
    memcpy(*der, buf, (size_t)n);
    OPENSSL_free(buf);
    *len = (size_t)n;
    return NULL;
}

veil_error *veil_cert_to_pem(X509 *cert, char **pem) {
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || PEM_write_bio_X509(bio, cert) != 1) {
        BIO_free(bio);
        return veil_error_new(VEIL_ENOMEM, "cannot PEM-encode certificate");
    }
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    *pem = malloc((size_t)n + 1);
    if (*pem == NULL) {
        BIO_free(bio);
        return veil_error_new(VEIL_ENOMEM, "out of memory encoding a certificate");
    }
    memcpy(*pem, data, (size_t)n);
    (*pem)[n] = '\0';
    BIO_free(bio);
    return NULL;
}

bool veil_cert_equal(X509 *a, X509 *b) {
    unsigned char *da = NULL, *db = NULL;
    int na = i2d_X509(a, &da), nb = i2d_X509(b, &db);
    bool equal = na > 0 && na == nb && memcmp(da, db, (size_t)na) == 0;
    OPENSSL_free(da);
    OPENSSL_free(db);
    return equal;
}

void veil_cert_subject(X509 *cert, char *buf, size_t size) {
    BIO *bio = BIO_new(BIO_s_mem());
    if (size == 0)
        return;
    buf[0] = '\0';
    if (bio == NULL)
        return;
    X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    int n = BIO_read(bio, buf, (int)size - 1);
    buf[n > 0 ? n : 0] = '\0';
    BIO_free(bio);
}

void veil_cert_key_description(X509 *cert, char *buf, size_t size) {
    EVP_PKEY *key = X509_get0_pubkey(cert);
    if (key == NULL) {
        snprintf(buf, size, "unknown key");
        return;
    }
    int id = EVP_PKEY_get_base_id(key);
    if (id == EVP_PKEY_RSA) {
        snprintf(buf, size, "RSA %d", EVP_PKEY_get_bits(key));
    } else if (id == EVP_PKEY_EC) {
        char group[64] = "";
        size_t n = 0;
        EVP_PKEY_get_group_name(key, group, sizeof(group), &n);
        snprintf(buf, size, "EC %s", group[0] ? group : "unknown curve");
    } else {
        snprintf(buf, size, "%s", OBJ_nid2sn(id));
    }
}

veil_error *veil_cert_fingerprint(X509 *cert, char out[65]) {
    uint8_t *der = NULL;
    size_t len = 0;
    VEIL_TRY(veil_cert_to_der(cert, &der, &len));
    veil_sha256_hex(der, len, out);
    free(der);
    return NULL;
}
