/*
 * The primitives under the clip format, over the mbedtls API (Debian's
 * libmbedcrypto natively, Veil's minimal build in wasm32-wasi): AES-GCM,
 * AES-CTR and HKDF-SHA256.  Internal to lib/clip and its tests; the tests
 * run the Wycheproof and NIST vectors through exactly these functions.
 */
#ifndef VEIL_CLIP_CRYPTO_H
#define VEIL_CLIP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "veil/error.h"

typedef struct veil_clip_gcm veil_clip_gcm;

/* An AES-GCM key (16, 24 or 32 bytes). */
VEIL_NODISCARD veil_error *veil_clip_gcm_new(const uint8_t *key, size_t key_len,
                                             veil_clip_gcm **out);
void veil_clip_gcm_free(veil_clip_gcm *gcm);
/* Encrypts len bytes (ct may equal pt) and writes a tag_len-byte tag (4..16). */
VEIL_NODISCARD veil_error *veil_clip_gcm_seal(veil_clip_gcm *gcm, const uint8_t *iv, size_t iv_len,
                                              const uint8_t *aad, size_t aad_len, const uint8_t *pt,
                                              size_t len, uint8_t *ct, uint8_t *tag,
                                              size_t tag_len);
/* Verifies and decrypts.  On any failure pt is zeroed, so no unauthenticated
 * plaintext survives the call; a bad tag is VEIL_ECRYPTO. */
VEIL_NODISCARD veil_error *veil_clip_gcm_open(veil_clip_gcm *gcm, const uint8_t *iv, size_t iv_len,
                                              const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                                              size_t len, const uint8_t *tag, size_t tag_len,
                                              uint8_t *pt);

/* HKDF-SHA256 (RFC 5869); okm_len at most 255 * 32. */
VEIL_NODISCARD veil_error *veil_clip_hkdf_sha256(const uint8_t *salt, size_t salt_len,
                                                 const uint8_t *ikm, size_t ikm_len,
                                                 const uint8_t *info, size_t info_len, uint8_t *okm,
                                                 size_t okm_len);
/* HKDF-Expand-SHA256 alone, from a pseudorandom key of at least 32 bytes. */
VEIL_NODISCARD veil_error *veil_clip_hkdf_sha256_expand(const uint8_t *prk, size_t prk_len,
                                                        const uint8_t *info, size_t info_len,
                                                        uint8_t *okm, size_t okm_len);

/* AES-CTR keystream state: key of 16, 24 or 32 bytes, a 16-byte counter
 * block incremented as one 128-bit big-endian number (NIST SP 800-38A). */
typedef struct veil_clip_ctr veil_clip_ctr;

VEIL_NODISCARD veil_error *veil_clip_ctr_new(const uint8_t *key, size_t key_len,
                                             const uint8_t counter[16], veil_clip_ctr **out);
/* Encrypts or decrypts len bytes (out may equal in), continuing the stream. */
VEIL_NODISCARD veil_error *veil_clip_ctr_crypt(veil_clip_ctr *ctr, const uint8_t *in, size_t len,
                                               uint8_t *out);
void veil_clip_ctr_free(veil_clip_ctr *ctr);

/* Overwrites memory in a way the compiler does not remove. */
void veil_clip_wipe(void *p, size_t len);

#endif
