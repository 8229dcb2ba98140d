/*
 * The primitives under the clip format against independent vectors:
 * Wycheproof AES-GCM (all 316) and HKDF-SHA256 (all 86), and NIST SP 800-38A
 * / RFC 3686 AES-CTR.  Every vector runs through lib/clip's own wrappers.
 */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

#include "clip_crypto.h"
#include "veil/encoding.h"
#include "veil/json.h"
#include "veil/str.h"

#define VECTOR_FILE_MAX (4u << 20)

static bool have_testdata(void) {
    char *path = NULL;
    assert_ok(veil_asprintf(&path, "%s/README.md", VEIL_TESTDATA_DIR));
    FILE *f = fopen(path, "rb");
    free(path);
    if (f == NULL)
        return false;
    fclose(f);
    return true;
}

static json_t *load_json(const char *rel) {
    char *path = NULL;
    uint8_t *data = NULL;
    size_t len = 0;
    json_t *root = NULL;
    assert_ok(veil_asprintf(&path, "%s/%s", VEIL_TESTDATA_DIR, rel));
    assert_ok(veil_read_file(path, VECTOR_FILE_MAX, &data, &len));
    assert_ok(veil_json_parse((const char *)data, len, path, &root));
    free(data);
    free(path);
    return root;
}

/* Decodes a hex string field into a new buffer (at least 1 byte allocated). */
static uint8_t *hex_field(json_t *obj, const char *key, size_t *len) {
    const char *hex = json_string_value(json_object_get(obj, key));
    assert_non_null(hex);
    size_t hex_len = strlen(hex);
    uint8_t *out = malloc(hex_len / 2 + 1);
    assert_non_null(out);
    assert_ok(veil_hex_decode(hex, hex_len, out, hex_len / 2 + 1, len));
    return out;
}

static void test_wycheproof_aes_gcm(void **state) {
    (void)state;
    json_t *root = load_json("crypto/wycheproof/aes_gcm_test.json");
    size_t groups_n = 0, tests_n = 0, valid_n = 0, invalid_n = 0;
    json_t *group;
    size_t gi;
    json_array_foreach(json_object_get(root, "testGroups"), gi, group) {
        groups_n++;
        json_t *tc;
        size_t ti;
        json_array_foreach(json_object_get(group, "tests"), ti, tc) {
            size_t key_len, iv_len, aad_len, msg_len, ct_len, tag_len;
            uint8_t *key = hex_field(tc, "key", &key_len);
            uint8_t *iv = hex_field(tc, "iv", &iv_len);
            uint8_t *aad = hex_field(tc, "aad", &aad_len);
            uint8_t *msg = hex_field(tc, "msg", &msg_len);
            uint8_t *ct = hex_field(tc, "ct", &ct_len);
            uint8_t *tag = hex_field(tc, "tag", &tag_len);
            const char *result = json_string_value(json_object_get(tc, "result"));
            int id = (int)json_integer_value(json_object_get(tc, "tcId"));
            uint8_t *out = calloc(1, ct_len + msg_len + 1);
            uint8_t out_tag[16];
            veil_clip_gcm *gcm = NULL;
            assert_ok(veil_clip_gcm_new(key, key_len, &gcm));
            veil_error *open_err =
                veil_clip_gcm_open(gcm, iv, iv_len, aad, aad_len, ct, ct_len, tag, tag_len, out);
            if (strcmp(result, "valid") == 0) {
                valid_n++;
                if (open_err != NULL)
                    print_error("tcId %d: %s\n", id, veil_error_message(open_err));
                assert_null(open_err);
                assert_int_equal(ct_len, msg_len);
                assert_memory_equal(out, msg, msg_len);
                assert_ok(veil_clip_gcm_seal(gcm, iv, iv_len, aad, aad_len, msg, msg_len, out,
                                             out_tag, tag_len));
                assert_memory_equal(out, ct, ct_len);
                assert_memory_equal(out_tag, tag, tag_len);
            } else {
                invalid_n++;
                if (open_err == NULL)
                    print_error("tcId %d (%s) was accepted\n", id, result);
                assert_non_null(open_err);
                /* Nothing of a rejected message survives the call. */
                for (size_t i = 0; i < ct_len; i++)
                    assert_int_equal(out[i], 0);
                veil_error_free(open_err);
            }
            veil_clip_gcm_free(gcm);
            free(out);
            free(key);
            free(iv);
            free(aad);
            free(msg);
            free(ct);
            free(tag);
            tests_n++;
        }
    }
    assert_int_equal(tests_n, (size_t)json_integer_value(json_object_get(root, "numberOfTests")));
    assert_int_equal(valid_n, 229);
    assert_int_equal(invalid_n, 87);
    print_message("Wycheproof AES-GCM: %zu vectors in %zu groups (%zu valid, %zu invalid)\n",
                  tests_n, groups_n, valid_n, invalid_n);
    json_decref(root);
}

