/*
 * Clip format v1: header, key derivation, streaming encryption and
 * decryption (docs/clip-format.md is the specification; this file follows
 * it field by field).
 *
 * Header (big-endian integers):
 *    0  8  magic "VEILCLIP"          24  8  created_ms
 *    8  1  version (1)               32  2  width       34  2  height
 *    9  1  codec                     36  2  fps_num     38  2  fps_den
 *   10  2  header length H           40  1  clip id length L, then L bytes
 *   12  4  chunk size                 then 1 camera id length C and C bytes
 *   16  7  nonce prefix               then 16 key check, 16 header tag
 *   23  1  flags (0)
 *
 * Invariants the decryptor keeps:
 *  - the sink only ever sees plaintext of a chunk whose GCM tag verified
 *    under the nonce of that chunk's position, with the verified header as
 *    associated data;
 *  - a chunk is released as the last one only if it verified with the
 *    last-chunk flag, and only at finish(), so a truncated clip never looks
 *    complete;
 *  - after the first error the decryptor is dead and every buffer that held
 *    plaintext has been wiped.
 * Errors are diagnosed after the fact (which position a chunk really
 * belongs to, whether it was the last) by trial decryptions into a scratch
 * buffer that is wiped; diagnosis never releases anything.
 */
#include "veil/clip.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clip_crypto.h"
#include "veil/encoding.h"
#include "veil/log.h"
#include "veil/reader.h"
#include "veil/str.h"

#define FIXED_LEN 41 /* bytes before the clip id */
#define NONCE_LEN 12
#define FLAG_MIDDLE 0x00
#define FLAG_LAST 0x01
#define FLAG_HEADER 0x02
#define HEADER_COUNTER 0xffffffffu
#define KEY_CHECK_INFO "veil-clip-v1 key check"
/* How far from its position diagnosis looks for where a chunk belongs. */
#define DIAGNOSE_WINDOW 64u

static const char component[] = "clip";

/* ---- small helpers ------------------------------------------------------- */

static void put_be16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put_be64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void make_nonce(const uint8_t prefix[VEIL_CLIP_NONCE_PREFIX_LEN], uint32_t counter,
                       uint8_t flag, uint8_t nonce[NONCE_LEN]) {
    memcpy(nonce, prefix, VEIL_CLIP_NONCE_PREFIX_LEN);
    put_be32(nonce + VEIL_CLIP_NONCE_PREFIX_LEN, counter);
    nonce[NONCE_LEN - 1] = flag;
}

static bool id_char_ok(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
}

const char *veil_clip_codec_name(veil_clip_codec codec) {
    switch (codec) {
    case VEIL_CLIP_CODEC_OPAQUE:
        return "opaque";
    case VEIL_CLIP_CODEC_H264_ANNEXB:
        return "h264";
    }
    return "unknown";
}

veil_error *veil_clip_codec_parse(const char *name, veil_clip_codec *out) {
    if (strcmp(name, "h264") == 0)
        *out = VEIL_CLIP_CODEC_H264_ANNEXB;
    else if (strcmp(name, "opaque") == 0)
        *out = VEIL_CLIP_CODEC_OPAQUE;
    else
        return veil_error_new(VEIL_EINVAL, "unknown codec '%s' (h264 or opaque)", name);
    return NULL;
}

/* ---- keys ---------------------------------------------------------------- */

veil_error *veil_clip_random(uint8_t *out, size_t len) {
    /* getentropy() is the OS CSPRNG natively and WASI random_get in wasm;
     * it serves at most 256 bytes a call. */
    while (len > 0) {
        size_t n = len < 256 ? len : 256;
        if (getentropy(out, n) != 0)
            return veil_error_errno(errno, "getentropy (%zu bytes)", n);
        out += n;
        len -= n;
    }
    return NULL;
}

veil_error *veil_clip_new_id(char out[VEIL_CLIP_ID_MAX + 1]) {
    uint8_t raw[16];
    VEIL_TRY(veil_clip_random(raw, sizeof(raw)));
    veil_hex_encode(raw, sizeof(raw), out);
    return NULL;
}

veil_error *veil_clip_id_check(const char *clip_id, const char *what) {
    size_t len = strlen(clip_id);
    VEIL_ENSURE(len >= 1 && len <= VEIL_CLIP_ID_MAX, VEIL_EINVAL,
                "%s is %zu characters; it must be 1 to %d", what, len, VEIL_CLIP_ID_MAX);
    for (size_t i = 0; i < len; i++)
        VEIL_ENSURE(id_char_ok(clip_id[i]), VEIL_EINVAL,
                    "%s has character 0x%02x at %zu; allowed are A-Z a-z 0-9 . _ : -", what,
                    (unsigned)(uint8_t)clip_id[i], i);
    return NULL;
}

