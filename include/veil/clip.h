/*
 * Encrypted camera clips, format v1 (docs/clip-format.md).
 *
 * A clip is a header followed by chunks.  Each chunk is AES-256-GCM under
 * the clip's own key with the nonce  prefix(7) || chunk counter(4, BE) ||
 * last-chunk flag(1)  and the whole header as associated data (the STREAM
 * construction), so dropping, reordering, duplicating or truncating chunks,
 * flipping any bit, and a wrong key are all detected.  The clip key is
 * HKDF-SHA256(master key, salt = clip id, info = "veil-clip-v1 key"): the
 * camera and the owner hold the master key; a runtime only ever receives
 * the key of the clip it processes.
 *
 * Both directions stream: data goes in with *_update() in pieces of any
 * size and comes out through a sink callback, one chunk at a time.  The
 * decryptor hands the sink only plaintext whose tag has been verified; a
 * chunk that fails is wiped and the decryptor fails for good.  Memory is
 * bounded by the chunk size (at most VEIL_CLIP_MAX_CHUNK_SIZE).
 *
 * The same code is built natively (Debian's mbedtls) and for wasm32-wasi
 * (mbedtls from Debian's source package) so the camera side and the
 * detector share one implementation.
 *
 * Compatibility input: the Ucam / i-PoC format, raw AES-128-CTR with a
 * 16-byte key and 16-byte initial counter block and no authentication,
 * is available through veil_clip_ucam_ctr_*; it logs a warning that the
 * input is unauthenticated.
 */
#ifndef VEIL_CLIP_H
#define VEIL_CLIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veil/error.h"

#define VEIL_CLIP_VERSION 1
#define VEIL_CLIP_MAGIC "VEILCLIP"
#define VEIL_CLIP_MAGIC_LEN 8
#define VEIL_CLIP_KEY_LEN 32 /* master keys and clip keys */
#define VEIL_CLIP_TAG_LEN 16
#define VEIL_CLIP_NONCE_PREFIX_LEN 7
#define VEIL_CLIP_KEY_CHECK_LEN 16
#define VEIL_CLIP_ID_MAX 64
#define VEIL_CLIP_CAMERA_ID_MAX 64
/* Fixed fields + both ids at their maximum + key check + header tag. */
#define VEIL_CLIP_HEADER_MIN (41 + 1 + 1 + VEIL_CLIP_KEY_CHECK_LEN + VEIL_CLIP_TAG_LEN)
#define VEIL_CLIP_HEADER_MAX                                                                       \
    (41 + VEIL_CLIP_ID_MAX + 1 + VEIL_CLIP_CAMERA_ID_MAX + VEIL_CLIP_KEY_CHECK_LEN +               \
     VEIL_CLIP_TAG_LEN)
#define VEIL_CLIP_DEFAULT_CHUNK_SIZE 65536u
#define VEIL_CLIP_MAX_CHUNK_SIZE (16u << 20)
/* The HKDF info label of clip keys. */
#define VEIL_CLIP_KEY_INFO "veil-clip-v1 key"

typedef enum veil_clip_codec {
    VEIL_CLIP_CODEC_OPAQUE = 0,      /* bytes of no declared format */
    VEIL_CLIP_CODEC_H264_ANNEXB = 1, /* H.264 elementary stream, Annex-B start codes */
} veil_clip_codec;

/* What a clip header says.  Unknown dimensions, rate and time are 0. */
typedef struct veil_clip_info {
    uint8_t version;
    veil_clip_codec codec;
    uint32_t chunk_size; /* plaintext bytes in every chunk but the last */
    uint8_t nonce_prefix[VEIL_CLIP_NONCE_PREFIX_LEN];
    uint64_t created_ms; /* creation time, milliseconds since the Unix epoch (UTC) */
    uint16_t width, height;
    uint16_t fps_num, fps_den; /* frame rate fps_num/fps_den */
    char clip_id[VEIL_CLIP_ID_MAX + 1];
    char camera_id[VEIL_CLIP_CAMERA_ID_MAX + 1];
    uint8_t key_check[VEIL_CLIP_KEY_CHECK_LEN];
    size_t header_len; /* bytes of the encoded header */
} veil_clip_info;

