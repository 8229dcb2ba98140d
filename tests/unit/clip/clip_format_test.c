/*
 * Clip format v1: round trips in every piece size, the documented test
 * vector, header parsing, and every way a clip can be damaged (truncated at
 * each chunk boundary, chunks dropped/reordered/duplicated, a bit flipped in
 * the header, a chunk body or a tag, bytes appended, wrong key, wrong clip
 * id).  Each damage must fail with its own message, and the plaintext
 * released before the failure must be exactly the chunks that verified.
 */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

#include "veil/clip.h"
#include "veil/encoding.h"
#include "veil/hash.h"
#include "veil/str.h"

#define CHUNK 1000u
#define RECORD (CHUNK + VEIL_CLIP_TAG_LEN)
#define PLAIN_LEN 5500u /* 5 full chunks + a 500-byte final chunk */

static uint8_t master_key[VEIL_CLIP_KEY_LEN];
static uint8_t plain[PLAIN_LEN];

static veil_error *buf_sink(void *user_data, const uint8_t *data, size_t len) {
    return veil_buf_append(user_data, data, len);
}

static void fill(void) {
    for (size_t i = 0; i < sizeof(master_key); i++)
        master_key[i] = (uint8_t)(0xa0 + i);
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(plain); i++) {
        x = x * 1103515245u + 12345u;
        plain[i] = (uint8_t)(x >> 16);
    }
}

static veil_clip_params params_for(const char *clip_id, uint32_t chunk_size) {
    veil_clip_params p = {
        .clip_id = clip_id,
        .camera_id = "front-door",
        .codec = VEIL_CLIP_CODEC_H264_ANNEXB,
        .chunk_size = chunk_size,
        .created_ms = 1767225600000ull,
        .width = 768,
        .height = 576,
        .fps_num = 10,
        .fps_den = 1,
    };
    return p;
}

/* Encrypts data in pieces of `piece` bytes into out. */
static void encrypt_to(const char *clip_id, uint32_t chunk_size, const uint8_t *data, size_t len,
                       size_t piece, veil_buf *out) {
    uint8_t key[VEIL_CLIP_KEY_LEN];
    assert_ok(veil_clip_derive_key(master_key, clip_id, key));
    veil_clip_params p = params_for(clip_id, chunk_size);
    veil_clip_encryptor *enc = NULL;
    veil_buf_init(out, 0);
    assert_ok(veil_clip_encryptor_new(key, &p, buf_sink, out, &enc));
    for (size_t off = 0; off < len; off += piece)
        assert_ok(veil_clip_encrypt_update(enc, data + off, len - off < piece ? len - off : piece));
    assert_ok(veil_clip_encrypt_finish(enc));
    assert_int_equal(veil_clip_encryptor_plaintext_bytes(enc), len);
    assert_int_equal(veil_clip_encryptor_output_bytes(enc), out->len);
    veil_clip_encryptor_free(enc);
}

/* Decrypts clip with key in pieces; returns the error (or NULL) and leaves
 * whatever the sink received in released. */
static veil_error *decrypt_with(const uint8_t key[VEIL_CLIP_KEY_LEN], const uint8_t *clip,
                                size_t len, size_t piece, veil_buf *released) {
    veil_clip_decryptor *dec = NULL;
    veil_buf_init(released, 0);
    veil_error *err = veil_clip_decryptor_new(key, buf_sink, released, &dec);
    for (size_t off = 0; err == NULL && off < len; off += piece)
        err = veil_clip_decrypt_update(dec, clip + off, len - off < piece ? len - off : piece);
    if (err == NULL)
        err = veil_clip_decrypt_finish(dec);
    veil_clip_decryptor_free(dec);
    return err;
}

static veil_error *decrypt_clip(const char *clip_id, const uint8_t *clip, size_t len,
                                veil_buf *released) {
    uint8_t key[VEIL_CLIP_KEY_LEN];
    assert_ok(veil_clip_derive_key(master_key, clip_id, key));
    return decrypt_with(key, clip, len, 333, released);
}

/* The damaged clip must fail with text in the message, and what was
 * released must be the first max_chunks verified chunks at most. */