static veil_error *camera_id_check(const char *camera_id) {
    size_t len = strlen(camera_id);
    VEIL_ENSURE(len <= VEIL_CLIP_CAMERA_ID_MAX, VEIL_EINVAL,
                "camera id is %zu characters; at most %d are allowed", len,
                VEIL_CLIP_CAMERA_ID_MAX);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)camera_id[i];
        VEIL_ENSURE(c >= 0x20 && c <= 0x7e, VEIL_EINVAL,
                    "camera id has character 0x%02x at %zu; only printable ASCII is allowed",
                    (unsigned)c, i);
    }
    return NULL;
}

veil_error *veil_clip_derive_key(const uint8_t master_key[VEIL_CLIP_KEY_LEN], const char *clip_id,
                                 uint8_t clip_key[VEIL_CLIP_KEY_LEN]) {
    VEIL_TRY(veil_clip_id_check(clip_id, "clip id"));
    return veil_clip_hkdf_sha256((const uint8_t *)clip_id, strlen(clip_id), master_key,
                                 VEIL_CLIP_KEY_LEN, (const uint8_t *)VEIL_CLIP_KEY_INFO,
                                 strlen(VEIL_CLIP_KEY_INFO), clip_key, VEIL_CLIP_KEY_LEN);
}

veil_error *veil_clip_key_parse(const uint8_t *data, size_t len, size_t key_len, const char *what,
                                uint8_t *key) {
    size_t text_len = len;
    if (text_len > 0 && data[text_len - 1] == '\n')
        text_len--;
    if (text_len > 0 && data[text_len - 1] == '\r')
        text_len--;
    if (text_len == 2 * key_len) {
        size_t got = 0;
        veil_error *err = veil_hex_decode((const char *)data, text_len, key, key_len, &got);
        if (err == NULL)
            return NULL;
        if (len != key_len)
            return veil_error_wrap(err, "%s: key as hex", what);
        veil_error_free(err);
    }
    if (len == key_len) {
        memcpy(key, data, key_len);
        return NULL;
    }
    return veil_error_new(VEIL_EINVAL,
                          "%s: a %zu-byte key is %zu hex digits (and an optional newline) or %zu "
                          "raw bytes; the file has %zu bytes",
                          what, key_len, 2 * key_len, key_len, len);
}

/* The key check value commits to the key: AES-GCM alone is not
 * key-committing, and this turns a wrong key into a clear error before any
 * chunk is tried. */
static veil_error *key_check_value(const uint8_t clip_key[VEIL_CLIP_KEY_LEN],
                                   uint8_t out[VEIL_CLIP_KEY_CHECK_LEN]) {
    return veil_clip_hkdf_sha256_expand(clip_key, VEIL_CLIP_KEY_LEN,
                                        (const uint8_t *)KEY_CHECK_INFO, strlen(KEY_CHECK_INFO),
                                        out, VEIL_CLIP_KEY_CHECK_LEN);
}

/* ---- header -------------------------------------------------------------- */

static veil_error *params_check(const veil_clip_params *p) {
    VEIL_ENSURE(p->clip_id != NULL, VEIL_EINVAL, "clip id is missing");
    VEIL_TRY(veil_clip_id_check(p->clip_id, "clip id"));
    if (p->camera_id != NULL)
        VEIL_TRY(camera_id_check(p->camera_id));
    VEIL_ENSURE(p->codec == VEIL_CLIP_CODEC_OPAQUE || p->codec == VEIL_CLIP_CODEC_H264_ANNEXB,
                VEIL_EINVAL, "unknown codec %d", (int)p->codec);
    VEIL_ENSURE(p->chunk_size <= VEIL_CLIP_MAX_CHUNK_SIZE, VEIL_EINVAL,
                "chunk size %u exceeds %u bytes", p->chunk_size, VEIL_CLIP_MAX_CHUNK_SIZE);
    VEIL_ENSURE((p->fps_num == 0) == (p->fps_den == 0), VEIL_EINVAL,
                "frame rate %u/%u: numerator and denominator must both be 0 (unknown) or both "
                "non-zero",
                p->fps_num, p->fps_den);
    return NULL;
}

