/*
 * The SOFTWARE evidence format (layout in veil/pas.h, docs/attestation.md).
 *
 * The local backend's host measures the runtime binary it launches and
 * signs (nonce, measurement, SHA-256 of the runtime's CSR) with a device
 * key enrolled with the PAS.  This proves which binary a host that holds
 * an enrolled key says it launched; it does not protect the runtime from
 * that host's operator, who can read its memory.  It is for development
 * and for machines without a TEE, and the platform it reports is "linux"
 * (compared with the policy's runtime_manager_hash_linux).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "evidence.h"
#include "veil/pas.h"
#include "veil/reader.h"
#include "veil/str.h"

enum { MAGIC_LEN = 8, MIN_NONCE = 16, MAX_NONCE = 64, MAX_SIGNATURE = 512 };

static veil_error *read_short_field(veil_reader *r, const char *what, size_t min, size_t max,
                                    const uint8_t **value, size_t *len) {
    uint8_t n;
    VEIL_TRY(veil_reader_u8(r, &n));
    if (n < min || n > max)
        return veil_reader_error(r, VEIL_EMALFORMED, "%s is %u bytes (%zu..%zu allowed)", what, n,
                                 min, max);
    *len = n;
    return veil_reader_bytes(r, n, value);
}

veil_error *veil_pas_software_evidence_parse(const uint8_t *bytes, size_t len,
                                             veil_pas_software_evidence *out) {
    veil_reader r;
    veil_reader_init(&r, bytes, len, "software evidence");
    const uint8_t *magic, *device, *nonce, *measurement, *csr_hash, *signature;
    size_t device_len, nonce_len, measurement_len, csr_hash_len;
    uint8_t version;
    uint16_t signature_len;
    memset(out, 0, sizeof(*out));
    VEIL_TRY(veil_reader_bytes(&r, MAGIC_LEN, &magic));
    if (memcmp(magic, VEIL_PAS_SOFTWARE_MAGIC, MAGIC_LEN) != 0)
        return veil_error_new(VEIL_EMALFORMED,
                              "software evidence does not start with \"" VEIL_PAS_SOFTWARE_MAGIC
                              "\"");
    VEIL_TRY(veil_reader_u8(&r, &version));
    if (version != VEIL_PAS_SOFTWARE_VERSION)
        return veil_reader_error(&r, VEIL_EMALFORMED, "software evidence version %u (expected %d)",
                                 version, VEIL_PAS_SOFTWARE_VERSION);
    VEIL_TRY(
        read_short_field(&r, "device name", 1, VEIL_PAS_DEVICE_NAME_MAX, &device, &device_len));
    memcpy(out->device, device, device_len);
    out->device[device_len] = '\0';
    if (memchr(device, 0, device_len) != NULL)
        return veil_reader_error(&r, VEIL_EMALFORMED, "device name holds a NUL byte");
    veil_error *err = veil_pas_device_name_check(out->device);
    if (err != NULL)
        return veil_error_wrap(err, "software evidence");
    VEIL_TRY(read_short_field(&r, "nonce", MIN_NONCE, MAX_NONCE, &nonce, &nonce_len));
    VEIL_TRY(read_short_field(&r, "measurement", VEIL_SHA256_LEN, VEIL_SHA256_LEN, &measurement,
                              &measurement_len));
    VEIL_TRY(read_short_field(&r, "CSR hash", VEIL_SHA256_LEN, VEIL_SHA256_LEN, &csr_hash,
                              &csr_hash_len));
    out->signed_bytes = bytes;
    out->signed_len = veil_reader_offset(&r);
    VEIL_TRY(veil_reader_u16be(&r, &signature_len));
    if (signature_len == 0 || signature_len > MAX_SIGNATURE)
        return veil_reader_error(&r, VEIL_EMALFORMED, "signature is %u bytes (1..%d allowed)",
                                 signature_len, MAX_SIGNATURE);
    VEIL_TRY(veil_reader_bytes(&r, signature_len, &signature));
    if (!veil_reader_at_end(&r))
        return veil_reader_error(&r, VEIL_EMALFORMED, "%zu trailing bytes after the signature",
                                 veil_reader_remaining(&r));
    memcpy(out->nonce, nonce, nonce_len);
    out->nonce_len = nonce_len;
    memcpy(out->measurement, measurement, VEIL_SHA256_LEN);
    memcpy(out->csr_sha256, csr_hash, VEIL_SHA256_LEN);
    out->signature = signature;
    out->signature_len = signature_len;
    return NULL;
}

/* Ed25519 signs the message itself; ECDSA signs its SHA-256. */
static const EVP_MD *digest_for(EVP_PKEY *key) {
    return EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
}