static void expect_failure(const uint8_t *clip, size_t len, const char *text, size_t max_chunks) {
    veil_buf released;
    veil_error *err = decrypt_clip("clip-1", clip, len, &released);
    assert_non_null(err);
    if (strstr(veil_error_message(err), text) == NULL) {
        print_error("expected \"%s\", got: %s\n", text, veil_error_message(err));
        veil_error_free(err);
        fail();
    }
    veil_code code = veil_error_code(err);
    assert_true(code == VEIL_ECRYPTO || code == VEIL_EMALFORMED || code == VEIL_EUNSUPPORTED);
    veil_error_free(err);
    assert_true(released.len % CHUNK == 0);
    assert_true(released.len <= max_chunks * CHUNK);
    if (released.len > 0)
        assert_memory_equal(released.data, plain, released.len);
    veil_buf_free(&released);
}

static size_t header_len_of(const veil_buf *clip) {
    veil_clip_info info;
    size_t need = 0;
    assert_ok(veil_clip_header_parse(clip->data, clip->len, &info, &need));
    return info.header_len;
}

static void test_round_trips(void **state) {
    (void)state;
    static const size_t lens[] = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, PLAIN_LEN};
    static const size_t pieces[] = {1, 7, CHUNK, RECORD, 4096, 1u << 20};
    for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
        for (size_t pi = 0; pi < sizeof(pieces) / sizeof(pieces[0]); pi++) {
            veil_buf clip, out;
            encrypt_to("clip-1", CHUNK, plain, lens[li], pieces[pi], &clip);
            size_t chunks = lens[li] == 0 ? 1 : (lens[li] + CHUNK - 1) / CHUNK;
            assert_int_equal(clip.len, header_len_of(&clip) + lens[li] + chunks * 16);
            uint8_t key[VEIL_CLIP_KEY_LEN];
            assert_ok(veil_clip_derive_key(master_key, "clip-1", key));
            assert_ok(decrypt_with(key, clip.data, clip.len, pieces[pi], &out));
            assert_int_equal(out.len, lens[li]);
            if (lens[li] > 0)
                assert_memory_equal(out.data, plain, lens[li]);
            veil_buf_free(&clip);
            veil_buf_free(&out);
        }
    }
}

static void test_info_and_fresh_prefixes(void **state) {
    (void)state;
    veil_buf a, b;
    encrypt_to("clip-1", CHUNK, plain, 10, 10, &a);
    encrypt_to("clip-1", CHUNK, plain, 10, 10, &b);
    veil_clip_info ia, ib;
    size_t need;
    assert_ok(veil_clip_header_parse(a.data, a.len, &ia, &need));
    assert_ok(veil_clip_header_parse(b.data, b.len, &ib, &need));
    /* Same key and clip id, different random nonce prefix per clip. */
    assert_memory_not_equal(ia.nonce_prefix, ib.nonce_prefix, VEIL_CLIP_NONCE_PREFIX_LEN);
    assert_string_equal(ia.clip_id, "clip-1");
    assert_string_equal(ia.camera_id, "front-door");
    assert_int_equal(ia.codec, VEIL_CLIP_CODEC_H264_ANNEXB);
    assert_int_equal(ia.chunk_size, CHUNK);
    assert_int_equal(ia.width, 768);
    assert_int_equal(ia.height, 576);
    assert_int_equal(ia.fps_num, 10);
    assert_int_equal(ia.fps_den, 1);
    assert_int_equal(ia.created_ms, 1767225600000ull);
    assert_int_equal(ia.header_len, 41 + 6 + 1 + 10 + 32);
    uint8_t key[VEIL_CLIP_KEY_LEN];
    assert_ok(veil_clip_derive_key(master_key, "clip-1", key));
    assert_ok(veil_clip_header_verify(a.data, ia.header_len, &ia, key));
    veil_buf out;
    veil_clip_decryptor *dec = NULL;
    veil_buf_init(&out, 0);
    assert_ok(veil_clip_decryptor_new(key, buf_sink, &out, &dec));
    assert_null(veil_clip_decryptor_info(dec));
    assert_ok(veil_clip_decrypt_update(dec, a.data, a.len));
    assert_non_null(veil_clip_decryptor_info(dec));
    assert_string_equal(veil_clip_decryptor_info(dec)->camera_id, "front-door");
    /* The final chunk is held back until finish(). */
    assert_int_equal(out.len, 0);
    assert_ok(veil_clip_decrypt_finish(dec));
    assert_int_equal(out.len, 10);
    assert_int_equal(veil_clip_decryptor_chunks(dec), 1);
    veil_clip_decryptor_free(dec);
    veil_buf_free(&out);
    veil_buf_free(&a);
    veil_buf_free(&b);
}

