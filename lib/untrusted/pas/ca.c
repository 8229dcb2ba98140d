/*
 * The PAS certificate authority: its key and self-signed certificate
 * (created on first start in the state directory, or given), and issuance
 * of runtime certificates from verified CSRs.
 *
 * Invariants of an issued certificate: serial = 128 random bits (positive);
 * notBefore = now; notAfter = min(CSR's requested not-after, now +
 * max_validity_s) and strictly after now; the subject alternative names of
 * the CSR (DNS, IP and URI only); CA:FALSE, digitalSignature,
 * serverAuth; the runtime measurement extension.  Nothing else from the
 * CSR is copied.
 */
#include "ca.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "veil/str.h"
#include "veil/x509.h"

enum { CA_VALIDITY_DAYS = 3650, MAX_SAN_ENTRIES = 8, MAX_SAN_LEN = 255 };

static veil_error *openssl_error(veil_code code, const char *what) {
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    char reason[256] = "no further detail";
    if (e != 0)
        ERR_error_string_n(e, reason, sizeof(reason));
    return veil_error_new(code, "%s: %s", what, reason);
}

static veil_error *add_ext(X509 *cert, X509 *issuer, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL)
        return openssl_error(VEIL_EINTERNAL, "cannot build a certificate extension");
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    if (!ok)
        return openssl_error(VEIL_ENOMEM, "cannot add a certificate extension");
    return NULL;
}

static veil_error *random_serial(X509 *cert) {
    uint8_t bytes[16];
    VEIL_ENSURE(RAND_bytes(bytes, sizeof(bytes)) == 1, VEIL_ECRYPTO,
                "no randomness for a certificate serial");
    bytes[0] &= 0x7f; /* positive */
    bytes[0] |= 0x40; /* and exactly 16 bytes long, never zero */
    BIGNUM *bn = BN_bin2bn(bytes, sizeof(bytes), NULL);
    ASN1_INTEGER *serial = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    int ok = serial != NULL && X509_set_serialNumber(cert, serial);
    ASN1_INTEGER_free(serial);
    BN_free(bn);
    if (!ok)
        return openssl_error(VEIL_ENOMEM, "cannot set the serial number");
    return NULL;
}