/* Writes the header for params, key and prefix; returns its length. */
static veil_error *header_encode(const veil_clip_params *p, uint32_t chunk_size,
                                 const uint8_t prefix[VEIL_CLIP_NONCE_PREFIX_LEN],
                                 const uint8_t clip_key[VEIL_CLIP_KEY_LEN], veil_clip_gcm *gcm,
                                 uint8_t out[VEIL_CLIP_HEADER_MAX], size_t *out_len) {
    const char *camera_id = p->camera_id != NULL ? p->camera_id : "";
    size_t id_len = strlen(p->clip_id);
    size_t cam_len = strlen(camera_id);
    size_t total = FIXED_LEN + id_len + 1 + cam_len + VEIL_CLIP_KEY_CHECK_LEN + VEIL_CLIP_TAG_LEN;

    memcpy(out, VEIL_CLIP_MAGIC, VEIL_CLIP_MAGIC_LEN);
    out[8] = VEIL_CLIP_VERSION;
    out[9] = (uint8_t)p->codec;
    put_be16(out + 10, (uint16_t)total);
    put_be32(out + 12, chunk_size);
    memcpy(out + 16, prefix, VEIL_CLIP_NONCE_PREFIX_LEN);
    out[23] = 0;
    put_be64(out + 24, p->created_ms);
    put_be16(out + 32, p->width);
    put_be16(out + 34, p->height);
    put_be16(out + 36, p->fps_num);
    put_be16(out + 38, p->fps_den);
    out[40] = (uint8_t)id_len;
    uint8_t *w = out + FIXED_LEN;
    memcpy(w, p->clip_id, id_len);
    w += id_len;
    *w++ = (uint8_t)cam_len;
    memcpy(w, camera_id, cam_len);
    w += cam_len;
    VEIL_TRY(key_check_value(clip_key, w));
    w += VEIL_CLIP_KEY_CHECK_LEN;
    uint8_t nonce[NONCE_LEN];
    make_nonce(prefix, HEADER_COUNTER, FLAG_HEADER, nonce);
    VEIL_TRY(veil_clip_gcm_seal(gcm, nonce, NONCE_LEN, out, (size_t)(w - out), NULL, 0, NULL, w,
                                VEIL_CLIP_TAG_LEN));
    *out_len = total;
    return NULL;
}

static veil_error *reader_id(veil_reader *r, size_t max, bool required, const char *what,
                             char *out) {
    uint8_t len = 0;
    VEIL_TRY(veil_reader_u8(r, &len));
    if (len > max || (required && len == 0))
        return veil_reader_error(r, VEIL_EMALFORMED, "%s length %u is outside %d..%zu", what,
                                 (unsigned)len, required ? 1 : 0, max);
    size_t at = veil_reader_offset(r);
    VEIL_TRY(veil_reader_copy(r, out, len));
    out[len] = '\0';
    veil_error *err = required ? veil_clip_id_check(out, what) : camera_id_check(out);
    if (err != NULL) {
        veil_error *wrapped = veil_error_new(VEIL_EMALFORMED, "clip header at offset %zu: %s", at,
                                             veil_error_message(err));
        veil_error_free(err);
        return wrapped;
    }
    return NULL;
}