/* The vector in docs/clip-format.md (cross-checked there with Node's
 * independent crypto module, tests/clip/clip_vector.mjs). */
static void test_documented_vector(void **state) {
    (void)state;
    uint8_t mk[VEIL_CLIP_KEY_LEN], key[VEIL_CLIP_KEY_LEN];
    for (size_t i = 0; i < sizeof(mk); i++)
        mk[i] = (uint8_t)i;
    assert_ok(veil_clip_derive_key(mk, "vector-1", key));
    char hex[2 * VEIL_CLIP_KEY_LEN + 1];
    veil_hex_encode(key, sizeof(key), hex);
    assert_string_equal(hex, "9889fb6e16e71e65ddfd07209977e6de925e62a2412cb86db4556c0c80bcc40b");
    veil_clip_params p = {.clip_id = "vector-1",
                          .camera_id = "cam-7",
                          .codec = VEIL_CLIP_CODEC_H264_ANNEXB,
                          .chunk_size = 16,
                          .created_ms = 1767225600000ull,
                          .width = 384,
                          .height = 288,
                          .fps_num = 10,
                          .fps_den = 1};
    const uint8_t prefix[VEIL_CLIP_NONCE_PREFIX_LEN] = {0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6};
    const char *msg = "Veil clip format v1 test vector!!"; /* 33 bytes: 16 + 16 + 1 */
    veil_buf clip;
    veil_buf_init(&clip, 0);
    veil_clip_encryptor *enc = NULL;
    assert_ok(veil_clip_encryptor_new_with_prefix(key, &p, prefix, buf_sink, &clip, &enc));
    assert_ok(veil_clip_encrypt_update(enc, msg, strlen(msg)));
    assert_ok(veil_clip_encrypt_finish(enc));
    veil_clip_encryptor_free(enc);
    char *clip_hex = malloc(2 * clip.len + 1);
    veil_hex_encode(clip.data, clip.len, clip_hex);
    assert_string_equal(clip_hex, "5645494c434c49500101005700000010f0f1f2f3f4f5f6000000019b76daa800"
                                  "01800120000a000108766563746f722d310563616d2d372932ae6c4f76322315"
                                  "7bb77fb5e96d2f1045c44e987e16112107ac1d24a0d08b3840ba111f30db0e85"
                                  "5f10583b7c72faefb7e03db641d4ec85e8ff6fcc13e0d33d8d24324a54032e30"
                                  "a950d6326521575fedab5db3b20c4f4f0eeb8b1c77296f0dbcb72ec6e4750674"
                                  "71c317c90da69672");
    free(clip_hex);
    veil_buf out;
    assert_ok(decrypt_with(key, clip.data, clip.len, 5, &out));
    assert_int_equal(out.len, strlen(msg));
    assert_memory_equal(out.data, msg, out.len);
    veil_buf_free(&out);
    veil_buf_free(&clip);
}

static void test_truncation_at_every_boundary(void **state) {
    (void)state;
    veil_buf clip;
    encrypt_to("clip-1", CHUNK, plain, PLAIN_LEN, 4096, &clip);
    size_t h = header_len_of(&clip);
    /* Inside the header. */
    expect_failure(clip.data, 0, "empty input", 0);
    expect_failure(clip.data, 5, "ends inside its header", 0);
    expect_failure(clip.data, h - 1, "ends inside its header", 0);
    /* At each chunk boundary: never accepted as complete, and chunk k-1 (the
     * last one present) is never released because it is not a final chunk. */
    for (size_t k = 0; k <= 5; k++) {
        size_t len = h + k * RECORD;
        expect_failure(clip.data, len, k == 0 ? "without its final chunk" : "is truncated",
                       k == 0 ? 0 : k - 1);
    }
    /* Inside a chunk's tag and inside the final chunk. */
    expect_failure(clip.data, h + 2 * RECORD + 10, "fewer than its 16-byte tag", 2);
    expect_failure(clip.data, clip.len - 1, "final chunk 5", 5);
    veil_buf_free(&clip);
}