static veil_error *create_ca(int64_t now, EVP_PKEY **key_out, X509 **cert_out) {
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (key == NULL)
        return openssl_error(VEIL_ECRYPTO, "cannot generate the CA key");
    X509 *cert = X509_new();
    veil_error *err = NULL;
    if (cert == NULL) {
        err = veil_error_new(VEIL_ENOMEM, "out of memory");
        goto fail;
    }
    X509_NAME *name = X509_get_subject_name(cert);
    if (!X509_set_version(cert, 2) ||
        !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"Veil", -1, -1,
                                    0) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                    (const unsigned char *)"Veil proxy attestation service", -1, -1,
                                    0) ||
        !X509_set_issuer_name(cert, name) || !X509_set_pubkey(cert, key) ||
        X509_time_adj_ex(X509_getm_notBefore(cert), 0, 0, &(time_t){(time_t)now}) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(cert), CA_VALIDITY_DAYS, 0, &(time_t){(time_t)now}) ==
            NULL) {
        err = openssl_error(VEIL_EINTERNAL, "cannot fill the CA certificate");
        goto fail;
    }
    if ((err = random_serial(cert)) != NULL ||
        (err = add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0")) != NULL ||
        (err = add_ext(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign")) != NULL ||
        (err = add_ext(cert, cert, NID_subject_key_identifier, "hash")) != NULL)
        goto fail;
    if (X509_sign(cert, key, EVP_sha256()) <= 0) {
        err = openssl_error(VEIL_ECRYPTO, "cannot sign the CA certificate");
        goto fail;
    }
    *key_out = key;
    *cert_out = cert;
    return NULL;
fail:
    X509_free(cert);
    EVP_PKEY_free(key);
    return err;
}

static veil_error *key_from_pem(const char *pem, size_t len, const char *what, EVP_PKEY **out) {
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    VEIL_ENSURE(bio != NULL, VEIL_ENOMEM, "out of memory");
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (key == NULL)
        return openssl_error(VEIL_EMALFORMED, what);
    *out = key;
    return NULL;
}

static veil_error *ca_check_pair(veil_pas_ca *ca) {
    VEIL_ENSURE(X509_check_private_key(ca->cert, ca->key) == 1, VEIL_EINVAL,
                "the CA key does not belong to the CA certificate");
    ERR_clear_error();
    VEIL_ENSURE(X509_check_ca(ca->cert) >= 1, VEIL_EINVAL,
                "the CA certificate is not a CA certificate (basicConstraints CA:TRUE missing)");
    return NULL;
}

veil_error *veil_pas_ca_load(const char *state_dir, const char *cert_pem, const char *key_pem,
                             int64_t now, veil_pas_ca *out) {
    memset(out, 0, sizeof(*out));
    if (cert_pem != NULL || key_pem != NULL) {
        VEIL_ENSURE(cert_pem != NULL && key_pem != NULL, VEIL_EINVAL,
                    "a given CA needs both its certificate and its key");
        VEIL_TRY(veil_cert_from_pem(cert_pem, strlen(cert_pem), &out->cert));
        veil_error *err =
            key_from_pem(key_pem, strlen(key_pem), "CA key is not a PEM private key", &out->key);
        if (err == NULL)
            err = ca_check_pair(out);
        if (err != NULL)
            veil_pas_ca_free(out);
        return err;
    }
    char *cert_path = NULL, *key_path = NULL;
    veil_error *err = veil_asprintf(&cert_path, "%s/ca-cert.pem", state_dir);
    if (err == NULL)
        err = veil_asprintf(&key_path, "%s/ca-key.pem", state_dir);
    if (err == NULL && mkdir(state_dir, 0700) != 0 && errno != EEXIST)
        err = veil_error_errno(errno, "creating state directory %s", state_dir);
    struct stat st;
    bool exists = err == NULL && stat(key_path, &st) == 0;
    if (err == NULL && exists) {
        uint8_t *pem = NULL;
        size_t len;
        err = veil_cert_load_file(cert_path, &out->cert);
        if (err == NULL)
            err = veil_read_file(key_path, 64 * 1024, &pem, &len);
        if (err == NULL)
            err = key_from_pem((const char *)pem, len, key_path, &out->key);
        free(pem);
        if (err == NULL)
            err = ca_check_pair(out);
        if (err != NULL)
            err = veil_error_wrap(err, "loading the CA from %s", state_dir);
    } else if (err == NULL) {
        err = create_ca(now, &out->key, &out->cert);
        BIO *bio = err == NULL ? BIO_new(BIO_s_mem()) : NULL;
        if (err == NULL && bio == NULL)
            err = veil_error_new(VEIL_ENOMEM, "out of memory");
        if (err == NULL && !PEM_write_bio_PrivateKey(bio, out->key, NULL, NULL, 0, NULL, NULL))
            err = openssl_error(VEIL_EINTERNAL, "cannot encode the CA key");
        if (err == NULL) {
            char *data;
            long n = BIO_get_mem_data(bio, &data);
            err = veil_write_file(key_path, data, (size_t)n, 0600);
        }
        BIO_free(bio);
        char *pem = NULL;
        if (err == NULL)
            err = veil_cert_to_pem(out->cert, &pem);
        if (err == NULL)
            err = veil_write_file(cert_path, pem, strlen(pem), 0644);
        free(pem);
        if (err != NULL)
            err = veil_error_wrap(err, "creating the CA in %s", state_dir);
        else
            out->created = true;
    }
    free(cert_path);
    free(key_path);
    if (err != NULL)
        veil_pas_ca_free(out);
    return err;
}

void veil_pas_ca_free(veil_pas_ca *ca) {
    X509_free(ca->cert);
    EVP_PKEY_free(ca->key);
    ca->cert = NULL;
    ca->key = NULL;
}

static veil_error *check_csr_key(X509_REQ *req) {
    EVP_PKEY *key = X509_REQ_get0_pubkey(req);
    VEIL_ENSURE(key != NULL, VEIL_EMALFORMED, "CSR has no readable public key");
    int id = EVP_PKEY_get_base_id(key);
    if (id == EVP_PKEY_EC || id == EVP_PKEY_ED25519)
        return NULL;
    if (id == EVP_PKEY_RSA) {
        VEIL_ENSURE(EVP_PKEY_get_bits(key) >= 2048, VEIL_EATTEST,
                    "CSR has an RSA key of %d bits (2048 at least)", EVP_PKEY_get_bits(key));
        return NULL;
    }
    return veil_error_new(VEIL_EATTEST, "CSR key type %s is not accepted", OBJ_nid2sn(id));
}

/* The CSR's subject alternative names, checked: DNS, IP and URI only. */
static veil_error *csr_san(X509_REQ *req, GENERAL_NAMES **out) {
    *out = NULL;
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
    if (exts == NULL)
        return NULL;
    int crit = 0, idx = -1;
    GENERAL_NAMES *names = X509V3_get_d2i(exts, NID_subject_alt_name, &crit, &idx);
    bool duplicate = names != NULL && X509V3_get_d2i(exts, NID_subject_alt_name, NULL, &idx);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    ERR_clear_error();
    if (duplicate) {
        GENERAL_NAMES_free(names);
        return veil_error_new(VEIL_EMALFORMED, "CSR has more than one subjectAltName");
    }
    if (names == NULL)
        return crit == -1 ? NULL
                          : veil_error_new(VEIL_EMALFORMED, "CSR subjectAltName does not parse");
    int n = sk_GENERAL_NAME_num(names);
    veil_error *err = NULL;
    if (n < 1 || n > MAX_SAN_ENTRIES)
        err = veil_error_new(VEIL_EMALFORMED, "CSR names %d subject alternative names (1..%d)", n,
                             MAX_SAN_ENTRIES);
    for (int i = 0; err == NULL && i < n; i++) {
        GENERAL_NAME *name = sk_GENERAL_NAME_value(names, i);
        int type;
        ASN1_STRING *value = GENERAL_NAME_get0_value(name, &type);
        if (type != GEN_DNS && type != GEN_IPADD && type != GEN_URI)
            err = veil_error_new(VEIL_EMALFORMED,
                                 "CSR subjectAltName entry %d is not a DNS name, IP address "
                                 "or URI",
                                 i);
        else if (ASN1_STRING_length(value) < 1 || ASN1_STRING_length(value) > MAX_SAN_LEN)
            err = veil_error_new(VEIL_EMALFORMED, "CSR subjectAltName entry %d has length %d", i,
                                 ASN1_STRING_length(value));
    }
    if (err != NULL) {
        GENERAL_NAMES_free(names);
        return err;
    }
    *out = names;
    return NULL;
}

veil_error *veil_pas_ca_issue(const veil_pas_ca *ca, const uint8_t *csr_der, size_t csr_len,
                              const veil_attest_measurement *measurement, int64_t now,
                              uint64_t max_validity_s, char **cert_pem, int64_t *not_after_out) {
    const unsigned char *p = csr_der;
    X509_REQ *req = csr_len <= INT32_MAX ? d2i_X509_REQ(NULL, &p, (long)csr_len) : NULL;
    if (req == NULL || p != csr_der + csr_len) {
        X509_REQ_free(req);
        return openssl_error(VEIL_EMALFORMED, "CSR is not one DER certificate request");
    }
    veil_error *err = check_csr_key(req);
    X509 *cert = NULL;
    GENERAL_NAMES *names = NULL;
    if (err == NULL && X509_REQ_verify(req, X509_REQ_get0_pubkey(req)) != 1) {
        ERR_clear_error();
        err = veil_error_new(VEIL_EATTEST,
                             "CSR self-signature does not verify (no proof of key possession)");
    }
    bool requested = false;
    int64_t want = 0;
    if (err == NULL)
        err = veil_attest_csr_not_after(req, &requested, &want);
    int64_t not_after = now + (int64_t)max_validity_s;
    if (err == NULL && requested) {
        if (want <= now)
            err = veil_error_new(VEIL_EATTEST,
                                 "CSR asks for a certificate that expires at %lld, which has "
                                 "passed (the policy's enclave_cert_expiry)",
                                 (long long)want);
        else if (want < not_after)
            not_after = want;
    }
    if (err == NULL)
        err = csr_san(req, &names);
    if (err == NULL && (cert = X509_new()) == NULL)
        err = veil_error_new(VEIL_ENOMEM, "out of memory");
    if (err == NULL) {
        X509_NAME *subject = X509_get_subject_name(cert);
        if (!X509_set_version(cert, 2) ||
            !X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8, (const unsigned char *)"Veil",
                                        -1, -1, 0) ||
            !X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                        (const unsigned char *)"Veil runtime", -1, -1, 0) ||
            !X509_set_issuer_name(cert, X509_get_subject_name(ca->cert)) ||
            !X509_set_pubkey(cert, X509_REQ_get0_pubkey(req)) ||
            X509_time_adj_ex(X509_getm_notBefore(cert), 0, 0, &(time_t){(time_t)now}) == NULL ||
            X509_time_adj_ex(X509_getm_notAfter(cert), 0, 0, &(time_t){(time_t)not_after}) == NULL)
            err = openssl_error(VEIL_EINTERNAL, "cannot fill the runtime certificate");
    }
    if (err == NULL)
        err = random_serial(cert);
    if (err == NULL)
        err = add_ext(cert, ca->cert, NID_basic_constraints, "critical,CA:FALSE");
    if (err == NULL)
        err = add_ext(cert, ca->cert, NID_key_usage, "critical,digitalSignature");
    if (err == NULL)
        err = add_ext(cert, ca->cert, NID_ext_key_usage, "serverAuth");
    if (err == NULL)
        err = add_ext(cert, ca->cert, NID_subject_key_identifier, "hash");
    if (err == NULL)
        err = add_ext(cert, ca->cert, NID_authority_key_identifier, "keyid:always");
    if (err == NULL && names != NULL && !X509_add1_ext_i2d(cert, NID_subject_alt_name, names, 0, 0))
        err = openssl_error(VEIL_EINTERNAL, "cannot add subjectAltName");
    if (err == NULL)
        err = veil_attest_cert_set_measurement(cert, measurement);
    if (err == NULL && X509_sign(cert, ca->key, EVP_sha256()) <= 0)
        err = openssl_error(VEIL_ECRYPTO, "cannot sign the runtime certificate");
    if (err == NULL)
        err = veil_cert_to_pem(cert, cert_pem);
    if (err == NULL && not_after_out != NULL)
        *not_after_out = not_after;
    GENERAL_NAMES_free(names);
    X509_free(cert);
    X509_REQ_free(req);
    return err;
}