veil_error *veil_clip_header_parse(const uint8_t *data, size_t len, veil_clip_info *info,
                                   size_t *need) {
    memset(info, 0, sizeof(*info));
    *need = 0;
    if (len < 12) {
        if (len > 0 && memcmp(data, VEIL_CLIP_MAGIC, len < 8 ? len : 8) != 0)
            return veil_error_new(VEIL_EMALFORMED,
                                  "not a Veil clip: the first bytes are not \"VEILCLIP\"");
        *need = 12;
        return veil_error_new(VEIL_EMALFORMED,
                              "clip header truncated: %zu bytes, at least 12 are needed", len);
    }
    VEIL_ENSURE(memcmp(data, VEIL_CLIP_MAGIC, VEIL_CLIP_MAGIC_LEN) == 0, VEIL_EMALFORMED,
                "not a Veil clip: the first bytes are not \"VEILCLIP\"");
    VEIL_ENSURE(data[8] == VEIL_CLIP_VERSION, VEIL_EUNSUPPORTED,
                "clip format version %u is not supported (this build reads version %d)",
                (unsigned)data[8], VEIL_CLIP_VERSION);
    size_t header_len = ((size_t)data[10] << 8) | data[11];
    VEIL_ENSURE(header_len >= VEIL_CLIP_HEADER_MIN && header_len <= VEIL_CLIP_HEADER_MAX,
                VEIL_EMALFORMED, "clip header at offset 10: header length %zu is outside %d..%d",
                header_len, VEIL_CLIP_HEADER_MIN, VEIL_CLIP_HEADER_MAX);
    if (len < header_len) {
        *need = header_len;
        return veil_error_new(VEIL_EMALFORMED,
                              "clip header truncated: %zu of its %zu bytes are present", len,
                              header_len);
    }

    veil_reader r;
    veil_reader_init(&r, data, header_len, "clip header");
    uint8_t codec = 0, flags = 0;
    uint16_t ignored_len = 0;
    VEIL_TRY(veil_reader_skip(&r, VEIL_CLIP_MAGIC_LEN));
    VEIL_TRY(veil_reader_u8(&r, &info->version));
    VEIL_TRY(veil_reader_u8(&r, &codec));
    if (codec != VEIL_CLIP_CODEC_OPAQUE && codec != VEIL_CLIP_CODEC_H264_ANNEXB)
        return veil_error_new(VEIL_EUNSUPPORTED, "clip header at offset 9: unknown codec %u",
                              (unsigned)codec);
    info->codec = (veil_clip_codec)codec;
    VEIL_TRY(veil_reader_u16be(&r, &ignored_len));
    VEIL_TRY(veil_reader_u32be(&r, &info->chunk_size));
    if (info->chunk_size == 0 || info->chunk_size > VEIL_CLIP_MAX_CHUNK_SIZE)
        return veil_error_new(VEIL_EMALFORMED,
                              "clip header at offset 12: chunk size %u is outside 1..%u",
                              info->chunk_size, VEIL_CLIP_MAX_CHUNK_SIZE);
    VEIL_TRY(veil_reader_copy(&r, info->nonce_prefix, VEIL_CLIP_NONCE_PREFIX_LEN));
    VEIL_TRY(veil_reader_u8(&r, &flags));
    if (flags != 0)
        return veil_error_new(VEIL_EMALFORMED,
                              "clip header at offset 23: reserved flags 0x%02x are not zero",
                              (unsigned)flags);
    VEIL_TRY(veil_reader_u64be(&r, &info->created_ms));
    VEIL_TRY(veil_reader_u16be(&r, &info->width));
    VEIL_TRY(veil_reader_u16be(&r, &info->height));
    VEIL_TRY(veil_reader_u16be(&r, &info->fps_num));
    VEIL_TRY(veil_reader_u16be(&r, &info->fps_den));
    if ((info->fps_num == 0) != (info->fps_den == 0))
        return veil_error_new(VEIL_EMALFORMED,
                              "clip header at offset 36: frame rate %u/%u is neither unknown "
                              "(0/0) nor a fraction",
                              info->fps_num, info->fps_den);
    VEIL_TRY(reader_id(&r, VEIL_CLIP_ID_MAX, true, "clip id", info->clip_id));
    VEIL_TRY(reader_id(&r, VEIL_CLIP_CAMERA_ID_MAX, false, "camera id", info->camera_id));
    VEIL_TRY(veil_reader_copy(&r, info->key_check, VEIL_CLIP_KEY_CHECK_LEN));
    VEIL_TRY(veil_reader_skip(&r, VEIL_CLIP_TAG_LEN));
    if (!veil_reader_at_end(&r))
        return veil_error_new(VEIL_EMALFORMED,
                              "clip header: its length field says %zu bytes but its fields end at "
                              "%zu",
                              header_len, veil_reader_offset(&r));
    info->header_len = header_len;
    return NULL;
}

static veil_error *header_verify(const uint8_t *header, size_t header_len,
                                 const veil_clip_info *info,
                                 const uint8_t clip_key[VEIL_CLIP_KEY_LEN], veil_clip_gcm *gcm) {
    uint8_t expect[VEIL_CLIP_KEY_CHECK_LEN];
    VEIL_TRY(key_check_value(clip_key, expect));
    VEIL_ENSURE(veil_ct_equal(expect, info->key_check, sizeof(expect)), VEIL_ECRYPTO,
                "wrong key for clip '%s': the header's key check value does not match this key "
                "(a key for another clip id or from another master key)",
                info->clip_id);
    uint8_t nonce[NONCE_LEN];
    make_nonce(info->nonce_prefix, HEADER_COUNTER, FLAG_HEADER, nonce);
    veil_error *err =
        veil_clip_gcm_open(gcm, nonce, NONCE_LEN, header, header_len - VEIL_CLIP_TAG_LEN, NULL, 0,
                           header + header_len - VEIL_CLIP_TAG_LEN, VEIL_CLIP_TAG_LEN, NULL);
    if (err != NULL && veil_error_code(err) == VEIL_ECRYPTO) {
        veil_error_free(err);
        return veil_error_new(VEIL_ECRYPTO,
                              "clip '%s': header authentication failed: the header (bytes 0..%zu) "
                              "was altered",
                              info->clip_id, header_len);
    }
    return err;
}

veil_error *veil_clip_header_verify(const uint8_t *header, size_t header_len,
                                    const veil_clip_info *info,
                                    const uint8_t clip_key[VEIL_CLIP_KEY_LEN]) {
    VEIL_ENSURE(header_len == info->header_len, VEIL_EINVAL,
                "header is %zu bytes but was parsed as %zu", header_len, info->header_len);
    veil_clip_gcm *gcm = NULL;
    VEIL_TRY(veil_clip_gcm_new(clip_key, VEIL_CLIP_KEY_LEN, &gcm));
    veil_error *err = header_verify(header, header_len, info, clip_key, gcm);
    veil_clip_gcm_free(gcm);
    return err;
}

