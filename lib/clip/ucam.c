/*
 * The Ucam / i-PoC clip format, accepted for compatibility only: the whole
 * file is AES-128-CTR ciphertext of the H.264 stream, with no header and no
 * authentication tag, under a 16-byte key and a 16-byte initial counter
 * block (12-byte nonce || 32-bit big-endian block counter, as Ucam's
 * ks_encrypt lays it out).  Nothing here can detect tampering; creating a
 * decryptor logs a warning saying so.
 *
 * Ucam increments only the low 32 bits of the block; mbedtls and OpenSSL
 * carry into all 128.  The keystreams agree until the low word wraps, so
 * instead of guessing which convention a file used, a stream that would
 * reach the wrap (at most 64 GiB from the start) is refused.
 */
#include <stdlib.h>
#include <string.h>

#include "clip_crypto.h"
#include "veil/clip.h"
#include "veil/log.h"

/* Bytes processed at a time (bounded scratch buffer). */
#define UCAM_STEP 65536

struct veil_clip_ucam_ctr {
    veil_clip_ctr *ctr;
    veil_clip_sink sink;
    void *sink_data;
    uint64_t offset;      /* bytes processed */
    uint64_t limit_bytes; /* bytes before the low 32-bit counter would wrap */
    uint8_t buf[UCAM_STEP];
};

veil_error *veil_clip_ucam_ctr_new(const uint8_t key[VEIL_CLIP_UCAM_KEY_LEN],
                                   const uint8_t counter[VEIL_CLIP_UCAM_COUNTER_LEN],
                                   veil_clip_sink sink, void *sink_data, veil_clip_ucam_ctr **out) {
    *out = NULL;
    veil_clip_ucam_ctr *u = calloc(1, sizeof(*u));
    VEIL_ENSURE(u != NULL, VEIL_ENOMEM, "out of memory for an AES-128-CTR decryptor");
    veil_error *err = veil_clip_ctr_new(key, VEIL_CLIP_UCAM_KEY_LEN, counter, &u->ctr);
    if (err != NULL) {
        free(u);
        return err;
    }
    uint32_t low = ((uint32_t)counter[12] << 24) | ((uint32_t)counter[13] << 16) |
                   ((uint32_t)counter[14] << 8) | counter[15];
    u->limit_bytes = ((uint64_t)UINT32_MAX - low + 1) * 16;
    u->sink = sink;
    u->sink_data = sink_data;
    VEIL_WARN("clip", "reading the Ucam AES-128-CTR format: it is not authenticated, so tampering "
                      "with the clip cannot be detected");
    *out = u;
    return NULL;
}

veil_error *veil_clip_ucam_ctr_update(veil_clip_ucam_ctr *u, const void *data, size_t len) {
    const uint8_t *in = data;
    VEIL_ENSURE(len <= u->limit_bytes - u->offset, VEIL_EUNSUPPORTED,
                "AES-128-CTR stream would pass offset %llu, where the 32-bit block counter of the "
                "Ucam format wraps and implementations disagree",
                (unsigned long long)u->limit_bytes);
    while (len > 0) {
        size_t n = len < UCAM_STEP ? len : UCAM_STEP;
        VEIL_TRY(veil_clip_ctr_crypt(u->ctr, in, n, u->buf));
        veil_error *err = u->sink(u->sink_data, u->buf, n);
        veil_clip_wipe(u->buf, n);
        if (err != NULL)
            return veil_error_wrap(err, "writing AES-128-CTR plaintext at offset %llu",
                                   (unsigned long long)u->offset);
        u->offset += n;
        in += n;
        len -= n;
    }
    return NULL;
}

void veil_clip_ucam_ctr_free(veil_clip_ucam_ctr *u) {
    if (u == NULL)
        return;
    veil_clip_ctr_free(u->ctr);
    veil_clip_wipe(u, sizeof(*u));
    free(u);
}
