/*
 * Fuzz target: policy parsing and everything done with a parsed policy.
 *
 * Each input is parsed as every kind; an accepted policy has its principals
 * looked up, its rights decided on every grant path (and below, and beside
 * it), and, for a VaaS policy, is merged with a fixed infrastructure part.
 * The input as a C string also goes to the rights and expiry parsers.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "fuzz.h"
#include "veil/policy.h"
#include "veil/wasi_rights.h"

/* A PAS certificate for the VaaS merge, made once. */
static char *pas_pem(void) {
    static char *pem;
    if (pem != NULL)
        return pem;
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *cert = X509_new();
    X509_set_pubkey(cert, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                               (const unsigned char *)"fuzz-pas", -1, -1, 0);
    X509_set_issuer_name(cert, X509_get_subject_name(cert));
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_sign(cert, key, EVP_sha256());
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    pem = calloc(1, (size_t)n + 1);
    if (pem != NULL)
        memcpy(pem, data, (size_t)n);
    BIO_free(bio);
    X509_free(cert);
    EVP_PKEY_free(key);
    return pem;
}

static void exercise(const veil_policy *p) {
    char hex[VEIL_SHA256_HEX_LEN + 1];
    veil_policy_hash_hex(p, hex);
    for (size_t w = 0; w < veil_policy_warning_count(p); w++)
        (void)strlen(veil_policy_warning(p, w));
    for (size_t i = 0; i < veil_policy_principal_count(p); i++) {
        const veil_policy_principal *pr = veil_policy_principal_at(p, i);
        const veil_policy_principal *found;
        veil_error_free(veil_policy_find_principal(p, pr->name, &found));
        if (pr->certificate != NULL)
            veil_error_free(veil_policy_find_by_cert(p, pr->certificate, &found));
        for (size_t g = 0; g < pr->grant_count; g++) {
            const char *path = pr->grants[g].path;
            if (veil_policy_rights_on(pr, path) != pr->grants[g].base_rights)
                abort(); /* a grant must decide for its own path */
            char below[4200];
            snprintf(below, sizeof(below), "%s/x", strcmp(path, "/") == 0 ? "" : path);
            veil_error_free(veil_policy_check_rights(pr, below, VEIL_RIGHT_FD_READ));
            snprintf(below, sizeof(below), "%sx", path);
            veil_error_free(veil_policy_check_rights(pr, below, VEIL_RIGHTS_ALL));
        }
    }
    const veil_policy_settings *s = veil_policy_settings_of(p);
    for (size_t i = 0; i < s->file_hash_count; i++)
        if (veil_policy_expected_hash(p, s->file_hashes[i].path) == NULL)
            abort(); /* every listed hash must be found by its path */
    if (s->kind == VEIL_POLICY_VAAS && pas_pem() != NULL) {
        veil_policy_infra infra = {
            .server_url = "fuzz:1",
            .pas_url = "fuzz-pas:2",
            .pas_cert_pem = pas_pem(),
            .runtime_hash_linux =
                "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
            .now_unix = 1700000000,
        };
        char *text;
        size_t len;
        veil_error *err = veil_policy_merge_vaas_infra(p, &infra, &text, &len);
        if (err == NULL)
            free(text);
        veil_error_free(err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const veil_policy_kind kinds[] = {VEIL_POLICY_ANY, VEIL_POLICY_GLOBAL,
                                             VEIL_POLICY_FUNCTION, VEIL_POLICY_USER,
                                             VEIL_POLICY_VAAS};
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        veil_policy *p;
        veil_error *err = veil_policy_parse(data, size, "fuzz", kinds[k], &p);
        if (err != NULL) {
            veil_error_free(err);
            continue;
        }
        exercise(p);
        veil_policy_free(p);
    }
    if (size < 256) {
        char text[256];
        memcpy(text, data, size);
        text[size] = '\0';
        uint64_t rights;
        veil_error_free(veil_rights_parse(text, &rights));
        veil_policy_expiry e;
        veil_error_free(veil_policy_expiry_parse(text, &e));
    }
    return 0;
}