/* ---- encryption ---------------------------------------------------------- */

struct veil_clip_encryptor {
    veil_clip_gcm *gcm;
    veil_clip_sink sink;
    void *sink_data;
    uint8_t header[VEIL_CLIP_HEADER_MAX];
    size_t header_len;
    bool header_written;
    uint8_t prefix[VEIL_CLIP_NONCE_PREFIX_LEN];
    uint32_t chunk_size;
    uint8_t *plain; /* pending plaintext, chunk_size bytes */
    size_t plain_len;
    uint8_t *record; /* one encrypted chunk, chunk_size + tag */
    uint64_t next_chunk;
    uint64_t plaintext_bytes, output_bytes;
    bool done, failed;
};

veil_error *veil_clip_encryptor_new_with_prefix(
    const uint8_t clip_key[VEIL_CLIP_KEY_LEN], const veil_clip_params *params,
    const uint8_t nonce_prefix[VEIL_CLIP_NONCE_PREFIX_LEN], veil_clip_sink sink, void *sink_data,
    veil_clip_encryptor **out) {
    *out = NULL;
    VEIL_TRY(params_check(params));
    uint32_t chunk_size = params->chunk_size ? params->chunk_size : VEIL_CLIP_DEFAULT_CHUNK_SIZE;
    veil_clip_encryptor *enc = calloc(1, sizeof(*enc));
    VEIL_ENSURE(enc != NULL, VEIL_ENOMEM, "out of memory for a clip encryptor");
    enc->sink = sink;
    enc->sink_data = sink_data;
    enc->chunk_size = chunk_size;
    memcpy(enc->prefix, nonce_prefix, VEIL_CLIP_NONCE_PREFIX_LEN);
    enc->plain = malloc(chunk_size);
    enc->record = malloc((size_t)chunk_size + VEIL_CLIP_TAG_LEN);
    veil_error *err = NULL;
    if (enc->plain == NULL || enc->record == NULL)
        err = veil_error_new(VEIL_ENOMEM, "out of memory for %u-byte clip chunks", chunk_size);
    if (err == NULL)
        err = veil_clip_gcm_new(clip_key, VEIL_CLIP_KEY_LEN, &enc->gcm);
    if (err == NULL)
        err = header_encode(params, chunk_size, nonce_prefix, clip_key, enc->gcm, enc->header,
                            &enc->header_len);
    if (err != NULL) {
        veil_clip_encryptor_free(enc);
        return err;
    }
    *out = enc;
    return NULL;
}

veil_error *veil_clip_encryptor_new(const uint8_t clip_key[VEIL_CLIP_KEY_LEN],
                                    const veil_clip_params *params, veil_clip_sink sink,
                                    void *sink_data, veil_clip_encryptor **out) {
    uint8_t prefix[VEIL_CLIP_NONCE_PREFIX_LEN];
    *out = NULL;
    VEIL_TRY(veil_clip_random(prefix, sizeof(prefix)));
    return veil_clip_encryptor_new_with_prefix(clip_key, params, prefix, sink, sink_data, out);
}

static veil_error *enc_emit(veil_clip_encryptor *enc, const uint8_t *data, size_t len) {
    veil_error *err = enc->sink(enc->sink_data, data, len);
    if (err != NULL)
        return veil_error_wrap(err, "writing the encrypted clip at offset %llu",
                               (unsigned long long)enc->output_bytes);
    enc->output_bytes += len;
    return NULL;
}

static veil_error *enc_header(veil_clip_encryptor *enc) {
    if (enc->header_written)
        return NULL;
    VEIL_TRY(enc_emit(enc, enc->header, enc->header_len));
    enc->header_written = true;
    return NULL;
}

static veil_error *enc_chunk(veil_clip_encryptor *enc, bool last) {
    VEIL_ENSURE(enc->next_chunk <= UINT32_MAX, VEIL_ELIMIT,
                "clip too long: more than 2^32 chunks of %u bytes", enc->chunk_size);
    uint8_t nonce[NONCE_LEN];
    make_nonce(enc->prefix, (uint32_t)enc->next_chunk, last ? FLAG_LAST : FLAG_MIDDLE, nonce);
    VEIL_TRY(veil_clip_gcm_seal(enc->gcm, nonce, NONCE_LEN, enc->header, enc->header_len,
                                enc->plain, enc->plain_len, enc->record,
                                enc->record + enc->plain_len, VEIL_CLIP_TAG_LEN));
    VEIL_TRY(enc_emit(enc, enc->record, enc->plain_len + VEIL_CLIP_TAG_LEN));
    veil_clip_wipe(enc->plain, enc->plain_len);
    enc->plain_len = 0;
    enc->next_chunk++;
    return NULL;
}