static void test_chunk_order(void **state) {
    (void)state;
    veil_buf clip, bad;
    encrypt_to("clip-1", CHUNK, plain, PLAIN_LEN, 4096, &clip);
    size_t h = header_len_of(&clip);
    const uint8_t *c = clip.data;
    /* Drop chunk 2. */
    veil_buf_init(&bad, 0);
    assert_ok(veil_buf_append(&bad, c, h + 2 * RECORD));
    assert_ok(veil_buf_append(&bad, c + h + 3 * RECORD, clip.len - h - 3 * RECORD));
    expect_failure(bad.data, bad.len,
                   "position 2 (offset 2122) is chunk 3: chunks 2..2 are missing", 2);
    /* Swap chunks 1 and 2. */
    veil_buf_clear(&bad);
    assert_ok(veil_buf_append(&bad, c, h + RECORD));
    assert_ok(veil_buf_append(&bad, c + h + 2 * RECORD, RECORD));
    assert_ok(veil_buf_append(&bad, c + h + RECORD, RECORD));
    assert_ok(veil_buf_append(&bad, c + h + 3 * RECORD, clip.len - h - 3 * RECORD));
    expect_failure(bad.data, bad.len, "position 1 (offset 1106) is chunk 2", 1);
    /* Duplicate chunk 1. */
    veil_buf_clear(&bad);
    assert_ok(veil_buf_append(&bad, c, h + 2 * RECORD));
    assert_ok(veil_buf_append(&bad, c + h + RECORD, clip.len - h - RECORD));
    expect_failure(bad.data, bad.len, "position 2 (offset 2122) is chunk 1 again", 2);
    /* The short final chunk moved to the middle: records are read at the
     * fixed size, so position 1 now holds parts of two chunks. */
    veil_buf_clear(&bad);
    assert_ok(veil_buf_append(&bad, c, h + RECORD));
    assert_ok(veil_buf_append(&bad, c + h + 5 * RECORD, clip.len - h - 5 * RECORD));
    assert_ok(veil_buf_append(&bad, c + h + RECORD, 4 * RECORD));
    expect_failure(bad.data, bad.len, "chunk 1 (offset 1106) failed authentication", 1);
    /* Bytes appended after a short final chunk make it a chunk of the wrong
     * length. */
    veil_buf_clear(&bad);
    assert_ok(veil_buf_append(&bad, c, clip.len));
    assert_ok(veil_buf_append(&bad, "x", 1));
    expect_failure(bad.data, bad.len, "final chunk 5", 5);
    veil_buf_free(&clip);
    /* After a full final chunk they are recognised as appended. */
    encrypt_to("clip-1", CHUNK, plain, 5 * CHUNK, 4096, &clip);
    c = clip.data;
    veil_buf_clear(&bad);
    assert_ok(veil_buf_append(&bad, c, clip.len));
    assert_ok(veil_buf_append(&bad, "x", 1));
    expect_failure(bad.data, bad.len, "data follows its final chunk 4", 4);
    /* A whole valid clip appended. */
    veil_buf_clear(&bad);
    assert_ok(veil_buf_append(&bad, c, clip.len));
    assert_ok(veil_buf_append(&bad, c, clip.len));
    expect_failure(bad.data, bad.len, "data follows its final chunk 4", 4);
    veil_buf_free(&bad);
    veil_buf_free(&clip);
}

static void flip_and_expect(const veil_buf *clip, size_t offset, uint8_t mask, const char *text,
                            size_t max_chunks) {
    uint8_t *copy = malloc(clip->len);
    memcpy(copy, clip->data, clip->len);
    copy[offset] ^= mask;
    expect_failure(copy, clip->len, text, max_chunks);
    free(copy);
}