/* Receives output (ciphertext or verified plaintext), in order. */
typedef veil_error *(*veil_clip_sink)(void *user_data, const uint8_t *data, size_t len);

/* ---- keys ---------------------------------------------------------------- */

/* Fills out with len bytes from the operating system's (or WASI's) CSPRNG. */
VEIL_NODISCARD veil_error *veil_clip_random(uint8_t *out, size_t len);
/* A new random clip id: 32 lowercase hex digits. */
VEIL_NODISCARD veil_error *veil_clip_new_id(char out[VEIL_CLIP_ID_MAX + 1]);
/* Clip ids are 1..64 characters of [A-Za-z0-9._:-] (usable as file names). */
VEIL_NODISCARD veil_error *veil_clip_id_check(const char *clip_id, const char *what);
/* clip key = HKDF-SHA256(ikm = master key, salt = clip id, info = VEIL_CLIP_KEY_INFO). */
VEIL_NODISCARD veil_error *veil_clip_derive_key(const uint8_t master_key[VEIL_CLIP_KEY_LEN],
                                                const char *clip_id,
                                                uint8_t clip_key[VEIL_CLIP_KEY_LEN]);
/* Parses a key file's contents: the key as hex (optionally followed by one
 * newline) or exactly key_len raw bytes.  what names the file in errors. */
VEIL_NODISCARD veil_error *veil_clip_key_parse(const uint8_t *data, size_t len, size_t key_len,
                                               const char *what, uint8_t *key);

/* ---- headers ------------------------------------------------------------- */

/* Parses the header at the start of data.  Fails with VEIL_EMALFORMED
 * (naming the field and offset) on a bad header, VEIL_EUNSUPPORTED on an
 * unknown version, and with *need set to the bytes required when data is
 * too short to tell (then the error code is VEIL_EMALFORMED too).  The
 * header is not authenticated by this call: see veil_clip_header_verify. */
VEIL_NODISCARD veil_error *veil_clip_header_parse(const uint8_t *data, size_t len,
                                                  veil_clip_info *info, size_t *need);
/* Checks the key check value (VEIL_ECRYPTO "wrong key") and then the
 * header's tag (VEIL_ECRYPTO "header ... altered") of the encoded header. */
VEIL_NODISCARD veil_error *veil_clip_header_verify(const uint8_t *header, size_t header_len,
                                                   const veil_clip_info *info,
                                                   const uint8_t clip_key[VEIL_CLIP_KEY_LEN]);

/* ---- encryption ---------------------------------------------------------- */

/* What the camera knows about a clip.  clip_id is required; a zero
 * chunk_size means VEIL_CLIP_DEFAULT_CHUNK_SIZE; a NULL camera_id is "". */
typedef struct veil_clip_params {
    const char *clip_id;
    const char *camera_id;
    veil_clip_codec codec;
    uint32_t chunk_size;
    uint64_t created_ms;
    uint16_t width, height;
    uint16_t fps_num, fps_den;
} veil_clip_params;

typedef struct veil_clip_encryptor veil_clip_encryptor;

/* Starts a clip under clip_key (derived for params->clip_id) with a fresh
 * random nonce prefix.  Nothing is written before the first update/finish. */
VEIL_NODISCARD veil_error *veil_clip_encryptor_new(const uint8_t clip_key[VEIL_CLIP_KEY_LEN],
                                                   const veil_clip_params *params,
                                                   veil_clip_sink sink, void *sink_data,
                                                   veil_clip_encryptor **out);
/* As above with a given nonce prefix: for test vectors only (a prefix must
 * never be reused under one key). */