veil_error *veil_pas_software_evidence_build(const char *device, EVP_PKEY *device_key,
                                             const uint8_t *nonce, size_t nonce_len,
                                             const uint8_t measurement[VEIL_SHA256_LEN],
                                             const uint8_t csr_sha256[VEIL_SHA256_LEN],
                                             uint8_t **out, size_t *out_len) {
    VEIL_TRY(veil_pas_device_name_check(device));
    VEIL_TRY(veil_pas_device_key_check(device_key, "device key"));
    VEIL_ENSURE(nonce_len >= MIN_NONCE && nonce_len <= MAX_NONCE, VEIL_EINVAL,
                "nonce of %zu bytes (%d..%d allowed)", nonce_len, MIN_NONCE, MAX_NONCE);
    veil_buf b;
    veil_buf_init(&b, 0);
    size_t dlen = strlen(device);
    uint8_t n8;
    veil_error *err = veil_buf_append(&b, VEIL_PAS_SOFTWARE_MAGIC, MAGIC_LEN);
    n8 = VEIL_PAS_SOFTWARE_VERSION;
    if (err == NULL)
        err = veil_buf_append(&b, &n8, 1);
    n8 = (uint8_t)dlen;
    if (err == NULL)
        err = veil_buf_append(&b, &n8, 1);
    if (err == NULL)
        err = veil_buf_append(&b, device, dlen);
    n8 = (uint8_t)nonce_len;
    if (err == NULL)
        err = veil_buf_append(&b, &n8, 1);
    if (err == NULL)
        err = veil_buf_append(&b, nonce, nonce_len);
    n8 = VEIL_SHA256_LEN;
    if (err == NULL)
        err = veil_buf_append(&b, &n8, 1);
    if (err == NULL)
        err = veil_buf_append(&b, measurement, VEIL_SHA256_LEN);
    if (err == NULL)
        err = veil_buf_append(&b, &n8, 1);
    if (err == NULL)
        err = veil_buf_append(&b, csr_sha256, VEIL_SHA256_LEN);
    if (err != NULL) {
        veil_buf_free(&b);
        return err;
    }
    uint8_t sig[MAX_SIGNATURE];
    size_t sig_len = sizeof(sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md != NULL && EVP_DigestSignInit(md, NULL, digest_for(device_key), NULL, device_key) &&
             EVP_DigestSign(md, sig, &sig_len, b.data, b.len);
    EVP_MD_CTX_free(md);
    if (!ok) {
        ERR_clear_error();
        veil_buf_free(&b);
        return veil_error_new(VEIL_ECRYPTO, "signing software evidence with device '%s' failed",
                              device);
    }
    uint8_t len16[2] = {(uint8_t)(sig_len >> 8), (uint8_t)sig_len};
    err = veil_buf_append(&b, len16, 2);
    if (err == NULL)
        err = veil_buf_append(&b, sig, sig_len);
    if (err != NULL) {
        veil_buf_free(&b);
        return err;
    }
    *out = (uint8_t *)veil_buf_steal(&b, out_len);
    return NULL;
}

static veil_error *software_verify(const char *state_dir, const uint8_t *evidence, size_t len,
                                   veil_pas_claims *out) {
    veil_pas_software_evidence ev;
    VEIL_TRY(veil_pas_software_evidence_parse(evidence, len, &ev));
    EVP_PKEY *key;
    veil_error *err = veil_pas_device_key(state_dir, ev.device, &key);
    if (err != NULL) {
        if (veil_error_code(err) == VEIL_ENOENT) {
            veil_error_free(err);
            return veil_error_new(VEIL_EATTEST,
                                  "software evidence names device '%s', which is not enrolled",
                                  ev.device);
        }
        return err;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok =
        md != NULL && EVP_DigestVerifyInit(md, NULL, digest_for(key), NULL, key) == 1 &&
        EVP_DigestVerify(md, ev.signature, ev.signature_len, ev.signed_bytes, ev.signed_len) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    ERR_clear_error();
    if (!ok)
        return veil_error_new(VEIL_EATTEST,
                              "software evidence signature does not verify with the key enrolled "
                              "for device '%s'",
                              ev.device);
    memset(out, 0, sizeof(*out));
    veil_strlcpy(out->platform, VEIL_ATTEST_PLATFORM_LINUX, sizeof(out->platform));
    memcpy(out->nonce, ev.nonce, ev.nonce_len);
    out->nonce_len = ev.nonce_len;
    memcpy(out->measurement, ev.measurement, VEIL_SHA256_LEN);
    out->measurement_len = VEIL_SHA256_LEN;
    memcpy(out->csr_sha256, ev.csr_sha256, VEIL_SHA256_LEN);
    snprintf(out->signer, sizeof(out->signer), "device '%s'", ev.device);
    return NULL;
}

const veil_pas_evidence_format veil_pas_format_software = {
    .name = "software",
    .verify = software_verify,
};