static void test_wycheproof_hkdf_sha256(void **state) {
    (void)state;
    json_t *root = load_json("crypto/wycheproof/hkdf_sha256_test.json");
    size_t tests_n = 0, invalid_n = 0;
    json_t *group;
    size_t gi;
    json_array_foreach(json_object_get(root, "testGroups"), gi, group) {
        json_t *tc;
        size_t ti;
        json_array_foreach(json_object_get(group, "tests"), ti, tc) {
            size_t ikm_len, salt_len, info_len, okm_len;
            uint8_t *ikm = hex_field(tc, "ikm", &ikm_len);
            uint8_t *salt = hex_field(tc, "salt", &salt_len);
            uint8_t *info = hex_field(tc, "info", &info_len);
            uint8_t *okm = hex_field(tc, "okm", &okm_len);
            size_t size = (size_t)json_integer_value(json_object_get(tc, "size"));
            const char *result = json_string_value(json_object_get(tc, "result"));
            uint8_t *out = calloc(1, size + 1);
            assert_non_null(out);
            veil_error *err =
                veil_clip_hkdf_sha256(salt, salt_len, ikm, ikm_len, info, info_len, out, size);
            if (strcmp(result, "valid") == 0) {
                assert_null(err);
                assert_int_equal(okm_len, size);
                assert_memory_equal(out, okm, size);
            } else {
                invalid_n++;
                assert_non_null(err);
                assert_int_equal(veil_error_code(err), VEIL_EINVAL);
                veil_error_free(err);
            }
            free(out);
            free(ikm);
            free(salt);
            free(info);
            free(okm);
            tests_n++;
        }
    }
    assert_int_equal(tests_n, (size_t)json_integer_value(json_object_get(root, "numberOfTests")));
    assert_int_equal(invalid_n, 3);
    print_message("Wycheproof HKDF-SHA256: %zu vectors (%zu invalid)\n", tests_n, invalid_n);
    json_decref(root);
}

/* Parses "NAME = HEX" lines of the NIST CTR file, section by section. */
static void test_nist_aes_ctr(void **state) {
    (void)state;
    char *path = NULL;
    uint8_t *data = NULL;
    size_t len = 0;
    assert_ok(veil_asprintf(&path, "%s/crypto/nist/sp800-38a_ctr.txt", VEIL_TESTDATA_DIR));
    assert_ok(veil_read_file(path, 1u << 20, &data, &len));
    uint8_t key[32], ctr_block[16], pt[256], ct[256], out[256];
    size_t key_len = 0, ctr_len = 0, pt_len = 0, ct_len = 0;
    size_t sections = 0;
    char *save = NULL;
    for (char *line = strtok_r((char *)data, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char name[16];
        char hex[600];
        if (sscanf(line, "%15s = %599s", name, hex) != 2)
            continue;
        if (strcmp(name, "KEY") == 0)
            assert_ok(veil_hex_decode(hex, strlen(hex), key, sizeof(key), &key_len));
        else if (strcmp(name, "INITCTR") == 0)
            assert_ok(veil_hex_decode(hex, strlen(hex), ctr_block, sizeof(ctr_block), &ctr_len));
        else if (strcmp(name, "PLAINTEXT") == 0)
            assert_ok(veil_hex_decode(hex, strlen(hex), pt, sizeof(pt), &pt_len));
        else if (strcmp(name, "CIPHERTEXT") == 0) {
            assert_ok(veil_hex_decode(hex, strlen(hex), ct, sizeof(ct), &ct_len));
            assert_int_equal(ctr_len, 16);
            assert_int_equal(pt_len, ct_len);
            /* In one call, and again in uneven pieces (the stream continues). */
            veil_clip_ctr *ctr = NULL;
            assert_ok(veil_clip_ctr_new(key, key_len, ctr_block, &ctr));
            assert_ok(veil_clip_ctr_crypt(ctr, pt, pt_len, out));
            assert_memory_equal(out, ct, ct_len);
            veil_clip_ctr_free(ctr);
            assert_ok(veil_clip_ctr_new(key, key_len, ctr_block, &ctr));
            size_t done = 0, step = 1;
            while (done < ct_len) {
                size_t n = step < ct_len - done ? step : ct_len - done;
                assert_ok(veil_clip_ctr_crypt(ctr, ct + done, n, out + done));
                done += n;
                step += 7;
            }
            assert_memory_equal(out, pt, pt_len);
            veil_clip_ctr_free(ctr);
            sections++;
        }
    }
    assert_int_equal(sections, 4);
    free(data);
    free(path);
}

static void test_bad_arguments(void **state) {
    (void)state;
    uint8_t key[32] = {0}, iv[12] = {0}, tag[16], buf[4] = {1, 2, 3, 4};
    veil_clip_gcm *gcm = NULL;
    assert_err(veil_clip_gcm_new(key, 20, &gcm), VEIL_EINVAL, "20 bytes");
    assert_ok(veil_clip_gcm_new(key, 32, &gcm));
    assert_err(veil_clip_gcm_seal(gcm, iv, 12, NULL, 0, buf, 4, buf, tag, 17), VEIL_EINVAL,
               "tag length 17");
    assert_err(veil_clip_gcm_open(gcm, iv, 0, NULL, 0, buf, 4, tag, 16, buf), VEIL_EINVAL,
               "nonce is empty");
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0);
    veil_clip_gcm_free(gcm);
    uint8_t okm[1];
    assert_err(veil_clip_hkdf_sha256_expand(key, 16, NULL, 0, okm, 1), VEIL_EINVAL, "needs 32");
}

int main(void) {
    if (!have_testdata()) {
        fprintf(stderr, "skipped: no test material at %s\n", VEIL_TESTDATA_DIR);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wycheproof_aes_gcm),
        cmocka_unit_test(test_wycheproof_hkdf_sha256),
        cmocka_unit_test(test_nist_aes_ctr),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
