/*
 * Finding principals: by certificate (what the runtime's TLS layer has), by
 * identity id, by program path and by name.  Certificates are matched by
 * their DER encoding: the SHA-256 of every identity's DER was computed at
 * parse time, and a hash match is confirmed by comparing the encodings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "veil/encoding.h"
#include "veil/str.h"
#include "veil/x509.h"

size_t veil_policy_principal_count(const veil_policy *policy) {
    return policy->principal_count;
}

const veil_policy_principal *veil_policy_principal_at(const veil_policy *policy, size_t index) {
    return index < policy->principal_count ? &policy->principals[index] : NULL;
}

veil_error *veil_policy_find_by_cert(const veil_policy *policy, X509 *cert,
                                     const veil_policy_principal **out) {
    uint8_t *der;
    size_t len;
    VEIL_TRY(veil_cert_to_der(cert, &der, &len));
    uint8_t hash[VEIL_SHA256_LEN];
    veil_sha256(der, len, hash);
    free(der);
    for (size_t i = 0; i < policy->principal_count; i++) {
        const veil_policy_principal *pr = &policy->principals[i];
        if (pr->certificate != NULL && memcmp(policy->cert_hashes[i], hash, VEIL_SHA256_LEN) == 0 &&
            veil_cert_equal(pr->certificate, cert)) {
            *out = pr;
            return NULL;
        }
    }
    char subject[256], fingerprint[VEIL_SHA256_HEX_LEN + 1];
    veil_cert_subject(cert, subject, sizeof(subject));
    veil_hex_encode(hash, VEIL_SHA256_LEN, fingerprint);
    return veil_error_new(VEIL_ENOENT,
                          "no identity in the policy has the certificate \"%s\" (SHA-256 %s)",
                          subject, fingerprint);
}

veil_error *veil_policy_find_identity(const veil_policy *policy, uint32_t id,
                                      const veil_policy_principal **out) {
    for (size_t i = 0; i < policy->principal_count; i++) {
        const veil_policy_principal *pr = &policy->principals[i];
        if (pr->kind == VEIL_PRINCIPAL_IDENTITY && pr->id == id) {
            *out = pr;
            return NULL;
        }
    }
    return veil_error_new(VEIL_ENOENT, "the policy has no identity with id %u", id);
}

veil_error *veil_policy_find_program(const veil_policy *policy, const char *path,
                                     const veil_policy_principal **out) {
    char *norm;
    veil_error *err = policy_path_normalize(path, false, &norm, NULL);
    if (err == NULL) {
        for (size_t i = 0; i < policy->principal_count; i++) {
            const veil_policy_principal *pr = &policy->principals[i];
            if (pr->kind == VEIL_PRINCIPAL_PROGRAM && pr->program_file_name != NULL &&
                strcmp(pr->program_file_name, norm) == 0) {
                free(norm);
                *out = pr;
                return NULL;
            }
        }
        free(norm);
    } else {
        veil_error_free(err);
    }
    char quoted[128];
    policy_quote(path, quoted, sizeof(quoted));
    return veil_error_new(VEIL_ENOENT, "the policy has no program %s", quoted);
}

veil_error *veil_policy_find_principal(const veil_policy *policy, const char *name,
                                       const veil_policy_principal **out) {
    uint64_t id;
    veil_error *err = veil_parse_u64(name, UINT32_MAX, "identity id", &id);
    if (err == NULL)
        return veil_policy_find_identity(policy, (uint32_t)id, out);
    veil_error_free(err);
    if (veil_str_starts_with(name, "program "))
        return veil_policy_find_program(policy, name + strlen("program "), out);
    for (size_t i = 0; i < policy->principal_count; i++) {
        if (strcmp(policy->principals[i].name, name) == 0) {
            *out = &policy->principals[i];
            return NULL;
        }
    }
    char quoted[128];
    policy_quote(name, quoted, sizeof(quoted));
    return veil_error_new(VEIL_ENOENT,
                          "the policy has no principal %s (names are \"identity N\", \"program "
                          "PATH\" or \"loader\")",
                          quoted);
}

const uint8_t *veil_policy_expected_hash(const veil_policy *policy, const char *path) {
    char *norm;
    veil_error *err = policy_path_normalize(path, false, &norm, NULL);
    if (err != NULL) {
        veil_error_free(err);
        return NULL;
    }
    const uint8_t *found = NULL;
    for (size_t i = 0; i < policy->file_hash_count && found == NULL; i++)
        if (strcmp(policy->file_hashes[i].path, norm) == 0)
            found = policy->file_hashes[i].sha256;
    free(norm);
    return found;
}
