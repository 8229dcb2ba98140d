/*
 * AES-GCM, AES-CTR and HKDF-SHA256 over mbedtls 2.28.  Keys and keystream
 * live only inside the context structures, which are wiped when freed.
 */
#include "clip_crypto.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/gcm.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

struct veil_clip_gcm {
    mbedtls_gcm_context ctx;
};

struct veil_clip_ctr {
    mbedtls_aes_context aes;
    uint8_t counter[16];
    uint8_t stream_block[16];
    size_t offset; /* bytes of stream_block already used, 0..15 */
};

void veil_clip_wipe(void *p, size_t len) {
    if (p != NULL && len > 0)
        mbedtls_platform_zeroize(p, len);
}

static veil_error *check_aes_key_len(size_t key_len) {
    VEIL_ENSURE(key_len == 16 || key_len == 24 || key_len == 32, VEIL_EINVAL,
                "AES key is %zu bytes; it must be 16, 24 or 32", key_len);
    return NULL;
}

veil_error *veil_clip_gcm_new(const uint8_t *key, size_t key_len, veil_clip_gcm **out) {
    *out = NULL;
    VEIL_TRY(check_aes_key_len(key_len));
    veil_clip_gcm *gcm = calloc(1, sizeof(*gcm));
    VEIL_ENSURE(gcm != NULL, VEIL_ENOMEM, "out of memory for an AES-GCM context");
    mbedtls_gcm_init(&gcm->ctx);
    int rc = mbedtls_gcm_setkey(&gcm->ctx, MBEDTLS_CIPHER_ID_AES, key, (unsigned)(key_len * 8));
    if (rc != 0) {
        veil_clip_gcm_free(gcm);
        return veil_error_new(VEIL_EINTERNAL, "mbedtls_gcm_setkey failed (-0x%04x)", (unsigned)-rc);
    }
    *out = gcm;
    return NULL;
}

void veil_clip_gcm_free(veil_clip_gcm *gcm) {
    if (gcm == NULL)
        return;
    mbedtls_gcm_free(&gcm->ctx);
    free(gcm);
}

static veil_error *check_gcm_args(size_t iv_len, size_t tag_len) {
    VEIL_ENSURE(iv_len > 0, VEIL_EINVAL, "AES-GCM nonce is empty");
    VEIL_ENSURE(tag_len >= 4 && tag_len <= 16, VEIL_EINVAL,
                "AES-GCM tag length %zu is outside 4..16", tag_len);
    return NULL;
}

veil_error *veil_clip_gcm_seal(veil_clip_gcm *gcm, const uint8_t *iv, size_t iv_len,
                               const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t len,
                               uint8_t *ct, uint8_t *tag, size_t tag_len) {
    VEIL_TRY(check_gcm_args(iv_len, tag_len));
    int rc = mbedtls_gcm_crypt_and_tag(&gcm->ctx, MBEDTLS_GCM_ENCRYPT, len, iv, iv_len, aad,
                                       aad_len, pt, ct, tag_len, tag);
    VEIL_ENSURE(rc == 0, VEIL_EINTERNAL, "AES-GCM encryption failed (mbedtls -0x%04x)",
                (unsigned)-rc);
    return NULL;
}

veil_error *veil_clip_gcm_open(veil_clip_gcm *gcm, const uint8_t *iv, size_t iv_len,
                               const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t len,
                               const uint8_t *tag, size_t tag_len, uint8_t *pt) {
    veil_error *err = check_gcm_args(iv_len, tag_len);
    if (err != NULL) {
        veil_clip_wipe(pt, len);
        return err;
    }
    int rc =
        mbedtls_gcm_auth_decrypt(&gcm->ctx, len, iv, iv_len, aad, aad_len, tag, tag_len, ct, pt);
    if (rc == 0)
        return NULL;
    veil_clip_wipe(pt, len);
    if (rc == MBEDTLS_ERR_GCM_AUTH_FAILED)
        return veil_error_new(VEIL_ECRYPTO, "authentication failed");
    return veil_error_new(VEIL_EINTERNAL, "AES-GCM decryption failed (mbedtls -0x%04x)",
                          (unsigned)-rc);
}

veil_error *veil_clip_hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                                  size_t ikm_len, const uint8_t *info, size_t info_len,
                                  uint8_t *okm, size_t okm_len) {
    VEIL_ENSURE(okm_len <= 255 * 32, VEIL_EINVAL,
                "HKDF-SHA256 output of %zu bytes exceeds 255 * 32", okm_len);
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    VEIL_ENSURE(md != NULL, VEIL_EINTERNAL, "mbedtls has no SHA-256");
    int rc = mbedtls_hkdf(md, salt, salt_len, ikm, ikm_len, info, info_len, okm, okm_len);
    VEIL_ENSURE(rc == 0, VEIL_EINTERNAL, "HKDF-SHA256 failed (mbedtls -0x%04x)", (unsigned)-rc);
    return NULL;
}

veil_error *veil_clip_hkdf_sha256_expand(const uint8_t *prk, size_t prk_len, const uint8_t *info,
                                         size_t info_len, uint8_t *okm, size_t okm_len) {
    VEIL_ENSURE(okm_len <= 255 * 32, VEIL_EINVAL,
                "HKDF-SHA256 output of %zu bytes exceeds 255 * 32", okm_len);
    VEIL_ENSURE(prk_len >= 32, VEIL_EINVAL, "HKDF-Expand key is %zu bytes; it needs 32", prk_len);
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    VEIL_ENSURE(md != NULL, VEIL_EINTERNAL, "mbedtls has no SHA-256");
    int rc = mbedtls_hkdf_expand(md, prk, prk_len, info, info_len, okm, okm_len);
    VEIL_ENSURE(rc == 0, VEIL_EINTERNAL, "HKDF-Expand-SHA256 failed (mbedtls -0x%04x)",
                (unsigned)-rc);
    return NULL;
}

veil_error *veil_clip_ctr_new(const uint8_t *key, size_t key_len, const uint8_t counter[16],
                              veil_clip_ctr **out) {
    *out = NULL;
    VEIL_TRY(check_aes_key_len(key_len));
    veil_clip_ctr *ctr = calloc(1, sizeof(*ctr));
    VEIL_ENSURE(ctr != NULL, VEIL_ENOMEM, "out of memory for an AES-CTR context");
    mbedtls_aes_init(&ctr->aes);
    /* CTR uses the forward cipher for both directions. */
    int rc = mbedtls_aes_setkey_enc(&ctr->aes, key, (unsigned)(key_len * 8));
    if (rc != 0) {
        veil_clip_ctr_free(ctr);
        return veil_error_new(VEIL_EINTERNAL, "mbedtls_aes_setkey_enc failed (-0x%04x)",
                              (unsigned)-rc);
    }
    memcpy(ctr->counter, counter, 16);
    *out = ctr;
    return NULL;
}

veil_error *veil_clip_ctr_crypt(veil_clip_ctr *ctr, const uint8_t *in, size_t len, uint8_t *out) {
    int rc = mbedtls_aes_crypt_ctr(&ctr->aes, len, &ctr->offset, ctr->counter, ctr->stream_block,
                                   in, out);
    VEIL_ENSURE(rc == 0, VEIL_EINTERNAL, "AES-CTR failed (mbedtls -0x%04x)", (unsigned)-rc);
    return NULL;
}

void veil_clip_ctr_free(veil_clip_ctr *ctr) {
    if (ctr == NULL)
        return;
    mbedtls_aes_free(&ctr->aes);
    veil_clip_wipe(ctr, sizeof(*ctr));
    free(ctr);
}