static veil_error *enc_update(veil_clip_encryptor *enc, const uint8_t *data, size_t len) {
    VEIL_TRY(enc_header(enc));
    while (len > 0) {
        /* A full chunk is sealed only once more data shows it is not the last. */
        if (enc->plain_len == enc->chunk_size)
            VEIL_TRY(enc_chunk(enc, false));
        size_t n = enc->chunk_size - enc->plain_len;
        if (n > len)
            n = len;
        memcpy(enc->plain + enc->plain_len, data, n);
        enc->plain_len += n;
        enc->plaintext_bytes += n;
        data += n;
        len -= n;
    }
    return NULL;
}

veil_error *veil_clip_encrypt_update(veil_clip_encryptor *enc, const void *data, size_t len) {
    VEIL_ENSURE(!enc->done && !enc->failed, VEIL_EINVAL,
                "clip encryptor used after it finished or failed");
    veil_error *err = enc_update(enc, data, len);
    if (err != NULL)
        enc->failed = true;
    return err;
}

veil_error *veil_clip_encrypt_finish(veil_clip_encryptor *enc) {
    VEIL_ENSURE(!enc->done && !enc->failed, VEIL_EINVAL,
                "clip encryptor used after it finished or failed");
    veil_error *err = enc_header(enc);
    if (err == NULL)
        err = enc_chunk(enc, true);
    if (err != NULL)
        enc->failed = true;
    enc->done = true;
    return err;
}

uint64_t veil_clip_encryptor_plaintext_bytes(const veil_clip_encryptor *enc) {
    return enc->plaintext_bytes;
}

uint64_t veil_clip_encryptor_output_bytes(const veil_clip_encryptor *enc) {
    return enc->output_bytes;
}

void veil_clip_encryptor_free(veil_clip_encryptor *enc) {
    if (enc == NULL)
        return;
    veil_clip_gcm_free(enc->gcm);
    if (enc->plain != NULL)
        veil_clip_wipe(enc->plain, enc->chunk_size);
    free(enc->plain);
    free(enc->record);
    veil_clip_wipe(enc, sizeof(*enc));
    free(enc);
}

/* ---- decryption ---------------------------------------------------------- */

enum dec_state { DEC_HEADER, DEC_CHUNKS, DEC_DONE, DEC_FAILED };

struct veil_clip_decryptor {
    enum dec_state state;
    uint8_t key[VEIL_CLIP_KEY_LEN];
    veil_clip_gcm *gcm;
    veil_clip_sink sink;
    void *sink_data;
    uint8_t header[VEIL_CLIP_HEADER_MAX];
    size_t header_have;
    veil_clip_info info;
    bool header_verified;
    uint8_t *record; /* buffered encrypted chunk, up to chunk_size + tag */
    size_t record_len;
    uint8_t *plain; /* verified plaintext of one chunk (wiped after use) */
    uint64_t next_chunk;
    uint64_t offset; /* clip offset of record[0] */
    uint64_t plaintext_bytes;
};

veil_error *veil_clip_decryptor_new(const uint8_t clip_key[VEIL_CLIP_KEY_LEN], veil_clip_sink sink,
                                    void *sink_data, veil_clip_decryptor **out) {
    *out = NULL;
    veil_clip_decryptor *dec = calloc(1, sizeof(*dec));
    VEIL_ENSURE(dec != NULL, VEIL_ENOMEM, "out of memory for a clip decryptor");
    memcpy(dec->key, clip_key, VEIL_CLIP_KEY_LEN);
    dec->sink = sink;
    dec->sink_data = sink_data;
    veil_error *err = veil_clip_gcm_new(clip_key, VEIL_CLIP_KEY_LEN, &dec->gcm);
    if (err != NULL) {
        veil_clip_decryptor_free(dec);
        return err;
    }
    *out = dec;
    return NULL;
}

/* Tries record as chunk `counter` with `flag` into the scratch buffer and
 * wipes the result: diagnosis only. */
static bool dec_trial(veil_clip_decryptor *dec, size_t ct_len, uint32_t counter, uint8_t flag) {
    uint8_t nonce[NONCE_LEN];
    make_nonce(dec->info.nonce_prefix, counter, flag, nonce);
    veil_error *err = veil_clip_gcm_open(dec->gcm, nonce, NONCE_LEN, dec->header,
                                         dec->info.header_len, dec->record, ct_len,
                                         dec->record + ct_len, VEIL_CLIP_TAG_LEN, dec->plain);
    veil_clip_wipe(dec->plain, ct_len);
    if (err == NULL)
        return true;
    veil_error_free(err);
    return false;
}