VEIL_NODISCARD veil_error *veil_clip_encryptor_new_with_prefix(
    const uint8_t clip_key[VEIL_CLIP_KEY_LEN], const veil_clip_params *params,
    const uint8_t nonce_prefix[VEIL_CLIP_NONCE_PREFIX_LEN], veil_clip_sink sink, void *sink_data,
    veil_clip_encryptor **out);
VEIL_NODISCARD veil_error *veil_clip_encrypt_update(veil_clip_encryptor *enc, const void *data,
                                                    size_t len);
/* Writes the final chunk.  The encryptor cannot be used afterwards. */
VEIL_NODISCARD veil_error *veil_clip_encrypt_finish(veil_clip_encryptor *enc);
/* Bytes of plaintext and of output so far. */
uint64_t veil_clip_encryptor_plaintext_bytes(const veil_clip_encryptor *enc);
uint64_t veil_clip_encryptor_output_bytes(const veil_clip_encryptor *enc);
void veil_clip_encryptor_free(veil_clip_encryptor *enc);

/* ---- decryption ---------------------------------------------------------- */

typedef struct veil_clip_decryptor veil_clip_decryptor;

VEIL_NODISCARD veil_error *veil_clip_decryptor_new(const uint8_t clip_key[VEIL_CLIP_KEY_LEN],
                                                   veil_clip_sink sink, void *sink_data,
                                                   veil_clip_decryptor **out);
/* Feeds clip bytes.  Verified plaintext goes to the sink chunk by chunk;
 * the last chunk is held back until finish (or more bytes) show whether it
 * is the last.  After an error every later call fails. */
VEIL_NODISCARD veil_error *veil_clip_decrypt_update(veil_clip_decryptor *dec, const void *data,
                                                    size_t len);
/* Ends the clip: verifies and releases the final chunk, or fails if the
 * clip is truncated. */
VEIL_NODISCARD veil_error *veil_clip_decrypt_finish(veil_clip_decryptor *dec);
/* The parsed, verified header; NULL until it has been verified. */
const veil_clip_info *veil_clip_decryptor_info(const veil_clip_decryptor *dec);
uint64_t veil_clip_decryptor_plaintext_bytes(const veil_clip_decryptor *dec);
uint32_t veil_clip_decryptor_chunks(const veil_clip_decryptor *dec);
void veil_clip_decryptor_free(veil_clip_decryptor *dec);

/* ---- Ucam / i-PoC compatibility input ------------------------------------ */

#define VEIL_CLIP_UCAM_KEY_LEN 16
#define VEIL_CLIP_UCAM_COUNTER_LEN 16

typedef struct veil_clip_ucam_ctr veil_clip_ucam_ctr;

/* Raw AES-128-CTR (no header, no tag) from a 16-byte key and a 16-byte
 * initial counter block.  Logs a warning: nothing about this input is
 * authenticated.  The Ucam library counts in the low 32 bits of the block
 * while OpenSSL and mbedtls carry into all 128; the two agree until the low
 * 32 bits wrap, so a stream that would reach that point is refused. */
VEIL_NODISCARD veil_error *veil_clip_ucam_ctr_new(const uint8_t key[VEIL_CLIP_UCAM_KEY_LEN],
                                                  const uint8_t counter[VEIL_CLIP_UCAM_COUNTER_LEN],
                                                  veil_clip_sink sink, void *sink_data,
                                                  veil_clip_ucam_ctr **out);
VEIL_NODISCARD veil_error *veil_clip_ucam_ctr_update(veil_clip_ucam_ctr *ctr, const void *data,
                                                     size_t len);
void veil_clip_ucam_ctr_free(veil_clip_ucam_ctr *ctr);

/* Short name of a codec ("h264", "opaque") and its inverse. */
const char *veil_clip_codec_name(veil_clip_codec codec);
VEIL_NODISCARD veil_error *veil_clip_codec_parse(const char *name, veil_clip_codec *out);

#endif