static void test_bit_flips(void **state) {
    (void)state;
    veil_buf clip;
    encrypt_to("clip-1", CHUNK, plain, PLAIN_LEN, 4096, &clip);
    size_t h = header_len_of(&clip);
    flip_and_expect(&clip, 0, 0x01, "not a Veil clip", 0);
    flip_and_expect(&clip, 8, 0x02, "version 3 is not supported", 0);
    flip_and_expect(&clip, 10, 0x80, "header length", 0);
    flip_and_expect(&clip, 12, 0x01, "chunk size", 0);
    flip_and_expect(&clip, 23, 0x04, "reserved flags", 0);
    /* Fields with no structural check are caught by the header tag. */
    for (size_t off = 16; off < 23; off++) /* nonce prefix */
        flip_and_expect(&clip, off, 0x10, "header authentication failed", 0);
    flip_and_expect(&clip, 24, 0x01, "header authentication failed", 0);             /* created */
    flip_and_expect(&clip, 33, 0x01, "header authentication failed", 0);             /* width */
    flip_and_expect(&clip, 39, 0x02, "header authentication failed", 0);             /* fps */
    flip_and_expect(&clip, 41 + 6 + 1 + 3, 0x01, "header authentication failed", 0); /* camera */
    flip_and_expect(&clip, h - 17, 0x01, "wrong key", 0);                            /* key check */
    flip_and_expect(&clip, h - 1, 0x80, "header authentication failed", 0); /* header tag */
    /* Chunk bodies and tags. */
    for (size_t k = 0; k < 5; k++) {
        char text[64];
        snprintf(text, sizeof(text), "chunk %zu (offset %zu) failed authentication", k,
                 h + k * RECORD);
        flip_and_expect(&clip, h + k * RECORD + 17 * k, 0x40, text, k);
        flip_and_expect(&clip, h + k * RECORD + CHUNK + 15, 0x01, text, k);
    }
    flip_and_expect(&clip, h + 5 * RECORD + 3, 0x01, "final chunk 5", 5);
    flip_and_expect(&clip, clip.len - 1, 0x01, "final chunk 5", 5);
    veil_buf_free(&clip);
}

static void test_wrong_key_and_clip_id(void **state) {
    (void)state;
    veil_buf clip, released;
    encrypt_to("clip-1", CHUNK, plain, PLAIN_LEN, 4096, &clip);
    /* A key for another clip id from the same master key. */
    assert_err(decrypt_clip("clip-2", clip.data, clip.len, &released), VEIL_ECRYPTO,
               "wrong key for clip 'clip-1'");
    assert_int_equal(released.len, 0);
    veil_buf_free(&released);
    /* The right clip id under another master key. */
    uint8_t other[VEIL_CLIP_KEY_LEN], key[VEIL_CLIP_KEY_LEN];
    memset(other, 0x55, sizeof(other));
    assert_ok(veil_clip_derive_key(other, "clip-1", key));
    assert_err(decrypt_with(key, clip.data, clip.len, 4096, &released), VEIL_ECRYPTO, "wrong key");
    assert_int_equal(released.len, 0);
    veil_buf_free(&released);
    /* The clip id in the header changed (same length) under the right key. */
    clip.data[41 + 5] = '2'; /* "clip-1" -> "clip-2" */
    assert_ok(veil_clip_derive_key(master_key, "clip-1", key));
    assert_err(decrypt_with(key, clip.data, clip.len, 4096, &released), VEIL_ECRYPTO,
               "clip 'clip-2': header authentication failed");
    assert_int_equal(released.len, 0);
    veil_buf_free(&released);
    veil_buf_free(&clip);
}

static void test_dead_after_error(void **state) {
    (void)state;
    veil_buf clip, out;
    encrypt_to("clip-1", CHUNK, plain, PLAIN_LEN, 4096, &clip);
    uint8_t key[VEIL_CLIP_KEY_LEN];
    assert_ok(veil_clip_derive_key(master_key, "clip-2", key));
    veil_buf_init(&out, 0);
    veil_clip_decryptor *dec = NULL;
    assert_ok(veil_clip_decryptor_new(key, buf_sink, &out, &dec));
    assert_err(veil_clip_decrypt_update(dec, clip.data, clip.len), VEIL_ECRYPTO, "wrong key");
    assert_err(veil_clip_decrypt_update(dec, clip.data, 1), VEIL_EINVAL, "after it failed");
    assert_err(veil_clip_decrypt_finish(dec), VEIL_EINVAL, "after it failed");
    veil_clip_decryptor_free(dec);
    veil_buf_free(&out);
    veil_buf_free(&clip);
}