/* Explains why the buffered record failed as chunk `pos` (last or not). */
static veil_error *dec_diagnose(veil_clip_decryptor *dec, size_t ct_len, uint32_t pos, bool last) {
    const char *id = dec->info.clip_id;
    unsigned long long at = (unsigned long long)dec->offset;
    if (dec_trial(dec, ct_len, pos, last ? FLAG_MIDDLE : FLAG_LAST)) {
        if (last)
            return veil_error_new(VEIL_ECRYPTO,
                                  "clip '%s' is truncated: it ends after chunk %u (offset %llu) "
                                  "without its final chunk",
                                  id, pos, at);
        return veil_error_new(VEIL_ECRYPTO,
                              "clip '%s': data follows its final chunk %u (offset %llu): bytes "
                              "were appended",
                              id, pos, at);
    }
    uint32_t lo = pos > DIAGNOSE_WINDOW ? pos - DIAGNOSE_WINDOW : 0;
    uint32_t hi = pos < UINT32_MAX - DIAGNOSE_WINDOW ? pos + DIAGNOSE_WINDOW : UINT32_MAX;
    for (uint32_t j = lo; j <= hi; j++) {
        if (j == pos)
            continue;
        if (!dec_trial(dec, ct_len, j, FLAG_MIDDLE) && !dec_trial(dec, ct_len, j, FLAG_LAST))
            continue;
        if (j < pos)
            return veil_error_new(VEIL_ECRYPTO,
                                  "clip '%s': the chunk at position %u (offset %llu) is chunk %u "
                                  "again: chunks were duplicated or reordered",
                                  id, pos, at, j);
        return veil_error_new(VEIL_ECRYPTO,
                              "clip '%s': the chunk at position %u (offset %llu) is chunk %u: "
                              "chunks %u..%u are missing or were reordered",
                              id, pos, at, j, pos, j - 1);
    }
    if (last)
        return veil_error_new(VEIL_ECRYPTO,
                              "clip '%s': final chunk %u (offset %llu, %zu bytes) failed "
                              "authentication: it was altered or the clip was cut inside it",
                              id, pos, at, ct_len + VEIL_CLIP_TAG_LEN);
    return veil_error_new(VEIL_ECRYPTO,
                          "clip '%s': chunk %u (offset %llu) failed authentication: its bytes or "
                          "tag were altered",
                          id, pos, at);
}

/* Verifies the buffered record as chunk next_chunk and releases it. */
static veil_error *dec_chunk(veil_clip_decryptor *dec, bool last) {
    VEIL_ENSURE(dec->next_chunk <= UINT32_MAX, VEIL_ECRYPTO,
                "clip '%s' has more than 2^32 chunks: no valid clip is that long",
                dec->info.clip_id);
    uint32_t pos = (uint32_t)dec->next_chunk;
    if (dec->record_len < VEIL_CLIP_TAG_LEN) {
        if (dec->record_len == 0)
            return veil_error_new(VEIL_ECRYPTO,
                                  "clip '%s' is truncated: it ends at offset %llu after %u "
                                  "chunk(s) without its final chunk",
                                  dec->info.clip_id, (unsigned long long)dec->offset, pos);
        return veil_error_new(VEIL_ECRYPTO,
                              "clip '%s' is truncated: chunk %u (offset %llu) has %zu bytes, "
                              "fewer than its %d-byte tag",
                              dec->info.clip_id, pos, (unsigned long long)dec->offset,
                              dec->record_len, VEIL_CLIP_TAG_LEN);
    }
    size_t ct_len = dec->record_len - VEIL_CLIP_TAG_LEN;
    uint8_t nonce[NONCE_LEN];
    make_nonce(dec->info.nonce_prefix, pos, last ? FLAG_LAST : FLAG_MIDDLE, nonce);
    veil_error *err = veil_clip_gcm_open(dec->gcm, nonce, NONCE_LEN, dec->header,
                                         dec->info.header_len, dec->record, ct_len,
                                         dec->record + ct_len, VEIL_CLIP_TAG_LEN, dec->plain);
    if (err != NULL) {
        if (veil_error_code(err) != VEIL_ECRYPTO)
            return err;
        veil_error_free(err);
        return dec_diagnose(dec, ct_len, pos, last);
    }
    err = ct_len > 0 ? dec->sink(dec->sink_data, dec->plain, ct_len) : NULL;
    veil_clip_wipe(dec->plain, ct_len);
    if (err != NULL)
        return veil_error_wrap(err, "clip '%s': writing plaintext of chunk %u", dec->info.clip_id,
                               pos);
    dec->plaintext_bytes += ct_len;
    dec->offset += dec->record_len;
    dec->record_len = 0;
    dec->next_chunk++;
    if (last)
        dec->state = DEC_DONE;
    return NULL;
}