static void test_params_and_keys(void **state) {
    (void)state;
    uint8_t key[VEIL_CLIP_KEY_LEN];
    assert_err(veil_clip_derive_key(master_key, "", key), VEIL_EINVAL, "clip id is 0 characters");
    assert_err(veil_clip_derive_key(master_key, "a/b", key), VEIL_EINVAL, "character 0x2f at 1");
    char id[VEIL_CLIP_ID_MAX + 1];
    assert_ok(veil_clip_new_id(id));
    assert_int_equal(strlen(id), 32);
    assert_ok(veil_clip_id_check(id, "clip id"));
    veil_clip_params p = params_for("x", VEIL_CLIP_MAX_CHUNK_SIZE + 1);
    veil_clip_encryptor *enc = NULL;
    assert_err(veil_clip_encryptor_new(key, &p, buf_sink, NULL, &enc), VEIL_EINVAL, "chunk size");
    p = params_for("x", 0);
    p.fps_den = 0;
    assert_err(veil_clip_encryptor_new(key, &p, buf_sink, NULL, &enc), VEIL_EINVAL, "frame rate");
    p = params_for("x", 0);
    p.camera_id = "tab\there";
    assert_err(veil_clip_encryptor_new(key, &p, buf_sink, NULL, &enc), VEIL_EINVAL,
               "camera id has character 0x09");

    /* Key files: hex with or without newline, or raw bytes. */
    uint8_t parsed[VEIL_CLIP_KEY_LEN];
    char hex[2 * VEIL_CLIP_KEY_LEN + 2];
    veil_hex_encode(master_key, VEIL_CLIP_KEY_LEN, hex);
    assert_ok(veil_clip_key_parse((const uint8_t *)hex, 64, 32, "k", parsed));
    assert_memory_equal(parsed, master_key, 32);
    strcat(hex, "\n");
    assert_ok(veil_clip_key_parse((const uint8_t *)hex, 65, 32, "k", parsed));
    assert_memory_equal(parsed, master_key, 32);
    assert_ok(veil_clip_key_parse(master_key, 32, 32, "k", parsed));
    assert_memory_equal(parsed, master_key, 32);
    assert_err(veil_clip_key_parse((const uint8_t *)hex, 40, 32, "key.txt", parsed), VEIL_EINVAL,
               "key.txt: a 32-byte key is 64 hex digits");
    hex[3] = 'g';
    assert_err(veil_clip_key_parse((const uint8_t *)hex, 65, 32, "key.txt", parsed),
               VEIL_EMALFORMED, "key.txt: key as hex");
}

static void test_header_parse_limits(void **state) {
    (void)state;
    veil_buf clip;
    encrypt_to("clip-1", CHUNK, plain, 1, 1, &clip);
    veil_clip_info info;
    size_t need = 0;
    assert_err(veil_clip_header_parse(clip.data, 3, &info, &need), VEIL_EMALFORMED, "truncated");
    assert_int_equal(need, 12);
    assert_err(veil_clip_header_parse(clip.data, 20, &info, &need), VEIL_EMALFORMED,
               "20 of its 90 bytes");
    assert_int_equal(need, 90);
    assert_err(veil_clip_header_parse((const uint8_t *)"VEILCLOP", 8, &info, &need),
               VEIL_EMALFORMED, "not a Veil clip");
    assert_int_equal(need, 0);
    clip.data[9] = 9;
    assert_err(veil_clip_header_parse(clip.data, clip.len, &info, &need), VEIL_EUNSUPPORTED,
               "unknown codec 9");
    clip.data[9] = 1;
    clip.data[40] = 0; /* empty clip id */
    assert_err(veil_clip_header_parse(clip.data, clip.len, &info, &need), VEIL_EMALFORMED,
               "clip id length 0");
    veil_buf_free(&clip);
}

int main(void) {
    fill();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_info_and_fresh_prefixes),
        cmocka_unit_test(test_documented_vector),
        cmocka_unit_test(test_truncation_at_every_boundary),
        cmocka_unit_test(test_chunk_order),
        cmocka_unit_test(test_bit_flips),
        cmocka_unit_test(test_wrong_key_and_clip_id),
        cmocka_unit_test(test_dead_after_error),
        cmocka_unit_test(test_params_and_keys),
        cmocka_unit_test(test_header_parse_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