/* Collects header bytes; returns with *used set to the bytes taken. */
static veil_error *dec_header(veil_clip_decryptor *dec, const uint8_t *data, size_t len,
                              size_t *used) {
    *used = 0;
    for (;;) {
        size_t need = 0;
        veil_error *err = veil_clip_header_parse(dec->header, dec->header_have, &dec->info, &need);
        if (err == NULL)
            break;
        if (need <= dec->header_have || *used == len) {
            if (need > dec->header_have) {
                veil_error_free(err); /* wait for more bytes */
                return NULL;
            }
            return err;
        }
        veil_error_free(err);
        size_t n = need - dec->header_have;
        if (n > len - *used)
            n = len - *used;
        memcpy(dec->header + dec->header_have, data + *used, n);
        dec->header_have += n;
        *used += n;
    }
    VEIL_TRY(header_verify(dec->header, dec->info.header_len, &dec->info, dec->key, dec->gcm));
    size_t record_cap = (size_t)dec->info.chunk_size + VEIL_CLIP_TAG_LEN;
    dec->record = malloc(record_cap);
    dec->plain = malloc(dec->info.chunk_size);
    VEIL_ENSURE(dec->record != NULL && dec->plain != NULL, VEIL_ENOMEM,
                "out of memory for %u-byte clip chunks", dec->info.chunk_size);
    dec->offset = dec->info.header_len;
    dec->header_verified = true;
    dec->state = DEC_CHUNKS;
    VEIL_DEBUG(component, "clip '%s': header verified (%u-byte chunks, codec %s)",
               dec->info.clip_id, dec->info.chunk_size, veil_clip_codec_name(dec->info.codec));
    return NULL;
}

static veil_error *dec_update(veil_clip_decryptor *dec, const uint8_t *data, size_t len) {
    if (dec->state == DEC_HEADER) {
        size_t used = 0;
        VEIL_TRY(dec_header(dec, data, len, &used));
        data += used;
        len -= used;
    }
    if (len == 0)
        return NULL;
    if (dec->state == DEC_DONE)
        return veil_error_new(VEIL_ECRYPTO,
                              "clip '%s': data follows its final chunk at offset %llu",
                              dec->info.clip_id, (unsigned long long)dec->offset);
    size_t record_cap = (size_t)dec->info.chunk_size + VEIL_CLIP_TAG_LEN;
    while (len > 0) {
        /* A full record is known not to be the last once more bytes arrive. */
        if (dec->record_len == record_cap)
            VEIL_TRY(dec_chunk(dec, false));
        size_t n = record_cap - dec->record_len;
        if (n > len)
            n = len;
        memcpy(dec->record + dec->record_len, data, n);
        dec->record_len += n;
        data += n;
        len -= n;
    }
    return NULL;
}

static veil_error *dec_check_usable(const veil_clip_decryptor *dec) {
    VEIL_ENSURE(dec->state != DEC_FAILED, VEIL_EINVAL, "clip decryptor used after it failed");
    return NULL;
}

veil_error *veil_clip_decrypt_update(veil_clip_decryptor *dec, const void *data, size_t len) {
    VEIL_TRY(dec_check_usable(dec));
    veil_error *err = dec_update(dec, data, len);
    if (err != NULL)
        dec->state = DEC_FAILED;
    return err;
}

veil_error *veil_clip_decrypt_finish(veil_clip_decryptor *dec) {
    VEIL_TRY(dec_check_usable(dec));
    veil_error *err = NULL;
    if (dec->state == DEC_HEADER) {
        if (dec->header_have == 0)
            err = veil_error_new(VEIL_EMALFORMED, "empty input: not a Veil clip");
        else {
            size_t need = 0;
            err = veil_clip_header_parse(dec->header, dec->header_have, &dec->info, &need);
            if (err == NULL)
                err = veil_error_new(VEIL_EINTERNAL, "clip header complete but not consumed");
            else
                err = veil_error_wrap(err, "clip ends inside its header");
        }
    } else if (dec->state == DEC_CHUNKS) {
        err = dec_chunk(dec, true);
    }
    if (err != NULL)
        dec->state = DEC_FAILED;
    return err;
}

const veil_clip_info *veil_clip_decryptor_info(const veil_clip_decryptor *dec) {
    return dec->header_verified ? &dec->info : NULL;
}

uint64_t veil_clip_decryptor_plaintext_bytes(const veil_clip_decryptor *dec) {
    return dec->plaintext_bytes;
}

uint32_t veil_clip_decryptor_chunks(const veil_clip_decryptor *dec) {
    return (uint32_t)dec->next_chunk;
}

void veil_clip_decryptor_free(veil_clip_decryptor *dec) {
    if (dec == NULL)
        return;
    veil_clip_gcm_free(dec->gcm);
    if (dec->plain != NULL)
        veil_clip_wipe(dec->plain, dec->info.chunk_size);
    free(dec->plain);
    free(dec->record);
    veil_clip_wipe(dec, sizeof(*dec));
    free(dec);
}
